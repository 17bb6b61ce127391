"""Options shared by several commands, defined once, with their checks and shell completion,
and the command classes that give every command ``-q``."""

from __future__ import annotations

import functools
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

bundle_output = click.option(
    "--output", default=None, metavar="DIR", help="Where the bundle goes (default: dist/)."
)


# --- -q/--quiet anywhere on the line -------------------------------------------------------------
# Click parses a group's options only before the command name, so every command and
# sub-group takes -q too. All of them set one flag in ctx.meta, which the whole chain of
# contexts shares; the group's callback starts the State from it.

QUIET = "crsmap.quiet"


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[QUIET] = True
        state = ctx.find_root().obj  # made by the group before any command parses
        if state is not None:
            state.quiet = True


_QUIET_ARGS = {
    "is_flag": True,
    "expose_value": False,
    "callback": _set_quiet,
    "help": "Print only results and errors (also after the command name).",
}


def quiet(fn):
    """``-q/--quiet`` of the ``crsmap`` group itself, shown in ``crsmap --help``."""
    return click.option("--quiet", "-q", **_QUIET_ARGS)(fn)


def quiet_anywhere() -> click.Option:
    """The same ``-q/--quiet`` for one command or sub-group.

    Hidden from each command's help and from the README's command table: the group's
    help lists it once.
    """
    return click.Option(["--quiet", "-q"], hidden=True, **_QUIET_ARGS)


def is_quiet(ctx: click.Context) -> bool:
    """Whether ``-q`` was given so far on the command line."""
    return bool(ctx.meta.get(QUIET))


class Command(click.Command):
    """A crsmap command: it also takes ``-q/--quiet``, wherever it stands on the line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(quiet_anywhere())


class Subgroup(click.Group):
    """A group of commands (``crsmap evidence ...``); it and its commands take ``-q`` too."""

    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(quiet_anywhere())


# --- checks that run while the command line is parsed ---------------------------------------------


def check_license(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--license``: an SPDX id of the shipped list (canonical spelling) or LicenseRef-...."""
    if value is None or ctx.resilient_parsing:  # resilient: shell completion, never refuse
        return value
    from curation.identifiers import parse_license

    return parse_license(value)


def split_reference_lists(ctx: click.Context, param: click.Parameter, value):
    """``REF...``: a list as map notes write it (``PMIDs: 29808005, 30442748``) is several REFs."""
    if not value or ctx.resilient_parsing:
        return value
    from curation.identifiers import split_references

    return tuple(ref for text in value for ref in split_references(text))


# --- shell completion ----------------------------------------------------------------------------
# Each completer runs inside the user's shell on every TAB: it must be quick, print nothing
# and never fail, so any problem (no project, a broken crsmap.toml) completes nothing.


def _completer(fn):
    """Run a completer with its output and warnings swallowed and any error completing nothing."""

    @functools.wraps(fn)
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        import contextlib
        import io
        import warnings

        sink = io.StringIO()
        try:
            with (
                contextlib.redirect_stdout(sink),
                contextlib.redirect_stderr(sink),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore")
                return fn(ctx, param, incomplete)
        except Exception:
            return []

    return complete


def _project(ctx: click.Context):
    from curation.project import Project

    return Project.open(ctx.find_root().params.get("project_dir") or ".")


def _items(pairs, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(value, help=(hint[:70] + "…") if len(hint) > 71 else hint)
        for value, hint in pairs
        if value.startswith(incomplete)
    ]


def _recorded(ctx: click.Context, interaction_id: str | None, incomplete: str) -> list:
    project = _project(ctx)
    if interaction_id is None:
        records = project.evidence().records
    else:
        records = project.evidence_of(interaction_id)
    return _items(sorted({(r.reference, "") for r in records}), incomplete)


@_completer
def complete_interaction(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Interaction IDs of the project's map(s), with their signatures as help."""
    from curation.ledger import natural_key

    interactions = _project(ctx).interactions
    pairs = [(i, interactions[i].signature) for i in sorted(interactions, key=natural_key)]
    return _items(pairs, incomplete)


@_completer
def complete_removal(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """``evidence remove ID REF``: interaction IDs, then the references recorded for that ID."""
    given = ctx.params.get(param.name) or ()
    if isinstance(given, str):  # a single ID argument
        given = (given,)
    if not given:
        return complete_interaction(ctx, param, incomplete)
    return _recorded(ctx, given[0], incomplete) if len(given) == 1 else []


@_completer
def complete_recorded_reference(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list:
    """Every reference the evidence ledger holds (``evidence remove --everywhere``)."""
    return _recorded(ctx, None, incomplete)


@_completer
def complete_curator(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """ORCIDs of the curators in crsmap.toml, with their names as help."""
    return _items([(c.orcid, c.name) for c in _project(ctx).config.curators], incomplete)


@_completer
def complete_rule(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Audit rule codes, with what each finds as help."""
    from curation.audit import RULES

    return _items([(r.code, r.description) for r in RULES.values()], incomplete)


@_completer
def complete_license(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """SPDX license ids of the shipped list (case-blind prefix match)."""
    from click.shell_completion import CompletionItem

    from curation.identifiers import spdx_license_ids

    folded = incomplete.casefold()
    return [CompletionItem(i) for i in spdx_license_ids() if i.casefold().startswith(folded)]


# --- options and arguments that complete ----------------------------------------------------------

interaction_id = click.argument("interaction_id", metavar="ID", shell_complete=complete_interaction)

curator = click.option(
    "--curator",
    metavar="ORCID",
    default=None,
    shell_complete=complete_curator,
    help="Acting curator (default: CRSMAP_CURATOR, else the curator whose email is git's user.email, "
    "else the only curator).",
)
