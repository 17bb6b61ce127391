"""Tab-separated tables: the one writer of every table crsmap writes, with two rules for cells.

- :func:`ledger_table` writes the ledgers, the source data: each cell is kept exactly as
  it is, so that reading it back gives the same record, and a cell that would break the
  line (a tab, a line break, a control character) is refused rather than altered.
- :func:`safe_table` writes what people open in a spreadsheet (exports, the release
  bundle's tables, ``changes.tsv``, ``--format tsv`` listings): whitespace is folded so
  that each cell stays on its line, and no cell is left that a spreadsheet would run as
  a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from .errors import InputError
from .identifiers import has_control_characters, quoted

# OWASP, "CSV Injection": a cell beginning with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _table(lines: Iterable[str]) -> str:
    return "\n".join([*lines, ""])  # a line break after each line, the text copied once


def ledger_row(cells: Iterable[str]) -> str:
    """One ledger line: the cells as they are, tab-separated; a cell that would break it is refused."""
    cells = list(cells)
    for value in cells:
        if has_control_characters(value):
            raise InputError(
                f"value {quoted(value)} contains a tab, line break or control character; "
                "ledgers hold one line per record"
            )
    return "\t".join(cells)


def ledger_table(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A ledger's text: the header, then one :func:`ledger_row` per row, in the order given."""
    return _table(["\t".join(columns), *(ledger_row(row) for row in rows)])


def spreadsheet_safe(cell: str) -> str:
    """``cell`` prefixed with ``'`` when it begins like a formula (OWASP's CSV-injection rule).

    No exceptions, not even for numbers: a note ``-1 feedback`` is written ``'-1 feedback``.
    A program reading the table back drops a leading ``'`` that is followed by one of
    :data:`FORMULA_STARTS` (ambiguous only for raw text that itself began ``'=``).
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_value(cell: str) -> str:
    """The text :func:`spreadsheet_safe` was given: its leading ``'`` taken off again."""
    return cell[1:] if cell[:1] == "'" and cell[1:2].startswith(FORMULA_STARTS) else cell


def safe_cell(cell) -> str:
    """One cell of :func:`safe_table`: ``str(cell)`` with its whitespace collapsed (each run
    to one space, none at either end), then made :func:`spreadsheet_safe`."""
    return spreadsheet_safe(" ".join(str(cell).split()))


# The formula starts a cell can still have once its whitespace is collapsed.
_VISIBLE_STARTS = tuple(start for start in FORMULA_STARTS if not start.isspace())
_TAB_STARTS = tuple((start, "\t" + start) for start in _VISIBLE_STARTS)
_PRINTABLE_ASCII_AND_TAB = bytes(range(0x20, 0x7F)) + b"\t"


def _unchanged(text: str, count: int) -> bool:
    """True when :func:`safe_cell` leaves each of the ``count`` cells that ``text`` joins
    with tabs as it is, judged on the whole text at C speed rather than cell by cell.

    ``str.split`` folds exactly the Unicode whitespace, and every whitespace character but
    the space is unprintable (``str.isprintable``; tests/test_tsv_fast.py checks each code
    point). So a cell is kept when it holds no tab (the count of tabs is that of the
    separators), nothing unprintable, no two spaces in a row, no space at either end and
    no formula start. An unprintable character that is no whitespace (a NUL, a zero-width
    space) makes this say False although the cell is kept: the caller then looks closer.
    """
    if (
        text.count("\t") != count - 1
        or "  " in text
        or " \t" in text
        or "\t " in text
        or text.startswith(" ")
        or text.endswith(" ")
        or text.startswith(_VISIBLE_STARTS)
        # A start that is nowhere in the text needs no (slower) search for it after a tab.
        or any(start in text and marked in text for start, marked in _TAB_STARTS)
    ):
        return False
    # Last, as the dearest: only the non-ASCII characters and the ASCII controls are left
    # once the printable ASCII and the tabs are deleted from the UTF-8 bytes, a short text
    # for isprintable, which is slow on a long one.
    rest = text.encode("utf-8", "surrogatepass").translate(None, _PRINTABLE_ASCII_AND_TAB)
    return rest.decode("utf-8", "surrogatepass").isprintable()


def safe_table(columns: Iterable[str], rows: Iterable[Iterable]) -> str:
    """Tab-separated text: a header, then one line per row, each cell on one line (whitespace
    collapsed) and none that a spreadsheet would run as a formula (:func:`safe_cell`)."""
    rows = list(map(tuple, rows))
    # str(cell) of every cell, which a string (not of a subclass) already is.
    if set(map(type, chain.from_iterable(rows))) - {str}:
        rows = [tuple(map(str, row)) for row in rows]
    lines = list(map("\t".join, rows))
    # Nearly every cell is plain text that safe_cell keeps as it is: check the whole table
    # at once, then blocks of rows, and rewrite cell by cell only the blocks that need it
    # (so that a table of cells to rewrite costs little more than rewriting them did).
    if not _unchanged("\t".join(lines), sum(map(len, rows))):
        lines = [
            line
            for start in range(0, len(rows), _BLOCK)
            for line in _safe_lines(lines[start : start + _BLOCK], rows[start : start + _BLOCK])
        ]
    return _table(["\t".join(columns), *lines])


_BLOCK = 32  # rows


def _safe_lines(lines: list[str], rows: list[tuple[str, ...]]) -> list[str]:
    """``lines``, the rows joined, if no cell changes; else the rows' cells rewritten."""
    if _unchanged("\t".join(lines), sum(map(len, rows))):
        return lines
    safe = spreadsheet_safe  # safe_cell written out: the cells are strings already
    return ["\t".join([safe(" ".join(cell.split())) for cell in row]) for row in rows]
