"""Text files as chaingraph reads them: the encoding of their bytes, and how a cell
says "missing".

A CSV file may be UTF-8, UTF-8 with BOM, UTF-16 (with or without BOM) or
GB18030/GBK; :func:`decode_bytes` decides which, and names the lines to fix
when it is none of them. :mod:`chaingraph.io` reads whole files with it;
:mod:`chaingraph.ingest`, which reads transaction files in chunks, decides by
the same rule (:func:`mostly_utf8`) and reads the same spellings of missing
(:data:`MISSING_SPELLINGS`).
"""

from __future__ import annotations

import re

from .errors import ChainDataError, format_rows

#: How a text cell says "missing": read as a missing value in CSV files.
MISSING_SPELLINGS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]


def decode_bytes(raw: bytes, source: str) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), UTF-16 (with BOM, or
    without one when its NUL bytes show it), GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    codec = _utf16_without_bom(raw)
    if codec is not None:
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            raise ChainDataError(
                "the file looks like UTF-16 without a byte-order mark but does not decode as "
                f"{codec.upper()}; save it as UTF-8 CSV", source=source,
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line = raw[: utf8_error.start].count(b"\n") + 1
    if mostly_utf8(raw):
        # Nearly all non-ASCII text is valid UTF-8: a UTF-8 file with a damaged byte, not a
        # GBK file (whose Chinese is rarely valid UTF-8). Reading it as GB18030 would turn
        # every Chinese name into mojibake without a word.
        raise ChainDataError(
            f"the file is UTF-8 but has an invalid byte 0x{raw[utf8_error.start]:02x} on line "
            f"{line}; fix or retype that line",
            source=source,
        )
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    raise _not_gb18030(raw, source)


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when NUL bytes fill one byte of each pair.

    In UTF-16 every ASCII character (letters of the header, digits, separators, line
    ends) has a NUL high byte: after the character in little-endian, before it in
    big-endian. Text in UTF-8 or GBK has no NUL bytes at all.
    """
    sample = raw[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if not sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd >= 0.2 * pairs and even <= 0.05 * odd:
        return "utf-16-le"
    if even >= 0.2 * pairs and odd <= 0.05 * even:
        return "utf-16-be"
    return None


def _not_gb18030(raw: bytes, source: str) -> ChainDataError:
    """The error for a file that is neither UTF-8 nor GB18030, naming the lines to fix.

    No byte sequence of a GB18030 character spans a line end, so each line can be
    tried alone: a line that is not GB18030 but is UTF-8 was typed or pasted in UTF-8
    into a GBK file.
    """
    lines = raw.split(b"\n")
    not_gb = [i for i, text in enumerate(lines, start=1) if not decodes(text, "gb18030")]
    utf8 = [i for i in not_gb if decodes(lines[i - 1], "utf-8")]
    if utf8 and len(utf8) == len(not_gb):
        word = "line" if len(utf8) == 1 else "lines"
        verb = "is" if len(utf8) == 1 else "are"
        shown = format_rows(utf8).split(" ", 1)[1]
        return ChainDataError(
            f"the file is GBK/GB18030 but {word} {shown} {verb} UTF-8; save the whole file in "
            "one encoding (UTF-8)", source=source,
        )
    first = next(i for i in not_gb if i not in utf8)
    try:
        lines[first - 1].decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = lines[first - 1][exc.start]
    return ChainDataError(
        f"cannot read the file as UTF-8 or GB18030/GBK (byte 0x{byte:02x} on line {first}); "
        "save it as UTF-8 CSV",
        source=source,
    )


def decodes(raw: bytes, codec: str) -> bool:
    """Whether ``raw`` is text in ``codec``."""
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def mostly_utf8(raw: bytes) -> bool:
    """Whether at least 95% of the non-ASCII characters decode as UTF-8."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(re.findall(r"[^\x00-\x7f\ufffd]", text))
    return good >= 19 * bad
