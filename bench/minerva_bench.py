"""``crsmap minerva pull`` of a large MINERVA project against the local fake, and a baseline.

The fake MINERVA of the tests (``tests/minervaserver.py``) publishes 10 maps of 2,000
reactions, each reaction with two PubMed references. ``crsmap minerva pull`` runs as a
subprocess (start-up, the rate-limited requests, the snapshot written and committed); the
baseline is a plain ``requests`` loop that GETs the same URLs and parses their JSON, with
no politeness and nothing written. Requests are counted from the server's log.

    .venv/bin/python bench/minerva_bench.py     # one measurement, printed
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS, REACTIONS = 10, 2_000
PROJECT_ID = "bench_map"
CURATOR = ("Josiah Carberry", "0000-0002-1825-0097")


@dataclass(frozen=True)
class Pull:
    seconds: float
    requests: int


@dataclass(frozen=True)
class Measured:
    crsmap: Pull
    baseline: Pull
    reactions: int


def _server():
    """A started fake MINERVA publishing MODELS maps of REACTIONS reactions."""
    if sys.path[:1] != [str(ROOT)]:
        sys.path.insert(0, str(ROOT))  # tests/ is not installed (see fetch_bench.py)
    from tests.minervaserver import FakeMinerva, FakeModel, reaction, reference

    server = FakeMinerva().start()
    models = [
        FakeModel(
            m + 1,
            f"Map {m + 1}",
            [
                reaction(
                    m * REACTIONS + n,
                    f"re{n + 1}",
                    f"reaction {n + 1}",
                    [reference("PUBMED", 10_000_000 + n), reference("PUBMED", 20_000_000 + n)],
                )
                for n in range(REACTIONS)
            ],
        )
        for m in range(MODELS)
    ]
    server.add_project(PROJECT_ID, models)
    return server


def _baseline(url: str) -> None:
    import requests

    api = f"{url}/api/"
    with requests.Session() as session:
        session.get(api + "configuration/", timeout=30).json()
        session.get(api + f"projects/{PROJECT_ID}/", timeout=30).json()
        for model in session.get(api + f"projects/{PROJECT_ID}/models/", timeout=30).json():
            session.get(
                api + f"projects/{PROJECT_ID}/models/{model['idObject']}/bioEntities/reactions/",
                params={"columns": "id,reactionId,name,references"},
                timeout=30,
            ).json()


def run(workdir: Path, env: dict[str, str], progress=lambda message: None) -> Measured:
    """Measure one pull by crsmap and one by the baseline (each against a fresh log)."""
    from curation.config import Curator
    from curation.project import Project

    server = _server()
    try:
        progress("minerva: a project to pull into")
        sample = ROOT / "curation" / "data" / "crs_sample.xml"
        project, _ = Project.init(workdir / "crs", "Bench map", [sample], Curator(*CURATOR))
        command = [
            str(Path(sys.executable).parent / "crsmap"), "--project", str(project.root),
            "minerva", "pull", "--url", server.url, "--project", PROJECT_ID,
        ]  # fmt: skip
        progress(f"minerva: crsmap minerva pull of {MODELS} x {REACTIONS:,} reactions")
        before = len(server.requests)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        crsmap = Pull(time.perf_counter() - started, len(server.requests) - before)
        progress("minerva: the requests baseline")
        before = len(server.requests)
        started = time.perf_counter()
        _baseline(server.url)
        baseline = Pull(time.perf_counter() - started, len(server.requests) - before)
    finally:
        server.stop()
    return Measured(crsmap, baseline, MODELS * REACTIONS)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crsmap-minerva-bench-") as folder:
        measured = run(Path(folder), dict(os.environ), lambda m: print(m, file=sys.stderr))
    print(
        f"crsmap minerva pull: {measured.crsmap.seconds:.2f} s, {measured.crsmap.requests} "
        f"requests; requests baseline: {measured.baseline.seconds:.2f} s, "
        f"{measured.baseline.requests} requests; ratio "
        f"{measured.crsmap.seconds / measured.baseline.seconds:.1f}"
    )
