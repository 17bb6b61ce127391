"""``crsmap demo``: the curation cycle on the sample CRS Map, as real crsmap commands."""

from __future__ import annotations

import hashlib
import os
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from curation.demo import (
    DEMO_CURATOR,
    DEMO_TITLE,
    copy_sample_map,
    demo_folder,
    install_literature_snapshot,
)
from curation.errors import CrsmapError

NAME, ORCID = DEMO_CURATOR


BUNDLE = "cytokine-release-syndrome-map-1.0.0"
# The sample map was drawn for crsmap by its developers, who are therefore its creators.
DEMO_CREATOR = "The crsmap developers"
DEMO_COPYRIGHT = "2026 The crsmap developers"
# Kang et al. 2020 (PNAS): IL-6 trans-signalling through gp130 induces PAI-1 in endothelial cells.
KANG = "pubmed:32826331"


def _steps(project: str, sample: str) -> list[tuple[str, list[str], int]]:
    """(title, crsmap arguments, expected exit code) of each step."""
    at = ["--project", project]
    return [
        ("Create the curation repository from the sample map",
         ["init", project, "--title", DEMO_TITLE, "--map", sample, "--curator-name", NAME, "--orcid", ORCID,
          "--copyright", DEMO_COPYRIGHT], 0),
        ("Record who drew the map: its creators, credited in every release (curators are contributors)",
         [*at, "creators", "add", DEMO_CREATOR, "--organization"], 0),
        ("Record the references the map already carries", [*at, "import"], 0),
        ("Which interactions still have no evidence?",
         [*at, "interactions", "list", "--missing-evidence", "--format", "table"], 0),
        ("Citation metadata, from the snapshot shipped with the demo (no network)",
         [*at, "fetch", "--offline"], 0),
        ("Audit before the release: missing evidence and a retracted paper (exit 1)", [*at, "audit"], 1),
        ("Add evidence for the IL-1 interaction",
         [*at, "evidence", "add", "re12", "pubmed:29808005", "--note", "IL-1 blockade abates CRS in mice"], 0),
        ("Drop the retracted paper everywhere (ledger and annotations), recorded as rejected",
         [*at, "evidence", "remove", "--everywhere", "pubmed:20808781", "--reason", "retracted (notice PMID 37015095)"], 0),
        ("Support the IL-6 trans-signalling interactions with Kang et al. 2020",
         [*at, "evidence", "add", "re16", KANG, "--note", "IL-6/sIL-6R complex signals through gp130"], 0),
        ("", [*at, "evidence", "add", "re15", KANG, "--note", "soluble IL-6R drives trans-signalling in CRS"], 0),
        ("", [*at, "evidence", "add", "re18", KANG, "--note", "trans-signalling activates JAK/STAT3"], 0),
        ("", [*at, "evidence", "add", "re20", KANG, "--note", "IL-6 trans-signalling induces PAI-1"], 0),
        ("Mark the IL-1 interaction reviewed", [*at, "interactions", "set", "re12", "--status", "reviewed"], 0),
        ("Its card", [*at, "show", "re12", "--format", "table"], 0),
        ("Write the ledger references into the map for MINERVA", [*at, "annotate"], 0),
        ("Audit again: clean", [*at, "audit"], 0),
        ("Cut release 1.0.0: CHANGELOG section, tag v1.0.0, bundle in dist/", [*at, "release", "1.0.0"], 0),
        ("Check the bundle", [*at, "verify", str(Path(project) / "dist" / f"{BUNDLE}.zip")], 0),
        ("The evidence report: open it in a browser", [*at, "report"], 0),
    ]  # fmt: skip


def run_demo(directory: str | None, echo: Callable[[str], None] = click.echo) -> Path:
    """Build the sample project and run the cycle; stop at the first failing step."""
    from .main import cli

    project = demo_folder(directory)
    # The demo's curator acts whatever the machine's CRSMAP_CURATOR or git identity say.
    saved = os.environ.pop("CRSMAP_CURATOR", None)
    os.environ["CRSMAP_CURATOR"] = ORCID
    try:
        with tempfile.TemporaryDirectory(prefix="crsmap-sample-") as staging:
            sample = copy_sample_map(Path(staging))
            echo(f"crsmap demo in {project}\n")
            number = 0
            for title, args, expected in _steps(str(project), str(sample)):
                if title:
                    number += 1
                    echo(click.style(f"{number}. {title}", bold=True))
                echo("$ crsmap " + shlex.join(_shown(args, project, sample)))
                try:
                    code = cli.main(args=args, prog_name="crsmap", standalone_mode=False)
                except click.ClickException as exc:
                    exc.show()
                    code = exc.exit_code
                if (code or 0) != expected:
                    raise CrsmapError(
                        f"demo step {number} ({title}) ended with exit code {code}, expected {expected}"
                    )
                if args[-1:] == ["import"]:
                    install_literature_snapshot(project)
                echo("")
    finally:
        os.environ.pop("CRSMAP_CURATOR", None)
        if saved is not None:
            os.environ["CRSMAP_CURATOR"] = saved
    bundle = project / "dist" / f"{BUNDLE}.zip"
    echo(f"The demo project is in {project}: try `cd {project}` and `git log --stat`.")
    echo(f"The release bundle is {bundle}")
    echo(f"sha256 {hashlib.sha256(bundle.read_bytes()).hexdigest()}")
    return project


def _shown(args: list[str], project: Path, sample: Path) -> list[str]:
    # Show the commands as a curator would type them inside the project folder.
    shown = list(args)
    if shown[:2] == ["--project", str(project)]:
        shown = shown[2:]
    return [
        "crs_sample.xml" if a == str(sample) else "crs-map" if a == str(project) else a
        for a in shown
    ]
