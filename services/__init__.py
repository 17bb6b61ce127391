"""Clients of the services a disease map lives on: MINERVA, where it is published (``minerva``).

A layer of its own between ``curation`` and ``literature``: it may use literature's
polite HTTP layer and its exception family, and knows nothing of maps, ledgers or
projects; ``curation`` turns what these clients return into snapshots and findings.
"""
