"""``.zenodo.json``: the deposit metadata of a release, in Zenodo's legacy deposit format.

Built from crsmap.toml and the release alone, so the bundle stays byte-for-byte
reproducible. It carries DataCite's mandatory properties as far as a deposit can:
creators, title, publication year (``publication_date``) and resource type
(``upload_type``); the identifier once a DOI is known (``doi``). The publisher is not a
deposit field: the repository (Zenodo) is the publisher and sets it itself.

Credit follows ATTRIBUTION.md: the map's creators are the creators; the curators are
contributors (``DataCurator``). As in CITATION.cff, a deposit needs a creator, so when the
map's creators are not recorded the curators are listed and the notes say why.

Funding in crsmap.toml is free text; Zenodo's ``grants`` takes only grant ids. An entry
already written as a funder-DOI grant id (``10.13039/501100000780::853988``) becomes a
grant; any other goes to the notes, since guessing an id could credit the wrong grant.
"""

from __future__ import annotations

import json
import re
from html import escape

from .attribution import split_name
from .changes import ReleaseChange, counts
from .errors import InputError
from .identifiers import DOI_PATTERN, parse_orcid
from .snapshot import Snapshot

ZENODO_FILE = ".zenodo.json"
# Zenodo's grant ids: the funder's Crossref Funder Registry DOI, "::", the grant's own id.
GRANT_ID = re.compile(r"10\.13039/\d+::\S+")
_DOI_LEADS = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


def zenodo_license(spdx: str) -> str:
    """Zenodo's license id for an SPDX id (its ids are SPDX's, lower-cased); "" for LicenseRef-."""
    return "" if spdx.lower().startswith("licenseref-") else spdx.lower()


def _orcid(text: str) -> str:
    """The bare ORCID when valid; Zenodo refuses a deposit with an invalid one (the audit names it)."""
    try:
        return parse_orcid(text) if text else ""
    except InputError:
        return ""


def _person(name: str, orcid: str, affiliation: str, kind: str = "person") -> dict:
    """A Zenodo creator or contributor: persons as "Family, Given", organisations as written."""
    if kind == "person":
        given, family = split_name(name)
        name = f"{family}, {given}" if given else family
    entry = {"name": name}
    if _orcid(orcid):
        entry["orcid"] = _orcid(orcid)
    if affiliation:
        entry["affiliation"] = affiliation
    return entry


def _identifier(text: str) -> dict | None:
    """A related identifier with its scheme: a DOI (bare) or an http(s) URL; None otherwise."""
    raw = text.strip()
    for lead in (*_DOI_LEADS, "doi:"):
        if raw.lower().startswith(lead):
            raw = raw[len(lead) :]
            break
    if DOI_PATTERN.fullmatch(raw):
        return {"identifier": raw, "scheme": "doi"}
    if raw.lower().startswith(("https://", "http://")):
        return {"identifier": raw, "scheme": "url"}
    return None


def _summary(snapshot: Snapshot, version: str, date: str, changes: list[ReleaseChange]) -> str:
    """One paragraph: what the release holds and what changed since the previous one."""
    c = counts(changes)
    text = (
        f"Version {version}, released {date}: {len(snapshot.interactions)} interaction(s) with "
        f"{len(snapshot.evidence)} literature evidence record(s). Since the previous release: "
        f"{c['interaction-added']} interaction(s) added, {c['interaction-removed']} removed and "
        f"{c['interaction-changed']} changed; {c['evidence-added']} evidence record(s) added and "
        f"{c['evidence-removed']} removed; {c['reference-added']} new reference(s)."
    )
    return (
        text + " Every change is listed in changes.tsv and CHANGELOG.md; credits in ATTRIBUTION.md."
    )


def zenodo_metadata(
    snapshot: Snapshot,
    version: str,
    date: str,
    changes: list[ReleaseChange] | None = None,
    doi: str = "",
    previous_doi: str = "",
    minerva_url: str = "",
) -> dict:
    """The deposit metadata of a release (``date`` is the tag's, ISO 8601).

    ``doi`` is this release's DOI once reserved, ``previous_doi`` the previous version's;
    ``minerva_url`` a MINERVA project showing this map when it is not already the homepage.
    """
    settings = snapshot.config.map
    notes = []
    if settings.creators:
        creators = [_person(c.name, c.orcid, c.affiliation, c.kind) for c in settings.creators]
    else:
        creators = [
            _person(c.name, c.orcid, c.affiliation) for c in snapshot.config.curators if c.name
        ]
        notes.append(
            "The map's creators are not recorded in crsmap.toml ([map] creators). A deposit needs a "
            "creator, so the curators are listed; they are not the map's authors."
        )
        if not creators:
            creators = [{"name": f"The creators of {settings.title} (not recorded)"}]
    description = "".join(
        f"<p>{escape(part, quote=False)}</p>"
        for part in (
            settings.description.strip()
            or f"{settings.title}: a disease map with literature evidence.",
            _summary(snapshot, version, date, changes or []),
        )
    )
    metadata = {
        "upload_type": "dataset",
        "access_right": "open",
        "title": settings.title,
        "version": version,
        "publication_date": date,
        "description": description,
        "creators": creators,
    }
    license_id = zenodo_license(settings.license)
    if license_id:
        metadata["license"] = license_id
    else:
        # Open access needs a license, and Zenodo would default to CC0: never for a custom one.
        metadata["access_right"] = "closed"
        notes.append(
            f"The map is under a license Zenodo does not list ({settings.license}); see LICENSE."
        )
    contributors = [
        {**_person(c.name, c.orcid, c.affiliation), "type": "DataCurator"}
        for c in snapshot.config.curators
        if c.name
    ]
    if contributors:
        metadata["contributors"] = contributors
    if settings.keywords:
        metadata["keywords"] = list(settings.keywords)
    related, seen = [], set()
    for text, relation in (
        (settings.source, "isDerivedFrom"),
        (settings.homepage, "isSupplementTo"),
        (minerva_url, "isVariantFormOf"),
        (previous_doi, "isNewVersionOf"),
    ):
        entry = _identifier(text) if text else None
        if entry and entry["identifier"] not in seen:
            seen.add(entry["identifier"])
            related.append({**entry, "relation": relation})
    if related:
        metadata["related_identifiers"] = related
    grants = [f for f in settings.funding if GRANT_ID.fullmatch(f.strip())]
    if grants:
        metadata["grants"] = [{"id": g.strip()} for g in grants]
    funding = [f for f in settings.funding if f not in grants]
    if funding:
        notes.append("Funding: " + "; ".join(f.strip().rstrip(".") for f in funding) + ".")
    if notes:
        metadata["notes"] = "".join(f"<p>{escape(n, quote=False)}</p>" for n in notes)
    if doi:
        metadata["doi"] = _identifier(doi)["identifier"] if _identifier(doi) else doi
    return metadata


def zenodo_json(metadata: dict) -> str:
    """``.zenodo.json``: :func:`zenodo_metadata` as sorted, indented JSON (stable bytes)."""
    return json.dumps(metadata, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
