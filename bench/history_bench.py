"""Growth with history: does a release cost more when ten releases came before it?

:func:`run` builds a releasable project (:func:`release_bench.build_project`) on a map,
then cuts eleven releases in a row, each after one more evidence record (added with
``crsmap evidence add`` and released with ``--allow-unfetched --allow-warnings``: the new
paper has no cached metadata and is not yet annotated in the map), keeping copies of the
repository just before release #2 and #11 and just after #2. Then it times, as whole
commands, #2 against #11 taking turns (:func:`_taking_turns`):

- ``crsmap release`` #2 (one release before it) and #11 (ten before it): a release is cut
  once per repository, so each round releases fresh copies of the repository as it stood
  just before that release (``shutil.copytree``, off the clock);
- ``crsmap report`` and ``crsmap bundle`` on the repository just after release #2 and
  just after #11.

Every time is the median of :data:`RUNS` rounds, after one untimed round. The ratio
#11 / #2 is the growth; the target is at most 1.3 (issue 17: release, report and bundle
used to read every earlier release tag's map and ledgers again).

    .venv/bin/python bench/history_bench.py [--map MAP]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_bench import build_project, run  # bench/ is sys.path[0] as a script

RELEASES = 11
FIRST_NEW_PMID = 39_000_000
RUNS = 5  # each timed command: the median of 5 runs


@dataclass(frozen=True)
class Growth:
    """Times after 1 and after 10 earlier releases, for each command."""

    reactions: int
    release: tuple[float, float]
    report: tuple[float, float]
    bundle: tuple[float, float]


def _release_copy(root: Path, copy: Path) -> Path:
    """A fresh copy of ``root`` to release in, made off the clock; ``root`` stays unreleased."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True)
    return copy


def _taking_turns(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    env: dict[str, str],
    runs: int = RUNS,
    before: Callable[[int], None] | None = None,
) -> list[tuple[float, float]]:
    """Median wall times of each pair's two commands, timed taking turns.

    Round ``r`` runs the first command of every pair and then the second, or the second
    first on odd rounds, so both medians come from the same stretch of time: timed a
    minute apart, in blocks of their own, the two moved with the machine's speed (on
    2026-12-01, four runs of the report's ratio gave 0.91 to 1.78 for 65 ms of real
    growth). ``before(r)`` runs untimed before round ``r`` (a fresh copy to release in).
    One untimed round comes first (the caches and the bytecode a real session has).
    """
    times: list[tuple[list[float], list[float]]] = [([], []) for _ in pairs]
    for round_ in range(runs + 1):
        if before is not None:
            before(round_)
        for index, pair in enumerate(pairs):
            order = (0, 1) if round_ % 2 else (1, 0)
            for side in order:
                start = time.perf_counter()
                run(pair[side], env)
                if round_:
                    times[index][side].append(time.perf_counter() - start)
    return [(statistics.median(a), statistics.median(b)) for a, b in times]


def run_history(
    workdir: Path,
    map_path: Path,
    crsmap: Sequence[str],
    env: dict[str, str],
    say: Callable[[str], None] = print,
) -> Growth:
    """Cut :data:`RELEASES` releases, keeping the repository as it stood around #2 and #11.

    The copies are timed at the end, taking turns (see :func:`_taking_turns`): release on
    fresh copies of the repository just before release #2 and just before #11, then report
    and bundle on the repository just after #2 and just after #11.
    """
    prepared = build_project(workdir / "history", map_path, crsmap, env)
    project = [*crsmap, "--quiet", "--project", str(prepared.root)]
    first = next(iter(_interaction_ids(prepared.root)))
    last = RELEASES - 1
    kept: dict[tuple[str, int], Path] = {}  # ("before" | "after", n) -> a copy
    for n in range(RELEASES):
        version = f"1.{n}.0"
        say(f"release {version} ({n} before it)")
        if n:
            run([*project, "evidence", "add", first, f"pubmed:{FIRST_NEW_PMID + n}"], env)
        if n in (1, last):
            kept["before", n] = _release_copy(prepared.root, workdir / f"before-{n}")
        run([*project, "release", version, "--allow-unfetched", "--allow-warnings"], env)
        if n == 1:
            kept["after", n] = _release_copy(prepared.root, workdir / f"after-{n}")
    kept["after", last] = prepared.root

    copies = {n: workdir / f"release-copy-{n}" for n in (1, last)}

    def fresh_copies(_round: int) -> None:
        for n, copy in copies.items():
            _release_copy(kept["before", n], copy)

    after = {n: kept["after", n] for n in (1, last)}

    def pair(where: dict[int, Path], args: Callable[[int], list[str]]) -> tuple[list[str], ...]:
        """The command ``args(n)`` run in ``where[n]``, for n = 1 and for n = last."""
        return tuple([*crsmap, "--quiet", "--project", str(where[n]), *args(n)] for n in where)

    say(f"release 1.1.0 and 1.{last}.0, a fresh copy each, taking turns, median of {RUNS}")
    release = pair(
        copies, lambda n: ["release", f"1.{n}.0", "--allow-unfetched", "--allow-warnings"]
    )
    [releases] = _taking_turns([release], env, before=fresh_copies)
    say(f"report and bundle after 1.1.0 and after 1.{last}.0, taking turns, median of {RUNS}")
    report = pair(after, lambda n: ["report", "--output", str(workdir / f"report-{n}.html")])
    bundle = pair(after, lambda n: ["bundle", f"1.{n}.0", "--output", str(workdir / f"bundle-{n}")])
    reports, bundles = _taking_turns([report, bundle], env)
    return Growth(prepared.reactions, releases, reports, bundles)


def _interaction_ids(root: Path):
    from curation.project import Project

    return Project.open(root).interactions


def table(growth: Growth) -> list[str]:
    lines = [f"{growth.reactions:,} reactions; after 1 and after {RELEASES - 1} earlier releases:"]
    for name, (one, ten) in (
        ("release", growth.release),
        ("report", growth.report),
        ("bundle", growth.bundle),
    ):
        lines.append(f"  {name:8} {one * 1e3:8.0f} ms  {ten * 1e3:8.0f} ms  growth {ten / one:.2f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    from run import REAL_MAP, crsmap_command, subprocess_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--map", type=Path, default=REAL_MAP, help="the CellDesigner map")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crsmap-history-bench-") as tmp:
        growth = run_history(Path(tmp), args.map, crsmap_command(), subprocess_env())
    print("\n".join(table(growth)))


if __name__ == "__main__":
    main()
