"""``crsmap``: the group, its global options, exit codes, and the commands of each module.

Each command parses its arguments, calls the library and prints. Heavy modules (lxml,
gitpython, rich) are imported inside the commands, so that ``crsmap --help`` starts fast;
the modules of the commands themselves are imported when one of their commands runs.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from . import options
from .options import Command, Subgroup
from .state import State

EXIT_INTERNAL = 70  # EX_SOFTWARE: never 1, which means "the check found problems"

# Each command of the group: the module of cli that defines it, and its name there.
# Building a command's options is most of its module's import time, so `crsmap
# interactions list` imports cli.evidence alone; help, completion and cli.docs, which
# need every command, import them all (CrsmapGroup.commands).
COMMAND_HOMES = {
    "init": ("project", "init"),
    "import": ("evidence", "import_"),
    "annotate": ("evidence", "annotate"),
    "interactions": ("evidence", "interactions"),
    "evidence": ("evidence", "evidence"),
    "curators": ("project", "curators"),
    "creators": ("project", "creators"),
    "show": ("evidence", "show"),
    "audit": ("release", "audit"),
    "release": ("release", "release"),
    "bundle": ("release", "bundle"),
    "verify": ("release", "verify"),
    "publish": ("publish", "publish"),
    "history": ("evidence", "history"),
    "report": ("release", "report"),
    "merge-driver": ("project", "merge_driver"),
    "fetch": ("citations", "fetch"),
    "export": ("citations", "export"),
    "minerva": ("minerva", "minerva"),
    "demo": ("project", "demo"),
}


class CrsmapGroup(click.Group):
    """Maps crsmap's exceptions to exit codes and one-line messages, in one place; imports
    the module of a command (:data:`COMMAND_HOMES`) when the command is asked for."""

    command_class = Command
    group_class = Subgroup

    def __init__(self, *args, **kwargs):
        self._unloaded = dict(COMMAND_HOMES)  # before click sets self.commands
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:
        """Every command by name, their modules imported (for help, completion, docs)."""
        for name in list(self._unloaded):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def _load(self, name: str) -> None:
        home = self._unloaded.pop(name, None)
        if home is not None:
            module, attribute = home
            command = getattr(importlib.import_module(f".{module}", __package__), attribute)
            self._commands[name] = command

    def get_command(self, ctx, cmd_name):
        self._load(cmd_name)  # this command's module alone
        return self._commands.get(cmd_name)

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


def main() -> None:
    """Console-script entry point: click's errors and Ctrl-C mapped to crsmap's exit codes."""
    # What is imported by now (click, the standard library: some 100,000 objects) lives as
    # long as the process: moved out of the cyclic collector's reach, its passes during
    # the command walk only what the command makes (about 3% of a quick command's time).
    gc.freeze()
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
