"""evidence.tsv and interactions.tsv: exact columns, sorted rows, located problems."""

import datetime as dt

from curation.ledger import (
    EVIDENCE_COLUMNS,
    INTERACTION_COLUMNS,
    EvidenceRecord,
    InteractionRecord,
    read_evidence,
    read_interactions,
    render_evidence,
)

TODAY = dt.date(2026, 11, 26)


def record(interaction, reference, **kw):
    base = dict(
        evidence="ECO:0000269",
        curator="0000-0002-1825-0097",
        date="2026-11-01",
        source="manual",
        note="",
    )
    base.update(kw)
    return EvidenceRecord(interaction, reference, **base)


def test_columns_are_the_contract():
    assert EVIDENCE_COLUMNS == (
        "interaction",
        "reference",
        "evidence",
        "curator",
        "date",
        "source",
        "note",
    )
    assert INTERACTION_COLUMNS == (
        "interaction",
        "curator",
        "license",
        "derived_from",
        "status",
        "signature",
        "updated",
    )


def test_rows_are_sorted_by_interaction_then_reference_naturally(tmp_path):
    path = tmp_path / "evidence.tsv"
    path.write_text(
        render_evidence(
            [record("re10", "pubmed:2"), record("re2", "pubmed:30"), record("re2", "pubmed:4")]
        )
    )
    lines = path.read_text().splitlines()
    assert lines[0] == "\t".join(EVIDENCE_COLUMNS)
    assert [line.split("\t")[:2] for line in lines[1:]] == [
        ["re2", "pubmed:4"],
        ["re2", "pubmed:30"],
        ["re10", "pubmed:2"],
    ]
    assert read_evidence(path, TODAY).records[0] == record("re2", "pubmed:4")


def test_output_does_not_depend_on_input_order():
    rows = [record("re3", "doi:10.1/x"), record("re1", "pubmed:9"), record("re1", "pubmed:10")]
    assert render_evidence(rows) == render_evidence(list(reversed(rows)))


def test_malformed_lines_are_reported_with_file_and_line_and_the_rest_is_read(tmp_path):
    path = tmp_path / "evidence.tsv"
    good = "\t".join(
        ["re1", "pubmed:1", "ECO:0000269", "0000-0002-1825-0097", "2026-01-02", "map", ""]
    )
    path.write_text(
        "\t".join(EVIDENCE_COLUMNS)
        + "\n"
        + good
        + "\n"
        + "re2\tpubmed:2\tECO:12\t0000-0002-1825-0097\t2026-01-02\tmanual\t\n"
        + "re3\tpubmed:3\n"
        + "re4\tpubmed:4\tECO:0000269\t0000-0002-1825-0097\t2030-01-01\tmanual\t\n"
        + "re5\tpubmed:5\tECO:0000269\t0000-0002-1825-0097\t2026-13-01\tmanual\t\n"
        + "re6\tpubmed:6\tECO:0000269\t0000-0002-1825-0097\t2026-01-02\tguess\t\n"
    )
    content = read_evidence(path, TODAY)
    assert [r.interaction for r in content.records] == ["re1"]
    assert [str(p) for p in content.problems] == [
        "evidence.tsv:3: evidence 'ECO:12' is not an ECO term (ECO: and 7 digits)",
        "evidence.tsv:4: 2 columns, expected 7",
        "evidence.tsv:5: date 2030-01-01 is in the future",
        "evidence.tsv:6: date '2026-13-01' is not an ISO date (YYYY-MM-DD)",
        "evidence.tsv:7: source 'guess' is not one of manual, map",
    ]


def test_wrong_header_is_one_problem_on_line_one(tmp_path):
    path = tmp_path / "interactions.tsv"
    path.write_text("id\tcurator\nre1\tx\n")
    content = read_interactions(path, TODAY)
    assert content.records == []
    assert str(content.problems[0]).startswith("interactions.tsv:1: header is")


def test_bom_and_crlf_are_tolerated(tmp_path):
    path = tmp_path / "interactions.tsv"
    row = InteractionRecord(
        "re1", "0000-0002-1825-0097", "CC-BY-4.0", "", "draft", "A -> B [X]", "2026-01-01"
    )
    text = (
        "\t".join(INTERACTION_COLUMNS)
        + "\r\n"
        + "\t".join(getattr(row, c) for c in INTERACTION_COLUMNS)
        + "\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    content = read_interactions(path, TODAY)
    assert content.problems == []
    assert content.records == [row]


def test_missing_ledger_reads_as_empty(tmp_path):
    assert read_evidence(tmp_path / "evidence.tsv").records == []
