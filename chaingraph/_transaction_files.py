"""The transaction files that :func:`chaingraph.ingest_transactions` reads.

Which files a source names (paths, folders and glob patterns, each file once);
each file's kind (CSV, optionally gzipped, or Parquet); a CSV file's encoding
(decided as :func:`chaingraph._text_files.decode_bytes` decides it, but reading
the file in chunks), its delimiter and header line, and a UTF-8 copy when it is
in another encoding; the column that plays each role (supplier, customer,
amount, date), by name or by a Chinese header; and DuckDB's errors about a file
named as the user gave it.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import hashlib
import io
import os
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from ._text_files import mostly_utf8
from ._transaction_sql import AMOUNT_SCALE, literal
from ._vocabulary import INGEST_COLUMN_ALIASES
from .errors import ChainDataError
from .schema import COLUMN_ALIASES, ChainDataWarning

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_CHUNK = 1 << 24  # bytes read at a time when checking or transcoding a CSV file
# the headers a role's column may have: the links table's, and those of VAT invoice exports
_ALIASES = {**COLUMN_ALIASES, **INGEST_COLUMN_ALIASES}


@dataclass(frozen=True)
class TransactionFile:
    """One input file: how to read it and which of its columns plays which role."""

    path: Path                    # as given: named in messages and in the rejects file
    kind: str                     # "csv" or "parquet"
    encoding: str = "utf-8"       # CSV text encoding
    delimiter: str = ","
    header: str = ""              # CSV header line
    columns: tuple = ()           # every column, as DuckDB names them
    roles: tuple = ()             # ((role, column, type class), ...)
    read_path: Path | None = None  # what DuckDB reads (a UTF-8 copy of a CSV in another encoding)

    def readable_in(self, folder: Path, number: int) -> "TransactionFile":
        """This file with ``read_path`` set, transcoding a non-UTF-8 CSV to ``folder/number.csv``."""
        if self.kind == "csv" and self.encoding not in ("utf-8", "utf-8-sig"):
            copy = folder / f"{number}.csv"
            _transcode(self.path, self.encoding, copy)
            return replace(self, read_path=copy)
        return replace(self, read_path=self.path)

    def scan(self, paths: list[Path], *, numbered: bool = False) -> str:
        """DuckDB table function reading ``paths`` (files like this one), rows numbered from 1."""
        listed = "[" + ", ".join(literal(str(p)) for p in paths) + "]"
        if self.kind == "parquet":
            return f"read_parquet({listed}{', file_row_number = true' if numbered else ''})"
        # no nullstr list here (it costs a comparison per cell): spellings of missing (NA,
        # null …) are recognised in the reasons and, for ids, on the summed pairs
        scan = (f"read_csv({listed}, header = true, all_varchar = true, "
                f"delim = {literal(self.delimiter)}, quote = '\"', escape = '\"', skip = 0, "
                f"comment = '')")
        return scan + (" WITH ORDINALITY" if numbered else "")

    def group_key(self) -> tuple:
        return (self.kind, self.delimiter, self.columns, self.roles)


def resolve_files(source) -> list[Path]:
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
            unread = _folders_with_files(Path(text))
            if not inside:
                where = f" (only in folders inside: {_listed(unread)})" if unread else ""
                raise ChainDataError(f"no CSV or Parquet files in this folder{where}", source=text)
            if unread:
                warnings.warn(
                    f"{text}: the files in {len(unread)} folders inside it are not read "
                    f"({_listed(unread)}); only the files directly in it are. Name the folders "
                    f"too, or give a pattern such as '{Path(text) / '**' / '*.csv'}'",
                    ChainDataWarning, stacklevel=3)
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
    _refuse_copies(found)
    return found


def _refuse_copies(paths: list[Path]) -> None:
    """A ChainDataError when two files with rows have the same bytes (a copy's
    transactions would be counted twice). Only files of equal size are read."""
    by_size: dict[int, list[Path]] = {}
    for path in paths:
        by_size.setdefault(path.stat().st_size, []).append(path)
    for same_size in by_size.values():
        if len(same_size) < 2:
            continue
        first: dict[str, Path] = {}
        for path in same_size:
            digest = _digest(path)
            if digest in first and _has_rows(path):
                raise ChainDataError(
                    f"the same bytes as {first[digest]}: a copy, whose transactions would be "
                    "counted twice; remove one of them", source=str(path))
            first.setdefault(digest, path)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _has_rows(path: Path) -> bool:
    """Whether the file holds a row besides its header (two copies of an empty month are fine)."""
    if _kind(path) == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_metadata(path).num_rows > 0
        except (pa.ArrowException, OSError):
            return True  # unreadable: said when it is read
    with _open_bytes(path) as f:
        f.readline(1 << 20)
        return any(line.strip() for line in f)


def _folders_with_files(folder: Path) -> list[str]:
    """The names of the folders in ``folder`` that hold a CSV or Parquet file at any depth."""
    names = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if any(_kind(Path(name)) for _, _, files in os.walk(sub) for name in files):
            names.append(sub.name)
    return names


def _listed(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (", …" if len(names) > limit else "")


def _kind(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _PARQUET_SUFFIXES:
        return "parquet"
    if suffixes and suffixes[-1] in _CSV_SUFFIXES:
        return "csv"
    return None


def inspect_file(path: Path) -> TransactionFile:
    """A file's kind and, for CSV, its encoding, delimiter and header line."""
    if _kind(path) == "parquet":
        return TransactionFile(path, "parquet")
    encoding = _csv_encoding(path)
    header, delimiter = _csv_header(path, encoding)
    return TransactionFile(path, "csv", encoding=encoding, delimiter=delimiter, header=header)


def with_columns(con, files: list[TransactionFile], roles: dict) -> list[TransactionFile]:
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
                    raise file_error(str(exc), [f]) from None
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
    header the schema or a VAT export maps to it (``供应商ID`` or ``销方税号`` for
    ``supplier_id``, ``开票日期`` for ``date``)."""
    exact = [c for c in columns if str(c).strip() == wanted.strip()]
    if exact:
        return exact[0]
    aliased = [c for c in columns if _ALIASES.get(str(c).strip().lower()) == wanted]
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
    if pa.types.is_timestamp(t) and t.tz is not None:
        return f"date@{t.tz}"  # an instant: dated in the column's own time zone
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


def file_error(message: str, files: list[TransactionFile]) -> ChainDataError:
    """DuckDB's message up to its advice, naming the file as the user gave it.

    DuckDB reports a row of the wrong length found while it samples the file's
    first rows only as a dialect it could not detect; such a row is named here.
    """
    source = None
    for f in files:
        if str(f.read_path) in message:
            if "sniffing" in message and f.kind == "csv":
                ragged = _first_ragged_line(f)
                if ragged is not None:
                    return ChainDataError(ragged[0], source=str(f.path), rows=[ragged[1]])
            message, source = message.replace(str(f.read_path), str(f.path)), str(f.path)
    lines = []
    for line in message.strip().splitlines():
        if line.startswith(("Possible fixes", "The search space")) or not line.strip():
            break
        lines.append(line.strip())
    text = "; ".join(lines).removeprefix("Invalid Input Error: ")
    return ChainDataError(f"cannot read the transactions: {text}", source=source)


def _first_ragged_line(f: TransactionFile, limit: int = 1_000_000):
    """(problem, line) for the first of ``f``'s first ``limit`` rows whose number of
    cells differs from the header's (the header is line 1), or None."""
    with io.TextIOWrapper(_open_bytes(f.read_path), encoding="utf-8-sig", newline="") as text:
        rows = csv.reader(text, delimiter=f.delimiter, quotechar='"', doublequote=True)
        width = len(next(rows, []))
        for n, row in enumerate(rows):
            if n >= limit:
                return None
            if row and len(row) != width:
                return f"{len(row)} cells where the header has {width}", rows.line_num
    return None
