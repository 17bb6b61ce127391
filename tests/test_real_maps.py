"""The model on every real CellDesigner map in ../shared/data/maps, checked independently."""

import re

import pytest
from lxml import etree

from curation.celldesigner import read_map

from .conftest import MAP_NAMES_FOR_TESTS as MAP_NAMES
from .conftest import shared_map

# A deliberately plain pattern: any PubMed ID written after "PMID" or "pubmed" in a reaction.
PLAIN_PMID = re.compile(rb"(?:pubmed[:/]|PMID\W{0,4})([0-9]+)", re.I)
PLAIN_DOI = re.compile(rb"doi[:/]\s*(10\.[0-9]+(?:/|%2F)[^\s<\"]+)", re.I)


def _reactions_by_xpath(path):
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return tree.xpath("//*[local-name()='listOfReactions']/*[local-name()='reaction']")


@pytest.mark.parametrize("name", MAP_NAMES)
def test_reaction_count_matches_an_independent_xpath_count(name):
    path = shared_map(name)
    assert len(read_map(path).interactions) == len(_reactions_by_xpath(path))


@pytest.mark.parametrize("name", MAP_NAMES)
def test_every_pmid_a_plain_regex_sees_in_a_reaction_is_in_the_model(name):
    path = shared_map(name)
    model = read_map(path).interactions
    checked = 0
    for element in _reactions_by_xpath(path):
        raw = etree.tostring(element)
        expected = {f"pubmed:{int(m)}" for m in PLAIN_PMID.findall(raw)}
        found = {r for r in model[element.get("id")].references if r.startswith("pubmed:")}
        assert expected == found, element.get("id")
        checked += len(expected)
    assert checked > 0


@pytest.mark.parametrize("name", MAP_NAMES)
def test_every_doi_in_a_reaction_is_in_the_model(name):
    path = shared_map(name)
    model = read_map(path).interactions
    for element in _reactions_by_xpath(path):
        for match in PLAIN_DOI.findall(etree.tostring(element)):
            doi = match.decode().replace("%2F", "/").rstrip(".,;").lower()
            assert f"doi:{doi}" in model[element.get("id")].references


def test_known_quirks_of_the_real_maps():
    ace2 = read_map(shared_map("c19dm_ACE2")).interactions
    assert "pubmed:10585461" in ace2["re1"].references  # PMID typed into the reaction name
    nsp14 = read_map(shared_map("c19dm_Nsp14")).interactions
    assert any(
        r.startswith("doi:10.1101/2020.03.22.002386") for i in nsp14.values() for r in i.references
    )
    orf3a = read_map(shared_map("c19dm_Orf3a")).interactions
    assert orf3a["re14"].references == ("pubmed:31034780", "pubmed:31231549")
    acsn = read_map(shared_map("acsn_dnarepair")).interactions  # SBML L2V1, PMIDs in notes
    assert len(acsn["d_re36"].references) == 5
    assert acsn["d_re36"].type == "STATE_TRANSITION"
    assert acsn["d_re36"].modifiers  # CellDesigner modifications directly under <annotation>


def test_large_map_participants_have_names_not_ids():
    pamp = read_map(shared_map("c19dm_PAMP")).interactions
    assert len(pamp) == 1613
    unnamed = [p for i in pamp.values() for p in i.participants if p.name == p.species]
    assert unnamed == []
    # CellDesigner draws a DEGRADED species as the empty set, whatever its name.
    assert "MAVS -> ∅ [STATE_TRANSITION; CATALYSIS: ITCH]" in {i.signature for i in pamp.values()}
