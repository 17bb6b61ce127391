"""The evidence report: one self-contained HTML page about a map and its curation.

The page draws each map from its CellDesigner layout or SBML Layout, every interaction
coloured by its evidence status (an SBML file without a layout is named, not drawn), and
adds coverage tables, the audit findings, curator contributions and coverage per release.
Everything (CSS, SVG, script, data) is inline, so the page opens from a file or a zip
without network. It is deterministic: the same input gives the same bytes. It is also
well-formed XML (polyglot HTML), so tools can parse it strictly. Every text from the
outside is escaped; the card script uses ``textContent``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

from ..identifiers import reference_key
from ..ledger import EvidenceRecord, InteractionRecord
from .model import (
    STATUSES,
    Facts,
    ReportInput,
    citation_of,
    facts,
    reference_flag,
)
from .svg import number, to_svg

if TYPE_CHECKING:
    from literature.model import Citation

    from ..audit import Finding
    from ..provenance import ReleaseSummary

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


# --- small HTML helpers ------------------------------------------------------------------


def _e(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _script_json(value) -> str:
    """JSON safe inside a <script> element of both HTML and XML parsers."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table; ``head`` is plain text, row cells are already HTML."""
    out = [f'<table class="{cls}">' if cls else "<table>", "<thead><tr>"]
    out += [f"<th>{_e(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    out.append("</tbody></table>")
    return "".join(out)


def _meter(part: int, whole: int) -> str:
    value = f"{part / whole:.3f}" if whole else "0"
    return f'{_pct(part, whole)} <meter min="0" max="1" value="{value}"></meter>'


def _orcid_link(orcid: str) -> str:
    return f'<a href="https://orcid.org/{_e(orcid)}">{_e(orcid)}</a>'


# --- the sections ------------------------------------------------------------------------


def _legend(model: Facts) -> str:
    return (
        '<div class="legend" id="legend">'
        + "".join(
            f'<label><input type="checkbox" checked="checked" data-status="{s.code}"/>'
            f'<span class="swatch s-{s.code}"></span>{_e(s.label)} '
            f"<b>{model.counts.get(s.code, 0)}</b></label>"
            for s in STATUSES
        )
        + "</div>"
    )


def _reference(record: EvidenceRecord, citations: Mapping[str, Citation]) -> dict:
    citation = citation_of(citations, record.reference)
    return {
        "ref": reference_key(record.reference),
        "cite": citation.label() if citation is not None else "",
        "flag": reference_flag(citation),
        "eco": record.evidence,
        "cur": record.curator,
        "date": record.date,
        "src": record.source,
        "note": record.note,
    }


def _card_data(data: ReportInput, model: Facts) -> dict:
    """What the cards show, by interaction id; empty values are left out."""
    cards = {}
    for index, (_, pairs) in enumerate(model.items):
        for i, status in pairs:
            row = model.rows.get(i.id) or InteractionRecord(i.id, status="")
            refs = [_reference(r, data.citations) for r in model.records.get(i.id, ())]
            card = {
                "map": index,  # into "maps": long file names are not repeated on every card
                "type": i.type,
                "name": i.name,
                "sig": i.signature,
                "st": status,
                "refs": refs,
                "cur": row.curator,
                "lic": row.license or data.license,
                "der": row.derived_from,
                "rev": row.status,
                "upd": row.updated,
                "first": data.first_release.get(i.id),
                "rec": row.signature if row.signature != i.signature else "",  # when changed
            }
            cards[i.id] = {k: v for k, v in card.items() if v not in ("", None)}
    return {
        "cards": cards,
        "maps": [m.relative for m in data.maps],
        "curators": dict(sorted(data.curators.items())),
        "labels": {s.code: s.label for s in STATUSES},
    }


def _coverage(model: Facts) -> str:
    by_map = []
    by_type: dict[str, list[int]] = {}
    for map_input, pairs in model.items:
        done = sum(1 for i, _ in pairs if model.records.get(i.id))
        statuses = Counter(s for _, s in pairs)
        by_map.append(
            [_e(map_input.relative), str(len(pairs)), str(done), _meter(done, len(pairs))]
            + [str(statuses.get(s.code, 0)) for s in STATUSES]
        )
        for interaction, _ in pairs:
            entry = by_type.setdefault(interaction.type or "UNKNOWN", [0, 0])
            entry[0] += 1
            entry[1] += 1 if model.records.get(interaction.id) else 0
    type_rows = [
        [_e(kind), str(total), str(done), _meter(done, total)]
        for kind, (total, done) in sorted(by_type.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    head = ["Map file", "Interactions", "With evidence", "Coverage"]
    return (
        '<section id="coverage"><h2>Evidence coverage</h2><h3>By map file</h3>'
        + _table(head + [s.label for s in STATUSES], by_map, "numbers")
        + "<h3>By reaction type</h3>"
        + _table(
            ["Reaction type", "Interactions", "With evidence", "Coverage"], type_rows, "numbers"
        )
        + "</section>"
    )


def _findings(findings: Sequence[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 9), *f.sort_key))
    summary = Counter(f.severity for f in ordered)
    out = ['<section id="audit"><h2>Audit findings</h2>']
    if not ordered:
        return out[0] + "<p>No findings: the audit is clean.</p></section>"
    out.append(
        "<p>"
        + ", ".join(f"{summary.get(s, 0)} {s}" for s in ("error", "warning", "info"))
        + ". Click a column header to sort.</p>"
    )
    out.append('<table class="sortable" id="findings"><thead><tr>')
    for head in ("Severity", "Rule", "Interaction", "Reference", "Message", "Hint"):
        out.append(f'<th tabindex="0">{head}</th>')
    out.append("</tr></thead><tbody>")
    for f in ordered:
        target = (
            f'<a href="#map" data-select="{_e(f.interaction)}">{_e(f.interaction)}</a>'
            if f.interaction
            else ""
        )
        rank = _SEVERITY_RANK.get(f.severity, 9)
        out.append(
            f'<tr class="sev-{_e(f.severity)}"><td data-key="{rank}">{_e(f.severity)}</td>'
            f"<td>{_e(f.rule)}</td><td>{target}</td><td>{_e(f.reference)}</td>"
            f"<td>{_e(f.message)}</td><td><code>{_e(f.hint)}</code></td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _curator_cell(orcid: str, curators: Mapping[str, str]) -> str:
    name = curators.get(orcid)
    return (_e(name) + " " if name else "") + (_orcid_link(orcid) if orcid else "(none)")


def _curators(data: ReportInput) -> str:
    records = Counter(r.curator for r in data.evidence)
    touched: dict[str, set[str]] = {}
    for record in data.evidence:
        touched.setdefault(record.curator, set()).add(record.interaction)
    responsible = Counter(row.curator for row in data.rows if row.curator)
    people = sorted(
        set(records) | set(responsible),
        key=lambda o: (-records.get(o, 0), data.curators.get(o, ""), o),
    )
    rows = [
        [
            _curator_cell(orcid, data.curators),
            str(records.get(orcid, 0)),
            str(len(touched.get(orcid, ()))),
            str(responsible.get(orcid, 0)),
        ]
        for orcid in people
    ]
    out = ['<section id="curators"><h2>Curator contributions</h2>']
    if rows:
        head = [
            "Curator",
            "Evidence records",
            "Interactions with their evidence",
            "Responsible for",
        ]
        out.append(_table(head, rows, "numbers"))
    else:
        out.append("<p>No evidence recorded yet.</p>")
    if len(data.releases) > 1:
        everyone = sorted(
            {o for r in data.releases for o in r.records_by_curator},
            key=lambda o: (data.curators.get(o, ""), o),
        )
        per_release = [
            [_curator_cell(o, data.curators)]
            + [str(r.records_by_curator.get(o, 0)) for r in data.releases]
            for o in everyone
        ]
        out.append("<h3>Evidence records per release</h3>")
        out.append(_table(["Curator"] + [r.version for r in data.releases], per_release, "numbers"))
    out.append("</section>")
    return "".join(out)


def _history(releases: Sequence[ReleaseSummary]) -> str:
    out = ['<section id="history"><h2>Coverage per release</h2>']
    if not releases:
        return (
            out[0] + "<p>No release yet: this chart fills in from the first release.</p></section>"
        )
    step, top, height = 64, 24, 150
    width = 40 + step * len(releases)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} 210" '
        f'width="{width}" height="210" role="img" aria-label="Evidence coverage per release">'
        f'<line class="axis" x1="30" y1="{top + height}" x2="{width - 6}" y2="{top + height}"/>'
    )
    points = []
    for index, release in enumerate(releases):
        count = release.interaction_count
        share = release.with_evidence / count if count else 0.0
        share = min(max(share, 0.0), 1.0)
        x = 40 + step * index
        bar = height * share
        points.append(f"{number(x + 20)},{number(top + height - bar)}")
        out.append(
            f'<rect class="bar" x="{x}" y="{number(top + height - bar)}" width="40" height="{number(bar)}"/>'
            f'<text class="value" x="{x + 20}" y="{number(top + height - bar - 5)}">'
            f"{_pct(release.with_evidence, count)}</text>"
            f'<text class="tick" x="{x + 20}" y="{top + height + 16}">{_e(release.version)}</text>'
            f'<text class="tick date" x="{x + 20}" y="{top + height + 30}">{_e(release.date)}</text>'
        )
    if len(points) > 1:
        out.append(f'<polyline class="trend" points="{" ".join(points)}"/>')
    out.append("</svg>")
    table_rows = [
        [
            _e(r.version),
            _e(r.date),
            str(r.interaction_count),
            str(r.with_evidence),
            _pct(r.with_evidence, r.interaction_count),
        ]
        for r in releases
    ]
    head = ["Release", "Date", "Interactions", "With evidence", "Coverage"]
    out.append(_table(head, table_rows, "numbers") + "</section>")
    return "".join(out)


def _asset(name: str) -> str:
    """The report's stylesheet or script, shipped as package data and inlined."""
    from importlib import resources

    return (resources.files("curation") / "data" / name).read_text(encoding="utf-8")


def _css() -> str:
    rules = [_asset("report.css")]
    for s in STATUSES:
        rules.append(
            f'g.interaction[data-status="{s.code}"] path{{stroke:{s.colour}}}'
            f".s-{s.code}{{background:{s.colour}}}"
            f'.hide-{s.code} g.interaction[data-status="{s.code}"]{{display:none}}'
        )
    return "\n".join(rules)


def _no_layout(relative: str, count: int) -> str:
    """What stands in the map's place when its file has nothing to draw."""
    return (
        f'<div class="nolayout"><p><b>{_e(relative)}</b>: no layout in this file. It is SBML '
        "without CellDesigner's drawing or an SBML Layout (layout:listOfLayouts), so its "
        f"{count} interactions are not drawn: find one with the box above to open its card."
        "</p></div>"
    )


def render_report(data: ReportInput) -> str:
    """The report as one self-contained, deterministic HTML5 page (also well-formed XML)."""
    model = facts(data)
    title = data.title or "Curation report"
    subtitle = " · ".join(
        p for p in (f"version {data.version}" if data.version else "", data.date) if p
    )
    total = sum(len(pairs) for _, pairs in model.items)
    done = sum(1 for _, pairs in model.items for i, _ in pairs if model.records.get(i.id))
    maps = []
    for map_input, pairs in model.items:
        layout = map_input.model.layout
        items = [(i.id, i.reaction_id, status) for i, status in pairs]
        if layout is None or not layout.source:
            maps.append(_no_layout(map_input.relative, len(items)))
            continue
        maps.append(
            f'<div class="viewer"><div class="tools"><b>{_e(map_input.relative)}</b>'
            '<button type="button" data-zoom="in" title="Zoom in">+</button>'
            '<button type="button" data-zoom="out" title="Zoom out">−</button>'
            '<button type="button" data-zoom="fit" title="Show the whole map">fit</button>'
            f"</div>{to_svg(layout, items, map_input.relative)}</div>"
        )
    parts = [
        '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head>',
        '<meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{_e(title)} — evidence report</title><style>{_css()}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>Evidence report · {_e(subtitle)}</p>",
        f'<p class="summary"><b>{done}</b> of <b>{total}</b> interactions have evidence '
        f"({_pct(done, total)}); {len(data.evidence)} evidence records, "
        f"{len({reference_key(r.reference) for r in data.evidence})} references.</p>",
        '<nav><a href="#map">Map</a><a href="#coverage">Coverage</a><a href="#audit">Audit</a>'
        '<a href="#curators">Curators</a><a href="#history">Releases</a></nav></header>',
        '<section id="map"><h2>Map</h2>',
        _legend(model),
        '<form id="find" class="find"><label>Interaction <input type="search" name="q" '
        'list="ids" size="18"/></label> <button type="submit">Show</button>'
        " <small>Drag to pan, wheel or +/− to zoom, click a line for its card.</small></form>",
        '<div class="mapgrid"><div class="maps">',
        *maps,
        '</div><aside id="card" class="card"><p class="hint">Click an interaction on the map '
        "to see its evidence.</p></aside></div></section>",
        _coverage(model),
        _findings(data.findings),
        _curators(data),
        _history(data.releases),
        "<footer>Made by crsmap. Colours: status of each interaction's evidence.</footer>",
        '<div id="tip" class="tip" hidden="hidden"></div>',
        f'<script type="application/json" id="crsmap-data">{_script_json(_card_data(data, model))}'
        "</script>",
        f"<script>//<![CDATA[\n{_asset('report.js')}\n//]]></script></body></html>\n",
    ]
    return "".join(parts)
