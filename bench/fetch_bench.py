"""Fetching PubMed metadata against the local fake E-utilities: crsmap vs its peers.

Every client runs against its own fresh :class:`tests.fakeserver.FakeLiteratureServer`,
which enforces NCBI's 3 requests/s (no API key) with a sliding one-second window and
answers 429 beyond it. What a run cost is read from the server's request log, not from
the client, so every client is counted the same way.

- crsmap: ``crsmap --project DIR fetch --no-commit`` as a subprocess, on a project made by
  ``crsmap init --no-commit`` from the shipped sample map, with ``FETCH_PMIDS`` evidence
  rows written straight into ``evidence.tsv`` (efetch alone, 500 PMIDs a request: 2
  requests for 1,000).
- Bio.Entrez batched (:func:`run_biopython_batched`), the fair peer: what a competent
  Biopython user writes for many PMIDs, the tutorial's history-server recipe: one
  ``Entrez.epost`` of all the PMIDs, then ``Entrez.efetch(webenv=..., query_key=...,
  retstart=..., retmax=PEER_BATCH)`` by ``PEER_BATCH`` (200), each answer read with
  ``Entrez.read``. For 1,000 PMIDs: 1 + 5 requests. It runs on all ``FETCH_PMIDS``.
- Scale (:func:`run_scale`): crsmap fetch of 1,000 to 20,000 PMIDs (``SCALE_PMIDS``), each
  on a fresh project and server, with the CPU time (user + system) of the fetch
  subprocess: CPU per PMID must stay flat as the number of PMIDs grows (issue 17: it grew
  with the cache, since every batch re-read and re-wrote all of ``literature.jsonl``).
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

``python bench/fetch_bench.py [--sizes 1000,5000,10000,20000]`` prints the batched peer
baseline and the scale case on their own (bench/run.py prints the per-PMID rows).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import resource
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
PEER_BATCH = 200  # PMIDs per efetch of the batched Bio.Entrez baseline
SCALE_PMIDS = (1_000, 5_000, 10_000, 20_000)
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
        elapsed, _cpu = _crsmap_fetch(server, workdir / "fetch-project", FETCH_PMIDS, crsmap, env)
        return _wire(server, FETCH_PMIDS, elapsed)


def _crsmap_fetch(
    server: Any, project: Path, n: int, crsmap: Sequence[str], env: dict[str, str]
) -> tuple[float, float]:
    """``crsmap fetch`` of ``n`` fresh PMIDs of ``server`` into a new project at ``project``.

    Returns the fetch subprocess's wall time and CPU time (user + system), in seconds.
    """
    pmids = server.add_many_pubmed(n)
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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(fetch, env=fetch_env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise RuntimeError(
            f"crsmap fetch failed ({result.returncode}): {result.stderr.strip()[-500:]}"
        )
    if f"fetched {n}," not in result.stdout:
        raise RuntimeError(f"crsmap fetch did not fetch every PMID: {result.stdout.strip()}")
    return elapsed, cpu


@dataclass(frozen=True)
class Scale:
    """One size of the scale case: a crsmap fetch of ``pmids`` fresh PMIDs."""

    wire: Wire
    cpu: float  # seconds of CPU (user + system) of the fetch subprocess, start-up included

    @property
    def cpu_per_pmid(self) -> float:
        return self.cpu / self.wire.pmids


def run_scale(
    workdir: Path,
    crsmap: Sequence[str],
    env: dict[str, str],
    sizes: Sequence[int] = SCALE_PMIDS,
) -> list[Scale]:
    """``crsmap fetch`` of each of ``sizes`` PMIDs, each on a fresh project and fake server."""
    results = []
    for n in sizes:
        with fake_server_class()() as server:
            project = workdir / f"fetch-scale-{n}"
            elapsed, cpu = _crsmap_fetch(server, project, n, crsmap, env)
            results.append(Scale(_wire(server, n, elapsed), cpu))
    return results


def scale_table(results: Sequence[Scale]) -> list[str]:
    """The scale case as text lines: CPU per PMID, its growth from the smallest size, and the
    CPU each PMID added since the previous size cost (flat when CPU is linear in PMIDs)."""
    if not results:
        return []
    base = results[0].cpu_per_pmid
    lines = [
        f"{'PMIDs':>7}  {'requests':>8}  {'429':>3}  {'wall':>8}  {'CPU':>8}  {'CPU/PMID':>9}  "
        f"{'growth':>6}  CPU per added PMID (start-up cancels out)"
    ]
    previous = None
    for r in results:
        marginal = ""
        if previous is not None and r.wire.pmids > previous.wire.pmids:
            added = (r.cpu - previous.cpu) / (r.wire.pmids - previous.wire.pmids)
            marginal = f"{added * 1e3:.3f}ms"
        lines.append(
            f"{r.wire.pmids:>7,}  {r.wire.requests:>8,}  {r.wire.too_many:>3}  "
            f"{r.wire.seconds:>7.1f}s  {r.cpu:>7.2f}s  {r.cpu_per_pmid * 1e3:>7.3f}ms  "
            f"{'x' + format(r.cpu_per_pmid / base, '.2f'):>6}  {marginal}"
        )
        previous = r
    return lines


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


def run_biopython_batched(n: int = FETCH_PMIDS, batch: int = PEER_BATCH) -> Wire:
    """The fair peer: Bio.Entrez's history-server recipe for ``n`` PMIDs, ``batch`` a request.

    One ``Entrez.epost`` of every PMID (a POST), then ``Entrez.efetch`` of the posted set by
    ``batch`` with ``retstart`` / ``retmax``, each answer read with ``Entrez.read`` (the
    Biopython tutorial's "searching for and downloading ... using the history"). A batch
    whose request fails after Biopython's own retries loses its PMIDs, as does a PMID
    that comes back without a title.
    """
    from http.client import HTTPException
    from urllib.error import URLError

    with fake_server_class()() as server, _entrez_at(server) as entrez:
        pmids = server.add_many_pubmed(n)
        titled: set[str] = set()
        start = time.perf_counter()
        try:
            with entrez.epost(db="pubmed", id=",".join(pmids)) as handle:
                posted = entrez.read(handle)
        except (URLError, HTTPException):
            posted = None
        for first in range(0, len(pmids) if posted else 0, batch):
            try:
                with entrez.efetch(
                    db="pubmed", retmode="xml", webenv=posted["WebEnv"],
                    query_key=posted["QueryKey"], retstart=first, retmax=batch,
                ) as handle:  # fmt: skip
                    records = entrez.read(handle)
            except (URLError, HTTPException):  # HTTPError included: its retries ran out
                continue
            for article in records["PubmedArticle"]:
                citation = article["MedlineCitation"]
                if citation["Article"].get("ArticleTitle"):
                    titled.add(str(citation["PMID"]))
        elapsed = time.perf_counter() - start
        return _wire(server, n, elapsed, lost=len(set(pmids) - titled))


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


# --- on its own ----------------------------------------------------------------------------


def _print_wire(label: str, wire: Wire) -> None:
    lost = f", {wire.lost:,} PMIDs lost" if wire.lost else ""
    print(
        f"{label:<44} {wire.pmids:>6,} PMIDs  {wire.requests:>4,} requests  "
        f"{wire.too_many:>3} x 429  {wire.seconds:>6.1f}s{lost}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """crsmap against the batched Bio.Entrez peer, then the 1k -> 20k scale case."""
    import shlex
    import tempfile

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--sizes", default=",".join(str(n) for n in SCALE_PMIDS),
        help="PMIDs of the scale case, comma-separated ('' to skip it)",
    )  # fmt: skip
    parser.add_argument("--no-peer", action="store_true", help="skip the Bio.Entrez baseline")
    parser.add_argument(
        "--crsmap", default="", help="the crsmap command (default: the one next to Python)"
    )
    args = parser.parse_args(argv)
    script = Path(sys.executable).parent / "crsmap"
    crsmap = shlex.split(args.crsmap) if args.crsmap else [str(script)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSMAP_")}
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="crsmap-fetch-bench-") as tmp:
        workdir = Path(tmp)
        print(f"fetch {FETCH_PMIDS:,} PMIDs against the fake server (3 requests/s enforced)")
        _print_wire("crsmap fetch", run_crsmap(workdir, crsmap, env))
        if args.no_peer:
            pass
        elif have("Bio"):
            peer = run_biopython_batched()
            _print_wire(f"Bio.Entrez epost + efetch by {PEER_BATCH}", peer)
            print(f"  ({biopython_settings()}, Biopython {version_of('biopython')})")
        else:
            print("Bio.Entrez baseline skipped: biopython is not installed")
        if sizes:
            print("\ncrsmap fetch CPU time (user + system of the subprocess) as PMIDs grow")
            for line in scale_table(run_scale(workdir, crsmap, env, sizes)):
                print(line)
    return 0


if __name__ == "__main__":
    if sys.path[:1] != [str(ROOT)]:
        sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
