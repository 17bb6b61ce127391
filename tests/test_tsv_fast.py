"""The fast TSV path writes exactly what the per-cell rule writes, for every input.

``literature.tsv.safe_table`` judges a whole table at once and rewrites only the rows
that need it, and ``cli.output`` converts whole columns at once. Both are checked here
against the straightforward rules they replace, written out below as they were: every
cell ``str()``-ed, its whitespace collapsed, prefixed with ``'`` when it begins like a
formula; every listing value through ``_cell`` (None empty, booleans yes/no, lists joined
with commas).
"""

from __future__ import annotations

import itertools
import random
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.output import _cell, _tsv_rows, emit_rows
from literature.tsv import FORMULA_STARTS, _unchanged, safe_cell, safe_table


def reference_table(columns, rows) -> str:
    """safe_table as one rule per cell, the way it was written before the fast path."""
    lines = ["\t".join(columns)]
    for row in rows:
        cells = []
        for cell in row:
            folded = " ".join(str(cell).split())
            cells.append("'" + folded if folded.startswith(FORMULA_STARTS) else folded)
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def reference_listing(rows, columns) -> str:
    """emit_rows' TSV text as one _cell per value, the way it was written before."""
    return reference_table(columns, ([_cell(row.get(c)) for c in columns] for row in rows))


class Shouting(str):
    """A string whose str() is not itself: safe_table must write str(cell)."""

    def __str__(self) -> str:
        return self.upper() + "  !"


# Cells that collapse, need a quote, or are unprintable without being whitespace.
TRICKY = [
    "",
    " ",
    "  ",
    "a  b",
    " a",
    "a ",
    "\t",
    "a\tb",
    "\ta",
    "a\t",
    "\r",
    "a\r\nb",
    "\n",
    "a\nb",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x85",
    "a\xa0b",
    "\xa0",
    "\u1680",
    "\u2000",
    "\u2007",
    "\u200a",
    "a\u2028b",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000x",
    "\u200b",  # a zero-width space: unprintable, but no whitespace to str.split
    "a\x00b",
    "\x7f",
    "\ud800",  # a lone surrogate
    "=1+1",
    "+x",
    "-1 feedback",
    "@SUM(A1)",
    " =x",
    "\t=x",
    "\r@x",
    "'=x",
    "x=1",
    "a-b",
    "a -b",
    "a\t-b",
    "∅ -> IL6 [STATE_TRANSITION]",
    "IL6 + IL6R -> IL6:IL6R [HETERODIMER_ASSOCIATION]",
    "日本 語",
    "😀 x",
    "é",
]
PLAIN = ["re12", "STATE_TRANSITION", "A -> B [X]", "0", "CC-BY-4.0", "", "pubmed:1", "x=1"]


def test_every_whitespace_but_the_space_is_unprintable():
    # The premise of the fast path: str.split folds nothing that isprintable accepts, but " ".
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if len(f"a{char}b".split()) == 2 and char != " ":
            assert char.isspace() and not char.isprintable(), hex(code)


@pytest.mark.parametrize("cell", TRICKY)
def test_one_tricky_cell_among_plain_rows(cell):
    rows = [list(PLAIN) for _ in range(20)]
    rows[7][3] = cell
    assert safe_table(PLAIN, rows) == reference_table(PLAIN, rows)
    assert safe_table(("a",), [[cell]]) == reference_table(("a",), [[cell]])
    # The whole-text judgement may be too careful (an unprintable cell that is kept), never
    # too trusting.
    if _unchanged(cell, 1):
        assert safe_cell(cell) == cell


def test_plain_tables_take_the_fast_path():
    text = "\t".join(PLAIN * 3)
    assert _unchanged(text, len(PLAIN) * 3)
    for cell in TRICKY:
        if safe_cell(cell) != cell:
            assert not _unchanged("\t".join([*PLAIN, cell, *PLAIN]), 2 * len(PLAIN) + 1), cell


def test_every_pair_of_tricky_cells():
    for a, b in itertools.product(TRICKY, repeat=2):
        rows = [[a, b], [b + a], ["x", a + b, "y"]]
        assert safe_table(("c1", "c2"), rows) == reference_table(("c1", "c2"), rows), (a, b)


RAGGED = [
    lambda: [],
    lambda: [[]],
    lambda: [[], []],
    lambda: [["a"], [], ["b", "c"]],
    lambda: [[None, 0, 1.5, True, -3]],
    lambda: [[Shouting("ok"), "ok"]],
    lambda: [(cell for cell in ("gen", " erated "))],
    lambda: (row for row in [["a", "b"], ("c",)]),
    lambda: [["a", "b"], ["c"]],
]


@pytest.mark.parametrize("make", RAGGED)
def test_ragged_empty_and_non_string_rows(make):
    # Rows and cells may be any iterables: each table is made twice, once for each writer.
    assert safe_table(("h",), make()) == reference_table(("h",), make())


def test_random_tables_of_tricky_and_plain_cells():
    rng = random.Random(20260512)
    pool = TRICKY + PLAIN * 6
    for _ in range(1500):
        width = rng.randint(1, 5)
        rows = [
            ["".join(rng.choices(pool, k=rng.randint(1, 3))) for _ in range(width)]
            for _ in range(rng.randint(0, 6))
        ]
        columns = [f"c{i}" for i in range(width)]
        assert safe_table(columns, rows) == reference_table(columns, rows), rows


@given(st.lists(st.lists(st.text(max_size=8), max_size=4), max_size=5))
def test_any_text_cells(rows):
    assert safe_table(("a", "b"), rows) == reference_table(("a", "b"), rows)


# --- emit_rows: listing values to cells ------------------------------------------------------

VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    -0.5,
    float("nan"),
    "",
    "x\ty",
    "x\ny",
    "-x",
    " padded ",
    ["a", "b"],
    ["a\tb", None, True, 1],
    ("t", "u"),
    [],
    [["nested", None], False],
    "\u2028",
    Shouting("loud"),
]


def test_listing_cells_match_the_per_value_rule():
    columns = ("id", "mixed", "missing")
    rng = random.Random(7)
    for _ in range(400):
        rows = [{"id": f"re{i}", "mixed": rng.choice(VALUES)} for i in range(rng.randint(0, 6))]
        got = safe_table(columns, _tsv_rows(rows, columns))
        assert got == reference_listing(rows, columns), rows


@pytest.mark.parametrize(
    "column",
    [
        [1, True],  # True is 1 to a dict: "yes", not "1"
        [0, False, None],
        [1.0, True, "1"],
        ["a", None, 3],
        [None, None],
        ["only", "strings"],
        [["a"], "b"],
        [Shouting("x"), "y"],
    ],
)
def test_columns_of_mixed_types(column):
    rows = [{"v": value} for value in column]
    assert safe_table(("v",), _tsv_rows(rows, ("v",))) == reference_listing(rows, ("v",))


def test_emit_rows_prints_the_table(capsys):
    rows = [
        {"id": "re1", "evidence": 2, "curator": None, "note": "=cmd|x", "ok": True},
        {"id": "re2", "evidence": 0, "curator": "0000-0002-1825-0097", "note": "a\u3000 b"},
    ]
    columns = ("id", "evidence", "curator", "note", "ok")
    emit_rows(rows, columns, "tsv")
    assert capsys.readouterr().out == reference_listing(rows, columns)


class Defaulting(dict):
    """A row whose get answers for missing columns: _tsv_rows must ask it, not dict.get."""

    def get(self, key, default=None):
        return super().get(key, f"<{key}>")


def test_rows_of_any_mapping_and_any_columns():
    rows = [{"id": "re1", "n": 1}, Defaulting(id="re2"), {"n": None}]
    for columns in [(), ("id",), ("id", "n"), ("n", "missing", "id")]:
        assert safe_table(columns, _tsv_rows(rows, columns)) == reference_listing(rows, columns)
        assert safe_table(columns, _tsv_rows(iter(rows), columns)) == reference_listing(
            rows, columns
        )
    assert safe_table((), _tsv_rows([], ())) == reference_listing([], ())
