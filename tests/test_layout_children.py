"""The drawing names each reaction's participants as the ElementPath searches did.

``curation.report.layout`` reads a reaction's extension in one pass over its children
(an ElementPath search per list was most of the drawing's time on a large map). The order
it must keep: every base reactant before every reactant link, whatever the document
order, lists of one kind in document order, comments skipped; aliases on the SBML
species references only where the extension names none. Each document here is compared
with a reader written the old way, on every reaction.
"""

from __future__ import annotations

import pytest

from curation.celldesigner import _cd_ext
from curation.report.layout import layout_of
from curation.sbml import sbml_model
from curation.xmlsafe import parse_xml_bytes

from .conftest import MAP_NAMES_FOR_TESTS, shared_map
from .mapfactory import document, species

_CD = "{http://www.sbml.org/2001/ns/celldesigner}"


def searched(reaction, sbml: str) -> tuple[list[str], list[str], list[str]]:
    """The participants' aliases as ElementPath finds them: the reader's earlier code."""
    ext = _cd_ext(reaction.find(sbml + "annotation"))
    reactants: list[str] = []
    products: list[str] = []
    modifiers: list[str] = []
    if ext is not None:
        reactants += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}baseReactants/{_CD}baseReactant")
        ]
        reactants += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}listOfReactantLinks/{_CD}reactantLink")
        ]
        products += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}baseProducts/{_CD}baseProduct")
        ]
        products += [
            b.get("alias", "") for b in ext.iterfind(f"{_CD}listOfProductLinks/{_CD}productLink")
        ]
        for mod in ext.iterfind(f"{_CD}listOfModification/{_CD}modification"):
            modifiers += [a.strip() for a in mod.get("aliases", "").split(",")]

    # the old code looked in the first list of each kind only
    first = {name: reaction.find(sbml + name) for name in ("listOfReactants", "listOfProducts")}
    first["listOfModifiers"] = reaction.find(sbml + "listOfModifiers")

    def first_list(list_name: str, tag: str) -> list[str]:
        container = first[list_name]
        if container is None:
            return []
        found = []
        for reference in container.iterchildren(sbml + tag):
            inner = _cd_ext(reference.find(sbml + "annotation"))
            alias = (inner.findtext(_CD + "alias") or "").strip() if inner is not None else ""
            if alias:
                found.append(alias)
        return found

    reactants = reactants or first_list("listOfReactants", "speciesReference")
    products = products or first_list("listOfProducts", "speciesReference")
    modifiers = modifiers or first_list("listOfModifiers", "modifierSpeciesReference")
    unique = lambda items: tuple(dict.fromkeys(i for i in items if i))  # noqa: E731
    return unique(reactants), unique(products), unique(modifiers)


def assert_same_participants(data: bytes, label: str) -> int:
    root = parse_xml_bytes(data, label).getroot()
    sbml, model = sbml_model(root, label)
    drawn = layout_of(root, label).reactions
    compared = 0
    for reaction in model.iterfind(f"{sbml}listOfReactions/{sbml}reaction"):
        expected = searched(reaction, sbml)
        geometry = drawn.get(reaction.get("id", ""))
        if not any(expected):
            assert geometry is None
            continue
        assert (geometry.reactants, geometry.products, geometry.modifiers) == expected
        compared += 1
    return compared


def cd(tag: str, inner: str = "", **attributes: str) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return f"<celldesigner:{tag}{attrs}>{inner}</celldesigner:{tag}>"


def reaction_with(extension: str, references: str = "", rid: str = "re1") -> str:
    return (
        f'<reaction id="{rid}"><annotation><celldesigner:extension>{extension}'
        f"</celldesigner:extension></annotation>{references}</reaction>"
    )


def test_links_come_after_base_participants_whatever_the_document_order():
    links = cd("listOfReactantLinks", cd("reactantLink", alias="sa3") + "<!-- c -->")
    base = cd("baseReactants", cd("baseReactant", alias="sa1") + cd("baseReactant", alias="sa2"))
    more = cd("baseReactants", cd("baseReactant", alias="sa4"))  # a second list of one kind
    products = cd("listOfProductLinks", cd("productLink", alias="sa6")) + cd(
        "baseProducts", cd("baseProduct", alias="sa5")
    )
    modifiers = cd(
        "listOfModification",
        cd("modification", aliases=" sa7 , sa8") + "<!-- c -->" + cd("modification", aliases="sa7"),
    )
    text = document(
        species("s1", "A"),
        reaction_with("<!-- first -->" + links + base + products + more + modifiers),
    )
    assert assert_same_participants(text.encode(), "m.xml") == 1
    geometry = layout_of(parse_xml_bytes(text.encode(), "m.xml").getroot(), "m.xml").reactions
    assert geometry["re1"].reactants == ("sa1", "sa2", "sa4", "sa3")
    assert geometry["re1"].products == ("sa5", "sa6")
    assert geometry["re1"].modifiers == ("sa7", "sa8")


def test_aliases_on_references_count_only_where_the_extension_names_none():
    alias = lambda a: (  # noqa: E731
        f'<speciesReference species="s1"><annotation><celldesigner:extension>'
        f"<celldesigner:alias> {a} </celldesigner:alias></celldesigner:extension>"
        "</annotation></speciesReference>"
    )
    references = (
        f"<listOfReactants>{alias('sa1')}<!-- c -->{alias('sa2')}</listOfReactants>"
        f"<listOfReactants>{alias('sa9')}</listOfReactants>"  # a second list is not read
        f"<listOfProducts>{alias('sa3')}</listOfProducts>"
    )
    extension = cd("baseProducts", cd("baseProduct", alias="sa4"))
    text = document(species("s1", "A"), reaction_with(extension, references))
    assert assert_same_participants(text.encode(), "m.xml") == 1
    geometry = layout_of(parse_xml_bytes(text.encode(), "m.xml").getroot(), "m.xml").reactions
    assert geometry["re1"].reactants == ("sa1", "sa2")
    assert geometry["re1"].products == ("sa4",)


def test_the_sample_map_is_drawn_as_before(sample_map):
    assert assert_same_participants(sample_map.read_bytes(), sample_map.name) > 10


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_every_real_map_is_drawn_as_before(name: str):
    path = shared_map(name)
    assert assert_same_participants(path.read_bytes(), path.name) > 10
