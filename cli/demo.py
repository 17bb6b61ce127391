"""``crsmap demo``: the curation cycle on the sample CRS Map, as real crsmap commands."""

from __future__ import annotations

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


def _steps(project: str, sample: str) -> list[tuple[str, list[str]]]:
    at = ["--project", project]
    return [
        ("Create the curation repository from the sample map",
         ["init", project, "--title", DEMO_TITLE, "--map", sample, "--curator-name", NAME, "--orcid", ORCID]),
        ("Record the references the map already carries", [*at, "import"]),
        ("Which interactions still have no evidence?",
         [*at, "interactions", "list", "--missing-evidence", "--format", "table"]),
        ("Citation metadata, from the snapshot shipped with the demo (no network)",
         [*at, "fetch", "--offline"]),
        ("The evidence of IL6:IL6R binding IL6ST: its only paper was retracted",
         [*at, "evidence", "list", "re16", "--format", "table"]),
        ("Add evidence for the IL-1 interaction",
         [*at, "evidence", "add", "re12", "pubmed:29808005", "--note", "IL-1 blockade abates CRS in mice"]),
        ("Mark it reviewed", [*at, "interactions", "set", "re12", "--status", "reviewed"]),
        ("Its card", [*at, "show", "re12", "--format", "table"]),
        ("Write the ledger references into the map for MINERVA", [*at, "annotate"]),
        ("Coverage now", [*at, "interactions", "list", "--missing-evidence", "--format", "table"]),
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
            snapshot_after = 2  # once the project exists and carries its map references
            for number, (title, args) in enumerate(_steps(str(project), str(sample)), start=1):
                echo(click.style(f"{number}. {title}", bold=True))
                echo("$ crsmap " + shlex.join(_shown(args, project, sample)))
                try:
                    code = cli.main(args=args, prog_name="crsmap", standalone_mode=False)
                except click.ClickException as exc:
                    exc.show()
                    code = exc.exit_code
                if code:
                    raise CrsmapError(f"demo step {number} ({title}) failed with exit code {code}")
                if number == snapshot_after:
                    install_literature_snapshot(project)
                echo("")
    finally:
        os.environ.pop("CRSMAP_CURATOR", None)
        if saved is not None:
            os.environ["CRSMAP_CURATOR"] = saved
    echo(f"The demo project is in {project}: try `cd {project}` and `git log --stat`.")
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
