"""The project side of literature: which references to fetch, the cache, exports.

The network and the citation formats live in the ``literature`` package, imported only
when one of these functions runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from literature.cache import CACHE_FILE

from . import gitrepo
from .change import Change
from .errors import CheckFailed, InputError, OutsideError
from .identifiers import parse_reference, reference_key
from .storage import project_lock

if TYPE_CHECKING:
    from literature.fetch import FetchReport
    from literature.model import Citation

    from .project import Project

EXPORT_FORMATS = ("bibtex", "csl", "tsv")


def open_cache(project: Project):
    """The project's ``literature.jsonl``, updated under the project lock."""
    from literature.cache import Cache

    return Cache(project.root / CACHE_FILE, lock=lambda: project_lock(project.root))


def cached(project: Project) -> dict[str, Citation]:
    """Cached citations by reference CURIE (empty when nothing was fetched yet)."""
    from .parsed import read_citations

    return read_citations(project.root)


def ledger_references(project: Project, only: Sequence[str] = ()) -> list[str]:
    """References of the evidence ledger, all or those named by ``only``.

    ``only`` holds interaction IDs (their references) or references themselves.
    """
    records = project.evidence().records
    if not only:
        return sorted({r.reference for r in records})
    chosen: set[str] = set()
    for item in only:
        try:
            interaction = project._ledger_id(item, records)
        except InputError:
            try:
                chosen.add(parse_reference(item).curie)
            except InputError:
                raise InputError(
                    f"--only {item!r} is neither an interaction of the map nor a reference "
                    "(pubmed:N, doi:10..., pmc:PMCN)"
                ) from None
            continue
        chosen.update(r.reference for r in records if r.interaction == interaction)
    return sorted(chosen)


def fetch(
    project: Project,
    refresh: bool = False,
    offline: bool = False,
    only: Sequence[str] = (),
    progress_factory: Callable[[int], Callable[[int], None]] | None = None,
    commit: bool = True,
) -> tuple[FetchReport, Change]:
    """Fetch metadata of the ledger's references into literature.jsonl, and commit it.

    A network failure is raised (exit 3) after the batches fetched so far are written
    and committed.
    """
    from literature.fetch import Settings, fetch_citations

    references = ledger_references(project, only)
    settings = Settings.from_environment(project.config.literature_email)
    commit = commit and not offline
    # Decided before the network is used: a wrong --curator or missing repository stops
    # the command at once. A fetch run by CI need not name a curator.
    author = project.acting_curator(required=False) if commit else None
    if commit:
        gitrepo.require_repo(project.root)
    cache = open_cache(project)
    before = (
        (project.root / CACHE_FILE).read_bytes() if (project.root / CACHE_FILE).exists() else b""
    )
    failure: OutsideError | None = None
    try:
        report = fetch_citations(
            references,
            cache,
            settings,
            refresh=refresh,
            offline=offline,
            progress_factory=progress_factory,
        )
    except OutsideError as exc:
        failure, report = exc, None
    after = (
        (project.root / CACHE_FILE).read_bytes() if (project.root / CACHE_FILE).exists() else b""
    )
    sha, leftovers = None, None
    if commit and (project.root / CACHE_FILE).exists():
        count = after.count(b"\n")
        # Also commits a cache an interrupted fetch wrote but did not commit.
        with project.transaction(author, required=False) as txn:
            sha = txn.commit([CACHE_FILE], f"Fetch citation metadata ({count} references cached)")
            leftovers = txn.leftovers
    if failure is not None:
        kept = after.count(b"\n") - before.count(b"\n")
        raise OutsideError(
            f"{failure}; kept {max(kept, 0)} newly fetched reference(s) in {CACHE_FILE}"
        )
    change = Change(report.summary(), (CACHE_FILE,) if after != before else (), sha)
    return report, (leftovers.into(change) if leftovers is not None else change)


def export(project: Project, fmt: str) -> str:
    """The ledger's cached references as BibTeX, CSL-JSON or TSV."""
    from literature import export as formats

    if fmt not in EXPORT_FORMATS:
        raise InputError(
            f"unknown export format {fmt!r}: expected one of {', '.join(EXPORT_FORMATS)}"
        )
    cache = cached(project)
    wanted = {reference_key(r) for r in ledger_references(project)}
    citations = [c for ref, c in cache.items() if ref in wanted]
    if fmt != "tsv" and not any(c.found for c in citations):
        what = "no reference in evidence.tsv" if not wanted else "no citation metadata is cached"
        hint = (
            "add evidence first (`crsmap evidence add ID REF`)"
            if not wanted
            else "run `crsmap fetch` first"
        )
        raise CheckFailed(f"nothing to export: {what} ({len(wanted)} reference(s)); {hint}")
    render = {"bibtex": formats.to_bibtex, "csl": formats.to_csl, "tsv": formats.to_tsv}[fmt]
    return render(citations)


def write_export(text: str, path) -> None:
    """Write an export file atomically."""
    from .transaction import write_file

    write_file(Path(path), text)
