"""The git side of a curation repository, through gitpython (imported only when needed).

crsmap commits each change with the acting curator as the git author and an ORCID
trailer, so that ``git log`` is the provenance record of the map.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from .config import Curator
from .errors import InputError, OutsideError
from .identifiers import email_problem, name_problem, parse_orcid

FALLBACK_NAME = "crsmap"
FALLBACK_EMAIL = "crsmap@localhost"


def _git():
    try:
        import git
    except ImportError as exc:  # gitpython raises ImportError when no git binary exists
        raise OutsideError(f"git is not available: {exc}") from None
    return git


def find_repo(path: Path):
    """The git repository containing ``path``, or None."""
    git = _git()
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def init_repo(path: Path):
    """The repository containing ``path``, created there when there is none."""
    repo = find_repo(path)
    if repo is not None:
        return repo
    git = _git()
    try:
        return git.Repo.init(path, initial_branch="main")
    except git.GitCommandError as exc:
        raise OutsideError(f"git init failed in {path}: {git_message(exc)}") from None


def configured_email(path: Path) -> str:
    """``git config user.email`` as seen from ``path``, or an empty string."""
    repo = find_repo(path)
    git = _git()
    try:
        if repo is not None:
            return repo.git.config("user.email")
        return git.Git(str(path)).config("user.email")
    except git.GitCommandError:
        return ""


def require_repo(path: Path):
    """The repository of a project that is about to commit; exit 2 before writing if none."""
    repo = find_repo(path)
    if repo is None:
        raise InputError(
            f"{path} is not inside a git repository; run `git init` there or pass --no-commit"
        )
    return repo


def commit_paths(repo, paths: Iterable[Path], message: str, author: Curator | None) -> str | None:
    """Commit exactly ``paths`` (other staged changes are left alone) and return the sha.

    Returns None when the paths hold no change. Git failures become :class:`OutsideError`
    (exit 3); the files on disk are kept.
    """
    git = _git()
    root = Path(repo.working_tree_dir)
    relative = [str(Path(p).resolve().relative_to(root.resolve())) for p in paths]
    env = identity_env(repo, author)
    trailer = curator_trailer(author)
    if trailer:
        message = f"{message.rstrip()}\n\n{trailer}\n"
    try:
        with repo.git.custom_environment(**env):
            repo.git.add("--", *relative)
            if not repo.git.status("--porcelain", "--", *relative).strip():
                return None
            repo.git.commit("-q", "-m", message, "--", *relative)
        return repo.head.commit.hexsha
    except git.GitCommandError as exc:
        raise OutsideError(
            f"git commit failed: {git_message(exc)}; the files were written"
        ) from None


def _checked_identity(author: Curator) -> tuple[str, str, str]:
    """(name, email, orcid) of a curator, each blank unless it passes its rule.

    crsmap.toml is edited by hand: whatever it holds, only checked text reaches git.
    """
    try:
        orcid = parse_orcid(author.orcid)
    except InputError:
        orcid = ""
    name = author.name.strip() if name_problem(author.name) is None else ""
    email = author.email.strip() if email_problem(author.email.strip()) is None else ""
    return name, email, orcid


def curator_trailer(author: Curator | None) -> str:
    """``Curator: NAME <https://orcid.org/ORCID>``, built so that no name can add or change one.

    The trailer is the last paragraph of the message and one line: a name that fails the
    name rule is replaced by the ORCID, and without a valid ORCID there is no trailer.
    """
    if author is None:
        return ""
    name, _, orcid = _checked_identity(author)
    return f"Curator: {name or orcid} <https://orcid.org/{orcid}>" if orcid else ""


def identity_env(repo, author: Curator | None) -> dict[str, str]:
    """Environment for git that names the curator as author and never lacks an identity."""
    env: dict[str, str] = {}
    if author is not None:
        name, email, orcid = _checked_identity(author)
        if name or orcid:
            env["GIT_AUTHOR_NAME"] = name or orcid
        if email or orcid:
            env["GIT_AUTHOR_EMAIL"] = email or f"https://orcid.org/{orcid}"
    reader = repo.config_reader()
    has_name = reader.has_option("user", "name") or "GIT_COMMITTER_NAME" in os.environ
    has_email = reader.has_option("user", "email") or "GIT_COMMITTER_EMAIL" in os.environ
    # A fresh machine has no git identity: let the curator (or crsmap) commit, rather than fail.
    if not has_name:
        env["GIT_COMMITTER_NAME"] = env.get("GIT_AUTHOR_NAME", FALLBACK_NAME)
        env.setdefault("GIT_AUTHOR_NAME", env["GIT_COMMITTER_NAME"])
    if not has_email:
        env["GIT_COMMITTER_EMAIL"] = env.get("GIT_AUTHOR_EMAIL", FALLBACK_EMAIL)
        env.setdefault("GIT_AUTHOR_EMAIL", env["GIT_COMMITTER_EMAIL"])
    return env


def git_message(exc: Exception) -> str:
    """Git's own words for a failed command, on one line (gitpython's framing taken off)."""
    text = (getattr(exc, "stderr", "") or str(exc)).strip()
    text = text.replace("stderr:", "").strip().strip("'").strip()
    return " ".join(text.split()) or str(exc)


def git_failure(exc: Exception, what: str) -> OutsideError:
    """A failed git command as an exit-3 error in git's own words: ``git WHAT failed: ...``."""
    return OutsideError(f"git {what} failed: {git_message(exc)}")


def commit_day(commit) -> str:
    """The UTC day (``YYYY-MM-DD``) a commit was made: a release's date is its commit's."""
    return commit.committed_datetime.astimezone(dt.UTC).date().isoformat()
