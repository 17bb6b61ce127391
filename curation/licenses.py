"""May an interaction under license L be redistributed inside a map under license M?

A disease map is shared as one work under its own license (CC BY 4.0 for the CRS Map), so
every interaction adapted from elsewhere must allow being redistributed, adapted, under
those terms. The reasoning, by kind of license:

* **public domain** (CC0-1.0, PDDL-1.0): no conditions; fits in any map.
* **attribution only** (CC-BY-2.0/2.5/3.0/4.0, ODC-By-1.0, MIT, BSD, Apache-2.0): the
  only condition is credit, which the release's ATTRIBUTION.md gives for every
  ``derived_from`` interaction; fits in any map that is not itself public domain (a
  CC0 map would suggest no credit is owed).
* **share-alike** (CC-BY-SA-*, ODbL-1.0, GPL-*): adaptations must carry the same
  license, so they fit only in a map under that license family at the same or a later
  version; never in a CC BY map, whose users may relicense without share-alike.
* **non-commercial** (CC-BY-NC-*): fits only in a map that is non-commercial too (and
  share-alike when the source is).
* **no derivatives** (CC-BY-ND-*, CC-BY-NC-ND-*): drawing an interaction into a map is an
  adaptation, so never.
* **proprietary or unknown** (LicenseRef-proprietary, anything not in the table): no
  right to redistribute is known, so never; add it to the table only after checking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PUBLIC_DOMAIN = "public-domain"
ATTRIBUTION = "attribution"
SHARE_ALIKE = "share-alike"
NON_COMMERCIAL = "non-commercial"
NON_COMMERCIAL_SHARE_ALIKE = "non-commercial-share-alike"
NO_DERIVATIVES = "no-derivatives"
PROPRIETARY = "proprietary"


@dataclass(frozen=True)
class LicenseKind:
    """What a license allows, as far as combining it into a map goes."""

    spdx: str
    kind: str
    family: str = ""  # licenses whose share-alike clauses accept each other
    version: float = 0.0


def _cc(spdx: str) -> LicenseKind:
    match = re.fullmatch(r"CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)", spdx)
    assert match, spdx
    terms, version = match.group(1), float(match.group(2))
    if "ND" in terms:
        kind = NO_DERIVATIVES
    elif "NC" in terms:
        kind = NON_COMMERCIAL_SHARE_ALIKE if "SA" in terms else NON_COMMERCIAL
    else:
        kind = SHARE_ALIKE if "SA" in terms else ATTRIBUTION
    return LicenseKind(spdx, kind, f"CC-{terms}", version)


_CC_VERSIONS = ("2.0", "2.5", "3.0", "4.0")
_CC_TERMS = ("BY", "BY-SA", "BY-NC", "BY-NC-SA", "BY-ND", "BY-NC-ND")

TABLE: dict[str, LicenseKind] = {
    **{f"CC-{t}-{v}": _cc(f"CC-{t}-{v}") for t in _CC_TERMS for v in _CC_VERSIONS},
    "CC0-1.0": LicenseKind("CC0-1.0", PUBLIC_DOMAIN),
    "PDDL-1.0": LicenseKind("PDDL-1.0", PUBLIC_DOMAIN),
    "ODC-By-1.0": LicenseKind("ODC-By-1.0", ATTRIBUTION),
    "MIT": LicenseKind("MIT", ATTRIBUTION),
    "BSD-2-Clause": LicenseKind("BSD-2-Clause", ATTRIBUTION),
    "BSD-3-Clause": LicenseKind("BSD-3-Clause", ATTRIBUTION),
    "Apache-2.0": LicenseKind("Apache-2.0", ATTRIBUTION),
    "ODbL-1.0": LicenseKind("ODbL-1.0", SHARE_ALIKE, "ODbL", 1.0),
    "GPL-2.0-or-later": LicenseKind("GPL-2.0-or-later", SHARE_ALIKE, "GPL", 2.0),
    "GPL-3.0-only": LicenseKind("GPL-3.0-only", SHARE_ALIKE, "GPL", 3.0),
    "GPL-3.0-or-later": LicenseKind("GPL-3.0-or-later", SHARE_ALIKE, "GPL", 3.0),
    "LicenseRef-proprietary": LicenseKind("LicenseRef-proprietary", PROPRIETARY),
}


def kind_of(spdx: str) -> LicenseKind:
    """The table's entry (matched case-blind), or an unknown license treated as proprietary."""
    for key, value in TABLE.items():
        if key.lower() == spdx.lower():
            return value
    return LicenseKind(spdx, PROPRIETARY)


def compatible(interaction_license: str, map_license: str) -> tuple[bool, str]:
    """Whether the interaction may be redistributed in the map, and why (one phrase)."""
    part, whole = kind_of(interaction_license), kind_of(map_license)
    if part.spdx.lower() == whole.spdx.lower() and part.kind != PROPRIETARY:
        return True, "same license"
    if part.kind == PUBLIC_DOMAIN:
        return True, "public domain"
    if part.kind == PROPRIETARY:
        return False, f"{part.spdx} grants no known right to redistribute"
    if part.kind == NO_DERIVATIVES:
        return False, f"{part.spdx} forbids adaptations, and drawing it into a map is one"
    if part.kind == ATTRIBUTION:
        if whole.kind == PUBLIC_DOMAIN:
            return False, f"{part.spdx} requires credit, which a {whole.spdx} map does not promise"
        return True, "attribution, given in ATTRIBUTION.md"
    if part.kind == SHARE_ALIKE:
        if whole.kind in (SHARE_ALIKE, NON_COMMERCIAL_SHARE_ALIKE) and _same_family(part, whole):
            return True, "same share-alike license family, same or later version"
        return (
            False,
            f"{part.spdx} is share-alike: adaptations must stay under {part.family or part.spdx}",
        )
    # non-commercial, with or without share-alike
    if whole.kind not in (NON_COMMERCIAL, NON_COMMERCIAL_SHARE_ALIKE):
        return False, f"{part.spdx} forbids commercial use, which {whole.spdx} allows"
    if part.kind == NON_COMMERCIAL_SHARE_ALIKE and not _same_family(part, whole):
        return False, f"{part.spdx} is share-alike: adaptations must stay under {part.family}"
    return True, "non-commercial in a non-commercial map"


def _same_family(part: LicenseKind, whole: LicenseKind) -> bool:
    return part.family == whole.family and whole.version >= part.version


_CC_TERM_NAMES = {
    "BY": "Attribution",
    "BY-SA": "Attribution-ShareAlike",
    "BY-NC": "Attribution-NonCommercial",
    "BY-NC-SA": "Attribution-NonCommercial-ShareAlike",
    "BY-ND": "Attribution-NoDerivatives",
    "BY-NC-ND": "Attribution-NonCommercial-NoDerivatives",
}
_OTHER_NAMES = {
    "CC0-1.0": ("CC0 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/",
                "https://creativecommons.org/publicdomain/zero/1.0/legalcode"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
                 "https://opendatacommons.org/licenses/odbl/1-0/"),
    "ODC-By-1.0": ("Open Data Commons Attribution License v1.0", "https://opendatacommons.org/licenses/by/1-0/",
                   "https://opendatacommons.org/licenses/by/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication and License v1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/", "https://opendatacommons.org/licenses/pddl/1-0/"),
}  # fmt: skip


def describe(spdx: str) -> tuple[str, str, str]:
    """(full name, deed or home page URL, legal code URL) of a license, for notices.

    Creative Commons 4.0 licenses are "International"; the legal code URL is what CC BY
    4.0 section 3(a)(1)(C) asks a notice to point at.
    """
    match = re.fullmatch(r"CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)", spdx)
    if match:
        terms, version = match.groups()
        name = f"Creative Commons {_CC_TERM_NAMES[terms]} {version}" + (
            " International"
            if version == "4.0"
            else " Generic"
            if version in ("2.0", "2.5")
            else " Unported"
        )
        deed = f"https://creativecommons.org/licenses/{terms.lower()}/{version}/"
        return name, deed, deed + "legalcode"
    if spdx in _OTHER_NAMES:
        return _OTHER_NAMES[spdx]
    url = f"https://spdx.org/licenses/{spdx}.html"
    return spdx, url, url
