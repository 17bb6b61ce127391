"""`annotate` adds MIRIAM resources and leaves every other byte of the map alone."""

import random
import re

import pytest

from bench.generate_map import generate_map
from curation.annotate import (
    _apply,
    annotate_bytes,
    miriam_urn,
    remove_bytes,
    verify_annotated,
)
from curation.celldesigner import BQBIOL_NS, RDF_NS, read_map
from curation.errors import InternalError
from curation.xmlsafe import parse_xml_bytes

from .conftest import MAP_NAMES_FOR_TESTS, shared_map
from .mapfactory import document, rdf_block, reaction, species

ADDED_LINE = re.compile(
    r'^\s*(<rdf:li rdf:resource="urn:miriam:[a-z]+:[^"]+"/>|</?rdf:Bag>|</?bqbiol:isDescribedBy( xmlns:bqbiol="[^"]+")?>'
    r'|<rdf:RDF xmlns:rdf="[^"]+"( xmlns:bqbiol="[^"]+")?>|</rdf:RDF>|<rdf:Description rdf:about="#[^"]+">|</rdf:Description>)$'
)


def only_insertions(before: bytes, after: bytes) -> list[str]:
    """The inserted lines, after checking that nothing was changed or deleted."""
    old, new = before.decode().splitlines(), after.decode().splitlines()
    # The old lines must be a subsequence of the new ones (a greedy walk decides that).
    inserted, i = [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        else:
            inserted.append(line)
    assert i == len(old), f"line {i + 1} of the original was changed or deleted: {old[i]!r}"
    return inserted


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_real_maps_get_only_the_new_resources(tmp_path, name):
    path = shared_map(name)
    before = path.read_bytes()
    parsed = read_map(path)
    # Every kind of reaction: with a reference Bag, with RDF but no Bag, with no RDF at all.
    chosen = list(parsed.interactions.values())[:12]
    additions = {i.reaction_id: ["pubmed:99999999", "doi:10.5555/crsmap.test"] for i in chosen}
    after = annotate_bytes(before, additions, path.name)
    inserted = only_insertions(before, after)
    assert inserted and all(ADDED_LINE.match(line) for line in inserted), inserted
    out = tmp_path / path.name
    out.write_bytes(after)
    reread = read_map(out)
    assert len(reread.interactions) == len(parsed.interactions)
    for interaction in chosen:
        again = reread.interactions[interaction.reaction_id]
        assert set(again.annotated_references) == set(interaction.annotated_references) | {
            "pubmed:99999999",
            "doi:10.5555/crsmap.test",
        }
        assert again.signature == interaction.signature


def test_reaction_without_annotation_or_metaid_gets_both(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    bare = (
        '<reaction id="re9" reversible="false"><listOfReactants><speciesReference species="s1"/>'
        '</listOfReactants><listOfProducts><speciesReference species="s2"/></listOfProducts></reaction>'
    )
    before = document(sp, bare).encode()
    after = annotate_bytes(before, {"re9": ["pubmed:1"]}, "m.xml")
    root = parse_xml_bytes(after, "m.xml").getroot()
    reaction_el = root.find(".//{*}reaction")
    assert reaction_el.get("metaid") == "re9"
    path = tmp_path / "m.xml"
    path.write_bytes(after)
    assert read_map(path).interactions["re9"].annotated_references == ("pubmed:1",)


def test_existing_bag_is_extended_not_duplicated(tmp_path):
    sp = species("s1", "A") + species("s2", "B")
    before = document(
        sp, reaction("re1", ["s1"], ["s2"], rdf=rdf_block("re1", "urn:miriam:pubmed:5"))
    ).encode()
    after = annotate_bytes(before, {"re1": ["pubmed:6"]}, "m.xml")
    assert after.count(b"<rdf:Bag>") == 1
    assert (
        b'<rdf:li rdf:resource="urn:miriam:pubmed:5"/><rdf:li rdf:resource="urn:miriam:pubmed:6"/></rdf:Bag>'
        in after
    )


def test_miriam_urns():
    assert miriam_urn("pubmed:29808005") == "urn:miriam:pubmed:29808005"
    assert (
        miriam_urn("doi:10.1101/2020.03.22.002386") == "urn:miriam:doi:10.1101%2F2020.03.22.002386"
    )
    assert miriam_urn("pmc:PMC8127450") == "urn:miriam:pmc:PMC8127450"


def test_nothing_to_add_returns_the_same_bytes():
    data = document(species("s1", "A"), "").encode()
    assert annotate_bytes(data, {}, "m.xml") is data


RDF_NS_DECL = 'xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:bqbiol="http://biomodels.net/biology-qualifiers/"'
TWO = species("s1", "A") + species("s2", "B")
LISTS = (
    '<listOfReactants><speciesReference species="s1"/></listOfReactants>'
    '<listOfProducts><speciesReference species="s2"/></listOfProducts>'
)


def _rdf(inner: str) -> str:
    return f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:bqbiol="http://biomodels.net/biology-qualifiers/">{inner}</rdf:RDF>'


EDGE_CASES = {
    "empty-annotation": f'<reaction metaid="re1" id="re1"><annotation/>{LISTS}</reaction>',
    "empty-bag": reaction(
        "re1",
        ["s1"],
        ["s2"],
        rdf=_rdf(
            '<rdf:Description rdf:about="#re1"><bqbiol:isDescribedBy><rdf:Bag/></bqbiol:isDescribedBy></rdf:Description>'
        ),
    ),
    "empty-description": reaction(
        "re1", ["s1"], ["s2"], rdf=_rdf('<rdf:Description rdf:about="#re1"/>')
    ),
    "empty-rdf": reaction("re1", ["s1"], ["s2"], rdf=_rdf("")).replace("></rdf:RDF>", "/>"),
    "description-about-another-element": reaction(
        "re1", ["s1"], ["s2"], rdf=rdf_block("zzz", "urn:miriam:pubmed:1")
    ),
    "rdf-in-default-namespace": reaction(
        "re1",
        ["s1"],
        ["s2"],
        rdf=f'<RDF {RDF_NS_DECL}><Description about="#re1"><bqbiol:isDescribedBy><Bag><li resource="urn:miriam:pubmed:1"/></Bag></bqbiol:isDescribedBy></Description></RDF>',
    ),
    "other-qualifier-prefix": reaction(
        "re1",
        ["s1"],
        ["s2"],
        rdf=rdf_block("re1", "urn:miriam:pubmed:1")
        .replace("bqbiol:", "bio:")
        .replace("xmlns:bqbiol=", "xmlns:bio="),
    ),
    "no-metaid-with-notes": f'<reaction id="re1"><notes><html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html></notes>{LISTS}</reaction>',
    "empty-reaction": '<reaction metaid="re1" id="re1"/>',
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_annotation_lands_in_the_right_place_whatever_the_rdf_looks_like(tmp_path, case):
    before = document(TWO, EDGE_CASES[case]).encode()
    after = annotate_bytes(before, {"re1": ["pubmed:123", "pubmed:456"]}, case)
    verify_annotated(after, {"re1": ["pubmed:123", "pubmed:456"]}, 1, case)
    path = tmp_path / "m.xml"
    path.write_bytes(after)
    assert {"pubmed:123", "pubmed:456"} <= set(
        read_map(path).interactions["re1"].annotated_references
    )


def test_crlf_maps_keep_crlf(tmp_path):
    text = document(
        TWO, reaction("re1", ["s1"], ["s2"], rdf=rdf_block("re1", "urn:miriam:pubmed:1"))
    )
    text = (
        text.replace("><rdf:Bag>", ">\n<rdf:Bag>")
        .replace("</rdf:Bag>", "\n</rdf:Bag>")
        .replace("\n", "\r\n")
    )
    after = annotate_bytes(text.encode(), {"re1": ["pubmed:123"]}, "crlf.xml")
    assert b"pubmed:123" in after
    assert after.replace(b"\r\n", b"").count(b"\n") == 0


def test_verification_catches_a_misplaced_resource():
    before = document(TWO, reaction("re1", ["s1"], ["s2"])).encode()
    misplaced = before.replace(
        b"</annotation>",
        b'<x xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:resource="urn:miriam:pubmed:1"/></annotation>',
    )
    with pytest.raises(InternalError, match="misplaced pubmed:1"):
        verify_annotated(misplaced, {"re1": ["pubmed:1"]}, 1, "m.xml")


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_removing_annotations_from_real_maps_only_deletes_their_lines(tmp_path, name):
    path = shared_map(name)
    before = path.read_bytes()
    parsed = read_map(path)
    chosen = {
        i.reaction_id: list(i.annotated_references[:1])
        for i in parsed.interactions.values()
        if i.annotated_references
    }
    if not chosen:
        pytest.skip(f"{name} has no RDF literature annotations")
    after = remove_bytes(before, chosen, path.name)
    only_insertions(after, before)  # the new file is the old one with lines taken out
    out = tmp_path / path.name
    out.write_bytes(after)
    reread = read_map(out)
    assert len(reread.interactions) == len(parsed.interactions)
    for reaction_id, (curie,) in chosen.items():
        assert curie not in reread.interactions[reaction_id].annotated_references
        assert (
            reread.interactions[reaction_id].signature == parsed.interactions[reaction_id].signature
        )


# --- many reactions: exactly the expected bytes ------------------------------------------

GENERATED_REACTIONS = 1_500
# generate_map.py writes each element on its own line, unindented; a third of its reactions
# carry an rdf:Bag, the others an annotation with only the CellDesigner extension.
GENERATED_RDF = (
    f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:bqbiol="{BQBIOL_NS}">\n'
    '<rdf:Description rdf:about="#{rid}">\n<bqbiol:isDescribedBy>\n<rdf:Bag>\n{items}'
    "</rdf:Bag>\n</bqbiol:isDescribedBy>\n</rdf:Description>\n</rdf:RDF>\n"
)
GENERATED_REACTION = re.compile(r'<reaction (?:metaid="re\d+" )?id="(re\d+)".*?</reaction>\n', re.S)


def _generated_additions(count: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """New references for four reactions in five, two for every fourth: as CURIEs, and as
    the URNs annotate must write (computed here by hand, not by ``miriam_urn``)."""
    curies, urns = {}, {}
    for i in range(1, count + 1):
        if i % 5 == 0:
            continue
        curies[f"re{i}"] = [f"pubmed:{90_000_000 + i}"]
        urns[f"re{i}"] = [f"urn:miriam:pubmed:{90_000_000 + i}"]
        if i % 4 == 0:
            curies[f"re{i}"].append(f"doi:10.5555/bench.{i}")
            urns[f"re{i}"].append(f"urn:miriam:doi:10.5555%2Fbench.{i}")
    return curies, urns


def _expected_annotation(before: str, urns: dict[str, list[str]], without_metaid: set[str]) -> str:
    """``before`` with the resources inserted where the generated layout says they go."""
    out, position = [], 0
    for match in GENERATED_REACTION.finditer(before):
        rid, block = match.group(1), match.group(0)
        out.append(before[position : match.start()])
        position = match.end()
        if rid in urns:
            items = "".join(f'<rdf:li rdf:resource="{urn}"/>\n' for urn in urns[rid])
            if "</rdf:Bag>" in block:  # the existing Bag gets the new items last
                block = block.replace("</rdf:Bag>", f"{items}</rdf:Bag>", 1)
            else:  # a whole RDF block, last in the reaction's own annotation
                rdf = GENERATED_RDF.format(rid=rid, items=items)
                block = block.replace("</annotation>", f"{rdf}</annotation>", 1)
            if rid in without_metaid:  # RDF names the reaction by a metaid: it gets its id
                block = block.replace("<reaction ", f'<reaction metaid="{rid}" ', 1)
        out.append(block)
    out.append(before[position:])
    return "".join(out)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_generated_map_gets_exactly_the_new_resources_and_no_other_change(tmp_path, newline):
    text = generate_map(GENERATED_REACTIONS, tmp_path / "generated.xml", seed=3).read_text()
    # Some reactions without a metaid (none of them with RDF or left unannotated).
    without_metaid = {f"re{i}" for i in range(7, GENERATED_REACTIONS + 1, 7) if i % 3 and i % 5}
    for rid in without_metaid:
        text = text.replace(f'<reaction metaid="{rid}" id="{rid}"', f'<reaction id="{rid}"', 1)
    curies, urns = _generated_additions(GENERATED_REACTIONS)
    expected = _expected_annotation(text, urns, without_metaid)
    assert len(GENERATED_REACTION.findall(text)) == GENERATED_REACTIONS
    before = text.replace("\n", newline).encode()

    after = annotate_bytes(before, curies, "generated.xml")
    wanted = expected.replace("\n", newline).encode()
    if after != wanted:  # a few MB each: say where they part, not the whole diff
        at = next((i for i, (a, b) in enumerate(zip(after, wanted, strict=False)) if a != b), None)
        at = min(len(after), len(wanted)) if at is None else at
        pytest.fail(
            f"byte {at}: got {after[max(at - 80, 0) : at + 80]!r}, wanted {wanted[max(at - 80, 0) : at + 80]!r}"
        )
    verify_annotated(after, curies, GENERATED_REACTIONS, "generated.xml")

    (tmp_path / "before.xml").write_bytes(before)
    (tmp_path / "after.xml").write_bytes(after)
    old = read_map(tmp_path / "before.xml").interactions
    new = read_map(tmp_path / "after.xml").interactions
    assert list(new) == list(old)
    for key, interaction in new.items():
        added = set(curies.get(interaction.reaction_id, ()))
        assert set(interaction.annotated_references) == set(old[key].annotated_references) | added
        assert interaction.signature == old[key].signature


def test_edits_are_applied_in_one_pass_as_one_at_a_time_from_the_back():
    """The splicer's single pass gives the bytes that editing a copy per edit, last offset
    first, always gave: for adjacent, coinciding and overlapping edits too."""
    rng = random.Random(17)
    for _ in range(2_000):
        data = bytes(rng.choice(b"abcdef") for _ in range(rng.randrange(30)))
        edits = []
        for _ in range(rng.randrange(6)):
            offset = rng.randrange(len(data) + 1)
            remove = rng.randrange(min(3, len(data) - offset) + 1)
            edits.append(
                (offset, remove, bytes(rng.choice(b"XYZ") for _ in range(rng.randrange(4))))
            )
        edits.sort(key=lambda edit: edit[0])  # stable: at one offset, in the order added
        one_at_a_time = data
        for offset, remove, text in reversed(edits):
            one_at_a_time = one_at_a_time[:offset] + text + one_at_a_time[offset + remove :]
        assert _apply(data, edits) == one_at_a_time, (data, edits)
