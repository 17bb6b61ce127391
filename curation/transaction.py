"""The one write path: every crsmap command that changes a project runs in a transaction.

    >>> with project.transaction(curator) as txn:
    ...     written = txn.write({"evidence.tsv": text})
    ...     sha = txn.commit(written, "Add evidence for re12")

Opening a transaction resolves the acting curator (one policy: :func:`acting_curator`),
requires a git repository when it is to commit, and takes the project lock. Under the
lock it finds the map annotations an interrupted crsmap command wrote but did not commit,
and commits them in a commit of their own just before the transaction's first write or
commit. Each file is replaced atomically; a commit holds exactly the files named.

The write path announces named *checkpoints* (:data:`CHECKPOINTS`) to the listeners
registered with :func:`on_checkpoint`. The crash tests kill a real ``crsmap`` process at
an exact checkpoint this way; a library user may log them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from . import gitrepo
from .change import Change
from .config import Curator
from .errors import InputError
from .identifiers import parse_orcid
from .paths import contained
from .storage import atomic_write_bytes, atomic_write_text, project_lock

CHECKPOINTS = {
    "lock": "about to take the project lock (subject: the project folder)",
    "locked": "the project lock is held, nothing is written yet",
    "write": "about to replace a file (subject: its path)",
    "written": "a file was replaced (subject: its path)",
    "commit": "about to commit (subject: the first line of the message)",
    "committed": "a commit was made (subject: its sha)",
    "tag": "about to tag a release (subject: the tag name)",
    "deposit": "about to take a step on the deposit server (subject: reserve, read, upload, "
    "metadata or publish)",
}

Listener = Callable[[str, str], None]
_listeners: list[Listener] = []


def on_checkpoint(listener: Listener) -> Callable[[], None]:
    """Call ``listener(point, subject)`` at every checkpoint; returns a function that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def checkpoint(point: str, subject: str = "") -> None:
    """Announce that the write path reached ``point`` (one of :data:`CHECKPOINTS`)."""
    assert point in CHECKPOINTS, point
    for listener in tuple(_listeners):
        listener(point, subject)


def acting_curator(
    config, root: Path, orcid: str | None = None, required: bool = True,
    fallback: Curator | None = None,
) -> Curator | None:  # fmt: skip
    """Who is acting, for every command: the one policy.

    In order: ``orcid`` (``--curator``), which must name a registered curator; else
    ``CRSMAP_CURATOR``, which must too when a curator is ``required`` (otherwise one not
    yet registered is passed over: it may be the curator being added); else the
    curator whose email is git's ``user.email``; else the only curator; else
    ``fallback``. When none of these decides: an error if ``required``, otherwise None
    (a release or fetch run by CI need not name a curator).
    """
    curators = config.curators
    for where, chosen in (
        ("--curator", orcid),
        ("CRSMAP_CURATOR", os.environ.get("CRSMAP_CURATOR", "").strip()),
    ):
        if not chosen:
            continue
        strict = where == "--curator" or (required and fallback is None)
        try:
            value = parse_orcid(chosen)
        except InputError:
            if strict:
                raise
            return fallback
        curator = config.curator(value)
        if curator is not None:
            return curator
        if strict:
            raise InputError(
                f"{where} {value} is not a curator of this map; add them with "
                f"`crsmap curators add NAME --orcid {value}`"
            )
        return fallback  # a CRSMAP_CURATOR passed over does not fall through to git's identity
    email = gitrepo.configured_email(root) if curators else ""
    by_email = [c for c in curators if email and c.email.lower() == email.lower()]
    if len(by_email) == 1:
        return by_email[0]
    if len(curators) == 1:
        return curators[0]
    if fallback is not None or not required:
        return fallback
    if not curators:
        raise InputError(
            "no curator in crsmap.toml; add one with `crsmap curators add NAME --orcid ORCID`"
        )
    raise InputError(
        f"{len(curators)} curators in crsmap.toml and none matches git user.email; "
        "pass --curator ORCID or set CRSMAP_CURATOR"
    )


def commit_files(root: Path, repo, files: Sequence[str], message: str, author) -> str | None:
    """Commit exactly ``files`` (relative to ``root``); None when they hold no change."""
    checkpoint("commit", message.splitlines()[0] if message else "")
    sha = gitrepo.commit_paths(repo, [root / f for f in files], message, author)
    if sha is not None:
        checkpoint("committed", sha)
    return sha


def write_file(path: Path, content: str | bytes) -> Path:
    """Replace one file atomically, announcing it at the ``write``/``written`` checkpoints."""
    checkpoint("write", str(path))
    if isinstance(content, bytes):
        atomic_write_bytes(path, content)
    else:
        atomic_write_text(path, content)
    checkpoint("written", str(path))
    return path


class Transaction:
    """One command's changes to a project, made under the project lock.

    ``actor`` is the acting curator (None when the command needs none), ``repo`` the git
    repository (None with ``--no-commit``), ``leftovers`` what an interrupted command
    left (see :mod:`curation.leftovers`).
    """

    def __init__(self, project, repo, actor: Curator | None):
        from .leftovers import Leftovers

        self.project, self.repo, self.actor = project, repo, actor
        self.leftovers = Leftovers()

    def settle(self) -> None:
        """Commit what an interrupted command left, now rather than before the first write."""
        self.leftovers.settle()

    def write(self, texts: Mapping[str, str | bytes]) -> tuple[str, ...]:
        """Replace each project file (name relative to the project) with its rendered content.

        Render everything before calling this: a bad value then stops all writes.
        """
        self.settle()  # before this command changes a map they are in
        config = self.project.config
        for name, content in texts.items():
            # A map file is checked again just before it is replaced: a link made since it
            # was read must not turn the write into one outside the project.
            if name in config.map.files:
                path = contained(self.project.root, name, "files")
            else:
                path = self.project.root / name
            write_file(path, content)
        return tuple(texts)

    def commit(
        self, files: Sequence[str], message: str, author: Curator | None = None
    ) -> str | None:
        """Commit exactly ``files`` as ``author`` (default: the actor); None without a repo."""
        if self.repo is None:
            return None
        self.settle()
        return commit_files(self.project.root, self.repo, files, message, author or self.actor)

    def done(self, change: Change) -> Change:
        """The command's ``change``, having committed any leftovers first, and saying so."""
        return self.leftovers.into(change)


@contextlib.contextmanager
def transaction(
    project, curator: str | Curator | None = None, *, commit: bool = True,
    required: bool = True, fallback: Curator | None = None,
) -> Iterator[Transaction]:  # fmt: skip
    """Open a :class:`Transaction` on ``project``; see :meth:`curation.project.Project.transaction`."""
    from .leftovers import find

    if isinstance(curator, Curator):
        actor: Curator | None = curator
    else:
        actor = acting_curator(project.config, project.root, curator, required, fallback)
    repo = gitrepo.require_repo(project.root) if commit else None
    checkpoint("lock", str(project.root))
    with project_lock(project.root):
        checkpoint("locked", str(project.root))
        txn = Transaction(project, repo, actor)
        txn.leftovers = find(project, repo, actor)
        yield txn
