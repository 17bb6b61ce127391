"""The audit's fast paths read what the plain paths read: the same citations, records,
problems and findings, line for line.

literature.jsonl is read in place, each line checked as crsmap writes it, with json.loads
and the full field check left for any other line; a ledger is searched for control
characters field by field only when its text holds one; the audit's rules first ask at C
speed whether there is anything to find. Each test here holds a fast path to the plain one.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curation.audit import RULES, AuditData, evaluate
from curation.audit import settings as audit_settings
from curation.config import Config, Curator, MapSettings, parse_config, render_new_config
from curation.ledger import parse_evidence, parse_interactions, parse_rejected
from literature.cache import _LAYOUT, _citation, _problem, parse_cache, render_line
from literature.errors import InputError, LineProblem
from literature.identifiers import (
    CONTROL_CHARACTERS,
    CONTROLS_IN_TSV,
    has_control_characters,
    parse_reference,
    reference_curie,
)
from literature.model import Author, Citation, Notice

from .conftest import CARBERRY, SECOND_ORCID


def plain_parse_cache(text: str, name: str = "literature.jsonl"):
    """literature.jsonl read line by line with json.loads, as crsmap read it before."""
    citations, problems = {}, []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            problem = f"invalid JSON ({getattr(exc, 'msg', exc)})"
        except RecursionError:
            problem = "invalid JSON (nested too deeply)"
        else:
            problem = _problem(data)
        if problem:
            problems.append(LineProblem(name, number, problem))
            continue
        citations[data["id"]] = Citation.from_json(data)
    return citations, problems


def fields(citation: Citation) -> dict:
    """Every field with its exact type: equal citations may still hold a list for a tuple."""
    return {name: (type(v), v) for name, v in vars(citation).items()} | {
        "authors": tuple((type(a), tuple(a)) for a in citation.authors),
        "notices": tuple((type(n), tuple(n)) for n in citation.notices),
    }


def assert_reads_alike(text: str) -> None:
    expected, expected_problems = plain_parse_cache(text)
    problems: list[LineProblem] = []
    found = parse_cache(text, "literature.jsonl", problems)
    assert problems == expected_problems
    assert found == expected
    assert list(found) == list(expected)
    for key, citation in found.items():
        assert fields(citation) == fields(expected[key])
        assert sorted(vars(citation)) == sorted(Citation.__dataclass_fields__)
    if expected_problems:
        first = expected_problems[0]
        with pytest.raises(InputError, match=rf"^literature\.jsonl:{first.line}: "):
            parse_cache(text)


FULL = Citation(
    id="doi:10.1000/x",
    status="ok",
    source="crossref",
    fetched="2026-01-02T03:04:05Z",
    pmid="12345",
    pmcid="PMC678",
    doi="10.1000/x",
    title='A title "quoted" — with ünïcode and a tab\tinside',
    authors=(Author("Doe", "Jane"), Author("Roe", ""), Author("Ōno", "Y")),
    journal="J Test",
    year=2021,
    volume="7",
    issue="2",
    pages="1-9",
    pubtypes=("Journal Article", "Retracted Publication"),
    retracted=True,
    notices=(Notice("retraction", "pubmed:1"), Notice("erratum", "doi:10.1/e")),
)
CANONICAL = render_line(FULL).rstrip("\n")
BARE = '{"id": "pubmed:1", "source": "pubmed", "status": "ok"}'


def with_value(key: str, value) -> str:
    data = json.loads(CANONICAL)
    data[key] = value
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def test_a_canonical_line_round_trips_every_field():
    # Every field holds a value of its own, so a field read into another's place shows.
    (citation,) = parse_cache(CANONICAL + "\n").values()
    assert fields(citation) == fields(FULL)
    assert tuple(sorted(Citation.__dataclass_fields__)) == _LAYOUT


LINES = {
    "canonical": CANONICAL,
    "bare": BARE,
    "keys in another order": json.dumps(json.loads(CANONICAL)),
    "an extra key": with_value("extra", [1, {"a": 2}]),
    "an author with an extra key": with_value("authors", [{"family": "A", "given": "B", "x": 1}]),
    "an author without given": with_value("authors", [{"family": "A"}]),
    "an author with keys reversed": with_value("authors", [{"given": "B", "family": "A"}]),
    "an author that is a list": with_value("authors", [["A", "B"]]),
    "an author with a number": with_value("authors", [{"family": "A", "given": 5}]),
    "a notice of an unknown type": with_value("notices", [{"id": "pubmed:2", "type": "x"}]),
    "a notice with a number id": with_value("notices", [{"id": 2, "type": "erratum"}]),
    "a notice that is text": with_value("notices", ["erratum"]),
    "notices that are not a list": with_value("notices", {"id": "x"}),
    "a number pubtype": with_value("pubtypes", ["A", 1]),
    "pubtypes that are text": with_value("pubtypes", "Journal Article"),
    "a boolean year": with_value("year", True),
    "a text year": with_value("year", "2020"),
    "a float year": with_value("year", 2020.0),
    "a null year": with_value("year", None),
    "a number retracted": with_value("retracted", 1),
    "a null title": with_value("title", None),
    "a number pmid": with_value("pmid", 123),
    "a null pmid": with_value("pmid", None),
    "an id without a colon": with_value("id", "pubmed1"),
    "a number id": with_value("id", 1),
    "an unknown status": with_value("status", "gone"),
    "an unknown source": with_value("source", "scopus"),
    "a list status": with_value("status", ["ok"]),
    "escapes": with_value("title", 'line\nbreak \u2028 \\ "q" \x7f'),
    "trailing spaces": CANONICAL + "  \t",
    "a trailing carriage return": CANONICAL + "\r",
    "leading spaces": "  " + CANONICAL,
    "a byte order mark": "\ufeff" + CANONICAL,
    "a form feed after": CANONICAL + "\x0c",
    "two values": CANONICAL + " " + BARE,
    "two values with a comma": CANONICAL + ", " + BARE,
    "a cut line": CANONICAL[:-1],
    "a list": "[" + CANONICAL + "]",
    "a number": "1",
    "a text": '"pubmed:1"',
    "null": "null",
    "NaN": "NaN",
    "garbage": "}{",
    "deep nesting": "[" * 100_000,
    "deep nesting inside a record": CANONICAL[:-1]
    + ', "x": '
    + "[" * 100_000
    + "]" * 100_000
    + "}",
}


@pytest.mark.parametrize("line", LINES.values(), ids=LINES.keys())
def test_each_kind_of_line_reads_as_json_loads_reads_it(line):
    assert_reads_alike(line + "\n")
    assert_reads_alike("\n" + BARE + "\n  \n" + line + "\n" + CANONICAL)


def test_lines_that_make_records_only_when_joined_are_each_a_problem():
    # Joined with commas into one JSON array these read as three good records: a line
    # that opens a list the next one closes, and a line that holds two records. Read line
    # by line, as crsmap must, each is invalid.
    first, comma, rest = CANONICAL.partition(', {"family": "Roe"')
    lines = [first, comma.removeprefix(", ") + rest, CANONICAL + ", " + BARE]
    text = "\n".join(lines) + "\n"
    assert len(json.loads("[" + ",".join(lines) + "]")) == 3
    assert_reads_alike(text)
    assert [p.line for p in parse_cache_problems(text)] == [1, 2, 3]


def parse_cache_problems(text: str) -> list[LineProblem]:
    problems: list[LineProblem] = []
    parse_cache(text, "literature.jsonl", problems)
    return problems


def test_a_crlf_cache_reads_alike():
    text = "\r\n".join([CANONICAL, BARE, "{bad", with_value("year", "x")]) + "\r\n"
    assert_reads_alike(text)


def test_the_fast_check_takes_only_records_the_full_check_passes():
    for line in LINES.values():
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            continue
        citation = _citation(json.loads(line))
        if citation is not None:
            assert _problem(data) is None, line
            assert fields(citation) == fields(Citation.from_json(data))


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False), st.text(max_size=6)
)
AUTHOR_OBJECTS = st.fixed_dictionaries(
    {"family": st.text(max_size=6), "given": st.text(max_size=6)}
) | st.dictionaries(st.sampled_from(["family", "given", "x"]), JSON_LEAVES, max_size=3)
NOTICE_OBJECTS = st.fixed_dictionaries(
    {
        "id": st.text(max_size=6),
        "type": st.sampled_from(["retraction", "erratum", "expression-of-concern"]),
    }
) | st.dictionaries(st.sampled_from(["id", "type"]), JSON_LEAVES, max_size=2)
VALUES = {
    "authors": st.lists(AUTHOR_OBJECTS | JSON_LEAVES, max_size=3) | JSON_LEAVES,
    "notices": st.lists(NOTICE_OBJECTS | JSON_LEAVES, max_size=2) | JSON_LEAVES,
    "pubtypes": st.lists(st.text(max_size=5) | JSON_LEAVES, max_size=2) | JSON_LEAVES,
    "id": st.sampled_from(["pubmed:1", "doi:10.1/x", "x"]) | JSON_LEAVES,
    "status": st.sampled_from(["ok", "not-found"]) | JSON_LEAVES,
    "source": st.sampled_from(["pubmed", "crossref"]) | JSON_LEAVES,
}
RECORDS = st.fixed_dictionaries(
    {key: VALUES.get(key, JSON_LEAVES) for key in _LAYOUT},
) | st.dictionaries(st.sampled_from([*_LAYOUT, "other"]), JSON_LEAVES, max_size=6)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        RECORDS.map(lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
        | st.text(max_size=12).filter(lambda t: "\n" not in t),
        max_size=6,
    )
)
@example([CANONICAL, BARE])
def test_generated_caches_read_alike(lines):
    assert_reads_alike("\n".join(lines) + "\n")


# --- ledgers ---------------------------------------------------------------------------------


def test_controls_in_tsv_are_the_control_characters_but_tab_and_line_feed():
    for code in range(0x110000):
        char = chr(code)
        expected = bool(CONTROL_CHARACTERS.search(char)) and char not in "\t\n"
        assert bool(CONTROLS_IN_TSV.search(char)) == expected, hex(code)
    assert CONTROL_CHARACTERS.pattern.encode() != b""  # unchanged set: checked below
    old = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
    assert all(
        bool(CONTROL_CHARACTERS.search(chr(c))) == bool(old.search(chr(c))) for c in range(0x110000)
    )


HEADER = "interaction\treference\tevidence\tcurator\tdate\tsource\tnote\n"
ROW = "re1\tpubmed:1\tECO:0000269\t" + CARBERRY + "\t2024-01-15\tmanual\t{note}\n"


@pytest.mark.parametrize(
    "note, problem",
    [
        ("plain", None),
        ("a\u00a0non-breaking space", None),
        ("a\x0bvertical tab", "note holds a control character or line separator"),
        ("a\u2028line separator", "note holds a control character or line separator"),
        ("a\x85next line", "note holds a control character or line separator"),
        ("a\rcarriage return", "note holds a control character or line separator"),
    ],
)
def test_a_control_character_in_a_field_is_found_in_a_clean_or_crlf_ledger(note, problem):
    for text in (
        HEADER + ROW.format(note=note),
        (HEADER + ROW.format(note=note)).replace("\n", "\r\n"),
    ):
        content = parse_evidence(text)
        assert [p.message for p in content.problems] == ([problem] if problem else [])
        assert len(content.records) == (0 if problem else 1)


def test_a_control_character_names_the_first_field_that_holds_it():
    row = "re1\x01\tpubmed:1\tECO:0000269\t" + CARBERRY + "\t2024-01-15\tmanual\tn\x01\n"
    content = parse_evidence(HEADER + row + ROW.format(note="fine"))
    assert [str(p) for p in content.problems] == [
        "evidence.tsv:2: interaction holds a control character or line separator"
    ]
    assert content.lines == {0: 3}


def test_repeated_values_are_judged_alike_on_every_line():
    rows = [
        ROW.format(note="a"),
        ROW.format(note="b").replace("ECO:0000269", "ECO:123"),
        ROW.format(note="c").replace("2024-01-15", "2024-13-01"),
        ROW.format(note="d").replace("ECO:0000269", "ECO:123"),
        ROW.format(note="e").replace("2024-01-15", "2024-13-01"),
        ROW.format(note="f").replace("ECO:0000269", " ECO:0000269"),
        ROW.format(note="g").replace("2024-01-15", "2999-01-01"),
        ROW.format(note="h"),
    ]
    content = parse_evidence(HEADER + "".join(rows), today=dt.date(2025, 1, 1))
    assert [str(p) for p in content.problems] == [
        "evidence.tsv:3: evidence 'ECO:123' is not an ECO term (ECO: and 7 digits)",
        "evidence.tsv:4: date '2024-13-01' is not an ISO date (YYYY-MM-DD)",
        "evidence.tsv:5: evidence 'ECO:123' is not an ECO term (ECO: and 7 digits)",
        "evidence.tsv:6: date '2024-13-01' is not an ISO date (YYYY-MM-DD)",
        "evidence.tsv:7: evidence ' ECO:0000269' has surrounding spaces",
        "evidence.tsv:8: date 2999-01-01 is in the future",
    ]
    assert content.lines == {0: 2, 1: 9}
    rows = "interaction\tcurator\tlicense\tderived_from\tstatus\tsignature\tupdated\n" + "".join(
        f"re{i}\t\t\t\tdraft\t\t{d}\n"
        for i, d in enumerate(["2024-01-01", "x", "", "x", "2999-01-01"])
    )
    content = parse_interactions(rows, today=dt.date(2025, 1, 1))
    assert [p.line for p in content.problems] == [3, 5, 6]
    rejected = "interaction\treference\tcurator\tdate\treason\n" + "".join(
        f"re{i}\tpubmed:1\t{CARBERRY}\t{d}\t\n" for i, d in enumerate(["x", "2024-01-01", "x"])
    )
    assert [p.line for p in parse_rejected(rejected).problems] == [2, 4]


# --- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pubmed:29808005", "pubmed:029808005", "pubmed:1234567890", "pubmed: 29808005",
        " pubmed:29808005", "pubmed:29808005 ", "PUBMED:29808005", "pubmed:2980800x",
        "pubmed:٢٣", "pubmed:", "pubmed:1:2", "PMID:29808005", "29808005",
        "doi:10.1038/S41591", "pmc:PMC1", "https://pubmed.ncbi.nlm.nih.gov/29808005/", "", "x",
    ],
)  # fmt: skip
def test_reference_curie_is_the_parsed_curie(text):
    try:
        expected = parse_reference(text).curie
    except InputError:
        expected = None
    assert reference_curie(text) == expected


def test_has_control_characters_is_unchanged():
    assert has_control_characters("a\tb") and has_control_characters("a\u2029")
    assert not has_control_characters("a b\u00a0c")


# --- rules -----------------------------------------------------------------------------------


def test_the_rules_find_the_same_with_or_without_anything_to_find():
    """Every rule over records that hold each problem once, next to many clean ones: the
    checks that skip a clean project must not skip a dirty one."""
    from curation.ledger import EvidenceRecord, InteractionRecord, RejectionRecord

    config = parse_config(
        render_new_config(
            MapSettings(title="T", short_name="t", files=("m.xml",), license="CC-BY-4.0"),
            [Curator("Josiah Carberry", CARBERRY)],
        )
    )
    assert isinstance(config, Config)
    cites = {
        "pubmed:1": Citation("pubmed:1", pmid="1"),
        "pubmed:2": Citation("pubmed:2", status="not-found"),
        "pubmed:3": Citation("pubmed:3", pmid="3", retracted=True),
        "pubmed:4": Citation("pubmed:4", pmid="4", notices=(Notice("erratum", "pubmed:9"),)),
        "doi:10.1000/a": Citation("doi:10.1000/a", source="crossref", pmid="1"),
    }
    evidence = [
        EvidenceRecord("re1", "pubmed:1", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
        EvidenceRecord("re1", "doi:10.1000/a", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
        EvidenceRecord("re1", "pubmed:1", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
        EvidenceRecord(
            "re2", "PMID:2", "ECO:0000269", "0000-0000-0000-0000", "2024-01-01", "manual"
        ),
        EvidenceRecord("re2", "pubmed:3", "ECO:0000269", SECOND_ORCID, "2024-01-01", "map"),
        EvidenceRecord("re9", "pubmed:4", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
        EvidenceRecord("re1", "bogus", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
        EvidenceRecord("re1", "pubmed:5", "ECO:0000269", CARBERRY, "2024-01-01", "manual"),
    ]
    rows = [
        InteractionRecord("re1", CARBERRY, "CC-BY-NC-4.0", "", "draft", "", ""),
        InteractionRecord("re8", "", "", "", "draft", "", ""),
    ]
    data = AuditData(
        config=config,
        interactions={},
        map_files={},
        evidence=evidence,
        evidence_lines={i: i + 2 for i in range(len(evidence))},
        rows=rows,
        row_lines={0: 2, 1: 3},
        problems=[],
        citations=cites,
        today=dt.date(2025, 1, 1),
        rejections=[RejectionRecord("re1", "PMID:1", CARBERRY, "2024-01-01", "")],
    )
    chosen, codes = audit_settings(config)
    found = {(f.rule, f.interaction, f.reference) for f in evaluate(data, chosen, codes).findings}
    for code in (
        "unknown-interaction", "invalid-reference", "reference-not-found", "notice",
        "unfetched-reference", "duplicate-evidence", "invalid-orcid", "unknown-curator",
    ):  # fmt: skip
        assert code in {rule for rule, _, _ in found}, code
    assert ("retracted", "re2", "pubmed:3") in found
    assert ("duplicate-evidence", "re1", "pubmed:1") in found
    assert ("duplicate-evidence", "re1", "doi:10.1000/a") in found
    assert set(RULES) >= set(codes)
