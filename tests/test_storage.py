"""Atomic writes and the project lock."""

import os

import pytest
from filelock import FileLock

from curation.storage import LOCK_NAME, TEMP_PREFIX, atomic_write_text

from .conftest import snapshot


def test_atomic_write_replaces_whole_file_and_keeps_mode(tmp_path):
    path = tmp_path / "evidence.tsv"
    path.write_text("old\n")
    path.chmod(0o640)
    atomic_write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["evidence.tsv"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "evidence.tsv"
    path.write_text("old\n")

    def crash(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_text(path, "new\n")
    assert path.read_text() == "old\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_held_lock_makes_a_writer_wait_then_give_up_with_exit_3(crsmap, project, monkeypatch):
    monkeypatch.setenv("CRSMAP_LOCK_TIMEOUT", "0.2")
    before = snapshot(project.root)
    with FileLock(str(project.root / LOCK_NAME)):
        result = crsmap("evidence", "add", "re12", "pubmed:29808005")
    assert result.exit_code == 3
    assert "another crsmap process holds" in result.stderr
    assert snapshot(project.root) == before
    assert crsmap("evidence", "add", "re12", "pubmed:29808005").exit_code == 0


def test_bad_lock_timeout_is_exit_2(crsmap, monkeypatch):
    monkeypatch.setenv("CRSMAP_LOCK_TIMEOUT", "soon")
    result = crsmap("evidence", "add", "re12", "pubmed:29808005")
    assert result.exit_code == 2 and "CRSMAP_LOCK_TIMEOUT='soon'" in result.stderr


def test_a_cache_entry_is_written_atomically_without_waiting_for_the_disk(tmp_path, monkeypatch):
    """Project files are fsynced (file and folder); a cache entry, checked on load and
    rebuilt when lost, is not: a read command does not wait for the disk."""
    from literature.files import atomic_write_bytes

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    atomic_write_bytes(tmp_path / "ledger.tsv", b"a\n")
    assert len(synced) == 2
    atomic_write_bytes(tmp_path / "entry.bin", b"b\n", durable=False)
    assert len(synced) == 2
    assert (tmp_path / "entry.bin").read_bytes() == b"b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.bin", "ledger.tsv"]
