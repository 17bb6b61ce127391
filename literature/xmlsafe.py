"""Parsing untrusted XML with lxml: no entity resolution, no network, no DTD loading.

Maps and NCBI's efetch answers both come from outside, so external entities (XXE) and
entity-expansion bombs are refused outright, and syntax errors are reported with the
source, line and column. These are the one set of parser settings crsmap uses;
:mod:`curation.xmlsafe` adds what is particular to map files on top.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from .errors import InputError

# lxml's XMLParser and XMLPullParser both take these (the pull parser takes no parser object).
SAFE_SETTINGS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
    "remove_pis": False,
}
PROLOG_SCAN = 65536  # where a <!DOCTYPE must start to be looked for before parsing


def safe_parser():
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    from lxml import etree

    return etree.XMLParser(**SAFE_SETTINGS)


def declares_entities(data: bytes) -> bool:
    """True when the document's DOCTYPE (within its first 64 kB) declares an entity."""
    # Entities can only be declared in the DOCTYPE, which precedes the root element, so
    # looking at the prolog is enough and costs nothing on a large document.
    doctype = data[:PROLOG_SCAN].find(b"<!DOCTYPE")
    if doctype < 0:
        return False
    return b"<!ENTITY" in data[doctype : doctype + 10_000_000]


def entities_refused(label: str, hint: str = "") -> InputError:
    """The error for a document that declares entities; ``hint`` says what was expected."""
    return InputError(
        f"{label}: the XML declares entities (<!ENTITY>); crsmap refuses them because they "
        f"enable external-entity (XXE) and entity-expansion attacks{'. ' + hint if hint else ''}"
    )


def _dtd_refused(label: str) -> InputError:
    return InputError(f"{label}: the XML declares entities (<!ENTITY>), which crsmap refuses")


def _declared_in_dtd(tree) -> bool:
    dtd = tree.docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _unparsable(exc: Exception, label: str) -> InputError:
    """A syntax error as ``label:LINE:COLUMN: malformed XML: ...``, or a non-XML document."""
    from lxml import etree

    if isinstance(exc, etree.XMLSyntaxError):
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        message = (exc.msg or str(exc)).split(", line ")[0].strip()
        return InputError(f"{label}:{line}:{column}: malformed XML: {message}")
    return InputError(f"{label}: not an XML document: {exc}")  # e.g. an unknown encoding


def parse_xml_bytes(data: bytes, label: str, hint: str = ""):
    """Parse XML bytes safely and return the lxml ElementTree.

    ``label`` names the source in error messages (usually the file path); ``hint`` is
    added to the refusal of a document that declares entities.
    """
    from lxml import etree

    if declares_entities(data):
        raise entities_refused(label, hint)
    try:
        tree = etree.fromstring(data, safe_parser()).getroottree()
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _unparsable(exc, label) from None
    if _declared_in_dtd(tree):
        raise _dtd_refused(label)
    return tree


def iterparse_chunks(
    chunks: Iterable[bytes], label: str, tag: Sequence[str] | None = None, hint: str = ""
) -> Iterator[tuple[str, object]]:
    """Parse XML arriving in chunks as safely as :func:`parse_xml_bytes`, yielding events.

    Yields ``("start", element)`` and ``("end", element)``, for the elements named in
    ``tag`` only when given (lxml's filter: ``"{*}reaction"``; the others then cost no
    Python at all). Nothing is held but the tree built so far: the caller frees what it
    has seen (``element.clear()``), so a large document is never in memory whole. A
    document that declares entities is refused by its first event at the latest.
    """
    checked = False
    for event, element in _pull(chunks, label, tag, hint):
        if not checked:
            checked = True
            if _declared_in_dtd(element.getroottree()):
                raise _dtd_refused(label)
        yield event, element


def _pull(chunks: Iterable[bytes], label: str, tag, hint: str) -> Iterator[tuple[str, object]]:
    from lxml import etree

    parser = etree.XMLPullParser(events=("start", "end"), tag=tag, **SAFE_SETTINGS)
    first = True
    for chunk in chunks:
        if first and declares_entities(chunk):
            raise entities_refused(label, hint)
        first = False
        _feed(parser, chunk, label)
        yield from parser.read_events()
    _feed(parser, None, label)
    yield from parser.read_events()


def _feed(parser, chunk: bytes | None, label: str) -> None:
    """Feed one chunk (``None``: the end), with the messages of :func:`parse_xml_bytes`."""
    from lxml import etree

    try:
        if chunk is None:
            parser.close()
        else:
            parser.feed(chunk)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _unparsable(exc, label) from None
