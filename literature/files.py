"""Atomic writes and checked reads: a crash never leaves a half-written file.

The lowest layer owns these so that the literature cache is written the way every other
file is; ``curation.storage`` re-exports them beside the project lock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import InputError

TEMP_PREFIX = ".crsmap-tmp-"


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is fsynced and then renamed over the target, so readers see
    either the old or the new content, never a mixture. ``durable=False`` leaves out the
    two fsyncs (some milliseconds each), for files that may be lost in a crash: the
    cache's entries, which are checked on load and rebuilt.
    """
    path = Path(path)
    import tempfile  # on first write: read-only commands never pay for its import

    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    if durable:
        _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with Unix line endings atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning OS and decoding errors into one-line input errors."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path} is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None
    return decode_text(data, path)


def decode_text(data: bytes, path: Path) -> str:
    """The text of a file's bytes as :func:`read_text` reads it: UTF-8, a BOM dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{Path(path).name}:{line}: not valid UTF-8 (byte {exc.start})") from None
