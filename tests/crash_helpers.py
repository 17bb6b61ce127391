"""Machinery for test_crash.py: real ``crsmap`` processes, SIGKILL, and the invariants after it.

A crash is simulated by SIGKILL to the whole process group of a ``crsmap`` process (the
Python process and any ``git`` it started), which is what a killed terminal session, an
OOM kill or a power cut does: nothing gets to clean up. Ctrl-C is SIGINT to the same
group (``run_and_kill(..., signum=signal.SIGINT)``).

Besides random kills, :func:`run_with_kill_point` kills a real ``crsmap`` run at a named
checkpoint of crsmap's write path (or at a call of a public function), so that
every window of a command (written but not committed, committed but not tagged, ...) is
also covered deterministically; the same runner can pause or mark a run at such a point.

Linux only: process groups are watched through /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curation.config import load_config
from curation.ledger import read_evidence, read_interactions
from curation.storage import TEMP_PREFIX
from literature.cache import read_cache

from .conftest import SERVICE_URL_SETTINGS

CRSMAP = Path(sys.executable).parent / "crsmap"
GROUP_EXIT_TIMEOUT = 15.0  # seconds for killed processes to disappear on a loaded machine


# --------------------------------------------------------------------------- environment


def crsmap_env(home: Path, pycache: Path | None = None, **extra: str) -> dict[str, str]:
    """A hermetic environment for a ``crsmap`` subprocess.

    HOME and the global git config point into ``home``; no identity is set, so commits
    use the curator from crsmap.toml (or crsmap's fallback). Git speaks English, so
    that its messages can be checked. With ``pycache``, compiled modules are kept there
    (outside the source tree), so that hundreds of short processes start faster. The
    service URLs are kept: conftest points them at a refused local port, so a child
    cannot reach the internet either.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith(("CRSMAP_", "GIT_")) and k != "NCBI_API_KEY")
        or k in SERVICE_URL_SETTINGS
    }
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(home / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
        LANGUAGE="C",
        PYTHONUNBUFFERED="1",
    )
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(extra)
    return env


FIXED_DATES = {
    # Fixed commit dates make a release commit (and so its bundle) the same in every run.
    "GIT_AUTHOR_DATE": "2026-01-05T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-05T12:00:00+00:00",
}


# --------------------------------------------------------------------------- processes


@dataclass
class Outcome:
    """How one ``crsmap`` process ended."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    killed: bool  # our signal landed while the process was still running (and ended it)
    started: float = 0.0  # time.time() when the process was started

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, from /proc."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields_ = stat[stat.rfind(b")") + 2 :].split()
        state, pgrp = fields_[0], int(fields_[2])
        if pgrp == pgid and state not in (b"Z", b"X"):
            members.append(int(entry.name))
    return members


def wait_group_gone(pgid: int, timeout: float = GROUP_EXIT_TIMEOUT) -> None:
    """Wait until no process of the group runs (killed git children may take a moment)."""
    deadline = time.monotonic() + timeout
    while _group_members(pgid):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {_group_members(pgid)} survived SIGKILL")
        time.sleep(0.005)


@contextlib.contextmanager
def sigint_as_in_a_terminal() -> Iterator[None]:
    """Children started meanwhile get SIGINT's default action, as a terminal's foreground job.

    A shell that starts the test run in the background (``make test &``, CI runners,
    ``nohup``) hands it SIGINT *ignored*, and an ignored signal stays ignored across
    ``exec``: a Ctrl-C test would then interrupt nothing. A handler set here is reset
    to the default in every child at ``exec``. Main thread only (``signal.signal``).
    """
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous == signal.SIG_IGN:
            signal.signal(signal.SIGINT, previous)


def start(args, env, command=None) -> subprocess.Popen:
    """Start ``crsmap ARGS`` (or ``command``) in a new session, so its group can be killed."""
    return subprocess.Popen(
        command or [str(CRSMAP), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_and_kill(
    args, env, delay: float | None, command=None, signum: int = signal.SIGKILL
) -> Outcome:
    """Run ``crsmap ARGS``; send ``signum`` (SIGKILL) to its whole process group after ``delay`` s.

    ``delay=None`` lets it finish. The group is signalled only while the leader is still
    unreaped, so the group id cannot have been reused by an unrelated process. SIGINT
    to the group is what Ctrl-C in a terminal does.
    """
    began, wall = time.monotonic(), time.time()
    proc = start(args, env, command)
    signalled = False
    try:
        proc.wait(timeout=delay if delay is not None else 120)
    except subprocess.TimeoutExpired:
        if delay is None:
            raise
        os.killpg(proc.pid, signum)
        signalled = True
    stdout, stderr = proc.communicate(timeout=GROUP_EXIT_TIMEOUT)
    wait_group_gone(proc.pid)
    return Outcome(
        tuple(args),
        proc.returncode,
        stdout,
        stderr,
        time.monotonic() - began,
        proc.returncode == -signal.SIGKILL or (signalled and proc.returncode != 0),
        wall,
    )


def run(args, env) -> Outcome:
    """Run ``crsmap ARGS`` to its end."""
    return run_and_kill(args, env, None)


# A crsmap run that SIGKILLs itself at a named point: a checkpoint of crsmap's write path
# (see curation.transaction.CHECKPOINTS), or a call of a public function (os.replace,
# click's make_context, literature's Cache.update). Everything else is the real command.
_KILL_POINT_RUNNER = r"""
import importlib, json, os, signal, sys, time
# Ctrl-C as in a terminal's foreground job, however the test run was started: a shell
# that starts pytest in the background hands it (and so us) SIGINT ignored, and an
# "interrupt" point would then interrupt nothing (the flaky exit 0 of the parse test).
signal.signal(signal.SIGINT, signal.default_int_handler)
spec = json.loads(sys.argv[1])
seen = [0]

def die():
    sys.stdout.flush(); sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)

def arrive(subject):
    # Count the calls (or checkpoints) whose subject ends with spec["match"]; act at the nth.
    if spec["match"] and not str(subject).endswith(spec["match"]):
        return False
    seen[0] += 1
    if seen[0] != spec["nth"]:
        return False
    if spec["when"] == "before":
        die()
    if spec["when"] == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: KeyboardInterrupt right here
    if spec["when"] in ("mark", "pause"):
        with open(spec["marker"], "w") as handle:
            handle.write(str(os.getpid()))
        while spec["when"] == "pause" and not os.path.exists(spec["go"]):
            time.sleep(0.01)
    return spec["when"] == "after"

if spec["point"]:
    from curation.transaction import on_checkpoint

    def listen(point, subject):
        if point in spec["also"]:  # a marker that this point was reached, nothing else
            with open(spec["also"][point], "a") as handle:
                handle.write(subject + "\n")
        if point == spec["point"] and arrive(subject):
            die()

    on_checkpoint(listen)
else:
    owner = importlib.import_module(spec["module"])
    for part in spec["attribute"].split(".")[:-1]:
        owner = getattr(owner, part)
    name = spec["attribute"].split(".")[-1]
    real = getattr(owner, name)

    def patched(*args, **kwargs):
        index = spec["match_arg"]
        target = args[index] if len(args) > index else kwargs.get("dst", "")
        after = arrive(target)
        result = real(*args, **kwargs)
        if after:
            die()
        return result

    setattr(owner, name, patched)
sys.argv = ["crsmap", *sys.argv[2:]]
from cli.main import main
main()
"""


def kill_point_command(
    args,
    module: str = "",
    attribute: str = "",
    when: str = "before",
    nth: int = 1,
    match: str = "",
    match_arg: int = 0,
    marker: Path | None = None,
    go: Path | None = None,
    point: str = "",
    also_mark: dict[str, Path] | None = None,
) -> list[str]:
    """The command line of a ``crsmap ARGS`` run with a kill (or pause) point.

    The point is either the checkpoint ``point`` of crsmap's write path (see
    ``curation.transaction.CHECKPOINTS``; "after" means the same as "before" there) or a
    call of the public function ``module.attribute``. ``when``: "before" / "after"
    SIGKILLs the process at the ``nth`` such point (before or after the call); "mark"
    writes ``marker`` there and goes on; "pause" writes ``marker`` and waits until the
    file ``go`` exists; "interrupt" sends SIGINT (Ctrl-C). ``match`` counts only the
    points whose subject (a checkpoint's path, message or sha; the argument number
    ``match_arg`` of a call, e.g. the ``dst`` of ``os.replace``) ends with that text.
    ``also_mark`` maps more checkpoints to marker files, appended to each time one is
    reached (with ``point`` only).
    """
    from curation.transaction import CHECKPOINTS

    assert when in ("before", "after", "mark", "pause", "interrupt")
    assert bool(point) != bool(module and attribute), "a checkpoint or a function, not both"
    assert not point or point in CHECKPOINTS, point
    spec = {
        "point": point,
        "module": module,
        "attribute": attribute,
        "when": when,
        "nth": nth,
        "match": match,
        "match_arg": match_arg,
        "marker": str(marker) if marker else "",
        "go": str(go) if go else "",
        "also": {name: str(path) for name, path in (also_mark or {}).items()},
    }
    return [sys.executable, "-c", _KILL_POINT_RUNNER, json.dumps(spec), *args]


def run_with_kill_point(args, env, **options) -> Outcome:
    """Run ``crsmap ARGS`` to its end (or its kill point); see :func:`kill_point_command`."""
    command = kill_point_command(args, **options)
    return run_and_kill(args, env, None, command=command)


@dataclass
class Window:
    """When, in a command's run, the files start being written, and when it ends."""

    writes_from: float
    duration: float

    @classmethod
    def measure(cls, outcomes: list[Outcome], written: Path | None = None) -> Window:
        """From uninterrupted runs; ``written`` is the file the last run wrote first (its
        mtime marks the start of the writing phase); without it, writes start at once."""
        longest = max(o.elapsed for o in outcomes)
        if written is None:
            return cls(0.0, longest)
        offset = written.stat().st_mtime - outcomes[-1].started
        return cls(max(0.0, min(offset, longest) - 0.02), longest)

    def observe(self, outcome: Outcome) -> None:
        """Follow the machine's speed: a run that finished moves the window towards its length."""
        if outcome.ok and not outcome.killed:
            scale = (0.5 * self.duration + 0.5 * outcome.elapsed) / self.duration
            self.writes_from *= scale
            self.duration *= scale

    def delay(self, rng) -> float:
        """A third of the kills anywhere in the run (startup, parsing, checks), two thirds
        from the first write to the end (writing, committing, tagging, bundling); some
        land after the process has finished."""
        if rng.random() < 1 / 3:
            return rng.uniform(0.0, 1.15 * self.duration)
        return rng.uniform(self.writes_from, 1.1 * self.duration)


# --------------------------------------------------------------------------- git


def git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def git_locks(root: Path) -> list[Path]:
    """Lock files git left in .git (index.lock, HEAD.lock, refs/.../*.lock)."""
    return sorted(p for p in (root / ".git").rglob("*.lock") if p.is_file())


def note_git_locks(root: Path, tally: Tally) -> list[Path]:
    """The git lock files a kill left behind, counted in ``tally``."""
    locks = git_locks(root)
    if locks:
        tally.git_locks_left += 1
        tally.lock_names.update(re.sub(r"-\d+\.lock$", "-PID.lock", p.name) for p in locks)
    return locks


def remove_git_locks(root: Path) -> list[str]:
    """What a user does after git's message: remove the stale lock files."""
    removed = []
    for lock in git_locks(root):
        lock.unlink()
        removed.append(str(lock.relative_to(root)))
    return removed


def says_lock_clearly(outcome: Outcome, locks: list[Path]) -> bool:
    """Exit 3 with a one-line error that names the stale lock file and says to remove it."""
    text = outcome.stderr
    return (
        outcome.returncode == 3
        and text.startswith("crsmap: error: ")
        and len(text.strip().splitlines()) == 1
        and any(f"{lock.parent.name}/{lock.name}" in text for lock in locks)
        and "remove the file" in text
    )


# --------------------------------------------------------------------------- invariants


@dataclass
class Ledgers:
    """What the readers saw after a crash."""

    evidence: list
    interactions: list
    citations: dict
    temporaries: list[Path]

    @property
    def evidence_keys(self) -> set[tuple[str, str]]:
        return {(r.interaction, r.reference) for r in self.evidence}


@dataclass
class Tally:
    """Counts for the report."""

    name: str
    attempted: int = 0
    landed: int = 0  # SIGKILL arrived while the process ran
    finished: int = 0  # the process had already ended with exit 0
    other_exit: Counter = field(default_factory=Counter)
    checks: int = 0  # invariant checks passed
    git_locks_left: int = 0
    lock_messages: Counter = field(default_factory=Counter)
    lock_examples: list = field(default_factory=list)
    temporaries_left: set = field(default_factory=set)  # distinct left-over temporary files
    lock_names: Counter = field(default_factory=Counter)  # which git lock files were left
    states: Counter = field(default_factory=Counter)

    def count(self, outcome: Outcome) -> None:
        self.attempted += 1
        if outcome.killed:
            self.landed += 1
        elif outcome.ok:
            self.finished += 1
        else:
            self.other_exit[outcome.returncode] += 1

    def check(self, condition: bool, message: str) -> None:
        assert condition, f"[{self.name} kill {self.attempted}] {message}"
        self.checks += 1

    def summary(self) -> str:
        return (
            f"{self.name}: kills attempted {self.attempted}, landed while running {self.landed}, "
            f"after a successful exit {self.finished}, other exits {dict(self.other_exit)}; "
            f"invariant checks passed {self.checks}; git locks left {self.git_locks_left} "
            f"{dict(self.lock_names)} (next command: {dict(self.lock_messages)}); crsmap "
            f"temporaries left {len(self.temporaries_left)}; states {dict(self.states)}"
            + (f"; e.g. {self.lock_examples[0]!r}" if self.lock_examples else "")
        )


def read_ledgers(root: Path, tally: Tally) -> Ledgers:
    """Read every project file the way crsmap does; each must parse without a problem."""
    evidence = read_evidence(root / "evidence.tsv")
    tally.check(not evidence.problems, f"evidence.tsv has malformed lines: {evidence.problems}")
    interactions = read_interactions(root / "interactions.tsv")
    tally.check(
        not interactions.problems, f"interactions.tsv has malformed lines: {interactions.problems}"
    )
    citations = read_cache(root / "literature.jsonl")  # raises on any corrupt line
    tally.check(True, "literature.jsonl parses")
    load_config(root / "crsmap.toml")  # raises on a broken file
    tally.check(True, "crsmap.toml parses")
    keys = [(r.interaction, r.reference) for r in evidence.records]
    tally.check(len(keys) == len(set(keys)), "evidence.tsv holds a record twice")
    rows = [r.interaction for r in interactions.records]
    tally.check(len(rows) == len(set(rows)), "interactions.tsv holds an interaction twice")
    temporaries = [
        p for p in root.rglob(f"{TEMP_PREFIX}*") if ".git" not in p.relative_to(root).parts
    ]
    if temporaries:
        tally.temporaries_left.update(temporaries)
        check_temporaries_ignored(root, temporaries, tally)
    return Ledgers(evidence.records, interactions.records, citations, temporaries)


def check_temporaries_ignored(root: Path, temporaries: list[Path], tally: Tally) -> None:
    """Left-over temporary files are no data: git ignores them and no reader names them."""
    names = [str(p.relative_to(root)) for p in temporaries]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=root,
        input="\n".join(names) + "\n",
        capture_output=True,
        text=True,
    ).stdout.split()
    tally.check(sorted(ignored) == sorted(names), f"temporaries not ignored by git: {names}")
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    tally.check(TEMP_PREFIX not in status, f"git status lists a temporary file: {status}")


def committed_evidence(root: Path, revision: str = "HEAD") -> set[tuple[str, str]]:
    """The evidence records of a commit; a committed ledger must parse as well."""
    from curation.ledger import parse_evidence

    text = git(root, "show", f"{revision}:evidence.tsv")
    content = parse_evidence(text)
    assert not content.problems, f"{revision}:evidence.tsv is malformed: {content.problems}"
    return {(r.interaction, r.reference) for r in content.records}
