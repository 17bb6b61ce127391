"""The audit: rules that check a map, its ledgers and its citations before a release.

Each rule is a small function registered with its code, default severity, a one-line
description and the command that fixes what it finds. Where things are:

- :mod:`.engine`: :class:`Finding`, :class:`Rule`, the :func:`rule` decorator and the
  :data:`RULES` registry, :class:`AuditData` (what the rules read, loaded once),
  :func:`settings`, :func:`run`, :func:`run_on_snapshot`, :func:`evaluate`,
  :class:`AuditReport` and :func:`rule_reference`;
- :mod:`.references`: evidence and references (``missing-evidence`` to ``unfetched-reference``);
- :mod:`.people`: ORCIDs, curators and the map's creators;
- :mod:`.licenses`: SPDX identifiers and license compatibility;
- :mod:`.ledgers`: the ledgers against the map and themselves (``interaction-changed``,
  ``map-drift``, ``duplicate-evidence``, ``invalid-record``);
- the ``minerva-*`` rules live in :mod:`curation.minerva.rules` and are registered last.

Importing this package registers every rule, in the order of :data:`RULE_MODULES` and then
MINERVA's: that is the order of :data:`RULES`, of ``docs/rules.md`` and of the rule listings.
"""

from __future__ import annotations

from importlib import import_module

from .engine import (
    FAIL_ON,
    RULES,
    SEVERITIES,
    AuditData,
    AuditReport,
    AuditSettings,
    Finding,
    Rule,
    evaluate,
    rule,
    rule_reference,
    run,
    run_on_snapshot,
    settings,
)

__all__ = [
    "FAIL_ON",
    "RULES",
    "SEVERITIES",
    "AuditData",
    "AuditReport",
    "AuditSettings",
    "Finding",
    "Rule",
    "evaluate",
    "rule",
    "rule_reference",
    "run",
    "run_on_snapshot",
    "settings",
]

RULE_MODULES = ("references", "people", "licenses", "ledgers")
"""The rule modules, imported (so registered) in this order: the order of :data:`RULES`."""


def _register_minerva_rules() -> None:
    """The rules over the MINERVA snapshot (see :mod:`curation.minerva`); they find nothing
    without ``minerva.json``, and a release (audited from its commit) does not run them.
    Only the rules module is imported here: the comparison and the network code wait."""
    from ..minerva.rules import RULES, checker

    for info in RULES:
        rule(info.code, info.severity, info.description, info.fix)(checker(info.code))


for _module in RULE_MODULES:
    import_module(f".{_module}", __name__)
del _module
_register_minerva_rules()
