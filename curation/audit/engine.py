"""The audit's engine: findings, the rule registry, the data the rules read, and the run.

A rule is a small function registered with :func:`rule` under its code, default severity, a
one-line description and the command that fixes what it finds; :data:`RULES` keeps them in
registration order (the order of ``docs/rules.md``). Rules read an :class:`AuditData` built
once from the project, so the audit is linear in the number of records. A malformed ledger
line is a finding (``invalid-record``), never a stop. The rules themselves live in the
sibling modules that :mod:`curation.audit` imports.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..collector import collector_paused
from ..errors import InputError
from ..identifiers import reference_curie
from ..ledger import EvidenceRecord, InteractionRecord, LineProblem, RejectionRecord, natural_key
from ..papers import paper_key

if TYPE_CHECKING:
    from ..celldesigner import Interaction
    from ..config import Config
    from ..project import Project

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
    rejections: list[RejectionRecord] = field(default_factory=list)
    rejected: dict[tuple[str, str], RejectionRecord] = field(default_factory=dict)
    papers: list[str | None] = field(default_factory=list)  # each record's paper (see papers.py)
    minerva: object = None  # a curation.minerva.MinervaAudit, or None without minerva.json

    def __post_init__(self):
        by_interaction, citations = self.evidence_by_interaction, self.citations
        self.curies = [reference_curie(r.reference) for r in self.evidence]
        self.papers = [paper_key(c, citations) if c else None for c in self.curies]
        for index, record in enumerate(self.evidence):
            by_interaction.setdefault(record.interaction, []).append((index, record))
        self.curated = {row.interaction: row for row in self.rows}
        for rejection in self.rejections:
            curie = reference_curie(rejection.reference)
            if curie:
                self.rejected[(rejection.interaction, curie)] = rejection

    @functools.cached_property
    def cited(self) -> list[tuple]:
        """(index, record, curie, citation) of every evidence record with cached metadata.

        Made on first use: a rule walks it only when the cache holds something to find.
        """
        citations = self.citations
        return [
            (index, record, curie, citations[curie])
            for index, (record, curie) in enumerate(zip(self.evidence, self.curies, strict=True))
            if curie in citations
        ]

    @classmethod
    def load(cls, project: Project) -> AuditData:
        """Read the map, the ledgers and the cache; broken lines become problems."""
        from literature.cache import CACHE_FILE

        from ..ledger import EVIDENCE_FILE, INTERACTIONS_FILE, REJECTED_FILE, read_rejected
        from ..parsed import read_citations

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
            cache = read_citations(project.root, problems)
        except InputError as exc:  # unreadable as a whole (e.g. not UTF-8)
            problems.append(LineProblem(CACHE_FILE, 1, str(exc)))
            cache = {}
        from ..minerva import load_for_audit

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
    from ..ledger import LedgerContent

    try:
        return read()
    except InputError as exc:
        match = re.match(r"^[^:]+:(\d+): (.*)$", str(exc))
        line, message = (int(match.group(1)), match.group(2)) if match else (1, str(exc))
        problems.append(LineProblem(name, line, message))
        return LedgerContent()


def _finding(code: str, interaction, reference, message, hint, location=(None, None)) -> Finding:
    return Finding(code, RULES[code].severity, interaction, reference, message, hint, *location)


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
