"""Parsing untrusted XML with lxml: no entity resolution, no network, no DTD loading.

A map comes from the outside (a download, a merge request), so external entities (XXE)
and entity-expansion bombs are refused outright, and syntax errors are reported with
file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import InputError


def safe_parser():
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml_bytes(data: bytes, label: str):
    """Parse XML bytes safely and return the lxml ElementTree.

    ``label`` names the source in error messages (usually the file path).
    """
    from lxml import etree

    if _declares_entities(data):
        raise InputError(
            f"{label}: the XML declares entities (<!ENTITY>); crsmap refuses them because they "
            "enable external-entity (XXE) and entity-expansion attacks. CellDesigner never "
            "writes them: expected a map saved by CellDesigner"
        )
    try:
        tree = etree.fromstring(data, safe_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        message = (exc.msg or str(exc)).split(", line ")[0].strip()
        raise InputError(f"{label}:{line}:{column}: malformed XML: {message}") from None
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise InputError(f"{label}: not an XML document: {exc}") from None
    if tree.docinfo.internalDTD is not None and any(
        True for _ in tree.docinfo.internalDTD.iterentities()
    ):
        raise InputError(f"{label}: the XML declares entities (<!ENTITY>), which crsmap refuses")
    return tree


def parse_xml_file(path: Path, label: str | None = None):
    """Read and safely parse an XML file, with one-line errors for unreadable files."""
    label = label or str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"map file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(
            f"map file {path} is a directory, expected a CellDesigner XML file"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read map file {path}: {exc.strerror}") from None
    return parse_xml_bytes(data, label), data


def _declares_entities(data: bytes) -> bool:
    # Entities can only be declared in the DOCTYPE, which precedes the root element, so
    # looking at the prolog is enough and costs nothing on a large map.
    head = data[:65536]
    doctype = head.find(b"<!DOCTYPE")
    if doctype < 0:
        return False
    return b"<!ENTITY" in data[doctype : doctype + 10_000_000]


# The settings of safe_parser, for the pull parser (which cannot take a parser object).
_PULL_SETTINGS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
    "remove_pis": False,
}


def iterparse_chunks(
    chunks: Iterable[bytes], label: str, tag: Sequence[str] | None = None
) -> Iterator[tuple[str, object]]:
    """Parse XML arriving in chunks as safely as :func:`parse_xml_bytes`, yielding events.

    Yields ``("start", element)`` and ``("end", element)``, for the elements named in
    ``tag`` only when given (lxml's filter: ``"{*}reaction"``; the others then cost no
    Python at all). Nothing is held but the tree built so far: the caller frees what it
    has seen (``element.clear()``), so a large document is never in memory whole. A
    document that declares entities is refused by its first event at the latest.
    """
    checked = False
    for event, element in _pull(chunks, label, tag):
        if not checked:
            checked = True
            dtd = element.getroottree().docinfo.internalDTD
            if dtd is not None and any(True for _ in dtd.iterentities()):
                raise InputError(
                    f"{label}: the XML declares entities (<!ENTITY>), which crsmap refuses"
                )
        yield event, element


def _pull(chunks: Iterable[bytes], label: str, tag) -> Iterator[tuple[str, object]]:
    from lxml import etree

    parser = etree.XMLPullParser(events=("start", "end"), tag=tag, **_PULL_SETTINGS)
    first = True
    for chunk in chunks:
        if first and _declares_entities(chunk):
            raise InputError(
                f"{label}: the XML declares entities (<!ENTITY>); crsmap refuses them because "
                "they enable external-entity (XXE) and entity-expansion attacks. CellDesigner "
                "never writes them: expected a map saved by CellDesigner"
            )
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
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        message = (exc.msg or str(exc)).split(", line ")[0].strip()
        raise InputError(f"{label}:{line}:{column}: malformed XML: {message}") from None
    except ValueError as exc:
        raise InputError(f"{label}: not an XML document: {exc}") from None
