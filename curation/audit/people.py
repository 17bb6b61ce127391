"""The audit's rules over people: every ORCID valid and registered, curator names safe to
put in commits, every curated interaction with a responsible curator, the map's creators named.
"""

from __future__ import annotations

import operator

from ..errors import InputError
from ..identifiers import parse_orcid
from .engine import AuditData, _finding, rule

_CURATOR = operator.attrgetter("curator")


def _orcids(data: AuditData, among: set[str]):
    """(orcid, where, location, interaction) of every place the project holds one of the
    ORCIDs ``among``, in file order."""
    if not among:
        return  # the usual case: thousands of records, none to name
    for curator in data.config.curators:
        if curator.orcid in among:
            yield curator.orcid, f"crsmap.toml curator {curator.name}", ("crsmap.toml", None), None
    for creator in data.config.map.creators:
        if creator.orcid and creator.orcid in among:
            where = f"crsmap.toml [map] creator {creator.name}"
            yield creator.orcid, where, ("crsmap.toml", None), None
    for index, record in enumerate(data.evidence):
        if record.curator in among:
            yield (
                record.curator,
                f"evidence of {record.interaction}",
                data.evidence_at(index),
                record.interaction,
            )
    for index, row in enumerate(data.rows):
        if row.curator and row.curator in among:
            location = ("interactions.tsv", data.row_lines.get(index))
            yield row.curator, f"curator of {row.interaction}", location, row.interaction


def _distinct_orcids(data: AuditData) -> set[str]:
    """Every ORCID the project holds, once each (a ledger repeats a handful thousands of times)."""
    orcids = {c.orcid for c in data.config.curators}
    orcids.update(c.orcid for c in data.config.map.creators if c.orcid)
    orcids.update(map(_CURATOR, data.evidence))
    orcids.update(filter(None, map(_CURATOR, data.rows)))
    return orcids


def _orcid_problem(orcid: str, checked: dict[str, str | None]) -> str | None:
    """Why an ORCID is invalid, or None; each distinct ORCID is checked once."""
    if orcid not in checked:
        try:
            parse_orcid(orcid)
            checked[orcid] = None
        except InputError as exc:
            checked[orcid] = str(exc)
    return checked[orcid]


@rule(
    "invalid-orcid",
    "error",
    "an ORCID with a bad checksum or format",
    "correct the ORCID in the file named",
)
def _invalid_orcid(data: AuditData):
    checked: dict[str, str | None] = {}
    invalid = {orcid for orcid in _distinct_orcids(data) if _orcid_problem(orcid, checked)}
    for orcid, where, location, interaction in _orcids(data, invalid):
        problem = checked[orcid]
        file, line = location
        place = f"{file}:{line}" if line else file
        yield _finding(
            "invalid-orcid",
            interaction,
            None,
            f"{where}: {problem}",
            f"correct the ORCID in {place}",
            location,
        )


@rule(
    "invalid-curator", "error",
    "a curator name or email in crsmap.toml that could forge an identity in commits "
    "(not one line of printable text, or holding <, > or a git trailer)",
    "correct the curator's name or email in crsmap.toml",
)  # fmt: skip
def _invalid_curator(data: AuditData):
    # crsmap reads such a curator with the field blank and commits as the bare ORCID, so
    # nothing stops; the name must be fixed before a release can credit the curator.
    for problem in data.config.curator_problems:
        field_name = problem.key.rpartition(" ")[2]
        yield _finding(
            "invalid-curator", None, None, str(problem),
            f"correct the {field_name} of {problem.key.rpartition(' ')[0]} in crsmap.toml "
            f"(ORCID {problem.orcid or 'missing'})", ("crsmap.toml", None),
        )  # fmt: skip


@rule(
    "unknown-curator",
    "warning",
    "an ORCID not listed in crsmap.toml",
    "crsmap curators add NAME --orcid ORCID",
)
def _unknown_curator(data: AuditData):
    # The map's creators are not curators; their ORCIDs are only checked for validity.
    known = {c.orcid for c in data.config.curators} | {c.orcid for c in data.config.map.creators}
    checked: dict[str, str | None] = {}
    # Not registered, and valid (invalid-orcid reports the invalid ones).
    unknown = {o for o in _distinct_orcids(data) - known if not _orcid_problem(o, checked)}
    reported: set[str] = set()
    for orcid, where, location, interaction in _orcids(data, unknown):
        if orcid in reported:
            continue
        reported.add(orcid)
        yield _finding(
            "unknown-curator", interaction, None, f"{orcid} ({where}) is not a curator in crsmap.toml",
            f"crsmap curators add NAME --orcid {orcid}", location,
        )  # fmt: skip


@rule("missing-curator", "warning", "an interaction with evidence but no responsible curator",
      "crsmap interactions set ID --curator ORCID")  # fmt: skip
def _missing_curator(data: AuditData):
    # Anything to find at all? One pass at C speed: every interaction with evidence has a
    # row that names a curator.
    curators = dict(zip(data.curated, map(_CURATOR, data.curated.values()), strict=True))
    if all(map(curators.get, data.evidence_by_interaction)):
        return
    for interaction in data.interactions.values():
        row = data.curated.get(interaction.id)
        if interaction.id in data.evidence_by_interaction and (row is None or not row.curator):
            yield _finding(
                "missing-curator", interaction.id, None, f"{interaction.id} has evidence but no responsible curator",
                f"crsmap interactions set {interaction.id} --curator ORCID", data.map_location(interaction.id),
            )  # fmt: skip


@rule(
    "missing-map-creators", "warning",
    "crsmap.toml names no [map] creators, so a release cannot credit the map's authors",
    "crsmap creators add NAME [--orcid ORCID]",
)  # fmt: skip
def _missing_creators(data: AuditData):
    if not data.config.map.creators:
        yield _finding(
            "missing-map-creators", None, None,
            "crsmap.toml records no [map] creators: releases would credit nobody for the map "
            "itself (its curators are contributors, not its authors)",
            'crsmap creators add "NAME" --orcid ORCID (for each author of the map)', ("crsmap.toml", None),
        )  # fmt: skip
