"""The evidence report: one self-contained HTML page about a map and its curation.

:mod:`~curation.report.data` gathers a :class:`ReportInput` from the working tree or a
release commit, :mod:`~curation.report.model` gives every interaction its evidence
status, :mod:`~curation.report.layout` (and :mod:`~curation.report.sbml_layout`) read
the map's drawing, :mod:`~curation.report.svg` draws it and
:mod:`~curation.report.html` writes the page::

    from curation.report import for_project, render_report
    html = render_report(for_project(project))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .data import for_project, for_release, for_statuses, working_snapshot, write_report
    from .html import render_report
    from .layout import read_layout
    from .model import STATUSES, MapInput, ReportInput, status_of, statuses

__all__ = [
    "STATUSES",
    "MapInput",
    "ReportInput",
    "for_project",
    "for_release",
    "for_statuses",
    "read_layout",
    "render_report",
    "status_of",
    "statuses",
    "working_snapshot",
    "write_report",
]

# Imported on first use, as in the curation package: the overlay needs only the statuses,
# not lxml, git or the audit.
_HOMES = {
    "STATUSES": "model",
    "MapInput": "model",
    "ReportInput": "model",
    "status_of": "model",
    "statuses": "model",
    "for_project": "data",
    "for_release": "data",
    "for_statuses": "data",
    "working_snapshot": "data",
    "write_report": "data",
    "read_layout": "layout",
    "render_report": "html",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
