"""Setting up a curation repository: ``init``, its curators and creators, git's merge driver,
and the demo that builds a sample one."""

from __future__ import annotations

import click

from . import options
from .options import Command, Subgroup
from .output import emit_rows, warn


@click.command(cls=Command)
@click.argument("directory", default=".", required=False, metavar="[DIR]")
@click.option(
    "--title", required=True, help="Title of the map, e.g. 'Cytokine Release Syndrome Map'."
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    required=True,
    metavar="FILE",
    help="CellDesigner XML file to curate (repeat for several); copied into maps/.",
)
@click.option("--curator-name", default=None, metavar="NAME", help="First curator's full name.")
@click.option("--orcid", default=None, metavar="ORCID", help="First curator's ORCID.")
@click.option(
    "--email", default="", metavar="EMAIL", help="First curator's email (also sent to NCBI)."
)
@click.option(
    "--license",
    "license_",
    default="CC-BY-4.0",
    show_default=True,
    metavar="SPDX",
    callback=options.check_license,
    shell_complete=options.complete_license,
    help="License of the map as a whole.",
)
@click.option(
    "--creator",
    "creators",
    multiple=True,
    metavar="NAME[;ORCID]",
    help="An author of the map itself, credited in releases (repeat for several).",
)
@click.option(
    "--creator-org",
    "creator_orgs",
    multiple=True,
    metavar="NAME",
    help="An organisation that authored the map, credited as written (repeat for several).",
)
@click.option(
    "--copyright",
    "copyright_",
    default="",
    metavar="TEXT",
    help="The map's copyright notice, e.g. '2020-2025 University of Luxembourg'.",
)
@click.option(
    "--source",
    default="",
    metavar="URI",
    help="The original map: its publication DOI or MINERVA project URL.",
)
@options.no_commit
@click.pass_obj
def init(
    state, directory, title, maps, curator_name, orcid, email, license_, creators, creator_orgs,
    copyright_, source, no_commit,
):  # fmt: skip
    """Create a curation repository in DIR from one or more CellDesigner maps."""
    from curation.config import Creator, Curator, parse_creator
    from curation.errors import InputError
    from curation.project import Project

    if bool(curator_name) != bool(orcid):
        raise InputError("--curator-name and --orcid go together; give both or neither")
    curator = Curator(curator_name, orcid, email) if orcid else None
    project, change = Project.init(
        directory, title, maps, curator, license_, commit=not no_commit,
        creators=[parse_creator(c) for c in creators]
        + [Creator(name, kind="organization") for name in creator_orgs],
        copyright=copyright_, source=source,
    )  # fmt: skip
    state.report(change)
    if not project.config.map.creators:
        warn(
            "the map's creators are not recorded (ATTRIBUTION.md will say so, and the audit "
            "warns): add each author with `crsmap creators add NAME --orcid ORCID`"
        )


# --- curators and creators ---------------------------------------------------------------------


@click.group(cls=Subgroup)
def curators():
    """The curator registry in crsmap.toml."""


@curators.command("add")
@click.argument("name")
@click.option("--orcid", required=True, metavar="ORCID", help="The curator's ORCID.")
@click.option(
    "--email", default="", metavar="EMAIL", help="Email; matched against git's user.email."
)
@click.option("--affiliation", default="", metavar="TEXT", help="Institution.")
@options.no_commit
@click.pass_obj
def curators_add(state, name, orcid, email, affiliation, no_commit):
    """Register a curator."""
    from curation.config import Curator

    state.report(
        state.project.add_curator(Curator(name, orcid, email, affiliation), commit=not no_commit)
    )


@curators.command("list")
@options.output_format
@click.pass_obj
def curators_list(state, fmt):
    """Registered curators."""
    _emit_records(state.project.config.curators, ("name", "orcid", "email", "affiliation"), fmt)


@click.group(cls=Subgroup)
def creators():
    """The map's own authors ([map] creators in crsmap.toml), credited in releases."""


@creators.command("add")
@click.argument("name")
@click.option("--orcid", default="", metavar="ORCID", help="The creator's ORCID.")
@click.option("--affiliation", default="", metavar="TEXT", help="Institution.")
@click.option("--organization", is_flag=True, help="The creator is an organisation, not a person.")
@options.no_commit
@click.pass_obj
def creators_add(state, name, orcid, affiliation, organization, no_commit):
    """Add an author of the map (as it should be cited: "Family, Given" or a full name)."""
    from curation.config import Creator

    creator = Creator(name, orcid, affiliation, "organization" if organization else "person")
    state.report(state.project.add_creator(creator, commit=not no_commit))


@creators.command("list")
@options.output_format
@click.pass_obj
def creators_list(state, fmt):
    """The map's creators."""
    _emit_records(state.project.config.map.creators, ("name", "orcid", "affiliation", "kind"), fmt)


def _emit_records(records, fields: tuple[str, ...], fmt: str | None) -> None:
    """crsmap.toml records (curators, creators) as rows of the given fields."""
    rows = [{name: getattr(record, name) for name in fields} for record in records]
    emit_rows(rows, fields, options.resolve_format(fmt))


# --- merging -----------------------------------------------------------------------------------


@click.command("merge-driver", cls=Command, context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, metavar="install | %O %A %B [%P]")
@click.pass_obj
def merge_driver(state, args):
    """Register (install) or run the record-level merge of the ledgers for git.

    `crsmap merge-driver install` writes the git config and .gitattributes entries; git
    then runs `crsmap merge-driver %O %A %B %P` on evidence.tsv, interactions.tsv and
    literature.jsonl. Exit 0 when the merge is clean, 1 when records conflict.
    """
    from curation.errors import InputError

    if list(args) == ["install"]:
        from curation import gitrepo
        from curation.merge import install

        project = state.project
        done = install(gitrepo.require_repo(project.root), project.root)
        state.say(f"merge driver installed: {', '.join(done)}")
        return
    if len(args) not in (3, 4):
        raise InputError(
            "expected `crsmap merge-driver install` or `crsmap merge-driver BASE OURS THEIRS [PATH]`"
        )
    from pathlib import Path  # pathlib alone costs --help several milliseconds

    from curation.merge import merge_files

    base, ours, theirs = args[:3]
    for name in (base, ours, theirs):
        if not Path(name).is_file():
            raise InputError(f"merge-driver: {name} is not a file")
    code = merge_files(Path(base), Path(ours), Path(theirs), args[3] if len(args) == 4 else None)
    click.get_current_context().exit(code)


# --- demo ------------------------------------------------------------------------------------


@click.command(cls=Command)
@click.argument("directory", required=False, metavar="[DIR]")
@click.pass_obj
def demo(state, directory):
    """Build a sample CRS Map curation repository and run the curation cycle offline."""
    from .demo import run_demo

    run_demo(directory, echo=click.echo)
