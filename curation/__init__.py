"""crsmap's domain library: the CellDesigner map model, the evidence ledgers and the project.

Everything the command line does is available here::

    from curation import Project
    project = Project.open("my-map-repo")
    project.add_evidence("re12", ["pubmed:29808005"])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import CheckFailed, CrsmapError, InputError, OutsideError
    from .project import Change, Project

__all__ = ["Change", "CheckFailed", "CrsmapError", "InputError", "OutsideError", "Project"]

# Imported on first use, so that importing one module of the package (say
# ``curation.identifiers``) does not load the map reader, git and the config.
_HOMES = {
    "Change": "project",
    "Project": "project",
    "CheckFailed": "errors",
    "CrsmapError": "errors",
    "InputError": "errors",
    "OutsideError": "errors",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
