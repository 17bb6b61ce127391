"""Checking and publishing: the audit, releases and their bundles, ``verify``, the HTML report."""

from __future__ import annotations

import click

from . import options
from .options import Command
from .output import warn
from .publish import publisher, say_published, server_options

# --- audit -------------------------------------------------------------------------------------


@click.command(cls=Command)
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


# --- release, bundle, verify --------------------------------------------------------------------


@click.command(cls=Command)
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
@options.bundle_output
@click.option("--allow-warnings", is_flag=True, help="Release even when the audit has warnings.")
@click.option(
    "--allow-unfetched",
    is_flag=True,
    help="Release references without citation metadata, marked unfetched in the bundle.",
)
@options.curator
@click.option(
    "--publish",
    "service",
    type=click.Choice(["zenodo"]),
    default=None,
    help="Also deposit the bundle and get its DOI, reserved first so that the bundle "
    "carries it (token: ZENODO_TOKEN).",
)
@server_options
@click.pass_obj
def release(
    state, version, bump, dry_run, output, allow_warnings, allow_unfetched, curator, service,
    sandbox, url,
):  # fmt: skip
    """Cut a release: audit, CHANGELOG section, commit, verified bundle, tag vVERSION."""
    from curation import release as releasing

    from .audit_output import summary_line

    project = state.project
    if (sandbox or url) and not service:
        raise click.UsageError("--sandbox and --url go with --publish zenodo")
    depositor = publisher(project, sandbox, url) if service else None
    if dry_run:
        chosen = releasing.plan(project, version, bump, allow_warnings, allow_unfetched)
        click.echo(chosen.changelog)
        click.echo(summary_line(chosen.audit))
        if depositor is not None:
            import json

            metadata = chosen.deposit_metadata(project.today)
            click.echo(json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=True))
            for line in depositor.plan(chosen.version, reserve=True):
                click.echo(line)
        state.say(f"dry run: nothing written; the release would be v{chosen.version}")
        return
    if depositor is not None:
        from curation.publish import token_from_environment

        token_from_environment()  # no token: refuse before anything is checked or written
    chosen, bundle = releasing.release(
        project, version, bump, output, allow_warnings, curator, allow_unfetched,
        reserve=depositor.reserve if depositor is not None else None,
    )  # fmt: skip
    click.echo(chosen.changelog)
    for line in bundle.warnings:
        warn(line)
    state.say(f"released v{chosen.version}: {bundle.path}")
    state.say(f"sha256 {bundle.sha256}")
    if depositor is not None:
        say_published(state, depositor.publish(chosen.version, bundle.path.read_bytes()))


@click.command(cls=Command)
@click.argument("version")
@options.bundle_output
@click.pass_obj
def bundle(state, version, output):
    """Rebuild the bundle of release VERSION from its tagged commit."""
    from curation.release import build_bundle

    result = build_bundle(state.project, version, output)
    click.echo(f"{result.path}\nsha256 {result.sha256}")


@click.command(cls=Command)
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


# --- report --------------------------------------------------------------------------------------


@click.command(cls=Command)
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
    from curation.report import write_report

    path = write_report(state.project, output)
    click.echo(str(path))
