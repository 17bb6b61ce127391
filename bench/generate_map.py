"""Synthetic CellDesigner 4.0 maps (SBML Level 2 Version 4) of any size, for benchmarks.

The layout copies what CellDesigner writes and real disease maps contain: a model
extension with included (complex member) species, compartment / complex / species aliases
and proteins with modification residues; SBML species carrying a ``speciesIdentity``
(some with a phosphorylation state); reactions whose extension has ``reactionType``,
``baseReactants``/``baseProducts``, a ``connectScheme`` and, on about half of them, a
``listOfModification`` mirrored by the SBML ``listOfModifiers``. Literature references
are placed as in real maps: ``bqbiol:isDescribedBy urn:miriam:pubmed:N`` RDF on a third
of the reactions and ``PMID:N`` in the notes of a tenth.

The proportions follow the largest map under shared/data (1,613 reactions, 858 species,
2.4 kB per reaction): one species per two reactions, about 3 kB of XML per reaction, so
time per reaction and MB/s are comparable with a real map.

    python bench/generate_map.py 10000 /tmp/map_10k.xml --seed 0
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# CellDesigner reaction types with the SBO terms CellDesigner 4.x writes for them, weighted
# roughly like the real maps (influences and state transitions dominate).
_REACTION_TYPES = (
    ("STATE_TRANSITION", "SBO:0000176", 40),
    ("NEGATIVE_INFLUENCE", "SBO:0000397", 25),
    ("POSITIVE_INFLUENCE", "SBO:0000396", 10),
    ("HETERODIMER_ASSOCIATION", "SBO:0000177", 10),
    ("DISSOCIATION", "SBO:0000180", 5),
    ("TRANSPORT", "SBO:0000185", 5),
    ("TRANSCRIPTION", "SBO:0000183", 5),
)
# Modification types with the SBO term of the SBML modifier CellDesigner writes alongside;
# inhibition and catalysis dominate in the real maps.
_MODIFICATION_TYPES = (
    ("CATALYSIS", "SBO:0000013"),
    ("INHIBITION", "SBO:0000020"),
    ("INHIBITION", "SBO:0000020"),
    ("UNKNOWN_CATALYSIS", "SBO:0000462"),
    ("UNKNOWN_INHIBITION", "SBO:0000020"),
    ("TRIGGER", "SBO:0000461"),
    ("MODULATION", "SBO:0000019"),
)

_SBML_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sbml xmlns="http://www.sbml.org/sbml/level2/version4" '
    'xmlns:celldesigner="http://www.sbml.org/2001/ns/celldesigner" level="2" version="4">\n'
)
_RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:vCard="http://www.w3.org/2001/vcard-rdf/3.0#" '
    'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/" '
    'xmlns:bqmodel="http://biomodels.net/model-qualifiers/">\n'
)
_EMPTY_NOTES = (
    "<celldesigner:notes>\n"
    '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n<title/>\n</head>\n<body/>\n</html>\n'
    "</celldesigner:notes>\n"
)
_VIEWS = (
    '<celldesigner:usualView>\n<celldesigner:innerPosition x="0.0" y="0.0"/>\n'
    '<celldesigner:boxSize width="{w}.0" height="{h}.0"/>\n'
    '<celldesigner:singleLine width="1.0"/>\n'
    '<celldesigner:paint color="ffccffcc" scheme="Color"/>\n</celldesigner:usualView>\n'
    '<celldesigner:briefView>\n<celldesigner:innerPosition x="0.0" y="0.0"/>\n'
    '<celldesigner:boxSize width="80.0" height="60.0"/>\n'
    '<celldesigner:singleLine width="1.0"/>\n'
    '<celldesigner:paint color="3fff0000" scheme="Color"/>\n</celldesigner:briefView>\n'
    '<celldesigner:info state="empty" angle="-1.5707963267948966"/>\n'
)

COMPLEX_EVERY = 25  # every 25th SBML species is a complex of two included proteins
STATE_EVERY = 7  # every 7th protein species carries a phosphorylated residue


def _rdf(about: str, qualifier: str, resources: list[str]) -> str:
    items = "".join(f'<rdf:li rdf:resource="{resource}"/>\n' for resource in resources)
    return (
        f'{_RDF_OPEN}<rdf:Description rdf:about="#{about}">\n<bqbiol:{qualifier}>\n'
        f"<rdf:Bag>\n{items}</rdf:Bag>\n</bqbiol:{qualifier}>\n</rdf:Description>\n</rdf:RDF>\n"
    )


def _name(index: int) -> str:
    # A few names use CellDesigner's escapes, as real maps do ("IFN_alpha_", "p_br_53").
    if index % 13 == 0:
        return f"IFN_alpha_{index}"
    if index % 17 == 0:
        return f"P_br_{index}"
    return f"GENE{index}"


class _Writer:
    """Builds the document section by section; ids are allocated as CellDesigner does."""

    def __init__(self, n_reactions: int, seed: int):
        self.rng = random.Random(seed)
        self.n_reactions = n_reactions
        self.n_species = max(10, n_reactions // 2)
        self.metaid = 0
        # species index -> alias id; complexes are "csaN", the rest "saN"
        self.alias = {
            i: (f"csa{i}" if self._is_complex(i) else f"sa{i}")
            for i in range(1, self.n_species + 1)
        }

    @staticmethod
    def _is_complex(index: int) -> bool:
        return index % COMPLEX_EVERY == 0

    def _next_metaid(self) -> str:
        self.metaid += 1
        return f"CDMT{self.metaid:05d}"

    def _members(self, index: int) -> tuple[int, int]:
        # Included species get ids after the SBML species, two per complex.
        base = self.n_species + 2 * (index // COMPLEX_EVERY)
        return base - 1, base

    # --- model extension ---------------------------------------------------------------

    def model_extension(self):
        yield (
            '<model metaid="synthetic" id="synthetic" sboTerm="SBO:0000231">\n<annotation>\n'
            "<celldesigner:extension>\n<celldesigner:modelVersion>4.0</celldesigner:modelVersion>\n"
            '<celldesigner:modelDisplay sizeX="20000" sizeY="20000"/>\n'
            "<celldesigner:listOfIncludedSpecies>\n"
        )
        for i in range(COMPLEX_EVERY, self.n_species + 1, COMPLEX_EVERY):
            for member in self._members(i):
                yield (
                    f'<celldesigner:species id="s{member}" name="{_name(member)}">\n{_EMPTY_NOTES}'
                    "<celldesigner:annotation>\n"
                    f"<celldesigner:complexSpecies>s{i}</celldesigner:complexSpecies>\n"
                    "<celldesigner:speciesIdentity>\n<celldesigner:class>PROTEIN</celldesigner:class>\n"
                    f"<celldesigner:proteinReference>pr{member}</celldesigner:proteinReference>\n"
                    "</celldesigner:speciesIdentity>\n</celldesigner:annotation>\n"
                    "</celldesigner:species>\n"
                )
        yield (
            "</celldesigner:listOfIncludedSpecies>\n<celldesigner:listOfCompartmentAliases>\n"
            '<celldesigner:compartmentAlias id="ca1" compartment="c1">\n'
            "<celldesigner:class>SQUARE</celldesigner:class>\n"
            '<celldesigner:bounds x="10.0" y="10.0" w="19980.0" h="19980.0"/>\n'
            '<celldesigner:namePoint x="40.0" y="19950.0"/>\n'
            '<celldesigner:doubleLine thickness="12.0" outerWidth="2.0" innerWidth="1.0"/>\n'
            '<celldesigner:paint color="ffcccc00" scheme="Color"/>\n'
            '<celldesigner:info state="empty" angle="-1.5707963267948966"/>\n'
            "</celldesigner:compartmentAlias>\n</celldesigner:listOfCompartmentAliases>\n"
            "<celldesigner:listOfComplexSpeciesAliases>\n"
        )
        for i in range(COMPLEX_EVERY, self.n_species + 1, COMPLEX_EVERY):
            yield self._alias(
                "complexSpeciesAlias", f"csa{i}", f"s{i}", 'compartmentAlias="ca1"', i
            )
        yield "</celldesigner:listOfComplexSpeciesAliases>\n<celldesigner:listOfSpeciesAliases>\n"
        for i in range(1, self.n_species + 1):
            if self._is_complex(i):
                for member in self._members(i):
                    yield self._alias(
                        "speciesAlias",
                        f"sa{member}",
                        f"s{member}",
                        f'complexSpeciesAlias="csa{i}"',
                        i,
                    )
            else:
                yield self._alias("speciesAlias", f"sa{i}", f"s{i}", 'compartmentAlias="ca1"', i)
        yield "</celldesigner:listOfSpeciesAliases>\n<celldesigner:listOfGroups/>\n"
        yield "<celldesigner:listOfProteins>\n"
        for i in range(1, self.n_species + 1):
            ids = self._members(i) if self._is_complex(i) else (i,)
            for protein in ids:
                if protein % STATE_EVERY == 0:
                    yield (
                        f'<celldesigner:protein id="pr{protein}" name="{_name(protein)}" type="GENERIC">\n'
                        "<celldesigner:listOfModificationResidues>\n"
                        f'<celldesigner:modificationResidue angle="0.5" id="rs1" name="S{protein % 900}" '
                        'side="none"/>\n</celldesigner:listOfModificationResidues>\n'
                        "</celldesigner:protein>\n"
                    )
                else:
                    yield f'<celldesigner:protein id="pr{protein}" name="{_name(protein)}" type="GENERIC"/>\n'
        yield (
            "</celldesigner:listOfProteins>\n<celldesigner:listOfGenes/>\n<celldesigner:listOfRNAs/>\n"
            "<celldesigner:listOfAntisenseRNAs/>\n<celldesigner:listOfLayers/>\n"
            "<celldesigner:listOfBlockDiagrams/>\n</celldesigner:extension>\n</annotation>\n"
        )

    def _alias(self, tag: str, alias_id: str, species: str, where: str, index: int) -> str:
        x, y = (index * 37) % 19000 + 20, (index * 53) % 19000 + 20
        return (
            f'<celldesigner:{tag} id="{alias_id}" species="{species}" {where}>\n'
            "<celldesigner:activity>inactive</celldesigner:activity>\n"
            f'<celldesigner:bounds x="{x}.0" y="{y}.0" w="90.0" h="25.0"/>\n'
            '<celldesigner:font size="12"/>\n<celldesigner:view state="usual"/>\n'
            f"{_VIEWS.format(w=90, h=25)}</celldesigner:{tag}>\n"
        )

    # --- SBML body ---------------------------------------------------------------------

    def units_and_compartments(self):
        units = (
            ("substance", "mole", ""),
            ("volume", "litre", ""),
            ("area", "metre", ' exponent="2"'),
            ("length", "metre", ""),
            ("time", "second", ""),
        )
        yield "<listOfUnitDefinitions>\n"
        for uid, kind, extra in units:
            yield (
                f'<unitDefinition metaid="{uid}" id="{uid}" name="{uid}">\n<listOfUnits>\n'
                f'<unit metaid="{self._next_metaid()}" kind="{kind}"{extra}/>\n'
                "</listOfUnits>\n</unitDefinition>\n"
            )
        yield (
            "</listOfUnitDefinitions>\n<listOfCompartments>\n"
            '<compartment metaid="default" id="default" size="1" units="volume" sboTerm="SBO:0000240"/>\n'
            '<compartment metaid="c1" id="c1" name="Cell" size="1" units="volume" outside="default" '
            'sboTerm="SBO:0000240">\n<annotation>\n<celldesigner:extension>\n'
            "<celldesigner:name>Cell</celldesigner:name>\n</celldesigner:extension>\n</annotation>\n"
            "</compartment>\n</listOfCompartments>\n"
        )

    def species(self):
        yield "<listOfSpecies>\n"
        for i in range(1, self.n_species + 1):
            complex_ = self._is_complex(i)
            name = f"Cx{i}" if complex_ else _name(i)
            sbo = "SBO:0000253" if complex_ else "SBO:0000252"
            if complex_:
                identity = "<celldesigner:class>COMPLEX</celldesigner:class>\n"
            else:
                identity = (
                    "<celldesigner:class>PROTEIN</celldesigner:class>\n"
                    f"<celldesigner:proteinReference>pr{i}</celldesigner:proteinReference>\n"
                )
                if i % STATE_EVERY == 0:
                    identity += (
                        "<celldesigner:state>\n<celldesigner:listOfModifications>\n"
                        '<celldesigner:modification residue="rs1" state="phosphorylated"/>\n'
                        "</celldesigner:listOfModifications>\n</celldesigner:state>\n"
                    )
            yield (
                f'<species metaid="s{i}" id="s{i}" name="{name}" compartment="c1" initialAmount="0" '
                f'sboTerm="{sbo}">\n<annotation>\n<celldesigner:extension>\n'
                "<celldesigner:positionToCompartment>inside</celldesigner:positionToCompartment>\n"
                f"<celldesigner:speciesIdentity>\n{identity}</celldesigner:speciesIdentity>\n"
                f"</celldesigner:extension>\n{_rdf(f's{i}', 'is', [f'urn:miriam:hgnc:{1000 + i}'])}"
                "</annotation>\n</species>\n"
            )
        yield "</listOfSpecies>\n"

    def reactions(self):
        rng = self.rng
        types = [t for t, _, _ in _REACTION_TYPES]
        weights = [w for _, _, w in _REACTION_TYPES]
        sbo_of = {t: sbo for t, sbo, _ in _REACTION_TYPES}
        yield "<listOfReactions>\n"
        for i in range(1, self.n_reactions + 1):
            type_ = rng.choices(types, weights)[0]
            n_reactants = 2 if type_ == "HETERODIMER_ASSOCIATION" else 1
            n_products = 2 if type_ == "DISSOCIATION" else 1
            picked = rng.sample(range(1, self.n_species + 1), n_reactants + n_products + 2)
            reactants, products = (
                picked[:n_reactants],
                picked[n_reactants : n_reactants + n_products],
            )
            # About half the reactions have one or two modifiers, as in the real maps.
            n_modifiers = rng.choice((0, 0, 1, 1, 2))
            modifiers = [(m, rng.choice(_MODIFICATION_TYPES)) for m in picked[-2:][:n_modifiers]]
            yield self._reaction(i, type_, sbo_of[type_], reactants, products, modifiers)
        yield "</listOfReactions>\n"

    def _reaction(self, i, type_, sbo, reactants, products, modifiers) -> str:
        rid = f"re{i}"
        parts = [f'<reaction metaid="{rid}" id="{rid}" reversible="false" sboTerm="{sbo}">\n']
        if i % 10 == 0:
            pmid = 10_000_000 + self.rng.randrange(30_000_000)
            parts.append(
                '<notes>\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n<title/>\n</head>\n'
                f"<body>Shown in macrophages after infection. PMID:{pmid}\n</body>\n</html>\n</notes>\n"
            )
        parts.append(
            "<annotation>\n<celldesigner:extension>\n"
            f"<celldesigner:reactionType>{type_}</celldesigner:reactionType>\n"
            "<celldesigner:baseReactants>\n"
        )
        parts += [
            f'<celldesigner:baseReactant species="s{s}" alias="{self.alias[s]}"/>\n'
            for s in reactants
        ]
        parts.append("</celldesigner:baseReactants>\n<celldesigner:baseProducts>\n")
        parts += [
            f'<celldesigner:baseProduct species="s{s}" alias="{self.alias[s]}"/>\n'
            for s in products
        ]
        parts.append(
            "</celldesigner:baseProducts>\n"
            '<celldesigner:connectScheme connectPolicy="direct" rectangleIndex="0">\n'
            "<celldesigner:listOfLineDirection>\n"
            '<celldesigner:lineDirection index="0" value="unknown"/>\n'
            "</celldesigner:listOfLineDirection>\n</celldesigner:connectScheme>\n"
            '<celldesigner:line width="1.0" color="ff000000"/>\n'
        )
        if modifiers:
            parts.append("<celldesigner:listOfModification>\n")
            for species, (kind, _) in modifiers:
                parts.append(
                    f'<celldesigner:modification type="{kind}" modifiers="s{species}" '
                    f'aliases="{self.alias[species]}" targetLineIndex="-1,2">\n'
                    '<celldesigner:connectScheme connectPolicy="direct">\n'
                    "<celldesigner:listOfLineDirection>\n"
                    '<celldesigner:lineDirection index="0" value="unknown"/>\n'
                    "</celldesigner:listOfLineDirection>\n</celldesigner:connectScheme>\n"
                    '<celldesigner:line width="1.0" color="ff000000"/>\n'
                    "</celldesigner:modification>\n"
                )
            parts.append("</celldesigner:listOfModification>\n")
        parts.append("</celldesigner:extension>\n")
        if i % 3 == 0:
            pmid = 10_000_000 + self.rng.randrange(30_000_000)
            parts.append(_rdf(rid, "isDescribedBy", [f"urn:miriam:pubmed:{pmid}"]))
        parts.append("</annotation>\n")
        for list_name, tag, sbo_ref, members in (
            ("listOfReactants", "speciesReference", "SBO:0000010", [(s, None) for s in reactants]),
            ("listOfProducts", "speciesReference", "SBO:0000011", [(s, None) for s in products]),
            ("listOfModifiers", "modifierSpeciesReference", None, modifiers),
        ):
            if not members:
                continue
            parts.append(f"<{list_name}>\n")
            for species, modification in members:
                term = modification[1] if modification else sbo_ref
                parts.append(
                    f'<{tag} metaid="{self._next_metaid()}" sboTerm="{term}" species="s{species}">\n'
                    "<annotation>\n<celldesigner:extension>\n"
                    f"<celldesigner:alias>{self.alias[species]}</celldesigner:alias>\n"
                    "</celldesigner:extension>\n</annotation>\n"
                    f"</{tag}>\n"
                )
            parts.append(f"</{list_name}>\n")
        parts.append("</reaction>\n")
        return "".join(parts)


def generate_map(n_reactions: int, path, seed: int = 0) -> Path:
    """Write a synthetic CellDesigner map with ``n_reactions`` reactions to ``path``.

    The same ``n_reactions`` and ``seed`` always give the same bytes.
    """
    if n_reactions < 1:
        raise ValueError("n_reactions must be at least 1")
    path = Path(path)
    writer = _Writer(n_reactions, seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(_SBML_HEADER)
        for section in (
            writer.model_extension(),
            writer.units_and_compartments(),
            writer.species(),
            writer.reactions(),
        ):
            out.writelines(section)
        out.write("</model>\n</sbml>\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_reactions", type=int, help="number of reactions to generate")
    parser.add_argument("path", type=Path, help="output XML file")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    generate_map(args.n_reactions, args.path, args.seed)
    size = args.path.stat().st_size
    print(f"wrote {args.path} ({args.n_reactions} reactions, {size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
