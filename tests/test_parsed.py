"""Large ledgers and literature.jsonl read the same from their parsed entries as parsed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cli.main import cli
from curation import mapcache, parsed
from curation.ledger import (
    EvidenceRecord,
    InteractionRecord,
    parse_evidence,
    parse_interactions,
    render_evidence,
)
from curation.project import Project
from literature.cache import CACHE_FILE, parse_cache, render_cache
from literature.errors import InputError
from literature.model import Author, Citation, Notice

from .conftest import CARBERRY
from .test_mapcache import READS

DAY = dt.date(2030, 1, 1)  # after every date the tests write, before 2099


def files(root: Path, prefix: str = "") -> list[Path]:
    return sorted((root / mapcache.CACHE_DIR / parsed.PART).glob(f"{prefix}*.bin"))


def citation(n: int, **changes) -> Citation:
    values = dict(
        id=f"pubmed:{30000000 + n}",
        fetched="2026-11-20T10:00:00Z",
        pmid=str(30000000 + n),
        doi=f"10.1000/x{n}" if n % 3 else None,
        title=f"Paper {n}: IL-6 in cytokine release",
        authors=(Author("Carberry", "J"), Author("Lovelace", "A")) if n % 2 else (),
        journal="Nat Med",
        year=2000 + n % 20 if n % 5 else None,
        pubtypes=("Journal Article",),
        retracted=n % 7 == 0,
        notices=(Notice("retraction", "pubmed:1"),) if n % 7 == 0 else (),
    )
    values.update(changes)
    return Citation(**values)


@pytest.fixture
def big(project, monkeypatch):
    """The sample project with an evidence ledger and a citation cache that hold broken
    lines, read with every file large enough for an entry."""
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    interaction = next(iter(project.interactions))
    records = [
        EvidenceRecord(interaction, f"pubmed:{30000000 + n}", "ECO:0000269", CARBERRY,
                       "2026-11-01", "manual")
        for n in range(50)
    ]  # fmt: skip
    text = render_evidence(records)
    text += f"{interaction}\tpubmed:1\tECO:1\t{CARBERRY}\t2026-11-01\tmanual\t\n"  # a bad ECO term
    text += (
        f"{interaction}\tpubmed:2\tECO:0000269\t{CARBERRY}\t2099-01-01\tmanual\tnote\n"  # future
    )
    text += "only\ttwo\n"
    (project.root / "evidence.tsv").write_text(text)
    lines = render_cache([citation(n) for n in range(50)]).splitlines(keepends=True)
    lines.insert(10, "{not json\n")
    lines.insert(20, json.dumps({"id": "pubmed:5", "status": "maybe"}) + "\n")
    lines.append(json.dumps(citation(3, title="Paper 3, fetched again").to_json()) + "\n")
    (project.root / CACHE_FILE).write_text("".join(lines))
    shutil.rmtree(project.root / mapcache.CACHE_DIR, ignore_errors=True)
    return project


def test_a_ledger_reads_the_same_from_its_entry_as_parsed(big):
    root = big.root
    text = (root / "evidence.tsv").read_text()
    expected = parse_evidence(text, "evidence.tsv", DAY)
    cold = parsed.read_ledger(root / "evidence.tsv", parse_evidence, EvidenceRecord, DAY, root)
    (entry,) = files(root, "evidence.tsv")
    warm = parsed.read_ledger(root / "evidence.tsv", parse_evidence, EvidenceRecord, DAY, root)
    assert cold == warm == expected
    assert len(expected.records) == 50 and len(expected.problems) == 3
    assert [type(r) for r in warm.records] == [EvidenceRecord] * 50
    assert files(root, "evidence.tsv") == [entry]  # served, not written again


def test_the_day_is_part_of_a_ledger_entry(big):
    """A date in the future is a problem until its day comes: another day, another entry."""
    root = big.root
    path = root / "evidence.tsv"
    before = parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root)
    later = dt.date(2099, 1, 1)
    after = parsed.read_ledger(path, parse_evidence, EvidenceRecord, later, root)
    assert len(files(root, "evidence.tsv")) == 2
    assert any("in the future" in p.message for p in before.problems)
    assert not any("in the future" in p.message for p in after.problems)
    assert after == parse_evidence(path.read_text(), "evidence.tsv", later)


def test_the_interaction_ledger_reads_the_same_from_its_entry(big, crsmap):
    for interaction in list(big.interactions)[:3]:
        done = crsmap(
            "interactions", "set", interaction, "--status", "reviewed", "--curator", CARBERRY
        )
        assert done.exit_code == 0, done.output
    root, path = big.root, big.root / "interactions.tsv"
    expected = parse_interactions(path.read_text(), "interactions.tsv", DAY)
    assert expected.records
    for _ in range(2):  # cold, then warm
        got = parsed.read_ledger(path, parse_interactions, InteractionRecord, DAY, root)
        assert got == expected
    # one entry of this day (the set commands above stored their own, of today)
    assert len([e for e in files(root, "interactions.tsv") if e.stem.endswith(str(DAY))]) == 1


def test_citations_read_the_same_from_their_entry_as_parsed(big):
    root = big.root
    text = (root / CACHE_FILE).read_text()
    expected_problems: list = []
    expected = parse_cache(text, CACHE_FILE, expected_problems)
    for _ in range(2):  # cold, then warm
        problems: list = []
        got = parsed.read_citations(root, problems)
        assert got == expected and list(got) == list(expected)
        assert problems == expected_problems and len(problems) == 2
        assert got["pubmed:30000003"].title == "Paper 3, fetched again"  # the last line wins
        assert all(type(a) is Author for c in got.values() for a in c.authors)
        assert all(type(n) is Notice for c in got.values() for n in c.notices)
    assert len(files(root, CACHE_FILE)) == 1


def test_a_strict_read_of_a_broken_cache_still_fails_with_the_parsers_message(big):
    root = big.root
    with pytest.raises(InputError) as parsed_error:
        parse_cache((root / CACHE_FILE).read_text(), CACHE_FILE)
    parsed.read_citations(root, [])  # stores the entry
    with pytest.raises(InputError) as cached_error:
        parsed.read_citations(root)
    assert str(cached_error.value) == str(parsed_error.value)


def test_every_read_command_prints_the_same_with_the_entries(big, runner, monkeypatch):
    def outputs() -> list[str]:
        results = []
        for args in READS:
            result = runner.invoke(cli, ["--project", str(big.root), *args])
            results.append((result.exit_code, result.output))
        return results

    monkeypatch.setenv("CRSMAP_CACHE", "off")
    off = outputs()
    assert not (big.root / mapcache.CACHE_DIR).exists()
    monkeypatch.delenv("CRSMAP_CACHE")
    cold = outputs()
    assert files(big.root, "evidence.tsv") and files(big.root, CACHE_FILE)
    warm = outputs()
    assert off == cold == warm
    assert "invalid JSON" in off[-1][1]  # the audit reports the broken lines either way
    assert off[2][0] == 2  # and evidence list refuses the broken cache either way


def test_small_files_are_parsed_every_time(project, monkeypatch):
    monkeypatch.setattr(parsed, "MIN_BYTES", 1 << 30)
    Project.open(project.root).evidence()
    parsed.read_citations(project.root, [])
    assert files(project.root) == []


def _flip(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    entry.write_bytes(bytes(data))


def _retyped(entry: Path) -> None:
    """A checksum-valid entry whose first record has a number where text belongs."""
    kind, names, day, columns, problems = mapcache.read_value(entry)
    first = (7, *columns[0][1:])
    mapcache.write_value(entry, (kind, names, day, (first, *columns[1:]), problems))


def _short(entry: Path) -> None:
    kind, names, day, columns, problems = mapcache.read_value(entry)
    mapcache.write_value(entry, (kind, names, day, (columns[0][1:], *columns[1:]), problems))


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry.write_bytes(entry.read_bytes()[:100]),
        lambda entry: entry.write_bytes(b""),
        _flip,
        _retyped,
        _short,
    ],
    ids=["truncated", "empty", "bit-flip", "wrong-type", "short-column"],
)
def test_a_damaged_ledger_entry_is_rebuilt_silently(big, damage):
    root, path = big.root, big.root / "evidence.tsv"
    expected = parse_evidence(path.read_text(), "evidence.tsv", DAY)
    parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root)
    (entry,) = files(root, "evidence.tsv")
    good = mapcache.read_value(entry)
    damage(entry)
    assert parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root) == expected
    assert mapcache.read_value(entry) == good


def test_a_damaged_citation_entry_is_rebuilt_silently(big):
    root = big.root
    expected = parse_cache((root / CACHE_FILE).read_text(), CACHE_FILE, [])
    parsed.read_citations(root, [])
    (entry,) = files(root, CACHE_FILE)
    good = mapcache.read_value(entry)
    kind, names, columns, problems = good
    authors = names.index("authors")
    bad = list(columns)
    bad[authors] = ((("Carberry",),), *columns[authors][1:])  # an author without a given name
    mapcache.write_value(entry, (kind, names, tuple(bad), problems))
    assert parsed.read_citations(root, []) == expected
    assert mapcache.read_value(entry) == good


def test_a_file_that_changes_gets_a_new_entry_and_old_ones_are_pruned(big, monkeypatch):
    root, path = big.root, big.root / "evidence.tsv"
    original = path.read_text()
    for n in range(parsed.KEEP + 2):
        path.write_text(
            original + f"re{n}\tpubmed:{n + 1}\tECO:0000269\t{CARBERRY}\t2026-11-01\tmanual\t\n"
        )
        content = parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root)
        assert content.records[-1].reference == f"pubmed:{n + 1}"
    assert len(files(root, "evidence.tsv")) == parsed.KEEP


def test_a_file_that_is_not_utf8_fails_as_the_plain_reader_fails(big):
    root, path = big.root, big.root / "evidence.tsv"
    path.write_bytes(path.read_bytes() + b"\xff\xfe broken\n")
    with pytest.raises(InputError, match=r"evidence.tsv:\d+: not valid UTF-8"):
        parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root)


def test_an_entry_is_named_by_the_bytes_it_was_made_from(big, monkeypatch):
    """A stamp that names other bytes (the file changed while it was looked at) costs a
    read: the records are those of the file, stored under the digest of what was read."""
    monkeypatch.setattr(mapcache, "STAMP_MARGIN_NS", -1)
    root, path = big.root, big.root / "evidence.tsv"
    expected = parse_evidence(path.read_text(), "evidence.tsv", DAY)
    parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root)  # the stamp recorded
    (stamp,) = (root / mapcache.CACHE_DIR / "stamps").glob("*.bin")
    recorded, _ = mapcache.read_value(stamp)
    mapcache.write_value(stamp, (recorded, "f" * 64))  # the same stamp, other bytes
    shutil.rmtree(root / mapcache.CACHE_DIR / parsed.PART)
    assert parsed.read_ledger(path, parse_evidence, EvidenceRecord, DAY, root) == expected
    names = [entry.name for entry in files(root, "evidence.tsv")]
    assert len(names) == 1 and "f" * 64 not in names[0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() in names[0]
