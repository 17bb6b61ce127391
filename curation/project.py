"""A curation repository: the door to everything crsmap does, usable without the CLI.

    >>> project = Project.open("path/to/repo")
    >>> project.add_evidence("re12", ["pubmed:29808005"], note="IL-1 blockade")

Every change is validated in full before anything is written, rendered in full before
the first file is replaced, written atomically under the project lock, and (unless
``commit=False``) committed with the acting curator as the git author.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from .celldesigner import CellDesignerMap, Interaction
from .change import Change
from .config import CONFIG_FILE, Config, Creator, Curator, load_config, with_curator
from .errors import InputError
from .identifiers import (
    has_control_characters,
    parse_derived_from,
    parse_eco,
    parse_email,
    parse_license,
    parse_name,
    parse_note,
    parse_orcid,
    parse_reference,
    quoted,
    reference_key,
)
from .ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    STATUSES,
    EvidenceRecord,
    InteractionRecord,
    LedgerContent,
    natural_key,
    parse_evidence,
    parse_interactions,
    render_evidence,
    render_interactions,
)
from .paths import contained
from .transaction import acting_curator, transaction


class Project:
    """A crsmap curation repository rooted at the folder that holds ``crsmap.toml``."""

    def __init__(self, root: Path, config: Config, today: dt.date | None = None):
        self.root = Path(root)
        self.config = config
        self.today = today or dt.date.today()
        self._maps: list[CellDesignerMap] | None = None
        self._index: tuple[list, dict[str, Interaction]] | None = None  # (maps, by ID)

    # --- opening and creating -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike = ".", today: dt.date | None = None) -> Project:
        """Open the project containing ``path`` (it or the nearest parent with crsmap.toml)."""
        start = Path(path).resolve()
        if not start.exists():
            raise InputError(f"project folder {path} does not exist")
        for folder in (start, *start.parents):
            if (folder / CONFIG_FILE).is_file():
                return cls(folder, load_config(folder / CONFIG_FILE), today)
        raise InputError(
            f"no {CONFIG_FILE} in {start} or its parents; run `crsmap init` to create a project"
        )

    @classmethod
    def init(
        cls,
        directory: str | os.PathLike,
        title: str,
        maps: Sequence[str | os.PathLike],
        curator: Curator | None = None,
        license: str = "CC-BY-4.0",
        commit: bool = True,
        today: dt.date | None = None,
        creators: Sequence[Creator] = (),
        copyright: str = "",
        source: str = "",
    ) -> tuple[Project, Change]:
        """Create a curation repository: crsmap.toml, maps/, ledgers, git repository, first commit.

        ``creators``, ``copyright`` and ``source`` are the map's own authorship (see
        :class:`curation.config.Creator`); releases credit them, and the curators as
        contributors.
        """
        from .scaffold import create_project  # only `init` creates one

        root, change = create_project(
            directory, title, maps, curator, license, commit, creators, copyright, source
        )
        project = cls.open(root, today)
        count = len(project.interactions)
        return project, replace(change, summary=f"{change.summary}, {count} interactions")

    # --- the map --------------------------------------------------------------------------

    @property
    def maps(self) -> list[CellDesignerMap]:
        """The project's map files, parsed once per Project object."""
        if self._maps is None:
            self._maps = self._read_maps(layout=False)
        return self._maps

    def maps_with_layouts(self) -> list[CellDesignerMap]:
        """The map files with their drawings, each file parsed once for both (the report).

        The maps stay cached: later uses of :attr:`maps` reuse them.
        """
        if self._maps is None or any(m.layout is None for m in self._maps):
            self._maps = self._read_maps(layout=True)
        return self._maps

    def _read_maps(self, layout: bool) -> list[CellDesignerMap]:
        """Every map file's model (and with ``layout`` its drawing), through the map cache."""
        from .mapcache import cached_map_file

        qualify = len(self.config.map.files) > 1
        maps = []
        for relative in self.config.map.files:
            path = contained(self.root, relative, "files")
            maps.append(cached_map_file(path, qualify, relative, self.root, layout=layout))
        return maps

    @property
    def interactions(self) -> dict[str, Interaction]:
        """Every interaction of every map file, by (qualified) ID, in document order.

        Built once per reading of the maps (looking up thousands of IDs stays linear).
        """
        maps = self.maps
        if self._index is None or self._index[0] is not maps:
            self._index = (maps, {i.id: i for m in maps for i in m.interactions.values()})
        return self._index[1]

    def resolve(self, interaction_id: str) -> Interaction:
        """Find an interaction by ID; an unqualified ID works where it is unambiguous."""
        interactions = self.interactions
        text = interaction_id.strip()
        if text in interactions:
            return interactions[text]
        if ":" in text and len(self.maps) == 1:
            stem, _, local = text.partition(":")
            if stem == self.maps[0].stem and local in interactions:
                return interactions[local]
        matches = [i for i in interactions.values() if i.reaction_id == text]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InputError(
                f"interaction {text!r} is ambiguous: it exists in several maps; "
                f"expected one of {', '.join(m.id for m in matches)}"
            )
        raise InputError(
            f"unknown interaction {text!r}: not a reaction of "
            f"{', '.join(self.config.map.files)}{self._suggest(text, interactions)}"
        )

    @staticmethod
    def _suggest(text: str, candidates: Iterable[str]) -> str:
        import difflib  # only for the suggestion of a near miss

        by_folded = {c.casefold(): c for c in candidates}
        close = difflib.get_close_matches(text.casefold(), list(by_folded), n=3, cutoff=0.6)
        if close:
            return f"; did you mean {', '.join(by_folded[c] for c in close)}?"
        return "; see `crsmap interactions list`"

    def _ledger_id(self, interaction_id: str, records: Iterable[EvidenceRecord]) -> str:
        """An interaction ID for ledger-only work: the map's, or one only the ledger names.

        Evidence for a reaction that was deleted from the map must still be listable
        and removable.
        """
        try:
            return self.resolve(interaction_id).id
        except InputError:
            if any(r.interaction == interaction_id.strip() for r in records):
                return interaction_id.strip()
            raise

    # --- the ledgers ----------------------------------------------------------------------

    def evidence(self) -> LedgerContent[EvidenceRecord]:
        """``evidence.tsv`` read leniently: records and line problems."""
        from .parsed import read_ledger

        path = self.root / EVIDENCE_FILE
        return read_ledger(path, parse_evidence, EvidenceRecord, self.today, self.root)

    def interaction_records(self) -> LedgerContent[InteractionRecord]:
        """``interactions.tsv`` read leniently: records and line problems."""
        from .parsed import read_ledger

        path = self.root / INTERACTIONS_FILE
        return read_ledger(path, parse_interactions, InteractionRecord, self.today, self.root)

    def evidence_of(
        self, interaction_id: str, records: Sequence[EvidenceRecord] | None = None
    ) -> list[EvidenceRecord]:
        """The evidence records of one interaction (also one only the ledger still names).

        ``records`` saves a second read when the caller already holds the ledger.
        """
        records = self.evidence().records if records is None else records
        wanted = self._ledger_id(interaction_id, records)
        return [r for r in records if r.interaction == wanted]

    @staticmethod
    def _clean(content: LedgerContent) -> list:
        # Rewriting a ledger drops the lines it could not read, so refuse until they are fixed.
        if content.problems:
            first = content.problems[0]
            more = f" (and {len(content.problems) - 1} more)" if len(content.problems) > 1 else ""
            raise InputError(
                f"{first}{more}; fix the line before changing the ledger "
                "(`crsmap evidence list` warns about each one)"
            )
        return list(content.records)

    # --- curators -------------------------------------------------------------------------

    def acting_curator(
        self, orcid: str | None = None, required: bool = True, fallback: Curator | None = None
    ) -> Curator | None:
        """Who is acting; the policy every command follows (see :func:`curation.transaction.acting_curator`)."""
        return acting_curator(self.config, self.root, orcid, required, fallback)

    def transaction(
        self, curator: str | Curator | None = None, *, commit: bool = True,
        required: bool = True, fallback: Curator | None = None,
    ):  # fmt: skip
        """The one write path: a context manager yielding a :class:`~curation.transaction.Transaction`.

        It resolves the acting curator (``curator`` is an ORCID or a :class:`Curator`;
        ``required`` False lets a command run without one), requires a git repository
        when ``commit``, holds the project lock, writes atomically and commits.
        """
        return transaction(self, curator, commit=commit, required=required, fallback=fallback)

    def add_curator(self, curator: Curator, commit: bool = True) -> Change:
        """Register a curator in crsmap.toml."""
        curator = replace(
            curator,
            orcid=parse_orcid(curator.orcid),
            name=parse_name(curator.name, "curator name"),
            email=parse_email(curator.email, "curator email"),
        )
        if has_control_characters(curator.affiliation):
            raise InputError(
                f"curator affiliation {quoted(curator.affiliation)} must be one line of text"
            )
        existing = self.config.curator(curator.orcid)
        if existing is not None:
            holder = existing.name or "an entry whose name is invalid (see `crsmap audit`)"
            raise InputError(f"ORCID {curator.orcid} is already registered for {holder}")
        # Whoever registers a curator, the new curator is the commit's author.
        with self.transaction(commit=commit, required=False) as txn:
            txn.write({CONFIG_FILE: with_curator(self.root / CONFIG_FILE, curator)})
            self.config = load_config(self.root / CONFIG_FILE)
            message = f"Add curator {curator.name} ({curator.orcid})"
            sha = txn.commit([CONFIG_FILE], message, curator)
            return txn.done(
                Change(f"added curator {curator.name} ({curator.orcid})", (CONFIG_FILE,), sha)
            )

    def add_creator(self, creator: Creator, commit: bool = True) -> Change:
        """Add an author of the map itself to ``[map] creators`` (credited in releases)."""
        from .config import CREATOR_KINDS, with_creator

        creator = replace(
            creator,
            name=creator.name.strip(),
            orcid=parse_orcid(creator.orcid) if creator.orcid.strip() else "",
            affiliation=creator.affiliation.strip(),
        )
        parse_name(creator.name, "creator name", trailers=False)
        if has_control_characters(creator.affiliation):
            raise InputError(
                f"creator affiliation {quoted(creator.affiliation)} must be one line of text"
            )
        if creator.kind not in CREATOR_KINDS:
            raise InputError(
                f"invalid creator kind {creator.kind!r}: expected one of {', '.join(CREATOR_KINDS)}"
            )
        for existing in self.config.map.creators:
            same_orcid = creator.orcid and existing.orcid == creator.orcid
            if same_orcid or (not creator.orcid and existing.name == creator.name):
                raise InputError(f"{creator.name} is already a creator of the map")
        # A maintainer may record the map's authors before any curator is registered.
        with self.transaction(commit=commit, required=False) as txn:
            txn.write({CONFIG_FILE: with_creator(self.root / CONFIG_FILE, creator)})
            self.config = load_config(self.root / CONFIG_FILE)
            orcid = f" ({creator.orcid})" if creator.orcid else ""
            sha = txn.commit([CONFIG_FILE], f"Add map creator {creator.name}{orcid}")
            return txn.done(Change(f"added map creator {creator.name}{orcid}", (CONFIG_FILE,), sha))

    # --- writing evidence -----------------------------------------------------------------

    def add_evidence(
        self,
        interaction_id: str,
        references: Iterable[str],
        eco: str | None = None,
        curator: str | None = None,
        note: str = "",
        commit: bool = True,
    ) -> Change:
        """Record evidence (interaction, reference) for each reference; skip those already there.

        A pair that ``evidence remove`` rejected is recorded again and its rejection is
        taken back; the summary says so.
        """
        from .rejections import unreject

        interaction = self.resolve(interaction_id)
        refs: list[str] = []
        for text in references:
            curie = parse_reference(text).curie
            if curie not in refs:
                refs.append(curie)
        if not refs:
            raise InputError("no reference given; expected at least one PubMed ID, DOI or PMC ID")
        eco = parse_eco(eco or self.config.default_eco)
        note = parse_note(note or "")
        with self.transaction(curator, commit=commit) as txn:
            actor = txn.actor
            records = self._clean(self.evidence())
            rows = self._clean(self.interaction_records())
            present = {(r.interaction, reference_key(r.reference)) for r in records}
            added = [r for r in refs if (interaction.id, r) not in present]
            skipped = tuple(r for r in refs if r not in added)
            texts, unrejected = unreject(self, interaction.id, refs)
            if not added and not texts:
                return txn.done(
                    Change(
                        f"{interaction.id}: {', '.join(refs)} already recorded", (), None, skipped
                    )
                )
            day = self.today.isoformat()
            records += [
                EvidenceRecord(interaction.id, r, eco, actor.orcid, day, "manual", note)
                for r in added
            ]
            if added:
                texts[EVIDENCE_FILE] = render_evidence(records)
            if not any(row.interaction == interaction.id for row in rows):
                texts[INTERACTIONS_FILE] = render_interactions(
                    [*rows, self._new_row(interaction, actor.orcid)]
                )
            written = txn.write(texts)
            subject = (
                f"Add evidence for {interaction.id}: {', '.join(added)}"
                if added
                else (f"Take back the rejection of {', '.join(refs)} for {interaction.id}")
            )
            message = f"{subject}\n\n{interaction.signature}"
            if note:
                message += f"\nNote: {note}"
            sha = txn.commit(written, message)
            done = (
                f"recorded {', '.join(added)}" if added else f"{', '.join(refs)} already recorded"
            )
            return txn.done(Change(f"{interaction.id}: {done}{unrejected}", written, sha, skipped))

    def remove_evidence(
        self,
        interaction_id: str,
        reference: str,
        reason: str = "",
        curator: str | None = None,
        commit: bool = True,
        keep_in_map: bool = False,
        from_notes: bool = False,
    ) -> Change:
        """Remove the evidence record(s) of (interaction, reference); the reason goes into the commit.

        The removal is recorded in ``rejected.tsv`` (curator, date, reason), so that
        ``crsmap import`` never brings the reference back. The reference's MIRIAM
        annotation on the reaction goes too (unless ``keep_in_map``), and with
        ``from_notes`` so does its text in the reaction's notes. A pair that is no
        longer recorded may still be rejected (or cut from the map) this way.
        """
        from .rejections import remove

        return remove(
            self, interaction_id, reference, reason, curator, commit, keep_in_map, from_notes
        )

    def remove_everywhere(
        self,
        reference: str,
        reason: str = "",
        curator: str | None = None,
        commit: bool = True,
        keep_in_map: bool = False,
        from_notes: bool = False,
    ) -> Change:
        """Remove one paper (in any of its forms) from every interaction citing it, in one commit.

        The answer to a retraction; see :meth:`remove_evidence` for the options.
        """
        from .rejections import remove

        return remove(self, None, reference, reason, curator, commit, keep_in_map, from_notes)

    def import_map_references(self, curator: str | None = None, commit: bool = True) -> Change:
        """Record every reference already annotated in the map (``source=map``); idempotent.

        Interactions that gain evidence and have no provenance row get a draft one, with
        the importing curator responsible and the current signature recorded.
        """
        from .rejections import Refused, importable

        eco = parse_eco(self.config.default_eco)
        interactions = self.interactions
        with self.transaction(curator, commit=commit) as txn:
            actor = txn.actor
            records = self._clean(self.evidence())
            rows = self._clean(self.interaction_records())
            present = {(r.interaction, reference_key(r.reference)) for r in records}
            refused = Refused.read(self, present)
            day = self.today.isoformat()
            new, left_out = [], 0
            for i in interactions.values():
                wanted, rejected = importable(i, present, refused)
                new += [
                    EvidenceRecord(i.id, ref, eco, actor.orcid, day, "map", "") for ref in wanted
                ]
                left_out += len(rejected)
            rejected_note = (
                f"; left out {left_out} rejected reference(s) (see rejected.tsv)"
                if left_out
                else ""
            )
            if not new:
                return txn.done(
                    Change(
                        "nothing to import: every map reference is already in evidence.tsv"
                        + rejected_note
                    )
                )
            texts = {EVIDENCE_FILE: render_evidence(records + new)}
            described = {row.interaction for row in rows}
            new_rows = [
                self._new_row(interactions[i], actor.orcid)
                for i in dict.fromkeys(r.interaction for r in new)
                if i not in described
            ]
            if new_rows:
                texts[INTERACTIONS_FILE] = render_interactions(rows + new_rows)
            written = txn.write(texts)
            touched = len({r.interaction for r in new})
            summary = f"imported {len(new)} reference(s) for {touched} interaction(s) from the map"
            summary += rejected_note
            message = f"Import map references: {len(new)} records, {touched} interactions"
            sha = txn.commit(written, message)
            return txn.done(Change(summary, written, sha))

    # --- provenance -----------------------------------------------------------------------

    def _new_row(self, interaction: Interaction, curator: str) -> InteractionRecord:
        return InteractionRecord(
            interaction=interaction.id,
            curator=curator,
            license=self.config.map.license,
            derived_from="",
            status="draft",
            signature=interaction.signature,
            updated=self.today.isoformat(),
        )

    def set_interactions(
        self,
        interaction_ids: Sequence[str],
        curator: str | None = None,
        license: str | None = None,
        derived_from: str | None = None,
        status: str | None = None,
        acting: str | None = None,
        commit: bool = True,
    ) -> Change:
        """Record curation provenance; ``status='reviewed'`` also records the current signature."""
        chosen: dict[str, Interaction] = {}  # by ID, in the order given, each once
        for text in interaction_ids:
            interaction = self.resolve(text)
            chosen.setdefault(interaction.id, interaction)
        targets = list(chosen.values())
        if not targets:
            raise InputError("no interaction given; expected one or more interaction IDs")
        responsible = parse_orcid(curator) if curator else None
        if responsible and self.config.curator(responsible) is None:
            raise InputError(
                f"--curator {responsible} is not a curator of this map; add them with `crsmap curators add`"
            )
        license = parse_license(license) if license is not None else None
        if derived_from is not None:
            derived_from = parse_derived_from(derived_from)
        if status is not None and status not in STATUSES:
            raise InputError(f"invalid --status {status!r}: expected one of {', '.join(STATUSES)}")
        # Without an acting curator, the curator made responsible records their own work.
        fallback = self.config.curator(responsible) if responsible else None
        with self.transaction(acting, commit=commit, fallback=fallback) as txn:
            actor = txn.actor
            rows = {r.interaction: r for r in self._clean(self.interaction_records())}
            changed = []
            for interaction in targets:
                old = rows.get(interaction.id) or self._new_row(
                    interaction, responsible or actor.orcid
                )
                new = replace(
                    old,
                    curator=responsible or old.curator or actor.orcid,
                    license=license if license is not None else old.license,
                    derived_from=derived_from if derived_from is not None else old.derived_from,
                    status=status or old.status,
                    signature=interaction.signature if status == "reviewed" else old.signature,
                )
                if interaction.id not in rows or new != old:
                    rows[interaction.id] = replace(new, updated=self.today.isoformat())
                    changed.append(interaction.id)
            if not changed:
                return txn.done(
                    Change("nothing to change: the interactions already have these values")
                )
            written = txn.write({INTERACTIONS_FILE: render_interactions(rows.values())})
            fields = [
                f"{key}={value}"
                for key, value in (
                    ("curator", responsible),
                    ("license", license),
                    ("derived_from", derived_from),
                    ("status", status),
                )
                if value is not None
            ]
            message = f"Set {', '.join(fields) or 'provenance'} on {', '.join(changed)}"
            sha = txn.commit(written, message)
            return txn.done(
                Change(f"updated {len(changed)} interaction(s): {', '.join(changed)}", written, sha)
            )

    # --- annotate -------------------------------------------------------------------------

    def annotate(self, curator: str | None = None, commit: bool = True) -> Change:
        """Write every ledger reference into the map files as ``bqbiol:isDescribedBy`` resources."""
        from .annotate import annotate_bytes, verify_annotated

        with self.transaction(curator, commit=commit, required=commit) as txn:
            settled = txn.leftovers
            wanted: dict[str, set[str]] = {}
            for record in self.evidence().records:
                try:
                    curie = parse_reference(record.reference).curie
                except InputError:
                    continue  # invalid references are the audit's business, not the map's
                wanted.setdefault(record.interaction, set()).add(curie)
            texts: dict[str, bytes] = {}
            total = 0
            for map_, relative in zip(self.maps, self.config.map.files, strict=True):
                additions = {
                    i.reaction_id: sorted(
                        wanted[i.id] - set(i.annotated_references), key=natural_key
                    )
                    for i in map_.interactions.values()
                    if wanted.get(i.id, set()) - set(i.annotated_references)
                }
                if not additions:
                    continue
                path = contained(self.root, relative, "files")
                new = annotate_bytes(path.read_bytes(), additions, relative)
                verify_annotated(new, additions, len(map_.interactions), relative)
                texts[relative] = new
                total += sum(len(v) for v in additions.values())
            unknown = tuple(sorted(set(wanted) - set(self.interactions), key=natural_key))
            if not texts:
                settled.settle()
                if settled.summary:  # what an interrupted annotate wrote is committed now
                    summary = settled.summary[0].upper() + settled.summary[1:]
                else:
                    summary = "nothing to annotate: the maps already carry every ledger reference"
                for relative in settled.foreign:
                    summary += (
                        f"; {relative} has uncommitted changes that crsmap did not make "
                        "(review and commit them with git: `crsmap release` needs a clean tree)"
                    )
                return Change(summary, settled.files, settled.commit, unknown)
            written = txn.write(texts)
            self._maps = None
            sha = txn.commit(written, f"Annotate map with {total} ledger reference(s)")
            summary = f"wrote {total} reference(s) into {', '.join(written)}"
            for relative in set(settled.foreign) & set(written):
                summary += (
                    f"; {relative} also held uncommitted edits, committed with the annotations"
                )
            return txn.done(Change(summary, written, sha, unknown))

    # --- literature -----------------------------------------------------------------------

    def fetch(
        self,
        refresh: bool = False,
        offline: bool = False,
        only: Sequence[str] = (),
        progress_factory=None,
        commit: bool = True,
    ):
        """Fetch citation metadata into literature.jsonl; see :func:`curation.citations.fetch`."""
        from . import citations

        return citations.fetch(self, refresh, offline, only, progress_factory, commit)

    def citations(self) -> dict:
        """Cached citations by reference CURIE."""
        from . import citations

        return citations.cached(self)

    def export(self, fmt: str) -> str:
        """The ledger's references as ``bibtex``, ``csl`` or ``tsv`` text."""
        from . import citations

        return citations.export(self, fmt)


__all__ = ["Change", "Project", "reference_key"]
