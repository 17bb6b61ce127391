"""Map files an interrupted crsmap command wrote but did not commit.

``annotate`` (and ``evidence remove``) write a map, then commit it: a process killed in
between leaves a map that already carries the references, so the next ``annotate`` would
have nothing to write while ``release`` refuses the dirty tree. Every writing command
looks for such leftovers under the project lock and commits them first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .change import Change
from .config import Curator
from .ledger import natural_key
from .paths import contained


class Leftovers:
    """Map files that an interrupted crsmap command wrote but did not commit.

    Found under the project lock when a transaction opens (see
    :mod:`curation.transaction`) and committed, in a commit of their own, just before the
    transaction's first write or commit: a command that stops with exit 2 therefore
    still changes nothing. ``foreign`` are map files with uncommitted edits that
    crsmap did not make; they are only reported.
    """

    def __init__(self, root=None, repo=None, actor=None, files=(), foreign=(), message=""):
        self._root, self._repo, self._actor = root, repo, actor
        self.files: tuple[str, ...] = tuple(files)
        self.foreign: tuple[str, ...] = tuple(foreign)
        self.message = message
        self.commit: str | None = None
        self._settled = False

    def settle(self) -> None:
        """Commit the files, once; a no-op when there are none."""
        if self.files and not self._settled:
            self._settled = True
            from .transaction import commit_files

            self.commit = commit_files(
                self._root, self._repo, list(self.files), self.message, self._actor
            )

    @property
    def summary(self) -> str:
        """One clause for a command's summary; empty when nothing was committed."""
        if not (self.files and self._settled):
            return ""
        commit = f" (commit {self.commit[:10]})" if self.commit else ""
        return (
            f"committed the annotations of {', '.join(self.files)} that an interrupted crsmap "
            f"command had written{commit}"
        )

    def into(self, change: Change) -> Change:
        """``change``, having committed the files first, and saying so."""
        self.settle()
        if not self.summary:
            return change
        return replace(
            change,
            summary=f"{change.summary}; also {self.summary}",
            written=tuple(dict.fromkeys((*self.files, *change.written))),
            commit=change.commit or self.commit,
        )


def find(project, repo, actor: Curator | None = None) -> Leftovers:
    """Map files whose only uncommitted change is crsmap's own annotations, not yet committed.

    ``annotate`` (and ``evidence remove``) write a map, then commit it: a process killed
    in between leaves a map that already carries the references, so the next
    ``annotate`` would have nothing to write, while ``release`` refuses the dirty tree.
    A map file that equals its committed bytes with exactly those annotations spliced
    in (or cut out) is such a leftover; other uncommitted edits are ``foreign``.
    ``repo`` None (``--no-commit``) finds nothing.
    """
    if repo is None:
        return Leftovers()
    pending: dict[str, tuple[int, int]] = {}
    foreign: list[str] = []
    for relative in _uncommitted_maps(project, repo):
        counts = _annotation_change(project, repo, relative)
        if counts is None:
            foreign.append(relative)
        elif counts != (0, 0):
            pending[relative] = counts
    added = sum(a for a, _ in pending.values())
    removed = sum(r for _, r in pending.values())
    subject = (
        f"Annotate map with {added} ledger reference(s)"
        if added
        else f"Remove {removed} reference(s) from the map's annotations"
    )
    if added and removed:
        subject += f", remove {removed}"
    message = (
        f"{subject}\n\nWritten by a crsmap command that was interrupted before it "
        "committed; committed by the next one."
    )
    return Leftovers(project.root, repo, actor, tuple(pending), tuple(foreign), message)


def _uncommitted_maps(project, repo) -> list[str]:
    """Map files (as crsmap.toml names them) whose working copy may differ from HEAD.

    Plumbing (``diff-index``) never writes git's index, so a kill here leaves no lock;
    it also lists files whose content is unchanged but whose stat data is not.
    """
    from .snapshot import prefix_in_repo

    if not repo.head.is_valid():
        return []
    prefix = prefix_in_repo(repo, project.root)
    by_path = {str(prefix / relative): relative for relative in project.config.map.files}
    try:
        out = repo.git.diff_index("--name-only", "-z", "--no-renames", "HEAD", "--", *by_path)
    except Exception:  # git's own failure shows again, with its message, when committing
        return []
    return [by_path[name] for name in out.split("\x00") if name in by_path]


def _annotation_change(project, repo, relative: str) -> tuple[int, int] | None:
    """How the map file differs from HEAD: ``(0, 0)`` not at all, ``(added, removed)``
    references when by crsmap's own annotations alone, None when otherwise."""
    from .annotate import annotate_bytes, remove_bytes
    from .celldesigner import map_from_tree
    from .errors import CrsmapError
    from .snapshot import prefix_in_repo, read_blob
    from .xmlsafe import parse_xml_bytes

    try:
        committed = read_blob(repo, "HEAD", prefix_in_repo(repo, project.root) / relative)
        data = contained(project.root, relative, "files").read_bytes()
        if committed == data:
            return 0, 0
        if committed is None:
            return None
        current = dict(zip(project.config.map.files, project.maps, strict=True))[relative]
        before = map_from_tree(parse_xml_bytes(committed, relative), Path(relative))
    except (CrsmapError, OSError):
        return None
    was = {i.reaction_id: set(i.annotated_references) for i in before.interactions.values()}
    now = {i.reaction_id: set(i.annotated_references) for i in current.interactions.values()}
    if set(was) != set(now):
        return None
    added = {r: sorted(now[r] - was[r], key=natural_key) for r in now if now[r] - was[r]}
    removed = {r: sorted(was[r] - now[r], key=natural_key) for r in now if was[r] - now[r]}
    if not added and not removed:
        return None
    try:
        expected = annotate_bytes(remove_bytes(committed, removed, relative), added, relative)
    except CrsmapError:
        return None
    if expected != data:
        return None
    return sum(map(len, added.values())), sum(map(len, removed.values()))
