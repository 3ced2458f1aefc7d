"""Tables as text for people: terminal tables aligned by display width, CSV cells that a
spreadsheet will not run, and firm ids shown with their names.

A terminal draws an East Asian wide or fullwidth character (汉字, fullwidth
punctuation) two columns wide; ``str.ljust`` counts it as one, so a column of
Chinese names pushes the next column out of line. :func:`display_width` counts
as a terminal does (``unicodedata.east_asian_width`` W or F: 2 columns;
combining marks and format characters such as U+200B: none; ambiguous
characters: 1, as most terminals draw them).

A CSV cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is read by Excel, WPS and LibreOffice as a formula: a firm named
``=HYPERLINK("http://…")`` would become a live link. :func:`csv_safe` prefixes
such text cells with ``'`` (OWASP's advice); numbers, and text that is a plain
number such as ``-1.5``, are left alone.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

#: How a terminal table shows a cut cell, a missing value and an infinite one.
ELLIPSIS = "..."
MISSING = ""
INFINITE = "n/a"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def display_width(text: str) -> int:
    """Columns a terminal uses to draw ``text`` (a wide or fullwidth character takes 2).

    >>> display_width("abc"), display_width("山东"), display_width("e\\u0301")
    (3, 4, 1)
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns, ending in ``...`` when cut.

    >>> clip("青岛嘉峰汽车股份有限公司", 10)
    '青岛嘉...'
    """
    if display_width(text) <= width:
        return text
    room = max(width - len(ELLIPSIS), 0)
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _number_column(values: pd.Series) -> list[str] | None:
    """The values of a numeric column as text with one number of decimals for the column,
    or None when the column is not numeric."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return None
    x = values.to_numpy(dtype=float, na_value=np.nan)
    finite = x[np.isfinite(x)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        decimals = 0
    else:
        biggest = np.abs(finite).max()
        decimals = 4 if biggest < 100 else 2 if biggest < 1e6 else 0
    return [MISSING if np.isnan(v) else INFINITE if np.isinf(v) else f"{v:.{decimals}f}" for v in x]


def _text(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT:
        return MISSING
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return MISSING
        return INFINITE if np.isinf(v) else f"{v:.4f}".rstrip("0").rstrip(".")
    return " ".join(str(v).split())  # one line per row


def terminal_table(df: pd.DataFrame, *, max_width: int = 40) -> str:
    """``df`` (index first) as aligned text: numbers right-aligned, text left-aligned and
    cut to ``max_width`` display columns, columns two spaces apart.

    >>> df = pd.DataFrame({"name": ["山东A", "B"], "score": [0.5, 12.25]},
    ...                   index=pd.Index(["F1", "F2"], name="firm_id"))
    >>> print(terminal_table(df))
    firm_id  name   score
    F1       山东A   0.5000
    F2       B      12.2500
    """
    frame = df.reset_index() if not isinstance(df.index, pd.RangeIndex) or df.index.name else df
    columns = []
    for col in frame.columns:
        numbers = _number_column(frame[col])
        cells = numbers if numbers is not None else [clip(_text(v), max_width) for v in frame[col]]
        head = clip(" ".join(str(col).split()), max_width)
        width = max([display_width(head), *map(display_width, cells)])
        columns.append((head, cells, width, numbers is not None))
    lines = ["  ".join(_pad(h, w, right) for h, _, w, right in columns).rstrip()]
    for i in range(len(frame)):
        lines.append("  ".join(_pad(cells[i], w, right) for _, cells, w, right in columns).rstrip())
    return "\n".join(lines)


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (values, index and headers) cannot run as a
    spreadsheet formula: those starting with ``= + - @``, a tab or a carriage return get a
    leading ``'``; numbers, and text that is a plain number, stay as they are.

    >>> csv_safe(pd.DataFrame({"name": ["=1+2", "-1.5", "@x", "ok"], "v": [-1.5, 2, 3, 4]}))
       name    v
    0  '=1+2 -1.5
    1  -1.5  2.0
    2   '@x  3.0
    3    ok  4.0
    """

    def safe(v):
        if isinstance(v, str) and v.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(v):
            return "'" + v
        return v

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            if isinstance(s.dtype, pd.CategoricalDtype):
                out[col] = s.cat.rename_categories(lambda c: safe(c))
            else:
                out[col] = s.map(safe)
    out.columns = [safe(c) for c in out.columns]
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_levels([lvl if pd.api.types.is_numeric_dtype(lvl.dtype) else lvl.map(safe)
                                          for lvl in out.index.levels])
    elif not pd.api.types.is_numeric_dtype(out.index.dtype):
        out.index = out.index.map(safe)
    return out


def named_ids(ids, names: pd.Series) -> str:
    """``"A; B"`` (firm ids) → ``"name of A (A); name of B (B)"``; an id without a name
    stays bare, an empty or missing value gives ``""``.

    >>> named_ids("F1; F9", pd.Series({"F1": "青岛嘉峰"}))
    '青岛嘉峰 (F1); F9'
    """
    if not isinstance(ids, str) or not ids:
        return ""
    parts = []
    for i in ids.split("; "):
        name = names.get(i)
        parts.append(f"{name} ({i})" if isinstance(name, str) and name else i)
    return "; ".join(parts)
