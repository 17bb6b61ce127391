"""Citations as BibTeX (through bibtexparser v2), CSL-JSON and a flat table."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

from .model import Citation

TSV_COLUMNS = (
    "id", "key", "status", "pmid", "pmcid", "doi", "year", "journal", "volume", "issue", "pages",
    "authors", "title", "pubtypes", "retracted", "notices",
)  # fmt: skip


def _ascii_letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z]", "", folded)


def citation_keys(citations: Iterable[Citation]) -> dict[str, str]:
    """Stable keys such as ``Giavridis2018``; clashes get ``a``, ``b``... in order of reference id."""
    groups: dict[str, list[str]] = {}
    for citation in sorted(citations, key=lambda c: c.id):
        family = _ascii_letters(citation.authors[0].family) if citation.authors else ""
        base = (family[:1].upper() + family[1:]) if family else "Anonymous"
        base += str(citation.year) if citation.year else "nd"
        groups.setdefault(base, []).append(citation.id)
    keys = {}
    for base, ids in groups.items():
        if len(ids) == 1:
            keys[ids[0]] = base
        else:
            for index, ref in enumerate(ids):
                keys[ref] = base + _suffix(index)
    return keys


def _suffix(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _pages(pages: str) -> str:
    return re.sub(r"(?<=\w)-(?=\w)", "--", pages)


def to_bibtex(citations: Iterable[Citation]) -> str:
    """BibTeX of the found citations, sorted by key, special characters LaTeX-escaped."""
    import bibtexparser
    from bibtexparser import middlewares, model

    found = [c for c in citations if c.found]
    keys = citation_keys(found)
    library = bibtexparser.Library()
    identifiers = {}
    for citation in sorted(found, key=lambda c: keys[c.id]):
        authors = " and ".join(
            f"{a.family}, {a.given}" if a.given else f"{{{a.family}}}" for a in citation.authors
        )
        text_fields = [
            ("author", authors),
            ("title", citation.title),
            ("journal", citation.journal),
            ("year", str(citation.year) if citation.year else ""),
            ("volume", citation.volume),
            ("number", citation.issue),
            ("pages", _pages(citation.pages)),
            ("note", "Retracted publication" if citation.retracted else ""),
        ]
        fields = [model.Field(k, v) for k, v in text_fields if v]
        library.add(model.Entry("article", keys[citation.id], fields))
        identifiers[keys[citation.id]] = [
            (k, v)
            for k, v in (("doi", citation.doi), ("pmid", citation.pmid), ("pmcid", citation.pmcid))
            if v
        ]
    # LaTeX-escape the text; identifiers are added afterwards, because escaping would
    # corrupt a DOI with an underscore.
    library = middlewares.LatexEncodingMiddleware(keep_math=True, enclose_urls=False).transform(
        library
    )
    for entry in library.entries:
        for name, value in identifiers[entry.key]:
            entry.set_field(model.Field(name, value))
    text = bibtexparser.write_string(library)
    return text.strip() + "\n" if text.strip() else ""


def to_csl(citations: Iterable[Citation]) -> str:
    """CSL-JSON items of the found citations, with the BibTeX keys as ids."""
    found = [c for c in citations if c.found]
    keys = citation_keys(found)
    items = []
    for citation in sorted(found, key=lambda c: keys[c.id]):
        item = {
            "id": keys[citation.id],
            "type": "article-journal",
            "title": citation.title,
            "author": [
                {"family": a.family, "given": a.given} if a.given else {"literal": a.family}
                for a in citation.authors
            ],
            "container-title": citation.journal,
            "issued": {"date-parts": [[citation.year]]} if citation.year else None,
            "volume": citation.volume,
            "issue": citation.issue,
            "page": citation.pages,
            "DOI": citation.doi,
            "PMID": citation.pmid,
            "PMCID": citation.pmcid,
            "note": "Retracted publication" if citation.retracted else None,
        }
        items.append({k: v for k, v in item.items() if v not in (None, "", [])})
    return json.dumps(items, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def to_tsv(citations: Iterable[Citation]) -> str:
    """One row per cached reference (found or not), sorted by id."""
    ordered = sorted(citations, key=lambda c: c.id)
    keys = citation_keys([c for c in ordered if c.found])
    lines = ["\t".join(TSV_COLUMNS)]
    for c in ordered:
        row = {
            "id": c.id, "key": keys.get(c.id, ""), "status": c.status, "pmid": c.pmid or "",
            "pmcid": c.pmcid or "", "doi": c.doi or "", "year": str(c.year or ""), "journal": c.journal,
            "volume": c.volume, "issue": c.issue, "pages": c.pages,
            "authors": "; ".join(f"{a.family} {a.given}".strip() for a in c.authors),
            "title": c.title, "pubtypes": "; ".join(c.pubtypes), "retracted": "yes" if c.retracted else "no",
            "notices": "; ".join(f"{n.type} {n.id}" for n in c.notices),
        }  # fmt: skip
        lines.append("\t".join(" ".join(row[k].split()) for k in TSV_COLUMNS))
    return "\n".join(lines) + "\n"
