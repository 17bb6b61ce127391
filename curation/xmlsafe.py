"""Parsing map files as untrusted XML: no entity resolution, no network, no DTD loading.

A map comes from the outside (a download, a merge request), so external entities (XXE)
and entity-expansion bombs are refused outright, and syntax errors are reported with
file, line and column. The parser settings and checks are :mod:`literature.xmlsafe`'s
(NCBI's answers are parsed the same way); this module adds the map-file side: the
messages for an unreadable file and what a map is expected to be.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from literature import xmlsafe

from .errors import InputError

MAP_HINT = "CellDesigner never writes them: expected a map saved by CellDesigner"


def parse_xml_bytes(data: bytes, label: str):
    """Parse a map's bytes safely and return the lxml ElementTree.

    ``label`` names the source in error messages (usually the file path).
    """
    return xmlsafe.parse_xml_bytes(data, label, MAP_HINT)


def parse_xml_file(path: Path, label: str | None = None):
    """Read and safely parse an XML file, with one-line errors for unreadable files."""
    data = read_map_bytes(path)
    return parse_xml_bytes(data, label or str(path)), data


def read_map_bytes(path: Path) -> bytes:
    """A map file's bytes, with one-line errors for a missing or unreadable file."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"map file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(
            f"map file {path} is a directory, expected a CellDesigner XML file"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read map file {path}: {exc.strerror}") from None


def iterparse_chunks(
    chunks: Iterable[bytes], label: str, tag: Sequence[str] | None = None
) -> Iterator[tuple[str, object]]:
    """A map arriving in chunks, parsed as safely as :func:`parse_xml_bytes`, as events.

    See :func:`literature.xmlsafe.iterparse_chunks`: the caller frees what it has seen.
    """
    return xmlsafe.iterparse_chunks(chunks, label, tag, MAP_HINT)
