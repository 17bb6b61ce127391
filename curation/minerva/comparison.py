"""What MINERVA publishes compared with the ledger: the findings of the ``minerva-*`` rules.

Everything here works offline, on the ``minerva.json`` snapshot:

- MINERVA's maps are matched to the map files: by ``[minerva.models]`` overrides, then by
  name (a map file's stem or its model id, compared without case or punctuation), then a
  project of one map on MINERVA and one map file is matched whatever the names;
- reactions are matched by ``reactionId`` (the id in the uploaded file), and references
  as crsmap compares them elsewhere: MINERVA's ``PUBMED 29808005`` is the ledger's
  ``pubmed:29808005``, ``DOI`` its ``doi:`` (any case), ``PMC`` its ``pmc:PMC...``, and
  two forms of one paper (by the citation cache) are one;
- the findings are the audit's ``minerva-*`` rules (:mod:`~curation.minerva.rules`);
  :func:`load_for_audit` and :class:`MinervaAudit` are the audit's seam.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..collector import collector_paused
from ..errors import InputError
from ..identifiers import parse_reference
from ..ledger import LineProblem, natural_key
from .rules import SEVERITY
from .snapshot import SNAPSHOT_FILE, read_snapshot

if TYPE_CHECKING:
    from services.minerva import MinervaModel

    from ..audit import Finding
    from ..celldesigner import CellDesignerMap, Interaction
    from ..project import Project
    from .snapshot import MinervaSnapshot

# MINERVA's reference types that name papers, and the ledger's prefix for each.
LITERATURE = {"PUBMED": "pubmed", "DOI": "doi", "PMC": "pmc"}
_WHAT = {"PUBMED": "PubMed ID", "DOI": "DOI", "PMC": "PMC ID"}


# --- matching maps -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelMatch:
    """A MINERVA map and the map file it shows ("" when none), and how they were matched."""

    model: MinervaModel
    file: str = ""
    how: str = ""  # override | name | single

    @property
    def label(self) -> str:
        return repr(self.model.name) if self.model.name else f"#{self.model.id} (no name)"


@dataclass(frozen=True)
class Matching:
    """Every MINERVA map with its file, the map files no map shows, and unused overrides."""

    models: tuple[ModelMatch, ...]
    unmatched_files: tuple[str, ...] = ()
    unused_overrides: tuple[str, ...] = ()

    def by_file(self) -> dict[str, ModelMatch]:
        return {m.file: m for m in self.models if m.file}


def _name_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


def match_models(
    snapshot: MinervaSnapshot,
    maps: Sequence[CellDesignerMap],
    files: Sequence[str],
    overrides: Mapping[str, str],
) -> Matching:
    """Match MINERVA's maps to ``files`` (parsed as ``maps``, same order); never fails.

    First the overrides (``[minerva.models]``), then equal names: a MINERVA map's name and
    a file's stem or model id, ignoring case and punctuation, when exactly one file and one
    map share it; then one MINERVA map and one map file are matched whatever their names.
    """
    models = sorted(snapshot.project.models, key=lambda m: (natural_key(m.name), m.id))
    chosen: dict[int, tuple[str, str]] = {}  # index in models -> (file, how)
    taken: set[str] = set()

    def take(index: int, file: str, how: str) -> None:
        chosen[index] = (file, how)
        taken.add(file)

    for index, model in enumerate(models):
        target = overrides.get(model.name)
        if target in files and target not in taken:
            take(index, target, "override")
    names = {model.name for model in models}
    unused = tuple(sorted(name for name in overrides if name not in names))
    keys: dict[str, set[str]] = {}
    for map_, file in zip(maps, files, strict=True):
        for candidate in {Path(file).stem, map_.model_id}:
            if _name_key(candidate):
                keys.setdefault(_name_key(candidate), set()).add(file)
    waiting = Counter(_name_key(m.name) for i, m in enumerate(models) if i not in chosen)
    for index, model in enumerate(models):
        key = _name_key(model.name)
        if index in chosen or not key or waiting[key] != 1:
            continue
        free = keys.get(key, set()) - taken
        if len(free) == 1 and len(keys[key]) == 1:
            take(index, free.pop(), "name")
    if len(models) == 1 and len(files) == 1 and not chosen:
        take(0, files[0], "single")
    matches = tuple(
        ModelMatch(model, *chosen.get(index, ("", ""))) for index, model in enumerate(models)
    )
    return Matching(matches, tuple(f for f in files if f not in taken), unused)


def match_project(project: Project, snapshot: MinervaSnapshot) -> Matching:
    """:func:`match_models` for the project's maps and ``[minerva.models]``."""
    config = project.config
    return match_models(snapshot, project.maps, config.map.files, config.minerva.overrides)


# --- the last release --------------------------------------------------------------------


@dataclass(frozen=True)
class LastRelease:
    """The newest release tag: its version and when it was made (UTC)."""

    version: str
    moment: dt.datetime


def last_release(root: Path) -> LastRelease | None:
    """The newest ``vX.Y.Z`` tag of the repository holding ``root``, or None.

    Its time is the annotated tag's (a lightweight tag's commit's otherwise).
    """
    from .. import gitrepo
    from ..snapshot import version_tags  # the release snapshot's, not minerva.json

    repo = gitrepo.find_repo(Path(root))
    if repo is None:
        return None
    import git

    try:
        tags = version_tags(repo)
        if not tags:
            return None
        _, version, tag = tags[-1]
        annotated = tag.tag
        seconds = annotated.tagged_date if annotated is not None else tag.commit.committed_date
    except (git.GitError, ValueError, OSError):
        return None  # an unreadable tag: no staleness to report, the release checks tags
    return LastRelease(version, dt.datetime.fromtimestamp(seconds, dt.UTC))


# --- the comparison ----------------------------------------------------------------------


def minerva_curie(kind: str, resource: str) -> str | None:
    """The ledger's CURIE of a MINERVA literature reference, or None when it is not valid."""
    prefix = LITERATURE.get(kind.upper())
    if prefix is None:
        return None
    try:
        return parse_reference(f"{prefix}:{resource}").curie
    except InputError:
        return None


def evaluate(
    snapshot: MinervaSnapshot,
    matching: Matching,
    interactions: Mapping[str, Interaction],
    map_files: Mapping[str, str],
    evidence: Iterable[tuple[str, str | None]],
    rejected: Collection[tuple[str, str]] = (),
    citations: Mapping | None = None,
    release: LastRelease | None = None,
    today: dt.date | None = None,
) -> list[Finding]:
    """The ``minerva-*`` findings, sorted as the audit sorts them.

    ``interactions`` by id and ``map_files`` (stem -> file) are the project's;
    ``evidence`` the ledger's (interaction, CURIE) pairs (None for an invalid reference);
    ``rejected`` the (interaction, CURIE) pairs of rejected.tsv; ``citations`` the cache,
    which tells that a DOI and a PMID are one paper.
    """
    ledger: dict[str, set[str]] = {}
    for interaction_id, curie in evidence:
        if curie is not None:
            ledger.setdefault(interaction_id, set()).add(curie)
    run = _Comparison(snapshot, interactions, map_files, ledger, set(rejected), citations or {})
    run.stale(release, today or dt.date.today())
    run.unmatched(matching)
    for match in matching.models:
        run.model(match)
    run.found.sort(key=lambda f: f.sort_key)
    return run.found


_UPLOAD = "upload the current map to MINERVA, then crsmap minerva pull"


class _Comparison:
    """One comparison: what it compares and the findings so far."""

    def __init__(self, snapshot, interactions, map_files, ledger, rejected, citations):
        from ..papers import paper_key

        self.snapshot, self.ledger, self.rejected = snapshot, ledger, rejected
        self.paper = lambda curie: paper_key(curie, citations)
        self.stems = {file: stem for stem, file in map_files.items()}
        self.qualify = len(map_files) > 1
        self.by_file: dict[str, dict[str, Interaction]] = {}
        for i in interactions.values():
            self.by_file.setdefault(map_files.get(i.map, ""), {})[i.reaction_id] = i
        self.found: list[Finding] = []

    def add(self, code, interaction, reference, message, hint, file=None, line=None) -> None:
        from ..audit import Finding

        severity = SEVERITY[code]
        self.found.append(
            Finding(code, severity, interaction, reference, message, hint, file, line or None)
        )

    def stale(self, release: LastRelease | None, today: dt.date) -> None:
        if release is None or self.snapshot.moment >= release.moment:
            return
        day = self.snapshot.moment.date()
        age = (today - day).days
        self.add(
            "minerva-stale", None, None,
            f"{SNAPSHOT_FILE} was pulled on {day} ({age} day{'s' if age != 1 else ''} ago), "
            f"before the last release v{release.version} of {release.moment.date()}: it may "
            "not show what MINERVA publishes now",
            "crsmap minerva pull", SNAPSHOT_FILE,
        )  # fmt: skip

    def unmatched(self, matching: Matching) -> None:
        project_id = self.snapshot.project.project_id
        for name in matching.unused_overrides:
            self.add(
                "minerva-unmatched-model", None, None,
                f"[minerva.models] names {name!r}, which is not a map of MINERVA project {project_id}",
                "correct the name in [minerva.models] of crsmap.toml", "crsmap.toml",
            )  # fmt: skip
        shown = ", ".join(m.label for m in matching.models) or "none"
        for file in matching.unmatched_files:
            self.add(
                "minerva-unmatched-model", None, None,
                f"{file} matches no map of MINERVA project {project_id} (its maps: {shown})",
                f'name its MINERVA map in crsmap.toml: [minerva.models] "MAP NAME" = "{file}"',
                "crsmap.toml",
            )  # fmt: skip
        for match in matching.models:
            if not match.file:
                self.add(
                    "minerva-unmatched-model", None, None,
                    f"MINERVA's map {match.label} matches no map file of [map] files",
                    f'name its file in crsmap.toml: [minerva.models] "{match.model.name or "NAME"}" '
                    '= "maps/FILE.xml"', "crsmap.toml",
                )  # fmt: skip

    def model(self, match: ModelMatch) -> None:
        """Findings on one MINERVA map: its references, and its reactions against its file's."""
        mine = self.by_file.get(match.file, {}) if match.file else {}
        published = {r.reaction_id: r for r in match.model.reactions}
        for reaction in published.values():
            local = reaction.reaction_id
            if self.qualify:
                local = f"{self.stems.get(match.file, '')}:{local}"
            curies = self.literature(match, reaction, local if match.file else None)
            if not match.file:
                continue
            interaction = mine.get(reaction.reaction_id)
            if interaction is None:
                self.add(
                    "minerva-unknown-reaction", local, None,
                    f"MINERVA's map {match.label} has reaction {reaction.reaction_id}, which "
                    f"{match.file} does not have",
                    "upload the current map to MINERVA; if MINERVA's map is another file, name "
                    "it in [minerva.models] of crsmap.toml", match.file,
                )  # fmt: skip
            else:
                self.references(match, interaction, curies)
        for reaction_id, interaction in mine.items():
            if reaction_id not in published:
                self.add(
                    "minerva-missing-reaction", interaction.id, None,
                    f"{interaction.id} ({interaction.signature}) is not in MINERVA's map "
                    f"{match.label}", _UPLOAD, match.file, interaction.line,
                )  # fmt: skip

    def literature(self, match: ModelMatch, reaction, interaction_id) -> set[str]:
        """The CURIEs of a reaction's literature references; invalid ones are findings."""
        curies: set[str] = set()
        for kind, resource in reaction.references:
            if kind not in LITERATURE:
                continue
            curie = minerva_curie(kind, resource)
            if curie is not None:
                curies.add(curie)
                continue
            why = (
                "; MINERVA has answered HTTP 500 for such reactions and listed such IDs as "
                "other papers"
            )
            self.add(
                "minerva-invalid-reference", interaction_id, f"{kind}:{resource}",
                f"MINERVA's map {match.label} shows {kind} {resource!r} on {reaction.reaction_id}, "
                f"which is not a valid {_WHAT[kind]}{why if kind == 'PUBMED' else ''}",
                "correct the annotation in the map file (see the audit's invalid-reference), "
                "then upload the map to MINERVA again", match.file or None,
            )  # fmt: skip
        return curies

    def references(self, match: ModelMatch, interaction, curies: set[str]) -> None:
        """Ledger references MINERVA does not show, and papers MINERVA shows the ledger lacks."""
        held = self.ledger.get(interaction.id, set())
        shown = {self.paper(c) for c in curies}
        for curie in sorted(held - curies, key=natural_key):
            if self.paper(curie) in shown:
                continue  # the same paper under another identifier
            if curie not in interaction.references:
                why = "the map file does not carry it yet"
            elif curie not in interaction.annotated_references:
                why = "the map has it only in the reaction's notes or name, which MINERVA ignores"
            else:
                why = "the map file carries it, so MINERVA's copy of the map is older"
            self.add(
                "minerva-missing-reference", interaction.id, curie,
                f"{curie} is evidence for {interaction.id} in the ledger, but MINERVA's map "
                f"{match.label} does not show it: {why}",
                "crsmap annotate, upload the map to MINERVA again, then crsmap minerva pull",
                match.file, interaction.line,
            )  # fmt: skip
        papers = {self.paper(c) for c in held}
        for curie in sorted(curies - held, key=natural_key):
            if self.paper(curie) in papers:
                continue
            message = f"MINERVA's map {match.label} shows {curie} on {interaction.id}, which "
            if (interaction.id, curie) in self.rejected:
                message += "was rejected (rejected.tsv): the published map is older than that"
                hint = _UPLOAD
            else:
                message += "the ledger does not hold"
                hint = (
                    f"crsmap evidence add {interaction.id} {curie} (or, if it was removed on "
                    "purpose, upload the current map to MINERVA)"
                )
            self.add(
                "minerva-extra-reference", interaction.id, curie, message, hint, match.file,
                interaction.line,
            )  # fmt: skip


def compare(project: Project, snapshot: MinervaSnapshot | None = None) -> list[Finding]:
    """The ``minerva-*`` findings of the project against ``snapshot`` (default: minerva.json)."""
    snapshot = snapshot if snapshot is not None else read_snapshot(project.root)
    if snapshot is None:
        return []
    with collector_paused():
        return evaluate_project(project, snapshot, match_project(project, snapshot))


def evaluate_project(project: Project, snapshot: MinervaSnapshot, matching: Matching) -> list:
    """:func:`evaluate` over the project's maps, ledgers, rejections, cache and last release."""
    from ..identifiers import reference_key
    from ..ledger import REJECTED_FILE, read_rejected
    from ..papers import cached

    evidence = [(r.interaction, ledger_curie(r.reference)) for r in project.evidence().records]
    rejected = read_rejected(project.root / REJECTED_FILE, project.today).records
    return evaluate(
        snapshot, matching, project.interactions,
        {Path(f).stem: f for f in project.config.map.files}, evidence,
        {(r.interaction, reference_key(r.reference)) for r in rejected},
        cached(project.root), last_release(project.root), project.today,
    )  # fmt: skip


def ledger_curie(text: str) -> str | None:
    """The CURIE of a ledger reference, or None when it is not a valid one."""
    try:
        return parse_reference(text).curie
    except InputError:
        return None


# --- the audit's seam --------------------------------------------------------------------


class MinervaAudit:
    """The audit's view of MINERVA, loaded once with the project: the snapshot, its matching
    and the last release. The findings are computed once per audit and shared by the rules."""

    def __init__(self, snapshot: MinervaSnapshot, matching: Matching, release: LastRelease | None):
        self.snapshot, self.matching, self.release = snapshot, matching, release
        self._computed: tuple[object, list] | None = None

    def findings(self, data) -> list[Finding]:
        """Every ``minerva-*`` finding over an :class:`~curation.audit.AuditData`."""
        if self._computed is None or self._computed[0] is not data:
            result = evaluate(
                self.snapshot, self.matching, data.interactions, data.map_files,
                zip((r.interaction for r in data.evidence), data.curies, strict=True),
                set(data.rejected), data.citations, self.release, data.today,
            )  # fmt: skip
            self._computed = (data, result)
        return self._computed[1]


def load_for_audit(project: Project, problems: list | None = None) -> MinervaAudit | None:
    """The audit's MINERVA data, or None without ``minerva.json``.

    With ``problems``, a corrupt snapshot becomes one problem there (the audit reports it
    as ``invalid-record``) instead of stopping the audit.
    """
    try:
        snapshot = read_snapshot(project.root)
    except InputError as exc:
        if problems is None:
            raise
        match = re.match(rf"^{re.escape(SNAPSHOT_FILE)}:(\d+): (.*)$", str(exc))
        line, message = (int(match.group(1)), match.group(2)) if match else (1, str(exc))
        problems.append(LineProblem(SNAPSHOT_FILE, line, message))
        return None
    if snapshot is None:
        return None
    return MinervaAudit(snapshot, match_project(project, snapshot), last_release(project.root))
