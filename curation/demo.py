"""The sample CRS Map shipped with crsmap, for the demo and for trying things out."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

SAMPLE_MAP = "crs_sample.xml"
DEMO_CURATOR = ("Josiah Carberry", "0000-0002-1825-0097")  # ORCID's documented example identity


def copy_sample_map(folder: Path) -> Path:
    """Copy the sample CellDesigner map into ``folder`` and return its path."""
    target = Path(folder) / SAMPLE_MAP
    with resources.as_file(resources.files("curation") / "data" / SAMPLE_MAP) as source:
        shutil.copyfile(source, target)
    return target
