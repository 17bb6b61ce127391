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

from .errors import InputError
from .identifiers import has_control_characters, quoted

# OWASP, "CSV Injection": a cell beginning with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _table(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


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


def safe_table(columns: Iterable[str], rows: Iterable[Iterable]) -> str:
    """Tab-separated text: a header, then one line per row, each cell on one line (whitespace
    collapsed) and none that a spreadsheet would run as a formula (:func:`spreadsheet_safe`)."""
    return _table(
        ["\t".join(columns)]
        + ["\t".join(spreadsheet_safe(" ".join(str(cell).split())) for cell in row) for row in rows]
    )
