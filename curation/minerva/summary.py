"""``crsmap minerva status`` as data: the published project, the last release, each map file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from .comparison import LITERATURE, evaluate_project, last_release, ledger_curie, match_project
from .snapshot import SNAPSHOT_FILE, read_snapshot

if TYPE_CHECKING:
    from ..project import Project
    from .snapshot import MinervaSnapshot


@dataclass(frozen=True)
class FileStatus:
    """One map file against its MINERVA map: reactions and references on both sides."""

    file: str
    model: str  # MINERVA's map name, "" when no map matches
    matched_by: str  # override | name | single | ""
    reactions_map: int
    reactions_minerva: int
    references_ledger: int
    references_minerva: int
    findings: Mapping[str, int]  # rule code -> count, only codes that occur

    def to_json(self) -> dict:
        data = dict(self.__dict__)
        data["findings"] = dict(sorted(self.findings.items()))
        return data


@dataclass(frozen=True)
class MinervaStatus:
    """``crsmap minerva status`` as data: the project on MINERVA, the release, each file."""

    instance: str
    project: str
    name: str
    minerva_version: str
    project_version: str  # the version MINERVA shows for the project
    pulled: str
    last_release: str | None  # the newest release tag's version
    current: bool | None  # does MINERVA show the last release? None without either
    files: tuple[FileStatus, ...]
    unmatched_models: tuple[str, ...]
    findings: Mapping[str, int]  # rule code -> count over everything

    def to_json(self) -> dict:
        data = dict(self.__dict__)
        data["files"] = [f.to_json() for f in self.files]
        data["unmatched_models"] = list(self.unmatched_models)
        data["findings"] = dict(sorted(self.findings.items()))
        return data


def status(project: Project, snapshot: MinervaSnapshot | None = None) -> MinervaStatus:
    """The summary of ``crsmap minerva status``; InputError when nothing was pulled yet."""
    snapshot = snapshot if snapshot is not None else read_snapshot(project.root)
    if snapshot is None:
        raise InputError(f"no {SNAPSHOT_FILE} in {project.root}; run `crsmap minerva pull` first")
    matching = match_project(project, snapshot)
    release = last_release(project.root)
    findings = evaluate_project(project, snapshot, matching)
    by_file = matching.by_file()
    held: dict[str, set[str]] = {}
    for record in project.evidence().records:
        curie = ledger_curie(record.reference)
        if curie:
            held.setdefault(record.interaction, set()).add(curie)
    files = []
    for map_, file in zip(project.maps, project.config.map.files, strict=True):
        match = by_file.get(file)
        reactions = match.model.reactions if match else ()
        files.append(
            FileStatus(
                file=file,
                model=match.model.name if match else "",
                matched_by=match.how if match else "",
                reactions_map=len(map_.interactions),
                reactions_minerva=len(reactions),
                references_ledger=sum(len(held.get(i.id, ())) for i in map_.interactions.values()),
                references_minerva=sum(
                    1 for r in reactions for kind, _ in r.references if kind in LITERATURE
                ),
                findings=dict(Counter(f.rule for f in findings if f.file == file)),
            )
        )
    p = snapshot.project
    current = None
    if release is not None and p.project_version:
        current = p.project_version.removeprefix("v") == release.version
    return MinervaStatus(
        instance=p.instance, project=p.project_id, name=p.name,
        minerva_version=p.minerva_version, project_version=p.project_version,
        pulled=snapshot.pulled, last_release=release.version if release else None,
        current=current, files=tuple(files),
        unmatched_models=tuple(m.label for m in matching.models if not m.file),
        findings=dict(Counter(f.rule for f in findings)),
    )  # fmt: skip
