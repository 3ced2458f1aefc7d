"""The DuckDB SQL that sums transaction files into links (:func:`chaingraph.ingest_transactions`).

Amounts are read as ``DECIMAL(38, AMOUNT_SCALE)`` and summed as decimals; ids are
stripped and a spelling of "missing" (:data:`chaingraph._text_files.MISSING_SPELLINGS`)
is missing; each row gets the first reason it is rejected for, in the order of
:data:`chaingraph.ingest.REJECT_CAUSES`. When negative amounts are netted, a link
summing to zero or less gets one of :data:`chaingraph.ingest.LINK_REJECT_CAUSES`.
The files themselves, and how DuckDB scans each, are in
:mod:`chaingraph._transaction_files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ._text_files import MISSING_SPELLINGS

if TYPE_CHECKING:
    from ._transaction_files import TransactionFile

#: Decimal places amounts are read and summed with (0.000001 万元 = 1 fen).
AMOUNT_SCALE = 6

_DECIMAL = f"DECIMAL(38, {AMOUNT_SCALE})"
# stripped around ids: what str.strip() strips (ASCII spaces, tabs, no-break and ideographic spaces …)
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
# Dates that are not ISO (2024-03-05, 2024/03/05 and 2024-03-05 12:00 are read as dates directly).
_DATE_FORMATS = ("%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y.%m.%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"


# One pass over the files, in two steps. Step 1 works on every row and so does
# only cheap things: ids as read, the amount and date parsed, the reason a row
# is rejected (ids missing or equal as read); it sums by (supplier, customer,
# year, reason) into the table ``pairs``, far smaller than the files. Step 2
# works on ``pairs``: it sorts them and, only where some id has surrounding
# spaces or is a spelling of "missing" (NA, null, …), cleans the ids, rejects
# what becomes missing or a self-transaction only then, and sums the pairs that
# now share ids; when negative amounts are netted, it also rejects the links that
# sum to zero or less. Computed columns start with ``__cg_`` so that they never meet a
# file's own.


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _name(column: str) -> str:
    return '"' + str(column).replace('"', '""') + '"'


def _stripped(text: str) -> str:
    """SQL: ``text`` without surrounding spaces, NULL when nothing or a spelling of
    "missing" (``NA``, ``null``, … as :mod:`chaingraph.io` reads CSV) is left."""
    clean = f"trim({text}, {literal(_SPACES)})"
    missing = ", ".join(literal(v) for v in MISSING_SPELLINGS)
    return f"CASE WHEN {clean} IN ({missing}) THEN NULL ELSE {clean} END"


def _needs_cleaning(text: str) -> str:
    """SQL: whether :func:`_stripped` would change ``text`` (cheaper than running it:
    ``trim`` with a set of characters is slow, ``ascii`` gives a code point)."""
    codes = ", ".join(str(ord(ch)) for ch in _SPACES)
    missing = ", ".join(literal(v) for v in MISSING_SPELLINGS)
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
                 f"{literal(_THOUSANDS)}) THEN TRY_CAST(replace({col}, ',', '') AS {_DECIMAL}) END)")
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
    """SQL: (date as DATE or NULL, date empty or missing).

    A timestamp with a time zone (type class ``date@ZONE``) is an instant: its
    date is the one on the clock in ZONE, the column's own zone, whatever the
    machine's (2019-12-31 16:30 UTC is 2020-01-01 in Asia/Shanghai).
    """
    if tclass.startswith("date@"):
        zone = literal(tclass.removeprefix("date@"))
        return f"CAST(timezone({zone}, {col}) AS DATE)", f"{col} IS NULL"
    if tclass == "date":
        return f"CAST({col} AS DATE)", f"{col} IS NULL"
    text = _id_sql(col, tclass)  # a number as an id is: 20191231.0 (a float column) is '20191231'
    formats = "[" + ", ".join(literal(f) for f in _DATE_FORMATS) + "]"
    value = (f"COALESCE(TRY_CAST({text} AS DATE), "
             f"CAST(try_strptime(trim({text}), {formats}) AS DATE))")
    return value, f"{_stripped(text)} IS NULL"


def _row_sql(file: TransactionFile, scan: str, file_number: str, *, net: bool,
             original: bool = False) -> str:
    """Step 1 for one scan: a row per transaction, with the columns ``__cg_s``,
    ``__cg_c`` (ids as read), ``__cg_a`` (amount), ``__cg_rounded``, ``__cg_d``
    (date), ``__cg_file`` and ``__cg_reason``; with ``original``, also every column
    of the file as text and ``__cg_row`` (the row's number in the file).
    ``net``: a negative amount is a valid row (netted), not ``negative_amount``.
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
                    f"CASE WHEN {missing} THEN 'missing_amount' ELSE 'non_numeric_amount' END")]
        if not net:
            checks += [("__cg_a < 0", "'negative_amount'")]
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


def pairs_sql(files: list[TransactionFile], roles: dict, by_year: bool, *, net: bool) -> str:
    """Step 1: every row of every file, summed by (supplier, customer, year, reason, file).

    ``file`` (the position in ``files``) is kept for rejected rows only. ``net``: negative
    amounts are summed too, and counted in ``n_negative``.
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
        parts.append(_row_sql(first, first.scan([files[i].read_path for i in members]), number,
                              net=net))
    keys = ["__cg_s AS s", "__cg_c AS c"] + (["year(__cg_d) AS y"] if by_year else [])
    keys += ["__cg_reason AS reason",
             "CASE WHEN __cg_reason IS NULL THEN NULL ELSE __cg_file END AS file"]
    values = (["sum(__cg_a) AS amount"] if "amount" in roles else []) + ["count(*) AS n"]
    if "date" in roles:
        values += ["min(__cg_d) AS first_date", "max(__cg_d) AS last_date"]
    values.append("count(*) FILTER (WHERE __cg_rounded) AS n_rounded")
    if net and "amount" in roles:
        values.append("count(*) FILTER (WHERE __cg_a < 0) AS n_negative")
    return (f"SELECT {', '.join(keys + values)} FROM ({' UNION ALL '.join(parts)}) "
            f"GROUP BY ALL")


def links_sql(roles: dict, by_year: bool, *, clean_ids: bool, net: bool) -> str:
    """Step 2: the links from ``pairs``, valid ones first, sorted; rejected rows by reason
    and file (``file`` NULL for rows rejected only here, whose file step 1 did not keep).

    ``clean_ids``: strip the ids and judge them again, then sum pairs that now agree.
    ``net`` (with amounts): a link whose amounts, negative ones among them, sum to less
    than zero is rejected as ``negative_net``, to zero as ``zero_net``, keeping its ids,
    year, row count and (in ``net_amount``, as exact decimal text) its sum.
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
            "last_date": "max(last_date)", "n_rounded": "sum(n_rounded)",
            "n_negative": "sum(n_negative)"}
    if not clean_ids:  # one row of pairs per link: nothing to sum
        sums = {"amount": "amount", "n_transactions": "n", "first_date": "first_date",
                "last_date": "last_date", "n_rounded": "n_rounded", "n_negative": "n_negative"}
    net = net and "amount" in roles
    for name, kept in (("amount", "amount" in roles), ("first_date", "date" in roles),
                       ("last_date", "date" in roles), ("n_negative", net)):
        if not kept:
            del sums[name]
    group = " GROUP BY ALL" if clean_ids else ""
    summed = f"SELECT {', '.join(keys + [f'{sql} AS {name}' for name, sql in sums.items()])} " \
             f"FROM ({source}){group}"
    reason, extra = "reason", ""
    if net:
        link_cause = ("CASE WHEN amount < 0 THEN 'negative_net' "
                      "WHEN amount = 0 AND n_negative > 0 THEN 'zero_net' END")
        reason = f"COALESCE(reason, {link_cause})"
        extra = (f", CASE WHEN reason IS NULL AND {link_cause} IS NOT NULL "
                 f"THEN {_decimal_text('amount')} END AS net_amount")
    replaced = [f"{reason} AS reason"]
    if "amount" in sums:
        replaced.append("CAST(amount AS DOUBLE) AS amount")
    order = ["reason NULLS FIRST", "supplier_id", "customer_id"] + (["year"] if by_year else [])
    return (f"SELECT * REPLACE ({', '.join(replaced)}){extra} FROM ({summed}) "
            f"ORDER BY {', '.join(order)}")


def _decimal_text(value: str) -> str:
    """SQL: a DECIMAL as text without trailing zeros (-93.500000 → '-93.5', 0 → '0')."""
    return (f"CASE WHEN {value} = 0 THEN '0' "
            f"ELSE rtrim(rtrim(CAST({value} AS VARCHAR), '0'), '.') END")


def dirty_ids_sql() -> str:
    """SQL: how many rows of ``pairs`` have an id that step 2 must clean."""
    return f"SELECT count(*) FROM pairs WHERE {_needs_cleaning('s')} OR {_needs_cleaning('c')}"


def rejects_sql(files: list[TransactionFile], path: Path, *, net: bool,
                rejected_links: str | None = None, by_year: bool = False) -> str:
    """COPY the rejected rows of ``files``, every column as text, to ``path``, in file order.

    ``rejected_links``: a table of the links rejected whole (``supplier_id``,
    ``customer_id``, ``year`` with ``by_year``, ``reason``, ``net_amount``,
    ``n_transactions``); each valid row of such a link is written with the link's
    reason and, in ``link_supplier_id``, ``link_customer_id``, ``link_year``,
    ``link_net_amount`` and ``link_rows``, the link it was netted into.
    """
    parts = []
    for order, f in enumerate(files):
        rows = _row_sql(f, f.scan([f.read_path], numbered=True), literal(str(f.path)),
                        net=net, original=True)
        reason = _final_reason(_stripped("__cg_s"), _stripped("__cg_c"), "__cg_reason")
        keep = ", ".join(_name(c) for c in f.columns)
        if rejected_links is None:
            parts.append(f"SELECT * FROM (SELECT {keep}, {reason} AS reject_reason, __cg_file AS "
                         f"source_file, __cg_row AS source_row, {order} AS __cg_order FROM "
                         f"({rows})) WHERE reject_reason IS NOT NULL")
            continue
        match = ["r.__cg_reason IS NULL", "l.supplier_id = r.__cg_ts", "l.customer_id = r.__cg_tc"]
        link = ["l.supplier_id AS link_supplier_id", "l.customer_id AS link_customer_id"]
        if by_year:
            match.append("l.year = r.__cg_y")
            link.append("l.year AS link_year")
        link += ["l.net_amount AS link_net_amount", "l.n_transactions AS link_rows"]
        year = ", year(__cg_d) AS __cg_y" if by_year else ""
        judged = (f"SELECT {keep}, {reason} AS __cg_reason, {_stripped('__cg_s')} AS __cg_ts, "
                  f"{_stripped('__cg_c')} AS __cg_tc{year}, __cg_file AS source_file, "
                  f"__cg_row AS source_row FROM ({rows})")
        parts.append(
            f"SELECT * FROM (SELECT {', '.join('r.' + _name(c) for c in f.columns)}, "
            f"COALESCE(r.__cg_reason, l.reason) AS reject_reason, r.source_file, r.source_row, "
            f"{', '.join(link)}, {order} AS __cg_order FROM ({judged}) AS r LEFT JOIN "
            f"{rejected_links} AS l ON {' AND '.join(match)}) WHERE reject_reason IS NOT NULL")
    fmt = "FORMAT parquet" if path.suffix.lower() == ".parquet" else "FORMAT csv, HEADER true"
    query = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    return (f"COPY (SELECT * EXCLUDE (__cg_order) FROM ({query}) ORDER BY __cg_order, source_row) "
            f"TO {literal(str(path))} ({fmt})")
