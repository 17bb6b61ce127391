"""Growth with history: does a release cost more when ten releases came before it?

:func:`run` builds a releasable project (:func:`release_bench.build_project`) on a map,
then cuts eleven releases in a row, each after one more evidence record (added with
``crsmap evidence add`` and released with ``--allow-unfetched --allow-warnings``: the new
paper has no cached metadata and is not yet annotated in the map). It times, as whole
commands:

- ``crsmap release`` #2 (one release before it) and #11 (ten before it): a release is cut
  once per repository, so each is timed on :data:`RUNS` fresh copies of the repository as
  it stands just before that release (``shutil.copytree``, off the clock), and the
  sequence's own release #2 / #11 then runs, untimed, in the repository itself;
- ``crsmap report`` and ``crsmap bundle`` after release #2 and after #11, :data:`RUNS`
  runs each.

Every time is the median of its :data:`RUNS` runs. The ratio #11 / #2 is the growth; the
target is at most 1.3 (issue 17: release, report and bundle used to read every earlier
release tag's map and ledgers again).

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


def _timed(command: Sequence[str], env: dict[str, str], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` runs of a read-only command."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(command, env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _timed_release(
    root: Path,
    workdir: Path,
    crsmap: Sequence[str],
    release: Sequence[str],
    env: dict[str, str],
    runs: int = RUNS,
) -> float:
    """Median wall time of ``crsmap ... release`` on ``runs`` fresh copies of ``root``.

    Each copy is made (and deleted) off the clock; ``root`` itself is left unreleased.
    """
    times = []
    for n in range(runs):
        copy = workdir / f"history-copy-{n}"
        shutil.copytree(root, copy, symlinks=True)
        start = time.perf_counter()
        run([*crsmap, "--quiet", "--project", str(copy), *release], env)
        times.append(time.perf_counter() - start)
        shutil.rmtree(copy)
    return statistics.median(times)


def run_history(
    workdir: Path,
    map_path: Path,
    crsmap: Sequence[str],
    env: dict[str, str],
    say: Callable[[str], None] = print,
) -> Growth:
    prepared = build_project(workdir / "history", map_path, crsmap, env)
    project = [*crsmap, "--quiet", "--project", str(prepared.root)]
    first = next(iter(_interaction_ids(prepared.root)))
    releases: dict[int, float] = {}
    reports: dict[int, float] = {}
    bundles: dict[int, float] = {}
    last = RELEASES - 1
    for n in range(RELEASES):
        version = f"1.{n}.0"
        if n:
            run([*project, "evidence", "add", first, f"pubmed:{FIRST_NEW_PMID + n}"], env)
        release = ["release", version, "--allow-unfetched", "--allow-warnings"]
        if n in (1, last):
            say(f"release {version} ({n} before it), median of {RUNS} fresh copies")
            releases[n] = _timed_release(prepared.root, workdir, crsmap, release, env)
        else:
            say(f"release {version} ({n} before it)")
        run([*project, *release], env)
        if n in (1, last):
            say(f"report and bundle after release {version}, median of {RUNS} each")
            output = workdir / f"report-{n}.html"
            reports[n] = _timed([*project, "report", "--output", str(output)], env)
            folder = workdir / f"bundle-{n}"
            bundles[n] = _timed([*project, "bundle", version, "--output", str(folder)], env)
    return Growth(
        prepared.reactions,
        (releases[1], releases[last]),
        (reports[1], reports[last]),
        (bundles[1], bundles[last]),
    )


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
