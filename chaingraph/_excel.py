"""Writing DataFrames to Excel so that every string stays text.

openpyxl (and so ``DataFrame.to_excel``) stores a string that starts with
``=`` as a formula: a firm called ``=HYPERLINK("http://…")`` would become a
live link, and the name would not read back. Here every string cell is
written with the text data type, characters Excel cannot hold are replaced by
U+FFFD, and numbers, booleans and dates keep their types.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_sheet(book, title: str, df: pd.DataFrame, *, header=str, index: bool = False) -> None:
    """Append ``df`` as a new sheet of a write-only openpyxl ``book``.

    ``header`` maps column names to the header row's labels; with ``index``
    the index comes first as columns.
    """
    from openpyxl.cell import WriteOnlyCell

    ws = book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", title)[:31])
    frame = df.reset_index() if index else df
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
