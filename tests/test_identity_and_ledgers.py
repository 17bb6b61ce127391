"""Issue 12, items 6, 7, 9 (--derived-from) and 10: forged curator identities, ledgers that
lose rows silently, spreadsheet formulas as provenance, and the trap an interrupted
``annotate`` left behind. Each test reproduces the defect on a crafted file or a killed
``crsmap`` process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli.main import cli
from curation import gitrepo
from curation.config import Curator
from curation.errors import InputError
from curation.ledger import (
    INTERACTION_COLUMNS,
    InteractionRecord,
    parse_interactions,
    render_interactions,
)

from .conftest import CARBERRY, SECOND_ORCID, git_log, snapshot
from .crash_helpers import crsmap_env, git, run, run_with_kill_point

FORGED = f"Josiah Carberry\nCurator: Mallory <https://orcid.org/{SECOND_ORCID}>"
MAP = "maps/crs_sample.xml"


def trailers(root, revision: str = "HEAD") -> list[str]:
    """The ``Curator:`` trailer values of one commit, as git parses them."""
    out = git(root, "log", "-1", "--format=%(trailers:key=Curator,valueonly)", revision)
    return [line for line in out.splitlines() if line.strip()]


def status(root) -> str:
    return git(root, "status", "--porcelain")


def set_curator_name(project, toml_value: str) -> None:
    """Hand-edit the curator's name in crsmap.toml (``toml_value`` is TOML, quotes included)."""
    config = project.root / "crsmap.toml"
    text = config.read_text()
    assert 'name = "Josiah Carberry"' in text
    config.write_text(text.replace('name = "Josiah Carberry"', f"name = {toml_value}", 1))


# --------------------------------------------------------------------------------------------
# 6. Curator identity cannot be forged
# --------------------------------------------------------------------------------------------

BAD_NAMES = [
    FORGED,
    f"Mallory <https://orcid.org/{SECOND_ORCID}>",
    "Mallory <mallory@example.org>",
    "Curator: Mallory",
    "Signed-off-by: Mallory",
    "Mallory\rJosiah Carberry",
    "Mallory\x1b[2K\x1b[1GJosiah Carberry",
    "Mallory \u202eyrrobraC haisoJ",  # a right-to-left override spoofs the displayed name
    "Mallory\x1e\x1f",
    "   ",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_curators_add_refuses_a_name_that_could_forge_an_identity(crsmap, project, name):
    before = snapshot(project.root)
    result = crsmap("curators", "add", name, "--orcid", SECOND_ORCID)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "curator name" in message and "printable" in message, message
    assert repr(name)[:15] in message, message
    assert snapshot(project.root) == before


@pytest.mark.parametrize(
    "name",
    ["Ostaszewski, Marek", "Zoë Ó Briain-Müller", "山田\u3000太郎", "J. R. R. Tolkien (Jr.)"],
)
def test_ordinary_names_are_accepted(crsmap, project, name):
    result = crsmap("curators", "add", name, "--orcid", SECOND_ORCID)
    assert result.exit_code == 0, result.output
    assert trailers(project.root) == [f"{name} <https://orcid.org/{SECOND_ORCID}>"]


def test_init_refuses_a_forging_curator_name_before_writing(runner, sample_map, tmp_path):
    target = tmp_path / "crs"
    result = runner.invoke(
        cli,
        ["init", str(target), "--title", "CRS", "--map", str(sample_map),
         "--curator-name", "Mallory <m@example.org>", "--orcid", CARBERRY],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "invalid --curator-name 'Mallory <m@example.org>'" in result.stderr
    assert not target.exists() or not any(target.iterdir())


def test_a_hand_edited_name_is_an_audit_error_and_never_enters_a_commit(crsmap, project):
    set_curator_name(project, json.dumps(FORGED))
    # Not a stop: the other commands go on, committing as the ORCID alone.
    added = crsmap("evidence", "add", "re12", "pubmed:29808005")
    assert added.exit_code == 0, added.output
    message = git(project.root, "log", "-1", "--format=%an%n%ae%n%B")
    assert "Mallory" not in message and SECOND_ORCID not in message, message
    assert trailers(project.root) == [f"{CARBERRY} <https://orcid.org/{CARBERRY}>"]
    assert git_log(project.root, "%an")[0] == CARBERRY
    listed = crsmap("curators", "list", "--format", "json")
    assert listed.exit_code == 0 and "Mallory" not in listed.output, listed.output

    audit = json.loads(crsmap("audit", "--format", "json").output)
    invalid = [f for f in audit["findings"] if f["rule"] == "invalid-curator"]
    assert len(invalid) == 1 and invalid[0]["severity"] == "error", audit
    assert "[[curators]] #1" in invalid[0]["message"] and "\\n" in invalid[0]["message"]
    assert "crsmap.toml" in invalid[0]["hint"]


def test_a_forged_name_from_the_library_cannot_add_a_trailer(project):
    """The trailer is built from checked parts, whoever calls commit_paths."""
    (project.root / "notes.txt").write_text("x\n")
    repo = gitrepo.require_repo(project.root)
    forged = Curator(FORGED, CARBERRY, "j.carberry@example.org\nCurator: x")
    sha = gitrepo.commit_paths(repo, [project.root / "notes.txt"], "Add notes", forged)
    assert sha is not None
    assert trailers(project.root) == [f"{CARBERRY} <https://orcid.org/{CARBERRY}>"]
    assert git_log(project.root, "%an|%ae")[0] == f"{CARBERRY}|https://orcid.org/{CARBERRY}"


def test_history_never_crashes_on_odd_names_or_rows(crsmap, project):
    assert crsmap("evidence", "add", "re12", "pubmed:29808005").exit_code == 0
    rows = project.root / "interactions.tsv"
    rows.write_text(rows.read_text().replace("\tdraft\t", "\treviewed\t", 1))
    # A commit made outside crsmap, by an author whose name holds git log's separators, a
    # carriage return and a terminal escape; its subject holds them too.
    odd = "Mallory\x1e\x1f\rJosiah Carberry\x1b[2K"
    subprocess.run(
        ["git", "-c", f"user.name={odd}", "-c", "user.email=m@example.org", "commit", "-qam",
         f"Review re12\x1e\x1f{odd}"],
        cwd=project.root, check=True,
    )  # fmt: skip
    evidence = project.root / "evidence.tsv"
    evidence.write_text(evidence.read_text() + "re12\n")  # a row without a tab, committed
    git(project.root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "broken row")
    shown = crsmap("history", "re12")
    assert shown.exit_code == 0, shown.output
    assert "\r" not in shown.output and "\x1b" not in shown.output and "\x1e" not in shown.output
    assert "status: draft -> reviewed" in shown.output
    assert "Mallory" in shown.output
    as_json = crsmap("history", "re12", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    authors = [row["author"] for row in json.loads(as_json.output)]
    assert any(a.startswith("Mallory") for a in authors), authors


@pytest.mark.parametrize(
    "name", ["Mallory <m@example.org>", "Mallory\u202eyrroM", "Mallory\x1b[2K"]
)
def test_map_creators_follow_the_name_rule(crsmap, project, runner, sample_map, tmp_path, name):
    before = snapshot(project.root)
    result = crsmap("creators", "add", name)
    assert result.exit_code == 2 and "creator name" in result.stderr, result.output
    assert snapshot(project.root) == before
    created = runner.invoke(
        cli,
        ["init", str(tmp_path / "other"), "--title", "CRS", "--map", str(sample_map),
         "--creator", f"{name};0000-0003-1473-370X"],
    )  # fmt: skip
    assert created.exit_code == 2 and "creator" in created.stderr, created.output
    assert not (tmp_path / "other" / "crsmap.toml").exists()
    # Written by hand into crsmap.toml, it is refused where the file is read, naming the key.
    config = project.root / "crsmap.toml"
    config.write_text(config.read_text().replace("creators = []", f"creators = [{{ name = {json.dumps(name)} }}]"))  # fmt: skip
    listed = crsmap("creators", "list")
    assert listed.exit_code == 2 and "[map] creators #1 name" in listed.stderr, listed.output


def test_an_organisation_creator_may_hold_a_colon(crsmap):
    result = crsmap("creators", "add", "LCSB: Luxembourg Centre for Systems Biomedicine",
                    "--organization")  # fmt: skip
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------------------
# 7. Ledgers that cannot lose rows silently
# --------------------------------------------------------------------------------------------


def test_two_rows_for_one_interaction_block_writes_and_are_an_audit_error(crsmap, project):
    for interaction in ("re12", "re14"):
        assert crsmap("evidence", "add", interaction, "pubmed:29808005").exit_code == 0
    rows = project.root / "interactions.tsv"
    lines = rows.read_text().splitlines()
    first = next(n for n, line in enumerate(lines, start=1) if line.startswith("re12\t"))
    twin = lines[first - 1].replace("\tdraft\t", "\treviewed\t")
    rows.write_text("\n".join([*lines, twin]) + "\n")
    second = len(lines) + 1
    before = snapshot(project.root)

    result = crsmap("interactions", "set", "re14", "--status", "reviewed")
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert f"interactions.tsv:{second}:" in message and f"line {first}" in message, message
    assert "re12" in message
    assert snapshot(project.root) == before
    assert crsmap("evidence", "add", "re16", "pubmed:29808005").exit_code == 2
    assert snapshot(project.root) == before

    audit = crsmap("audit", "--format", "json")
    assert audit.exit_code == 1
    invalid = [f for f in json.loads(audit.output)["findings"] if f["rule"] == "invalid-record"]
    assert len(invalid) == 1, invalid
    assert f"interactions.tsv:{second}" in invalid[0]["message"]
    assert f"line {first}" in invalid[0]["message"]


def test_the_ledger_reads_the_first_row_and_never_writes_two():
    header = "\t".join(INTERACTION_COLUMNS)
    text = f"{header}\nre1\t{CARBERRY}\t\t\tdraft\t\t\nre1\t\t\t\treviewed\t\t\n"
    content = parse_interactions(text)
    assert [r.status for r in content.records] == ["draft"]
    assert [str(p) for p in content.problems] == [
        "interactions.tsv:3: a second row for 're1' (the first is line 2); keep one of lines 2 and 3"
    ]
    assert len(parse_interactions(text, unique=False).records) == 2  # old revisions, if wanted
    with pytest.raises(InputError, match=r"two interactions\.tsv rows for 're1'"):
        render_interactions([InteractionRecord("re1"), InteractionRecord("re1", status="reviewed")])


# --------------------------------------------------------------------------------------------
# 9. --derived-from holds a URL or a CURIE, never a spreadsheet formula
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "cmd|x:y",
        "reactome:=1+1",
        "reactome:",
        ":R-HSA-1",
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.org/x",
        "http:/example.org",
        "https://",
        "https://exa mple.org",
    ],
)
def test_derived_from_refuses_what_is_not_a_url_or_curie(crsmap, project, value):
    before = snapshot(project.root)
    result = crsmap("interactions", "set", "re14", "--derived-from", value)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert f"invalid --derived-from {value!r}"[:40] in message, message
    assert "http(s)" in message and "CURIE" in message, message
    assert snapshot(project.root) == before


@pytest.mark.parametrize(
    "value",
    [
        "reactome:R-HSA-6785807",
        "kegg.pathway:hsa04630",
        "wikipathways:WP4868",
        "GO:0006954",
        "doi:10.1038/s41591-018-0041-7",
        "https://reactome.org/content/detail/R-HSA-6785807",
        "http://example.org/pathway?id=3#x",
    ],
)
def test_derived_from_takes_urls_and_curies(crsmap, project, value):
    result = crsmap("interactions", "set", "re14", "--derived-from", value)
    assert result.exit_code == 0, result.output
    row = next(
        r
        for r in (project.root / "interactions.tsv").read_text().splitlines()
        if r.startswith("re14\t")
    )
    assert row.split("\t")[3] == value
    cleared = crsmap("interactions", "set", "re14", "--derived-from", "")
    assert cleared.exit_code == 0, cleared.output


# --------------------------------------------------------------------------------------------
# 10. An interrupted annotate leaves no trap
# --------------------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    return crsmap_env(tmp_path / "home")


@pytest.fixture
def interrupted(project, env, crsmap):
    """A project whose `crsmap annotate` was SIGKILLed after writing the map, before committing."""
    if not sys.platform.startswith("linux"):
        pytest.skip("SIGKILL of process groups and /proc: Linux only")
    assert crsmap("evidence", "add", "re12", "pubmed:29808005").exit_code == 0
    head = git(project.root, "rev-parse", "HEAD").strip()
    killed = run_with_kill_point(
        ["--project", str(project.root), "annotate"], env,
        point="commit",
    )  # fmt: skip
    assert killed.killed, killed.stderr
    assert b"urn:miriam:pubmed:29808005" in (project.root / MAP).read_bytes()
    assert git(project.root, "rev-parse", "HEAD").strip() == head
    assert status(project.root).strip() == f"M {MAP}"
    return project.root, head


def test_the_next_annotate_commits_what_an_interrupted_one_wrote(interrupted, env):
    root, head = interrupted
    written = (root / MAP).read_bytes()
    again = run(["--project", str(root), "annotate"], env)
    assert again.returncode == 0, again.stderr
    assert "interrupted" in again.stdout and "commit" in again.stdout, again.stdout
    assert status(root) == "", status(root)
    assert (root / MAP).read_bytes() == written
    assert git(root, "rev-parse", "HEAD~1").strip() == head
    assert git(root, "log", "-1", "--format=%s").startswith("Annotate map with 1 ledger reference")
    assert trailers(root) == [f"Josiah Carberry <https://orcid.org/{CARBERRY}>"]
    assert "nothing to annotate" in run(["--project", str(root), "annotate"], env).stdout


def test_any_writing_command_commits_an_interrupted_annotation(interrupted, env):
    root, head = interrupted
    # A command that stops with exit 2 (inside the lock) still changes nothing.
    refused = run(["--project", str(root), "evidence", "remove", "re14", "pubmed:1"], env)
    assert refused.returncode == 2, refused.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert status(root).strip() == f"M {MAP}"
    added = run(["--project", str(root), "evidence", "add", "re14", "pubmed:29808005"], env)
    assert added.returncode == 0, added.stderr
    assert status(root) == "", status(root)
    subjects = git(root, "log", "--format=%s", f"{head}..HEAD").splitlines()
    assert len(subjects) == 2 and subjects[1].startswith("Annotate map with 1"), subjects
    assert subjects[0].startswith("Add evidence for re14"), subjects
    assert "interrupted" in added.stdout, added.stdout


def test_annotate_reports_uncommitted_map_edits_it_did_not_make(project, crsmap):
    path = project.root / MAP
    os.utime(path, (1, 1))  # stat data changed, content not: nothing to report
    assert crsmap("annotate").output.strip() == (
        "nothing to annotate: the maps already carry every ledger reference"
    )
    path.write_bytes(path.read_bytes().replace(b"</sbml>", b"<!-- drawn by hand --></sbml>", 1))
    before = snapshot(project.root)
    result = crsmap("annotate")
    assert result.exit_code == 0, result.output
    assert "nothing to annotate" in result.output
    assert f"{MAP} has uncommitted changes" in result.output, result.output
    assert snapshot(project.root) == before
    # When annotate has references to write there, the edits go into its commit: it says so.
    assert crsmap("evidence", "add", "re12", "pubmed:29808005", "--no-commit").exit_code == 0
    written = crsmap("annotate")
    assert written.exit_code == 0, written.output
    assert f"{MAP} also held uncommitted edits" in written.output, written.output
