"""crsmap's domain library: the CellDesigner map model, the evidence ledgers and the project.

Everything the command line does is available here::

    from curation import Project
    project = Project.open("my-map-repo")
    project.add_evidence("re12", ["pubmed:29808005"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
