"""Removals that stick: ``crsmap evidence remove`` and the ``rejected.tsv`` ledger.

Removing a reference records the decision as a rejection (interaction, reference,
curator, date, reason), so that ``crsmap import`` never brings it back from the map's
notes, and the audit says where the map still cites it instead of asking to import it.
``--everywhere REF`` removes one paper from every interaction that cites it, in one
commit; ``--from-notes`` also cuts it out of the reactions' notes. ``crsmap evidence
add`` of a rejected pair takes the rejection back, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .change import Change
from .errors import InputError
from .identifiers import parse_note, parse_reference, reference_key
from .ledger import (
    EVIDENCE_FILE,
    REJECTED_FILE,
    EvidenceRecord,
    RejectionRecord,
    natural_key,
    read_rejected,
    render_evidence,
    render_rejected,
)
from .papers import cached, paper_key
from .paths import contained

if TYPE_CHECKING:
    from .celldesigner import Interaction
    from .project import Project

MAX_LISTED = 10


def _clean_rejections(project: Project) -> list[RejectionRecord]:
    return project._clean(read_rejected(project.root / REJECTED_FILE, project.today))


def describe(record: RejectionRecord) -> str:
    """``rejected by ORCID on DATE: reason``."""
    why = f": {record.reason}" if record.reason else ""
    return f"rejected by {record.curator} on {record.date}{why}"


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


# --- evidence add: taking a rejection back ------------------------------------------------


def unreject(
    project: Project, interaction_id: str, curies: Iterable[str]
) -> tuple[dict[str, str], str]:
    """``rejected.tsv`` without the pairs being added again, and the clause that says so.

    Call under the project lock. Returns ``({}, "")`` when none of them was rejected.
    """
    records = _clean_rejections(project)
    wanted = {(interaction_id, c) for c in curies}
    dropped = [r for r in records if (r.interaction, reference_key(r.reference)) in wanted]
    if not dropped:
        return {}, ""
    kept = [r for r in records if r not in dropped]
    said = "; ".join(f"{r.reference} had been {describe(r)}" for r in dropped)
    return {REJECTED_FILE: render_rejected(kept)}, f" ({said}; no longer rejected)"


# --- import: what stays out -------------------------------------------------------------------


def importable(
    interaction: Interaction, present: set[tuple[str, str]], refused: Refused
) -> tuple[list[str], list[str]]:
    """(references of the map to import for ``interaction``, rejected ones left out).

    A reference is left out when it is recorded, rejected, or names a paper already
    recorded for the interaction in another form (after ``crsmap fetch``).
    """
    recorded = refused.papers.get(interaction.id, set())
    new, rejected = [], []
    for curie in interaction.references:
        if (interaction.id, curie) in present or paper_key(curie, refused.citations) in recorded:
            continue
        if (interaction.id, curie) in refused.pairs:
            rejected.append(curie)
        else:
            new.append(curie)
    return new, rejected


@dataclass
class Refused:
    """What import needs to know, read once: rejected pairs, the cache, papers recorded."""

    pairs: Mapping[tuple[str, str], RejectionRecord]
    citations: Mapping = field(default_factory=dict)
    papers: dict[str, set[str]] = field(default_factory=dict)  # interaction -> papers

    @classmethod
    def read(cls, project: Project, present: Iterable[tuple[str, str]]) -> Refused:
        """For import: a broken rejected.tsv line stops it (it could let a pair back in)."""
        records = _clean_rejections(project)
        citations = cached(project.root)
        papers: dict[str, set[str]] = {}
        for interaction, curie in present:
            papers.setdefault(interaction, set()).add(paper_key(curie, citations))
        pairs = {(r.interaction, reference_key(r.reference)): r for r in records}
        return cls(pairs, citations, papers)


# --- evidence remove --------------------------------------------------------------------------


@dataclass
class _Target:
    """One interaction to remove a paper from, and what that takes."""

    interaction: str
    forms: set[str]  # the reference CURIEs (one paper) to remove
    records: list[EvidenceRecord] = field(default_factory=list)
    unannotate: set[str] = field(default_factory=set)
    from_notes: set[str] = field(default_factory=set)
    left_in_notes: set[str] = field(default_factory=set)
    new_rejections: list[str] = field(default_factory=list)
    cannot_cut: str = ""  # why --from-notes left the notes as they were

    @property
    def changes(self) -> bool:
        return bool(self.records or self.unannotate or self.from_notes or self.new_rejections)


def remove(
    project: Project,
    interaction_id: str | None,
    reference: str,
    reason: str = "",
    curator: str | None = None,
    commit: bool = True,
    keep_in_map: bool = False,
    from_notes: bool = False,
) -> Change:
    """Remove a reference from one interaction, or (``interaction_id`` None) from all.

    See :meth:`curation.project.Project.remove_evidence`.
    """
    if keep_in_map and from_notes:
        raise InputError(
            "--keep-in-map and --from-notes contradict each other: expected at most one of them"
        )
    invalid: InputError | None = None
    try:
        curie = parse_reference(reference).curie
    except InputError as exc:
        if interaction_id is None:
            raise
        curie, invalid = reference.strip(), exc  # an invalid ledger reference can still go
    reason = parse_note(reason or "")
    with project.transaction(curator, commit=commit) as txn:
        actor = txn.actor
        records = project._clean(project.evidence())
        rejected = _clean_rejections(project)
        refused = {(r.interaction, reference_key(r.reference)): r for r in rejected}
        if interaction_id is None:
            targets = _everywhere(project, records, curie)
        else:
            targets = [_Target(project._ledger_id(interaction_id, records), {curie})]
        for target in targets:
            _plan(project, target, records, refused, keep_in_map, from_notes, invalid is None)
        if invalid is not None and not targets[0].records:
            raise invalid
        _refuse_when_idle(targets, records, refused, curie, interaction_id, from_notes)
        texts: dict[str, str | bytes] = {}
        gone = {id(r) for t in targets for r in t.records}
        if gone:
            texts[EVIDENCE_FILE] = render_evidence([r for r in records if id(r) not in gone])
        day = project.today.isoformat()
        added = [
            RejectionRecord(t.interaction, form, actor.orcid, day, reason)
            for t in targets
            for form in t.new_rejections
        ]
        if added:
            texts[REJECTED_FILE] = render_rejected(rejected + added)
            texts.update(_attributes(project))
        texts.update(_map_edits(project, targets))
        written = txn.write(texts)
        project._maps = None
        sha = txn.commit(written, _message(targets, curie, interaction_id, reason))
        return txn.done(
            Change(_summary(project, targets, curie, interaction_id, texts), written, sha)
        )


def _everywhere(project: Project, records: list[EvidenceRecord], curie: str) -> list[_Target]:
    """Every interaction whose ledger or map cites the paper ``curie`` names, in any form."""
    citations = cached(project.root)
    key = paper_key(curie, citations)

    def same(form: str) -> bool:
        return form == curie or paper_key(form, citations) == key

    cited: dict[str, set[str]] = {}
    for record in records:
        form = reference_key(record.reference)
        if same(form):
            cited.setdefault(record.interaction, set()).add(form)
    for interaction in project.interactions.values():
        forms = {c for c in interaction.references if same(c)}
        if forms:
            cited.setdefault(interaction.id, set()).update(forms)
    if not cited:
        raise InputError(
            f"no interaction cites {curie}: it is in no evidence record and no reaction of "
            f"{', '.join(project.config.map.files)}"
        )
    return [_Target(i, cited[i]) for i in sorted(cited, key=natural_key)]


def _plan(
    project: Project,
    target: _Target,
    records: list[EvidenceRecord],
    refused: Mapping[tuple[str, str], RejectionRecord],
    keep_in_map: bool,
    from_notes: bool,
    valid: bool,
) -> None:
    """What removing ``target.forms`` from its interaction takes (map edits refined later)."""
    target.records = [
        r
        for r in records
        if r.interaction == target.interaction and reference_key(r.reference) in target.forms
    ]
    interaction = project.interactions.get(target.interaction)
    if not valid or interaction is None:
        return  # a map cannot hold an invalid reference, nor a reaction it lost
    in_map = target.forms & set(interaction.references)
    annotated = target.forms & set(interaction.annotated_references)
    recorded = {reference_key(r.reference) for r in target.records}
    target.new_rejections = sorted(
        (
            f
            for f in target.forms
            if (f in recorded or f in in_map) and (target.interaction, f) not in refused
        ),
        key=natural_key,
    )
    if not keep_in_map:
        target.unannotate = annotated
    # Cited but not as RDF: in the notes or the name. A reference in both the RDF and the
    # notes shows as annotated only; _map_edits re-reads the map once its RDF is cut.
    target.left_in_notes = in_map - annotated
    if from_notes:
        target.from_notes = in_map


def _refuse_when_idle(targets, records, refused, curie, interaction_id, from_notes) -> None:
    """Nothing to remove: exit 2 with what the ledger and the map hold, nothing written."""
    if any(t.changes for t in targets):
        return
    if interaction_id is None:
        notes = [t.interaction for t in targets if t.left_in_notes]
        hint = (
            f"; the notes of {_listing(notes)} still cite it (already rejected): add --from-notes"
            if notes and not from_notes
            else ""
        )
        raise InputError(f"nothing to remove: {curie} is in no evidence record{hint}")
    target = targets[0]
    recorded = [r.reference for r in records if r.interaction == target.interaction]
    message = (
        f"no evidence record for {target.interaction} {curie}; recorded references: "
        f"{', '.join(recorded) if recorded else 'none'}"
    )
    rejection = refused.get((target.interaction, curie))
    if rejection is not None:
        message += f"; {curie} was already {describe(rejection)}"
        if target.left_in_notes and not from_notes:
            message += (
                f", and the reaction's notes still cite it: "
                f"crsmap evidence remove {target.interaction} {curie} --from-notes"
            )
    raise InputError(message)


def _map_edits(project: Project, targets: list[_Target]) -> dict[str, bytes]:
    """Each map file with the targets' annotations (and notes, when asked) cut, checked.

    A reaction whose notes crsmap cannot cut safely keeps them; the target says why.
    """
    from .annotate import remove_bytes
    from .celldesigner import map_from_tree
    from .errors import InternalError
    from .notes import apply_cuts, check_removed, find_cuts
    from .xmlsafe import parse_xml_bytes

    interactions = project.interactions
    edits: dict[str, bytes] = {}
    for relative, model in zip(project.config.map.files, project.maps, strict=True):
        mine = {
            interactions[t.interaction].reaction_id: t
            for t in targets
            if t.interaction in interactions and interactions[t.interaction].map == model.stem
        }
        unannotate = {rid: sorted(t.unannotate) for rid, t in mine.items() if t.unannotate}
        if not unannotate and not any(t.from_notes for t in mine.values()):
            continue
        original = contained(project.root, relative, "files").read_bytes()
        after = model
        data = original
        if unannotate:
            data = remove_bytes(original, unannotate, relative)
            after = map_from_tree(parse_xml_bytes(data, relative), Path(relative), label=relative)
            if len(after.interactions) != len(model.interactions) or any(
                set(refs) & set(after.interactions[rid].annotated_references)
                for rid, refs in unannotate.items()
            ):
                raise InternalError(f"{relative}: removing annotations failed; nothing written")
        removals: dict[str, set[str]] = {}
        for rid, target in mine.items():
            now = after.interactions[rid]
            remaining = target.forms & set(now.references) - set(now.annotated_references)
            target.left_in_notes = remaining
            target.from_notes = remaining if target.from_notes else set()
            if target.from_notes:
                removals[rid] = remaining
        if removals:
            cuts, failed = find_cuts(data, removals, relative)
            for _ in range(2):  # a reaction whose cut reads back wrong keeps its notes
                checked = {rid: removals[rid] for rid in cuts}
                wrong = check_removed(after, apply_cuts(data, cuts), checked, relative)
                if not wrong:
                    break
                failed.update(wrong)
                cuts = {rid: spans for rid, spans in cuts.items() if rid not in wrong}
            else:
                raise InternalError(f"{relative}: cutting notes failed; nothing written")
            data = apply_cuts(data, cuts)
            for rid, target in mine.items():
                if rid in failed:
                    target.from_notes, target.cannot_cut = set(), failed[rid]
                elif rid in cuts:
                    target.left_in_notes = set()
        if data != original:
            edits[relative] = data
    return edits


def _attributes(project: Project) -> dict[str, str]:
    """``.gitattributes`` with the rejected.tsv merge line, in projects made before it existed."""
    from .scaffold import GITATTRIBUTES, merged_lines

    path = project.root / ".gitattributes"
    if not path.exists() or "merge=crsmap" not in path.read_text(encoding="utf-8"):
        return {}
    merged = merged_lines(path, GITATTRIBUTES)
    return {".gitattributes": merged} if merged is not None else {}


def _message(targets: list[_Target], curie: str, interaction_id: str | None, reason: str) -> str:
    changed = [t for t in targets if t.changes]
    if interaction_id is not None:
        message = f"Remove evidence {curie} from {changed[0].interaction}"
    else:
        ids = ", ".join(t.interaction for t in changed)
        message = f"Remove evidence {curie} from {len(changed)} interaction(s): {ids}"
    notes = [t.interaction for t in changed if t.from_notes]
    if notes or reason:
        message += "\n"
    if notes:
        message += f"\nAlso cut from the notes of {', '.join(notes)}."
    if reason:
        message += f"\nReason: {reason}"
    return message


def _summary(
    project: Project, targets: list[_Target], curie: str, interaction_id: str | None, texts
) -> str:
    changed = [t for t in targets if t.changes]
    maps = [f for f in texts if f in project.config.map.files]
    if interaction_id is not None:
        target = changed[0]
        verb = "removed" if target.records else "rejected"
        text = f"{target.interaction}: {verb} {curie}"
    else:
        text = (
            f"removed {curie} from {len(changed)} interaction(s): "
            f"{_listing(t.interaction for t in changed)}"
        )
    if any(t.unannotate for t in changed) and maps:
        text += f", also from the annotations of {', '.join(maps)}"
    cut = [t.interaction for t in changed if t.from_notes]
    if cut:
        text += f", and from the notes of {_listing(cut)}"
    if any(t.new_rejections for t in changed):
        text += f"; recorded in {REJECTED_FILE}, so `crsmap import` will not bring it back"
    for target in changed:
        if target.cannot_cut:
            text += f"; {target.cannot_cut}"
    left = [t for t in changed if t.left_in_notes and not t.cannot_cut]
    if left:
        if interaction_id is not None:
            where = "the reaction's notes or name still mention it"
            command = f"crsmap evidence remove {left[0].interaction} {curie} --from-notes"
        else:
            where = (
                f"the notes or names of {_listing(t.interaction for t in left)} still mention it"
            )
            command = f"crsmap evidence remove --everywhere {curie} --from-notes"
        text += f"; {where} (`{command}` deletes it there)"
    return text
