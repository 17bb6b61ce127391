"""What is imported or compiled on first use is the same as before, and is not done earlier.

``literature.identifiers`` and ``curation.identifiers`` compile their patterns the first
time they are used; ``cli.main`` imports the module of a command when the command is
asked for. Checked here: the patterns are the ones the modules always had (the same
objects under every name), the shortcuts that spare the patterns (``has_control_characters``
for a printable text, ``_is_pmid``) answer as the patterns do, and a listing imports and
compiles only what it uses.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import curation.identifiers as curation_identifiers
import literature.identifiers as literature_identifiers
from cli.main import COMMAND_HOMES, cli

# The patterns as the modules compiled them at import time before.
PATTERNS = {
    "PMID_PATTERN": r"[1-9][0-9]{0,8}",
    "PMCID_PATTERN": r"PMC[0-9]{1,9}",
    "DOI_PATTERN": r"10\.[0-9]{4,9}/\S+",
    "CONTROL_CHARACTERS": "[\t\n\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]",
    "CONTROLS_IN_TSV": "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]",
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_public_patterns_are_the_same_compiled_objects(name):
    pattern = getattr(literature_identifiers, name)
    assert isinstance(pattern, re.Pattern)
    assert (pattern.pattern, pattern.flags) == (PATTERNS[name], re.compile(PATTERNS[name]).flags)
    assert getattr(literature_identifiers, name) is pattern
    namespace: dict = {}
    exec(f"from literature.identifiers import {name}", namespace)
    assert namespace[name] is pattern


def test_curation_re_exports_the_same_patterns():
    from curation.identifiers import CONTROLS_IN_TSV, DOI_PATTERN

    assert CONTROLS_IN_TSV is literature_identifiers.CONTROLS_IN_TSV
    assert DOI_PATTERN is literature_identifiers.DOI_PATTERN


def test_unknown_names_are_still_attribute_errors():
    for module in (literature_identifiers, curation_identifiers):
        assert not hasattr(module, "NO_SUCH_PATTERN")
        with pytest.raises(ImportError):
            exec(f"from {module.__name__} import NO_SUCH_PATTERN", {})


def test_has_control_characters_answers_as_the_pattern_for_every_character():
    pattern = re.compile(PATTERNS["CONTROL_CHARACTERS"])
    has = literature_identifiers.has_control_characters
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert has(char) == (pattern.search(char) is not None), hex(code)
    for text in ("", "plain", "tab\there", "ünï cödé", "a\u2028b", "zero\u200bwidth", "x\x7f"):
        assert has(text) == (pattern.search(text) is not None), text


def test_every_rule_compiles_and_every_command_has_a_home():
    for name in curation_identifiers._RULES:
        assert isinstance(curation_identifiers._rule(name), re.Pattern)
    assert sorted(cli.commands) == sorted(COMMAND_HOMES)
    for name, command in cli.commands.items():
        assert command.name == name


def test_a_listing_loads_only_its_command_and_the_patterns_it_uses(tmp_path):
    code = (
        "import sys\n"
        "from cli.main import cli\n"
        "try:\n"
        "    cli.main(['interactions', 'list', '--help'], prog_name='crsmap')\n"
        "except SystemExit:\n"
        "    pass\n"
        "import curation.project, curation.views\n"
        "import literature.identifiers as li\n"
        "print('CLI=' + ','.join(sorted(m for m in sys.modules if m.startswith('cli.'))))\n"
        f"print('COMPILED=' + ','.join(sorted(set(vars(li)) & {set(PATTERNS)!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert "CLI=cli.evidence,cli.main,cli.options,cli.output,cli.state\n" in out
    # The ledger reader takes CONTROLS_IN_TSV when it is imported; nothing else is compiled.
    compiled = out.split("COMPILED=")[1].split()
    assert set(",".join(compiled).split(",")) <= {"", "CONTROLS_IN_TSV"}, out


@given(st.text(alphabet=st.sampled_from("0123456789１²٣ \n-+a"), max_size=11))
@example("")
@example("0")
@example("123456789")
@example("1234567890")
@example("٣")
def test_is_pmid_is_the_pmid_pattern(text):
    expected = re.compile(PATTERNS["PMID_PATTERN"]).fullmatch(text) is not None
    assert literature_identifiers._is_pmid(text) == expected
