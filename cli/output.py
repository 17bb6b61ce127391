"""Printing rows and cards as a table, TSV or JSON; listings go to stdout, messages to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import repeat

import click


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(_cell(v) for v in value)
    return str(value).replace("\t", " ").replace("\n", " ")


# Columns whose values are all of these types are converted at C speed by _tsv_rows.
_PLAIN = frozenset({str, int, float, type(None)})
_TEXT = frozenset({str, type(None)})
_NONE_AS_EMPTY = {None: ""}


def _tsv_rows(rows: Sequence[dict], columns: Sequence[str]) -> list[tuple]:
    """The cells of ``rows`` for :func:`literature.tsv.safe_table`, column by column.

    The same text as :func:`_cell` but for its tabs and line feeds, which safe_table folds
    to spaces anyway. A column holding only strings, numbers and None (nearly every one) is
    converted with ``map``, without a Python call per cell; any other column goes through
    :func:`_cell` value by value.
    """
    rows = list(rows)  # read once per column below
    if not columns:  # no column: an empty line per row
        return [()] * len(rows)
    if set(map(type, rows)) <= {dict}:  # dict.get is row.get, called from C
        by_column = [tuple(map(dict.get, rows, repeat(column))) for column in columns]
    else:
        by_column = [tuple(row.get(column) for row in rows) for column in columns]
    converted = []
    for values in by_column:
        kinds = set(map(type, values))
        if kinds <= {str}:
            converted.append(values)
        elif kinds <= _TEXT:
            converted.append(tuple(map(_NONE_AS_EMPTY.get, values, values)))
        elif kinds <= _PLAIN:  # no bool here: True is 1 to a dict, and _cell writes "yes"
            converted.append(tuple(map(str, map(_NONE_AS_EMPTY.get, values, values))))
        else:
            converted.append(tuple(map(_cell, values)))
    return list(zip(*converted, strict=True))


def to_json(data) -> str:
    """Indented, UTF-8 JSON in the key order given (deterministic for the same data)."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


PIPE_WIDTH = 160
_MIN_WIDTHS = {"signature": 24, "citation": 20, "reference": 15, "id": 4, "interaction": 4}


def emit_rows(
    rows: Sequence[dict], columns: Sequence[str], fmt: str, title: str | None = None
) -> None:
    """Print rows (dicts) with the given columns in the chosen format."""
    if fmt == "json":
        click.echo(to_json(list(rows)))
        return
    if fmt == "tsv":  # for spreadsheets too: cells on one line, no formulas
        from literature.tsv import safe_table

        click.echo(safe_table(columns, _tsv_rows(rows, columns)), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        # Everything folds rather than being cut, so nothing is lost on a narrow terminal.
        table.add_column(column, overflow="fold", min_width=_MIN_WIDTHS.get(column))
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    # With no terminal to fit (a pipe, a file, a CI log), give tables room to breathe.
    Console(width=None if sys.stdout.isatty() else PIPE_WIDTH).print(table)


def info(message: str, quiet: bool = False) -> None:
    """What a command did, on stdout; silenced by --quiet."""
    if not quiet:
        click.echo(message)


def warn(message: str) -> None:
    click.echo(f"crsmap: warning: {message}", err=True)


def flat(value) -> str:
    """A value as one TSV cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def card_text(card: dict) -> str:
    """The text card of `crsmap show`."""
    lines = [f"{card['id']}  {card['type']}" + (f"  ({card['name']})" if card["name"] else "")]
    lines.append(f"  signature   {card['signature']}")
    if card["signature_changed"]:
        lines.append(f"  CHANGED     curated as: {card['recorded_signature']}")
    for role in ("reactant", "product", "modifier"):
        for p in (p for p in card["participants"] if p["role"] == role):
            extra = f" [{p['modification']}]" if p["modification"] else ""
            lines.append(f"  {role:<11} {p['name']}{extra}  ({p['species']})")
    curator = card["curator"] or "none"
    if card["curator_name"]:
        curator = f"{card['curator_name']} ({card['curator']})"
    lines.append(f"  curator     {curator}")
    lines.append(f"  license     {card['license']}")
    first, last = card.get("first_release"), card.get("last_changed")
    lines.append(
        f"  released    first in {first}, last changed in {last}"
        if first
        else "  released    not yet"
    )
    if card["derived_from"]:
        lines.append(f"  derived     {card['derived_from']}")
    lines.append(
        f"  status      {card['status'] or 'not curated'}"
        + (f", updated {card['updated']}" if card["updated"] else "")
    )
    lines.append(f"  in the map  {', '.join(card['map_references']) or 'no references'}")
    if card["evidence"]:
        lines.append(f"  evidence    {len(card['evidence'])} record(s)")
        for e in card["evidence"]:
            note = f'  "{e["note"]}"' if e["note"] else ""
            if e["citation"]:
                note = f"  {e['citation']}{note}"
            lines.append(
                f"    {e['reference']:<28} {e['evidence']}  {e['curator']}  {e['date']}  {e['source']}{note}"
            )
    else:
        lines.append(f"  evidence    none (add with `crsmap evidence add {card['id']} REF`)")
    return "\n".join(lines)
