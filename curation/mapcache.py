"""The parsed-map cache: each map file's interaction model, kept on disk by content hash.

Reading a large map (parsing the XML, resolving species names, finding references) is
most of the time of every read command, and maps change rarely. So the model read from a
file is stored in ``.crsmap-cache/maps/`` of the project, under the sha256 of the file's
bytes, and the next command that meets the same bytes loads it instead of parsing.

A cache can never change a result:

- the key also holds a digest of the source of the modules that build the model (this
  module, the CellDesigner and SBML readers, reference parsing) and of the Python that
  wrote it, so a crsmap whose reader differs never uses another's entries;
- an entry is Python's ``marshal`` of plain values (text, numbers, tuples; never pickle,
  nothing that runs code), behind a sha256 of those bytes: a damaged entry fails the
  checksum, and each column's types are checked before use (:func:`check_columns`);
  one that is stale, damaged or unreadable is rebuilt silently;
- entries are written atomically; a cache that cannot be written (read-only folder, full
  disk) is simply not used.

The folder holds its own ``.gitignore`` (``*``), so git never shows it, and keeps the
:data:`KEEP` most recently used entries. Delete it at any time: it is rebuilt on the next
read. ``CRSMAP_CACHE=off`` turns it off (every command then parses the maps).
:mod:`curation.parsed` keeps the large ledgers and ``literature.jsonl`` the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from itertools import chain, repeat
from pathlib import Path

from .celldesigner import CellDesignerMap, Interaction, Participant

CACHE_DIR = ".crsmap-cache"
FORMAT = 1  # of the JSON entries: drawings and release states
VALUE_FORMAT = 2  # of the marshal entries: map models, ledgers, citations
MAGIC = b"crsmap-cache 2\n"  # then the sha256 of the marshal bytes, then those bytes
KEEP = 32  # entries kept: a few versions of each map file of a project
_FIELDS = tuple(f.name for f in fields(Interaction))
_PARTICIPANT_LISTS = ("reactants", "products", "modifiers")
_STRING_LISTS = ("references", "annotated_references", "invalid_references")
_READER_MODULES = ("celldesigner", "sbml", "identifiers", "xmlsafe")  # and this one
_LAYOUT_MODULES = ("celldesigner", "sbml", "xmlsafe", "report/layout", "report/sbml_layout")
_reader_digest: str | None = None
_digests: dict[tuple[str, ...], str] = {}


def code_digest(*modules: str) -> str:
    """A digest of the source of these modules, this one and literature's identifiers:
    what derives a cached value, so a crsmap that derives it differently never reads
    another's entries (computed once per process).

    A name is a module of ``curation`` (``ledger``, ``report/layout``) or, prefixed with
    ``literature/``, of ``literature``. The Python version is part of the digest too:
    ``marshal`` bytes are only promised to one version.
    """
    if modules not in _digests:
        import literature.identifiers

        literature_folder = Path(literature.identifiers.__file__).parent
        digest = hashlib.sha256(f"{FORMAT}.{VALUE_FORMAT}.{sys.implementation.cache_tag}".encode())
        here = Path(__file__).parent
        sources = []
        for name in ("mapcache", *modules):
            if name.startswith("literature/"):
                sources.append(literature_folder / f"{name.removeprefix('literature/')}.py")
            else:
                sources.append(here / f"{name}.py")
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
    import json  # the drawings' entries only: read commands never load json

    _write(entry, json.dumps(document, separators=(",", ":")).encode(), keep, "*.json")


def write_value(entry: Path, value, keep: int | None = None, like: str = "*.bin") -> None:
    """Write a marshal entry of plain values (see :func:`read_value`) atomically; with
    ``keep``, only that many of the most recently used entries matching ``like`` stay."""
    try:
        payload = marshal.dumps(value, 4)
    except ValueError:  # not plain values: a bug, but never a reason to fail a read
        return
    _write(entry, MAGIC + hashlib.sha256(payload).digest() + payload, keep, like)


def shared(columns) -> tuple[tuple, ...]:
    """Columns whose equal values are one object each: ``marshal`` then writes each value
    once and loading makes it once (a status, a date, a curator repeated 30,000 times),
    which keeps both the entry and the memory of a warm read small."""
    result = []
    for column in columns:
        seen: dict = {}  # one per column: 1 and True are equal keys, but never in one column
        result.append(tuple(map(seen.setdefault, column, column)))
    return tuple(result)


def read_value(entry: Path, touch: bool = True):
    """The value a marshal entry holds; None when it is missing or fails its checksum.

    The caller still checks the value's shape and types (:func:`check_columns`): the
    checksum finds damage, the checks keep a value crsmap did not write from being used.
    """
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    start = len(MAGIC) + 32
    if data[: len(MAGIC)] != MAGIC:
        return None
    payload = memoryview(data)[start:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC) : start]:
        return None
    try:
        value = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if touch:
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(entry)  # recently used: kept by the pruning
    return value


def _write(entry: Path, data: bytes, keep: int | None, like: str) -> None:
    from .storage import atomic_write_bytes

    part = entry.parent
    try:
        part.mkdir(parents=True, exist_ok=True)
        ignore = part.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text(
                "# crsmap's cache of parsed maps, ledgers and release states: safe to delete\n*\n"
            )
        # Not fsynced: an entry lost or cut short by a crash fails its check and is rebuilt.
        atomic_write_bytes(entry, data, durable=False)
        if keep is not None:
            _prune(part, keep, like)
    except OSError:
        return


# What a column of a marshal entry may hold: text ("text", checked with one join), one of
# these types per value, or for the nested kinds a tuple per value of text ("texts"), of
# text pairs ("pairs") or of four texts ("quads").
_SCALAR_KINDS = {
    "text?": frozenset({str, type(None)}),
    "int": frozenset({int}),
    "int?": frozenset({int, type(None)}),
    "bool": frozenset({bool}),
}
_NESTED_KINDS = {"texts": None, "pairs": 2, "quads": 4}
_TUPLE = frozenset({tuple})


def check_columns(value, kinds: tuple[str, ...]) -> tuple[tuple, ...]:
    """``value`` as columns of equal length, each of its kind; a ValueError otherwise.

    The checks run over whole columns at C speed (``set(map(type, column))``, one
    ``"".join`` for text), so a warm read costs little more than unmarshalling.
    """
    if type(value) is not tuple or len(value) != len(kinds):
        raise ValueError("an entry with the wrong number of columns")
    if len(set(map(len, value))) > 1 or not _TUPLE.issuperset(map(type, value)):
        raise ValueError("columns that are not tuples of one length")
    for column, kind in zip(value, kinds, strict=True):
        if kind == "text":
            _texts(column)
            continue
        allowed = _SCALAR_KINDS.get(kind)
        if allowed is not None:
            if not allowed.issuperset(map(type, column)):
                raise ValueError(f"a {kind} column holding another type")
            continue
        width = _NESTED_KINDS[kind]
        if not _TUPLE.issuperset(map(type, column)):
            raise ValueError(f"a {kind} column holding another type")
        items = tuple(chain.from_iterable(column))
        if width is not None:
            if not _TUPLE.issuperset(map(type, items)) or set(map(len, items)) - {width}:
                raise ValueError(f"a {kind} column holding items of another shape")
            items = chain.from_iterable(items)
        _texts(items)
    return value


def _texts(values) -> None:
    """A ValueError unless every value is text (a str: marshal makes no subclass of one)."""
    try:
        "".join(values)  # four times as fast as looking at each type
    except TypeError:
        raise ValueError("a value that is not text") from None


def named_tuples(cls, column) -> list:
    """A column of tuples of plain tuples (checked by :func:`check_columns`) with each
    inner tuple made a ``cls`` named tuple: marshal keeps no named tuple."""
    made = repeat(cls)
    return [tuple(map(tuple.__new__, made, items)) if items else items for items in column]


def instances(cls, names: tuple[str, ...], columns) -> Iterator:
    """One instance of the frozen dataclass ``cls`` per row of ``columns``, whose values
    are its fields ``names``: made without the dataclass's ``__init__``. An entry holds
    every field exactly as crsmap derived it, and setting them one call at a time through
    a frozen ``__init__`` would be most of the time of a warm read."""
    new = object.__new__
    for row in zip(*columns, strict=True):
        instance = new(cls)
        instance.__dict__.update(zip(names, row, strict=True))
        yield instance


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
    return _model(folder, key, lambda: data, path, qualify, label, layout)


def cached_map_file(path: Path, qualify: bool, label: str, root: Path, layout: bool = False):
    """:func:`cached_map` of the map file at ``path``, read only when its model (or drawing)
    is not in the cache already (see :func:`file_digest`)."""
    from .xmlsafe import read_map_bytes

    folder = cache_folder(root)
    if folder is None:
        data = read_map_bytes(path)
        return _model(None, "", lambda: data, path, qualify, label, layout)
    key, data = file_digest(path, folder, read_map_bytes)
    if data is None:  # unchanged since its stamp: from the cache, if its entries are there
        model = _model(folder, key, None, path, qualify, label, layout)
        if model is not None:
            return model
        # Read now, the key is the digest of the bytes read: the file may have changed
        # since its stamp was looked at, and an entry must hold what its key names.
        data = read_map_bytes(path)
        key = hashlib.sha256(data).hexdigest()
    return _model(folder, key, lambda: data, path, qualify, label, layout)


def _model(folder, key: str, data: Callable[[], bytes] | None, path, qualify, label, layout):
    """The model of the map whose bytes' digest is ``key``, from the cache or from
    ``data()``; with ``data`` None, None when the cache does not hold all of it."""
    entry = drawing = None
    model = drawn = None
    if folder is not None:
        from .collector import collector_paused

        entry = folder / "maps" / f"{key}-{reader_digest()}-{int(qualify)}-{_safe(path.stem)}.bin"
        with collector_paused():  # thousands of small objects and no cycle: no pass over them
            model = load_entry(entry, key, path, qualify)
        if layout:
            drawing = folder / "maps" / f"{key}-{code_digest(*_LAYOUT_MODULES)}-layout.json"
            drawn = load_layout(drawing, key)
    if model is not None and (not layout or drawn is not None):
        model.layout = drawn
        return model
    if data is None:
        return None
    from .celldesigner import map_from_tree
    from .collector import collector_paused
    from .xmlsafe import parse_xml_bytes

    with collector_paused():
        tree = parse_xml_bytes(data(), label)
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


# A file's stamp is trusted only when its last change is this much older than the moment
# it was recorded: a file system that keeps times to the second (or two) cannot then show
# a later rewrite of the same size with the same times.
STAMP_MARGIN_NS = 3 * 10**9


def file_digest(
    path: Path, folder: Path, read: Callable[[Path], bytes]
) -> tuple[str, bytes | None]:
    """The sha256 of a file's bytes, and the bytes when they had to be read (else None).

    As git's index does, the cache records each file's stamp (size, times of change,
    inode, device) with the digest of its bytes, so that a file unchanged since is not
    read and hashed again (an 18 MB map: 40 ms). A stamp is recorded only once the file
    has been left alone for :data:`STAMP_MARGIN_NS`; any write changes it.
    """
    stamp = _stamp(path)
    name = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:24]
    entry = folder / "stamps" / f"{name}.bin"
    if stamp is not None:
        recorded = read_value(entry, touch=False)
        if (
            type(recorded) is tuple
            and len(recorded) == 2
            and recorded[0] == stamp
            and type(recorded[1]) is str
            and len(recorded[1]) == 64
        ):
            return recorded[1], None
    data = read(path)
    key = hashlib.sha256(data).hexdigest()
    settled = stamp is not None and time.time_ns() - max(stamp[1], stamp[2]) > STAMP_MARGIN_NS
    if settled and _stamp(path) == stamp:  # and not changed while it was read
        write_value(entry, (stamp, key), keep=64)
    return key, data


def _stamp(path: Path) -> tuple[int, ...] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


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
        import json

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


# The columns of a model entry: one per field of Interaction, in its order.
_FIELD_KINDS = {
    **dict.fromkeys(_FIELDS, "text"),
    **dict.fromkeys(_PARTICIPANT_LISTS, "quads"),
    **dict.fromkeys(_STRING_LISTS, "texts"),
    "line": "int",
}
_KINDS = tuple(_FIELD_KINDS[name] for name in _FIELDS)
_PARTICIPANT_COLUMNS = tuple(_FIELDS.index(name) for name in _PARTICIPANT_LISTS)
_REACTION_ID = _FIELDS.index("reaction_id")
_SIGNATURE = _FIELDS.index("signature")


def load_entry(entry: Path, key: str, path: Path, qualify: bool) -> CellDesignerMap | None:
    """The model an entry holds, or None when it is missing, stale or damaged."""
    value = read_value(entry)
    try:
        kind, source, qualified, model_id, map_format, names, columns = value
        if (
            kind != "map"
            or source != key
            or qualified is not qualify
            or names != _FIELDS
            or type(model_id) is not str
            or type(map_format) is not str
        ):
            return None
        columns = list(check_columns(columns, _KINDS))
        ids, signatures = columns[_REACTION_ID], columns[_SIGNATURE]
        if len(set(ids)) != len(ids) or not all(signatures):
            return None  # two reactions with one id, or one without its signature
        for i in _PARTICIPANT_COLUMNS:  # checked as 4-tuples of text: named now
            columns[i] = named_tuples(Participant, columns[i])
    except (ValueError, TypeError):  # None, or a value of another shape
        return None
    model = CellDesignerMap(path=path, model_id=model_id, format=map_format)
    model.interactions.update(zip(ids, instances(Interaction, _FIELDS, columns), strict=True))
    return model


def store_entry(entry: Path, key: str, model: CellDesignerMap, qualify: bool) -> None:
    """Write an entry atomically and keep the folder small; any failure leaves no cache."""
    interactions = model.interactions.values()
    columns = []
    for name in _FIELDS:
        column = tuple(getattr(i, name) for i in interactions)
        if name in _PARTICIPANT_LISTS:  # named tuples are marshalled as plain ones
            column = tuple(tuple(map(tuple, side)) for side in column)
        columns.append(column)
    value = ("map", key, qualify, model.model_id, model.format, _FIELDS, shared(columns))
    write_value(entry, value, KEEP, like="*.bin")


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("a value that is not text")
    return value


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60]


def _prune(folder: Path, keep: int, like: str) -> None:
    entries = sorted(folder.glob(like), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(old)
