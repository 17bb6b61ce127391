"""The complete change record of a release: every change since the previous release.

One :class:`ReleaseChange` per line of the bundle's ``changes.tsv``. The list is a pure
function of two snapshots (the release and the one before it) and of who removed which
evidence record (read from git), so ``crsmap bundle`` rebuilds it byte for byte.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from literature.tsv import ledger_row, safe_table

from .identifiers import reference_key
from .ledger import EVIDENCE_COLUMNS, EVIDENCE_FILE, natural_key
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
    ``source`` (not a column) is the evidence record's source, ``map`` for imported ones.
    """

    kind: str
    """What changed, one of the kinds below; the file is sorted by kind in that order."""
    interaction: str = ""
    """The interaction it concerns; empty for a reference or curator added."""
    reference: str = ""
    """The reference it concerns, as a CURIE; may be empty."""
    curator: str = ""
    """The ORCID it is credited to: the record's curator for evidence added, the curator
    whose crsmap commit removed a record, an interaction's responsible curator, the new
    curator."""
    detail: str = ""
    """In words: an added or removed interaction's signature, what changed
    (``status: draft -> reviewed``), evidence's ECO term and note, a removal's commit and
    reason, a new reference's short citation, a new curator's name."""
    source: str = ""
    signatures: tuple[str, ...] = ()  # (before, after) when the map's signature changed

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


class _Identity:
    """Interaction IDs of one snapshot as (map stem, reaction ID), the same in every release.

    A project that gains a second map file qualifies its IDs (``re1`` becomes
    ``crs_sample:re1``); comparing by this identity keeps that from looking like every
    interaction removed and added again.
    """

    def __init__(self, snapshot: Snapshot):
        self.by_id = {i.id: (i.map, i.reaction_id) for i in snapshot.interactions.values()}
        counts = Counter(rid for _, rid in self.by_id.values())
        self.by_reaction = {
            rid: key for key in self.by_id.values() for rid in [key[1]] if counts[rid] == 1
        }

    def __call__(self, text: str) -> tuple[str, str]:
        return self.by_id.get(text) or self.by_reaction.get(text) or ("", text)


def row_text(record) -> str:
    """An evidence record as its ledger line (what git diffs show)."""
    return ledger_row(getattr(record, column) for column in EVIDENCE_COLUMNS)


def changes_between(
    current: Snapshot, before: Snapshot | None, removals: dict[str, Removal]
) -> list[ReleaseChange]:
    """Every change from ``before`` (None for a first release) to ``current``, sorted.

    Evidence is compared record by record, whole rows as a multiset: a duplicated line, a
    record removed and added again by someone else, or a changed ECO code or note all
    show. ``removals`` maps removed ledger lines to who removed them (see :func:`removals`).
    """
    found: list[ReleaseChange] = []
    ident_now = _Identity(current)
    ident_then = _Identity(before) if before else None
    now = {ident_now(i.id): i for i in current.interactions.values()}
    then = {ident_then(i.id): i for i in before.interactions.values()} if before else {}
    rows_now = {ident_now(r.interaction): r for r in current.rows}
    rows_then = {ident_then(r.interaction): r for r in before.rows} if before else {}
    for key, interaction in now.items():
        row = rows_now.get(key)
        responsible = row.curator if row else ""
        if key not in then:
            found.append(
                ReleaseChange(
                    "interaction-added", interaction.id, "", responsible, interaction.signature
                )
            )
            continue
        details = []
        signatures: tuple[str, ...] = ()
        if then[key].signature != interaction.signature:
            signatures = (then[key].signature, interaction.signature)
            details.append(f"signature: {then[key].signature} -> {interaction.signature}")
        old = rows_then.get(key)
        for name in PROVENANCE:
            was = getattr(old, name, "") if old else ""
            is_now = getattr(row, name, "") if row else ""
            if was != is_now:
                details.append(f"{name}: {was or '-'} -> {is_now or '-'}")
        if details:
            found.append(
                ReleaseChange(
                    "interaction-changed",
                    interaction.id,
                    "",
                    responsible,
                    "; ".join(details),
                    signatures=signatures,
                )
            )
    for key, interaction in then.items():
        if key not in now:
            old = rows_then.get(key)
            found.append(
                ReleaseChange(
                    "interaction-removed",
                    interaction.id,
                    "",
                    old.curator if old else "",
                    interaction.signature,
                )
            )

    counted_now, shown_now = _records(current, ident_now)
    counted_then, shown_then = _records(before, ident_then) if before else (Counter(), {})
    for key, times in (counted_now - counted_then).items():
        record = shown_now[key]
        detail = f"{record.evidence} ({record.source})" + (
            f": {record.note}" if record.note else ""
        )
        for _ in range(times):
            found.append(
                ReleaseChange(
                    "evidence-added",
                    record.interaction,
                    key[1],
                    record.curator,
                    detail,
                    record.source,
                )
            )
    for key, times in (counted_then - counted_now).items():
        record = shown_then[key]
        removal = removals.get(row_text(record))
        detail = f"added by {record.curator} on {record.date}; removal not committed by crsmap"
        if removal is not None:
            detail = f"removed in commit {removal.commit[:10]}" + (
                f": {removal.reason}" if removal.reason else ""
            )
        # Shown under the interaction's current ID when it still exists.
        display = now[key[0]].id if key[0] in now else record.interaction
        for _ in range(times):
            found.append(
                ReleaseChange(
                    "evidence-removed",
                    display,
                    key[1],
                    removal.curator if removal else "",
                    detail,
                    record.source,
                )
            )

    cited_then = {key[1] for key in counted_then}
    first_citer: dict[str, object] = {}
    for record in sorted(current.evidence, key=lambda r: (r.date, natural_key(r.interaction))):
        first_citer.setdefault(reference_key(record.reference), record)
    citations = current.citations
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


def _records(snapshot: Snapshot, ident: _Identity) -> tuple[Counter, dict]:
    """The evidence rows as a multiset of comparable keys, and one record per key."""
    counted: Counter = Counter()
    shown: dict = {}
    for r in snapshot.evidence:
        key = (ident(r.interaction), reference_key(r.reference), r.evidence, r.curator, r.date,
               r.source, r.note)  # fmt: skip
        counted[key] += 1
        shown.setdefault(key, r)
    return counted, shown


def render_changes(changes: list[ReleaseChange]) -> str:
    """``changes.tsv``: a header and one sorted line per change, every cell on one line and
    none that a spreadsheet would run as a formula (a citation comes from outside)."""
    return safe_table(COLUMNS, ([getattr(c, column) for column in COLUMNS] for c in changes))


def counts(changes: list[ReleaseChange]) -> Counter:
    """How many changes of each kind."""
    return Counter(change.kind for change in changes)


@dataclass(frozen=True)
class Contribution:
    """What one curator did to the evidence in a release."""

    added: int = 0
    imported: int = 0  # of ``added``: taken from the map's own annotations (source=map)
    removed: int = 0


def contributions(changes: list[ReleaseChange]) -> dict[str, Contribution]:
    """Evidence records added (and of those imported) and removed, by curator ORCID."""
    added = Counter(c.curator for c in changes if c.kind == "evidence-added")
    imported = Counter(
        c.curator for c in changes if c.kind == "evidence-added" and c.source == "map"
    )
    removed = Counter(c.curator for c in changes if c.kind == "evidence-removed")
    return {
        orcid: Contribution(added[orcid], imported[orcid], removed[orcid])
        for orcid in sorted(set(added) | set(removed))
    }


def removals(repo, root: Path, since: str | None, upto: str) -> dict[str, Removal]:
    """Who last removed each evidence line between two revisions (``since`` excluded).

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
    found: dict[str, Removal] = {}
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
            if line[1:].startswith("interaction\t"):
                continue
            (gone if line[0] == "-" else kept).add(line[1:].rstrip("\r"))
        for text in gone - kept:
            found.setdefault(text, Removal(orcid, sha, reason))
    return found
