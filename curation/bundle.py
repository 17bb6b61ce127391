"""Release bundles: the files of SPEC 6, built from a tagged commit, zipped reproducibly.

Everything in a bundle is a function of the tagged commit and the tags before it: no
clock, no user or machine name, no absolute path, no API key. Building the same tag
twice, anywhere, gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from .annotate import annotate_bytes, verify_annotated
from .identifiers import reference_key
from .ledger import EVIDENCE_COLUMNS, natural_key
from .licenses import describe
from .provenance import Releases
from .snapshot import Snapshot

MANIFEST = "manifest-sha256.txt"
RO_CRATE = "ro-crate-metadata.json"
REQUIRED = (
    "evidence.tsv", "interactions.tsv", "references.bib", "references.json", "CITATION.cff", "LICENSE",
    "ATTRIBUTION.md", "CHANGELOG.md", RO_CRATE, "report.html", MANIFEST,
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
    lines = ["\t".join(columns)] + [
        "\t".join(" ".join(str(v).split()) for v in row) for row in rows
    ]
    return ("\n".join(lines) + "\n").encode()


def build_files(
    snapshot: Snapshot,
    release: Release,
    history: Releases,
    license_text: str = "",
    report: str = "",
) -> dict[str, bytes]:
    """Every file of the bundle, by path inside the bundle's top folder."""
    from literature.export import to_bibtex, to_csl

    files: dict[str, bytes] = {}
    wanted: dict[str, set[str]] = {}
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

    files["evidence.tsv"] = _tsv(
        (*EVIDENCE_COLUMNS, "first_release"),
        (
            (*(getattr(r, c) for c in EVIDENCE_COLUMNS),
             history.first_evidence.get((r.interaction, reference_key(r.reference)), release.version))
            for r in snapshot.evidence
        ),
    )  # fmt: skip
    rows = {r.interaction: r for r in snapshot.rows}
    counts: dict[str, int] = {}
    for record in snapshot.evidence:
        counts[record.interaction] = counts.get(record.interaction, 0) + 1
    table = []
    for interaction in snapshot.interactions.values():
        row = rows.get(interaction.id)
        refs = sorted(wanted.get(interaction.id, set()), key=natural_key)
        count = counts.get(interaction.id, 0)
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
    files["references.bib"] = to_bibtex(citations).encode()
    files["references.json"] = to_csl(citations).encode()
    files["CITATION.cff"] = citation_cff(snapshot, release).encode()
    files["LICENSE"] = license_notice(snapshot, release, license_text).encode()
    files["ATTRIBUTION.md"] = attribution(snapshot, release, rows).encode()
    files["CHANGELOG.md"] = snapshot.changelog.encode()
    files["report.html"] = report.encode()
    files[RO_CRATE] = ro_crate(snapshot, release, files).encode()
    files[MANIFEST] = manifest(files).encode()
    return files


def _q(text: str) -> str:
    """A YAML scalar: JSON's string syntax is valid YAML and escapes everything needed."""
    return json.dumps(text, ensure_ascii=False)


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", name)


def citation_cff(snapshot: Snapshot, release: Release) -> str:
    """CITATION.cff (CFF 1.2.0): how to cite this release of the map."""
    settings = snapshot.config.map
    lines = [
        "cff-version: 1.2.0",
        f"message: {_q('If you use this map, please cite it as below.')}",
        "type: dataset",
        f"title: {_q(settings.title)}",
        f"version: {_q(release.version)}",
        f"date-released: {_q(release.date.isoformat())}",
        "authors:",
    ]
    curators = snapshot.config.curators or ()
    for curator in curators:
        given, family = _split_name(curator.name)
        lines.append(f"  - family-names: {_q(family)}")
        if given:
            lines.append(f"    given-names: {_q(given)}")
        lines.append(f"    orcid: {_q('https://orcid.org/' + curator.orcid)}")
        if curator.affiliation:
            lines.append(f"    affiliation: {_q(curator.affiliation)}")
        if curator.email:
            lines.append(f"    email: {_q(curator.email)}")
    if not curators:
        lines.append(f"  - name: {_q(settings.title + ' curators')}")
    lines.append(f"license: {_q(settings.license)}")
    if settings.homepage:
        lines.append(f"url: {_q(settings.homepage)}")
    if settings.description:
        lines.append(f"abstract: {_q(settings.description)}")
    if settings.keywords:
        lines.append("keywords:")
        lines += [f"  - {_q(k)}" for k in settings.keywords]
    return "\n".join(lines) + "\n"


def license_notice(snapshot: Snapshot, release: Release, legal_text: str = "") -> str:
    """LICENSE: the map's license by name with the URI of its legal code, then the legal text."""
    settings = snapshot.config.map
    name, deed, legalcode = describe(settings.license)
    text = (
        f"{settings.title}, version {release.version}\n\n"
        f"This map is licensed under the {name} license ({settings.license}).\n"
        f"Legal code: {legalcode}\n"
        f"Summary: {deed}\n\n"
        "Interactions adapted from third-party resources keep the licenses listed in\n"
        "ATTRIBUTION.md and interactions.tsv.\n"
    )
    if legal_text:
        text += "\n" + "-" * 72 + "\n\n" + legal_text.rstrip() + "\n"
    return text


def attribution(snapshot: Snapshot, release: Release, rows: dict) -> str:
    """ATTRIBUTION.md: TASL, creators, notices, modifications, third parties, funding."""
    settings = snapshot.config.map
    name, deed, legalcode = describe(settings.license)
    creators = (
        ", ".join(c.name for c in snapshot.config.curators) or f"the {settings.title} curators"
    )
    source = f", {settings.homepage}," if settings.homepage else ""
    lines = [
        f"# Attribution for {settings.title} {release.version}",
        "",
        f"**{settings.title}** (version {release.version}, released {release.date.isoformat()}) by {creators}"
        f"{source} is licensed under [{name}]({deed}).",
        "",
        f"Source: {settings.homepage}"
        if settings.homepage
        else "Source: not recorded ([map] homepage in crsmap.toml).",
        "",
        "## Creators",
        "",
    ]
    for curator in snapshot.config.curators:
        affiliation = f", {curator.affiliation}" if curator.affiliation else ""
        lines.append(f"- {curator.name} (https://orcid.org/{curator.orcid}){affiliation}")
    if not snapshot.config.curators:
        lines.append(f"- the {settings.title} curators")
    lines += [
        "",
        "## Copyright and license notice",
        "",
        f"Copyright {release.date.year} {creators}. Licensed under the {name} license; "
        f"legal code: {legalcode}. See LICENSE.",
        "",
        "## Disclaimer",
        "",
        "The map is offered as it is, with no warranty of any kind, express or implied, including "
        "fitness for a particular purpose, accuracy, or the absence of errors; the licensors are "
        f"not liable for its use, to the extent the law allows (see section 5 of the {name} license).",
        "",
        "## Modifications",
        "",
        f"This is release {release.version} of the map. The changes since earlier releases are listed "
        "in CHANGELOG.md. Each interaction's curator, license, source and the release it last "
        "changed in are in interactions.tsv; anyone sharing an adapted version must indicate "
        "their own changes.",
        "",
        "## Third-party material",
        "",
    ]
    derived = [
        r for r in sorted(rows.values(), key=lambda r: natural_key(r.interaction)) if r.derived_from
    ]
    if derived:
        lines += ["| interaction | adapted from | license |", "|---|---|---|"]
        for row in derived:
            lines.append(
                f"| {row.interaction} | {row.derived_from} | {row.license or settings.license} |"
            )
    else:
        lines.append("No interaction records a third-party source (`derived_from`).")
    lines += ["", "## Funding", ""]
    lines += [f"- {f}" for f in settings.funding] or ["No funding recorded."]
    return "\n".join(lines) + "\n"


def ro_crate(snapshot: Snapshot, release: Release, files: dict[str, bytes]) -> str:
    """ro-crate-metadata.json (RO-Crate 1.1) describing the bundle."""
    settings = snapshot.config.map
    name, _, legalcode = describe(settings.license)
    parts = sorted([*files, MANIFEST])
    people = [
        {"@id": f"https://orcid.org/{c.orcid}", "@type": "Person", "name": c.name,
         **({"affiliation": c.affiliation} if c.affiliation else {})}
        for c in snapshot.config.curators
    ]  # fmt: skip
    root = {
        "@id": "./",
        "@type": "Dataset",
        "name": settings.title,
        "description": settings.description
        or f"{settings.title}: a disease map with literature evidence.",
        "version": release.version,
        "datePublished": release.date.isoformat(),
        "license": {"@id": legalcode},
        "author": [{"@id": p["@id"]} for p in people],
        "hasPart": [{"@id": p} for p in parts],
    }
    if settings.homepage:
        root["url"] = settings.homepage
    if settings.keywords:
        root["keywords"] = list(settings.keywords)
    if settings.funding:
        root["funder"] = [{"@id": f"#funding-{i}"} for i in range(len(settings.funding))]
    graph = [
        {"@id": RO_CRATE, "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
         "about": {"@id": "./"}},
        root,
        {"@id": legalcode, "@type": "CreativeWork", "name": name, "identifier": settings.license},
        *people,
        *({"@id": f"#funding-{i}", "@type": "Organization", "name": f} for i, f in enumerate(settings.funding)),
    ]  # fmt: skip
    for part in parts:
        entity = {"@id": part, "@type": "File", "name": part}
        if part in files:
            entity["contentSize"] = str(len(files[part]))
        entity["encodingFormat"] = _media_type(part)
        graph.append(entity)
    return json.dumps({"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}, indent=2,
                      ensure_ascii=False) + "\n"  # fmt: skip


def _media_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix
    return {
        ".xml": "application/xml", ".tsv": "text/tab-separated-values", ".bib": "application/x-bibtex",
        ".json": "application/json", ".cff": "application/x-yaml", ".md": "text/markdown", ".html": "text/html",
    }.get(suffix, "text/plain")  # fmt: skip


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
