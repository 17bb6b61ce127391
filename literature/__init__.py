"""Citation metadata for crsmap: PubMed and Crossref clients and citation writers.

The clients arrive with the literature work (SPEC section 4); the package is part of the
distribution from the start so that imports and packaging stay stable.
"""
