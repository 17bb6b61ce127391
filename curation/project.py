"""A curation repository: the door to everything crsmap does, usable without the CLI.

    >>> project = Project.open("path/to/repo")
    >>> project.add_evidence("re12", ["pubmed:29808005"], note="IL-1 blockade")

Every change is validated in full before anything is written, written atomically under
the project lock, and (unless ``commit=False``) committed with the acting curator as the
git author.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import gitrepo
from .celldesigner import CellDesignerMap, Interaction, read_map
from .config import (
    CONFIG_FILE,
    Config,
    Curator,
    MapSettings,
    add_curator_to_file,
    load_config,
    render_new_config,
    slugify,
)
from .errors import CrsmapError, InputError
from .identifiers import parse_eco, parse_note, parse_orcid, parse_reference, parse_spdx
from .ledger import (
    EVIDENCE_FILE,
    INTERACTIONS_FILE,
    STATUSES,
    EvidenceRecord,
    InteractionRecord,
    LedgerContent,
    LineProblem,
    natural_key,
    read_evidence,
    read_interactions,
    render_evidence,
    render_interactions,
)
from .storage import LOCK_NAME, TEMP_PREFIX, atomic_write_bytes, atomic_write_text, project_lock

LITERATURE_FILE = "literature.jsonl"
CHANGELOG_FILE = "CHANGELOG.md"
MAPS_DIR = "maps"


@dataclass(frozen=True)
class Change:
    """What a command did: a one-line summary, the files it wrote and the commit it made."""

    summary: str
    written: tuple[str, ...] = ()
    commit: str | None = None
    skipped: tuple[str, ...] = ()


class Project:
    """A crsmap curation repository rooted at the folder that holds ``crsmap.toml``."""

    def __init__(self, root: Path, config: Config, today: dt.date | None = None):
        self.root = Path(root)
        self.config = config
        self.today = today or dt.date.today()
        self._maps: list[CellDesignerMap] | None = None

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
    ) -> tuple[Project, Change]:
        """Create a curation repository: crsmap.toml, maps/, ledgers, git repository, first commit."""
        root = Path(directory).resolve()
        if (root / CONFIG_FILE).exists():
            raise InputError(
                f"{root / CONFIG_FILE} already exists; this folder is already a crsmap project"
            )
        if root.exists() and not root.is_dir():
            raise InputError(f"{directory} is a file, expected a folder for the project")
        if not title.strip():
            raise InputError(
                "empty --title; expected the map's title, e.g. 'Cytokine Release Syndrome Map'"
            )
        if not maps:
            raise InputError("no --map given; expected at least one CellDesigner XML file")
        license = parse_spdx(license)
        if curator is not None:
            curator = replace(curator, orcid=parse_orcid(curator.orcid))
            if not curator.name.strip():
                raise InputError("empty --curator-name; expected the curator's full name")
        sources = [Path(m) for m in maps]
        names = [s.name for s in sources]
        for name in names:
            if names.count(name) > 1:
                raise InputError(f"two map files are named {name}; expected distinct file names")
        for source in sources:  # every map must read before anything is written
            read_map(source)
        targets = [root / MAPS_DIR / s.name for s in sources]
        for source, target in zip(sources, targets, strict=True):
            if (
                target.exists()
                and source.resolve() != target.resolve()
                and target.read_bytes() != source.read_bytes()
            ):
                raise InputError(
                    f"{target} already exists with other content; expected no map of that name there"
                )

        root.mkdir(parents=True, exist_ok=True)
        (root / MAPS_DIR).mkdir(exist_ok=True)
        for source, target in zip(sources, targets, strict=True):
            if source.resolve() != target.resolve():
                shutil.copyfile(source, target)
        settings = MapSettings(
            title=title.strip(),
            short_name=slugify(title),
            files=tuple(f"{MAPS_DIR}/{s.name}" for s in sources),
            license=license,
        )
        curators = [curator] if curator else []
        atomic_write_text(
            root / CONFIG_FILE,
            render_new_config(settings, curators, curator.email if curator else ""),
        )
        atomic_write_text(root / EVIDENCE_FILE, render_evidence([]))
        atomic_write_text(root / INTERACTIONS_FILE, render_interactions([]))
        atomic_write_text(root / LITERATURE_FILE, "")
        if not (root / CHANGELOG_FILE).exists():
            atomic_write_text(
                root / CHANGELOG_FILE, _CHANGELOG_TEMPLATE.format(title=settings.title)
            )
        atomic_write_text(root / ".gitattributes", _GITATTRIBUTES)
        _ensure_gitignore(root / ".gitignore")
        written = [
            CONFIG_FILE,
            EVIDENCE_FILE,
            INTERACTIONS_FILE,
            LITERATURE_FILE,
            CHANGELOG_FILE,
            ".gitattributes",
            ".gitignore",
            *settings.files,
        ]
        project = cls(root, load_config(root / CONFIG_FILE), today)
        sha = None
        if commit:
            repo = gitrepo.init_repo(root)
            sha = gitrepo.commit_paths(
                repo,
                [root / w for w in written],
                f"Start curation of {settings.title} with crsmap",
                curator,
            )
        n = sum(len(m.interactions) for m in project.maps)
        return project, Change(
            f"created {root} with {len(sources)} map file(s), {n} interactions", tuple(written), sha
        )

    # --- the map --------------------------------------------------------------------------

    @property
    def maps(self) -> list[CellDesignerMap]:
        """The project's map files, parsed once per Project object."""
        if self._maps is None:
            qualify = len(self.config.map.files) > 1
            maps = []
            for relative in self.config.map.files:
                maps.append(read_map(self.root / relative, qualify=qualify, label=relative))
            stems = [m.stem for m in maps]
            for stem in stems:
                if stems.count(stem) > 1:
                    raise InputError(
                        f"{CONFIG_FILE}: two map files share the stem {stem!r}; rename one"
                    )
            self._maps = maps
        return self._maps

    @property
    def interactions(self) -> dict[str, Interaction]:
        """Every interaction of every map file, by (qualified) ID, in document order."""
        return {i.id: i for m in self.maps for i in m.interactions.values()}

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
        close = difflib.get_close_matches(text, list(interactions), n=3, cutoff=0.6)
        hint = (
            f"; did you mean {', '.join(close)}?" if close else "; see `crsmap interactions list`"
        )
        raise InputError(
            f"unknown interaction {text!r}: not a reaction of {', '.join(self.config.map.files)}{hint}"
        )

    # --- the ledgers ----------------------------------------------------------------------

    def evidence(self) -> LedgerContent[EvidenceRecord]:
        """``evidence.tsv`` read leniently: records and line problems."""
        return read_evidence(self.root / EVIDENCE_FILE, self.today)

    def interaction_records(self) -> LedgerContent[InteractionRecord]:
        """``interactions.tsv`` read leniently: records and line problems."""
        return read_interactions(self.root / INTERACTIONS_FILE, self.today)

    def ledger_problems(self) -> list[LineProblem]:
        """Malformed lines of both ledgers, as ``file:line: message``."""
        return self.evidence().problems + self.interaction_records().problems

    def _clean(self, content: LedgerContent) -> list:
        # Rewriting a ledger drops the lines it could not read, so refuse until they are fixed.
        if content.problems:
            first = content.problems[0]
            more = f" (and {len(content.problems) - 1} more)" if len(content.problems) > 1 else ""
            raise InputError(
                f"{first}{more}; fix the line before changing the ledger (`crsmap audit` lists all)"
            )
        return list(content.records)

    # --- curators -------------------------------------------------------------------------

    def acting_curator(self, orcid: str | None = None) -> Curator:
        """Who is acting: ``orcid``, else CRSMAP_CURATOR, else git's user.email, else the only curator."""
        curators = self.config.curators
        chosen = orcid or os.environ.get("CRSMAP_CURATOR", "").strip() or None
        if chosen:
            where = "--curator" if orcid else "CRSMAP_CURATOR"
            value = parse_orcid(chosen)
            curator = self.config.curator(value)
            if curator is None:
                raise InputError(
                    f"{where} {value} is not a curator of this map; add them with "
                    f"`crsmap curators add NAME --orcid {value}`"
                )
            return curator
        email = gitrepo.configured_email(self.root) if curators else ""
        by_email = [c for c in curators if email and c.email.lower() == email.lower()]
        if len(by_email) == 1:
            return by_email[0]
        if len(curators) == 1:
            return curators[0]
        if not curators:
            raise InputError(
                "no curator in crsmap.toml; add one with `crsmap curators add NAME --orcid ORCID`"
            )
        raise InputError(
            f"{len(curators)} curators in crsmap.toml and none matches git user.email; "
            "pass --curator ORCID or set CRSMAP_CURATOR"
        )

    def add_curator(self, curator: Curator, commit: bool = True) -> Change:
        """Register a curator in crsmap.toml."""
        curator = replace(curator, orcid=parse_orcid(curator.orcid), name=curator.name.strip())
        if not curator.name:
            raise InputError("empty curator name; expected the curator's full name")
        if any(ch in curator.name + curator.email + curator.affiliation for ch in "\r\n"):
            raise InputError("curator fields must be one line each")
        existing = self.config.curator(curator.orcid)
        if existing is not None:
            raise InputError(f"ORCID {curator.orcid} is already registered for {existing.name}")
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
            add_curator_to_file(self.root / CONFIG_FILE, curator)
            self.config = load_config(self.root / CONFIG_FILE)
            sha = self._commit(
                repo, [CONFIG_FILE], f"Add curator {curator.name} ({curator.orcid})", curator
            )
        return Change(f"added curator {curator.name} ({curator.orcid})", (CONFIG_FILE,), sha)

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
        """Record evidence (interaction, reference) for each reference; skip those already there."""
        interaction = self.resolve(interaction_id)
        refs = []
        for text in references:
            curie = parse_reference(text).curie
            if curie not in refs:
                refs.append(curie)
        if not refs:
            raise InputError("no reference given; expected at least one PubMed ID, DOI or PMC ID")
        eco = parse_eco(eco or self.config.default_eco)
        note = parse_note(note or "")
        actor = self.acting_curator(curator)
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
            records = self._clean(self.evidence())
            rows = self._clean(self.interaction_records())
            present = {r.key for r in records}
            added = [r for r in refs if (interaction.id, r) not in present]
            skipped = tuple(r for r in refs if r not in added)
            if not added:
                return Change(
                    f"{interaction.id}: {', '.join(refs)} already recorded", (), None, skipped
                )
            day = self.today.isoformat()
            records += [
                EvidenceRecord(interaction.id, r, eco, actor.orcid, day, "manual", note)
                for r in added
            ]
            written = [EVIDENCE_FILE]
            atomic_write_text(self.root / EVIDENCE_FILE, render_evidence(records))
            if not any(row.interaction == interaction.id for row in rows):
                rows.append(self._new_row(interaction, actor.orcid))
                atomic_write_text(self.root / INTERACTIONS_FILE, render_interactions(rows))
                written.append(INTERACTIONS_FILE)
            message = (
                f"Add evidence for {interaction.id}: {', '.join(added)}\n\n{interaction.signature}"
            )
            if note:
                message += f"\nNote: {note}"
            sha = self._commit(repo, written, message, actor)
        return Change(
            f"{interaction.id}: recorded {', '.join(added)}", tuple(written), sha, skipped
        )

    def remove_evidence(
        self,
        interaction_id: str,
        reference: str,
        reason: str = "",
        curator: str | None = None,
        commit: bool = True,
    ) -> Change:
        """Remove the evidence record(s) of (interaction, reference); the reason goes into the commit."""
        interaction = self.resolve(interaction_id)
        curie = parse_reference(reference).curie
        reason = parse_note(reason or "")
        actor = self.acting_curator(curator)
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
            records = self._clean(self.evidence())
            kept = [r for r in records if r.key != (interaction.id, curie)]
            if len(kept) == len(records):
                recorded = [r.reference for r in records if r.interaction == interaction.id]
                listing = ", ".join(recorded) if recorded else "none"
                raise InputError(
                    f"no evidence record for {interaction.id} {curie}; recorded references: {listing}"
                )
            atomic_write_text(self.root / EVIDENCE_FILE, render_evidence(kept))
            message = f"Remove evidence {curie} from {interaction.id}"
            message += f"\n\nReason: {reason}" if reason else ""
            sha = self._commit(repo, [EVIDENCE_FILE], message, actor)
        return Change(f"{interaction.id}: removed {curie}", (EVIDENCE_FILE,), sha)

    def import_map_references(self, curator: str | None = None, commit: bool = True) -> Change:
        """Record every reference already annotated in the map (``source=map``); idempotent."""
        actor = self.acting_curator(curator)
        eco = parse_eco(self.config.default_eco)
        interactions = self.interactions
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
            records = self._clean(self.evidence())
            present = {r.key for r in records}
            day = self.today.isoformat()
            new = [
                EvidenceRecord(i.id, ref, eco, actor.orcid, day, "map", "")
                for i in interactions.values()
                for ref in i.references
                if (i.id, ref) not in present
            ]
            if not new:
                return Change("nothing to import: every map reference is already in evidence.tsv")
            atomic_write_text(self.root / EVIDENCE_FILE, render_evidence(records + new))
            touched = len({r.interaction for r in new})
            summary = f"imported {len(new)} reference(s) for {touched} interaction(s) from the map"
            sha = self._commit(
                repo,
                [EVIDENCE_FILE],
                f"Import map references: {len(new)} records, {touched} interactions",
                actor,
            )
        return Change(summary, (EVIDENCE_FILE,), sha)

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
        targets = []
        for text in interaction_ids:
            interaction = self.resolve(text)
            if interaction not in targets:
                targets.append(interaction)
        if not targets:
            raise InputError("no interaction given; expected one or more interaction IDs")
        responsible = parse_orcid(curator) if curator else None
        if responsible and self.config.curator(responsible) is None:
            raise InputError(
                f"--curator {responsible} is not a curator of this map; add them with `crsmap curators add`"
            )
        license = parse_spdx(license) if license is not None else None
        if derived_from is not None and any(ch.isspace() for ch in derived_from.strip()):
            raise InputError(
                f"invalid --derived-from {derived_from!r}: expected a URL or CURIE without spaces"
            )
        if status is not None and status not in STATUSES:
            raise InputError(f"invalid --status {status!r}: expected one of {', '.join(STATUSES)}")
        try:
            actor = self.acting_curator(acting)
        except InputError:
            if not responsible or acting:
                raise
            actor = self.config.curator(responsible)  # the named curator records their own work
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
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
                    derived_from=derived_from.strip()
                    if derived_from is not None
                    else old.derived_from,
                    status=status or old.status,
                    signature=interaction.signature if status == "reviewed" else old.signature,
                )
                if interaction.id not in rows or new != old:
                    rows[interaction.id] = replace(new, updated=self.today.isoformat())
                    changed.append(interaction.id)
            if not changed:
                return Change("nothing to change: the interactions already have these values")
            atomic_write_text(self.root / INTERACTIONS_FILE, render_interactions(rows.values()))
            fields = [
                f"{k}={v}"
                for k, v in (
                    ("curator", responsible),
                    ("license", license),
                    ("derived_from", derived_from),
                    ("status", status),
                )
                if v is not None
            ]
            message = f"Set {', '.join(fields) or 'provenance'} on {', '.join(changed)}"
            sha = self._commit(repo, [INTERACTIONS_FILE], message, actor)
        return Change(
            f"updated {len(changed)} interaction(s): {', '.join(changed)}",
            (INTERACTIONS_FILE,),
            sha,
        )

    # --- annotate -------------------------------------------------------------------------

    def annotate(self, curator: str | None = None, commit: bool = True) -> Change:
        """Write every ledger reference into the map files as ``bqbiol:isDescribedBy`` resources."""
        from .annotate import annotate_bytes, verify_annotated

        actor = self.acting_curator(curator) if commit else None
        repo = gitrepo.require_repo(self.root) if commit else None
        with project_lock(self.root):
            records = self.evidence().records
            by_interaction: dict[str, set[str]] = {}
            for record in records:
                try:
                    curie = parse_reference(record.reference).curie
                except InputError:
                    continue  # invalid references are the audit's business, not the map's
                by_interaction.setdefault(record.interaction, set()).add(curie)
            outputs: list[tuple[str, bytes]] = []
            total = 0
            known = self.interactions
            for map_ in self.maps:
                additions = {}
                for interaction in map_.interactions.values():
                    wanted = by_interaction.get(interaction.id, set()) - set(
                        interaction.annotated_references
                    )
                    if wanted:
                        additions[interaction.reaction_id] = sorted(wanted, key=natural_key)
                if not additions:
                    continue
                relative = next(f for f in self.config.map.files if Path(f).stem == map_.stem)
                data = (self.root / relative).read_bytes()
                new = annotate_bytes(data, additions, relative)
                verify_annotated(new, additions, len(map_.interactions), relative)
                outputs.append((relative, new))
                total += sum(len(v) for v in additions.values())
            unknown = sorted(set(by_interaction) - set(known))
            if not outputs:
                return Change(
                    "nothing to annotate: the maps already carry every ledger reference",
                    (),
                    None,
                    tuple(unknown),
                )
            for relative, new in outputs:
                atomic_write_bytes(self.root / relative, new)
            self._maps = None
            written = tuple(r for r, _ in outputs)
            sha = self._commit(
                repo, list(written), f"Annotate map with {total} ledger reference(s)", actor
            )
        return Change(
            f"wrote {total} reference(s) into {', '.join(written)}", written, sha, tuple(unknown)
        )

    # --- git ------------------------------------------------------------------------------

    def _commit(
        self, repo, files: Sequence[str], message: str, author: Curator | None
    ) -> str | None:
        if repo is None:
            return None
        return gitrepo.commit_paths(repo, [self.root / f for f in files], message, author)


def _ensure_gitignore(path: Path) -> None:
    wanted = ["dist/", LOCK_NAME, f"{TEMP_PREFIX}*"]
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [w for w in wanted if w not in existing]
    if missing:
        header = [] if existing else ["# crsmap: built bundles, lock and temporary files"]
        atomic_write_text(path, "\n".join(existing + header + missing) + "\n")


_GITATTRIBUTES = """\
# crsmap ledgers: one record per line, LF line endings, merged record by record.
evidence.tsv text eol=lf merge=crsmap
interactions.tsv text eol=lf merge=crsmap
literature.jsonl text eol=lf merge=crsmap
"""

_CHANGELOG_TEMPLATE = """\
# Changelog of {title}

All notable changes to this map are documented here, in the form of
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/). Versions follow SemVer or CalVer.

## [Unreleased]
"""


__all__ = ["Change", "CrsmapError", "Project"]
