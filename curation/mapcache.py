"""The parsed-map cache: each map file's interaction model, kept on disk by content hash.

Reading a large map (parsing the XML, resolving species names, finding references) is
most of the time of every read command, and maps change rarely. So the model read from a
file is stored in ``.crsmap-cache/maps/`` of the project, under the sha256 of the file's
bytes, and the next command that meets the same bytes loads it instead of parsing.

A cache can never change a result:

- the key also holds a digest of the source of the modules that build the model (this
  module, the CellDesigner and SBML readers, reference parsing), so a crsmap whose reader
  differs never uses another's entries;
- an entry is versioned JSON of plain values (never pickle), checked field by field on
  load; one that is stale, damaged or unreadable is rebuilt silently;
- entries are written atomically; a cache that cannot be written (read-only folder, full
  disk) is simply not used.

The folder holds its own ``.gitignore`` (``*``), so git never shows it, and keeps the
:data:`KEEP` most recently used entries. Delete it at any time: it is rebuilt on the next
read. ``CRSMAP_CACHE=off`` turns it off (every command then parses the maps).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import fields
from operator import itemgetter
from pathlib import Path

from .celldesigner import CellDesignerMap, Interaction, Participant

CACHE_DIR = ".crsmap-cache"
FORMAT = 1
KEEP = 32  # entries kept: a few versions of each map file of a project
_FIELDS = tuple(f.name for f in fields(Interaction))
_PARTICIPANT_LISTS = ("reactants", "products", "modifiers")
_STRING_LISTS = ("references", "annotated_references", "invalid_references")
_READER_MODULES = ("celldesigner", "sbml", "identifiers", "xmlsafe")  # and this one
_LAYOUT_MODULES = ("celldesigner", "sbml", "xmlsafe", "report/layout", "report/sbml_layout")
_reader_digest: str | None = None
_digests: dict[tuple[str, ...], str] = {}


def code_digest(*modules: str) -> str:
    """A digest of the source of these ``curation`` modules, this one and literature's
    identifiers: what derives a cached value, so a crsmap that derives it differently
    never reads another's entries (computed once per process)."""
    if modules not in _digests:
        import literature.identifiers

        digest = hashlib.sha256(str(FORMAT).encode())
        here = Path(__file__).parent
        sources = [here / f"{name}.py" for name in ("mapcache", *modules)]
        sources.append(Path(literature.identifiers.__file__))
        for source in sources:
            digest.update(source.read_bytes())
        _digests[modules] = digest.hexdigest()[:16]
    return _digests[modules]


def reader_digest() -> str:
    """A digest of the code that turns a map file into its model."""
    global _reader_digest
    if _reader_digest is None:
        _reader_digest = code_digest(*_READER_MODULES)
    return _reader_digest


def write_entry(entry: Path, document: dict, keep: int | None = None) -> None:
    """Write an entry (compact JSON) atomically into its part of the cache folder, with the
    folder's ``.gitignore`` (so git never shows it); with ``keep``, only that many of the
    part's most recently used entries stay. Any failure just leaves no entry."""
    from .storage import atomic_write_bytes

    part = entry.parent
    try:
        part.mkdir(parents=True, exist_ok=True)
        ignore = part.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text(
                "# crsmap's cache of parsed maps and release states: safe to delete\n*\n"
            )
        atomic_write_bytes(entry, json.dumps(document, separators=(",", ":")).encode())
        if keep is not None:
            _prune(part, keep)
    except OSError:
        return


def cache_folder(root: Path) -> Path | None:
    """The project's cache folder; None when it is turned off (``CRSMAP_CACHE=off``) or
    cannot be used (a link, or not a folder)."""
    if os.environ.get("CRSMAP_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    folder = Path(root) / CACHE_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return None
    return folder


def cached_map(
    data: bytes, path: Path, qualify: bool, label: str, root: Path | None, layout: bool = False
):
    """The model of the map file whose bytes are ``data``: from the cache, or parsed and stored.

    With ``layout`` the model carries its drawing too (kept in an entry of its own, so
    that read commands never load it). ``root`` is the project folder (None: no cache).
    Parsing errors are raised as when reading the file directly; nothing is stored for a
    file that does not parse.
    """
    folder = cache_folder(root) if root is not None else None
    key = hashlib.sha256(data).hexdigest()
    entry = drawing = None
    model = drawn = None
    if folder is not None:
        entry = folder / "maps" / f"{key}-{reader_digest()}-{int(qualify)}-{_safe(path.stem)}.json"
        model = load_entry(entry, key, path, qualify)
        if layout:
            drawing = folder / "maps" / f"{key}-{code_digest(*_LAYOUT_MODULES)}-layout.json"
            drawn = load_layout(drawing, key)
    if model is not None and (not layout or drawn is not None):
        model.layout = drawn
        return model
    from .celldesigner import map_from_tree
    from .collector import collector_paused
    from .xmlsafe import parse_xml_bytes

    with collector_paused():
        tree = parse_xml_bytes(data, label)
        if model is not None:  # only the drawing is missing: the model is not built again
            from .report.layout import layout_of

            model.layout = layout_of(tree.getroot(), label)
            store_layout(drawing, key, model.layout)
            return model
        model = map_from_tree(tree, path, qualify, label, layout)
    if entry is not None:
        store_entry(entry, key, model, qualify)
        if drawing is not None and model.layout is not None:
            store_layout(drawing, key, model.layout)
    return model


def load_layout(entry: Path, key: str):
    """The drawing an entry holds, or None when it is missing, stale or damaged."""
    from .report.layout import Box, Layout, ReactionGeometry

    def number(value) -> float:
        if type(value) not in (int, float):
            raise ValueError("a coordinate that is not a number")
        return float(value)

    def box(row) -> Box:
        ident, kind, label, x, y, w, h, parent = row
        if parent is not None:
            parent = _text(parent)
        return Box(_text(ident), _text(kind), _text(label), number(x), number(y), number(w),
                   number(h), parent)  # fmt: skip

    def geometry(row) -> ReactionGeometry:
        reaction, reactants, products, modifiers, path = row
        return ReactionGeometry(
            _text(reaction),
            tuple(map(_text, reactants)),
            tuple(map(_text, products)),
            tuple(map(_text, modifiers)),
            tuple((number(x), number(y)) for x, y in path),
        )

    try:
        document = json.loads(entry.read_bytes())
        if document.get("format") != FORMAT or document.get("source_sha256") != key:
            return None
        reactions = {}
        for row in document["reactions"]:
            item = geometry(row)
            reactions[item.reaction_id] = item
        return Layout(
            number(document["width"]),
            number(document["height"]),
            tuple(map(box, document["compartments"])),
            tuple(map(box, document["species"])),
            reactions,
            _text(document["source"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def store_layout(entry: Path, key: str, layout) -> None:
    """Write a drawing's entry atomically; any failure leaves no cache."""

    def box(b) -> list:
        return [b.id, b.kind, b.label, b.x, b.y, b.w, b.h, b.parent]

    document = {
        "format": FORMAT,
        "source_sha256": key,
        "width": layout.width,
        "height": layout.height,
        "compartments": [box(b) for b in layout.compartments],
        "species": [box(b) for b in layout.species],
        "reactions": [
            [
                r.reaction_id,
                list(r.reactants),
                list(r.products),
                list(r.modifiers),
                [list(p) for p in r.path],
            ]
            for r in layout.reactions.values()
        ],
        "source": layout.source,
    }
    write_entry(entry, document, KEEP)


def load_entry(entry: Path, key: str, path: Path, qualify: bool) -> CellDesignerMap | None:
    """The model an entry holds, or None when it is missing, stale or damaged."""
    try:
        document = json.loads(entry.read_bytes())
        if (
            document.get("format") != FORMAT
            or document.get("source_sha256") != key
            or document.get("qualify") is not qualify
        ):
            return None
        model = CellDesignerMap(
            path=path, model_id=_text(document["model_id"]), format=_text(document["map_format"])
        )
        for row in document["interactions"]:
            interaction = _interaction(row)
            if interaction.reaction_id in model.interactions:
                return None
            model.interactions[interaction.reaction_id] = interaction
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(entry)  # recently used: kept by the pruning
        return model
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def store_entry(entry: Path, key: str, model: CellDesignerMap, qualify: bool) -> None:
    """Write an entry atomically and keep the folder small; any failure leaves no cache."""

    rows = []
    for interaction in model.interactions.values():
        row = []
        for name in _FIELDS:
            value = getattr(interaction, name)
            if name in _PARTICIPANT_LISTS:
                value = [list(p) for p in value]
            elif name in _STRING_LISTS:
                value = list(value)
            row.append(value)
        rows.append(row)
    document = {
        "format": FORMAT,
        "source_sha256": key,
        "qualify": qualify,
        "model_id": model.model_id,
        "map_format": model.format,
        "fields": list(_FIELDS),
        "interactions": rows,
    }
    write_entry(entry, document, KEEP)


_STRINGS = tuple(i for i, name in enumerate(_FIELDS) if name not in (
    *_PARTICIPANT_LISTS, *_STRING_LISTS, "line"))  # fmt: skip
_PARTICIPANTS = tuple(_FIELDS.index(name) for name in _PARTICIPANT_LISTS)
_TEXTS = tuple(_FIELDS.index(name) for name in _STRING_LISTS)
_strings_of = itemgetter(*_STRINGS)
_LINE = _FIELDS.index("line")
_SIGNATURE = _FIELDS.index("signature")


def _interaction(row) -> Interaction:
    """An interaction from an entry's row, every value checked for its type.

    Built without the dataclass's ``__init__``: the row holds every field, the signature
    included, exactly as the reader derived them, and setting them one by one through a
    frozen dataclass is most of the time of a warm read.
    """
    if type(row) is not list or len(row) != len(_FIELDS):
        raise ValueError("an entry row of the wrong length")
    if not all(type(value) is str for value in _strings_of(row)):
        raise ValueError("a value that is not text")
    if type(row[_LINE]) is not int or not row[_SIGNATURE]:
        raise ValueError("a line that is not a number, or no signature")
    for i in _TEXTS:
        texts = row[i]
        if type(texts) is not list:
            raise ValueError("references that are not a list")
        "".join(texts)  # a TypeError unless every item is text
        row[i] = tuple(texts)
    for i in _PARTICIPANTS:
        row[i] = tuple(map(_participant, row[i]))
    interaction = object.__new__(Interaction)
    interaction.__dict__.update(zip(_FIELDS, row, strict=True))
    return interaction


def _participant(value) -> Participant:
    if type(value) is not list or len(value) != 4:
        raise ValueError("a participant of the wrong shape")
    "".join(value)  # a TypeError unless every item is text
    return tuple.__new__(Participant, value)


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("a value that is not text")
    return value


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60]


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(old)
