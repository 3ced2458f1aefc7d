"""Canonical columns of the tables (firms, links, presence), and their validation and coercion.

Every check here raises :class:`~chaingraph.errors.ChainDataError` naming the
source (file or table), the column, the problem and the offending rows. Rows
are numbered as the user sees them: ``df.attrs["source"]`` and
``df.attrs["first_row"]`` (set by :mod:`chaingraph.io` when a table comes from
a file; the header is line 1, so the first data row is 2) make the numbers
file line numbers; for a DataFrame given directly they are its index labels.
The words users write for category values and column names, and the canonical
values they mean, are in :mod:`chaingraph._vocabulary`; the unified social
credit code's check character in :mod:`chaingraph._credit_code`. Both are
given here under their own names too.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._credit_code import CREDIT_CODE_CHARS, credit_code_check_char
# The words users write (and the canonical values they mean) live in _vocabulary; every
# list is read from here too, beside the columns it fills.
from ._vocabulary import (
    BOOL_WORDS,
    CLUSTER_TYPE_WORDS,
    COLUMN_ALIASES,
    FIRM_CATEGORY_WORDS,
    FIRM_KIND_WORDS,
    FIRM_KINDS,
    FOUNDATION_WORDS,
    FOUNDATIONS,
    IP_GRADE_WORDS,
    SEGMENT_KIND_WORDS,
    SEGMENT_KINDS,
    SIZE_CLASS_WORDS,
    SIZE_CLASSES,
    STAGE_WORDS,
    STAGES,
    TABLE_COLUMN_ALIASES,
    normalize_region,
)
from .countries import lookup_iso2, unknown_countries_message
from .errors import ChainDataError, format_rows

__all__ = [
    "FIRM_COLUMNS",
    "LINK_COLUMNS",
    "SEGMENT_COLUMNS",
    "FLOW_COLUMNS",
    "PRESENCE_COLUMNS",
    "SIZE_CLASSES",
    "STAGES",
    "FOUNDATIONS",
    "ChainDataWarning",
    "size_class_nbs2017",
    "normalize_region",
    "credit_code_check_char",
]


class ChainDataWarning(UserWarning):
    """Data was changed on the way in (summed, derived or added), and by how much."""


#: Canonical firms columns and their kinds. Only ``firm_id`` is required.
FIRM_COLUMNS: dict[str, str] = {
    "firm_id": "id",
    "name": "text",
    "segment_id": "id",
    "city": "text",
    "province": "text",
    "country": "country",
    "size_class": "size_class",
    "employees": "count",
    "revenue": "money",
    "designations": "text",
    "founded": "year",
    "founded_date": "date",
    "credit_code": "credit_code",
    "industry_code": "text",
    "business_scope": "text",
    "registered_capital": "capital",
    "rd_expense": "money",
    "rd_staff_share": "fraction",
    "main_business_revenue": "money",
    "main_business_growth": "number",
    "debt_ratio": "amount",
    "years_in_niche": "amount",
    "niche_market_share": "fraction",
    "global_rank": "count",
    "ip_class1": "count",
    "equity_financing": "money",
    "strategic_emerging": "bool",
    "kind": "firm_kind",
}

#: Canonical links columns. ``supplier_id`` and ``customer_id`` are required.
LINK_COLUMNS: dict[str, str] = {
    "supplier_id": "id",
    "customer_id": "id",
    "amount": "money",
    "segment_id": "id",
    "product": "text",
    "year": "year",
}

#: Presence (a chain map): which firm is active in which segment, with what share of its
#: market. ``firm_id`` and ``segment_id`` are required; a firm may have many rows.
PRESENCE_COLUMNS: dict[str, str] = {
    "firm_id": "id",
    "segment_id": "id",
    "share": "fraction",
    "amount": "money",
    "negligible": "bool",
}

#: Chain template segments. ``segment_id`` is required.
SEGMENT_COLUMNS: dict[str, str] = {
    "segment_id": "id",
    "name": "text",
    "name_en": "text",
    "stage": "stage",
    "foundation": "foundation",
    "parent": "id",
    "kind": "segment_kind",
}

#: Chain template segment flows. ``from_segment`` and ``to_segment`` are required.
FLOW_COLUMNS: dict[str, str] = {
    "from_segment": "id",
    "to_segment": "id",
    "essential": "bool",
}

REQUIRED = {
    "firms": ("firm_id",),
    "links": ("supplier_id", "customer_id"),
    "presence": ("firm_id", "segment_id"),
    "segments": ("segment_id",),
    "flows": ("from_segment", "to_segment"),
}


def size_class_nbs2017(employees, revenue) -> np.ndarray:
    """Firm size class by the NBS 2017 standard for industry (工业).

    ============  ==========================  =========================
    class         employees (从业人员)          revenue (营业收入, 万元)
    ============  ==========================  =========================
    large 大型     ≥ 1000                      ≥ 40000
    medium 中型    ≥ 300                       ≥ 2000
    small 小型     ≥ 20                        ≥ 300
    micro 微型     < 20                        < 300
    ============  ==========================  =========================

    Large, medium and small must meet *both* lower bounds; a firm that meets
    only one drops to the highest class whose both bounds it meets, which is
    the smaller of the classes its two indicators give. Micro needs one of the
    two. Where either input is missing the class is unknown (``None``).

    References
    ----------
    National Bureau of Statistics of China, 统计上大中小微型企业划分办法（2017）,
    国统字〔2017〕213号.

    Examples
    --------
    >>> size_class_nbs2017([1500, 1500, 300, 19], [50000, 1000, 2000, 1e6]).tolist()
    ['large', 'small', 'medium', 'micro']
    """
    emp = pd.to_numeric(pd.Series(employees, dtype="float64"), errors="coerce").to_numpy()
    rev = pd.to_numeric(pd.Series(revenue, dtype="float64"), errors="coerce").to_numpy()
    # rank 3 = large ... 0 = micro, for each indicator alone
    rank_emp = np.searchsorted([20, 300, 1000], emp, side="right")
    rank_rev = np.searchsorted([300, 2000, 40000], rev, side="right")
    rank = np.minimum(rank_emp, rank_rev)
    names = np.array(["micro", "small", "medium", "large"], dtype=object)
    out = names[rank]
    out[np.isnan(emp) | np.isnan(rev)] = None
    return out


# --------------------------------------------------------------------------- #
# row numbering and error helpers


@dataclass(frozen=True)
class TableInfo:
    """Where a table came from, for messages: its source and how rows are numbered."""

    source: str
    first_row: int | None  # file line of the first data row, or None for index labels

    @classmethod
    def of(cls, df: pd.DataFrame, default: str) -> "TableInfo":
        return cls(str(df.attrs.get("source", default)), df.attrs.get("first_row"))

    def rows(self, df: pd.DataFrame, mask) -> list:
        """User-facing numbers of the rows where ``mask`` is true."""
        pos = np.flatnonzero(np.asarray(mask))
        if self.first_row is not None:
            return [int(p) + self.first_row for p in pos]
        return [_python_scalar(v) for v in df.index[pos]]

    def error(self, problem, column=None, df=None, mask=None) -> ChainDataError:
        rows = self.rows(df, mask) if df is not None and mask is not None else None
        return ChainDataError(problem, source=self.source, column=column, rows=rows)


def _python_scalar(v):
    """A numpy scalar as the Python value it holds (for messages); anything else unchanged."""
    return v.item() if hasattr(v, "item") else v


def _examples(values, limit: int = 3) -> str:
    vals = list(dict.fromkeys(_python_scalar(v) for v in values))
    shown = ", ".join(repr(v) for v in vals[:limit])
    return shown + (", …" if len(vals) > limit else "")


# --------------------------------------------------------------------------- #
# coercion of single columns


_PANDAS3 = int(pd.__version__.split(".")[0]) >= 3


def as_text(s: pd.Series) -> pd.Series:
    """Text in pandas' default string dtype, missing values kept missing.

    Numbers are written as they read (``7`` → ``'7'``, also when a spreadsheet
    typed an id column as floats).
    """
    if pd.api.types.is_float_dtype(s.dtype):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    if _PANDAS3:
        return s if s.dtype == "str" else s.astype("str")
    missing = s.isna()
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.where(~missing, np.nan) if missing.any() else s
    out = s.astype(str)
    return out.mask(missing) if missing.any() else out


def _strip_ids(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """Ids without the ASCII blanks (space, tab, line breaks) around them, with a
    :class:`ChainDataWarning` saying how many ids of ``column`` changed and in which rows.
    Other blank characters (no-break and ideographic spaces, zero-width ones) are kept:
    they are reported, never removed."""
    s = as_text(s)
    stripped = s.str.strip(" \t\r\n")
    changed = ((stripped != s) & s.notna()).to_numpy(dtype=bool)
    if not changed.any():
        return s
    n = int(changed.sum())
    warnings.warn(
        f"{info.source}: column '{column}': spaces around {n} id{'s' if n > 1 else ''} were removed "
        f"({format_rows(info.rows(df, changed))})",
        ChainDataWarning,
        stacklevel=5,
    )
    return stripped


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number_text(text: pd.Series) -> pd.Series:
    """Text of numbers stripped, thousands separators removed, empty cells missing."""
    text = text.str.strip()
    text = text.where(~text.fillna("").str.match(_THOUSANDS), text.str.replace(",", "", regex=False))
    return text.mask(text == "")


def to_number(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """Numbers from numbers or text (thousands separators and full-width digits allowed); an
    error names the rows."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("int64")
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s
    text = _number_text(s.astype("string"))
    out = pd.to_numeric(text, errors="coerce")
    bad = out.isna() & text.notna()
    if bad.any():
        # full-width digits and separators (１２３, 1，234) are the same numbers typed with a
        # Chinese input method (only the cells that did not read are normalised: it is slow)
        text = text.copy()
        text[bad.to_numpy()] = _number_text(text[bad].str.normalize("NFKC")).to_numpy()
        out = pd.to_numeric(text, errors="coerce")
        bad = out.isna() & text.notna()
    if bad.any():
        raise info.error(
            f"non-numeric values {_examples(s[bad.to_numpy()])}", column, df, bad.to_numpy()
        )
    out = out.astype("float64")
    whole = out.dropna()
    if len(whole) and np.isfinite(whole).all() and (whole == np.floor(whole)).all() \
            and not out.isna().any() \
            and not text.str.contains(r"[.eE]", regex=True).any():
        out = out.astype("int64")
    return pd.Series(out.to_numpy(), index=s.index, name=s.name)


def to_bool(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s
    key = as_text(s).str.strip().str.lower()
    mapped = key.map(BOOL_WORDS)
    bad = mapped.isna() & key.notna()
    if bad.any():
        raise info.error(
            f"cannot read {_examples(s[bad.to_numpy()])} as true/false "
            "(use true/false, 1/0, yes/no or 是/否)",
            column, df, bad.to_numpy(),
        )
    if mapped.isna().any():
        return mapped.astype("boolean")
    return mapped.astype(bool)


def to_category(
    s: pd.Series, aliases: dict, allowed, info: TableInfo, column: str, df: pd.DataFrame
) -> pd.Series:
    key = as_text(s).str.strip()
    mapped = key.str.lower().map(aliases)
    mapped = mapped.where(mapped.notna(), key.map(aliases))
    bad = mapped.isna() & key.notna() & (key != "")
    if bad.any():
        raise info.error(
            f"unknown {column.replace('_', ' ')} {_examples(s[bad.to_numpy()])}; "
            f"use one of {', '.join(allowed)}",
            column, df, bad.to_numpy(),
        )
    return as_text(mapped.astype(object))


def to_country(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """ISO 3166 alpha-2 codes from codes or names (:mod:`chaingraph.countries`); an unknown
    name is an error naming its rows."""
    text = as_text(s).str.strip()
    codes, bad = lookup_iso2(text.mask(text == ""))
    if bad.any():
        raise info.error(unknown_countries_message(s[bad]), column, df, bad)
    return as_text(pd.Series(codes, index=s.index, name=s.name))


def check_amounts(s: pd.Series, info: TableInfo, column: str, df, *, allow_missing: bool):
    """Finite and non-negative; missing only where ``allow_missing``."""
    values = s.to_numpy(dtype="float64", na_value=np.nan)
    if not allow_missing and np.isnan(values).any():
        raise info.error("missing (NaN) values", column, df, np.isnan(values))
    if np.isinf(values).any():
        raise info.error("infinite values", column, df, np.isinf(values))
    neg = values < 0
    if neg.any():
        raise info.error(f"negative values {_examples(s[neg])}", column, df, neg)


#: The largest float; a sum above it is ``inf``.
_FLOAT_MAX = np.finfo(np.float64).max
_TOO_LARGE = "add up to more than 1.8e308, the largest number a float holds"


def check_amount_sums(links: pd.DataFrame, ends, ids: pd.Index, info: TableInfo) -> None:
    """Each firm's sales and purchases, and all amounts together, must stay finite.

    Amounts that are each finite can add up to ``inf`` (two of ``1e308`` into one
    customer); every analysis built on the sums would then fail or give NaN.
    """
    amount = links["amount"].to_numpy(dtype="float64")
    with np.errstate(over="ignore"):
        for end, verb in ((ends[1], "bought by"), (ends[0], "sold by")):
            sums = np.bincount(end, weights=amount, minlength=len(ids))
            over = np.flatnonzero(np.isinf(sums))
            if over.size:
                raise info.error(
                    f"the amounts {verb} firm {_python_scalar(ids[over[0]])!r} {_TOO_LARGE}; "
                    "give amounts in a larger unit", "amount", links, end == over[0],
                )
        total = amount.sum()
    if np.isinf(total):
        # only amounts above max/n can take a sum of n of them past the largest float
        raise info.error(f"the amounts {_TOO_LARGE}; give amounts in a larger unit",
                         "amount", links, amount > _FLOAT_MAX / len(amount))


def check_column_totals(df: pd.DataFrame, kinds: dict[str, str], info: TableInfo) -> None:
    """Amount and count columns must add up to a finite total (they are summed by segment)."""
    for col, kind in kinds.items():
        if kind not in ("amount", "money", "count") or col not in df.columns:
            continue
        values = df[col].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(over="ignore"):
            total = np.nansum(values)
        if np.isinf(total):
            n = int(np.count_nonzero(~np.isnan(values)))
            raise info.error(f"the values {_TOO_LARGE}; give them in a larger unit",
                             col, df, values > _FLOAT_MAX / n)


_INVISIBLE_CATEGORIES = ("Cf", "Zs", "Zl", "Zp", "Cc")


def _invisible(text: str) -> list[str]:
    """Characters of ``text`` that show as nothing or as a plain space (not the space itself)."""
    return [c for c in dict.fromkeys(text)
            if c != " " and unicodedata.category(c) in _INVISIBLE_CATEGORIES]


def _invisible_phrase(chars) -> str:
    """``"an invisible character, U+200B ZERO WIDTH SPACE"`` (or several)."""
    what = "an invisible character" if len(chars) == 1 else "invisible characters"
    return what + ", " + ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED')}" for c in chars)


def invisible_note(unknown, known: pd.Index, table: str) -> str:
    """Why ids that look right are not found: the invisible characters in them, or in the
    ``known`` ids of ``table`` that they would match without those characters.

    Looks at the first three ``unknown`` ids (those an error message shows). Returns
    ``" (…)"`` to append to the message, or ``""`` when no invisible character is involved.
    """
    unknown = [str(u) for u in list(dict.fromkeys(unknown))[:3]]
    known_text = pd.Series(known, dtype=object).dropna().astype(str)
    visible = {}  # known id without its invisible characters -> the known id
    for k in known_text[known_text.str.contains(r"[^\x21-\x7e]", regex=True)]:
        chars = _invisible(k)
        if chars:
            visible["".join(c for c in k if c not in chars)] = k
    notes = []
    for u in unknown:
        if _invisible(u):
            note = f"contains {_invisible_phrase(_invisible(u))}"
        elif u in visible:
            note = (f"the {table} table has {visible[u]!r}, which differs by "
                    f"{_invisible_phrase(_invisible(visible[u]))}")
        else:
            continue
        notes.append(note if len(unknown) == 1 else f"{u!r}: {note}")
    return f" ({'; '.join(notes)})" if notes else ""


# --------------------------------------------------------------------------- #
# firm-register columns: credit codes, registered capital, dates

def to_credit_code(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """Credit codes stripped, half-width (``９１３５…`` typed in full width reads as ``9135…``)
    and upper-cased; a malformed one is an error naming its rows."""
    codes = as_text(s).str.normalize("NFKC").str.strip().str.upper()
    codes = codes.mask(codes == "")
    bad = np.zeros(len(codes), dtype=bool)
    for i, code in enumerate(codes):
        if isinstance(code, str) and (len(code) != 18 or credit_code_check_char(code) != code[17]):
            bad[i] = True
    if bad.any():
        raise info.error(
            f"invalid unified social credit codes {_examples(s[bad])} (GB 32100-2015: 18 "
            "characters from 0-9 and A-Y without I, O, S, V, Z, the last a check character)",
            column, df, bad,
        )
    return codes


_CAPITAL = re.compile(
    r"^(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>万|亿)?\s*(?:元)?\s*(?:人民币|rmb|cny)?$"
)
#: A character that marks text as money written with its unit (5000万元, 1.2亿元, 800元).
_MONEY_UNIT = re.compile(r"[万亿元]")


def _in_wan_yuan(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame, what: str):
    """Text amounts with or without a unit, in 万元 CNY; an unreadable one is an error naming
    the rows."""
    text = as_text(s).str.normalize("NFKC").str.strip().str.lower().str.replace(",", "", regex=False)
    values = np.full(len(text), np.nan)
    bad = np.zeros(len(text), dtype=bool)
    for i, cell in enumerate(text):
        if not isinstance(cell, str) or cell == "":
            continue
        m = _CAPITAL.match(cell)
        if m is None:
            bad[i] = True
            continue
        scale = {"万": 1.0, "亿": 1e4}.get(m["unit"], 1.0)
        if m["unit"] is None and ("元" in cell):
            scale = 1e-4  # plain 元
        values[i] = float(m["num"]) * scale
    if bad.any():
        raise info.error(
            f"cannot read {what} {_examples(s[bad])} as 万元 CNY (give a number "
            "in 万元, or text such as '5000万元人民币'; convert other currencies first)",
            column, df, bad,
        )
    return pd.Series(values, index=s.index, name=s.name)


def to_capital(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """Registered capital (注册资本) in 万元 CNY.

    Numbers are taken as 万元; text may carry a unit and the currency as
    registers write it (``"5000万元人民币"``, ``"1.2亿"``, ``"800 万人民币"``).
    Another currency (``"500万美元"``) is an error naming the rows: it cannot be
    converted without an exchange rate.
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        out = s.astype("float64")
    else:
        out = _in_wan_yuan(s, info, column, df, "registered capital")
    check_amounts(out, info, column, df, allow_missing=True)
    return out


def to_money(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """An amount of money in 万元 CNY (revenue, a link's amount …), as :func:`to_number` reads
    numbers; a column whose text carries units (``"450264万元"``, ``"25.96亿元"``,
    ``"3,000元"``) is converted to 万元 as :func:`to_capital` converts registered capital, and
    a ``ChainDataWarning`` says how many cells had a unit."""
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return to_number(s, info, column, df)
    unit = as_text(s).str.contains(_MONEY_UNIT, regex=True).fillna(False).to_numpy(dtype=bool)
    if not unit.any():
        return to_number(s, info, column, df)
    out = _in_wan_yuan(s, info, column, df, "amounts")
    warnings.warn(
        f"{info.source}: column '{column}': {int(unit.sum())} amounts written with a unit "
        f"(万元, 亿元 or 元) were converted to 万元 ({format_rows(info.rows(df, unit))})",
        ChainDataWarning, stacklevel=5,
    )
    return out


def to_date(s: pd.Series, info: TableInfo, column: str, df: pd.DataFrame) -> pd.Series:
    """Dates (``2015-03-12``, ``2015/3/12``, ``20150312``, ``2015年3月12日``, and a date at
    midnight as an Excel date cell reads, ``2015-03-12 00:00:00``); an error names the rows."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    text = as_text(s).str.strip().str.replace(r"\s+00:00(:00)?$", "", regex=True)
    text = text.mask(text == "")
    norm = text.str.replace(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", regex=True)
    norm = norm.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    norm = norm.str.replace("/", "-", regex=False).str.replace(".", "-", regex=False)
    out = pd.to_datetime(norm, format="%Y-%m-%d", errors="coerce")
    bad = (out.isna() & text.notna()).to_numpy()
    if bad.any():
        raise info.error(f"cannot read {_examples(s[bad])} as dates (use 2015-03-12)",
                         column, df, bad)
    return pd.Series(out.to_numpy(dtype="datetime64[ns]"), index=s.index, name=s.name)


def founded_from_date(founded, founded_date, info: TableInfo, df: pd.DataFrame):
    """The ``founded`` year from ``founded_date`` where the year is missing.

    Returns the year column (``None`` when nothing changes). Where both are
    given they must agree: a year that differs from the date's year is an
    error naming the rows.
    """
    years = pd.Series(founded_date.dt.year, index=founded_date.index).astype("Int64")
    if founded is None:
        return years if years.notna().any() else None
    given = pd.to_numeric(founded, errors="coerce").astype("Int64")
    clash = (given.notna() & years.notna() & (given != years)).fillna(False).to_numpy()
    if clash.any():
        raise info.error("founded year differs from the year of founded_date",
                         "founded", df, clash)
    fill = (given.isna() & years.notna()).to_numpy()
    if not fill.any():
        return None
    warnings.warn(
        f"{info.source}: founded year taken from founded_date for {int(fill.sum())} firms",
        ChainDataWarning, stacklevel=5,
    )
    return given.where(~fill, years)


# --------------------------------------------------------------------------- #
# whole tables


def canonical_columns(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Strip column names, map known Chinese aliases, check required columns."""
    info = TableInfo.of(df, table)
    repeated = df.columns[df.columns.duplicated()]
    if len(repeated):
        raise ChainDataError(f"column {_python_scalar(repeated[0])!r} appears more than once",
                             source=info.source)
    aliases = {**COLUMN_ALIASES, **TABLE_COLUMN_ALIASES.get(table, {})}
    names = {}
    for c in df.columns:
        clean = str(c).strip()
        canon = clean if clean in _all_canonical() else aliases.get(clean.lower(), clean)
        names[c] = canon
    renamed = list(names.values())
    dupes = sorted({n for n in renamed if renamed.count(n) > 1})
    if dupes:
        raise ChainDataError(
            f"column {dupes[0]!r} appears more than once (after mapping Chinese headers)",
            source=info.source,
        )
    if any(k != v for k, v in names.items()):
        df = df.rename(columns=names)
    for col in REQUIRED[table]:
        if col not in df.columns:
            found = ", ".join(map(str, df.columns)) or "none"
            raise ChainDataError(
                f"missing required column '{col}' (columns found: {found})", source=info.source
            )
    if len(df) == 0:
        raise ChainDataError(f"the {table} table is empty", source=info.source)
    return df


def _all_canonical():
    return {**FIRM_COLUMNS, **LINK_COLUMNS, **PRESENCE_COLUMNS, **SEGMENT_COLUMNS, **FLOW_COLUMNS}


def coerce_columns(df: pd.DataFrame, kinds: dict[str, str], info: TableInfo) -> pd.DataFrame:
    """Coerce every canonical column present to its kind.

    Other columns are left as they are, except columns of Python strings (and
    missing values), which take pandas' string dtype like the known text columns.
    """
    out = {}
    for col, kind in kinds.items():
        if col not in df.columns:
            continue
        s = df[col]
        if kind == "id":
            s = _strip_ids(s, info, col, df)
        elif kind == "text":
            s = as_text(s)
        elif kind in ("amount", "money", "count", "fraction", "number", "year"):
            s = to_money(s, info, col, df) if kind == "money" else to_number(s, info, col, df)
            check_amounts(s, info, col, df, allow_missing=True) if kind != "number" else None
            if kind == "number":
                v = s.to_numpy(dtype="float64", na_value=np.nan)
                if np.isinf(v).any():
                    raise info.error("infinite values", col, df, np.isinf(v))
            if kind == "fraction":
                v = s.to_numpy(dtype="float64", na_value=np.nan)
                big = v > 1
                if big.any():
                    raise info.error(
                        f"values {_examples(s[big])} are above 1; give shares as fractions "
                        "(0.12 for 12%)", col, df, big,
                    )
        elif kind == "bool":
            s = to_bool(s, info, col, df)
        elif kind == "credit_code":
            s = to_credit_code(s, info, col, df)
        elif kind == "capital":
            s = to_capital(s, info, col, df)
        elif kind == "date":
            s = to_date(s, info, col, df)
        elif kind == "size_class":
            s = to_category(s, SIZE_CLASS_WORDS, SIZE_CLASSES, info, col, df)
        elif kind == "stage":
            s = to_category(s, STAGE_WORDS, STAGES, info, col, df)
        elif kind == "foundation":
            s = to_category(s, FOUNDATION_WORDS, FOUNDATIONS, info, col, df)
        elif kind == "firm_kind":
            s = to_category(s, FIRM_KIND_WORDS, FIRM_KINDS, info, col, df)
        elif kind == "segment_kind":
            s = to_category(s, SEGMENT_KIND_WORDS, SEGMENT_KINDS, info, col, df)
        elif kind == "country":
            s = to_country(s, info, col, df)
        if s is not df[col]:
            out[col] = s
    if "founded_date" in out and "founded" in kinds:
        # a register's 成立日期 keeps the full date; the year the tier rules read follows from it
        current = out.get("founded", df["founded"] if "founded" in df.columns else None)
        year = founded_from_date(current, out["founded_date"], info, df)
        if year is not None:
            out["founded"] = year
    for col in df.columns:
        # other columns are kept as they are, except that text held as Python objects takes
        # pandas' string dtype (as the known text columns do), so files give it back exactly
        if col not in kinds and df[col].dtype == object and \
                pd.api.types.infer_dtype(df[col], skipna=True) in ("string", "empty"):
            out[col] = as_text(df[col])
    return df.assign(**out) if out else df


def positions(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position of each value in the unique ``ids`` (int32 or int64; −1 where absent).

    Uses Arrow's hash lookup (``pyarrow.compute.index_in``), about seven times
    faster than ``Index.get_indexer`` on a million string ids.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        found = pc.index_in(pa.array(values), value_set=pa.array(ids))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return ids.get_indexer(values)
    out = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
    pa.default_memory_pool().release_unused()  # hand the hash table's pages back
    return out


def check_ids(df: pd.DataFrame, column: str, info: TableInfo, *, unique: bool) -> None:
    ids = df[column]
    missing = ids.isna().to_numpy() | (ids.fillna("") == "").to_numpy()
    if missing.any():
        # a row of separators only (an empty spreadsheet row saved as CSV) is read as a row
        empty = df[missing].isna().all(axis=1).all()
        raise info.error("missing ids" + (" (empty rows: delete them)" if empty else ""),
                         column, df, missing)
    if unique:
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            raise info.error(
                f"duplicate {column} {_examples(ids[dup])}", column, df, dup
            )


def derive_size_class(firms: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Fill ``size_class`` by the NBS 2017 rule where it is absent and both inputs exist."""
    has_inputs = {"employees", "revenue"} <= set(firms.columns)
    if "size_class" in firms.columns:
        current = firms["size_class"]
    else:
        current = pd.Series(None, index=firms.index, dtype=object)
    if not has_inputs:
        return firms if "size_class" in firms.columns else firms.assign(size_class=as_text(current))
    todo = current.isna().to_numpy()
    if not todo.any():
        return firms
    derived = size_class_nbs2017(firms["employees"].to_numpy()[todo], firms["revenue"].to_numpy()[todo])
    filled = current.astype(object).to_numpy().copy()
    filled[todo] = derived
    n_new = int(pd.notna(derived).sum())
    if n_new and "size_class" in firms.columns:
        warnings.warn(
            f"{info.source}: size_class derived by the NBS 2017 rule for {n_new} firms "
            "where it was missing",
            ChainDataWarning,
            stacklevel=4,
        )
    return firms.assign(size_class=as_text(pd.Series(filled, index=firms.index)))
