"""crsmap's domain library: the CellDesigner map model, the evidence ledgers and the project.

Everything the command line does is available here::

    from curation import Project
    project = Project.open("my-map-repo")
    project.add_evidence("re12", ["pubmed:29808005"])
"""

from .errors import CheckFailed, CrsmapError, InputError, OutsideError
from .project import Change, Project

__all__ = ["Change", "CheckFailed", "CrsmapError", "InputError", "OutsideError", "Project"]
