"""Is a zip from outside safe to read? What its end record and central directory show.

Checked before any entry is read: no absolute paths, no ``..``, no links, no duplicate
names, no implausible counts, sizes or compression ratios, no entry claiming bytes that
belong to another.
"""

from __future__ import annotations

import bisect
import stat
import unicodedata
import zipfile
from pathlib import PurePosixPath

MAX_ENTRY = 512 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # XML and TSV compress well, but not a thousandfold
MAX_ENTRIES = 10_000
# A central-directory record is 46 bytes plus name, extra field and comment; a bundle's
# average a few hundred at most. Bounding it bounds what zipfile parses before we look.
MAX_RECORD = 512
READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# zipfile's reader of the end record and its indices into it: private, but unchanged since
# Python 2, and the very record ZipFile trusts. Without it, the checks after parsing remain.
_END_RECORD = getattr(zipfile, "_EndRecData", None)
_ENTRIES_TOTAL, _DIRECTORY_SIZE = 4, 5


def declared_entries(stream) -> tuple[int | None, list[str]]:
    """The number of entries the zip's end record declares (None when it cannot be read
    here), and what its numbers alone show to be implausible.

    Raises :class:`zipfile.BadZipFile` or :class:`OSError` when the end record is unreadable.
    """
    if _END_RECORD is None:
        return None, []
    end = _END_RECORD(stream)
    if end is None:  # not a zip: ZipFile says so
        return None, []
    declared = end[_ENTRIES_TOTAL]
    # Checked before ZipFile builds an object for every record of the directory.
    return declared, _end_record(declared, end[_DIRECTORY_SIZE])


def _end_record(declared: int, size: int) -> list[str]:
    if declared > MAX_ENTRIES:
        return [f"{declared} entries: more than {MAX_ENTRIES} is not a crsmap bundle"]
    if size > max(declared, 1) * MAX_RECORD:
        return [
            f"the central directory takes {size} bytes for {declared} entries: more than "
            f"{MAX_RECORD} bytes an entry is not a crsmap bundle"
        ]
    return []


def unsafe_entries(archive: zipfile.ZipFile, declared: int | None) -> list[str]:
    """What the central directory alone shows to be unsafe or ambiguous."""
    problems = []
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        return [f"{len(infos)} entries: more than {MAX_ENTRIES} is not a crsmap bundle"]
    if declared is not None and declared != len(infos):
        problems.append(
            f"the zip's end record declares {declared} entries but its central directory holds "
            f"{len(infos)}: tools would disagree about what the bundle contains"
        )
    total = packed = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            problems.append(f"unsafe path {name!r}: absolute or with '..'")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"{name!r} is a symbolic link")
        if info.flag_bits & 0x1:
            problems.append(f"{name!r} is encrypted: a bundle is never encrypted")
        if info.compress_type not in READABLE:
            problems.append(f"{name!r} uses compression method {info.compress_type}, not zip's")
        if info.file_size > MAX_ENTRY:
            problems.append(
                f"{name!r} claims {info.file_size} bytes; more than {MAX_ENTRY} is implausible"
            )
        if info.file_size > 100_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(
                f"{name!r} expands {info.file_size // max(info.compress_size, 1)}-fold: a zip bomb?"
            )
        total += info.file_size
        packed += info.compress_size
    if total > MAX_TOTAL:
        problems.append(
            f"the bundle expands to {total} bytes; more than {MAX_TOTAL} is implausible"
        )
    # Many entries each under the per-entry bound still add up: check the whole archive too.
    if total > 1_000_000 and total > MAX_RATIO * max(packed, 1):
        problems.append(
            f"the bundle expands {total // max(packed, 1)}-fold as a whole: a zip bomb?"
        )
    return problems + _overlaps(archive, infos) + _duplicates(infos)


def _overlaps(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[str]:
    # The ratio checks trust each compressed size: one that runs into the next entry (or
    # entries that share their data) would pass a bomb off as a modest file.
    starts = sorted(info.header_offset for info in infos)
    problems = []
    for info in infos:
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        try:
            name_bytes = len(info.orig_filename.encode(encoding))
        except UnicodeEncodeError:
            name_bytes = len(info.orig_filename.encode("utf-8"))
        end = info.header_offset + 30 + name_bytes + info.compress_size  # 30: local header
        after = bisect.bisect_right(starts, info.header_offset)
        limit = starts[after] if after < len(starts) else archive.start_dir
        shared = after - bisect.bisect_left(starts, info.header_offset) > 1
        if info.header_offset < 0 or end > limit or shared:
            problems.append(
                f"{info.filename!r} claims {info.compress_size} compressed bytes that overlap "
                "another entry or the directory: a forged or bomb archive?"
            )
    return problems


def _duplicates(infos: list[zipfile.ZipInfo]) -> list[str]:
    # Unzip tools disagree on which copy of a name wins (or ask): verify must check the
    # very bytes a user will get, so any name given twice makes the bundle ambiguous.
    problems = []
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.filename] = counts.get(info.filename, 0) + 1
    problems += [
        f"duplicate entry {name!r}: it appears {n} times, and which copy an unzip tool takes "
        "varies, so the bundle is ambiguous"
        for name, n in counts.items()
        if n > 1
    ]
    # Names that differ but land on the same file when extracted elsewhere.
    landing: dict[str, str] = {}
    for name in counts:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        key = unicodedata.normalize("NFC", "/".join(parts)).casefold()
        other = landing.setdefault(key, name)
        if other != name:
            problems.append(
                f"duplicate entry {name!r}: it names the same file as {other!r} once extracted "
                "(Windows or a case-insensitive file system), so the bundle is ambiguous"
            )
    return problems
