"""The state of a curation repository at a git revision, read from git objects, not the disk.

Releases are built from the tagged commit, and provenance compares the ledgers of
successive releases; both need the project as it was, whatever the working tree holds now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from literature.cache import CACHE_FILE

from .celldesigner import CellDesignerMap, Interaction
from .config import CONFIG_FILE, Config, parse_config
from .errors import InputError
from .ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    REJECTED_FILE,
    EvidenceRecord,
    InteractionRecord,
    parse_evidence,
    parse_interactions,
    parse_rejected,
)
from .mapcache import cached_map

CHANGELOG_FILE = "CHANGELOG.md"
SYMLINK_MODE = 0o120000  # the mode git gives a symbolic link in a tree


@dataclass
class Snapshot:
    """Config, maps, ledgers and citation cache of the project at one revision."""

    revision: str
    config: Config
    map_bytes: dict[str, bytes]  # relative path -> bytes
    maps: list[CellDesignerMap]
    evidence: list[EvidenceRecord]
    rows: list[InteractionRecord]
    cache_text: str
    changelog: str
    rejected: list = field(default_factory=list)  # rejected.tsv: removals that stick
    _citations: dict | None = field(default=None, repr=False)

    @cached_property
    def interactions(self) -> dict[str, Interaction]:
        """Every interaction of the maps by ID (built once: release code looks up thousands)."""
        return {i.id: i for m in self.maps for i in m.interactions.values()}

    @cached_property
    def papers(self) -> tuple[tuple, dict]:
        """The evidence with each paper once per interaction, and the citations it looks up.

        :func:`curation.report.data.one_reference_per_paper` of this snapshot, worked out
        once: a release's report and its overlay both colour interactions from it.
        """
        from .report.data import one_reference_per_paper

        return one_reference_per_paper(self.evidence, self.citations)

    @property
    def citations(self) -> dict:
        """Cached citations by reference CURIE."""
        if self._citations is None:
            from literature.cache import parse_cache

            self._citations = parse_cache(self.cache_text, CACHE_FILE)
        return self._citations


def prefix_in_repo(repo, root: Path) -> PurePosixPath:
    """The project folder relative to the repository's top (a project may live in a subfolder)."""
    relative = Path(root).resolve().relative_to(Path(repo.working_tree_dir).resolve())
    return PurePosixPath(*relative.parts)


def read_blob(repo, revision: str, path: PurePosixPath, what: str = "file") -> bytes | None:
    """A file's bytes at ``revision``, or None when the file is not there.

    A symbolic link committed in place of the file (or of a folder on its way) is refused:
    its blob holds the link's target, which a checkout may place outside the project.
    ``what`` names the file in that message (``map file``).
    """
    try:
        commit = repo.commit(revision)
    except Exception as exc:  # gitpython raises several types for a bad revision
        raise InputError(f"unknown git revision {revision!r}: {exc}") from None
    parts = PurePosixPath(path).parts
    item = commit.tree
    for depth, name in enumerate(parts):
        if item.type != "tree":
            return None
        try:
            item = item[name]
        except KeyError:
            return None
        if item.mode & 0o170000 == SYMLINK_MODE:
            link = "/".join(parts[: depth + 1])
            where = "" if depth == len(parts) - 1 else f": its folder {link}"
            raise InputError(
                f"{path}{where} is a symbolic link in the repository at {revision}; "
                f"expected the {what} itself"
            )
    if item.type != "blob":
        raise InputError(
            f"{path} is not a file in the repository at {revision}; expected the {what}"
        )
    return item.data_stream.read()


def at_revision(repo, root: Path, revision: str, layouts: bool = False) -> Snapshot:
    """Read the project as it was committed at ``revision``.

    With ``layouts`` each map also carries its drawing, read from the same parse (the
    release's report needs it; comparisons between releases do not).
    """
    prefix = prefix_in_repo(repo, root)

    def text(name: str, required: bool = False) -> str:
        data = read_blob(repo, revision, prefix / name)
        if data is None:
            if required:
                raise InputError(f"{name} is not in the repository at {revision}")
            return ""
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InputError(f"{name} at {revision} is not UTF-8") from None

    try:
        config = parse_config(text(CONFIG_FILE, required=True), committed=True)
    except InputError as exc:
        raise InputError(f"{exc} (in the commit {revision[:12]})") from None
    map_bytes = {}
    maps = []
    qualify = len(config.map.files) > 1
    for relative in config.map.files:
        data = read_blob(repo, revision, prefix / relative, "map file")
        if data is None:
            raise InputError(f"map file {relative} is not in the repository at {revision}")
        label = f"{relative}@{revision}"
        map_bytes[relative] = data
        maps.append(cached_map(data, Path(relative), qualify, label, root, layouts))
    evidence = parse_evidence(text(EVIDENCE_FILE), EVIDENCE_FILE)
    # Two rows for one interaction block a release through the audit; an old tag that has
    # them must still be readable, as history.
    rows = parse_interactions(text(INTERACTIONS_FILE), INTERACTIONS_FILE, unique=False)
    rejected = parse_rejected(text(REJECTED_FILE), REJECTED_FILE)
    for content in (evidence, rows):
        if content.problems:
            raise InputError(
                f"{content.problems[0]} (at {revision}); fix it and commit before releasing"
            )
    return Snapshot(
        revision=revision,
        config=config,
        map_bytes=map_bytes,
        maps=maps,
        evidence=evidence.records,
        rows=rows.records,
        cache_text=text(CACHE_FILE),
        changelog=text(CHANGELOG_FILE),
        rejected=list(rejected.records),
    )


def version_tags(repo) -> list[tuple[tuple[int, ...], str, object]]:
    """(version key, version, tag) of every ``vX.Y.Z`` / ``vYYYY.MM[.N]`` tag, oldest first."""
    from .versions import parse_version

    found = []
    for tag in repo.tags:
        name = tag.name
        if not name.startswith("v"):
            continue
        try:
            key = parse_version(name)  # strips the one "v": a tag "vv1.0.0" is not a release
        except InputError:
            continue
        found.append((key, name[1:], tag))
    return sorted(found, key=lambda item: item[0])


def version_tags_before(
    repo, commit, key: tuple[int, ...]
) -> list[tuple[tuple[int, ...], str, object]]:
    """The :func:`version_tags` below version ``key`` that are in the history of ``commit``.

    One ``git tag --merged`` for all of them (a tag on ``commit`` itself counts), rather
    than one ancestry check per tag: a project's tenth release costs what its second did.
    """
    sha = commit if isinstance(commit, str) else commit.hexsha
    merged = set(repo.git.tag("--merged", sha, "--list", "v*").split())
    return [(k, v, tag) for k, v, tag in version_tags(repo) if k < key and tag.name in merged]
