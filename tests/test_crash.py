"""Issue 7: a crash, a Ctrl-C or two crsmap processes at once never corrupt a ledger or lose a record.

Real ``crsmap`` processes are killed with SIGKILL (the whole process group, git included)
at random moments during ``evidence add``, ``fetch`` and ``release``, and at named points
of crsmap's code; after every kill the ledgers must parse, every record a finished command
reported must be there, temporary files must be ignored, and a release tag must always
have its bundle (present, or rebuilt byte for byte). Two ``evidence add`` loops run at
once on one project, and a lock held by another process makes writers wait or give up
cleanly. Each test prints its counts (``pytest -rP`` shows them).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import CARBERRY, snapshot
from .crash_helpers import (
    FIXED_DATES,
    Outcome,
    Tally,
    Window,
    committed_evidence,
    crsmap_env,
    git,
    kill_point_command,
    note_git_locks,
    read_ledgers,
    remove_git_locks,
    run,
    run_and_kill,
    run_with_kill_point,
    says_lock_clearly,
    sigint_as_in_a_terminal,
    start,
    wait_group_gone,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="SIGKILL of process groups and /proc: Linux only"
)

SEED = 20260105
# The kills at named checkpoints (section 2) cover every window of each command
# deterministically; the random kills add breadth. CRSMAP_CRASH_RUNS=thorough runs
# 2.5 times as many of them (the counts of the first round).
THOROUGH = os.environ.get("CRSMAP_CRASH_RUNS", "") == "thorough"


def runs(quick: int) -> int:
    """How many random kills (or processes) a test makes in this run."""
    return round(quick * 2.5) if THOROUGH else quick


BUNDLE = "cytokine-release-syndrome-map-{}.zip"


@pytest.fixture(scope="module", autouse=True)
def _sigint_reaches_children():
    """Ctrl-C tests need crsmap to start with SIGINT not ignored, whoever started pytest."""
    with sigint_as_in_a_terminal():
        yield


@pytest.fixture(scope="module")
def pycache(tmp_path_factory) -> Path:
    """Compiled modules for the crsmap subprocesses, outside the source tree."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def env(tmp_path, pycache):
    return crsmap_env(tmp_path / "home", pycache)


@contextlib.contextmanager
def preconditions():
    """A broken precondition is reported as such (``pytest.fail``), apart from the check."""
    try:
        yield
    except AssertionError as exc:
        pytest.fail(f"precondition failed: {exc}", pytrace=True)


# --------------------------------------------------------------------------------------------
# 1. SIGKILL at random moments
# --------------------------------------------------------------------------------------------


def test_sigkill_during_evidence_add_never_corrupts_or_loses_a_record(project, env, tmp_path):
    rng = random.Random(SEED)
    root = project.root
    ids = list(project.interactions)
    tally = Tally("evidence add")
    attempted: set[tuple[str, str]] = set()
    completed: set[tuple[str, str]] = set()
    without_row = 0

    def add(interaction: str, reference: str, delay: float | None) -> Outcome:
        attempted.add((interaction, reference))
        outcome = run_and_kill(
            ["--project", str(root), "evidence", "add", interaction, reference], env, delay
        )
        if outcome.ok:
            assert f"recorded {reference}" in outcome.stdout, outcome.stdout
            completed.add((interaction, reference))
        return outcome

    window = Window.measure(
        [add("re1", f"pubmed:{31000000 + n}", None) for n in range(2)], root / "evidence.tsv"
    )

    kills = runs(12)
    for n in range(kills):
        interaction, reference = ids[n % len(ids)], f"pubmed:{32000000 + n}"
        outcome = add(interaction, reference, window.delay(rng))
        window.observe(outcome)
        tally.count(outcome)
        tally.check(
            outcome.ok or outcome.killed,
            f"exit {outcome.returncode} without a kill: {outcome.stderr}",
        )
        ledgers = read_ledgers(root, tally)
        keys = ledgers.evidence_keys
        tally.check(completed <= keys, f"records of finished commands lost: {completed - keys}")
        tally.check(keys <= attempted, f"records nobody added: {keys - attempted}")
        head = committed_evidence(root)
        tally.check(head <= keys, f"committed records missing from the file: {head - keys}")
        # Not an invariant (the two ledgers are replaced one after the other), but counted:
        # evidence for an interaction whose provenance row was not written yet.
        if {i for i, _ in keys} - {r.interaction for r in ledgers.interactions}:
            without_row += 1
        key = (interaction, reference)
        state = "committed" if key in head else "written" if key in keys else "not written"
        tally.states[state] += 1

        locks = note_git_locks(root, tally)
        if locks:
            # The next crsmap command that commits meets git's stale lock.
            probe = add("re2", f"pubmed:{33000000 + n}", None)
            if probe.ok:
                tally.lock_messages["next command succeeded"] += 1
            else:
                tally.check(says_lock_clearly(probe, locks), f"unclear: {probe.stderr!r}")
                tally.check(("re2", f"pubmed:{33000000 + n}") in read_ledgers(root, tally).evidence_keys,
                            "exit 3 after the write must keep the record")  # fmt: skip
                tally.lock_messages["exit 3 naming the lock"] += 1
                tally.lock_examples.append(probe.stderr.strip())
            remove_git_locks(root)

    final = add("re3", "pubmed:34000000", None)
    assert final.ok, final.stderr
    keys = read_ledgers(root, tally).evidence_keys
    assert completed <= keys and keys <= attempted
    # The last commit took the whole ledger, including records whose commit was killed.
    assert committed_evidence(root) == keys
    git(root, "fsck", "--no-dangling")
    listed = run(["--project", str(root), "evidence", "list", "--format", "tsv"], env)
    assert listed.ok and len(listed.stdout.strip().splitlines()) - 1 == len(keys)
    print(tally.summary(), f"; {window}; kills after which evidence lacked its interactions.tsv row: {without_row}")  # fmt: skip
    assert tally.attempted == kills and tally.landed >= kills // 5


def test_ctrl_c_during_evidence_add_exits_cleanly_and_never_corrupts(project, env):
    """Ctrl-C sends SIGINT to the whole foreground group: crsmap and the git it runs."""
    rng = random.Random(SEED + 3)
    root = project.root
    tally = Tally("evidence add, Ctrl-C")
    attempted: set[tuple[str, str]] = set()
    completed: set[tuple[str, str]] = set()
    exits: dict[str, int] = {}

    def add(n: int, delay: float | None) -> Outcome:
        key = (f"re{1 + n % 27}", f"pubmed:{35000000 + n}")
        attempted.add(key)
        outcome = run_and_kill(
            ["--project", str(root), "evidence", "add", *key], env, delay, signum=signal.SIGINT
        )
        if outcome.ok:
            completed.add(key)
        return outcome

    window = Window.measure([add(n, None) for n in range(2)], root / "evidence.tsv")
    for n in range(2, 14):
        outcome = add(n, window.delay(rng))
        window.observe(outcome)
        tally.count(outcome)
        last = outcome.stderr.strip().splitlines()[-1:] or [""]
        if outcome.ok:
            kind = "finished"
        elif outcome.returncode == 130 and last == ["crsmap: interrupted"]:
            kind = "130 crsmap: interrupted"
        elif outcome.returncode == -signal.SIGINT:
            # Python's own handling: while importing, before crsmap's code, or at exit
            # (what it prints then varies; the ledger checks below are what matter).
            kind = "-2 Python's KeyboardInterrupt before or after the command"
        elif outcome.returncode == 1 and outcome.stderr.startswith(
            "Fatal Python error: init_import_site"
        ):
            # Ctrl-C while the interpreter itself starts (its site module), before any
            # crsmap code: Python reports a fatal error and exits 1.
            kind = "1 Python interrupted while starting"
        elif outcome.returncode == 3 and last[0].startswith("crsmap: error: git "):
            kind = "3 git interrupted: " + last[0][:60]
        else:
            kind = f"unexpected exit {outcome.returncode}"
        tally.check(not kind.startswith("unexpected"), f"{kind}: {outcome.stderr!r}")
        exits[kind] = exits.get(kind, 0) + 1
        keys = read_ledgers(root, tally).evidence_keys
        tally.check(completed <= keys <= attempted, "a record was lost or invented")
        tally.check(committed_evidence(root) <= keys, "a committed record left the file")
        if note_git_locks(root, tally):
            remove_git_locks(root)
    print(tally.summary(), f"; exits {exits}")
    assert tally.attempted == 12


def test_ctrl_c_while_the_command_line_is_parsed_exits_130(project, env):
    args = ["--project", str(project.root), "evidence", "add", "re5", "pubmed:37000005"]
    outcome = run_with_kill_point(
        args, env, module="cli.main", attribute="cli.make_context", when="interrupt"
    )
    with preconditions():
        assert outcome.returncode in (1, 130), outcome.stderr  # crsmap (or click) handled it
        assert ("re5", "pubmed:37000005") not in read_ledgers(
            project.root, Tally("x")
        ).evidence_keys
    assert (outcome.returncode, outcome.stderr.strip().splitlines()[-1]) == (
        130,
        "crsmap: interrupted",
    )


FETCHED = 1100  # three batches of PubMed IDs: 500, 500, 100
BATCH_COUNTS = {0, 500, 1000, 1100}  # the cache is replaced whole after each batch


@pytest.fixture
def fetch_template(project, literature_server):
    """The sample project with 1,100 PubMed references committed, and a fake PubMed that is slow."""
    pmids = literature_server.add_many_pubmed(FETCHED)
    ledger = project.root / "evidence.tsv"
    rows = "".join(
        f"re12\tpubmed:{p}\tECO:0000269\t{CARBERRY}\t2026-01-05\tmanual\t\n" for p in pmids
    )
    ledger.write_text(ledger.read_text() + rows)
    git(project.root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "bulk")
    # Kills must land between batches and during the commit, not in retry back-offs.
    literature_server.enforce_rate_limit = False
    literature_server.inject("efetch", "slow", times=10**6, delay=0.03)
    return project.root, {f"pubmed:{p}" for p in pmids}


def fetch_env(env, server) -> dict[str, str]:
    return {
        **env,
        "CRSMAP_EUTILS_URL": server.eutils_url,
        "CRSMAP_IDCONV_URL": server.idconv_url,
        "CRSMAP_CROSSREF_URL": server.crossref_url,
        "NCBI_API_KEY": "crash-test-key",  # 10 requests a second: no client-side waits
    }


def test_sigkill_during_fetch_keeps_whole_batches_and_the_next_fetch_resumes(
    fetch_template, literature_server, env, tmp_path
):
    from literature.cache import parse_cache

    template, wanted = fetch_template
    env = fetch_env(env, literature_server)
    rng = random.Random(SEED + 1)
    tally = Tally("fetch")
    originals = {name: (template / name).read_bytes() for name in ("evidence.tsv", "interactions.tsv", "crsmap.toml")}  # fmt: skip

    def fresh(n: int) -> Path:
        copy = tmp_path / "runs" / str(n)
        shutil.copytree(template, copy, symlinks=True)
        return copy

    calibration = fresh(-1)
    # Batches are written all along the run: kill anywhere in it.
    window = Window.measure([run(["--project", str(calibration), "fetch"], env)])
    resumed = 0
    kills = runs(10)
    for n in range(kills):
        root = fresh(n)
        outcome = run_and_kill(["--project", str(root), "fetch"], env, window.delay(rng))
        window.observe(outcome)
        tally.count(outcome)
        tally.check(outcome.ok or outcome.killed, f"exit {outcome.returncode}: {outcome.stderr}")
        ledgers = read_ledgers(root, tally)
        for name, data in originals.items():
            tally.check((root / name).read_bytes() == data, f"fetch changed {name}")
        cached = set(ledgers.citations)
        tally.check(cached <= wanted, f"unexpected cache entries {cached - wanted}")
        tally.check(len(cached) in BATCH_COUNTS, f"{len(cached)} cached: a batch was half written")
        tally.check(all(c.found for c in ledgers.citations.values()), "a citation is incomplete")
        committed = set(parse_cache(git(root, "show", "HEAD:literature.jsonl")))
        tally.check(committed <= cached, "the commit holds citations the file lost")
        if outcome.ok:
            tally.check(
                len(cached) == FETCHED and f"fetched {FETCHED}," in outcome.stdout, outcome.stdout
            )
            tally.check(committed == cached, "a finished fetch left its cache uncommitted")
        tally.states[f"{len(cached)} cached, {len(committed)} committed"] += 1

        locks = note_git_locks(root, tally)
        if locks or n % 5 == 4:
            # The next fetch continues from what the killed one kept.
            again = run(["--project", str(root), "fetch"], env)
            if locks and again.ok:
                tally.lock_messages["next command succeeded"] += 1
            elif locks:
                tally.check(says_lock_clearly(again, locks), f"unclear: {again.stderr!r}")
                tally.lock_messages["exit 3 naming the lock"] += 1
                tally.lock_examples.append(again.stderr.strip())
                remove_git_locks(root)
                again = run(["--project", str(root), "fetch"], env)
            tally.check(again.ok, again.stderr)
            tally.check(f"from cache {len(cached)}," in again.stdout, again.stdout)
            tally.check(
                len(read_ledgers(root, tally).citations) == FETCHED, "resumed fetch incomplete"
            )
            resumed += 1
    print(tally.summary(), f"; resumed {resumed} times; {window}")
    assert tally.attempted == kills and tally.landed >= kills // 5


class ReleaseTemplate:
    """A released demo project (v1.0.0) with committed changes, and what `release 1.1.0` makes."""

    def __init__(self, base: Path, env: dict[str, str]):
        self.env = {**env, **FIXED_DATES}
        self.root = base / "demo" / "crs-map"
        for args in (
            ["demo", str(base / "demo")],
            ["--project", str(self.root), "evidence", "add", "re1", "pubmed:29907163"],
            ["--project", str(self.root), "annotate"],
        ):
            outcome = run(args, env)
            assert outcome.ok, (args, outcome.stderr)
        self.head = git(self.root, "rev-parse", "HEAD").strip()
        self.files = {
            name: (self.root / name).read_bytes()
            for name in ("evidence.tsv", "interactions.tsv", "literature.jsonl", "crsmap.toml",
                         "maps/crs_sample.xml", "CHANGELOG.md")
        }  # fmt: skip
        # Two uninterrupted releases on copies: the reference bytes, and the timing.
        outcomes, bundles = [], []
        for name in ("reference-a", "reference-b"):
            done = self.copy(base / name)
            outcome = run(["--project", str(done), "release", "1.1.0"], self.env)
            assert outcome.ok, outcome.stderr
            outcomes.append(outcome)
            bundles.append((done / "dist" / BUNDLE.format("1.1.0")).read_bytes())
        assert bundles[0] == bundles[1], "release 1.1.0 is not reproducible with fixed dates"
        self.bundle = bundles[0]
        self.release_head = git(done, "rev-parse", "HEAD").strip()
        self.changelog = (done / "CHANGELOG.md").read_bytes()
        self.window = Window.measure(outcomes, done / "CHANGELOG.md")
        verified = run(["verify", str(done / "dist" / BUNDLE.format("1.1.0"))], env)
        assert verified.ok and "intact and consistent" in verified.stdout, verified.stdout

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.root, target, symlinks=True)
        return target


@pytest.fixture(scope="module")
def release_template(tmp_path_factory, pycache) -> ReleaseTemplate:
    base = tmp_path_factory.mktemp("release")
    return ReleaseTemplate(base, crsmap_env(base / "home", pycache))


def rebuild(root: Path, output: Path) -> bytes:
    """`crsmap bundle 1.1.0` from the tag, into ``output``."""
    result = CliRunner().invoke(
        cli, ["--project", str(root), "bundle", "1.1.0", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    return (output / BUNDLE.format("1.1.0")).read_bytes()


def check_release_state(root: Path, t: ReleaseTemplate, tally: Tally, scratch: Path) -> str:
    """The invariants of a release after a crash; returns the state it was left in."""
    read_ledgers(root, tally)
    for name, data in t.files.items():
        if name != "CHANGELOG.md":
            tally.check((root / name).read_bytes() == data, f"release changed {name}")
    changelog = (root / "CHANGELOG.md").read_bytes()
    tally.check(changelog in (t.files["CHANGELOG.md"], t.changelog), "CHANGELOG.md half written")
    head = git(root, "rev-parse", "HEAD").strip()
    tally.check(head in (t.head, t.release_head), f"unexpected HEAD {head}")
    tags = set(git(root, "tag", "--list").split())
    tally.check(tags <= {"v1.0.0", "v1.1.0"} and "v1.0.0" in tags, f"tags {tags}")
    final = root / "dist" / BUNDLE.format("1.1.0")
    if "v1.1.0" not in tags:
        tally.check(not final.exists(), "a bundle under its final name without its tag")
        if head == t.release_head:
            return "release committed, no tag"
        return "untouched" if changelog == t.files["CHANGELOG.md"] else "CHANGELOG written"
    tagged = git(root, "rev-parse", "v1.1.0^{commit}").strip()
    tally.check(tagged == t.release_head, "the tag is not on the release commit")
    if final.exists():
        # Never half written: the very bytes of an uninterrupted release, which verify accepts.
        tally.check(final.read_bytes() == t.bundle, "dist/ holds a damaged bundle")
        checked = CliRunner().invoke(cli, ["verify", str(final)])
        tally.check(checked.exit_code == 0, checked.output)
        return "released"
    tally.check(rebuild(root, scratch) == t.bundle, "`crsmap bundle 1.1.0` gives other bytes")
    return "tagged, bundle rebuilt"


@pytest.mark.xdist_group("crash-release")
def test_sigkill_during_release_never_leaves_a_tag_without_its_bundle(release_template, tmp_path):
    t = release_template
    rng = random.Random(SEED + 2)
    tally = Tally("release")
    window = Window(t.window.writes_from, t.window.duration)
    kills = runs(10)
    for n in range(kills):
        root = t.copy(tmp_path / "runs" / str(n))
        outcome = run_and_kill(
            ["--project", str(root), "release", "1.1.0"], t.env, window.delay(rng)
        )
        window.observe(outcome)
        tally.count(outcome)
        tally.check(outcome.ok or outcome.killed, f"exit {outcome.returncode}: {outcome.stderr}")
        state = check_release_state(root, t, tally, tmp_path / "rebuilt" / str(n))
        if outcome.ok:
            tally.check(state == "released", f"a finished release left {state}")
        tally.states[state] += 1
        locks = note_git_locks(root, tally)
        if locks:
            again = run(["--project", str(root), "release", "1.1.0"], t.env)
            if again.ok:
                tally.lock_messages["next command succeeded"] += 1
            elif again.returncode == 2 and "uncommitted changes (CHANGELOG.md)" in again.stderr:
                tally.lock_messages["exit 2: uncommitted CHANGELOG.md"] += 1
            else:
                tally.check(says_lock_clearly(again, locks), f"unclear: {again.stderr!r}")
                tally.lock_messages["exit 3 naming the lock"] += 1
                tally.lock_examples.append(again.stderr.strip())
    print(tally.summary(), f"; {window}")
    assert tally.attempted == kills and tally.landed >= kills // 5


# --------------------------------------------------------------------------------------------
# Kills at named points: every window of a command, deterministically
# --------------------------------------------------------------------------------------------

EVIDENCE_KILL_POINTS = {
    "inside the atomic write, before evidence.tsv is renamed into place": dict(
        module="os", attribute="replace", match="evidence.tsv", match_arg=1
    ),
    "after evidence.tsv, before interactions.tsv": dict(point="written", match="evidence.tsv"),
    "after both files, before the commit": dict(point="commit"),
    "after the commit, before the report": dict(point="committed"),
}


@pytest.mark.parametrize("point", list(EVIDENCE_KILL_POINTS))
def test_evidence_add_killed_at_each_point_keeps_the_ledgers_sound(project, env, point):
    root = project.root
    tally = Tally(f"evidence add killed {point}")
    before = snapshot(root)
    args = ["--project", str(root), "evidence", "add", "re5", "pubmed:37000001"]
    outcome = run_with_kill_point(args, env, **EVIDENCE_KILL_POINTS[point])
    assert outcome.killed, (outcome.returncode, outcome.stderr)
    ledgers = read_ledgers(root, tally)
    written = ("re5", "pubmed:37000001") in ledgers.evidence_keys
    committed = ("re5", "pubmed:37000001") in committed_evidence(root)
    expected = {
        "inside the atomic write, before evidence.tsv is renamed into place": (False, False),
        "after evidence.tsv, before interactions.tsv": (True, False),
        "after both files, before the commit": (True, False),
        "after the commit, before the report": (True, True),
    }[point]
    assert (written, committed) == expected
    if not written:
        # The new ledger sits in a temporary file that nothing reads and git ignores.
        assert (
            len(ledgers.temporaries) == 1
            and "pubmed:37000001" in ledgers.temporaries[0].read_text()
        )
        assert {
            k: v for k, v in snapshot(root).items() if not k.startswith(".crsmap-tmp-")
        } == before
    rows = {r.interaction for r in ledgers.interactions}
    assert ("re5" in rows) == (point != "after evidence.tsv, before interactions.tsv" and written)
    # The next command goes on from there: nothing lost, the provenance row (re)made, all committed.
    again = run(["--project", str(root), "evidence", "add", "re5", "pubmed:37000002"], env)
    assert again.ok, again.stderr
    ledgers = read_ledgers(root, tally)
    expect = {("re5", "pubmed:37000002")} | ({("re5", "pubmed:37000001")} if written else set())
    assert ledgers.evidence_keys == expect == committed_evidence(root)
    assert [r.interaction for r in ledgers.interactions] == ["re5"]
    listed = run(["--project", str(root), "evidence", "list", "re5", "--format", "tsv"], env)
    assert listed.ok and len(listed.stdout.splitlines()) == 1 + len(expect)
    git(root, "fsck", "--no-dangling")


def test_a_stale_git_index_lock_gives_exit_3_naming_it_and_keeps_the_record(project, env):
    """What a kill inside `git commit` leaves: the next command says so and keeps its write."""
    root = project.root
    lock = root / ".git" / "index.lock"
    lock.write_bytes(b"")
    outcome = run(["--project", str(root), "evidence", "add", "re5", "pubmed:37000003"], env)
    assert says_lock_clearly(outcome, [lock]), outcome.stderr
    assert "the files were written" in outcome.stderr
    tally = Tally("stale index.lock")
    assert ("re5", "pubmed:37000003") in read_ledgers(root, tally).evidence_keys
    lock.unlink()  # as git's message says
    again = run(["--project", str(root), "evidence", "add", "re5", "pubmed:37000004"], env)
    assert again.ok, again.stderr
    assert committed_evidence(root) == {("re5", "pubmed:37000003"), ("re5", "pubmed:37000004")}


RELEASE_KILL_POINTS = {
    "after CHANGELOG.md, before the release commit": (
        dict(point="commit"),
        "CHANGELOG written",
    ),
    "after the release commit, before the tag": (
        dict(point="tag"),
        "release committed, no tag",
    ),
    "after the tag, before the bundle is written": (
        dict(point="write", match=".zip"),
        "tagged, bundle rebuilt",
    ),
    "inside the atomic write, before the zip is renamed into place": (
        dict(module="os", attribute="replace", match=".zip", match_arg=1),
        "tagged, bundle rebuilt",
    ),
}


@pytest.mark.xdist_group("crash-release")
@pytest.mark.parametrize("point", list(RELEASE_KILL_POINTS))
def test_release_killed_at_each_point_never_leaves_a_tag_without_its_bundle(
    release_template, tmp_path, point
):
    t = release_template
    root = t.copy(tmp_path / "crs-map")
    options, expected = RELEASE_KILL_POINTS[point]
    tally = Tally(f"release killed {point}")
    args = ["--project", str(root), "release", "1.1.0"]
    outcome = run_with_kill_point(args, t.env, **options)
    assert outcome.killed, (outcome.returncode, outcome.stderr)
    assert check_release_state(root, t, tally, tmp_path / "rebuilt") == expected
    listing = {p.name for p in (root / "dist").iterdir()}
    assert {n for n in listing if n.endswith(".zip")} == {BUNDLE.format("1.0.0")}
    temporaries = [n for n in listing if n.startswith(".crsmap-tmp-")]
    if "inside the atomic write" in point:
        assert len(temporaries) == 1
        assert (root / "dist" / temporaries[0]).read_bytes() == t.bundle  # whole, but unnamed
        assert git(root, "status", "--porcelain") == ""  # dist/ and temporaries are ignored
    else:
        assert not temporaries
    again = run(args, t.env)
    if expected == "CHANGELOG written":
        # Refused, and nothing written; once the half-done CHANGELOG.md is reset it works.
        assert again.returncode == 2 and "uncommitted changes (CHANGELOG.md)" in again.stderr
        assert check_release_state(root, t, tally, tmp_path / "r2") == "CHANGELOG written"
        git(root, "checkout", "--", "CHANGELOG.md")
        assert run(args, t.env).ok
        assert check_release_state(root, t, tally, tmp_path / "r3") == "released"
    elif expected == "tagged, bundle rebuilt":
        assert again.returncode == 2 and "tag v1.1.0 already exists" in again.stderr
        bundle = run(["--project", str(root), "bundle", "1.1.0"], t.env)
        assert bundle.ok, bundle.stderr
        assert (root / "dist" / BUNDLE.format("1.1.0")).read_bytes() == t.bundle
        assert check_release_state(root, t, tally, tmp_path / "r2") == "released"
    # "release committed, no tag": see the test below.


@pytest.mark.xdist_group("crash-release")
def test_release_rerun_after_a_crash_between_commit_and_tag_writes_the_section_once(
    release_template, tmp_path
):
    t = release_template
    root = t.copy(tmp_path / "crs-map")
    args = ["--project", str(root), "release", "1.1.0"]
    with preconditions():
        killed = run_with_kill_point(args, t.env, point="tag")
        assert killed.killed
        state = check_release_state(root, t, Tally("x"), tmp_path / "r")
        assert state == "release committed, no tag"
        again = run(args, t.env)  # the obvious recovery: no tag yet, a clean tree
        assert again.ok, again.stderr
    changelog = (root / "CHANGELOG.md").read_text()
    assert changelog.count("## [1.1.0]") == 1, changelog
    assert (
        git(root, "log", "--format=%s", "v1.0.0..v1.1.0").splitlines().count("Release 1.1.0") == 1
    )


def test_fetch_killed_after_two_batches_keeps_them_and_the_next_fetch_resumes(
    fetch_template, literature_server, env
):
    root, wanted = fetch_template
    env = fetch_env(env, literature_server)
    args = ["--project", str(root), "fetch"]
    killed = run_with_kill_point(args, env, module="literature.cache", attribute="Cache.update", when="after", nth=2)  # fmt: skip
    assert killed.killed, killed.stderr
    tally = Tally("fetch killed after two batches")
    assert len(read_ledgers(root, tally).citations) == 1000
    again = run(args, env)
    assert again.ok, again.stderr
    assert "fetched 100, not found 0, retracted 0, from cache 1000," in again.stdout
    assert set(read_ledgers(root, tally).citations) == wanted
    assert git(root, "status", "--porcelain") == ""  # the resumed fetch committed all 1,100


def test_fetch_after_a_crash_before_its_commit_commits_the_cache(
    fetch_template, literature_server, env
):
    root, wanted = fetch_template
    env = fetch_env(env, literature_server)
    args = ["--project", str(root), "fetch"]
    with preconditions():
        killed = run_with_kill_point(args, env, point="commit")
        assert killed.killed, killed.stderr
        assert set(read_ledgers(root, Tally("x")).citations) == wanted
        assert git(root, "status", "--porcelain") == " M literature.jsonl\n"
        again = run(args, env)
        assert again.ok and "from cache 1100," in again.stdout, again.stderr
    assert git(root, "status", "--porcelain") == "", "literature.jsonl is still uncommitted"


# --------------------------------------------------------------------------------------------
# 2. Two crsmap processes at once
# --------------------------------------------------------------------------------------------


def add_in_a_loop(root: Path, env, records, commit: bool, barrier, failures: list) -> None:
    barrier.wait()
    for interaction, reference in records:
        args = ["--project", str(root), "evidence", "add", interaction, reference]
        outcome = run(args if commit else [*args, "--no-commit"], env)
        if not outcome.ok:
            failures.append((interaction, reference, outcome.returncode, outcome.stderr))


@pytest.mark.parametrize(
    "commit, each", [(False, runs(12)), (True, runs(6))], ids=["no-commit", "with commits"]
)
def test_two_evidence_add_loops_at_once_keep_every_record(project, env, commit, each):
    """Each loop adds ``each`` records, one per process: every other one to the same
    interaction (re12) as the other loop, the rest to interactions of its own half of the
    map (so both loops also create interactions.tsv rows at the same time). The variant
    with commits is shorter, to keep the file fast: git makes each process slower."""
    root = project.root
    ids = [i for i in project.interactions if i != "re12"]
    half = len(ids) // 2
    loops = [
        [
            ("re12" if n % 2 == 0 else ids[k * half + (n // 2) % half], f"pubmed:{39000000 + 100 * k + n}")
            for n in range(each)
        ]
        for k in (0, 1)
    ]  # fmt: skip
    failures: list = []
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(target=add_in_a_loop, args=(root, env, records, commit, barrier, failures))
        for records in loops
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - began
    assert not failures, failures[:3]
    ledgers = read_ledgers(root, Tally("two loops"))  # no malformed line, no duplicate
    expected = set(loops[0]) | set(loops[1])
    assert len(expected) == 2 * each and ledgers.evidence_keys == expected
    lines = (root / "evidence.tsv").read_text().split("\n")
    assert lines[-1] == "" and len(lines) == 1 + 2 * each + 1
    assert all(line.count("\t") == 6 for line in lines[:-1])
    assert sorted(r.interaction for r in ledgers.interactions) == sorted({i for i, _ in expected})
    if commit:
        subjects = git(root, "log", "--format=%s").splitlines()
        assert sum(s.startswith("Add evidence for ") for s in subjects) == 2 * each
        assert committed_evidence(root) == expected
        assert git(root, "status", "--porcelain") == ""
    shared = sum(1 for i, _ in expected if i == "re12")
    print(f"two evidence add loops {'with' if commit else 'without'} commits: {2 * each} records "
          f"({shared} on re12 from both) in {elapsed:.1f} s")  # fmt: skip


def test_fetch_holds_the_project_lock_while_it_commits(
    fetch_template, literature_server, env, tmp_path
):
    from filelock import FileLock, Timeout

    root, _ = fetch_template
    marker, go = tmp_path / "committing", tmp_path / "go"
    command = kill_point_command(
        ["--project", str(root), "fetch"], point="commit", when="pause", marker=marker, go=go
    )
    proc = start(None, fetch_env(env, literature_server), command)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        with preconditions():
            assert marker.exists(), "fetch never reached its commit"
        other = FileLock(str(root / ".crsmap.lock"), timeout=0.3)
        try:
            other.acquire()
        except Timeout:
            free_while_committing = False
        else:
            other.release()
            free_while_committing = True
    finally:
        go.touch()
        _, stderr = proc.communicate(timeout=60)
        wait_group_gone(proc.pid)
    with preconditions():
        assert proc.returncode == 0, stderr
    assert not free_while_committing, "another crsmap could take the lock while fetch commits"


@pytest.mark.xdist_group("crash-release")
def test_two_releases_of_one_version_at_once_make_one_release(release_template, tmp_path):
    t = release_template
    root = t.copy(tmp_path / "crs-map")
    args = ["--project", str(root), "release", "1.1.0"]
    holder = hold_lock(root)
    procs, markers = [], []
    try:
        for name in ("a", "b"):
            markers.append(tmp_path / f"at-lock-{name}")
            command = kill_point_command(args, point="lock", when="mark", marker=markers[-1])
            procs.append(start(None, t.env, command))
        deadline = time.monotonic() + 60
        while not all(m.exists() for m in markers) and time.monotonic() < deadline:
            time.sleep(0.01)
        with preconditions():
            assert all(m.exists() for m in markers), "both releases should reach the lock"
    finally:
        release_lock(holder)
        outcomes = [(*p.communicate(timeout=60), p.returncode) for p in procs]
        for p in procs:
            wait_group_gone(p.pid)
    with preconditions():
        codes = sorted(code for _, _, code in outcomes)
        assert codes[0] == 0 and codes[1] != 0, outcomes  # one release, one refusal
    changelog = (root / "CHANGELOG.md").read_text()
    assert changelog.count("## [1.1.0]") == 1
    assert (
        git(root, "rev-parse", "HEAD").strip() == git(root, "rev-parse", "v1.1.0^{commit}").strip()
    )


# --------------------------------------------------------------------------------------------
# 3. A lock held by another process
# --------------------------------------------------------------------------------------------

_HOLDER = r"""
import sys
from curation.storage import project_lock
with project_lock(sys.argv[1], timeout=30):
    print("held", flush=True)
    sys.stdin.read()
"""


def hold_lock(root: Path) -> subprocess.Popen:
    """Another process that holds the project lock until its stdin closes (or it is killed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def release_lock(holder: subprocess.Popen, kill: bool = False) -> None:
    if kill:
        holder.kill()  # SIGKILL: the kernel drops its lock
    else:
        holder.stdin.close()
    holder.wait(timeout=30)


def tags(root: Path) -> str:
    return git(root, "tag", "--list")


WRITERS = {
    "evidence add": ["evidence", "add", "re12", "pubmed:36000001"],
    "interactions set": ["interactions", "set", "re12", "--status", "reviewed"],
    "fetch": ["fetch"],
    "release": ["release", "1.1.0"],
}


@pytest.mark.xdist_group("crash-release")
@pytest.mark.parametrize("command", list(WRITERS))
def test_a_lock_held_by_another_process_makes_a_writer_give_up_with_exit_3_writing_nothing(
    command, request, env, tmp_path
):
    if command == "release":
        template = request.getfixturevalue("release_template")
        root, env = template.copy(tmp_path / "crs-map"), template.env
    elif command == "fetch":
        root, _ = request.getfixturevalue("fetch_template")
        env = fetch_env(env, request.getfixturevalue("literature_server"))
    else:
        root = request.getfixturevalue("project").root
    before, tagged = snapshot(root), tags(root)
    holder = hold_lock(root)
    try:
        outcome = run(
            ["--project", str(root), *WRITERS[command]], {**env, "CRSMAP_LOCK_TIMEOUT": "1"}
        )
    finally:
        release_lock(holder)
    assert outcome.returncode == 3, (outcome.returncode, outcome.stdout, outcome.stderr)
    message = f"crsmap: error: another crsmap process holds {root / '.crsmap.lock'} (waited 1 s); try again when it has finished"  # fmt: skip
    assert outcome.stderr.startswith(message) and len(outcome.stderr.splitlines()) == 1, (
        outcome.stderr
    )
    assert outcome.elapsed >= 1.0
    assert snapshot(root) == before and tags(root) == tagged


@pytest.mark.parametrize("how", ["released", "holder killed with SIGKILL"])
def test_a_writer_waits_for_a_held_lock_and_then_writes(project, env, tmp_path, how):
    root = project.root
    before = snapshot(root)
    holder = hold_lock(root)
    marker, locked = tmp_path / "at-lock", tmp_path / "locked"
    args = ["--project", str(root), "evidence", "add", "re12", "pubmed:36000002"]
    command = kill_point_command(
        args, point="lock", when="mark", marker=marker, also_mark={"locked": locked}
    )
    writer = start(None, {**env, "CRSMAP_LOCK_TIMEOUT": "60"}, command)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the writer never reached the lock"
        # From the moment the writer asks for the lock until the holder lets go (however
        # long the machine makes that), it must neither take the lock nor write; it waits
        # (a writer that gave up would exit 3 below).
        assert snapshot(root) == before, "the writer wrote without the lock"
        assert not locked.exists(), "the writer took a lock another process held"
    finally:
        release_lock(holder, kill=how != "released")
    stdout, stderr = writer.communicate(timeout=30)
    assert locked.exists(), "the writer never took the lock"
    assert writer.returncode == 0, stderr
    assert "re12: recorded pubmed:36000002 (commit " in stdout
    assert ("re12", "pubmed:36000002") in committed_evidence(root)
