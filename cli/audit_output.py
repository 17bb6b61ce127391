"""Printing audit reports: text grouped by severity, JSON, TSV and GitHub annotations."""

from __future__ import annotations

import json

AUDIT_COLUMNS = ("rule", "severity", "interaction", "reference", "message", "hint")
_TITLES = {"error": "Errors", "warning": "Warnings", "info": "Information"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}


def summary_line(report) -> str:
    counts = report.summary
    verdict = "passes" if not report.failed else "fails"
    threshold = (
        "never fails" if report.fail_on == "never" else f"{verdict} (fail on {report.fail_on})"
    )
    return f"audit: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info; {threshold}"


def as_text(report, signatures: dict[str, str]) -> str:
    """Findings grouped by severity, each with the reaction's signature and the fix."""
    lines = []
    for severity in ("error", "warning", "info"):
        group = [f for f in report.findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"{_TITLES[severity]} ({len(group)})")
        for f in group:
            where = f.interaction or (f"{f.file}:{f.line}" if f.line else f.file or "project")
            lines.append(f"  {where}  {f.rule}" + (f"  {f.reference}" if f.reference else ""))
            signature = signatures.get(f.interaction or "")
            if signature and signature not in f.message:
                lines.append(f"      {signature}")
            lines.append(f"      {f.message}")
            if f.hint:
                lines.append(f"      fix: {f.hint}")
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def as_json(report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def as_tsv(report) -> str:
    """The findings as a spreadsheet-safe table (without the final line break)."""
    from literature.tsv import safe_table

    rows = []
    for f in report.findings:
        values = f.to_json()
        rows.append([values[c] or "" for c in AUDIT_COLUMNS])
    return safe_table(AUDIT_COLUMNS, rows).removesuffix("\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report) -> str:
    """GitHub Actions workflow commands: one annotation per finding, then the summary."""
    lines = []
    for f in report.findings:
        properties = []
        if f.file:
            properties.append(f"file={_escape_property(f.file)}")
            if f.line:
                properties.append(f"line={f.line}")
        properties.append(f"title={_escape_property('crsmap ' + f.rule)}")
        message = f.message + (f" (fix: {f.hint})" if f.hint else "")
        lines.append(f"::{_GITHUB[f.severity]} {','.join(properties)}::{_escape_data(message)}")
    lines.append(summary_line(report))
    return "\n".join(lines)
