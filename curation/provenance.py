"""Provenance from git: which release an interaction or record first appeared in, when it
last changed, and who changed it in which commit.

Nothing here is stored: it is computed from the version tags and the ledgers' history, so
it can never disagree with the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .gitrepo import commit_day
from .identifiers import reference_key
from .ledger import EVIDENCE_COLUMNS, EVIDENCE_FILE, INTERACTION_COLUMNS, INTERACTIONS_FILE
from .snapshot import Snapshot, at_revision, prefix_in_repo, version_tags


@dataclass
class ReleaseState:
    """What one release held: evidence keys, and each interaction's curated state."""

    version: str
    evidence: set[tuple[str, str]]
    interactions: dict[str, tuple]
    records_by_curator: dict[str, int] = field(default_factory=dict)
    date: str = ""

    @property
    def with_evidence(self) -> int:
        """Interactions of the map that have at least one evidence record."""
        return sum(1 for state in self.interactions.values() if state[1])


def state_of(version: str, snapshot: Snapshot, date: str = "") -> ReleaseState:
    """Summarise a snapshot for comparisons between releases."""
    evidence = {(r.interaction, reference_key(r.reference)) for r in snapshot.evidence}
    refs: dict[str, set[str]] = {}
    for interaction, reference in evidence:
        refs.setdefault(interaction, set()).add(reference)
    rows = {r.interaction: r for r in snapshot.rows}
    states = {}
    for interaction in snapshot.interactions.values():
        row = rows.get(interaction.id)
        provenance = (row.curator, row.license, row.derived_from, row.status) if row else ()
        states[interaction.id] = (
            interaction.signature,
            frozenset(refs.get(interaction.id, ())),
            provenance,
        )
    by_curator: dict[str, int] = {}
    for record in snapshot.evidence:
        by_curator[record.curator] = by_curator.get(record.curator, 0) + 1
    return ReleaseState(version, evidence, states, dict(sorted(by_curator.items())), date)


def release_states(repo, root: Path) -> list[ReleaseState]:
    """States of every release, oldest first."""
    from .collector import collector_paused

    tags = version_tags(repo)
    with collector_paused():  # each state: thousands of small objects and no cycle
        return [tagged_state(repo, root, version, tag.commit) for _, version, tag in tags]


def tagged_state(repo, root: Path, version: str, commit, snapshot: Snapshot | None = None):
    """The state of the release tagged on ``commit``: from the cache, or read and stored.

    A tagged commit never changes, so its state is kept in ``.crsmap-cache/releases/``
    under the commit's id and a digest of the code that derives it; release, report and
    show then cost the same after ten releases as after one. ``snapshot`` is that commit's
    content when the caller already has it.
    """
    from .mapcache import cache_folder, code_digest

    folder = cache_folder(root)
    entry = None
    if folder is not None:
        digest = code_digest("provenance", "ledger", "snapshot", "config")
        entry = folder / "releases" / f"{commit.hexsha}-{digest}.bin"
        state = _load_state(entry, version)
        if state is not None:
            return state
    if snapshot is None:
        snapshot = at_revision(repo, root, commit.hexsha)
    state = state_of(version, snapshot, commit_day(commit))
    if entry is not None:
        _store_state(entry, state)
    return state


def _load_state(entry: Path, version: str) -> ReleaseState | None:
    """A stored state, checked; None when missing, damaged or of another version."""
    from .mapcache import check_columns, read_value

    try:
        kind, stored_version, date, evidence, interactions, by_curator = read_value(entry)
        if kind != "release" or stored_version != version or type(date) is not str:
            return None
        interaction, reference = check_columns(evidence, ("text", "text"))
        keys, signatures, references, provenance = check_columns(
            interactions, ("text", "text", "texts", "texts")
        )
        curators, counts = check_columns(by_curator, ("text", "int"))
    except (ValueError, TypeError):  # None, or a value of another shape
        return None
    if set(map(len, provenance)) - {0, 4}:
        return None
    states = zip(signatures, map(frozenset, references), provenance, strict=True)
    return ReleaseState(
        version,
        set(zip(interaction, reference, strict=True)),
        dict(zip(keys, states, strict=True)),
        dict(zip(curators, counts, strict=True)),
        date,
    )


def _store_state(entry: Path, state: ReleaseState) -> None:
    """Write a state as the cache's checked marshal columns; any failure leaves no entry."""
    from .mapcache import shared, write_value

    evidence = sorted(state.evidence)
    states = state.interactions.values()  # (signature, references, provenance) each
    value = (
        "release",
        state.version,
        state.date,
        shared((tuple(i for i, _ in evidence), tuple(r for _, r in evidence))),
        shared(
            (
                tuple(state.interactions),
                tuple(signature for signature, _, _ in states),
                tuple(tuple(sorted(references)) for _, references, _ in states),
                tuple(tuple(provenance) for _, _, provenance in states),
            )
        ),
        (tuple(state.records_by_curator), tuple(state.records_by_curator.values())),
    )
    write_value(entry, value)


@dataclass
class Lineage:
    """When each evidence record and interaction first appeared, and each last changed.

    ``first_release`` of records and interactions, ``last_changed`` of interactions.
    """

    first_evidence: dict[tuple[str, str], str] = field(default_factory=dict)
    first_interaction: dict[str, str] = field(default_factory=dict)
    last_changed: dict[str, str] = field(default_factory=dict)


def lineage(states: list[ReleaseState]) -> Lineage:
    """Fold release states, oldest first, into first and last releases."""
    result = Lineage()
    previous: dict[str, tuple] = {}
    for state in states:
        for key in state.evidence:
            result.first_evidence.setdefault(key, state.version)
        for interaction, current in state.interactions.items():
            result.first_interaction.setdefault(interaction, state.version)
            if previous.get(interaction) != current:
                result.last_changed[interaction] = state.version
        previous = state.interactions
    return result


@dataclass(frozen=True)
class HistoryEntry:
    """One commit that touched an interaction's evidence or provenance rows."""

    commit: str
    author: str
    email: str
    date: str
    subject: str
    release: str | None
    changes: tuple[str, ...]


def history(repo, root: Path, interaction_id: str) -> list[HistoryEntry]:
    """Every commit that changed the interaction's ledger rows, newest first.

    Author names and subjects are whatever git holds (commits made outside crsmap too), so
    the log is split on NUL, the one byte git keeps out of names, messages and text diffs.
    """
    prefix = prefix_in_repo(repo, root)
    paths = [str(prefix / EVIDENCE_FILE), str(prefix / INTERACTIONS_FILE)]
    log = repo.git.log(
        "--format=%x00%H%x00%an%x00%ae%x00%aI%x00%s%x00", "-p", "--unified=0", "--no-color",
        "--no-ext-diff", "--no-renames", "--", *paths,
    )  # fmt: skip
    released = _release_of_commits(repo)
    entries = []
    fields = log.split("\x00")[1:]
    for start in range(0, len(fields) - 5, 6):
        sha, author, email, date, subject, diff = fields[start : start + 6]
        changes = _changes(diff, interaction_id)
        if changes:
            entries.append(
                HistoryEntry(sha, author, email, date, subject, released.get(sha), tuple(changes))
            )
    return entries


def _diff_rows(diff: str, interaction_id: str) -> tuple[dict, dict]:
    """Rows of one interaction removed and added in a ``--unified=0`` diff, by ledger file."""
    current, in_header = "", False
    removed: dict[str, list[list[str]]] = {}
    added: dict[str, list[list[str]]] = {}
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            in_header = True
            continue
        if in_header:  # file headers run up to the first hunk; a row may start with "---"
            if line.startswith("+++ "):
                current = INTERACTIONS_FILE if line.endswith(INTERACTIONS_FILE) else EVIDENCE_FILE
            in_header = not line.startswith("@@")
            continue
        if not line or line[0] not in "+-":
            continue
        cells = line[1:].split("\t")
        if (
            cells[0] != interaction_id
            or cells == list(EVIDENCE_COLUMNS)
            or cells == list(INTERACTION_COLUMNS)
        ):
            continue
        (added if line[0] == "+" else removed).setdefault(current, []).append(cells)
    return removed, added


def _changes(diff: str, interaction_id: str) -> list[str]:
    """Human-readable changes to one interaction's rows in a ``--unified=0`` diff.

    Rows are read as committed, which may be by hand: a row with too few cells is
    described by what it has.
    """
    removed, added = _diff_rows(diff, interaction_id)
    changes = []
    old_evidence, new_evidence = removed.get(EVIDENCE_FILE, []), added.get(EVIDENCE_FILE, [])
    for row in old_evidence:
        if row not in new_evidence:
            changes.append(f"evidence removed: {_cell(row, 1)}")
    for row in new_evidence:
        if row not in old_evidence:
            changes.append(f"evidence added: {_cell(row, 1)}")
    old_rows, new_rows = removed.get(INTERACTIONS_FILE, []), added.get(INTERACTIONS_FILE, [])
    if new_rows and not old_rows:
        changes.append("curated: " + _row_text(new_rows[0]))
    elif old_rows and not new_rows:
        changes.append("provenance row removed")
    elif old_rows and new_rows:
        before, after = old_rows[0], new_rows[0]
        for index, name in enumerate(INTERACTION_COLUMNS[1:-1], start=1):
            old, new = _cell(before, index, ""), _cell(after, index, "")
            if old != new:
                changes.append(f"{name}: {old or '-'} -> {new or '-'}")
    return changes


def _cell(cells: list[str], index: int, missing: str = "?") -> str:
    return cells[index] if index < len(cells) else missing


def _row_text(row: list[str]) -> str:
    cells = dict(zip(INTERACTION_COLUMNS, row, strict=False))
    return f"curator {cells.get('curator') or '-'}, license {cells.get('license') or '-'}, status {cells.get('status')}"


def _release_of_commits(repo) -> dict[str, str]:
    """The first release each commit went out in."""
    released: dict[str, str] = {}
    for _, version, tag in version_tags(repo):
        for sha in repo.git.rev_list(tag.commit.hexsha).split():
            released.setdefault(sha, version)
    return released
