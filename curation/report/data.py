"""What the HTML report shows, gathered from the working tree or from a release commit.

Everything here reads the project or a snapshot and returns a :class:`ReportInput`;
rendering it (:func:`curation.report.render_report`) has no side effects.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..provenance import History, ReleaseState, lineage, release_history, state_of
from .model import MapInput, ReportInput

if TYPE_CHECKING:
    from ..project import Project
    from ..snapshot import Snapshot


def _map_inputs(snapshot: Snapshot) -> tuple[MapInput, ...]:
    return tuple(
        MapInput(relative, model)
        for relative, model in zip(snapshot.config.map.files, snapshot.maps, strict=True)
    )


def _drawn(snapshot: Snapshot) -> Snapshot:
    """The snapshot with every map's drawing; read here only if its reader was not asked to."""
    from dataclasses import replace

    from ..xmlsafe import parse_xml_bytes
    from .layout import layout_of

    if all(m.layout is not None for m in snapshot.maps):
        return snapshot
    maps = []
    for relative, model in zip(snapshot.config.map.files, snapshot.maps, strict=True):
        if model.layout is None:  # the model is there: only its drawing is read
            label = f"{relative}@{snapshot.revision}"
            tree = parse_xml_bytes(snapshot.map_bytes[relative], label)
            model = replace(model, layout=layout_of(tree.getroot(), label))
        maps.append(model)
    return replace(snapshot, maps=maps)


def one_reference_per_paper(evidence, citations) -> tuple[tuple, dict]:
    """The records with each paper once per interaction, under its PMID when known.

    A DOI or PMC ID that resolved to a PMID recorded for the same interaction is the
    same paper: the report lists and counts it once, as ``pubmed:PMID`` (the cache's
    citation is also looked up under that id). Returns (records, citations).
    """
    from dataclasses import replace

    from ..identifiers import reference_key
    from ..papers import paper_key, preference

    chosen: dict[tuple[str, str], tuple] = {}
    for record in evidence:
        curie = reference_key(record.reference)
        key = (record.interaction, paper_key(curie, citations))
        if key not in chosen or preference(curie) < chosen[key][0]:
            chosen[key] = (preference(curie), record)
    records = tuple(
        replace(record, reference=paper) if paper != record.reference else record
        for (_, paper), (_, record) in chosen.items()
    )
    known = dict(citations)
    for citation in citations.values():
        if citation.found and citation.pmid:
            known.setdefault(
                f"pubmed:{citation.pmid}", replace(citation, id=f"pubmed:{citation.pmid}")
            )
    return records, known


def write_report(project: Project, path=None):
    """Render the working tree's report to ``path`` (default ``dist/report.html``)."""
    from pathlib import Path

    from ..transaction import write_file
    from .html import render_report

    target = Path(path) if path else project.root / "dist" / "report.html"
    html = render_report(for_project(project))  # a refused project leaves no empty dist/
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_file(target, html)


def working_snapshot(project: Project) -> Snapshot:
    """The working tree as a snapshot: its maps, ledgers and cached citations (no map bytes)."""
    from ..snapshot import Snapshot

    return Snapshot(
        revision="working tree",
        config=project.config,
        map_bytes={},
        maps=project.maps,
        evidence=project.evidence().records,
        rows=project.interaction_records().records,
        cache_text="",
        changelog="",
        _citations=project.citations(),
    )


def for_project(project: Project) -> ReportInput:
    """The report of the working tree: the current map and ledgers, and every release so far."""
    from .. import audit, gitrepo

    history = History()
    repo = gitrepo.find_repo(project.root)
    if repo is not None and repo.head.is_valid():
        history = release_history(repo, project.root)
    project.maps_with_layouts()  # each map parsed once, for its drawing and the audit
    current = working_snapshot(project)
    today = project.today.isoformat()
    now = state_of("now", current, today).summary
    evidence, citations = one_reference_per_paper(current.evidence, current.citations)
    return ReportInput(
        title=project.config.map.title,
        version=None,
        date=today,
        maps=_map_inputs(current),
        evidence=evidence,
        rows=tuple(current.rows),
        citations=citations,
        findings=tuple(audit.run(project, fail_on="never").findings),
        releases=(*history.releases, now),
        curators={c.orcid: c.name for c in project.config.curators},
        first_release=history.lineage.first_interaction,
        license=project.config.map.license,
    )


def for_release(
    snapshot: Snapshot, version: str, day: dt.date, history: History | list[ReleaseState]
) -> ReportInput:
    """The report of a release, from the tagged commit only (so bundles stay reproducible).

    ``history`` is that of every release up to this one, this one included
    (:func:`curation.provenance.release_history`), or their states, oldest first. The
    snapshot's maps should carry their drawings (``at_revision(..., layouts=True)``);
    those that do not are read again from the snapshot's bytes.
    """
    from .. import audit

    if not isinstance(history, History):  # states, as this function took before
        states = list(history)
        history = History([state.summary for state in states], lineage(states))

    snapshot = _drawn(snapshot)
    evidence, citations = snapshot.papers
    return ReportInput(
        title=snapshot.config.map.title,
        version=version,
        date=day.isoformat(),
        maps=_map_inputs(snapshot),
        evidence=evidence,
        rows=tuple(snapshot.rows),
        citations=citations,
        findings=tuple(audit.run_on_snapshot(snapshot, day).findings),
        releases=tuple(history.releases),
        curators={c.orcid: c.name for c in snapshot.config.curators},
        first_release=history.lineage.first_interaction,
        license=snapshot.config.map.license,
    )


def for_statuses(snapshot: Snapshot, version: str | None = None) -> ReportInput:
    """What the report colours interactions from, and nothing else: no audit, no history.

    The statuses are those of :func:`for_project` (a working-tree snapshot) or
    :func:`for_release` (a release commit's): same evidence, rows and citations.
    """
    evidence, citations = snapshot.papers
    return ReportInput(
        title=snapshot.config.map.title,
        version=version,
        date="",
        maps=_map_inputs(snapshot),
        evidence=evidence,
        rows=tuple(snapshot.rows),
        citations=citations,
        findings=(),
        releases=(),
        curators={},
        license=snapshot.config.map.license,
    )
