"""Fuzzing the readers of outside input (issue 7): bad input is an InputError or OutsideError.

Every parser of text, bytes or JSON that comes from outside crsmap is fed arbitrary and
near-valid input by hypothesis. A parser either returns normally or raises a
``CrsmapError`` subclass with a one-line message; never a ``KeyError``, ``TypeError``,
``AttributeError`` or ``RecursionError``. Where a parser returns records, they render and
parse back to themselves.

Budgets come from the hypothesis profile (tests/conftest.py). Each test has a weight, the
examples it ran before there were profiles (300 to 500): the default "ci" profile runs a
fifth of that (60 to 100), reproducibly (``derandomize=True``, no example database);
``CRSMAP_HYPOTHESIS_PROFILE=thorough`` runs twice the weight, freshly random.
Hypothesis also draws constants from the modules already imported, so the exact examples
depend on which test files run in the process; the properties hold for any examples, and
the thresholds on counts are loose. Each test counts the examples it ran and records the
count as the ``fuzz_examples`` property (in ``--junitxml``) and on stdout (``pytest
-rP``); ``--hypothesis-show-statistics`` gives hypothesis's own view.

Bugs that fuzzing found were fixed; their tests stay at the end of each
section; the fuzz properties skip exactly those inputs (and count them), so that a new
bug still fails the suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curation.celldesigner import map_from_tree
from curation.config import Config, Creator, Curator, MapSettings, parse_config, render_new_config
from curation.errors import CrsmapError, InputError, OutsideError
from curation.identifiers import (
    has_control_characters,
    parse_eco,
    parse_note,
    parse_orcid,
    parse_reference,
    parse_spdx,
    quoted,
)
from curation.ledger import (
    EVIDENCE_COLUMNS,
    INTERACTION_COLUMNS,
    SOURCES,
    STATUSES,
    EvidenceRecord,
    InteractionRecord,
    parse_evidence,
    parse_interactions,
    read_evidence,
    render_evidence,
    render_interactions,
)
from curation.xmlsafe import parse_xml_bytes
from literature.cache import parse_cache, render_cache
from literature.crossref import parse_work
from literature.idconv import parse_idconv
from literature.model import NOTICE_TYPES, Citation
from literature.pubmed import parse_efetch, parse_esummary

from .conftest import shared_map
from .mapfactory import document, reaction, species

# A test's weight is the number of examples every run gave it before the profiles; the
# "ci" profile's 100 examples run a fifth of it, "thorough"'s 1000 twice as many.
WEIGHT_BASE = 500


def budget(weight: int) -> int:
    """``weight`` scaled to the loaded profile: weight / 5 for "ci", weight x 2 for "thorough"."""
    return max(10, round(weight * settings.default.max_examples / WEIGHT_BASE))


def fuzz(weight: int = 300):
    """The loaded profile's settings (tests/conftest.py) with this test's share of examples."""
    return settings(
        max_examples=budget(weight),
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def report(record_property, counts: Counter, minimum: int) -> None:
    """Record and print how many examples ran; fail when hypothesis ran far fewer.

    ``minimum`` is in weight units, like ``fuzz``'s: it scales with the profile too.
    """
    record_property("fuzz_examples", counts["examples"])
    detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if k != "examples")
    print(f"fuzz examples run: {counts['examples']}" + (f" ({detail})" if detail else ""))
    assert counts["examples"] >= budget(minimum), counts


def one_line(exc: CrsmapError) -> str:
    message = str(exc)
    assert message.strip(), f"{type(exc).__name__} without a message"
    assert "\n" not in message and "\r" not in message, f"message is not one line: {message!r}"
    return message


# --- strategies ------------------------------------------------------------------------------

# Any Unicode except surrogates: control characters, separators, combining marks included.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
ANY_TEXT = st.text(ANY_CHAR, max_size=80)
# Free text a ledger may legitimately hold: no C0/C1 controls, no line/paragraph separators.
FIELD_CHAR = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\t\n\r")
FIELD_TEXT = st.text(FIELD_CHAR, max_size=30)
DIGITS = st.text("0123456789", max_size=12)
SHORT_JUNK = st.text(ANY_CHAR, max_size=12)


def mod11_2(base: str) -> str:
    """ISO 7064 MOD 11-2 written independently of curation.identifiers."""
    total = 0
    for char in base:
        total = (total + int(char)) * 2
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def orcid_text(digits16: str) -> str:
    return "-".join(digits16[i : i + 4] for i in range(0, 16, 4))


VALID_ORCIDS = st.text("0123456789", min_size=15, max_size=15).map(
    lambda base: orcid_text(base + mod11_2(base))
)


# --- identifiers -----------------------------------------------------------------------------

REFERENCE_LEADS = [
    "",
    " ",
    "pubmed:",
    "PubMed:",
    "PMID:",
    "pmid: ",
    "PMID",
    "pmc:",
    "PMC",
    "pmcid:",
    "doi:",
    "DOI: ",
    "doi:10.",
    "10.",
    "https://doi.org/",
    "http://dx.doi.org/",
    "https://www.doi.org/10.",
    "https://pubmed.ncbi.nlm.nih.gov/",
    "http://www.ncbi.nlm.nih.gov/pubmed/",
    "https://identifiers.org/pubmed:",
    "http://identifiers.org/doi/",
    "https://identifiers.org/pmc/",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/",
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC",
    "urn:miriam:pubmed:",
    "URN:MIRIAM:doi:",
    "urn:miriam:pmc:",
    "urn:",
    "://",
]
REFERENCE_MIDDLES = ["", "0", "1", "PMC", "pmc", "10.1038/", "10.12/", "1234/", "%2F", "%20", "/"]
REFERENCE_TAILS = ["", "/", "?x=1", "#frag", " ", "\t", "\n", ".", "%", "%41", "%2541", "%0a"]

NEAR_REFERENCES = st.one_of(
    st.builds(
        lambda lead, middle, body, tail: lead + middle + body + tail,
        st.sampled_from(REFERENCE_LEADS),
        st.sampled_from(REFERENCE_MIDDLES),
        st.one_of(DIGITS, SHORT_JUNK, st.text("0123456789abcdefXPMC./-%", max_size=15)),
        st.sampled_from(REFERENCE_TAILS),
    ),
    st.builds(lambda a, b: f"10.{a}/{b}", DIGITS, SHORT_JUNK),
    st.builds(lambda a, b: f"doi:10.{a}/{b}", DIGITS, SHORT_JUNK),
    st.integers(-10, 10**10).map(str),
)


def check_reference(text: str, counts: Counter) -> None:
    try:
        reference = parse_reference(text)
    except InputError as exc:
        one_line(exc)
        counts["refused"] += 1
        return
    counts["accepted"] += 1
    assert reference.prefix in ("pubmed", "doi", "pmc")
    assert not has_control_characters(reference.curie)
    if reference.prefix == "pubmed":
        assert re.fullmatch(r"[1-9][0-9]{0,8}", reference.local_id)
    elif reference.prefix == "pmc":
        assert re.fullmatch(r"PMC[0-9]{1,9}", reference.local_id)
    else:
        assert re.fullmatch(r"10\.[0-9]{4,9}/\S+", reference.local_id)
        assert reference.local_id == reference.local_id.lower()
    assert parse_reference(reference.curie) == reference  # idempotent


def test_parse_reference_on_arbitrary_text(record_property):
    counts = Counter()

    @fuzz(500)
    @given(ANY_TEXT)
    def check(text):
        counts["examples"] += 1
        check_reference(text, counts)

    check()
    report(record_property, counts, 100)


def test_parse_reference_on_near_valid_text(record_property):
    counts = Counter()

    @fuzz(500)
    @given(NEAR_REFERENCES)
    def check(text):
        counts["examples"] += 1
        check_reference(text, counts)

    check()
    report(record_property, counts, 100)
    assert counts["accepted"] >= 5, "the near-valid strategy should produce valid references"


def test_parse_orcid_eco_spdx_note_on_arbitrary_text(record_property):
    counts = Counter()

    @fuzz(500)
    @given(ANY_TEXT)
    def check(text):
        counts["examples"] += 1
        for parser in (parse_orcid, parse_eco, parse_spdx, parse_note):
            try:
                value = parser(text)
            except InputError as exc:
                one_line(exc)
                continue
            counts[f"{parser.__name__} accepted"] += 1
            assert parser(value) == value  # idempotent

    check()
    report(record_property, counts, 100)


ORCID_LIKE = st.one_of(
    st.builds(
        lambda groups, check, sep, lead: lead + sep.join(groups) + check,
        st.lists(st.text("0123456789", min_size=4, max_size=4), min_size=4, max_size=4).map(
            lambda g: [*g[:3], g[3][:3]]
        ),
        st.sampled_from([*"0123456789Xx", "", "XX", "Y", " "]),
        st.sampled_from(["-", "", " ", "–", "_"]),
        st.sampled_from(["", "https://orcid.org/", "HTTP://ORCID.ORG/", "orcid:", " ", "0"]),
    ),
    VALID_ORCIDS,
    VALID_ORCIDS.map(lambda o: "https://orcid.org/" + o.lower() + " "),
)


def test_parse_orcid_on_orcid_like_text(record_property):
    counts = Counter()

    @fuzz(500)
    @given(ORCID_LIKE)
    def check(text):
        counts["examples"] += 1
        try:
            value = parse_orcid(text)
        except InputError as exc:
            one_line(exc)
            return
        counts["accepted"] += 1
        assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value)
        digits = value.replace("-", "")
        assert digits[15] == mod11_2(digits[:15])
        assert parse_orcid(value) == value

    check()
    report(record_property, counts, 100)
    assert counts["accepted"] >= 5


def test_orcid_accepts_exactly_one_of_eleven_check_characters(record_property):
    counts = Counter()

    @fuzz(300)
    @given(st.text("0123456789", min_size=15, max_size=15))
    def check(base):
        counts["examples"] += 1
        accepted = []
        for last in "0123456789X":
            try:
                accepted.append(parse_orcid(orcid_text(base + last)))
            except InputError as exc:
                assert "check digit" in one_line(exc)
        assert len(accepted) == 1, (base, accepted)
        assert accepted[0][-1] == mod11_2(base)
        # The lower-case x and the URL form are the same ORCID.
        assert parse_orcid("https://orcid.org/" + accepted[0].lower()) == accepted[0]

    check()
    report(record_property, counts, 100)


NEAR_ECO = st.builds(
    lambda lead, digits: lead + digits,
    st.sampled_from(["ECO:", "eco:", "ECO_", "eco_", "ECO", " ECO:", "EC0:", "ECO: ", ""]),
    st.one_of(st.text("0123456789", min_size=7, max_size=7), st.text("0123456789a ", max_size=9)),
)


def test_parse_eco_and_spdx_on_near_valid_text(record_property):
    counts = Counter()

    @fuzz(300)
    @given(NEAR_ECO, st.from_regex(r"(LicenseRef-)?[A-Za-z0-9 .+_:-]{0,12}", fullmatch=True))
    def check(eco, spdx):
        counts["examples"] += 1
        try:
            value = parse_eco(eco)
            counts["eco accepted"] += 1
            assert re.fullmatch(r"ECO:\d{7}", value) and parse_eco(value) == value
        except InputError as exc:
            one_line(exc)
        try:
            value = parse_spdx(spdx)
            counts["spdx accepted"] += 1
            assert parse_spdx(value) == value
        except InputError as exc:
            one_line(exc)

    check()
    report(record_property, counts, 100)


def test_reference_with_percent_escape_is_idempotent():
    once = parse_reference("doi:10.1234/%2541")
    assert parse_reference(once.curie) == once


# --- ledgers ---------------------------------------------------------------------------------

TODAY = dt.date(2026, 1, 1)

REFERENCES = st.one_of(
    st.integers(1, 999_999_999).map(lambda n: f"pubmed:{n}"),
    st.integers(1, 99_999_999).map(lambda n: f"pmc:PMC{n}"),
    st.from_regex(r"doi:10\.[0-9]{4,6}/[a-z0-9.()-]{1,12}", fullmatch=True),
    st.sampled_from(["PMID:29808005", "29808005", "not a reference"]),  # hand-edited forms
)
INTERACTION_IDS = st.from_regex(r"(re|map_[a-z]{1,3}:re)[1-9][0-9]{0,3}", fullmatch=True)
DATES = st.dates(dt.date(1990, 1, 1), TODAY).map(dt.date.isoformat)

EVIDENCE_RECORDS = st.builds(
    EvidenceRecord,
    interaction=INTERACTION_IDS,
    reference=REFERENCES,
    evidence=st.integers(0, 9_999_999).map(lambda n: f"ECO:{n:07d}"),
    curator=st.one_of(VALID_ORCIDS, st.just("")),
    date=DATES,
    source=st.sampled_from(SOURCES),
    note=FIELD_TEXT,
)
INTERACTION_RECORDS = st.builds(
    InteractionRecord,
    interaction=INTERACTION_IDS,
    curator=st.one_of(VALID_ORCIDS, st.just("")),
    license=st.sampled_from(["", "CC-BY-4.0", "CC0-1.0", "LicenseRef-x"]),
    derived_from=st.one_of(st.just(""), FIELD_TEXT),
    status=st.sampled_from(STATUSES),
    signature=FIELD_TEXT,
    updated=st.one_of(st.just(""), DATES),
)

# One mutation of the lines of a ledger; the ints are reduced modulo the sizes at hand.
MUTATIONS = st.tuples(
    st.sampled_from(
        [
            "drop",
            "duplicate",
            "swap",
            "insert-tab",
            "delete-column",
            "add-column",
            "replace-field",
            "insert-text",
            "blank",
            "truncate",
        ]
    ),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    ANY_TEXT,
)
ENDINGS = st.sampled_from(["\n", "\r\n", "mixed", "no-final"])


def mutate_lines(lines: list[str], mutations) -> list[str]:
    lines = list(lines)
    for kind, a, b, text in mutations:
        if not lines:
            lines = [text]
            continue
        i = a % len(lines)
        line = lines[i]
        if kind == "drop":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "swap":
            j = b % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert-tab":
            p = b % (len(line) + 1)
            lines[i] = line[:p] + "\t" + line[p:]
        elif kind == "delete-column":
            cells = line.split("\t")
            del cells[b % len(cells)]
            lines[i] = "\t".join(cells)
        elif kind == "add-column":
            lines[i] = line + "\t" + text
        elif kind == "replace-field":
            cells = line.split("\t")
            cells[b % len(cells)] = text
            lines[i] = "\t".join(cells)
        elif kind == "insert-text":
            p = b % (len(line) + 1)
            lines[i] = line[:p] + text + line[p:]
        elif kind == "blank":
            lines[i] = " " * (b % 3)
        else:  # truncate
            lines[i] = line[: b % (len(line) + 1)]
    return lines


def join_lines(lines: list[str], ending: str) -> str:
    if ending == "mixed":
        return "".join(line + ("\r\n" if n % 2 else "\n") for n, line in enumerate(lines))
    if ending == "no-final":
        return "\n".join(lines)
    return "".join(line + ending for line in lines)


def check_ledger(
    text: str, parse, render, columns, name: str, counts: Counter, unique: bool = False
) -> None:
    """The properties of a lenient ledger read, for evidence.tsv and interactions.tsv alike.

    With ``unique`` (interactions.tsv, issue 12 item 7) a key has at most one record, and
    each later row for it is a line problem naming the first line and its own.
    """
    content = parse(text, name, TODAY)  # never raises
    if unique:
        first_line = {}
        for index, record in enumerate(content.records):
            assert record.key not in first_line, f"two records for {record.key!r}"
            first_line[record.key] = content.lines[index]
        for problem in content.problems:
            if problem.message.startswith("a second row for "):
                counts["second rows"] += 1
                first = int(re.search(r"the first is line (\d+)", problem.message).group(1))
                key = next(k for k, line in first_line.items() if line == first)
                assert first < problem.line and quoted(key) in problem.message
                assert f"lines {first} and {problem.line}" in problem.message
    physical = text.split("\n")
    for problem in content.problems:
        assert problem.file == name
        assert 1 <= problem.line <= max(1, len(physical)), (problem, len(physical))
        assert "\n" not in problem.message and str(problem).startswith(f"{name}:{problem.line}: ")
    assert [p.line for p in content.problems] == sorted(p.line for p in content.problems)
    assert sorted(content.lines) == list(range(len(content.records)))
    for index, record in enumerate(content.records):
        number = content.lines[index]
        assert 2 <= number <= len(physical)
        cells = physical[number - 1].removesuffix("\r").split("\t")
        assert tuple(cells) == tuple(getattr(record, c) for c in columns)
    counts["records"] += len(content.records)
    counts["problems"] += len(content.problems)
    rendered = render(content.records)  # every record read can be written back
    again = parse(rendered, name, TODAY)
    assert again.problems == []
    assert Counter(again.records) == Counter(content.records)


# Cells for random rows: arbitrary text, or a value some column accepts.
CELLS = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        ["re1", "pubmed:1", "ECO:0000269", "2020-01-01", "manual", "map", "draft", "reviewed", ""]
    ),
)


GOOD_EVIDENCE = ("re1", "pubmed:1", "ECO:0000269", "0000-0002-1825-0097", "2020-01-01", "map", "")
GOOD_INTERACTION = ("re1", "", "CC-BY-4.0", "", "draft", "A -> B [X]", "2020-01-01")


def random_row():
    return st.lists(CELLS, min_size=5, max_size=8).map("\t".join)


def column_row(good: tuple[str, ...]):
    """A row whose every cell is the good value or arbitrary text."""
    return st.tuples(*(st.one_of(st.just(value), ANY_TEXT) for value in good)).map("\t".join)


def test_evidence_parser_on_arbitrary_text(record_property):
    counts = Counter()
    header = "\t".join(EVIDENCE_COLUMNS)
    rows = st.lists(st.one_of(random_row(), column_row(GOOD_EVIDENCE)), max_size=6)

    @fuzz(400)
    @given(st.one_of(ANY_TEXT, rows.map(lambda r: "\n".join([header, *r]))))
    def check(text):
        counts["examples"] += 1
        check_ledger(text, parse_evidence, render_evidence, EVIDENCE_COLUMNS, "e.tsv", counts)

    check()
    report(record_property, counts, 100)


def test_interactions_parser_on_arbitrary_text(record_property):
    counts = Counter()
    header = "\t".join(INTERACTION_COLUMNS)
    rows = st.lists(st.one_of(random_row(), column_row(GOOD_INTERACTION)), max_size=6)

    @fuzz(400)
    @given(st.one_of(ANY_TEXT, rows.map(lambda r: "\n".join([header, *r]))))
    def check(text):
        counts["examples"] += 1
        check_ledger(
            text,
            parse_interactions,
            render_interactions,
            INTERACTION_COLUMNS,
            "i.tsv",
            counts,
            unique=True,
        )

    check()
    report(record_property, counts, 100)


def test_mutated_evidence_ledgers(record_property):
    counts = Counter()

    @fuzz(400)
    @given(
        st.lists(EVIDENCE_RECORDS, max_size=8),
        st.lists(MUTATIONS, max_size=4),
        ENDINGS,
        st.booleans(),
    )
    def check(records, mutations, ending, bom):
        counts["examples"] += 1
        valid = render_evidence(records)
        assert Counter(parse_evidence(valid, today=TODAY).records) == Counter(records)
        text = join_lines(mutate_lines(valid.splitlines(), mutations), ending)
        text = ("\ufeff" if bom else "") + text
        check_ledger(
            text, parse_evidence, render_evidence, EVIDENCE_COLUMNS, "evidence.tsv", counts
        )

    check()
    report(record_property, counts, 100)


# Two records of one interaction, then its row written twice: both refusals, on every run
# whatever the budget (hypothesis runs an explicit example before the generated ones).
_TWICE = InteractionRecord("re1", license="CC-BY-4.0", signature="s")


def test_mutated_interaction_ledgers(record_property):
    counts = Counter()

    @fuzz(300)
    @given(st.lists(INTERACTION_RECORDS, max_size=8), st.lists(MUTATIONS, max_size=4), ENDINGS)
    @example([_TWICE, _TWICE], [("duplicate", 1, 0, "")], "\n")
    def check(records, mutations, ending):
        counts["examples"] += 1
        twice = {k for k, n in Counter(r.interaction for r in records).items() if n > 1}
        if twice:
            # One row per interaction (issue 12 item 7): writing two is refused, by name.
            with pytest.raises(InputError, match="expected one row per interaction") as refused:
                render_interactions(records)
            assert any(quoted(k) in str(refused.value) for k in twice), str(refused.value)
            counts["two rows refused"] += 1
            records = list({r.interaction: r for r in records}.values())
        valid = render_interactions(records)
        assert Counter(parse_interactions(valid, today=TODAY).records) == Counter(records)
        text = join_lines(mutate_lines(valid.splitlines(), mutations), ending)
        check_ledger(
            text,
            parse_interactions,
            render_interactions,
            INTERACTION_COLUMNS,
            "interactions.tsv",
            counts,
            unique=True,
        )

    check()
    report(record_property, counts, 100)
    assert counts["two rows refused"] >= 1 and counts["second rows"] >= 1


BYTE_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["latin-1", "invalid", "nul", "cr", "truncate-utf8"]),
        st.integers(0, 10**6),
    ),
    max_size=3,
)


def test_evidence_files_with_bad_bytes(tmp_path, record_property):
    """read_evidence from a file: BOM and CRLF read; bad UTF-8 is one InputError at file:line."""
    counts = Counter()
    path = tmp_path / "evidence.tsv"

    @fuzz(300)
    @given(st.lists(EVIDENCE_RECORDS, min_size=1, max_size=6), BYTE_MUTATIONS, st.booleans())
    def check(records, mutations, bom):
        counts["examples"] += 1
        data = bytearray(render_evidence(records).encode())
        for kind, offset in mutations:
            at = offset % (len(data) + 1)
            insert = {
                "latin-1": "café".encode("latin-1"),
                "invalid": b"\xff\xfe\xc0\x80",
                "nul": b"\x00",
                "cr": b"\r",
                "truncate-utf8": "é".encode()[:1],
            }[kind]
            data[at:at] = insert
        if bom:
            data[:0] = b"\xef\xbb\xbf"
        path.write_bytes(bytes(data))
        try:
            content = read_evidence(path, TODAY)
        except InputError as exc:
            match = re.fullmatch(
                r"evidence\.tsv:(\d+): not valid UTF-8 \(byte \d+\)", one_line(exc)
            )
            assert match, str(exc)
            assert 1 <= int(match.group(1)) <= data.count(b"\n") + 1
            counts["refused: not UTF-8"] += 1
            return
        text = bytes(data).removeprefix(b"\xef\xbb\xbf").decode()
        check_ledger(
            text, parse_evidence, render_evidence, EVIDENCE_COLUMNS, "evidence.tsv", counts
        )
        assert content.records == parse_evidence(text, today=TODAY).records

    check()
    report(record_property, counts, 100)


@pytest.mark.parametrize("bad", ["x\x00y", "x\ry", "x\x85y", "x\u2028y"])
def test_every_evidence_record_read_can_be_written_back(bad):
    line = f"re1\tpubmed:1\tECO:0000269\t\t2020-01-01\tmanual\t{bad}"
    content = parse_evidence("\t".join(EVIDENCE_COLUMNS) + "\n" + line + "\n", today=TODAY)
    if content.problems:  # refusing the line on reading is a fix too
        assert content.problems[0].line == 2
        return
    assert parse_evidence(render_evidence(content.records)).records == content.records


# --- crsmap.toml -----------------------------------------------------------------------------

CONFIG_TOKENS = [
    "[",
    "]",
    "[[",
    "]]",
    '"',
    "'",
    "=",
    "\n",
    "#",
    ",",
    "{",
    "}",
    "\\",
    '"""',
    "[map]",
    "[[curators]]",
    "files = 3",
    "files = []",
    'files = ["../x.xml"]',
    'files = ["/etc/passwd"]',
    'files = ["C:map.xml"]',
    'files = [""]',
    "title = 1",
    "map = 1",
    "curators = 1",
    "curators = [1]",
    "literature = 'x'",
    "audit = []",
    "license_file = '..'",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x_",
]
CONFIG_SETTINGS = st.builds(
    MapSettings,
    title=st.text(FIELD_CHAR, min_size=1, max_size=20),
    short_name=st.from_regex(r"[a-z0-9][a-z0-9._-]{0,11}", fullmatch=True),
    files=st.lists(
        st.from_regex(r"maps/[A-Za-z0-9_]{1,8}\.xml", fullmatch=True), min_size=1, max_size=3
    ).map(tuple),
    license=st.sampled_from(["CC-BY-4.0", "CC0-1.0", "MIT"]),
    license_file=st.sampled_from(["", "LICENSE.txt"]),
    funding=st.lists(FIELD_TEXT, max_size=2).map(tuple),
    keywords=st.lists(FIELD_TEXT, max_size=2).map(tuple),
    creators=st.lists(
        st.builds(
            Creator,
            name=FIELD_TEXT.map(str.strip).filter(bool),
            orcid=st.one_of(st.just(""), VALID_ORCIDS),
            affiliation=FIELD_TEXT.map(str.strip),
            kind=st.sampled_from(["person", "organization"]),
        ),
        max_size=2,
    ).map(tuple),
    copyright=FIELD_TEXT.map(str.strip),
    source=st.sampled_from(["", "https://doi.org/10.1038/x", "https://example.org/m/?id=crs"]),
)
# Names that would forge an identity in a commit (issue 12 item 6), besides FIELD_TEXT's own.
FORGING_NAMES = [
    "",
    "   ",
    "Ann\nCurator: Eve <https://orcid.org/0000-0002-1825-0097>",
    "Eve <eve@example.org>",
    "Ann Curator: Eve",
    "Ann Co-authored-by : Eve",
    "\u202eevE nnA",
    "Ann\u200bLee",
    "Ann\x1b[2JLee",
    "Ann\u2028Lee",
]
CURATORS = st.lists(
    st.builds(
        Curator,
        name=st.one_of(FIELD_TEXT, st.sampled_from(FORGING_NAMES), st.just("Ann Lee")),
        orcid=VALID_ORCIDS,
        email=st.sampled_from(["a@b.org", " a@b.org ", "", "a b@c.org", "a@b.org>\nX: y"]),
    ),
    max_size=2,
)
_TRAILER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*\s*:")


def breaks_name_rule(name: str, trailers: bool = True) -> bool:
    """A name is one line of printable text without '<' or '>' (issue 12 item 6); a
    curator's name (``trailers``) holds no 'Word:' either, the form of a git trailer."""
    unprintable = any(
        (unicodedata.category(c)[0] == "C" and c not in "\u200c\u200d")  # joiners are in names
        or unicodedata.category(c) in ("Zl", "Zp")
        for c in name
    )
    return (
        not name.strip()
        or unprintable
        or "<" in name
        or ">" in name
        or (trailers and bool(_TRAILER.search(name)))
    )


def forging_email(email: str) -> bool:
    return any(not c.isprintable() or c.isspace() or c in "<>" for c in email.strip())


def expected_curators(curators) -> tuple[tuple[Curator, ...], list[tuple[str, str, str]]]:
    """The curators as read back, and (key, value, orcid) of each field blanked as forging."""
    read, blanked = [], []
    for number, curator in enumerate(curators, start=1):
        name, email = curator.name.strip(), curator.email.strip()
        if breaks_name_rule(curator.name):
            blanked.append((f"[[curators]] #{number} name", curator.name, curator.orcid))
            name = ""
        if forging_email(curator.email):
            blanked.append((f"[[curators]] #{number} email", curator.email, curator.orcid))
            email = ""
        read.append(Curator(name=name, orcid=curator.orcid, email=email))
    return tuple(read), blanked


def check_config(text: str, counts: Counter) -> Config | None:
    try:
        config = parse_config(text)
    except InputError as exc:
        assert one_line(exc).startswith("crsmap.toml: "), str(exc)
        counts["refused"] += 1
        return None
    counts["accepted"] += 1
    assert config.map.files and all(isinstance(f, str) for f in config.map.files)
    for file in (*config.map.files, config.map.license_file):
        assert not file.startswith("/") and ".." not in Path(file).parts
    assert not any(breaks_name_rule(c.name, trailers=False) for c in config.map.creators)
    # Whatever the file says, no name or email that could forge an identity is used: it
    # is blank, and described in curator_problems (the audit's invalid-curator errors).
    for curator in config.curators:
        assert curator.name == "" or not breaks_name_rule(curator.name), curator
        assert curator.email == "" or not forging_email(curator.email), curator
    for problem in config.curator_problems:
        number, field_name = re.fullmatch(
            r"\[\[curators\]\] #(\d+) (name|email)", problem.key
        ).groups()
        assert getattr(config.curators[int(number) - 1], field_name) == ""
        assert "\n" not in str(problem) and str(problem).startswith(f"crsmap.toml: {problem.key} ")
        counts["curator problems"] += 1
    return config


def test_parse_config_on_arbitrary_text(record_property):
    counts = Counter()

    @fuzz(400)
    @given(st.one_of(ANY_TEXT, st.lists(st.sampled_from(CONFIG_TOKENS), max_size=20).map(" ".join)))
    def check(text):
        counts["examples"] += 1
        check_config(text, counts)

    check()
    report(record_property, counts, 100)


def test_parse_config_on_mutated_files(record_property):
    counts = Counter()
    tokens = st.one_of(st.sampled_from(CONFIG_TOKENS), SHORT_JUNK)

    @fuzz(400)
    @given(
        CONFIG_SETTINGS,
        CURATORS,
        st.lists(
            st.tuples(
                st.sampled_from(["drop", "duplicate", "insert", "replace-value", "truncate"]),
                st.integers(0, 10**6),
                tokens,
            ),
            max_size=4,
        ),
        st.booleans(),
    )
    def check(map_settings, curators, mutations, crlf):
        counts["examples"] += 1
        original = render_new_config(map_settings, curators, "x@example.org")
        creators = map_settings.creators
        forged = [n for n, c in enumerate(creators, 1) if breaks_name_rule(c.name, False)]
        if forged:
            # A creator is known by name alone: a name that breaks the rule stops reading.
            with pytest.raises(InputError, match=rf"^crsmap\.toml: \[map\] creators #{forged[0]} "):
                parse_config(original)
            counts["creator names refused"] += 1
            return
        config = check_config(original, counts)
        assert config is not None and config.map == map_settings
        read, blanked = expected_curators(curators)
        assert config.curators == read
        assert [(p.key, p.value, p.orcid) for p in config.curator_problems] == blanked
        lines = original.split("\n")
        for kind, at, token in mutations:
            i = at % len(lines)
            if kind == "drop":
                del lines[i]
            elif kind == "duplicate":
                lines.insert(i, lines[i])
            elif kind == "insert":
                p = at % (len(lines[i]) + 1)
                lines[i] = lines[i][:p] + token + lines[i][p:]
            elif kind == "replace-value" and "=" in lines[i]:
                lines[i] = lines[i].split("=", 1)[0] + "= " + token
            else:
                lines[i] = lines[i][: at % (len(lines[i]) + 1)]
            if not lines:
                lines = [""]
        check_config(("\r\n" if crlf else "\n").join(lines), counts)

    check()
    report(record_property, counts, 100)
    assert counts["curator problems"] >= 10 and counts["creator names refused"] >= 1


@pytest.mark.parametrize(
    "nested", ["a = " + "[" * 3000 + "]" * 3000, "a = " + "{b = " * 3000 + "1" + "}" * 3000]
)
def test_deeply_nested_config_is_an_input_error(nested):
    with pytest.raises(InputError, match=r"^crsmap\.toml: "):
        parse_config('[map]\nfiles = ["m.xml"]\n' + nested + "\n")


# --- CellDesigner maps -----------------------------------------------------------------------

SBML_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "flip-byte",
                "truncate",
                "insert-bytes",
                "delete-slice",
                "delete-element",
                "delete-attribute",
                "set-attribute",
                "duplicate-reaction",
                "text-into-notes",
                "text-into-rdf",
                "raw-text-into-notes",
                "set-text",
            ]
        ),
        st.integers(0, 10**9),
        st.integers(0, 10**9),
        st.text(ANY_CHAR, max_size=40),
    ),
    min_size=1,
    max_size=3,
)
_REAL_MAPS = {}


def real_map_bytes(prefix: str) -> bytes:
    if prefix not in _REAL_MAPS:
        _REAL_MAPS[prefix] = shared_map(prefix).read_bytes()
    return _REAL_MAPS[prefix]


def xml_text(text: str) -> str:
    """Text that lxml accepts as element content or attribute value (XML 1.0 characters)."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"
    )


def mutate_map(data: bytes, mutations) -> bytes:
    from lxml import etree

    for kind, a, b, text in mutations:
        if kind in ("flip-byte", "truncate", "insert-bytes", "delete-slice", "raw-text-into-notes"):
            buffer = bytearray(data)
            at = a % (len(buffer) + 1)
            if kind == "flip-byte" and buffer:
                buffer[a % len(buffer)] ^= 1 << (b % 8)
            elif kind == "truncate":
                del buffer[at:]
            elif kind == "insert-bytes":
                buffer[at:at] = text.encode("utf-8", "surrogatepass")
            elif kind == "delete-slice":
                del buffer[at : at + b % 200]
            else:
                spots = [
                    m.end() for m in re.finditer(rb"<notes>|<body>|<celldesigner:notes>", data)
                ]
                if spots:
                    spot = spots[b % len(spots)]
                    buffer[spot:spot] = text.encode()
            data = bytes(buffer)
            continue
        try:
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue  # an earlier mutation broke the syntax: element mutations do not apply
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        target = elements[a % len(elements)]
        if kind == "delete-element" and target is not root:
            target.getparent().remove(target)
        elif kind in ("delete-attribute", "set-attribute") and target.attrib:
            names = sorted(target.attrib)
            name = names[b % len(names)]
            if kind == "delete-attribute":
                del target.attrib[name]
            else:
                target.set(name, xml_text(text))
        elif kind == "duplicate-reaction":
            reactions = [e for e in elements if e.tag.endswith("}reaction")]
            if reactions:
                reaction = reactions[b % len(reactions)]
                reaction.addnext(etree.fromstring(etree.tostring(reaction)))
        elif kind in ("text-into-notes", "text-into-rdf"):
            wanted = "notes" if kind == "text-into-notes" else "RDF"
            hosts = [e for e in elements if e.tag.rsplit("}", 1)[-1] == wanted]
            if hosts:
                host = hosts[b % len(hosts)]
                inner = [e for e in host.iter() if isinstance(e.tag, str)]
                chosen = inner[a % len(inner)]
                chosen.text = (chosen.text or "") + xml_text(text)
        elif kind == "set-text":
            target.text = xml_text(text)
        data = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return data


def test_mutated_real_maps(record_property):
    counts = Counter()
    sources = {prefix: real_map_bytes(prefix) for prefix in ("c19dm_ACE2", "c19dm_Orf3a")}
    originals = {
        prefix: len(map_from_tree(parse_xml_bytes(data, prefix), Path("m.xml")).interactions)
        for prefix, data in sources.items()
    }
    assert all(originals.values())

    @fuzz(300)
    @given(st.sampled_from(sorted(sources)), SBML_MUTATIONS)
    def check(prefix, mutations):
        counts["examples"] += 1
        data = mutate_map(sources[prefix], mutations)
        try:
            tree = parse_xml_bytes(data, "fuzzed.xml")
        except InputError as exc:
            assert one_line(exc).startswith("fuzzed.xml"), str(exc)
            counts["refused by the XML parser"] += 1
            return
        try:
            model = map_from_tree(tree, Path("fuzzed.xml"))
        except InputError as exc:
            assert one_line(exc).startswith("fuzzed.xml"), str(exc)
            counts["refused by the map reader"] += 1
            return
        counts["loaded"] += 1
        for interaction in model.interactions.values():
            for curie in interaction.references:
                assert parse_reference(curie).curie == curie

    check()
    report(record_property, counts, 100)


@pytest.mark.parametrize("homodimer", ["²", "9" * 5000])
def test_odd_homodimer_text_is_not_a_crash(homodimer):
    state = f"<celldesigner:state><celldesigner:homodimer>{homodimer}</celldesigner:homodimer></celldesigner:state>"
    xml = document(species("s1", "A", state) + species("s2", "B"), reaction("re1", ["s1"], ["s2"]))
    with contextlib.suppress(InputError):  # refusing the map is a fix too
        map_from_tree(parse_xml_bytes(xml.encode(), "m.xml"), Path("m.xml"))


# --- E-utilities, Crossref, the ID converter, the citation cache -----------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(ANY_CHAR, max_size=12),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
PMIDS = st.lists(st.integers(1, 99_999_999).map(str), min_size=1, max_size=4, unique=True)
OPTIONAL_TEXT = st.one_of(st.none(), st.text(ANY_CHAR, max_size=20))


def with_extra_keys(fixed: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(fixed, st.dictionaries(st.text(max_size=6), JSON, max_size=2)).map(
        lambda pair: {**pair[1], **pair[0]}
    )


WELL_TYPED_SUMMARY = with_extra_keys(
    st.fixed_dictionaries(
        {"title": st.text(ANY_CHAR, max_size=20)},  # a missing title is in the JSON branch
        optional={
            "source": OPTIONAL_TEXT,
            "pubdate": OPTIONAL_TEXT,
            "epubdate": OPTIONAL_TEXT,
            "volume": OPTIONAL_TEXT,
            "issue": OPTIONAL_TEXT,
            "pages": OPTIONAL_TEXT,
            "pubtype": st.lists(
                st.text(max_size=20) | st.just("Retracted Publication"), max_size=3
            ),
            "authors": st.lists(
                st.fixed_dictionaries(
                    {"name": st.text(ANY_CHAR, max_size=20)},
                    optional={"authtype": st.sampled_from(["Author", "CollectiveName", ""])},
                ),
                max_size=3,
            ),
            "articleids": st.lists(
                st.fixed_dictionaries(
                    {
                        "idtype": st.sampled_from(["pubmed", "doi", "pmc", "pii", ""]),
                        "value": st.one_of(st.text(max_size=15), st.integers()),
                    }
                ),
                max_size=3,
            ),
            "error": st.text(max_size=10),
        },
    )
)
WRONG_TYPED_SUMMARY = st.dictionaries(
    st.sampled_from(["title", "source", "pubdate", "authors", "articleids", "pubtype", "volume"]),
    JSON,
).map(lambda d: {"title": "t", **d})


def with_uid(summaries, pmid: str):
    """A summary that names its PMID in ``uid``: as text, as a number, or another PMID's."""
    uids = st.sampled_from([pmid, int(pmid), str(int(pmid) + 1)])
    return st.tuples(summaries, uids).map(lambda pair: {**pair[0], "uid": pair[1]})


def esummary_documents(summaries):
    return st.one_of(
        JSON,
        PMIDS.flatmap(
            lambda pmids: st.tuples(
                st.just(pmids),
                st.fixed_dictionaries(
                    {
                        "result": st.fixed_dictionaries(
                            {p: st.one_of(summaries, JSON, with_uid(summaries, p)) for p in pmids}
                        )
                    },
                    optional={"error": JSON},
                ),
            )
        ),
    )


def esummary_expectation(document, requested: list[str]) -> dict[str, str] | None:
    """What an esummary answer says of each requested PMID (issue 12 item 4); None: refuse it.

    A summary with an ``error`` is ``not-found``, and so is a PMID absent from a result
    whose top-level ``error`` explains the absence; a summary about the PMID (its ``uid``,
    if any, is that PMID) is ``ok``. A PMID the answer is silent or garbled about is left
    out, to be asked again and marked unknown: never ``not-found``.
    """
    if not isinstance(document, dict) or not isinstance(document.get("result"), dict):
        return None
    result = document["result"]
    expected = {}
    for pmid in requested:
        summary = result.get(pmid)
        said_not_found = isinstance(summary, dict) and "error" in summary
        if said_not_found or (summary is None and "error" in document):
            expected[pmid] = "not-found"
        elif isinstance(summary, dict) and str(summary.get("uid", pmid)) == pmid:
            expected[pmid] = "ok"
    return expected


def check_esummary(case, counts: Counter) -> None:
    if isinstance(case, tuple):
        requested, document = case
    else:
        requested, document = ["1"], case
    expected = esummary_expectation(document, requested)
    try:
        citations = parse_esummary(document, requested)
    except OutsideError as exc:
        one_line(exc)
        # The answer as a whole has the wrong shape, or a summary that had to be read has.
        assert expected is None or "ok" in expected.values(), (expected, str(exc))
        counts["refused"] += 1
        return
    assert expected is not None, "an answer without a result dict was accepted"
    assert {pmid: c.status for pmid, c in citations.items()} == expected
    for pmid, citation in citations.items():
        assert isinstance(citation, Citation) and citation.pmid == pmid
        assert citation.id == f"pubmed:{pmid}"
        # Identifiers from the answer are validated: none can break out of a BibTeX field.
        assert citation.pmcid is None or re.fullmatch(r"PMC[0-9]+", citation.pmcid)
        assert citation.doi is None or (
            citation.doi.startswith("10.")
            and not re.search(r'[\s{}\\"]', citation.doi)
            and not has_control_characters(citation.doi)
        )
        counts[citation.status] += 1
    counts["left unknown"] += len(requested) - len(citations)


def test_parse_esummary_well_typed_fields(record_property):
    counts = Counter()

    @fuzz(400)
    @given(esummary_documents(WELL_TYPED_SUMMARY))
    def check(case):
        counts["examples"] += 1
        check_esummary(case, counts)

    check()
    report(record_property, counts, 100)
    assert counts["ok"] >= 5 and counts["not-found"] >= 1 and counts["left unknown"] >= 1


def test_parse_esummary_wrong_types(record_property):
    counts = Counter()

    @fuzz(300)
    @given(esummary_documents(WRONG_TYPED_SUMMARY))
    def check(case):
        counts["examples"] += 1
        check_esummary(case, counts)

    try:
        check()
    finally:
        record_property("fuzz_examples", counts["examples"])
        print(f"fuzz examples run: {counts['examples']}")


@pytest.mark.parametrize(
    "summary",
    [
        {"title": "t", "articleids": 5},
        {"title": "t", "articleids": [{"idtype": ["doi"], "value": "x"}]},
        {"title": "t", "authors": 5},
        {"title": "t", "authors": [{"name": 5}]},
        {"title": "t", "pubtype": 5},
    ],
)
def test_esummary_wrong_types_are_outside_errors(summary):
    with pytest.raises(OutsideError):
        parse_esummary({"result": {"1": summary}}, ["1"])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def test_parse_efetch_on_arbitrary_and_structured_xml(record_property):
    counts = Counter()
    text = st.text(ANY_CHAR, max_size=15).map(xml_text)
    link = st.builds(
        lambda ref, pmid: (
            f'<CommentsCorrections RefType="{escape(ref)}"><PMID>{escape(pmid)}</PMID></CommentsCorrections>'
        ),
        st.sampled_from(["RetractionIn", "ErratumIn", "ExpressionOfConcernIn", "CommentIn", ""])
        | text,
        st.integers(0, 10**9).map(str) | text,
    )
    article = st.builds(
        lambda pmid, types, links: (
            f"<PubmedArticle><MedlineCitation><PMID>{escape(pmid)}</PMID><Article><PublicationTypeList>"
            + "".join(f"<PublicationType>{escape(t)}</PublicationType>" for t in types)
            + "</PublicationTypeList></Article><CommentsCorrectionsList>"
            + "".join(links)
            + "</CommentsCorrectionsList></MedlineCitation></PubmedArticle>"
        ),
        st.integers(1, 10**8).map(str) | text,
        st.lists(st.sampled_from(["Retracted Publication", "Journal Article"]) | text, max_size=2),
        st.lists(link, max_size=3),
    )
    documents = st.builds(
        lambda root, articles, cut: (
            f'<?xml version="1.0"?>\n<{root}>' + "".join(articles) + f"</{root}>"
        ).encode()[: cut or None],
        st.sampled_from(["PubmedArticleSet", "eFetchResult", "ERROR", "x:PubmedArticleSet"]),
        st.lists(article, max_size=3),
        st.integers(0, 3000),
    )
    # Whole answers with the right root: most of the above are refused, and a small budget
    # must still reach the code that reads articles and their links.
    whole = st.lists(article, max_size=3).map(
        lambda articles: (
            '<?xml version="1.0"?>\n<PubmedArticleSet>' + "".join(articles) + "</PubmedArticleSet>"
        ).encode()
    )

    @fuzz(400)
    @given(st.one_of(st.binary(max_size=200), ANY_TEXT.map(lambda t: t.encode()), documents, whole))
    def check(data):
        counts["examples"] += 1
        try:
            found = parse_efetch(data)
        except OutsideError as exc:
            one_line(exc)
            counts["refused"] += 1
            return
        counts["parsed"] += 1
        for pmid, (retracted, notices) in found.items():
            assert isinstance(pmid, str) and isinstance(retracted, bool)
            assert all(n.type in NOTICE_TYPES and n.id.startswith("pubmed:") for n in notices)

    check()
    report(record_property, counts, 100)
    assert counts["parsed"] >= 5


WELL_TYPED_WORK = with_extra_keys(
    st.fixed_dictionaries(
        {},
        optional={
            "DOI": OPTIONAL_TEXT,
            "type": OPTIONAL_TEXT,
            "title": st.one_of(OPTIONAL_TEXT, st.lists(st.text(ANY_CHAR, max_size=15), max_size=2)),
            "container-title": st.lists(st.text(max_size=10), max_size=2),
            "short-container-title": st.lists(st.text(max_size=10), max_size=2),
            "author": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "family": OPTIONAL_TEXT,
                        "given": OPTIONAL_TEXT,
                        "name": OPTIONAL_TEXT,
                    },
                ),
                max_size=3,
            ),
            "issued": st.fixed_dictionaries(
                {
                    "date-parts": st.lists(
                        st.lists(st.one_of(st.none(), st.integers(0, 3000)), max_size=3), max_size=2
                    )
                }
            ),
            "volume": OPTIONAL_TEXT,
            "issue": OPTIONAL_TEXT,
            "page": OPTIONAL_TEXT,
            "updated-by": st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(["retraction", "correction", "Erratum", "x"]),
                        "DOI": st.text(max_size=12),
                    }
                ),
                max_size=3,
            ),
            "update-to": st.lists(
                st.fixed_dictionaries({"type": st.sampled_from(["retraction", "removal", "x"])}),
                max_size=2,
            ),
        },
    )
)
WRONG_TYPED_WORK = st.dictionaries(
    st.sampled_from(["title", "author", "issued", "updated-by", "update-to", "type", "DOI"]), JSON
)


def check_work(document, counts: Counter) -> None:
    try:
        citation = parse_work(document, "10.1234/x")
    except OutsideError as exc:
        one_line(exc)
        counts["refused"] += 1
        return
    counts["parsed"] += 1
    assert citation.status == "ok" and citation.source == "crossref"
    assert citation.year is None or isinstance(citation.year, int)
    assert all(n.type in NOTICE_TYPES for n in citation.notices)


def test_parse_work_well_typed_fields(record_property):
    counts = Counter()

    @fuzz(400)
    @given(st.one_of(JSON, WELL_TYPED_WORK.map(lambda m: {"message": m})))
    def check(document):
        counts["examples"] += 1
        check_work(document, counts)

    check()
    report(record_property, counts, 100)
    assert counts["parsed"] >= 5


def test_parse_work_wrong_types(record_property):
    counts = Counter()

    @fuzz(300)
    @given(WRONG_TYPED_WORK.map(lambda m: {"message": m}))
    def check(document):
        counts["examples"] += 1
        check_work(document, counts)

    try:
        check()
    finally:
        record_property("fuzz_examples", counts["examples"])
        print(f"fuzz examples run: {counts['examples']}")


@pytest.mark.parametrize(
    "message",
    [
        {"author": 5},
        {"updated-by": 5},
        {"update-to": 1.5},
        {"issued": {"date-parts": 5}},
        {"issued": {"date-parts": [{"year": 2020}]}},
    ],
)
def test_crossref_wrong_types_are_outside_errors(message):
    with pytest.raises(OutsideError):
        parse_work({"message": message}, "10.1234/x")


def test_parse_idconv(record_property):
    counts = Counter()
    record = with_extra_keys(
        st.fixed_dictionaries(
            {},
            optional={
                "pmid": st.one_of(st.integers(), st.text(max_size=9), JSON),
                "pmcid": st.one_of(st.text(max_size=9), JSON),
                "doi": st.one_of(st.text(max_size=9), JSON),
                "requested-id": JSON,
                "status": st.sampled_from(["error", "ok"]),
            },
        )
    )
    requested = st.lists(st.text(max_size=9), max_size=4)
    documents = st.one_of(
        JSON, st.fixed_dictionaries({"records": st.lists(record | JSON, max_size=4)})
    )

    @fuzz(400)
    @given(documents, requested)
    def check(document, wanted):
        counts["examples"] += 1
        try:
            result = parse_idconv(document, wanted)
        except OutsideError as exc:
            one_line(exc)
            counts["refused"] += 1
            return
        counts["parsed"] += 1
        assert set(result) <= set(wanted)
        for ids in result.values():
            assert set(ids) <= {"pmid", "pmcid", "doi"}
            assert all(isinstance(v, str) for v in ids.values())

    check()
    report(record_property, counts, 100)


CACHE_OBJECTS = with_extra_keys(
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.sampled_from(["pubmed:1", "doi:10.1/x", "pmc:PMC1"]), JSON),
            "status": st.one_of(st.sampled_from(["ok", "not-found"]), JSON),
            "source": st.one_of(st.sampled_from(["pubmed", "crossref"]), JSON),
        },
        optional={
            "authors": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {"family": st.text(max_size=8) | JSON}, optional={"given": JSON}
                    )
                ),
                JSON,
            ),
            "notices": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "type": st.sampled_from([*NOTICE_TYPES, "x"]),
                            "id": st.text(max_size=8) | JSON,
                        }
                    ),
                    max_size=2,
                ),
                JSON,
            ),
            "year": st.one_of(st.integers(1900, 2100), JSON),
            "pubtypes": JSON,
            "title": JSON,
            "retracted": JSON,
        },
    )
)


# Records of the right shape, so that a small budget still round-trips some citations: in
# CACHE_OBJECTS any field may be of a wrong type, and few records come out whole.
WELL_TYPED_CACHE_OBJECTS = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["pubmed:1", "doi:10.1/x", "pmc:PMC1"]),
        "status": st.sampled_from(["ok", "not-found"]),
        "source": st.sampled_from(["pubmed", "crossref"]),
    },
    optional={
        "authors": st.lists(
            st.fixed_dictionaries({"family": st.text(max_size=8)}, optional={"given": st.text()}),
            max_size=3,
        ),
        "year": st.integers(1900, 2100),
        "title": st.text(max_size=20),
    },
)


def test_parse_cache(record_property):
    counts = Counter()
    lines = st.lists(
        st.one_of(
            ANY_TEXT.filter(lambda t: "\n" not in t),
            CACHE_OBJECTS.map(lambda o: (json.dumps(o), o)),
            WELL_TYPED_CACHE_OBJECTS.map(lambda o: (json.dumps(o), o)),
            JSON.map(lambda o: (json.dumps(o), o)),
        ),
        max_size=5,
    )

    @fuzz(400)
    @given(lines)
    def check(items):
        counts["examples"] += 1
        text = "\n".join(i[0] if isinstance(i, tuple) else i for i in items)
        problems = []
        citations = parse_cache(text, "literature.jsonl", problems)
        for problem in problems:
            assert problem.file == "literature.jsonl"
            assert 1 <= problem.line <= len(text.split("\n"))
            assert "\n" not in problem.message
        counts["problems"] += len(problems)
        counts["citations"] += len(citations)
        assert all(isinstance(c, Citation) and c.id == k for k, c in citations.items())
        assert parse_cache(render_cache(citations.values())) == citations
        try:
            strict = parse_cache(text)
        except InputError as exc:
            assert problems and one_line(exc).startswith(f"literature.jsonl:{problems[0].line}: ")
            return
        assert not problems and strict == citations

    check()
    report(record_property, counts, 100)
    assert counts["citations"] >= 5


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "pubmed:1", "status": "ok", "source": "pubmed", "pubtypes": 5}',
        '{"id": "pubmed:1", "status": "ok", "source": "pubmed", "notices": 5}',
        "[" * 100_000,
    ],
    ids=["pubtypes-number", "notices-number", "deep-nesting"],
)
def test_cache_with_wrong_types_is_an_input_error(line):
    problems = []
    parse_cache(line + "\n", "literature.jsonl", problems)
    assert [p.line for p in problems] == [1]
    with pytest.raises(InputError, match=r"^literature\.jsonl:1: "):
        parse_cache(line + "\n", "literature.jsonl")
