"""The parsed-map cache never changes a result, and survives whatever is done to it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from cli.main import cli
from curation import mapcache
from curation.config import Curator
from curation.project import Project
from curation.provenance import release_states

from .conftest import CARBERRY, MAP_NAMES_FOR_TESTS, shared_map

READS = (
    ("interactions", "list", "--format", "tsv"),
    ("interactions", "list", "--missing-evidence", "--format", "json"),
    ("evidence", "list", "--format", "tsv"),
    ("audit", "--format", "json", "--fail-on", "never"),
)


def entries(root: Path) -> list[Path]:
    """The map model entries (the drawings are ``*-layout.json``)."""
    return sorted((root / mapcache.CACHE_DIR / "maps").glob("*.bin"))


def outputs(runner, root: Path, monkeypatch, cache: str) -> list[str]:
    """Every read command's output, with the cache off, cold (emptied first) or warm."""
    if cache == "off":
        monkeypatch.setenv("CRSMAP_CACHE", "off")
    else:
        monkeypatch.delenv("CRSMAP_CACHE", raising=False)
    if cache in ("off", "cold"):
        shutil.rmtree(root / mapcache.CACHE_DIR, ignore_errors=True)
    first = next(iter(Project.open(root).interactions))
    results = []
    for args in (*READS, ("show", first)):
        result = runner.invoke(cli, ["--project", str(root), *args])
        assert result.exit_code in (0, 1), result.output
        results.append(result.output)
    return results


def released(tmp_path: Path, source: Path) -> Path:
    """A committed project on ``source`` with the map's own references imported, released."""
    project, _ = Project.init(
        tmp_path / "proj", "Cache test map", [source], Curator("Josiah Carberry", CARBERRY)
    )
    project.import_map_references()
    return project.root


def test_every_read_gives_the_same_output_with_the_cache_off_cold_and_warm(
    project, runner, monkeypatch
):
    root = project.root
    off = outputs(runner, root, monkeypatch, "off")
    assert not (root / mapcache.CACHE_DIR).exists()  # off means off: nothing written
    cold = outputs(runner, root, monkeypatch, "cold")
    (entry,) = entries(root)
    warm = outputs(runner, root, monkeypatch, "warm")
    assert off == cold == warm
    assert entries(root) == [entry]
    assert mapcache.read_value(entry)[0] == "map"


@pytest.mark.parametrize("name", MAP_NAMES_FOR_TESTS)
def test_real_maps_read_the_same_from_the_cache(name, tmp_path, runner, monkeypatch):
    root = released(tmp_path, shared_map(name))
    off = outputs(runner, root, monkeypatch, "off")
    cold = outputs(runner, root, monkeypatch, "cold")
    warm = outputs(runner, root, monkeypatch, "warm")
    assert off == cold == warm
    monkeypatch.delenv("CRSMAP_CACHE", raising=False)
    fresh = Project.open(root)
    cached = fresh.maps[0]
    monkeypatch.setenv("CRSMAP_CACHE", "off")
    parsed = Project.open(root).maps[0]
    assert cached == parsed and list(cached.interactions) == list(parsed.interactions)


def test_a_release_bundle_is_the_same_bytes_with_and_without_the_cache(
    runner, monkeypatch, tmp_path
):
    demo = runner.invoke(cli, ["demo", str(tmp_path / "d")])
    assert demo.exit_code == 0, demo.output
    root = tmp_path / "d" / "crs-map"
    for args in (
        ["evidence", "add", "re1", "pubmed:28600001", "--curator", CARBERRY],
        ["release", "1.1.0", "--allow-warnings", "--allow-unfetched"],
    ):
        done = runner.invoke(cli, ["--project", str(root), *args])
        assert done.exit_code == 0, done.output
    states, built, reports = {}, {}, {}
    for cache in ("off", "cold", "warm"):
        if cache == "off":
            monkeypatch.setenv("CRSMAP_CACHE", "off")
        else:
            monkeypatch.delenv("CRSMAP_CACHE", raising=False)
        if cache == "cold":
            shutil.rmtree(root / mapcache.CACHE_DIR, ignore_errors=True)
        out = tmp_path / cache
        result = runner.invoke(
            cli, ["--project", str(root), "bundle", "1.1.0", "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        built[cache] = next(out.glob("*.zip")).read_bytes()
        states[cache] = release_states(git.Repo(root), root)
        page = tmp_path / f"{cache}.html"
        shown = runner.invoke(cli, ["--project", str(root), "report", "--output", str(page)])
        assert shown.exit_code == 0, shown.output
        reports[cache] = page.read_text()
    assert built["off"] == built["cold"] == built["warm"]
    assert built["warm"] == (root / "dist" / "cytokine-release-syndrome-map-1.1.0.zip").read_bytes()
    assert states["off"] == states["cold"] == states["warm"]
    assert reports["off"] == reports["cold"] == reports["warm"]
    assert "<svg" in reports["warm"]
    layouts = sorted((root / mapcache.CACHE_DIR / "maps").glob("*-layout.json"))
    assert layouts  # the drawing came from the cache on the warm run
    assert [s.version for s in states["warm"]] == ["1.0.0", "1.1.0"]
    (entry, _) = sorted((root / mapcache.CACHE_DIR / "releases").glob("[0-9a-f]*.bin"))
    entry.write_bytes(entry.read_bytes()[:-20])  # damaged: read again from the commit
    assert release_states(git.Repo(root), root) == states["off"]
    assert mapcache.read_value(entry)[0] == "release"  # and stored again


def _rewritten(change):
    """Damage that keeps the checksum right: the entry's value changed, then re-marshalled."""

    def damage(entry: Path) -> None:
        value = list(mapcache.read_value(entry))
        change(value)
        mapcache.write_value(entry, tuple(value))

    return damage


def _column(name: str, change):
    def edit(value: list) -> None:
        columns = list(value[6])
        index = mapcache._FIELDS.index(name)
        columns[index] = change(columns[index])
        value[6] = tuple(columns)

    return edit


def _flip(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit inside a value: only the checksum tells
    entry.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2]),
        lambda entry: entry.write_bytes(b"not an entry at all"),
        _flip,
        lambda entry: entry.write_bytes(
            entry.read_bytes().replace(b"crsmap-cache 2", b"crsmap-cache 9")
        ),
        _rewritten(lambda value: value.__setitem__(2, not value[2])),  # other qualify
        _rewritten(lambda value: value.__setitem__(1, "0" * 64)),  # another file's model
        _rewritten(lambda value: value.__setitem__(0, "ledger")),  # another kind of entry
        _rewritten(_column("reactants", lambda c: ((("reactant", 7, "x", ""),), *c[1:]))),
        _rewritten(_column("references", lambda c: ([], *c[1:]))),  # a list, not a tuple
        _rewritten(_column("line", lambda c: ("12", *c[1:]))),  # a line that is text
        _rewritten(_column("name", lambda c: c[1:])),  # a column one short
        _rewritten(_column("reaction_id", lambda c: (c[1], *c[1:]))),  # one id twice
        _rewritten(_column("signature", lambda c: ("", *c[1:]))),  # no signature
        _rewritten(lambda value: value.__setitem__(6, value[6][:-1])),  # a column missing
        _rewritten(lambda value: value.__setitem__(5, value[5][::-1])),  # fields reordered
    ],
    ids=[
        "truncated",
        "garbage",
        "bit-flip",
        "other-format",
        "other-qualify",
        "other-file",
        "other-kind",
        "bad-participant",
        "bad-references",
        "bad-line",
        "short-column",
        "duplicate-id",
        "no-signature",
        "missing-column",
        "other-fields",
    ],
)
def test_a_damaged_or_stale_entry_is_rebuilt_silently(project, runner, monkeypatch, damage):
    root = project.root
    expected = outputs(runner, root, monkeypatch, "off")
    outputs(runner, root, monkeypatch, "cold")
    (entry,) = entries(root)
    good = mapcache.read_value(entry)
    damage(entry)
    assert outputs(runner, root, monkeypatch, "warm") == expected
    assert mapcache.read_value(entry) == good  # rebuilt in place


def test_a_reader_that_changed_never_uses_an_older_readers_entries(project, monkeypatch):
    root = project.root
    Project.open(root).maps  # noqa: B018  (read: stores an entry)
    (old,) = entries(root)
    monkeypatch.setattr(mapcache, "_reader_digest", "another-reader")
    Project.open(root).maps  # noqa: B018
    assert len(entries(root)) == 2 and old in entries(root)


def test_a_cache_folder_that_is_a_link_is_not_used(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(project.root / mapcache.CACHE_DIR)
    (project.root / mapcache.CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    assert len(Project.open(project.root).interactions) == len(project.interactions)
    assert list(elsewhere.iterdir()) == []


def test_git_never_sees_the_cache_and_old_entries_are_pruned(project, monkeypatch):
    root = project.root
    monkeypatch.setattr(mapcache, "KEEP", 3)
    map_file = root / project.config.map.files[0]
    original = map_file.read_bytes()
    for n in range(5):  # five versions of the map file, each read once
        map_file.write_bytes(original + f"<!-- version {n} -->\n".encode())
        assert Project.open(root).maps
    assert len(entries(root)) == 3
    map_file.write_bytes(original)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert status == ""


def test_an_unwritable_cache_is_skipped_and_the_map_still_read(project, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    shutil.rmtree(project.root / mapcache.CACHE_DIR)
    monkeypatch.setattr("curation.storage.atomic_write_bytes", refuse)
    assert len(Project.open(project.root).interactions) == len(project.interactions)
    assert entries(project.root) == []


def test_a_damaged_drawing_is_read_again_from_the_map(project, runner, tmp_path):
    root = project.root
    pages = []
    for n in range(3):
        if n == 2:
            for entry in (root / mapcache.CACHE_DIR / "maps").glob("*-layout.json"):
                entry.write_text(entry.read_text().replace('"width":', '"width":"wide",'))
        page = tmp_path / f"{n}.html"
        shown = runner.invoke(cli, ["--project", str(root), "report", "--output", str(page)])
        assert shown.exit_code == 0, shown.output
        pages.append(page.read_text())
    assert pages[0] == pages[1] == pages[2]
    (entry,) = (root / mapcache.CACHE_DIR / "maps").glob("*-layout.json")
    assert json.loads(entry.read_text())["width"] != "wide"  # rebuilt


def test_a_model_in_the_cache_is_not_built_again_when_only_its_drawing_is_read(
    project, monkeypatch
):
    root = project.root
    shutil.rmtree(root / mapcache.CACHE_DIR, ignore_errors=True)
    map_file = root / project.config.map.files[0]
    data = map_file.read_bytes()
    stored = mapcache.cached_map(data, map_file, False, "m", root)  # the model only
    built = []
    import curation.celldesigner

    real = curation.celldesigner.map_from_tree
    monkeypatch.setattr(
        curation.celldesigner, "map_from_tree", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    drawn = mapcache.cached_map(data, map_file, False, "m", root, layout=True)
    assert built == []  # the drawing was read from the document; the model came from the cache
    assert drawn.interactions == stored.interactions
    monkeypatch.setenv("CRSMAP_CACHE", "off")
    fresh = mapcache.cached_map(data, map_file, False, "m", root, layout=True)
    assert drawn.layout == fresh.layout and drawn.layout is not None
    assert len(list((root / mapcache.CACHE_DIR / "maps").glob("*-layout.json"))) == 1


def test_a_settled_file_is_not_read_again_until_it_changes(tmp_path, monkeypatch):
    folder = tmp_path / mapcache.CACHE_DIR
    path = tmp_path / "evidence.tsv"
    path.write_bytes(b"one version\n")
    reads = []

    def read(p: Path) -> bytes:
        reads.append(p)
        return p.read_bytes()

    import hashlib

    expected = hashlib.sha256(b"one version\n").hexdigest()
    # Just written: its stamp is not trusted yet (a coarse clock could hide a rewrite).
    assert mapcache.file_digest(path, folder, read) == (expected, b"one version\n")
    assert mapcache.file_digest(path, folder, read)[0] == expected
    assert len(reads) == 2
    monkeypatch.setattr(mapcache, "STAMP_MARGIN_NS", -1)  # as if written long ago
    mapcache.file_digest(path, folder, read)
    assert mapcache.file_digest(path, folder, read) == (expected, None)  # not read
    assert len(reads) == 3
    path.write_bytes(b"another version\n")
    changed = mapcache.file_digest(path, folder, read)
    assert changed == (hashlib.sha256(b"another version\n").hexdigest(), b"another version\n")
    assert len(reads) == 4


def test_a_damaged_stamp_only_costs_a_read(project, runner, monkeypatch):
    monkeypatch.setattr(mapcache, "STAMP_MARGIN_NS", -1)
    root = project.root
    expected = outputs(runner, root, monkeypatch, "off")
    outputs(runner, root, monkeypatch, "cold")
    stamps = sorted((root / mapcache.CACHE_DIR / "stamps").glob("*.bin"))
    assert stamps  # the map's stamp was recorded
    for stamp in stamps:
        mapcache.write_value(stamp, ((0, 0, 0, 0, 0), "0" * 64))  # a stamp of nothing
    assert outputs(runner, root, monkeypatch, "warm") == expected
    for stamp in stamps:
        stamp.write_bytes(b"garbage")
    assert outputs(runner, root, monkeypatch, "warm") == expected


def test_a_release_state_reads_back_equal_and_a_bad_one_is_read_again(
    runner, tmp_path, monkeypatch
):
    demo = runner.invoke(cli, ["demo", str(tmp_path / "d")])
    assert demo.exit_code == 0, demo.output
    root = tmp_path / "d" / "crs-map"
    monkeypatch.setenv("CRSMAP_CACHE", "off")
    expected = release_states(git.Repo(root), root)
    assert expected and any(len(p) == 4 for _, _, p in expected[0].interactions.values())
    monkeypatch.delenv("CRSMAP_CACHE")
    shutil.rmtree(root / mapcache.CACHE_DIR, ignore_errors=True)
    assert release_states(git.Repo(root), root) == expected  # computed and stored
    assert release_states(git.Repo(root), root) == expected  # loaded
    (entry,) = sorted((root / mapcache.CACHE_DIR / "releases").glob("[0-9a-f]*.bin"))
    value = list(mapcache.read_value(entry))
    keys, signatures, references, provenance = value[4]
    value[4] = (keys, signatures, references, (("a", "b", "c"), *provenance[1:]))
    mapcache.write_value(entry, tuple(value))  # a provenance of three fields
    assert release_states(git.Repo(root), root) == expected


def test_a_map_entry_is_named_by_the_bytes_it_was_made_from(project, monkeypatch):
    monkeypatch.setattr(mapcache, "STAMP_MARGIN_NS", -1)
    root = project.root
    map_file = root / project.config.map.files[0]
    expected = Project.open(root).maps[0]  # the stamp and the model recorded
    stamps = list((root / mapcache.CACHE_DIR / "stamps").glob("*.bin"))
    for stamp in stamps:
        recorded, _ = mapcache.read_value(stamp)
        mapcache.write_value(stamp, (recorded, "f" * 64))  # the same stamp, other bytes
    assert stamps
    assert Project.open(root).maps[0] == expected
    import hashlib

    key = hashlib.sha256(map_file.read_bytes()).hexdigest()
    assert [e.name.startswith(key) for e in entries(root)] == [True]


def test_a_warm_read_neither_parses_xml_nor_loads_what_only_a_parse_needs(project):
    """The second `interactions list` of an unchanged map takes it from the cache: lxml,
    the JSON decoder and every command module but the one asked for stay unloaded."""
    code = (
        "import sys\n"
        "from cli.main import cli\n"
        "try:\n"
        f"    cli.main(['--project', {str(project.root)!r}, 'interactions', 'list', '--format',"
        " 'tsv'], prog_name='crsmap')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('lxml', 'json', 'git', 'rich', 'cli.release', 'cli.citations')"
        " if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded))\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    rows = runs[1].stdout.splitlines()[1:-1]
    assert rows == runs[0].stdout.splitlines()[1:-1] and len(rows) == len(project.interactions)
    assert runs[1].stdout.splitlines()[-1] == "LOADED="
