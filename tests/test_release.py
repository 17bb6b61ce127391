"""Releases: refusals, the CHANGELOG section, reproducible bundles, verify and history."""

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cli.main import cli

from .conftest import SHARED_DATA, git_log

# One worker runs them all under pytest-xdist: the released demo is built once.
pytestmark = pytest.mark.xdist_group("release")

BUNDLE = "cytokine-release-syndrome-map-{}.zip"
# The demo's commits and tag carry this time, not the clock's: a bundle that took the time
# it was built at, rather than its tag's, differs from one built from the same tag later.
COMMITTED = "2026-01-05T12:34:56+00:00"
COMMITTED_ZIP_TIME = (2026, 1, 5, 12, 34, 56)  # zip times count in steps of two seconds


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The demo's project, released as 1.0.0 (built once for the module)."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GIT_AUTHOR_DATE", COMMITTED)
        env.setenv("GIT_COMMITTER_DATE", COMMITTED)
        result = CliRunner().invoke(cli, ["demo", str(root / "d")])
    assert result.exit_code == 0, result.output
    return root / "d" / "crs-map"


@pytest.fixture
def project(released, tmp_path):
    """A private copy of the released project, so tests may change it."""
    copy = tmp_path / "crs-map"
    shutil.copytree(released, copy, symlinks=True)
    return copy


@pytest.fixture
def run(runner, project):
    def invoke(*args):
        return runner.invoke(cli, ["--project", str(project), *args])

    return invoke


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(project: Path):
    tags = subprocess.run(["git", "tag"], cwd=project, capture_output=True, text=True).stdout
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True
    ).stdout
    changelog = (project / "CHANGELOG.md").read_text()
    return tags, head, changelog, sorted(p.name for p in (project / "dist").iterdir())


def commit_all(project: Path, message: str):
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
        cwd=project,
        check=True,
    )


# --- refusals ----------------------------------------------------------------------------------


def test_release_refusals_write_nothing(run, project):
    before = state(project)
    cases = [
        (["release", "1.0.0"], 2, "tag v1.0.0 already exists"),
        (["release", "0.9.0"], 2, "does not increase on the last release 1.0.0"),
        (["release", "1.2"], 2, "invalid version '1.2'"),
        (["release"], 2, "give one (e.g. 1.0.0) or --bump"),
        (["release", "2.0.0", "--bump", "major"], 2, "not both"),
    ]
    for args, code, message in cases:
        result = run(*args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    (project / "evidence.tsv").write_text((project / "evidence.tsv").read_text() + "\n")
    dirty = run("release", "1.1.0")
    assert dirty.exit_code == 2 and "uncommitted changes (evidence.tsv)" in dirty.stderr
    subprocess.run(["git", "checkout", "--", "evidence.tsv"], cwd=project, check=True)
    assert state(project) == before


def test_audit_errors_and_warnings_stop_a_release(run, project):
    before = state(project)
    assert run("evidence", "remove", "re12", "pubmed:29808005").exit_code == 0
    failing = run("release", "1.1.0")
    assert failing.exit_code == 1 and "the audit found 1 error(s)" in failing.stderr
    assert (
        run("evidence", "add", "re12", "pubmed:29808005").exit_code == 0
    )  # back, but not in the map
    warned = run("release", "--bump", "minor")
    assert warned.exit_code == 1 and "or pass --allow-warnings" in warned.stderr
    tags, _, changelog, dist = state(project)
    assert (tags, changelog, dist) == (before[0], before[2], before[3])
    allowed = run("release", "--bump", "minor", "--allow-warnings")
    assert allowed.exit_code == 0, allowed.output
    assert "v1.1.0" in state(project)[0]


def test_dry_run_shows_the_section_and_writes_nothing(run, project):
    assert run("evidence", "add", "re1", "pubmed:29907163").exit_code == 0
    assert run("annotate").exit_code == 0
    before = state(project)
    result = run("release", "1.1.0", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## [1.1.0] - ")
    assert "- 1 record(s) added, 0 removed; 29 in all." in result.output
    assert "nothing written" in result.output
    assert state(project) == before


# --- the release and its bundle -------------------------------------------------------------------


def test_release_commit_tag_changelog_and_bundle(released):
    tags = subprocess.run(
        ["git", "tag", "-n1"], cwd=released, capture_output=True, text=True
    ).stdout
    assert tags.split() == ["v1.0.0", "Cytokine", "Release", "Syndrome", "Map", "1.0.0"]
    assert git_log(released, "%an|%s")[0] == "Josiah Carberry|Release 1.0.0"
    changelog = (released / "CHANGELOG.md").read_text()
    assert "## [Unreleased]\n\n## [1.0.0] - " in changelog
    for heading in (
        "### Interactions",
        "### Evidence",
        "### New references",
        "### Curators",
        "### Audit",
    ):
        assert heading in changelog
    assert "- pubmed:29808005 — Giavridis T et al. 2018 Nat Med" in changelog
    assert "- pubmed:20808781" not in changelog  # removed before the release
    bundle = released / "dist" / BUNDLE.format("1.0.0")
    names = zipfile.ZipFile(bundle).namelist()
    top = "cytokine-release-syndrome-map-1.0.0/"
    assert sorted(n[len(top):] for n in names) == sorted([
        ".zenodo.json", "ATTRIBUTION.md", "CHANGELOG.md", "CITATION.cff", "LICENSE", "changes.tsv", "evidence.tsv",
        "interactions.tsv", "manifest-sha256.txt", "map/crs_sample.xml", "references.bib", "references.json",
        "ro-crate-metadata.json", "report.html", "minerva-overlay.txt",
    ])  # fmt: skip


def test_bundles_are_byte_reproducible_anywhere(released, project, run, tmp_path):
    original = sha(released / "dist" / BUNDLE.format("1.0.0"))
    first = run("bundle", "1.0.0", "--output", str(tmp_path / "a"))
    second = run("bundle", "1.0.0", "--output", str(tmp_path / "b"))
    assert first.exit_code == 0 and second.exit_code == 0
    # Every entry carries the tag's time, months before the clock's: none of it came from
    # the time the bundle was built.
    entries = zipfile.ZipFile(tmp_path / "a" / BUNDLE.format("1.0.0")).infolist()
    assert {entry.date_time for entry in entries} == {COMMITTED_ZIP_TIME}
    assert (
        sha(tmp_path / "a" / BUNDLE.format("1.0.0"))
        == sha(tmp_path / "b" / BUNDLE.format("1.0.0"))
        == original
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(released), str(clone)], check=True)
    from click.testing import CliRunner

    rebuilt = CliRunner().invoke(cli, ["--project", str(clone), "bundle", "1.0.0"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert sha(clone / "dist" / BUNDLE.format("1.0.0")) == original
    unknown = run("bundle", "9.9.9")
    assert unknown.exit_code == 2 and "no release tag v9.9.9; releases: 1.0.0" in unknown.stderr


def test_bundle_comes_from_the_tag_not_the_working_tree(run, project, tmp_path):
    (project / "CHANGELOG.md").write_text("scribbled\n")
    assert run("bundle", "1.0.0", "--output", str(tmp_path)).exit_code == 0
    text = zipfile.ZipFile(tmp_path / BUNDLE.format("1.0.0")).read(
        "cytokine-release-syndrome-map-1.0.0/CHANGELOG.md"
    )
    assert b"## [1.0.0]" in text and b"scribbled" not in text


def _files(bundle: Path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(bundle)
    return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def test_bundle_contents(released, tmp_path):
    from curation.celldesigner import read_map

    files = _files(released / "dist" / BUNDLE.format("1.0.0"))
    evidence = files["evidence.tsv"].decode().splitlines()
    assert evidence[0].split("\t")[-1] == "first_release"
    assert all(line.endswith("\t1.0.0") for line in evidence[1:])
    rows = [line.split("\t") for line in files["interactions.tsv"].decode().splitlines()]
    assert rows[0] == ["id", "type", "signature", "curator", "license", "derived_from", "status", "evidence",
                       "references", "first_release", "last_changed"]  # fmt: skip
    assert len(rows) == 28 and all(r[-2:] == ["1.0.0", "1.0.0"] for r in rows[1:])
    (tmp_path / "map.xml").write_bytes(files["map/crs_sample.xml"])
    reaction_refs = read_map(tmp_path / "map.xml").interactions
    for line in evidence[1:]:
        interaction, reference = line.split("\t")[:2]
        assert reference in reaction_refs[interaction].annotated_references
    license_text = files["LICENSE"].decode()
    assert "Creative Commons Attribution 4.0 International" in license_text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in license_text
    attribution = files["ATTRIBUTION.md"].decode()
    for part in ("by The crsmap developers, is licensed under", "Copyright © 2026 The crsmap developers.",
                 "## Contributors\n", "- Josiah Carberry (https://orcid.org/0000-0002-1825-0097): in this release "
                 "28 evidence record(s) added (23 of them imported from the map's own annotations) and 0 "
                 "removed; responsible curator of 27 interaction(s)",
                 "## Disclaimer", "## Modifications", "## Third-party material", "## Funding"):  # fmt: skip
        assert part in attribution
    # The curator is credited as a contributor, never as the map's creator or copyright holder.
    creators = attribution.split("## Creators")[1].split("## ")[0]
    assert "Carberry" not in creators and "Carberry" not in attribution.split("## Contributors")[0]
    report = files["report.html"].decode()
    assert report.count('class="interaction"') == 27 and "Cytokine Release Syndrome Map" in report
    assert "<script src" not in report and "<link" not in report
    manifest = dict(
        reversed(line.split("  ")) for line in files["manifest-sha256.txt"].decode().splitlines()
    )
    assert set(manifest) == set(files) - {"manifest-sha256.txt"}
    assert all(
        hashlib.sha256(files[name]).hexdigest() == digest for name, digest in manifest.items()
    )


def test_nothing_private_is_inside(released, tmp_path, monkeypatch):
    data = (released / "dist" / BUNDLE.format("1.0.0")).read_bytes()
    blob = b"".join(_files(released / "dist" / BUNDLE.format("1.0.0")).values()) + data
    assert str(released).encode() not in blob
    assert str(Path.home()).encode() not in blob
    assert b"/tmp/" not in blob and b"SECRET" not in blob


def test_citation_cff_validates_against_the_cff_schema(released, tmp_path):
    import yaml

    files = _files(released / "dist" / BUNDLE.format("1.0.0"))
    cff = tmp_path / "CITATION.cff"
    cff.write_bytes(files["CITATION.cff"])
    data = yaml.safe_load(files["CITATION.cff"])
    for key in (
        "cff-version",
        "message",
        "title",
        "authors",
        "version",
        "date-released",
        "license",
    ):
        assert key in data
    validator = shutil.which("cffconvert", path=str(Path(sys.executable).parent))
    assert validator, "cffconvert is a test dependency"
    checked = subprocess.run(
        [validator, "--validate", "-i", str(cff)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    schema_path = SHARED_DATA / "cff" / "schema.json"
    if not schema_path.exists():
        pytest.skip(f"{schema_path} not found: the CFF 1.2.0 schema lives in ../shared/data")
    import jsonschema

    data["date-released"] = str(data["date-released"])
    jsonschema.validate(data, json.loads(schema_path.read_text()))


def test_ro_crate_loads_with_the_rocrate_library(released, tmp_path):
    from rocrate.rocrate import ROCrate

    folder = tmp_path / "crate"
    folder.mkdir()
    for name, data in _files(released / "dist" / BUNDLE.format("1.0.0")).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    crate = ROCrate(folder)
    root = crate.root_dataset
    assert root["name"] == "Cytokine Release Syndrome Map"
    assert root["datePublished"] and root["description"] and root["license"]
    assert {part.id for part in root["hasPart"]} >= {
        "map/crs_sample.xml",
        "evidence.tsv",
        "CITATION.cff",
    }
    assert [a["name"] for a in root["author"]] == ["The crsmap developers"]
    assert root["author"][0].type == "Organization"
    assert [c.id for c in root["contributor"]] == ["https://orcid.org/0000-0002-1825-0097"]
    assert "changes.tsv" in {part.id for part in root["hasPart"]}


# --- verify ------------------------------------------------------------------------------------------


def _rezip(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
    return target


def test_verify_accepts_a_good_bundle_and_rejects_damaged_ones(released, runner, tmp_path):
    good = released / "dist" / BUNDLE.format("1.0.0")
    ok = runner.invoke(cli, ["verify", str(good)])
    assert ok.exit_code == 0 and "intact and consistent" in ok.output
    tampered = _rezip(
        good,
        tmp_path / "t.zip",
        lambda n, d: d.replace(b"re12", b"re13") if n.endswith("evidence.tsv") else d,
    )
    result = runner.invoke(cli, ["verify", str(tampered)])
    assert result.exit_code == 1 and "evidence.tsv: checksum differs" in result.output
    missing = _rezip(
        good, tmp_path / "m.zip", lambda n, d: None if n.endswith("CITATION.cff") else d
    )
    result = runner.invoke(cli, ["verify", str(missing)])
    assert result.exit_code == 1 and "missing required file CITATION.cff" in result.output
    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = runner.invoke(cli, ["verify", str(truncated)])
    assert result.exit_code == 1 and "not a readable zip file" in result.output
    assert runner.invoke(cli, ["verify", str(tmp_path / "nope.zip")]).exit_code == 2


@pytest.mark.parametrize("kind", ["traversal", "absolute", "symlink", "bomb"])
def test_verify_rejects_hostile_archives_before_reading_them(tmp_path, runner, kind):
    path = tmp_path / f"{kind}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "traversal":
            archive.writestr("b-1.0.0/../../evil.txt", b"x")
        elif kind == "absolute":
            archive.writestr("/etc/evil", b"x")
        elif kind == "symlink":
            info = zipfile.ZipInfo("b-1.0.0/link")
            info.external_attr = 0o120777 << 16
            archive.writestr(info, b"/etc/passwd")
        else:
            archive.writestr("b-1.0.0/big.tsv", b"\0" * 50_000_000)
    result = runner.invoke(cli, ["verify", str(path)])
    assert result.exit_code == 1, result.output
    expected = {
        "traversal": "unsafe path",
        "absolute": "unsafe path",
        "symlink": "symbolic link",
        "bomb": "zip bomb",
    }
    assert expected[kind] in result.output


# --- provenance across releases ------------------------------------------------------------------------


def test_history_and_release_fields_across_two_releases(run, project):
    assert run("interactions", "set", "re12", "--license", "CC0-1.0").exit_code == 0
    assert (
        run("evidence", "add", "re12", "pubmed:29808007", "--note", "monocyte IL-1").exit_code == 0
    )
    assert run("annotate").exit_code == 0
    assert run("release", "1.1.0").exit_code == 0
    history = json.loads(run("history", "re12", "--format", "json").output)
    assert [h["release"] for h in history][:2] == ["1.1.0", "1.1.0"]
    assert history[0]["changes"] == ["evidence added: pubmed:29808007"]
    assert history[1]["changes"] == ["license: CC-BY-4.0 -> CC0-1.0"]
    assert history[-1]["release"] == "1.0.0" and history[-1]["author"] == "Josiah Carberry"
    card = json.loads(run("show", "re12", "--format", "json").output)
    assert (card["first_release"], card["last_changed"]) == ("1.0.0", "1.1.0")
    untouched = json.loads(run("show", "re1", "--format", "json").output)
    assert (untouched["first_release"], untouched["last_changed"]) == ("1.0.0", "1.0.0")
    files = _files(project / "dist" / BUNDLE.format("1.1.0"))
    rows = {
        line.split("\t")[0]: line.split("\t")
        for line in files["interactions.tsv"].decode().splitlines()
    }
    assert rows["re12"][-2:] == ["1.0.0", "1.1.0"] and rows["re1"][-2:] == ["1.0.0", "1.0.0"]
    evidence = [line.split("\t") for line in files["evidence.tsv"].decode().splitlines()[1:]]
    firsts = {(r[0], r[1]): r[-1] for r in evidence}
    assert (
        firsts[("re12", "pubmed:29808007")] == "1.1.0"
        and firsts[("re12", "pubmed:29808005")] == "1.0.0"
    )
    changelog = (project / "CHANGELOG.md").read_text()
    assert changelog.index("## [1.1.0]") < changelog.index("## [1.0.0]")
    assert "- 1 record(s) added, 0 removed; 29 in all." in changelog
    assert run("verify", str(project / "dist" / BUNDLE.format("1.1.0"))).exit_code == 0


def test_a_release_on_another_branch_is_not_an_earlier_release(run, project):
    """A hotfix tagged on its own branch is not in main's history: 1.1.0 follows 1.0.0."""
    import git

    from curation.release import previous_release
    from curation.versions import parse_version

    def on(branch: str) -> None:
        subprocess.run(["git", "checkout", "-q", branch], cwd=project, check=True)

    main = subprocess.run(
        ["git", "branch", "--show-current"], cwd=project, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["git", "checkout", "-q", "-b", "hotfix", "v1.0.0"], cwd=project, check=True)
    assert run("evidence", "add", "re12", "pubmed:29808007").exit_code == 0
    assert run("annotate").exit_code == 0
    assert run("release", "1.0.1").exit_code == 0
    on(main)
    assert run("interactions", "set", "re12", "--license", "CC0-1.0").exit_code == 0
    repo = git.Repo(project)
    found = previous_release(repo, repo.head.commit, parse_version("1.1.0"))
    assert found is not None and found[0] == "1.0.0"
    assert found[1].hexsha == repo.tags["v1.0.0"].commit.hexsha
    assert run("release", "1.1.0").exit_code == 0
    section = (project / "CHANGELOG.md").read_text().split("## [1.1.0]")[1].split("\n## [")[0]
    assert "pubmed:29808007" not in section  # the hotfix's evidence is not on this branch
    history = json.loads(run("history", "re12", "--format", "json").output)
    assert "1.0.1" not in {h["release"] for h in history}
    assert history[0]["release"] == "1.1.0" and history[-1]["release"] == "1.0.0"
    on("hotfix")
    assert previous_release(repo, repo.head.commit, parse_version("1.0.2"))[0] == "1.0.1"
