"""The fast CSL-JSON writer writes what ``json.dumps(..., indent=2)`` wrote, character for character.

``references.json`` is part of a release bundle, whose bytes a user may compare against a
published sha256: :func:`literature.export.indented_json` replaced the standard library's
pure-Python indenting encoder, and must never differ from it, on any value or string.
"""

from __future__ import annotations

import json
import math
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import literature.export
from literature.export import indented_json, to_csl
from literature.model import Author, Citation


def reference_json(value) -> str:
    """What to_csl wrote before: the standard library's indenting encoder."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


# Strings that need escaping, or that a hand-written escaper gets wrong: quotes,
# backslashes, every control character, DEL, line and paragraph separators, non-ASCII,
# astral characters, lone surrogates, and text that looks like JSON structure.
ODD_CHARACTERS = [chr(c) for c in range(0x20)] + list('"\\/\x7f\u2028\u2029\ufeffé€ß😀{}[],: ')
ODD_CHARACTERS += ["\ud800", "\udfff", '\\"', '", "', "\\u0000"]
odd_text = st.lists(st.sampled_from(ODD_CHARACTERS) | st.text(max_size=3), max_size=8).map("".join)
text = odd_text | st.text()
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(text, inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
@example([])
@example({})
@example([[[]], {"": {}}, [{}]])
@example({"b": 1, "B": 2, "a": [True, False, None], "é": 1.5, "\u2028": "\u2029"})
@example([float("nan"), float("inf"), -float("inf"), -0.0, 1e300, 5e-324])
def test_indented_json_is_json_dumps_with_indent(value):
    assert indented_json(value) == reference_json(value)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a", 2: "b"},  # non-string keys: left to json.dumps, which converts them
        {None: 1},
        {1.5: [True]},
        [{"a": {True: "x"}}],
    ],
)
def test_mappings_with_keys_that_are_not_strings_are_written_as_json_dumps_writes_them(value):
    assert indented_json(value) == reference_json(value)


def test_subclasses_of_the_json_types_are_written_as_json_dumps_writes_them():
    class Text(str):
        pass

    class Number(int):
        def __repr__(self):
            return "not this"

    class Real(float):
        def __repr__(self):
            return "nor this"

    class Mapping(dict):
        pass

    class Sequence(list):
        pass

    value = Sequence([Mapping({Text("k"): Text('"v"')}), Number(7), Real(2.5), (Text("t"),)])
    assert indented_json(value) == reference_json(value)


@pytest.mark.parametrize("value", [[object()], {"a": {1, 2}}, [b"bytes"]])
def test_what_json_cannot_write_is_the_same_type_error(value):
    with pytest.raises(TypeError) as expected:
        reference_json(value)
    with pytest.raises(TypeError) as got:
        indented_json(value)
    assert str(got.value) == str(expected.value)


def test_mixed_keys_that_cannot_be_sorted_are_the_same_type_error():
    with pytest.raises(TypeError) as expected:
        reference_json({"a": 1, 2: 3})
    with pytest.raises(TypeError) as got:
        indented_json({"a": 1, 2: 3})
    assert str(got.value) == str(expected.value)


def test_nan_stays_as_json_dumps_writes_it():
    assert indented_json([math.nan, math.inf]) == "[\n  NaN,\n  Infinity\n]"


# Citations as crsmap reads them, with odd text in every field the CSL item carries, and
# empty or missing values (which to_csl leaves out).
authors = st.builds(Author, text, st.just("") | text)
citations = st.builds(
    Citation,
    id=st.sampled_from(["pubmed:", "doi:10.1/", "pmc:PMC", "isbn:"]).flatmap(
        lambda prefix: st.from_regex(r"[0-9a-z./_-]{1,6}", fullmatch=True).map(prefix.__add__)
    ),
    status=st.sampled_from(["ok", "ok", "not_found", "error"]),
    pmid=st.none() | st.just("") | st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    pmcid=st.none() | st.just("") | text,
    doi=st.none() | st.just("") | text,
    title=text,
    authors=st.lists(authors, max_size=3).map(tuple),
    journal=text,
    year=st.none() | st.integers(min_value=0, max_value=2100),
    volume=text,
    issue=text,
    pages=text,
    retracted=st.booleans(),
)
unfetched = st.lists(
    st.sampled_from(["pubmed:1", "doi:10.1/x", "pmc:PMC9", "isbn:123", "other"]), max_size=4
)


def reference_to_csl(cited, missing) -> str:
    """to_csl with the standard library's encoder in place of the fast one."""
    with mock.patch.object(literature.export, "indented_json", reference_json):
        return to_csl(cited, missing)


@given(st.lists(citations, max_size=12), unfetched)
def test_csl_json_of_generated_citations_is_what_json_dumps_wrote(cited, missing):
    assert to_csl(cited, missing) == reference_to_csl(cited, missing)


def numbered_citation(n: int) -> Citation:
    """The n-th of a release's worth of citations, odd characters and gaps spread over them."""
    return Citation(
        f"pubmed:{n}",
        pmid=str(n),
        doi=f"10.1/{n}" if n % 3 else None,
        pmcid=f"PMC{n}" if n % 5 == 0 else None,
        title=f"Title {ODD_CHARACTERS[n % len(ODD_CHARACTERS)]} {n}",
        authors=tuple(Author(f"Family{n % 7}é", "" if k else f"G{n}") for k in range(n % 4)),
        journal="J \\ Bench" if n % 2 else "",
        year=2000 + n % 25 if n % 11 else None,
        volume=str(n % 40),
        issue="" if n % 4 else "2",
        pages=f"{n}-{n + 9}",
        retracted=n % 13 == 0,
    )


def test_csl_json_of_many_citations_is_what_json_dumps_wrote():
    cited = [numbered_citation(n) for n in range(1, 2001)]
    missing = ["pubmed:99999999", "doi:10.9/unfetched", "isbn:978-3"]
    text = to_csl(cited, missing)
    assert text == reference_to_csl(cited, missing)
    assert len(json.loads(text)) == len(cited) + len(missing)
