"""``crsmap demo``: the curation cycle on the sample CRS Map, as real crsmap commands."""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from curation.demo import DEMO_CURATOR, copy_sample_map
from curation.errors import InputError


def _steps(project: str, sample: str) -> list[tuple[str, list[str]]]:
    name, orcid = DEMO_CURATOR
    return [
        (
            "Create the curation repository from the sample map",
            [
                "init",
                project,
                "--title",
                "Cytokine Release Syndrome Map",
                "--map",
                sample,
                "--curator-name",
                name,
                "--orcid",
                orcid,
            ],
        ),
        ("Record the references the map already carries", ["--project", project, "import"]),
        (
            "Which interactions still have no evidence?",
            [
                "--project",
                project,
                "interactions",
                "list",
                "--missing-evidence",
                "--format",
                "table",
            ],
        ),
        (
            "Add evidence for the IL-1 interaction",
            [
                "--project",
                project,
                "evidence",
                "add",
                "re12",
                "pubmed:29808005",
                "--note",
                "IL-1 blockade abates CRS in mice",
            ],
        ),
        (
            "Mark it reviewed",
            ["--project", project, "interactions", "set", "re12", "--status", "reviewed"],
        ),
        ("Its card", ["--project", project, "show", "re12", "--format", "table"]),
        (
            "Write the ledger references into the map for MINERVA",
            ["--project", project, "annotate"],
        ),
        (
            "Coverage now",
            [
                "--project",
                project,
                "interactions",
                "list",
                "--missing-evidence",
                "--format",
                "table",
            ],
        ),
    ]


def run_demo(directory: str | None, echo: Callable[[str], None] = click.echo) -> Path:
    """Build the sample project in ``directory`` (a new temporary folder by default) and run the cycle."""
    from .main import cli

    if directory is None:
        root = Path(tempfile.mkdtemp(prefix="crsmap-demo-"))
    else:
        root = Path(directory).resolve()
        if root.exists() and any(root.iterdir()):
            raise InputError(
                f"demo folder {directory} is not empty; expected a new or empty folder"
            )
    project = root / "crs-map"
    staging = Path(tempfile.mkdtemp(prefix="crsmap-sample-"))
    sample = copy_sample_map(staging)
    echo(f"crsmap demo in {project}\n")
    for number, (title, args) in enumerate(_steps(str(project), str(sample)), start=1):
        echo(click.style(f"{number}. {title}", bold=True))
        echo("$ crsmap " + shlex.join(_shown(args, project, sample)))
        cli.main(args=args, prog_name="crsmap", standalone_mode=False)
        echo("")
    sample.unlink()
    staging.rmdir()
    echo(f"The demo project is in {project}: try `cd {project}` and `git log --stat`.")
    return project


def _shown(args: list[str], project: Path, sample: Path) -> list[str]:
    # Show the commands as a curator would type them inside the project folder.
    shown = list(args)
    if shown[:2] == ["--project", str(project)]:
        shown = shown[2:]
    return [
        ("crs_sample.xml" if a == str(sample) else "crs-map" if a == str(project) else a)
        for a in shown
    ]
