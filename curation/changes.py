"""The complete change record of a release: every change since the previous release.

One :class:`ReleaseChange` per line of the bundle's ``changes.tsv``. The list is a pure
function of two snapshots (the release and the one before it) and of who removed which
evidence record (read from git), so ``crsmap bundle`` rebuilds it byte for byte.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .identifiers import reference_key
from .ledger import EVIDENCE_FILE, natural_key
from .snapshot import Snapshot, prefix_in_repo

CHANGES_FILE = "changes.tsv"
COLUMNS = ("kind", "interaction", "reference", "curator", "detail")
KINDS = (
    "interaction-added",
    "interaction-removed",
    "interaction-changed",
    "evidence-added",
    "evidence-removed",
    "reference-added",
    "curator-added",
)
PROVENANCE = ("curator", "license", "derived_from", "status")


@dataclass(frozen=True)
class ReleaseChange:
    """One change: its kind, what it concerns, the curator it is credited to, and details.

    ``curator`` is an ORCID: the record's curator for evidence added, the curator whose
    commit removed a record, the responsible curator of an interaction, the new curator.
    """

    kind: str
    interaction: str = ""
    reference: str = ""
    curator: str = ""
    detail: str = ""

    @property
    def sort_key(self) -> tuple:
        return (
            KINDS.index(self.kind),
            natural_key(self.interaction),
            natural_key(self.reference),
            self.curator,
            self.detail,
        )


@dataclass(frozen=True)
class Removal:
    """Who removed an evidence record, in which commit, and why (from the commit message)."""

    curator: str
    commit: str
    reason: str = ""


def changes_between(
    current: Snapshot, before: Snapshot | None, removals: dict[tuple[str, str], Removal]
) -> list[ReleaseChange]:
    """Every change from ``before`` (None for a first release) to ``current``, sorted."""
    found: list[ReleaseChange] = []
    now, then = current.interactions, before.interactions if before else {}
    rows_now = {r.interaction: r for r in current.rows}
    rows_then = {r.interaction: r for r in before.rows} if before else {}
    for iid, interaction in now.items():
        row = rows_now.get(iid)
        responsible = row.curator if row else ""
        if iid not in then:
            found.append(
                ReleaseChange("interaction-added", iid, "", responsible, interaction.signature)
            )
            continue
        details = []
        if then[iid].signature != interaction.signature:
            details.append(f"signature: {then[iid].signature} -> {interaction.signature}")
        old = rows_then.get(iid)
        for name in PROVENANCE:
            was, now_value = (
                getattr(old, name, "") if old else "",
                getattr(row, name, "") if row else "",
            )
            if was != now_value:
                details.append(f"{name}: {was or '-'} -> {now_value or '-'}")
        if details:
            found.append(
                ReleaseChange("interaction-changed", iid, "", responsible, "; ".join(details))
            )
    for iid, interaction in then.items():
        if iid not in now:
            old = rows_then.get(iid)
            found.append(
                ReleaseChange(
                    "interaction-removed",
                    iid,
                    "",
                    old.curator if old else "",
                    interaction.signature,
                )
            )

    records_now = _by_key(current)
    records_then = _by_key(before) if before else {}
    citations = current.citations
    for key, record in records_now.items():
        if key not in records_then:
            detail = f"{record.evidence} ({record.source})" + (
                f": {record.note}" if record.note else ""
            )
            found.append(ReleaseChange("evidence-added", key[0], key[1], record.curator, detail))
    for key, record in records_then.items():
        if key not in records_now:
            removal = removals.get(key)
            detail = f"added by {record.curator} on {record.date}"
            if removal is not None:
                detail = f"removed in commit {removal.commit[:10]}" + (
                    f": {removal.reason}" if removal.reason else ""
                )
            found.append(
                ReleaseChange(
                    "evidence-removed", key[0], key[1], removal.curator if removal else "", detail
                )
            )

    cited_then = {ref for _, ref in records_then}
    first_citer: dict[str, object] = {}
    for key, record in sorted(
        records_now.items(), key=lambda kv: (kv[1].date, natural_key(kv[0][0]))
    ):
        first_citer.setdefault(key[1], record)
    for ref, record in first_citer.items():
        if ref not in cited_then:
            citation = citations.get(ref)
            detail = citation.short() if citation is not None else "no citation metadata"
            found.append(ReleaseChange("reference-added", "", ref, record.curator, detail))

    known = {c.orcid for c in before.config.curators} if before else set()
    for curator in current.config.curators:
        if curator.orcid not in known:
            found.append(ReleaseChange("curator-added", "", "", curator.orcid, curator.name))
    return sorted(found, key=lambda c: c.sort_key)


def _by_key(snapshot: Snapshot) -> dict[tuple[str, str], object]:
    """Evidence records by (interaction, reference CURIE); the first of duplicates wins."""
    records: dict[tuple[str, str], object] = {}
    for record in snapshot.evidence:
        records.setdefault((record.interaction, reference_key(record.reference)), record)
    return records


def render_changes(changes: list[ReleaseChange]) -> str:
    """``changes.tsv``: a header and one sorted line per change, every cell on one line."""
    lines = ["\t".join(COLUMNS)]
    for change in changes:
        lines.append("\t".join(" ".join(str(getattr(change, c)).split()) for c in COLUMNS))
    return "\n".join(lines) + "\n"


def counts(changes: list[ReleaseChange]) -> Counter:
    """How many changes of each kind."""
    return Counter(change.kind for change in changes)


def contributions(changes: list[ReleaseChange]) -> dict[str, tuple[int, int]]:
    """Evidence records (added, removed) credited to each curator's ORCID."""
    added = Counter(c.curator for c in changes if c.kind == "evidence-added")
    removed = Counter(c.curator for c in changes if c.kind == "evidence-removed")
    return {orcid: (added[orcid], removed[orcid]) for orcid in sorted(set(added) | set(removed))}


def removals(repo, root: Path, since: str | None, upto: str) -> dict[tuple[str, str], Removal]:
    """Who last removed each evidence record between two revisions (``since`` excluded).

    Read from the evidence ledger's diffs and the ``Curator:`` trailers crsmap writes;
    a record whose removal was not committed by crsmap is credited to nobody.
    """
    prefix = prefix_in_repo(repo, root)
    span = f"{since}..{upto}" if since else upto
    start, end = "\x1e", "\x1d"
    log = repo.git.log(
        f"--format={start}%H%x1f%(trailers:key=Curator,valueonly,separator=%x20)%x1f%b{end}",
        "-p", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", span, "--",
        str(prefix / EVIDENCE_FILE),
    )  # fmt: skip
    found: dict[tuple[str, str], Removal] = {}
    for chunk in log.split(start)[1:]:  # newest first: the first removal seen is the last made
        header, _, diff = chunk.partition(end)
        sha, trailer, *body = header.split("\x1f")
        orcid = trailer.rpartition("https://orcid.org/")[2].rstrip(">").strip()
        reason = next(
            (
                line.removeprefix("Reason:").strip()
                for line in "\x1f".join(body).splitlines()
                if line.startswith("Reason:")
            ),
            "",
        )
        gone, kept = set(), set()
        for line in diff.split("\n"):
            if line[:1] not in ("+", "-") or line.startswith(("+++", "---")):
                continue
            cells = line[1:].split("\t")
            if len(cells) < 2 or cells[0] == "interaction":
                continue
            key = (cells[0], reference_key(cells[1]))
            (gone if line[0] == "-" else kept).add(key)
        for key in gone - kept:
            found.setdefault(key, Removal(orcid, sha, reason))
    return found
