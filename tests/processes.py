"""crsmap in a child process, with its exit code, output, wall time and peak memory.

Tests that bound a command's memory run it here: the child reports its own peak, which a
measurement from the parent cannot give.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HANG_SECONDS = 60  # a hang detector, not a benchmark


@dataclass
class Run:
    """One crsmap child process: exit code, output, wall time and peak resident memory."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int
    timed_out: bool

    def __str__(self) -> str:
        return (
            f"exit {self.code} in {self.seconds:.1f} s, peak {self.peak_bytes / 2**20:.0f} MiB"
            f"{' (killed: timeout)' if self.timed_out else ''}; stdout: {self.stdout[-500:]!r}; "
            f"stderr: {self.stderr[-500:]!r}"
        )


# The child reports its own peak memory: the kernel's ru_maxrss of a child carries the
# parent's peak across the fork and exec, so a large test process would mask the child's.
# PEAK_REPORTER goes before the child's own code (bench/large_map_bench.py uses it too).
PEAK_FILE_SETTING = "CRSMAP_PEAK_FILE"
PEAK_REPORTER = f"""
import atexit, os, resource, sys

def _report_peak():
    peak = 0
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:  # no /proc: ru_maxrss, an upper bound (bytes on macOS, else kB)
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = usage if sys.platform == "darwin" else usage * 1024
    with open(os.environ["{PEAK_FILE_SETTING}"], "w") as out:
        out.write(str(peak))

atexit.register(_report_peak)
"""
_CHILD = PEAK_REPORTER + "from cli.main import main\nmain()\n"


def crsmap_process(args: list[str], cwd: Path, timeout: float = HANG_SECONDS) -> Run:
    """Run ``crsmap ARGS`` in a child process; kill it after ``timeout`` seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, PEAK_FILE_SETTING: str(peak_file), "PYTHONPATH": path}
        start = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, *args],
                cwd=cwd,
                env=env,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            return Run(
                -9,
                (expired.stdout or b"").decode("utf-8", "replace"),
                (expired.stderr or b"").decode("utf-8", "replace"),
                time.monotonic() - start,
                0,
                True,
            )
        seconds = time.monotonic() - start
        peak = int(peak_file.read_text()) if peak_file.exists() else 0
        return Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            seconds,
            peak,
            False,
        )
