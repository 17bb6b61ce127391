"""One grammar for references and options: what import reads in notes, `evidence add` takes;
licenses are SPDX ids; -q works anywhere; the shell completes IDs, rule codes and ORCIDs."""

import re

import pytest

from cli.main import cli
from curation.celldesigner import references_in_text
from curation.errors import InputError
from curation.identifiers import parse_reference, split_references
from literature import identifiers

from .conftest import CARBERRY, snapshot

# Every way the map reader finds a reference in notes, with the reference it stands for.
# The same examples drive both sides: the reader must find each one inside a note, and
# parse_reference (behind `evidence add` and `evidence remove`) must accept it as typed.
NOTES_FORMS = [
    ("PMID:29808005", "pubmed:29808005"),
    ("PMID 29808005", "pubmed:29808005"),
    ("PMID: 29808005", "pubmed:29808005"),
    ("PMID??:29808005", "pubmed:29808005"),
    ("pmid-29808005", "pubmed:29808005"),
    ("PMIDs: 29808005", "pubmed:29808005"),
    ("https://pubmed.ncbi.nlm.nih.gov/29808005/", "pubmed:29808005"),
    ("pubmed.ncbi.nlm.nih.gov/29808005", "pubmed:29808005"),
    ("http://www.ncbi.nlm.nih.gov/pubmed/29808005", "pubmed:29808005"),
    ("www.ncbi.nlm.nih.gov/pubmed/29808005?dopt=Abstract", "pubmed:29808005"),
    (
        "http://www.ncbi.nlm.nih.gov/entrez/query.fcgi?cmd=Retrieve&db=PubMed&list_uids=29808005&dopt=Abstract",
        "pubmed:29808005",
    ),
    ("identifiers.org/pubmed:29808005", "pubmed:29808005"),
    ("https://identifiers.org/pubmed/29808005", "pubmed:29808005"),
    ("urn:miriam:pubmed:29808005", "pubmed:29808005"),
    ("doi:10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("DOI: 10.1038/S41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("doi : 10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("https://doi.org/10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("http://dx.doi.org/10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("urn:miriam:doi:10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("identifiers.org/doi/10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
    ("PMC8127450", "pmc:PMC8127450"),
    ("https://pmc.ncbi.nlm.nih.gov/articles/PMC8127450/", "pmc:PMC8127450"),
    ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8127450", "pmc:PMC8127450"),
    ("identifiers.org/pmc:8127450", "pmc:PMC8127450"),
    ("urn:miriam:pmc:PMC8127450", "pmc:PMC8127450"),
]


def test_every_reference_form_of_map_notes_is_accepted_by_parse_reference():
    for spelling in identifiers.SPELLINGS:  # a form the reader learns needs an example here
        assert any(re.search(spelling.lead, form, re.I) for form, _ in NOTES_FORMS), (
            f"no example in NOTES_FORMS for the spelling {spelling.lead!r}"
        )
    refused = []
    for form, curie in NOTES_FORMS:
        note = f"Shown in vitro ({form}). See figure 2."
        assert {r.curie for r in references_in_text(note)} == {curie}, form
        try:
            accepted = parse_reference(form).curie
        except InputError as exc:
            accepted = f"refused: {exc}"
        if accepted != curie:
            refused.append(f"{form!r} -> {accepted}")
    assert not refused, "\n".join(refused)


def test_a_list_of_pmids_from_notes_is_several_references():
    form = "PMIDs: 29808005, 30442748; 31171503"
    expected = ["pubmed:29808005", "pubmed:30442748", "pubmed:31171503"]
    assert [r.curie for r in references_in_text(f"see {form}.")] == expected
    assert split_references(form) == expected
    assert split_references("doi:10.1002/(sici)1097-4636(199812)43:4<1,2>3.0.co;2-#") == [
        "doi:10.1002/(sici)1097-4636(199812)43:4<1,2>3.0.co;2-#"
    ]
    with pytest.raises(InputError, match=r"lists several PubMed IDs \(pubmed:29808005, "):
        parse_reference(form)


def test_evidence_add_and_remove_take_the_notes_forms(crsmap, project):
    result = crsmap("evidence", "add", "re12", "PMID 29808005", "PMIDs: 30442748, 31171503")
    assert result.exit_code == 0, result.output
    ledger = (project.root / "evidence.tsv").read_text()
    for curie in ("pubmed:29808005", "pubmed:30442748", "pubmed:31171503"):
        assert f"re12\t{curie}\t" in ledger
    result = crsmap("evidence", "remove", "re12", "pubmed.ncbi.nlm.nih.gov/29808005")
    assert result.exit_code == 0, result.output
    assert "re12\tpubmed:29808005\t" not in (project.root / "evidence.tsv").read_text()

    before = snapshot(project.root)
    result = crsmap("evidence", "remove", "re12", "PMIDs: 30442748, 31171503")
    assert result.exit_code == 2
    assert "invalid reference 'PMIDs: 30442748, 31171503': it lists several" in result.stderr
    assert snapshot(project.root) == before


# --- licenses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Nonsense-1.0", "invalid license 'Nonsense-1.0': not an SPDX license identifier;"),
        ("CC BY 4.0", "not an SPDX license identifier (did you mean CC-BY-4.0"),
        ("CC0", "(did you mean CC0-1.0?)"),
        ("LicenseRef-", "invalid license 'LicenseRef-'"),
    ],
)
def test_interactions_set_refuses_a_license_outside_the_spdx_list(crsmap, project, value, message):
    before = snapshot(project.root)
    result = crsmap("interactions", "set", "re1", "--license", value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "LicenseRef-NAME" in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(project.root) == before


def test_licenses_are_stored_as_spdx_spells_them(crsmap, project):
    assert crsmap("interactions", "set", "re1", "--license", "cc-by-sa-4.0").exit_code == 0
    assert crsmap("interactions", "set", "re2", "--license", "LicenseRef-lab-only").exit_code == 0
    rows = (project.root / "interactions.tsv").read_text()
    assert "\tCC-BY-SA-4.0\t" in rows and "\tLicenseRef-lab-only\t" in rows


def test_init_refuses_an_unknown_license_before_writing(runner, sample_map, tmp_path):
    target = tmp_path / "crs"
    args = ["init", str(target), "--title", "T", "--map", str(sample_map)]
    result = runner.invoke(cli, [*args, "--license", "Nonsense-1.0"])
    assert result.exit_code == 2
    assert "invalid license 'Nonsense-1.0': not an SPDX license identifier" in result.stderr
    assert not target.exists()
    assert runner.invoke(cli, [*args, "--license", "odbl-1.0"]).exit_code == 0
    assert 'license = "ODbL-1.0"' in (target / "crsmap.toml").read_text()


# --- -q anywhere ---------------------------------------------------------------------------------


def test_quiet_works_anywhere_on_the_command_line(crsmap, project):
    for args in (
        ["-q", "evidence", "add", "re12", "pubmed:29808005"],
        ["evidence", "-q", "add", "re13", "pubmed:29808005"],
        ["evidence", "add", "re14", "pubmed:29808005", "-q"],
        ["evidence", "add", "--quiet", "re15", "pubmed:29808005"],
        ["interactions", "set", "re1", "--status", "reviewed", "-q"],
    ):
        result = crsmap(*args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout == "", args
    ledger = (project.root / "evidence.tsv").read_text()
    assert all(f"{i}\tpubmed:29808005\t" in ledger for i in ("re12", "re13", "re14", "re15"))
    # Results still print; only the chatter goes.
    listing = crsmap("interactions", "list", "--format", "table", "--missing-evidence", "-q")
    assert "re16" in listing.stdout and "interactions without evidence" not in listing.stdout
    assert (
        "interactions without evidence"
        in crsmap("interactions", "list", "--format", "table", "--missing-evidence").stdout
    )


# --- shell completion ----------------------------------------------------------------------------


def complete(runner, *words: str, shell: str = "bash") -> tuple[list[str], object]:
    """What the shell would offer for the last word (``""``: a fresh word after a space)."""
    env = {
        "_CRSMAP_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": " ".join(("crsmap", *words)),
        "COMP_CWORD": str(len(words)),
    }
    result = runner.invoke(cli, [], env=env, prog_name="crsmap")
    if shell == "bash":
        return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line], result
    return [line for line in result.stdout.splitlines() if line], result


def test_completion_offers_interaction_ids(runner, project):
    root = str(project.root)
    offered, result = complete(runner, "--project", root, "evidence", "add", "")
    assert result.exit_code == 0
    assert len(offered) == 27 and offered[:3] == ["re1", "re2", "re3"]
    assert complete(runner, "--project", root, "show", "re1")[0] == [
        "re1",
        *(f"re{n}" for n in range(10, 20)),
    ]
    for words in (
        ["interactions", "set", "re2", "re2"],
        ["history", "re2"],
        ["evidence", "list", "re2"],
    ):
        assert "re2" in complete(runner, "--project", root, *words)[0], words
    zsh, _ = complete(runner, "--project", root, "show", "re14", shell="zsh")
    assert zsh[:2] == ["plain", "re14"]
    assert zsh[2].startswith("IL6 + IL6R -> IL6:IL6R")  # the signature, as help


def test_completion_offers_recorded_references_rule_codes_orcids_and_licenses(
    crsmap, runner, project
):
    root = str(project.root)
    assert (
        crsmap("evidence", "add", "re12", "pubmed:29808005", "doi:10.1038/nm.3775").exit_code == 0
    )
    offered, _ = complete(runner, "--project", root, "evidence", "remove", "re12", "")
    assert offered == ["doi:10.1038/nm.3775", "pubmed:29808005"]
    assert complete(runner, "--project", root, "evidence", "remove", "re12", "x", "")[0] == []
    assert complete(runner, "--project", root, "evidence", "remove", "re13", "")[0] == []
    offered, _ = complete(runner, "--project", root, "evidence", "remove", "--everywhere", "pub")
    assert offered == ["pubmed:29808005"]
    rules, _ = complete(runner, "--project", root, "audit", "--rule", "miss")
    assert "missing-evidence" in rules and all(r.startswith("miss") for r in rules)
    assert "retracted" in complete(runner, "audit", "--rule", "")[0]
    for words in (
        ["evidence", "add", "re1", "pubmed:1", "--curator", ""],
        ["interactions", "set", "re1", "--curator", "0000"],
    ):
        assert complete(runner, "--project", root, *words)[0] == [CARBERRY], words
    licenses, _ = complete(
        runner, "--project", root, "interactions", "set", "re1", "--license", "cc-by-nc-4"
    )
    assert licenses == ["CC-BY-NC-4.0"]


def test_completion_never_fails_nor_prints_errors(runner, project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config, the_map = project.root / "crsmap.toml", next((project.root / "maps").glob("*.xml"))
    good_config, good_map = config.read_bytes(), the_map.read_bytes()
    before = snapshot(project.root)

    def offers(root, *words):
        offered, result = complete(runner, "--project", str(root), *words)
        assert (result.exit_code, result.stderr) == (0, ""), words
        return offered

    assert offers(project.root, "show", "re2") == ["re2", "re20", "re21", "re22", "re23"] + [
        f"re2{n}" for n in range(4, 8)
    ]
    for trouble in ("no project", "broken crsmap.toml", "broken map"):
        root = elsewhere if trouble == "no project" else project.root
        config.write_bytes(b"[map\ntitle = " if trouble == "broken crsmap.toml" else good_config)
        the_map.write_bytes(b"<sbml><model><reaction" if trouble == "broken map" else good_map)
        assert offers(root, "show", "re") == [], trouble
        assert offers(root, "evidence", "remove", "re1", "") == [], trouble
        # The curators live in crsmap.toml: a broken map does not hide them.
        curators = offers(root, "import", "--curator", "")
        assert curators == ([CARBERRY] if trouble == "broken map" else []), trouble
    # Completion reads, it never writes.
    config.write_bytes(good_config)
    the_map.write_bytes(good_map)
    assert snapshot(project.root) == before
