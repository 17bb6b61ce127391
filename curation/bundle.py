"""Release bundles: the files of SPEC 6, built from a tagged commit, zipped reproducibly.

Everything in a bundle is a function of the tagged commit and the tags before it: no
clock, no user or machine name, no absolute path, no API key. Building the same tag
twice, anywhere, gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from .annotate import annotate_bytes, verify_annotated
from .attribution import (
    Credits,
    attribution,
    citation_cff,
    compare_with_original,
    license_notice,
    ro_crate,
)
from .changes import CHANGES_FILE, render_changes
from .identifiers import reference_key
from .ledger import EVIDENCE_COLUMNS, natural_key
from .papers import one_per_paper
from .provenance import Releases
from .snapshot import Snapshot
from .zenodo import ZENODO_FILE, zenodo_json

MANIFEST = "manifest-sha256.txt"
RO_CRATE = "ro-crate-metadata.json"
REQUIRED = (
    "evidence.tsv", "interactions.tsv", "references.bib", "references.json", "CITATION.cff", "LICENSE",
    "ATTRIBUTION.md", CHANGES_FILE, "CHANGELOG.md", RO_CRATE, "report.html", "minerva-overlay.txt",
    ZENODO_FILE, MANIFEST,
)  # fmt: skip
INTERACTION_COLUMNS = (
    "id", "type", "signature", "curator", "license", "derived_from", "status", "evidence", "references",
    "first_release", "last_changed",
)  # fmt: skip
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


@dataclass(frozen=True)
class Release:
    """What names a release: its version, its date and the short name of the map."""

    version: str
    date: dt.date
    short_name: str

    @property
    def folder(self) -> str:
        return f"{self.short_name}-{self.version}"


def _tsv(columns, rows) -> bytes:
    """A table of the bundle: one line per row, and no cell a spreadsheet would run as a formula.

    The ledgers in the repository keep the raw text; only the released copy is neutralised.
    """
    from literature.export import safe_table

    return safe_table(columns, rows).encode()


@dataclass(frozen=True)
class OriginalMap:
    """A map file as first committed: where, and each reaction's (signature, annotations)."""

    commit: str
    date: str
    reactions: dict[str, tuple[str, frozenset[str]]]


def build_files(
    snapshot: Snapshot,
    release: Release,
    history: Releases,
    license_text: str = "",
    report: str = "",
    changes: list | None = None,
    originals: dict[str, OriginalMap] | None = None,
) -> dict[str, bytes]:
    """Every file of the bundle, by path inside the bundle's top folder.

    ``changes`` are the release's :class:`curation.changes.ReleaseChange` lines;
    ``originals`` the map files as first committed, by path, for the statement of
    modifications.
    """
    from literature.export import to_bibtex, to_csl

    files: dict[str, bytes] = {}
    wanted: dict[str, set[str]] = {}
    modifications = []
    for record in snapshot.evidence:
        wanted.setdefault(record.interaction, set()).add(reference_key(record.reference))
    for relative, m in zip(snapshot.config.map.files, snapshot.maps, strict=True):
        additions = {
            i.reaction_id: sorted(
                wanted.get(i.id, set()) - set(i.annotated_references), key=natural_key
            )
            for i in m.interactions.values()
        }
        data = annotate_bytes(snapshot.map_bytes[relative], additions, relative)
        verify_annotated(
            data, {k: v for k, v in additions.items() if v}, len(m.interactions), relative
        )
        files[f"map/{PurePosixPath(relative).name}"] = data
        released = {
            i.reaction_id: (
                i.signature,
                frozenset(i.annotated_references) | frozenset(additions[i.reaction_id]),
            )
            for i in m.interactions.values()
        }
        original = (originals or {}).get(relative)
        written = sum(len(v) for v in additions.values())
        # No original found (never, from a normal history): say so rather than "unchanged".
        modifications.append(
            compare_with_original(
                relative,
                original.reactions if original else released,
                released,
                original.commit if original else "",
                original.date if original else "",
                written,
            )
        )

    files["evidence.tsv"] = _tsv(
        (*EVIDENCE_COLUMNS, "first_release"),
        (
            (*(getattr(r, c) for c in EVIDENCE_COLUMNS),
             history.first_evidence.get((r.interaction, reference_key(r.reference)), release.version))
            for r in snapshot.evidence
        ),
    )  # fmt: skip
    rows = {r.interaction: r for r in snapshot.rows}
    table = []
    for interaction in snapshot.interactions.values():
        row = rows.get(interaction.id)
        # One paper, one reference: a DOI recorded next to its PMID is counted and listed once.
        refs = one_per_paper(wanted.get(interaction.id, ()), snapshot.citations)
        count = len(refs)
        table.append((
            interaction.id, interaction.type, interaction.signature, row.curator if row else "",
            (row.license if row and row.license else snapshot.config.map.license), row.derived_from if row else "",
            row.status if row else "", count, ",".join(refs),
            history.first_interaction.get(interaction.id, release.version),
            history.last_changed.get(interaction.id, release.version),
        ))  # fmt: skip
    files["interactions.tsv"] = _tsv(INTERACTION_COLUMNS, table)

    cited = {ref for refs in wanted.values() for ref in refs}
    citations = [c for ref, c in sorted(snapshot.citations.items()) if ref in cited]
    # References without metadata are listed explicitly, never silently left out.
    unfetched = sorted(cited - set(snapshot.citations), key=natural_key)
    files["references.bib"] = to_bibtex(citations, unfetched).encode()
    files["references.json"] = to_csl(citations, unfetched).encode()
    day = release.date.isoformat()
    files["CITATION.cff"] = citation_cff(snapshot, release.version, day).encode()
    files["LICENSE"] = license_notice(snapshot, release.version, license_text).encode()
    credits = Credits(release.version, day, list(changes or []), modifications)
    files["ATTRIBUTION.md"] = attribution(snapshot, credits).encode()
    files[CHANGES_FILE] = render_changes(list(changes or [])).encode()
    files["CHANGELOG.md"] = snapshot.changelog.encode()
    files["report.html"] = report.encode()
    from .overlay import OVERLAY_FILE, snapshot_overlay

    files[OVERLAY_FILE] = snapshot_overlay(snapshot, release.version).encode()
    files[ZENODO_FILE] = zenodo_json(
        snapshot, release.version, day, changes=list(changes or [])
    ).encode()
    files[RO_CRATE] = ro_crate(snapshot, release.version, day, files, MANIFEST).encode()
    files[MANIFEST] = manifest(files).encode()
    return files


def manifest(files: dict[str, bytes]) -> str:
    """BagIt-style ``sha256  path`` lines for every file but the manifest itself, sorted."""
    return "".join(
        f"{hashlib.sha256(data).hexdigest()}  {path}\n"
        for path, data in sorted(files.items())
        if path != MANIFEST
    )


def zip_bytes(files: dict[str, bytes], folder: str, stamp: dt.datetime) -> bytes:
    """A reproducible zip: sorted entries, one timestamp, fixed permissions, no extras."""
    date_time = max(ZIP_EPOCH, stamp.astimezone(dt.UTC).timetuple()[:6])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below mean the same everywhere
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()
