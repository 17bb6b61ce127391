"""Shared fixtures: hermetic git, a real sample project in tmp_path, the CLI runner.

Also the suite's budgets: hypothesis profiles (``CRSMAP_HYPOTHESIS_PROFILE``), and the one
line at the end that counts the tests the absence of ../shared/data skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

import literature.http
from cli.main import cli
from curation.config import Curator
from curation.demo import DEMO_CURATOR, copy_sample_map
from curation.project import Project

from .fakeserver import literature_server  # noqa: F401  (a fixture for every test module)

# ../shared/data next to the repository; CRSMAP_TEST_SHARED_DATA points elsewhere (a
# folder that does not exist shows what a checkout without the shared data skips).
SHARED_DATA = Path(
    os.environ.get("CRSMAP_TEST_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
SHARED_MAPS = sorted((SHARED_DATA / "maps").glob("*.xml")) if SHARED_DATA.is_dir() else []
# Map names for parametrised tests; one placeholder (which skips) when the data is absent.
MAP_NAMES_FOR_TESTS = [p.name.split("__")[0] for p in SHARED_MAPS] or ["(shared data absent)"]
CARBERRY = DEMO_CURATOR[1]
# A second, made-up curator; the check digit is right (ISO 7064 11,2).
SECOND_ORCID = "0000-0002-9079-593X"
# Every web service crsmap can be pointed at (tests/test_suite_hygiene.py checks the list
# against the source), with the path the fake server serves it under.
SERVICE_URL_SETTINGS = {
    "CRSMAP_EUTILS_URL": "/entrez/eutils/",
    "CRSMAP_IDCONV_URL": "/idconv/",
    "CRSMAP_CROSSREF_URL": "/crossref/",
    "CRSMAP_ZENODO_URL": "/zenodo",
    "CRSMAP_ZENODO_SANDBOX_URL": "/sandbox",
}


# Hypothesis budgets. "ci", the default, is small and reproducible (derandomize: the same
# examples on every run and every worker; no example database written into the checkout).
# "thorough" (CRSMAP_HYPOTHESIS_PROFILE=thorough) runs ten times as many, freshly random
# each run. tests/test_fuzz.py scales each test's own budget by the profile's max_examples.
HYPOTHESIS_PROFILE_SETTING = "CRSMAP_HYPOTHESIS_PROFILE"
_HYPOTHESIS_COMMON = {
    "deadline": None,  # a loaded CI machine is no reason to fail a property
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=100, derandomize=True, **_HYPOTHESIS_COMMON)
settings.register_profile("thorough", max_examples=1000, **_HYPOTHESIS_COMMON)
settings.load_profile(os.environ.get(HYPOTHESIS_PROFILE_SETTING) or "ci")


@pytest.fixture(scope="session")
def closed_port():
    """The port every service URL points at unless a test sets its own.

    Held, not listened on, for the whole session (of this xdist worker): connecting is
    refused at once, and no fake server of this worker or another can bind it meanwhile,
    which a port that was merely free a moment ago would allow.
    """
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch, closed_port):
    """No test reaches NCBI or Crossref: every service URL is a refused local port.

    A test that talks to the fake server sets its own URLs (``monkeypatch.setenv``),
    which wins because this fixture runs first. Subprocesses started with
    ``crash_helpers.crsmap_env`` inherit these settings too.
    """
    for name, path in SERVICE_URL_SETTINGS.items():
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port}{path}")
    # The per-service rate limiters live as long as the process: a fresh set per test, so
    # that no test waits on requests an earlier test (on this worker) made.
    monkeypatch.setattr(literature.http, "_LIMITERS", {})


@pytest.fixture(autouse=True)
def hermetic_git(monkeypatch, tmp_path_factory):
    """No global git identity or settings from the machine; no crsmap settings from the shell."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "CRSMAP_CURATOR",
        "CRSMAP_PROJECT",
        "CRSMAP_DEBUG",
        "CRSMAP_HTTP_TIMEOUT",
        "CRSMAP_LOCK_TIMEOUT",
        "CRSMAP_CACHE",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "NCBI_API_KEY",
        "ZENODO_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


def shared_map(stem_prefix: str) -> Path:
    """A real map from ../shared/data/maps, or skip when the shared data is absent."""
    if not SHARED_MAPS:
        pytest.skip(f"../shared/data/maps not found at {SHARED_DATA}: real-map tests need it")
    for path in SHARED_MAPS:
        if path.name.startswith(stem_prefix):
            return path
    pytest.skip(f"no shared map named {stem_prefix}*")


@pytest.fixture
def sample_map(tmp_path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    return copy_sample_map(folder)


@pytest.fixture
def project(tmp_path, sample_map) -> Project:
    """A committed crsmap project on the sample CRS map, curated by Josiah Carberry."""
    created, _ = Project.init(
        tmp_path / "crs",
        "Cytokine Release Syndrome Map",
        [sample_map],
        Curator(DEMO_CURATOR[0], CARBERRY, "j.carberry@example.org"),
    )
    return created


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def crsmap(runner, project):
    """Run crsmap inside the sample project: ``crsmap("evidence", "add", ...)``."""

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, ["--project", str(project.root), *args], input=input)

    return run


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a project (outside .git and the parsed-map cache) plus the commit HEAD
    points at: what a command that refuses must leave as it was."""
    skipped = {".git", ".crsmap-cache"}
    files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not skipped & set(p.relative_to(root).parts)
        and p.name != ".crsmap.lock"
    }  # fmt: skip
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    files["<HEAD>"] = head.stdout.encode()
    return files


def git_log(root: Path, fmt: str = "%an|%ae|%s") -> list[str]:
    out = subprocess.run(
        ["git", "log", f"--format={fmt}"], cwd=root, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def _skipped_for_shared_data(terminalreporter) -> int:
    """How many tests skipped because a file under ../shared/data was missing.

    Under pytest-xdist this runs in the controller, whose reporter holds every worker's
    reports; a skip's ``longrepr`` (path, line, reason) may arrive as a list.
    """
    count = 0
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple | list) else str(longrepr)
        if "shared/data" in reason or str(SHARED_DATA) in reason:
            count += 1
    return count


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line at the end: how many tests the absent ../shared/data skipped, and why."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller says it once
        return
    count = _skipped_for_shared_data(terminalreporter)
    if not count:
        return
    where = "absent" if not SHARED_DATA.is_dir() else "incomplete"
    terminalreporter.write_line(
        f"crsmap: {count} test(s) skipped because ../shared/data is {where} ({SHARED_DATA}): "
        "they read the real maps, recorded NCBI/Crossref answers and schemas kept there; "
        "everything else ran on fixtures the project writes itself",
        yellow=True,
        bold=True,
    )


@pytest.fixture
def online(monkeypatch, literature_server):  # noqa: F811  (the fixture, by name)
    """crsmap pointed at the fake NCBI/Crossref server, with quick retries."""
    monkeypatch.setenv("CRSMAP_EUTILS_URL", literature_server.eutils_url)
    monkeypatch.setenv("CRSMAP_IDCONV_URL", literature_server.idconv_url)
    monkeypatch.setenv("CRSMAP_CROSSREF_URL", literature_server.crossref_url)
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.05)
    monkeypatch.setattr(literature.http, "BACKOFF_JITTER", 0.0)
    # The server stamps a request when its handler thread runs, in this same process: with
    # the GIL and a loaded machine that can lag the client's send by a tenth of a second or
    # more, which made four requests paced 1.1 s apart look like four within one second. A
    # 0.9 s window keeps 0.2 s for that lag and still refuses a client that does not pace.
    literature_server.rate_window = 0.9
    return literature_server


def add_evidence_rows(project, references, interaction="re12"):
    """Write many evidence records straight into the ledger and commit them (faster than one
    command each)."""
    ledger = project.root / "evidence.tsv"
    rows = [
        f"{interaction}\t{ref}\tECO:0000269\t{CARBERRY}\t2026-01-05\tmanual\t" for ref in references
    ]
    ledger.write_text(ledger.read_text() + "\n".join(rows) + "\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(project.root)}  # fmt: skip
    subprocess.run(["git", "commit", "-qam", "evidence"], cwd=project.root, check=True, env=env)
