"""Cutting a release: checks, the CHANGELOG section, the annotated tag and the bundle.

The order keeps a crash harmless and a bad bundle unpublished: the bundle's bytes are
built from the release commit before the tag exists and checked as ``crsmap verify``
checks a bundle (a failure undoes the commit), the tag is made, and only then is the zip
moved into place. A tag without its zip is rebuilt byte for byte by ``crsmap bundle``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from . import gitrepo
from .audit import AuditReport
from .bundle import Release, build_files, zip_bytes
from .config import CONFIG_FILE
from .errors import CheckFailed, InputError
from .gitrepo import commit_day, git_failure
from .identifiers import reference_key
from .ledger import natural_key
from .provenance import release_history, state_of, store_history, tagged_state
from .snapshot import (
    CHANGELOG_FILE,
    Snapshot,
    at_revision,
    prefix_in_repo,
    read_blob,
    version_tags,
    version_tags_before,
)
from .transaction import checkpoint, write_file
from .verify import inspect_bytes
from .versions import bump as bump_version
from .versions import parse_version

LIST_LIMIT = 50
COMPLETE = "changes.tsv of the release bundle"


@dataclass(frozen=True)
class BundleResult:
    """A written bundle: where, and its sha256."""

    path: Path
    sha256: str
    version: str
    warnings: tuple[str, ...] = ()  # what verify noted but accepts (e.g. unfetched references)


@dataclass(frozen=True)
class ReleasePlan:
    """What ``release`` would do (all of it, with ``--dry-run``)."""

    version: str
    previous: str | None
    changelog: str
    audit: AuditReport
    snapshot: Snapshot  # HEAD, parsed once for both the section and the bundle
    unfetched: tuple[str, ...] = ()  # references released without metadata (--allow-unfetched)
    changes: tuple = ()  # changes.tsv's lines, computed once for the section and the bundle
    previous_doi: str = ""  # the DOI of the release this one follows, when it has one

    def deposit_metadata(self, today) -> dict:
        """The ``.zenodo.json`` the bundle would hold if cut ``today`` (its DOI once reserved)."""
        from .bundle import deposit_metadata

        release = Release(self.version, today, self.snapshot.config.map.short_name,
                          self.previous_doi)  # fmt: skip
        return deposit_metadata(self.snapshot, release, self.changes)


def _repo(project):
    return gitrepo.require_repo(project.root)


def _previous(repo) -> str | None:
    tags = version_tags(repo)
    return tags[-1][1] if tags else None


def plan(
    project,
    version: str | None = None,
    bump: str | None = None,
    allow_warnings: bool = False,
    allow_unfetched: bool = False,
) -> ReleasePlan:
    """Check everything a release needs and compose its CHANGELOG section; write nothing.

    References without cached metadata are errors here (a bundle must say what it cites)
    unless ``allow_unfetched``: then they are accepted, and the bundle lists each one
    explicitly as ``unfetched``.
    """
    from . import audit

    repo = _repo(project)
    if version and bump:
        raise InputError("give a VERSION or --bump, not both")
    previous = _previous(repo)
    if version is None:
        if bump is None:
            raise InputError("no version: give one (e.g. 1.0.0) or --bump major|minor|patch")
        version = bump_version(previous, bump)
    key = parse_version(version)  # accepts one leading "v", so "vv1.0.0" is refused
    version = version.removeprefix("v")
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
    _refuse_shallow(repo)
    report = audit.run(project, fail_on="error" if allow_warnings else "warning")
    report = AuditReport(
        [
            replace(f, severity="info" if allow_unfetched else "error")
            if f.rule == "unfetched-reference"
            else f
            for f in report.findings
        ],
        report.fail_on,
    )
    current = at_revision(repo, project.root, "HEAD", layouts=True)  # the report draws it
    # Also when [audit] ignores the rules: the bundle is built from HEAD, so HEAD decides.
    cited = {reference_key(r.reference) for r in current.evidence}
    unfetched = sorted(cited - set(current.citations), key=natural_key)
    not_found = sorted(
        (ref for ref in cited if ref in current.citations and not current.citations[ref].found),
        key=natural_key,
    )
    if not_found:
        raise CheckFailed(
            f"{len(not_found)} reference(s) are unknown to PubMed/Crossref "
            f"({', '.join(not_found[:3])}{', ...' if len(not_found) > 3 else ''}), so the "
            "bundle could not cite them: remove them with `crsmap evidence remove ID REF`, or "
            "`crsmap fetch --refresh` if that was a mistake"
        )
    counts = report.summary
    if (
        counts["error"]
        or (counts["warning"] and not allow_warnings)
        or (unfetched and not allow_unfetched)
    ):
        what = f"{counts['error']} error(s)" + (
            "" if allow_warnings else f" and {counts['warning']} warning(s)"
        )
        hint = "" if allow_warnings or counts["error"] else " (or pass --allow-warnings)"
        message = f"the audit found {what}; fix them (see `crsmap audit`) before releasing{hint}"
        if unfetched and not allow_unfetched:
            message += (
                f"; {len(unfetched)} reference(s) have no citation metadata "
                f"({', '.join(unfetched[:3])}{', ...' if len(unfetched) > 3 else ''}): "
                "run `crsmap fetch`, or pass --allow-unfetched to release them marked unfetched"
            )
        raise CheckFailed(message)
    last = previous_release(repo, repo.head.commit, key)
    before = at_revision(repo, project.root, last[1].hexsha) if last else None
    previous_state = (*last, before) if last else None
    changes = release_changes(repo, project.root, current, "HEAD", previous_state)
    section = changelog_section(
        repo, project, version, project.today, current, before, last and last[0], report, changes
    )
    previous_doi = before.config.publish.doi_of(last[0]) if last else ""
    return ReleasePlan(
        version, previous, section, report, current, tuple(unfetched), tuple(changes),
        previous_doi,
    )  # fmt: skip


def previous_release(repo, commit, key: tuple[int, ...]):
    """(version, tagged commit) of the release this one follows: the newest version tag
    below ``key`` in the history of ``commit``, or None. The CHANGELOG section and
    changes.tsv both compare with it, so they always agree."""
    earlier = version_tags_before(repo, commit, key)
    return (earlier[-1][1], earlier[-1][2].commit) if earlier else None


def _refuse_shallow(repo) -> None:
    """A shallow clone hides earlier releases and the maps' originals: refuse, do not guess."""
    if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
        raise InputError(
            "this clone is shallow, so earlier releases and the maps' original versions are "
            "not in it; run `git fetch --unshallow` (in CI: fetch-depth 0) and try again"
        )


def changelog_section(
    repo, project, version, day, current: Snapshot, before: Snapshot | None, previous, report,
    changes: list | None = None,
) -> str:  # fmt: skip
    """The CHANGELOG.md section of a release, from the changes since the previous one.

    It gives counts and the first items of each list; the bundle's changes.tsv holds
    every change, and the section says so wherever a list is cut.
    """
    if changes is None:
        from .changes import changes_between

        changes = changes_between(current, before, {})
    by_kind: dict[str, list] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    added = by_kind.get("interaction-added", [])
    removed = by_kind.get("interaction-removed", [])
    changed = [c for c in by_kind.get("interaction-changed", []) if c.signatures]
    lines = [f"## [{version}] - {day.isoformat()}", ""]
    lines += ["### Interactions", ""]
    lines += _listing("Added", [f"{c.interaction} `{c.detail}`" for c in added])
    lines += _listing("Removed", [f"{c.interaction} `{c.detail}`" for c in removed])
    lines += _listing(
        "Changed",
        [f"{c.interaction}: `{c.signatures[0]}` → `{c.signatures[1]}`" for c in changed],
    )
    if not (added or removed or changed):
        lines.append("- No interaction was added, removed or changed.")
    gained = by_kind.get("evidence-added", [])
    lost = by_kind.get("evidence-removed", [])
    total = len(current.evidence)
    lines += ["", "### Evidence", ""]
    lines.append(f"- {len(gained)} record(s) added, {len(lost)} removed; {total} in all.")
    lines += _listing("Removed", [f"{c.interaction} {c.reference}" for c in lost])
    lines += ["", "### New references", ""]
    items = [
        f"{c.reference}" + (f" — {c.detail}" if c.detail != "no citation metadata" else "")
        for c in by_kind.get("reference-added", [])
    ]
    lines += [f"- {item}" for item in items[:LIST_LIMIT]] or ["- None."]
    if len(items) > LIST_LIMIT:
        lines.append(f"- … and {len(items) - LIST_LIMIT} more, listed in {COMPLETE}.")
    lines += ["", "### Curators", ""]
    lines += [f"- {name}" for name in _contributors(repo, project, current, changes, previous)] or [
        "- None recorded."
    ]
    counts = report.summary
    lines += [
        "",
        "### Audit",
        "",
        f"- {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info.",
        "",
        f"Every change of this release ({len(changes)} in all), one per line: {COMPLETE}.",
    ]
    section = "\n".join(lines) + "\n"
    return with_doi(section, current.config.publish.doi_of(version))


def with_doi(section: str, doi: str) -> str:
    """A CHANGELOG section with the release's DOI under its heading, replacing an earlier
    one (a reservation given up); unchanged without a DOI."""
    if not doi:
        return section
    heading, _, rest = section.partition("\n\n")
    if rest.startswith("DOI: ["):
        rest = rest.partition("\n\n")[2]
    return f"{heading}\n\nDOI: [{doi}](https://doi.org/{doi})\n\n{rest}"


def _listing(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [f"- {title} ({len(items)}):"] + [f"  - {item}" for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        lines.append(f"  - … and {len(items) - LIST_LIMIT} more, listed in {COMPLETE}")
    return lines


def _contributors(repo, project, current: Snapshot, changes, previous) -> list[str]:
    """Curators credited with a change, and authors of the commits since the last release."""
    names = {c.orcid: c.name for c in current.config.curators}
    orcids = {c.curator for c in changes if c.curator and c.kind.startswith("evidence-")}
    found = {f"{names.get(o) or o} ({o})" for o in orcids}
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
    allow_warnings: bool = False, curator: str | None = None, allow_unfetched: bool = False,
    reserve=None,
) -> tuple[ReleasePlan, BundleResult]:  # fmt: skip
    """Check, write the CHANGELOG section, commit, build and verify the bundle, tag, write it.

    Everything happens under the project lock, so two releases cannot both pass the
    checks. The bundle is checked as ``crsmap verify`` would check it before the tag is
    made: when it fails, nothing is tagged and the CHANGELOG commit is undone. A release
    interrupted after its commit resumes: the CHANGELOG section that is already there is
    not written again, and HEAD gets the tag.

    ``reserve(txn, version, title)`` (:meth:`curation.publish.Publisher.reserve`) reserves
    the release's DOI and commits it into crsmap.toml once the checks passed, before the
    release commit, so the bundle carries it.
    """
    repo = _repo(project)
    # A release cut in CI need not name a curator.
    with project.transaction(curator, required=False) as txn:
        author = txn.actor
        # Annotations an interrupted annotate wrote but did not commit would make the tree
        # look dirty; they are crsmap's own work, so commit them first (foreign edits stay).
        txn.settle()
        chosen = plan(project, version, bump, allow_warnings, allow_unfetched)
        if reserve is not None:
            title = chosen.snapshot.config.map.title
            chosen = _reserved(project, chosen, reserve(txn, chosen.version, title))
        path = project.root / CHANGELOG_FILE
        original = path.read_text(encoding="utf-8") if path.exists() else None
        text = original or ""
        sha = None
        snapshot = chosen.snapshot
        parent = repo.head.commit.hexsha
        if f"\n## [{chosen.version}]" not in "\n" + text:
            text = insert_section(text, chosen.changelog, project.config.map.title)
            txn.write({CHANGELOG_FILE: text})
            sha = txn.commit([CHANGELOG_FILE], f"Release {chosen.version}")
            # The release commit differs from HEAD only by this CHANGELOG.md: no second parse.
            snapshot = replace(snapshot, changelog=text)
        head = sha or parent
        try:
            data, folder = bundle_bytes(
                project, repo, head, chosen.version, snapshot, list(chosen.changes)
            )
            checked = inspect_bytes(data)
        except BaseException:
            if sha is not None:
                _undo(repo, sha, parent, path, original)
            raise
        if checked.problems:
            if sha is not None:
                _undo(repo, sha, parent, path, original)
            raise CheckFailed(
                f"the bundle of {chosen.version} would not pass `crsmap verify` "
                f"({len(checked.problems)} problem(s)); nothing was tagged"
                + (" and the release commit was undone" if sha else ""),
                checked.problems,
            )
        checkpoint("tag", f"v{chosen.version}")
        _tag(repo, head, chosen.version, project.config.map.title, author)
        result = _write(project, data, folder, chosen.version, output)
    return chosen, replace(result, warnings=tuple(checked.warnings))


def _reserved(project, chosen: ReleasePlan, doi: str) -> ReleasePlan:
    """The plan once its DOI is committed: only crsmap.toml changed, so no second plan."""
    snapshot = chosen.snapshot
    if snapshot.config.publish.doi_of(chosen.version) == doi:
        return chosen  # reserved by an earlier, interrupted run: the plan read it
    config = replace(snapshot.config, publish=project.config.publish)
    return replace(
        chosen,
        snapshot=replace(snapshot, config=config),
        changelog=with_doi(chosen.changelog, doi),
    )


def _undo(repo, sha: str, parent: str, path: Path, original: str | None) -> None:
    """Take back the release commit ``sha``: HEAD to ``parent``, CHANGELOG.md as it was."""
    relative = str(path.resolve().relative_to(Path(repo.working_tree_dir).resolve()))
    try:
        if repo.head.commit.hexsha == sha:  # only a commit nobody has built upon
            repo.git.update_ref(
                "-m", "crsmap: undo a release that did not verify", "HEAD", parent, sha
            )
            repo.git.reset("-q", parent, "--", relative)
    except Exception as exc:
        raise git_failure(exc, "undo of the release commit") from None
    if original is None:
        path.unlink(missing_ok=True)
    else:
        write_file(path, original)


def _tag(repo, sha: str, version: str, title: str, author) -> None:
    env = gitrepo.identity_env(repo, author)
    try:
        with repo.git.custom_environment(**env):
            repo.git.tag("-a", f"v{version}", "-m", f"{title} {version}", sha)
    except Exception as exc:
        raise git_failure(exc, f"tag v{version}") from None


def bundle_bytes(
    project, repo, sha: str, version: str, snapshot: Snapshot | None = None,
    changes: list | None = None,
) -> tuple[bytes, str]:  # fmt: skip
    """The zip of release ``version`` built from commit ``sha`` (tags before it give history).

    ``snapshot`` is that commit's content and ``changes`` its change record when the
    caller (``release``, whose plan compared the same two releases) already has them.
    """
    if snapshot is None:
        snapshot = at_revision(repo, project.root, sha, layouts=True)
    commit = repo.commit(sha)
    key = parse_version(version)
    stamp = commit.committed_datetime.astimezone(dt.UTC)
    _refuse_shallow(repo)
    earlier = [(v, tag.commit) for _, v, tag in version_tags_before(repo, commit, key)]
    before = None  # (version, commit, snapshot) of the previous release: read in full
    previous = None  # its state
    if earlier:
        v, tagged = earlier[-1]
        before = (v, tagged, at_revision(repo, project.root, tagged.hexsha))
        previous = tagged_state(repo, project.root, v, tagged, before[2])
    # The earlier releases' history (one cached entry), then this release's: kept for the
    # report and bundles to come, under the commit the tag names.
    history = release_history(repo, project.root, earlier).then(
        previous, state_of(version, snapshot, stamp.date().isoformat())
    )
    store_history(project.root, [*earlier, (version, sha)], history)
    previous_doi = before[2].config.publish.doi_of(before[0]) if before else ""
    info = Release(version, stamp.date(), snapshot.config.map.short_name, previous_doi)
    legal = ""
    if snapshot.config.map.license_file:
        blob = read_blob(
            repo,
            sha,
            prefix_in_repo(repo, project.root) / snapshot.config.map.license_file,
            "license file",
        )
        if blob is None:
            raise InputError(
                f"[map] license_file {snapshot.config.map.license_file} is not in the repository"
            )
        legal = blob.decode("utf-8", "replace")
    from .report import for_release, render_report

    if changes is None:  # the previous release is the one previous_release finds
        changes = release_changes(repo, project.root, snapshot, sha, before)
    originals = original_maps(repo, project.root, snapshot, sha)
    report = render_report(for_release(snapshot, version, stamp.date(), history))
    files = build_files(snapshot, info, history.lineage, legal, report, changes, originals)
    return zip_bytes(files, info.folder, stamp), info.folder


def release_changes(repo, root, snapshot: Snapshot, sha: str, before) -> list:
    """changes.tsv's lines: from the previous release ``(version, commit, snapshot)`` to ``sha``."""
    from .changes import changes_between, removals

    if before is None:  # a first release: nothing was released, so nothing was removed
        return changes_between(snapshot, None, {})
    return changes_between(snapshot, before[2], removals(repo, root, before[1].hexsha, sha))


def original_maps(repo, root, snapshot: Snapshot, sha: str) -> dict:
    """Each map file as crsmap received it, for the statement of modifications.

    That is the version in effect when crsmap.toml was first committed (the map's history
    before it is the original's own), or, for a map file added later, its first version;
    renames are followed, and the user's git settings do not change the answer.
    """
    from .bundle import OriginalMap
    from .mapcache import cached_map

    prefix = prefix_in_repo(repo, root)
    # --root: a root commit counts as adding its files even with log.showRoot=false.
    adopted = repo.git.log(
        "--root", "--diff-filter=A", "--format=%H", sha, "--", str(prefix / CONFIG_FILE)
    ).split()
    start = adopted[-1] if adopted else None
    found = {}
    qualify = len(snapshot.config.map.files) > 1
    for relative in snapshot.config.map.files:
        log = repo.git.log(
            "--root", "--follow", "--format=%x1e%H", "--name-only", sha, "--",
            str(prefix / relative),
        )  # fmt: skip
        history = []  # (commit, the file's path there), newest first
        for chunk in log.split("\x1e")[1:]:
            commit, *paths = [line for line in chunk.splitlines() if line.strip()]
            if paths:
                history.append((commit, paths[0]))
        chosen = next(
            (h for h in history if start and repo.is_ancestor(h[0], start)),
            history[-1] if history else None,
        )
        if chosen is None:
            continue
        commit, path = chosen
        data = read_blob(repo, commit, PurePosixPath(path), "map file")
        if data is None:
            continue
        label = f"{relative}@{commit[:10]}"
        model = cached_map(data, Path(relative), qualify, label, root)  # the same every release
        found[relative] = OriginalMap(
            commit,
            commit_day(repo.commit(commit)),
            {
                i.reaction_id: (i.signature, frozenset(i.annotated_references))
                for i in model.interactions.values()
            },
        )
    return found


def build_bundle(project, version: str, output: str | Path | None = None) -> BundleResult:
    """Rebuild the bundle of an existing release tag from the tagged commit."""
    data, folder, version = tagged_bundle(project, version)
    return _write(project, data, folder, version, output)


def tagged_bundle(project, version: str) -> tuple[bytes, str, str]:
    """(zip bytes, top folder, version) of release ``version``, rebuilt from its tag."""
    repo = _repo(project)
    parse_version(version)
    version = version.removeprefix("v")
    tag = next((t for t in repo.tags if t.name == f"v{version}"), None)
    if tag is None:
        known = ", ".join(v for _, v, _ in version_tags(repo)) or "none"
        raise InputError(f"no release tag v{version}; releases: {known}")
    data, folder = bundle_bytes(project, repo, tag.commit.hexsha, version)
    return data, folder, version


def _write(project, data: bytes, folder: str, version: str, output) -> BundleResult:
    target = Path(output) if output else project.root / "dist"
    target.mkdir(parents=True, exist_ok=True)
    path = write_file(target / f"{folder}.zip", data)
    return BundleResult(path, hashlib.sha256(data).hexdigest(), version)
