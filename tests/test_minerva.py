"""MINERVA: the client against a fake MINERVA, the minerva.json snapshot, the comparison.

The fake (``tests/minervaserver.py``) serves answers built from the project's own maps in
the shapes of ../shared/data/minerva/API.md: extra fields, missing optional ones, maps
without names, resources as numbers, an invalid PMID, thousands of reactions in one
answer, 500s and answers that never come.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
from pathlib import Path

import pytest

import literature.http
from curation import minerva
from curation.audit import SEVERITIES, AuditData
from curation.config import Curator, parse_config
from curation.demo import DEMO_CURATOR
from curation.errors import InputError, OutsideError
from curation.ledger import natural_key
from curation.minerva import (
    RULES,
    SNAPSHOT_FILE,
    MinervaSnapshot,
    compare,
    load_for_audit,
    parse_snapshot,
    pull,
    read_snapshot,
    render_snapshot,
    status,
)
from curation.project import Project
from services.minerva import (
    MinervaClient,
    MinervaModel,
    MinervaProject,
    MinervaReaction,
    instance_url,
    parse_models,
    parse_reactions,
)

from . import mapfactory as mf
from . import minervaserver
from .conftest import CARBERRY, shared_map
from .minervaserver import FakeModel, reaction, reference

minerva_server = minervaserver.minerva_server  # the fixture, for this module's tests

NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
PROJECT_ID = "crs_map"
EXTRA = "pubmed:11111111"  # a paper MINERVA shows and the ledger does not hold
_TYPES = {"pubmed": "PUBMED", "doi": "DOI", "pmc": "PMC"}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Retries as the real client makes them, without seconds of backoff between them."""
    monkeypatch.setattr(literature.http, "BACKOFF_FACTOR", 0.01)


def as_minerva(curie: str, number: int = 0, **kwargs) -> dict:
    """The reference MINERVA shows for a ledger CURIE: pubmed:N -> PUBMED N."""
    prefix, _, local = curie.partition(":")
    return reference(_TYPES[prefix], local, number=number, **kwargs)


def published(cd_map, start: int = 1000, extra: dict | None = None) -> list[dict]:
    """A map's reactions as MINERVA publishes them: only the references in the RDF (MINERVA
    does not read notes), in varied shapes; ``extra`` adds references by reaction id."""
    extra = extra or {}
    answers = []
    for n, interaction in enumerate(cd_map.interactions.values()):
        refs = [as_minerva(c, n, article=n % 2 == 0) for c in interaction.annotated_references]
        refs += extra.get(interaction.reaction_id, [])
        for ref in refs:
            if ref["type"] == "PUBMED" and n % 3 == 0:
                ref["resource"] = int(ref["resource"])  # some answers give numbers
        if not refs and n % 2:
            answers.append(reaction(start + n, interaction.reaction_id, interaction.name, None))
        else:
            answers.append(reaction(start + n, interaction.reaction_id, interaction.name, refs))
    return answers


def notes_only(cd_map) -> set[tuple[str, str]]:
    """(interaction, CURIE) of every reference the map has only in notes or names."""
    return {
        (i.id, curie)
        for i in cd_map.interactions.values()
        for curie in set(i.references) - set(i.annotated_references)
    }


def codes(findings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return counts


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(root)}  # fmt: skip
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def curated(project) -> Project:
    """The sample project with every map reference imported into the ledger."""
    project.import_map_references()
    return Project.open(project.root)


@pytest.fixture
def served(curated, minerva_server):
    """The fake MINERVA publishing the sample map, plus one extra paper on re1 and an invalid
    PMID on re2 (as MINERVA shows ``urn:miriam:pubmed:PMID12x``)."""
    extra = {
        "re1": [as_minerva(EXTRA, 1)],
        "re2": [reference("PUBMED", "PMID12x", article=False)],
    }
    reactions = published(curated.maps[0], extra=extra)
    for answer in reactions:
        if answer["reactionId"] == "re13":  # DOIs compare case-insensitively
            answer["references"] = [reference("DOI", "10.1038/S41591-018-0041-7")]
    minerva_server.add_project(
        PROJECT_ID, [FakeModel(7, "Cytokine Release Syndrome map", reactions)]
    )
    return minerva_server


# --- the client --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://pdmap.uni.lu/minerva", "https://pdmap.uni.lu/minerva"),
        ("https://pdmap.uni.lu/minerva/", "https://pdmap.uni.lu/minerva"),
        ("  HTTPS://pdmap.uni.lu/minerva/api/ ", "https://pdmap.uni.lu/minerva"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_an_instance_url_is_normalised(text, expected):
    assert instance_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "pdmap.uni.lu/minerva",
        "ftp://pdmap.uni.lu/minerva",
        "https://user:secret@pdmap.uni.lu/minerva",
        "https://pdmap.uni.lu/minerva/index.xhtml?id=pd_map",
        "https://pdmap.uni.lu/min erva",
        "https://pdmap.uni.lu:99999/minerva",
    ],
)
def test_an_instance_url_that_is_not_one_is_refused(text):
    with pytest.raises(InputError, match="MINERVA URL") as caught:
        instance_url(text)
    assert "secret" not in str(caught.value)  # a password is never echoed


def test_the_client_tolerates_every_documented_variation(minerva_server):
    odd = [
        reference("PUBMED", "29808007", article=False),
        reference("HGNC_SYMBOL", "IL6"),
        {"type": "PUBMED"},  # no resource
        "junk",
        {"resource": "123"},  # no type
    ]
    reactions = [
        reaction(3, "re10", "IL6 binds IL6R", [reference("PUBMED", 29808005, number=1)]),
        reaction(1, "re2", "", None),  # no references field at all
        reaction(2, "re1", "X", odd, futureField={"nested": [1, 2]}),
        {"id": 9, "name": "no reaction id: cannot be matched"},
        reaction(4, "re1", "", [reference("DOI", "10.1/x")]),  # answered twice: merged
    ]
    minerva_server.add_project(
        PROJECT_ID, [FakeModel(5, None, reactions), FakeModel(6, "Submap", [])], version=None
    )
    published = MinervaClient(minerva_server.url + "/api/").project(PROJECT_ID)
    assert published.instance == minerva_server.url
    assert (published.minerva_version, published.project_version) == ("16.4.1", "")
    assert published.name == "CRS Map"
    first, second = published.models
    assert (first.id, first.name, second.id, second.name) == (5, "", 6, "Submap")
    by_id = {r.reaction_id: r for r in first.reactions}
    assert sorted(by_id, key=natural_key) == ["re1", "re2", "re10"]
    assert by_id["re10"].references == (("PUBMED", "29808005"),)
    assert by_id["re1"].references == (
        ("DOI", "10.1/x"), ("HGNC_SYMBOL", "IL6"), ("PUBMED", "29808007"),
    )  # fmt: skip
    assert by_id["re1"].minerva_id == 2 and by_id["re2"].references == ()
    asked = [r.path.removeprefix("/minerva/api/") for r in minerva_server.requests]
    assert asked == [
        "configuration/", f"projects/{PROJECT_ID}/", f"projects/{PROJECT_ID}/models/",
        f"projects/{PROJECT_ID}/models/5/bioEntities/reactions/",
        f"projects/{PROJECT_ID}/models/6/bioEntities/reactions/",
    ]  # fmt: skip
    assert {r.params.get("columns") for r in minerva_server.requests[3:]} == {
        "id,reactionId,name,references"
    }


def test_a_last_page_is_read_and_a_partial_one_refused():
    page = {"pageContent": [{"idObject": 3, "name": "Main"}], "isLastPage": True}
    assert parse_models(page) == [(3, "Main")]
    with pytest.raises(OutsideError, match="in pages"):
        parse_reactions({"pageContent": [], "isLastPage": False})
    with pytest.raises(OutsideError, match="without a usable id"):
        parse_models([{"name": "no id"}])
    with pytest.raises(OutsideError, match="not a list"):
        parse_reactions({"error": "oops"})


def test_an_unknown_project_is_an_input_error_naming_it_and_the_instance(minerva_server):
    with pytest.raises(InputError) as caught:
        MinervaClient(minerva_server.url).project("no_such_map")
    assert "no_such_map" in str(caught.value) and minerva_server.url in str(caught.value)
    assert "HTTP 404" in str(caught.value)


def test_a_wrong_instance_url_says_there_is_no_api(minerva_server):
    with pytest.raises(InputError, match="no MINERVA API"):
        MinervaClient(minerva_server.url + "/elsewhere").project(PROJECT_ID)


def test_thousands_of_reactions_come_in_one_request_per_map(project, minerva_server):
    models = [
        FakeModel(m, f"Map {m}", [reaction(m * 10000 + n, f"re{n}", f"R{n}",
                                           [reference("PUBMED", 30000000 + n)])
                                  for n in range(1, 3001)])
        for m in (1, 2)
    ]  # fmt: skip
    minerva_server.add_project(PROJECT_ID, models)
    change = pull(project, minerva_server.url, PROJECT_ID, now=NOW)
    assert "2 map(s), 6000 reaction(s), 6000 reference(s)" in change.summary
    assert len(minerva_server.requests) == 3 + 2
    snapshot = read_snapshot(project.root)
    assert [len(m.reactions) for m in snapshot.project.models] == [3000, 3000]
    lines = (project.root / SNAPSHOT_FILE).read_text().splitlines()
    assert sum('"reaction_id"' in line for line in lines) == 6000  # one reaction per line
    assert [r.reaction_id for r in snapshot.project.models[0].reactions[:3]] == [
        "re1", "re2", "re3",
    ]  # fmt: skip


# --- pull and the snapshot ---------------------------------------------------------------


def test_pull_reads_the_project_from_crsmap_toml_and_commits_the_snapshot(curated, served):
    config = curated.root / "crsmap.toml"
    config.write_text(
        config.read_text() + f'\n[minerva]\nurl = "{served.url}/"\nproject = "{PROJECT_ID}"\n'
    )
    project = Project.open(curated.root)
    assert project.config.minerva.url == served.url
    change = pull(project, now=NOW)
    assert change.written == (SNAPSHOT_FILE,) and change.commit
    assert git(project.root, "log", "-1", "--format=%s").startswith(
        f"Pull MINERVA snapshot of {PROJECT_ID}"
    )
    snapshot = read_snapshot(project.root)
    assert snapshot.pulled == "2026-01-05T10:00:00Z"
    assert snapshot.project.project_version == "1.0.0"
    assert snapshot.project.minerva_version == "16.4.1"
    text = (project.root / SNAPSHOT_FILE).read_text()
    assert text.endswith("}\n") and json.loads(text)["format"] == minerva.FORMAT
    assert render_snapshot(parse_snapshot(text)) == text  # a round trip keeps every byte


def test_two_pulls_of_the_same_answers_write_the_same_bytes(curated, served):
    pull(curated, served.url, PROJECT_ID, now=NOW)
    first = (curated.root / SNAPSHOT_FILE).read_bytes()
    model = served.projects[PROJECT_ID].models[0]
    random.Random(4).shuffle(model.reactions)  # the same answers in another order
    for answer in model.reactions:
        answer.get("references", []).reverse()
    served.projects[PROJECT_ID].models.insert(0, FakeModel(3, "An empty overview", []))
    pull(curated, served.url, PROJECT_ID, now=NOW)
    second = (curated.root / SNAPSHOT_FILE).read_bytes()
    served.projects[PROJECT_ID].models.pop(0)
    random.Random(9).shuffle(model.reactions)
    pull(curated, served.url, PROJECT_ID, now=NOW)
    assert (curated.root / SNAPSHOT_FILE).read_bytes() == first
    assert second != first and b"An empty overview" in second


def test_a_500_is_retried(curated, served):
    served.inject("bioEntities", "500")
    pull(curated, served.url, PROJECT_ID, now=NOW)
    statuses = [r.status for r in served.requests if "bioEntities" in r.path]
    assert statuses == [500, 200]


@pytest.mark.parametrize("fault", ["500", "hang", "malformed"])
def test_a_failed_pull_exits_3_and_leaves_the_previous_snapshot(
    curated, served, monkeypatch, fault
):
    pull(curated, served.url, PROJECT_ID, now=NOW)
    before = (curated.root / SNAPSHOT_FILE).read_bytes()
    head = git(curated.root, "rev-parse", "HEAD")
    monkeypatch.setenv("CRSMAP_HTTP_TIMEOUT", "0.3")
    served.inject("bioEntities", fault, times=20)
    with pytest.raises(OutsideError) as caught:
        pull(curated, served.url, PROJECT_ID, now=NOW + dt.timedelta(days=1))
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert "MINERVA" in message and "reactions of map 'Cytokine Release Syndrome map'" in message
    assert f"{served.url}/api/projects/{PROJECT_ID}/models/7/bioEntities/reactions/" in message
    assert (curated.root / SNAPSHOT_FILE).read_bytes() == before
    assert git(curated.root, "rev-parse", "HEAD") == head


def test_a_pull_from_a_closed_port_exits_3_naming_the_step(project, closed_port):
    with pytest.raises(OutsideError) as caught:
        pull(project, f"http://127.0.0.1:{closed_port}/minerva", PROJECT_ID, now=NOW)
    assert "MINERVA request for the configuration" in str(caught.value)
    assert "connection refused" in str(caught.value)
    assert not (project.root / SNAPSHOT_FILE).exists()


def test_pull_without_a_project_or_url_says_what_to_set(curated):
    with pytest.raises(InputError, match=r"\[minerva\] project"):
        pull(curated)
    with pytest.raises(InputError, match=r"\[minerva\] url"):
        pull(curated, project_id=PROJECT_ID)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"minerva\.json:1: invalid JSON"),
        ('{"format": "something-else/9"}\n', "not a crsmap MINERVA snapshot"),
        ("[]\n", "not a crsmap MINERVA snapshot"),
        ("", r"minerva\.json:1: invalid JSON"),
    ],
)
def test_a_corrupt_snapshot_is_an_input_error_naming_the_file(project, text, message):
    (project.root / SNAPSHOT_FILE).write_text(text)
    with pytest.raises(InputError, match=message):
        read_snapshot(project.root)
    problems = []
    assert load_for_audit(project, problems) is None
    assert [p.file for p in problems] == [SNAPSHOT_FILE]


def test_a_snapshot_with_a_field_of_the_wrong_kind_is_refused():
    good = MinervaSnapshot(
        MinervaProject("https://h/minerva", "p", models=(MinervaModel(1, "M", (
            MinervaReaction("re1", "", (("PUBMED", "1"),), 5),)),)),
        "2026-01-05T10:00:00Z",
    )  # fmt: skip
    text = render_snapshot(good)
    assert parse_snapshot(text) == good
    for old, new in (('"id": 5', '"id": "5"'), ('"pulled": "2026-01-05T10:00:00Z"', '"pulled": "yesterday"'),
                     ('[["PUBMED", "1"]]', '[["PUBMED"]]'), ('"name": "M"', '"name": null')):  # fmt: skip
        assert old in text
        with pytest.raises(InputError, match=r"^minerva\.json: .*crsmap minerva pull"):
            parse_snapshot(text.replace(old, new))


# --- the comparison ----------------------------------------------------------------------


def test_the_comparison_reports_exactly_what_minerva_shows_differently(curated, served):
    pull(curated, served.url, PROJECT_ID, now=NOW)
    findings = compare(curated)
    assert codes(findings) == {
        "minerva-missing-reference": 2,
        "minerva-extra-reference": 1,
        "minerva-invalid-reference": 1,
    }
    missing = {
        (f.interaction, f.reference) for f in findings if f.rule == "minerva-missing-reference"
    }
    assert missing == notes_only(curated.maps[0]) == {
        ("re6", "pubmed:30463995"), ("re24", "pubmed:29880584"),
    }  # fmt: skip
    assert all(
        "only in the reaction's notes" in f.message for f in findings if f.interaction == "re6"
    )
    (extra,) = [f for f in findings if f.rule == "minerva-extra-reference"]
    assert (extra.interaction, extra.reference, extra.severity) == ("re1", EXTRA, "warning")
    assert extra.hint.startswith(f"crsmap evidence add re1 {EXTRA}")
    (invalid,) = [f for f in findings if f.rule == "minerva-invalid-reference"]
    assert (invalid.interaction, invalid.reference, invalid.severity) == (
        "re2", "PUBMED:PMID12x", "error",
    )  # fmt: skip
    assert invalid.file == "maps/crs_sample.xml"
    assert findings == sorted(findings, key=lambda f: f.sort_key)


def test_a_rejected_paper_still_on_minerva_is_called_stale(curated, served):
    curated.remove_evidence("re1", "pubmed:34002066", reason="not about CAR T cells")
    pull(curated, served.url, PROJECT_ID, now=NOW)
    findings = [f for f in compare(Project.open(curated.root)) if f.interaction == "re1"]
    rejected = [f for f in findings if f.reference == "pubmed:34002066"]
    assert [f.rule for f in rejected] == ["minerva-extra-reference"]
    assert "rejected" in rejected[0].message and "upload the current map" in rejected[0].hint


def test_annotating_and_republishing_clears_the_missing_references(curated, served):
    curated.annotate()
    project = Project.open(curated.root)
    model = served.projects[PROJECT_ID].models[0]
    model.reactions = published(project.maps[0])
    pull(project, served.url, PROJECT_ID, now=NOW)
    assert compare(project) == []


def test_the_snapshot_is_stale_when_older_than_the_last_release(curated, served):
    pull(curated, served.url, PROJECT_ID, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    git(curated.root, "tag", "-a", "v1.0.0", "-m", "Release 1.0.0")
    stale = [f for f in compare(curated) if f.rule == "minerva-stale"]
    assert len(stale) == 1 and stale[0].severity == "info"
    assert "v1.0.0" in stale[0].message and "pulled on 2020-01-01" in stale[0].message
    assert stale[0].hint == "crsmap minerva pull"
    pull(curated, served.url, PROJECT_ID, now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    assert [f for f in compare(curated) if f.rule == "minerva-stale"] == []
    report = status(curated)
    assert (report.last_release, report.project_version, report.current) == ("1.0.0", "1.0.0", True)


@pytest.fixture
def two_maps(tmp_path) -> Project:
    """A project of two map files: a.xml (re1, re2) and b.xml (re1)."""
    species = mf.species("s1", "IL6") + mf.species("s2", "IL6R")
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a.xml").write_text(
        mf.document(
            species, mf.reaction("re1", ["s1"], ["s2"]) + mf.reaction("re2", ["s2"], ["s1"])
        )
    )
    (folder / "b.xml").write_text(mf.document(species, mf.reaction("re1", ["s1"], ["s2"])))
    created, _ = Project.init(
        tmp_path / "two", "Two maps", [folder / "a.xml", folder / "b.xml"],
        Curator(DEMO_CURATOR[0], CARBERRY, "j.carberry@example.org"),
    )  # fmt: skip
    return created


def test_a_map_whose_name_differs_from_its_file_needs_an_override(two_maps, minerva_server):
    minerva_server.add_project(PROJECT_ID, [
        FakeModel(1, "A", [reaction(11, "re1"), reaction(19, "re9")]),
        FakeModel(2, "IL-6 signalling", [reaction(21, "re1")]),
    ])  # fmt: skip
    pull(two_maps, minerva_server.url, PROJECT_ID, now=NOW)
    findings = compare(two_maps)
    assert codes(findings) == {
        "minerva-unmatched-model": 2,  # the MINERVA map, and the file
        "minerva-unknown-reaction": 1,
        "minerva-missing-reaction": 1,
    }
    assert {f.interaction for f in findings if f.rule.endswith("-reaction")} == {"a:re9", "a:re2"}
    unmatched = sorted(f.message for f in findings if f.rule == "minerva-unmatched-model")
    assert "IL-6 signalling" in unmatched[0] and unmatched[1].startswith(
        "maps/b.xml matches no map"
    )
    config = two_maps.root / "crsmap.toml"
    config.write_text(config.read_text() + '\n[minerva.models]\n"IL-6 signalling" = "maps/b.xml"\n')
    project = Project.open(two_maps.root)
    assert project.config.minerva.overrides == {"IL-6 signalling": "maps/b.xml"}
    assert codes(compare(project)) == {"minerva-unknown-reaction": 1, "minerva-missing-reaction": 1}
    report = status(project)
    assert [(f.file, f.model, f.matched_by) for f in report.files] == [
        ("maps/a.xml", "A", "name"), ("maps/b.xml", "IL-6 signalling", "override"),
    ]  # fmt: skip
    assert report.files[0].findings == {
        "minerva-unknown-reaction": 1, "minerva-missing-reaction": 1,
    }  # fmt: skip


def test_an_override_naming_no_minerva_map_is_reported(two_maps, minerva_server):
    config = two_maps.root / "crsmap.toml"
    config.write_text(config.read_text() + '\n[minerva.models]\n"Gone" = "maps/b.xml"\n')
    project = Project.open(two_maps.root)
    minerva_server.add_project(PROJECT_ID, [FakeModel(1, "a", []), FakeModel(2, "b", [])])
    pull(project, minerva_server.url, PROJECT_ID, now=NOW)
    findings = compare(project)
    assert [f.message for f in findings if f.rule == "minerva-unmatched-model"] == [
        "[minerva.models] names 'Gone', which is not a map of MINERVA project crs_map"
    ]


def test_status_sums_up_each_map_file(curated, served):
    pull(curated, served.url, PROJECT_ID, now=NOW)
    report = status(curated)
    (file,) = report.files
    assert (file.file, file.matched_by, file.model) == (
        "maps/crs_sample.xml", "single", "Cytokine Release Syndrome map",
    )  # fmt: skip
    assert (file.reactions_map, file.reactions_minerva) == (27, 27)
    references = sum(len(i.references) for i in curated.maps[0].interactions.values())
    annotated = sum(len(i.annotated_references) for i in curated.maps[0].interactions.values())
    assert file.references_ledger == references
    assert file.references_minerva == annotated + 2  # the extra paper and the invalid PMID
    assert file.findings == report.findings == {
        "minerva-missing-reference": 2, "minerva-extra-reference": 1,
        "minerva-invalid-reference": 1,
    }  # fmt: skip
    assert (report.instance, report.project, report.minerva_version) == (
        served.url, PROJECT_ID, "16.4.1",
    )  # fmt: skip
    assert report.last_release is None and report.current is None
    assert json.loads(json.dumps(report.to_json()))["files"][0]["reactions_map"] == 27


def test_status_without_a_snapshot_says_to_pull(project):
    with pytest.raises(InputError, match="crsmap minerva pull"):
        status(project)


# --- the audit's rules -------------------------------------------------------------------


def test_the_rules_are_described_for_the_registry():
    assert len({r.code for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.code.startswith("minerva-") and rule.severity in SEVERITIES
        assert rule.description and rule.fix and "\n" not in rule.description + rule.fix
    assert {r.code: r.severity for r in RULES}["minerva-invalid-reference"] == "error"
    assert {r.code: r.severity for r in RULES}["minerva-stale"] == "info"


def test_the_audit_checks_give_the_comparisons_findings(curated, served):
    pull(curated, served.url, PROJECT_ID, now=NOW)
    data = AuditData.load(curated)
    data.minerva = load_for_audit(curated)
    found = [f for rule in RULES for f in minerva.checker(rule.code)(data)]
    assert sorted(found, key=lambda f: f.sort_key) == compare(curated)
    data.minerva = None
    assert [f for rule in RULES for f in minerva.checker(rule.code)(data)] == []


def test_a_project_without_a_snapshot_has_no_minerva_findings(project):
    assert read_snapshot(project.root) is None
    assert load_for_audit(project) is None and compare(project) == []


# --- crsmap.toml -------------------------------------------------------------------------


def _config_with(project, table: str):
    return parse_config((project.root / "crsmap.toml").read_text() + "\n" + table)


def test_the_minerva_table_is_read(project):
    config = _config_with(
        project,
        '[minerva]\nurl = "https://pdmap.uni.lu/minerva/"\nproject = "crs"\n'
        '[minerva.models]\n"CRS Map" = "maps/crs_sample.xml"\n',
    )
    assert config.minerva.url == "https://pdmap.uni.lu/minerva"
    assert config.minerva.project == "crs"
    assert config.minerva.overrides == {"CRS Map": "maps/crs_sample.xml"}
    assert parse_config((project.root / "crsmap.toml").read_text()).minerva.url == ""


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[minerva]\nurl = "ftp://host/minerva"\n', r"\[minerva\] url: invalid MINERVA URL"),
        ("[minerva]\nurl = 5\n", r"\[minerva\] url is 5, expected a str"),
        ('[minerva]\nproject = " "\n', r"\[minerva\] project: invalid MINERVA project id"),
        ('[minerva]\nproject = "a/b"\n', r"\[minerva\] project"),
        ('[minerva]\nprojct = "crs"\n', r"\[minerva\] unknown key 'projct'"),
        ('[minerva.models]\n"CRS" = "maps/other.xml"\n', r"expected one of the map files"),
        ('[minerva.models]\n"CRS" = 3\n', r"expected one of the map files"),
    ],
)
def test_a_bad_minerva_table_is_refused(project, table, message):
    with pytest.raises(InputError, match=message):
        _config_with(project, table)


# --- a real map --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["acsn_dnarepair_HR", "c19dm_ACE2_spike_BP", "c19dm_Orf3a", "c19dm_PAMP_drugs_mirna"],
)
def test_a_real_map_on_minerva_misses_exactly_its_notes_only_references(
    tmp_path, minerva_server, name
):
    source = shared_map(name)
    project, _ = Project.init(
        tmp_path / "real", "Real map", [source],
        Curator(DEMO_CURATOR[0], CARBERRY, "j.carberry@example.org"),
    )  # fmt: skip
    project.import_map_references()
    project = Project.open(project.root)
    cd_map = project.maps[0]
    first = next(iter(cd_map.interactions.values()))
    reactions = published(cd_map, extra={first.reaction_id: [as_minerva(EXTRA)]})
    minerva_server.add_project(PROJECT_ID, [FakeModel(42, cd_map.model_id, reactions)])
    pull(project, minerva_server.url, PROJECT_ID, now=NOW)
    findings = compare(project)
    expected = notes_only(cd_map)
    missing = [
        (f.interaction, f.reference) for f in findings if f.rule == "minerva-missing-reference"
    ]
    assert sorted(missing) == sorted(expected)
    assert [
        (f.interaction, f.reference) for f in findings if f.rule != "minerva-missing-reference"
    ] == [(first.id, EXTRA)]
    assert status(project).files[0].reactions_minerva == len(cd_map.interactions)
    # Annotate, upload again (MINERVA now shows the MIRIAM annotations): only the extra
    # paper MINERVA shows and the ledger does not hold is left.
    project.annotate()
    project = Project.open(project.root)
    reactions = published(project.maps[0], extra={first.reaction_id: [as_minerva(EXTRA)]})
    minerva_server.projects[PROJECT_ID].models[0].reactions = reactions
    pull(project, minerva_server.url, PROJECT_ID, now=NOW)
    assert [(f.rule, f.interaction, f.reference) for f in compare(project)] == [
        ("minerva-extra-reference", first.id, EXTRA)
    ]
