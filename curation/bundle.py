"""Release bundles: the files of docs/bundle.md, built from a tagged commit, zipped reproducibly.

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

from literature.tsv import safe_table

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
from .ledger import EVIDENCE_COLUMNS, EVIDENCE_FILE, INTERACTIONS_FILE, natural_key
from .papers import one_per_paper
from .provenance import Lineage
from .snapshot import CHANGELOG_FILE, Snapshot
from .zenodo import ZENODO_FILE, zenodo_json, zenodo_metadata

MANIFEST = "manifest-sha256.txt"
RO_CRATE = "ro-crate-metadata.json"
MAP_FILES = "map/*.xml"
# Every file of a bundle, with what it holds; docs/bundle.md is generated from this.
CONTENTS = {
    MAP_FILES: "the map file(s), with every ledger reference written as a MIRIAM annotation",
    EVIDENCE_FILE: "the evidence ledger as released, plus `first_release` per record",
    INTERACTIONS_FILE: "one row per interaction of the map (see its columns below)",
    "references.bib": "BibTeX of every cited reference (unfetched ones as `@misc`, marked so)",
    "references.json": "CSL-JSON of every cited reference (unfetched ones with `\"status\": \"unfetched\"`)",
    "CITATION.cff": "CFF 1.2.0, `type: dataset`: title, version, date, the map's creators as authors, license, URL; `doi` and `identifiers` when the release was cut with `--publish`",
    "LICENSE": "the copyright notice, the map's license by name with the URI of its legal code, then the text of `[map] license_file` if set",
    "ATTRIBUTION.md": "what CC BY 4.0 section 3(a) asks for: creators, copyright, license, disclaimer, source, the DOI to cite when reserved; the curators as contributors; third-party interactions; funding; the statement of modifications",
    CHANGES_FILE: "every change since the previous release, complete and sorted",
    CHANGELOG_FILE: "the map's full changelog",
    RO_CRATE: "RO-Crate 1.1 description of the bundle: `author` = creators, `contributor` = curators, `identifier` = the DOI when reserved",
    "report.html": "the evidence report of this release",
    "minerva-overlay.txt": "a MINERVA data overlay colouring each reaction by its evidence status",
    ZENODO_FILE: "Zenodo deposit metadata (legacy deposit format): creators, curators as `DataCurator` contributors, license, version, related identifiers (source, homepage, MINERVA project, previous version's DOI), grants; `doi` when reserved",
    MANIFEST: "sha256 of every other file",
}  # fmt: skip
# What verify requires by name (the map files it requires by their folder).
REQUIRED = tuple(name for name in CONTENTS if name != MAP_FILES)
RELEASED_EVIDENCE_COLUMNS = (*EVIDENCE_COLUMNS, "first_release")
# The released interactions.tsv, by column: one row per interaction of the map, whether or
# not the ledger has a row for it (not the ledger's interactions.tsv, whose columns differ).
RELEASED_INTERACTIONS = {
    "id": "the interaction ID",
    "type": "the CellDesigner reaction type",
    "signature": "the canonical one-line signature",
    "curator": "ORCID of the responsible curator",
    "license": "SPDX id of the interaction (the map's license when the ledger names none)",
    "derived_from": "where the interaction was adapted from (a URL or a CURIE)",
    "status": "`draft` or `reviewed`",
    "evidence": "how many papers support it (one per paper)",
    "references": "those papers, comma-separated CURIEs",
    "first_release": "the release that first held the interaction",
    "last_changed": "the release that last changed its signature, references or provenance",
}
RELEASED_INTERACTION_COLUMNS = tuple(RELEASED_INTERACTIONS)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


@dataclass(frozen=True)
class Release:
    """What names a release: its version, its date, the short name of the map, and the DOI
    of the release before it (when that one was published with ``--publish``).

    The release's own DOI is in its crsmap.toml (``[publish]``, see :mod:`curation.publish`).
    """

    version: str
    date: dt.date
    short_name: str
    previous_doi: str = ""

    @property
    def folder(self) -> str:
        return f"{self.short_name}-{self.version}"


def _tsv(columns, rows) -> bytes:
    """A table of the bundle: one line per row, and no cell a spreadsheet would run as a formula.

    The ledgers in the repository keep the raw text; only the released copy is neutralised.
    """
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
    history: Lineage,
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
        source = snapshot.map_bytes[relative]
        data = annotate_bytes(source, additions, relative)
        if data is not source:  # an annotated map is released as committed: nothing to check
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

    files[EVIDENCE_FILE] = _tsv(
        RELEASED_EVIDENCE_COLUMNS,
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
    files[INTERACTIONS_FILE] = _tsv(RELEASED_INTERACTION_COLUMNS, table)

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
    files[CHANGELOG_FILE] = snapshot.changelog.encode()
    files["report.html"] = report.encode()
    from .overlay import OVERLAY_FILE, snapshot_overlay

    files[OVERLAY_FILE] = snapshot_overlay(snapshot, release.version).encode()
    files[ZENODO_FILE] = zenodo_json(deposit_metadata(snapshot, release, changes)).encode()
    files[RO_CRATE] = ro_crate(snapshot, release.version, day, files, MANIFEST).encode()
    files[MANIFEST] = manifest(files).encode()
    return files


def deposit_metadata(snapshot: Snapshot, release: Release, changes=None) -> dict:
    """The release's ``.zenodo.json`` content (see :mod:`curation.zenodo`)."""
    return zenodo_metadata(
        snapshot, release.version, release.date.isoformat(), changes=list(changes or []),
        doi=snapshot.config.publish.doi_of(release.version), previous_doi=release.previous_doi,
        minerva_url=minerva_page(snapshot.config.minerva),
    )  # fmt: skip


def minerva_page(settings) -> str:
    """The address of the MINERVA project's page (``[minerva]`` url and project), or ""."""
    from urllib.parse import quote

    if not (settings.url and settings.project):
        return ""
    return f"{settings.url}/index.xhtml?id={quote(settings.project, safe='')}"


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
