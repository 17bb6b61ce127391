"""Hostile and broken map files: refused with a one-line error, never expanded or fetched."""

import pytest

from curation.celldesigner import read_map
from curation.errors import InputError

from .mapfactory import document, reaction, species

XXE = """<?xml version="1.0"?>
<!DOCTYPE sbml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" version="4">
<model id="m"><listOfReactions><reaction id="re1" name="&secret;"/></listOfReactions></model></sbml>
"""

BOMB = """<?xml version="1.0"?>
<!DOCTYPE sbml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" version="4">
<model id="m"><listOfReactions><reaction id="re1" name="&f;"/></listOfReactions></model></sbml>
"""


@pytest.mark.parametrize(("text", "name"), [(XXE, "xxe.xml"), (BOMB, "bomb.xml")])
def test_entities_are_refused(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match=rf"{name}: the XML declares entities"):
        read_map(path)


def test_truncated_map_reports_line_and_column(tmp_path):
    full = document(species("s1", "A") + species("s2", "B"), reaction("re1", ["s1"], ["s2"]))
    path = tmp_path / "cut.xml"
    path.write_text(full[: len(full) // 2])
    with pytest.raises(InputError) as err:
        read_map(path)
    message = str(err.value)
    assert message.startswith(f"{path}:")
    assert "malformed XML" in message
    assert "\n" not in message


def test_unreadable_inputs_are_clear(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_map(tmp_path / "missing.xml")
    with pytest.raises(InputError, match="is a directory"):
        read_map(tmp_path)
    binary = tmp_path / "binary.xml"
    binary.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(InputError, match=r"malformed XML|not an XML"):
        read_map(binary)
