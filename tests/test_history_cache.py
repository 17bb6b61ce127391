"""The release history kept in .crsmap-cache/releases/: one entry per list of release tags.

A report, a release and a bundle read the history of every earlier release (coverage per
release, records per curator, the first release of each interaction). It is stored under
a digest of the (version, tagged commit) list, so they read one entry however many
releases came before; after a new release, the entry of the list without it and the
states of the last two releases are enough to fold it in. None of this may change a
result: the history must be the fold of the release states, as it was before it was kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

from cli.main import cli
from curation import mapcache, provenance
from curation.provenance import (
    History,
    lineage,
    release_history,
    release_states,
    tagged_releases,
)

CARBERRY = "0000-0002-1825-0097"


def _tagged(root: Path) -> list[tuple[str, object]]:
    return tagged_releases(git.Repo(root))


def _folded(root: Path) -> History:
    """The history as the release states give it, each read from its commit (no cache)."""
    states = release_states(git.Repo(root), root)
    return History([state.summary for state in states], lineage(states))


def _history_entries(root: Path) -> list[Path]:
    return sorted((root / mapcache.CACHE_DIR / "releases").glob("history-*.bin"))


@pytest.fixture
def released(runner, tmp_path, monkeypatch) -> Path:
    """The demo project (release 1.0.0) with releases 1.1.0 and 1.2.0, each with new evidence."""
    done = runner.invoke(cli, ["demo", str(tmp_path / "d")])
    assert done.exit_code == 0, done.output
    root = tmp_path / "d" / "crs-map"
    for n, pmid in ((1, "28600001"), (2, "28600002")):
        for args in (
            ["evidence", "add", f"re{n}", f"pubmed:{pmid}", "--curator", CARBERRY],
            ["release", f"1.{n}.0", "--allow-warnings", "--allow-unfetched"],
        ):
            result = runner.invoke(cli, ["--project", str(root), *args])
            assert result.exit_code == 0, result.output
    return root


def _counting(monkeypatch) -> dict[str, int]:
    """Counts of release states derived or loaded (``tagged_state``) during a test."""
    calls = {"states": 0}
    original = provenance.tagged_state

    def counted(*args, **kwargs):
        calls["states"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(provenance, "tagged_state", counted)
    return calls


def test_the_kept_history_is_the_fold_of_the_release_states(released, monkeypatch):
    monkeypatch.setenv("CRSMAP_CACHE", "off")
    expected = _folded(released)
    assert [r.version for r in expected.releases] == ["1.0.0", "1.1.0", "1.2.0"]
    assert release_history(git.Repo(released), released, _tagged(released)) == expected
    monkeypatch.delenv("CRSMAP_CACHE")
    repo = git.Repo(released)
    shutil.rmtree(released / mapcache.CACHE_DIR)
    assert release_history(repo, released, _tagged(released)) == expected  # derived, stored
    assert _history_entries(released)
    assert release_history(repo, released, _tagged(released)) == expected  # loaded
    # what the report shows of it: coverage per release and the first releases
    assert expected.lineage.first_evidence[("re1", "pubmed:28600001")] == "1.1.0"
    assert expected.lineage.last_changed["re2"] == "1.2.0"
    assert expected.releases[-1].records_by_curator[CARBERRY] >= 2


def test_a_release_keeps_the_history_so_the_next_report_reads_no_release_state(
    released, runner, monkeypatch
):
    calls = _counting(monkeypatch)
    page = released / "dist" / "again.html"
    result = runner.invoke(cli, ["--project", str(released), "report", "--output", str(page)])
    assert result.exit_code == 0, result.output
    assert calls["states"] == 0  # the history of all three releases, stored by release 1.2.0


def test_after_a_new_release_only_the_last_two_states_are_read(released, monkeypatch):
    repo, tagged = git.Repo(released), _tagged(released)
    expected = release_history(repo, released, tagged)
    entry = provenance._history_entry(released, tagged)
    entry.unlink()  # as if release 1.2.0 had been cut by a crsmap that kept no history
    assert provenance._history_entry(released, tagged[:-1]).exists()
    calls = _counting(monkeypatch)
    assert release_history(repo, released, tagged) == expected
    assert calls["states"] == 2  # 1.1.0 (what 1.2.0 changed) and 1.2.0: not 1.0.0
    assert entry.exists()


def test_a_damaged_history_entry_is_derived_again(released, monkeypatch):
    repo, tagged = git.Repo(released), _tagged(released)
    expected = release_history(repo, released, tagged)
    entry = provenance._history_entry(released, tagged)
    entry.write_bytes(entry.read_bytes()[:-7])  # fails its checksum
    assert release_history(repo, released, tagged) == expected
    value = list(mapcache.read_value(entry))  # stored again, whole
    assert value[0] == "history"
    value[3] = ((0, 99), ("a", "b"), (1, 2))  # records of a release that is not there
    mapcache.write_value(entry, tuple(value))
    assert release_history(repo, released, tagged) == expected


def test_a_tag_moved_to_another_commit_is_another_history(released, monkeypatch):
    repo = git.Repo(released)
    before = release_history(repo, released, _tagged(released))
    repo.git.tag("-d", "v1.2.0")
    repo.git.tag("v1.2.0", "v1.1.0^{commit}")  # 1.2.0 now names 1.1.0's commit
    moved = release_history(repo, released, _tagged(released))
    monkeypatch.setenv("CRSMAP_CACHE", "off")
    assert moved == _folded(released) != before
    assert moved.releases[2].with_evidence == moved.releases[1].with_evidence


def test_a_release_report_from_the_states_is_the_one_from_the_kept_history(released):
    import datetime as dt

    from curation.report import for_release
    from curation.snapshot import at_revision

    repo, tagged = git.Repo(released), _tagged(released)
    snapshot = at_revision(repo, released, tagged[-1][1].hexsha, layouts=True)
    day = dt.date(2026, 1, 1)
    from_states = for_release(snapshot, "1.2.0", day, release_states(repo, released))
    kept = for_release(snapshot, "1.2.0", day, release_history(repo, released, tagged))
    assert from_states == kept
    assert [r.version for r in kept.releases] == ["1.0.0", "1.1.0", "1.2.0"]
