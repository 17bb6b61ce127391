"""A 100 MB map through the whole command line: time and peak memory, against lxml.

What ``tests/test_hostile.py`` once asserted with a 300 s bound now is a measurement: a
synthetic map of about 100 MB (``generate_map.py``) goes through ``crsmap init`` (which
commits it) and ``crsmap interactions list --format tsv``, each in a child process that
reports its own peak resident memory (``VmHWM``); the baseline is a child that only
parses the same file with ``lxml.etree.parse``, start-up included. Each runs once: the
commands take tens of seconds, and the page cache is warm from writing the map.

    .venv/bin/python bench/large_map_bench.py     # one measurement, printed
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from generate_map import generate_map  # bench/ is sys.path[0] when run as a script

TARGET_BYTES = 100_000_000
SAMPLE_REACTIONS = 1_000  # generated first, to learn the bytes per reaction
PYTHON = sys.executable
CURATOR = ("Josiah Carberry", "0000-0002-1825-0097")

ROOT = Path(__file__).resolve().parents[1]
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))  # tests/ is not installed (see fetch_bench.py)
# The child writes its own peak to a file when it exits, as the tests' children do.
from tests.processes import PEAK_FILE_SETTING  # noqa: E402
from tests.processes import PEAK_REPORTER as _PEAK  # noqa: E402

CRSMAP = _PEAK + "from cli.main import main\nmain()\n"
LXML = _PEAK + "import sys\nfrom lxml import etree\netree.parse(sys.argv[1])\n"


@dataclass(frozen=True)
class Measured:
    """One child process: wall time (start-up included), peak memory and its stdout."""

    seconds: float
    peak_bytes: int
    stdout: str


@dataclass(frozen=True)
class LargeMap:
    size: int
    reactions: int
    init: Measured
    listing: Measured
    lxml: Measured


def measure(code: str, args: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    """Run ``python -c CODE ARGS`` once; fail loudly if it fails."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        start = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-c", code, *args],
            cwd=cwd,
            env={**env, PEAK_FILE_SETTING: str(peak_file)},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{args[:2]} failed ({done.returncode}): {done.stderr.strip()}")
        return Measured(seconds, int(peak_file.read_text()), done.stdout)


def write_map(path: Path, target: int = TARGET_BYTES) -> int:
    """A synthetic map of about ``target`` bytes at ``path``; returns its reaction count."""
    generate_map(SAMPLE_REACTIONS, path)
    reactions = round(SAMPLE_REACTIONS * target / path.stat().st_size)
    generate_map(reactions, path)
    return reactions


def run(workdir: Path, env: dict[str, str], progress=lambda message: None) -> LargeMap:
    """Write the map into ``workdir``, then time init, list and the lxml baseline."""
    path = workdir / "large_map.xml"
    progress(f"generate a map of about {TARGET_BYTES / 1e6:.0f} MB")
    reactions = write_map(path)
    progress("python -c 'lxml.etree.parse(MAP)', once")
    lxml = measure(LXML, [str(path)], workdir, env)
    progress("crsmap init (commits the map), once")
    init_args = ["init", "proj", "--title", "Large", "--map", str(path)]
    init_args += ["--curator-name", CURATOR[0], "--orcid", CURATOR[1]]
    init = measure(CRSMAP, init_args, workdir, env)
    progress("crsmap interactions list --format tsv, once")
    listing = measure(
        CRSMAP, ["--project", "proj", "interactions", "list", "--format", "tsv"], workdir, env
    )
    listed = len(listing.stdout.splitlines()) - 1  # minus the header
    if listed != reactions:
        raise RuntimeError(f"interactions list printed {listed} rows for {reactions} reactions")
    return LargeMap(path.stat().st_size, reactions, init, listing, lxml)


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSMAP_")}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="crsmap-large-map-") as tmp:
        result = run(Path(tmp), env, lambda message: print(message, file=sys.stderr))
    print(f"{result.size / 1e6:.0f} MB, {result.reactions:,} reactions")
    for name, measured in (
        ("crsmap init", result.init),
        ("crsmap interactions list", result.listing),
        ("lxml.etree.parse", result.lxml),
    ):
        print(f"{name}: {measured.seconds:.1f} s, peak {measured.peak_bytes / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
