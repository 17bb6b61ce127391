"""``crsmap.toml``: map metadata, curators and settings.

Read with :mod:`tomllib`; edited with tomlkit so that a curator's comments and layout
survive every change crsmap makes.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import InputError
from .identifiers import (
    CURATOR_NAME_RULE,
    NAME_RULE,
    email_problem,
    has_control_characters,
    name_problem,
    parse_name,
    parse_orcid,
    parse_spdx,
    parse_uri,
    quoted,
)
from .storage import read_text

CONFIG_FILE = "crsmap.toml"
DEFAULT_ECO = "ECO:0000269"
DEFAULT_LICENSE = "CC-BY-4.0"


@dataclass(frozen=True)
class Curator:
    """A person who curates the map, identified by ORCID (a ``[[curators]]`` entry).

    The field docstrings here and below are the key reference of docs/formats.md.
    """

    name: str
    """The curator's name: the git author of their commits."""
    orcid: str
    """Their ORCID: how the ledgers and the ``Curator:`` commit trailers name them."""
    email: str = ""
    """Their email: the git author's; a match with git's ``user.email`` makes them the
    acting curator."""
    affiliation: str = ""
    """Their institution; optional."""


@dataclass(frozen=True)
class Creator:
    """One of the map's own authors (not a curator): the people CC BY 4.0 asks to credit.

    ``name`` is written as the person wants to be cited; "Family, Given" makes the split
    of the name in CITATION.cff exact. ``kind`` is ``person`` or ``organization``.
    """

    name: str
    """As the creator wants to be cited; "Family, Given" splits a person's name exactly."""
    orcid: str = ""
    """Their ORCID; optional."""
    affiliation: str = ""
    """Their institution; optional."""
    kind: str = "person"
    """``person`` or ``organization`` (credited as written)."""


def parse_creator(text: str) -> Creator:
    """``NAME[;ORCID[;AFFILIATION]]``, as ``crsmap init --creator`` takes it; the ORCID is checked."""
    name, _, rest = text.partition(";")
    orcid, _, affiliation = rest.partition(";")
    name, orcid, affiliation = name.strip(), orcid.strip(), affiliation.strip()
    if not name or has_control_characters(text):
        raise InputError(
            f"invalid --creator {quoted(text)}: expected NAME[;ORCID[;AFFILIATION]] on one line, "
            "e.g. 'Marek Ostaszewski;0000-0003-1473-370X'"
        )
    name = parse_name(name, "--creator name", trailers=False)
    return Creator(name, parse_orcid(orcid) if orcid else "", affiliation)


CREATOR_KINDS = ("person", "organization")
SHORT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# What earlier crsmap versions let into release tags and is still a safe file name: old
# tags are read with this, so that a project can go on releasing after fixing its name.
COMMITTED_SHORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class MapSettings:
    """The ``[map]`` table: what the map is and which files hold it."""

    title: str
    """The map's title, as it should be cited."""
    short_name: str
    """Names the bundles and their folder: ``[a-z0-9][a-z0-9._-]{0,63}`` (default: from the
    title)."""
    files: tuple[str, ...]
    """The map file(s), as paths inside the project, e.g. ``["maps/crs.xml"]``."""
    description: str = ""
    """What the map is, in a sentence or two (CITATION.cff, Zenodo, RO-Crate)."""
    homepage: str = ""
    """Where the map is published, e.g. its MINERVA project URL."""
    license: str = DEFAULT_LICENSE
    """SPDX id of the map as a whole."""
    license_file: str = ""
    """A file in the project whose text the bundle's LICENSE carries; optional."""
    funding: tuple[str, ...] = ()
    """Funding statements, credited in ATTRIBUTION.md."""
    keywords: tuple[str, ...] = ()
    """Keywords (CITATION.cff, Zenodo, RO-Crate)."""
    creators: tuple[Creator, ...] = ()
    """The map's own authors (not its curators): ``{ name, orcid, affiliation, kind }``
    tables, as below."""
    copyright: str = ""
    """The original's copyright notice, as it states it."""
    source: str = ""
    """The original map: a URL or a DOI (stored as its ``https://doi.org/`` URL)."""
    source_license: str = ""
    """The original's SPDX license when it is not ``license``; the audit checks that it
    allows ``license``."""


@dataclass(frozen=True)
class CuratorProblem:
    """A curator's name or email in crsmap.toml that crsmap will not use (the audit reports it).

    ``key`` is where it is (``[[curators]] #2 name``) and ``value`` the text as written.
    """

    key: str
    value: str
    orcid: str
    problem: str

    def __str__(self) -> str:
        expected = f"; expected {CURATOR_NAME_RULE}" if self.key.endswith(" name") else ""
        return f"{CONFIG_FILE}: {self.key} {quoted(self.value)}: {self.problem}{expected}"


MINERVA_KEYS = ("url", "project", "models")


@dataclass(frozen=True)
class MinervaSettings:
    """The ``[minerva]`` table: the MINERVA instance and project the map is published on.

    ``url`` is the instance base (``https://host/minerva``), ``project`` MINERVA's project
    id; both are "" when not configured (``crsmap minerva pull`` may name them instead).
    ``models`` are the ``[minerva.models]`` overrides, ``("Model name", "maps/file.xml")``,
    for MINERVA maps whose names differ from the map files'.
    """

    url: str = ""
    project: str = ""
    models: tuple[tuple[str, str], ...] = ()

    @property
    def overrides(self) -> dict[str, str]:
        """The ``[minerva.models]`` overrides by model name."""
        return dict(self.models)


PUBLISH_KEYS = ("url", "concept_doi", "version", "doi", "deposition")


@dataclass(frozen=True)
class PublishSettings:
    """The ``[publish]`` table: where releases are deposited, and the DOIs crsmap recorded.

    ``url`` is set by hand (or ``--url``); the others are written by ``crsmap release
    VERSION --publish zenodo`` and ``crsmap publish zenodo``, and committed.
    """

    url: str = ""
    """The deposit server, e.g. ``https://zenodo.org`` (the default) or an InvenioRDM
    instance; ``--sandbox`` and ``--url`` override it."""
    concept_doi: str = ""
    """The DOI of all versions of the map (Zenodo's concept DOI), known after the first
    publication; later releases become new versions of it."""
    version: str = ""
    """The release whose DOI was reserved last (written by crsmap)."""
    doi: str = ""
    """That release's DOI, reserved before its bundle was built (written by crsmap)."""
    deposition: str = ""
    """The API address of that release's deposition on the server (written by crsmap)."""

    def doi_of(self, version: str) -> str:
        """The DOI reserved for release ``version``; "" when none was."""
        return self.doi if self.version == version and self.doi else ""


@dataclass(frozen=True)
class Config:
    """The parsed ``crsmap.toml``.

    A curator whose name (or email) could forge an identity in a commit is kept, with that
    field blank, and the field is described in ``curator_problems``: one hand-edited name
    must not stop every command, and must never reach a commit or a release.
    """

    map: MapSettings
    """``[map]``: what the map is and which files hold it."""
    curators: tuple[Curator, ...] = ()
    """``[[curators]]``: who curates it."""
    literature_email: str = ""
    """``[literature] email``: sent to NCBI as ``email`` and to Crossref as ``mailto``."""
    default_eco: str = DEFAULT_ECO
    """``[evidence] default_eco``: the ECO term ``evidence add`` records without ``--eco``."""
    audit: dict = field(default_factory=dict)
    """``[audit]``: ``fail_on`` (error, warning or never), ``ignore`` (rule codes not to run)
    and ``[audit.severity]`` (a rule code = error, warning or info)."""
    curator_problems: tuple[CuratorProblem, ...] = ()
    """Not a key: the curators' names or emails crsmap will not use (the audit reports them)."""
    minerva: MinervaSettings = field(default_factory=MinervaSettings)
    """``[minerva]``: ``url`` and ``project`` of the MINERVA project the map is published on,
    and ``[minerva.models]`` (a MINERVA map name = its file in ``[map] files``)."""
    publish: PublishSettings = field(default_factory=PublishSettings)
    """``[publish]``: the deposit server, the concept DOI, and the last reserved DOI."""

    def curator(self, orcid: str) -> Curator | None:
        """The registered curator with this ORCID, or None."""
        return next((c for c in self.curators if c.orcid == orcid), None)


def slugify(title: str) -> str:
    """A file-name-safe short name: ``Cytokine Release Syndrome Map`` -> ``cytokine-release-syndrome-map``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].rstrip("-")
    return slug or "map"


def check_short_name(value: str, committed: bool = False) -> str:
    """``[map] short_name`` names bundles and their top folder: a plain file name, nothing more."""
    if not (COMMITTED_SHORT_NAME if committed else SHORT_NAME).fullmatch(value):
        raise InputError(
            f"{CONFIG_FILE}: [map] short_name {quoted(value)} must match [a-z0-9][a-z0-9._-]{{0,63}} "
            "(lower-case letters, digits, '.', '_', '-'; it names the bundle and its folder)"
        )
    return value


def _expect(table: dict, key: str, kind: type, where: str, default=None):
    value = table.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise InputError(f"{CONFIG_FILE}: {where}{key} is {value!r}, expected a {kind.__name__}")
    return value


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    values = _expect(table, key, list, where, [])
    for value in values:
        if not isinstance(value, str):
            raise InputError(
                f"{CONFIG_FILE}: {where}{key} holds {value!r}, expected a list of strings"
            )
    return tuple(values)


def _inside(relative: str, key: str) -> str:
    """A path from crsmap.toml must stay inside the repository: crsmap writes to map files."""
    path = PurePosixPath(relative.replace("\\", "/"))
    if not relative.strip() or path.is_absolute() or ".." in path.parts or ":" in relative:
        raise InputError(
            f"{CONFIG_FILE}: [map] {key} {relative!r} must be a relative path inside the repository"
        )
    return str(path)


def _checked(parse, value: str, key: str) -> str:
    if not value:
        return ""
    try:
        return parse(value)
    except InputError as exc:
        raise InputError(f"{CONFIG_FILE}: [map] {key}: {exc}") from None


def _creators(table: dict) -> tuple[Creator, ...]:
    """``[map] creators``: a list of ``{name, orcid?, affiliation?, kind?}`` tables.

    ORCID checksums are the audit's business (``invalid-orcid``), so that one typo does not
    stop every command.
    """
    creators = []
    for index, entry in enumerate(_expect(table, "creators", list, "[map] ", [])):
        where = f"[map] creators #{index + 1} "
        if not isinstance(entry, dict):
            raise InputError(
                f"{CONFIG_FILE}: {where}is {entry!r}, expected a table {{ name = ..., orcid = ... }}"
            )
        name = _expect(entry, "name", str, where, "").strip()
        problem = name_problem(name, trailers=False)
        if problem:  # a creator is known by name alone: a bad one cannot be left out quietly
            raise InputError(
                f"{CONFIG_FILE}: {where}name {quoted(name)}: {problem}; expected the name as it "
                f"should be cited, {NAME_RULE}"
            )
        kind = _expect(entry, "kind", str, where, "person")
        if kind not in CREATOR_KINDS:
            raise InputError(
                f"{CONFIG_FILE}: {where}kind {kind!r}: expected one of {', '.join(CREATOR_KINDS)}"
            )
        orcid = _expect(entry, "orcid", str, where, "").strip()
        with contextlib.suppress(InputError):  # stored bare; a bad one is the audit's
            orcid = parse_orcid(orcid) if orcid else ""
        creators.append(
            Creator(
                name=name,
                orcid=orcid,
                affiliation=_expect(entry, "affiliation", str, where, "").strip(),
                kind=kind,
            )
        )
    return tuple(creators)


def load_config(path: Path) -> Config:
    """Read and check ``crsmap.toml``; errors name the file, and the line where TOML has one."""
    return parse_config(read_text(path, "project file"))


def parse_config(text: str, committed: bool = False) -> Config:
    """Check the text of ``crsmap.toml`` (from a file, or ``committed`` at a git revision).

    A committed file may hold a ``short_name`` that an earlier crsmap accepted (such as
    ``CRS_Map``): it is still a safe file name, so old release tags stay readable.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{CONFIG_FILE}: invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{CONFIG_FILE}: invalid TOML: nested too deeply") from None
    table = _expect(doc, "map", dict, "", None)
    if table is None:
        raise InputError(f"{CONFIG_FILE}: no [map] table; expected title, short_name and files")
    title = _expect(table, "title", str, "[map] ", "")
    files = tuple(_inside(f, "files") for f in _strings(table, "files", "[map] "))
    if not files:
        raise InputError(f"{CONFIG_FILE}: [map] files is empty; expected at least one map file")
    license_file = _expect(table, "license_file", str, "[map] ", "")
    source = _expect(table, "source", str, "[map] ", "").strip()
    source_license = _expect(table, "source_license", str, "[map] ", "").strip()
    copyright_ = _expect(table, "copyright", str, "[map] ", "").strip()
    if has_control_characters(copyright_):
        raise InputError(f"{CONFIG_FILE}: [map] copyright {quoted(copyright_)} must be one line")
    settings = MapSettings(
        title=title,
        short_name=check_short_name(
            _expect(table, "short_name", str, "[map] ", "") or slugify(title), committed
        ),
        files=files,
        description=_expect(table, "description", str, "[map] ", ""),
        homepage=_expect(table, "homepage", str, "[map] ", ""),
        license=_expect(table, "license", str, "[map] ", DEFAULT_LICENSE),
        license_file=_inside(license_file, "license_file") if license_file else "",
        funding=_strings(table, "funding", "[map] "),
        keywords=_strings(table, "keywords", "[map] "),
        creators=_creators(table),
        copyright=copyright_,
        source=_checked(parse_uri, source, "source"),
        source_license=_checked(parse_spdx, source_license, "source_license"),
    )
    curators, problems = _curators(doc)
    literature = _expect(doc, "literature", dict, "", {})
    evidence = _expect(doc, "evidence", dict, "", {})
    return Config(
        map=settings,
        curators=tuple(curators),
        literature_email=_expect(literature, "email", str, "[literature] ", ""),
        default_eco=_expect(evidence, "default_eco", str, "[evidence] ", DEFAULT_ECO),
        audit=_expect(doc, "audit", dict, "", {}),
        curator_problems=problems,
        minerva=_minerva(doc, files),
        publish=_publish(doc),
    )


def _minerva(doc: dict, files: tuple[str, ...]) -> MinervaSettings:
    """``[minerva]``, checked strictly: an http(s) ``url``, a ``project`` id, overrides that
    name map files of ``[map] files``; any other key is refused."""
    table = _expect(doc, "minerva", dict, "", None)
    if table is None:
        return MinervaSettings()
    from services.minerva import check_project_id, instance_url

    _only(table, MINERVA_KEYS, "minerva")
    checked = {}
    for key, check in (("url", instance_url), ("project", check_project_id)):
        if key in table:
            try:
                checked[key] = check(_expect(table, key, str, "[minerva] ", ""))
            except InputError as exc:
                raise InputError(f"{CONFIG_FILE}: [minerva] {key}: {exc}") from None
    overrides = []
    for name, target in _expect(table, "models", dict, "[minerva] ", {}).items():
        where = f"[minerva.models] {quoted(name)}"
        if not name.strip() or has_control_characters(name):
            raise InputError(f"{CONFIG_FILE}: {where}: expected a MINERVA map name on one line")
        if not isinstance(target, str) or PurePosixPath(target.replace("\\", "/")) not in {
            PurePosixPath(f) for f in files
        }:
            raise InputError(
                f"{CONFIG_FILE}: {where} = {target!r}: expected one of the map files of "
                f"[map] files ({', '.join(files)})"
            )
        overrides.append((name, str(PurePosixPath(target.replace("\\", "/")))))
    return MinervaSettings(
        checked.get("url", ""), checked.get("project", ""), tuple(sorted(overrides))
    )


def _publish(doc: dict) -> PublishSettings:
    """``[publish]``, checked strictly: an http(s) ``url`` and ``deposition``, DOIs, a
    release version; any other key is refused."""
    table = _expect(doc, "publish", dict, "", None)
    if table is None:
        return PublishSettings()
    from services.zenodo import server_url

    from .identifiers import parse_reference
    from .versions import parse_version

    _only(table, PUBLISH_KEYS, "publish")

    def doi(text: str) -> str:
        reference = parse_reference(text)
        if reference.prefix != "doi":
            raise InputError(f"{quoted(text)} is not a DOI; expected e.g. 10.5281/zenodo.1234")
        return reference.local_id

    def version(text: str) -> str:
        if text:
            parse_version(text)
        return text

    checks = {"url": server_url, "deposition": server_url, "concept_doi": doi, "doi": doi,
              "version": version}  # fmt: skip
    values = {}
    for key, check in checks.items():
        value = _expect(table, key, str, "[publish] ", "")
        try:
            values[key] = check(value) if value else ""
        except InputError as exc:
            raise InputError(f"{CONFIG_FILE}: [publish] {key}: {exc}") from None
    return PublishSettings(**values)


def with_publish(path: Path, **values: str) -> str:
    """``crsmap.toml`` with keys of ``[publish]`` set (the table added if absent), the rest kept."""
    import tomlkit

    def change(doc) -> None:
        if "publish" not in doc:
            doc.add(tomlkit.nl())
            table = tomlkit.table()
            table.comment("written by crsmap release --publish / crsmap publish (url: by hand)")
            doc.add("publish", table)
        for key, value in values.items():
            doc["publish"][key] = value

    return _edit(path, change, "the [publish] table")


def _only(table: dict, keys: tuple[str, ...], name: str) -> None:
    """Refuse a key of ``[name]`` that is not one of ``keys`` (a typo would be ignored)."""
    for key in table:
        if key not in keys:
            raise InputError(
                f"{CONFIG_FILE}: [{name}] unknown key {quoted(str(key))}; expected "
                f"{', '.join(keys)}"
            )


def _curators(doc: dict) -> tuple[tuple[Curator, ...], tuple[CuratorProblem, ...]]:
    """``[[curators]]``; a name or email that breaks the name rule is blanked and described."""
    curators, problems = [], []
    for index, entry in enumerate(_expect(doc, "curators", list, "", [])):
        where = f"[[curators]] #{index + 1} "
        if not isinstance(entry, dict):
            raise InputError(f"{CONFIG_FILE}: {where}is not a table")
        orcid = _expect(entry, "orcid", str, where, "")
        name = _expect(entry, "name", str, where, "")
        email = _expect(entry, "email", str, where, "")
        problem = name_problem(name)
        if problem:
            problems.append(CuratorProblem(f"{where}name", name, orcid, problem))
            name = ""
        problem = email_problem(email.strip())
        if problem:
            problems.append(CuratorProblem(f"{where}email", email, orcid, problem))
            email = ""
        curators.append(
            Curator(
                name=name.strip(),
                orcid=orcid,
                email=email.strip(),
                affiliation=_expect(entry, "affiliation", str, where, ""),
            )
        )
    return tuple(curators), tuple(problems)


def render_new_config(settings: MapSettings, curators: list[Curator], email: str = "") -> str:
    """The text of a new ``crsmap.toml``, with comments that explain each setting."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("crsmap project file: map metadata, curators and settings."))
    doc.add(
        tomlkit.comment("Edit by hand or with `crsmap curators add`; crsmap keeps your comments.")
    )
    doc.add(tomlkit.nl())
    table = tomlkit.table()
    table.add("title", settings.title)
    table.add("short_name", settings.short_name)
    table["short_name"].comment("used in bundle and file names")
    table.add("description", settings.description)
    table.add("homepage", settings.homepage)
    table["homepage"].comment("where the map is published, e.g. its MINERVA project URL")
    table.add("license", settings.license)
    table["license"].comment("SPDX id of the map as a whole")
    creators = tomlkit.array()
    for creator in settings.creators:
        entry = tomlkit.inline_table()
        entry.update(_creator_fields(creator))
        creators.append(entry)
    creators.multiline(bool(settings.creators))
    table.add("creators", creators)
    table["creators"].comment(
        "the map's authors (not its curators): { name, orcid, affiliation, kind }"
    )
    table.add("copyright", settings.copyright)
    table["copyright"].comment(
        'as the original states it, e.g. "2020-2025 University of Luxembourg"'
    )
    table.add("source", settings.source)
    table["source"].comment("the original: publication DOI or MINERVA project URL")
    if settings.source_license:
        table.add("source_license", settings.source_license)
        table["source_license"].comment("the original's license, when it differs")
    if settings.license_file:
        table.add("license_file", settings.license_file)
    table.add("files", list(settings.files))
    table.add("funding", list(settings.funding))
    table.add("keywords", list(settings.keywords))
    doc.add("map", table)
    doc.add(tomlkit.nl())
    curator_tables = tomlkit.aot()
    for curator in curators:
        curator_tables.append(_curator_table(curator))
    if curators:
        doc.add("curators", curator_tables)
    literature = tomlkit.table()
    literature.add("email", email)
    literature["email"].comment(
        "sent to NCBI as `email`; the API key is read only from NCBI_API_KEY"
    )
    doc.add("literature", literature)
    evidence = tomlkit.table()
    evidence.add("default_eco", DEFAULT_ECO)
    evidence["default_eco"].comment("experimental evidence used in manual assertion")
    doc.add("evidence", evidence)
    audit = tomlkit.table()
    audit.add("fail_on", "error")
    audit["fail_on"].comment("error | warning | never")
    audit.add("ignore", [])
    audit.add("severity", tomlkit.table())
    doc.add("audit", audit)
    return tomlkit.dumps(doc)


def _creator_fields(creator: Creator) -> dict[str, str]:
    fields = {"name": creator.name, "orcid": creator.orcid, "affiliation": creator.affiliation}
    if creator.kind != "person":
        fields["kind"] = creator.kind
    return {key: value for key, value in fields.items() if value}


def _curator_table(curator: Curator):
    import tomlkit

    table = tomlkit.table()
    table.add("name", curator.name)
    table.add("orcid", curator.orcid)
    if curator.email:
        table.add("email", curator.email)
    if curator.affiliation:
        table.add("affiliation", curator.affiliation)
    return table


def with_curator(path: Path, curator: Curator) -> str:
    """``crsmap.toml`` with a ``[[curators]]`` entry appended, the rest of the file kept."""
    import tomlkit

    def add(doc) -> None:
        if "curators" not in doc:
            doc.add("curators", tomlkit.aot())
        entries = doc["curators"]
        if isinstance(entries, tomlkit.items.Array):  # written inline: curators = [{...}]
            inline = tomlkit.inline_table()
            inline.update(_curator_table(curator))
            entries.append(inline)
        else:
            entries.append(_curator_table(curator))

    return _edit(path, add, "a curator")


def with_creator(path: Path, creator: Creator) -> str:
    """``crsmap.toml`` with an entry appended to ``[map] creators``, the rest of the file kept."""
    import tomlkit

    def add(doc) -> None:
        table = doc["map"]
        if "creators" not in table:
            table.add("creators", tomlkit.array())
        entries = table["creators"]
        if isinstance(entries, tomlkit.items.AoT):  # written as [[map.creators]] tables
            entry = tomlkit.table()
            entry.update(_creator_fields(creator))
            entries.append(entry)
            return
        inline = tomlkit.inline_table()
        inline.update(_creator_fields(creator))
        entries.append(inline)
        entries.multiline(True)

    return _edit(path, add, "a creator")


def _edit(path: Path, change, what: str) -> str:
    """``crsmap.toml`` changed through tomlkit, keeping comments and line endings."""
    import tomlkit

    original = read_text(path, "project file")
    doc = tomlkit.parse(original)
    change(doc)
    text = tomlkit.dumps(doc)
    if "\r\n" in original:  # keep the file's line endings
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        parse_config(text)  # never write a file crsmap could not read back
    except InputError as exc:
        raise InputError(
            f"{CONFIG_FILE}: cannot add {what} to this file ({exc}); add it by hand"
        ) from None
    return text
