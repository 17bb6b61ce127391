"""Creating a curation repository: the files of docs/formats.md and the first commit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from literature.cache import CACHE_FILE

from . import gitrepo
from .celldesigner import read_map
from .change import Change
from .config import CONFIG_FILE, Creator, Curator, MapSettings, render_new_config, slugify
from .errors import InputError
from .identifiers import (
    has_control_characters,
    parse_email,
    parse_license,
    parse_name,
    parse_orcid,
    parse_uri,
    quoted,
)
from .ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    render_evidence,
    render_interactions,
)
from .merge import DRIVER_NAME, MERGED_FILES
from .snapshot import CHANGELOG_FILE
from .storage import LOCK_NAME, TEMP_PREFIX, atomic_write_text

MAPS_DIR = "maps"

GITATTRIBUTES = [
    "# crsmap ledgers: one record per line, LF line endings, merged record by record.",
    *(f"{name} text eol=lf merge={DRIVER_NAME}" for name in MERGED_FILES),
]
GITIGNORE = [
    "# crsmap: built bundles, lock and temporary files",
    "dist/",
    LOCK_NAME,
    f"{TEMP_PREFIX}*",
]

CHANGELOG_TEMPLATE = """\
# Changelog of {title}

All notable changes to this map are documented here, in the form of
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/). Versions follow SemVer or CalVer.

## [Unreleased]
"""


def merged_lines(path: Path, wanted: list[str]) -> str | None:
    """``path``'s text with the missing ``wanted`` lines appended, or None when none is missing."""
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in wanted if line not in existing and not line.startswith("#")]
    if not missing:
        return None
    comment = [wanted[0]] if wanted[0].startswith("#") and wanted[0] not in existing else []
    return "\n".join(existing + comment + missing) + "\n"


def check_new_project(root: Path, title: str, sources: list[Path]) -> None:
    """Refuse, before anything is written, what would make a broken or clobbered project."""
    if (root / CONFIG_FILE).exists():
        raise InputError(
            f"{root / CONFIG_FILE} already exists; this folder is already a crsmap project"
        )
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file, expected a folder for the project")
    if not title.strip():
        raise InputError(
            "empty --title; expected the map's title, e.g. 'Cytokine Release Syndrome Map'"
        )
    if not sources:
        raise InputError("no --map given; expected at least one CellDesigner XML file")
    for ledger in MERGED_FILES:
        if (root / ledger).exists():
            raise InputError(
                f"{root / ledger} already exists; expected a folder without crsmap ledgers"
            )
    stems: dict[str, Path] = {}
    for source in sources:
        # Interaction IDs are qualified by the file stem, so stems must differ (case-blind,
        # for the file systems that are).
        other = stems.setdefault(source.stem.casefold(), source)
        if other is not source:
            raise InputError(
                f"map files {other.name} and {source.name} share the stem {source.stem!r}; rename one"
            )
    from .paths import contained

    for source in sources:  # every map must read before anything is written
        read_map(source)
        target = root / MAPS_DIR / source.name
        if root.exists():  # a maps/ link that leads out of the folder would be written through
            contained(root, f"{MAPS_DIR}/{source.name}", "files")
        if (
            target.exists()
            and target.resolve() != source.resolve()
            and target.read_bytes() != source.read_bytes()
        ):
            raise InputError(
                f"{target} already exists with other content; expected no map of that name there"
            )


def create_project(
    directory: str | os.PathLike,
    title: str,
    maps: Sequence[str | os.PathLike],
    curator: Curator | None = None,
    license: str = "CC-BY-4.0",
    commit: bool = True,
    creators: Sequence[Creator] = (),
    copyright: str = "",
    source: str = "",
) -> tuple[Path, Change]:
    """Write crsmap.toml, maps/, the ledgers, CHANGELOG.md and git settings; commit them.

    ``creators``, ``copyright`` and ``source`` describe the map's own authorship, which
    release bundles credit (its curators are credited as contributors).
    """
    root = Path(directory).resolve()
    sources = [Path(m) for m in maps]
    license = parse_license(license)
    creators = tuple(
        replace(
            c,
            name=parse_name(c.name, "--creator name", trailers=False),
            orcid=parse_orcid(c.orcid) if c.orcid else "",
        )
        for c in creators
    )
    for creator in creators:
        if not creator.name or has_control_characters(creator.name):
            raise InputError(
                f"invalid creator name {quoted(creator.name)}: expected the name as it should "
                "be cited, on one line"
            )
    if has_control_characters(copyright):
        raise InputError(f"invalid --copyright {quoted(copyright)}: expected one line of text")
    source = parse_uri(source) if source.strip() else ""
    if curator is not None:
        # The first curator's name goes into the first commit's trailer: the same rule as
        # `crsmap curators add`.
        curator = replace(
            curator,
            orcid=parse_orcid(curator.orcid),
            name=parse_name(curator.name, "--curator-name"),
            email=parse_email(curator.email, "--email"),
        )
    check_new_project(root, title, sources)

    settings = MapSettings(
        title=title.strip(),
        short_name=slugify(title),
        files=tuple(f"{MAPS_DIR}/{s.name}" for s in sources),
        license=license,
        creators=creators,
        copyright=copyright.strip(),
        source=source,
    )
    texts = {
        CONFIG_FILE: render_new_config(
            settings, [curator] if curator else [], curator.email if curator else ""
        ),
        EVIDENCE_FILE: render_evidence([]),
        INTERACTIONS_FILE: render_interactions([]),
        CACHE_FILE: "",
    }
    if not (root / CHANGELOG_FILE).exists():
        texts[CHANGELOG_FILE] = CHANGELOG_TEMPLATE.format(title=settings.title)
    for name, wanted in ((".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)):
        merged = merged_lines(root / name, wanted)
        if merged is not None:
            texts[name] = merged

    (root / MAPS_DIR).mkdir(parents=True, exist_ok=True)
    for source in sources:
        target = root / MAPS_DIR / source.name
        if target.resolve() != source.resolve():
            shutil.copyfile(source, target)
    for name, text in texts.items():
        atomic_write_text(root / name, text)
    written = (*texts, *settings.files)
    sha = None
    if commit:
        repo = gitrepo.init_repo(root)
        from .merge import install

        install(repo, root)  # curators' branches then merge record by record
        sha = gitrepo.commit_paths(
            repo,
            [root / w for w in written],
            f"Start curation of {settings.title} with crsmap",
            curator,
        )
    return root, Change(f"created {root} with {len(sources)} map file(s)", written, sha)
