"""Writing DataFrames to Excel so that every string stays text and no cell is cut.

openpyxl (and so ``DataFrame.to_excel``) stores a string that starts with
``=`` as a formula: a firm called ``=HYPERLINK("http://…")`` would become a
live link, and the name would not read back. Here every string cell is
written with the text data type, characters Excel cannot hold (C0 control
characters other than tab, newline and carriage return) are replaced by
U+FFFD with a warning naming the cells, and numbers, booleans and dates keep
their types.

An Excel cell holds at most 32,767 characters (Excel's own limit: longer text
is cut when Excel opens the file). A longer string is an error naming the
cell, never a silent cut.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ChainDataError
from .schema import ChainDataWarning

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: The most characters an Excel cell holds.
MAX_CELL_CHARS = 32_767


def save_workbook(path, sheets: dict, *, header=str) -> None:
    """Write ``{title: DataFrame}`` as the sheets of one ``.xlsx`` workbook at ``path``.

    Every cell is checked against Excel's limits before anything is written:
    an error (a cell too long, a missing folder) leaves no file and no
    half-built workbook behind; control characters are replaced, with a
    :class:`ChainDataWarning` naming the cells.

    Raises
    ------
    ChainDataError
        A string longer than Excel's 32,767 characters, naming ``file[sheet]``,
        the column, the cell and the row.
    FileNotFoundError
        The folder of ``path`` does not exist.
    """
    from openpyxl import Workbook

    path = Path(path)
    for title, df in sheets.items():
        check_cells(df, f"{path.name}[{sheet_title(title)}]", header=header)
    book = Workbook(write_only=True)
    for title, df in sheets.items():
        _append_sheet(book, title, df, header)
    save_book(book, path)


def save_book(book, path) -> None:
    """``book.save(path)`` for a write-only workbook; if it fails (a missing folder), the
    sheets' temporary files are closed first, or openpyxl prints "Exception ignored … closed
    file" when Python exits, after the error has been reported."""
    try:
        book.save(path)
    except BaseException:
        _discard(book)
        raise


def _discard(book) -> None:
    for ws in book.worksheets:
        ws.close()


def sheet_title(title: str) -> str:
    """``title`` as Excel allows a sheet name: no ``[]:*?/\\``, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", title)[:31]


def check_cells(df: pd.DataFrame, source: str, *, header=str, index: bool = False) -> None:
    """Raise a :class:`ChainDataError` for a string longer than an Excel cell holds; warn
    (:class:`ChainDataWarning`) which cells hold control characters, written as U+FFFD."""
    from openpyxl.utils import get_column_letter

    frame = df.reset_index() if index else df
    for pos, col in enumerate(frame.columns):
        label = str(header(col))
        lengths = [len(label)]
        rows = [1]
        controls = [1] if _ILLEGAL.search(label) else []
        values = frame.iloc[:, pos]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            try:
                text = values.str
                n = text.len().fillna(0).to_numpy(dtype=np.int64)
                has_control = text.contains(_ILLEGAL).fillna(False).to_numpy(dtype=bool)
            except AttributeError:  # an object column holding no strings
                n = np.zeros(len(values), dtype=np.int64)
                has_control = np.zeros(len(values), dtype=bool)
            over = np.flatnonzero(n > MAX_CELL_CHARS)
            lengths += n[over].tolist()
            rows += (over + 2).tolist()
            controls += (np.flatnonzero(has_control) + 2).tolist()
        if controls:
            letter = get_column_letter(pos + 1)
            cells = ", ".join(f"{letter}{r}" for r in controls[:5]) + (", …" if len(controls) > 5 else "")
            warnings.warn(
                f"{source}: column {label!r}: {len(controls)} cells ({cells}) hold control characters "
                "an Excel cell cannot store; they are written as U+FFFD (write CSV or Parquet to keep them)",
                ChainDataWarning,
                stacklevel=3,
            )
        for length, row in zip(lengths, rows):
            if length > MAX_CELL_CHARS:
                raise ChainDataError(
                    f"cell {get_column_letter(pos + 1)}{row} has {length:,} characters; an Excel "
                    f"cell holds at most {MAX_CELL_CHARS:,} (Excel's own limit), so it cannot be "
                    "written whole: write CSV or Parquet instead",
                    source=source, column=label, rows=[row],
                )


def write_sheet(book, title: str, df: pd.DataFrame, *, header=str, index: bool = False) -> None:
    """Append ``df`` as a new sheet of a write-only openpyxl ``book``.

    ``header`` maps column names to the header row's labels; with ``index``
    the index comes first as columns. A string too long for an Excel cell
    raises :class:`ChainDataError` before the sheet is added.
    """
    frame = df.reset_index() if index else df
    try:
        check_cells(frame, f"sheet {sheet_title(title)!r}", header=header)
    except ChainDataError:
        _discard(book)  # the book cannot be saved whole: close its other sheets
        raise
    _append_sheet(book, title, frame, header)


def _append_sheet(book, title: str, frame: pd.DataFrame, header) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = book.create_sheet(title=sheet_title(title))
    ws.append([_text(ws, header(c), WriteOnlyCell) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_cell(ws, v, WriteOnlyCell) for v in row])


def _text(ws, value, cell_cls):
    cell = cell_cls(ws, value=_ILLEGAL.sub("\ufffd", str(value)))
    cell.data_type = "s"
    return cell


def _cell(ws, v, cell_cls):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return None
        return float(v) if np.isfinite(v) else _text(ws, repr(float(v)), cell_cls)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v
    return _text(ws, v, cell_cls)
