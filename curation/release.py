"""Cutting a release: checks, the CHANGELOG section, the annotated tag and the bundle.

The order keeps a crash harmless: the bundle's bytes are built from the release commit
before the tag exists, the tag is made, and only then is the zip moved into place. A tag
without its zip is rebuilt byte for byte by ``crsmap bundle``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from . import gitrepo
from .audit import AuditReport
from .bundle import Release, build_files, zip_bytes
from .errors import CheckFailed, InputError
from .identifiers import reference_key
from .ledger import natural_key
from .provenance import releases, state_of
from .snapshot import (
    CHANGELOG_FILE,
    Snapshot,
    at_revision,
    git_failure,
    prefix_in_repo,
    read_blob,
    version_tags,
)
from .storage import atomic_write_bytes, atomic_write_text, project_lock
from .versions import bump as bump_version
from .versions import parse_version

LIST_LIMIT = 50


@dataclass(frozen=True)
class BundleResult:
    """A written bundle: where, and its sha256."""

    path: Path
    sha256: str
    version: str


@dataclass(frozen=True)
class ReleasePlan:
    """What ``release`` would do (all of it, with ``--dry-run``)."""

    version: str
    previous: str | None
    changelog: str
    audit: AuditReport
    snapshot: Snapshot  # HEAD, parsed once for both the section and the bundle


def _repo(project):
    return gitrepo.require_repo(project.root)


def _previous(repo) -> str | None:
    tags = version_tags(repo)
    return tags[-1][1] if tags else None


def plan(
    project, version: str | None = None, bump: str | None = None, allow_warnings: bool = False
) -> ReleasePlan:
    """Check everything a release needs and compose its CHANGELOG section; write nothing."""
    from . import audit

    repo = _repo(project)
    if version and bump:
        raise InputError("give a VERSION or --bump, not both")
    previous = _previous(repo)
    if version is None:
        if bump is None:
            raise InputError("no version: give one (e.g. 1.0.0) or --bump major|minor|patch")
        version = bump_version(previous, bump)
    version = version.removeprefix("v")
    key = parse_version(version)
    if f"v{version}" in [t.name for t in repo.tags]:
        raise InputError(f"tag v{version} already exists; expected a new version")
    if previous is not None and key <= parse_version(previous):
        raise InputError(f"version {version} does not increase on the last release {previous}")
    prefix = prefix_in_repo(repo, project.root)
    dirty = repo.git.status("--porcelain", "--untracked-files=no", "--", str(prefix) or ".")
    if dirty.strip():
        files = ", ".join(line[3:] for line in dirty.splitlines()[:5])
        raise InputError(
            f"the working tree has uncommitted changes ({files}); commit or stash them before releasing"
        )
    if not repo.head.is_valid():
        raise InputError("the repository has no commit yet")
    report = audit.run(project, fail_on="error" if allow_warnings else "warning")
    counts = report.summary
    if counts["error"] or (counts["warning"] and not allow_warnings):
        what = f"{counts['error']} error(s)" + (
            "" if allow_warnings else f" and {counts['warning']} warning(s)"
        )
        hint = "" if allow_warnings or counts["error"] else " (or pass --allow-warnings)"
        raise CheckFailed(
            f"the audit found {what}; fix them (see `crsmap audit`) before releasing{hint}"
        )
    current = at_revision(repo, project.root, "HEAD")
    before = at_revision(repo, project.root, f"v{previous}") if previous else None
    section = changelog_section(
        repo, project, version, project.today, current, before, previous, report
    )
    return ReleasePlan(version, previous, section, report, current)


def changelog_section(
    repo, project, version, day, current: Snapshot, before: Snapshot | None, previous, report
) -> str:
    """The CHANGELOG.md section of a release, from the changes since the previous one."""
    now, then = current.interactions, before.interactions if before else {}
    added = [i for i in now if i not in then]
    removed = [i for i in then if i not in now]
    changed = [i for i in now if i in then and now[i].signature != then[i].signature]
    keys_now = {(r.interaction, reference_key(r.reference)) for r in current.evidence}
    keys_then = (
        {(r.interaction, reference_key(r.reference)) for r in before.evidence} if before else set()
    )
    refs_then = {ref for _, ref in keys_then}
    new_refs = sorted({ref for _, ref in keys_now} - refs_then, key=natural_key)
    lines = [f"## [{version}] - {day.isoformat()}", ""]
    lines += ["### Interactions", ""]
    lines += _listing("Added", [f"{i} `{now[i].signature}`" for i in added])
    lines += _listing("Removed", [f"{i} `{then[i].signature}`" for i in removed])
    lines += _listing(
        "Changed", [f"{i}: `{then[i].signature}` → `{now[i].signature}`" for i in changed]
    )
    if not (added or removed or changed):
        lines.append("- No interaction was added, removed or changed.")
    gained, lost = sorted(keys_now - keys_then), sorted(keys_then - keys_now)
    lines += ["", "### Evidence", ""]
    lines.append(f"- {len(gained)} record(s) added, {len(lost)} removed; {len(keys_now)} in all.")
    lines += _listing("Removed", [f"{i} {r}" for i, r in lost])
    lines += ["", "### New references", ""]
    citations = current.citations
    items = []
    for ref in new_refs:
        citation = citations.get(ref)
        items.append(f"{ref}" + (f" — {citation.short()}" if citation is not None else ""))
    lines += [f"- {item}" for item in items[:LIST_LIMIT]] or ["- None."]
    if len(items) > LIST_LIMIT:
        lines.append(f"- … and {len(items) - LIST_LIMIT} more.")
    lines += ["", "### Curators", ""]
    lines += [
        f"- {name}"
        for name in _contributors(repo, project, current, keys_now - keys_then, previous)
    ] or ["- None recorded."]
    counts = report.summary
    lines += [
        "",
        "### Audit",
        "",
        f"- {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info.",
    ]
    return "\n".join(lines) + "\n"


def _listing(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [f"- {title} ({len(items)}):"] + [f"  - {item}" for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        lines.append(f"  - … and {len(items) - LIST_LIMIT} more")
    return lines


def _contributors(repo, project, current: Snapshot, new_keys, previous) -> list[str]:
    """Curators of the new evidence, and authors of the commits since the last release."""
    names = {c.orcid: c.name for c in current.config.curators}
    orcids = {
        r.curator
        for r in current.evidence
        if (r.interaction, reference_key(r.reference)) in new_keys
    }
    found = {f"{names.get(o, o)} ({o})" for o in orcids}
    prefix = str(prefix_in_repo(repo, project.root)) or "."
    span = f"v{previous}..HEAD" if previous else "HEAD"
    for line in repo.git.log(
        span, "--format=%(trailers:key=Curator,valueonly)", "--", prefix
    ).splitlines():
        if line.strip():
            name, _, url = line.strip().partition(" <https://orcid.org/")
            found.add(f"{name} ({url.rstrip('>')})" if url else name)
    return sorted(found)


def insert_section(changelog: str, section: str, title: str) -> str:
    """CHANGELOG.md with ``section`` under ``## [Unreleased]``; notes written there move into it."""
    if not changelog.strip():
        changelog = f"# Changelog of {title}\n\n## [Unreleased]\n"
    marker = "## [Unreleased]"
    if marker not in changelog:
        return changelog.rstrip() + "\n\n" + section
    head, _, rest = changelog.partition(marker)
    rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    following = rest.find("\n## [")
    notes, tail = (rest, "") if following < 0 else (rest[: following + 1], rest[following + 1 :])
    if notes.strip():
        section = section.replace(
            "\n### Interactions", f"\n### Notes\n\n{notes.strip()}\n\n### Interactions", 1
        )
    return f"{head}{marker}\n\n{section}" + (f"\n{tail}" if tail else "")


def release(
    project, version: str | None = None, bump: str | None = None, output: str | Path | None = None,
    allow_warnings: bool = False, curator: str | None = None,
) -> tuple[ReleasePlan, BundleResult]:  # fmt: skip
    """Check, write the CHANGELOG section, commit, tag ``vVERSION`` and write the bundle.

    Everything happens under the project lock, so two releases cannot both pass the
    checks. A release interrupted after its commit resumes: the CHANGELOG section that is
    already there is not written again, and HEAD gets the tag.
    """
    repo = _repo(project)
    try:
        author = project.acting_curator(curator)
    except InputError:
        if curator:
            raise
        author = None  # a release cut in CI need not name a curator
    with project_lock(project.root):
        chosen = plan(project, version, bump, allow_warnings)
        path = project.root / CHANGELOG_FILE
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        sha = None
        snapshot = chosen.snapshot
        if f"\n## [{chosen.version}]" not in "\n" + text:
            text = insert_section(text, chosen.changelog, project.config.map.title)
            atomic_write_text(path, text)
            sha = gitrepo.commit_paths(repo, [path], f"Release {chosen.version}", author)
            # The release commit differs from HEAD only by this CHANGELOG.md: no second parse.
            snapshot = replace(snapshot, changelog=text)
        head = sha or repo.head.commit.hexsha
        data, folder = bundle_bytes(project, repo, head, chosen.version, snapshot)
        _tag(repo, head, chosen.version, project.config.map.title, author)
        result = _write(project, data, folder, chosen.version, output)
    return chosen, result


def _tag(repo, sha: str, version: str, title: str, author) -> None:
    env = gitrepo.identity_env(repo, author)
    try:
        with repo.git.custom_environment(**env):
            repo.git.tag("-a", f"v{version}", "-m", f"{title} {version}", sha)
    except Exception as exc:
        raise git_failure(exc, f"tag v{version}") from None


def bundle_bytes(
    project, repo, sha: str, version: str, snapshot: Snapshot | None = None
) -> tuple[bytes, str]:
    """The zip of release ``version`` built from commit ``sha`` (tags before it give history).

    ``snapshot`` is that commit's content when the caller has already read it.
    """
    if snapshot is None:
        snapshot = at_revision(repo, project.root, sha)
    commit = repo.commit(sha)
    key = parse_version(version)
    stamp = commit.committed_datetime.astimezone(dt.UTC)
    states = [
        state_of(v, at_revision(repo, project.root, tag.commit.hexsha), _day(tag.commit))
        for k, v, tag in version_tags(repo)
        if k < key and repo.is_ancestor(tag.commit, commit)
    ]
    states.append(state_of(version, snapshot, stamp.date().isoformat()))
    info = Release(version, stamp.date(), snapshot.config.map.short_name)
    legal = ""
    if snapshot.config.map.license_file:
        blob = read_blob(
            repo, sha, prefix_in_repo(repo, project.root) / snapshot.config.map.license_file
        )
        if blob is None:
            raise InputError(
                f"[map] license_file {snapshot.config.map.license_file} is not in the repository"
            )
        legal = blob.decode("utf-8", "replace")
    from .report import render_report
    from .report_data import for_release

    report = render_report(for_release(snapshot, version, stamp.date(), states))
    files = build_files(snapshot, info, releases(states), legal, report)
    return zip_bytes(files, info.folder, stamp), info.folder


def _day(commit) -> str:
    return commit.committed_datetime.astimezone(dt.UTC).date().isoformat()


def build_bundle(project, version: str, output: str | Path | None = None) -> BundleResult:
    """Rebuild the bundle of an existing release tag from the tagged commit."""
    repo = _repo(project)
    version = version.removeprefix("v")
    parse_version(version)
    tag = next((t for t in repo.tags if t.name == f"v{version}"), None)
    if tag is None:
        known = ", ".join(v for _, v, _ in version_tags(repo)) or "none"
        raise InputError(f"no release tag v{version}; releases: {known}")
    data, folder = bundle_bytes(project, repo, tag.commit.hexsha, version)
    return _write(project, data, folder, version, output)


def _write(project, data: bytes, folder: str, version: str, output) -> BundleResult:
    target = Path(output) if output else project.root / "dist"
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{folder}.zip"
    atomic_write_bytes(path, data)
    return BundleResult(path, hashlib.sha256(data).hexdigest(), version)
