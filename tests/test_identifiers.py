"""Reference CURIEs, ORCIDs, ECO terms, SPDX ids and notes: what curators may type."""

import re

import pytest

from curation import licenses
from curation.errors import InputError
from curation.identifiers import (
    license_problem,
    normalise_reference,
    orcid_check_digit,
    parse_eco,
    parse_license,
    parse_note,
    parse_orcid,
    parse_spdx,
    spdx_license_ids,
)
from literature.identifiers import SPELLINGS, names_reference, references_in_text


@pytest.mark.parametrize(
    ("text", "curie"),
    [
        ("29808005", "pubmed:29808005"),
        ("pubmed:29808005", "pubmed:29808005"),
        ("PMID:29808005", "pubmed:29808005"),
        ("pmid: 29808005", "pubmed:29808005"),
        ("https://pubmed.ncbi.nlm.nih.gov/29808005/", "pubmed:29808005"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/29808005", "pubmed:29808005"),
        ("urn:miriam:pubmed:29808005", "pubmed:29808005"),
        ("https://identifiers.org/pubmed/29808005", "pubmed:29808005"),
        ("doi:10.1038/S41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
        ("10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
        ("https://doi.org/10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
        ("urn:miriam:doi:10.1101%2F2020.03.22.002386", "doi:10.1101/2020.03.22.002386"),
        ("pmc:PMC8127450", "pmc:PMC8127450"),
        ("PMC8127450", "pmc:PMC8127450"),
        ("pmc:8127450", "pmc:PMC8127450"),
        # as map notes write them, which `import` reads
        ("PMID 29808005", "pubmed:29808005"),
        ("PMID??:29808005", "pubmed:29808005"),
        ("pubmed.ncbi.nlm.nih.gov/29808005", "pubmed:29808005"),
        ("www.ncbi.nlm.nih.gov/entrez/query.fcgi?db=PubMed&list_uids=29808005", "pubmed:29808005"),
        ("identifiers.org/pubmed:29808005", "pubmed:29808005"),
        ("doi.org/10.1038/s41591-018-0041-7", "doi:10.1038/s41591-018-0041-7"),
        ("pmc.ncbi.nlm.nih.gov/articles/PMC8127450/", "pmc:PMC8127450"),
    ],
)
def test_references_normalise_to_one_curie(text, curie):
    assert normalise_reference(text) == curie


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pubmed:abc", "invalid PubMed ID 'pubmed:abc'"),
        ("pubmed:0123", "not starting with 0"),
        ("doi:11.1000/x", "expected '10.'"),
        ("doi:1038/s41591", "invalid DOI"),
        ("isbn:123", "invalid reference 'isbn:123'"),
        ("", "empty reference"),
        ("pmc:PMCX1", "invalid PMC ID"),
        ("PMID 0123", "not starting with 0"),
    ],
)
def test_bad_references_name_the_value_and_the_expectation(text, fragment):
    with pytest.raises(InputError, match=r"expected|empty") as err:
        normalise_reference(text)
    assert fragment in str(err.value)


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: s.lead)
def test_each_link_spelling_reads_alike_whole_in_text_and_in_rdf(spelling):
    """One table serves parse_reference, the notes reader and the RDF reader."""
    local = {"pubmed": "29808005", "doi": "10.1038/s41591-018-0041-7", "pmc": "PMC8127450"}
    # The plainest instance of the lead: no optional parts, no escapes.
    lead = re.sub(r"\(\?:[^()]*\)\?|\\", "", spelling.lead).replace("[:/]", "/")
    link = f"{lead}{local[spelling.prefix]}"
    curie = f"{spelling.prefix}:{local[spelling.prefix]}"
    assert spelling.mark == spelling.mark.lower() and spelling.mark in link.lower()
    assert normalise_reference(link) == curie
    assert [r.curie for r in references_in_text(f"see {link}.")] == [curie]
    assert names_reference(link)


def test_orcid_checksum_follows_iso_7064():
    # The documented examples of ORCID: 0000-0002-1825-0097 and 0000-0001-5109-3700.
    assert orcid_check_digit("000000021825009") == "7"
    assert orcid_check_digit("000000015109370") == "0"
    assert parse_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert parse_orcid("0000-0002-9079-593x") == "0000-0002-9079-593X"


def test_orcid_with_wrong_check_digit_is_refused_with_the_right_digit():
    with pytest.raises(InputError, match=r"check digit is 8, expected 7"):
        parse_orcid("0000-0002-1825-0098")
    with pytest.raises(InputError, match="four groups"):
        parse_orcid("0000-0002-1825")


def test_eco_spdx_and_notes():
    assert parse_eco("ECO:0000269") == "ECO:0000269"
    assert parse_eco("ECO_0000269") == "ECO:0000269"
    with pytest.raises(InputError, match="'ECO:' and 7 digits"):
        parse_eco("ECO:269")
    assert parse_spdx("CC-BY-4.0") == "CC-BY-4.0"
    assert parse_spdx("LicenseRef-proprietary") == "LicenseRef-proprietary"
    with pytest.raises(InputError, match="SPDX"):
        parse_spdx("CC BY 4.0")
    with pytest.raises(InputError, match="without tabs"):
        parse_note("a\tb")
    with pytest.raises(InputError, match="line breaks"):
        parse_note("a\nb")


def test_the_spdx_list_shipped_with_crsmap_is_whole_and_clean():
    ids = spdx_license_ids()
    assert len(ids) > 600 and len({i.casefold() for i in ids}) == len(ids)
    assert ids == sorted(ids, key=str.casefold)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+-]*", i) for i in ids)
    # Every license the compatibility table reasons about is a real SPDX id ...
    assert {k for k in licenses.TABLE if not k.startswith("LicenseRef-")} <= set(ids)
    # ... and so is every license a map or an adapted interaction commonly comes under.
    for spdx in (
        "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-NC-ND-4.0", "CC0-1.0", "CC-PDDC", "ODC-By-1.0",
        "ODbL-1.0", "PDDL-1.0", "GPL-2.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "MIT",
        "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "EPL-2.0", "ISC", "Unlicense", "Artistic-2.0",
    ):  # fmt: skip
        assert spdx in ids, spdx


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("CC-BY-4.0", "CC-BY-4.0"),
        (" cc-by-nc-sa-4.0 ", "CC-BY-NC-SA-4.0"),
        ("odbl-1.0", "ODbL-1.0"),
        ("GPL-3.0", "GPL-3.0"),  # deprecated ids stay valid: old files use them
        ("LicenseRef-proprietary", "LicenseRef-proprietary"),
        ("licenseref-Lab.only-2", "LicenseRef-Lab.only-2"),
    ],
)
def test_licenses_are_spdx_ids_spelled_as_spdx_does(text, spdx):
    assert parse_license(text) == spdx
    assert license_problem(text) is None


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Nonsense-1.0", ""),
        ("CC BY 4.0", " (did you mean CC-BY-4.0, "),
        ("Apache 2.0", " (did you mean Apache-2.0, "),
        ("GPLv3", " (did you mean GPL-3.0-only, GPL-3.0-or-later?)"),  # never a deprecated id
        ("MIT License", " (did you mean MIT, "),
        ("ODbL", " (did you mean ODbL-1.0?)"),
        ("LicenseRef-with space", ""),
        ("", ""),
    ],
)
def test_other_licenses_are_refused_with_the_closest_spdx_ids(text, suggestion):
    with pytest.raises(InputError) as err:
        parse_license(text)
    message = str(err.value)
    what = f"license {text!r}" if text else "empty license"
    assert message.startswith(f"invalid {what}: not an SPDX license identifier{suggestion}")
    assert message.endswith(
        "or LicenseRef-NAME for a license of your own (NAME: letters, digits, '.' and '-')"
    )
    assert "\n" not in message and license_problem(text) == message
