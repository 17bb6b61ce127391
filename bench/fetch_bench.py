"""Fetching PubMed metadata against the local fake E-utilities: crsmap vs one request per PMID.

Every client runs against its own fresh :class:`tests.fakeserver.FakeLiteratureServer`,
which enforces NCBI's 3 requests/s (no API key) with a sliding one-second window and
answers 429 beyond it. What a run cost is read from the server's request log, not from
the client, so every client is counted the same way.

- crsmap: ``crsmap --project DIR fetch --no-commit`` as a subprocess, on a project made by
  ``crsmap init --no-commit`` from the shipped sample map, with ``FETCH_PMIDS`` evidence
  rows written straight into ``evidence.tsv``.
- Biopython: ``Bio.Entrez.esummary(db="pubmed", id=PMID, retmode="json")`` once per PMID,
  with Biopython's own rate limiting and retries. Its E-utilities URLs are hard-coded in
  each function, so ``Bio.Entrez.urlopen`` (the name ``Bio.Entrez._open`` calls) is
  replaced for the run by one that rewrites the NCBI prefix to the fake's and refuses
  any other URL.
- metapub (optional): ``PubMedFetcher(cachedir=TMP).article_by_pmid(PMID)`` once per
  PMID (one efetch each), with metapub's own rate limiter. Its client's ``BASE_URL`` is
  pointed at the fake; see :func:`_metapub_at` for the two other adjustments.

The per-PMID baselines run on ``BASELINE_PMIDS`` PMIDs: at 3 requests/s, 1,000 sequential
requests take six minutes. Their counts and times grow linearly with the number of PMIDs
(one request and one rate-limit interval each), so callers scale them by
``FETCH_PMIDS / BASELINE_PMIDS`` and say so.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.demo import DEMO_CURATOR

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_MAP = ROOT / "curation" / "data" / "crs_sample.xml"
FETCH_PMIDS = 1_000
BASELINE_PMIDS = 100
NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
BENCH_EMAIL = "bench@example.org"
INTERACTION = "re12"  # an interaction of the sample map


@dataclass(frozen=True)
class Wire:
    """What the fake server saw during one client's run, and what the client got."""

    pmids: int  # PMIDs asked for
    requests: int  # HTTP requests that reached the server, retries included
    too_many: int  # of which answered 429
    seconds: float  # wall time of the client's run
    lost: int = 0  # PMIDs the client gave up on (an error after its own retries)

    def scaled(self, factor: float) -> Wire:
        """This run extrapolated linearly to ``factor`` times as many PMIDs."""
        return Wire(
            round(self.pmids * factor),
            round(self.requests * factor),
            round(self.too_many * factor),
            self.seconds * factor,
            round(self.lost * factor),
        )


def fake_server_class() -> type:
    """``tests.fakeserver.FakeLiteratureServer``, from this repository.

    The repository root goes first on ``sys.path``: ``tests`` is not part of the installed
    package, and some packages (metapub 0.7.5) install a top-level ``tests`` package of
    their own into site-packages, which would otherwise shadow this one.
    """
    if sys.path[:1] != [str(ROOT)]:
        sys.path.insert(0, str(ROOT))
    from tests.fakeserver import FakeLiteratureServer

    return FakeLiteratureServer


def _wire(server: Any, pmids: int, seconds: float, lost: int = 0) -> Wire:
    log = server.requests
    return Wire(pmids, len(log), sum(1 for r in log if r.status == 429), seconds, lost)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def version_of(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


# --- crsmap ------------------------------------------------------------------------------


def run_crsmap(workdir: Path, crsmap: Sequence[str], env: dict[str, str]) -> Wire:
    """``crsmap fetch`` of ``FETCH_PMIDS`` fresh PMIDs, as a subprocess; one run."""
    with fake_server_class()() as server:
        pmids = server.add_many_pubmed(FETCH_PMIDS)
        project = workdir / "fetch-project"
        init = [*crsmap, "--quiet", "init", str(project), "--title", "bench fetch"]
        init += ["--map", str(SAMPLE_MAP), "--no-commit"]
        subprocess.run(init, env=env, capture_output=True, text=True, check=True)
        rows = [
            f"{INTERACTION}\tpubmed:{p}\tECO:0000269\t{DEMO_CURATOR[1]}\t2026-01-05\tmanual\t\n"
            for p in pmids
        ]
        with (project / "evidence.tsv").open("a", encoding="utf-8") as ledger:
            ledger.writelines(rows)
        # No NCBI_API_KEY, so crsmap stays at 3 requests/s like the baselines.
        fetch_env = {k: v for k, v in env.items() if k != "NCBI_API_KEY"} | {
            "CRSMAP_EUTILS_URL": server.eutils_url,
            "CRSMAP_IDCONV_URL": server.idconv_url,
            "CRSMAP_CROSSREF_URL": server.crossref_url,
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        fetch = [*crsmap, "--project", str(project), "fetch", "--no-commit"]
        start = time.perf_counter()
        result = subprocess.run(fetch, env=fetch_env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(
                f"crsmap fetch failed ({result.returncode}): {result.stderr.strip()[-500:]}"
            )
        if f"fetched {FETCH_PMIDS}," not in result.stdout:
            raise RuntimeError(f"crsmap fetch did not fetch every PMID: {result.stdout.strip()}")
        return _wire(server, FETCH_PMIDS, elapsed)


# --- Biopython ---------------------------------------------------------------------------


@contextlib.contextmanager
def _entrez_at(server: Any) -> Iterator[Any]:
    """``Bio.Entrez`` sending its requests to ``server`` instead of NCBI, for the duration.

    Only the transport is swapped: ``Bio.Entrez._open`` (rate limiting, ``max_tries``,
    ``sleep_between_tries``) runs unchanged. The opener ignores proxy settings, since the
    fake is on the loopback interface.
    """
    from urllib.request import ProxyHandler, build_opener

    from Bio import Entrez

    opener = build_opener(ProxyHandler({}))

    def urlopen(request, *args, **kwargs):
        if not request.full_url.startswith(NCBI_EUTILS):
            raise RuntimeError(f"Bio.Entrez asked for {request.full_url}: not redirected")
        request.full_url = server.eutils_url + request.full_url[len(NCBI_EUTILS) :]
        return opener.open(request, *args, **kwargs)

    saved = Entrez.urlopen, Entrez.email, Entrez.api_key
    Entrez.urlopen, Entrez.email, Entrez.api_key = urlopen, BENCH_EMAIL, None
    try:
        yield Entrez
    finally:
        Entrez.urlopen, Entrez.email, Entrez.api_key = saved


def run_biopython() -> Wire:
    """``Bio.Entrez.esummary`` once per PMID for ``BASELINE_PMIDS`` PMIDs.

    ``Entrez.max_tries`` and ``Entrez.sleep_between_tries`` keep Biopython's defaults; see
    bench/README.md for why the latter does not shape 429 handling.
    """
    from http.client import HTTPException
    from urllib.error import URLError

    with fake_server_class()() as server, _entrez_at(server) as entrez:
        pmids = server.add_many_pubmed(BASELINE_PMIDS)
        lost = 0
        start = time.perf_counter()
        for pmid in pmids:
            try:
                with entrez.esummary(db="pubmed", id=pmid, retmode="json") as handle:
                    document = json.load(handle)
            except (URLError, HTTPException):  # HTTPError included: its retries ran out
                lost += 1
                continue
            if not document.get("result", {}).get(pmid, {}).get("title"):
                lost += 1
        elapsed = time.perf_counter() - start
        return _wire(server, len(pmids), elapsed, lost)


def biopython_settings() -> str:
    from Bio import Entrez

    return (
        f"Entrez.max_tries={Entrez.max_tries}, "
        f"Entrez.sleep_between_tries={Entrez.sleep_between_tries} (Biopython defaults)"
    )


# --- metapub -----------------------------------------------------------------------------


@contextlib.contextmanager
def _metapub_at(server: Any, cachedir: Path) -> Iterator[Any]:
    """A metapub ``PubMedFetcher`` whose requests go to ``server``, for the duration.

    Besides ``BASE_URL``, two adjustments, neither changing how many requests are sent
    or when:

    - ``article_by_pmid`` sends efetch ``rettype=xml&retmode=text``; NCBI answers XML to
      that, the fake serves efetch only with ``retmode=xml``, so the query is rewritten on
      the way out (an adapter on metapub's own ``requests`` session).
    - On an error whose text mentions "xml" (a 429's URL does), metapub's error diagnosis
      probes the real ``eutils.ncbi.nlm.nih.gov``; that probe is answered "available"
      locally, so nothing leaves the machine.

    ``cachedir`` is a fresh folder so metapub's SQLite response cache starts empty, and
    ``NCBI_API_KEY`` is ignored so metapub stays at 3 requests/s like the others.
    """
    from unittest import mock

    from metapub import PubMedFetcher, eutils_common, ncbi_errors
    from requests.adapters import HTTPAdapter

    class ToFake(HTTPAdapter):
        def send(self, request, *args, **kwargs):
            if not request.url.startswith(server.eutils_url):
                raise RuntimeError(f"metapub asked for {request.url}: not redirected")
            request.url = request.url.replace("retmode=text", "retmode=xml")
            return super().send(request, *args, **kwargs)

    def probe(url: str, timeout: int = 10) -> Any:
        return ncbi_errors.ServiceStatus(is_available=True)

    with (
        mock.patch.object(eutils_common, "API_KEY", None),
        mock.patch.object(ncbi_errors._detector, "check_service_status", probe),
    ):
        fetcher = PubMedFetcher(cachedir=str(cachedir))
        client = fetcher.qs.client
        client.BASE_URL = server.eutils_url.rstrip("/")
        client.session.trust_env = False  # no proxies for the loopback interface
        client.session.mount("http://", ToFake())
        client.session.mount("https://", ToFake())
        yield fetcher


def run_metapub(workdir: Path) -> Wire:
    """metapub ``article_by_pmid`` once per PMID for ``BASELINE_PMIDS`` PMIDs."""
    cachedir = workdir / "metapub-cache"
    cachedir.mkdir()
    with fake_server_class()() as server, _metapub_at(server, cachedir) as fetcher:
        pmids = server.add_many_pubmed(BASELINE_PMIDS)
        lost = 0
        start = time.perf_counter()
        for pmid in pmids:
            try:
                article = fetcher.article_by_pmid(pmid)
            except Exception:  # metapub wraps a 429 in MetaPubError / NCBIServiceError
                lost += 1
                continue
            if not article.title:
                lost += 1
        elapsed = time.perf_counter() - start
        return _wire(server, len(pmids), elapsed, lost)
