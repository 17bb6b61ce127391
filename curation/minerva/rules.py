"""The audit's ``minerva-*`` rules: code, severity, description and fix of each, and checks.

Light on purpose: :mod:`curation.audit` registers these rules when it is imported, and
nothing here reaches the network, git or the snapshot; a check only reads the findings
the audit's :class:`~curation.minerva.comparison.MinervaAudit` computed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleInfo:
    """An audit rule's code, default severity, one-line description and fix."""

    code: str
    severity: str
    description: str
    fix: str


RULES = (
    RuleInfo(
        "minerva-missing-reference", "warning",
        "a ledger reference of an interaction that MINERVA does not show (minerva.json)",
        "crsmap annotate, upload the map to MINERVA again, then crsmap minerva pull",
    ),
    RuleInfo(
        "minerva-extra-reference", "warning",
        "MINERVA shows a paper the ledger does not hold for the interaction (not imported yet, "
        "or removed and the published map is older)",
        "crsmap evidence add ID REF, or upload the current map to MINERVA",
    ),
    RuleInfo(
        "minerva-unknown-reaction", "warning",
        "MINERVA shows a reaction that its map file does not have",
        "upload the current map to MINERVA (or correct [minerva.models])",
    ),
    RuleInfo(
        "minerva-missing-reaction", "warning",
        "a reaction of a map file that MINERVA's map does not have",
        "upload the current map to MINERVA, then crsmap minerva pull",
    ),
    RuleInfo(
        "minerva-invalid-reference", "error",
        "MINERVA shows a PUBMED (or DOI, PMC) reference whose resource is not a valid identifier",
        "correct the annotation in the map file, then upload the map to MINERVA again",
    ),
    RuleInfo(
        "minerva-stale", "info",
        "minerva.json was pulled before the last release",
        "crsmap minerva pull",
    ),
    RuleInfo(
        "minerva-unmatched-model", "warning",
        "a MINERVA map that matches no map file, or a map file that matches no MINERVA map",
        'name the file in crsmap.toml: [minerva.models] "MINERVA map name" = "maps/FILE.xml"',
    ),
)  # fmt: skip
SEVERITY = {rule.code: rule.severity for rule in RULES}


def checker(code: str):
    """The check function of rule ``code`` for the audit's registry.

    It reads ``data.minerva`` of the audit's data: a
    :class:`~curation.minerva.comparison.MinervaAudit`, or None without ``minerva.json``.
    """

    def check(data) -> list:
        minerva = getattr(data, "minerva", None)
        return [] if minerva is None else [f for f in minerva.findings(data) if f.rule == code]

    check.__name__ = f"_{code.replace('-', '_')}"
    return check
