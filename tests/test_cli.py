"""Every curation command through the CLI, on real git repositories in temporary folders."""

import hashlib
import json
import subprocess

import pytest

from cli.main import cli
from curation.ledger import EVIDENCE_COLUMNS

from .conftest import CARBERRY, SECOND_ORCID, git_log, snapshot
from .mapfactory import document, reaction, species
from .test_xml_safety import BOMB, XXE

# --- init -------------------------------------------------------------------------------


def test_init_creates_the_repository_and_first_commit(runner, sample_map, tmp_path):
    target = tmp_path / "crs"
    result = runner.invoke(
        cli,
        [
            "init",
            str(target),
            "--title",
            "Cytokine Release Syndrome Map",
            "--map",
            str(sample_map),
            "--curator-name",
            "Josiah Carberry",
            "--orcid",
            CARBERRY,
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "crsmap.toml",
        "evidence.tsv",
        "interactions.tsv",
        "literature.jsonl",
        "CHANGELOG.md",
        ".gitattributes",
        ".gitignore",
        "maps/crs_sample.xml",
    ):
        assert (target / name).is_file(), name
    assert (target / "maps/crs_sample.xml").read_bytes() == sample_map.read_bytes()
    assert (target / "evidence.tsv").read_text() == "\t".join(EVIDENCE_COLUMNS) + "\n"
    toml = (target / "crsmap.toml").read_text()
    assert 'short_name = "cytokine-release-syndrome-map"' in toml and CARBERRY in toml
    assert git_log(target, "%an|%s") == [
        "Josiah Carberry|Start curation of Cytokine Release Syndrome Map with crsmap"
    ]
    assert "dist/" in (target / ".gitignore").read_text()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True
    ).stdout
    assert status == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (XXE, "the XML declares entities"),
        (BOMB, "the XML declares entities"),
        (document(species("s1", "A"), reaction("re1", ["s1"], ["s1"]))[:300], "malformed XML"),
        ('<sbml xmlns="http://www.sbml.org/sbml/level2/version4"/>', "no <model> element"),
    ],
    ids=["xxe", "entity-bomb", "truncated", "no-model"],
)
def test_init_refuses_bad_maps_and_writes_nothing(runner, tmp_path, content, message):
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    target = tmp_path / "crs"
    result = runner.invoke(cli, ["init", str(target), "--title", "T", "--map", str(bad)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_init_refuses_bad_orcid_and_missing_map_before_writing(runner, sample_map, tmp_path):
    target = tmp_path / "crs"
    result = runner.invoke(
        cli,
        [
            "init",
            str(target),
            "--title",
            "T",
            "--map",
            str(sample_map),
            "--curator-name",
            "X",
            "--orcid",
            "0000-0002-1825-0098",
        ],
    )
    assert result.exit_code == 2
    assert "invalid ORCID '0000-0002-1825-0098': check digit is 8, expected 7" in result.stderr
    result = runner.invoke(
        cli, ["init", str(target), "--title", "T", "--map", str(tmp_path / "nope.xml")]
    )
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not target.exists()


def test_init_twice_is_refused(crsmap, project, runner, sample_map):
    before = snapshot(project.root)
    result = runner.invoke(
        cli, ["init", str(project.root), "--title", "T", "--map", str(sample_map)]
    )
    assert result.exit_code == 2 and "already a crsmap project" in result.stderr
    assert snapshot(project.root) == before


# --- import ------------------------------------------------------------------------------


def test_import_records_map_references_once(crsmap, project):
    result = crsmap("import")
    assert result.exit_code == 0, result.output
    assert "imported 24 reference(s) for 23 interaction(s)" in result.output
    rows = [
        line.split("\t") for line in (project.root / "evidence.tsv").read_text().splitlines()[1:]
    ]
    assert len(rows) == 24
    assert {r[5] for r in rows} == {"map"} and {r[3] for r in rows} == {CARBERRY}
    assert ["re9", "pubmed:29808007"] in [r[:2] for r in rows]  # in RDF and notes: one record
    assert ["re13", "doi:10.1038/s41591-018-0041-7"] in [r[:2] for r in rows]
    commits = len(git_log(project.root))
    again = crsmap("import")
    assert again.exit_code == 0 and "nothing to import" in again.output
    assert len(git_log(project.root)) == commits


# --- interactions list / set -----------------------------------------------------------------


def test_interactions_list_json_has_the_contract_keys(crsmap):
    crsmap("import")
    rows = json.loads(crsmap("interactions", "list", "--format", "json").output)
    assert len(rows) == 27
    assert list(rows[0]) == [
        "id",
        "map",
        "type",
        "signature",
        "references",
        "map_references",
        "curator",
        "license",
        "status",
    ]
    missing = json.loads(
        crsmap("interactions", "list", "--missing-evidence", "--format", "json").output
    )
    assert [r["id"] for r in missing] == ["re12", "re15", "re18", "re20"]
    assert (
        missing[0]["signature"]
        == "IL1B + IL1R1 -> IL1B:IL1R1 [HETERODIMER_ASSOCIATION; INHIBITION: anakinra]"
    )


def test_interactions_list_tsv_and_table(crsmap):
    crsmap("import")
    tsv = crsmap("interactions", "list", "--format", "tsv").output.splitlines()
    assert tsv[0] == "id\ttype\tsignature\tevidence\tcurator\tlicense\tstatus"
    assert len(tsv) == 28
    table = crsmap("interactions", "list", "--missing-evidence", "--format", "table").output
    assert "re12" in table and "4 of 27 interactions without evidence" in table


def test_interactions_set_records_provenance_and_signature(crsmap, project):
    result = crsmap(
        "interactions",
        "set",
        "re14",
        "re16",
        "--license",
        "CC0-1.0",
        "--derived-from",
        "reactome:R-HSA-1059683",
        "--status",
        "reviewed",
    )
    assert result.exit_code == 0, result.output
    rows = {
        line.split("\t")[0]: line.split("\t")
        for line in (project.root / "interactions.tsv").read_text().splitlines()[1:]
    }
    assert rows["re14"][1:5] == [CARBERRY, "CC0-1.0", "reactome:R-HSA-1059683", "reviewed"]
    assert (
        rows["re14"][5]
        == "IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION; INHIBITION: tocilizumab]"
    )
    assert git_log(project.root, "%an|%s")[0] == (
        "Josiah Carberry|Set license=CC0-1.0, derived_from=reactome:R-HSA-1059683, status=reviewed on re14, re16"
    )
    assert crsmap("interactions", "set", "re14", "--status", "reviewed").output.startswith(
        "nothing to change"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["re14", "--status", "done"], "Invalid value for '--status'"),
        (["re14", "--license", "CC BY"], "invalid license 'CC BY'"),
        (
            ["re14", "--curator", SECOND_ORCID],
            f"--curator {SECOND_ORCID} is not a curator of this map",
        ),
        (["re999", "--status", "draft"], "unknown interaction 're999'"),
        (["re14", "--derived-from", "two words"], "invalid --derived-from"),
    ],
)
def test_interactions_set_bad_input(crsmap, project, args, message):
    before = snapshot(project.root)
    result = crsmap("interactions", "set", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert snapshot(project.root) == before


# --- evidence add / remove / list ----------------------------------------------------------------


def test_evidence_add_writes_and_commits_as_the_curator(crsmap, project):
    result = crsmap(
        "evidence",
        "add",
        "re12",
        "pubmed:29808005",
        "https://doi.org/10.1038/S41586-018-0774-Y",
        "--note",
        "IL-1 blockade abates CRS in mice",
    )
    assert result.exit_code == 0, result.output
    assert "re12: recorded pubmed:29808005, doi:10.1038/s41586-018-0774-y (commit" in result.output
    lines = (project.root / "evidence.tsv").read_text().splitlines()
    assert lines[1].split("\t") == [
        "re12",
        "doi:10.1038/s41586-018-0774-y",
        "ECO:0000269",
        CARBERRY,
        project.today.isoformat(),
        "manual",
        "IL-1 blockade abates CRS in mice",
    ]
    author, email, subject = git_log(project.root)[0].split("|")
    assert (author, email) == ("Josiah Carberry", "j.carberry@example.org")
    assert subject == "Add evidence for re12: pubmed:29808005, doi:10.1038/s41586-018-0774-y"
    body = git_log(project.root, "%b")
    assert f"Curator: Josiah Carberry <https://orcid.org/{CARBERRY}>" in body
    # The interaction became curated, with its signature recorded.
    assert (
        (project.root / "interactions.tsv")
        .read_text()
        .splitlines()[1]
        .startswith(f"re12\t{CARBERRY}\tCC-BY-4.0\t\tdraft\tIL1B")
    )
    again = crsmap("evidence", "add", "re12", "29808005")
    assert again.exit_code == 0 and "already recorded" in again.output


def test_evidence_add_no_commit_only_writes(crsmap, project):
    commits = len(git_log(project.root))
    result = crsmap(
        "evidence", "add", "re15", "PMID:29808007", "--eco", "ECO:0000304", "--no-commit"
    )
    assert result.exit_code == 0 and "(not committed)" in result.output
    assert len(git_log(project.root)) == commits
    assert "re15\tpubmed:29808007\tECO:0000304" in (project.root / "evidence.tsv").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["re12", "pubmed:abc"], "invalid PubMed ID 'pubmed:abc'"),
        (["re12", "doi:1038/s41591-018-0041-7"], "invalid DOI 'doi:1038/s41591-018-0041-7'"),
        (["re12", "pubmed:1", "--curator", "0000-0002-1825-0098"], "check digit is 8, expected 7"),
        (["re112", "pubmed:1"], "unknown interaction 're112'"),
        (["re12", "pubmed:1", "--note", "a\tb"], "without tabs, line breaks"),
        (["re12", "pubmed:1", "--eco", "ECO:1"], "invalid evidence code 'ECO:1'"),
    ],
    ids=[
        "bad-pmid",
        "doi-without-10",
        "orcid-check-digit",
        "unknown-interaction",
        "tab-in-note",
        "bad-eco",
    ],
)
def test_evidence_add_bad_input_changes_nothing(crsmap, project, args, message):
    before = snapshot(project.root)
    result = crsmap("evidence", "add", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(project.root) == before


def test_unknown_interaction_offers_the_closest_ids(crsmap):
    result = crsmap("evidence", "add", "re122", "pubmed:1")
    assert "did you mean re22, re12, re2?" in result.stderr


def test_missing_project_file_is_exit_2(runner, tmp_path):
    result = runner.invoke(cli, ["--project", str(tmp_path), "evidence", "add", "re1", "pubmed:1"])
    assert result.exit_code == 2
    assert "no crsmap.toml in" in result.stderr and "crsmap init" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_evidence_remove_puts_the_reason_in_the_commit(crsmap, project):
    crsmap("import")
    result = crsmap(
        "evidence", "remove", "re16", "20808781", "--reason", "retracted (PMID 37015095)"
    )
    assert result.exit_code == 0, result.output
    assert "also from the annotations of maps/crs_sample.xml" in result.output
    assert "re16\tpubmed:20808781" not in (project.root / "evidence.tsv").read_text()
    assert b"urn:miriam:pubmed:20808781" not in (project.root / "maps/crs_sample.xml").read_bytes()
    message = git_log(project.root, "%B")
    assert message[0] == "Remove evidence pubmed:20808781 from re16"
    assert "Reason: retracted (PMID 37015095)" in message
    before = snapshot(project.root)
    missing = crsmap("evidence", "remove", "re16", "pubmed:20808781")
    assert (
        missing.exit_code == 2 and "no evidence record for re16 pubmed:20808781" in missing.stderr
    )
    assert snapshot(project.root) == before


def test_removed_evidence_leaves_the_map_and_import_does_not_bring_it_back(crsmap, project):
    crsmap("import")
    assert crsmap("evidence", "remove", "re16", "20808781").exit_code == 0
    assert "nothing to import" in crsmap("import").output


def test_evidence_remove_can_keep_the_map_annotation(crsmap, project):
    crsmap("import")
    before = (project.root / "maps/crs_sample.xml").read_bytes()
    result = crsmap("evidence", "remove", "re16", "20808781", "--keep-in-map")
    assert result.exit_code == 0 and "annotations" not in result.output
    assert (project.root / "maps/crs_sample.xml").read_bytes() == before


def test_evidence_list_all_and_one(crsmap):
    crsmap("import")
    everything = json.loads(crsmap("evidence", "list", "--format", "json").output)
    assert len(everything) == 24 and list(everything[0]) == [*EVIDENCE_COLUMNS, "citation"]
    one = crsmap("evidence", "list", "re11", "--format", "tsv").output.splitlines()
    assert [line.split("\t")[1] for line in one[1:]] == ["pubmed:30542164", "pubmed:36586780"]


def test_malformed_ledger_line_blocks_writes_but_not_reads(crsmap, project):
    crsmap("import")
    ledger = project.root / "evidence.tsv"
    ledger.write_text(ledger.read_text() + "re1\tpubmed:1\tECO:1\n")
    before = snapshot(project.root)
    result = crsmap("evidence", "add", "re12", "pubmed:29808005")
    assert result.exit_code == 2
    assert "evidence.tsv:26: 3 columns, expected 7" in result.stderr
    assert snapshot(project.root) == before
    listing = crsmap("evidence", "list", "--format", "tsv")
    assert listing.exit_code == 0 and "evidence.tsv:26" in listing.stderr


# --- curators and the acting curator ---------------------------------------------------------------


def test_curators_add_and_list(crsmap, project):
    result = crsmap(
        "curators", "add", "Ada Lovelace", "--orcid", SECOND_ORCID, "--email", "ada@example.org"
    )
    assert result.exit_code == 0, result.output
    listing = json.loads(crsmap("curators", "list", "--format", "json").output)
    assert [c["orcid"] for c in listing] == [CARBERRY, SECOND_ORCID]
    toml = (project.root / "crsmap.toml").read_text()
    assert toml.startswith("# crsmap project file")  # comments survive
    duplicate = crsmap("curators", "add", "Someone", "--orcid", SECOND_ORCID)
    assert duplicate.exit_code == 2 and "already registered for Ada Lovelace" in duplicate.stderr


def test_with_two_curators_the_acting_one_must_be_known(crsmap, project, monkeypatch):
    crsmap("curators", "add", "Ada Lovelace", "--orcid", SECOND_ORCID, "--email", "ada@example.org")
    before = snapshot(project.root)
    ambiguous = crsmap("evidence", "add", "re12", "pubmed:29808005")
    assert (
        ambiguous.exit_code == 2
        and "pass --curator ORCID or set CRSMAP_CURATOR" in ambiguous.stderr
    )
    assert snapshot(project.root) == before
    subprocess.run(["git", "config", "user.email", "ada@example.org"], cwd=project.root, check=True)
    assert crsmap("evidence", "add", "re12", "pubmed:29808005").exit_code == 0
    assert git_log(project.root, "%an")[0] == "Ada Lovelace"
    monkeypatch.setenv("CRSMAP_CURATOR", CARBERRY)
    assert crsmap("evidence", "add", "re15", "pubmed:29808007").exit_code == 0
    assert git_log(project.root, "%an")[0] == "Josiah Carberry"


# --- show and annotate ------------------------------------------------------------------------------


def test_show_card(crsmap):
    crsmap("import")
    crsmap(
        "evidence", "add", "re12", "pubmed:29808005", "--note", "IL-1 blockade abates CRS in mice"
    )
    card = json.loads(crsmap("show", "re12", "--format", "json").output)
    assert (
        card["signature"]
        == "IL1B + IL1R1 -> IL1B:IL1R1 [HETERODIMER_ASSOCIATION; INHIBITION: anakinra]"
    )
    assert [(p["role"], p["name"], p["modification"]) for p in card["participants"]] == [
        ("reactant", "IL1B", None),
        ("reactant", "IL1R1", None),
        ("product", "IL1B:IL1R1", None),
        ("modifier", "anakinra", "INHIBITION"),
    ]
    assert card["curator_name"] == "Josiah Carberry" and card["status"] == "draft"
    assert card["evidence"][0]["note"] == "IL-1 blockade abates CRS in mice"
    text = crsmap("show", "re12", "--format", "table").output
    assert "signature   IL1B + IL1R1" in text and "pubmed:29808005" in text


def test_annotate_writes_ledger_references_into_the_map(crsmap, project):
    crsmap("import")
    crsmap("evidence", "add", "re12", "pubmed:29808005")
    before = (project.root / "maps/crs_sample.xml").read_bytes()
    result = crsmap("annotate")
    assert result.exit_code == 0, result.output
    assert "wrote 3 reference(s) into maps/crs_sample.xml" in result.output
    after = (project.root / "maps/crs_sample.xml").read_bytes()
    assert b'<rdf:li rdf:resource="urn:miriam:pubmed:29808005"/>' in after
    assert len(after) > len(before)
    cards = json.loads(crsmap("interactions", "list", "--format", "json").output)
    assert all(set(c["references"]) <= set(c["map_references"]) for c in cards)
    assert git_log(project.root, "%s")[0] == "Annotate map with 3 ledger reference(s)"
    assert "nothing to annotate" in crsmap("annotate").output


# --- several maps -----------------------------------------------------------------------------------


def test_two_maps_use_qualified_ids(runner, sample_map, tmp_path):
    other = tmp_path / "il6_signalling.xml"
    other.write_text(
        document(species("s1", "IL6") + species("s2", "IL6R"), reaction("re12", ["s1"], ["s2"]))
    )
    target = tmp_path / "two"
    assert (
        runner.invoke(
            cli,
            [
                "init",
                str(target),
                "--title",
                "T",
                "--map",
                str(sample_map),
                "--map",
                str(other),
                "--curator-name",
                "J",
                "--orcid",
                CARBERRY,
            ],
        ).exit_code
        == 0
    )
    ids = json.loads(
        runner.invoke(
            cli, ["--project", str(target), "interactions", "list", "--format", "json"]
        ).output
    )
    assert ids[-1]["id"] == "il6_signalling:re12" and ids[0]["id"] == "crs_sample:re1"
    ambiguous = runner.invoke(
        cli, ["--project", str(target), "evidence", "add", "re12", "pubmed:1"]
    )
    assert ambiguous.exit_code == 2 and "ambiguous" in ambiguous.stderr
    unique = runner.invoke(cli, ["--project", str(target), "evidence", "add", "re27", "pubmed:1"])
    assert unique.exit_code == 0 and "crs_sample:re27" in unique.output


# --- the whole CLI --------------------------------------------------------------------------------


def test_help_and_version(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in (
        "init",
        "import",
        "annotate",
        "interactions",
        "evidence",
        "curators",
        "show",
        "demo",
    ):
        assert command in result.output
    assert runner.invoke(cli, ["--version"]).output.startswith("crsmap, version ")


def test_demo_runs_the_cycle(runner, tmp_path):
    result = runner.invoke(cli, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "$ crsmap evidence add re12 pubmed:29808005" in result.output
    assert "4 of 27 interactions without evidence" in result.output
    assert "Ropelle ER et al. 2010 PLoS Biol is retracted" in result.output
    assert "retracted 1, from cache 12, HTTP requests 0" in result.output
    assert "audit: 5 error(s), 1 warning(s), 0 info; fails (fail on error)" in result.output
    assert "2 interactions have references only in notes (re6, re24)" in result.output
    assert (
        "Audit again: clean\n$ crsmap audit\naudit: 0 error(s), 0 warning(s), 0 info; passes"
        in result.output
    )
    project = tmp_path / "demo" / "crs-map"
    # init, the creator, import, snapshot, 5 evidence changes, the status, annotate, the release
    assert len(git_log(project)) == 13
    bundle = project / "dist" / "cytokine-release-syndrome-map-1.0.0.zip"
    assert "is intact and consistent" in result.output
    assert result.output.rstrip().endswith(
        f"sha256 {hashlib.sha256(bundle.read_bytes()).hexdigest()}"
    )


def test_init_never_overwrites_a_different_map_in_maps(runner, sample_map, tmp_path):
    target = tmp_path / "crs"
    (target / "maps").mkdir(parents=True)
    (target / "maps" / sample_map.name).write_text("<sbml/>")
    result = runner.invoke(cli, ["init", str(target), "--title", "T", "--map", str(sample_map)])
    assert result.exit_code == 2 and "already exists with other content" in result.stderr
    assert (target / "maps" / sample_map.name).read_text() == "<sbml/>"
    assert not (target / "crsmap.toml").exists()


def test_interactions_set_with_two_curators_commits_as_the_named_one(crsmap, project):
    crsmap("curators", "add", "Ada Lovelace", "--orcid", SECOND_ORCID)
    result = crsmap("interactions", "set", "re12", "--curator", SECOND_ORCID)
    assert result.exit_code == 0, result.output
    assert git_log(project.root, "%an|%s")[0] == f"Ada Lovelace|Set curator={SECOND_ORCID} on re12"


def test_a_broken_map_inside_the_project_is_reported_with_line_and_column(crsmap, project):
    path = project.root / "maps" / "crs_sample.xml"
    path.write_bytes(path.read_bytes()[:5000])
    before = snapshot(project.root)
    for args in (["interactions", "list"], ["evidence", "add", "re1", "pubmed:1"], ["import"]):
        result = crsmap(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("crsmap: error: maps/crs_sample.xml:")
        assert "malformed XML" in result.stderr and "Traceback" not in result.output
    assert snapshot(project.root) == before


def test_unknown_project_folder(runner, tmp_path):
    result = runner.invoke(cli, ["--project", str(tmp_path / "nope"), "interactions", "list"])
    assert result.exit_code == 2 and "does not exist" in result.stderr


# --- review findings: partial writes, hand-edited ledgers, odd projects ------------------------


def test_demo_ignores_a_foreign_acting_curator_and_stops_on_failure(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("CRSMAP_CURATOR", SECOND_ORCID)
    result = runner.invoke(cli, ["demo", str(tmp_path / "d1")])
    assert result.exit_code == 0, result.output
    assert "audit: 0 error(s), 0 warning(s), 0 info; passes" in result.output
    (tmp_path / "d2").mkdir()
    (tmp_path / "d2" / "x").write_text("x")
    busy = runner.invoke(cli, ["demo", str(tmp_path / "d2")])
    assert busy.exit_code == 2 and "is not empty" in busy.stderr


def test_init_refuses_maps_with_the_same_stem_before_writing(runner, sample_map, tmp_path):
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "crs_sample.XML").write_bytes(sample_map.read_bytes())
    target = tmp_path / "crs"
    result = runner.invoke(
        cli,
        [
            "init",
            str(target),
            "--title",
            "T",
            "--map",
            str(sample_map),
            "--map",
            str(twin / "crs_sample.XML"),
        ],
    )
    assert result.exit_code == 2 and "share the stem 'crs_sample'" in result.stderr
    assert not target.exists()


def test_init_in_an_existing_repository_keeps_its_files(runner, sample_map, tmp_path):
    target = tmp_path / "repo"
    target.mkdir()
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    (target / ".gitattributes").write_text("*.png binary\n")
    (target / ".gitignore").write_text("*.pyc\n")
    result = runner.invoke(
        cli,
        [
            "init",
            str(target),
            "--title",
            "T",
            "--map",
            str(sample_map),
            "--curator-name",
            "J",
            "--orcid",
            CARBERRY,
        ],
    )
    assert result.exit_code == 0, result.output
    attributes = (target / ".gitattributes").read_text()
    assert (
        attributes.startswith("*.png binary\n")
        and "evidence.tsv text eol=lf merge=crsmap" in attributes
    )
    assert (target / ".gitignore").read_text().startswith("*.pyc\n")
    again = tmp_path / "again"
    again.mkdir()
    (again / "evidence.tsv").write_text("precious\n")
    refused = runner.invoke(cli, ["init", str(again), "--title", "T", "--map", str(sample_map)])
    assert refused.exit_code == 2 and "expected a folder without crsmap ledgers" in refused.stderr
    assert (again / "evidence.tsv").read_text() == "precious\n"


def test_map_files_must_stay_inside_the_repository(crsmap, project, tmp_path):
    outside = tmp_path / "outside.xml"
    outside.write_bytes((project.root / "maps/crs_sample.xml").read_bytes())
    config = project.root / "crsmap.toml"
    for bad in (str(outside), "../outside.xml"):
        config.write_text(
            config.read_text().replace('files = ["maps/crs_sample.xml"]', f'files = ["{bad}"]')
        )
        result = crsmap("annotate")
        assert (
            result.exit_code == 2
            and "must be a relative path inside the repository" in result.stderr
        )
        config.write_text(
            config.read_text().replace(f'files = ["{bad}"]', 'files = ["maps/crs_sample.xml"]')
        )
    assert outside.read_bytes() == (project.root / "maps/crs_sample.xml").read_bytes()


def test_curators_add_to_an_inline_array_and_a_crlf_file(crsmap, project):
    config = project.root / "crsmap.toml"
    text = config.read_text()
    start = text.index("[[curators]]")
    end = text.index("[literature]")
    inline = f'curators = [{{name = "Josiah Carberry", orcid = "{CARBERRY}"}}]\n\n'
    text = text[:start] + text[end:]
    text = inline + text
    config.write_bytes(text.replace("\n", "\r\n").encode())
    result = crsmap("curators", "add", "Ada Lovelace", "--orcid", SECOND_ORCID)
    assert result.exit_code == 0, result.output
    written = config.read_bytes()
    assert written.count(b"\n") == written.count(b"\r\n")
    listing = json.loads(crsmap("curators", "list", "--format", "json").output)
    assert [c["orcid"] for c in listing] == [CARBERRY, SECOND_ORCID]


def test_hand_written_references_are_matched_by_their_normal_form(crsmap, project):
    ledger = project.root / "evidence.tsv"
    row = f"re12\tPMID:29808005\tECO:0000269\t{CARBERRY}\t2026-01-05\tmanual\t"
    ledger.write_text(ledger.read_text() + row + "\n")
    again = crsmap("evidence", "add", "re12", "29808005")
    assert again.exit_code == 0 and "already recorded" in again.output
    removed = crsmap("evidence", "remove", "re12", "29808005")
    assert removed.exit_code == 0, removed.output
    assert "PMID:29808005" not in ledger.read_text()


def test_evidence_of_a_reaction_deleted_from_the_map_can_be_listed_and_removed(crsmap, project):
    ledger = project.root / "evidence.tsv"
    ledger.write_text(
        ledger.read_text() + f"re999\tpubmed:1\tECO:0000269\t{CARBERRY}\t2026-01-05\tmanual\t\n"
    )
    listed = crsmap("evidence", "list", "re999", "--format", "tsv")
    assert listed.exit_code == 0 and "re999\tpubmed:1" in listed.output
    assert crsmap("evidence", "remove", "re999", "pubmed:1").exit_code == 0
    assert "re999" not in ledger.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["re12", "pubmed:1", "--note", "IL-1\u2028blockade"], "control characters"),
        (["re12", "doi:10.1234/a\x00b"], "invalid DOI"),
    ],
)
def test_values_that_would_break_a_ledger_line_are_refused(crsmap, project, args, message):
    before = snapshot(project.root)
    result = crsmap("evidence", "add", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert snapshot(project.root) == before


def test_suggestions_ignore_case(crsmap):
    assert "did you mean re12" in crsmap("evidence", "add", "RE12x", "pubmed:1").stderr


def test_a_reaction_type_with_a_line_break_is_folded(runner, tmp_path):
    xml = document(
        species("s1", "A") + species("s2", "B"),
        reaction("re1", ["s1"], ["s2"], type_="STATE_TRANSITION\nX"),
    )
    path = tmp_path / "nl.xml"
    path.write_text(xml)
    target = tmp_path / "p"
    assert (
        runner.invoke(
            cli,
            [
                "init",
                str(target),
                "--title",
                "T",
                "--map",
                str(path),
                "--curator-name",
                "J",
                "--orcid",
                CARBERRY,
            ],
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["--project", str(target), "evidence", "add", "re1", "123"])
    assert result.exit_code == 0, result.output
    assert "A -> B [STATE_TRANSITION X]" in (target / "interactions.tsv").read_text()
