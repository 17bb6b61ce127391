"""The ledger merge driver: record-level three-way merges, alone and run by git itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from curation.ledger import EVIDENCE_COLUMNS
from curation.merge import FORMATS, merge_texts

from .conftest import CARBERRY

HEADER = "\t".join(EVIDENCE_COLUMNS)


def row(interaction, reference, note=""):
    return f"{interaction}\t{reference}\tECO:0000269\t{CARBERRY}\t2026-01-01\tmanual\t{note}"


def text(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


def merge(base, ours, theirs):
    return merge_texts(base, ours, theirs, FORMATS["evidence.tsv"])


def test_additions_on_both_sides_merge_cleanly_and_sorted():
    base = text(row("re1", "pubmed:1"), row("re9", "pubmed:9"))
    ours = text(row("re1", "pubmed:1"), row("re2", "pubmed:2"), row("re9", "pubmed:9"))
    theirs = text(row("re1", "pubmed:1"), row("re9", "pubmed:9"), row("re10", "pubmed:10"))
    merged, conflicts = merge(base, ours, theirs)
    assert conflicts == 0
    assert merged == text(
        row("re1", "pubmed:1"),
        row("re2", "pubmed:2"),
        row("re9", "pubmed:9"),
        row("re10", "pubmed:10"),
    )


def test_removals_and_one_sided_changes_win():
    base = text(row("re1", "pubmed:1"), row("re2", "pubmed:2"), row("re3", "pubmed:3"))
    ours = text(row("re1", "pubmed:1", "checked"), row("re2", "pubmed:2"), row("re3", "pubmed:3"))
    theirs = text(row("re1", "pubmed:1"), row("re3", "pubmed:3"))
    merged, conflicts = merge(base, ours, theirs)
    assert conflicts == 0
    assert merged == text(row("re1", "pubmed:1", "checked"), row("re3", "pubmed:3"))


def test_the_same_record_changed_differently_is_a_conflict_around_that_record_only():
    base = text(row("re1", "pubmed:1"), row("re2", "pubmed:2"))
    ours = text(row("re1", "pubmed:1", "ours"), row("re2", "pubmed:2"))
    theirs = text(row("re1", "pubmed:1", "theirs"), row("re2", "pubmed:2"), row("re3", "pubmed:3"))
    merged, conflicts = merge(base, ours, theirs)
    assert conflicts == 1
    assert merged.splitlines() == [
        HEADER, "<<<<<<< ours", row("re1", "pubmed:1", "ours"), "=======", row("re1", "pubmed:1", "theirs"),
        ">>>>>>> theirs", row("re2", "pubmed:2"), row("re3", "pubmed:3"),
    ]  # fmt: skip


def test_removed_on_one_side_changed_on_the_other_is_a_conflict():
    base = text(row("re1", "pubmed:1"))
    merged, conflicts = merge(base, text(), text(row("re1", "pubmed:1", "edited")))
    assert conflicts == 1 and "<<<<<<< ours\n=======\n" in merged


def test_literature_cache_lines_merge_by_id():
    fmt = FORMATS["literature.jsonl"]
    base = '{"id": "pubmed:1", "title": "a"}\n'
    ours = base + '{"id": "pubmed:2", "title": "b"}\n'
    theirs = '{"id": "doi:10.1/x", "title": "c"}\n' + base
    merged, conflicts = merge_texts(base, ours, theirs, fmt)
    assert conflicts == 0
    assert [line.split('"')[3] for line in merged.splitlines()] == [
        "doi:10.1/x",
        "pubmed:1",
        "pubmed:2",
    ]


# --- with git itself ------------------------------------------------------------------------------


def git(root: Path, *args, check=True):
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=root,
                          capture_output=True, text=True, check=check)  # fmt: skip


@pytest.fixture
def on_path(monkeypatch):
    """git runs the driver as `crsmap merge-driver ...`: put this crsmap on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def test_two_curators_on_branches_merge_without_conflicts(crsmap, project, on_path):
    root = project.root
    config = git(root, "config", "merge.crsmap.driver").stdout.strip()
    assert config == "crsmap merge-driver %O %A %B %P"
    assert "evidence.tsv text eol=lf merge=crsmap" in (root / ".gitattributes").read_text()
    crsmap("import")
    git(root, "checkout", "-q", "-b", "ada")
    assert crsmap("evidence", "add", "re12", "pubmed:29808005").exit_code == 0
    git(root, "checkout", "-q", "main")
    # The same spot of the sorted ledger: git's line merge would conflict here.
    assert crsmap("evidence", "add", "re12", "pubmed:32826331").exit_code == 0
    assert crsmap("evidence", "add", "re18", "pubmed:32826331").exit_code == 0
    # The control: git's own line merge of the same three versions conflicts.
    versions = []
    for rev in (git(root, "merge-base", "main", "ada").stdout.strip(), "main", "ada"):
        path = root.parent / f"control-{len(versions)}"
        path.write_text(git(root, "show", f"{rev}:evidence.tsv").stdout)
        versions.append(path)
    plain = subprocess.run(["git", "merge-file", "-p", str(versions[1]), str(versions[0]), str(versions[2])],
                           capture_output=True, text=True)  # fmt: skip
    assert plain.returncode > 0 and "<<<<<<<" in plain.stdout
    merged = git(root, "merge", "--no-edit", "ada", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    ledger = (root / "evidence.tsv").read_text()
    for pair in ("re12\tpubmed:29808005", "re12\tpubmed:32826331", "re18\tpubmed:32826331"):
        assert pair in ledger
    assert "<<<<<<<" not in ledger
    assert crsmap("audit", "--rule", "invalid-record").exit_code == 0
    lines = ledger.splitlines()[1:]
    assert lines == sorted(lines, key=lambda line: (int(line.split("\t")[0][2:]), line))


def test_the_same_record_changed_on_both_branches_conflicts_on_that_record(
    crsmap, project, on_path
):
    root = project.root
    crsmap("import")
    git(root, "checkout", "-q", "-b", "other")
    assert crsmap("interactions", "set", "re1", "--license", "CC0-1.0").exit_code == 0
    assert crsmap("interactions", "set", "re2", "--status", "reviewed").exit_code == 0
    git(root, "checkout", "-q", "main")
    assert crsmap("interactions", "set", "re1", "--license", "CC-BY-3.0").exit_code == 0
    merged = git(root, "merge", "--no-edit", "other", check=False)
    assert merged.returncode != 0
    lines = (root / "interactions.tsv").read_text().splitlines()
    start = lines.index("<<<<<<< ours")
    assert lines[start + 1].startswith("re1\t") and "CC-BY-3.0" in lines[start + 1]
    assert lines[start + 2] == "=======" and "CC0-1.0" in lines[start + 3]
    assert lines[start + 4] == ">>>>>>> theirs"
    assert sum(1 for line in lines if line.startswith("<<<<<<<")) == 1
    re2 = next(line for line in lines if line.startswith("re2\t"))
    assert "\treviewed\t" in re2  # the other branch's change to another record merged


def test_merge_driver_command_and_install(crsmap, project, tmp_path):
    base, ours, theirs = (tmp_path / n for n in ("o", "a", "b"))
    base.write_text(text(row("re1", "pubmed:1")))
    ours.write_text(text(row("re1", "pubmed:1"), row("re2", "pubmed:2")))
    theirs.write_text(text(row("re0", "pubmed:5"), row("re1", "pubmed:1")))
    result = crsmap("merge-driver", str(base), str(ours), str(theirs), "evidence.tsv")
    assert result.exit_code == 0, result.output
    assert ours.read_text() == text(
        row("re0", "pubmed:5"), row("re1", "pubmed:1"), row("re2", "pubmed:2")
    )
    subprocess.run(
        ["git", "config", "--unset", "merge.crsmap.driver"], cwd=project.root, check=True
    )
    assert crsmap("merge-driver", "install").exit_code == 0
    assert (
        git(project.root, "config", "merge.crsmap.driver").stdout.strip()
        == "crsmap merge-driver %O %A %B %P"
    )
    bad = crsmap("merge-driver", "only-one")
    assert bad.exit_code == 2 and "expected `crsmap merge-driver install`" in bad.stderr
