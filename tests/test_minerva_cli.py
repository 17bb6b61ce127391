"""`crsmap minerva pull|status` and the minerva-* rules in `crsmap audit`, as a curator runs them."""

# ruff: noqa: F811  (the fixtures imported below are used by name as test arguments)
from __future__ import annotations

import json
import subprocess

from .minervaserver import minerva_server  # noqa: F401  (the fixture, by name)
from .test_minerva import EXTRA, PROJECT_ID, curated, quick_retries, served  # noqa: F401


def configure(root, url: str) -> None:
    """[minerva] in crsmap.toml, committed, as a maintainer sets it up once."""
    with (root / "crsmap.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'\n[minerva]\nurl = "{url}"\nproject = "{PROJECT_ID}"\n')
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "MINERVA settings"],
        cwd=root, check=True,
    )  # fmt: skip


def test_pull_then_audit_then_status_on_the_published_sample(served, crsmap, project):
    configure(project.root, served.url)
    pulled = crsmap("minerva", "pull")
    assert pulled.exit_code == 0, pulled.output
    assert f"pulled {PROJECT_ID} from {served.url}" in pulled.output
    assert "(commit " in pulled.output
    snapshot = json.loads((project.root / "minerva.json").read_text())
    assert (snapshot["project"], snapshot["instance"]) == (PROJECT_ID, served.url)
    (model,) = snapshot["models"]
    assert len(model["reactions"]) == len(project.interactions)
    log = subprocess.run(
        ["git", "log", "-1", "--format=%s", "--", "minerva.json"],
        cwd=project.root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert log.startswith(f"Pull MINERVA snapshot of {PROJECT_ID}")

    audit = crsmap("audit", "--format", "json", "--fail-on", "never")
    assert audit.exit_code == 0, audit.output
    findings = json.loads(audit.output)["findings"]
    by_rule: dict[str, list] = {}
    for finding in findings:
        by_rule.setdefault(finding["rule"], []).append(finding)
    assert [f["reference"] for f in by_rule["minerva-extra-reference"]] == [EXTRA]
    assert [f["interaction"] for f in by_rule["minerva-invalid-reference"]] == ["re2"]
    assert by_rule["minerva-invalid-reference"][0]["severity"] == "error"

    status = crsmap("minerva", "status", "--format", "json")
    assert status.exit_code == 0, status.output
    summary = json.loads(status.output)
    assert summary["project"] == PROJECT_ID and summary["instance"] == served.url
    assert summary["findings"]["minerva-extra-reference"] == 1
    (row,) = summary["files"]
    assert row["reactions_map"] == row["reactions_minerva"] == len(project.interactions)

    table = crsmap("minerva", "status", "--format", "table")
    assert table.exit_code == 0, table.output
    assert f"project {PROJECT_ID}" in table.output and "no release yet" in table.output


def test_the_issue_flags_override_the_configuration(served, crsmap, project):
    pulled = crsmap("minerva", "pull", "--url", served.url, "--project", PROJECT_ID, "--no-commit")
    assert pulled.exit_code == 0, pulled.output
    assert "(not committed)" in pulled.output
    assert (project.root / "minerva.json").is_file()


def test_without_settings_pull_names_what_to_set_and_writes_nothing(crsmap, project):
    result = crsmap("minerva", "pull")
    assert result.exit_code == 2
    assert "[minerva] project" in result.output
    assert not (project.root / "minerva.json").exists()


def test_a_server_error_exits_3_and_keeps_the_previous_snapshot(served, crsmap, project):
    configure(project.root, served.url)
    assert crsmap("minerva", "pull").exit_code == 0
    before = (project.root / "minerva.json").read_bytes()
    served.inject("bioEntities/reactions", "500", times=100)
    failed = crsmap("minerva", "pull")
    assert failed.exit_code == 3, failed.output
    assert (project.root / "minerva.json").read_bytes() == before
    offline = crsmap("minerva", "pull", "--offline")
    assert offline.exit_code == 0 and f"{PROJECT_ID} from {served.url}" in offline.output


def test_status_before_any_pull_says_to_pull(crsmap):
    result = crsmap("minerva", "status")
    assert result.exit_code == 2 and "crsmap minerva pull" in result.output
