"""The one write path: every writing command opens a transaction, and one curator policy."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from curation.config import Creator, Curator
from curation.errors import InputError
from curation.project import Project
from curation.transaction import CHECKPOINTS, acting_curator, on_checkpoint

from .conftest import CARBERRY, SECOND_ORCID

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def points():
    """Every checkpoint reached while the test runs, as (point, subject) pairs."""
    seen: list[tuple[str, str]] = []
    stop = on_checkpoint(lambda point, subject: seen.append((point, subject)))
    yield seen
    stop()


def names(seen, root: Path) -> list[str]:
    """The checkpoints as 'point' or 'point:file' (paths relative to the project)."""
    shown = []
    for point, subject in seen:
        if point in ("write", "written"):
            shown.append(f"{point}:{Path(subject).relative_to(root)}")
        elif point in ("lock", "locked", "committed"):
            shown.append(point)
        else:
            shown.append(f"{point}:{subject}")
    return shown


def test_evidence_add_passes_every_checkpoint_in_order(project, points):
    project.add_evidence("re5", ["pubmed:37000001"])
    assert names(points, project.root) == [
        "lock",
        "locked",
        "write:evidence.tsv",
        "written:evidence.tsv",
        "write:interactions.tsv",
        "written:interactions.tsv",
        "commit:Add evidence for re5: pubmed:37000001",
        "committed",
    ]
    assert (
        points[-1][1]
        == subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project.root, capture_output=True, text=True
        ).stdout.strip()
    )


def test_a_command_refused_before_writing_takes_no_lock_and_writes_nothing(project, points):
    with pytest.raises(InputError, match="re999"):
        project.add_evidence("re999", ["pubmed:37000001"])
    with pytest.raises(InputError, match="not a curator"):
        project.add_evidence("re5", ["pubmed:37000001"], curator=SECOND_ORCID)
    assert points == []


def test_every_writing_method_of_the_library_goes_through_the_transaction(project, points):
    """Each write happens after 'locked' and each commit names the files written before it."""
    project.add_curator(Curator("Second Curator", SECOND_ORCID))
    project.add_creator(Creator("The crsmap developers", kind="organization"))
    project.add_evidence("re12", ["pubmed:29808005"], curator=CARBERRY)
    project.import_map_references(curator=CARBERRY)
    project.set_interactions(["re12"], status="reviewed", acting=CARBERRY)
    project.annotate(curator=CARBERRY)
    project.remove_evidence("re12", "pubmed:29808005", reason="test", curator=CARBERRY)
    seen = names(points, project.root)
    commands = "|".join(seen).split("lock|locked")[1:]
    assert len(commands) == 7
    for steps in commands:
        assert "commit:" in steps and steps.rstrip("|").endswith("committed"), steps
    assert seen.count("lock") == seen.count("locked") == 7
    assert {p for p, _ in points} <= set(CHECKPOINTS)


def test_no_module_writes_project_files_or_commits_around_the_transaction():
    """Only the write path (and the few writers with a reason, below) replace files or commit."""
    allowed = {
        # the write path itself and the atomic writer it uses
        "curation/transaction.py", "curation/storage.py", "literature/files.py",
        # literature's own cache writer: fetch hands it the project lock
        "literature/cache.py",
        # `crsmap init` creates the project (and its repository) the transaction needs
        "curation/scaffold.py",
        # the git merge driver writes the file git hands it, inside git's own merge
        "curation/merge.py",
        # the parsed-map cache: derived data outside the project's files, git-ignored
        "curation/mapcache.py",
        # generates the README and docs/ of crsmap's own source tree, not a project
        "cli/docs.py",
    }  # fmt: skip
    writers = {
        "atomic_write_text",
        "atomic_write_bytes",
        "commit_paths",
        "write_text",
        "write_bytes",
    }
    offenders = []
    for package in ("curation", "literature", "cli"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in writers:
                        offenders.append(f"{relative}:{node.lineno} {name}")
    assert offenders == []


# --- the acting-curator policy -----------------------------------------------------------


@pytest.fixture
def two_curators(project):
    project.add_curator(Curator("Second Curator", SECOND_ORCID, "second@example.org"))
    return Project.open(project.root)


def test_an_explicit_curator_must_be_registered_even_when_none_is_required(project):
    with pytest.raises(InputError, match=f"--curator {SECOND_ORCID} is not a curator"):
        project.acting_curator(SECOND_ORCID, required=False)


def test_crsmap_curator_is_strict_when_a_curator_is_required(project, monkeypatch):
    monkeypatch.setenv("CRSMAP_CURATOR", SECOND_ORCID)
    with pytest.raises(InputError, match=f"CRSMAP_CURATOR {SECOND_ORCID} is not a curator"):
        project.acting_curator()
    # A release or fetch in CI (no curator required) passes it over rather than guess.
    assert project.acting_curator(required=False) is None


def test_crsmap_curator_naming_the_curator_being_added_does_not_stop_the_addition(
    project, monkeypatch
):
    monkeypatch.setenv("CRSMAP_CURATOR", SECOND_ORCID)
    change = project.add_curator(Curator("Second Curator", SECOND_ORCID))
    assert change.commit and Project.open(project.root).config.curator(SECOND_ORCID)


def test_the_policy_order_flag_then_environment_then_git_email_then_the_only_curator(
    two_curators, monkeypatch
):
    root, config = two_curators.root, two_curators.config
    monkeypatch.delenv("CRSMAP_CURATOR", raising=False)
    with pytest.raises(InputError, match=r"2 curators in crsmap\.toml and none matches"):
        acting_curator(config, root)
    assert acting_curator(config, root, required=False) is None
    fallback = config.curator(CARBERRY)
    assert acting_curator(config, root, fallback=fallback) == fallback
    subprocess.run(["git", "config", "user.email", "SECOND@example.org"], cwd=root, check=True)
    assert acting_curator(config, root).orcid == SECOND_ORCID  # email, case-insensitive
    monkeypatch.setenv("CRSMAP_CURATOR", CARBERRY)
    assert acting_curator(config, root).orcid == CARBERRY  # the environment beats git
    assert acting_curator(config, root, SECOND_ORCID).orcid == SECOND_ORCID  # the flag beats both
