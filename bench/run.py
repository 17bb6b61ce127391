"""crsmap benchmarks: one table of ratios, each against a baseline measured in the same run.

    .venv/bin/python bench/run.py        (or: make bench)

Ratios are crsmap time / baseline time, so lower is better. Nothing here asserts on a
timing: the targets are printed next to the ratios for a human to read. Progress goes to
stderr, the table to stdout. See bench/README.md for what each row measures.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generate_map import generate_map  # bench/ is sys.path[0] when run as a script

from curation.celldesigner import read_map

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REAL_MAP = DATA / "maps" / "c19dm_PAMP_drugs_mirna__COVID-19-Causal-Reasoning_CovidPathways.xml"
PYTHON = sys.executable

# Runs per measurement; the minimum is reported because noise (other processes, page
# cache, CPU frequency) only ever adds time.
RUNS_LIST = 5
RUNS_HELP = 10
# Reactions in the synthetic maps -> runs. The larger maps take seconds per read, so fewer
# runs keep the whole script well under two minutes on two cores.
GROWTH_SIZES = {1_000: 5, 10_000: 3, 50_000: 2}

LIBSBML_MISSING = "python-libsbml is not installed (.venv/bin/pip install python-libsbml)"


@dataclass
class Row:
    benchmark: str
    crsmap: str
    baseline: str
    baseline_time: str = ""
    ratio: float | None = None
    target: str = ""


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def crsmap_command() -> list[str]:
    """The console script next to this interpreter, or the same entry point via -c."""
    script = Path(PYTHON).parent / "crsmap"
    if script.exists():
        return [str(script)]
    return [PYTHON, "-c", "from cli.main import main; main()"]


def subprocess_env() -> dict[str, str]:
    # CRSMAP_PROJECT / CRSMAP_CURATOR in the caller's shell must not steer the commands.
    return {k: v for k, v in os.environ.items() if not k.startswith("CRSMAP_")}


def best_of_subprocess(cmd: Sequence[str], runs: int) -> tuple[float, str]:
    """Best wall time of ``runs`` runs of a whole command, start-up included.

    One untimed warm-up run first fills the page cache and the bytecode caches; its stdout
    is returned so callers can check the command did its job.
    """
    env = subprocess_env()
    warm = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if warm.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({warm.returncode}): {warm.stderr.strip()}")
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        best = min(best, time.perf_counter() - start)
    return best, warm.stdout


def best_of(fn: Callable[[], object], runs: int) -> float:
    """Best time of ``runs`` in-process calls.

    The garbage collector stays enabled, as it is in the CLI; collecting before each run
    starts them all from the same heap. The result is kept alive until the clock stops,
    so freeing it is not counted.
    """
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        del result
        best = min(best, elapsed)
    return best


# --- 1. interactions list on the largest real map ---------------------------------------


def bench_real_map(workdir: Path, notes: list[str]) -> list[Row]:
    name = "interactions list --format tsv (subprocess)"
    if not REAL_MAP.is_file():
        notes.append(
            f"skipped the real-map benchmarks: {REAL_MAP} not found (they need the shared data "
            f"folder {DATA}, next to the repository)"
        )
        return [
            Row(name, "skipped", "see notes"),
            Row("read_map (in-process)", "skipped", "see notes"),
        ]
    have_libsbml = importlib.util.find_spec("libsbml") is not None
    if not have_libsbml:
        notes.append(f"real-map baselines skipped: {LIBSBML_MISSING}")

    progress(f"1/3 init a project from {REAL_MAP.name}")
    project = workdir / "project"
    init_args = ["--title", "bench", "--map", str(REAL_MAP), "--no-commit"]
    init = [*crsmap_command(), "--quiet", "init", str(project), *init_args]
    subprocess.run(init, env=subprocess_env(), capture_output=True, text=True, check=True)

    progress(f"1/3 crsmap interactions list, best of {RUNS_LIST}")
    listing = [*crsmap_command(), "--project", str(project), "interactions", "list"]
    listing += ["--format", "tsv"]
    list_time, output = best_of_subprocess(listing, RUNS_LIST)
    listed = len(output.splitlines()) - 1  # minus the header line
    name = f"interactions list --format tsv, {listed:,} reactions (subprocess)"

    progress(f"1/3 in-process read_map, best of {RUNS_LIST}")
    read_time = best_of(lambda: read_map(REAL_MAP), RUNS_LIST)
    size_mb = REAL_MAP.stat().st_size / 1e6
    read_cell = f"{fmt_time(read_time)}, {size_mb / read_time:.1f} MB/s"
    rows = []
    if not have_libsbml:
        rows.append(Row(name, fmt_time(list_time), "libsbml (skipped)"))
        rows.append(Row("read_map (in-process)", read_cell, "libsbml (skipped)"))
        return rows

    import libsbml

    progress(f"1/3 libsbml baselines, best of {RUNS_LIST}")
    code = (
        f"import libsbml; d = libsbml.readSBMLFromFile({str(REAL_MAP)!r}); "
        "assert d.getModel().getNumReactions() > 0"
    )
    sbml_time, _ = best_of_subprocess([PYTHON, "-c", code], RUNS_LIST)
    sbml_read_time = best_of(lambda: libsbml.readSBMLFromFile(str(REAL_MAP)), RUNS_LIST)

    reactions = libsbml.readSBMLFromFile(str(REAL_MAP)).getModel().getNumReactions()
    if listed != reactions:
        notes.append(
            f"interactions list printed {listed} rows, libsbml counts {reactions} reactions"
        )
    rows.append(
        Row(
            name,
            fmt_time(list_time),
            "python -c 'import libsbml; readSBMLFromFile'",
            fmt_time(sbml_time),
            list_time / sbml_time,
            "<= 0.50",
        )
    )
    rows.append(
        Row(
            f"read_map (in-process), {size_mb:.1f} MB",
            read_cell,
            "libsbml.readSBMLFromFile (in-process)",
            fmt_time(sbml_read_time),
            read_time / sbml_read_time,
            "info",
        )
    )
    return rows


# --- 2. start-up -------------------------------------------------------------------------


def bench_help() -> list[Row]:
    progress(f"2/3 crsmap --help vs python -c 'import click', best of {RUNS_HELP}")
    help_time, _ = best_of_subprocess([*crsmap_command(), "--help"], RUNS_HELP)
    click_time, _ = best_of_subprocess([PYTHON, "-c", "import click"], RUNS_HELP)
    return [
        Row(
            "crsmap --help (subprocess)",
            fmt_time(help_time),
            "python -c 'import click'",
            fmt_time(click_time),
            help_time / click_time,
            "<= 1.50",
        )
    ]


# --- 3. growth with map size ---------------------------------------------------------------


def bench_growth(workdir: Path) -> list[Row]:
    per_reaction: dict[int, float] = {}
    rows = []
    for n, runs in GROWTH_SIZES.items():
        path = workdir / f"synthetic_{n}.xml"
        progress(f"3/3 generate {n:,} reactions, then read_map best of {runs}")
        generate_map(n, path)
        elapsed = best_of(lambda path=path: read_map(path), runs)
        per_reaction[n] = elapsed / n
        mb_per_s = path.stat().st_size / 1e6 / elapsed
        base = min(GROWTH_SIZES)
        rows.append(
            Row(
                f"read_map {n:,} reactions, per reaction",
                f"{per_reaction[n] * 1e6:.1f} us ({fmt_time(elapsed)}, {mb_per_s:.1f} MB/s)",
                f"read_map {base:,} reactions",
                f"{per_reaction[base] * 1e6:.1f} us",
                per_reaction[n] / per_reaction[base],
                "~1.0 (linear)",
            )
        )
        path.unlink()  # the 50k map is ~150 MB; do not keep it around longer than needed
    return rows


# --- the table ---------------------------------------------------------------------------


def print_table(rows: list[Row], notes: list[str]) -> None:
    header = ("benchmark", "crsmap", "baseline", "baseline time", "ratio", "target")
    cells = [
        (
            r.benchmark,
            r.crsmap,
            r.baseline,
            r.baseline_time,
            "" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    numeric = {4}  # right-align the ratio

    def line(values) -> str:
        return "  ".join(
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for values in cells:
        print(line(values))
    print()
    print(
        "ratio = crsmap / baseline, lower is better; best of N runs each; targets are not asserted."
    )
    for note in notes:
        print(f"note: {note}")


def environment() -> str:
    try:
        import libsbml

        sbml = libsbml.getLibSBMLDottedVersion()
    except ImportError:
        sbml = "not installed"
    from lxml import etree

    lxml_version = ".".join(map(str, etree.LXML_VERSION[:3]))
    return (
        f"python {platform.python_version()}, lxml {lxml_version}, libsbml {sbml}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def main() -> None:
    started = time.perf_counter()
    notes: list[str] = []
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="crsmap-bench-") as tmp:
        workdir = Path(tmp)
        try:
            rows += bench_real_map(workdir, notes)
        except (subprocess.CalledProcessError, RuntimeError) as exc:
            detail = getattr(exc, "stderr", None) or exc
            notes.append(f"real-map benchmark failed: {str(detail).strip()}")
        rows += bench_help()
        rows += bench_growth(workdir)
    print(f"crsmap benchmarks ({environment()})")
    print()
    print_table(rows, notes)
    print(f"total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
