"""The audit's rules over licenses: each one an SPDX identifier, and each interaction's
(and the original map's) redistributable under the map's license.
"""

from __future__ import annotations

from ..licenses import compatible
from .engine import AuditData, _finding, rule


def _license_problem(value: str, checked: dict[str, str | None]) -> str | None:
    """Why a license is not an SPDX id (each distinct value checked once), or None."""
    if value not in checked:
        from ..identifiers import license_problem

        checked[value] = license_problem(value)
    return checked[value]


@rule(
    "invalid-license", "error",
    "a license that is not an SPDX License List identifier (or LicenseRef-NAME)",
    "crsmap interactions set ID --license SPDX (or correct [map] license in crsmap.toml)",
)  # fmt: skip
def _invalid_license(data: AuditData):
    checked: dict[str, str | None] = {}
    for key in ("license", "source_license"):
        value = getattr(data.config.map, key)
        problem = value and _license_problem(value, checked)
        if problem:
            yield _finding(
                "invalid-license", None, None, f"crsmap.toml [map] {key}: {problem}",
                f"correct [map] {key} in crsmap.toml", ("crsmap.toml", None),
            )  # fmt: skip
    for index, row in enumerate(data.rows):
        problem = row.license and _license_problem(row.license, checked)
        if problem:
            yield _finding(
                "invalid-license", row.interaction, None, f"{row.interaction}: {problem}",
                f"crsmap interactions set {row.interaction} --license SPDX",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip


@rule("license-incompatible", "error", "an interaction's license cannot be redistributed under the map's license",
      "crsmap interactions set ID --license SPDX (or redraw the interaction)")  # fmt: skip
def _license(data: AuditData):
    whole = data.config.map.license
    original = data.config.map.source_license
    checked: dict[str, str | None] = {}
    if _license_problem(whole, checked):
        return  # invalid-license says so; nothing can be compared with an unknown license
    if original and not _license_problem(original, checked):
        ok, why = compatible(original, whole)
        if not ok:
            yield _finding(
                "license-incompatible", None, None,
                f"the original map is {original}, which cannot be redistributed as a {whole} map: {why}",
                "set [map] license in crsmap.toml to one the original's license allows", ("crsmap.toml", None),
            )  # fmt: skip
    verdicts: dict[str, tuple[bool, str]] = {}  # by license: a few across thousands of rows
    for index, row in enumerate(data.rows):
        if not row.license or row.interaction not in data.interactions:
            continue
        if _license_problem(row.license, checked):
            continue  # reported by invalid-license
        if row.license not in verdicts:
            verdicts[row.license] = compatible(row.license, whole)
        ok, why = verdicts[row.license]
        if not ok:
            yield _finding(
                "license-incompatible", row.interaction, None,
                f"{row.interaction} is {row.license}, which cannot go into a {whole} map: {why}",
                f"crsmap interactions set {row.interaction} --license SPDX",
                ("interactions.tsv", data.row_lines.get(index)),
            )  # fmt: skip
