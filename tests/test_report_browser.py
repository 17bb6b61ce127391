"""The report in a real browser: headless Chromium draws it, and its script works.

Chromium runs as a plain command: ``--screenshot`` for a picture of the page, and
``--dump-dom`` of ``report.html#selftest`` for the DOM after the page's self-test (it
counts the coloured interactions it drew, clicks one and zooms, and writes the results
onto ``<body>``). No driver or extra Python package is needed. The tests skip when
/usr/bin/chromium is missing (on Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import zlib
from pathlib import Path

import lxml.html
import pytest

from curation.report import ReportInput, render_report

from .conftest import SECOND_ORCID, shared_map
from .test_report import real_input, sample_input

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 60  # seconds per browser run
WINDOW = (1400, 1000)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless browser tests need /usr/bin/chromium (Debian: apt-get install chromium)",
)


def run_chromium(folder: Path, *arguments: str) -> str:
    """Run headless Chromium once, bounded in time; return what it printed on stdout."""
    profile = folder / f"profile-{len(list(folder.glob('profile-*')))}"
    command = [
        str(CHROMIUM),
        "--headless=new",
        "--no-sandbox",  # tests often run as root in containers
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Any name lookup fails: the page must not need the network to render.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *arguments,
    ]
    # Its own session, so a hung browser and its helpers can be stopped together.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {' '.join(command)}")
    finally:
        with contextlib.suppress(ProcessLookupError):  # helpers that outlived the browser
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the rows of an 8-bit RGB(A) PNG, as Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    assert header is not None, "PNG without IHDR"
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    step = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        # Undo the PNG filters (RFC 2083 section 6).
        if kind == 1:
            for i in range(step, stride):
                line[i] = (line[i] + line[i - step]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - step] if i >= step else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - step] if i >= step else 0
                b, c = previous[i], previous[i - step] if i >= step else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, step, rows


def check_screenshot(path: Path) -> None:
    """A real picture of the page: the window's size, many colours, not a blank page."""
    assert path.is_file() and path.stat().st_size > 10_000
    width, height, step, rows = png_pixels(path.read_bytes())
    assert (width, height) == WINDOW
    # Every other pixel of every other row is plenty to tell a drawn page from a blank one.
    sample = [row[i : i + 3] for row in rows[::2] for i in range(0, len(row), 2 * step)]
    colours = set(sample)
    assert len(colours) > 20, f"only {len(colours)} colours: the page looks blank"
    inked = sum(1 for pixel in sample if pixel != b"\xff\xff\xff")
    assert inked > 0.05 * len(sample), "the page is almost all white"


def self_test(folder: Path, report: Path, target: str = "") -> dict[str, str]:
    """The <body> attributes after the page's self-test, from Chromium's --dump-dom."""
    url = report.as_uri() + "#selftest" + (f"={target}" if target else "")
    dom = run_chromium(folder, "--dump-dom", url)
    body = lxml.html.document_fromstring(dom).find("body")
    assert body.get("data-selftest") is not None, "the page's script did not run"
    return dict(body.attrib)


def drawn_count(data: ReportInput) -> int:
    """How many interactions have a drawing: what the browser must show coloured."""
    count = 0
    for map_input in data.maps:
        layout = map_input.model.layout
        for interaction in map_input.model.interactions.values():
            geometry = layout.reactions.get(interaction.reaction_id)
            count += bool(geometry and geometry.drawable)
    return count


def write_report(folder: Path, data: ReportInput) -> Path:
    report = folder / "report.html"
    report.write_text(render_report(data), encoding="utf-8")
    return report


def check_zoom(result: dict[str, str]) -> None:
    before, after = (v.split() for v in result["data-selftest-zoom"].split("|"))
    assert float(after[2]) < float(before[2]) and float(after[3]) < float(before[3])


def test_sample_report_in_chromium(tmp_path):
    data = sample_input()
    report = write_report(tmp_path, data)
    run_chromium(tmp_path, f"--screenshot={tmp_path / 'sample.png'}", report.as_uri())
    check_screenshot(tmp_path / "sample.png")

    result = self_test(tmp_path, report)
    interactions = data.maps[0].model.interactions
    assert int(result["data-selftest-total"]) == len(interactions)
    assert int(result["data-selftest-rendered"]) == drawn_count(data) == len(interactions)
    card = result["data-selftest"]
    first = interactions["re1"]
    assert card.startswith("re1Evidence, reviewed")
    assert first.signature in card
    assert "Ada Lovelace" in card and SECOND_ORCID in card and "CC-BY-4.0" in card
    assert "Norelli M 2018 Nat Med" in card and "0.1.0" in card
    check_zoom(result)

    retracted = self_test(tmp_path, report, "re16")["data-selftest"]
    assert interactions["re16"].signature in retracted
    assert "RETRACTED" in retracted and "Ropelle ER et al. 2010 PLoS Biol" in retracted


def test_largest_real_map_in_chromium(tmp_path):
    path = shared_map("c19dm_PAMP")
    data = real_input(path)
    report = write_report(tmp_path, data)
    run_chromium(tmp_path, f"--screenshot={tmp_path / 'pamp.png'}", report.as_uri())
    check_screenshot(tmp_path / "pamp.png")

    result = self_test(tmp_path, report)
    interactions = data.maps[0].model.interactions
    assert int(result["data-selftest-total"]) == len(interactions) == 1613
    assert int(result["data-selftest-rendered"]) == drawn_count(data)
    first = interactions["re1"]
    assert result["data-selftest"].startswith("re1") and first.signature in result["data-selftest"]
    check_zoom(result)
