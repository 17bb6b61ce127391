"""Writing ledger references into a map file (CellDesigner or SBML) as MIRIAM annotations.

MINERVA shows a reaction's ``bqbiol:isDescribedBy`` resources as its references, so
``crsmap annotate`` adds ``urn:miriam:pubmed:N`` resources there. A map is years of
drawing, and curators review its diffs, so the file is not re-serialised: new elements
are spliced into the original bytes at offsets found with expat, and every other byte
stays as it was. The result is re-read and checked before anything is written.

Annotating is linear in the size of the map: one expat pass finds the offsets, every edit
is collected as (offset, bytes removed, bytes inserted), and the new document is built
once from the slices between them; start tags are scanned with ``re``, not byte by byte.

SBML (Level 2 and 3) lets RDF name only an element with a ``metaid``, so a reaction
without one gets one, its id where that is free: the one change to an existing line.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from .celldesigner import BQBIOL_NS, RDF_NS, map_from_tree
from .errors import InputError, InternalError
from .identifiers import parse_reference
from .xmlsafe import parse_xml_bytes

XML_NS = "http://www.w3.org/XML/1998/namespace"


def miriam_urn(curie: str) -> str:
    """The MIRIAM URN of a reference CURIE (``pubmed:1`` -> ``urn:miriam:pubmed:1``)."""
    ref = parse_reference(curie)
    local = urllib.parse.quote(ref.local_id, safe="-._~()") if ref.prefix == "doi" else ref.local_id
    return f"urn:miriam:{ref.prefix}:{local}"


@dataclass
class _Element:
    """An element below a reaction, with the byte offsets needed to splice into it."""

    qname: str
    prefix: str
    uri: str
    local: str
    start: int  # offset of "<" of the start tag
    start_end: int  # offset just after the start tag's ">"
    empty: bool  # written as <x/>
    end: int = -1  # offset of "</" of the end tag (open elements only)
    children: list[_Element] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    # Whether the children are recorded: the reaction's, its annotation's and everything
    # inside that annotation's RDF, the only ones the annotator and remover look at.
    expand: bool = False

    def child(self, uri: str, local: str) -> _Element | None:
        return next((c for c in self.children if c.uri == uri and c.local == local), None)


# From the "<" of a tag to its closing ">": a ">" inside a quoted attribute value does not
# end it. The alternatives are disjoint, so a match never backtracks.
_TAG = re.compile(rb"""[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>""")


def _tag_end(data: bytes, start: int) -> int:
    """Offset just after the ``>`` closing the start tag that begins at ``start``."""
    match = _TAG.match(data, start)
    if match is None:
        raise InternalError("unterminated start tag in a document expat accepted")
    return match.end()


def expat_parser(namespace_separator: str | None = None):
    """An expat parser for byte-offset scans of a map: no parameter entities."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def run_expat(parser, data: bytes, label: str) -> None:
    """Feed the whole map to ``parser``; malformed XML is an InputError at line:column."""
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InputError(
            f"{label}:{exc.lineno}:{exc.offset}: malformed XML: {expat.ErrorString(exc.code)}"
        ) from None


# Where map_from_tree reads reactions: sbml/model/listOfReactions/reaction in SBML core, all
# four in one namespace, not those of a package (comp's model definitions, say).
_SBML_NS_START = "http://www.sbml.org/sbml/"
_REACTION_PATH = ("sbml", "model", "listOfReactions")


def _locate_reactions(data: bytes, label: str) -> dict[str, _Element]:
    """The element tree of every SBML reaction, with byte offsets.

    Only what the annotator and remover read is recorded: each reaction, its children, its
    annotation's children and everything inside that annotation's RDF. Below any other
    element nothing can be recorded, so its descendants cost only expat's calls.
    """
    parser = expat_parser()
    # Per open element: (namespace scope, namespace, local name, recorded element or None)
    # while the path may still lead to something recorded, else None. A scope is shared
    # with the parent unless the element declares a namespace.
    stack: list[tuple[dict[str, str], str, str, _Element | None] | None]
    stack = [({"xml": XML_NS}, "", "", None)]
    reactions: dict[str, _Element] = {}

    def start(qname, attributes):
        top = stack[-1]
        if top is None:  # nothing below this element is recorded
            stack.append(None)
            return
        scope, parent_uri, _, parent = top
        if attributes and "xmlns" in " ".join(attributes):  # may declare a namespace
            scope = dict(scope)
            for key, value in attributes.items():
                if key == "xmlns":
                    scope[""] = value
                elif key.startswith("xmlns:"):
                    scope[key[6:]] = value
        prefix, _, local = qname.rpartition(":")
        uri = scope.get(prefix, "")
        depth = len(stack)  # 1 for the root element
        if parent is None:
            if depth <= len(_REACTION_PATH):
                on_path = local == _REACTION_PATH[depth - 1] and (
                    uri == parent_uri if depth > 1 else uri.startswith(_SBML_NS_START)
                )
                stack.append((scope, uri, local, None) if on_path else None)
                return
            if not (local == "reaction" and uri == parent_uri):
                stack.append(None)
                return
        elif not parent.expand:
            stack.append(None)
            return
        begin = parser.CurrentByteIndex
        start_end = _tag_end(data, begin)
        element = _Element(
            qname,
            prefix,
            uri,
            local,
            begin,
            start_end,
            data[start_end - 2 : start_end] == b"/>",
            attributes=attributes,
            scope=scope,
        )
        if parent is None:
            element.expand = True
            reactions[attributes.get("id", "")] = element
        else:
            parent.children.append(element)
            below = depth - len(_REACTION_PATH) - 1  # 1 for the reaction's children
            if below == 1:
                element.expand = local == "annotation" and uri == parent.uri
            elif below == 2:
                element.expand = local == "RDF" and uri == RDF_NS
            else:
                element.expand = True
        stack.append((scope, uri, local, element))

    def end(qname):
        entry = stack.pop()
        if entry is not None:
            element = entry[3]
            if element is not None and not element.empty:
                element.end = parser.CurrentByteIndex

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        run_expat(parser, data, label)
    finally:
        # The handlers hold the parser: without them the cycle is gone and the parser and
        # its bookkeeping are freed at once, not by a later pass of the garbage collector.
        parser.StartElementHandler = parser.EndElementHandler = None
    return reactions


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# bytes.strip()'s whitespace but the newline: what may stand before a tag on its own line
_BLANKS = frozenset(b" \t\r\x0b\x0c")


def _indent(data: bytes, offset: int) -> str | None:
    """The blanks from the start of the line to ``offset``; None when there is text before.

    Walks back over blanks only, so a map written on one line costs nothing per edit.
    """
    index = offset
    while index > 0 and data[index - 1] in _BLANKS:
        index -= 1
    if index > 0 and data[index - 1] != 0x0A:  # not at a line start: text precedes
        return None
    return data[index:offset].decode()


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (offset, bytes removed, bytes inserted) edit made, in one pass.

    ``edits`` are in (offset, order added) order; at one offset they land in that order.
    Edits never overlap when annotating or removing; should they, they are made one at a
    time from the back, as they always were, so the bytes do not depend on the method.
    """
    if not edits:
        return data  # no edit: the same object, not a copy
    view = memoryview(data)  # slices of it are not copies
    pieces: list[bytes | memoryview] = []
    position = 0
    for offset, remove, text in edits:
        if offset < position:
            return _apply_back_to_front(data, edits)
        pieces.append(view[position:offset])
        pieces.append(text)
        position = offset + remove
    pieces.append(view[position:])
    return b"".join(pieces)


def _apply_back_to_front(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """The overlapping case of :func:`_apply`: one copy of the document per edit."""
    for offset, remove, text in reversed(edits):
        data = data[:offset] + text + data[offset + remove :]
    return data


class _Splicer:
    """Collects insertions and replacements at byte offsets and applies them in one pass."""

    def __init__(self, data: bytes):
        self.data = data
        first_line = data[: data.find(b"\n") + 1]
        self.newline = "\r\n" if first_line.endswith(b"\r\n") else "\n"
        self.edits: list[tuple[int, int, int, bytes]] = []  # (offset, order, length removed, text)

    def _add(self, offset: int, text: str, remove: int = 0) -> None:
        self.edits.append(
            (offset, len(self.edits), remove, text.encode("ascii", "xmlcharrefreplace"))
        )

    def _indent(self, offset: int) -> str | None:
        """The blanks from the start of the line to ``offset``; None when the line has text there."""
        return _indent(self.data, offset)

    def insert_before_end(self, element: _Element, lines: list[tuple[int, str]]) -> None:
        """Insert ``lines`` (depth, text) as the last children of an open element."""
        indent = self._indent(element.end)
        if indent is None:
            self._add(element.end, "".join(text for _, text in lines))
            return
        step = "  " if indent else ""
        text = "".join(f"{indent}{step * (depth + 1)}{line}{self.newline}" for depth, line in lines)
        self._add(element.end - len(indent), text)

    def fill_empty(self, element: _Element, lines: list[tuple[int, str]]) -> None:
        """Turn ``<x .../>`` into ``<x ...>lines</x>``."""
        indent = self._indent(element.start)
        nl = self.newline if indent is not None else ""
        base = indent or ""
        step = "  " if base else ""
        inner = "".join(f"{base}{step * (depth + 1)}{line}{nl}" for depth, line in lines)
        self._add(
            element.start_end - 2, f">{nl}{inner}{base if nl else ''}</{element.qname}>", remove=2
        )

    def add(self, element: _Element, lines: list[tuple[int, str]]) -> None:
        if element.empty:
            self.fill_empty(element, lines)
        else:
            self.insert_before_end(element, lines)

    def raw(self, offset: int, text: str) -> None:
        self._add(offset, text)

    def lines_after(
        self, offset: int, lines: list[tuple[int, str]], parent: _Element, sibling: _Element | None
    ) -> None:
        """Insert ``lines`` as whole new lines after the content that ends at ``offset``.

        They are indented like ``sibling`` (else one step inside ``parent``), so no
        existing line changes; when ``offset`` does not end a line, they go inline.
        """
        outer = self._indent(parent.start)
        inner = self._indent(sibling.start) if sibling is not None else None
        if inner is None and outer is not None:
            inner = outer + "  "
        if inner is None or not self.data.startswith(self.newline.encode(), offset):
            self._add(offset, "".join(text for _, text in lines))
            return
        step = inner[len(outer) :] if outer is not None and inner.startswith(outer) else ""
        step = step or "  "
        self._add(offset, "".join(f"{self.newline}{inner}{step * d}{text}" for d, text in lines))

    def result(self) -> bytes:
        edits = [(offset, remove, text) for offset, _, remove, text in sorted(self.edits)]
        return _apply(self.data, edits)


class _Names:
    """Prefixes for RDF and bqbiol at an insertion point, and the declarations they need."""

    def __init__(self, scope: dict[str, str]):
        self.declarations = ""
        self.rdf = self._prefix(scope, RDF_NS, "rdf")
        self.bqbiol = self._prefix(scope, BQBIOL_NS, "bqbiol")

    def _prefix(self, scope: dict[str, str], uri: str, wanted: str) -> str:
        for prefix, bound in sorted(scope.items()):
            if bound == uri and prefix:
                return prefix
        taken = {p for p, u in scope.items() if u != uri}
        prefix = wanted
        while prefix in taken:
            prefix += "_"
        self.declarations += f' xmlns:{prefix}="{uri}"'
        return prefix


def annotate_bytes(data: bytes, additions: dict[str, list[str]], label: str) -> bytes:
    """Return ``data`` with each reaction's new references added as isDescribedBy resources.

    ``additions`` maps reaction ids to reference CURIEs that its RDF does not hold yet.
    """
    additions = {rid: refs for rid, refs in additions.items() if refs}
    if not additions:
        return data
    reactions = _locate_reactions(data, label)
    splice = _Splicer(data)
    metaids: set[str] | None = None
    for reaction_id in sorted(additions):
        reaction = reactions.get(reaction_id)
        if reaction is None:
            raise InternalError(f"{label}: reaction {reaction_id} not found while annotating")
        if not reaction.attributes.get("metaid") and metaids is None:
            metaids = _all_metaids(data)
        urns = [miriam_urn(curie) for curie in additions[reaction_id]]
        _annotate_reaction(splice, reaction, urns, metaids or set())
    return splice.result()


def _all_metaids(data: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb'metaid\s*=\s*["\']([^"\']*)["\']', data)}


def _annotate_reaction(
    splice: _Splicer, reaction: _Element, urns: list[str], metaids: set[str]
) -> None:
    """Add the URNs at the deepest level of annotation/RDF/Description/isDescribedBy/Bag present."""
    metaid = reaction.attributes.get("metaid", "")
    if not metaid:
        # RDF must name the reaction by metaid; add one, the reaction id where it is free.
        rid = reaction.attributes.get("id", "")
        metaid = rid if rid not in metaids else f"crsmap_{rid}"
        splice.raw(reaction.start + 1 + len(reaction.qname), f' metaid="{_escape(metaid)}"')
    annotation = reaction.child(reaction.uri, "annotation")
    rdf = annotation.child(RDF_NS, "RDF") if annotation is not None else None
    description = None
    if rdf is not None:
        description = next(
            (
                c
                for c in rdf.children
                if c.uri == RDF_NS and c.local == "Description" and _about(c) == f"#{metaid}"
            ),
            None,
        )
    qualifier = description.child(BQBIOL_NS, "isDescribedBy") if description is not None else None
    bag = qualifier.child(RDF_NS, "Bag") if qualifier is not None else None

    levels = (("bag", bag), ("qualifier", qualifier), ("description", description), ("rdf", rdf))
    deepest = next((element for _, element in levels if element is not None), annotation)
    names = _Names(deepest.scope if deepest is not None else reaction.scope)
    lines = [(0, f'<{names.rdf}:li {names.rdf}:resource="{_escape(urn)}"/>') for urn in urns]
    for level, element in levels:
        if element is not None:
            break
        lines = _wrap(level, names, lines, metaid)
    if names.declarations:
        # Declare the prefixes on each outermost inserted element.
        lines = [(d, _declare(t, names.declarations) if d == 0 else t) for d, t in lines]
    if deepest is not None:
        splice.add(deepest, lines)
        return
    # No annotation at all: add one after <notes> (SBML's order) or first in the reaction.
    tag = f"{reaction.prefix}:annotation" if reaction.prefix else "annotation"
    block = [(0, f"<{tag}>"), *((d + 1, t) for d, t in lines), (0, f"</{tag}>")]
    notes = reaction.child(reaction.uri, "notes")
    if reaction.empty:
        splice.fill_empty(reaction, block)
    elif notes is not None:
        offset = notes.start_end if notes.empty else _tag_end(splice.data, notes.end)
        splice.lines_after(offset, block, reaction, notes)
    else:
        first = reaction.children[0] if reaction.children else None
        splice.lines_after(reaction.start_end, block, reaction, first)


def _declare(tag: str, declarations: str) -> str:
    """Add namespace declarations to a start tag (end tags are returned unchanged)."""
    if tag.startswith("</"):
        return tag
    name_end = min(i for i in (tag.find(" "), tag.find("/>"), tag.find(">")) if i >= 0)
    return tag[:name_end] + declarations + tag[name_end:]


def _wrap(
    level: str, names: _Names, lines: list[tuple[int, str]], metaid: str
) -> list[tuple[int, str]]:
    inner = [(d + 1, t) for d, t in lines]
    if level == "bag":
        return [(0, f"<{names.rdf}:Bag>"), *inner, (0, f"</{names.rdf}:Bag>")]
    if level == "qualifier":
        return [
            (0, f"<{names.bqbiol}:isDescribedBy>"),
            *inner,
            (0, f"</{names.bqbiol}:isDescribedBy>"),
        ]
    if level == "description":
        open_tag = f'<{names.rdf}:Description {names.rdf}:about="#{_escape(metaid)}">'
        return [(0, open_tag), *inner, (0, f"</{names.rdf}:Description>")]
    return [(0, f"<{names.rdf}:RDF>"), *inner, (0, f"</{names.rdf}:RDF>")]


def _about(description: _Element) -> str:
    for key, value in description.attributes.items():
        prefix, _, local = key.rpartition(":")
        if local == "about" and description.scope.get(prefix) == RDF_NS:
            return value
    return ""


def verify_annotated(
    data: bytes, additions: dict[str, list[str]], reaction_count: int, label: str
) -> None:
    """Re-read the spliced bytes; every added URN must sit in annotation/RDF/Description/isDescribedBy/Bag."""
    tree = parse_xml_bytes(data, label)
    parsed = map_from_tree(tree, Path(label), label=label)
    if len(parsed.interactions) != reaction_count:
        raise InternalError(f"{label}: annotating changed the number of reactions; nothing written")
    root = tree.getroot()
    sbml = root.tag.split("}")[0] + "}"
    from lxml import etree  # imported here: crsmap's start-up does not need lxml

    # Compiled once per document, not once per reaction.
    resources = etree.XPath(
        "rdf:RDF/rdf:Description[@rdf:about=$about or @about=$about]"
        "/bqbiol:isDescribedBy/rdf:Bag/rdf:li/@rdf:resource",
        namespaces={"rdf": RDF_NS, "bqbiol": BQBIOL_NS},
    )
    for reaction in root.iterfind(f"{sbml}model/{sbml}listOfReactions/{sbml}reaction"):
        wanted = additions.get(reaction.get("id"))
        if not wanted:
            continue
        annotations = reaction.findall(f"{sbml}annotation")
        if len(annotations) != 1:
            raise InternalError(
                f"{label}: reaction {reaction.get('id')} has {len(annotations)} annotations"
            )
        about = f"#{reaction.get('metaid')}"
        present = set(resources(annotations[0], about=about))
        missing = [c for c in wanted if miriam_urn(c) not in present]
        if missing:
            raise InternalError(
                f"{label}: annotating {reaction.get('id')} misplaced {', '.join(missing)}; nothing written"
            )


def remove_bytes(data: bytes, removals: dict[str, list[str]], label: str) -> bytes:
    """Return ``data`` without the RDF resources naming the given references.

    ``removals`` maps reaction ids to reference CURIEs. Each ``rdf:li`` (or a qualifier's
    own ``rdf:resource``) whose MIRIAM URN or identifiers.org URL means one of them is cut
    out with its line; a Bag left empty goes with its qualifier.
    """
    from .celldesigner import _resource_reference

    removals = {rid: set(refs) for rid, refs in removals.items() if refs}
    if not removals:
        return data
    reactions = _locate_reactions(data, label)
    cuts: list[tuple[int, int]] = []
    for reaction_id, unwanted in removals.items():
        reaction = reactions.get(reaction_id)
        annotation = reaction.child(reaction.uri, "annotation") if reaction is not None else None
        rdf = annotation.child(RDF_NS, "RDF") if annotation is not None else None
        if rdf is None:
            continue
        for description in rdf.children:
            for qualifier in description.children:
                bags = [
                    c
                    for c in qualifier.children
                    if c.local in ("Bag", "Seq", "Alt") and c.uri == RDF_NS
                ]
                items = [i for bag in bags for i in bag.children] if bags else [qualifier]
                doomed = [i for i in items if _means(i, unwanted, _resource_reference)]
                if not doomed:
                    continue
                if len(doomed) == len(items):
                    cuts.append(_span(data, qualifier))
                else:
                    cuts.extend(_span(data, item) for item in doomed)
    return _apply(data, [(start, end - start, b"") for start, end in sorted(cuts)])


def _means(element: _Element, unwanted: set[str], resolve) -> bool:
    for key, value in element.attributes.items():
        prefix, _, local = key.rpartition(":")
        if local == "resource" and element.scope.get(prefix) == RDF_NS:
            reference, _ = resolve(value)
            return reference is not None and reference.curie in unwanted
    return False


def _span(data: bytes, element: _Element) -> tuple[int, int]:
    """Byte range of an element, widened to its whole line when it stands alone there.

    Only the blanks around the element are walked over, never the rest of its line.
    """
    end = element.start_end if element.empty else _tag_end(data, element.end)
    line_start = element.start
    while line_start > 0 and data[line_start - 1] in _BLANKS:
        line_start -= 1
    line_end = end
    while line_end < len(data) and data[line_end] in _BLANKS:
        line_end += 1
    if (line_start == 0 or data[line_start - 1] == 0x0A) and (
        line_end == len(data) or data[line_end] == 0x0A
    ):
        return line_start, min(line_end + 1, len(data))  # the newline goes too
    return element.start, end
