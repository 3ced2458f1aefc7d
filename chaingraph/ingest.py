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
- **Red-letter invoices (红字发票) are rejected or netted, as asked.** By
  default a negative amount is a rejected row, as it always was; with
  ``negative="net"`` it is summed with its pair's other amounts, as a tax
  ledger nets it, and a link whose sum is then zero or less is rejected
  whole (:data:`LINK_REJECT_CAUSES`), never clipped or dropped without a word.
- **Files as chaingraph reads them elsewhere.** CSV text as UTF-8, UTF-8
  with BOM, UTF-16 with BOM or GB18030/GBK, decided as
  :func:`chaingraph._text_files.decode_bytes` does (but reading the file in chunks);
  files not in UTF-8 are transcoded to a temporary UTF-8 copy, chunk by chunk.
  Ids stay text (leading zeros kept). Chinese headers (供应商ID, 客户ID, 金额, …)
  are recognised through the alias table of :mod:`chaingraph.schema`.

The files are found and inspected in :mod:`chaingraph._transaction_files`; the SQL
that sums them is in :mod:`chaingraph._transaction_sql`; this module runs it.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from pathlib import Path

import pandas as pd

from ._transaction_files import TransactionFile, file_error, inspect_file, resolve_files, with_columns
from ._transaction_sql import AMOUNT_SCALE, dirty_ids_sql, links_sql, pairs_sql, rejects_sql
from .schema import ChainDataWarning

__all__ = ["ingest_transactions", "REJECT_CAUSES", "LINK_REJECT_CAUSES", "NEGATIVE_MODES",
           "AMOUNT_SCALE"]

#: Why a transaction is not summed, in the order the checks are made: a row with
#: several problems is counted once, under the first that applies.
REJECT_CAUSES = (
    "missing_supplier",     # supplier id empty or missing
    "missing_customer",     # customer id empty or missing
    "missing_amount",       # amount empty or missing
    "non_numeric_amount",   # amount is not a number (text, NaN, infinity)
    "negative_amount",      # amount below zero
    "missing_date",         # date empty or missing (only when ``date`` is given)
    "unparseable_date",     # date in no form the date parameter accepts (only when given)
    "self_transaction",     # supplier and customer are the same firm
)

#: Why a link is not kept with ``negative="net"``: the valid rows of a pair (and year)
#: sum, red-letter invoices netted, to below zero or, some of them negative, to zero.
#: Each of its rows counts under the cause.
LINK_REJECT_CAUSES = (
    "negative_net",         # the link's amounts sum to less than zero
    "zero_net",             # they sum to exactly zero, negative amounts among them
)

#: What ``negative=`` accepts: a negative amount is a rejected row, or netted.
NEGATIVE_MODES = ("reject", "net")

_EXTRA = "pip install 'chaingraph[scale]'"


def ingest_transactions(
    source,
    *,
    supplier: str = "supplier_id",
    customer: str = "customer_id",
    amount: str | None = "amount",
    date: str | None = None,
    by_year: bool = False,
    negative: str = "reject",
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
        (``.parquet``) files, folders (every such file directly inside; a
        warning names the folders inside whose files are not read) or
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
        amounts, only counts (and no ``amount`` column out). Zero amounts
        are valid transactions; negative ones are as ``negative`` says.
    date : str, optional
        Column of the transaction date: a date or timestamp column, or text
        such as ``2024-03-05``, ``2024/3/5``, ``20240305``, ``2024年3月5日``
        (the time of day is ignored), or whole numbers such as 20240305. A Parquet timestamp with a time zone
        is dated in that zone (``2019-12-31 16:30 UTC`` in a column of
        zone ``Asia/Shanghai`` is 2020-01-01; in a column of zone UTC it is
        2019-12-31), never in the machine's. Ambiguous forms such as
        ``05/03/2024`` are rejected, never guessed.
    by_year : bool
        One link per supplier, customer and calendar year of ``date``.
    negative : {"reject", "net"}
        What a negative amount is — usually a red-letter invoice (红字发票)
        cancelling all or part of an earlier blue one.

        - ``"reject"`` (default): a rejected row (``negative_amount``). The
          blue invoice it cancels is not matched and stays in its link's sum,
          which is then overstated.
        - ``"net"``: summed with the other amounts of its pair (and year,
          with ``by_year``), as a tax ledger nets it; ``n_transactions``
          counts it. A link whose amounts then sum to less than zero is
          rejected whole as ``negative_net``, one that sums to exactly zero
          with a negative amount among them as ``zero_net`` (a link of zero
          amounts alone is kept): each of its rows counts under that cause.
          With ``by_year`` a red-letter invoice nets only within its own
          year: one in January cancelling a December invoice leaves
          December's link whole and makes January's negative (example below).
    memory_limit : str or int, optional
        DuckDB's memory limit (``"2GB"``, or bytes); beyond it the grouping
        spills to a temporary folder (in ``TMPDIR``), removed afterwards.
        Default: DuckDB's (80 % of the machine's memory). The links returned
        are held by pandas, outside this limit.
    rejects : str or Path, optional
        Write the rejected rows here (``.parquet``, else CSV in UTF-8): every
        original column as text, plus ``reject_reason``, ``source_file`` and
        ``source_row`` (the line in a CSV file, whose header is line 1; the
        row, from 1, in a Parquet file). With ``negative="net"``, the rows of
        a link rejected whole are written too, each with the link in
        ``link_supplier_id``, ``link_customer_id``, ``link_year`` (``by_year``
        only), ``link_net_amount`` (its exact sum, as text) and ``link_rows``
        (its number of rows); these columns are empty for rows rejected alone.
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
          conversion to float (unless ``amount=None``); above zero where
          negative amounts are netted, or zero from zero amounts alone;
        - ``n_transactions`` (int64): transactions summed (netted negative
          ones included);
        - ``first_date``, ``last_date`` (datetime64): earliest and latest
          transaction date (only with ``date``).

        ``links.attrs`` holds ``transactions`` (rows read), ``rejected``
        (``{cause: rows}`` for each cause that occurred, links rejected
        whole counted by their rows, so that ``transactions`` =
        ``n_transactions.sum()`` + the sum of ``rejected``), ``rejected_links``
        (``{cause: links}`` of :data:`LINK_REJECT_CAUSES`), ``netted``
        (negative amounts summed into the links returned), ``amounts_rounded``
        (amounts with more than six decimal places) and
        ``ids_alike`` (how many firm ids are written in more than one way,
        differing only in letter case or spaces: kept apart, with a warning). The
        table can be passed as it is to :meth:`ChainGraph.from_frames
        <chaingraph.ChainGraph.from_frames>`.

    Raises
    ------
    ChainDataError
        A file that does not exist or cannot be read, a pattern that matches
        no file, a column missing from a file (naming the file and column), a
        file named twice or with the same bytes as another (a copy, whose
        rows would be counted twice).
    ValueError
        ``negative`` other than ``"reject"`` or ``"net"``; ``by_year`` without ``date``.
    ImportError
        DuckDB is not installed.

    Warns
    -----
    ChainDataWarning
        When rows are rejected (counts by cause; links rejected whole are
        named, a few, with their net amount and rows; negative amounts
        rejected bring a pointer to ``negative="net"``) or amounts rounded, and when
        firm ids are written in more than one way (``91370100ABC``,
        ``91370100abc``, ``9137 0100ABC``), naming some.

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

    Red-letter invoices netted, by year, in a VAT export (销方税号, 购方税号 and
    金额 are found for the supplier, customer and amount). S sold B 100 and 5
    in 2019 and 7 on 2020-01-01, then cancelled the 100 on 2020-01-02; S sold
    C 30 and cancelled it. Per pair and year: S→B 2019 = 100 + 5 = 105 (kept);
    S→B 2020 = 7 − 100 = −93 (rejected, ``negative_net``, 2 rows); S→C 2020 =
    30 − 30 = 0 (rejected, ``zero_net``, 2 rows). The report reconciles:
    6 rows = 2 summed + 2 + 2 rejected.

    >>> with open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("销方税号,购方税号,开票日期,金额\\n"
    ...                 "S,B,2019-03-05,100\\nS,B,2019-12-31,5\\nS,B,2020-01-01,7\\n"
    ...                 "S,B,2020-01-02,-100\\nS,C,2020-02-01,30\\nS,C,2020-02-03,-30\\n")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = cg.ingest_transactions(path, date="开票日期", by_year=True, negative="net")
    >>> out[["supplier_id", "customer_id", "year", "amount", "n_transactions"]]
      supplier_id customer_id  year  amount  n_transactions
    0           S           B  2019   105.0               2
    >>> out.attrs["rejected"], out.attrs["rejected_links"]
    ({'negative_net': 2, 'zero_net': 2}, {'negative_net': 1, 'zero_net': 1})

    Without ``by_year`` the red-letter invoice nets against 2019's 100:
    S→B = 105 + 7 − 100 = 12 from 4 rows, one of them netted.

    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = cg.ingest_transactions(path, negative="net")
    >>> out[["supplier_id", "customer_id", "amount", "n_transactions"]]
      supplier_id customer_id  amount  n_transactions
    0           S           B    12.0               4
    >>> out.attrs["netted"], out.attrs["rejected"]
    (1, {'zero_net': 2})
    """
    if negative not in NEGATIVE_MODES:
        raise ValueError(f"negative={negative!r}: use 'reject' (a negative amount is a rejected "
                         "row) or 'net' (summed with its pair's other invoices)")
    duckdb = _import_duckdb()
    if by_year and date is None:
        raise ValueError("by_year=True needs date=COLUMN: the year is that of the transaction date")
    net = negative == "net"
    roles = {"supplier": supplier, "customer": customer, "amount": amount, "date": date}
    roles = {role: col for role, col in roles.items() if col is not None}
    files = [inspect_file(p) for p in resolve_files(source)]
    with tempfile.TemporaryDirectory(prefix="chaingraph-ingest-") as tmp:
        files = [f.readable_in(Path(tmp), i) for i, f in enumerate(files)]
        con = _connect(duckdb, memory_limit, Path(tmp) / "spill")
        try:
            files = with_columns(con, files, roles)
            _run(con, f"CREATE TEMP TABLE pairs AS {pairs_sql(files, roles, by_year, net=net)}",
                 files, progress, fetch=False)
            dirty = con.execute(dirty_ids_sql()).fetchall()[0][0] > 0
            table = _run(con, links_sql(roles, by_year, clean_ids=dirty, net=net), files, False)
            links, rejected, n_rounded, n_netted, bad_links = _split(
                table, by_year, "amount" in roles, "date" in roles)
            n_read = int(links["n_transactions"].sum()) + sum(rejected.values())
            counts = _counts_by_cause(rejected)
            if counts and rejects is not None:
                # only the files with rejected rows, unless some were rejected only in step 2
                # or some links were (their rows may be in any file)
                where = {file for _, file in rejected}
                chosen = files if None in where else [files[i] for i in sorted(where)]
                table_name = None
                if bad_links is not None:
                    table_name = "__cg_rejected_links"
                    con.register(table_name, bad_links)
                Path(rejects).parent.mkdir(parents=True, exist_ok=True)
                _run(con, rejects_sql(chosen, Path(rejects), net=net, rejected_links=table_name,
                                      by_year=by_year), files, progress, fetch=False)
        finally:
            con.close()
    alike = _ids_alike(links)
    link_counts = {}
    if bad_links is not None:
        reasons = bad_links["reason"].to_pylist()
        link_counts = {cause: reasons.count(cause) for cause in LINK_REJECT_CAUSES
                       if cause in reasons}
    links.attrs.update(transactions=n_read, rejected=counts, rejected_links=link_counts,
                       netted=n_netted, amounts_rounded=n_rounded, ids_alike=len(alike))
    _warn(counts, n_read, n_rounded, rejects, bad_links)
    _warn_alike(alike)
    return links


def _ids_alike(links: pd.DataFrame) -> list[list[str]]:
    """Groups of the links' firm ids that are equal once letter case and spaces are
    ignored (``91370100ABC``, ``91370100abc``, ``9137 0100ABC``), each sorted."""
    ids = pd.Series(pd.unique(pd.concat([links["supplier_id"], links["customer_id"]])), dtype=object)
    key = ids.str.upper().str.replace(r"\s+", "", regex=True)
    alike = key.duplicated(keep=False)
    return sorted(sorted(g) for g in ids[alike].groupby(key[alike]).agg(list))


def _warn_alike(alike: list[list[str]]) -> None:
    if alike:
        shown = "; ".join(" = ".join(repr(i) for i in group) for group in alike[:3])
        warnings.warn(
            f"ingest: {len(alike):,} firm ids are written in more than one way, differing only in "
            f"letter case or spaces ({shown}{'; …' if len(alike) > 3 else ''}); each way is kept "
            "as a firm of its own. If they are one firm (a tax id is one firm however it is "
            "typed), write them alike in the files and ingest again",
            ChainDataWarning, stacklevel=3,
        )


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
    # TimeZone: instants written out as text (in rejects) do not depend on the machine
    for setting in ("enable_progress_bar = true", "enable_progress_bar_print = false",
                    "TimeZone = 'UTC'"):
        con.execute(f"SET {setting}").fetchall()
    return con


def _run(con, sql: str, files: list[TransactionFile], progress: bool, *, fetch: bool = True):
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
        raise file_error(str(exc), files) from None
    finally:
        if bar is not None:
            bar.close(finished=finished)


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
    """The links, the rejected counts ``{(cause, file): rows}``, the rounded amounts, the
    negative amounts netted into the links and (with netting, else None) the links
    rejected whole, as an Arrow table.

    The valid rows (``reason`` NULL) come first in ``table``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n_valid = table["reason"].null_count
    good, bad = table.slice(0, n_valid), table.slice(n_valid)
    rejected: dict[tuple, int] = {}
    for cause, file, n in zip(bad["reason"].to_pylist(), bad["file"].to_pylist(),
                              bad["n_transactions"].to_pylist()):
        rejected[cause, file] = rejected.get((cause, file), 0) + int(n)
    n_rounded = int(pc.sum(good["n_rounded"]).as_py() or 0)
    netting = "n_negative" in table.column_names
    n_netted = int(pc.sum(good["n_negative"]).as_py() or 0) if netting else 0
    bad_links = None
    if netting:
        whole = bad.filter(pc.is_in(bad["reason"], value_set=pa.array(LINK_REJECT_CAUSES)))
        kept = {"supplier_id": whole["supplier_id"], "customer_id": whole["customer_id"]}
        if by_year:
            kept["year"] = pc.cast(whole["year"], pa.int64())
        kept.update(reason=whole["reason"], net_amount=whole["net_amount"],
                    n_transactions=pc.cast(whole["n_transactions"], pa.int64()))
        bad_links = pa.table(kept)
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
    return links, rejected, n_rounded, n_netted, bad_links


_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


def _counts_by_cause(rejected: dict) -> dict:
    totals = {}
    for (cause, _), n in rejected.items():
        totals[cause] = totals.get(cause, 0) + n
    return {cause: totals[cause] for cause in REJECT_CAUSES + LINK_REJECT_CAUSES if cause in totals}


def _warn(counts: dict, n_read: int, n_rounded: int, rejects, bad_links) -> None:
    if counts:
        total = sum(counts.values())
        detail = ", ".join(f"{n:,} {cause}" for cause, n in counts.items())
        where = (f"written to {rejects}" if rejects is not None
                 else "pass rejects=PATH (on the command line --rejects PATH) to write them out")
        warnings.warn(
            f"ingest: {total:,} of {n_read:,} transactions rejected and not summed "
            f"({detail}){_links_left_out(bad_links)}{_red_letter_hint(counts)}; {where}",
            ChainDataWarning, stacklevel=3,
        )
    if n_rounded:
        warnings.warn(
            f"ingest: {n_rounded:,} amounts had more than {AMOUNT_SCALE} decimal places and were "
            f"rounded to {AMOUNT_SCALE} before summing",
            ChainDataWarning, stacklevel=3,
        )


def _links_left_out(bad_links, shown: int = 3) -> str:
    """The warning's words on links rejected whole (netting to zero or below), naming some."""
    if bad_links is None or bad_links.num_rows == 0:
        return ""
    n = bad_links.num_rows
    rows = bad_links.slice(0, shown).to_pylist()
    named = "; ".join(
        f"{r['supplier_id']}→{r['customer_id']}" + (f" {r['year']}" if "year" in r else "")
        + f": net {r['net_amount']} from {r['n_transactions']:,} rows" for r in rows)
    return (f"; {n:,} {'link sums' if n == 1 else 'links sum'} to zero or less once negative "
            f"amounts are netted ({named}{'; …' if n > shown else ''}) and "
            f"{'is' if n == 1 else 'are'} left out whole, not clipped to zero: {'its' if n == 1 else 'their'} rows are the "
            "negative_net and zero_net ones")


def _red_letter_hint(counts: dict) -> str:
    if "negative_amount" not in counts:
        return ""
    return ("; a negative amount is often a red-letter invoice (红字发票) cancelling one that is "
            "summed: negative='net' (on the command line --negative net) nets them")
