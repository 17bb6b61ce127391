"""Printing rows and cards as a table, TSV or JSON; listings go to stdout, messages to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(_cell(v) for v in value)
    return str(value).replace("\t", " ").replace("\n", " ")


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
    if fmt == "tsv":
        lines = ["\t".join(columns)]
        lines += ["\t".join(_cell(row.get(c)) for c in columns) for row in rows]
        click.echo("\n".join(lines))
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
