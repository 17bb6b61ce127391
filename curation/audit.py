"""The audit: rules that check a map, its ledgers and its citations before a release.

Each rule is a small function registered with its code, default severity, a one-line
description and the command that fixes what it finds. Rules read an :class:`AuditData`
built once from the project, so the audit is linear in the number of records. A
malformed ledger line is a finding (``invalid-record``), never a stop.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .collector import collector_paused
from .errors import InputError
from .identifiers import parse_orcid, parse_reference
from .ledger import EvidenceRecord, InteractionRecord, LineProblem, RejectionRecord, natural_key
from .licenses import compatible
from .papers import paper_key

if TYPE_CHECKING:
    from .celldesigner import Interaction
    from .config import Config
    from .project import Project

SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning", "never")
_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem: the keys of ``crsmap audit --format json`` (docs/rules.md), and where it is."""

    rule: str
    """The rule's code."""
    severity: str
    """``error``, ``warning`` or ``info``: the rule's, or as ``[audit.severity]`` sets it."""
    interaction: str | None
    """The interaction it concerns, or null."""
    reference: str | None
    """The reference it concerns, or null."""
    message: str
    """What is wrong, in one line."""
    hint: str | None
    """The command (or edit) that fixes it, or null."""
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "interaction": self.interaction,
            "reference": self.reference,
            "message": self.message,
            "hint": self.hint,
        }

    @property
    def sort_key(self) -> tuple:
        return (
            natural_key(self.interaction or ""),
            self.rule,
            natural_key(self.reference or ""),
            self.message,
        )


@dataclass(frozen=True)
class Rule:
    """A check with its code, default severity, description and fix."""

    code: str
    severity: str
    description: str
    fix: str
    check: Callable[[AuditData], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, description: str, fix: str):
    """Register a rule function under ``code``."""

    def register(check):
        RULES[code] = Rule(code, severity, description, fix, check)
        return check

    return register


@dataclass
class AuditData:
    """Everything the rules look at, read once."""

    config: Config
    interactions: dict[str, Interaction]
    map_files: dict[str, str]  # map stem -> file, for locations
    evidence: list[EvidenceRecord]
    evidence_lines: dict[int, int]
    rows: list[InteractionRecord]
    row_lines: dict[int, int]
    problems: list[LineProblem]
    citations: dict
    today: dt.date
    evidence_by_interaction: dict[str, list[tuple[int, EvidenceRecord]]] = field(
        default_factory=dict
    )
    curated: dict[str, InteractionRecord] = field(default_factory=dict)
    curies: list[str | None] = field(default_factory=list)  # each record's CURIE, parsed once
    cited: list[tuple] = field(default_factory=list)  # (index, record, curie, citation)
    rejections: list[RejectionRecord] = field(default_factory=list)
    rejected: dict[tuple[str, str], RejectionRecord] = field(default_factory=dict)
    papers: list[str | None] = field(default_factory=list)  # each record's paper (see papers.py)
    minerva: object = None  # a curation.minerva.MinervaAudit, or None without minerva.json

    def __post_init__(self):
        for index, record in enumerate(self.evidence):
            self.evidence_by_interaction.setdefault(record.interaction, []).append((index, record))
            curie = _reference(record.reference)
            self.curies.append(curie)
            self.papers.append(paper_key(curie, self.citations) if curie else None)
            citation = self.citations.get(curie) if curie else None
            if citation is not None:
                self.cited.append((index, record, curie, citation))
        self.curated = {row.interaction: row for row in self.rows}
        for rejection in self.rejections:
            curie = _reference(rejection.reference)
            if curie:
                self.rejected[(rejection.interaction, curie)] = rejection

    @classmethod
    def load(cls, project: Project) -> AuditData:
        """Read the map, the ledgers and the cache; broken lines become problems."""
        from literature.cache import CACHE_FILE, read_cache

        from .ledger import EVIDENCE_FILE, INTERACTIONS_FILE, REJECTED_FILE, read_rejected

        problems: list[LineProblem] = []
        evidence = _lenient(project.evidence, EVIDENCE_FILE, problems)
        rows = _lenient(project.interaction_records, INTERACTIONS_FILE, problems)
        rejected = _lenient(
            lambda: read_rejected(project.root / REJECTED_FILE, project.today),
            REJECTED_FILE,
            problems,
        )
        problems += list(evidence.problems) + list(rows.problems) + list(rejected.problems)
        try:
            cache = read_cache(project.root / CACHE_FILE, problems)
        except InputError as exc:  # unreadable as a whole (e.g. not UTF-8)
            problems.append(LineProblem(CACHE_FILE, 1, str(exc)))
            cache = {}
        from .minerva import load_for_audit

        minerva = load_for_audit(project, problems)  # a corrupt minerva.json: invalid-record
        return cls(
            config=project.config,
            interactions=project.interactions,
            map_files={Path(f).stem: f for f in project.config.map.files},
            evidence=evidence.records,
            evidence_lines=evidence.lines,
            rows=rows.records,
            row_lines=rows.lines,
            problems=sorted(problems, key=lambda p: (p.file, p.line)),
            citations=cache,
            today=project.today,
            rejections=rejected.records,
            minerva=minerva,
        )

    @classmethod
    def from_snapshot(cls, snapshot, today: dt.date) -> AuditData:
        """The same data from a committed revision (see :mod:`curation.snapshot`)."""
        return cls(
            config=snapshot.config,
            interactions=snapshot.interactions,
            map_files={Path(f).stem: f for f in snapshot.config.map.files},
            evidence=list(snapshot.evidence),
            evidence_lines={},
            rows=list(snapshot.rows),
            row_lines={},
            problems=[],
            citations=snapshot.citations,
            today=today,
            # Revisions read before rejected.tsv existed have no rejections.
            rejections=list(snapshot.rejected),
        )

    def evidence_at(self, index: int) -> tuple[str, int | None]:
        return "evidence.tsv", self.evidence_lines.get(index)

    def map_location(self, interaction_id: str) -> tuple[str | None, int | None]:
        interaction = self.interactions.get(interaction_id)
        if interaction is None:
            return None, None
        return self.map_files.get(interaction.map), interaction.line or None


def _lenient(read, name: str, problems: list[LineProblem]):
    """A ledger read that turns an unreadable file (e.g. not UTF-8) into one problem."""
    from .ledger import LedgerContent

    try:
        return read()
    except InputError as exc:
        match = re.match(r"^[^:]+:(\d+): (.*)$", str(exc))
        line, message = (int(match.group(1)), match.group(2)) if match else (1, str(exc))
        problems.append(LineProblem(name, line, message))
        return LedgerContent()


def _reference(text: str) -> str | None:
    try:
        return parse_reference(text).curie
    except InputError:
        return None


def _finding(code: str, interaction, reference, message, hint, location=(None, None)) -> Finding:
    return Finding(code, RULES[code].severity, interaction, reference, message, hint, *location)


# --- the rules -------------------------------------------------------------------------------


@rule(
    "missing-evidence",
    "error",
    "an interaction with no evidence record",
    "crsmap evidence add ID REF",
)
def _missing_evidence(data: AuditData):
    for interaction in data.interactions.values():
        if interaction.id not in data.evidence_by_interaction:
            yield _finding(
                "missing-evidence", interaction.id, None,
                f"{interaction.signature} has no evidence",
                f"crsmap evidence add {interaction.id} REF", data.map_location(interaction.id),
            )  # fmt: skip


@rule(
    "unknown-interaction", "error",
    "an evidence or interactions.tsv row naming an interaction that is not in the map",
    "crsmap evidence remove ID REF (or delete the interactions.tsv line)",
)  # fmt: skip
def _unknown_interaction(data: AuditData):
    for index, record in enumerate(data.evidence):
        if record.interaction not in data.interactions:
            yield _finding(
                "unknown-interaction", record.interaction, record.reference,
                f"evidence for {record.interaction}, which is not a reaction of the map",
                f"crsmap evidence remove {record.interaction} {record.reference}", data.evidence_at(index),
            )  # fmt: skip
    for index, row in enumerate(data.rows):
        if row.interaction not in data.interactions:
            line = data.row_lines.get(index)
            yield _finding(
                "unknown-interaction", row.interaction, None,
                f"interactions.tsv describes {row.interaction}, which is not a reaction of the map",
                f"delete line {line} of interactions.tsv", ("interactions.tsv", line),
            )  # fmt: skip


@rule("invalid-reference", "error", "a reference that is not a valid pubmed/doi/pmc CURIE",
      "crsmap evidence remove ID REF, then crsmap evidence add ID CORRECTED")  # fmt: skip
def _invalid_reference(data: AuditData):
    for index, record in enumerate(data.evidence):
        curie = data.curies[index]
        if curie is None:
            message = f"{record.reference!r} is not a PubMed ID, DOI or PMC ID"
        elif curie != record.reference:
            message = f"{record.reference!r} is written as {curie} in a ledger"
        else:
            continue
        yield _finding(
            "invalid-reference", record.interaction, record.reference, message,
            f"crsmap evidence remove {record.interaction} {record.reference} && "
            f"crsmap evidence add {record.interaction} {curie or 'CORRECTED'}",
            data.evidence_at(index),
        )  # fmt: skip
    for interaction in data.interactions.values():
        for resource in interaction.invalid_references:
            yield _finding(
                "invalid-reference", interaction.id, resource,
                f"the map annotates {interaction.id} with {resource!r}, which is not a valid reference",
                "correct the annotation in CellDesigner", data.map_location(interaction.id),
            )  # fmt: skip


def _cited(data: AuditData):
    """(index, record, curie, citation) for every evidence record with cached metadata."""
    return data.cited


@rule("reference-not-found", "error", "PubMed/Crossref says the reference does not exist",
      "crsmap evidence remove ID REF")  # fmt: skip
def _not_found(data: AuditData):
    for index, record, curie, citation in _cited(data):
        if citation.status == "not-found":
            source = "PubMed" if citation.source == "pubmed" else "Crossref"
            yield _finding(
                "reference-not-found", record.interaction, curie, f"{source} does not know {curie}",
                f"crsmap evidence remove {record.interaction} {curie}", data.evidence_at(index),
            )  # fmt: skip


@rule(
    "retracted",
    "error",
    "the reference is retracted",
    "crsmap evidence remove --everywhere REF --reason retracted (add --from-notes when "
    "reactions' notes cite it)",
)
def _retracted(data: AuditData):
    in_notes: set[str] | None = None
    for index, record, curie, citation in _cited(data):
        if citation.is_retracted:  # the report's notion too (a not-found one is not)
            if in_notes is None:  # only a map with a retracted reference pays for this
                in_notes = {
                    c
                    for i in data.interactions.values()
                    for c in set(i.references) - set(i.annotated_references)
                }
            notices = [n.id for n in citation.notices if n.type == "retraction"]
            notice = f" (retraction notice {', '.join(notices)})" if notices else ""
            notes = " --from-notes" if curie in in_notes else ""
            yield _finding(
                "retracted", record.interaction, curie, f"{citation.label()} is retracted{notice}",
                f'crsmap evidence remove --everywhere {curie}{notes} --reason "retracted"',
                data.evidence_at(index),
            )  # fmt: skip


@rule("notice", "warning", "an erratum or expression of concern is linked to the reference",
      "read the notice, then keep the evidence or crsmap evidence remove ID REF")  # fmt: skip
def _notice(data: AuditData):
    for index, record, curie, citation in _cited(data):
        for notice in citation.notices:
            if notice.type in ("erratum", "expression-of-concern"):
                yield _finding(
                    "notice", record.interaction, curie,
                    f"{citation.label()} has an {notice.type.replace('-', ' ')}: {notice.id}",
                    f"read {notice.id}; if it undermines the evidence: crsmap evidence remove {record.interaction} {curie}",
                    data.evidence_at(index),
                )  # fmt: skip


@rule("unfetched-reference", "warning", "no cached metadata (run `crsmap fetch`)", "crsmap fetch")
def _unfetched(data: AuditData):
    for index, record in enumerate(data.evidence):
        curie = data.curies[index]
        if curie is not None and curie not in data.citations:
            yield _finding(
                "unfetched-reference", record.interaction, curie, f"no citation metadata for {curie}",
                f"crsmap fetch --only {record.interaction}", data.evidence_at(index),
            )  # fmt: skip


def _orcids(data: AuditData):
    """(orcid, where, location, interaction) of every ORCID the project holds."""
    for curator in data.config.curators:
        yield curator.orcid, f"crsmap.toml curator {curator.name}", ("crsmap.toml", None), None
    for creator in data.config.map.creators:
        if creator.orcid:
            where = f"crsmap.toml [map] creator {creator.name}"
            yield creator.orcid, where, ("crsmap.toml", None), None
    for index, record in enumerate(data.evidence):
        yield (
            record.curator,
            f"evidence of {record.interaction}",
            data.evidence_at(index),
            record.interaction,
        )
    for index, row in enumerate(data.rows):
        if row.curator:
            location = ("interactions.tsv", data.row_lines.get(index))
            yield row.curator, f"curator of {row.interaction}", location, row.interaction


def _orcid_problem(orcid: str, checked: dict[str, str | None]) -> str | None:
    """Why an ORCID is invalid, or None; each distinct ORCID is checked once."""
    if orcid not in checked:
        try:
            parse_orcid(orcid)
            checked[orcid] = None
        except InputError as exc:
            checked[orcid] = str(exc)
    return checked[orcid]


@rule(
    "invalid-orcid",
    "error",
    "an ORCID with a bad checksum or format",
    "correct the ORCID in the file named",
)
def _invalid_orcid(data: AuditData):
    checked: dict[str, str | None] = {}
    for orcid, where, location, interaction in _orcids(data):
        problem = _orcid_problem(orcid, checked)
        if problem:
            file, line = location
            place = f"{file}:{line}" if line else file
            yield _finding(
                "invalid-orcid",
                interaction,
                None,
                f"{where}: {problem}",
                f"correct the ORCID in {place}",
                location,
            )


@rule(
    "invalid-curator", "error",
    "a curator name or email in crsmap.toml that could forge an identity in commits "
    "(not one line of printable text, or holding <, > or a git trailer)",
    "correct the curator's name or email in crsmap.toml",
)  # fmt: skip
def _invalid_curator(data: AuditData):
    # crsmap reads such a curator with the field blank and commits as the bare ORCID, so
    # nothing stops; the name must be fixed before a release can credit the curator.
    for problem in data.config.curator_problems:
        field_name = problem.key.rpartition(" ")[2]
        yield _finding(
            "invalid-curator", None, None, str(problem),
            f"correct the {field_name} of {problem.key.rpartition(' ')[0]} in crsmap.toml "
            f"(ORCID {problem.orcid or 'missing'})", ("crsmap.toml", None),
        )  # fmt: skip


@rule(
    "unknown-curator",
    "warning",
    "an ORCID not listed in crsmap.toml",
    "crsmap curators add NAME --orcid ORCID",
)
def _unknown_curator(data: AuditData):
    # The map's creators are not curators; their ORCIDs are only checked for validity.
    known = {c.orcid for c in data.config.curators} | {c.orcid for c in data.config.map.creators}
    reported: set[str] = set()
    checked: dict[str, str | None] = {}
    for orcid, where, location, interaction in _orcids(data):
        if orcid in known or orcid in reported or _orcid_problem(orcid, checked):
            continue  # registered, already reported, or invalid (invalid-orcid reports it)
        reported.add(orcid)
        yield _finding(
            "unknown-curator", interaction, None, f"{orcid} ({where}) is not a curator in crsmap.toml",
            f"crsmap curators add NAME --orcid {orcid}", location,
        )  # fmt: skip


@rule("missing-curator", "warning", "an interaction with evidence but no responsible curator",
      "crsmap interactions set ID --curator ORCID")  # fmt: skip
def _missing_curator(data: AuditData):
    for interaction in data.interactions.values():
        row = data.curated.get(interaction.id)
        if interaction.id in data.evidence_by_interaction and (row is None or not row.curator):
            yield _finding(
                "missing-curator", interaction.id, None, f"{interaction.id} has evidence but no responsible curator",
                f"crsmap interactions set {interaction.id} --curator ORCID", data.map_location(interaction.id),
            )  # fmt: skip


@rule(
    "missing-map-creators", "warning",
    "crsmap.toml names no [map] creators, so a release cannot credit the map's authors",
    "crsmap creators add NAME [--orcid ORCID]",
)  # fmt: skip
def _missing_creators(data: AuditData):
    if not data.config.map.creators:
        yield _finding(
            "missing-map-creators", None, None,
            "crsmap.toml records no [map] creators: releases would credit nobody for the map "
            "itself (its curators are contributors, not its authors)",
            'crsmap creators add "NAME" --orcid ORCID (for each author of the map)', ("crsmap.toml", None),
        )  # fmt: skip


def _license_problem(value: str, checked: dict[str, str | None]) -> str | None:
    """Why a license is not an SPDX id (each distinct value checked once), or None."""
    if value not in checked:
        from .identifiers import license_problem

        checked[value] = license_problem(value)
    return checked[value]


@rule(
    "invalid-license", "error",
    "a license that is not an SPDX License List identifier (or LicenseRef-NAME)",
    "crsmap interactions set ID --license SPDX (or correct [map] license in crsmap.toml)",
)  # fmt: skip
def _invalid_license(data: AuditData):
    checked: dict[str, str | None] = {}
    for key in ("license", "source_license"):
        value = getattr(data.config.map, key)
        problem = value and _license_problem(value, checked)
        if problem:
            yield _finding(
                "invalid-license", None, None, f"crsmap.toml [map] {key}: {problem}",
                f"correct [map] {key} in crsmap.toml", ("crsmap.toml", None),
            )  # fmt: skip
    for index, row in enumerate(data.rows):
        problem = row.license and _license_problem(row.license, checked)
        if problem:
            yield _finding(
                "invalid-license", row.interaction, None, f"{row.interaction}: {problem}",
                f"crsmap interactions set {row.interaction} --license SPDX",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip


@rule("license-incompatible", "error", "an interaction's license cannot be redistributed under the map's license",
      "crsmap interactions set ID --license SPDX (or redraw the interaction)")  # fmt: skip
def _license(data: AuditData):
    whole = data.config.map.license
    original = data.config.map.source_license
    checked: dict[str, str | None] = {}
    if _license_problem(whole, checked):
        return  # invalid-license says so; nothing can be compared with an unknown license
    if original and not _license_problem(original, checked):
        ok, why = compatible(original, whole)
        if not ok:
            yield _finding(
                "license-incompatible", None, None,
                f"the original map is {original}, which cannot be redistributed as a {whole} map: {why}",
                "set [map] license in crsmap.toml to one the original's license allows", ("crsmap.toml", None),
            )  # fmt: skip
    for index, row in enumerate(data.rows):
        if not row.license or row.interaction not in data.interactions:
            continue
        if _license_problem(row.license, checked):
            continue  # reported by invalid-license
        ok, why = compatible(row.license, whole)
        if not ok:
            yield _finding(
                "license-incompatible", row.interaction, None,
                f"{row.interaction} is {row.license}, which cannot go into a {whole} map: {why}",
                f"crsmap interactions set {row.interaction} --license SPDX",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip


@rule("interaction-changed", "warning", "the map's signature differs from the recorded one",
      "crsmap interactions set ID --status reviewed")  # fmt: skip
def _changed(data: AuditData):
    for index, row in enumerate(data.rows):
        interaction = data.interactions.get(row.interaction)
        if interaction is not None and row.signature and row.signature != interaction.signature:
            yield _finding(
                "interaction-changed", row.interaction, None,
                f"curated as {row.signature!r}, the map now says {interaction.signature!r}",
                f"review the evidence, then crsmap interactions set {row.interaction} --status reviewed",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip


@rule("map-drift", "warning", "the map's annotations and the ledger disagree",
      "crsmap import (map to ledger) or crsmap annotate (ledger to map); for a removed "
      "reference still in a reaction's notes, crsmap evidence remove ID REF --from-notes")  # fmt: skip
def _drift(data: AuditData):
    from .drift import map_drift

    for interaction, reference, message, hint, location in map_drift(data):
        yield _finding("map-drift", interaction, reference, message, hint, location)


@rule(
    "duplicate-evidence", "warning",
    "the same (interaction, reference) recorded twice, or one paper under two identifiers "
    "(a DOI or PMC ID and its PMID)",
    "delete the repeated line of evidence.tsv, or crsmap evidence remove ID REF (the second form)",
)  # fmt: skip
def _duplicates(data: AuditData):
    from .drift import same_paper

    seen: dict[tuple[str, str], int] = {}
    for index, record in enumerate(data.evidence):
        key = (record.interaction, data.curies[index] or record.reference)
        if key in seen:
            first = data.evidence_lines.get(seen[key])
            line = data.evidence_lines.get(index)
            yield _finding(
                "duplicate-evidence", record.interaction, key[1],
                f"{key[1]} is recorded for {record.interaction} on lines {first} and {line} of evidence.tsv",
                f"delete line {line} of evidence.tsv", data.evidence_at(index),
            )  # fmt: skip
        else:
            seen[key] = index
    for interaction, reference, message, hint, location in same_paper(data, seen):
        yield _finding("duplicate-evidence", interaction, reference, message, hint, location)


@rule("invalid-record", "error", "a malformed ledger line (bad ECO, date, column count)",
      "correct the line named in the file named")  # fmt: skip
def _invalid_record(data: AuditData):
    for problem in data.problems:
        yield _finding(
            "invalid-record", None, None, str(problem), f"correct {problem.file} line {problem.line}",
            (problem.file, problem.line),
        )  # fmt: skip


def _register_minerva_rules() -> None:
    """The rules over the MINERVA snapshot (see :mod:`curation.minerva`); they find nothing
    without ``minerva.json``, and a release (audited from its commit) does not run them.
    Only the rules module is imported here: the comparison and the network code wait."""
    from .minerva.rules import RULES, checker

    for info in RULES:
        rule(info.code, info.severity, info.description, info.fix)(checker(info.code))


_register_minerva_rules()


# --- running ---------------------------------------------------------------------------------


@dataclass
class AuditReport:
    """Findings, sorted by (interaction, rule, reference), and how many of each severity."""

    findings: list[Finding]
    fail_on: str

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def failed(self) -> bool:
        if self.fail_on == "never":
            return False
        return any(_RANK[f.severity] <= _RANK[self.fail_on] for f in self.findings)

    def to_json(self) -> dict:
        return {"summary": self.summary, "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class AuditSettings:
    """Which rules run and how severe they are: crsmap.toml's [audit], then the command line."""

    fail_on: str
    ignore: frozenset[str]
    severity: dict[str, str]


def settings(
    config: Config, fail_on: str | None = None, rules: Sequence[str] = ()
) -> tuple[AuditSettings, list[str]]:
    """Validated settings and the rule codes to run, or an InputError naming the bad value."""
    table = config.audit or {}
    chosen_fail_on = fail_on or table.get("fail_on", "error")
    if chosen_fail_on not in FAIL_ON:
        raise InputError(
            f"crsmap.toml: [audit] fail_on {chosen_fail_on!r}: expected one of {', '.join(FAIL_ON)}"
        )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list):
        raise InputError("crsmap.toml: [audit] ignore must be a list of rule codes")
    for code in ignore:
        _known(code, "crsmap.toml: [audit] ignore")
    overrides = table.get("severity", {})
    if not isinstance(overrides, dict):
        raise InputError("crsmap.toml: [audit.severity] must be a table of rule = severity")
    for code, value in overrides.items():
        _known(code, "crsmap.toml: [audit.severity]")
        if value not in SEVERITIES:
            raise InputError(
                f"crsmap.toml: [audit.severity] {code} = {value!r}: expected one of {', '.join(SEVERITIES)}"
            )
    for code in rules:
        _known(code, "--rule")
    selected = [c for c in (rules or RULES) if c not in ignore or c in rules]
    return AuditSettings(chosen_fail_on, frozenset(ignore), dict(overrides)), selected


def _known(code: str, where: str) -> None:
    if code not in RULES:
        import difflib

        close = difflib.get_close_matches(code, list(RULES), n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; expected one of {', '.join(RULES)}"
        raise InputError(f"{where}: unknown rule {code!r}{hint}")


def run(project: Project, fail_on: str | None = None, rules: Sequence[str] = ()) -> AuditReport:
    """Audit the project; nothing is written."""
    chosen, codes = settings(project.config, fail_on, rules)
    with collector_paused():
        return evaluate(AuditData.load(project), chosen, codes)


def run_on_snapshot(snapshot, today: dt.date) -> AuditReport:
    """Audit a committed revision with its own [audit] settings."""
    chosen, codes = settings(snapshot.config)
    with collector_paused():
        return evaluate(AuditData.from_snapshot(snapshot, today), chosen, codes)


def evaluate(data: AuditData, chosen: AuditSettings, codes: Sequence[str]) -> AuditReport:
    """Run the rules over loaded data; findings sorted by (interaction, rule, reference)."""
    findings = []
    for code in codes:
        severity = chosen.severity.get(code)
        for finding in RULES[code].check(data):
            findings.append(finding if severity is None else _with_severity(finding, severity))
    findings.sort(key=lambda f: f.sort_key)
    return AuditReport(findings, chosen.fail_on)


def _with_severity(finding: Finding, severity: str) -> Finding:
    from dataclasses import replace

    return replace(finding, severity=severity)


def rule_reference() -> str:
    """The Markdown table of every rule, for the README (generated, so it cannot drift)."""
    lines = ["| code | severity | finds | fix |", "|---|---|---|---|"]
    for r in RULES.values():
        lines.append(f"| `{r.code}` | {r.severity} | {r.description} | {r.fix} |")
    return "\n".join(lines) + "\n"
