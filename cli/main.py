"""``crsmap`` commands. Each parses its arguments, calls the library and prints.

Heavy modules (lxml, gitpython, rich) are imported inside the commands, so that
``crsmap --help`` starts fast.
"""

from __future__ import annotations

import os
import sys

import click

from . import options
from .output import card_text, emit_rows, flat, info, to_json, warn

EXIT_INTERNAL = 70  # EX_SOFTWARE: never 1, which means "the check found problems"


class Command(click.Command):
    """A crsmap command: it also takes ``-q/--quiet``, wherever it stands on the line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(options.quiet_anywhere())


class Subgroup(click.Group):
    """A group of commands (``crsmap evidence ...``); it and its commands take ``-q`` too."""

    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(options.quiet_anywhere())


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


class State:
    """What the global options chose, and the project opened on first use."""

    def __init__(self, project_dir: str, quiet: bool):
        self.project_dir = project_dir
        self.quiet = quiet
        self._project = None

    @property
    def project(self):
        if self._project is None:
            from curation.project import Project

            self._project = Project.open(self.project_dir)
        return self._project

    def say(self, message: str) -> None:
        info(message, self.quiet)

    def report(self, change) -> None:
        line = change.summary
        if change.commit:
            line += f" (commit {change.commit[:10]})"
        elif change.written:
            line += " (not committed)"
        self.say(line)


pass_state = click.make_pass_decorator(State)


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


def _warn_ledger_problems(problems) -> None:
    for problem in problems[:5]:
        warn(f"{problem} (line skipped)")
    if len(problems) > 5:
        warn(f"{len(problems) - 5} more malformed ledger lines; run `crsmap audit`")


# --- init, import, annotate ---------------------------------------------------------------


@cli.command()
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


@cli.command("import")
@options.curator
@options.no_commit
@click.pass_obj
def import_(state, curator, no_commit):
    """Record every reference already annotated in the map (source=map); idempotent."""
    state.report(state.project.import_map_references(curator, commit=not no_commit))


@cli.command()
@options.curator
@options.no_commit
@click.pass_obj
def annotate(state, curator, no_commit):
    """Write every ledger reference into the map as bqbiol:isDescribedBy MIRIAM URNs."""
    change = state.project.annotate(curator, commit=not no_commit)
    state.report(change)
    if change.skipped:
        warn(
            f"evidence for interactions not in the map was not written: {', '.join(change.skipped)}"
        )


# --- interactions --------------------------------------------------------------------------


@cli.group()
def interactions():
    """List interactions and record their curation provenance."""


LIST_COLUMNS = ("id", "type", "signature", "evidence", "curator", "license", "status")


@interactions.command("list")
@click.option("--missing-evidence", is_flag=True, help="Only interactions with no evidence record.")
@options.output_format
@click.pass_obj
def interactions_list(state, missing_evidence, fmt):
    """Interactions with type, signature, evidence count, curator, license and status."""
    from curation.views import Ledgers, interaction_summaries

    project = state.project
    ledgers = Ledgers.read(project)
    rows = interaction_summaries(project, missing_evidence, ledgers)
    _warn_ledger_problems(ledgers.problems)
    fmt = options.resolve_format(fmt)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    shown = [dict(row, evidence=len(row["references"])) for row in rows]
    emit_rows(shown, LIST_COLUMNS, fmt)
    if fmt == "table":
        total = len(project.interactions)
        state.say(
            f"{len(rows)} of {total} interactions"
            + (" without evidence" if missing_evidence else "")
        )


@interactions.command("set")
@click.argument(
    "ids", nargs=-1, required=True, metavar="ID...", shell_complete=options.complete_interaction
)
@click.option(
    "--curator",
    default=None,
    metavar="ORCID",
    shell_complete=options.complete_curator,
    help="Responsible curator of the interactions.",
)
@click.option(
    "--license",
    "license_",
    default=None,
    metavar="SPDX",
    callback=options.check_license,
    shell_complete=options.complete_license,
    help="License of the interactions (an SPDX id, or LicenseRef-NAME).",
)
@click.option(
    "--derived-from",
    default=None,
    metavar="URL|CURIE",
    help="Resource the interaction was adapted from, e.g. reactome:R-HSA-6785807 ('' to clear).",
)
@click.option(
    "--status",
    type=click.Choice(["draft", "reviewed"]),
    default=None,
    help="Curation status; 'reviewed' also records the current signature.",
)
@options.no_commit
@click.pass_obj
def interactions_set(state, ids, curator, license_, derived_from, status, no_commit):
    """Record curation provenance for one or more interactions."""
    change = state.project.set_interactions(
        ids,
        curator=curator,
        license=license_,
        derived_from=derived_from,
        status=status,
        commit=not no_commit,
    )
    state.report(change)


# --- evidence --------------------------------------------------------------------------------


@cli.group()
def evidence():
    """Add, remove and list evidence records."""


@evidence.command("add")
@click.argument("interaction_id", metavar="ID", shell_complete=options.complete_interaction)
@click.argument(
    "references",
    nargs=-1,
    required=True,
    metavar="REF...",
    callback=options.split_reference_lists,
)
@click.option(
    "--eco", default=None, metavar="ECO", help="Evidence code (default: [evidence] default_eco)."
)
@options.curator
@click.option(
    "--note", default="", metavar="TEXT", help="One line of free text kept with the record."
)
@options.no_commit
@click.pass_obj
def evidence_add(state, interaction_id, references, eco, curator, note, no_commit):
    """Record that REF (PubMed ID, DOI or PMC ID) supports interaction ID, and commit it."""
    change = state.project.add_evidence(
        interaction_id, references, eco, curator, note, commit=not no_commit
    )
    state.report(change)
    if change.skipped and change.written:
        state.say(f"already recorded, skipped: {', '.join(change.skipped)}")


@evidence.command("remove")
@click.argument("targets", nargs=-1, metavar="[ID REF]", shell_complete=options.complete_removal)
@click.option(
    "--everywhere",
    default=None,
    metavar="REF",
    shell_complete=options.complete_recorded_reference,
    help="Remove REF from every interaction that cites it (ledger or map), in one commit.",
)
@click.option("--reason", default="", metavar="TEXT", help="Why; goes into the commit message.")
@click.option(
    "--from-notes",
    is_flag=True,
    help="Also cut the reference out of the reactions' notes (CellDesigner text).",
)
@click.option(
    "--keep-in-map", is_flag=True, help="Leave the reference's MIRIAM annotation in the map."
)
@options.curator
@options.no_commit
@click.pass_obj
def evidence_remove(
    state, targets, everywhere, reason, from_notes, keep_in_map, curator, no_commit
):
    """Remove the evidence record of REF for interaction ID (and its annotation in the map).

    The removal is recorded in rejected.tsv, so `crsmap import` never brings it back.
    """
    from curation.errors import InputError

    if everywhere is not None and targets:
        raise InputError(
            f"got ID REF ({' '.join(targets)}) and --everywhere {everywhere}: expected one of them"
        )
    if everywhere is None and len(targets) != 2:
        given = f"got {' '.join(targets)!r}" if targets else "got nothing"
        raise InputError(f"expected ID REF, or --everywhere REF; {given}")
    project = state.project
    options_ = {"reason": reason, "curator": curator, "commit": not no_commit,
                "keep_in_map": keep_in_map, "from_notes": from_notes}  # fmt: skip
    if everywhere is not None:
        change = project.remove_everywhere(everywhere, **options_)
    else:
        change = project.remove_evidence(targets[0], targets[1], **options_)
    state.report(change)


@evidence.command("list")
@click.argument(
    "interaction_id", required=False, metavar="[ID]", shell_complete=options.complete_interaction
)
@options.output_format
@click.pass_obj
def evidence_list(state, interaction_id, fmt):
    """Evidence records, of every interaction or of one."""
    from curation.views import EVIDENCE_KEYS, Ledgers, evidence_rows

    project = state.project
    ledgers = Ledgers.read(project)
    rows = evidence_rows(project, interaction_id, ledgers)
    _warn_ledger_problems(ledgers.problems)
    emit_rows(rows, (*EVIDENCE_KEYS, "citation"), options.resolve_format(fmt))


# --- curators --------------------------------------------------------------------------------


@cli.group()
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
    rows = [
        {"name": c.name, "orcid": c.orcid, "email": c.email, "affiliation": c.affiliation}
        for c in state.project.config.curators
    ]
    emit_rows(rows, ("name", "orcid", "email", "affiliation"), options.resolve_format(fmt))


@cli.group()
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
    rows = [
        {"name": c.name, "orcid": c.orcid, "affiliation": c.affiliation, "kind": c.kind}
        for c in state.project.config.map.creators
    ]
    emit_rows(rows, ("name", "orcid", "affiliation", "kind"), options.resolve_format(fmt))


# --- show ------------------------------------------------------------------------------------


@cli.command()
@click.argument("interaction_id", metavar="ID", shell_complete=options.complete_interaction)
@options.output_format
@click.pass_obj
def show(state, interaction_id, fmt):
    """One interaction's card: signature, participants, evidence, curator, license."""
    from curation.views import Ledgers, interaction_card

    project = state.project
    ledgers = Ledgers.read(project)
    card = interaction_card(project, interaction_id, ledgers)
    _warn_ledger_problems(ledgers.problems)
    fmt = options.resolve_format(fmt)
    if fmt == "json":
        click.echo(to_json(card))
    elif fmt == "tsv":
        for key, value in card.items():
            if key not in ("participants", "evidence"):
                click.echo(f"{key}\t{flat(value)}")
        for p in card["participants"]:
            click.echo(
                f"{p['role']}\t{p['name']}"
                + (f"\t{p['modification']}" if p["modification"] else "")
            )
        for e in card["evidence"]:
            click.echo("evidence\t" + "\t".join(flat(v) for v in e.values()))
    else:
        click.echo(card_text(card))


# --- audit -------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "tsv", "github"]),
    default="text",
    show_default=True,
    help="Report format; github prints GitHub Actions annotations.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default=None,
    help="Exit 1 when a finding is this severe (default: [audit] fail_on, else error).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="CODE",
    shell_complete=options.complete_rule,
    help="Run only this rule (repeat for several).",
)
@click.pass_obj
def audit(state, fmt, fail_on, rules):
    """Check the map, the ledgers and the citations; exit 1 when something fails."""
    from curation import audit as auditing

    from . import audit_output

    project = state.project
    report = auditing.run(project, fail_on, rules)
    if fmt == "json":
        click.echo(audit_output.as_json(report))
    elif fmt == "tsv":
        click.echo(audit_output.as_tsv(report))
    elif fmt == "github":
        click.echo(audit_output.as_github(report))
    else:
        signatures = {i.id: i.signature for i in project.interactions.values()}
        click.echo(audit_output.as_text(report, signatures))
    if report.failed:
        click.get_current_context().exit(1)


# --- release and provenance --------------------------------------------------------------------


@cli.command()
@click.argument("version", required=False, metavar="[VERSION]")
@click.option(
    "--bump",
    type=click.Choice(["major", "minor", "patch"]),
    default=None,
    help="Derive the version from the last release tag.",
)
@click.option(
    "--dry-run", is_flag=True, help="Show the CHANGELOG section and the audit; write nothing."
)
@click.option(
    "--output", default=None, metavar="DIR", help="Where the bundle goes (default: dist/)."
)
@click.option("--allow-warnings", is_flag=True, help="Release even when the audit has warnings.")
@click.option(
    "--allow-unfetched",
    is_flag=True,
    help="Release references without citation metadata, marked unfetched in the bundle.",
)
@options.curator
@click.pass_obj
def release(state, version, bump, dry_run, output, allow_warnings, allow_unfetched, curator):
    """Cut a release: audit, CHANGELOG section, commit, verified bundle, tag vVERSION."""
    from curation import release as releasing

    from .audit_output import summary_line

    project = state.project
    if dry_run:
        chosen = releasing.plan(project, version, bump, allow_warnings, allow_unfetched)
        click.echo(chosen.changelog)
        click.echo(summary_line(chosen.audit))
        state.say(f"dry run: nothing written; the release would be v{chosen.version}")
        return
    chosen, bundle = releasing.release(
        project, version, bump, output, allow_warnings, curator, allow_unfetched
    )
    click.echo(chosen.changelog)
    for line in bundle.warnings:
        warn(line)
    state.say(f"released v{chosen.version}: {bundle.path}")
    state.say(f"sha256 {bundle.sha256}")


@cli.command()
@click.argument("version")
@click.option(
    "--output", default=None, metavar="DIR", help="Where the bundle goes (default: dist/)."
)
@click.pass_obj
def bundle(state, version, output):
    """Rebuild the bundle of release VERSION from its tagged commit."""
    from curation.release import build_bundle

    result = build_bundle(state.project, version, output)
    click.echo(f"{result.path}\nsha256 {result.sha256}")


@cli.command()
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(dir_okay=False))
@click.pass_obj
def verify(state, bundle_path):
    """Check a bundle's manifest, required files and internal consistency."""
    from curation.verify import inspect

    checked = inspect(bundle_path)
    problems = checked.problems
    for problem in problems:
        click.echo(f"FAIL {problem}")
    for warning in checked.warnings:
        click.echo(f"WARN {warning}")
    if problems:
        click.echo(f"verify: {len(problems)} problem(s) in {bundle_path}")
        click.get_current_context().exit(1)
    click.echo(f"verify: {bundle_path} is intact and consistent")


@cli.command()
@click.argument("interaction_id", metavar="ID", shell_complete=options.complete_interaction)
@options.output_format
@click.pass_obj
def history(state, interaction_id, fmt):
    """Who changed this interaction's evidence and provenance, when, and in which release."""
    from curation.views import interaction_history

    rows = interaction_history(state.project, interaction_id)
    fmt = options.resolve_format(fmt)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    if fmt == "tsv":
        emit_rows(rows, ("date", "commit", "release", "author", "changes"), "tsv")
        return
    for row in rows:
        release_text = f"release {row['release']}" if row["release"] else "not released yet"
        click.echo(f"{row['date']}  {row['commit'][:10]}  {row['author']}  ({release_text})")
        click.echo(f"    {row['subject']}")
        for change in row["changes"]:
            click.echo(f"    - {change}")
    if not rows:
        click.echo(f"no recorded change to {interaction_id}'s evidence or provenance")


# --- report --------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="Where to write (default: dist/report.html).",
)
@click.pass_obj
def report(state, output):
    """Write one self-contained HTML page: the map coloured by evidence status, coverage, audit, curators."""
    from curation.report_data import write_report

    path = write_report(state.project, output)
    click.echo(str(path))


# --- merging -----------------------------------------------------------------------------------


@cli.command("merge-driver", context_settings={"ignore_unknown_options": True})
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


# --- literature ------------------------------------------------------------------------------


@cli.command()
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


@cli.command()
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


# --- demo ------------------------------------------------------------------------------------


@cli.command()
@click.argument("directory", required=False, metavar="[DIR]")
@click.pass_obj
def demo(state, directory):
    """Build a sample CRS Map curation repository and run the curation cycle offline."""
    from .demo import run_demo

    run_demo(directory, echo=click.echo)


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
