"""What MINERVA publishes, compared with the ledger: the ``minerva.json`` snapshot and its rules.

``crsmap minerva pull`` asks MINERVA (through :mod:`services.minerva`) for the project,
its maps and their reactions with references, and commits a normalised snapshot,
``minerva.json``; everything else works offline on that snapshot. A module per idea:

- :mod:`.rules`: the audit's ``minerva-*`` rules and their checks (light: the audit
  registers them on import);
- :mod:`.snapshot`: the ``minerva.json`` format (render, parse, read);
- :mod:`.fetch`: ``pull``, the only module that reaches the network;
- :mod:`.comparison`: maps matched to map files, the findings, the audit's seam;
- :mod:`.summary`: ``status``, the findings summed up per map file.

The names below are imported from here (``from curation.minerva import pull``) and load
their module on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .comparison import (
        LITERATURE,
        LastRelease,
        Matching,
        MinervaAudit,
        ModelMatch,
        compare,
        evaluate,
        last_release,
        load_for_audit,
        match_models,
        match_project,
        minerva_curie,
    )
    from .fetch import pull
    from .rules import RULES, SEVERITY, RuleInfo, checker
    from .snapshot import (
        FORMAT,
        SNAPSHOT_FILE,
        STAMP,
        MinervaSnapshot,
        parse_snapshot,
        read_snapshot,
        render_snapshot,
        utc_stamp,
    )
    from .summary import FileStatus, MinervaStatus, status

__all__ = [
    "FORMAT",
    "LITERATURE",
    "RULES",
    "SEVERITY",
    "SNAPSHOT_FILE",
    "STAMP",
    "FileStatus",
    "LastRelease",
    "Matching",
    "MinervaAudit",
    "MinervaSnapshot",
    "MinervaStatus",
    "ModelMatch",
    "RuleInfo",
    "checker",
    "compare",
    "evaluate",
    "last_release",
    "load_for_audit",
    "match_models",
    "match_project",
    "minerva_curie",
    "parse_snapshot",
    "pull",
    "read_snapshot",
    "render_snapshot",
    "status",
    "utc_stamp",
]

# Imported on first use: the audit needs only the rules and the checker, and only ``pull``
# needs the network code (services.minerva and the HTTP layer under it).
_HOMES = {
    "RULES": "rules",
    "SEVERITY": "rules",
    "RuleInfo": "rules",
    "checker": "rules",
    "FORMAT": "snapshot",
    "SNAPSHOT_FILE": "snapshot",
    "STAMP": "snapshot",
    "MinervaSnapshot": "snapshot",
    "parse_snapshot": "snapshot",
    "read_snapshot": "snapshot",
    "render_snapshot": "snapshot",
    "utc_stamp": "snapshot",
    "pull": "fetch",
    "LITERATURE": "comparison",
    "LastRelease": "comparison",
    "Matching": "comparison",
    "MinervaAudit": "comparison",
    "ModelMatch": "comparison",
    "compare": "comparison",
    "evaluate": "comparison",
    "last_release": "comparison",
    "load_for_audit": "comparison",
    "match_models": "comparison",
    "match_project": "comparison",
    "minerva_curie": "comparison",
    "FileStatus": "summary",
    "MinervaStatus": "summary",
    "status": "summary",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
