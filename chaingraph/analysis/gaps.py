"""Chain gaps (缺链 / 断链) and whom to attract or grow to close them (补链 / 延链).

:func:`gaps` lists the gaps of the chain in the focus region, one row per
gap; :func:`gap_candidates` lists, for each gap, the firms that could close
it, as a long table that exports cleanly to CSV or Excel.

Segment-level quantities follow :mod:`chaingraph.analysis.weak`: a link's
input segment is the supplier's segment, and the *local demand* for segment
*k* is what local customers buy from firms of segment *k*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph.analysis._common import per_chain, with_place
from chaingraph.analysis._segment_supply import (
    _check_fraction,
    _edges,
    _id_rank,
    _location_categorical,
    _provider_sums,
    _providers,
    _require_segments,
    _segment_supply,
    _segment_weights,
)
from chaingraph.core import ChainGraph

__all__ = ["gaps", "gap_candidates", "GAP_KINDS"]

#: Gap kinds, most severe first.
GAP_KINDS = ("missing", "no_local", "broken_link", "leakage")

#: Base severity of each kind (multiplied by the segment weight; see :func:`gaps`).
_BASE = {"missing": 1.0, "no_local": 0.9}
_BROKEN_ESSENTIAL, _BROKEN_OTHER, _LEAKAGE = 0.6, 0.3, 0.6


def _gap_rows(chain, leakage_threshold: float, other_weight: float):
    """The gaps as arrays: segment code, to-segment code (−1), kind, severity, shares."""
    counts = _provider_sums(chain, _providers(chain))
    n_seg = len(chain.segment_ids)
    weight = _segment_weights(chain, other_weight)
    if chain.has_links:
        sup = _segment_supply(chain)
        d = sup["demand"]
        with np.errstate(invalid="ignore", divide="ignore"):
            away = np.where(d > 0, (sup["demand_outside"] + sup["demand_foreign"]) / d, np.nan)
    else:  # a chain map: no demand known
        sup, d, away = None, np.full(n_seg, np.nan), np.full(n_seg, np.nan)
    process = (chain.segments["kind"] == "process").to_numpy(dtype=bool, na_value=False)

    rows = []  # (segment, to_segment, kind, severity)
    for k in range(n_seg):
        if counts["n"][k] == 0:
            if not process[k]:  # a process step without providers is not a gap
                rows.append((k, -1, "missing", weight[k] * _BASE["missing"]))
        elif counts["local"][k] == 0:
            rows.append((k, -1, "no_local", weight[k] * _BASE["no_local"]))
        elif d[k] > 0 and away[k] > leakage_threshold:
            rows.append((k, -1, "leakage", weight[k] * _LEAKAGE * away[k]))

    t = chain.template
    if chain.has_links and t is not None and len(t.flows):
        have = _local_segment_trade(chain)
        flows = t.effective_flows
        fk = chain.segment_ids.get_indexer(flows["from_segment"])
        fl = chain.segment_ids.get_indexer(flows["to_segment"])
        for k, l, ess in zip(fk.tolist(), fl.tolist(), flows["essential"].tolist()):
            if counts["local"][k] > 0 and counts["local"][l] > 0 and not have[k, l]:
                base = _BROKEN_ESSENTIAL if ess else _BROKEN_OTHER
                rows.append((k, l, "broken_link", weight[k] * base))
    return rows, sup, d, away


def _local_segment_trade(chain) -> np.ndarray:
    """Bool ``H[k, l]``: a local firm of segment *k* (or of a segment nested in it) sells to a
    local firm of *l* (or nested in it), by the firms' primary segments."""
    n_seg = len(chain.segment_ids)
    seg = chain.segment_codes.astype(np.int64)
    s, c, _ = _edges(chain)
    both = chain.is_local[s] & chain.is_local[c] & (seg[s] >= 0) & (seg[c] >= 0)
    h = sp.csr_array((np.ones(int(both.sum())), (seg[s[both]], seg[c[both]])), shape=(n_seg, n_seg))
    a = chain.segment_ancestry
    return (a.T @ h @ a).toarray() > 0


def _gap_frame(chain, leakage_threshold, other_weight):
    rows, sup, demand, away = _gap_rows(chain, leakage_threshold, other_weight)
    kinds = list(GAP_KINDS)
    rows.sort(key=lambda r: (-r[3], kinds.index(r[2]), r[0], r[1]))
    seg_k = np.array([r[0] for r in rows], dtype=np.int64)
    seg_l = np.array([r[1] for r in rows], dtype=np.int64)
    names = chain.segment_ids.to_numpy(dtype=object)
    segs = chain.segments
    frame = pd.DataFrame(
        {
            "segment_id": pd.array([names[k] for k in seg_k], dtype="string"),
            "to_segment": pd.array([names[l] if l >= 0 else None for l in seg_l], dtype="string"),
            "kind": pd.array([r[2] for r in rows], dtype="string"),
            "name": pd.array(segs["name"].to_numpy(dtype=object)[seg_k] if len(rows) else [],
                             dtype="string"),
            "foundation": pd.array(
                segs["foundation"].to_numpy(dtype=object)[seg_k] if len(rows) else [],
                dtype="string"),
            "local_demand": demand[seg_k] if len(rows) else np.array([], float),
            "outside_share": away[seg_k] if len(rows) else np.array([], float),
            "severity": np.array([r[3] for r in rows], dtype=float),
        }
    )
    return frame, seg_k, seg_l, sup


def _adjacent_segments(chain, k: int) -> list[int]:
    """Segments next to ``k``: template neighbours, or segments trading with ``k`` in the data."""
    t = chain.template
    ids = chain.segment_ids
    if t is not None and len(t.flows):
        flows = t.effective_flows  # with the flows nested segments inherit
        sid = ids[k]
        near = list(flows["from_segment"][flows["to_segment"] == sid]) + list(
            flows["to_segment"][flows["from_segment"] == sid])
        return sorted(set(ids.get_indexer(near).tolist()) - {k, -1})
    seg = chain.segment_codes.astype(np.int64)
    s, c, _ = _edges(chain)
    ks, lc = seg[s], seg[c]
    near = np.concatenate([lc[(ks == k) & (lc >= 0)], ks[(lc == k) & (ks >= 0)]])
    return sorted(set(np.unique(near).tolist()) - {k})


def _candidate_table(chain, frame, seg_k, seg_l, sup, top):
    """Long table of fill / extend candidates for each gap row of ``frame``."""
    n = chain.n_firms
    seg = chain.segment_codes.astype(np.int64)
    local = chain.is_local
    w = chain.adjacency
    # firm × segment: purchases from the segment's firms, sales to the segment's firms
    ind = chain.segment_membership
    bought = (w.T @ ind).tocsc()  # [f, k]: what f buys from segment k
    sold = (w @ ind).tocsc()  # [f, k]: what f sells to segment k
    out_str = chain.out_strength
    id_rank = _id_rank(chain)
    s, c, a = _edges(chain)

    parts = []
    for g, (k, l) in enumerate(zip(seg_k.tolist(), seg_l.tolist())):
        if l < 0:
            # fill: non-local firms of k selling to local customers
            fill = np.flatnonzero((seg == k) & ~local & (sup["to_local"] > 0))
            fill_amt = sup["to_local"][fill]
            near = _adjacent_segments(chain, k)
            ext = np.flatnonzero(local & np.isin(seg, near)) if near else np.array([], np.int64)
            ext_amt = (bought[:, [k]].toarray().ravel() + sold[:, [k]].toarray().ravel())[ext]
        else:
            # fill: non-local firms of k selling to local firms of l
            sel = (seg[s] == k) & ~local[s] & (seg[c] == l) & local[c]
            fill_amt_all = np.bincount(s[sel], weights=a[sel], minlength=n)
            fill = np.flatnonzero(fill_amt_all > 0)
            fill_amt = fill_amt_all[fill]
            # extend: local firms of k, by what they sell to segment l anywhere
            ext = np.flatnonzero(local & (seg == k))
            ext_amt = sold[:, [l]].toarray().ravel()[ext]
        for role, firms, amt in (("fill", fill, fill_amt), ("extend", ext, ext_amt)):
            named = ~chain.is_aggregate[firms]  # an aggregate is never a candidate
            firms, amt = firms[named], amt[named]
            order = np.lexsort((id_rank[firms], -out_str[firms], -amt))
            parts.append(_ranked(g, role, firms[order], amt[order], np.full(len(order), np.nan), top))
    return _long_table(parts)


def _chain_map_candidates(chain, seg_k, top):
    """The candidate table of a chain without links, from presence: ``fill``, the providers of
    the gap segment that are not local, by their share of it; ``extend``, the local providers
    of the segments next to it in the template, by their largest share there. A provider of
    unknown share ranks after those with a known one and before negligible ones; aggregates
    are never candidates; ties by firm id."""
    prov = _providers(chain)
    named = ~chain.is_aggregate[prov.firm]
    local = chain.is_local[prov.firm]
    rank_key = np.where(prov.negligible, -2.0, np.nan_to_num(prov.q, nan=-1.0))
    id_rank = _id_rank(chain)
    parts = []
    for g, k in enumerate(seg_k.tolist()):
        near = _adjacent_segments(chain, k)
        pairs = pd.DataFrame({"firm": prov.firm, "q": prov.q, "key": rank_key})
        fill = pairs[(prov.seg == k) & ~local & named]
        ext = pairs[np.isin(prov.seg, near) & local & named]
        ext = ext.sort_values("key", kind="stable").groupby("firm", sort=True).last()
        for role, cand in (("fill", fill), ("extend", ext.reset_index())):
            firms = cand["firm"].to_numpy(dtype=np.int64)
            order = np.lexsort((id_rank[firms], -cand["key"].to_numpy()))
            parts.append(_ranked(g, role, firms[order], np.full(len(order), np.nan),
                                 cand["q"].to_numpy()[order], top))
    return _long_table(parts)


def _ranked(gap: int, role: str, firms, amount, share, top) -> pd.DataFrame:
    """Candidates of one gap and role, best first (the first ``top``), as long-table rows."""
    if top is not None:
        firms, amount, share = firms[:top], amount[:top], share[:top]
    return pd.DataFrame({"gap": gap, "role": role, "pos": np.asarray(firms, dtype=np.int64),
                         "amount": amount, "share": share, "rank": np.arange(1, len(firms) + 1)})


def _long_table(parts: list) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if parts:
        return pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"gap": pd.Series(dtype=np.int64), "role": pd.Series(dtype=object),
                         "pos": pd.Series(dtype=np.int64), "amount": pd.Series(dtype=float),
                         "share": pd.Series(dtype=float), "rank": pd.Series(dtype=np.int64)})


def _gaps_with_candidates(chain, what, leakage_threshold, other_weight, top):
    """Gap rows and their long candidate table, after checking the arguments.

    Both are worked out once per chain and thresholds, with every candidate
    ranked (:func:`gaps` and :func:`gap_candidates` ask for the same gaps), and
    cut to the ``top`` candidates of each gap and role here.
    """
    _require_segments(chain, what)
    leakage_threshold = _check_fraction("leakage_threshold", leakage_threshold)
    other_weight = _check_fraction("other_weight", other_weight)
    top = _check_top(top)

    def tables():
        # every rank is kept, so that any ``top`` is served from the one table
        frame, seg_k, seg_l, sup = _gap_frame(chain, leakage_threshold, other_weight)
        if not chain.has_links:
            frame.attrs["note"] = ("broken_link and leakage gaps need supplier–customer links; "
                                   "this chain has none, so only missing and no_local gaps were "
                                   "sought")
            return frame, _chain_map_candidates(chain, seg_k, None)
        return frame, _candidate_table(chain, frame, seg_k, seg_l, sup, None)

    frame, long = per_chain(chain, ("gaps", leakage_threshold, other_weight), tables)
    long = long.copy() if top is None else long[long["rank"] <= top].reset_index(drop=True)
    return frame.copy(), long


def gaps(chain: ChainGraph, *, leakage_threshold: float = 0.5, other_weight: float = 0.7,
         top: int = 5) -> pd.DataFrame:
    """Chain gaps (缺链 / 断链 / 外流) in the focus region, with firms to close them (补链 / 延链).

    One row per gap. Kinds, for a segment *k* (and a template flow *k → l*):

    ``missing`` (缺链, 空白)
        the template has segment *k* but no firm anywhere in the data is in it;
    ``no_local`` (缺链)
        segment *k* has firms, none of them local;
    ``broken_link`` (断链)
        the template has the flow *k → l*, both segments have local firms,
        and no local firm of *k* sells to a local firm of *l* (when one of the
        two has no local firm the gap is already reported as ``missing`` or
        ``no_local``);
    ``leakage`` (外流)
        segment *k* has local firms, but more than ``leakage_threshold`` of
        the local demand for *k* (``D_k``, see :func:`~chaingraph.analysis.weak.weak_links`)
        is bought from outside or foreign firms.

    A segment is reported at most once among ``missing``, ``no_local`` and
    ``leakage``; broken links are reported per flow. Without a template there
    are no ``missing`` segments and no ``broken_link`` flows.

    A segment's firms are its *providers*: firms with a presence row in it or
    in a segment nested in it (:attr:`ChainGraph.presence`; one row per firm
    from ``firms.segment_id`` on a transaction chain). A *process* segment
    (``kind == "process"``) without any provider is a step of the chain, not
    a gap. Flows include those a nested segment inherits
    (:attr:`ChainTemplate.effective_flows`), and a link from a local firm of a
    sub-segment closes its parent's flows too.

    On a chain without links (a chain map), ``broken_link`` and ``leakage``
    need transactions and are not sought (``attrs["note"]`` says so);
    ``local_demand`` and ``outside_share`` are missing, and the candidates come
    from the presence table: ``fill``, the providers of the gap segment that
    are not local, by their share of it; ``extend``, the local providers of
    the segments next to it in the template, by their largest share there.
    A country aggregate (``firms.kind``) is never a candidate.

    Severity, in [0, 1], is ``weight_k · base`` with ``weight_k`` = 1 for a
    五基 foundation segment and ``other_weight`` otherwise (as in
    :func:`~chaingraph.analysis.weak.weak_links`), and ``base`` = 1 for
    ``missing``; 0.9 for ``no_local``; 0.6 for an essential ``broken_link``
    and 0.3 for an optional one; ``0.6 · outside_share`` for ``leakage``
    (so between 0.3 and 0.6).

    Candidates (full ranked lists in :func:`gap_candidates`):

    * 补链 / 招商 (``fill``): outside and foreign firms of segment *k* that
      already sell to local customers (for a broken link: to local firms of
      *l*), ranked by that amount;
    * 延链 (``extend``): local firms that could grow into the gap — for a
      segment gap, local firms of the segments next to *k* in the template
      (its supplier and customer segments; without a template, the segments
      trading with *k* in the data), ranked by their trade with segment *k*
      (purchases from plus sales to its firms); for a broken link, local
      firms of *k*, ranked by their sales to firms of *l* anywhere. Ties are
      broken by the firm's total sales in the network, then by firm id.

    Parameters
    ----------
    chain : ChainGraph
    leakage_threshold : float, default 0.5
        Share of local demand bought from outside above which a segment leaks.
    other_weight : float, default 0.7
        Severity weight of non-foundation segments.
    top : int, default 5
        How many candidate ids each of ``candidates`` and ``extend_candidates``
        holds.

    Returns
    -------
    DataFrame
        RangeIndex, most severe first (then by kind, then template order):

        ``segment_id``
            The segment with the gap (for ``broken_link``, the supplying segment).
        ``to_segment``
            For ``broken_link``, the customer segment of the flow; else missing.
        ``kind``
            ``missing``, ``no_local``, ``broken_link`` or ``leakage``.
        ``name``, ``foundation``
            The segment's name and 五基 category (from the template).
        ``local_demand``
            ``D_k`` (万元): what local customers buy from segment *k*
            (missing without links).
        ``outside_share``
            Share of ``D_k`` bought from outside and foreign firms (missing
            when ``D_k`` = 0 or without links).
        ``severity``
            As above.
        ``candidates``
            Up to ``top`` fill (补链/招商) candidate firm ids, best first,
            joined by ``"; "``.
        ``extend_candidates``
            Up to ``top`` extend (延链) candidate firm ids, joined by ``"; "``.

    Raises
    ------
    ChainDataError
        When the firms have no segment (no ``segment_id`` column, or no firm
        with one; a chain template alone does not place firms in segments).

    References
    ----------
    补链、强链、延链 and 缺链/断链 as used in 鲁工信发〔2021〕5号 (Shandong, 2021).

    Examples
    --------
    The shipped chain's planted missing segments come out as ``no_local``
    gaps (their firms are all outside Shandong), at the top of the list:

    >>> import chaingraph as cg
    >>> from chaingraph.datasets import load_planted
    >>> from chaingraph.analysis.gaps import gaps
    >>> chain = cg.load_dataset("shandong-nev")
    >>> planted = load_planted("shandong-nev")
    >>> g = gaps(chain)
    >>> sorted(g.loc[g["kind"] == "no_local", "segment_id"]) == sorted(planted.missing_segments)
    True
    >>> str(g.loc[0, "kind"]), float(g.loc[0, "severity"])
    ('no_local', 0.9)
    >>> len(g.loc[0, "candidates"].split("; "))
    5
    """
    frame, long = _gaps_with_candidates(chain, "gaps", leakage_threshold, other_weight, top)
    ids = chain.firm_ids.to_numpy(dtype=object)
    for role, col in (("fill", "candidates"), ("extend", "extend_candidates")):
        part = long[long["role"] == role]
        joined = part.groupby("gap", sort=True)["pos"].agg(lambda p: "; ".join(ids[p.to_numpy()]))
        text = joined.astype(object).reindex(range(len(frame))).to_numpy(dtype=object)
        frame[col] = pd.array([t if isinstance(t, str) else "" for t in text], dtype="string")
    return with_place(frame, chain)


def _check_top(top):
    if top is None:
        return None
    if int(top) != top or top < 1:
        raise ValueError(f"top must be a positive integer or None, got {top}")
    return int(top)


def gap_candidates(chain: ChainGraph, *, leakage_threshold: float = 0.5, other_weight: float = 0.7,
                   top: int | None = 20) -> pd.DataFrame:
    """Firms that could close each chain gap (补链 / 招商 and 延链 targets), as a long table.

    The gaps are those of :func:`gaps` (same parameters); for each gap the
    ``fill`` candidates (outside firms already supplying the region) and the
    ``extend`` candidates (local firms next to the gap) are ranked as
    described there. ``attrs`` are those of :func:`gaps`.

    Parameters
    ----------
    chain : ChainGraph
    leakage_threshold, other_weight : float
        As in :func:`gaps`.
    top : int or None, default 20
        Keep the best ``top`` candidates of each role for each gap (``None``:
        all of them).

    Returns
    -------
    DataFrame
        RangeIndex; rows in the order of the gaps in :func:`gaps`, then
        ``fill`` before ``extend``, then by rank. Columns:

        ``segment_id``, ``to_segment``, ``kind``
            The gap, as in :func:`gaps`.
        ``firm_id``
            The candidate.
        ``role``
            ``fill`` (补链/招商: attract an outside supplier) or ``extend``
            (延链: a local firm grows into the gap).
        ``amount``
            The ranking amount (万元): for ``fill``, the firm's sales to
            local customers in the segment (to local firms of ``to_segment``
            for a broken link); for ``extend``, its trade with the gap
            segment (for a broken link, its sales to ``to_segment``).
        ``rank``
            1 = best, within the gap and role.
        ``firm_segment``, ``location``
            The candidate's (primary) segment and ``local``/``outside``/``foreign``.
        ``share``
            On a chain without links (where ``amount`` is missing), the
            ranking share: for ``fill``, the firm's share of the gap segment;
            for ``extend``, its largest share of a segment next to it (missing
            when the presence table does not give it: such a firm ranks after
            those with a known share and before negligible ones).

    Raises
    ------
    ChainDataError
        As :func:`gaps`.

    Examples
    --------
    >>> import chaingraph as cg
    >>> from chaingraph.analysis.gaps import gap_candidates
    >>> chain = cg.load_dataset("shandong-nev")
    >>> gc = gap_candidates(chain, top=3)
    >>> gc.columns.tolist()
    ['segment_id', 'to_segment', 'kind', 'firm_id', 'role', 'amount', 'rank', 'firm_segment', 'location', 'share']
    >>> first = gc[gc["segment_id"] == gc.loc[0, "segment_id"]]
    >>> first[["role", "rank"]].value_counts(sort=False).tolist()
    [1, 1, 1, 1, 1, 1]
    >>> bool(first.loc[first["role"] == "fill", "location"].isin(["outside", "foreign"]).all())
    True
    """
    frame, long = _gaps_with_candidates(chain, "gap_candidates", leakage_threshold, other_weight, top)
    pos = long["pos"].to_numpy(dtype=np.int64)
    gap = long["gap"].to_numpy(dtype=np.int64)
    seg = chain.segment_codes.astype(np.int64)[pos]
    names = chain.segment_ids.to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "segment_id": pd.array(frame["segment_id"].to_numpy(dtype=object)[gap], dtype="string"),
            "to_segment": pd.array(frame["to_segment"].to_numpy(dtype=object)[gap], dtype="string"),
            "kind": pd.array(frame["kind"].to_numpy(dtype=object)[gap], dtype="string"),
            "firm_id": pd.array(chain.firm_ids.take(pos).to_numpy(dtype=object), dtype="string"),
            "role": pd.array(long["role"].to_numpy(dtype=object), dtype="string"),
            "amount": long["amount"].to_numpy(dtype=float),
            "rank": long["rank"].to_numpy(dtype=np.int64),
            "firm_segment": pd.array([names[k] if k >= 0 else None for k in seg.tolist()],
                                     dtype="string"),
            "location": _location_categorical(chain.location_codes[pos]),
            "share": long["share"].to_numpy(dtype=float),
        }
    )
    out.attrs.update(frame.attrs)
    return with_place(out, chain)
