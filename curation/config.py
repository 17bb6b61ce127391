"""``crsmap.toml``: map metadata, curators and settings.

Read with :mod:`tomllib`; edited with tomlkit so that a curator's comments and layout
survive every change crsmap makes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import InputError
from .storage import atomic_write_text, read_text

CONFIG_FILE = "crsmap.toml"
DEFAULT_ECO = "ECO:0000269"
DEFAULT_LICENSE = "CC-BY-4.0"


@dataclass(frozen=True)
class Curator:
    """A person who curates the map, identified by ORCID."""

    name: str
    orcid: str
    email: str = ""
    affiliation: str = ""


@dataclass(frozen=True)
class MapSettings:
    """The ``[map]`` table: what the map is and which files hold it."""

    title: str
    short_name: str
    files: tuple[str, ...]
    description: str = ""
    homepage: str = ""
    license: str = DEFAULT_LICENSE
    license_file: str = ""
    funding: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The parsed ``crsmap.toml``."""

    map: MapSettings
    curators: tuple[Curator, ...] = ()
    literature_email: str = ""
    default_eco: str = DEFAULT_ECO
    audit: dict = field(default_factory=dict)

    def curator(self, orcid: str) -> Curator | None:
        """The registered curator with this ORCID, or None."""
        return next((c for c in self.curators if c.orcid == orcid), None)


def slugify(title: str) -> str:
    """A file-name-safe short name: ``Cytokine Release Syndrome Map`` -> ``cytokine-release-syndrome-map``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "map"


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


def load_config(path: Path) -> Config:
    """Read and check ``crsmap.toml``; errors name the file, and the line where TOML has one."""
    return parse_config(read_text(path, "project file"))


def parse_config(text: str) -> Config:
    """Check the text of ``crsmap.toml`` (from a file or a git revision)."""
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
    settings = MapSettings(
        title=title,
        short_name=_expect(table, "short_name", str, "[map] ", "") or slugify(title),
        files=files,
        description=_expect(table, "description", str, "[map] ", ""),
        homepage=_expect(table, "homepage", str, "[map] ", ""),
        license=_expect(table, "license", str, "[map] ", DEFAULT_LICENSE),
        license_file=_inside(license_file, "license_file") if license_file else "",
        funding=_strings(table, "funding", "[map] "),
        keywords=_strings(table, "keywords", "[map] "),
    )
    curators = []
    for index, entry in enumerate(_expect(doc, "curators", list, "", [])):
        where = f"[[curators]] #{index + 1} "
        if not isinstance(entry, dict):
            raise InputError(f"{CONFIG_FILE}: {where}is not a table")
        curators.append(
            Curator(
                name=_expect(entry, "name", str, where, ""),
                orcid=_expect(entry, "orcid", str, where, ""),
                email=_expect(entry, "email", str, where, ""),
                affiliation=_expect(entry, "affiliation", str, where, ""),
            )
        )
    literature = _expect(doc, "literature", dict, "", {})
    evidence = _expect(doc, "evidence", dict, "", {})
    return Config(
        map=settings,
        curators=tuple(curators),
        literature_email=_expect(literature, "email", str, "[literature] ", ""),
        default_eco=_expect(evidence, "default_eco", str, "[evidence] ", DEFAULT_ECO),
        audit=_expect(doc, "audit", dict, "", {}),
    )


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


def add_curator_to_file(path: Path, curator: Curator) -> None:
    """Append a ``[[curators]]`` entry to ``crsmap.toml``, keeping the rest of the file."""
    import tomlkit

    original = read_text(path, "project file")
    doc = tomlkit.parse(original)
    if "curators" not in doc:
        doc.add("curators", tomlkit.aot())
    entries = doc["curators"]
    if isinstance(entries, tomlkit.items.Array):  # written inline: curators = [{...}]
        inline = tomlkit.inline_table()
        inline.update(_curator_table(curator))
        entries.append(inline)
    else:
        entries.append(_curator_table(curator))
    text = tomlkit.dumps(doc)
    if "\r\n" in original:  # keep the file's line endings
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        tomllib.loads(text)  # never write a file crsmap could not read back
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"{CONFIG_FILE}: cannot add a curator to this file ({exc}); add it by hand"
        ) from None
    atomic_write_text(path, text)
