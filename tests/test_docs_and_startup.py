"""Docs generated from the code stay current; `crsmap --help` starts without heavy imports."""

import subprocess
import sys
from pathlib import Path

from cli.docs import command_summary, render_readme

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_command_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README is stale: run `python -m cli.docs --write`"
    assert "`crsmap evidence add ID REF... [--eco ECO]" in command_summary()


def test_help_imports_neither_git_nor_lxml_nor_requests():
    code = (
        "import sys\n"
        "from cli.main import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='crsmap')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('git', 'lxml', 'requests', 'rich', 'tomlkit', 'filelock') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "Usage: crsmap" in out
    assert out.strip().endswith("HEAVY=")
