"""``crsmap verify``: is a release bundle intact, complete and consistent?

The zip comes from outside, so its central directory is checked before any entry is read
(:mod:`curation.verify_zip`). Then each entry is read once, front to back, in chunks:
hashed for the manifest and, for the files verify understands, parsed on the way (the map
by a pull parser that frees what it has seen), so memory stays flat however large the
bundle.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from literature.tsv import spreadsheet_value

from .bundle import MANIFEST, REQUIRED, RO_CRATE
from .celldesigner import SBML_NS_PREFIX, _rdf_resources, _resource_reference
from .changes import CHANGES_FILE
from .changes import COLUMNS as CHANGES_COLUMNS
from .collector import collector_paused
from .errors import InputError
from .identifiers import parse_reference
from .ledger import EVIDENCE_COLUMNS
from .verify_zip import MAX_ENTRIES, declared_entries, unsafe_entries
from .xmlsafe import iterparse_chunks

CHUNK = 64 * 1024
MAX_LINE = 64 * 1024  # bytes kept of each text line: the cells verify reads come first
MAX_JSON_ITEM = 4 * 1024 * 1024  # characters of one references.json item
MAX_CRATE = 4 * 1024 * 1024  # the RO-Crate of a bundle's dozen files is a few kB
MAX_REPORTED = 100  # problems listed per file; the rest are counted
CFF_KEYS = ("cff-version", "message", "title", "authors", "version", "date-released", "license")
CRATE_KEYS = ("name", "description", "datePublished", "license", "author", "hasPart")
REFERENCES = "references.json"
EVIDENCE = "evidence.tsv"
_UNREADABLE = (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError)
_MALFORMED = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    RecursionError,
    InputError,
)


@dataclass
class Verification:
    """What verify found: problems (the bundle fails) and warnings (accepted, but said)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def verify(path: str | Path) -> list[str]:
    """Every problem found in a bundle (an empty list means it verifies)."""
    return inspect(path).problems


def inspect(path: str | Path) -> Verification:
    """Problems and warnings of the bundle at ``path``."""
    unreadable = f"{path} is not a readable zip file (damaged or truncated?)"
    try:
        with open(path, "rb") as stream:
            return _open(stream, str(path), unreadable)
    except FileNotFoundError:
        raise InputError(f"bundle {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"bundle {path} is a directory, expected a zip file") from None
    except OSError as exc:
        return Verification([f"{unreadable}: {exc}"])


def inspect_bytes(data: bytes, label: str = "the bundle") -> Verification:
    """The same checks on a bundle held in memory (``release`` checks before it tags)."""
    return _open(io.BytesIO(data), label, f"{label} is not a readable zip file")


def _open(stream, label: str, unreadable: str) -> Verification:
    try:
        declared, problems = declared_entries(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        return Verification([f"{unreadable}: {exc}"])
    if problems:
        return Verification(problems)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return Verification([f"{unreadable}: {exc}"])
    with archive:
        return _inspect(archive, label, declared)


def _inspect(archive: zipfile.ZipFile, label: str, declared: int | None) -> Verification:
    problems = unsafe_entries(archive, declared)
    if problems:
        return Verification(problems)  # nothing is read from a hostile archive
    infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
    tops = {(PurePosixPath(i.filename).parts or ("",))[0] for i in infos}
    if len(tops) != 1:
        return Verification(
            [f"expected one top folder, found {len(tops)}: {', '.join(sorted(tops))[:200]}"]
        )
    top = tops.pop()
    entries = {i.filename[len(top) + 1 :]: i for i in infos}
    problems += [f"missing required file {name}" for name in REQUIRED if name not in entries]
    if not any(_is_map(name) for name in entries):
        problems.append("missing map/*.xml")
    reading = _Reading(archive, entries, parse=not problems)
    try:
        reading.run()
    except _UNREADABLE as exc:
        return Verification([f"{label}: an entry cannot be read (damaged or truncated?): {exc}"])
    problems += reading.integrity()
    if problems:
        return Verification(problems)
    return Verification(reading.problems, reading.warnings)


def _is_map(name: str) -> bool:
    return name.startswith("map/") and name.endswith(".xml")


class _Reading:
    """One pass over a bundle's entries: each read once, hashed, and parsed when understood.

    The manifest comes first (an unlisted entry is not read at all), then the maps and
    ``references.json``, so that each ``evidence.tsv`` row is checked as it streams by.
    """

    def __init__(self, archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], parse):
        self.archive = archive
        self.entries = entries
        self.parse = parse
        self.digests: dict[str, str] = {}
        self.listed: dict[str, str] = {}
        self.malformed: list[str] = []  # manifest lines: integrity, not consistency
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.maps: dict[str, dict[str, frozenset[str]]] = {}
        self.map_names: dict[str, str] = {}
        self.known: set[str] = set()
        self.unfetched: set[str] = set()
        self.references_read = False

    def run(self) -> None:
        def order(name: str) -> tuple[int, int]:
            rank = 0 if name == MANIFEST else 1 if _is_map(name) else 2
            rank = {REFERENCES: 3, EVIDENCE: 4}.get(name, rank)
            return rank, self.entries[name].header_offset

        for name in sorted(self.entries, key=order):
            if name == MANIFEST or name in self.listed:
                self.digests[name] = self._read(name)
        if self.parse:
            self._unfetched_warning()

    def integrity(self) -> list[str]:
        """Manifest problems: malformed lines, unlisted, changed or missing files."""
        problems = list(self.malformed)
        if MANIFEST not in self.entries:
            return problems  # already said: missing required file
        for name in self.entries:
            if name == MANIFEST:
                continue
            if name not in self.listed:
                problems.append(f"{name} is not in {MANIFEST}")
            elif self.digests.get(name) != self.listed[name]:
                problems.append(f"{name}: checksum differs from {MANIFEST} (changed or damaged)")
        problems += [
            f"{name} is listed in {MANIFEST} but missing"
            for name in self.listed
            if name not in self.entries
        ]
        return problems

    def _read(self, name: str) -> str:
        """The entry's sha256, read once in chunks; parsed on the way when verify knows it."""
        digest = hashlib.sha256()
        with self.archive.open(self.entries[name]) as raw:

            def chunks() -> Iterator[bytes]:
                while chunk := raw.read(CHUNK):
                    digest.update(chunk)
                    yield chunk

            stream = chunks()
            parser = self._parser(name)
            try:
                if parser is not None:
                    parser(name, stream)
            except _MALFORMED as exc:  # not what its name says: say so, never crash
                self.problems.append(f"{name} is malformed: {exc}"[:300])
            for _ in stream:  # whatever the parser left is hashed all the same
                pass
        return digest.hexdigest()

    def _parser(self, name: str):
        if name == MANIFEST:
            return self._manifest
        if not self.parse:
            return None
        if _is_map(name):
            return self._map
        return {
            REFERENCES: self._references,
            EVIDENCE: self._evidence,
            CHANGES_FILE: self._changes,
            "CITATION.cff": self._cff,
            RO_CRATE: self._crate,
        }.get(name)

    def _manifest(self, name: str, chunks: Iterator[bytes]) -> None:
        for number, line in enumerate(_lines(chunks), start=1):
            digest, _, listed = line.removesuffix("\r").partition("  ")
            if len(digest) != 64 or not listed:
                self.malformed.append(f"{MANIFEST}:{number}: malformed line")
            elif len(self.listed) >= MAX_ENTRIES:
                self.malformed.append(f"{MANIFEST}: more than {MAX_ENTRIES} lines")
                return
            else:
                self.listed[listed] = digest

    def _map(self, name: str, chunks: Iterator[bytes]) -> None:
        stem = PurePosixPath(name).stem
        if stem in self.maps:
            self.problems.append(
                f"{name} and {self.map_names[stem]} have the same stem {stem!r}: which map an "
                "interaction belongs to is ambiguous"
            )
            return
        try:
            with collector_paused():  # as read_map does: many small acyclic objects
                self.maps[stem] = map_references(chunks, name)
        except InputError as exc:
            self.problems.append(str(exc)[:300])
            self.maps[stem] = {}
        self.map_names[stem] = name

    def _references(self, name: str, chunks: Iterator[bytes]) -> None:
        # Every evidence reference has metadata, or is explicitly unfetched.
        try:
            for number, item in enumerate(json_array_items(chunks), start=1):
                if not isinstance(item, dict):
                    raise ValueError(f"item {number} is not a CSL-JSON object")
                for key, prefix in (("PMID", "pubmed"), ("DOI", "doi"), ("PMCID", "pmc")):
                    if item.get(key):
                        curie = parse_reference(f"{prefix}:{item[key]}").curie
                        unfetched = item.get("status") == "unfetched"
                        (self.unfetched if unfetched else self.known).add(curie)
        except json.JSONDecodeError as exc:
            self.problems.append(f"{REFERENCES} is not valid JSON: {exc.msg}")
            return
        except UnicodeDecodeError:
            self.problems.append(f"{REFERENCES} is not valid JSON: not UTF-8")
            return
        self.references_read = True

    def _unfetched_warning(self) -> None:
        if self.unfetched:
            listed = sorted(self.unfetched)
            self.warnings.append(
                f"{len(listed)} reference(s) released without citation metadata, marked unfetched "
                f"in {REFERENCES}: {', '.join(listed[:5])}{', ...' if len(listed) > 5 else ''}"
            )

    def _evidence(self, name: str, chunks: Iterator[bytes]) -> None:
        lines = _lines(chunks)
        header = next(lines, "").split("\t")
        if (
            header[: len(EVIDENCE_COLUMNS)] != list(EVIDENCE_COLUMNS)
            or "first_release" not in header
        ):
            self.problems.append(f"{EVIDENCE}: unexpected header")
            return
        known = self.known | self.unfetched
        qualify = len(self.maps) > 1
        only = next(iter(self.maps.values()), None)
        found = 0
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            problem = self._row(line, number, known, qualify, only)
            if problem:
                found += 1
                if found <= MAX_REPORTED:
                    self.problems.append(problem[:300])
        if found > MAX_REPORTED:
            self.problems.append(f"{EVIDENCE}: {found - MAX_REPORTED} more problem(s) not listed")

    def _row(self, line: str, number: int, known, qualify: bool, only) -> str:
        cells = line.split("\t", 2)
        if len(cells) < 2:
            return f"{EVIDENCE}:{number}: expected an interaction and a reference"
        # The bundle's tables are spreadsheet-safe: a cell that begins like a formula has a
        # leading "'" (literature.tsv.spreadsheet_safe), which is not part of the value.
        interaction, reference = (spreadsheet_value(cell) for cell in cells[:2])
        try:
            curie = parse_reference(reference).curie
        except InputError:
            return f"{EVIDENCE}: invalid reference {reference[:100]!r}"
        if self.references_read and curie not in known:
            return f"{EVIDENCE}: {interaction} {curie} has no metadata in {REFERENCES}"
        stem, _, reaction = interaction.rpartition(":") if qualify else ("", "", interaction)
        reactions = self.maps.get(stem) if qualify else only
        annotated = reactions.get(reaction) if reactions is not None else None
        if annotated is None:
            return f"{EVIDENCE}: {interaction[:200]} is not a reaction of the bundled map"
        if curie not in annotated:
            return f"map and {EVIDENCE} disagree: {interaction} lacks the annotation {curie}"
        return ""

    def _changes(self, name: str, chunks: Iterator[bytes]) -> None:
        header = next(_lines(chunks), "")
        if header.split("\t") != list(CHANGES_COLUMNS):
            self.problems.append(
                f"{CHANGES_FILE}: unexpected header; expected {' '.join(CHANGES_COLUMNS)}"
            )

    def _cff(self, name: str, chunks: Iterator[bytes]) -> None:
        keys = {
            line.split(":", 1)[0]
            for line in _lines(chunks)
            if line and not line[0].isspace() and ":" in line
        }
        self.problems += [
            f"CITATION.cff lacks the required key {key!r}" for key in CFF_KEYS if key not in keys
        ]

    def _crate(self, name: str, chunks: Iterator[bytes]) -> None:
        if self.entries[name].file_size > MAX_CRATE:
            self.problems.append(
                f"{RO_CRATE} claims {self.entries[name].file_size} bytes: more than {MAX_CRATE} "
                "is not the RO-Crate of a bundle"
            )
            return
        # Small and bounded (zipfile never yields more than the declared size): read whole.
        self.problems += _crate(b"".join(chunks))


def _lines(chunks: Iterable[bytes], keep: int = MAX_LINE) -> Iterator[str]:
    """Each line of a UTF-8 text, without its newline; past ``keep`` bytes a line is cut.

    Lines end at ``\\n`` only (a ``\\r`` stays), as ``str.split("\\n")`` would cut them, and
    a long line costs no more than ``keep`` bytes.
    """
    head = bytearray()
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            if len(head) < keep:
                head += chunk[start : min(end, start + keep - len(head))]
            yield head.decode("utf-8", "replace")
            head.clear()
            start = end + 1
        if len(head) < keep:
            head += chunk[start : start + keep - len(head)]
    if head:
        yield head.decode("utf-8", "replace")


_BLANK = re.compile(r"[ \t\n\r]*")


def json_array_items(chunks: Iterable[bytes], limit: int = MAX_JSON_ITEM) -> Iterator[object]:
    """The items of a JSON array arriving in chunks of UTF-8, one item in memory at a time.

    Raises :class:`json.JSONDecodeError` (or ``ValueError``) where ``json.loads`` would
    fail, and ``ValueError`` for an item longer than ``limit`` characters.
    """
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8-sig")()
    source = iter(chunks)
    buffer, at, done = "", 0, False

    def more() -> bool:
        nonlocal buffer, at, done
        if done:
            return False
        chunk = next(source, None)
        done = chunk is None
        buffer = buffer[at:] + text.decode(chunk or b"", final=done)
        at = 0
        return True

    def peek() -> str:  # the next character that is not blank, or "" at the end
        nonlocal at
        while True:
            at = _BLANK.match(buffer, at).end()
            if at < len(buffer) or not more():
                return buffer[at : at + 1]

    def fail(message: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, buffer, at)

    if peek() != "[":
        raise fail("expected a JSON array")
    at += 1
    if peek() == "]":
        at += 1
    else:
        while True:
            peek()
            while True:
                error = None
                try:
                    item, end = decoder.raw_decode(buffer, at)
                    # A number cut by a chunk ("0." and "5") decodes short: an item ends
                    # where a separator follows, else it may go on in the next chunk.
                    if done or (end < len(buffer) and buffer[end] in ",] \t\n\r"):
                        break
                except json.JSONDecodeError as exc:
                    if done:
                        raise
                    error = exc
                if len(buffer) - at > limit:
                    malformed = f", or malformed: {error.msg}" if error else ""
                    raise ValueError(f"an item longer than {limit} characters{malformed}")
                # Read as much again before retrying, so a long item is decoded few times.
                wanted = 2 * (len(buffer) - at) + 1
                while len(buffer) - at < wanted and more():
                    pass
            at = end
            yield item
            separator = peek()
            if separator == "]":
                at += 1
                break
            if separator != ",":
                raise fail("expected ',' or ']' after an item")
            at += 1
    if peek():
        raise fail("extra data after the array")


# What a CellDesigner map holds many of: each is freed once it has been read past, which
# keeps memory flat. Only these cost Python time (lxml filters the events in C); content
# under other names is kept until the end, as a whole-tree parse would keep it.
_ITEMS = tuple(
    "{*}" + name
    for name in (
        "model", "reaction", "species", "speciesAlias", "complexSpeciesAlias",
        "compartmentAlias", "compartment", "protein", "gene", "RNA", "AntisenseRNA",
        "antisenseRNA", "layer", "group", "blockDiagram", "unitDefinition",
        "functionDefinition", "parameter", "rule", "constraint", "event",
    )
)  # fmt: skip


def map_references(chunks: Iterable[bytes], label: str) -> dict[str, frozenset[str]]:
    """Each reaction of a map streamed in chunks, with the references annotated on it.

    The reactions and annotations :func:`curation.celldesigner.map_from_tree` reads (the
    first model's ``listOfReactions``, RDF resources anywhere under a reaction's
    annotation), parsed safely, with what has been read past freed as it goes.
    """
    reactions: dict[str, frozenset[str]] = {}
    sbml = ""
    model = None
    open_reactions = 0  # an item inside a reaction is freed with the reaction, not before
    for event, element in iterparse_chunks(chunks, label, _ITEMS):
        if not sbml:
            sbml = _sbml_namespace(element.getroottree().getroot().tag, label)
        tag = element.tag
        if event == "start":
            if tag == sbml + "reaction":
                open_reactions += 1
            elif model is None and tag == sbml + "model":
                parent = element.getparent()
                model = element if parent is not None and parent.getparent() is None else None
            continue
        if tag == sbml + "reaction":
            open_reactions -= 1
            parent = element.getparent()
            if (
                model is not None
                and parent is not None
                and parent.tag == sbml + "listOfReactions"
                and parent.getparent() is model
            ):
                reaction_id = element.get("id", "")
                if reaction_id in reactions:
                    raise InputError(
                        f"{label}:{element.sourceline}: duplicate reaction id {reaction_id!r}"
                    )
                reactions[reaction_id] = _annotated(element.find(sbml + "annotation"))
        parent = element.getparent()
        if open_reactions == 0 and element is not model and parent is not None:
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    if model is None:
        raise InputError(f"{label}: no <model> element; expected a CellDesigner map with a model")
    return reactions


def _sbml_namespace(tag: str, label: str) -> str:
    namespace = tag[1:].split("}")[0] if tag.startswith("{") else ""
    if not tag.endswith("}sbml") or not namespace.startswith(SBML_NS_PREFIX):
        raise InputError(
            f"{label}: root element is <{tag.split('}')[-1]}>, expected an SBML <sbml> document"
        )
    return f"{{{namespace}}}"


def _annotated(annotation) -> frozenset[str]:
    if annotation is None:
        return frozenset()
    found = set()
    for resource in _rdf_resources(annotation):
        reference, _ = _resource_reference(resource)
        if reference:
            found.add(reference.curie)
    return frozenset(found)


def _crate(data: bytes) -> list[str]:
    try:
        crate = json.loads(data)
        graph = {entity["@id"]: entity for entity in crate["@graph"]}
    except (ValueError, KeyError, TypeError):
        return [f"{RO_CRATE} is not an RO-Crate JSON-LD document"]
    problems = []
    descriptor = graph.get(RO_CRATE, {})
    if descriptor.get("about", {}).get("@id") != "./":
        problems.append(f"{RO_CRATE}: the metadata descriptor does not describe ./")
    root = graph.get("./", {})
    problems += [
        f"{RO_CRATE}: the root dataset lacks {key!r}" for key in CRATE_KEYS if key not in root
    ]
    return problems
