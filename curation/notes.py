"""Deleting a reference from a reaction's notes, for ``crsmap evidence remove --from-notes``.

Curators type references into CellDesigner notes (``PMID:9244310``, ``PMIDs: 1, 2``,
PubMed and doi.org URLs). A removed reference that stays there keeps showing in MINERVA,
so crsmap can delete it: like ``annotate``, it cuts bytes out of the text of the
reaction's ``<notes>`` and leaves every other byte of the file as it was. The result is
re-read, and refused unless exactly the unwanted references disappeared from exactly
those reactions and nothing else about the map changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .annotate import _tag_end, expat_parser, run_expat  # the annotator's byte scanners
from .identifiers import DOI, DOI_LABEL, PMC, PMID_IN_TEXT, PUBMED, link_forms

_SBML = "http://www.sbml.org/sbml/level"
_SEPARATOR_AFTER = re.compile(rb"[ \t]*[,;][ \t]*")
_SEPARATOR_BEFORE = re.compile(rb"[ \t]*[,;][ \t]*$")
_OPEN_BRACKET = re.compile(rb"[ \t]*[(\[][ \t]*$")
_CLOSE_BRACKET = re.compile(rb"[ \t]*[)\]]")
# The reader's spellings (literature.identifiers), as bytes: PMID:1, PMIDs: 1, 2 and links.
_PMID_LIST = re.compile(PMID_IN_TEXT.encode(), re.I)
_PUBMED_LINKS = [
    re.compile((before + r"(\d{1,9})" + after).encode(), re.I)
    for before, after in link_forms(PUBMED)
]
_DOI_LEADS = [DOI_LABEL.encode()] + [before.encode() for before, _ in link_forms(DOI)]
_PMC_LEADS = [(before.encode(), after.encode()) for before, after in link_forms(PMC)]
_DOI_END = rb"(?=[.,;:)\]}']*(?:[\s\"<>]|$))"


@dataclass(frozen=True)
class _Notes:
    """Where a reaction's notes text lies in the file, and the reaction's name."""

    content_start: int  # just after <notes>
    content_end: int  # at </notes>
    name: str


def _locate_notes(data: bytes, label: str) -> dict[str, _Notes]:
    """Each SBML reaction's ``<notes>`` content byte range (empty when none), by reaction id."""
    parser = expat_parser(namespace_separator=" ")
    stack: list[tuple[str, str]] = []  # (namespace, local name) of the open elements
    found: dict[str, _Notes] = {}
    current: list[str] = []  # the reaction being read
    notes_at: list[tuple[int, int]] = []  # (content start, depth) of the open <notes>

    def start(name, attributes):
        uri, _, local = name.rpartition(" ")
        parent = stack[-1] if stack else ("", "")
        if uri.startswith(_SBML) and local == "reaction":
            current[:] = [attributes.get("id", "")]
            found[current[0]] = _Notes(0, 0, attributes.get("name", ""))
        elif local == "notes" and uri.startswith(_SBML) and parent[1] == "reaction" and current:
            notes_at[:] = [(_tag_end(data, parser.CurrentByteIndex), len(stack))]
        stack.append((uri, local))

    def end(name):
        stack.pop()
        if notes_at and len(stack) == notes_at[0][1]:
            content_start = notes_at.pop()[0]
            index = parser.CurrentByteIndex
            content_end = index if data[index : index + 2] == b"</" else content_start
            found[current[0]] = _Notes(content_start, content_end, found[current[0]].name)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    run_expat(parser, data, label)
    return found


def _text_runs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Byte ranges of the character data between ``start`` and ``end`` (no markup)."""
    index = start
    while index < end:
        if data[index : index + 1] != b"<":
            stop = data.find(b"<", index, end)
            stop = end if stop < 0 else stop
            yield index, stop
            index = stop
            continue
        for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")):
            if data.startswith(opener, index):
                close = data.find(closer, index, end)
                index = end if close < 0 else close + len(closer)
                break
        else:
            index = _tag_end(data, index)


def _spans(run: bytes, curie: str) -> list[tuple[int, int, bool]]:
    """(start, end, whole citation) of each place ``run`` writes ``curie``."""
    prefix, _, local = curie.partition(":")
    spans: list[tuple[int, int, bool]] = []
    if prefix == PUBMED:
        for match in _PMID_LIST.finditer(run):
            tokens = [(match.start(1), match.end(1))]
            offset = match.start(2)
            tokens += [
                (offset + m.start(), offset + m.end()) for m in re.finditer(rb"\d+", match.group(2))
            ]
            for position, (a, b) in enumerate(tokens):
                if run[a:b].decode() != local:
                    continue
                if len(tokens) == 1:
                    spans.append((match.start(), match.end(), True))
                elif position == 0:
                    spans.append((a, tokens[1][0], False))
                else:
                    spans.append((tokens[position - 1][1], b, False))
        for pattern in _PUBMED_LINKS:
            for match in pattern.finditer(run):
                if match.group(1).decode() == local:
                    spans.append((match.start(), match.end(), True))
    elif prefix == DOI:
        doi = re.escape(local.encode())
        for lead in _DOI_LEADS:
            spans += [
                (m.start(), m.end(), True) for m in re.finditer(lead + doi + _DOI_END, run, re.I)
            ]
    elif prefix == PMC:
        digits = re.escape(local.removeprefix("PMC").encode())
        patterns = [before + rb"(?:PMC)?" + digits + rb"\b" + after for before, after in _PMC_LEADS]
        patterns.append(rb"(?:\bPMCID\s*:?\s*)?\bPMC" + digits + rb"\b")
        for pattern in patterns:
            spans += [(m.start(), m.end(), True) for m in re.finditer(pattern, run, re.I)]
    return _outermost(spans)


def _outermost(spans: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """The spans not inside another one (a URL holds the ID a shorter pattern also finds)."""
    kept: list[tuple[int, int, bool]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


def _tidy(run: bytes, start: int, end: int) -> tuple[int, int]:
    """Widen a whole citation's span over the separator, brackets or line it leaves empty."""
    before, after = run[:start], run[end:]
    opened, closed = _OPEN_BRACKET.search(before), _CLOSE_BRACKET.match(after)
    if opened and closed:
        start, end = opened.start(), end + closed.end()
        before, after = run[:start], run[end:]
    separator = _SEPARATOR_AFTER.match(after)
    if separator:
        return start, end + separator.end()
    separator = _SEPARATOR_BEFORE.search(before)
    if separator:
        return separator.start(), end
    line_start = before.rfind(b"\n") + 1
    line_end = after.find(b"\n")
    rest = after if line_end < 0 else after[:line_end]
    lead = before[line_start:]
    if not lead.strip() and not rest.strip():  # alone on its line: the line goes
        if line_end >= 0:
            return line_start, end + line_end + 1
        if line_start > 0:
            newline = 2 if before[: line_start - 1].endswith(b"\r") else 1
            return line_start - newline, end + len(rest)
        return start, end + len(rest)
    if not lead.strip():  # it opens the line: the blanks after it go
        return start, end + len(rest) - len(rest.lstrip(b" \t"))
    if not rest[:1].strip():  # text before it stays: the blanks before it go
        return start - (len(lead) - len(lead.rstrip(b" \t"))), end
    return start, end


def find_cuts(
    data: bytes, removals: dict[str, set[str]], label: str
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, str]]:
    """Where to cut each reaction's references out of its notes, and why some cannot be.

    ``removals`` maps reaction ids to CURIEs. Returns the byte ranges to cut by reaction,
    and for each reaction whose notes do not write one of them in a form crsmap can cut
    out (it may be in the reaction's name), the manual step instead.
    """
    located = _locate_notes(data, label)
    cuts: dict[str, list[tuple[int, int]]] = {}
    failures: dict[str, str] = {}
    for reaction_id, curies in sorted(removals.items()):
        notes = located.get(reaction_id)
        spans: list[tuple[int, int]] = []
        for curie in sorted(curies):
            found = False
            if notes is not None:
                for run_start, run_end in _text_runs(data, notes.content_start, notes.content_end):
                    run = data[run_start:run_end]
                    for start, end, whole in _spans(run, curie):
                        if whole:
                            start, end = _tidy(run, start, end)
                        spans.append((run_start + start, run_start + end))
                        found = True
            if not found:
                failures[reaction_id] = manual_step(reaction_id, curie, notes.name if notes else "")
                break
        else:
            cuts[reaction_id] = spans
    return cuts, failures


def apply_cuts(data: bytes, cuts: dict[str, list[tuple[int, int]]]) -> bytes:
    """``data`` without the byte ranges (overlapping ranges merged)."""
    merged: list[list[int]] = []
    for start, end in sorted(span for spans in cuts.values() for span in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        data = data[:start] + data[end:]
    return data


def manual_step(reaction_id: str, curie: str, name: str = "") -> str:
    """What a curator does in CellDesigner when crsmap cannot take ``curie`` out of the notes."""
    written = _written(curie)
    if name and curie in _in_name(name):
        return (
            f"{curie} is written in the name of reaction {reaction_id}, not its notes; "
            f"in CellDesigner, select {reaction_id}, delete {written} from its name and save the map"
        )
    return (
        f"crsmap cannot cut {curie} out of the notes of {reaction_id} safely (no plain "
        f"{written} there); in CellDesigner, select reaction {reaction_id}, delete it from "
        "the Notes pane and save the map"
    )


def _written(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return {"pubmed": f"PMID {local}", "doi": f"DOI {local}", "pmc": local}.get(prefix, curie)


def _in_name(name: str) -> set[str]:
    from .celldesigner import references_in_text

    return {r.curie for r in references_in_text(name)}


def check_removed(before, data: bytes, removals: dict[str, set[str]], label: str) -> dict[str, str]:
    """Re-read ``data`` and return the reactions where the cut went wrong, with the manual step.

    Right means: the reaction cites ``removals[reaction]`` no more and all else it cited
    still; any other change to the map (reactions, signatures, annotations, names) is a
    bug, raised as an InternalError.
    """
    from .celldesigner import map_from_tree
    from .errors import InternalError
    from .xmlsafe import parse_xml_bytes

    after = map_from_tree(parse_xml_bytes(data, label), Path(label), label=label)
    if list(after.interactions) != list(before.interactions):
        raise InternalError(f"{label}: cutting notes changed the reactions; nothing written")
    wrong: dict[str, str] = {}
    for reaction_id, old in before.interactions.items():
        new = after.interactions[reaction_id]
        if (new.signature, new.annotated_references, new.name) != (
            old.signature,
            old.annotated_references,
            old.name,
        ):
            raise InternalError(f"{label}: cutting notes changed {reaction_id}; nothing written")
        gone = removals.get(reaction_id, set())
        if new.references == tuple(r for r in old.references if r not in gone):
            continue
        if reaction_id not in removals:
            raise InternalError(f"{label}: cutting notes changed {reaction_id}; nothing written")
        left = sorted(gone & set(new.references))
        wrong[reaction_id] = (
            manual_step(reaction_id, left[0], old.name)
            if left
            else f"cutting {', '.join(sorted(gone))} out of the notes of {reaction_id} would "
            "change its other references; in CellDesigner, delete it from the Notes pane"
        )
    return wrong
