"""Options shared by several commands, defined once."""

from __future__ import annotations

import sys

import click

FORMATS = ("table", "tsv", "json")


def output_format(fn):
    """``--format table|tsv|json``; table on a terminal, tsv when piped."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table on a terminal, tsv otherwise).",
    )(fn)


def resolve_format(fmt: str | None) -> str:
    """The format asked for, else table on a terminal and tsv in a pipe."""
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "tsv"


no_commit = click.option(
    "--no-commit", is_flag=True, help="Write the files but do not commit them to git."
)

curator = click.option(
    "--curator",
    metavar="ORCID",
    default=None,
    help="Acting curator (default: CRSMAP_CURATOR, else the curator whose email is git's user.email, "
    "else the only curator).",
)
