"""``crsmap verify``: is a release bundle intact, complete and consistent?

The zip comes from outside, so it is inspected before anything is read from it: no
absolute paths, no ``..``, no links, no implausible sizes or compression ratios.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .bundle import MANIFEST, REQUIRED, RO_CRATE
from .celldesigner import map_from_tree
from .changes import CHANGES_FILE
from .changes import COLUMNS as CHANGES_COLUMNS
from .errors import InputError
from .identifiers import parse_reference
from .ledger import EVIDENCE_COLUMNS
from .xmlsafe import parse_xml_bytes

MAX_ENTRY = 512 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # XML and TSV compress well, but not a thousandfold
MAX_ENTRIES = 10_000
CFF_KEYS = ("cff-version", "message", "title", "authors", "version", "date-released", "license")
CRATE_KEYS = ("name", "description", "datePublished", "license", "author", "hasPart")


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
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(f"bundle {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"bundle {path} is a directory, expected a zip file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        return Verification([f"{path} is not a readable zip file (damaged or truncated?): {exc}"])
    return _inspect(archive, str(path))


def inspect_bytes(data: bytes, label: str = "the bundle") -> Verification:
    """The same checks on a bundle held in memory (``release`` checks before it tags)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return Verification([f"{label} is not a readable zip file: {exc}"])
    return _inspect(archive, label)


def _inspect(archive: zipfile.ZipFile, path: str) -> Verification:
    warnings: list[str] = []
    with archive:
        problems = _unsafe_entries(archive)
        if problems:
            return Verification(problems)  # nothing is read from a hostile archive
        infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        tops = {(PurePosixPath(i.filename).parts or ("",))[0] for i in infos}
        if len(tops) != 1:
            return Verification(
                [f"expected one top folder, found {len(tops)}: {', '.join(sorted(tops))[:200]}"]
            )
        top = tops.pop()
        try:
            files = {i.filename[len(top) + 1 :]: archive.read(i) for i in infos}
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            return Verification([f"{path}: an entry cannot be read (damaged or truncated?): {exc}"])
    problems += [f"missing required file {name}" for name in REQUIRED if name not in files]
    if not any(p.startswith("map/") and p.endswith(".xml") for p in files):
        problems.append("missing map/*.xml")
    problems += _manifest(files)
    if not problems:
        try:
            problems += _consistency(files, warnings)
        except (
            ValueError,
            TypeError,
            AttributeError,
            KeyError,
            IndexError,
            RecursionError,
            InputError,
        ) as exc:
            # Files that pass the manifest but not their own format: say so, never crash.
            problems.append(f"a bundle file is malformed: {exc}"[:300])
    return Verification(problems, warnings)


def _unsafe_entries(archive: zipfile.ZipFile) -> list[str]:
    problems = []
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        return [f"{len(infos)} entries: more than {MAX_ENTRIES} is not a crsmap bundle"]
    total = packed = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            problems.append(f"unsafe path {name!r}: absolute or with '..'")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"{name!r} is a symbolic link")
        if info.file_size > MAX_ENTRY:
            problems.append(
                f"{name!r} claims {info.file_size} bytes; more than {MAX_ENTRY} is implausible"
            )
        if info.file_size > 100_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(
                f"{name!r} expands {info.file_size // max(info.compress_size, 1)}-fold: a zip bomb?"
            )
        total += info.file_size
        packed += info.compress_size
    if total > MAX_TOTAL:
        problems.append(
            f"the bundle expands to {total} bytes; more than {MAX_TOTAL} is implausible"
        )
    # Many entries each under the per-entry bound still add up: check the whole archive too.
    if total > 1_000_000 and total > MAX_RATIO * max(packed, 1):
        problems.append(
            f"the bundle expands {total // max(packed, 1)}-fold as a whole: a zip bomb?"
        )
    return problems


def _manifest(files: dict[str, bytes]) -> list[str]:
    if MANIFEST not in files:
        return []
    problems = []
    listed = {}
    for number, line in enumerate(files[MANIFEST].decode("utf-8", "replace").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            problems.append(f"{MANIFEST}:{number}: malformed line")
            continue
        listed[name] = digest
    for name, data in files.items():
        if name == MANIFEST:
            continue
        if name not in listed:
            problems.append(f"{name} is not in {MANIFEST}")
        elif hashlib.sha256(data).hexdigest() != listed[name]:
            problems.append(f"{name}: checksum differs from {MANIFEST} (changed or damaged)")
    problems += [
        f"{name} is listed in {MANIFEST} but missing" for name in listed if name not in files
    ]
    return problems


def _consistency(files: dict[str, bytes], warnings: list[str]) -> list[str]:
    problems = []
    rows = _evidence(files["evidence.tsv"], problems)
    # Every evidence reference has metadata in references.json, or is explicitly unfetched.
    try:
        items = json.loads(files["references.json"])
    except ValueError:
        return [*problems, "references.json is not valid JSON"]
    known, unfetched = set(), set()
    for item in items if isinstance(items, list) else []:
        for key, prefix in (("PMID", "pubmed"), ("DOI", "doi"), ("PMCID", "pmc")):
            if item.get(key):
                curie = parse_reference(f"{prefix}:{item[key]}").curie
                (unfetched if item.get("status") == "unfetched" else known).add(curie)
    if unfetched:
        listed = sorted(unfetched)
        warnings.append(
            f"{len(listed)} reference(s) released without citation metadata, marked unfetched in "
            f"references.json: {', '.join(listed[:5])}{', ...' if len(listed) > 5 else ''}"
        )
    known |= unfetched
    # The map's annotations carry every evidence reference.
    maps = {}
    for name, data in files.items():
        if name.startswith("map/") and name.endswith(".xml"):
            try:
                maps[PurePosixPath(name).stem] = map_from_tree(
                    parse_xml_bytes(data, name), Path(name), label=name
                )
            except InputError as exc:
                problems.append(str(exc))
    qualify = len(maps) > 1
    for interaction, reference in rows:
        try:
            curie = parse_reference(reference).curie
        except InputError:
            problems.append(f"evidence.tsv: invalid reference {reference!r}")
            continue
        if curie not in known:
            problems.append(
                f"evidence.tsv: {interaction} {curie} has no metadata in references.json"
            )
        stem, _, reaction = interaction.rpartition(":") if qualify else ("", "", interaction)
        model = maps.get(stem) if qualify else next(iter(maps.values()), None)
        found = model.interactions.get(reaction) if model else None
        if found is None:
            problems.append(f"evidence.tsv: {interaction} is not a reaction of the bundled map")
        elif curie not in found.annotated_references:
            problems.append(
                f"map and evidence.tsv disagree: {interaction} lacks the annotation {curie}"
            )
    header = files[CHANGES_FILE].decode("utf-8", "replace").split("\n", 1)[0]
    if header.split("\t") != list(CHANGES_COLUMNS):
        problems.append(f"{CHANGES_FILE}: unexpected header; expected {' '.join(CHANGES_COLUMNS)}")
    problems += _cff(files["CITATION.cff"].decode("utf-8", "replace"))
    problems += _crate(files[RO_CRATE])
    return problems


def _evidence(data: bytes, problems: list[str]) -> list[tuple[str, str]]:
    lines = data.decode("utf-8", "replace").split("\n")
    header = lines[0].split("\t")
    if header[: len(EVIDENCE_COLUMNS)] != list(EVIDENCE_COLUMNS) or "first_release" not in header:
        problems.append("evidence.tsv: unexpected header")
        return []
    return [tuple(line.split("\t")[:2]) for line in lines[1:] if line.strip()]


def _cff(text: str) -> list[str]:
    keys = {
        line.split(":", 1)[0]
        for line in text.splitlines()
        if line and not line[0].isspace() and ":" in line
    }
    return [f"CITATION.cff lacks the required key {key!r}" for key in CFF_KEYS if key not in keys]


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
