"""Provenance from git: which release an interaction or record first appeared in, when it
last changed, and who changed it in which commit.

Nothing here is written to the project: it is derived from the version tags and the
ledgers' history, so it can never disagree with the repository. What is derived from
tagged commits, which never change, is kept in ``.crsmap-cache/releases/`` (each release's
state, and the history of each list of releases), and derived again when missing.
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

    @property
    def summary(self) -> ReleaseSummary:
        """The release's coverage and records per curator, without its records."""
        return ReleaseSummary(
            self.version, self.date, len(self.interactions), self.with_evidence,
            dict(self.records_by_curator),
        )  # fmt: skip


@dataclass(frozen=True)
class ReleaseSummary:
    """What the report shows of one release: its coverage and its records per curator."""

    version: str
    date: str
    interaction_count: int
    with_evidence: int
    records_by_curator: dict[str, int]


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


# The modules that derive a release's state, and so its history, from a tagged commit.
_STATE_CODE = ("provenance", "ledger", "snapshot", "config")


def tagged_releases(repo) -> list[tuple[str, object]]:
    """(version, tagged commit) of every release, oldest first."""
    return [(version, tag.commit) for _, version, tag in version_tags(repo)]


def release_states(repo, root: Path) -> list[ReleaseState]:
    """States of every release, oldest first."""
    from .collector import collector_paused

    tagged = tagged_releases(repo)
    with collector_paused():  # each state: thousands of small objects and no cycle
        return [tagged_state(repo, root, version, commit) for version, commit in tagged]


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
        digest = code_digest(*_STATE_CODE)
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
        _fold(result, previous, state)
        previous = state.interactions
    return result


def _fold(result: Lineage, previous: dict[str, tuple], state: ReleaseState) -> None:
    """Add the release ``state`` to ``result``; ``previous`` is the release before it's."""
    for key in state.evidence:
        result.first_evidence.setdefault(key, state.version)
    for interaction, current in state.interactions.items():
        result.first_interaction.setdefault(interaction, state.version)
        if previous.get(interaction) != current:
            result.last_changed[interaction] = state.version


@dataclass
class History:
    """Every release so far, oldest first, summarised, and their lineage."""

    releases: list[ReleaseSummary] = field(default_factory=list)
    lineage: Lineage = field(default_factory=Lineage)

    def then(self, previous: ReleaseState | None, state: ReleaseState) -> History:
        """This history with one more release, ``state``; ``previous`` is the last one's."""
        folded = Lineage(
            dict(self.lineage.first_evidence),
            dict(self.lineage.first_interaction),
            dict(self.lineage.last_changed),
        )
        _fold(folded, previous.interactions if previous else {}, state)
        return History([*self.releases, state.summary], folded)


HISTORY_KEEP = 8  # history entries kept: the last few releases' (one per release)


def release_history(repo, root: Path, tagged: list[tuple[str, object]] | None = None) -> History:
    """The history of the releases ``tagged`` ((version, tagged commit), oldest first; by
    default every release, :func:`tagged_releases`).

    Kept in ``.crsmap-cache/releases/`` under a digest of that list, so that a report,
    a release or a bundle reads one entry however many releases came before: the history
    of the first n - 1 releases plus the states of the last two, when the whole list has
    no entry yet (after a new release), or every state only when neither has one.
    """
    if tagged is None:
        tagged = tagged_releases(repo)
    if not tagged:
        return History()
    from .collector import collector_paused

    with collector_paused():
        history = _load_history(root, tagged)
        if history is not None:
            return history
        shorter = _load_history(root, tagged[:-1]) if len(tagged) > 1 else History()
        if shorter is not None:
            previous = tagged_state(repo, root, *tagged[-2]) if len(tagged) > 1 else None
            history = shorter.then(previous, tagged_state(repo, root, *tagged[-1]))
        else:
            states = [tagged_state(repo, root, version, commit) for version, commit in tagged]
            history = History([state.summary for state in states], lineage(states))
        store_history(root, tagged, history)
    return history


def _history_entry(root: Path, tagged: list[tuple[str, object]]) -> Path | None:
    import hashlib

    from .mapcache import cache_folder, code_digest

    folder = cache_folder(root)
    if folder is None:
        return None
    listed = "".join(f"{version} {_sha(commit)}\n" for version, commit in tagged)
    digest = hashlib.sha256(listed.encode()).hexdigest()[:32]
    code = code_digest(*_STATE_CODE)
    return folder / "releases" / f"history-{digest}-{code}.bin"


def _sha(commit) -> str:
    return commit if isinstance(commit, str) else commit.hexsha


def store_history(root: Path, tagged: list[tuple[str, object]], history: History) -> None:
    """Keep ``history`` as the history of ``tagged`` (see :func:`release_history`)."""
    from .mapcache import shared, write_value

    entry = _history_entry(root, tagged)
    if entry is None:
        return
    releases = history.releases
    by_curator = [
        (index, curator, count)
        for index, release in enumerate(releases)
        for curator, count in release.records_by_curator.items()
    ]
    first_evidence = history.lineage.first_evidence.items()
    value = (
        "history",
        (tuple(version for version, _ in tagged), tuple(_sha(c) for _, c in tagged)),
        (
            tuple(r.version for r in releases),
            tuple(r.date for r in releases),
            tuple(r.interaction_count for r in releases),
            tuple(r.with_evidence for r in releases),
        ),
        shared(tuple(zip(*by_curator, strict=True)) or ((), (), ())),
        shared(
            (
                tuple(i for (i, _), _ in first_evidence),
                tuple(r for (_, r), _ in first_evidence),
                tuple(v for _, v in first_evidence),
            )
        ),
        shared(
            (
                tuple(history.lineage.first_interaction),
                tuple(history.lineage.first_interaction.values()),
            )
        ),
        shared((tuple(history.lineage.last_changed), tuple(history.lineage.last_changed.values()))),
    )
    write_value(entry, value, keep=HISTORY_KEEP, like="history-*.bin")


def _load_history(root: Path, tagged: list[tuple[str, object]]) -> History | None:
    """The stored history of ``tagged``, checked; None when missing or damaged."""
    from .mapcache import check_columns, read_value

    entry = _history_entry(root, tagged)
    if entry is None:
        return None
    try:
        kind, tags, releases, by_curator, first_evidence, first, last = read_value(entry)
        if kind != "history":
            return None
        versions, shas = check_columns(tags, ("text", "text"))
        if list(zip(versions, shas, strict=True)) != [(v, _sha(c)) for v, c in tagged]:
            return None
        names, dates, counts, covered = check_columns(releases, ("text", "text", "int", "int"))
        indexes, curators, records = check_columns(by_curator, ("int", "text", "int"))
        interactions, references, evidence_versions = check_columns(
            first_evidence, ("text", "text", "text")
        )
        first_keys, first_versions = check_columns(first, ("text", "text"))
        last_keys, last_versions = check_columns(last, ("text", "text"))
    except (ValueError, TypeError):  # None, or a value of another shape
        return None
    if len(names) != len(tagged) or not set(indexes) <= set(range(len(names))):
        return None
    per_release: list[dict[str, int]] = [{} for _ in names]
    for index, curator, count in zip(indexes, curators, records, strict=True):
        per_release[index][curator] = count
    summaries = list(map(ReleaseSummary, names, dates, counts, covered, per_release))
    return History(
        summaries,
        Lineage(
            dict(zip(zip(interactions, references, strict=True), evidence_versions, strict=True)),
            dict(zip(first_keys, first_versions, strict=True)),
            dict(zip(last_keys, last_versions, strict=True)),
        ),
    )


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
