"""The published map: ``minerva pull`` a snapshot of what MINERVA shows, ``minerva status``."""

from __future__ import annotations

import click

from . import options
from .options import Command, Subgroup
from .output import emit_rows, to_json


@click.group(cls=Subgroup)
def minerva():
    """The map as MINERVA publishes it, compared with the ledger."""


@minerva.command("pull", cls=Command)
@click.option(
    "--url",
    default=None,
    metavar="URL",
    help="The MINERVA instance, e.g. https://pdmap.uni.lu/minerva (default: [minerva] url).",
)
@click.option(
    "--project",
    "project_id",
    default=None,
    metavar="ID",
    help="The MINERVA project id (default: [minerva] project). The repository is "
    "crsmap's own --project, given before the command.",
)
@click.option(
    "--offline", is_flag=True, help="Use the minerva.json already pulled: no network, no write."
)
@options.no_commit
@click.pass_obj
def pull(state, url, project_id, offline, no_commit):
    """Fetch what MINERVA shows of each reaction into minerva.json, and commit it."""
    from curation.minerva import pull as pull_snapshot
    from curation.minerva import read_snapshot

    project = state.project
    if offline:
        from curation.errors import InputError

        snapshot = read_snapshot(project.root)
        if snapshot is None:
            raise InputError(
                "--offline: no minerva.json yet; run `crsmap minerva pull` once with the network"
            )
        published = snapshot.project
        reactions = sum(len(m.reactions) for m in published.models)
        state.say(
            f"minerva.json: {published.project_id} from {published.instance}, pulled "
            f"{snapshot.pulled}: {len(published.models)} map(s), {reactions} reaction(s)"
        )
        return
    state.report(pull_snapshot(project, url, project_id, commit=not no_commit))


@minerva.command("status", cls=Command)
@options.output_format
@click.pass_obj
def status(state, fmt):
    """One screen: the published project against the last release, per map file."""
    from curation.minerva import status as minerva_status

    summary = minerva_status(state.project)
    fmt = options.resolve_format(fmt)
    if fmt == "json":
        click.echo(to_json(summary.to_json()))
        return
    if fmt == "table":
        click.echo(_heading(summary))
    codes = _codes()
    rows = [
        {
            "file": f.file,
            "minerva map": f.model or "(none)",
            "reactions map": f.reactions_map,
            "reactions minerva": f.reactions_minerva,
            "references ledger": f.references_ledger,
            "references minerva": f.references_minerva,
            **{code: f.findings.get(code, 0) for code in codes},
        }
        for f in summary.files
    ]
    columns = [
        "file", "minerva map", "reactions map", "reactions minerva", "references ledger",
        "references minerva", *codes,
    ]  # fmt: skip
    emit_rows(rows, columns, fmt, title="Per map file")
    if fmt == "table" and summary.unmatched_models:
        click.echo("MINERVA maps with no map file: " + ", ".join(summary.unmatched_models))


def _codes() -> list[str]:
    from curation.minerva import RULES

    return [rule.code for rule in RULES]


def _heading(summary) -> str:
    if summary.last_release is None:
        release = "no release yet"
    elif summary.current is None:
        release = f"last release {summary.last_release}"
    else:
        shows = "shows it" if summary.current else "does not show it yet"
        release = f"last release {summary.last_release}: MINERVA {shows}"
    lines = [
        f"MINERVA {summary.minerva_version or '(version unknown)'} at {summary.instance}",
        f"project {summary.project}"
        + (f" ({summary.name})" if summary.name else "")
        + f", version {summary.project_version or '(none given)'}; {release}",
        f"pulled {summary.pulled}",
    ]
    return "\n".join(lines)
