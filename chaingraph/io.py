"""Read and write chains: a folder of CSV or Parquet files, or one Excel workbook.

A chain on disk is up to five tables — ``firms``, ``links``, ``presence``,
``segments``, ``flows`` (only ``firms`` is required; a chain map has
``presence`` and no ``links``) — plus, when chaingraph wrote it, ``chain.json``
(region, home country, template name and column types, so that a round trip is
exact). CSV files may be UTF-8,
UTF-8 with BOM, UTF-16 with BOM or GB18030/GBK: the encoding is detected.
"""

from __future__ import annotations

import csv
import io as _io
import json
import re
from pathlib import Path

import pandas as pd

from .core import ChainGraph
from .errors import ChainDataError

__all__ = ["read_chain", "write_chain", "read_table"]

TABLES = ("firms", "links", "presence", "segments", "flows")
_SUFFIXES = (".csv", ".parquet", ".tsv", ".txt")
_NA_VALUES = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]
META_FILE = "chain.json"


def decode_bytes(raw: bytes, source: str) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line = raw[: utf8_error.start].count(b"\n") + 1
    if _mostly_utf8(raw):
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
    raise ChainDataError(
        f"cannot read the file as UTF-8 or GB18030/GBK (byte 0x{raw[utf8_error.start]:02x} "
        f"on line {line}); save it as UTF-8 CSV",
        source=source,
    )


def _mostly_utf8(raw: bytes) -> bool:
    """Whether at least 95% of the non-ASCII characters decode as UTF-8."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(re.findall(r"[^\x00-\x7f\ufffd]", text))
    return good >= 19 * bad


def read_table(path, *, encoding: str | None = None, dtypes: dict | None = None) -> pd.DataFrame:
    """One table from a CSV, TSV or Parquet file, every cell as written.

    CSV cells are read as text (so ids keep their leading zeros) and typed
    later by the schema; ``dtypes`` (from ``chain.json``) restores the types of
    other columns exactly. Row numbers in later error messages are the
    file's line numbers.
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
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ChainDataError(f"cannot decode as {encoding}: {exc.reason}", source=path.name) from None
    if not text.strip():
        raise ChainDataError("the file is empty", source=path.name)
    first_line = text.split("\n", 1)[0]
    sep = max([",", "\t", ";"], key=first_line.count)
    try:
        df = pd.read_csv(
            _io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
            # a file chaingraph wrote (with its chain.json) marks missing cells as empty only,
            # so a firm called "NA" stays "NA"; other files use the usual spellings of missing
            na_values=[""] if dtypes else _NA_VALUES, skipinitialspace=False,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ChainDataError(f"not a readable CSV file: {exc}", source=path.name) from None
    if dtypes:
        df = _restore_dtypes(df, dtypes)
    df.attrs.update(source=path.name, first_row=2)
    return df


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
    encoding: str | None = None,
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
        meta_path = path / META_FILE
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        tables = {}
        for table in TABLES:
            found = _find(path, table)
            if found is not None:
                tables[table] = read_table(
                    found, encoding=encoding, dtypes=meta.get("dtypes", {}).get(table)
                )
    if "firms" not in tables:
        raise ChainDataError(
            "no firms table found (expected firms.csv, firms.parquet or a 'firms' sheet)",
            source=str(path),
        )
    segments = _template_from(tables, meta)
    return ChainGraph.from_frames(
        tables["firms"], tables.get("links"), segments,
        presence=tables.get("presence"),
        region=region if region is not None else meta.get("region"),
        home=home if home is not None else meta.get("home"),
        unknown_firms=unknown_firms,
    )


def _template_from(tables: dict, meta: dict):
    from .templates import ChainTemplate, get_template

    tinfo = meta.get("template") or {}
    if "segments" in tables:
        return ChainTemplate.from_frames(
            tables["segments"], tables.get("flows"),
            name=tinfo.get("name", "custom"),
            title=tinfo.get("title"), title_en=tinfo.get("title_en"),
        )
    if tinfo.get("name"):
        return get_template(tinfo["name"])
    return None


def _read_workbook(path: Path):
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False,
                             na_values=[""])
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ChainDataError(f"not a readable Excel workbook: {exc}", source=path.name) from None
    by_name = {str(k).strip().lower(): v for k, v in book.items()}
    tables = {}
    for table in TABLES:
        if table in by_name:
            df = by_name[table]
            df.attrs.update(source=f"{path.name}[{table}]", first_row=2)
            tables[table] = df
    meta = {}
    if "chain" in by_name:
        kv = by_name["chain"]
        if {"key", "value"} <= set(kv.columns):
            meta = {k: json.loads(v) for k, v in zip(kv["key"], kv["value"])}
    for table, df in tables.items():
        attrs = df.attrs
        if "dtypes" in meta:  # written by chaingraph: empty cells are the only missing ones
            df = _restore_dtypes(df, meta["dtypes"].get(table, {}))
        else:  # someone's workbook: the usual spellings of missing count too
            df = df.mask(df.isin(_NA_VALUES))
        df.attrs.update(attrs)
        tables[table] = df
    return tables, meta


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
        from openpyxl import Workbook

        from ._excel import write_sheet

        book = Workbook(write_only=True)
        for table, df in frames.items():
            write_sheet(book, table, df)
        write_sheet(book, "chain", pd.DataFrame(
            {"key": list(meta), "value": [json.dumps(v, ensure_ascii=False) for v in meta.values()]}
        ))
        book.save(path)
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
