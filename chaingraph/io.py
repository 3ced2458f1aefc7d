"""Read and write chains: a folder of CSV or Parquet files, or one Excel workbook.

A chain on disk is up to five tables — ``firms``, ``links``, ``presence``,
``segments``, ``flows`` (only ``firms`` is required; a chain map has
``presence`` and no ``links``) — plus, when chaingraph wrote it, ``chain.json``
(region, home country, template name and column types, so that a round trip is
exact). CSV files may be UTF-8, UTF-8 with BOM, UTF-16 (with or without BOM) or
GB18030/GBK: the encoding is detected.

Nothing is padded, renamed or read as missing without a word: a short or long
CSV row, a header naming a column twice, a workbook formula without a saved
value are errors. Tables read from files are indexed by their line (CSV) or
row (Excel) numbers, which error messages name.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .core import ChainGraph
from ._text_files import MISSING_SPELLINGS, decode_bytes, decodes
from .errors import ChainDataError
from .schema import as_text

__all__ = ["read_chain", "write_chain", "read_table"]

TABLES = ("firms", "links", "presence", "segments", "flows")
_SUFFIXES = (".csv", ".parquet", ".tsv", ".txt")
META_FILE = "chain.json"


def read_table(path, *, encoding: str | None = None, dtypes: dict | None = None) -> pd.DataFrame:
    """One table from a CSV, TSV or Parquet file, every cell as written.

    CSV cells are read as text (so ids keep their leading zeros) and typed
    later by the schema; ``dtypes`` (from ``chain.json``) restores the types of
    other columns exactly. A CSV table is indexed by the file's line numbers
    (the header is line 1; blank lines are skipped, a quoted value over several
    lines counts from its first), so later error messages name those lines.

    Raises
    ------
    ChainDataError
        An unknown ``encoding``; a file that cannot be decoded, is empty or holds
        NUL characters; a header naming a column twice; a row with more or fewer
        fields than the header.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        df = pd.read_parquet(path)
        df.attrs.update(source=path.name, first_row=1)  # Parquet has no header line
        return df
    raw = path.read_bytes()
    if encoding is None:
        text, _ = decode_bytes(raw, path.name)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ChainDataError(
                f"unknown encoding {encoding!r} (give a Python codec name such as 'utf-8', "
                "'gb18030' or 'utf-16')", source=path.name,
            ) from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ChainDataError(f"cannot decode as {encoding}: {exc.reason}", source=path.name) from None
    if not text.strip():
        raise ChainDataError("the file is empty", source=path.name)
    if "\x00" in text:
        raise ChainDataError(
            "NUL characters in the text (a binary file, or UTF-16/UTF-32 that could not be "
            "recognised? save it as UTF-8 CSV)",
            source=path.name, rows=[text[: text.index("\x00")].count("\n") + 1],
        )
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    sep = max([",", "\t", ";"], key=first_line.count)
    lines = _record_lines(text, sep, path.name)
    try:
        df = pd.read_csv(
            _io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
            # a file chaingraph wrote (with its chain.json) marks missing cells as empty only,
            # so a firm called "NA" stays "NA"; other files use the usual spellings of missing
            na_values=[""] if dtypes else MISSING_SPELLINGS, skipinitialspace=False,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ChainDataError(f"not a readable CSV file: {exc}", source=path.name) from None
    if len(df) != len(lines):  # pandas and the csv module split the records differently
        raise ChainDataError(
            "cannot tell the file's rows apart (a double quote that does not close?)",
            source=path.name,
        )
    df.index = pd.Index(lines)
    if dtypes:
        df = _restore_dtypes(df, dtypes)
    df.attrs.update(source=path.name, first_row=None)
    return df


def _record_lines(text: str, sep: str, source: str):
    """The line on which each data record starts, after checking the header and the field counts.

    pandas pads a short row with empty cells, renames a repeated header ``name`` to
    ``name.1``, and takes the first column of a long first row as the index, all
    without a word; here each is an error naming the line. Like pandas, a line that
    is blank and holds no separator is skipped.
    """
    if '"' in text:
        return _quoted_record_lines(text, sep, source)
    # no quotes: one record per line, and its fields are its separators plus one
    parts = text.split("\n")
    counts = np.fromiter((p.count(sep) for p in parts), dtype=np.int64, count=len(parts))
    head = next(i for i, p in enumerate(parts) if counts[i] or p.strip())
    _check_header(parts[head].rstrip("\r").split(sep), head + 1, source)
    record = np.zeros(len(parts), dtype=bool)
    record[head + 1:] = True
    for i in np.flatnonzero(counts == 0):
        record[i] &= bool(parts[i].strip())  # a blank line, skipped
    bad = np.flatnonzero(record & (counts != counts[head]))
    if bad.size:
        _field_count_error(int(counts[bad[0]]) + 1, int(counts[head]) + 1, int(bad[0]) + 1, source)
    return np.flatnonzero(record) + 1


def _quoted_record_lines(text: str, sep: str, source: str) -> list[int]:
    """:func:`_record_lines` where quoted values may hold separators and line breaks."""
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep)
    header, lines, start = None, [], 1
    for fields in reader:
        if len(fields) > 1 or (fields and fields[0].strip()):
            if header is None:
                header = fields
                _check_header(header, start, source)
            elif len(fields) != len(header):
                _field_count_error(len(fields), len(header), start, source)
            else:
                lines.append(start)
        start = reader.line_num + 1
    return lines


def _check_header(names: list[str], line: int, source: str) -> None:
    names = [n for n in names if n != ""]  # pandas names empty headers 'Unnamed: i', each its own
    repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if repeated is not None:
        raise ChainDataError("the header names this column more than once", source=source,
                             column=repeated, rows=[line])


def _field_count_error(n: int, expected: int, line: int, source: str):
    kind = ("a short row; write every cell, empty ones too" if n < expected
            else "a long row (a separator inside a value? put such values in double quotes)")
    raise ChainDataError(f"{n} fields where the header has {expected}: {kind}",
                         source=source, rows=[line])


def _restore_dtypes(df: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    """Give columns read as text the types ``chain.json`` recorded for them.

    A cell that does not convert leaves its column as text, for the schema to
    report with its row (canonical columns) or to keep as it is (others).
    """
    out = {}
    for col, dtype in dtypes.items():
        if col not in df.columns or dtype in ("object", "str", "string"):
            continue
        text = df[col]
        try:
            if dtype in ("bool", "boolean"):
                flags = text.map({"True": True, "False": False})
                if (flags.isna() & text.notna()).any():
                    continue
                out[col] = flags.astype("boolean" if dtype == "boolean" or flags.isna().any() else bool)
            elif dtype.startswith("datetime64"):
                out[col] = pd.to_datetime(text).astype(dtype)
            elif dtype in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
                           "Float32", "Float64"):
                out[col] = pd.to_numeric(text).astype(dtype)
            else:
                out[col] = text.astype(dtype)
        except (TypeError, ValueError):
            continue
    return df.assign(**out) if out else df


def _find(folder: Path, table: str) -> Path | None:
    for suffix in _SUFFIXES:
        for candidate in (folder / f"{table}{suffix}", folder / f"{table.upper()}{suffix}"):
            if candidate.exists():
                return candidate
    return None


def read_chain(
    path, *, region: str | None = None, home: str | None = None, unknown_firms: str = "error",
    encoding: str | None = None, year: int | None = None,
) -> ChainGraph:
    """Read a chain from a folder of tables or from one ``.xlsx`` workbook.

    Parameters
    ----------
    path : str or Path
        A folder holding ``firms`` and optionally ``links``, ``presence``,
        ``segments`` and ``flows`` as ``.csv``/``.tsv`` or ``.parquet`` files;
        or an ``.xlsx`` workbook with sheets of those names. Without
        ``links`` the chain is a chain map (see
        :meth:`ChainGraph.from_frames` for ``presence``).
    region : str, optional
        The focus region (a country, province or city); overrides the one
        recorded in ``chain.json``.
    home : str, optional
        The home country (code or name); overrides the one recorded in
        ``chain.json`` (default ``CN``).
    unknown_firms : {"error", "add"}
        See :meth:`ChainGraph.from_frames`.
    encoding : str, optional
        Force a CSV encoding instead of detecting it.
    year : int, optional
        For data of several years (tables with a ``year`` column): the year
        to read; by default the latest when the firms (or presence) table has
        years. See :meth:`ChainGraph.from_frames`; :meth:`ChainGraph.in_year`
        gives the other years.

    Raises
    ------
    ChainDataError
        Any problem with the files or the data, naming the file (``book.xlsx[sheet]``
        for a workbook), the column and the rows: see :func:`read_table` and
        :meth:`ChainGraph.from_frames`; also a malformed ``chain.json`` and a
        template named there that is not built in while the folder has no segments.

    Examples
    --------
    >>> import chaingraph as cg, tempfile, os
    >>> chain = cg.load_dataset("shandong-cnc")
    >>> folder = os.path.join(tempfile.mkdtemp(), "cnc")
    >>> cg.write_chain(chain, folder)
    >>> cg.read_chain(folder).firms.equals(chain.firms)
    True
    """
    path = Path(path)
    if not path.exists():
        raise ChainDataError("no such file or folder", source=str(path))
    if path.is_file():
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            tables, meta = _read_workbook(path)
        else:
            raise ChainDataError(
                "give a folder with firms (and links or presence) files, or an .xlsx workbook",
                source=str(path),
            )
    else:
        meta = _read_meta_file(path / META_FILE)
        tables = {}
        for table in TABLES:
            found = _find(path, table)
            if found is not None:
                tables[table] = read_table(
                    found, encoding=encoding, dtypes=(meta.get("dtypes") or {}).get(table)
                )
    if "firms" not in tables:
        raise ChainDataError(
            "no firms table found (expected firms.csv, firms.parquet or a 'firms' sheet)",
            source=str(path),
        )
    segments = _template_from(tables, meta, META_FILE if path.is_dir() else f"{path.name}[chain]")
    return ChainGraph.from_frames(
        tables["firms"], tables.get("links"), segments,
        presence=tables.get("presence"),
        region=region if region is not None else meta.get("region"),
        home=home if home is not None else meta.get("home"),
        unknown_firms=unknown_firms, year=year,
    )


def _read_meta_file(meta_path: Path) -> dict:
    """``chain.json``, checked: an object whose known keys have the types chaingraph writes."""
    if not meta_path.exists():
        return {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ChainDataError("not UTF-8 text", source=meta_path.name) from None
    except json.JSONDecodeError as exc:
        raise ChainDataError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", source=meta_path.name
        ) from None
    return _checked_meta(meta, meta_path.name)


def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a text", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "a value")


def _checked_meta(meta, source: str) -> dict:
    """``meta`` when it is a dict whose region, template and dtypes have the expected types."""
    if not isinstance(meta, dict):
        raise ChainDataError(
            f"expected a JSON object with region, template and dtypes, found {_json_kind(meta)}",
            source=source,
        )
    region = meta.get("region")
    if region is not None and not isinstance(region, str):
        raise ChainDataError(f"'region' must be a text or null, found {region!r}", source=source)
    template = meta.get("template")
    if template is not None and not (
        isinstance(template, dict) and isinstance(template.get("name"), str)
        and all(isinstance(template.get(k), (str, type(None))) for k in ("title", "title_en"))
    ):
        raise ChainDataError(
            f"'template' must be an object with a name, found {template!r}", source=source
        )
    dtypes = meta.get("dtypes")
    if dtypes is not None and not (
        isinstance(dtypes, dict) and all(
            isinstance(cols, dict) and all(isinstance(t, str) for t in cols.values())
            for cols in dtypes.values()
        )
    ):
        raise ChainDataError("'dtypes' must map tables to {column: type} objects", source=source)
    return meta


def _template_from(tables: dict, meta: dict, meta_source: str):
    """The chain's template: from its segments (and flows) table, else a built-in one named
    in the metadata. A name there is never opened as a file."""
    from .templates import ChainTemplate, _builtin_names, get_template

    tinfo = meta.get("template") or {}
    if "segments" in tables:
        return ChainTemplate.from_frames(
            tables["segments"], tables.get("flows"),
            name=tinfo.get("name", "custom"),
            title=tinfo.get("title"), title_en=tinfo.get("title_en"),
        )
    name = tinfo.get("name")
    if not name:
        return None
    builtin = _builtin_names()
    if name not in builtin:
        raise ChainDataError(
            f"template {name!r} is not a built-in template ({', '.join(builtin)}), and the "
            "folder has no segments table; add segments.csv (and flows.csv) or name a "
            "built-in template",
            source=meta_source,
        )
    return get_template(name)


def _read_workbook(path: Path):
    _check_workbook_file(path)
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ChainDataError(f"not a readable Excel workbook: {exc}", source=path.name) from None
    try:
        sheets = {str(name).strip().lower(): name for name in book.sheetnames}
        tables = {table: _sheet_frame(book[sheets[table]], f"{path.name}[{table}]")
                  for table in TABLES if table in sheets}
        kv = _sheet_frame(book[sheets["chain"]], f"{path.name}[chain]") if "chain" in sheets else None
    finally:
        book.close()
    if tables and _has_formulas(path):
        _check_formula_values(path, {t: sheets[t] for t in tables}, tables)
    meta = {}
    if kv is not None and {"key", "value"} <= set(kv.columns):
        meta = _checked_meta(_workbook_meta(kv), f"{path.name}[chain]")
    for table, df in tables.items():
        attrs = df.attrs
        if meta.get("dtypes") is not None:  # written by chaingraph: empty cells are the only missing ones
            df = _restore_dtypes(df, meta["dtypes"].get(table, {}))
        else:  # someone's workbook: the usual spellings of missing count too
            df = df.mask(df.isin(MISSING_SPELLINGS))
        df.attrs.update(attrs)
        tables[table] = df
    return tables, meta


def _check_workbook_file(path: Path) -> None:
    """A clear error for a file that is not an ``.xlsx`` workbook at all."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ChainDataError("the file is empty (0 bytes)", source=path.name)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ChainDataError("an Excel 97–2003 (.xls) workbook; save it as .xlsx", source=path.name)
    if not head.startswith(b"PK"):
        with open(path, "rb") as fh:
            sample = fh.read(4096)
        kind = ("is text: a CSV file named .xlsx?" if decodes(sample, "utf-8")
                or decodes(sample, "gb18030") else "is not")
        raise ChainDataError(
            f"not an Excel workbook (an .xlsx file is a zip archive; this one {kind})",
            source=path.name,
        )
    if not zipfile.is_zipfile(path):
        raise ChainDataError("not an Excel workbook: a damaged or incomplete zip archive",
                             source=path.name)


def _excel_text(value):
    """A cell's value as the text a CSV file would hold (``None`` for an empty cell).

    Whole numbers lose the ``.0`` Excel stores them with, so ids typed as numbers
    read as they show; error values (``#N/A``, ``#DIV/0!``) stay as written.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_frame(ws, source: str, header_row: int = 1) -> pd.DataFrame:
    """A sheet as text cells under the headers of its row ``header_row`` (the first by
    default; rows above it are not read), indexed by sheet row numbers.

    Rows with no value at all are skipped; a column with no header is named
    ``Unnamed: i`` (as pandas names it) unless it is empty throughout.
    """
    rows = ws.iter_rows(min_row=header_row, min_col=1, values_only=True)
    header = [_excel_text(v) for v in next(rows, ())]
    records, numbers = [], []
    for number, values in enumerate(rows, start=header_row + 1):
        cells = [_excel_text(v) for v in values]
        if any(c is not None for c in cells):
            records.append(cells)
            numbers.append(number)
    width = max([_width(header)] + [_width(r) for r in records])
    header = (header + [None] * width)[:width]
    names = [h if h is not None else f"Unnamed: {i}" for i, h in enumerate(header)]
    repeated = next((h for i, h in enumerate(names) if h in names[:i]), None)
    if repeated is not None:
        raise ChainDataError("the header names this column more than once", source=source,
                             column=repeated, rows=[header_row])
    records = [(r + [None] * width)[:width] for r in records]
    df = pd.DataFrame(records, columns=names, index=pd.Index(numbers, dtype="int64"), dtype=object)
    df = df.assign(**{c: as_text(df[c]) for c in df.columns}) if len(df.columns) else df
    df.attrs.update(source=source, first_row=None)
    return df


def _width(cells: list) -> int:
    """Cells up to the last one with a value."""
    return max((i + 1 for i, c in enumerate(cells) if c is not None), default=0)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (a cheap scan of its XML)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                if _FORMULA.search(z.read(name)):
                    return True
    return False


def _check_formula_values(path: Path, sheet_names: dict, tables: dict) -> None:
    """A formula cell whose value Excel never saved reads as empty: an error instead.

    Excel stores each formula's last computed value beside it, and that value is
    what is read; a workbook written by a program that does not compute formulas
    (openpyxl, some exports) has none.
    """
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        for table, sheet in sheet_names.items():
            df = tables[table]
            for cells in book[sheet].iter_rows(min_row=2):
                for cell in cells:
                    if getattr(cell, "data_type", None) != "f":
                        continue
                    col = cell.column - 1
                    if col >= df.shape[1] or cell.row not in df.index \
                            or pd.isna(df.iat[df.index.get_loc(cell.row), col]):
                        raise ChainDataError(
                            f"cell {cell.coordinate} holds a formula ({cell.value}) with no saved "
                            "value; open and save the workbook in Excel, or replace the formula "
                            "by its value",
                            source=df.attrs["source"],
                            column=str(df.columns[col]) if col < df.shape[1] else None,
                            rows=[cell.row],
                        )
    finally:
        book.close()


def _workbook_meta(kv: pd.DataFrame) -> dict:
    """The ``chain`` sheet's key/value rows: each value is JSON."""
    meta = {}
    for row, key, value in zip(kv.index, kv["key"], kv["value"]):
        try:
            meta[key] = json.loads(value) if isinstance(value, str) else None
        except json.JSONDecodeError as exc:
            raise ChainDataError(f"not valid JSON ({exc.msg})", source=kv.attrs["source"],
                                 column="value", rows=[row]) from None
    return meta


def _frames_of(chain: ChainGraph) -> dict[str, pd.DataFrame]:
    frames = {"firms": chain.firms.reset_index()}
    if chain.has_links:
        frames["links"] = chain.links
    if chain.has_presence:
        frames["presence"] = chain.presence
    if chain.template is not None:
        # level is computed from the flows, not part of the input
        frames["segments"] = chain.template.segments.drop(columns="level").reset_index()
        frames["flows"] = chain.template.flows
    return frames


def _meta_of(chain: ChainGraph, frames) -> dict:
    meta = {
        "format": "chaingraph",
        "version": 1,
        "region": chain.region,
        "home": chain.home,
        "dtypes": {t: {c: str(df[c].dtype) for c in df.columns} for t, df in frames.items()},
    }
    if chain.template is not None:
        t = chain.template
        meta["template"] = {"name": t.name, "title": t.title, "title_en": t.title_en}
    return meta


def write_chain(chain: ChainGraph, path, *, format: str | None = None) -> None:
    """Write a chain so that :func:`read_chain` gives it back exactly.

    Parameters
    ----------
    chain : ChainGraph
        Its firms, links (when it has them), presence (when given), template
        and, in ``chain.json`` (a ``chain`` sheet in a workbook), its region
        and home country.
    path : str or Path
        A folder (created if needed), or a file ending in ``.xlsx``. CSV and
        Parquet give every value back exactly; Excel keeps numbers to 15
        significant digits, its own precision. In a workbook every string is
        stored as text, so a name starting with ``=`` never becomes a formula.
    format : {"csv", "parquet"}, optional
        Table format in a folder; ``csv`` (UTF-8) by default.
    """
    path = Path(path)
    frames = _frames_of(chain)
    meta = _meta_of(chain, frames)
    if path.suffix.lower() == ".xlsx":
        from ._excel import save_workbook

        save_workbook(path, {**frames, "chain": pd.DataFrame(
            {"key": list(meta), "value": [json.dumps(v, ensure_ascii=False) for v in meta.values()]}
        )})
        return
    fmt = format or "csv"
    if fmt not in ("csv", "parquet"):
        raise ValueError("format must be 'csv' or 'parquet'")
    path.mkdir(parents=True, exist_ok=True)
    for table, df in frames.items():
        if fmt == "csv":
            df.to_csv(path / f"{table}.csv", index=False, encoding="utf-8")
        else:
            df.to_parquet(path / f"{table}.parquet", index=False)
    (path / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
