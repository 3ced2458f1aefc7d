"""Presence: which firm is active in which segment, with what share of the segment's market.

A chain map gives one row per firm and segment it is active in
(:data:`chaingraph.schema.PRESENCE_COLUMNS`): ``firm_id``, ``segment_id``,
and optionally ``share`` (0–1 of the segment's market), ``amount`` (万元) and
``negligible`` (the map says the firm is present with a negligible share).
Without a presence table a chain derives one row per firm from
``firms.segment_id``.

The checks (each a :class:`~chaingraph.errors.ChainDataError` naming the
table, the column and the rows):

* a (firm_id, segment_id) pair given twice (rows are never merged);
* a segment whose shares sum above 1 + :data:`SHARE_SUM_TOLERANCE`; a sum in
  (1, 1 + tolerance] — published percentages rounded — only warns, and the
  data are kept as given;
* ``negligible`` true with a share above :data:`NEGLIGIBLE_MAX_SHARE`;
* a segment not in the chain template, when there is one;
* a ``firms.segment_id`` that is not one of that firm's presence segments
  (checked by :func:`check_primary_segments`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import schema
from .errors import format_rows
from .schema import ChainDataWarning, TableInfo

#: Canonical presence columns, in the order :attr:`ChainGraph.presence` has them.
COLUMNS = ("firm_id", "segment_id", "share", "amount", "negligible")
#: How far a segment's shares may sum above 1 (rounded percentages) before it is an error.
SHARE_SUM_TOLERANCE = 0.01
#: The largest share a provider flagged negligible may have.
NEGLIGIBLE_MAX_SHARE = 0.05
_ROUNDING = 1e-9  # float sums such as 0.3 + 0.7 are 1 up to this


def checked_presence(presence: pd.DataFrame, template) -> tuple[pd.DataFrame, TableInfo]:
    """The presence table checked and typed: every canonical column present (``share`` and
    ``amount`` float, ``negligible`` nullable boolean; missing where not given), other
    columns kept, the given index kept (for row numbers in later errors)."""
    info = TableInfo.of(presence, "presence")
    df = schema.canonical_columns(presence, "presence")
    df = schema.coerce_columns(df, schema.PRESENCE_COLUMNS, info)
    schema.check_ids(df, "firm_id", info, unique=False)
    df = _without_firms_placed_nowhere(df, info)
    schema.check_ids(df, "segment_id", info, unique=False)
    typed = {
        "share": _floats(df, "share"),
        "amount": _floats(df, "amount"),
        "negligible": (df["negligible"].astype("boolean") if "negligible" in df.columns
                       else pd.Series(pd.NA, index=df.index, dtype="boolean")),
    }
    df = df.assign(**typed)
    df = df[[*COLUMNS, *(c for c in df.columns if c not in COLUMNS)]]

    dup = df.duplicated(["firm_id", "segment_id"], keep=False).to_numpy()
    if dup.any():
        first = df[dup].iloc[0]
        raise info.error(
            f"firm {first['firm_id']!r} is listed in segment {first['segment_id']!r} more than "
            "once (give each firm and segment once)",
            "segment_id", df, dup,
        )
    if template is not None:
        bad = (schema.positions(df["segment_id"], template.segments.index) < 0)
        if bad.any():
            raise info.error(
                f"segments {schema._examples(df['segment_id'][bad])} are not in the "
                f"template '{template.name}'",
                "segment_id", df, bad,
            )
    share = df["share"].to_numpy(dtype="float64", na_value=np.nan)
    contradiction = df["negligible"].fillna(False).to_numpy(dtype=bool) & (share > NEGLIGIBLE_MAX_SHARE)
    if contradiction.any():
        raise info.error(
            f"flagged negligible but with a share above {NEGLIGIBLE_MAX_SHARE:g}: "
            f"{schema._examples(df['share'][contradiction])}",
            "negligible", df, contradiction,
        )
    _check_share_sums(df, share, info)
    return df, info


def _without_firms_placed_nowhere(df: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Presence without the rows of firms placed in no segment, with a warning naming them.

    :func:`chaingraph.assign_segments` (and ``chaingraph assign``) keeps one row with an
    empty ``segment_id`` for a firm it placed nowhere; such a row says what a firm without
    presence rows says. A missing segment beside the firm's other segments is an error
    (:func:`chaingraph.schema.check_ids` names the rows).
    """
    empty = (df["segment_id"].isna() | (df["segment_id"].fillna("") == "")).to_numpy()
    if not empty.any():
        return df
    placed = set(df["firm_id"][~empty])
    alone = empty & ~df["firm_id"].isin(placed).to_numpy()
    if not alone.any():
        return df
    if alone.all():
        raise info.error("no row names a segment: every firm is placed in no segment",
                         "segment_id", df, alone)
    n = int(alone.sum())
    warnings.warn(
        f"{info.source}: {n} rows name a firm and no segment (firms placed in no segment, as "
        f"assign_segments writes them): those firms are in no segment "
        f"({format_rows(info.rows(df, alone))})",
        ChainDataWarning, stacklevel=4,
    )
    kept = df[~alone]
    kept.attrs.update(df.attrs)
    return kept


def _floats(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype="float64")
    return df[col].astype("float64")


def _check_share_sums(df: pd.DataFrame, share: np.ndarray, info: TableInfo) -> None:
    """Per segment, Σ share ≤ 1 + tolerance (error above, warning between 1 and it)."""
    codes, segs = pd.factorize(df["segment_id"])
    sums = np.bincount(codes, weights=np.nan_to_num(share), minlength=len(segs))
    over = sums > 1 + SHARE_SUM_TOLERANCE + _ROUNDING
    if over.any():
        k = int(np.flatnonzero(over)[0])
        more = f" (and {int(over.sum()) - 1} more segments)" if over.sum() > 1 else ""
        raise info.error(
            f"the shares of segment {segs[k]!r} sum to {sums[k]:.4g}, more than 1{more}; "
            "give shares as fractions of the segment's market",
            "share", df, (codes == k) & ~np.isnan(share),
        )
    above = sums > 1 + _ROUNDING
    if above.any():
        shown = ", ".join(f"{segs[k]!r} ({sums[k]:.4g})" for k in np.flatnonzero(above)[:3])
        warnings.warn(
            f"{info.source}: the shares of {int(above.sum())} segments sum to a little more "
            f"than 1: {shown}; kept as given (rounded percentages?)",
            ChainDataWarning,
            stacklevel=4,
        )


def check_primary_segments(firms: pd.DataFrame, presence: pd.DataFrame, info: TableInfo) -> None:
    """A ``firms.segment_id`` given must be one of that firm's presence segments."""
    if "segment_id" not in firms.columns:
        return
    seg = firms["segment_id"]
    given = seg.notna().to_numpy()
    pairs = pd.MultiIndex.from_arrays([presence["firm_id"], presence["segment_id"]])
    found = pd.MultiIndex.from_arrays([firms["firm_id"], seg]).isin(pairs)
    bad = given & ~found
    if bad.any():
        raise info.error(
            f"segment_id {schema._examples(seg[bad])} of firms "
            f"{schema._examples(firms['firm_id'][bad])} is not one of the firm's segments in "
            "the presence table (firms.segment_id is the primary segment: one of them, or "
            "leave it empty)",
            "segment_id", firms, bad,
        )


def derived_presence(firms: pd.DataFrame) -> pd.DataFrame:
    """One presence row per firm with a ``segment_id`` (``firms`` indexed by firm_id); share,
    amount and negligible missing."""
    if "segment_id" in firms.columns:
        seg = firms["segment_id"]
        placed = seg.notna().to_numpy()
        ids, segs = firms.index[placed], seg[placed]
    else:
        ids = firms.index[:0]
        segs = pd.Series([], dtype=firms.index.dtype)
    n = len(ids)
    out = pd.DataFrame({
        "firm_id": pd.Series(ids.to_numpy(), dtype=firms.index.dtype),
        "segment_id": pd.Series(np.asarray(segs, dtype=object), dtype=firms.index.dtype),
        "share": np.full(n, np.nan),
        "amount": np.full(n, np.nan),
        "negligible": pd.array([pd.NA] * n, dtype="boolean"),
    })
    out.attrs["derived"] = True
    return out


def _positions(presence: pd.DataFrame, firm_ids: pd.Index, segment_ids: pd.Index):
    return (schema.positions(presence["firm_id"], firm_ids).astype(np.int64),
            schema.positions(presence["segment_id"], segment_ids).astype(np.int64))


def primary_codes(presence: pd.DataFrame, firm_ids: pd.Index, segment_ids: pd.Index,
                  given: np.ndarray | None) -> np.ndarray:
    """int32 per firm: its primary segment's position in ``segment_ids``, −1 when none.

    ``given`` (codes of ``firms.segment_id``, −1 where missing) wins; otherwise the
    presence row with the largest share, ties broken by the larger amount, then the first
    row (a missing share or amount counts as smallest).
    """
    f, k = _positions(presence, firm_ids, segment_ids)
    share = np.nan_to_num(presence["share"].to_numpy(dtype="float64", na_value=np.nan), nan=-1.0)
    amount = np.nan_to_num(presence["amount"].to_numpy(dtype="float64", na_value=np.nan), nan=-1.0)
    order = np.lexsort((np.arange(len(f)), -amount, -share, f))
    firsts = order[np.r_[True, np.diff(f[order]) != 0]] if len(order) else order
    codes = np.full(len(firm_ids), -1, dtype=np.int32)
    codes[f[firsts]] = k[firsts]
    if given is not None:
        codes = np.where(given >= 0, given, codes).astype(np.int32)
    return codes


def membership(presence: pd.DataFrame, firm_ids: pd.Index, segment_ids: pd.Index) -> sp.csr_array:
    """``M`` (n_firms × n_segments): each firm's presence rows, weighted to sum to 1.

    A firm's weights are its amounts over their sum when every one of its rows has a
    positive amount, else equal (1 / its number of rows).
    """
    f, k = _positions(presence, firm_ids, segment_ids)
    n = len(firm_ids)
    amount = presence["amount"].to_numpy(dtype="float64", na_value=np.nan)
    rows = np.bincount(f, minlength=n).astype(np.float64)
    usable = np.nan_to_num(amount, nan=0.0) > 0
    all_usable = np.bincount(f, weights=usable, minlength=n) == rows
    total = np.bincount(f, weights=np.where(usable, amount, 0.0), minlength=n)
    w = np.where(all_usable[f], np.where(usable, amount, 0.0) / np.where(total[f] > 0, total[f], 1.0),
                 1.0 / rows[f])
    m = sp.csr_array((w, (f.astype(np.int32), k.astype(np.int32))), shape=(n, len(segment_ids)))
    m.sort_indices()
    return m
