"""Growth with history: does a release cost more when ten releases came before it?

:func:`run` builds a releasable project (:func:`release_bench.build_project`) on a map,
then cuts eleven releases in a row, each after one more evidence record (added with
``crsmap evidence add`` and released with ``--allow-unfetched --allow-warnings``: the new
paper has no cached metadata and is not yet annotated in the map), keeping copies of the
repository just before release #2 and #11 and just after #2. Then it times, as whole
commands, #2 against #11 taking turns (``interleaved_medians`` of ``run.py``):

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
import tempfile
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


def run_history(
    workdir: Path,
    map_path: Path,
    crsmap: Sequence[str],
    env: dict[str, str],
    say: Callable[[str], None] = print,
) -> Growth:
    """Cut :data:`RELEASES` releases, keeping the repository as it stood around #2 and #11.

    The copies are timed at the end, taking turns (``interleaved_medians``): release on
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

    from run import Timed, interleaved_medians  # imported here, as run.py imports this module

    def command(where: Path, *args: str) -> list[str]:
        return [*crsmap, "--quiet", "--project", str(where), *args]

    def fresh_copy(n: int) -> Callable[[], None]:
        """A fresh copy of the repository before release #n + 1, to cut that release in."""
        return lambda: _release_copy(kept["before", n], workdir / f"release-copy-{n}")

    both = (1, last)
    say(f"release 1.1.0 and 1.{last}.0, a fresh copy each, taking turns, median of {RUNS}")
    release = [
        Timed(
            command(workdir / f"release-copy-{n}", "release", f"1.{n}.0", "--allow-unfetched",
                    "--allow-warnings"),
            before=fresh_copy(n),
        )
        for n in both
    ]  # fmt: skip
    releases = tuple(median for median, _ in interleaved_medians(RUNS, *release, env=env))
    say(f"report and bundle after 1.1.0 and after 1.{last}.0, taking turns, median of {RUNS}")
    after = [
        *(Timed(command(kept["after", n], "report", "--output", str(workdir / f"report-{n}.html")))
          for n in both),
        *(Timed(command(kept["after", n], "bundle", f"1.{n}.0", "--output",
                        str(workdir / f"bundle-{n}")))
          for n in both),
    ]  # fmt: skip
    medians = [median for median, _ in interleaved_medians(RUNS, *after, env=env)]
    reports, bundles = tuple(medians[:2]), tuple(medians[2:])
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
