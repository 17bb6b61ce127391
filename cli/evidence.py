"""Evidence and provenance of the map's interactions: recorded, written into the map, shown."""

from __future__ import annotations

import click

from . import options
from .options import Command, Subgroup
from .output import card_text, emit_rows, flat, to_json, warn

# --- import, annotate ----------------------------------------------------------------------


@click.command("import", cls=Command)
@options.curator
@options.no_commit
@click.pass_obj
def import_(state, curator, no_commit):
    """Record every reference already annotated in the map (source=map); idempotent."""
    state.report(state.project.import_map_references(curator, commit=not no_commit))


@click.command(cls=Command)
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


@click.group(cls=Subgroup)
def interactions():
    """List interactions and record their curation provenance."""


LIST_COLUMNS = ("id", "type", "signature", "evidence", "curator", "license", "status")


@interactions.command("list")
@click.option("--missing-evidence", is_flag=True, help="Only interactions with no evidence record.")
@options.output_format
@click.pass_obj
def interactions_list(state, missing_evidence, fmt):
    """Interactions with type, signature, evidence count, curator, license and status."""
    from curation.views import interaction_summaries

    rows = state.ledger_view(interaction_summaries, missing_evidence)
    fmt = options.resolve_format(fmt)
    if fmt == "json":
        click.echo(to_json(rows))
        return
    for row in rows:  # rows made for this listing: add the count it shows in place
        row["evidence"] = len(row["references"])
    emit_rows(rows, LIST_COLUMNS, fmt)
    if fmt == "table":
        total = len(state.project.interactions)
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


@click.group(cls=Subgroup)
def evidence():
    """Add, remove and list evidence records."""


@evidence.command("add")
@options.interaction_id
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
    from curation.views import EVIDENCE_KEYS, evidence_rows

    rows = state.ledger_view(evidence_rows, interaction_id)
    emit_rows(rows, (*EVIDENCE_KEYS, "citation"), options.resolve_format(fmt))


# --- show, history ---------------------------------------------------------------------------


@click.command(cls=Command)
@options.interaction_id
@options.output_format
@click.pass_obj
def show(state, interaction_id, fmt):
    """One interaction's card: signature, participants, evidence, curator, license."""
    from curation.views import interaction_card

    card = state.ledger_view(interaction_card, interaction_id)
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


@click.command(cls=Command)
@options.interaction_id
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
