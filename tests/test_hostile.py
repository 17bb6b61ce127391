"""Hostile files from the outside (issue 7): refused clearly, in bounded time and memory.

XML attacks (XXE, entity bombs, deep nesting, huge attributes) and a large generated map
go through the real command line in a child process, which reports its own peak memory
(``VmHWM``) and is killed if it hangs; broken ledgers go through ``crsmap`` in-process;
hostile zips through ``crsmap verify`` with ``tracemalloc``. Nothing asserts on time:
the child's timeout only stops a hang, and the memory bounds catch blow-ups. How long a
100 MB map takes, and its peak memory, are measured by ``make bench`` (bench/run.py,
"large map"), against lxml parsing the same file.

Each test prints (``pytest -rP``) and records (``--junitxml`` property
``hostile_rejected``) how many hostile files it saw refused. Bugs it found were fixed; their tests stay here.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from cli.main import cli
from curation.bundle import MANIFEST, REQUIRED
from curation.errors import InputError
from curation.xmlsafe import parse_xml_bytes

from .conftest import CARBERRY
from .processes import Run, crsmap_process

MEMORY_GUARD = 4 * 1024**3  # bytes; a guard against blow-ups only

SBML_OPEN = (
    '<sbml xmlns="http://www.sbml.org/sbml/level2/version4" '
    'xmlns:celldesigner="http://www.sbml.org/2001/ns/celldesigner" level="2" version="4">'
)
# More than the 64 kB xmlsafe scans for <!DOCTYPE: the parser's own checks must then hold.
PROLOG_PADDING = "<!--" + "p" * 70_000 + "-->\n"


def assert_bounded(run: Run) -> None:
    assert not run.timed_out, f"hang: {run}"
    assert run.peak_bytes < MEMORY_GUARD, f"memory blow-up: {run}"
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, str(run)
    assert run.code in (0, 1, 2, 3), str(run)


def assert_refused(run: Run, *expected: str) -> str:
    """Exit 2 with exactly one ``crsmap: error:`` line that contains each expected text."""
    assert_bounded(run)
    assert run.code == 2, str(run)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("crsmap: error: "), str(run)
    for text in expected:
        assert text in lines[0], str(run)
    return lines[0]


def report(record_property, rejected: int, seen: int, detail: str = "") -> None:
    record_property("hostile_rejected", rejected)
    record_property("hostile_seen", seen)
    print(f"hostile files rejected: {rejected} of {seen}" + (f"; {detail}" if detail else ""))


def init_args(map_path: Path, target: str = "proj", commit: bool = False) -> list[str]:
    args = ["init", target, "--title", "Hostile", "--map", str(map_path)]
    args += ["--curator-name", "Josiah Carberry", "--orcid", CARBERRY]
    return args + ([] if commit else ["--no-commit"])


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    """CRSMAP_DEBUG would turn an internal error into a traceback; test the user's view."""
    monkeypatch.delenv("CRSMAP_DEBUG", raising=False)


# --- XML attacks -------------------------------------------------------------------------------


def sbml(reaction_name: str = "r", notes: str = "", doctype: str = "", padding: str = "") -> str:
    notes_xml = f"<notes>{notes}</notes>" if notes else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{padding}{doctype}\n{SBML_OPEN}<model id="m">'
        f'<listOfReactions><reaction id="re1" name="{reaction_name}">{notes_xml}</reaction>'
        "</listOfReactions></model></sbml>\n"
    )


def billion_laughs() -> str:
    entities = (
        '<!ENTITY l0 "'
        + "lol" * 10
        + '">'
        + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    )
    return f"<!DOCTYPE sbml [{entities}]>"


XXE_SECRET = "XXE-SECRET-4f1c2d"


def xxe_cases(secret: Path, dtd: Path) -> dict[str, tuple[str, bool]]:
    """name -> (document, must be refused). Entities are refused; an unloaded DTD is harmless."""
    url = secret.as_uri()
    cases = {
        "system-entity-in-content": (
            sbml(notes="&x;", doctype=f'<!DOCTYPE sbml [<!ENTITY x SYSTEM "{url}">]>'),
            True,
        ),
        "system-entity-in-attribute": (
            sbml("&x;", doctype=f'<!DOCTYPE sbml [<!ENTITY x SYSTEM "{url}">]>'),
            True,
        ),
        "public-entity": (
            sbml(notes="&x;", doctype=f'<!DOCTYPE sbml [<!ENTITY x PUBLIC "-//X//Y" "{url}">]>'),
            True,
        ),
        "network-entity": (
            sbml(
                notes="&x;", doctype='<!DOCTYPE sbml [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
            ),
            True,
        ),
        "parameter-entity-external": (
            sbml(doctype=f'<!DOCTYPE sbml [<!ENTITY % p SYSTEM "{url}"> %p;]>'),
            True,
        ),
        "parameter-entity-declaring-entity": (
            sbml("&y;", doctype="<!DOCTYPE sbml [<!ENTITY % p \"<!ENTITY y 'x'>\"> %p;]>"),
            True,
        ),
        "internal-entity-in-attribute": (
            sbml("&y;", doctype='<!DOCTYPE sbml [<!ENTITY y "pmid 29808005">]>'),
            True,
        ),
        "external-dtd-declaring-entity": (
            sbml("&leak;", notes="&leak;", doctype=f'<!DOCTYPE sbml SYSTEM "{dtd.as_uri()}">'),
            False,
        ),
        "public-external-dtd": (
            sbml(doctype='<!DOCTYPE sbml PUBLIC "-//X//DTD Y//EN" "http://127.0.0.1:9/y.dtd">'),
            False,
        ),
    }
    # The same attacks with the DOCTYPE beyond the first 64 kB that xmlsafe scans.
    for name in (
        "system-entity-in-content",
        "system-entity-in-attribute",
        "parameter-entity-external",
    ):
        document, _ = cases[name]
        cases[f"{name}-after-64kB"] = (document.replace("\n", "\n" + PROLOG_PADDING, 1), True)
    return cases


def test_xxe_variants_are_refused_without_reading_the_file(tmp_path, record_property):
    secret = tmp_path / "secret.txt"
    secret.write_text(XXE_SECRET)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak "{XXE_SECRET}">')
    (tmp_path / "in").mkdir()
    rejected = seen = 0
    for name, (document, must_refuse) in xxe_cases(secret, dtd).items():
        seen += 1
        path = tmp_path / "in" / f"{name}.xml"
        path.write_text(document)
        target = f"proj-{name}"
        run = crsmap_process(init_args(path, target), tmp_path)
        assert XXE_SECRET not in run.stdout + run.stderr, f"{name}: {run}"
        if must_refuse or run.code == 2:
            line = assert_refused(run, f"{name}.xml")
            assert "entit" in line, f"{name}: {line}"
            assert not (tmp_path / target).exists(), f"{name}: init wrote files"
            rejected += 1
            continue
        assert_bounded(run)
        assert run.code == 0, f"{name}: {run}"
        listing = crsmap_process(
            ["--project", target, "interactions", "list", "--format", "json"], tmp_path
        )
        assert_bounded(listing)
        assert listing.code == 0 and XXE_SECRET not in listing.stdout, f"{name}: {listing}"
        assert XXE_SECRET not in (tmp_path / target / "maps" / path.name).read_text()
    report(record_property, rejected, seen, "an unloaded external DTD is harmless and loads")


def bomb_cases() -> dict[str, tuple[str, str]]:
    """name -> (document, text the one-line error must contain)."""
    huge = "h" * 100_000
    quadratic = f'<!DOCTYPE sbml [<!ENTITY h "{huge}">]>'
    cases = {
        "billion-laughs": (sbml(notes="&l9;", doctype=billion_laughs()), "entities"),
        "billion-laughs-in-attribute": (sbml("&l9;", doctype=billion_laughs()), "entities"),
        "quadratic-blowup": (sbml(notes="&h;" * 100_000, doctype=quadratic), "entities"),
        "quadratic-blowup-in-attribute": (sbml("&h;" * 50_000, doctype=quadratic), "entities"),
    }
    for name in list(cases):
        document, _ = cases[name]
        # Beyond the 64 kB scan, libxml2's amplification limit or the DTD check must refuse.
        cases[f"{name}-after-64kB"] = (sbml_with_padding(document), "")
    return cases


def sbml_with_padding(document: str) -> str:
    return document.replace("\n", "\n" + PROLOG_PADDING, 1)


def test_entity_bombs_are_refused_in_bounded_time_and_memory(tmp_path, record_property):
    rejected = seen = 0
    slowest = biggest = 0.0
    for name, (document, expected) in bomb_cases().items():
        seen += 1
        path = tmp_path / f"{name}.xml"
        path.write_text(document)
        # The command line first, in a child that a hang would not outlive ...
        run = crsmap_process(init_args(path, f"proj-{name}"), tmp_path)
        assert_refused(run, f"{name}.xml", expected)
        assert not (tmp_path / f"proj-{name}").exists()
        with pytest.raises(InputError):  # ... then the library's view
            parse_xml_bytes(path.read_bytes(), name)
        slowest, biggest = max(slowest, run.seconds), max(biggest, run.peak_bytes / 2**20)
        rejected += 1
    report(
        record_property,
        rejected,
        seen,
        f"slowest {slowest:.1f} s, largest peak {biggest:.0f} MiB (whole crsmap process)",
    )


def test_deep_nesting_and_huge_values_are_refused(tmp_path, record_property):
    levels = 100_000
    cases = {
        "deep-nesting": (
            f'<?xml version="1.0"?>\n{SBML_OPEN}<model id="m"><notes>'
            + "<div>" * levels
            + "</div>" * levels
            + "</notes></model></sbml>\n",
            "malformed XML",
        ),
        "huge-attribute": (sbml("x" * 50_000_000), "malformed XML"),
        "huge-text": (sbml(notes="PMID " * 10_000_000), "malformed XML"),
        "huge-name": (f'<?xml version="1.0"?>\n<{"n" * 20_000_000}/>', "malformed XML"),
    }
    rejected = 0
    details = []
    for name, (document, expected) in cases.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(document)
        del document
        run = crsmap_process(init_args(path, f"proj-{name}"), tmp_path)
        line = assert_refused(run, f"{name}.xml:", expected)
        assert len(line) < 400, line  # one short line, not the 50 MB value echoed back
        assert not (tmp_path / f"proj-{name}").exists()
        details.append(f"{name} {run.peak_bytes / 2**20:.0f} MiB")
        rejected += 1
    report(record_property, rejected, len(cases), ", ".join(details))


# Notes crafted against the reference patterns; each regex tried on them backtracks for
# hours if it is quadratic or worse, so the child's timeout tells a hang from a slow machine.
REDOS_NOTES = {
    "pmid-list": "PMID: 1" + ", 12345" * 200_000,
    "doi-prefixes": "doi:10.1234/" * 100_000,
    "urls": "https://pubmed.ncbi.nlm.nih.gov/" * 50_000,
    "pmc": "PMC" * 300_000,
    "entrez": "ncbi.nlm.nih.gov/entrez/query.fcgi?" * 90_000,  # 3 MB: a quadratic pattern once
}


def test_redos_in_notes_is_bounded(tmp_path):
    """Notes crafted against the reference patterns must not make crsmap hang."""
    reactions = "".join(
        f'<reaction id="re{i}" name="{name}"><notes>{text}</notes></reaction>'
        for i, (name, text) in enumerate(REDOS_NOTES.items(), start=1)
    )
    path = tmp_path / "redos.xml"
    path.write_text(
        sbml().replace('<reaction id="re1" name="r"></reaction>', reactions)
    )  # one map, one child process: each reaction's notes are scanned on their own
    run = crsmap_process(init_args(path), tmp_path)
    assert_bounded(run)
    assert run.code == 0, str(run)
    assert f"{len(REDOS_NOTES)} interactions" in run.stdout + run.stderr, str(run)


# --- a large valid map -------------------------------------------------------------------------

_SPECIES = (
    '<species metaid="s{i}" id="s{i}" name="GENE{i}" compartment="c1" initialAmount="0">'
    "<annotation><celldesigner:extension><celldesigner:speciesIdentity>"
    "<celldesigner:class>PROTEIN</celldesigner:class>"
    "<celldesigner:proteinReference>pr{i}</celldesigner:proteinReference>"
    "</celldesigner:speciesIdentity></celldesigner:extension></annotation></species>\n"
)
_REACTION = (
    '<reaction metaid="re{i}" id="re{i}" reversible="false">\n'
    '<notes><html xmlns="http://www.w3.org/1999/xhtml"><body>{note} PMID:{pmid}</body></html></notes>\n'
    "<annotation><celldesigner:extension>"
    "<celldesigner:reactionType>STATE_TRANSITION</celldesigner:reactionType>"
    '<celldesigner:baseReactants><celldesigner:baseReactant species="s{a}" alias="sa{a}"/>'
    "</celldesigner:baseReactants>"
    '<celldesigner:baseProducts><celldesigner:baseProduct species="s{b}" alias="sa{b}"/>'
    "</celldesigner:baseProducts>"
    '<celldesigner:connectScheme connectPolicy="direct" rectangleIndex="0">'
    '<celldesigner:listOfLineDirection><celldesigner:lineDirection index="0" value="unknown"/>'
    "</celldesigner:listOfLineDirection></celldesigner:connectScheme>"
    '<celldesigner:line width="1.0" color="ff000000"/>'
    '<celldesigner:listOfModification><celldesigner:modification type="CATALYSIS" '
    'modifiers="s{c}" aliases="sa{c}" targetLineIndex="-1,2"/></celldesigner:listOfModification>'
    "</celldesigner:extension>\n"
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/">'
    '<rdf:Description rdf:about="#re{i}"><bqbiol:isDescribedBy><rdf:Bag>'
    '<rdf:li rdf:resource="urn:miriam:pubmed:{pmid2}"/></rdf:Bag></bqbiol:isDescribedBy>'
    "</rdf:Description></rdf:RDF></annotation>\n"
    '<listOfReactants><speciesReference species="s{a}"/></listOfReactants>'
    '<listOfProducts><speciesReference species="s{b}"/></listOfProducts>'
    '<listOfModifiers><modifierSpeciesReference species="s{c}"/></listOfModifiers>'
    "</reaction>\n"
)
_NOTE = "Shown in macrophages after infection with SARS-CoV-2; see the review. " * 24


def write_large_map(path: Path, target_bytes: int) -> int:
    """A valid CellDesigner map of about ``target_bytes``, streamed; returns its reaction count."""
    species = 2000
    sample = _REACTION.format(i=1, a=1, b=2, c=3, note=_NOTE, pmid=10_000_000, pmid2=20_000_000)
    reactions = target_bytes // len(sample.encode())
    with path.open("w", encoding="utf-8") as out:
        out.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n{SBML_OPEN}\n<model metaid="m" id="m">\n'
        )
        out.write('<listOfCompartments><compartment metaid="c1" id="c1" name="cell" size="1"/>')
        out.write("</listOfCompartments>\n<listOfSpecies>\n")
        out.writelines(_SPECIES.format(i=i) for i in range(1, species + 1))
        out.write("</listOfSpecies>\n<listOfReactions>\n")
        for i in range(1, reactions + 1):
            out.write(
                _REACTION.format(
                    i=i,
                    a=i % species + 1,
                    b=(i * 7) % species + 1,
                    c=(i * 13) % species + 1,
                    note=_NOTE,
                    pmid=10_000_000 + i,
                    pmid2=20_000_000 + i,
                )
            )
        out.write("</listOfReactions>\n</model>\n</sbml>\n")
    return reactions


# About 1,600 reactions with notes, RDF and modifiers: larger than any map in ../shared/data
# in reactions, still quick. The 100 MB map this test once loaded is timed by ``make bench``.
LARGE_MAP_BYTES = 4_000_000


def test_a_large_map_loads_through_init_and_list(tmp_path, record_property):
    path = tmp_path / "large_map.xml"
    reactions = write_large_map(path, LARGE_MAP_BYTES)
    size = path.stat().st_size
    assert size >= LARGE_MAP_BYTES * 0.99

    init = crsmap_process(init_args(path, "proj", commit=True), tmp_path)
    assert_bounded(init)
    assert init.code == 0, str(init)
    assert f"{reactions} interactions" in init.stdout + init.stderr, str(init)

    listing = crsmap_process(
        ["--project", "proj", "interactions", "list", "--format", "tsv"], tmp_path
    )
    assert_bounded(listing)
    assert listing.code == 0, str(listing)
    rows = listing.stdout.splitlines()
    assert len(rows) == reactions + 1 and rows[1].startswith("re1\tSTATE_TRANSITION\t")
    assert rows[-1].startswith(f"re{reactions}\t"), rows[-1]
    record_property("large_map_init_peak_mib", round(init.peak_bytes / 2**20))
    record_property("large_map_list_peak_mib", round(listing.peak_bytes / 2**20))
    print(
        f"large map: {size / 1e6:.1f} MB, {reactions} reactions; init peak "
        f"{init.peak_bytes / 2**20:.0f} MiB, interactions list peak "
        f"{listing.peak_bytes / 2**20:.0f} MiB"
    )


# --- hostile files that crash the command line today --------------------------------------------


@pytest.mark.parametrize("kind", ["map-homodimer", "config-nesting", "cache-pubtypes"])
def test_hostile_files_that_crash_the_cli_today(kind, project, runner):
    root = project.root
    if kind == "map-homodimer":
        map_file = root / project.config.map.files[0]
        marker = "<celldesigner:speciesIdentity>"
        text = map_file.read_text()
        assert marker in text
        map_file.write_text(  # every species a homodimer '²', ahead of any state it has
            text.replace(
                marker,
                marker + "<celldesigner:state><celldesigner:homodimer>²"
                "</celldesigner:homodimer></celldesigner:state>",
            )
        )
        args = ["interactions", "list", "--format", "tsv"]
    elif kind == "config-nesting":
        with (root / "crsmap.toml").open("a") as config:
            config.write("\n[extra]\nnested = " + "[" * 5000 + "]" * 5000 + "\n")
        args = ["interactions", "list", "--format", "tsv"]
    else:
        (root / "literature.jsonl").write_text(
            '{"id": "pubmed:1", "source": "pubmed", "status": "ok", "pubtypes": 5}\n'
        )
        args = ["audit", "--format", "json"]
    result = runner.invoke(cli, ["--project", str(root), *args])
    assert "internal error" not in result.output, result.output
    assert result.exit_code in (0, 1, 2), result.output


# --- ledgers -----------------------------------------------------------------------------------


def ledger_line(project, number: int = 3) -> bytes:
    return (project.root / "evidence.tsv").read_bytes().split(b"\n")[number - 1]


def _replace_line(data: bytes, number: int, new: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[number - 1] = new
    return b"\n".join(lines)


LEDGER_VARIANTS = {
    # name -> (what to do to evidence.tsv, expected: "works" or "refused")
    "bom": (lambda d: b"\xef\xbb\xbf" + d, "works"),
    "crlf": (lambda d: d.replace(b"\n", b"\r\n"), "works"),
    "latin-1-note": (
        lambda d: _replace_line(
            d, 3, d.split(b"\n")[2].rsplit(b"\t", 1)[0] + b"\tcaf\xe9 cr\xe8me"
        ),
        "refused",
    ),
    "latin-1-file": (
        lambda d: d.decode().replace("ECO", "ÉCO", 1).encode("latin-1", "replace"),
        "refused",
    ),
    "utf-16": (lambda d: d.decode().encode("utf-16"), "refused"),
    "nul-in-note": (
        lambda d: _replace_line(d, 3, d.split(b"\n")[2].rsplit(b"\t", 1)[0] + b"\tx\x00y"),
        "refused",  # a NUL could not be written back, so reading reports the line
    ),
    "enormous-valid-line": (
        lambda d: _replace_line(
            d, 3, d.split(b"\n")[2].rsplit(b"\t", 1)[0] + b"\t" + b"n" * 20_000_000
        ),
        "works",
    ),
    "enormous-garbage-line": (lambda d: _replace_line(d, 3, b"g" * 20_000_000), "refused"),
    "missing-column": (
        lambda d: _replace_line(d, 3, d.split(b"\n")[2].rsplit(b"\t", 1)[0]),
        "refused",
    ),
    "bad-date-and-eco": (
        lambda d: _replace_line(d, 3, b"re1\tpubmed:1\tECO:12\t\t2020-13-45\tmanual\t"),
        "refused",
    ),
    "header-missing": (lambda d: b"\n".join(d.split(b"\n")[1:]), "refused"),
}


@pytest.fixture
def imported(project, runner):
    """The sample project with the map's references imported into evidence.tsv."""
    result = runner.invoke(cli, ["--project", str(project.root), "import"])
    assert result.exit_code == 0, result.output
    assert len((project.root / "evidence.tsv").read_bytes().split(b"\n")) > 4
    return project


def _invoke(runner, root: Path, *args: str):
    tracemalloc.start()
    try:
        result = runner.invoke(cli, ["--project", str(root), *args])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    assert peak < MEMORY_GUARD, f"{peak / 2**20:.0f} MiB allocated"
    return result


def _names_line(result, file: str = "evidence.tsv") -> bool:
    return re.search(rf"{re.escape(file)}:\d+: ", result.output) is not None


@pytest.mark.parametrize("variant", sorted(LEDGER_VARIANTS))
def test_hostile_evidence_ledgers(variant, imported, runner, record_property):
    change, expected = LEDGER_VARIANTS[variant]
    root = imported.root
    path = root / "evidence.tsv"
    path.write_bytes(change(path.read_bytes()))
    before = path.read_bytes()

    listing = [
        _invoke(runner, root, "evidence", "list", "--format", "tsv"),
        _invoke(runner, root, "interactions", "list", "--format", "tsv"),
        _invoke(runner, root, "show", "re1", "--format", "json"),
    ]
    audit = _invoke(runner, root, "audit", "--format", "json")
    if audit.exit_code == 2:  # the audit refused the file as a whole, naming file and line
        assert _names_line(audit), audit.output
        findings = []
    else:
        findings = json.loads(audit.stdout)["findings"]
    invalid = [f for f in findings if f["rule"] == "invalid-record"]
    for finding in invalid:
        assert (
            finding["message"].startswith("evidence.tsv:")
            and "evidence.tsv line" in finding["hint"]
        )

    adding = _invoke(runner, root, "evidence", "add", "re2", "pubmed:29808005", "--no-commit")

    if expected == "works":
        assert all(r.exit_code == 0 for r in listing), [r.output[-300:] for r in listing]
        assert audit.exit_code in (0, 1) and not invalid, audit.output[-2000:]
        assert adding is None or adding.exit_code == 0, adding.output
        rejected = 0
    else:
        for result in listing[:2]:
            # Listings skip a malformed line with a warning, or refuse an unreadable file.
            assert result.exit_code in (0, 2) and _names_line(result), result.output[-500:]
        assert invalid or audit.exit_code == 2, audit.output[-2000:]
        assert adding.exit_code == 2 and _names_line(adding), adding.output
        assert path.read_bytes() == before, "a refused command wrote the ledger"
        rejected = 1
    report(
        record_property, rejected, 1, f"audit exit {audit.exit_code}, {len(invalid)} invalid-record"
    )


def test_audit_reports_a_non_utf8_ledger_as_a_finding(imported, runner):
    path = imported.root / "evidence.tsv"
    path.write_bytes(LEDGER_VARIANTS["latin-1-note"][0](path.read_bytes()))
    result = _invoke(runner, imported.root, "audit", "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert any(
        f["rule"] == "invalid-record" and f["message"].startswith("evidence.tsv:3:")
        for f in findings
    )


@pytest.mark.parametrize("bad", [b"x\x00y", "x\u2028y".encode()], ids=["nul", "u2028"])
def test_nul_in_a_note_does_not_block_evidence_add(bad, imported, runner):
    path = imported.root / "evidence.tsv"
    data = path.read_bytes()
    path.write_bytes(_replace_line(data, 3, data.split(b"\n")[2].rsplit(b"\t", 1)[0] + b"\t" + bad))
    result = _invoke(
        runner, imported.root, "evidence", "add", "re2", "pubmed:29808005", "--no-commit"
    )
    assert result.exit_code == 0 or (result.exit_code == 2 and _names_line(result)), result.output


def test_messages_about_an_enormous_bad_field_stay_short(imported, runner):
    path = imported.root / "evidence.tsv"
    bad = "re1\tpubmed:1\t" + "E" * 5_000_000 + "\t\t2020-01-01\tmanual\t\n"
    path.write_text(path.read_text() + bad)
    for args in (
        ["evidence", "list"],
        ["audit", "--format", "json"],
        ["evidence", "add", "re2", "pubmed:29808005", "--no-commit"],
    ):
        result = _invoke(runner, imported.root, *args)
        longest = max(len(line) for line in result.output.splitlines())
        assert longest < 2000, f"{args[0]}: a {longest}-character line"


def test_hostile_interactions_ledger_and_cache(imported, runner, record_property):
    root = imported.root
    rejected = 0
    cases = {
        "interactions.tsv": [
            b"interaction\tcurator\tlicense\tderived_from\tstatus\tsignature\tupdated\n"
            b"re1\t\tCC-BY-4.0\t\tdraft\t\t\nre2\t\t\t\tfinished\t\t\nre3\tonly three\n",
            "interaction\tcurator\tlicense\tderived_from\tstatus\tsignature\tupdated\n"
            "re1\t\tCC-BY-4.0\t\tdraft\tcafé\t\n".encode("latin-1"),
        ],
        "literature.jsonl": [
            b'{"id": "pubmed:1", "status": "ok", "source": "pubmed"}\n{not json\n[1, 2]\n'
            b'{"id": "pubmed:2", "status": "gone", "source": "pubmed"}\n',
            b'{"id": "pubmed:1", "title": "caf\xe9", "status": "ok", "source": "pubmed"}\n',
        ],
    }
    for name, contents in cases.items():
        original = (root / name).read_bytes()
        for content in contents:
            (root / name).write_bytes(content)
            audit = _invoke(runner, root, "audit", "--format", "json")
            if audit.exit_code == 2:
                assert _names_line(audit, name), audit.output
            else:
                messages = [
                    f["message"]
                    for f in json.loads(audit.stdout)["findings"]
                    if f["rule"] == "invalid-record"
                ]
                assert messages and all(m.startswith(f"{name}:") for m in messages), audit.output
            listing = _invoke(runner, root, "interactions", "list", "--format", "tsv")
            assert listing.exit_code in (0, 2), listing.output
            rejected += 1
        (root / name).write_bytes(original)
    report(record_property, rejected, 4)


# --- hostile bundles for crsmap verify ---------------------------------------------------------

MINIMAL_MAP = (
    f'<?xml version="1.0"?>\n{SBML_OPEN}<model id="m"><listOfReactions>'
    '<reaction id="re1"/></listOfReactions></model></sbml>\n'
).encode()


def bundle_files(**changes: bytes) -> dict[str, bytes]:
    """The files of a small bundle that verifies, with some replaced; the manifest matches."""
    files = {
        "evidence.tsv": b"interaction\treference\tevidence\tcurator\tdate\tsource\tnote\tfirst_release\n",
        "interactions.tsv": b"id\n",
        "references.bib": b"",
        "references.json": b"[]",
        "CITATION.cff": b"cff-version: 1.2.0\nmessage: m\ntitle: t\nauthors: []\nversion: 1\n"
        b"date-released: 2020-01-01\nlicense: CC-BY-4.0\n",
        "LICENSE": b"x",
        "ATTRIBUTION.md": b"x",
        "CHANGELOG.md": b"x",
        "changes.tsv": b"kind\tinteraction\treference\tcurator\tdetail\n",
        "ro-crate-metadata.json": json.dumps(
            {
                "@graph": [
                    {"@id": "ro-crate-metadata.json", "about": {"@id": "./"}},
                    {
                        "@id": "./",
                        **dict.fromkeys(
                            (
                                "name",
                                "description",
                                "datePublished",
                                "license",
                                "author",
                                "hasPart",
                            ),
                            "x",
                        ),
                    },
                ]
            }
        ).encode(),
        "map/m.xml": MINIMAL_MAP,
    }
    for name in REQUIRED:  # whatever else a bundle must hold today
        if name != MANIFEST:
            files.setdefault(name, b"x")
    files.update(changes)
    files[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    return files


def write_zip(path: Path, entries, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"/etc/passwd")
            else:
                archive.writestr(*entry)
    return path


def good_bundle(path: Path, **changes: bytes) -> Path:
    return write_zip(
        path, [(f"b-1.0.0/{n}", d) for n, d in sorted(bundle_files(**changes).items())]
    )


def stored_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip written byte by byte, for names zipfile refuses to write (such as '')."""
    body, central = bytearray(), bytearray()
    for name, data in entries:
        raw, crc, offset = name.encode(), zlib.crc32(data), len(body)
        sizes = (crc, len(data), len(data), len(raw))
        body += struct.pack("<4s5H3IHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, *sizes, 0) + raw + data
        central += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset
        )
        central += raw
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body), 0
    )
    return bytes(body + central + end)


def patch_declared_size(path: Path, size: int) -> None:
    """Make every central-directory entry claim ``size`` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def hostile_bundles(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (zip, text one of the reported problems contains)."""
    good = bundle_files()
    symlink = zipfile.ZipInfo("b-1.0.0/map/link.xml")
    symlink.external_attr = 0o120777 << 16
    inner = folder / "inner.zip"
    write_zip(inner, [("bomb.tsv", b"\0" * 20_000_000)])
    cases = {
        "dot-dot": ([("b-1.0.0/../../evil.txt", b"x"), *good.items()], "unsafe path"),
        "dot-dot-backslash": ([("b-1.0.0\\..\\..\\evil.txt", b"x")], "unsafe path"),
        "absolute-path": ([(str(folder / "evil.txt"), b"x")], "unsafe path"),
        "drive-path": ([("C:/evil.txt", b"x")], "unsafe path"),
        "symlink": ([symlink], "symbolic link"),
        "high-ratio": ([("b-1.0.0/evidence.tsv", b"\0" * 20_000_000)], "zip bomb"),
        "many-entries": ([(f"b-1.0.0/f{i}", b"") for i in range(10_001)], "more than 10000"),
        "nested-zip": (
            [(f"b-1.0.0/{n}", d) for n, d in good.items()]
            + [("b-1.0.0/map/inner.zip", inner.read_bytes())],
            "is not in manifest-sha256.txt",
        ),
    }
    result = {}
    for name, (entries, expected) in cases.items():
        result[name] = (write_zip(folder / f"{name}.zip", entries), expected)
    declared = write_zip(folder / "declared-size.zip", [("b-1.0.0/evidence.tsv", b"x" * 1000)])
    patch_declared_size(declared, 3_000_000_000)
    result["declared-size"] = (declared, "claims 3000000000 bytes")
    (folder / "not-a-zip.zip").write_bytes(b"PK\x03\x04" + b"\xff" * 100)
    result["not-a-zip"] = (folder / "not-a-zip.zip", "not a readable zip file")
    truncated = good_bundle(folder / "full.zip").read_bytes()
    (folder / "truncated.zip").write_bytes(truncated[: len(truncated) // 2])
    result["truncated"] = (folder / "truncated.zip", "not a readable zip file")
    return result


def files_under(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def verify_in_process(runner, bundle: Path):
    """``crsmap verify BUNDLE`` in-process, and the peak of Python's allocations during it."""
    tracemalloc.start()
    try:
        result = runner.invoke(cli, ["verify", str(bundle)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_good_bundle_verifies(tmp_path, runner):
    result = runner.invoke(cli, ["verify", str(good_bundle(tmp_path / "good.zip"))])
    assert result.exit_code == 0, result.output


def test_hostile_bundles_are_rejected_unread(tmp_path, runner, monkeypatch, record_property):
    folder = tmp_path / "zips"
    folder.mkdir()
    cases = hostile_bundles(folder)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    before = files_under(tmp_path)
    rejected = 0
    details = []
    for name, (bundle, expected) in sorted(cases.items()):
        result, peak = verify_in_process(runner, bundle)
        assert result.exit_code == 1, f"{name}: {result.output}"
        assert "Traceback" not in result.output and "internal error" not in result.output
        failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
        assert any(expected in line for line in failures), f"{name}: {result.output[-1000:]}"
        assert all(len(line) < 400 for line in failures), f"{name}: overlong problem line"
        # Nothing the archive holds is decompressed: Python allocations stay far below its content.
        assert peak < 50 * 2**20, f"{name}: {peak / 2**20:.0f} MiB allocated"
        assert files_under(tmp_path) == before, f"{name}: verify wrote files"
        details.append(f"{name} {peak / 2**20:.1f} MiB")
        rejected += 1
    assert not (tmp_path / "evil.txt").exists() and not (folder / "evil.txt").exists()
    report(record_property, rejected, len(cases), ", ".join(details))


def _deep_json() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "name",
    [
        "empty-entry-name",
        "dot-entry-name",
        "references-not-objects",
        "references-bad-pmid",
        "references-deep-json",
        "crate-about-not-object",
        "evidence-row-without-tab",
    ],
)
def test_verify_lists_problems_of_consistent_looking_bundles(name, tmp_path, runner):
    path = tmp_path / f"{name}.zip"
    if name in ("empty-entry-name", "dot-entry-name"):
        path.write_bytes(stored_zip([("" if name == "empty-entry-name" else ".", b"x")]))
    else:
        change = {
            "references-not-objects": {"references.json": b"[1]"},
            "references-bad-pmid": {"references.json": b'[{"PMID": "abc"}]'},
            "references-deep-json": {"references.json": _deep_json()},
            "crate-about-not-object": {
                "ro-crate-metadata.json": b'{"@graph": [{"@id": "ro-crate-metadata.json", "about": "./"}]}'
            },
            "evidence-row-without-tab": {"evidence.tsv": bundle_files()["evidence.tsv"] + b"re1\n"},
        }[name]
        good_bundle(path, **change)
    result = runner.invoke(cli, ["verify", str(path)])
    assert "internal error" not in result.output, result.output
    assert result.exit_code == 1 and "FAIL " in result.output, result.output


def test_verify_refuses_a_bomb_split_into_small_entries(tmp_path, runner):
    path = write_zip(
        tmp_path / "split-bomb.zip", [(f"b/{i}.tsv", b"\0" * 999_999) for i in range(100)]
    )
    result, peak = verify_in_process(runner, path)
    assert result.exit_code == 1
    assert "zip bomb" in result.output or "expands" in result.output, result.output[-500:]
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB read from a {path.stat().st_size} byte zip"
