"""Depositing releases: ``publish zenodo VERSION`` (and ``release --publish zenodo``)."""

from __future__ import annotations

import click

from .options import Command, Subgroup


def server_options(command):
    """``--sandbox`` and ``--url``: which deposit server (default: [publish] url, else Zenodo)."""
    command = click.option(
        "--url",
        default=None,
        metavar="URL",
        help="Another Zenodo or InvenioRDM instance (default: [publish] url, else zenodo.org).",
    )(command)
    return click.option(
        "--sandbox", is_flag=True, help="Use Zenodo's sandbox (sandbox.zenodo.org) to try it out."
    )(command)


def publisher(project, sandbox: bool, url: str | None):
    """The library's Publisher for the chosen server; the token is read when first needed."""
    from curation.publish import Publisher, choose_server

    return Publisher(project, choose_server(project.config.publish, sandbox, url))


def say_published(state, result) -> None:
    """The DOI on stdout; what happened on stderr (unless --quiet)."""
    if result.already:
        state.say(f"release {result.version} was already published: nothing to do")
    else:
        state.say(f"published release {result.version}")
    if result.concept_doi:
        state.say(f"all versions: https://doi.org/{result.concept_doi}")
    click.echo(result.doi_url)


@click.group(cls=Subgroup)
def publish():
    """Deposit a release's bundle on Zenodo and get its DOI (token: ZENODO_TOKEN)."""


@publish.command("zenodo", cls=Command)
@click.argument("version")
@server_options
@click.option(
    "--dry-run", is_flag=True, help="Print the metadata and the requests; send and write nothing."
)
@click.pass_obj
def zenodo(state, version, sandbox, url, dry_run):
    """Publish release VERSION, cut with `release --publish zenodo`, resuming where it stopped."""
    project = state.project
    chosen = publisher(project, sandbox, url)
    if dry_run:
        import json

        from curation.publish import bundle_metadata
        from curation.release import tagged_bundle

        chosen.reservation(version)  # refuses a release cut without a DOI, as publishing would
        data, _, version = tagged_bundle(project, version)
        name, metadata = bundle_metadata(data)
        click.echo(json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=True))
        for line in chosen.plan(version, reserve=False):
            click.echo(line.replace("<bundle>.zip", name))
        state.say("dry run: nothing sent, nothing written")
        return
    say_published(state, chosen.publish(version))
