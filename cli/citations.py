"""Citation metadata: ``fetch`` it into literature.jsonl, ``export`` the references."""

from __future__ import annotations

import click

from . import options
from .options import Command


@click.command(cls=Command)
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch every reference again, not only those missing from the cache.",
)
@click.option("--offline", is_flag=True, help="Use only the cache; report what is missing.")
@click.option(
    "--only",
    multiple=True,
    metavar="ID",
    shell_complete=options.complete_interaction,
    help="Only these interactions' references (or these references).",
)
@options.no_commit
@click.pass_obj
def fetch(state, refresh, offline, only, no_commit):
    """Fetch citation metadata of every ledger reference into literature.jsonl."""
    from .progress import progress_bar

    with progress_bar("fetching citations", state.quiet) as factory:
        report, change = state.project.fetch(refresh, offline, only, factory, commit=not no_commit)
    line = report.summary()
    if change.commit:
        line += f" (commit {change.commit[:10]})"
    click.echo(line)


@click.command(cls=Command)
@click.argument(
    "fmt",
    type=click.Choice(["bibtex", "csl", "tsv", "minerva-overlay"]),
    metavar="bibtex|csl|tsv|minerva-overlay",
)
@click.option(
    "-o",
    "--output",
    "output",
    default=None,
    metavar="FILE",
    help="Write to FILE instead of stdout.",
)
@click.pass_obj
def export(state, fmt, output):
    """The ledger's references as BibTeX, CSL-JSON or a flat table, or a MINERVA overlay.

    minerva-overlay: a data overlay colouring each reaction by its evidence status."""
    if fmt == "minerva-overlay":
        from curation.overlay import project_overlay

        text = project_overlay(state.project)
    else:
        text = state.project.export(fmt)
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from curation.citations import write_export

    write_export(text, output)
    state.say(f"wrote {output}")
