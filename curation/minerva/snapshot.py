"""``minerva.json``: the snapshot of what MINERVA publishes, its format and its reading.

The text is normalised (keys sorted, maps by name, one reaction per line in natural
``reactionId`` order), so that a pull's diff shows what changed on MINERVA. Its data
types are :mod:`services.minerva`'s, which the client returns; they are imported only
when a snapshot is parsed, so that importing this module reaches no network code.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..collector import collector_paused
from ..errors import InputError
from ..identifiers import quoted
from ..ledger import natural_key

if TYPE_CHECKING:
    from services.minerva import MinervaModel, MinervaProject

SNAPSHOT_FILE = "minerva.json"
FORMAT = "crsmap-minerva-snapshot/1"
STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class MinervaSnapshot:
    """What MINERVA published, as pulled at ``pulled`` (ISO 8601 UTC, ``...Z``)."""

    project: MinervaProject
    pulled: str

    @property
    def moment(self) -> dt.datetime:
        return dt.datetime.strptime(self.pulled, STAMP).replace(tzinfo=dt.UTC)


def utc_stamp(moment: dt.datetime | str | None = None) -> str:
    """``moment`` (now when None; a naive one is UTC) as ``2026-11-26T10:00:00Z``."""
    if isinstance(moment, str):
        text = moment.strip().replace("Z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"invalid time {quoted(moment)}: expected ISO 8601") from None
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime(STAMP)


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render_snapshot(snapshot: MinervaSnapshot) -> str:
    """The text of ``minerva.json``: keys sorted, maps by name, one reaction per line.

    Reactions are in natural ``reactionId`` order and references sorted, so the same
    answers give the same bytes.
    """
    p = snapshot.project
    head = {
        "format": FORMAT,
        "instance": p.instance,
        "minerva_version": p.minerva_version,
        "name": p.name,
        "project": p.project_id,
        "project_version": p.project_version,
        "pulled": snapshot.pulled,
    }
    blocks = []
    for model in sorted(p.models, key=lambda m: (natural_key(m.name), m.id)):
        reactions = [
            "        "
            + _dumps(
                {
                    "id": r.minerva_id,
                    "name": r.name,
                    "reaction_id": r.reaction_id,
                    "references": [list(pair) for pair in sorted(set(r.references))],
                }
            )
            for r in sorted(model.reactions, key=lambda r: natural_key(r.reaction_id))
        ]
        listed = "[\n" + ",\n".join(reactions) + "\n      ]" if reactions else "[]"
        blocks.append(
            "    {\n"
            f'      "id": {_dumps(model.id)},\n'
            f'      "name": {_dumps(model.name)},\n'
            f'      "reactions": {listed}\n'
            "    }"
        )
    entries = {key: _dumps(value) for key, value in head.items()}
    entries["models"] = "[\n" + ",\n".join(blocks) + "\n  ]" if blocks else "[]"
    return "{\n" + ",\n".join(f"  {_dumps(k)}: {entries[k]}" for k in sorted(entries)) + "\n}\n"


def parse_snapshot(text: str, name: str = SNAPSHOT_FILE) -> MinervaSnapshot:
    """The snapshot in ``text``; a corrupt or unknown one is an InputError naming the file."""
    with collector_paused():  # tens of thousands of small acyclic objects
        return _parse_snapshot(text, name)


def _parse_snapshot(text: str, name: str) -> MinervaSnapshot:
    from services.minerva import MinervaProject

    rewrite = "; run `crsmap minerva pull` to write it again"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}: invalid JSON ({exc.msg}){rewrite}") from None
    except RecursionError:
        raise InputError(f"{name}: invalid JSON (nested too deeply){rewrite}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise InputError(
            f"{name}: not a crsmap MINERVA snapshot (format {found!r}, expected {FORMAT!r})"
            + rewrite
        )
    try:
        moment = utc_stamp(_field(doc, "pulled", str))
        if moment != doc["pulled"]:
            raise ValueError("pulled: expected a UTC time such as 2026-11-26T10:00:00Z")
        models = tuple(_model(entry) for entry in _field(doc, "models", list))
        project = MinervaProject(
            instance=_field(doc, "instance", str),
            project_id=_field(doc, "project", str),
            minerva_version=_field(doc, "minerva_version", str),
            project_version=_field(doc, "project_version", str),
            name=_field(doc, "name", str),
            models=models,
        )
    except (ValueError, TypeError, KeyError, InputError) as exc:
        raise InputError(f"{name}: {exc}{rewrite}") from None
    return MinervaSnapshot(project, doc["pulled"])


def _field(doc: dict, key: str, kind: type):
    value = doc[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{key} is {value!r}, expected a {kind.__name__}")
    return value


def _model(entry) -> MinervaModel:
    from services.minerva import MinervaModel, MinervaReaction

    if not isinstance(entry, dict):
        raise ValueError(f"a map is {entry!r}, expected an object")
    reactions = []
    for item in _field(entry, "reactions", list):
        if not isinstance(item, dict):
            raise ValueError(f"a reaction is {item!r}, expected an object")
        minerva_id = item.get("id")
        if minerva_id is not None and (
            isinstance(minerva_id, bool) or not isinstance(minerva_id, int)
        ):
            raise ValueError(f"reaction id {minerva_id!r}: expected an integer or null")
        references = []
        for pair in _field(item, "references", list):
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            ):
                raise ValueError(f"a reference is {pair!r}, expected [TYPE, resource]")
            references.append((pair[0], pair[1]))
        reactions.append(
            MinervaReaction(
                _field(item, "reaction_id", str), _field(item, "name", str),
                tuple(sorted(set(references))), minerva_id,
            )
        )  # fmt: skip
    return MinervaModel(_field(entry, "id", int), _field(entry, "name", str), tuple(reactions))


def read_snapshot(root: Path) -> MinervaSnapshot | None:
    """The project's ``minerva.json``, or None when it has none (nothing pulled yet)."""
    from ..storage import read_text

    path = Path(root) / SNAPSHOT_FILE
    if not path.exists():
        return None
    return parse_snapshot(read_text(path, "MINERVA snapshot"))
