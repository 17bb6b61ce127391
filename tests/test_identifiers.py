"""Reference CURIEs, ORCIDs, ECO terms, SPDX ids and notes: what curators may type."""

import pytest

from curation.errors import InputError
from curation.identifiers import (
    normalise_reference,
    orcid_check_digit,
    parse_eco,
    parse_note,
    parse_orcid,
    parse_spdx,
)


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
    ],
)
def test_bad_references_name_the_value_and_the_expectation(text, fragment):
    with pytest.raises(InputError, match=r"expected|empty") as err:
        normalise_reference(text)
    assert fragment in str(err.value)


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
