"""The MINERVA evidence overlay: the report's statuses, in MINERVA's generic overlay format."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from bench.generate_map import generate_map
from curation.celldesigner import CellDesignerMap, read_map
from curation.ledger import EvidenceRecord, InteractionRecord
from curation.overlay import OVERLAY_FILE, render_overlay
from curation.report import STATUSES, MapInput, ReportInput, statuses
from literature.model import Citation

from .conftest import CARBERRY, shared_map
from .test_report import EXPECTED_SAMPLE_STATUSES, interactions_in, sample_input

COLOURS = {s.code: s.colour for s in STATUSES}
RETRACTED = Citation("pubmed:1", title="Retracted", year=2001, retracted=True)


def read_overlay(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Read an overlay as MINERVA reads a tab-separated one: ``#KEY=value`` header lines,
    then a row of column names, then one row per object; every row as wide as the header."""
    assert text.endswith("\n") and "\r" not in text
    lines = text[:-1].split("\n")
    header: dict[str, str] = {}
    while lines and lines[0].startswith("#"):
        key, sep, value = lines.pop(0)[1:].partition("=")
        assert sep, "a header line is #KEY=value"
        assert key not in header, f"#{key} given twice"
        header[key] = value
    columns = lines.pop(0).split("\t")
    rows = []
    for line in lines:
        cells = line.split("\t")
        assert len(cells) == len(columns), line
        rows.append(dict(zip(columns, cells, strict=True)))
    return header, rows


def five_statuses(model: CellDesignerMap, relative: str) -> tuple[ReportInput, dict[str, str]]:
    """A report input where the interactions cycle through the five statuses, worst first."""
    evidence, rows, expected = [], [], {}
    for n, interaction in enumerate(model.interactions.values()):
        status = STATUSES[n % 5].code
        expected[interaction.id] = status
        if status == "missing":
            continue
        reference = "pubmed:1" if status == "retracted-or-not-found" else f"pubmed:{1000 + n}"
        evidence.append(
            EvidenceRecord(interaction.id, reference, "ECO:0000269", CARBERRY, "2025-01-15", "map")
        )
        if status == "changed":
            rows.append(InteractionRecord(interaction.id, CARBERRY, signature="A -> B [OLD]"))
        elif status == "reviewed":
            rows.append(InteractionRecord(interaction.id, CARBERRY, status="reviewed"))
    data_input = ReportInput(
        title="Big map", version=None, date="2025-06-01",
        maps=(MapInput(relative, model),), evidence=tuple(evidence), rows=tuple(rows),
        citations={"pubmed:1": RETRACTED}, findings=(), releases=(), curators={},
    )  # fmt: skip
    return data_input, expected


def check_big_map(model: CellDesignerMap, relative: str) -> None:
    data, expected = five_statuses(model, relative)
    header, rows = read_overlay(render_overlay(data))
    assert header["TYPE"] == "GENERIC"
    assert len(rows) == len(model.interactions) == len(expected)
    by_reaction = {row["reactionIdentifier"]: row["color"] for row in rows}
    assert len(by_reaction) == len(rows), "one row per reaction"
    assert by_reaction == {
        model.interactions[i].reaction_id: COLOURS[s] for i, s in expected.items()
    }
    assert set(by_reaction.values()) == set(COLOURS.values())  # the five status colours
    for status in STATUSES:
        count = sum(1 for s in expected.values() if s == status.code)
        assert f"{status.colour} {status.label}: {count}" in header["DESCRIPTION"]


# --- the format ---------------------------------------------------------------------------


def test_the_sample_overlay_parses_back_with_the_reports_statuses():
    data = sample_input()
    text = render_overlay(data)
    header, rows = read_overlay(text)
    assert set(header) == {"NAME", "DESCRIPTION", "TYPE"}
    assert header["NAME"] == "Cytokine Release Syndrome Map 0.3.0 evidence status"
    assert header["TYPE"] == "GENERIC"
    model = data.maps[0].model
    assert list(rows[0]) == ["reactionIdentifier", "color"]  # one map: no map_name
    assert len(rows) == len(model.interactions)
    colour_of = {row["reactionIdentifier"]: row["color"] for row in rows}
    for interaction_id, status in EXPECTED_SAMPLE_STATUSES.items():
        assert colour_of[model.interactions[interaction_id].reaction_id] == COLOURS[status]
    # Exactly the report's classification, reaction by reaction.
    (_, pairs), *_ = statuses(data)
    assert colour_of == {i.reaction_id: COLOURS[s] for i, s in pairs}
    assert set(colour_of.values()) == set(COLOURS.values())
    for status in STATUSES:  # the legend names every colour, worst first
        assert f"{status.colour} {status.label}:" in header["DESCRIPTION"]
    positions = [header["DESCRIPTION"].index(s.colour) for s in STATUSES]
    assert positions == sorted(positions)
    assert all(row["color"].startswith("#") and len(row["color"]) == 7 for row in rows)


def test_the_overlay_is_deterministic():
    first = render_overlay(sample_input())
    data = sample_input()
    shuffled = replace(data, evidence=tuple(reversed(data.evidence)), rows=data.rows[::-1])
    assert render_overlay(shuffled) == first == render_overlay(sample_input())


def test_several_maps_name_each_rows_map():
    data = sample_input()
    model = data.maps[0].model
    second = MapInput("maps/other map.xml", model)
    several = replace(data, maps=(data.maps[0], second))
    _, rows = read_overlay(render_overlay(several))
    assert list(rows[0]) == ["map_name", "reactionIdentifier", "color"]
    assert {row["map_name"] for row in rows} == {"crs_sample", "other map"}
    assert len(rows) == 2 * len(model.interactions)
    named = render_overlay(several, {"maps/other map.xml": "Other (MINERVA)"})
    assert {row["map_name"] for row in read_overlay(named)[1]} == {"crs_sample", "Other (MINERVA)"}


def test_header_text_cannot_break_the_table():
    data = replace(sample_input(), title="A\tmap\nwith\r\nbreaks", version="1.0.0")
    header, rows = read_overlay(render_overlay(data))
    assert header["NAME"] == "A map with breaks 1.0.0 evidence status"
    assert len(rows) == len(data.maps[0].model.interactions)


# --- big maps -----------------------------------------------------------------------------


def test_a_generated_1613_reaction_map_has_1613_rows_in_five_colours(tmp_path):
    path = generate_map(1613, tmp_path / "big.xml", seed=0)
    check_big_map(read_map(path), "maps/big.xml")


def test_the_real_1613_reaction_map_has_1613_rows_in_five_colours():
    path: Path = shared_map("c19dm_PAMP_drugs_mirna")
    model = read_map(path)
    assert len(model.interactions) == 1613
    check_big_map(model, f"maps/{path.name}")


# --- the command and the bundle -----------------------------------------------------------


def overlay_colours(text: str) -> dict[str, str]:
    return {row["reactionIdentifier"]: row["color"] for row in read_overlay(text)[1]}


def test_export_minerva_overlay_writes_the_working_trees_statuses(crsmap, project, tmp_path):
    target = tmp_path / "overlay.txt"
    result = crsmap("export", "minerva-overlay", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    header, rows = read_overlay(text)
    assert header["TYPE"] == "GENERIC"
    assert len(rows) == len(project.maps[0].interactions)
    shown = crsmap("export", "minerva-overlay")
    assert shown.exit_code == 0 and shown.output == text
    # Evidence for an interaction without any turns it from "no evidence" to "draft".
    missing = [r for r, colour in overlay_colours(text).items() if colour == COLOURS["missing"]]
    assert missing
    assert crsmap("evidence", "add", missing[0], "pubmed:222").exit_code == 0
    after = crsmap("export", "minerva-overlay")
    assert after.exit_code == 0, after.output
    assert overlay_colours(after.output)[missing[0]] == COLOURS["draft"]


def test_the_release_bundle_carries_the_overlay_of_its_report(tmp_path, runner):
    from cli.main import cli

    result = runner.invoke(cli, ["demo", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    (bundle,) = (tmp_path / "d" / "crs-map" / "dist").glob("*.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = {n.split("/", 1)[1]: n for n in archive.namelist()}
        text = archive.read(names[OVERLAY_FILE]).decode("utf-8")
        html = archive.read(names["report.html"]).decode("utf-8")
    header, _ = read_overlay(text)
    assert header["NAME"].endswith(" evidence status") and header["TYPE"] == "GENERIC"
    # The bundle's report and overlay colour every reaction alike (one map: ids are unqualified).
    assert overlay_colours(text) == {i: COLOURS[s] for i, s in interactions_in(html).items()}
    assert runner.invoke(cli, ["verify", str(bundle)]).exit_code == 0
