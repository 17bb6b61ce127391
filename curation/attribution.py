"""Who made a release, and under which terms: ATTRIBUTION.md, LICENSE, CITATION.cff, RO-Crate.

The map's **creators** (``[map] creators``) are its authors and are credited as such;
its **curators** (``[[curators]]``) are contributors who recorded evidence with crsmap.
A release never presents curators as the map's creators or copyright holders: when the
creators are not recorded, the files say so (CITATION.cff and .zenodo.json alone fall
back to the curators, because both require an author, and say why).

ATTRIBUTION.md follows CC BY 4.0 section 3(a): (1)(A) creators, copyright notice,
license notice, disclaimer notice and source URI; (1)(B) a statement of modifications;
(1)(C) the license's name and the URI of its legal code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .changes import Contribution, ReleaseChange, contributions
from .config import Creator, Curator
from .ledger import natural_key
from .licenses import describe
from .snapshot import Snapshot

NEW_MATERIAL = (
    "evidence.tsv", "interactions.tsv", "changes.tsv", "references.bib", "references.json",
    "report.html",
)  # fmt: skip


@dataclass(frozen=True)
class MapModification:
    """How one released map file differs from the map as first committed to the repository."""

    file: str
    original_commit: str
    original_date: str
    annotations_added: int = 0
    reactions_annotated: int = 0
    annotations_removed: int = 0
    reactions_unannotated: int = 0
    written_at_build: int = 0
    reactions_added: int = 0
    reactions_removed: int = 0
    reactions_changed: int = 0

    @property
    def unchanged(self) -> bool:
        return not any(
            (self.annotations_added, self.annotations_removed, self.reactions_added,
             self.reactions_removed, self.reactions_changed)
        )  # fmt: skip


def compare_with_original(
    file: str,
    original: dict[str, tuple[str, frozenset[str]]],
    released: dict[str, tuple[str, frozenset[str]]],
    commit: str,
    date: str,
    written_at_build: int,
) -> MapModification:
    """Count the differences; both maps are {reaction ID: (signature, annotated CURIEs)}."""
    added = removed = annotated = unannotated = changed = 0
    for reaction, (signature, refs) in released.items():
        if reaction not in original:
            continue
        old_signature, old_refs = original[reaction]
        gained, lost = len(refs - old_refs), len(old_refs - refs)
        added, removed = added + gained, removed + lost
        annotated += bool(gained)
        unannotated += bool(lost)
        changed += old_signature != signature
    new_reactions = [r for r in released if r not in original]
    added += sum(len(released[r][1]) for r in new_reactions)
    annotated += sum(1 for r in new_reactions if released[r][1])
    return MapModification(
        file, commit, date, added, annotated, removed, unannotated, written_at_build,
        len(new_reactions), sum(1 for r in original if r not in released), changed,
    )  # fmt: skip


@dataclass(frozen=True)
class Credits:
    """What ATTRIBUTION.md needs beyond the snapshot: the release's changes and modifications."""

    version: str
    date: str
    changes: list[ReleaseChange] = field(default_factory=list)
    modifications: list[MapModification] = field(default_factory=list)


def _q(text: str) -> str:
    """A YAML scalar: JSON's string syntax is valid YAML and escapes everything needed."""
    return json.dumps(text, ensure_ascii=False)


def split_name(name: str) -> tuple[str, str]:
    """(given, family): "Family, Given" is exact; otherwise the last word is the family name."""
    if "," in name:
        family, _, given = name.partition(",")
        return given.strip(), family.strip()
    parts = name.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", name)


def display_name(name: str, kind: str = "person") -> str:
    """ "Ostaszewski, Marek" -> "Marek Ostaszewski", for prose; organisations as written."""
    if kind != "person" or "," not in name:
        return name
    given, family = split_name(name)
    return f"{given} {family}".strip()


def join_names(names: list[str]) -> str:
    """Names in a sentence: with commas, or semicolons when a name holds a comma itself."""
    return ("; " if any("," in n for n in names) else ", ").join(names)


def _cff_person(name: str, orcid: str, affiliation: str, email: str = "") -> list[str]:
    given, family = split_name(name)
    lines = [f"  - family-names: {_q(family)}"]
    if given:
        lines.append(f"    given-names: {_q(given)}")
    if orcid:
        lines.append(f"    orcid: {_q('https://orcid.org/' + orcid)}")
    if affiliation:
        lines.append(f"    affiliation: {_q(affiliation)}")
    if email:
        lines.append(f"    email: {_q(email)}")
    return lines


def citation_cff(snapshot: Snapshot, version: str, date: str) -> str:
    """CITATION.cff (CFF 1.2.0, ``type: dataset``): how to cite this release of the map.

    CFF has no key for contributors (its schema forbids unknown keys), so the curators
    appear only when the map's creators are not recorded and CFF still needs an author.
    """
    settings = snapshot.config.map
    lines = [
        "cff-version: 1.2.0",
        f"message: {_q('If you use this map, please cite it as below.')}",
        "type: dataset",
        f"title: {_q(settings.title)}",
        f"version: {_q(version)}",
        f"date-released: {_q(date)}",
    ]
    if settings.creators:
        lines.append("authors:")
        for creator in settings.creators:
            if creator.kind == "organization":
                lines.append(f"  - name: {_q(creator.name)}")
                if creator.affiliation:
                    lines.append(f"    address: {_q(creator.affiliation)}")
            else:
                lines += _cff_person(creator.name, creator.orcid, creator.affiliation)
    else:
        lines.append(
            "# The map's creators are not recorded in crsmap.toml ([map] creators). CFF needs"
        )
        lines.append("# an author, so the curators are listed; they are not the map's authors.")
        lines.append("authors:")
        for curator in snapshot.config.curators:
            lines += _cff_person(curator.name, curator.orcid, curator.affiliation, curator.email)
        if not snapshot.config.curators:
            lines.append(f"  - name: {_q(f'The creators of {settings.title} (not recorded)')}")
    lines.append(f"license: {_q(settings.license)}")
    doi, concept = snapshot.config.publish.doi_of(version), snapshot.config.publish.concept_doi
    if doi:
        lines.append(f"doi: {_q(doi)}")
        lines.append("identifiers:")
        lines += ["  - type: doi", f"    value: {_q(doi)}", f"    description: {_q(f'This version, {version}')}"]  # fmt: skip
        if concept and concept != doi:
            lines += ["  - type: doi", f"    value: {_q(concept)}", f"    description: {_q('All versions')}"]  # fmt: skip
    if settings.homepage:
        lines.append(f"url: {_q(settings.homepage)}")
    if settings.description:
        lines.append(f"abstract: {_q(settings.description)}")
    if settings.keywords:
        lines.append("keywords:")
        lines += [f"  - {_q(k)}" for k in settings.keywords]
    return "\n".join(lines) + "\n"


def license_notice(snapshot: Snapshot, version: str, legal_text: str = "") -> str:
    """LICENSE: the map's license by name with the URI of its legal code, then the legal text."""
    settings = snapshot.config.map
    name, deed, legalcode = describe(settings.license)
    text = f"{settings.title}, version {version}\n\n"
    if settings.copyright:
        text += f"{_copyright(settings.copyright)}\n\n"
    text += (
        f"This map is licensed under the {name} license ({settings.license}).\n"
        f"Legal code: {legalcode}\n"
        f"Summary: {deed}\n\n"
        "Interactions adapted from third-party resources keep the licenses listed in\n"
        "ATTRIBUTION.md and interactions.tsv.\n"
    )
    if legal_text:
        text += "\n" + "-" * 72 + "\n\n" + legal_text.rstrip() + "\n"
    return text


def _copyright(text: str) -> str:
    """The notice as given, prefixed with "Copyright" unless it already says so."""
    return text if text.lower().startswith(("copyright", "©", "(c)")) else f"Copyright © {text}"


def _creator_line(creator: Creator) -> str:
    orcid = f" (https://orcid.org/{creator.orcid})" if creator.orcid else ""
    affiliation = f", {creator.affiliation}" if creator.affiliation else ""
    return f"- {display_name(creator.name, creator.kind)}{orcid}{affiliation}"


def _curator_line(curator: Curator | None, orcid: str, work: Contribution, responsible: int) -> str:
    # A name the audit refused (invalid-curator) is blank: the ORCID alone then credits them.
    name = (
        (display_name(curator.name) or "a curator whose name crsmap.toml does not give validly")
        if curator
        else "a curator not listed in crsmap.toml"
    )
    affiliation = f", {curator.affiliation}" if curator and curator.affiliation else ""
    imported = (
        f" ({work.imported} of them imported from the map's own annotations)"
        if work.imported
        else ""
    )
    text = f"in this release {work.added} evidence record(s) added{imported} and {work.removed} removed"
    if responsible:
        text += f"; responsible curator of {responsible} interaction(s)"
    return f"- {name} (https://orcid.org/{orcid}){affiliation}: {text}"


def attribution(snapshot: Snapshot, credits: Credits) -> str:
    """ATTRIBUTION.md: TASL, creators, notices, contributors, modifications, third parties, funding."""
    settings = snapshot.config.map
    name, deed, legalcode = describe(settings.license)
    creators = settings.creators
    by = (
        join_names([display_name(c.name, c.kind) for c in creators])
        if creators
        else "its creators (not recorded in crsmap.toml)"
    )
    source = f" ({settings.source})" if settings.source else ""
    lines = [
        f"# Attribution for {settings.title} {credits.version}",
        "",
        f"**{settings.title}**{source}, version {credits.version} (released {credits.date}), by {by}, "
        f"is licensed under [{name}]({deed}).",
        "",
        *_doi_lines(snapshot, credits.version),
        "## Creators",
        "",
    ]
    if creators:
        lines += [_creator_line(c) for c in creators]
    else:
        lines.append(
            "The map's creators are not recorded (`[map] creators` in crsmap.toml is empty). The "
            "curators listed under Contributors recorded evidence for the map; they are not its "
            "creators or copyright holders. Whoever shares this map must credit its creators as "
            "the original identifies them."
        )
    lines += ["", "## Copyright notice", ""]
    if settings.copyright:
        notice = _copyright(settings.copyright)
        lines.append(notice if notice.endswith(".") else notice + ".")
    else:
        lines.append(
            "No copyright notice is recorded (`[map] copyright` in crsmap.toml). If the original "
            "map carries one, it applies to this release and must be kept with it."
        )
    lines += [
        "",
        "## License",
        "",
        f"Licensed under the {name} license ({settings.license}); legal code: {legalcode}. "
        "See LICENSE.",
    ]
    if settings.source_license and settings.source_license != settings.license:
        original, _, original_code = describe(settings.source_license)
        lines.append(
            f"The original map is licensed under the {original} license ({settings.source_license}); "
            f"legal code: {original_code}."
        )
    lines += ["", "## Source", ""]
    lines.append(
        f"The original: {settings.source}"
        if settings.source
        else "The original's URI is not recorded (`[map] source` in crsmap.toml)."
    )
    if settings.homepage and settings.homepage != settings.source:
        lines.append(f"This map is published at {settings.homepage}")
    lines += [
        "",
        "## Disclaimer",
        "",
        "The map is offered as it is, with no warranty of any kind, express or implied, including "
        "fitness for a particular purpose, accuracy, or the absence of errors; the licensors are "
        f"not liable for its use, to the extent the law allows ({_disclaimer_reference(settings.license, name)}).",
        "",
        "## Contributors",
        "",
        "Curators who recorded the literature evidence of the map with crsmap, with what each "
        "contributed to this release:",
        "",
    ]
    lines += _contributor_lines(snapshot, credits)
    lines += ["", "## Modifications", ""]
    lines += _modification_lines(credits)
    lines += ["", "## Third-party material", ""]
    rows = sorted(snapshot.rows, key=lambda r: natural_key(r.interaction))
    derived = [r for r in rows if r.derived_from and r.interaction in snapshot.interactions]
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


def _doi_lines(snapshot: Snapshot, version: str) -> list[str]:
    """How to cite this version by its DOI (and all versions by the concept DOI), if reserved."""
    doi, concept = snapshot.config.publish.doi_of(version), snapshot.config.publish.concept_doi
    if not doi:
        return []
    lines = [f"Cite this version as [doi:{doi}](https://doi.org/{doi})"]
    if concept and concept != doi:
        lines[0] += f"; all versions as [doi:{concept}](https://doi.org/{concept})"
    return [lines[0] + ".", ""]


def _disclaimer_reference(spdx: str, name: str) -> str:
    if spdx.startswith("CC-BY") and spdx.endswith("4.0"):
        return f"see section 5 of the {name} license"
    return f"see the disclaimer of warranties of the {name} license"


def _contributor_lines(snapshot: Snapshot, credits: Credits) -> list[str]:
    work = contributions(credits.changes)
    responsible: dict[str, int] = {}
    for row in snapshot.rows:
        if row.curator and row.interaction in snapshot.interactions:
            responsible[row.curator] = responsible.get(row.curator, 0) + 1
    registered = {c.orcid: c for c in snapshot.config.curators}
    orcids = list(registered) + sorted(
        o for o in (set(work) | set(responsible)) if o and o not in registered
    )
    lines = [
        _curator_line(registered.get(o), o, work.get(o, Contribution()), responsible.get(o, 0))
        for o in orcids
    ]
    unattributed = work.get("")
    if unattributed is not None and unattributed.removed:
        lines.append(
            f"- removals not committed by crsmap: {unattributed.removed} evidence record(s)"
        )
    return lines or ["No curator is recorded."]


def _modification_lines(credits: Credits) -> list[str]:
    lines = [
        "This release is a modified version of the original map. Relative to each map file as "
        "crsmap received it (the version in effect when crsmap.toml was first committed, or "
        "the file's first version when it was added later):",
        "",
    ]
    for m in credits.modifications:
        if not m.original_commit:
            lines.append(
                f"- `{m.file}`: its original was not found in the repository's history, so "
                f"the changes cannot be counted; {m.written_at_build} MIRIAM literature "
                "annotation(s) were written by crsmap from the evidence ledger while building "
                "this bundle."
            )
            continue
        head = f"- `{m.file}` (original: commit {m.original_commit[:10]}, {m.original_date}): "
        if m.unchanged:
            lines.append(head + "unchanged.")
            continue
        parts = [
            f"{m.annotations_added} MIRIAM literature annotation(s) (`bqbiol:isDescribedBy`) added "
            f"to {m.reactions_annotated} reaction(s), {m.written_at_build} of them written by "
            "crsmap from the evidence ledger while building this bundle",
            f"{m.annotations_removed} removed from {m.reactions_unannotated} reaction(s)",
        ]
        if m.reactions_added or m.reactions_removed or m.reactions_changed:
            parts.append(
                f"reactions: {m.reactions_added} added, {m.reactions_removed} removed, "
                f"{m.reactions_changed} changed"
            )
        lines.append(head + "; ".join(parts) + ".")
    lines += [
        "",
        "crsmap writes literature annotations from the evidence ledger (`crsmap annotate`) and "
        "removes those of evidence withdrawn with `crsmap evidence remove`; curators may also "
        "edit the map in CellDesigner. crsmap changes no other part of the map files, except that "
        "it gives a `metaid` to a reaction of a plain SBML file that has none (RDF must name it).",
        "",
        f"New material, not part of the original: {', '.join(NEW_MATERIAL)} (the curators' "
        "evidence ledgers, citations and report, made with crsmap) and this file.",
        "",
        "Every change since the previous release is listed in changes.tsv, and the release "
        "history in CHANGELOG.md. Anyone sharing an adapted version must indicate their own changes.",
    ]
    return lines


def ro_crate_people(snapshot: Snapshot) -> tuple[list[dict], list[dict], list[dict]]:
    """(author refs, contributor refs, entities): creators as authors, curators as contributors."""
    entities: dict[str, dict] = {}
    authors, contributors = [], []
    for index, creator in enumerate(snapshot.config.map.creators):
        key = f"https://orcid.org/{creator.orcid}" if creator.orcid else f"#creator-{index + 1}"
        kind = "Organization" if creator.kind == "organization" else "Person"
        entity = {"@id": key, "@type": kind, "name": display_name(creator.name, creator.kind)}
        if creator.affiliation:
            entity["affiliation"] = creator.affiliation
        entities.setdefault(key, entity)
        authors.append({"@id": key})
    for curator in snapshot.config.curators:
        key = f"https://orcid.org/{curator.orcid}"
        entity = {"@id": key, "@type": "Person", "name": display_name(curator.name)}
        if curator.affiliation:
            entity["affiliation"] = curator.affiliation
        entities.setdefault(key, entity)
        contributors.append({"@id": key})
    return authors, contributors, list(entities.values())


def ro_crate(
    snapshot: Snapshot, version: str, date: str, files: dict[str, bytes], manifest: str
) -> str:
    """ro-crate-metadata.json (RO-Crate 1.1) describing the bundle."""
    settings = snapshot.config.map
    name, _, legalcode = describe(settings.license)
    parts = sorted([*files, manifest])
    authors, contributors, people = ro_crate_people(snapshot)
    root = {
        "@id": "./",
        "@type": "Dataset",
        "name": settings.title,
        "description": settings.description
        or f"{settings.title}: a disease map with literature evidence.",
        "version": version,
        "datePublished": date,
        "license": {"@id": legalcode},
        "author": authors,
        "contributor": contributors,
        "hasPart": [{"@id": p} for p in parts],
    }
    doi = snapshot.config.publish.doi_of(version)
    if doi:
        root["identifier"] = f"https://doi.org/{doi}"
    if settings.copyright:
        root["copyrightNotice"] = _copyright(settings.copyright)
    if settings.source:
        root["isBasedOn"] = {"@id": settings.source}
    if settings.homepage:
        root["url"] = settings.homepage
    if settings.keywords:
        root["keywords"] = list(settings.keywords)
    if settings.funding:
        root["funder"] = [{"@id": f"#funding-{i}"} for i in range(len(settings.funding))]
    graph = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork",
         "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}},
        root,
        {"@id": legalcode, "@type": "CreativeWork", "name": name, "identifier": settings.license},
        *people,
        *({"@id": f"#funding-{i}", "@type": "Organization", "name": f} for i, f in enumerate(settings.funding)),
    ]  # fmt: skip
    if settings.source:
        original = {
            "@id": settings.source,
            "@type": "CreativeWork",
            "name": f"{settings.title} (original)",
        }
        if settings.source_license:
            original["license"] = {"@id": describe(settings.source_license)[2]}
        graph.append(original)
        if settings.source_license and describe(settings.source_license)[2] != legalcode:
            source_name, _, source_code = describe(settings.source_license)
            graph.append({"@id": source_code, "@type": "CreativeWork", "name": source_name,
                          "identifier": settings.source_license})  # fmt: skip
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
