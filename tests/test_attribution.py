"""Releases of a third-party map with many authors: attribution, change record, verify.

The map here is written by the test (213 reactions with their PMIDs in the notes, as many
real maps keep them); its creators are not its curator, as is the common case.
"""

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from curation.identifiers import orcid_check_digit

from . import mapfactory as mf
from .conftest import CARBERRY, SECOND_ORCID, SHARED_DATA, shared_map

REACTIONS = 213


def orcid(n: int) -> str:
    """A made-up ORCID with a correct check digit."""
    base = f"0000000{n:08d}"
    digits = base + orcid_check_digit(base)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


LOVELACE = orcid(1815)
SOURCE_DOI = "10.1038/s41597-020-0477-8"


def third_party_map(path: Path) -> Path:
    """213 reactions; PMIDs in notes only (no MIRIAM RDF), every fifth reaction cites two."""
    species = "".join(mf.species(f"s{i}", f"P{i}") for i in range(10))
    reactions = "\n".join(
        mf.reaction(
            f"re{i}", [f"s{i % 10}"], [f"s{(i + 1) % 10}"],
            notes=f"PMID: {30000000 + i}" + (f" PMID:{31000000 + i}" if i % 5 == 0 else ""),
        )
        for i in range(1, REACTIONS + 1)
    )  # fmt: skip
    path.write_text(mf.document(species, reactions))
    return path


EXPECTED_RECORDS = REACTIONS + REACTIONS // 5


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", message)


def repo_state(root: Path) -> tuple[str, str, str]:
    return git(root, "status", "--porcelain"), git(root, "tag"), git(root, "rev-parse", "HEAD")


def files_of(bundle: Path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(bundle)
    return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    """A project on the third-party map: two creators, a copyright, a source; imported."""
    root = tmp_path_factory.mktemp("third-party")
    source = third_party_map(root / "inflammation.xml")
    project = root / "inflammation"
    runner = CliRunner()
    result = runner.invoke(cli, [
        "init", str(project), "--title", "Inflammation Map", "--map", str(source),
        "--curator-name", "Josiah Carberry", "--orcid", CARBERRY,
        "--creator", f"Lovelace, Ada;{LOVELACE};Analytical Engine Society",
        "--creator", "Grace Hopper",
        "--copyright", "2020-2025 University of Luxembourg", "--source", f"doi:{SOURCE_DOI}",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "creators are not recorded" not in result.stderr
    imported = runner.invoke(cli, ["--project", str(project), "import"])
    assert imported.exit_code == 0, imported.output
    return project


@pytest.fixture
def project(initialised, tmp_path):
    copy = tmp_path / "inflammation"
    shutil.copytree(initialised, copy, symlinks=True)
    return copy


@pytest.fixture
def run(project):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--project", str(project), *args])

    return invoke


def test_init_records_the_maps_own_provenance(project):
    text = (project / "crsmap.toml").read_text()
    assert (
        f'{{name = "Lovelace, Ada", orcid = "{LOVELACE}", affiliation = "Analytical Engine Society"}}'
        in text
    )
    assert '{name = "Grace Hopper"}' in text
    assert 'copyright = "2020-2025 University of Luxembourg"' in text
    assert f'source = "https://doi.org/{SOURCE_DOI}"' in text


def test_release_without_fetch_stops_before_writing(project, run):
    before = repo_state(project)
    for args in (["release", "1.0.0"], ["release", "1.0.0", "--allow-warnings"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert f"{EXPECTED_RECORDS - 0} reference(s) have no citation metadata" in result.stderr
        assert "run `crsmap fetch`, or pass --allow-unfetched" in result.stderr
        assert repo_state(project) == before
    assert not (project / "dist").exists()


def test_a_first_release_of_a_third_party_map(project, run, tmp_path):
    result = run("release", "1.0.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 0, result.output
    assert f"{EXPECTED_RECORDS} reference(s) released without citation metadata" in result.stderr
    bundle = project / "dist" / "inflammation-map-1.0.0.zip"
    verified = run("verify", str(bundle))
    assert verified.exit_code == 0, verified.output
    assert "WARN " in verified.output and "marked unfetched" in verified.output
    files = files_of(bundle)

    attribution = files["ATTRIBUTION.md"].decode()
    assert (
        f"**Inflammation Map** (https://doi.org/{SOURCE_DOI}), version 1.0.0 (released "
        in attribution
    )
    assert "by Ada Lovelace, Grace Hopper, is licensed under [Creative Commons" in attribution
    assert (
        f"- Ada Lovelace (https://orcid.org/{LOVELACE}), Analytical Engine Society" in attribution
    )
    assert "- Grace Hopper\n" in attribution
    assert "Copyright © 2020-2025 University of Luxembourg." in attribution
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in attribution
    assert "no warranty of any kind" in attribution
    assert f"The original: https://doi.org/{SOURCE_DOI}" in attribution
    contributors = attribution.split("## Contributors")[1].split("\n## ")[0]
    assert (
        f"- Josiah Carberry (https://orcid.org/{CARBERRY}): in this release {EXPECTED_RECORDS} "
        f"evidence record(s) added ({EXPECTED_RECORDS} of them imported from the map's own "
        f"annotations) and 0 removed; responsible curator of {REACTIONS} interaction(s)"
    ) in contributors
    head = attribution.split("## Contributors")[0]
    assert "Carberry" not in head  # never a creator or copyright holder
    # Every reference was only in the notes: crsmap wrote each as a MIRIAM annotation.
    assert (
        f"{EXPECTED_RECORDS} MIRIAM literature annotation(s) (`bqbiol:isDescribedBy`) added to "
        f"{REACTIONS} reaction(s), {EXPECTED_RECORDS} of them written by crsmap from the evidence "
        "ledger while building this bundle; 0 removed from 0 reaction(s)."
    ) in attribution
    assert "New material, not part of the original: evidence.tsv" in attribution

    changes = [line.split("\t") for line in files["changes.tsv"].decode().splitlines()]
    assert changes[0] == ["kind", "interaction", "reference", "curator", "detail"]
    kinds = [row[0] for row in changes[1:]]
    assert kinds.count("interaction-added") == REACTIONS
    evidence_rows = files["evidence.tsv"].decode().splitlines()[1:]
    assert kinds.count("evidence-added") == len(evidence_rows) == EXPECTED_RECORDS
    added = {(r[1], r[2]) for r in changes[1:] if r[0] == "evidence-added"}
    assert added == {tuple(line.split("\t")[:2]) for line in evidence_rows}
    assert kinds.count("reference-added") == EXPECTED_RECORDS
    assert kinds.count("curator-added") == 1
    assert kinds == sorted(kinds, key=["interaction-added", "evidence-added", "reference-added",
                                       "curator-added"].index)  # fmt: skip
    ids = [r[1] for r in changes[1:] if r[0] == "interaction-added"]
    assert ids == [f"re{i}" for i in range(1, REACTIONS + 1)]

    changelog = files["CHANGELOG.md"].decode()
    assert f"… and {REACTIONS - 50} more, listed in changes.tsv of the release bundle" in changelog
    for line in changelog.splitlines():
        if "more" in line and "…" in line:
            assert "changes.tsv" in line, line
    assert "one per line: changes.tsv of the release bundle." in changelog

    references = json.loads(files["references.json"])
    assert len(references) == EXPECTED_RECORDS
    assert all(
        item["status"] == "unfetched" and item["id"].startswith("pubmed:") for item in references
    )
    bib = files["references.bib"].decode()
    assert bib.count("@misc{unfetched:pubmed:") == EXPECTED_RECORDS
    assert "status = {unfetched}" in bib

    crate_dir = tmp_path / "crate"
    for name, data in files.items():
        (crate_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (crate_dir / name).write_bytes(data)
    from rocrate.rocrate import ROCrate

    root = ROCrate(crate_dir).root_dataset
    assert [a["name"] for a in root["author"]] == ["Ada Lovelace", "Grace Hopper"]
    assert root["author"][0].id == f"https://orcid.org/{LOVELACE}"
    assert [c.id for c in root["contributor"]] == [f"https://orcid.org/{CARBERRY}"]
    assert root["copyrightNotice"] == "Copyright © 2020-2025 University of Luxembourg"
    assert "changes.tsv" in {p.id for p in root["hasPart"]}

    cff = crate_dir / "CITATION.cff"
    validator = shutil.which("cffconvert", path=str(Path(sys.executable).parent))
    checked = subprocess.run(
        [validator, "--validate", "-i", str(cff)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    import yaml

    data = yaml.safe_load(cff.read_text())
    assert data["type"] == "dataset"
    assert data["authors"] == [
        {"family-names": "Lovelace", "given-names": "Ada", "orcid": f"https://orcid.org/{LOVELACE}",
         "affiliation": "Analytical Engine Society"},
        {"family-names": "Hopper", "given-names": "Grace"},
    ]  # fmt: skip
    schema_path = SHARED_DATA / "cff" / "schema.json"
    if not schema_path.exists():
        pytest.skip(f"{schema_path} not found: the CFF 1.2.0 schema lives in ../shared/data")
    import jsonschema

    jsonschema.validate(data, json.loads(schema_path.read_text()))


def test_a_bundle_that_would_not_verify_is_never_tagged(project, run, monkeypatch):
    from curation import release as releasing
    from curation.verify import Verification

    monkeypatch.setattr(
        releasing, "inspect_bytes", lambda data: Verification(["evidence.tsv: a planted problem"])
    )
    before = repo_state(project)
    changelog = (project / "CHANGELOG.md").read_bytes()
    result = run("release", "1.0.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 1, result.output
    assert (
        "would not pass `crsmap verify` (1 problem(s)); nothing was tagged and the release commit was undone"
        in result.stderr
    )
    assert "  evidence.tsv: a planted problem" in result.stderr
    assert repo_state(project) == before
    assert (project / "CHANGELOG.md").read_bytes() == changelog
    assert not (project / "dist").exists()
    monkeypatch.undo()
    assert run("release", "1.0.0", "--allow-warnings", "--allow-unfetched").exit_code == 0
    assert git(project, "log", "--format=%s").splitlines()[0] == "Release 1.0.0"
    assert git(project, "log", "--format=%s").count("Release 1.0.0") == 1


def test_changes_and_contributions_of_a_second_release(project, run):
    assert run("release", "1.0.0", "--allow-warnings", "--allow-unfetched").exit_code == 0
    assert run("curators", "add", "Ada Second", "--orcid", SECOND_ORCID).exit_code == 0
    removed = run("evidence", "remove", "re5", "pubmed:31000005", "--reason", "wrong species",
                  "--curator", SECOND_ORCID)  # fmt: skip
    assert removed.exit_code == 0, removed.output
    assert (
        run("evidence", "add", "re7", "pubmed:32000007", "--curator", SECOND_ORCID).exit_code == 0
    )
    assert (
        run(
            "interactions", "set", "re7", "--status", "reviewed", "--curator", SECOND_ORCID
        ).exit_code
        == 0
    )
    result = run("release", "1.1.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 0, result.output
    files = files_of(project / "dist" / "inflammation-map-1.1.0.zip")
    rows = [line.split("\t") for line in files["changes.tsv"].decode().splitlines()[1:]]
    assert [r[0] for r in rows] == [
        "interaction-changed", "evidence-added", "evidence-removed", "reference-added", "curator-added",
    ]  # fmt: skip
    assert rows[0][1] == "re7" and "status: draft -> reviewed" in rows[0][4]
    assert "curator: " + CARBERRY + " -> " + SECOND_ORCID in rows[0][4]
    assert rows[1][:4] == ["evidence-added", "re7", "pubmed:32000007", SECOND_ORCID]
    assert rows[2][:4] == ["evidence-removed", "re5", "pubmed:31000005", SECOND_ORCID]
    assert rows[2][4].endswith(": wrong species")
    assert rows[4] == ["curator-added", "", "", SECOND_ORCID, "Ada Second"]
    attribution = files["ATTRIBUTION.md"].decode()
    assert (
        f"- Ada Second (https://orcid.org/{SECOND_ORCID}): in this release 1 evidence record(s) "
        "added and 1 removed; responsible curator of 1 interaction(s)"
    ) in attribution
    assert (
        "- Josiah Carberry (https://orcid.org/" + CARBERRY + "): in this release 0" in attribution
    )
    # One record fewer, one more: the map gains as many annotations, and loses none, since
    # the removed reference was only ever in the reaction's notes.
    assert f"{EXPECTED_RECORDS} MIRIAM literature annotation(s)" in attribution
    assert "0 removed from 0 reaction(s)" in attribution
    assert run("verify", str(project / "dist" / "inflammation-map-1.1.0.zip")).exit_code == 0
    # Rebuilding from the tag gives the same change record (and the same bytes).
    rebuilt = run("bundle", "1.1.0", "--output", str(project / "again"))
    assert rebuilt.exit_code == 0
    assert (project / "again" / "inflammation-map-1.1.0.zip").read_bytes() == (
        project / "dist" / "inflammation-map-1.1.0.zip"
    ).read_bytes()


# --- creators, the audit, export ------------------------------------------------------------


def test_without_creators_nobody_is_miscredited(runner, sample_map, tmp_path):
    root = tmp_path / "anon"
    result = runner.invoke(cli, ["init", str(root), "--title", "Anon Map", "--map", str(sample_map),
                                 "--curator-name", "Josiah Carberry", "--orcid", CARBERRY])  # fmt: skip
    assert result.exit_code == 0
    assert "the map's creators are not recorded" in result.stderr
    audit = runner.invoke(cli, ["--project", str(root), "audit", "--format", "json",
                                "--rule", "missing-map-creators"])  # fmt: skip
    findings = json.loads(audit.output)["findings"]
    assert [f["rule"] for f in findings] == ["missing-map-creators"]
    assert findings[0]["severity"] == "warning" and "crsmap creators add" in findings[0]["hint"]

    from curation.attribution import Credits, attribution, citation_cff
    from curation.gitrepo import find_repo
    from curation.snapshot import at_revision

    snapshot = at_revision(find_repo(root), root, "HEAD")
    text = attribution(snapshot, Credits("1.0.0", "2026-11-30"))
    assert "by its creators (not recorded in crsmap.toml)" in text
    assert "they are not its creators or copyright holders" in text
    assert "No copyright notice is recorded" in text
    assert "Carberry" not in text.split("## Contributors")[0]
    cff = citation_cff(snapshot, "1.0.0", "2026-11-30")
    assert "# The map's creators are not recorded" in cff and "Carberry" in cff

    added = runner.invoke(cli, ["--project", str(root), "creators", "add", "Lovelace, Ada",
                                "--orcid", LOVELACE])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added map creator Lovelace, Ada" in added.output
    listed = runner.invoke(cli, ["--project", str(root), "creators", "list", "--format", "json"])
    assert json.loads(listed.output) == [
        {"name": "Lovelace, Ada", "orcid": LOVELACE, "affiliation": "", "kind": "person"}
    ]
    again = runner.invoke(
        cli, ["--project", str(root), "creators", "add", "Ada L", "--orcid", LOVELACE]
    )
    assert again.exit_code == 2 and "already a creator" in again.stderr
    audit = runner.invoke(cli, ["--project", str(root), "audit", "--rule", "missing-map-creators"])
    assert audit.exit_code == 0 and "0 warning(s)" in audit.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--creator", ";0000-0002-1825-0097"], "invalid --creator"),
        (["--creator", "Ada;0000-0002-1825-0098"], "check digit is 8"),
        (["--source", "not a uri"], "invalid source"),
        (["--copyright", "2020\nX"], "invalid --copyright"),
    ],
)
def test_init_refuses_bad_provenance_and_writes_nothing(
    runner, sample_map, tmp_path, args, message
):
    root = tmp_path / "bad"
    result = runner.invoke(
        cli, ["init", str(root), "--title", "T", "--map", str(sample_map), *args]
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not root.exists()


def test_creator_orcids_and_source_license_are_audited(project, run):
    config = project / "crsmap.toml"
    text = config.read_text().replace(
        LOVELACE, LOVELACE[:-1] + ("0" if LOVELACE[-1] != "0" else "1")
    )
    config.write_text(text.replace('source = "', 'source_license = "CC-BY-NC-4.0"\nsource = "'))
    result = run(
        "audit", "--format", "json", "--rule", "invalid-orcid", "--rule", "license-incompatible"
    )
    findings = json.loads(result.output)["findings"]
    rules = sorted(f["rule"] for f in findings)
    assert rules == ["invalid-orcid", "license-incompatible"], findings
    assert "creator Lovelace, Ada" in next(
        f["message"] for f in findings if f["rule"] == "invalid-orcid"
    )
    assert "the original map is CC-BY-NC-4.0" in next(
        f["message"] for f in findings if f["rule"] == "license-incompatible"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('creators = "Ada"', "[map] creators is 'Ada', expected a list"),
        ('creators = [{ orcid = "x" }]', "[map] creators #1 name ''"),
        ('creators = [{ name = "U", kind = "robot" }]', "kind 'robot'"),
        ('source = "two words"', "[map] source: invalid source"),
        ('source_license = "not spdx!"', "[map] source_license: invalid license"),
    ],
)
def test_bad_provenance_in_crsmap_toml_is_named(project, run, line, message):
    config = project / "crsmap.toml"
    text = re.sub(r"(?ms)^creators = \[.*?\].*?\n", "", config.read_text())
    text = re.sub(r"(?m)^source = .*\n", "", text)
    config.write_text(text.replace("[map]\n", f"[map]\n{line}\n", 1))
    result = run("interactions", "list", "--format", "tsv")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_export_with_nothing_to_export_writes_nothing(project, run):
    for fmt in ("bibtex", "csl"):
        target = project / f"refs.{fmt}"
        result = run("export", fmt, "-o", str(target))
        assert result.exit_code == 1, result.output
        assert "nothing to export: no citation metadata is cached" in result.stderr
        assert "run `crsmap fetch`" in result.stderr
        assert not target.exists()
    assert run("export", "tsv").exit_code == 0  # a table of what is cached may be empty


# --- names that cannot escape ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "Upper", "a/b", "x" * 65, ".hidden", "-x"])
def test_short_names_that_could_escape_are_refused(project, run, name):
    assert run("release", "1.0.0", "--allow-warnings", "--allow-unfetched").exit_code == 0
    config = project / "crsmap.toml"
    config.write_text(config.read_text().replace(
        'short_name = "inflammation-map"', f"short_name = {json.dumps(name)}"
    ))  # fmt: skip
    commit_all(project, "rename")
    before = repo_state(project)
    outside = sorted(p.name for p in project.parent.iterdir())
    for args in (
        ["release", "1.1.0", "--allow-warnings", "--allow-unfetched"],
        ["bundle", "1.0.0"],
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "[map] short_name" in result.stderr and "must match" in result.stderr
        assert repo_state(project) == before
    assert sorted(p.name for p in project.parent.iterdir()) == outside
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["inflammation-map-1.0.0.zip"]


def test_real_map_release_credits_its_creators(tmp_path):
    source = shared_map("acsn_dnarepair_HR")
    runner = CliRunner()
    root = tmp_path / "acsn"
    result = runner.invoke(cli, [
        "init", str(root), "--title", "DNA repair (HR)", "--map", str(source),
        "--curator-name", "Josiah Carberry", "--orcid", CARBERRY,
        "--creator-org", "Institut Curie SysBio", "--copyright", "Institut Curie",
        "--source", "https://navicell.curie.fr/",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    config = root / "crsmap.toml"
    config.write_text(config.read_text().replace("ignore = []", 'ignore = ["missing-evidence"]'))
    commit_all(root, "ignore missing evidence")
    assert runner.invoke(cli, ["--project", str(root), "import"]).exit_code == 0
    released = runner.invoke(cli, ["--project", str(root), "release", "1.0.0", "--allow-warnings",
                                   "--allow-unfetched"])  # fmt: skip
    assert released.exit_code == 0, released.output
    bundle = next((root / "dist").glob("*.zip"))
    assert runner.invoke(cli, ["verify", str(bundle)]).exit_code == 0
    files = files_of(bundle)
    kinds = [line.split("\t")[0] for line in files["changes.tsv"].decode().splitlines()[1:]]
    from curation.celldesigner import read_map

    assert kinds.count("interaction-added") == len(read_map(source).interactions) == 64
    assert "by Institut Curie SysBio, is licensed" in files["ATTRIBUTION.md"].decode()


# --- what the review of the first version found ----------------------------------------------


def test_an_old_tag_with_a_short_name_refused_today_does_not_block_releases(project, run):
    config = project / "crsmap.toml"
    text = config.read_text()
    config.write_text(
        text.replace('short_name = "inflammation-map"', 'short_name = "Inflammation_Map"')
    )
    commit_all(project, "an old crsmap accepted this name")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "tag", "-a", "v1.0.0", "-m", "old")
    config.write_text(text)
    commit_all(project, "the name as crsmap wants it now")
    released = run("release", "1.1.0", "--allow-warnings", "--allow-unfetched")
    assert released.exit_code == 0, released.output
    rebuilt = run("bundle", "1.0.0", "--output", str(project / "old"))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (project / "old" / "Inflammation_Map-1.0.0.zip").exists()


def test_versions_with_two_leading_vs_are_refused(project, run):
    before = repo_state(project)
    result = run("release", "vv1.1.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 2 and "invalid version 'vv1.1.0'" in result.stderr
    assert repo_state(project) == before


def test_references_unknown_to_pubmed_stop_a_release_early(project, run):
    from literature.cache import render_cache
    from literature.model import Citation

    cache = project / "literature.jsonl"
    cache.write_text(render_cache([Citation("pubmed:30000001", status="not-found")]))
    config = project / "crsmap.toml"
    config.write_text(config.read_text().replace("ignore = []", 'ignore = ["reference-not-found"]'))
    commit_all(project, "a not-found reference, and its audit rule ignored")
    before = repo_state(project)
    result = run("release", "1.0.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 1, result.output
    assert "1 reference(s) are unknown to PubMed/Crossref (pubmed:30000001)" in result.stderr
    assert repo_state(project) == before


def test_a_shallow_clone_cannot_rebuild_a_bundle(project, run, tmp_path):
    assert run("release", "1.0.0", "--allow-warnings", "--allow-unfetched").exit_code == 0
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{project}", str(clone)], check=True
    )
    result = CliRunner().invoke(cli, ["--project", str(clone), "bundle", "1.0.0"])
    assert result.exit_code == 2 and "this clone is shallow" in result.stderr
    assert not (clone / "dist").exists()


def test_every_record_change_is_in_changes_tsv(project, run):
    assert run("release", "1.0.0", "--allow-warnings", "--allow-unfetched").exit_code == 0
    assert run("curators", "add", "Ada Second", "--orcid", SECOND_ORCID).exit_code == 0
    evidence = project / "evidence.tsv"
    lines = evidence.read_text().splitlines()
    re3 = next(line for line in lines if line.startswith("re3\t"))
    # The same record twice, by another curator; and re4's record changed (ECO and note).
    duplicate = re3.split("\t")
    duplicate[3] = SECOND_ORCID
    re4 = next(line for line in lines if line.startswith("re4\t")).split("\t")
    changed = [*re4[:2], "ECO:0000250", *re4[3:6], "sequence similarity"]
    lines = [line for line in lines if not line.startswith("re4\t")]
    lines += ["\t".join(duplicate), "\t".join(changed)]
    evidence.write_text("\n".join([lines[0], *sorted(lines[1:])]) + "\n")
    commit_all(project, "hand edits")
    result = run("release", "1.1.0", "--allow-warnings", "--allow-unfetched")
    assert result.exit_code == 0, result.output
    rows = [
        line.split("\t")
        for line in files_of(project / "dist" / "inflammation-map-1.1.0.zip")["changes.tsv"]
        .decode()
        .splitlines()[1:]
    ]
    added = [r for r in rows if r[0] == "evidence-added"]
    removed = [r for r in rows if r[0] == "evidence-removed"]
    assert sorted((r[1], r[2], r[3]) for r in added) == [
        ("re3", "pubmed:30000003", SECOND_ORCID),
        ("re4", "pubmed:30000004", CARBERRY),
    ]
    assert "ECO:0000250 (map): sequence similarity" in {r[4] for r in added}
    assert [(r[1], r[2]) for r in removed] == [("re4", "pubmed:30000004")]
    # A hand edit committed with plain git: found in the history, credited to nobody.
    assert removed[0][3] == "" and removed[0][4].startswith("removed in commit ")
    changelog = (project / "CHANGELOG.md").read_text()
    total = len(evidence.read_text().splitlines()) - 1
    assert f"- 2 record(s) added, 1 removed; {total} in all." in changelog


def test_the_original_is_the_map_as_crsmap_received_it(tmp_path):
    """A map with its own history, adopted by crsmap in place, renamed later, under
    log.showRoot=false: the statement of modifications still compares with the version
    crsmap received, and a rebuild gives the same bytes."""
    root = tmp_path / "upstream"
    (root / "maps").mkdir(parents=True)
    species = "".join(mf.species(f"s{i}", f"P{i}") for i in range(3))

    def write(annotated: list[str]) -> None:
        reactions = "\n".join(
            mf.reaction(f"re{i}", ["s0"], [f"s{i}"],
                        rdf=mf.rdf_block(f"re{i}", *annotated) if i == 1 and annotated else "",
                        notes=f"PMID:{30000000 + i}")
            for i in (1, 2)
        )  # fmt: skip
        (root / "maps" / "m.xml").write_text(mf.document(species, reactions))

    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    write(["urn:miriam:pubmed:30000001"])
    git(root, "add", "-A")
    git(root, "-c", "user.name=u", "-c", "user.email=u@u", "commit", "-qm", "upstream 1")
    write(["urn:miriam:pubmed:30000001", "urn:miriam:pubmed:29000000"])  # the creators' edit
    commit_all(root, "upstream 2")
    git(root, "config", "log.showRoot", "false")
    runner = CliRunner()
    init = runner.invoke(cli, ["init", str(root), "--title", "Up", "--map", str(root / "maps" / "m.xml"),
                               "--curator-name", "Josiah Carberry", "--orcid", CARBERRY,
                               "--creator", "Upstream Author"])  # fmt: skip
    assert init.exit_code == 0, init.output

    def crsmap(*args):
        result = runner.invoke(cli, ["--project", str(root), *args])
        assert result.exit_code == 0, result.output
        return result

    crsmap("import")
    crsmap("annotate")
    crsmap("release", "1.0.0", "--allow-warnings", "--allow-unfetched")
    text = files_of(root / "dist" / "up-1.0.0.zip")["ATTRIBUTION.md"].decode()
    # pubmed:30000001 and pubmed:29000000 were the creators'; crsmap wrote the notes' PMID
    # of re2 (the annotate commit), and nothing was removed.
    assert (
        "1 MIRIAM literature annotation(s) (`bqbiol:isDescribedBy`) added to 1 reaction(s)" in text
    )
    assert "0 removed from 0 reaction(s)" in text

    git(root, "mv", "maps/m.xml", "maps/renamed.xml")
    config = root / "crsmap.toml"
    config.write_text(config.read_text().replace("maps/m.xml", "maps/renamed.xml"))
    commit_all(root, "rename the map")
    crsmap("release", "1.1.0", "--allow-warnings", "--allow-unfetched")
    renamed = files_of(root / "dist" / "up-1.1.0.zip")["ATTRIBUTION.md"].decode()
    assert "`maps/renamed.xml` (original: commit" in renamed
    assert (
        "1 MIRIAM literature annotation(s) (`bqbiol:isDescribedBy`) added to 1 reaction(s)"
        in renamed
    )
    git(root, "config", "log.showRoot", "true")
    crsmap("bundle", "1.1.0", "--output", str(tmp_path / "again"))
    assert (tmp_path / "again" / "up-1.1.0.zip").read_bytes() == (
        root / "dist" / "up-1.1.0.zip"
    ).read_bytes()


def test_organisations_are_credited_as_written(runner, sample_map, tmp_path):
    root = tmp_path / "org"
    result = runner.invoke(cli, ["init", str(root), "--title", "Org Map", "--map", str(sample_map),
                                 "--curator-name", "Josiah Carberry", "--orcid", CARBERRY,
                                 "--creator-org", "University of Luxembourg, LCSB",
                                 "--creator", "Lovelace, Ada"])  # fmt: skip
    assert result.exit_code == 0, result.output
    from curation.attribution import Credits, attribution, citation_cff
    from curation.gitrepo import find_repo
    from curation.snapshot import at_revision

    snapshot = at_revision(find_repo(root), root, "HEAD")
    text = attribution(snapshot, Credits("1.0.0", "2026-11-30"))
    assert "by Ada Lovelace; University of Luxembourg, LCSB, is licensed" in text
    assert "- University of Luxembourg, LCSB\n" in text
    cff = citation_cff(snapshot, "1.0.0", "2026-11-30")
    assert '  - name: "University of Luxembourg, LCSB"' in cff
    assert '  - family-names: "Lovelace"\n    given-names: "Ada"' in cff
