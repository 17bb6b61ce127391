"""The test suite itself: no test reaches the internet, and skips are never silent."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
from hypothesis import settings

import literature.http

from . import conftest
from .conftest import add_evidence_rows
from .crash_helpers import crsmap_env

ROOT = Path(__file__).resolve().parents[1]


def url_settings_in_the_source() -> set[str]:
    """Every ``CRSMAP_..._URL`` name the code of crsmap's packages (curation/, literature/,
    cli/, and any other with an ``__init__.py`` but tests/) reads."""
    names: set[str] = set()
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"]
    assert {"curation", "literature", "cli"} <= {p.name for p in packages}
    for package in packages:
        for path in package.rglob("*.py"):
            names.update(re.findall(r"CRSMAP_[A-Z0-9_]*_URL\b", path.read_text(encoding="utf-8")))
    return names


def test_conftest_knows_every_service_url_setting():
    found = url_settings_in_the_source()
    assert found, "no CRSMAP_*_URL setting found: has the fetch code moved?"
    assert found <= set(conftest.SERVICE_URL_SETTINGS), (
        f"add {sorted(found - set(conftest.SERVICE_URL_SETTINGS))} to "
        "SERVICE_URL_SETTINGS in tests/conftest.py, or a test may reach the internet"
    )


def test_every_service_url_is_a_refused_local_port(closed_port):
    for name in conftest.SERVICE_URL_SETTINGS:
        assert os.environ[name].startswith(f"http://127.0.0.1:{closed_port}/"), name
    # Refused, not silently timed out: nothing listens there.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port), timeout=5).close()


def test_subprocesses_keep_the_local_service_urls(tmp_path):
    env = crsmap_env(tmp_path / "home")
    for name in conftest.SERVICE_URL_SETTINGS:
        assert env[name] == os.environ[name], name


@pytest.mark.parametrize(
    "reference",
    ["pubmed:29808005", "doi:10.1038/s41591-018-0041-7", "pmc:PMC5122160"],
    ids=["pubmed", "crossref", "idconv"],
)
def test_a_fetch_without_the_fake_server_fails_naming_the_local_port(
    crsmap, project, monkeypatch, closed_port, reference
):
    # Each kind of reference goes to one service; all of them must end at the refused port.
    add_evidence_rows(project, [reference])
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.01)
    # One retry is enough to end at the port; six would wait on the 3-a-second NCBI limit.
    monkeypatch.setattr(literature.http, "MAX_ATTEMPTS", 2)
    cache = project.root / "literature.jsonl"
    before = cache.read_bytes()
    result = crsmap("fetch")
    assert result.exit_code == 3, result.output
    assert f"cannot connect to 127.0.0.1:{closed_port}: connection refused" in result.stderr
    assert "ncbi.nlm.nih.gov" not in result.output and "crossref.org" not in result.output
    assert cache.read_bytes() == before


class _Reporter:
    """What ``pytest_terminal_summary`` uses of pytest's TerminalReporter."""

    def __init__(self, skip_reasons: list[str], as_list: bool = False):
        # A worker's report reaches the xdist controller through a serializer, which may
        # hand the (path, line, reason) of a skip back as a list.
        shape = list if as_list else tuple
        self.stats = {
            "skipped": [
                pytest.TestReport(
                    "t.py::t", ("t.py", 1, "t"), {}, "skipped", shape(("t.py", 1, r)), "call"
                )
                for r in skip_reasons
            ]
        }
        self.lines: list[str] = []

    def write_line(self, line: str, **markup: bool) -> None:
        self.lines.append(line)


@pytest.mark.parametrize("as_list", [False, True], ids=["in-process", "from-xdist-workers"])
def test_one_line_counts_the_skips_for_shared_data_and_says_why(as_list):
    reporter = _Reporter(
        [
            "Skipped: ../shared/data/maps not found at /x: real-map tests need it",
            f"Skipped: recorded response a.json not found under {conftest.SHARED_DATA}/eutils",
            "Skipped: python-libsbml is not installed",
        ],
        as_list,
    )
    conftest.pytest_terminal_summary(reporter, 0, None)
    assert len(reporter.lines) == 1, reporter.lines
    assert reporter.lines[0].startswith("crsmap: 2 test(s) skipped because ../shared/data is ")
    assert "real maps" in reporter.lines[0]


def test_no_skip_line_when_nothing_was_skipped_for_shared_data():
    reporter = _Reporter(["Skipped: python-libsbml is not installed"])
    conftest.pytest_terminal_summary(reporter, 0, None)
    assert reporter.lines == []


def test_an_xdist_worker_leaves_the_line_to_the_controller():
    reporter = _Reporter(["Skipped: ../shared/data/maps not found at /x: real-map tests need it"])
    worker = type("Config", (), {"workerinput": {"workerid": "gw0"}})()
    conftest.pytest_terminal_summary(reporter, 0, worker)
    assert reporter.lines == []


def test_the_hypothesis_profile_is_the_one_asked_for():
    asked = os.environ.get(conftest.HYPOTHESIS_PROFILE_SETTING) or "ci"
    assert settings.default == settings.get_profile(asked)
    assert settings.default.deadline is None and settings.default.database is None
    assert settings.get_profile("thorough").max_examples > settings.get_profile("ci").max_examples
