"""One paper, one reference: which ledger references name the same paper.

A paper may be recorded as ``doi:10.1038/...``, ``pmc:PMC...`` and ``pubmed:N``. After
``crsmap fetch`` the cached citation of each carries the PMID the services resolved it
to, so references are grouped by ``pubmed:PMID`` when it is known, else by themselves.
Listings, coverage, the report and the citation exports count and write each paper
once; the audit reports the repeated forms (``duplicate-evidence``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .ledger import natural_key

if TYPE_CHECKING:
    from literature.model import Citation

_PREFERENCE = {"pubmed": 0, "doi": 1, "pmc": 2}


def paper_key(curie: str, citations: Mapping[str, Citation]) -> str:
    """``pubmed:PMID`` of the paper ``curie`` names when the cache knows it, else ``curie``."""
    if curie.startswith("pubmed:"):
        return curie
    citation = citations.get(curie)
    if citation is not None and citation.found and citation.pmid:
        return f"pubmed:{citation.pmid}"
    return curie


def preference(curie: str) -> tuple:
    """Which form of a paper to keep: the PubMed ID, then a DOI, then a PMC ID."""
    return (_PREFERENCE.get(curie.partition(":")[0], 3), natural_key(curie))


def by_paper(curies: Iterable[str], citations: Mapping[str, Citation]) -> dict[str, list[str]]:
    """The distinct references grouped by paper, each group's preferred form first."""
    groups: dict[str, list[str]] = {}
    for curie in dict.fromkeys(curies):
        groups.setdefault(paper_key(curie, citations), []).append(curie)
    return {key: sorted(forms, key=preference) for key, forms in groups.items()}


def one_per_paper(curies: Iterable[str], citations: Mapping[str, Citation]) -> list[str]:
    """One reference per paper (its preferred recorded form), in natural order."""
    kept = [forms[0] for forms in by_paper(curies, citations).values()]
    return sorted(kept, key=natural_key)


def cached(root: Path) -> dict[str, Citation]:
    """The project's citation cache, skipping lines it cannot read (the audit reports them)."""
    from .errors import InputError
    from .parsed import read_citations

    try:
        return read_citations(root, problems=[])
    except InputError:  # unreadable as a whole: nothing is known about any paper
        return {}
