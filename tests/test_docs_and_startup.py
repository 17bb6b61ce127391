"""Docs generated from the code stay current; `crsmap --help` starts without heavy imports."""

import subprocess
import sys
from pathlib import Path

import pytest

from cli.docs import PAGES, command_summary, field_docs, render_readme

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_command_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README is stale: run `python -m cli.docs --write`"
    assert "`crsmap evidence add ID REF... [--eco ECO]" in command_summary()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_docs_pages_are_current(name):
    page = ROOT / "docs" / name
    assert page.exists(), f"docs/{name} is missing: run `python -m cli.docs --write`"
    assert page.read_text(encoding="utf-8") == PAGES[name](), (
        f"docs/{name} is stale: run `python -m cli.docs --write`"
    )


def test_every_ledger_column_and_cache_field_says_what_it_means():
    from curation.changes import COLUMNS, ReleaseChange
    from curation.ledger import EvidenceRecord, InteractionRecord, RejectionRecord
    from literature.model import Citation

    for cls in (EvidenceRecord, InteractionRecord, RejectionRecord, Citation):
        assert set(field_docs(cls)) == set(cls.__dataclass_fields__), cls.__name__
    assert set(COLUMNS) <= set(field_docs(ReleaseChange))


def test_docs_link_only_to_pages_that_exist():
    import re

    for page in [README, *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(((?:docs/)?[a-z]+\.md)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize("args", [["--help"], ["audit", "--help"], ["publish", "zenodo", "--help"]])
def test_help_imports_neither_git_nor_lxml_nor_requests(args):
    code = (
        "import sys\n"
        "from cli.main import cli\n"
        "try:\n"
        f"    cli.main({args!r}, prog_name='crsmap')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('git', 'lxml', 'requests', 'urllib3', 'rich', 'tomlkit', 'filelock')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "Usage: crsmap" in out
    assert out.strip().endswith("HEAVY=")
