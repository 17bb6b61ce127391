"""Generated curation projects for the audit benchmark: N interactions, 3 evidence records each.

A project is a lean synthetic CellDesigner map plus the three files the audit reads, all
consistent with each other, so that every rule runs over every record and finds nothing:

- ``maps/audit_N.xml``: a valid CellDesigner 4.0 / SBML L2V4 map (species with aliases
  and protein references, one compartment, reactions with ``reactionType``,
  ``baseReactants``/``baseProducts``, SBML ``listOfReactants``/``listOfProducts``, a
  modifier on every fourth reaction) whose reactions each carry three
  ``bqbiol:isDescribedBy urn:miriam:pubmed:N`` annotations. Without layout views, line
  schemes, notes or complexes it takes about 1.8 kB per reaction (``generate_map.py``'s
  maps take 3 kB), so 100,000 reactions make 180 MB rather than 300 MB.
- ``crsmap.toml`` rendered by :func:`curation.config.render_new_config`, with one curator
  and the map's creator (an organization).
- ``evidence.tsv``: the three annotated references of every interaction, rendered (and so
  sorted) by :func:`curation.ledger.render_evidence`.
- ``interactions.tsv``: one draft row per interaction with the curator, CC-BY-4.0 and the
  signature :func:`curation.celldesigner.read_map` derives, so ``interaction-changed``
  stays quiet.
- ``literature.jsonl``: a :class:`literature.model.Citation` for every reference.

To profile the audit of one generated project (top functions by cumulative time):

    .venv/bin/python bench/audit_bench.py 100000 --profile
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from curation.config import CONFIG_FILE, Creator, Curator, MapSettings, render_new_config
from curation.ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    EvidenceRecord,
    InteractionRecord,
    render_evidence,
    render_interactions,
)
from curation.project import Project
from curation.storage import atomic_write_text
from literature.cache import CACHE_FILE, render_cache
from literature.model import Author, Citation

RECORDS_PER_INTERACTION = 3
CURATOR = Curator("Josiah Carberry", "0000-0002-1825-0097")  # ORCID's documented example
ECO = "ECO:0000269"
DAY = "2024-01-15"  # every ledger date; in the past, so no future-date problem
LICENSE = "CC-BY-4.0"
FIRST_PMID = 10_000_000
MODIFIER_EVERY = 4

# (reactionType, SBO term) cycled over the reactions; modifiers are CATALYSIS.
_TYPES = (
    ("STATE_TRANSITION", "SBO:0000176"),
    ("NEGATIVE_INFLUENCE", "SBO:0000397"),
    ("POSITIVE_INFLUENCE", "SBO:0000396"),
)
_CD = "celldesigner:"
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sbml xmlns="http://www.sbml.org/sbml/level2/version4" '
    'xmlns:celldesigner="http://www.sbml.org/2001/ns/celldesigner" level="2" version="4">\n'
    '<model metaid="audit_bench" id="audit_bench">\n<annotation>\n<celldesigner:extension>\n'
    "<celldesigner:modelVersion>4.0</celldesigner:modelVersion>\n"
    '<celldesigner:modelDisplay sizeX="20000" sizeY="20000"/>\n'
    "<celldesigner:listOfCompartmentAliases>\n"
    '<celldesigner:compartmentAlias id="ca1" compartment="c1">'
    "<celldesigner:class>SQUARE</celldesigner:class>"
    '<celldesigner:bounds x="10.0" y="10.0" w="19980.0" h="19980.0"/>'
    "</celldesigner:compartmentAlias>\n</celldesigner:listOfCompartmentAliases>\n"
    "<celldesigner:listOfComplexSpeciesAliases/>\n<celldesigner:listOfSpeciesAliases>\n"
)
_COMPARTMENTS = (
    "<listOfCompartments>\n"
    '<compartment metaid="default" id="default" size="1" sboTerm="SBO:0000240"/>\n'
    '<compartment metaid="c1" id="c1" name="Cell" size="1" outside="default" '
    'sboTerm="SBO:0000240"/>\n</listOfCompartments>\n'
)
_RDF = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/">'
    '<rdf:Description rdf:about="#{rid}"><bqbiol:isDescribedBy><rdf:Bag>{items}'
    "</rdf:Bag></bqbiol:isDescribedBy></rdf:Description></rdf:RDF>\n"
)


def pmids_of(reaction: int) -> list[int]:
    """The PubMed IDs annotated on reaction ``re{reaction}``: distinct across the map."""
    first = FIRST_PMID + RECORDS_PER_INTERACTION * reaction
    return list(range(first, first + RECORDS_PER_INTERACTION))


def _species_ref(tag: str, species: int) -> str:
    return (
        f'<{tag} species="s{species}"><annotation><celldesigner:extension>'
        f"<celldesigner:alias>sa{species}</celldesigner:alias>"
        f"</celldesigner:extension></annotation></{tag}>\n"
    )


def _reaction(i: int, reactant: int, product: int, modifier: int | None) -> str:
    type_, sbo = _TYPES[i % len(_TYPES)]
    parts = [
        f'<reaction metaid="re{i}" id="re{i}" reversible="false" sboTerm="{sbo}">\n'
        f"<annotation>\n<{_CD}extension>\n<{_CD}reactionType>{type_}</{_CD}reactionType>\n"
        f'<{_CD}baseReactants><{_CD}baseReactant species="s{reactant}" alias="sa{reactant}"/>'
        f"</{_CD}baseReactants>\n"
        f'<{_CD}baseProducts><{_CD}baseProduct species="s{product}" alias="sa{product}"/>'
        f"</{_CD}baseProducts>\n"
    ]
    if modifier is not None:
        parts.append(
            f'<{_CD}listOfModification><{_CD}modification type="CATALYSIS" '
            f'modifiers="s{modifier}" aliases="sa{modifier}" targetLineIndex="-1,2"/>'
            f"</{_CD}listOfModification>\n"
        )
    items = "".join(f'<rdf:li rdf:resource="urn:miriam:pubmed:{p}"/>' for p in pmids_of(i))
    parts.append(f"</{_CD}extension>\n{_RDF.format(rid=f're{i}', items=items)}</annotation>\n")
    parts.append(
        f"<listOfReactants>\n{_species_ref('speciesReference', reactant)}</listOfReactants>\n"
    )
    parts.append(
        f"<listOfProducts>\n{_species_ref('speciesReference', product)}</listOfProducts>\n"
    )
    if modifier is not None:
        modifier_ref = _species_ref("modifierSpeciesReference", modifier)
        parts.append(f"<listOfModifiers>\n{modifier_ref}</listOfModifiers>\n")
    parts.append("</reaction>\n")
    return "".join(parts)


def write_lean_map(n_reactions: int, path: Path, seed: int = 0) -> Path:
    """Write a lean CellDesigner map of ``n_reactions`` reactions (one species per two)."""
    rng = random.Random(seed)
    n_species = max(10, n_reactions // 2)
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        out.write(_HEAD)
        out.writelines(
            f'<{_CD}speciesAlias id="sa{s}" species="s{s}" compartmentAlias="ca1">'
            f"<{_CD}activity>inactive</{_CD}activity>"
            f'<{_CD}bounds x="{s * 37 % 19000 + 20}.0" y="{s * 53 % 19000 + 20}.0" w="90.0" h="25.0"/>'
            f'<{_CD}view state="usual"/></{_CD}speciesAlias>\n'
            for s in range(1, n_species + 1)
        )
        out.write(f"</{_CD}listOfSpeciesAliases>\n<{_CD}listOfGroups/>\n<{_CD}listOfProteins>\n")
        out.writelines(
            f'<{_CD}protein id="pr{s}" name="GENE{s}" type="GENERIC"/>\n'
            for s in range(1, n_species + 1)
        )
        out.write(f"</{_CD}listOfProteins>\n</{_CD}extension>\n</annotation>\n{_COMPARTMENTS}")
        out.write("<listOfSpecies>\n")
        out.writelines(
            f'<species metaid="s{s}" id="s{s}" name="GENE{s}" compartment="c1" '
            f'initialAmount="0" sboTerm="SBO:0000252"><annotation><{_CD}extension>'
            f"<{_CD}positionToCompartment>inside</{_CD}positionToCompartment>"
            f"<{_CD}speciesIdentity><{_CD}class>PROTEIN</{_CD}class>"
            f"<{_CD}proteinReference>pr{s}</{_CD}proteinReference></{_CD}speciesIdentity>"
            f"</{_CD}extension></annotation></species>\n"
            for s in range(1, n_species + 1)
        )
        out.write("</listOfSpecies>\n<listOfReactions>\n")
        for i in range(1, n_reactions + 1):
            reactant, product, modifier = rng.sample(range(1, n_species + 1), 3)
            out.write(
                _reaction(i, reactant, product, modifier if i % MODIFIER_EVERY == 0 else None)
            )
        out.write("</listOfReactions>\n</model>\n</sbml>\n")
    return Path(path)


def _citation(curie: str) -> Citation:
    pmid = curie.removeprefix("pubmed:")
    return Citation(
        id=curie,
        fetched=f"{DAY}T00:00:00Z",
        pmid=pmid,
        title=f"Synthetic article {pmid}",
        authors=(Author("Carberry", "Josiah"), Author("Doe", "Jane")),
        journal="J Bench",
        year=2020,
        pubtypes=("Journal Article",),
    )


def build_project(root: Path, n_interactions: int) -> Project:
    """Write a consistent project of ``n_interactions`` into ``root``; return it opened.

    The returned project has already parsed its map (``project.interactions`` is warm),
    which the ledgers are built from: references from each reaction's RDF annotations,
    signatures as the map reader derives them.
    """
    root = Path(root)
    map_file = f"maps/audit_{n_interactions}.xml"
    (root / "maps").mkdir(parents=True, exist_ok=True)
    write_lean_map(n_interactions, root / map_file)
    settings = MapSettings(
        title=f"Audit bench {n_interactions}",
        short_name=f"audit-bench-{n_interactions}",
        files=(map_file,),
        license=LICENSE,
        # the map's authors are recorded, so that missing-map-creators stays quiet too
        creators=(Creator("Audit bench authors", kind="organization"),),
    )
    atomic_write_text(root / CONFIG_FILE, render_new_config(settings, [CURATOR]))
    project = Project.open(root)
    interactions = project.interactions
    if len(interactions) != n_interactions:
        raise RuntimeError(
            f"{map_file}: read {len(interactions)} interactions, wrote {n_interactions}"
        )
    orcid = CURATOR.orcid
    evidence = []
    for interaction in interactions.values():
        if len(interaction.annotated_references) != RECORDS_PER_INTERACTION:
            raise RuntimeError(
                f"{map_file}: {interaction.id} has {interaction.annotated_references}"
            )
        evidence += [
            EvidenceRecord(interaction.id, curie, ECO, orcid, DAY, "manual")
            for curie in interaction.annotated_references
        ]
    rows = [
        InteractionRecord(i.id, orcid, LICENSE, "", "draft", i.signature, DAY)
        for i in interactions.values()
    ]
    atomic_write_text(root / EVIDENCE_FILE, render_evidence(evidence))
    atomic_write_text(root / INTERACTIONS_FILE, render_interactions(rows))
    citations = [_citation(record.reference) for record in evidence]
    atomic_write_text(root / CACHE_FILE, render_cache(citations))
    return project


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_interactions", type=int, help="interactions in the generated map")
    parser.add_argument(
        "--profile", action="store_true", help="profile curation.audit.run with cProfile"
    )
    parser.add_argument("--top", type=int, default=25, help="functions to list (default: 25)")
    args = parser.parse_args(argv)

    from curation import audit

    with tempfile.TemporaryDirectory(prefix="crsmap-audit-bench-") as tmp:
        start = time.perf_counter()
        project = build_project(Path(tmp), args.n_interactions)
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
        print(
            f"built {args.n_interactions:,} interactions in {time.perf_counter() - start:.1f} s "
            f"({size / 1e6:.0f} MB on disk)"
        )
        if not args.profile:
            start = time.perf_counter()
            report = audit.run(project)
            print(
                f"audit.run: {time.perf_counter() - start:.3f} s, {len(report.findings)} findings"
            )
            return
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        report = profiler.runcall(audit.run, project)
        print(f"{len(report.findings)} findings")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
