"""Every audit rule: a project that triggers exactly that rule, and the fix that clears it."""

import datetime as dt
import json
import re
import subprocess

import pytest
from lxml import etree

from cli.main import cli
from curation.audit import RULES
from curation.config import Creator, Curator
from curation.project import Project
from literature.cache import render_cache
from literature.model import Author, Citation, Notice

from .conftest import CARBERRY, SECOND_ORCID, shared_map
from .conftest import MAP_NAMES_FOR_TESTS as MAP_NAMES
from .mapfactory import document, rdf_block, reaction, species


def cite(curie, **kw):
    base = dict(status="ok", source="pubmed", fetched="2026-01-01T00:00:00Z", title=f"Paper {curie}",
                authors=(Author("Doe", "J"),), journal="J Test", year=2020, pmid=curie.split(":")[1])  # fmt: skip
    base.update(kw)
    return Citation(curie, **base)


@pytest.fixture
def clean(tmp_path, runner):
    """A two-reaction project that audits clean; returns a `run` helper and the project."""
    sp = species("s1", "A") + species("s2", "B") + species("s3", "C")
    xml = document(sp, reaction("re1", ["s1"], ["s2"], rdf=rdf_block("re1", "urn:miriam:pubmed:111")) + "\n"
                   + reaction("re2", ["s2"], ["s3"], rdf=rdf_block("re2", "urn:miriam:pubmed:222")))  # fmt: skip
    source = tmp_path / "mini.xml"
    source.write_text(xml)
    project, _ = Project.init(
        tmp_path / "p", "Mini map", [source], Curator("Josiah Carberry", CARBERRY),
        creators=[Creator("Lovelace, Ada")],
    )  # fmt: skip
    (project.root / "literature.jsonl").write_text(
        render_cache([cite("pubmed:111"), cite("pubmed:222"), cite("pubmed:333")])
    )

    def run(*args):
        return runner.invoke(cli, ["--project", str(project.root), *args])

    assert run("import").exit_code == 0
    return run, project


def findings(run, *args):
    result = run("audit", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["findings"]


def rules_of(run):
    return sorted({f["rule"] for f in findings(run)})


def append(path, line):
    path.write_text(path.read_text() + line + "\n")


def set_cache(project, *citations):
    (project.root / "literature.jsonl").write_text(
        render_cache([cite("pubmed:222"), cite("pubmed:333"), *citations])
    )


def test_the_base_project_is_clean(clean):
    run, _ = clean
    result = run("audit")
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip() == "audit: 0 error(s), 0 warning(s), 0 info; passes (fail on error)"
    )


def _break_and_fix(rule_code, run, project):
    """Apply the breakage for ``rule_code``; return the function that fixes it."""
    evidence, rows = project.root / "evidence.tsv", project.root / "interactions.tsv"
    if rule_code == "missing-evidence":
        assert run("evidence", "remove", "re2", "pubmed:222").exit_code == 0
        return lambda: (run("evidence", "add", "re2", "pubmed:222"), run("annotate"))
    if rule_code == "unknown-interaction":
        append(evidence, f"re99\tpubmed:111\tECO:0000269\t{CARBERRY}\t2026-01-01\tmanual\t")
        return lambda: run("evidence", "remove", "re99", "pubmed:111")
    if rule_code == "invalid-reference":
        append(evidence, f"re1\tpubmed:abc\tECO:0000269\t{CARBERRY}\t2026-01-01\tmanual\t")
        return lambda: run("evidence", "remove", "re1", "pubmed:abc")
    if rule_code == "reference-not-found":
        set_cache(project, cite("pubmed:111", status="not-found", title="", authors=()))
        return lambda: (
            run("evidence", "add", "re1", "pubmed:333"),
            run("evidence", "remove", "re1", "pubmed:111"),
            run("annotate"),
        )
    if rule_code == "retracted":
        set_cache(
            project,
            cite("pubmed:111", retracted=True, notices=(Notice("retraction", "pubmed:999"),)),
        )
        return lambda: (
            run("evidence", "add", "re1", "pubmed:333"),
            run("evidence", "remove", "re1", "pubmed:111"),
            run("annotate"),
        )
    if rule_code == "notice":
        set_cache(project, cite("pubmed:111", notices=(Notice("erratum", "pubmed:998"),)))
        return lambda: set_cache(
            project, cite("pubmed:111")
        )  # a refetch after the erratum is handled
    if rule_code == "unfetched-reference":
        set_cache(project)
        return lambda: set_cache(project, cite("pubmed:111"))
    if rule_code == "invalid-orcid":
        evidence.write_text(
            evidence.read_text().replace(
                f"re1\tpubmed:111\tECO:0000269\t{CARBERRY}",
                "re1\tpubmed:111\tECO:0000269\t0000-0002-1825-0098",
            )
        )
        return lambda: evidence.write_text(
            evidence.read_text().replace("0000-0002-1825-0098", CARBERRY)
        )
    if rule_code == "invalid-curator":
        config = project.root / "crsmap.toml"
        original = config.read_text()
        forged = f'name = "Josiah Carberry\\nCurator: Mallory <https://orcid.org/{SECOND_ORCID}>"'
        config.write_text(original.replace('name = "Josiah Carberry"', forged, 1))
        return lambda: config.write_text(original)
    if rule_code == "unknown-curator":
        evidence.write_text(
            evidence.read_text().replace(
                f"re1\tpubmed:111\tECO:0000269\t{CARBERRY}",
                f"re1\tpubmed:111\tECO:0000269\t{SECOND_ORCID}",
            )
        )
        return lambda: run("curators", "add", "Ada Lovelace", "--orcid", SECOND_ORCID)
    if rule_code == "missing-curator":
        rows.write_text(rows.read_text().replace(f"re1\t{CARBERRY}", "re1\t"))
        return lambda: run("interactions", "set", "re1", "--curator", CARBERRY)
    if rule_code == "license-incompatible":
        assert run("interactions", "set", "re1", "--license", "CC-BY-NC-4.0").exit_code == 0
        return lambda: run("interactions", "set", "re1", "--license", "CC0-1.0")
    if rule_code == "interaction-changed":
        rows.write_text(
            rows.read_text().replace("A -> B [STATE_TRANSITION]", "A -> X [STATE_TRANSITION]")
        )
        return lambda: run("interactions", "set", "re1", "--status", "reviewed")
    if rule_code == "map-drift":
        assert run("evidence", "add", "re1", "pubmed:333").exit_code == 0
        return lambda: run("annotate")
    if rule_code == "duplicate-evidence":
        line = next(x for x in evidence.read_text().splitlines() if x.startswith("re1\t"))
        append(evidence, line)
        return lambda: evidence.write_text(evidence.read_text().replace(line + "\n", "", 1))
    if rule_code == "invalid-license":
        rows.write_text(rows.read_text().replace("\tCC-BY-4.0\t", "\tNonsense-1.0\t", 1))
        return lambda: run("interactions", "set", "re1", "--license", "CC-BY-4.0")
    if rule_code == "missing-map-creators":
        config = project.root / "crsmap.toml"
        config.write_text(re.sub(r"(?ms)^creators = \[.*?\](.*?)\n", "", config.read_text()))
        return lambda: run("creators", "add", "Lovelace, Ada")
    if rule_code.startswith("minerva-"):
        return _break_minerva(rule_code, project)
    if rule_code == "invalid-record":
        append(evidence, "re1\tpubmed:111\tECO:12\n")
        return lambda: evidence.write_text(
            evidence.read_text().replace("re1\tpubmed:111\tECO:12\n", "")
        )
    raise AssertionError(f"no breakage written for {rule_code}")


PUBLISHED = {"re1": (("PUBMED", "111"),), "re2": (("PUBMED", "222"),)}  # what the ledger holds


def publish(project, reactions=PUBLISHED, pulled="2026-01-05T10:00:00Z", models=()) -> None:
    """minerva.json as `crsmap minerva pull` would write it for these published reactions."""
    from curation.minerva import MinervaSnapshot, render_snapshot
    from services.minerva import MinervaModel, MinervaProject, MinervaReaction

    shown = tuple(MinervaReaction(r, references=refs) for r, refs in reactions.items())
    published = MinervaProject(
        "https://minerva.example.org/minerva", "mini", "16.4.1", "", "Mini map",
        (MinervaModel(1, "Mini map", shown), *models),
    )  # fmt: skip
    (project.root / "minerva.json").write_text(
        render_snapshot(MinervaSnapshot(published, pulled)), encoding="utf-8"
    )


def _break_minerva(rule_code, project):
    """The published map (minerva.json) differing from the ledger in one way; the fix is
    the snapshot of a map published as the ledger holds it."""
    from services.minerva import MinervaModel

    broken = dict(PUBLISHED)
    pulled, models = "2026-01-05T10:00:00Z", ()
    if rule_code == "minerva-missing-reference":
        broken["re1"] = ()
    elif rule_code == "minerva-extra-reference":
        broken["re1"] = (("PUBMED", "111"), ("PUBMED", "444"))
    elif rule_code == "minerva-unknown-reaction":
        broken["re99"] = ()
    elif rule_code == "minerva-missing-reaction":
        del broken["re2"]
    elif rule_code == "minerva-invalid-reference":
        broken["re1"] = (("PUBMED", "111"), ("PUBMED", "PMID12x"))
    elif rule_code == "minerva-unmatched-model":
        models = (MinervaModel(2, "A map with no file"),)
    elif rule_code == "minerva-stale":
        pulled = "2000-01-01T00:00:00Z"  # pulled long before the release tagged now
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", "tag", "-a", "v0.1.0",
             "-m", "Mini map 0.1.0"], cwd=project.root, check=True,
        )  # fmt: skip
    else:
        raise AssertionError(f"no breakage written for {rule_code}")
    publish(project, broken, pulled, models)
    return lambda: publish(project, pulled=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


@pytest.mark.parametrize("rule_code", list(RULES))
def test_each_rule_fires_alone_and_its_fix_clears_it(clean, rule_code):
    run, project = clean
    fix = _break_and_fix(rule_code, run, project)
    fired = findings(run)
    assert {f["rule"] for f in fired} == {rule_code}, fired
    for finding in fired:
        assert finding["hint"], finding
        assert finding["severity"] == RULES[rule_code].severity
    fix()
    assert rules_of(run) == [], findings(run)


def test_json_is_the_contract_and_sorted(clean):
    run, project = clean
    run("evidence", "remove", "re2", "pubmed:222")
    set_cache(project, cite("pubmed:111", retracted=True))
    result = run("audit", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["summary"] == {"error": 2, "warning": 0, "info": 0}
    assert [list(f) for f in report["findings"]] == [
        ["rule", "severity", "interaction", "reference", "message", "hint"]
    ] * 2
    assert [(f["interaction"], f["rule"]) for f in report["findings"]] == [
        ("re1", "retracted"),
        ("re2", "missing-evidence"),
    ]


def test_fail_on_rule_subset_severity_overrides_and_ignores(clean):
    run, project = clean
    append(
        project.root / "evidence.tsv",
        f"re1\tpubmed:333\tECO:0000269\t{CARBERRY}\t2026-01-01\tmanual\t",
    )
    assert run("audit").exit_code == 0  # map-drift is a warning
    assert run("audit", "--fail-on", "warning").exit_code == 1
    assert run("audit", "--rule", "missing-evidence", "--fail-on", "warning").exit_code == 0
    config = project.root / "crsmap.toml"
    config.write_text(
        config.read_text().replace("[audit.severity]", '[audit.severity]\nmap-drift = "error"')
    )
    assert run("audit").exit_code == 1
    config.write_text(config.read_text().replace("ignore = []", 'ignore = ["map-drift"]'))
    assert run("audit", "--fail-on", "warning").exit_code == 0
    assert run("audit", "--fail-on", "never", "--rule", "map-drift").exit_code == 0
    config.write_text(
        config.read_text().replace('ignore = ["map-drift"]', 'ignore = ["map-drfit"]')
    )
    bad = run("audit")
    assert bad.exit_code == 2 and "unknown rule 'map-drfit'; did you mean map-drift?" in bad.stderr


def test_text_tsv_and_github_formats(clean):
    run, project = clean
    assert run("evidence", "remove", "re2", "pubmed:222").exit_code == 0
    append(project.root / "evidence.tsv", "re1\tpubmed:111\tECO:12")
    text = run("audit").output
    assert text.startswith("Errors (2)\n")
    assert (
        "  re2  missing-evidence\n      B -> C [STATE_TRANSITION] has no evidence\n      fix: crsmap evidence add re2 REF"
        in text
    )
    assert "evidence.tsv:3  invalid-record" in text
    assert text.rstrip().endswith("audit: 2 error(s), 0 warning(s), 0 info; fails (fail on error)")
    tsv = run("audit", "--format", "tsv").output.splitlines()
    assert tsv[0] == "rule\tseverity\tinteraction\treference\tmessage\thint" and len(tsv) == 3
    github = run("audit", "--format", "github").output.splitlines()
    assert github[0].startswith(
        "::error file=evidence.tsv,line=3,title=crsmap invalid-record::evidence.tsv:3: 3 columns"
    )
    assert re.match(
        r"::error file=maps/mini\.xml,line=\d+,title=crsmap missing-evidence::B -> C", github[1]
    )


def test_audit_writes_nothing(clean):
    from .conftest import snapshot

    run, project = clean
    append(project.root / "evidence.tsv", "broken")
    before = snapshot(project.root)
    run("audit")
    assert snapshot(project.root) == before


PLAIN_REFERENCE = re.compile(rb"(?:pubmed[:/]|PMID\W{0,4})[0-9]+|doi[:/]\s*10\.|PMC[0-9]{3,}", re.I)


@pytest.mark.parametrize("name", MAP_NAMES)
def test_missing_evidence_on_real_maps_names_exactly_the_reactions_without_references(
    runner, tmp_path, name
):
    path = shared_map(name)
    target = tmp_path / "real"
    assert runner.invoke(cli, ["init", str(target), "--title", name, "--map", str(path), "--curator-name", "J",
                               "--orcid", CARBERRY, "--no-commit"]).exit_code == 0  # fmt: skip
    assert runner.invoke(cli, ["--project", str(target), "import", "--no-commit"]).exit_code == 0
    result = runner.invoke(
        cli, ["--project", str(target), "audit", "--format", "json", "--rule", "missing-evidence"]
    )
    flagged = {f["interaction"] for f in json.loads(result.output)["findings"]}
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    reactions = tree.xpath("//*[local-name()='listOfReactions']/*[local-name()='reaction']")
    bare = {r.get("id") for r in reactions if not PLAIN_REFERENCE.search(etree.tostring(r))}
    assert flagged == bare


def test_a_map_license_outside_the_spdx_list_is_one_finding(clean):
    run, project = clean
    config = project.root / "crsmap.toml"
    config.write_text(config.read_text().replace('license = "CC-BY-4.0"', 'license = "CC-BY-4"'))
    fired = findings(run)
    assert [(f["rule"], f["interaction"]) for f in fired] == [("invalid-license", None)]
    assert "crsmap.toml [map] license: invalid license 'CC-BY-4'" in fired[0]["message"]
    assert "CC-BY-4.0" in fired[0]["message"]  # the closest SPDX id is suggested
