"""``interactions list`` rows: one_per_paper runs only where it can merge something.

``curation.views`` skips :func:`curation.papers.one_per_paper` for an interaction with
one reference, or when no citation is cached; checked here against calling it always,
as the listing did before, over references that do and do not name the same paper.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from curation.ledger import EvidenceRecord, natural_key
from curation.papers import one_per_paper
from curation.views import _references
from literature.identifiers import reference_key
from literature.model import Citation

# pubmed:1 and the two other forms of the same paper, hand-written spellings, a second
# paper, and a reference that does not parse.
REFERENCES = [
    "pubmed:1",
    "PMID:1",
    "doi:10.1/a",
    "pmc:PMC5",
    "pubmed:2",
    "doi:10.1/b",
    "pmc:PMC6",
    "not a reference",
]
CITATIONS = {
    "doi:10.1/a": Citation(id="doi:10.1/a", status="ok", pmid="1"),
    "pmc:PMC5": Citation(id="pmc:PMC5", status="ok", pmid="1"),
    "doi:10.1/b": Citation(id="doi:10.1/b", status="not-found"),
}


def record(reference: str) -> EvidenceRecord:
    return EvidenceRecord(
        "re1", reference, "ECO:0000269", "0000-0002-1825-0097", "2026-01-01", "manual"
    )


def always(records, citations) -> list[str]:
    """What the listing computed before: one_per_paper for every interaction."""
    return one_per_paper(
        sorted({reference_key(r.reference) for r in records}, key=natural_key), citations or {}
    )


@given(st.lists(st.sampled_from(REFERENCES), max_size=6), st.booleans())
def test_references_are_those_of_one_per_paper(references, cached):
    records = [record(reference) for reference in references]
    citations = CITATIONS if cached else {}
    assert _references(records, citations) == always(records, citations)


def test_forms_of_one_paper_still_count_once():
    records = [record(r) for r in ("doi:10.1/a", "pubmed:1", "pmc:PMC5", "pubmed:2")]
    assert _references(records, CITATIONS) == ["pubmed:1", "pubmed:2"]
    assert _references(records, {}) == ["doi:10.1/a", "pmc:PMC5", "pubmed:1", "pubmed:2"]
