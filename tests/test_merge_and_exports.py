"""The merge driver never gives up without markers; exported tables are spreadsheet-safe.

Issue 12, items 8 and 9: a ``literature.jsonl`` line without a text ``id`` is a conflict of
its own (not a crash, not a silent merge); the same reference fetched on two branches
merges to the later fetch; a cell of ``export tsv`` or of the bundle's tables that a
spreadsheet would run as a formula is prefixed with ``'`` (OWASP), the ledgers keep the
raw text.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from curation.demo import install_literature_snapshot
from curation.merge import FORMATS, merge_texts
from literature.export import to_tsv
from literature.model import Author, Citation
from literature.tsv import FORMULA_STARTS, spreadsheet_safe, spreadsheet_value

from . import mapfactory as mf
from .conftest import CARBERRY

CACHE = FORMATS["literature.jsonl"]
T1, T2 = "2026-01-05T09:00:00Z", "2026-02-11T17:30:00Z"


def cited(ref: str, fetched: str = T1, **fields) -> str:
    """A literature.jsonl line as crsmap writes it (keys sorted)."""
    data = {"id": ref, "status": "ok", "source": "pubmed", "fetched": fetched, "title": "IL-6"}
    return json.dumps({**data, **fields}, sort_keys=True, ensure_ascii=False)


def jsonl(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def conflict(ours=(), theirs=()) -> list[str]:
    return ["<<<<<<< ours", *ours, "=======", *theirs, ">>>>>>> theirs"]


# --- item 8: a line without a text id is kept, verbatim, as a conflict -----------------------

A, B, C = cited("pubmed:1"), cited("pubmed:2"), cited("pubmed:3")
BAD_LINES = {
    "number": '{"id": 5, "status": "ok", "title": "x"}',
    "null": '{"id": null, "title": "x"}',
    "list": '{"id": ["pubmed:4"], "title": "x"}',
    "object": '{"id": {"pubmed": 4}}',
    "absent": '{"pmid": "4", "title": "no id at all"}',
    "not-an-object": '["pubmed:4"]',
    "not-json": '{"id": "pubmed:4", "title": ',
    "nested-too-deeply": "[" * 50_000 + "]" * 50_000,
}


@pytest.mark.parametrize("bad", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_cache_line_without_a_text_id_is_a_conflict_around_that_line_alone(bad):
    merged, conflicts = merge_texts(jsonl(A), jsonl(A, B, bad), jsonl(A, C), CACHE)
    assert conflicts == 1
    assert merged.splitlines() == [A, B, C, *conflict(ours=[bad])]


@pytest.mark.parametrize(
    "base, ours, theirs, expected",
    [
        # added by theirs: on their side of the markers
        ((A,), (A, B), (A, "{}", C), [A, B, C, *conflict(theirs=["{}"])]),
        # the same line added by both, or already there and kept by both: still a conflict
        ((A,), (A, "{}"), (A, "{}"), [A, *conflict(["{}"], ["{}"])]),
        ((A, "{}"), (A, B, "{}"), (A, "{}"), [A, B, *conflict(["{}"], ["{}"])]),
        # one side changed it, the other removed it
        ((A, "{}"), (A, '{"x": 1}'), (A,), [A, *conflict(ours=['{"x": 1}'])]),
        # one side replaced it by a good record, the other left it alone: the fix wins
        ((A, "{}"), (A, B), (A, "{}"), [A, B]),
        # both removed it
        ((A, "{}"), (A,), (A, C), [A, C]),
    ],
    ids=["theirs-added", "both-added", "kept-by-both", "changed-vs-removed", "fixed", "removed"],
)
def test_lines_without_a_key_follow_the_three_way_rule_and_never_merge_silently(
    base, ours, theirs, expected
):
    merged, conflicts = merge_texts(jsonl(*base), jsonl(*ours), jsonl(*theirs), CACHE)
    assert merged.splitlines() == expected
    assert conflicts == sum(1 for line in expected if line.startswith("<<<<<<<"))


def test_the_driver_command_exits_1_with_markers_instead_of_crashing(tmp_path):
    bad = BAD_LINES["number"]
    paths = []
    for name, text in (("base", jsonl(A)), ("ours", jsonl(A, B, bad)), ("theirs", jsonl(A, C))):
        paths.append(tmp_path / name)
        paths[-1].write_text(text)
    result = CliRunner().invoke(
        cli, ["merge-driver", *map(str, paths), "literature.jsonl"], catch_exceptions=True
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert paths[1].read_text().splitlines() == [A, B, C, *conflict(ours=[bad])]


# --- item 8: the same reference fetched on both branches ------------------------------------


@pytest.mark.parametrize("later", ["ours", "theirs"])
@pytest.mark.parametrize("before", ["absent", "fetched-earlier"])
def test_the_same_metadata_fetched_twice_merges_to_the_later_fetch(later, before):
    base = jsonl(A) if before == "absent" else jsonl(A, cited("pubmed:2", "2025-12-01T00:00:00Z"))
    early, late = cited("pubmed:2", T1), cited("pubmed:2", T2)
    ours, theirs = (late, early) if later == "ours" else (early, late)
    merged, conflicts = merge_texts(base, jsonl(A, ours, C), jsonl(A, theirs), CACHE)
    assert conflicts == 0
    assert merged == jsonl(A, late, C)


def test_times_in_other_zones_compare_as_instants():
    utc = cited("pubmed:2", "2026-01-05T09:00:00Z")
    earlier_in_berlin = cited("pubmed:2", "2026-01-05T09:30:00+01:00")  # 08:30 UTC
    merged, conflicts = merge_texts("", jsonl(earlier_in_berlin), jsonl(utc), CACHE)
    assert (merged, conflicts) == (jsonl(utc), 0)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (cited("pubmed:2", T1), cited("pubmed:2", T2, retracted=True)),  # the metadata differ
        (cited("pubmed:2", T1), cited("pubmed:2", "yesterday")),  # no time to compare
        (cited("pubmed:2", T1), json.dumps({"id": "pubmed:2", "title": "IL-6"})),
    ],
    ids=["metadata", "unreadable-time", "no-time"],
)
def test_other_differences_on_both_sides_still_conflict(ours, theirs):
    merged, conflicts = merge_texts("", jsonl(ours), jsonl(theirs), CACHE)
    assert conflicts == 1
    assert merged.splitlines() == conflict([ours], [theirs])


# --- item 8 with git itself -----------------------------------------------------------------


def git(root: Path, *args, check=True):
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                          cwd=root, capture_output=True, text=True, check=check)  # fmt: skip


@pytest.fixture
def cache_repo(tmp_path, monkeypatch):
    """A git repository whose literature.jsonl git merges with ``crsmap merge-driver``."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "merge.crsmap.driver", "crsmap merge-driver %O %A %B %P")
    (root / ".gitattributes").write_text("literature.jsonl text eol=lf merge=crsmap\n")
    (root / "literature.jsonl").write_text(jsonl(A))
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def commit_cache(root: Path, branch: str, *lines: str) -> None:
    git(root, "checkout", "-q", *(["-b"] if branch != "main" else []), branch)
    (root / "literature.jsonl").write_text(jsonl(*lines))
    git(root, "commit", "-qam", f"fetch on {branch}")


def test_git_merges_two_fetches_of_one_reference_cleanly(cache_repo):
    commit_cache(cache_repo, "ada", A, cited("pubmed:2", T2))
    commit_cache(cache_repo, "main", A, cited("pubmed:2", T1), C)
    merged = git(cache_repo, "merge", "--no-edit", "ada", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert (cache_repo / "literature.jsonl").read_text() == jsonl(A, cited("pubmed:2", T2), C)


def test_git_stops_with_markers_around_a_line_without_a_text_id(cache_repo):
    bad = BAD_LINES["null"]
    commit_cache(cache_repo, "ada", A, B, bad)
    commit_cache(cache_repo, "main", A, C)
    merged = git(cache_repo, "merge", "--no-edit", "ada", check=False)
    assert merged.returncode != 0 and "Traceback" not in merged.stderr, merged.stderr
    assert "CONFLICT" in merged.stdout
    # Their side of the merge is the branch merged in; the good records merged around it.
    lines = (cache_repo / "literature.jsonl").read_text().splitlines()
    assert lines == [A, B, C, *conflict(theirs=[bad])]


# --- item 9: spreadsheet-safe tables --------------------------------------------------------

FORMULAS = {
    '=HYPERLINK("http://evil.example","x")': '\'=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-1 feedback": "'-1 feedback",  # legitimate text is prefixed too: OWASP has no exceptions
    "-2": "'-2",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1+1": "'=1+1",  # whitespace is folded first, so what is left is checked
    "\r\n@x": "'@x",
    "IL-6 + IL-6R": "IL-6 + IL-6R",
    "'=already quoted": "'=already quoted",
    "": "",
}


@pytest.mark.parametrize("raw, safe", list(FORMULAS.items()), ids=range(len(FORMULAS)))
def test_export_tsv_neutralises_every_cell_that_begins_like_a_formula(raw, safe):
    citation = Citation(
        "pubmed:29808005", pmid="29808005", title=raw, journal=raw, pages=raw, volume=raw,
        authors=(Author(raw.strip() or "Giavridis", ""),), pubtypes=(raw,) if raw else (),
    )  # fmt: skip
    header, row = to_tsv([citation]).splitlines()
    cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
    for column in ("title", "journal", "pages", "volume", "pubtypes"):
        assert cells[column] == safe
    assert cells["authors"] == (safe or "Giavridis")


def test_every_owasp_start_is_neutralised_and_nothing_else():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")
    for start in FORMULA_STARTS:
        assert spreadsheet_safe(f"{start}x") == f"'{start}x"
        assert spreadsheet_value(spreadsheet_safe(f"{start}x")) == f"{start}x"
    for benign in ("pubmed:1", "re12", "ECO:0000269", CARBERRY, "2026-01-01", "1.0.0", "x=1"):
        assert spreadsheet_safe(benign) == benign


def test_the_export_command_is_safe_while_the_cache_keeps_the_raw_title(crsmap, project):
    assert crsmap("import").exit_code == 0
    install_literature_snapshot(project.root)
    cache = project.root / "literature.jsonl"
    records = [json.loads(line) for line in cache.read_text().splitlines()]
    records[0]["title"] = '=HYPERLINK("http://evil.example","Giavridis 2018")'
    cache.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    result = crsmap("export", "tsv")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    title = rows[0].index("title")
    row = next(r for r in rows if r[0] == records[0]["id"])
    assert row[title] == "'" + records[0]["title"]
    assert not [c for r in rows for c in r if c.startswith(FORMULA_STARTS)]
    assert json.loads(cache.read_text().splitlines()[0])["title"] == records[0]["title"]


def tiny_map(path: Path) -> Path:
    """Three reactions, PMIDs in the notes; one species is named like a formula."""
    species = "".join(
        mf.species(sid, name) for sid, name in (("s0", "IL6"), ("s1", "=1+1"), ("s2", "IL6R"))
    )
    reactions = "".join(
        mf.reaction(f"re{i}", [a], [b], notes=f"PMID: {30000000 + i}")
        for i, (a, b) in enumerate((("s1", "s0"), ("s0", "s2"), ("s2", "s0")), start=1)
    )
    path.write_text(mf.document(species, reactions))
    return path


def bundle_files(bundle: Path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(bundle)
    return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def released(
    tmp_path: Path, *maps: Path, notes: dict[str, str] | None = None
) -> tuple[Path, object]:
    """Init, import, add evidence with ``notes`` (ID -> note), release 1.0.0: (project, result)."""
    runner, root = CliRunner(), tmp_path / "tiny"
    args = ["init", str(root), "--title", "Tiny Map", "--curator-name", "Josiah Carberry",
            "--orcid", CARBERRY, "--creator", "Grace Hopper"]  # fmt: skip
    for path in maps:
        args += ["--map", str(path)]
    assert runner.invoke(cli, args).exit_code == 0

    def run(*args):
        return runner.invoke(cli, ["--project", str(root), *args])

    assert run("import").exit_code == 0
    for interaction, note in (notes or {}).items():
        added = run("evidence", "add", interaction, "pubmed:30000009", "--note", note)
        assert added.exit_code == 0, added.output
    return root, run("release", "1.0.0", "--allow-warnings", "--allow-unfetched")


def test_the_bundle_tables_are_spreadsheet_safe_and_still_verify(tmp_path):
    notes = {"re1": "-1 feedback loop", "re2": '=HYPERLINK("http://evil.example","see")'}
    root, result = released(tmp_path, tiny_map(tmp_path / "tiny.xml"), notes=notes)
    assert result.exit_code == 0, result.output
    bundle = root / "dist" / "tiny-map-1.0.0.zip"
    files = bundle_files(bundle)
    evidence = [line.split("\t") for line in files["evidence.tsv"].decode().splitlines()]
    note = evidence[0].index("note")
    by_interaction = {r[0]: r[note] for r in evidence[1:] if r[1] == "pubmed:30000009"}
    assert by_interaction == {k: "'" + v for k, v in notes.items()}
    table = [line.split("\t") for line in files["interactions.tsv"].decode().splitlines()]
    signature = table[0].index("signature")
    assert {r[0]: r[signature] for r in table[1:]}["re1"] == "'=1+1 -> IL6 [STATE_TRANSITION]"
    for name in ("evidence.tsv", "interactions.tsv"):
        cells = [c for line in files[name].decode().splitlines() for c in line.split("\t")]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
    # The ledger in the repository keeps the raw text.
    ledger = (root / "evidence.tsv").read_text()
    assert (
        "\t-1 feedback loop\n" in ledger and '\t=HYPERLINK("http://evil.example","see")\n' in ledger
    )
    verified = CliRunner().invoke(cli, ["verify", str(bundle)])
    assert verified.exit_code == 0, verified.output


def test_a_map_whose_name_begins_like_a_formula_still_releases_and_verifies(tmp_path):
    # Interaction IDs are qualified by the map file's stem: here they begin with "-".
    first = tiny_map(tmp_path / "-left.xml")
    second = tiny_map(tmp_path / "right.xml")
    root, result = released(tmp_path, first, second)
    files = bundle_files(root / "dist" / "tiny-map-1.0.0.zip") if result.exit_code == 0 else {}
    assert result.exit_code == 0, result.output
    assert "\n'-left:re1\t" in files["evidence.tsv"].decode()
