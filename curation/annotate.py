"""Writing ledger references into a CellDesigner file as MIRIAM annotations.

MINERVA shows a reaction's ``bqbiol:isDescribedBy`` resources as its references, so
``crsmap annotate`` adds ``urn:miriam:pubmed:N`` resources there. A map is years of
drawing, and curators review its diffs, so the file is not re-serialised: new elements
are spliced into the original bytes at offsets found with expat, and every other byte
stays as it was.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from xml.parsers import expat

from .celldesigner import BQBIOL_NS, RDF_NS, map_from_tree
from .errors import CrsmapError, InputError
from .identifiers import parse_reference
from .xmlsafe import parse_xml_bytes


def miriam_urn(curie: str) -> str:
    """The MIRIAM URN of a reference CURIE (``pubmed:1`` -> ``urn:miriam:pubmed:1``)."""
    ref = parse_reference(curie)
    local = urllib.parse.quote(ref.local_id, safe="-._~()") if ref.prefix == "doi" else ref.local_id
    return f"urn:miriam:{ref.prefix}:{local}"


@dataclass
class _Element:
    qname: str
    prefix: str
    uri: str
    local: str
    start: int
    end: int = -1  # offset of "</" of the end tag, or -1 for an empty-element tag
    children: list[_Element] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)


def _locate_reactions(data: bytes, label: str) -> dict[str, _Element]:
    """Offsets of every reaction element and the annotation elements below it."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    scopes: list[dict[str, str]] = [{"xml": "http://www.w3.org/XML/1998/namespace"}]
    stack: list[_Element | None] = []
    reactions: dict[str, _Element] = {}
    keep_depth = [0]  # >0 while inside a reaction: only those subtrees are kept

    def start(qname, attributes):
        scope = dict(scopes[-1])
        for key, value in attributes.items():
            if key == "xmlns":
                scope[""] = value
            elif key.startswith("xmlns:"):
                scope[key[6:]] = value
        scopes.append(scope)
        prefix, _, local = qname.rpartition(":")
        uri = scope.get(prefix, "")
        inside = keep_depth[0] > 0
        if local == "reaction" and uri.startswith("http://www.sbml.org/sbml/level"):
            inside = True
        if not inside:
            stack.append(None)
            return
        keep_depth[0] += 1
        element = _Element(
            qname, prefix, uri, local, parser.CurrentByteIndex, attributes=attributes, scope=scope
        )
        parent = stack[-1] if stack else None
        if parent is not None:
            parent.children.append(element)
        elif local == "reaction":
            reactions[attributes.get("id", "")] = element
        stack.append(element)

    def end(qname):
        scopes.pop()
        element = stack.pop()
        if element is None:
            return
        keep_depth[0] -= 1
        index = parser.CurrentByteIndex
        element.end = index if data[index : index + 2] == b"</" else -1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InputError(
            f"{label}:{exc.lineno}:{exc.offset}: malformed XML: {expat.ErrorString(exc.code)}"
        ) from None
    return reactions


def _tag_end(data: bytes, start: int) -> int:
    """Offset just after the ``>`` closing the start tag that begins at ``start``."""
    quote = None
    for index in range(start, len(data)):
        char = data[index : index + 1]
        if quote:
            if char == quote:
                quote = None
        elif char in (b'"', b"'"):
            quote = char
        elif char == b">":
            return index + 1
    raise CrsmapError("unterminated start tag")  # unreachable for a document expat accepted


def _line_indent(data: bytes, offset: int) -> bytes | None:
    """The whitespace before ``offset`` on its line, or None when other text precedes it."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    lead = data[line_start:offset]
    return lead if not lead.strip() else None


def _child(element: _Element, uri: str, local: str) -> _Element | None:
    return next((c for c in element.children if c.uri == uri and c.local == local), None)


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class _Splicer:
    """Collects insertions at byte offsets and applies them back to front."""

    def __init__(self, data: bytes):
        self.data = data
        self.inserts: list[tuple[int, int, bytes]] = []

    def block(self, offset: int, lines: list[tuple[int, str]]) -> None:
        """Insert ``lines`` (depth, text) on lines of their own before the tag at ``offset``."""
        indent = _line_indent(self.data, offset)
        if indent is None:
            self.inserts.append((offset, len(self.inserts), "".join(t for _, t in lines).encode()))
            return
        step = "  " if indent else ""
        base = indent.decode()
        text = "".join(f"{base}{step * (depth + 1)}{line}\n" for depth, line in lines)
        self.inserts.append((offset - len(indent), len(self.inserts), text.encode()))

    def raw(self, offset: int, text: str) -> None:
        self.inserts.append((offset, len(self.inserts), text.encode()))

    def result(self) -> bytes:
        data = self.data
        for offset, _, text in sorted(self.inserts, reverse=True):
            data = data[:offset] + text + data[offset:]
        return data


def _prefix_for(scope: dict[str, str], uri: str, wanted: str) -> tuple[str, str]:
    """The prefix bound to ``uri`` in scope, or ``wanted`` with the declaration to add."""
    for prefix, bound in scope.items():
        if bound == uri and prefix:
            return prefix, ""
    return wanted, f' xmlns:{wanted}="{uri}"'


def annotate_bytes(data: bytes, additions: dict[str, list[str]], label: str) -> bytes:
    """Return ``data`` with each reaction's new references added as isDescribedBy resources.

    ``additions`` maps reaction ids to reference CURIEs that its RDF does not hold yet.
    """
    additions = {rid: refs for rid, refs in additions.items() if refs}
    if not additions:
        return data
    reactions = _locate_reactions(data, label)
    metaids = {e.attributes.get("metaid") for e in reactions.values()}
    splice = _Splicer(data)
    for reaction_id in sorted(additions):
        reaction = reactions.get(reaction_id)
        if reaction is None:
            raise CrsmapError(f"{label}: reaction {reaction_id} not found while annotating")
        urns = [miriam_urn(curie) for curie in additions[reaction_id]]
        _annotate_reaction(splice, reaction, urns, metaids)
    return splice.result()


def _annotate_reaction(splice: _Splicer, reaction: _Element, urns: list[str], metaids: set) -> None:
    sbml_uri = reaction.uri
    annotation = _child(reaction, sbml_uri, "annotation")
    rdf = _child(annotation, RDF_NS, "RDF") if annotation is not None else None
    descriptions = (
        [c for c in rdf.children if c.uri == RDF_NS and c.local == "Description"] if rdf else []
    )
    metaid = reaction.attributes.get("metaid", "")
    about = f"#{metaid}" if metaid else ""
    description = next(
        (d for d in descriptions if d.attributes.get(_about_key(d)) == about),
        descriptions[0] if descriptions else None,
    )
    if description is not None and description.end >= 0:
        rdf_prefix, _ = _prefix_for(description.scope, RDF_NS, "rdf")
        li = [f'<{rdf_prefix}:li {rdf_prefix}:resource="{_escape(urn)}"/>' for urn in urns]
        for qualifier in description.children:
            if qualifier.uri == BQBIOL_NS and qualifier.local == "isDescribedBy":
                bag = _child(qualifier, RDF_NS, "Bag")
                if bag is not None and bag.end >= 0:
                    splice.block(bag.end, [(0, line) for line in li])
                    return
        bq_prefix, declaration = _prefix_for(description.scope, BQBIOL_NS, "bqbiol")
        splice.block(description.end, _qualifier_lines(bq_prefix, declaration, rdf_prefix, li))
        return
    if not metaid:
        metaid = (
            reaction.attributes.get("id", "")
            if reaction.attributes.get("id") not in metaids
            else ""
        )
        metaid = metaid or f"crsmap_{reaction.attributes.get('id', '')}"
        splice.raw(reaction.start + 1 + len(reaction.qname), f' metaid="{_escape(metaid)}"')
        about = f"#{metaid}"
    scope = (rdf or annotation or reaction).scope
    rdf_prefix, rdf_decl = _prefix_for(scope, RDF_NS, "rdf")
    bq_prefix, bq_decl = _prefix_for(scope, BQBIOL_NS, "bqbiol")
    li = [f'<{rdf_prefix}:li {rdf_prefix}:resource="{_escape(urn)}"/>' for urn in urns]
    body = [(0, f'<{rdf_prefix}:Description {rdf_prefix}:about="{_escape(about)}">')]
    body += [(d + 1, t) for d, t in _qualifier_lines(bq_prefix, "", rdf_prefix, li)]
    body.append((0, f"</{rdf_prefix}:Description>"))
    if rdf is not None and rdf.end >= 0:
        splice.block(rdf.end, body)
        return
    block = [(0, f"<{rdf_prefix}:RDF{rdf_decl}{bq_decl}>")] + [(d + 1, t) for d, t in body]
    block.append((0, f"</{rdf_prefix}:RDF>"))
    if annotation is not None and annotation.end >= 0:
        splice.block(annotation.end, block)
        return
    # No annotation at all: add one after <notes> (SBML's order) or after the start tag.
    sbml_prefix = reaction.prefix
    tag = f"{sbml_prefix}:annotation" if sbml_prefix else "annotation"
    notes = _child(reaction, sbml_uri, "notes")
    text = f"<{tag}>" + "".join(t for _, t in block) + f"</{tag}>"
    if notes is not None and notes.end >= 0:
        splice.raw(_tag_end(splice.data, notes.end), "\n" + text)
    else:
        splice.raw(_tag_end(splice.data, reaction.start), "\n" + text)


def _about_key(description: _Element) -> str:
    prefix, _ = _prefix_for(description.scope, RDF_NS, "rdf")
    return f"{prefix}:about"


def _qualifier_lines(
    bq_prefix: str, declaration: str, rdf_prefix: str, li: list[str]
) -> list[tuple[int, str]]:
    lines = [(0, f"<{bq_prefix}:isDescribedBy{declaration}>"), (1, f"<{rdf_prefix}:Bag>")]
    lines += [(2, line) for line in li]
    lines += [(1, f"</{rdf_prefix}:Bag>"), (0, f"</{bq_prefix}:isDescribedBy>")]
    return lines


def verify_annotated(
    data: bytes, additions: dict[str, list[str]], reaction_count: int, label: str
) -> None:
    """Re-read the spliced bytes and check every added reference is there before writing."""
    tree = parse_xml_bytes(data, label)
    from pathlib import Path

    parsed = map_from_tree(tree, Path(label), label=label)
    if len(parsed.interactions) != reaction_count:
        raise CrsmapError(f"{label}: annotating changed the number of reactions; nothing written")
    for reaction_id, refs in additions.items():
        present = set(parsed.interactions[reaction_id].annotated_references)
        missing = [r for r in refs if r not in present]
        if missing:
            raise CrsmapError(
                f"{label}: annotating {reaction_id} lost {', '.join(missing)}; nothing written"
            )
