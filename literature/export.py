"""Citations as BibTeX (through bibtexparser v2), CSL-JSON and a flat table."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from json.encoder import encode_basestring

from .model import Citation
from .tsv import safe_table

TSV_COLUMNS = (
    "id", "key", "status", "pmid", "pmcid", "doi", "year", "journal", "volume", "issue", "pages",
    "authors", "title", "pubtypes", "retracted", "notices",
)  # fmt: skip


# Compiled once: these run per author, page range or reference, thousands of times a
# release, and ``re.sub`` with a pattern string looks its pattern up in re's cache each time.
_NOT_A_LETTER = re.compile(r"[^A-Za-z]")
_PAGE_DASH = re.compile(r"(?<=\w)-(?=\w)")
_NOT_IN_KEY = re.compile(r"[^A-Za-z0-9:._/-]")


def _ascii_letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_A_LETTER.sub("", folded)


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
    return _PAGE_DASH.sub("--", pages)


UNFETCHED_NOTE = "unfetched: no citation metadata was cached when this file was written"
_IDENTIFIER_FIELDS = {"pubmed": ("pmid", "PMID"), "doi": ("doi", "DOI"), "pmc": ("pmcid", "PMCID")}


def _unfetched_identifier(curie: str) -> tuple[str, str, str]:
    """(BibTeX field, CSL field, value) of a reference CURIE such as ``pubmed:29808005``."""
    prefix, _, value = curie.partition(":")
    bibtex, csl = _IDENTIFIER_FIELDS.get(prefix, ("note", "note"))
    return bibtex, csl, value


_FORM_ORDER = {"pubmed": 0, "doi": 1, "pmc": 2}


def _identifiers(citation: Citation) -> set[str]:
    """The reference CURIEs an entry for ``citation`` answers to."""
    ids = {citation.id.lower()}
    for prefix, value in (
        ("pubmed", citation.pmid),
        ("doi", citation.doi),
        ("pmc", citation.pmcid),
    ):
        if value:
            ids.add(f"{prefix}:{value}".lower())
    return ids


def one_per_paper(
    citations: Iterable[Citation], unfetched: Iterable[str] = ()
) -> tuple[list[Citation], list[str]]:
    """The found citations with one entry per paper, and the unfetched references left.

    A DOI or PMC ID that resolved to a PMID is the same paper as that PMID: its entry is
    merged into the PubMed one (keeping every identifier), so a paper is written once.
    An unfetched reference that names a found paper is dropped.
    """
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        if citation.found:
            key = f"pubmed:{citation.pmid}" if citation.pmid else citation.id
            groups.setdefault(key, []).append(citation)
    kept: list[Citation] = []
    for group in groups.values():
        group.sort(key=lambda c: (_FORM_ORDER.get(c.id.partition(":")[0], 3), c.id))
        first = merged = group[0]
        if len(group) > 1:  # most papers are cited under one identifier: nothing to merge
            merged = replace(
                first,
                doi=first.doi or next((c.doi for c in group if c.doi), None),
                pmcid=first.pmcid or next((c.pmcid for c in group if c.pmcid), None),
                retracted=any(c.retracted for c in group),
            )
        kept.append(merged)
        covered = _identifiers(merged)
        # An entry whose own identifier the merged one would not carry stays on its own.
        kept += [c for c in group[1:] if c.id.lower() not in covered]
    known = set().union(*(_identifiers(c) for c in kept))
    return kept, [u for u in unfetched if u.lower() not in known]


# The characters LaTeX encoding leaves as they are: printable ASCII but for these.
_LATEX_SAFE = frozenset(chr(c) for c in range(32, 127)) - frozenset('"#$%&<>\\^_{}~')


def to_bibtex(citations: Iterable[Citation], unfetched: Iterable[str] = ()) -> str:
    """BibTeX of the found citations, sorted by key, special characters LaTeX-escaped.

    Each reference of ``unfetched`` (CURIEs without metadata) gets an explicit ``@misc``
    entry with its identifier and ``status = {unfetched}``, after the others. A paper
    cited under several identifiers is written once (see :func:`one_per_paper`).
    """
    import bibtexparser
    from bibtexparser import middlewares, model

    found, unfetched = one_per_paper(citations, unfetched)
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
    # corrupt a DOI with an underscore. Only entries with a character the encoder changes
    # go through it (most are plain ASCII), changed in place: the library is ours.
    escaped = bibtexparser.Library(
        [e for e in library.entries if any(not _LATEX_SAFE.issuperset(f.value) for f in e.fields)]
    )
    middlewares.LatexEncodingMiddleware(
        keep_math=True, enclose_urls=False, allow_inplace_modification=True
    ).transform(escaped)
    for entry in library.entries:
        for name, value in identifiers[entry.key]:
            entry.set_field(model.Field(name, value))
    for curie in unfetched:
        field, _, value = _unfetched_identifier(curie)
        key = "unfetched:" + _NOT_IN_KEY.sub("-", curie)
        fields = [model.Field("note", UNFETCHED_NOTE), model.Field("status", "unfetched")]
        if field != "note":
            fields.append(model.Field(field, value))
        library.add(model.Entry("misc", key, fields))
    from bibtexparser.entrypoint import default_unparse_stack

    stack = default_unparse_stack(allow_inplace_modification=True)  # no copy of the library
    text = bibtexparser.write_string(library, unparse_stack=stack)
    return text.strip() + "\n" if text.strip() else ""


def to_csl(citations: Iterable[Citation], unfetched: Iterable[str] = ()) -> str:
    """CSL-JSON items of the found citations, with the BibTeX keys as ids.

    Each reference of ``unfetched`` gets an explicit item: its CURIE as ``id``, its
    identifier, and ``"status": "unfetched"``. A paper cited under several identifiers
    is written once (see :func:`one_per_paper`).
    """
    found, unfetched = one_per_paper(citations, unfetched)
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
    for curie in unfetched:
        _, field, value = _unfetched_identifier(curie)
        item = {"id": curie, "type": "article", "status": "unfetched", "note": UNFETCHED_NOTE}
        if field != "note":
            item[field] = value
        items.append(item)
    return indented_json(items) + "\n"


# Floats (and values JSON has no form for) go through the C encoder, which writes them as
# the indenting encoder does: ``float.__repr__``, NaN, Infinity, or the same TypeError.
_encode_scalar = json.JSONEncoder(ensure_ascii=False).encode


class _NotPlain(Exception):
    """A mapping key that is not a string: left to the standard library's encoder."""


def indented_json(value) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)``, character for character.

    With ``indent`` the standard library falls back to its pure-Python encoder, slow on a
    few thousand citations; here only the layout is Python, and every string goes through
    the escaper that encoder uses (json's C one). A mapping with a key that is not a string
    is left to ``json.dumps`` itself. (A value that contains itself is a RecursionError
    here, where ``json.dumps`` raises ValueError: to_csl builds its values fresh.)
    """
    try:
        return _indented(value, "\n")
    except _NotPlain:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _indented(value, newline: str) -> str:
    """``value`` laid out as at the nesting whose line break and indent is ``newline``."""
    if isinstance(value, str):
        return encode_basestring(value)
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = []
        for key, item in sorted(value.items()):
            if not isinstance(key, str):
                raise _NotPlain
            text = encode_basestring(item) if type(item) is str else _indented(item, inner)
            parts.append(f"{encode_basestring(key)}: {text}")
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        parts = [encode_basestring(i) if type(i) is str else _indented(i, inner) for i in value]
        return "[" + inner + ("," + inner).join(parts) + newline + "]"
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # what the standard library writes, for a subclass too
    return _encode_scalar(value)  # a float, or the standard library's TypeError


def to_tsv(citations: Iterable[Citation]) -> str:
    """One row per cached reference (found or not), sorted by id, safe to open in a spreadsheet.

    Written by :func:`literature.tsv.safe_table`: whitespace in a cell is collapsed to
    single spaces, and a cell that a spreadsheet would run as a formula is neutralised.
    """
    ordered = sorted(citations, key=lambda c: c.id)
    keys = citation_keys([c for c in ordered if c.found])
    rows = []
    for c in ordered:
        row = {
            "id": c.id, "key": keys.get(c.id, ""), "status": c.status, "pmid": c.pmid or "",
            "pmcid": c.pmcid or "", "doi": c.doi or "", "year": str(c.year or ""), "journal": c.journal,
            "volume": c.volume, "issue": c.issue, "pages": c.pages,
            "authors": "; ".join(f"{a.family} {a.given}".strip() for a in c.authors),
            "title": c.title, "pubtypes": "; ".join(c.pubtypes), "retracted": "yes" if c.retracted else "no",
            "notices": "; ".join(f"{n.type} {n.id}" for n in c.notices),
        }  # fmt: skip
        rows.append([row[k] for k in TSV_COLUMNS])
    return safe_table(TSV_COLUMNS, rows)
