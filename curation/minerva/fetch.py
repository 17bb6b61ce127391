"""``crsmap minerva pull``: fetch the published project and commit it as ``minerva.json``.

The network edge of the package: the client (:mod:`services.minerva`, with the HTTP
layer under it) is imported only when a pull runs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..change import Change
from ..errors import InputError
from .snapshot import SNAPSHOT_FILE, MinervaSnapshot, render_snapshot, utc_stamp

if TYPE_CHECKING:
    from services.minerva import MinervaClient

    from ..project import Project


def pull(
    project: Project,
    url: str | None = None,
    project_id: str | None = None,
    client: MinervaClient | None = None,
    now: dt.datetime | str | None = None,
    commit: bool = True,
    progress=None,
) -> Change:
    """Pull the MINERVA project into ``minerva.json`` and commit it; return what was done.

    ``url`` and ``project_id`` default to ``[minerva]`` of crsmap.toml; ``client`` (a
    :class:`~services.minerva.MinervaClient`) to one for ``url``; ``now`` to the current
    time. Everything is fetched before anything is written: a network failure (exit 3)
    leaves the previous snapshot as it was.
    """
    from services.minerva import MinervaClient, check_project_id

    from .. import gitrepo

    settings = project.config.minerva
    wanted = project_id or settings.project
    if not wanted:
        raise InputError(
            "no MINERVA project: set [minerva] project in crsmap.toml (the project id MINERVA "
            "shows, e.g. pd_map_spring_18)"
        )
    wanted = check_project_id(wanted)
    if client is None:
        base = url or settings.url
        if not base:
            raise InputError(
                "no MINERVA instance: set [minerva] url in crsmap.toml "
                '(e.g. url = "https://pdmap.uni.lu/minerva")'
            )
        client = MinervaClient(base)
    stamp = utc_stamp(now)
    # Decided before the network is used: a missing repository or a wrong CRSMAP_CURATOR
    # stops the command at once, not after minutes of downloading.
    if commit:
        gitrepo.require_repo(project.root)
    project.acting_curator(required=False)
    published = client.project(wanted, progress)
    snapshot = MinervaSnapshot(published, stamp)
    text = render_snapshot(snapshot)
    reactions = sum(len(m.reactions) for m in published.models)
    references = sum(len(r.references) for m in published.models for r in m.reactions)
    versions = ", ".join(
        part for part in (
            f"MINERVA {published.minerva_version}" if published.minerva_version else "",
            f"project version {published.project_version}" if published.project_version else "",
        ) if part
    )  # fmt: skip
    summary = (
        f"pulled {wanted} from {published.instance}{f' ({versions})' if versions else ''}: "
        f"{len(published.models)} map(s), {reactions} reaction(s), {references} reference(s) "
        f"into {SNAPSHOT_FILE}"
    )
    with project.transaction(commit=commit, required=False) as txn:
        written = txn.write({SNAPSHOT_FILE: text})
        sha = txn.commit(written, f"Pull MINERVA snapshot of {wanted} ({reactions} reactions)")
        return txn.done(Change(summary, written, sha))
