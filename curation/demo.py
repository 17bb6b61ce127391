"""The sample CRS Map shipped with crsmap, and the folders of the demo."""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path

from .errors import InputError

SAMPLE_MAP = "crs_sample.xml"
LITERATURE_SNAPSHOT = "crs_literature.jsonl"
DEMO_TITLE = "Cytokine Release Syndrome Map"
DEMO_CURATOR = ("Josiah Carberry", "0000-0002-1825-0097")  # ORCID's documented example identity


def copy_sample_map(folder: Path) -> Path:
    """Copy the sample CellDesigner map into ``folder`` and return its path."""
    target = Path(folder) / SAMPLE_MAP
    with resources.as_file(resources.files("curation") / "data" / SAMPLE_MAP) as source:
        shutil.copyfile(source, target)
    return target


def install_literature_snapshot(project_root: Path) -> Path:
    """Put the shipped citation snapshot of the sample's references in place of a fetch.

    The snapshot was built from verified bibliographic facts, so the demo runs offline.
    """
    from literature.cache import CACHE_FILE

    from . import gitrepo
    from .project import Project

    project = Project.open(project_root)
    data = (resources.files("curation") / "data" / LITERATURE_SNAPSHOT).read_bytes()
    commit = gitrepo.find_repo(project.root) is not None
    with project.transaction(commit=commit) as txn:
        written = txn.write({CACHE_FILE: data})
        txn.commit(written, "Add the demo's citation snapshot (what `crsmap fetch` would download)")
    return project.root / CACHE_FILE


def demo_folder(directory: str | None) -> Path:
    """Where the demo project goes: ``directory`` (new or empty) or a new temporary folder."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="crsmap-demo-")) / "crs-map"
    root = Path(directory).resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError(f"demo folder {directory} is not empty; expected a new or empty folder")
    return root / "crs-map"
