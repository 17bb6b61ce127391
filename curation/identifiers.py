"""Rules for the identifiers crsmap records: reference CURIEs, ORCIDs, ECO terms, SPDX ids.

Every parser returns the normalised form or raises :class:`InputError` with a message
that names the bad value and what was expected. References (PubMed IDs, DOIs, PMC IDs)
are literature's domain: their rules live in :mod:`literature.identifiers`, re-exported
here so that this stays the one door to every identifier rule.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import urllib.parse
from pathlib import Path

import literature.identifiers as _literature

# Re-exported: curation and its callers read every identifier rule from this module (the
# compiled patterns too, through __getattr__ below).
from literature.identifiers import (  # noqa: F401
    DOI,
    DOI_LABEL,
    EXPECTED_REFERENCE,
    PMC,
    PMID_IN_TEXT,
    PUBMED,
    Reference,
    has_control_characters,
    link_forms,
    names_reference,
    normalise_reference,
    parse_reference,
    quoted,
    reference_curie,
    reference_key,
    references_in_text,
    split_references,
)

from .errors import InputError

# literature.identifiers compiles its patterns on first use; so does this module.
_REEXPORTED_PATTERNS = ("CONTROLS_IN_TSV", "DOI_PATTERN")


def __getattr__(name: str) -> re.Pattern:
    if name not in _REEXPORTED_PATTERNS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_literature, name)


# Each rule's pattern, compiled the first time the rule is checked (_rule): importing this
# module is on the path of every command, and most commands check few of these or none.
_RULES = {
    "orcid": (r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]", 0),
    "eco": (r"ECO:[0-9]{7}", 0),
    "spdx": (r"(LicenseRef-)?[A-Za-z0-9][A-Za-z0-9.+-]*", 0),
    # SPDX's own rule for custom ids: "LicenseRef-" and letters, digits, '.' and '-'.
    "license_ref": (r"LicenseRef-([A-Za-z0-9.-]+)", re.I),
    "uri": (r"[A-Za-z][A-Za-z0-9+.-]*:\S+", 0),
    # Git's trailer form "Token: value": a name holding it could pass for a trailer of its own.
    "trailer_token": (r"[A-Za-z0-9][A-Za-z0-9-]*\s*:", 0),
    "curie_prefix": (r"[A-Za-z][A-Za-z0-9._-]{0,39}", 0),
    "curie_local": (r"[A-Za-z0-9_][A-Za-z0-9_.:/#()+~%;,=-]*", 0),
    "host": (r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+", 0),
}


@functools.cache
def _rule(name: str) -> re.Pattern:
    return re.compile(*_RULES[name])


def orcid_check_digit(base_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def parse_orcid(text: str) -> str:
    """Validate an ORCID (bare or as an orcid.org URL) and return its bare form."""
    raw = text.strip()
    for lead in ("https://orcid.org/", "http://orcid.org/", "orcid:"):
        if raw.lower().startswith(lead):
            raw = raw[len(lead) :]
            break
    raw = raw.upper()
    if not _rule("orcid").fullmatch(raw):
        raise InputError(
            f"invalid ORCID {quoted(text)}: expected four groups of four characters, "
            "e.g. 0000-0002-1825-0097"
        )
    digits = raw.replace("-", "")
    expected = orcid_check_digit(digits[:15])
    if digits[15] != expected:
        raise InputError(
            f"invalid ORCID {quoted(text)}: check digit is {digits[15]}, expected {expected} "
            "(ISO 7064 11,2); check for a typo"
        )
    return raw


def parse_eco(text: str) -> str:
    """Validate an Evidence and Conclusion Ontology term such as ``ECO:0000269``."""
    raw = text.strip()
    if raw.upper().startswith("ECO:") or raw.upper().startswith("ECO_"):
        raw = "ECO:" + raw[4:]
    if not _rule("eco").fullmatch(raw):
        raise InputError(
            f"invalid evidence code {quoted(text)}: expected 'ECO:' and 7 digits, e.g. ECO:0000269"
        )
    return raw


def parse_spdx(text: str) -> str:
    """Validate the syntax of an SPDX license identifier such as ``CC-BY-4.0``."""
    raw = text.strip()
    if not _rule("spdx").fullmatch(raw):
        raise InputError(
            f"invalid license {quoted(text)}: expected an SPDX identifier such as CC-BY-4.0 "
            "or LicenseRef-proprietary"
        )
    return raw


SPDX_LIST_FILE = "spdx_licenses.txt"
EXPECTED_LICENSE = (
    "expected an id of the SPDX License List such as CC-BY-4.0 (https://spdx.org/licenses/), "
    "or LicenseRef-NAME for a license of your own (NAME: letters, digits, '.' and '-')"
)


@functools.cache
def _spdx_list() -> tuple[dict[str, str], frozenset[str]]:
    """The SPDX License List shipped with crsmap: ids by case-folded form, and the deprecated.

    Read on first use only: commands that take no license never pay for it.
    """
    # The package's own folder, not importlib.resources: crsmap is installed as files, and
    # importing importlib.resources would cost the audit more than reading the list does.
    text = (Path(__file__).parent / "data" / SPDX_LIST_FILE).read_text(encoding="utf-8")
    ids: dict[str, str] = {}
    deprecated = set()
    for line in text.splitlines():
        spdx, _, flag = line.partition("\t")
        if spdx and not spdx.startswith("#"):
            ids[spdx.casefold()] = spdx
            if flag.strip() == "deprecated":
                deprecated.add(spdx)
    return ids, frozenset(deprecated)


def spdx_license_ids() -> list[str]:
    """Every id of the SPDX License List shipped with crsmap, deprecated ones included."""
    return sorted(_spdx_list()[0].values(), key=str.casefold)


def license_problem(text: str) -> str | None:
    """Why ``text`` is not an SPDX license id (the error message), or None.

    For checks that report rather than refuse, such as an audit of crsmap.toml.
    """
    try:
        parse_license(text)
    except InputError as exc:
        return str(exc)
    return None


def parse_license(text: str) -> str:
    """An SPDX license id from the list shipped with crsmap, or ``LicenseRef-...``, as SPDX spells it.

    Ids match case-blind (``cc-by-4.0`` is ``CC-BY-4.0``), as the SPDX specification
    says; anything else is refused, naming the closest ids of the list.
    """
    raw = text.strip()
    custom = _rule("license_ref").fullmatch(raw)
    if custom:
        return f"LicenseRef-{custom.group(1)}"
    known, _ = _spdx_list()
    if raw.casefold() in known:
        return known[raw.casefold()]
    what = "empty license" if not raw else f"license {quoted(text)}"
    raise InputError(
        f"invalid {what}: not an SPDX license identifier{_close_licenses(raw)}; {EXPECTED_LICENSE}"
    )


def _close_licenses(raw: str) -> str:
    """`` (did you mean A, B?)`` for the current ids nearest to ``raw``, or nothing."""
    import difflib

    known, deprecated = _spdx_list()
    current = [folded for folded, spdx in known.items() if spdx not in deprecated]
    # People write "CC BY 4.0", "Apache 2.0", "cc_by_4.0", "GPLv3": compare as SPDX spells ids.
    wanted = re.sub(r"[\s_]+|(?<=[a-z])v(?=[0-9])", "-", raw.strip().casefold())
    wanted = re.sub(r"-licen[cs]e$", "", wanted)
    close = difflib.get_close_matches(wanted, current, n=3, cutoff=0.75)
    if not close:  # a family without its version: CC0, ODbL, BSD, GPL-3
        longer = [
            c for c in current if c.startswith(wanted) and c[len(wanted) : len(wanted) + 1] in "-."
        ]
        close = difflib.get_close_matches(wanted, longer, n=3, cutoff=0)
    return f" (did you mean {', '.join(known[c] for c in close)}?)" if close else ""


def parse_uri(text: str) -> str:
    """A source URI: an ``http(s)://`` URL or a DOI (``doi:10...``/``10...``, as doi.org URL)."""
    raw = text.strip()
    doi = raw[4:] if raw.lower().startswith("doi:") else raw
    if _literature.DOI_PATTERN.fullmatch(doi) and not has_control_characters(doi):
        return f"https://doi.org/{doi}"
    if (
        not _rule("uri").fullmatch(raw)
        or has_control_characters(raw)
        or (
            raw.lower().startswith(("http:", "https:"))
            and not raw.lower().startswith(("http://", "https://"))
        )
    ):
        raise InputError(
            f"invalid source {quoted(text)}: expected a URL (https://...) or a DOI "
            "(doi:10.1038/... or 10.1038/...) without spaces"
        )
    return raw


# A person's or organisation's name, as crsmap writes it into commit trailers, the git
# author and release files. Spaces of every width (such as the ideographic space between
# Japanese family and given names) and the zero-width (non-)joiners of several scripts
# are parts of names; every other format character (such as a right-to-left override,
# which makes a name display as another) is refused.
_JOINERS = frozenset("\u200c\u200d")
NAME_RULE = "one line of printable text without '<', '>' or control characters"
CURATOR_NAME_RULE = (
    "one line of printable text without '<', '>', control characters or 'Word:' "
    "(the form of a git trailer)"
)


def name_problem(text: str, trailers: bool = True) -> str | None:
    """Why ``text`` cannot be a curator's (or, without ``trailers``, a creator's) name, or None.

    Names go into git's author field and into ``Curator: NAME <https://orcid.org/ORCID>``
    trailers, which is how crsmap's history credits work: a line break, ``<`` or ``>``
    would let a name add or alter a trailer, and control or bidi characters would let it
    display as someone else's name.
    """
    if not text.strip():
        return "it is empty"
    for char in text:
        if not (char.isprintable() or char in _JOINERS or unicodedata.category(char) == "Zs"):
            return f"it holds the unprintable character U+{ord(char):04X}"
    if "<" in text or ">" in text:
        return "it holds '<' or '>'"
    if trailers and _rule("trailer_token").search(text):
        return "it holds 'Word:', the form of a git trailer"
    return None


def parse_name(text: str, what: str, trailers: bool = True) -> str:
    """A checked name (see :func:`name_problem`), stripped; ``what`` names it in the error."""
    problem = name_problem(text, trailers)
    if problem:
        rule = CURATOR_NAME_RULE if trailers else NAME_RULE
        raise InputError(f"invalid {what} {quoted(text)}: {problem}; expected {rule}")
    return text.strip()


def email_problem(text: str) -> str | None:
    """Why ``text`` cannot be a curator's email (it becomes the git author's), or None."""
    if any(not ch.isprintable() or ch.isspace() for ch in text) or "<" in text or ">" in text:
        return "an email is one word without spaces, '<', '>' or control characters"
    return None


def parse_email(text: str, what: str) -> str:
    """A checked email (empty allowed); ``what`` names it in the error."""
    problem = email_problem(text.strip())
    if problem:
        raise InputError(f"invalid {what} {quoted(text)}: {problem}")
    return text.strip()


# URI schemes that look like CURIE prefixes but would act when a report or a spreadsheet
# follows them as links; http(s) must come as a URL with its //.
_NOT_PREFIXES = frozenset({"http", "https", "javascript", "vbscript", "data", "file", "blob"})
# Characters RFC 3986 does not allow unencoded in a URL (besides spaces and controls).
_NOT_IN_URLS = frozenset('<>"{}|\\^`')
EXPECTED_DERIVED_FROM = (
    "expected an http(s):// URL or a CURIE such as reactome:R-HSA-6785807 "
    "(prefix: a letter, then letters, digits, '.', '_' or '-')"
)


def _web_url(raw: str) -> bool:
    """True for an ``http(s)://host/...`` URL without credentials or unencoded unsafe characters."""
    if not raw.lower().startswith(("http://", "https://")) or _NOT_IN_URLS & set(raw):
        return False
    parts = urllib.parse.urlsplit(raw)
    try:
        host, _ = parts.hostname, parts.port  # a port that is not a number raises
    except ValueError:
        return False
    return bool(host) and "@" not in parts.netloc and _rule("host").fullmatch(host) is not None


def _curie(raw: str) -> bool:
    prefix, sep, local = raw.partition(":")
    return bool(
        sep
        and _rule("curie_prefix").fullmatch(prefix)
        and prefix.lower() not in _NOT_PREFIXES
        and _rule("curie_local").fullmatch(local)
    )


def parse_derived_from(text: str) -> str:
    """Where an interaction was adapted from: an ``http(s)://`` URL or a ``prefix:local`` CURIE.

    The empty string (original work) is kept. Anything else is refused, so that no
    spreadsheet formula (``=cmd|...``) or script URL enters the ledger.
    """
    raw = text.strip()
    if not raw:
        return ""
    one_word = not has_control_characters(raw) and not any(ch.isspace() for ch in raw)
    if one_word and (_web_url(raw) if "://" in raw else _curie(raw)):
        return raw
    raise InputError(f"invalid --derived-from {quoted(text)}: {EXPECTED_DERIVED_FROM}")


def parse_note(text: str) -> str:
    """A ledger note is one line of free text: tabs, line breaks and controls are refused."""
    if has_control_characters(text):
        raise InputError(
            f"invalid note {quoted(text)}: a note is one line of text without tabs, line breaks "
            "or control characters"
        )
    return text.strip()
