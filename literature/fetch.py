"""Fetching citation metadata for a set of references into the cache, batch by batch.

PubMed IDs go to efetch in batches; PMC IDs and DOIs are first mapped to PMIDs with NCBI's
ID converter; DOIs without a PMID go to Crossref. The cache is written after every batch
and before any failure is reported, so an interrupted fetch keeps all it got.

An identifier an answer is silent about is asked for once more; if the second answer is
silent too, it is left out of the cache (still "unfetched" for the audit) and counted as
unknown, never recorded as not found. (A PMID efetch is silent about twice is asked of
esummary, the one answer that says "PubMed does not know this PMID".)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from . import crossref, idconv, pubmed
from .cache import Cache
from .errors import InputError
from .identifiers import parse_reference
from .model import Citation, utc_now

CROSSREF_WRITE_EVERY = 25


@dataclass(frozen=True)
class Settings:
    """Where and as whom to ask: base URLs from the environment, email from crsmap.toml."""

    email: str = ""
    api_key: str = ""
    eutils_url: str = pubmed.DEFAULT_URL
    idconv_url: str = idconv.DEFAULT_URL
    crossref_url: str = crossref.DEFAULT_URL

    @classmethod
    def from_environment(cls, email: str = "") -> Settings:
        """NCBI_API_KEY and the CRSMAP_*_URL mirrors (README, "Citations"); the key is never stored."""
        return cls(
            email=email,
            api_key=os.environ.get("NCBI_API_KEY", "").strip(),
            eutils_url=os.environ.get("CRSMAP_EUTILS_URL", "").strip() or pubmed.DEFAULT_URL,
            idconv_url=os.environ.get("CRSMAP_IDCONV_URL", "").strip() or idconv.DEFAULT_URL,
            crossref_url=os.environ.get("CRSMAP_CROSSREF_URL", "").strip() or crossref.DEFAULT_URL,
        )


@dataclass
class FetchReport:
    """The closing summary of a fetch."""

    fetched: int = 0
    not_found: int = 0
    unknown: int = 0  # asked twice, answered about neither time: left out of the cache
    retracted: int = 0
    from_cache: int = 0
    requests: int = 0
    missing: list[str] = field(default_factory=list)  # offline and not cached

    def summary(self) -> str:
        unknown = f"unknown {self.unknown}, " if self.unknown else ""
        text = (
            f"fetched {self.fetched}, not found {self.not_found}, {unknown}"
            f"retracted {self.retracted}, from cache {self.from_cache}, "
            f"HTTP requests {self.requests}"
        )
        if self.unknown:
            text += "; the services did not answer about the unknown: run `crsmap fetch` again"
        if self.missing:
            text += f"; {len(self.missing)} not in the cache (run `crsmap fetch` online)"
        return text


Progress = Callable[[int], None]


def fetch_citations(
    references: Iterable[str],
    cache: Cache,
    settings: Settings,
    refresh: bool = False,
    offline: bool = False,
    progress_factory: Callable[[int], Progress] | None = None,
) -> FetchReport:
    """Make sure the cache holds metadata for every reference; return what happened.

    ``progress_factory`` receives the number of references and returns a function that
    is called with how many more are done.
    """
    wanted = _curies(references)
    advance = progress_factory(len(wanted)) if progress_factory else (lambda _n: None)
    report = FetchReport()
    todo = wanted if refresh else [r for r in wanted if cache.get(r) is None]
    report.from_cache = len(wanted) - len(todo)
    advance(report.from_cache)
    if offline:
        report.missing = todo if not refresh else [r for r in wanted if cache.get(r) is None]
        report.from_cache = len(wanted) - len(report.missing)
        _count_retracted(report, cache, wanted)
        return report
    run = _Run(cache, settings, report, advance)
    try:
        run.pubmed([r for r in todo if r.startswith("pubmed:")])
        run.converted([r for r in todo if not r.startswith("pubmed:")])
    finally:
        report.requests = run.requests()
    _count_retracted(report, cache, wanted)
    return report


def _curies(references: Iterable[str]) -> list[str]:
    """The distinct CURIEs of the valid references, sorted; each text is parsed once."""
    curies = set()
    for text in references:
        try:
            curies.add(parse_reference(text).curie)
        except InputError:
            continue  # an invalid reference is an audit finding, not something to fetch
    return sorted(curies)


def _count_retracted(report: FetchReport, cache: Cache, wanted: list[str]) -> None:
    report.retracted = sum(1 for r in wanted if (c := cache.get(r)) is not None and c.retracted)


class _Run:
    """One fetch: the clients it needed and the batches it wrote."""

    def __init__(self, cache: Cache, settings: Settings, report: FetchReport, advance: Progress):
        self.cache = cache
        self.settings = settings
        self.report = report
        self.advance = advance
        self._pubmed: pubmed.PubMedClient | None = None
        self._idconv: idconv.IdConverter | None = None
        self._crossref: crossref.CrossrefClient | None = None

    def requests(self) -> int:
        clients = (self._pubmed, self._idconv, self._crossref)
        return sum(c.http.stats.requests for c in clients if c is not None)

    def _save(self, citations: list[Citation], unknown: int = 0) -> None:
        self.cache.update(citations)
        for citation in citations:
            if citation.found:
                self.report.fetched += 1
            else:
                self.report.not_found += 1
        self.report.unknown += unknown
        self.advance(len(citations) + unknown)

    def _client(self):
        if self._pubmed is None:
            s = self.settings
            self._pubmed = pubmed.PubMedClient(s.eutils_url, s.email, s.api_key)
        return self._pubmed

    def pubmed(self, references: list[str], aliases: dict[str, list[str]] | None = None) -> None:
        """efetch per batch of PMIDs; ``aliases`` maps a PMID to the ledger's ids.

        The PMIDs the answers left out are asked again once every batch is in (together: a
        few of them cost one request, not one per batch); those left out twice go to
        esummary, which tells a PMID PubMed does not know (not found) from silence (unknown).
        """
        if aliases is None:
            aliases = {r.split(":", 1)[1]: [r] for r in references}
        client = self._client()
        silent = self._pubmed_round(client.articles, list(aliases), aliases)
        silent = self._pubmed_round(client.articles, silent, aliases)
        silent = self._pubmed_round(client.summaries, silent, aliases)
        if silent:
            self._save([], sum(len(aliases[p]) for p in silent))

    def _pubmed_round(
        self,
        ask: Callable[[list[str]], dict[str, Citation]],
        pmids: list[str],
        aliases: dict[str, list[str]],
    ) -> list[str]:
        """Ask about ``pmids`` batch by batch, saving each batch; return those left out."""
        silent: list[str] = []
        for start in range(0, len(pmids), pubmed.BATCH):
            batch = pmids[start : start + pubmed.BATCH]
            answer = ask(batch)
            citations = []
            for pmid in batch:
                if pmid in answer:
                    citation = answer[pmid]
                    citations.extend(
                        citation if ref == citation.id else replace(citation, id=ref)
                        for ref in aliases[pmid]
                    )
                else:
                    silent.append(pmid)
            self._save(citations)
        return silent

    def converted(self, references: list[str]) -> None:
        """PMC IDs and DOIs: to PubMed through the ID converter, else DOIs to Crossref."""
        if not references:
            return
        s = self.settings
        if self._idconv is None:
            self._idconv = idconv.IdConverter(s.idconv_url, s.email, s.api_key)
        mapped: dict[str, list[str]] = {}  # pmid -> ledger ids (a DOI and a PMC ID may share one)
        unmapped: list[str] = []
        unknown = 0
        for start in range(0, len(references), idconv.BATCH):
            batch = references[start : start + idconv.BATCH]
            locals_ = [r.split(":", 1)[1] for r in batch]
            records, answered = self._idconv.convert(locals_)
            silent = [i for i in locals_ if i not in answered]
            if silent:
                more, more_answered = self._idconv.convert(silent)
                records.update(more)
                answered |= more_answered
            for reference, local in zip(batch, locals_, strict=True):
                pmid = records.get(local, {}).get("pmid")
                if pmid:
                    mapped.setdefault(pmid, []).append(reference)
                elif local in answered or reference.startswith("doi:"):
                    unmapped.append(reference)  # Crossref knows DOIs the converter does not
                else:
                    unknown += 1
        if mapped:
            self.pubmed([], aliases=mapped)
        self._save([
            Citation(id=r, status="not-found", source="pubmed", fetched=utc_now(), pmcid=r.split(":", 1)[1])
            for r in unmapped if r.startswith("pmc:")
        ], unknown)  # fmt: skip
        self.crossref([r for r in unmapped if r.startswith("doi:")])

    def crossref(self, references: list[str]) -> None:
        if not references:
            return
        s = self.settings
        if self._crossref is None:
            self._crossref = crossref.CrossrefClient(s.crossref_url, s.email)
        pending: list[Citation] = []
        try:
            for reference in references:
                pending.append(self._crossref.work(reference.split(":", 1)[1]))
                if len(pending) >= CROSSREF_WRITE_EVERY:
                    self._save(pending)
                    pending = []
        finally:
            self._save(pending)
