"""Links from invoice-level transactions (交易流水 → 供应关系), read out of core with DuckDB.

At province or national scale the data is not a links table but 10^7–10^9
transaction records spread over many CSV or Parquet files.
:func:`ingest_transactions` sums them into one row per supplier→customer pair
(and year) with DuckDB, an embedded analytical engine that streams the files
in parallel and spills to disk beyond ``memory_limit``, so the transactions
never have to fit in memory; only the links do.

Design choices, so that nothing changes without a word:

- **Exact sums.** Every amount is read as ``DECIMAL(38, 6)`` — six decimal
  places, one fen (分) when amounts are in 万元 — and summed as a decimal,
  which is exact and independent of the order the rows arrive in (float sums
  are neither). Text amounts are parsed from their decimal digits, never
  through a float. An amount with more than six decimal places is rounded to
  six on the way in, and a warning says how many were. Each sum is converted
  to float64 once, at the end, to the nearest float64.
- **Bad rows are never dropped silently.** A row is rejected for the first
  of :data:`REJECT_CAUSES` that applies; the counts by cause are in a
  :class:`~chaingraph.schema.ChainDataWarning` and in ``links.attrs``, and
  ``rejects=PATH`` writes the rows themselves out.
- **Files as chaingraph reads them elsewhere.** CSV text as UTF-8, UTF-8
  with BOM, UTF-16 with BOM or GB18030/GBK, decided as
  :func:`chaingraph._text_files.decode_bytes` does (but reading the file in chunks);
  files not in UTF-8 are transcoded to a temporary UTF-8 copy, chunk by chunk.
  Ids stay text (leading zeros kept). Chinese headers (供应商ID, 客户ID, 金额, …)
  are recognised through the alias table of :mod:`chaingraph.schema`.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import tempfile
import threading
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ._text_files import MISSING_SPELLINGS, mostly_utf8
from .errors import ChainDataError
from .schema import COLUMN_ALIASES, ChainDataWarning

__all__ = ["ingest_transactions", "REJECT_CAUSES", "AMOUNT_SCALE"]

#: Why a transaction is not summed, in the order the checks are made: a row with
#: several problems is counted once, under the first that applies.
REJECT_CAUSES = (
    "missing_supplier",     # supplier id empty or missing
    "missing_customer",     # customer id empty or missing
    "missing_amount",       # amount empty or missing
    "non_numeric_amount",   # amount is not a number (text, NaN, infinity)
    "negative_amount",      # amount below zero
    "missing_date",         # date empty or missing (only when ``date`` is given)
    "unparseable_date",     # date not in a format below (only when ``date`` is given)
    "self_transaction",     # supplier and customer are the same firm
)

#: Decimal places amounts are read and summed with (0.000001 万元 = 1 fen).
AMOUNT_SCALE = 6

_DECIMAL = f"DECIMAL(38, {AMOUNT_SCALE})"
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")
# stripped around ids: what str.strip() strips (ASCII spaces, tabs, no-break and ideographic spaces …)
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
# Dates that are not ISO (2024-03-05, 2024/03/05 and 2024-03-05 12:00 are read as dates directly).
_DATE_FORMATS = ("%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y.%m.%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
_CHUNK = 1 << 24  # bytes read at a time when checking or transcoding a CSV file
_EXTRA = "pip install 'chaingraph[scale]'"


def ingest_transactions(
    source,
    *,
    supplier: str = "supplier_id",
    customer: str = "customer_id",
    amount: str | None = "amount",
    date: str | None = None,
    by_year: bool = False,
    memory_limit: str | int | None = None,
    rejects=None,
    progress: bool = False,
) -> pd.DataFrame:
    """Links (供应关系) from invoice-level transactions (交易流水), summed out of core.

    Every valid transaction *t* from supplier *s* to customer *c* (on date
    *d*) adds to one link:

    .. math::

        \\text{amount}_{sc} = \\sum_{t:\\, s \\to c} a_t, \\qquad
        \\text{n\\_transactions}_{sc} = |\\{t : s \\to c\\}|

    with first_date / last_date the earliest and latest *d*, and with
    ``by_year`` one link per (*s*, *c*, year of *d*). The sums are exact:
    amounts are read as decimals with :data:`AMOUNT_SCALE` = 6 places and
    summed as decimals (see the module notes), so 10^6 transactions of 0.1
    give exactly 100000.0 in any order.

    The files are read with DuckDB (install ``chaingraph[scale]``), in
    parallel and out of core: memory stays within ``memory_limit`` plus the
    links returned.

    Parameters
    ----------
    source : str, Path or list of them
        CSV (``.csv``, ``.tsv``, ``.txt``, optionally ``.gz``) or Parquet
        (``.parquet``) files, folders (every such file directly inside) or
        glob patterns (``"invoices/*.parquet"``, ``"data/**/*.csv"``). Files
        may differ in their columns and headers; each must have the columns
        named below.
    supplier, customer : str
        Columns of the selling and the buying firm's id. A file's Chinese
        header that the links table accepts (供应商ID, 客户ID, …) also matches.
        Ids are text, stripped of surrounding spaces; empty ones and the usual
        spellings of missing (``NA``, ``N/A``, ``null``, ``None``, ``#N/A`` …)
        are missing, as are such amounts and dates.
    amount : str or None
        Column of the transaction amount (金额 also matches). ``None``: no
        amounts, only counts (and no ``amount`` column out).
    date : str, optional
        Column of the transaction date: a date or timestamp column, or text
        such as ``2024-03-05``, ``2024/3/5``, ``20240305``, ``2024年3月5日``
        (the time of day is ignored). Ambiguous forms such as ``05/03/2024``
        are rejected, never guessed.
    by_year : bool
        One link per supplier, customer and calendar year of ``date``.
    memory_limit : str or int, optional
        DuckDB's memory limit (``"2GB"``, or bytes); beyond it the grouping
        spills to a temporary folder (in ``TMPDIR``), removed afterwards.
        Default: DuckDB's (80 % of the machine's memory). The links returned
        are held by pandas, outside this limit.
    rejects : str or Path, optional
        Write the rejected rows here (``.parquet``, else CSV in UTF-8): every
        original column as text, plus ``reject_reason``, ``source_file`` and
        ``source_row`` (the line in a CSV file, whose header is line 1; the
        row, from 1, in a Parquet file).
    progress : bool
        Show a progress bar (tqdm) while DuckDB works, after one second.

    Returns
    -------
    pandas.DataFrame
        One row per link, sorted by supplier_id, customer_id (and year):

        - ``supplier_id``, ``customer_id`` (str): as in the files, stripped
          of surrounding spaces;
        - ``year`` (int64): calendar year of the transactions (``by_year`` only);
        - ``amount`` (float64): sum of the amounts, exact before the one
          conversion to float (unless ``amount=None``);
        - ``n_transactions`` (int64): transactions summed;
        - ``first_date``, ``last_date`` (datetime64): earliest and latest
          transaction date (only with ``date``).

        ``links.attrs`` holds ``transactions`` (rows read), ``rejected``
        (``{cause: rows}`` for each cause that occurred) and
        ``amounts_rounded`` (amounts with more than six decimal places). The
        table can be passed as it is to :meth:`ChainGraph.from_frames
        <chaingraph.ChainGraph.from_frames>`.

    Raises
    ------
    ChainDataError
        A file that does not exist or cannot be read, a pattern that matches
        no file, a column missing from a file (naming the file and column).
    ImportError
        DuckDB is not installed.

    Warns
    -----
    ChainDataWarning
        When rows are rejected (counts by cause) or amounts rounded.

    References
    ----------
    DuckDB, CSV and Parquet import and memory management, https://duckdb.org/docs/

    Examples
    --------
    The links of a shipped chain, written as two Parquet files of
    "transactions", come back summed by pair:

    >>> import os, tempfile, chaingraph as cg
    >>> folder = tempfile.mkdtemp()
    >>> links = cg.load_dataset("shandong-cnc").links
    >>> half = len(links) // 2
    >>> links.iloc[:half].to_parquet(os.path.join(folder, "part1.parquet"))
    >>> links.iloc[half:].to_parquet(os.path.join(folder, "part2.parquet"))
    >>> summed = cg.ingest_transactions(os.path.join(folder, "*.parquet"))
    >>> summed.columns.tolist()
    ['supplier_id', 'customer_id', 'amount', 'n_transactions']
    >>> bool(summed["n_transactions"].sum() == len(links))
    True

    A CSV file with Chinese headers, dates and one bad row:

    >>> path = os.path.join(folder, "invoices.csv")
    >>> with open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("供应商ID,客户ID,金额,开票日期\\n"
    ...                 "A,B,0.1,2024-01-05\\nA,B,0.2,2024/3/1\\nB,C,-5,2024-02-01\\n")
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = cg.ingest_transactions(path, date="开票日期")
    >>> out[["supplier_id", "customer_id", "amount", "n_transactions"]]
      supplier_id customer_id  amount  n_transactions
    0           A           B     0.3               2
    >>> out.attrs["rejected"]
    {'negative_amount': 1}
    """
    duckdb = _import_duckdb()
    if by_year and date is None:
        raise ValueError("by_year=True needs date=COLUMN: the year is that of the transaction date")
    roles = {"supplier": supplier, "customer": customer, "amount": amount, "date": date}
    roles = {role: col for role, col in roles.items() if col is not None}
    files = [_inspect(p) for p in _resolve(source)]
    with tempfile.TemporaryDirectory(prefix="chaingraph-ingest-") as tmp:
        files = [f.readable_in(Path(tmp), i) for i, f in enumerate(files)]
        con = _connect(duckdb, memory_limit, Path(tmp) / "spill")
        try:
            files = _with_columns(con, files, roles)
            _run(con, f"CREATE TEMP TABLE pairs AS {_pairs_sql(files, roles, by_year)}", files,
                 progress, fetch=False)
            dirty = con.execute(_dirty_ids_sql()).fetchall()[0][0] > 0
            table = _run(con, _links_sql(roles, by_year, clean_ids=dirty), files, False)
            links, rejected, n_rounded = _split(table, by_year, "amount" in roles, "date" in roles)
            n_read = int(links["n_transactions"].sum()) + sum(rejected.values())
            counts = _counts_by_cause(rejected)
            if counts and rejects is not None:
                # only the files with rejected rows, unless some were rejected only in step 2
                where = {file for _, file in rejected}
                chosen = files if None in where else [files[i] for i in sorted(where)]
                Path(rejects).parent.mkdir(parents=True, exist_ok=True)
                _run(con, _rejects_sql(chosen, Path(rejects)), files, progress, fetch=False)
        finally:
            con.close()
    links.attrs.update(transactions=n_read, rejected=counts, amounts_rounded=n_rounded)
    _warn(counts, n_read, n_rounded, rejects)
    return links


# --------------------------------------------------------------------------- #
# files


@dataclass(frozen=True)
class _File:
    """One input file: how to read it and which of its columns plays which role."""

    path: Path                    # as given: named in messages and in the rejects file
    kind: str                     # "csv" or "parquet"
    encoding: str = "utf-8"       # CSV text encoding
    delimiter: str = ","
    header: str = ""              # CSV header line
    columns: tuple = ()           # every column, as DuckDB names them
    roles: tuple = ()             # ((role, column, type class), ...)
    read_path: Path | None = None  # what DuckDB reads (a UTF-8 copy of a CSV in another encoding)

    def readable_in(self, folder: Path, number: int) -> "_File":
        """This file with ``read_path`` set, transcoding a non-UTF-8 CSV to ``folder/number.csv``."""
        if self.kind == "csv" and self.encoding not in ("utf-8", "utf-8-sig"):
            copy = folder / f"{number}.csv"
            _transcode(self.path, self.encoding, copy)
            return replace(self, read_path=copy)
        return replace(self, read_path=self.path)

    def scan(self, paths: list[Path], *, numbered: bool = False) -> str:
        """DuckDB table function reading ``paths`` (files like this one), rows numbered from 1."""
        listed = "[" + ", ".join(_literal(str(p)) for p in paths) + "]"
        if self.kind == "parquet":
            return f"read_parquet({listed}{', file_row_number = true' if numbered else ''})"
        # no nullstr list here (it costs a comparison per cell): spellings of missing (NA,
        # null …) are recognised in the reasons and, for ids, on the summed pairs
        scan = (f"read_csv({listed}, header = true, all_varchar = true, "
                f"delim = {_literal(self.delimiter)}, quote = '\"', escape = '\"', skip = 0, "
                f"comment = '')")
        return scan + (" WITH ORDINALITY" if numbered else "")

    def group_key(self) -> tuple:
        return (self.kind, self.delimiter, self.columns, self.roles)


def _resolve(source) -> list[Path]:
    """The files named by ``source``: paths, folders and glob patterns, in the order given."""
    items = [source] if isinstance(source, (str, Path)) else list(source)
    if not items:
        raise ChainDataError("no files given")
    found: list[Path] = []
    for item in items:
        text = str(item)
        if glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                raise ChainDataError("no files match this pattern", source=text)
            found.extend(matches)
        elif Path(text).is_dir():
            inside = sorted(p for p in Path(text).iterdir() if p.is_file() and _kind(p))
            if not inside:
                raise ChainDataError("no CSV or Parquet files in this folder", source=text)
            found.extend(inside)
        elif Path(text).is_file():
            found.append(Path(text))
        else:
            raise ChainDataError("no such file or folder", source=text)
    seen: dict[Path, Path] = {}
    for path in found:
        key = path.resolve()
        if key in seen:
            raise ChainDataError(
                "this file is named more than once (by overlapping patterns?); its "
                "transactions would be counted twice", source=str(path))
        seen[key] = path
        if _kind(path) is None:
            raise ChainDataError(
                "not a CSV (.csv, .tsv, .txt, optionally .gz) or Parquet (.parquet) file",
                source=str(path))
    return found


def _kind(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _PARQUET_SUFFIXES:
        return "parquet"
    if suffixes and suffixes[-1] in _CSV_SUFFIXES:
        return "csv"
    return None


def _inspect(path: Path) -> _File:
    """A file's kind and, for CSV, its encoding, delimiter and header line."""
    if _kind(path) == "parquet":
        return _File(path, "parquet")
    encoding = _csv_encoding(path)
    header, delimiter = _csv_header(path, encoding)
    return _File(path, "csv", encoding=encoding, delimiter=delimiter, header=header)


def _with_columns(con, files: list[_File], roles: dict) -> list[_File]:
    """The files with their columns (as DuckDB names them) and the column of each role."""
    import duckdb

    described: dict[tuple, tuple] = {}  # CSV files with the same header line are asked once
    out = []
    for f in files:
        if f.kind == "parquet":
            columns, types = _parquet_columns(f.path)
        else:
            key = (f.delimiter, f.header)
            if key not in described:
                try:
                    rows = con.execute(f"DESCRIBE SELECT * FROM {f.scan([f.read_path])}").fetchall()
                except duckdb.Error as exc:
                    raise _file_error(str(exc), [f]) from None
                described[key] = tuple(r[0] for r in rows)
            columns = list(described[key])
            types = ["text"] * len(columns)
        chosen = []
        for role, wanted in roles.items():
            col = _find_column(columns, wanted, f.path)
            chosen.append((role, col, types[columns.index(col)]))
        out.append(replace(f, columns=tuple(columns), roles=tuple(chosen)))
    return out


def _find_column(columns, wanted: str, path: Path) -> str:
    """The column named ``wanted`` (spaces around names ignored), or one whose Chinese
    header the schema maps to it (``供应商ID`` for ``supplier_id``)."""
    exact = [c for c in columns if str(c).strip() == wanted.strip()]
    if exact:
        return exact[0]
    aliased = [c for c in columns if COLUMN_ALIASES.get(str(c).strip().lower()) == wanted]
    if len(aliased) == 1:
        return aliased[0]
    found = ", ".join(map(str, columns)) or "none"
    if aliased:
        raise ChainDataError(
            f"several columns could be '{wanted}' ({', '.join(aliased)}); name one", source=str(path),
            column=wanted)
    raise ChainDataError(f"missing column (columns found: {found})", source=str(path), column=wanted)


def _parquet_columns(path: Path) -> tuple[list[str], list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ChainDataError(f"not a readable Parquet file: {exc}", source=str(path)) from None
    return list(schema.names), [_type_class(t) for t in schema.types]


def _type_class(t) -> str:
    """How a Parquet column is turned into ids, amounts and dates."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "text"
    if pa.types.is_integer(t) or (pa.types.is_decimal(t) and t.scale <= AMOUNT_SCALE):
        return "exact"  # a number that never needs rounding to AMOUNT_SCALE places
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "date"
    return "other"


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def _csv_encoding(path: Path) -> str:
    """The file's encoding, decided as :func:`chaingraph._text_files.decode_bytes` decides it.

    A byte-order mark gives UTF-8 or UTF-16; otherwise the whole file is
    checked as UTF-8, a chunk at a time. A file that is not UTF-8 is GB18030
    (a superset of GBK) unless nearly all its non-ASCII text is valid UTF-8: then
    it is a UTF-8 file with a damaged byte, reported with its line.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        with _open_bytes(path) as f:
            chunk = f.read(_CHUNK)
            if chunk.startswith(b"\xef\xbb\xbf"):
                return "utf-8-sig"
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                return "utf-16"
            while chunk:
                if not chunk.isascii():
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        if not mostly_utf8(chunk):
                            return "gb18030"
                        at = line + chunk[: max(exc.start, 0)].count(b"\n")
                        raise ChainDataError(
                            f"the file is UTF-8 but has an invalid byte on line {at}; fix or "
                            "retype that line", source=str(path)) from None
                line += chunk.count(b"\n")
                chunk = f.read(_CHUNK)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ChainDataError("the file is UTF-8 but ends inside a character",
                             source=str(path)) from None
    except (OSError, EOFError) as exc:
        raise ChainDataError(f"cannot read the file: {exc}", source=str(path)) from None
    return "utf-8"


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Write ``path`` (text in ``encoding``) to ``target`` as UTF-8, a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with _open_bytes(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while True:
            chunk = src.read(_CHUNK)
            try:
                dst.write(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError as exc:
                at = line + chunk[: max(exc.start, 0)].count(b"\n")
                raise ChainDataError(
                    f"cannot read the file as UTF-8 or GB18030/GBK (line {at}); save it as UTF-8 CSV",
                    source=str(path)) from None
            if not chunk:
                return
            line += chunk.count(b"\n")


def _csv_header(path: Path, encoding: str) -> tuple[str, str]:
    """The header line and the delimiter (the commonest of , tab ; in it, as io reads CSV)."""
    with _open_bytes(path) as raw:
        first = raw.readline(1 << 20)
    text = codecs.decode(first, encoding if encoding != "utf-8" else "utf-8-sig", errors="replace")
    text = text.lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise ChainDataError("the file is empty or its first line (the header) is blank",
                             source=str(path))
    return text, max([",", "\t", ";"], key=text.count)


# --------------------------------------------------------------------------- #
# SQL
#
# One pass over the files, in two steps. Step 1 works on every row and so does
# only cheap things: ids as read, the amount and date parsed, the reason a row
# is rejected (ids missing or equal as read); it sums by (supplier, customer,
# year, reason) into the table ``pairs``, far smaller than the files. Step 2
# works on ``pairs``: it sorts them and, only where some id has surrounding
# spaces or is a spelling of "missing" (NA, null, …), cleans the ids, rejects
# what becomes missing or a self-transaction only then, and sums the pairs that
# now share ids. Computed columns start with ``__cg_`` so that they never meet a
# file's own.


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _name(column: str) -> str:
    return '"' + str(column).replace('"', '""') + '"'


def _stripped(text: str) -> str:
    """SQL: ``text`` without surrounding spaces, NULL when nothing or a spelling of
    "missing" (``NA``, ``null``, … as :mod:`chaingraph.io` reads CSV) is left."""
    clean = f"trim({text}, {_literal(_SPACES)})"
    missing = ", ".join(_literal(v) for v in MISSING_SPELLINGS)
    return f"CASE WHEN {clean} IN ({missing}) THEN NULL ELSE {clean} END"


def _needs_cleaning(text: str) -> str:
    """SQL: whether :func:`_stripped` would change ``text`` (cheaper than running it:
    ``trim`` with a set of characters is slow, ``ascii`` gives a code point)."""
    codes = ", ".join(str(ord(ch)) for ch in _SPACES)
    missing = ", ".join(_literal(v) for v in MISSING_SPELLINGS)
    return f"(ascii({text}) IN ({codes}) OR ascii({text}[-1]) IN ({codes}) OR {text} IN ({missing}))"


def _id_sql(col: str, tclass: str) -> str:
    """SQL: an id as text, as read (a spreadsheet's 7.0 is the id '7', as chaingraph reads ids)."""
    if tclass == "text":
        return col
    if tclass == "float":
        return (f"CASE WHEN isnan({col}) OR isinf({col}) THEN NULL WHEN {col} = trunc({col}) "
                f"THEN CAST(CAST({col} AS HUGEINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END")
    return f"CAST({col} AS VARCHAR)"


def _amount_sql(col: str, tclass: str) -> tuple[str, str, str]:
    """SQL: (amount as DECIMAL or NULL, amount empty or missing, amount changed by rounding).

    Rounding to six places is detected by comparing float64 values, which is exact
    for amounts below 2^53 / 10^6 ≈ 9·10^9 (the decimal converts to float64 with
    one correctly rounded division); above, text is compared at twelve places.
    """
    exact_in_float = f"abs(__cg_a) < {2**53 // 10**AMOUNT_SCALE}"
    if tclass == "text":
        # decimal text parsed as a decimal; "1,234.5" only when the commas group thousands
        value = (f"COALESCE(TRY_CAST({col} AS {_DECIMAL}), CASE WHEN regexp_full_match(trim({col}), "
                 f"{_literal(_THOUSANDS)}) THEN TRY_CAST(replace({col}, ',', '') AS {_DECIMAL}) END)")
        number = f"COALESCE(TRY_CAST({col} AS DOUBLE), TRY_CAST(replace({col}, ',', '') AS DOUBLE))"
        wide = f"COALESCE(TRY_CAST({col} AS DECIMAL(38, 12)), TRY_CAST(replace({col}, ',', '') AS DECIMAL(38, 12)))"
        rounded = (f"CASE WHEN {exact_in_float} THEN {number} <> CAST(__cg_a AS DOUBLE) "
                   f"ELSE {wide} <> __cg_a END")
        return value, f"{_stripped(col)} IS NULL", rounded
    if tclass in ("exact", "float", "decimal"):
        rounded = {"exact": "false",
                   "float": f"{exact_in_float} AND CAST(__cg_a AS DOUBLE) <> {col}",
                   "decimal": f"__cg_a <> {col}"}[tclass]
        return f"TRY_CAST({col} AS {_DECIMAL})", f"{col} IS NULL", rounded
    return f"CAST(NULL AS {_DECIMAL})", f"{col} IS NULL", "false"  # not a number at all


def _date_sql(col: str, tclass: str) -> tuple[str, str]:
    """SQL: (date as DATE or NULL, date empty or missing)."""
    if tclass == "date":
        return f"CAST({col} AS DATE)", f"{col} IS NULL"
    text = col if tclass == "text" else f"CAST({col} AS VARCHAR)"
    formats = "[" + ", ".join(_literal(f) for f in _DATE_FORMATS) + "]"
    value = (f"COALESCE(TRY_CAST({text} AS DATE), "
             f"CAST(try_strptime(trim({text}), {formats}) AS DATE))")
    return value, f"{_stripped(text)} IS NULL"


def _row_sql(file: _File, scan: str, file_number: str, *, original: bool = False) -> str:
    """Step 1 for one scan: a row per transaction, with the columns ``__cg_s``,
    ``__cg_c`` (ids as read), ``__cg_a`` (amount), ``__cg_rounded``, ``__cg_d``
    (date), ``__cg_file`` and ``__cg_reason``; with ``original``, also every column
    of the file as text and ``__cg_row`` (the row's number in the file).
    """
    cols = {role: (_name(col), tclass) for role, col, tclass in file.roles}
    inner = [f"{_id_sql(*cols['supplier'])} AS __cg_s", f"{_id_sql(*cols['customer'])} AS __cg_c"]
    outer = ["*"]
    rounded = "false"
    checks = [("__cg_s IS NULL OR __cg_s = ''", "'missing_supplier'"),
              ("__cg_c IS NULL OR __cg_c = ''", "'missing_customer'")]
    if "amount" in cols:
        value, missing, rounded = _amount_sql("__cg_a_raw", cols["amount"][1])
        inner += [f"{cols['amount'][0]} AS __cg_a_raw"]
        outer += [f"{value} AS __cg_a"]
        checks += [("__cg_a IS NULL",
                    f"CASE WHEN {missing} THEN 'missing_amount' ELSE 'non_numeric_amount' END"),
                   ("__cg_a < 0", "'negative_amount'")]
    if "date" in cols:
        value, missing = _date_sql("__cg_d_raw", cols["date"][1])
        inner += [f"{cols['date'][0]} AS __cg_d_raw"]
        outer += [f"{value} AS __cg_d"]
        checks += [("__cg_d IS NULL",
                    f"CASE WHEN {missing} THEN 'missing_date' ELSE 'unparseable_date' END")]
    checks += [("__cg_s = __cg_c", "'self_transaction'")]
    inner.append(f"{file_number} AS __cg_file")
    if original:
        inner += [f"CAST({_name(c)} AS VARCHAR) AS {_name(c)}" for c in file.columns]
        inner.append(f"{'file_row_number' if file.kind == 'parquet' else 'ordinality'} + 1 AS __cg_row")
    reason = " ".join(f"WHEN {test} THEN {cause}" for test, cause in checks)
    return (f"SELECT *, CASE {reason} END AS __cg_reason, {rounded} AS __cg_rounded FROM "
            f"(SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {scan}))")


def _final_reason(s: str, c: str, reason: str) -> str:
    """Step 2's reason: step 1's, with ids stripped of spaces (``s``, ``c``: stripped ids)."""
    return (f"CASE WHEN {s} IS NULL THEN 'missing_supplier' WHEN {c} IS NULL THEN "
            f"'missing_customer' WHEN {reason} IS NOT NULL THEN {reason} "
            f"WHEN {s} = {c} THEN 'self_transaction' END")


def _pairs_sql(files: list[_File], roles: dict, by_year: bool) -> str:
    """Step 1: every row of every file, summed by (supplier, customer, year, reason, file).

    ``file`` (the position in ``files``) is kept for rejected rows only.
    """
    parts = []
    groups: dict[tuple, list[int]] = {}
    for i, f in enumerate(files):
        # files alike are read by one scan; DuckDB's file_index numbers them in the list
        key = f.group_key() if "file_index" not in f.columns else ("alone", i)
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        first = files[members[0]]
        index = "[" + ", ".join(map(str, members)) + "]"
        number = (str(members[0]) if len(members) == 1
                  else f"list_extract({index}, CAST(file_index AS INTEGER) + 1)")
        parts.append(_row_sql(first, first.scan([files[i].read_path for i in members]), number))
    keys = ["__cg_s AS s", "__cg_c AS c"] + (["year(__cg_d) AS y"] if by_year else [])
    keys += ["__cg_reason AS reason",
             "CASE WHEN __cg_reason IS NULL THEN NULL ELSE __cg_file END AS file"]
    values = (["sum(__cg_a) AS amount"] if "amount" in roles else []) + ["count(*) AS n"]
    if "date" in roles:
        values += ["min(__cg_d) AS first_date", "max(__cg_d) AS last_date"]
    values.append("count(*) FILTER (WHERE __cg_rounded) AS n_rounded")
    return (f"SELECT {', '.join(keys + values)} FROM ({' UNION ALL '.join(parts)}) "
            f"GROUP BY ALL")


def _links_sql(roles: dict, by_year: bool, *, clean_ids: bool) -> str:
    """Step 2: the links from ``pairs``, valid ones first, sorted; rejected rows by reason
    and file (``file`` NULL for rows rejected only here, whose file step 1 did not keep).

    ``clean_ids``: strip the ids and judge them again, then sum pairs that now agree.
    """
    if clean_ids:
        source = (f"SELECT *, {_final_reason('ts', 'tc', 'reason')} AS final FROM "
                  f"(SELECT *, {_stripped('s')} AS ts, {_stripped('c')} AS tc FROM pairs)")
    else:
        source = "SELECT *, s AS ts, c AS tc, reason AS final FROM pairs"
    valid = "final IS NULL"
    keys = [f"CASE WHEN {valid} THEN ts END AS supplier_id",
            f"CASE WHEN {valid} THEN tc END AS customer_id"]
    if by_year:
        keys.append(f"CASE WHEN {valid} THEN y END AS year")
    keys += ["final AS reason", "file"]
    sums = {"amount": "sum(amount)", "n_transactions": "sum(n)", "first_date": "min(first_date)",
            "last_date": "max(last_date)", "n_rounded": "sum(n_rounded)"}
    if not clean_ids:  # one row of pairs per link: nothing to sum
        sums = {"amount": "amount", "n_transactions": "n", "first_date": "first_date",
                "last_date": "last_date", "n_rounded": "n_rounded"}
    if "amount" not in roles:
        del sums["amount"]
    if "date" not in roles:
        del sums["first_date"], sums["last_date"]
    values = [f"CAST({sums.pop('amount')} AS DOUBLE) AS amount"] if "amount" in sums else []
    values += [f"{sql} AS {name}" for name, sql in sums.items()]
    order = ["reason NULLS FIRST", "supplier_id", "customer_id"] + (["year"] if by_year else [])
    group = " GROUP BY ALL" if clean_ids else ""
    return f"SELECT {', '.join(keys + values)} FROM ({source}){group} ORDER BY {', '.join(order)}"


def _dirty_ids_sql() -> str:
    """SQL: how many rows of ``pairs`` have an id that step 2 must clean."""
    return f"SELECT count(*) FROM pairs WHERE {_needs_cleaning('s')} OR {_needs_cleaning('c')}"


def _rejects_sql(files: list[_File], path: Path) -> str:
    """COPY the rejected rows of ``files``, every column as text, to ``path``, in file order."""
    parts = []
    for order, f in enumerate(files):
        rows = _row_sql(f, f.scan([f.read_path], numbered=True), _literal(str(f.path)),
                        original=True)
        reason = _final_reason(_stripped("__cg_s"), _stripped("__cg_c"), "__cg_reason")
        keep = ", ".join(_name(c) for c in f.columns)
        parts.append(f"SELECT * FROM (SELECT {keep}, {reason} AS reject_reason, __cg_file AS "
                     f"source_file, __cg_row AS source_row, {order} AS __cg_order FROM ({rows})) "
                     f"WHERE reject_reason IS NOT NULL")
    fmt = "FORMAT parquet" if path.suffix.lower() == ".parquet" else "FORMAT csv, HEADER true"
    query = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    return (f"COPY (SELECT * EXCLUDE (__cg_order) FROM ({query}) ORDER BY __cg_order, source_row) "
            f"TO {_literal(str(path))} ({fmt})")


# --------------------------------------------------------------------------- #
# running


def _import_duckdb():
    try:
        import duckdb
    except ImportError:
        raise ImportError(
            "ingest_transactions reads files with DuckDB, an optional dependency of "
            f"chaingraph; install it with {_EXTRA}"
        ) from None
    return duckdb


def _connect(duckdb, memory_limit, spill: Path):
    config = {"preserve_insertion_order": False, "temp_directory": str(spill)}
    if memory_limit is not None:
        config["memory_limit"] = f"{memory_limit}B" if isinstance(memory_limit, int) else str(memory_limit)
    try:
        con = duckdb.connect(":memory:", config=config)
    except duckdb.Error as exc:
        raise ValueError(f"memory_limit={memory_limit!r}: {exc}") from None
    for setting in ("enable_progress_bar = true", "enable_progress_bar_print = false"):
        con.execute(f"SET {setting}").fetchall()
    return con


def _run(con, sql: str, files: list[_File], progress: bool, *, fetch: bool = True):
    """Run ``sql`` (its result as an Arrow table); errors about a file name the file."""
    import duckdb

    bar = _Progress(con) if progress else None
    finished = False
    try:
        if not fetch:
            con.execute(sql).fetchall()  # a statement's result (a row count) is read to finish it
            result = None
        else:
            query = con.sql(sql)
            # DuckDB 2 renamed fetch_arrow_table to to_arrow_table
            result = (getattr(query, "to_arrow_table", None) or query.fetch_arrow_table)()
        finished = True
        return result
    except duckdb.OutOfMemoryException as exc:
        raise MemoryError(f"{str(exc).strip().splitlines()[0]}; give a larger memory_limit") from None
    except duckdb.Error as exc:
        raise _file_error(str(exc), files) from None
    finally:
        if bar is not None:
            bar.close(finished=finished)


def _file_error(message: str, files: list[_File]) -> ChainDataError:
    """DuckDB's message up to its advice, naming the file as the user gave it."""
    source = None
    for f in files:
        if str(f.read_path) in message:
            message, source = message.replace(str(f.read_path), str(f.path)), str(f.path)
    lines = []
    for line in message.strip().splitlines():
        if line.startswith(("Possible fixes", "The search space")) or not line.strip():
            break
        lines.append(line.strip())
    text = "; ".join(lines).removeprefix("Invalid Input Error: ")
    return ChainDataError(f"cannot read the transactions: {text}", source=source)


class _Progress:
    """A tqdm bar fed with DuckDB's progress of the running query, from a second thread."""

    def __init__(self, con) -> None:
        from tqdm.auto import tqdm

        self._con, self._stop = con, threading.Event()
        self._bar = tqdm(total=100, desc="ingest", unit="%", delay=1.0,
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.2):
            done = self._con.query_progress()
            if done >= 0:
                self._bar.update(max(0.0, min(done, 100.0) - self._bar.n))

    def close(self, *, finished: bool) -> None:
        self._stop.set()
        self._thread.join()
        if finished:
            self._bar.update(100 - self._bar.n)
        self._bar.close()


def _split(table, by_year: bool, has_amount: bool, has_date: bool):
    """The links, the rejected counts ``{(cause, file): rows}`` and the rounded amounts.

    The valid rows (``reason`` NULL) come first in ``table``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n_valid = table["reason"].null_count
    good, bad = table.slice(0, n_valid), table.slice(n_valid)
    rejected = {
        (cause, file): int(n)
        for cause, file, n in zip(bad["reason"].to_pylist(), bad["file"].to_pylist(),
                                  bad["n_transactions"].to_pylist())
    }
    n_rounded = int(pc.sum(good["n_rounded"]).as_py() or 0)
    columns = {"supplier_id": good["supplier_id"], "customer_id": good["customer_id"]}
    if by_year:
        columns["year"] = pc.cast(good["year"], pa.int64())
    if has_amount:
        columns["amount"] = pc.cast(good["amount"], pa.float64())
    columns["n_transactions"] = pc.cast(good["n_transactions"], pa.int64())
    if has_date:
        columns["first_date"] = good["first_date"]
        columns["last_date"] = good["last_date"]
    links = pa.table(columns).to_pandas(date_as_object=False)
    for col in ("supplier_id", "customer_id"):
        links[col] = links[col].astype("str" if _PANDAS3 else object)
    return links, rejected, n_rounded


_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


def _counts_by_cause(rejected: dict) -> dict:
    totals = {}
    for (cause, _), n in rejected.items():
        totals[cause] = totals.get(cause, 0) + n
    return {cause: totals[cause] for cause in REJECT_CAUSES if cause in totals}


def _warn(counts: dict, n_read: int, n_rounded: int, rejects) -> None:
    if counts:
        total = sum(counts.values())
        detail = ", ".join(f"{n:,} {cause}" for cause, n in counts.items())
        where = (f"written to {rejects}" if rejects is not None
                 else "pass rejects=PATH to write them out")
        warnings.warn(
            f"ingest: {total:,} of {n_read:,} transactions rejected and not summed "
            f"({detail}); {where}",
            ChainDataWarning, stacklevel=3,
        )
    if n_rounded:
        warnings.warn(
            f"ingest: {n_rounded:,} amounts had more than {AMOUNT_SCALE} decimal places and were "
            f"rounded to {AMOUNT_SCALE} before summing",
            ChainDataWarning, stacklevel=3,
        )
