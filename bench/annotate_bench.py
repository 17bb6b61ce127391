"""`crsmap annotate` on generated maps: time per reaction and growth with 10x the work.

Issue 17: annotating was quadratic (10.5 s at 3,100 reactions, 747 s at 31,000). Each
project here is a map from ``generate_map.py`` (a third of its reactions already carry
one ``isDescribedBy`` reference) with one ``manual`` evidence record per reaction that
the map does not carry yet, so ``crsmap annotate`` writes one new reference into every
reaction: ``crsmap.toml`` with one curator and ``evidence.tsv``, nothing else (annotate
reads no other file). Building a project parses its map once in this process, which
also fills the project's parsed-map cache, as any earlier command of a curator would.

Each timed run is the whole command, start-up included, ``crsmap --project DIR annotate
--no-commit`` (committing is git's work on the file, the same before and after), on the
pristine map, copied back before the clock starts; the median of N is kept. Every run
must report one reference written per reaction.

    .venv/bin/python bench/annotate_bench.py               # 1,000, 3,100 and 31,000 reactions
    .venv/bin/python bench/annotate_bench.py --no-large    # without the 31,000-reaction map
    .venv/bin/python bench/annotate_bench.py --sizes 1000,2000,4000,8000 --runs 1

:func:`bench_annotate` returns the rows of a ``bench/run.py`` section.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from audit_bench import CURATOR, DAY, ECO, LICENSE  # bench/ is sys.path[0] as a script
from generate_map import generate_map

from curation.config import CONFIG_FILE, MapSettings, render_new_config
from curation.ledger import EVIDENCE_FILE, EvidenceRecord, render_evidence
from curation.project import Project
from curation.storage import atomic_write_text

if TYPE_CHECKING:
    from run import Row  # imported when called: run.py imports the bench modules

# Reactions -> timed runs; each row reports the median of its runs. The 31,000-reaction map
# (~95 MB) is the issue's: it is included unless --no-large and runs 3 times, all timed, the
# median being the middle one (building it takes ~15 s, a run 15-30 s, so 5 runs would
# take more than two minutes; before issue 17 was fixed a run took more than half an hour
# on the same machine).
SIZES = {1_000: 5, 3_100: 5}
LARGE = {31_000: 3}
WARM_UP_BELOW = 10_000  # reactions: smaller sizes get an untimed warm-up run first
FIRST_PMID = 90_000_000  # the added references: above any PMID generate_map writes
BUDGET = (31_000, 30.0)  # reactions, seconds: "annotate <= 30 s for the 31k-reaction map"
GROWTH = (3_100, 31_000, 12.0)  # 10x the reactions may take at most 12x the time
PER_REACTION_TARGET = "<= 1.20 (linear)"
WROTE = re.compile(r"wrote (\d+) reference\(s\)")


def build_project(root: Path, n_reactions: int) -> int:
    """A project in ``root`` whose map lacks one ledger reference per reaction.

    Returns the number of references ``crsmap annotate`` must write.
    """
    root = Path(root)
    map_file = f"maps/annotate_{n_reactions}.xml"
    (root / "maps").mkdir(parents=True, exist_ok=True)
    generate_map(n_reactions, root / map_file)
    settings = MapSettings(
        title=f"Annotate bench {n_reactions}",
        short_name=f"annotate-bench-{n_reactions}",
        files=(map_file,),
        license=LICENSE,
    )
    atomic_write_text(root / CONFIG_FILE, render_new_config(settings, [CURATOR]))
    interactions = Project.open(root).interactions
    if len(interactions) != n_reactions:
        raise RuntimeError(f"{map_file}: read {len(interactions)} reactions, wrote {n_reactions}")
    evidence = [
        EvidenceRecord(i.id, f"pubmed:{FIRST_PMID + n}", ECO, CURATOR.orcid, DAY, "manual")
        for n, i in enumerate(interactions.values())
    ]
    atomic_write_text(root / EVIDENCE_FILE, render_evidence(evidence))
    return len(evidence)


def time_annotate(
    root: Path, command: list[str], env: dict[str, str], expected: int, runs: int, warm_up: bool
) -> float:
    """Median time of ``runs`` runs of ``crsmap annotate`` in ``root``, each on the pristine map.

    An untimed warm-up run comes first when ``warm_up``. Every run must write ``expected``
    references; the map is restored from a copy before each one, off the clock.
    """
    (map_path,) = (root / "maps").glob("*.xml")
    pristine = root.parent / f"{root.name}.pristine.xml"
    shutil.copyfile(map_path, pristine)
    annotate = [*command, "--project", str(root), "annotate", "--no-commit"]
    times = []
    for run in range(runs + 1):
        if run == 0 and not warm_up:
            continue
        shutil.copyfile(pristine, map_path)
        start = time.perf_counter()
        done = subprocess.run(annotate, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(annotate)} failed ({done.returncode}): {done.stderr.strip()}"
            )
        wrote = WROTE.search(done.stdout)
        if wrote is None or int(wrote.group(1)) != expected:
            raise RuntimeError(f"annotate wrote {done.stdout.strip()!r}, expected {expected}")
        if run:
            times.append(elapsed)
    shutil.copyfile(pristine, map_path)
    pristine.unlink()
    return statistics.median(times)


def bench_annotate(
    workdir: Path, notes: list[str], large: bool = True, sizes: dict[int, int] | None = None
) -> list[Row]:
    """Time ``crsmap annotate`` on each size; the rows of a ``bench/run.py`` section.

    ``sizes`` maps reactions to timed runs (default: :data:`SIZES`, and :data:`LARGE` when
    ``large``). Sizes below :data:`WARM_UP_BELOW` run more than once get an untimed warm-up
    run; the others start on the page cache and parsed-map cache the build left warm.
    """
    from run import Row, crsmap_command, fmt_time, progress, runs_text, subprocess_env

    sizes = dict(sizes or {**SIZES, **(LARGE if large else {})})
    seconds: dict[int, float] = {}
    for n, runs in sorted(sizes.items()):
        root = workdir / f"annotate_{n}"
        progress(f"annotate: build a project of {n:,} reactions")
        expected = build_project(root, n)
        warm_up = runs > 1 and n < WARM_UP_BELOW
        plus = ", after a warm-up run" if warm_up else ", no warm-up run"
        progress(f"annotate: crsmap annotate, {n:,} reactions, {runs_text(runs)}{plus}")
        seconds[n] = time_annotate(
            root, crsmap_command(), subprocess_env(), expected, runs, warm_up
        )
        shutil.rmtree(root)

    base = min(seconds)
    per = {n: t / n for n, t in seconds.items()}
    rows = [
        Row(
            "annotate: generated maps, one new reference per reaction (subprocess, --no-commit)",
            "",
            "",
        )
    ]
    for n, t in seconds.items():
        rows.append(
            Row(
                f"  {n:,} reactions, per reaction",
                f"{per[n] * 1e3:.2f} ms ({fmt_time(t)})",
                f"the same at {base:,} reactions, per reaction",
                f"{per[base] * 1e3:.2f} ms",
                per[n] / per[base],
                PER_REACTION_TARGET,
            )
        )
    small, big, most = GROWTH
    if small in seconds and big in seconds:
        rows.append(
            Row(
                f"  {big:,} vs {small:,} reactions: total time, {big / small:g}x the work",
                f"{fmt_time(seconds[big])} ({per[big] * 1e3:.2f} ms per reaction)",
                f"{small:,} reactions",
                f"{fmt_time(seconds[small])} ({per[small] * 1e3:.2f} ms per reaction)",
                seconds[big] / seconds[small],
                f"<= {most:g}",
            )
        )
    budget_n, budget = BUDGET
    if budget_n in seconds:
        rows.append(
            Row(
                f"  {budget_n:,} reactions, time",
                fmt_time(seconds[budget_n]),
                "the issue's budget",
                fmt_time(budget),
                seconds[budget_n] / budget,
                "<= 1.00",
            )
        )
    notes.append(
        "annotate: the whole `crsmap --project DIR annotate --no-commit` on a project built "
        "from a generate_map.py map with one missing ledger reference per reaction, the map "
        "restored before each run; sizes "
        + ", ".join(f"{n:,} ({runs_text(r)})" for n, r in sorted(sizes.items()))
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    from run import environment, print_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--large",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="include the 31,000-reaction map (default: yes)",
    )
    parser.add_argument(
        "--sizes", help="comma-separated reaction counts instead of the default sizes"
    )
    parser.add_argument("--runs", type=int, help="timed runs per size (default: per size)")
    args = parser.parse_args(argv)
    sizes = {**SIZES, **(LARGE if args.large else {})}
    if args.sizes:
        sizes = {int(n): SIZES.get(int(n), 1) for n in args.sizes.split(",")}
    if args.runs:
        sizes = dict.fromkeys(sizes, args.runs)
    started = time.perf_counter()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="crsmap-annotate-bench-") as tmp:
        rows = bench_annotate(Path(tmp), notes, sizes=sizes)
    print(f"crsmap annotate benchmark ({environment()})")
    print()
    print_table(rows, notes)
    print(f"total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
