"""Versions and map paths that cannot escape: no whitespace in versions, no links out."""

import os
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import git
import pytest

from curation.errors import InputError
from curation.paths import contained
from curation.snapshot import at_revision, read_blob
from curation.versions import parse_version

from .conftest import snapshot

MAP = "maps/crs_sample.xml"
NEW_REFERENCE = "pubmed:31000001"  # not in the sample map, so `annotate` has work to do


def git_out(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def git_state(root: Path) -> tuple[str, str, str]:
    """What a refused command must leave alone: status, tags and HEAD."""
    return (
        git_out(root, "status", "--porcelain", "--untracked-files=all"),
        git_out(root, "tag"),
        git_out(root, "rev-parse", "HEAD"),
    )


def commit_all(root: Path, message: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
        cwd=root,
        check=True,
    )


# --- versions ---------------------------------------------------------------------------------

LONG = "1.1." + "1" * 61  # valid SemVer, but 65 characters

BAD_VERSIONS = [
    pytest.param("1.1.0 ", id="trailing-space"),
    pytest.param(" 1.1.0", id="leading-space"),
    pytest.param("1.1.0\n", id="newline"),
    pytest.param("1.1.0\t", id="tab"),
    pytest.param("v1.1.0\r\n", id="v-and-crlf"),
    pytest.param("1.1.0\x1f", id="unit-separator"),  # a control character str.strip() removes
    pytest.param("1.1.0\x07", id="bell"),
    pytest.param("1.1.0\u200b", id="zero-width-space"),
    pytest.param(LONG, id="65-characters"),
]


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_release_refuses_a_version_with_whitespace_controls_or_too_long(crsmap, project, version):
    before_git, before_files = git_state(project.root), snapshot(project.root)
    result = crsmap("release", "--", version)
    # The sample project's audit has errors (exit 1): exit 2 must come from the version.
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message, message
    shown = repr(version)  # as typed, leading v included
    assert f"invalid version {shown}" in message, message
    assert "SemVer MAJOR.MINOR.PATCH" in message and "CalVer YYYY.MM[.N]" in message
    assert "no spaces" in message
    if version == LONG:
        assert "longer than 64 characters" in message
    assert git_state(project.root) == before_git
    assert snapshot(project.root) == before_files
    assert not (project.root / "dist").exists()


def test_bundle_refuses_a_version_with_a_trailing_space(crsmap, project):
    result = crsmap("bundle", "1.0.0 ")
    assert result.exit_code == 2, result.output
    assert "invalid version '1.0.0 '" in result.stderr and "no spaces" in result.stderr


def test_parse_version_is_strict_but_keeps_the_leading_v():
    assert parse_version("v1.2.3") == parse_version("1.2.3") == (1, 2, 3)
    assert parse_version("2026.11") == (2026, 11, 0)
    assert parse_version("1.1." + "1" * 60) == (1, 1, int("1" * 60))  # 64 characters is fine
    for bad in ("1.1.0 ", "\t1.1.0", "1.1.0\x00", LONG, "١.٠.٠", "1.2.3\u00a0"):
        with pytest.raises(InputError, match="invalid version"):
            parse_version(bad)


def test_a_huge_version_is_shown_shortened_on_one_line():
    with pytest.raises(InputError) as caught:
        parse_version("1" * 100_000)
    message = str(caught.value)
    assert len(message) < 400 and "100000 characters" in message and "\n" not in message


# --- map files that resolve outside the project ------------------------------------------------


@pytest.fixture(params=["file", "folder"])
def linked_out(request, project, crsmap, tmp_path):
    """The project's map reached through a link out of it: the file itself, or ``maps/``."""
    added = crsmap("evidence", "add", "re1", NEW_REFERENCE)
    assert added.exit_code == 0, added.output
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = project.root
    if request.param == "file":
        target = outside / "crs_sample.xml"
        shutil.copy2(root / MAP, target)
        (root / MAP).unlink()
        (root / MAP).symlink_to(target)
    else:
        target = outside / "maps"
        shutil.copytree(root / "maps", target)
        shutil.rmtree(root / "maps")
        (root / "maps").symlink_to(target, target_is_directory=True)
    return outside


COMMANDS = [
    pytest.param(("interactions", "list"), id="interactions-list"),
    pytest.param(("evidence", "add", "re2", "pubmed:31000002"), id="evidence-add"),
    pytest.param(("evidence", "remove", "re1", NEW_REFERENCE), id="evidence-remove"),
    pytest.param(("annotate",), id="annotate"),
    pytest.param(("audit",), id="audit"),
    pytest.param(("report",), id="report"),
]


def outside_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("args", COMMANDS)
def test_commands_refuse_a_map_that_links_out_of_the_project(crsmap, project, linked_out, args):
    root = project.root
    before = (git_state(root), snapshot(root), outside_bytes(linked_out))
    result = crsmap(*args)
    assert result.exit_code == 2, (args, result.output)
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert f"crsmap.toml: [map] files '{MAP}' resolves to {linked_out.resolve()}" in message
    assert "outside the project folder" in message and "symbolic link" in message
    assert (git_state(root), snapshot(root), outside_bytes(linked_out)) == before
    assert not (root / "dist").exists()


def test_contained_follows_links_and_keeps_those_inside(tmp_path):
    root = tmp_path / "project"
    (root / "maps").mkdir(parents=True)
    (root / "real.xml").write_text("<x/>")
    (root / "maps" / "inside.xml").symlink_to(root / "real.xml")
    assert contained(root, "maps/inside.xml", "files") == root / "maps" / "inside.xml"
    assert contained(root, "maps/new.xml", "files") == root / "maps" / "new.xml"
    (tmp_path / "secret.txt").write_text("no")
    (root / "LICENSE").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InputError, match=r"\[map\] license_file 'LICENSE' resolves to .*secret"):
        contained(root, "LICENSE", "license_file")
    (root / "loop.xml").symlink_to(root / "loop.xml")
    with pytest.raises(InputError, match=r"loop\.xml"):
        contained(root, "loop.xml", "files")
    with pytest.raises(InputError, match="project folder itself"):
        contained(root, ".", "files")


# --- links committed to git --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_map_committed_as_a_symbolic_link_is_refused(project, tmp_path, kind):
    root = project.root
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    if kind == "file":
        shutil.copy2(root / MAP, outside / "crs_sample.xml")
        (root / MAP).unlink()
        (root / MAP).symlink_to(outside / "crs_sample.xml")
    else:
        shutil.copytree(root / "maps", outside / "maps")
        shutil.rmtree(root / "maps")
        (root / "maps").symlink_to(outside / "maps", target_is_directory=True)
    commit_all(root, "map as a link")
    repo = git.Repo(root)
    with pytest.raises(InputError) as caught:
        at_revision(repo, root, "HEAD")
    message = str(caught.value)
    assert MAP in message and "is a symbolic link in the repository at HEAD" in message
    assert "expected the map file itself" in message


def test_bundle_of_a_tag_whose_map_is_a_link_is_refused(crsmap, project, tmp_path):
    root = project.root
    target = tmp_path / "crs_sample.xml"
    shutil.copy2(root / MAP, target)
    (root / MAP).unlink()
    (root / MAP).symlink_to(os.path.relpath(target, root / "maps"))
    commit_all(root, "map as a link")
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "tag", "-a", "v0.1.0", "-m", "x"],
        cwd=root,
        check=True,
    )
    before = git_state(root)
    result = crsmap("bundle", "0.1.0")
    assert result.exit_code == 2, result.output
    assert f"{MAP} is a symbolic link in the repository at" in result.stderr
    assert git_state(root) == before and not (root / "dist").exists()


def test_a_license_file_committed_as_a_symbolic_link_is_refused(project, tmp_path):
    root = project.root
    (tmp_path / "secret.txt").write_text("not the license\n")
    (root / "LICENSE.txt").symlink_to(tmp_path / "secret.txt")
    commit_all(root, "license as a link")
    with pytest.raises(
        InputError, match=r"LICENSE\.txt is a symbolic link in the repository at HEAD"
    ):
        read_blob(git.Repo(root), "HEAD", PurePosixPath("LICENSE.txt"))
