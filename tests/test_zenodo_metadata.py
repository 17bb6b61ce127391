"""``.zenodo.json`` in every bundle, checked against Zenodo's legacy deposit metadata rules.

The rules, as Zenodo documents and enforces them:

* developers.zenodo.org, "Deposit metadata" (zenodo/developers.zenodo.org,
  source/includes/resources/deposit/_representation.md): required fields, the
  controlled vocabularies of ``upload_type``, ``access_right``, contributor ``type`` and
  related-identifier ``relation``, names as "Family name, Given names", ``grants`` ids
  prefixed with the funder's DOI, the HTML tags ``description`` and ``notes`` may hold;
* Zenodo's loader (zenodo/zenodo, zenodo/modules/records/serializers/schemas/common.py
  and legacyjson.py): unknown keys refused, ``title`` and ``description`` at least three
  characters, at least one creator, a name for every person, a valid ORCID, a
  contributor ``type``, a detectable identifier for every related identifier;
* the deposit JSON Schema (zenodo/modules/deposit/jsonschemas/deposits/records/
  legacyrecord.json): the keys a creator, contributor and grant may have, the
  identifier schemes;
* Zenodo's license ids are SPDX ids, lower-cased (help.zenodo.org, "zenodo.json").
"""

import datetime as dt
import json
import re
import zipfile
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from cli.main import cli
from curation.config import Config, Creator, Curator, MapSettings
from curation.identifiers import InputError, parse_orcid, spdx_license_ids
from curation.zenodo import ZENODO_FILE, zenodo_json, zenodo_metadata

# --- the rules ------------------------------------------------------------------------------------

FIELDS = {
    "upload_type", "publication_type", "image_type", "publication_date", "title", "creators",
    "description", "access_right", "license", "embargo_date", "access_conditions", "doi",
    "prereserve_doi", "keywords", "notes", "related_identifiers", "contributors", "references",
    "communities", "grants", "journal_title", "journal_volume", "journal_issue", "journal_pages",
    "conference_title", "conference_acronym", "conference_dates", "conference_place",
    "conference_url", "conference_session", "conference_session_part", "imprint_publisher",
    "imprint_isbn", "imprint_place", "partof_title", "partof_pages", "thesis_supervisors",
    "thesis_university", "subjects", "version", "language", "locations", "dates", "method",
}  # fmt: skip
UPLOAD_TYPES = {
    "publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
    "physicalobject", "other",
}  # fmt: skip
ACCESS_RIGHTS = {"open", "embargoed", "restricted", "closed"}
CONTRIBUTOR_TYPES = {
    "ContactPerson", "DataCollector", "DataCurator", "DataManager", "Distributor", "Editor",
    "Funder", "HostingInstitution", "Producer", "ProjectLeader", "ProjectManager", "ProjectMember",
    "RegistrationAgency", "RegistrationAuthority", "RelatedPerson", "Researcher", "ResearchGroup",
    "RightsHolder", "Supervisor", "Sponsor", "WorkPackageLeader", "Other",
}  # fmt: skip
RELATIONS = {
    "isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues",
    "isDescribedBy", "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf",
    "isPreviousVersionOf", "isPartOf", "hasPart", "isReferencedBy", "references", "isDocumentedBy",
    "documents", "isCompiledBy", "compiles", "isVariantFormOf", "isOriginalFormof", "isIdenticalTo",
    "isAlternateIdentifier", "isReviewedBy", "reviews", "isDerivedFrom", "isSourceOf", "requires",
    "isRequiredBy", "isObsoletedBy", "obsoletes",
}  # fmt: skip
SCHEMES = {
    "ads", "ark", "arxiv", "bibcode", "doi", "ean13", "ean8", "eissn", "gnd", "handle", "isbn",
    "issn", "istc", "lissn", "lsid", "orcid", "pmcid", "pmid", "purl", "upc", "url", "urn",
}  # fmt: skip
HTML_TAGS = {
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "caption", "div", "em", "i", "li",
    "ol", "p", "pre", "span", "strike", "strong", "sub", "table", "tbody", "thead", "th", "td",
    "tr", "u", "ul",
}  # fmt: skip
PERSON_KEYS = {"name", "affiliation", "orcid", "gnd"}
DOI = re.compile(r"10\.\d{4,9}/\S+")
GRANT = re.compile(r"10\.13039/\d+::\S+|\d+")  # funder-DOI-prefixed, or a bare EC grant number


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def _html(value, where: str, problems: list[str]) -> str:
    if not isinstance(value, str):
        problems.append(f"{where}: not a string")
        return ""
    parser = _Tags()
    parser.feed(value)
    if parser.tags - HTML_TAGS:
        problems.append(f"{where}: HTML tags Zenodo refuses: {sorted(parser.tags - HTML_TAGS)}")
    return "".join(parser.text)


def _people(value, where: str, problems: list[str], contributor: bool = False) -> None:
    if not isinstance(value, list):
        problems.append(f"{where}: not a list")
        return
    for i, person in enumerate(value):
        at = f"{where}[{i}]"
        keys = PERSON_KEYS | ({"type"} if contributor else set())
        if not isinstance(person, dict) or set(person) - keys:
            problems.append(f"{at}: keys beyond {sorted(keys)}")
            continue
        if not isinstance(person.get("name"), str) or not person["name"].strip():
            problems.append(f"{at}: no name")
        if "orcid" in person:
            try:
                if parse_orcid(person["orcid"]) != person["orcid"]:
                    problems.append(f"{at}: ORCID not in its bare form")
            except InputError:
                problems.append(f"{at}: invalid ORCID")
        if contributor and person.get("type") not in CONTRIBUTOR_TYPES:
            problems.append(f"{at}: contributor type {person.get('type')!r} not allowed")


def zenodo_problems(metadata: dict) -> list[str]:
    """Every way ``metadata`` breaks Zenodo's legacy deposit rules (empty when it is valid)."""
    problems = [f"unknown field {k}" for k in sorted(set(metadata) - FIELDS)]
    for key in ("upload_type", "publication_date", "title", "creators", "description"):
        if key not in metadata:
            problems.append(f"{key} is required")
    if metadata.get("upload_type") not in UPLOAD_TYPES:
        problems.append(f"upload_type {metadata.get('upload_type')!r} not allowed")
    subtype = f"{metadata.get('upload_type')}_type"
    if subtype in ("publication_type", "image_type") and subtype not in metadata:
        problems.append(f"{subtype} is required")
    try:
        dt.date.fromisoformat(metadata.get("publication_date", ""))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", metadata["publication_date"]):
            raise ValueError
    except (ValueError, TypeError):
        problems.append("publication_date is not an ISO 8601 date YYYY-MM-DD")
    if not isinstance(metadata.get("title"), str) or len(metadata["title"].strip()) < 3:
        problems.append("title must be at least 3 characters")
    if len(_html(metadata.get("description"), "description", problems).strip()) < 3:
        problems.append("description must be at least 3 characters")
    _people(metadata.get("creators"), "creators", problems)
    if not metadata.get("creators"):
        problems.append("at least one creator is required")
    access = metadata.get("access_right", "open")
    if access not in ACCESS_RIGHTS:
        problems.append(f"access_right {access!r} not allowed")
    if "license" in metadata:
        ids = {i.lower() for i in spdx_license_ids()}
        if metadata["license"] not in ids:
            problems.append(f"license {metadata['license']!r} is not a lower-cased SPDX id")
    elif access in ("open", "embargoed"):
        problems.append("license is required for open or embargoed access")
    if "version" in metadata and not isinstance(metadata["version"], str):
        problems.append("version is not a string")
    if "doi" in metadata and not DOI.fullmatch(str(metadata["doi"])):
        problems.append("doi is not a bare DOI")
    keywords = metadata.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        problems.append("keywords must be a list of strings")
    if "notes" in metadata:
        _html(metadata["notes"], "notes", problems)
    if "contributors" in metadata:
        _people(metadata["contributors"], "contributors", problems, contributor=True)
    for i, rel in enumerate(metadata.get("related_identifiers", [])):
        at = f"related_identifiers[{i}]"
        if set(rel) - {"identifier", "relation", "scheme", "resource_type"}:
            problems.append(f"{at}: unknown keys")
        if rel.get("relation") not in RELATIONS:
            problems.append(f"{at}: relation {rel.get('relation')!r} not allowed")
        scheme, identifier = rel.get("scheme"), rel.get("identifier", "")
        if scheme not in SCHEMES:
            problems.append(f"{at}: scheme {scheme!r} not allowed")
        elif scheme == "doi" and not DOI.fullmatch(identifier):
            problems.append(f"{at}: not a DOI")
        elif scheme == "url" and not re.fullmatch(r"https?://\S+", identifier):
            problems.append(f"{at}: not a URL")
    for i, grant in enumerate(metadata.get("grants", [])):
        if not isinstance(grant, dict) or set(grant) != {"id"} or not GRANT.fullmatch(grant["id"]):
            problems.append(f"grants[{i}]: expected {{'id': '10.13039/<funder>::<grant>'}}")
    return problems


def datacite_mandatory(metadata: dict) -> dict[str, object]:
    """DataCite's mandatory properties as a deposit carries them (the publisher is Zenodo)."""
    return {
        "Identifier": metadata.get("doi", "minted by Zenodo on publication"),
        "Creator": [c["name"] for c in metadata["creators"]],
        "Title": metadata["title"],
        "Publisher": "Zenodo",  # not a deposit field: the repository sets it
        "PublicationYear": metadata["publication_date"][:4],
        "ResourceType": metadata["upload_type"],
    }


# --- the validator itself -------------------------------------------------------------------------

VALID = {
    "upload_type": "dataset",
    "publication_date": "2024-05-01",
    "title": "A map",
    "description": "<p>About it.</p>",
    "creators": [{"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"}],
    "license": "cc-by-4.0",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"upload_type": "map"}, "upload_type"),
        ({"publication_date": "01/05/2024"}, "publication_date"),
        ({"title": "A"}, "title"),
        ({"description": "<script>x</script>"}, "HTML tags"),
        ({"creators": []}, "at least one creator"),
        ({"creators": [{"name": "Doe, Jane", "orcid": "0000-0002-1825-0098"}]}, "invalid ORCID"),
        ({"creators": [{"name": "Doe, Jane", "type": "Editor"}]}, "keys beyond"),
        ({"contributors": [{"name": "Doe, Jane", "type": "Curator"}]}, "contributor type"),
        ({"license": "CC-BY-4.0"}, "lower-cased SPDX"),
        ({"publisher": "Zenodo"}, "unknown field publisher"),
        ({"related_identifiers": [{"identifier": "10.1/x", "relation": "isBasedOn", "scheme": "doi"}]}, "relation"),
        ({"grants": [{"id": "IMI2 imSAVAR No 853988"}]}, "grants[0]"),
    ],
)  # fmt: skip
def test_the_validator_refuses_what_zenodo_refuses(change, problem):
    assert zenodo_problems(VALID) == []
    assert any(problem in p for p in zenodo_problems({**VALID, **change}))


# --- the metadata crsmap writes -------------------------------------------------------------------

ORCID_A, ORCID_B = "0000-0002-1825-0097", "0000-0001-5109-3700"


def fake_snapshot(**map_settings) -> SimpleNamespace:
    settings = MapSettings(
        title="Cytokine Release Syndrome Map", short_name="crs", files=("m.xml",)
    )
    settings = MapSettings(**{**settings.__dict__, **map_settings})
    curators = (
        Curator("Josiah Carberry", ORCID_A, affiliation="Brown University"),
        Curator("", ORCID_B),  # a name the audit refused: cannot be credited by name
    )
    config = Config(map=settings, curators=curators)
    return SimpleNamespace(config=config, interactions={"re1": 1, "re2": 2}, evidence=[1, 2, 3])


FULL = dict(
    description="Cytokine release syndrome <CRS> & its mechanisms.",
    homepage="https://minerva.example.org/minerva/index.xhtml?id=crs",
    license="CC-BY-4.0",
    funding=("IMI2 imSAVAR No 853988", "10.13039/501100000780::853988"),
    keywords=("disease map", "cytokine release syndrome"),
    creators=(
        Creator("Ostaszewski, Marek", "0000-0003-1473-370X", "University of Luxembourg"),
        Creator("Marek Kowalski", "", ""),
        Creator("The imSAVAR consortium", kind="organization"),
    ),
    source="https://doi.org/10.1038/s41597-020-0477-8",
)


def test_the_mapping_from_crsmap_toml_and_the_release():
    meta = zenodo_metadata(
        fake_snapshot(**FULL), "1.2.0", "2024-05-01", doi="10.5281/zenodo.2", previous_doi="https://doi.org/10.5281/zenodo.1"
    )  # fmt: skip
    assert zenodo_problems(meta) == []
    assert meta["upload_type"] == "dataset" and meta["access_right"] == "open"
    assert (meta["title"], meta["version"], meta["publication_date"]) == (
        "Cytokine Release Syndrome Map", "1.2.0", "2024-05-01",
    )  # fmt: skip
    assert meta["license"] == "cc-by-4.0" and meta["doi"] == "10.5281/zenodo.2"
    assert meta["creators"] == [
        {"name": "Ostaszewski, Marek", "orcid": "0000-0003-1473-370X", "affiliation": "University of Luxembourg"},
        {"name": "Kowalski, Marek"},
        {"name": "The imSAVAR consortium"},
    ]  # fmt: skip
    assert meta["contributors"] == [
        {"name": "Carberry, Josiah", "orcid": ORCID_A, "affiliation": "Brown University", "type": "DataCurator"}
    ]  # fmt: skip
    assert meta["keywords"] == ["disease map", "cytokine release syndrome"]
    assert meta["related_identifiers"] == [
        {"identifier": "10.1038/s41597-020-0477-8", "scheme": "doi", "relation": "isDerivedFrom"},
        {"identifier": FULL["homepage"], "scheme": "url", "relation": "isSupplementTo"},
        {"identifier": "10.5281/zenodo.1", "scheme": "doi", "relation": "isNewVersionOf"},
    ]
    # A funder-DOI grant id is a grant; free text is never guessed into one.
    assert meta["grants"] == [{"id": "10.13039/501100000780::853988"}]
    assert "Funding: IMI2 imSAVAR No 853988." in meta["notes"]
    assert meta["description"].startswith(
        "<p>Cytokine release syndrome &lt;CRS&gt; &amp; its mechanisms.</p><p>Version 1.2.0, released 2024-05-01: "
        "2 interaction(s) with 3 literature evidence record(s)."
    )  # fmt: skip
    assert datacite_mandatory(meta) == {
        "Identifier": "10.5281/zenodo.2",
        "Creator": ["Ostaszewski, Marek", "Kowalski, Marek", "The imSAVAR consortium"],
        "Title": "Cytokine Release Syndrome Map",
        "Publisher": "Zenodo",
        "PublicationYear": "2024",
        "ResourceType": "dataset",
    }


def test_without_creators_the_curators_stand_in_and_the_notes_say_why():
    meta = zenodo_metadata(fake_snapshot(), "1.0.0", "2024-05-01")
    assert zenodo_problems(meta) == []
    assert [c["name"] for c in meta["creators"]] == ["Carberry, Josiah"]
    assert "they are not the map's authors" in meta["notes"]
    assert "doi" not in meta and "grants" not in meta and "related_identifiers" not in meta


def test_a_license_zenodo_does_not_list_is_never_published_as_cc0():
    meta = zenodo_metadata(fake_snapshot(license="LicenseRef-proprietary"), "1.0.0", "2024-05-01")
    assert zenodo_problems(meta) == []
    assert "license" not in meta and meta["access_right"] == "closed"
    assert "LicenseRef-proprietary" in meta["notes"]


def test_an_invalid_orcid_is_left_out_rather_than_failing_the_deposit():
    creators = (Creator("Doe, Jane", "0000-0002-1825-0098"),)  # wrong check digit
    meta = zenodo_metadata(fake_snapshot(creators=creators), "1.0.0", "2024-05-01")
    assert meta["creators"] == [{"name": "Doe, Jane"}] and zenodo_problems(meta) == []


def test_the_bytes_are_stable():
    snapshot = fake_snapshot(**FULL)
    first = zenodo_json(zenodo_metadata(snapshot, "1.2.0", "2024-05-01"))
    assert first == zenodo_json(zenodo_metadata(snapshot, "1.2.0", "2024-05-01"))
    assert (
        first == json.dumps(json.loads(first), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )


# --- in the bundle --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", str(root / "d")])
    assert result.exit_code == 0, result.output
    (path,) = (root / "d" / "crs-map" / "dist").glob("*.zip")
    with zipfile.ZipFile(path) as archive:
        return {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}


def test_every_bundle_carries_valid_zenodo_metadata(bundle):
    meta = json.loads(bundle[ZENODO_FILE])
    assert zenodo_problems(meta) == []
    cff = bundle["CITATION.cff"].decode()
    assert f'date-released: "{meta["publication_date"]}"' in cff
    assert (meta["version"], meta["license"], meta["upload_type"]) == (
        "1.0.0",
        "cc-by-4.0",
        "dataset",
    )
    assert meta["creators"] == [{"name": "The crsmap developers"}]
    assert meta["contributors"] == [
        {"name": "Carberry, Josiah", "orcid": ORCID_A, "type": "DataCurator"}
    ]
    manifest = bundle["manifest-sha256.txt"].decode()
    assert f"  {ZENODO_FILE}\n" in manifest
    crate = json.loads(bundle["ro-crate-metadata.json"])
    root = next(e for e in crate["@graph"] if e["@id"] == "./")
    assert {"@id": ZENODO_FILE} in root["hasPart"]
