"""Removals that stick (rejected.tsv, --everywhere, --from-notes) and map-drift that helps."""

import datetime as dt
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import cli
from curation.config import Creator, Curator
from curation.ledger import REJECTED_COLUMNS
from curation.merge import FORMATS, merge_texts
from curation.notes import apply_cuts, find_cuts
from curation.project import Project

from .conftest import CARBERRY, MAP_NAMES_FOR_TESTS, git_log, shared_map, snapshot
from .mapfactory import document, rdf_block, reaction, species

RETRACTED = "9244310"
OTHER = "29808005"


def today() -> str:
    """The date crsmap records, read when a test checks it (never at import: a run may
    cross midnight)."""
    return dt.date.today().isoformat()


def make_project(tmp_path, runner, reactions_xml: str, name: str = "mini"):
    """A committed project on a hand-written map (creators set, so the audit is quiet)."""
    sp = species("s1", "A") + species("s2", "B") + species("s3", "C")
    source = tmp_path / f"{name}.xml"
    source.write_text(document(sp, reactions_xml))
    project, _ = Project.init(
        tmp_path / "p", "Mini map", [source], Curator("Josiah Carberry", CARBERRY),
        creators=[Creator("Lovelace, Ada")],
    )  # fmt: skip

    def run(*args):
        return runner.invoke(cli, ["--project", str(project.root), *args])

    return project, run


def audit(run, *args):
    result = run("audit", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["findings"]


def as_command(hint: str) -> list[str]:
    words = shlex.split(hint)
    assert words[0] == "crsmap", hint
    return words[1:]


# --- the retracted paper cited in the notes of five reactions ---------------------------------

FIVE_NOTES = [
    ("re1", f"IL-6 drives it. PMID:{RETRACTED}"),
    ("re2", f"Shown in mice. PMID: {RETRACTED}, {OTHER}"),
    ("re3", f"Seen in patients (PMID:{RETRACTED})."),
    ("re4", f"PMID {RETRACTED}\nA second line stays."),
    ("re5", f"See https://pubmed.ncbi.nlm.nih.gov/{RETRACTED}/ for details"),
]
NOTES_AFTER = {
    "re1": "IL-6 drives it.",
    "re2": f"Shown in mice. PMID: {OTHER}",
    "re3": "Seen in patients.",
    "re4": "A second line stays.",
    "re5": "See for details",
}


@pytest.fixture
def retraction(tmp_path, runner, online):
    """Five reactions whose notes cite a retracted paper (re4's RDF too), imported and fetched."""
    xml = "\n".join(
        reaction(rid, ["s1"], ["s2"], notes=text,
                 rdf=rdf_block(rid, f"urn:miriam:pubmed:{RETRACTED}") if rid == "re4" else "")
        for rid, text in FIVE_NOTES
    ) + "\n" + reaction("re6", ["s2"], ["s3"], rdf=rdf_block("re6", f"urn:miriam:pubmed:{OTHER}"))  # fmt: skip
    project, run = make_project(tmp_path, runner, xml)
    online.add_pubmed(RETRACTED, title="A retracted paper", authors=[("Doe", "J")], journal="J Test",
                      year=1997, retraction_in=["37015095"])  # fmt: skip
    online.add_pubmed(OTHER, title="IL-1 blockade", authors=[("Giavridis", "T")], journal="Nat Med",
                      year=2018)  # fmt: skip
    assert run("import").exit_code == 0
    fetched = run("fetch")
    assert fetched.exit_code == 0 and "retracted 1" in fetched.output, fetched.output
    return project, run


def notes_of(project: Project, reaction_id: str) -> str:
    from lxml import etree

    tree = etree.parse(str(project.root / "maps/mini.xml"))
    found = tree.xpath(f"//*[local-name()='reaction'][@id='{reaction_id}']/*[local-name()='notes']")
    return "".join(found[0].itertext()) if found else ""


def test_a_retracted_paper_in_five_reactions_notes_goes_in_one_command_and_stays_gone(retraction):
    project, run = retraction
    retracted = [f for f in audit(run) if f["rule"] == "retracted"]
    assert [f["interaction"] for f in retracted] == ["re1", "re2", "re3", "re4", "re5"]
    hints = {f["hint"] for f in retracted}
    assert hints == {
        f'crsmap evidence remove --everywhere pubmed:{RETRACTED} --from-notes --reason "retracted"'
    }
    commits = len(git_log(project.root))
    result = run(*as_command(hints.pop()))
    assert result.exit_code == 0, result.output
    assert "removed pubmed:9244310 from 5 interaction(s): re1, re2, re3, re4, re5" in result.output
    # One commit, crediting the curator, with the reason changes.tsv reads.
    log = git_log(project.root, "%an|%B")
    assert len(git_log(project.root)) == commits + 1
    assert log[0] == (
        "Josiah Carberry|Remove evidence pubmed:9244310 from 5 interaction(s): re1, re2, re3, re4, re5"
    )
    assert "Reason: retracted" in log
    assert RETRACTED not in (project.root / "evidence.tsv").read_text()
    assert (project.root / "rejected.tsv").read_text().splitlines() == [
        "\t".join(REJECTED_COLUMNS),
        *(f"re{n}\tpubmed:{RETRACTED}\t{CARBERRY}\t{today()}\tretracted" for n in range(1, 6)),
    ]
    # Out of the notes and the RDF; the other reference in re2's notes stays.
    assert RETRACTED.encode() not in (project.root / "maps/mini.xml").read_bytes()
    for rid, after in NOTES_AFTER.items():
        assert notes_of(project, rid) == after, rid
    # The loop is gone: import brings nothing back, the audit asks for nothing about it.
    assert "nothing to import" in run("import").output
    assert RETRACTED not in (project.root / "evidence.tsv").read_text()
    left = audit(run)
    assert not [f for f in left if f["reference"] == f"pubmed:{RETRACTED}"], left
    assert not [f for f in left if f["hint"] == "crsmap import"], left
    assert run("annotate").exit_code == 0
    # What is left is what a retraction leaves: interactions with no other evidence.
    assert [(f["rule"], f["interaction"]) for f in audit(run)] == [
        ("missing-evidence", rid) for rid in ("re1", "re3", "re4", "re5")
    ]


def test_without_from_notes_import_still_leaves_it_out_and_the_audit_says_where_it_is(retraction):
    project, run = retraction
    result = run(
        "evidence", "remove", "--everywhere", f"pubmed:{RETRACTED}", "--reason", "retracted"
    )
    assert result.exit_code == 0, result.output
    assert "--from-notes" in result.output  # the summary names the follow-up
    assert "nothing to import" in run("import").output
    drift = [f for f in audit(run) if f["reference"] == f"pubmed:{RETRACTED}"]
    assert [f["interaction"] for f in drift] == ["re1", "re2", "re3", "re4", "re5"]
    for finding in drift:
        assert finding["rule"] == "map-drift"
        assert "still cite it" in finding["message"] and "retracted" in finding["message"]
        assert finding["hint"].startswith(
            f"crsmap evidence remove {finding['interaction']} pubmed:{RETRACTED} --from-notes"
        )
        assert "crsmap import" not in finding["hint"]
    fix = run(*as_command(drift[0]["hint"].split(" (or ")[0]))
    assert fix.exit_code == 0, fix.output
    assert notes_of(project, "re1") == "IL-6 drives it."
    assert [f["interaction"] for f in audit(run) if f["reference"] == f"pubmed:{RETRACTED}"] == [
        "re2", "re3", "re4", "re5",
    ]  # fmt: skip


def test_evidence_add_takes_a_rejection_back_and_says_so(retraction):
    project, run = retraction
    assert (
        run("evidence", "remove", "re1", f"pubmed:{RETRACTED}", "--reason", "retracted").exit_code
        == 0
    )
    assert "re1\tpubmed:9244310" in (project.root / "rejected.tsv").read_text()
    again = run("evidence", "add", "re1", RETRACTED)
    assert again.exit_code == 0, again.output
    assert (
        f"re1: recorded pubmed:{RETRACTED} (pubmed:{RETRACTED} had been rejected by {CARBERRY} "
        f"on {today()}: retracted; no longer rejected)"
    ) in again.output
    assert "re1\tpubmed:9244310" in (project.root / "evidence.tsv").read_text()
    assert "re1\t" not in (project.root / "rejected.tsv").read_text()
    assert git_log(project.root)[0].endswith("Add evidence for re1: pubmed:9244310")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["re1", f"pubmed:{RETRACTED}", "--keep-in-map", "--from-notes"], "contradict each other"),
        (
            ["re1", f"pubmed:{RETRACTED}", "--everywhere", f"pubmed:{RETRACTED}"],
            "expected one of them",
        ),
        (["re1"], "expected ID REF, or --everywhere REF; got 're1'"),
        (["--everywhere", "pubmed:424242"], "no interaction cites pubmed:424242"),
        (["--everywhere", "pubmed:abc"], "pubmed:abc"),
        (["re6", "pubmed:424242"], "no evidence record for re6 pubmed:424242"),
    ],
    ids=["keep-and-cut", "both-forms", "one-argument", "not-cited", "invalid", "not-recorded"],
)
def test_bad_removals_exit_2_with_one_line_and_write_nothing(retraction, args, message):
    project, run = retraction
    before = snapshot(project.root)
    result = run("evidence", "remove", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(project.root) == before


def test_an_already_rejected_pair_still_in_the_notes_asks_for_from_notes(retraction):
    project, run = retraction
    assert run("evidence", "remove", "re1", f"pubmed:{RETRACTED}").exit_code == 0
    before = snapshot(project.root)
    again = run("evidence", "remove", "re1", f"pubmed:{RETRACTED}")
    assert again.exit_code == 2
    assert "no evidence record for re1 pubmed:9244310" in again.stderr
    assert f"crsmap evidence remove re1 pubmed:{RETRACTED} --from-notes" in again.stderr
    assert snapshot(project.root) == before
    cut = run("evidence", "remove", "re1", f"pubmed:{RETRACTED}", "--from-notes")
    assert cut.exit_code == 0, cut.output
    assert cut.output.startswith("re1: rejected pubmed:9244310, and from the notes of re1")
    assert notes_of(project, "re1") == "IL-6 drives it."
    assert (project.root / "rejected.tsv").read_text().count("re1\t") == 1  # the first decision


def test_a_reference_in_the_reaction_name_is_left_with_the_manual_step(tmp_path, runner):
    xml = reaction("re1", ["s1"], ["s2"], name=f"PMID:{RETRACTED}", notes="nothing here")
    project, run = make_project(tmp_path, runner, xml)
    assert run("import").exit_code == 0
    map_before = (project.root / "maps/mini.xml").read_bytes()
    result = run("evidence", "remove", "re1", f"pubmed:{RETRACTED}", "--from-notes")
    assert result.exit_code == 0, result.output
    assert "is written in the name of reaction re1" in result.output
    assert (project.root / "maps/mini.xml").read_bytes() == map_before
    [finding] = audit(run, "--rule", "map-drift")
    assert "reaction's name still cite it" in finding["message"]
    assert (
        finding["hint"]
        == f"in CellDesigner, select re1, delete pubmed:{RETRACTED} from its name and save"
    )


# --- cutting notes: every byte but the reference stays -----------------------------------------


@pytest.mark.parametrize(
    ("notes", "curie", "after"),
    [
        ("Text. PMID:1234567", "pubmed:1234567", "Text."),
        ("PMIDs: 1111111, 1234567, 2222222", "pubmed:1234567", "PMIDs: 1111111, 2222222"),
        ("PMIDs: 1234567, 2222222", "pubmed:1234567", "PMIDs: 2222222"),
        ("PMID:1111111; PMID:1234567", "pubmed:1234567", "PMID:1111111"),
        ("A (PMID 1234567) b", "pubmed:1234567", "A b"),
        ("one\nPMID:1234567\ntwo", "pubmed:1234567", "one\ntwo"),
        ("see http://www.ncbi.nlm.nih.gov/pubmed/1234567 too", "pubmed:1234567", "see too"),
        ("DOI: 10.1038/S41591-018-0041-7.", "doi:10.1038/s41591-018-0041-7", "."),
        ("x https://doi.org/10.1000/abc y", "doi:10.1000/abc", "x y"),
        ("PMCID: PMC6000000 kept", "pmc:PMC6000000", "kept"),
        ("PMID:12345678 is not PMID:1234567", "pubmed:1234567", "PMID:12345678 is not"),
    ],
)
def test_notes_cuts_remove_the_reference_and_nothing_else(notes, curie, after):
    xml = document(species("s1", "A"), reaction("re1", ["s1"], ["s1"], notes=notes)).encode()
    cuts, failed = find_cuts(xml, {"re1": {curie}}, "m.xml")
    assert failed == {}
    result = apply_cuts(xml, cuts)
    expected = document(species("s1", "A"), reaction("re1", ["s1"], ["s1"], notes=after)).encode()
    assert result == expected


def test_notes_that_do_not_write_the_reference_plainly_are_refused():
    xml = document(
        species("s1", "A"), reaction("re1", ["s1"], ["s1"], notes="PMID:<b>1234567</b>")
    ).encode()
    cuts, failed = find_cuts(xml, {"re1": {"pubmed:1234567"}}, "m.xml")
    assert cuts == {} and "select reaction re1, delete it from the Notes pane" in failed["re1"]


# --- rejected.tsv is a ledger: merged record by record, malformed lines reported -------------


def rejected_text(*rows):
    return "\n".join(["\t".join(REJECTED_COLUMNS), *rows]) + "\n"


def test_rejections_on_two_branches_merge_cleanly():
    base = rejected_text(f"re1\tpubmed:1\t{CARBERRY}\t2026-01-01\tretracted")
    ours = rejected_text(f"re1\tpubmed:1\t{CARBERRY}\t2026-01-01\tretracted",
                         f"re2\tpubmed:2\t{CARBERRY}\t2026-01-02\twrong species")  # fmt: skip
    theirs = rejected_text(f"re1\tpubmed:1\t{CARBERRY}\t2026-01-01\tretracted",
                           f"re10\tpubmed:10\t{CARBERRY}\t2026-01-03\t")  # fmt: skip
    merged, conflicts = merge_texts(base, ours, theirs, FORMATS["rejected.tsv"])
    assert conflicts == 0
    assert merged == rejected_text(
        f"re1\tpubmed:1\t{CARBERRY}\t2026-01-01\tretracted",
        f"re2\tpubmed:2\t{CARBERRY}\t2026-01-02\twrong species",
        f"re10\tpubmed:10\t{CARBERRY}\t2026-01-03\t",
    )


def git(root: Path, *args):
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                          cwd=root, capture_output=True, text=True, check=True)  # fmt: skip


def test_rejections_made_on_two_branches_merge_with_git(retraction, monkeypatch):
    project, run = retraction
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    root = project.root
    assert "rejected.tsv text eol=lf merge=crsmap" in (root / ".gitattributes").read_text()
    git(root, "checkout", "-q", "-b", "ada")
    assert run("evidence", "remove", "re1", f"pubmed:{RETRACTED}").exit_code == 0
    git(root, "checkout", "-q", "main")
    assert run("evidence", "remove", "re2", f"pubmed:{RETRACTED}").exit_code == 0
    git(root, "merge", "-q", "--no-edit", "ada")
    rows = (root / "rejected.tsv").read_text().splitlines()[1:]
    assert [r.split("\t")[0] for r in rows] == ["re1", "re2"]


def test_an_older_project_gets_the_merge_line_with_its_first_rejection(retraction):
    project, run = retraction
    attributes = project.root / ".gitattributes"
    attributes.write_text(
        attributes.read_text().replace("rejected.tsv text eol=lf merge=crsmap\n", "")
    )
    git(project.root, "commit", "-qam", "older project")
    assert run("evidence", "remove", "re1", f"pubmed:{RETRACTED}").exit_code == 0
    assert "rejected.tsv text eol=lf merge=crsmap" in attributes.read_text()
    assert git(project.root, "status", "--porcelain").stdout == ""


def test_a_malformed_rejection_line_is_an_invalid_record_and_blocks_imports(retraction):
    project, run = retraction
    (project.root / "rejected.tsv").write_text(rejected_text("re1\tpubmed:1\tnot a date"))
    [finding] = [f for f in audit(run) if f["rule"] == "invalid-record"]
    assert finding["message"].startswith("rejected.tsv:2: 3 columns, expected 5")
    before = snapshot(project.root)
    refused = run("import")
    assert refused.exit_code == 2 and "rejected.tsv:2" in refused.stderr
    assert snapshot(project.root) == before


# --- map-drift that helps ------------------------------------------------------------------------


def test_references_only_in_notes_are_one_finding_per_map_file(tmp_path, runner):
    xml = "\n".join([
        reaction("re1", ["s1"], ["s2"], notes="PMID:111"),
        reaction("re2", ["s2"], ["s3"], notes="PMID:222 and PMID:333"),
        reaction("re3", ["s3"], ["s1"], notes="doi:10.1000/xyz"),
        reaction("re4", ["s1"], ["s3"], rdf=rdf_block("re4", "urn:miriam:pubmed:444")),
    ])  # fmt: skip
    _, run = make_project(tmp_path, runner, xml)
    before_import = [f for f in audit(run) if f["rule"] == "map-drift"]
    assert [(f["interaction"], f["reference"]) for f in before_import] == [
        (None, None), ("re4", "pubmed:444"),
    ]  # fmt: skip
    assert before_import[0]["hint"] == "crsmap import"
    assert run("import").exit_code == 0
    [summary] = [f for f in audit(run) if f["rule"] == "map-drift"]
    assert summary == {
        "rule": "map-drift", "severity": "warning", "interaction": None, "reference": None,
        "message": "maps/mini.xml: 3 interactions have references only in notes (re1, re2, re3); "
                   "run crsmap annotate to write them as MIRIAM annotations for MINERVA",
        "hint": "crsmap annotate",
    }  # fmt: skip
    # Real disagreements stay one per record.
    assert run("evidence", "add", "re4", "pubmed:555").exit_code == 0
    drift = [f for f in audit(run) if f["rule"] == "map-drift"]
    assert [(f["interaction"], f["reference"], f["hint"]) for f in drift] == [
        (None, None, "crsmap annotate"), ("re4", "pubmed:555", "crsmap annotate"),
    ]  # fmt: skip
    assert "the ledger cites pubmed:555 for re4, the map does not" in drift[1]["message"]
    assert run("annotate").exit_code == 0
    assert [f for f in audit(run) if f["rule"] == "map-drift"] == []


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_real_maps_after_import_say_once_that_references_are_only_in_notes(runner, tmp_path, name):
    path = shared_map(name)
    target = tmp_path / "real"
    assert runner.invoke(cli, ["init", str(target), "--title", name, "--map", str(path), "--curator-name", "J",
                               "--orcid", CARBERRY, "--no-commit"]).exit_code == 0  # fmt: skip
    in_notes = [
        i.id for i in Project.open(target).interactions.values()
        if set(i.references) - set(i.annotated_references)
    ]  # fmt: skip
    if not in_notes:
        pytest.skip(f"{name} has no references only in notes")
    assert runner.invoke(cli, ["--project", str(target), "import", "--no-commit"]).exit_code == 0
    result = runner.invoke(
        cli, ["--project", str(target), "audit", "--format", "json", "--rule", "map-drift"]
    )
    [finding] = json.loads(result.output)["findings"]
    assert finding["interaction"] is None and finding["hint"] == "crsmap annotate"
    assert f"{len(in_notes)} interactions have references only in notes" in finding["message"]
