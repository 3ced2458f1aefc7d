"""Years in the data (a panel): one year's rows of the firms, presence and links tables.

Any of the three tables may carry a ``year`` column (年份). The rules:

* A chain is **of one year** when the firms or presence table carries years
  (a firm's row of a year *is* the firm in that year, so there is no chain of
  every year at once), or when a year is asked for (``year=``). Without a
  year asked for it is the latest year of those tables, and a warning says so
  when they hold several.
* In a chain of one year, the rows of every table that carries years are that
  year's; a table without a ``year`` column holds for every year (firms
  without years are always present, links without years always there). The
  firms and presence tables of a chain of one year drop their ``year`` column
  (it is :attr:`ChainGraph.year`); links keep theirs, as given.
* When only links carry years and no year is asked for, the chain holds every
  link row (repeated pairs summed, as for any links table).
* Rows without a year in a table with a ``year`` column, and years that are
  not whole numbers, are errors naming the rows — when a year is chosen.

Row numbers in later errors stay those of the whole table (the file's lines,
or the DataFrame's index labels).
"""

from __future__ import annotations

import operator
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema
from .errors import ChainDataError
from .schema import ChainDataWarning, TableInfo

#: The tables that may carry years, and whether a chain of one year keeps their ``year`` column.
KEEPS_YEAR_COLUMN = {"firms": False, "presence": False, "links": True}


@dataclass(frozen=True)
class Panel:
    """The firms, links and presence tables as given, with every year's rows.

    Kept by a chain built from data of several years, so that
    :meth:`ChainGraph.in_year` can build the chain of another year.
    """

    firms: pd.DataFrame
    links: pd.DataFrame | None
    presence: pd.DataFrame | None
    unknown_firms: str
    years: tuple[int, ...]


@dataclass(frozen=True)
class YearChoice:
    """What :func:`choose_year` returns: the tables of the chosen year and what was chosen."""

    firms: pd.DataFrame
    links: pd.DataFrame | None
    presence: pd.DataFrame | None
    year: int | None  # the chain's year (None: every row of every year)
    selected: bool  # whether rows were chosen by year
    panel: Panel | None  # the tables of every year, when the data hold more than one


def year_column(df: pd.DataFrame):
    """The column of ``df`` that holds years: ``year`` or a header that means it (年份)."""
    canonical = schema._all_canonical()
    for col in df.columns:
        clean = str(col).strip()
        name = clean if clean in canonical else schema.COLUMN_ALIASES.get(clean.lower(), clean)
        if name == "year":
            return col
    return None


def table_years(df: pd.DataFrame | None, table: str) -> np.ndarray | None:
    """The years of ``df``'s rows as floats (NaN where missing), or None without a year column.

    Raises
    ------
    ChainDataError
        Text that is not a number, or a number that is not a whole, non-negative year,
        naming the rows.
    """
    if df is None:
        return None
    col = year_column(df)
    if col is None:
        return None
    info = TableInfo.of(df, table)
    values = schema.to_number(df[col], info, str(col), df)
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(v) & (~np.isfinite(v) | (v != np.floor(v)) | (v < 0))
    if bad.any():
        raise info.error(f"years must be whole numbers, found {schema._examples(df[col][bad])}",
                         str(col), df, bad)
    return v


def years_in(*arrays) -> list[int]:
    """The distinct years of some :func:`table_years` results, ascending."""
    found = set()
    for v in arrays:
        if v is not None:
            found.update(int(y) for y in np.unique(v[~np.isnan(v)]))
    return sorted(found)


def checked_year(year) -> int:
    """``year`` as an int (``TypeError`` for anything that is not a whole number type)."""
    if isinstance(year, (bool, np.bool_)):
        raise TypeError(f"year must be a whole number such as 2023, not {year!r}")
    try:
        return operator.index(year)
    except TypeError:
        raise TypeError(f"year must be a whole number such as 2023, not {year!r}") from None


def span(years) -> str:
    """``[2021, 2022, 2023]`` → ``"2021–2023"``; one year as itself; otherwise listed."""
    years = list(years)
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def choose_year(firms: pd.DataFrame, links: pd.DataFrame | None, presence: pd.DataFrame | None,
                year, unknown_firms: str) -> YearChoice:
    """The tables of one year (see the module notes), and the panel of every year."""
    tables = {"firms": firms, "links": links, "presence": presence}
    years = {name: table_years(df, name) for name, df in tables.items()}
    every = years_in(*years.values())
    if year is not None:
        year = checked_year(year)
        if year not in every:
            found = (f"the years in the data are {span(every)}" if every
                     else "no table has a year column")
            raise ChainDataError(f"no data for year {year}: {found}")
    keyed = years_in(years["firms"], years["presence"])
    if year is None and keyed:
        year = keyed[-1]
        if len(keyed) > 1:
            which = " and ".join(t for t in ("firms", "presence") if years[t] is not None)
            warnings.warn(
                f"{which}: rows for {len(keyed)} years ({span(keyed)}); this chain is of the "
                f"latest, {year} (choose one with year=…; chain.in_year(y) gives another)",
                ChainDataWarning, stacklevel=3,
            )
    panel = None
    if len(every) > 1:
        panel = Panel(*(None if df is None else df.copy() for df in tables.values()),
                      unknown_firms=unknown_firms, years=tuple(every))
    if year is None:
        # links alone carry years and none was asked for: every row; one year if there is one
        only = every[0] if len(every) == 1 and not np.isnan(years["links"]).any() else None
        return YearChoice(firms, links, presence, only, False, panel)
    chosen = {name: (df if years[name] is None
                     else rows_of_year(df, name, years[name], year))
              for name, df in tables.items()}
    return YearChoice(chosen["firms"], chosen["links"], chosen["presence"], year, True, panel)


def rows_of_year(df: pd.DataFrame, table: str, years: np.ndarray, year: int) -> pd.DataFrame:
    """The rows of ``year``, numbered as in the whole table; without the ``year`` column
    where :data:`KEEPS_YEAR_COLUMN` says so."""
    info = TableInfo.of(df, table)
    col = year_column(df)
    missing = np.isnan(years)
    if missing.any():
        raise info.error("rows without a year; in a table with a year column every row needs "
                         "one to choose a year's rows", str(col), df, missing)
    keep = years == year
    if table == "firms" and not keep.any():
        raise ChainDataError(f"no firm has a row for year {year}", source=info.source,
                             column=str(col))
    out = df
    if info.first_row is not None:
        # keep the file's line numbers for later messages: as index labels
        out = df.set_axis(pd.RangeIndex(info.first_row, info.first_row + len(df)))
    out = out[keep]
    if not KEEPS_YEAR_COLUMN[table]:
        out = out.drop(columns=col)
    out.attrs = {**df.attrs, "first_row": None}
    return out
