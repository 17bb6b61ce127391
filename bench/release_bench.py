"""A released-size project for the release benchmark: a real map, every reaction with evidence.

:func:`build_project` makes a curation repository the way a curator would, then fills in
what a curator would have spent months on:

1. ``crsmap init`` on the map with a curator (committed) and ``crsmap import`` of the
   references the map already carries (committed);
2. one ``manual`` evidence record, with a synthetic PubMed ID distinct across the map,
   for every reaction still without one, written straight into ``evidence.tsv`` by
   :func:`curation.ledger.render_evidence`, with an ``interactions.tsv`` row (the curator,
   CC-BY-4.0, the signature the map reader derives) for each;
3. a found, unretracted :class:`literature.model.Citation` in ``literature.jsonl`` for
   every reference of the ledger, rendered by :func:`literature.cache.render_cache`;
4. ``crsmap annotate --no-commit``, so the map's annotations agree with the ledger, and
   one commit of all of it; ``crsmap audit --fail-on warning`` must then pass with no
   finding at all, since ``crsmap release`` refuses on errors or warnings.

To build one project and time, or profile, ``crsmap bundle`` on it by hand:

    .venv/bin/python bench/release_bench.py            # build, release, one timed bundle
    .venv/bin/python bench/release_bench.py --profile  # cProfile of the bundle, by cumulative time
    .venv/bin/python bench/release_bench.py --phases   # wall time of each step of release and bundle

``--phases`` runs ``release`` and then ``bundle`` in this process with each step of
:data:`PHASES` timed (no profiler: the times are what the commands take), which shows
where a release's time goes without cProfile's overhead on many small calls.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audit_bench import CURATOR, DAY, ECO, LICENSE  # bench/ is sys.path[0] as a script

from curation.ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    EvidenceRecord,
    InteractionRecord,
    render_evidence,
    render_interactions,
)
from curation.project import Project
from curation.storage import atomic_write_text
from literature.cache import CACHE_FILE, render_cache
from literature.model import Author, Citation

VERSION = "1.0.0"
FIRST_PMID = 90_000_000  # the added records' synthetic PMIDs: above any real one so far
# git's own identity for the one commit made here with git itself (crsmap names the curator)
GIT_IDENTITY = ("-c", "user.name=crsmap bench", "-c", "user.email=bench@example.invalid")


@dataclass(frozen=True)
class Prepared:
    """A committed project ready to be released, and what is in it."""

    root: Path
    reactions: int
    imported: int  # evidence records ``crsmap import`` took from the map
    added: int  # records written here, one per reaction without evidence


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> str:
    """Run a command to completion; its stdout, or a RuntimeError with its stderr."""
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def citation(curie: str) -> Citation:
    """Found, unretracted metadata for a reference of any kind the ledger takes."""
    prefix, _, local = curie.partition(":")
    ids = {"pubmed": "pmid", "doi": "doi", "pmc": "pmcid"}
    return Citation(
        id=curie,
        source="crossref" if prefix == "doi" else "pubmed",
        fetched=f"{DAY}T00:00:00Z",
        title=f"Synthetic article {local}",
        authors=(Author("Carberry", "Josiah"), Author("Doe", "Jane")),
        journal="J Bench",
        year=2020,
        pubtypes=("Journal Article",),
        **({ids[prefix]: local} if prefix in ids else {}),
    )


def build_project(
    root: Path, map_path: Path, crsmap: Sequence[str], env: dict[str, str]
) -> Prepared:
    """Make the project in ``root`` (see the module docstring); checks that it audits clean.

    ``crsmap`` is the command that runs crsmap, ``env`` the environment of every command.
    """
    root = Path(root)

    def command(*args: str) -> str:
        return run([*crsmap, "--quiet", "--project", str(root), *args], env)

    run([*crsmap, "--quiet", "init", str(root), "--title", "Release bench", "--map", str(map_path),
         "--curator-name", CURATOR.name, "--orcid", CURATOR.orcid, "--license", LICENSE,
         "--creator", "Release bench authors"], env)  # fmt: skip
    command("import")
    project = Project.open(root)
    interactions = project.interactions
    evidence = project.evidence().records
    rows = project.interaction_records().records
    imported = len(evidence)
    have_evidence = {record.interaction for record in evidence}
    have_row = {row.interaction for row in rows}
    missing = [i for i in interactions.values() if i.id not in have_evidence]
    evidence += [
        EvidenceRecord(i.id, f"pubmed:{FIRST_PMID + n}", ECO, CURATOR.orcid, DAY, "manual")
        for n, i in enumerate(missing)
    ]
    rows += [
        InteractionRecord(i.id, CURATOR.orcid, LICENSE, "", "draft", i.signature, DAY)
        for i in missing
        if i.id not in have_row
    ]
    atomic_write_text(root / EVIDENCE_FILE, render_evidence(evidence))
    atomic_write_text(root / INTERACTIONS_FILE, render_interactions(rows))
    references = sorted({record.reference for record in evidence})
    atomic_write_text(root / CACHE_FILE, render_cache(citation(ref) for ref in references))
    command("annotate", "--no-commit")
    run(["git", "add", "-A"], env, cwd=root)
    message = f"Evidence for every reaction: {len(missing)} records added"
    run(["git", *GIT_IDENTITY, "commit", "-q", "-m", message], env, cwd=root)
    report = json.loads(command("audit", "--format", "json", "--fail-on", "warning"))
    if report["findings"]:
        raise RuntimeError(f"the prepared project does not audit clean: {report['summary']}")
    return Prepared(root, len(interactions), imported, len(missing))


# The steps of release and bundle, by module: their wall times, nested (a step's time
# includes the steps it calls), so a line reads "of which".
PHASES = {
    "curation.release": ("plan", "bundle_bytes", "release_changes", "original_maps", "_tag"),
    "curation.audit.engine": ("run", "run_on_snapshot"),
    "curation.snapshot": ("at_revision",),
    "curation.mapcache": ("cached_map",),
    "curation.bundle": ("build_files", "zip_bytes"),
    "curation.report": ("render_report", "for_release"),
    "literature.export": ("to_bibtex", "to_csl"),
    "curation.verify": ("inspect_bytes",),
    "curation.overlay": ("snapshot_overlay",),
    "curation.provenance": ("tagged_state",),
}


def timed_phases(args: Sequence[str]) -> tuple[float, dict[str, tuple[float, int]]]:
    """Run one crsmap command in-process; its wall time and each :data:`PHASES` step's."""
    import importlib
    import sys

    from cli.main import cli

    spent: dict[str, list] = {}
    originals = []

    def wrap(module, name):
        original = getattr(module, name)
        spent.setdefault(f"{module.__name__}.{name}", [0.0, 0])

        def timed(*a, **k):
            start = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                entry = spent[f"{module.__name__}.{name}"]
                entry[0] += time.perf_counter() - start
                entry[1] += 1

        # every module that imported the function by name calls it through the wrapper
        for holder in [m for m in sys.modules.values() if getattr(m, name, None) is original]:
            originals.append((holder, name, original))
            setattr(holder, name, timed)

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            wrap(module, name)
    start = time.perf_counter()
    try:
        cli.main(list(args), "crsmap", standalone_mode=False)
    finally:
        elapsed = time.perf_counter() - start
        for holder, name, original in originals:
            setattr(holder, name, original)
    return elapsed, {k: (v[0], v[1]) for k, v in spent.items() if v[1]}


def print_phases(title: str, elapsed: float, phases: dict[str, tuple[float, int]]) -> None:
    print(f"{title}: {elapsed * 1e3:.0f} ms in-process")
    for name, (seconds, calls) in sorted(phases.items(), key=lambda item: -item[1][0]):
        print(f"  {seconds * 1e3:7.0f} ms  {name}" + (f" (x{calls})" if calls > 1 else ""))


def main(argv: list[str] | None = None) -> None:
    from run import REAL_MAP, crsmap_command, subprocess_env

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--map", type=Path, default=REAL_MAP, help="the CellDesigner map")
    parser.add_argument(
        "--profile", action="store_true", help="profile `crsmap bundle` in-process with cProfile"
    )
    parser.add_argument("--top", type=int, default=25, help="functions to list (default: 25)")
    parser.add_argument(
        "--phases", action="store_true", help="time each step of release and bundle in-process"
    )
    args = parser.parse_args(argv)
    crsmap, env = crsmap_command(), subprocess_env()

    with tempfile.TemporaryDirectory(prefix="crsmap-release-bench-") as tmp:
        start = time.perf_counter()
        prepared = build_project(Path(tmp) / "project", args.map, crsmap, env)
        print(
            f"built {prepared.reactions:,} reactions, {prepared.imported} imported and "
            f"{prepared.added:,} added records in {time.perf_counter() - start:.1f} s"
        )
        project = ["--quiet", "--project", str(prepared.root)]
        if args.phases:
            print_phases("crsmap release", *timed_phases([*project, "release", VERSION]))
            bundle = [*project, "bundle", VERSION, "--output", str(Path(tmp) / "bundle")]
            print_phases("crsmap bundle", *timed_phases(bundle))
            return
        start = time.perf_counter()
        run([*crsmap, *project, "release", VERSION], env)
        print(f"crsmap release {VERSION}: {time.perf_counter() - start:.2f} s")
        bundle = [*project, "bundle", VERSION, "--output", str(Path(tmp) / "bundle")]
        if not args.profile:
            start = time.perf_counter()
            run([*crsmap, *bundle], env)
            print(f"crsmap bundle {VERSION}: {time.perf_counter() - start:.2f} s")
            return
        import cProfile
        import pstats

        from cli.main import cli

        profiler = cProfile.Profile()
        try:
            profiler.runcall(cli.main, bundle, "crsmap")
        except SystemExit as done:
            if done.code:
                raise
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
