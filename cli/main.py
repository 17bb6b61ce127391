"""``crsmap``: the group, its global options, exit codes, and the commands of each module.

Each command parses its arguments, calls the library and prints. Heavy modules (lxml,
gitpython, rich) are imported inside the commands, so that ``crsmap --help`` starts fast.
"""

from __future__ import annotations

import os
import sys

import click

from . import options
from .citations import export, fetch
from .evidence import annotate, evidence, history, import_, interactions, show
from .minerva import minerva
from .options import Command, Subgroup
from .project import creators, curators, demo, init, merge_driver
from .publish import publish
from .release import audit, bundle, release, report, verify
from .state import State

EXIT_INTERNAL = 70  # EX_SOFTWARE: never 1, which means "the check found problems"


class CrsmapGroup(click.Group):
    """Maps crsmap's exceptions to exit codes and one-line messages, in one place."""

    command_class = Command
    group_class = Subgroup

    def invoke(self, ctx):
        from curation.errors import CrsmapError

        try:
            return super().invoke(ctx)
        except CrsmapError as exc:
            click.echo(f"crsmap: error: {exc}", err=True)
            for line in exc.details:
                click.echo(f"  {line}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("crsmap: interrupted", err=True)
            ctx.exit(130)
        except OSError as exc:
            # Disk full, permissions, a vanished folder: outside failures, progress kept.
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            click.echo(f"crsmap: error:{where} {exc.strerror or exc}", err=True)
            ctx.exit(3)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line unless debugging
            if os.environ.get("CRSMAP_DEBUG"):
                raise
            click.echo(
                f"crsmap: internal error: {type(exc).__name__}: {exc} "
                "(set CRSMAP_DEBUG=1 for a traceback and please report it)",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=CrsmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    default=".",
    metavar="DIR",
    envvar="CRSMAP_PROJECT",
    help="The curation repository (default: the current folder or its nearest parent with crsmap.toml).",
)
@options.quiet
@click.version_option(package_name="crsmap", prog_name="crsmap")
@click.pass_context
def cli(ctx, project_dir):
    """Curation and provenance manager for CellDesigner disease maps.

    Track the PubMed evidence, curator, license and version of every interaction of a
    map; audit missing references; cut versioned releases.
    """
    ctx.obj = State(project_dir, options.is_quiet(ctx))


for _command in (
    init, import_, annotate, interactions, evidence, curators, creators, show, audit, release,
    bundle, verify, publish, history, report, merge_driver, fetch, export, minerva, demo,
):  # fmt: skip
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point: click's errors and Ctrl-C mapped to crsmap's exit codes."""
    try:
        code = cli.main(prog_name="crsmap", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:  # usage errors: exit 2
        exc.show()
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("crsmap: interrupted", err=True)
        code = 130
    sys.exit(code or 0)
