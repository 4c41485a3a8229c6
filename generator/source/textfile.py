"""Source files read as text the same way everywhere: any BOM, any line ending."""
from __future__ import annotations

import codecs
import os
from pathlib import Path

from ..errors import Problem, error

# A report is a few kilobytes; anything this large is a mistake, not an archive entry.
MAX_SOURCE_BYTES = 10 * 1024 * 1024


def read_source_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """A source file's bytes, refusing files too large to be a report."""
    try:
        with open(path, "rb") as handle:  # one open, one fstat: this runs for every file
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_SOURCE_BYTES:
                return None, [error(path, 0, f"the file is {size:,} bytes; the limit is "
                                             f"{MAX_SOURCE_BYTES:,} — split it or remove it")]
            return handle.read(), []
    except OSError as exc:
        return None, [error(path, 0, f"cannot read the file: {exc.strerror}")]


def read_source_text(path: Path) -> tuple[str | None, list[Problem]]:
    """Read and decode a source file, or say why it cannot be read."""
    data, problems = read_source_bytes(path)
    return (None, problems) if data is None else decode_source(path, data)


def decode_source(path: Path, data: bytes) -> tuple[str | None, list[Problem]]:
    """Decode a source file's bytes to text with LF line endings."""
    # Windows editors save UTF-16 with a byte order mark; everything else must be UTF-8.
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts from after the BOM; the offset a user looks for is the file's.
        at = exc.start + (3 if not utf16 and data.startswith(codecs.BOM_UTF8) else 0)
        line = data[:at].count(b"\n") + 1
        shown = "UTF-16" if utf16 else "UTF-8"
        return None, [error(path, line, f"byte offset {at} is not valid {shown} text "
                                        f"(byte {data[at]:#04x}) — save the file as UTF-8")]
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        # Counted in the file's bytes, as a hex editor shows them (BOM included).
        at = data.find(b"\0") if not utf16 else 2 + len(text[:nul].encode("utf-16-le"))
        return None, [error(path, line, f"the file holds a NUL character at byte offset {at} "
                                        "— it is not a text file, or it is damaged")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []
