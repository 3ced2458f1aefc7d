"""Whom to attract into the region (补链招商清单), and what bringing each firm in would change.

:func:`attraction_list` scores candidate firms — by default the outside and
foreign providers of the segments the region lacks or buys from elsewhere; or
a table of prospective firms — by the marginal effect of bringing each one
into the focus region: the gaps it closes, the local demand it could serve,
the single-sourced purchases it could back up and the systemic risk it takes
off the region. Everything is computed for all candidates at once from
segment-level quantities (kernels in :mod:`chaingraph.analysis._attraction_kernels`);
no chain is rebuilt per candidate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chaingraph import _places, schema
from chaingraph.analysis import _attraction_kernels as K
from chaingraph.analysis._common import normalised_weights, with_place
from chaingraph.analysis._esri_inputs import output_weight
from chaingraph.analysis.disruption import simulate_disruption
from chaingraph.analysis.weak import single_sourcing
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError, format_rows

__all__ = ["attraction_list", "DEFAULT_WEIGHTS"]

#: The score's components and their default weights (rescaled to sum to 1; see
#: :func:`attraction_list`).
DEFAULT_WEIGHTS = {
    "gaps_closed": 0.4,
    "local_demand_served": 0.3,
    "second_source_amount": 0.1,
    "risk_reduction": 0.2,
}

#: Weight of a closed gap in a segment that is not a 五基 foundation segment (as in gaps()).
OTHER_WEIGHT = 0.7

#: The disruption scenarios behind ``risk_reduction`` (passed to simulate_disruption).
RISK_SETTINGS = {"replaceability": False, "tol": None, "intensity": 1.0}

#: Columns a table of prospective firms may have, and their kinds (see chaingraph.schema).
CANDIDATE_COLUMNS = {
    "firm_id": "id", "name": "text", "segment_id": "id", "city": "text", "province": "text",
    "country": "country", "revenue": "amount", "amount": "amount", "share": "fraction",
    "kind": "firm_kind",
}


@dataclass
class _Candidates:
    """The firms to score, as arrays (one entry per candidate) and (candidate, segment) pairs."""

    ids: np.ndarray  # firm ids (object)
    names: np.ndarray  # names (object, None when unknown)
    pos: np.ndarray  # position in the chain, −1 for a firm not in it
    primary: np.ndarray  # primary segment code
    location: np.ndarray  # location code (1 outside, 2 foreign)
    capacity: np.ndarray  # sales it could supply (万元), NaN when unknown
    share: np.ndarray  # market share it holds (chain maps), NaN when unknown
    cand: np.ndarray  # pairs: candidate index
    seg: np.ndarray  # pairs: segment code
    part: np.ndarray  # pairs: part of the candidate's capacity in the segment
    rejected: dict

    def __len__(self) -> int:
        return len(self.ids)


# --------------------------------------------------------------------------- #
# the segments: what each one lacks


@dataclass
class _Needs:
    """Per segment: a gap, local demand bought from elsewhere, single-sourced purchases."""

    gap: np.ndarray  # bool: no local provider (a process step never counts)
    gap_weight: np.ndarray  # 1 for a 五基 foundation segment, OTHER_WEIGHT otherwise
    demand: np.ndarray  # D_k: local customers' purchases from segment k (NaN without links)
    outside: np.ndarray  # N_k: of it, bought from outside and foreign firms
    single: np.ndarray  # S_k: single-sourced purchases of local customers of k's output
    sole_keys: np.ndarray  # k · n_firms + supplier, for S_{k,s} (the part s is the one source of)
    sole_sums: np.ndarray
    to_local: np.ndarray  # per firm: sales to local customers
    provider_need: np.ndarray  # bool: a chain map's segment with a non-local provider


def _segment_needs(chain: ChainGraph) -> _Needs:
    """What each segment lacks (see :class:`_Needs`), from the chain's arrays and
    :func:`~chaingraph.single_sourcing`."""
    n_seg = len(chain.segment_ids)
    has_local = chain.segment_firm_counts(chain.is_local[:, None])[:, 0] if n_seg else np.zeros(0)
    # presence in a sub-segment is presence in its ancestors: l is covered when a local firm
    # is in l or in a segment nested in l
    covered = (chain.segment_ancestry.T @ (has_local > 0).astype(float)) > 0
    kinds = chain.segments["kind"].astype("string").fillna("product").to_numpy(dtype=object) \
        if "kind" in chain.segments.columns else np.full(n_seg, "product", dtype=object)
    gap = ~covered & (kinds != "process")
    found = chain.segments["foundation"].notna().to_numpy(dtype=bool) \
        if "foundation" in chain.segments.columns else np.zeros(n_seg, dtype=bool)
    gap_weight = np.where(found, 1.0, OTHER_WEIGHT)
    nonlocal_ = ~chain.is_local
    if chain.has_links:
        to_local = np.asarray(chain.adjacency @ chain.is_local.astype(np.float64)).ravel()
        demand = chain.segment_totals(to_local)
        outside = chain.segment_totals(to_local * nonlocal_)
        if "segment_id" in chain.firms.columns:
            ss = single_sourcing(chain)
            cust = chain.firm_ids.get_indexer(ss["customer_id"])
            keep = chain.is_local[cust]
            k = chain.segment_ids.get_indexer(ss["segment_id"][keep]).astype(np.int64)
            sup = chain.firm_ids.get_indexer(ss["supplier_id"][keep]).astype(np.int64)
            amt = ss["amount"].to_numpy(dtype=float)[keep]
            single = np.bincount(k, weights=amt, minlength=n_seg)
            sole_keys, sole_sums = K.group_sums(k * chain.n_firms + sup, amt)
        else:  # single_sourcing reads each firm's primary segment from firms.segment_id
            single = np.full(n_seg, np.nan)
            sole_keys, sole_sums = np.zeros(0, np.int64), np.zeros(0)
        provider_need = np.zeros(n_seg, dtype=bool)
    else:
        to_local = np.zeros(chain.n_firms)
        demand = outside = single = np.full(n_seg, np.nan)
        sole_keys, sole_sums = np.zeros(0, np.int64), np.zeros(0)
        pres = chain.presence
        seg = chain.segment_ids.get_indexer(pres["segment_id"])
        firm = chain.firm_ids.get_indexer(pres["firm_id"])
        live = ~pres["negligible"].fillna(False).to_numpy(dtype=bool)
        rows = live & nonlocal_[firm] & (seg >= 0)
        provider_need = np.bincount(seg[rows], minlength=n_seg) > 0
    return _Needs(gap, gap_weight, demand, outside, single, sole_keys, sole_sums, to_local,
                  provider_need)


def _presence_shares(chain: ChainGraph) -> np.ndarray:
    """Each presence row's share of its segment's market (a chain map's supply share).

    The share given; 0 for a provider flagged negligible; in a segment that
    gives no share at all, the provider's amount over the segment's total when
    every provider not flagged negligible has a positive amount; else unknown
    (NaN).
    """
    pres = chain.presence
    share = pres["share"].to_numpy(dtype=float, na_value=np.nan)
    amount = pres["amount"].to_numpy(dtype=float, na_value=np.nan)
    negligible = pres["negligible"].fillna(False).to_numpy(dtype=bool)
    seg = chain.segment_ids.get_indexer(pres["segment_id"])
    n_seg = len(chain.segment_ids)
    ok = seg >= 0
    any_share = np.bincount(seg[ok], weights=(~np.isnan(share[ok])).astype(float), minlength=n_seg) > 0
    live = ok & ~negligible
    amount_missing = np.bincount(seg[live], weights=~(amount[live] > 0), minlength=n_seg) > 0
    total = np.bincount(seg[live & (amount > 0)], weights=amount[live & (amount > 0)], minlength=n_seg)
    by_amount = ~any_share & ~amount_missing & (total > 0)
    q = share.copy()
    fill = np.isnan(q) & ok & by_amount[np.maximum(seg, 0)] & ~negligible
    q[fill] = amount[fill] / total[seg[fill]]
    q[negligible] = 0.0
    return q


# --------------------------------------------------------------------------- #
# candidates


def _default_candidates(chain: ChainGraph, needs: _Needs) -> _Candidates:
    """Outside and foreign firms (not aggregates) active in a segment that needs suppliers."""
    m = chain.segment_membership.tocoo()
    firm, seg, part = m.row.astype(np.int64), m.col.astype(np.int64), m.data
    if chain.has_links:
        seg_need = needs.gap | (needs.outside > 0) | (needs.single > 0)
    else:
        seg_need = needs.gap | needs.provider_need
    # a gap counts in the ancestors of a firm's segments too
    anc = chain.segment_ancestry
    gap_above = (anc @ needs.gap.astype(float)) > 0 if len(seg_need) else np.zeros(0, bool)
    pair_need = seg_need[seg] | gap_above[seg]
    eligible = ~chain.is_local & ~chain.is_aggregate
    hit = np.zeros(chain.n_firms, dtype=bool)
    hit[firm[pair_need & eligible[firm]]] = True
    pos = np.flatnonzero(hit)
    index = np.full(chain.n_firms, -1, dtype=np.int64)
    index[pos] = np.arange(len(pos))
    keep = hit[firm]
    cand, seg, part = index[firm[keep]], seg[keep], part[keep]
    names = (chain.firms["name"].to_numpy(dtype=object, na_value=None)[pos]
             if "name" in chain.firms.columns else np.full(len(pos), None, dtype=object))
    if chain.has_links:
        capacity = chain.out_strength[pos].astype(float)
        share = np.full(len(pos), np.nan)
    else:
        capacity = np.full(len(pos), np.nan)
        share = _chain_firm_shares(chain, pos, index)
    return _Candidates(
        ids=chain.firm_ids.to_numpy(dtype=object)[pos], names=names, pos=pos,
        primary=chain.segment_codes.astype(np.int64)[pos],
        location=chain.location_codes.astype(np.int64)[pos], capacity=capacity, share=share,
        cand=cand, seg=seg, part=part, rejected={},
    )


def _chain_firm_shares(chain, pos, index) -> np.ndarray:
    """Σ of each candidate's presence shares (NaN when one is unknown)."""
    pres_firm = chain.firm_ids.get_indexer(chain.presence["firm_id"])
    q = _presence_shares(chain)
    rows = index[pres_firm] >= 0
    return K.per_candidate(index[pres_firm[rows]], q[rows], len(pos))


def _read_candidates(chain: ChainGraph, table) -> _Candidates:
    """Check a table of prospective firms and turn it into candidates.

    Rows that cannot be attracted — an aggregate (not a firm), a firm already
    in the focus region, a firm the chain has as local or as an aggregate —
    are left out with a warning naming them (``attrs["rejected"]``).
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError("candidates must be a DataFrame of prospective firms (firm_id, "
                        f"segment_id, …) or None, not {type(table).__name__}")
    table = table.copy(deep=False)
    table.attrs.setdefault("source", "candidates")
    info = schema.TableInfo.of(table, "candidates")
    df = schema.canonical_columns(table, "firms")
    if "segment_id" not in df.columns:
        found = ", ".join(map(str, df.columns))
        raise ChainDataError(f"missing required column 'segment_id' (columns found: {found}): "
                             "each candidate needs the segment it would supply",
                             source=info.source)
    df = schema.coerce_columns(df, CANDIDATE_COLUMNS, info)
    schema.check_ids(df, "firm_id", info, unique=True)
    seg_missing = df["segment_id"].isna().to_numpy()
    if seg_missing.any():
        raise info.error("missing segment_id: each candidate needs the segment it would supply",
                         "segment_id", df, seg_missing)
    seg = chain.segment_ids.get_indexer(df["segment_id"]).astype(np.int64)
    if (seg < 0).any():
        bad = seg < 0
        raise info.error(
            f"segments {schema._examples(df['segment_id'][bad])} are not segments of the chain "
            f"(its segments: {schema._examples(chain.segment_ids, limit=8)})",
            "segment_id", df, bad)

    foreign = _places.foreign_mask(df, chain.home)
    if chain.region is None or chain.region_kind == "country":
        local = ~foreign
    else:
        col = chain.region_kind
        unknown = ~foreign & (df[col].isna().to_numpy() if col in df.columns
                              else np.ones(len(df), dtype=bool))
        if unknown.any():
            raise info.error(
                f"no {col} for domestic candidates: whether they are already in the focus "
                f"region {chain.region!r} is unknown (give {col}, or country for a foreign firm)",
                col, df, unknown)
        local = (_places.local_mask(df, chain.region, chain.region_kind, foreign)
                 if col in df.columns else np.zeros(len(df), dtype=bool))

    pos = chain.firm_ids.get_indexer(df["firm_id"]).astype(np.int64)
    in_chain = pos >= 0
    aggregate = (df["kind"] == "aggregate").fillna(False).to_numpy(dtype=bool) \
        if "kind" in df.columns else np.zeros(len(df), dtype=bool)
    reasons = np.full(len(df), None, dtype=object)
    chain_local = np.zeros(len(df), dtype=bool)
    chain_local[in_chain] = chain.is_local[pos[in_chain]]
    chain_aggregate = np.zeros(len(df), dtype=bool)
    chain_aggregate[in_chain] = chain.is_aggregate[pos[in_chain]]
    for mask, why in ((chain_local, "already a local firm of the chain"),
                      (local, "already in the focus region"),
                      (chain_aggregate, "an aggregate of the chain, not a firm"),
                      (aggregate, "an aggregate (kind 'aggregate'), not a firm")):
        reasons[mask & (reasons == None)] = why  # noqa: E711 - elementwise on an object array
    drop = reasons != None  # noqa: E711
    rejected = {}
    if drop.any():
        ids = df["firm_id"].to_numpy(dtype=object)[drop]
        rejected = dict(zip(ids.tolist(), reasons[drop].tolist()))
        shown = "; ".join(f"{i} ({r})" for i, r in list(rejected.items())[:5])
        more = f" and {len(rejected) - 5} more" if len(rejected) > 5 else ""
        warnings.warn(
            f"{info.source}: {int(drop.sum())} of {len(df)} candidates left out, they cannot be "
            f"attracted into the region: {shown}{more} ({format_rows(info.rows(df, drop))})",
            UserWarning, stacklevel=3)
    keep = ~drop
    df, seg, pos, foreign = df[keep], seg[keep], pos[keep], foreign[keep]

    def column(name):
        return (df[name].to_numpy(dtype=float, na_value=np.nan) if name in df.columns
                else np.full(len(df), np.nan))

    amount, revenue = column("amount"), column("revenue")
    n = len(df)
    return _Candidates(
        ids=df["firm_id"].to_numpy(dtype=object),
        names=(df["name"].to_numpy(dtype=object, na_value=None) if "name" in df.columns
               else np.full(n, None, dtype=object)),
        pos=pos, primary=seg, location=np.where(foreign, 2, 1).astype(np.int64),
        capacity=np.where(np.isnan(amount), revenue, amount), share=column("share"),
        cand=np.arange(n, dtype=np.int64), seg=seg, part=np.ones(n), rejected=rejected,
    )


# --------------------------------------------------------------------------- #
# systemic risk


def _risk_settings(chain: ChainGraph) -> dict:
    t = chain.template
    placed = "segment_id" in chain.firms.columns and bool(chain.firms["segment_id"].notna().all())
    essentiality = "template" if t is not None and len(t.flows) and placed else "linear"
    return {"essentiality": essentiality, **RISK_SETTINGS,
            "weight": "firm output (revenue where known, else the larger of network sales "
                      "and purchases)"}


def _outside_supply_loss(chain: ChainGraph, segments: np.ndarray, to_local: np.ndarray,
                         settings: dict) -> np.ndarray:
    """``ℓ_k`` for each segment code in ``segments``: the share of the region's output lost
    when the outside and foreign firms that supply segment *k* to local customers (firm
    sales to local customers ``to_local``) stop."""
    m = chain.segment_membership.tocoo()
    supplies = ~chain.is_local[m.row] & (to_local[m.row] * m.data > 0)
    local_w = output_weight(chain)[chain.is_local].sum()
    ids = chain.firm_ids.to_numpy(dtype=object)
    out = np.full(len(segments), np.nan)
    if not local_w > 0:
        return out
    for i, k in enumerate(segments.tolist()):
        shocked = np.unique(m.row[supplies & (m.col == k)])
        if len(shocked) == 0:
            out[i] = 0.0
            continue
        res = simulate_disruption(
            chain, list(ids[shocked]), intensity=settings["intensity"],
            essentiality=settings["essentiality"], replaceability=settings["replaceability"],
            tol=settings["tol"], weight="output")
        out[i] = float(res.summary["local_loss_share"])
    return out


# --------------------------------------------------------------------------- #
# the list


def attraction_list(chain: ChainGraph, candidates: pd.DataFrame | None = None, *,
                    top: int | None = 20, weights: dict | None = None,
                    risk: bool = True) -> pd.DataFrame:
    """Whom to attract (补链招商清单): candidate firms ranked by what bringing them into the region would change.

    For each candidate *c* — a firm outside the focus region, brought in as
    a local firm of its segment *k* — four marginal effects, computed for
    all candidates at once from segment-level quantities (no chain is
    rebuilt per candidate). With ``x_s`` firm *s*'s sales to local
    customers, ``M`` the segment membership
    (:attr:`ChainGraph.segment_membership`) and ``cap_c`` the candidate's
    capacity (its sales in the network for a firm of the chain; the
    ``amount`` column, else ``revenue``, of a prospects table):

    * ``D_k = Σ_s M[s,k] x_s``, the local demand for *k*, and
      ``N_k = Σ_{s not local} M[s,k] x_s``, the part of it bought from
      outside and foreign firms (as in :func:`~chaingraph.weak_links`);
    * ``S_k``: the purchases of local customers that buy *k*'s output from
      one supplier only (the rows of :func:`~chaingraph.single_sourcing`
      with a local customer), and ``S_{k,c}`` the part of it whose one
      supplier is *c* itself;
    * ``ℓ_k``: the share of the region's output lost when the outside and
      foreign firms that supply *k* to local customers stop (one
      :func:`~chaingraph.simulate_disruption` scenario per segment).

    Columns (the components, then the score):

    ``gaps_closed``
        How many segments with no local provider (缺链; :func:`~chaingraph.gaps`
        kinds ``missing``/``no_local``) the candidate would give one: its
        segments and their parent segments that have no local firm. A
        process step is never a gap. *Why*: 补链 — filling the chain's
        gaps — is the first aim of the chain-chief policy.
    ``local_demand_served``
        ``Σ_k min(cap_c · M[c,k], N_k)`` (万元): the local demand for its
        segment now bought from elsewhere that it could supply from inside
        the region, up to its own sales. *Why*: the size of the market the
        firm finds at home (就近配套) is the main argument a 招商 office has,
        and the part of local demand that stops leaking out (外流).
    ``share_served``
        With links, ``Σ_k min(cap_c · M[c,k], N_k) / D_k``: the same as a
        share of the segment's local demand. On a chain map (no links) the
        local-demand proxy: the candidate's share of its segments' markets
        (the presence table's ``share``; 0 when negligible; in a segment
        without shares, amount over the segment's total; for a prospects
        table, its ``share`` column), summed over its segments — bringing it
        in moves that share of the segment into the region.
    ``second_source_amount``
        ``min(cap_c, S_k − S_{k,c})`` (万元) for its primary segment *k*:
        the single-sourced purchases of local customers that it would give a
        second source (a candidate that is itself the one source adds none),
        up to its own sales. *Why*: a single source is a single point of
        failure (Sheffi 2005); a second local source removes it. Missing
        (with a note) when the firms table has no ``segment_id``: single
        sourcing reads each firm's primary segment there.
    ``risk_reduction``
        ``Σ_k ℓ_k · min(cap_c · M[c,k], N_k) / N_k``: the expected fall in
        the share of the region's output lost if the segment's outside
        suppliers fail, when the candidate replaces that part of their
        supply from inside the region. A first-order (linear) approximation
        of the ESRI cascade (Diem et al. 2022): the shock on local customers
        falls in proportion to the outside supply replaced; exact for a
        chain of non-essential (linear) inputs whose losses are not capped
        at zero, an upper bound where capping binds. Cascade settings:
        ``essentiality="template"`` when the template has flows and every
        firm has a segment (else ``"linear"``), ``replaceability=False``,
        the exact fixed point (``tol=None``), and the
        region's output weighted by each local firm's output (revenue where
        known, else the larger of its sales and purchases in the network);
        ``attrs["risk"]`` records them.

    The score, in [0, 1]::

        score_c = Σ_m w_m · z_{m,c},   z_{m,c} = v_{m,c} / max_c' v_{m,c'}

    over the four components *m*, each scaled to the best candidate (0 when
    no candidate has any), with weights ``w`` (default 0.4 gaps, 0.3 local
    demand, 0.1 second source, 0.2 risk; they sum to 1). For ``gaps_closed``
    ``v`` counts each closed gap with its 五基 weight (1 for a foundation
    segment, 0.7 otherwise, as in :func:`~chaingraph.gaps`). On a chain map
    ``share_served`` stands for ``local_demand_served``; components that
    need transactions (``local_demand_served``, ``second_source_amount``,
    ``risk_reduction``) are missing there, and on every chain ``risk=False``
    leaves ``risk_reduction`` missing: their weight is spread over the
    others (``attrs["weights"]`` holds the weights used, ``attrs["notes"]``
    says why a component is missing). A candidate whose capacity or share is
    unknown has an unknown score and no rank.

    Candidates: by default every outside and foreign firm of the chain (never
    an aggregate) active in a segment that has a gap, local demand bought
    from outside (``N_k > 0``), or single-sourced local demand (``S_k > 0``);
    on a chain map, a gap or a non-local provider not flagged negligible. Or
    a table of prospective firms (see ``candidates``).

    Parameters
    ----------
    chain : ChainGraph
    candidates : DataFrame, optional
        Prospective firms, one row each: ``firm_id`` and ``segment_id`` (a
        segment of the chain) required; ``name``, ``country``, ``province``
        / ``city`` (where the firm is now: with a province or city focus
        region a domestic firm needs it), ``amount`` (its sales of the
        segment's product, 万元), ``revenue`` (万元, the capacity when no
        amount is given), ``share`` (its share of the segment's market, for
        chain maps) and ``kind`` optional. Chinese headers as for a firms
        table (企业ID, 名称, 环节, 省份, 营业收入, 金额 …). A firm already in the region, a local firm of the chain, or
        an aggregate (``kind``) cannot be attracted: it is left out with a
        warning (``attrs["rejected"]``: id → reason). A candidate that is
        also a (non-local) firm of the chain counts as that firm for
        ``second_source_amount``.
    top : int or None, default 20
        Keep the ``top`` best-ranked candidates (``None``: all).
    weights : dict, optional
        Weights of the components by column name (the defaults updated with
        these, rescaled to sum to 1).
    risk : bool, default True
        Compute ``risk_reduction`` (one disruption cascade per segment with
        candidates); ``False`` leaves it missing and its weight to the
        others.

    Returns
    -------
    DataFrame
        Indexed by ``firm_id``, best first:

        ``name``
            The candidate's name (missing when not known).
        ``segment_id``
            Its (primary) segment.
        ``location``
            Where it is now: ``outside`` or ``foreign``.
        ``capacity``
            ``cap_c`` (万元; missing on a chain map for a firm of the chain).
        ``gaps_closed``, ``local_demand_served``, ``share_served``, ``second_source_amount``, ``risk_reduction``
            The components, as above.
        ``score``
            As above (missing when a component it weighs is unknown).
        ``rank``
            1 = best (ties: more local demand served, then firm id); missing
            with the score.
        ``reasons``
            The components that add to the score, largest part first,
            ``"; "``-joined (column names: ``gaps_closed``,
            ``local_demand_served``, ``share_served``,
            ``second_source_amount``, ``risk_reduction``), and
            ``capacity_unknown`` or ``share_unknown`` where that is why the
            score is missing.

        ``attrs``: ``home``, ``region``, ``weights`` (used), ``basis``
        (``"links"`` or ``"presence"``), ``risk`` (the cascade settings, or
        ``None``), ``notes`` (column → why it is missing), ``n_candidates``
        (before ``top``), ``rejected``.

    Raises
    ------
    ChainDataError
        When no firm of the chain has a segment, or the candidates table
        lacks ``firm_id``/``segment_id``, repeats a firm, names a segment
        the chain does not have, or leaves a domestic candidate's province
        (city) unknown under a province (city) focus region.
    ValueError
        ``top`` not a positive integer or ``None``; unknown or negative
        weights.
    TypeError
        ``candidates`` not a DataFrame.

    References
    ----------
    补链、强链、延链 (filling, strengthening and extending the chain) and 招商
    by chain: 鲁工信发〔2021〕5号 (Shandong, 2021). ESRI: Diem, Borsos, Reisch,
    Kertész & Thurner, "Quantifying firm-level economic systemic risk from
    nation-wide supply networks", *Sci. Rep.* 12, 7719 (2022). Single
    sourcing: Y. Sheffi, *The Resilient Enterprise* (MIT Press, 2005).

    Examples
    --------
    The shipped chain's default candidates: its two planted missing segments
    (lithium_resources and separator, both 基础材料) are its only gaps, so
    the best candidates are the outside firms of those segments; first the
    one with the largest sales (each of them sells less than the segment's
    local demand, all bought from outside):

    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> best = cg.attraction_list(chain, top=5)
    >>> best.index[0], best["segment_id"].iloc[0], int(best["gaps_closed"].iloc[0])
    ('NEV01772', 'lithium_resources', 1)
    >>> best.columns.tolist()[:4]
    ['name', 'segment_id', 'location', 'capacity']

    A table of prospective firms (the dataset ships one, ``prospects.csv``):
    its planted best prospect, PRO01, fills the larger missing segment
    (lithium_resources) and can supply all of its local demand. The
    aggregate and the firm already in Shandong are left out with a warning.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     ranked = cg.attraction_list(chain, cg.load_prospects("shandong-nev"))
    >>> ranked.index[0], round(float(ranked.loc["PRO01", "local_demand_served"]), 2)
    ('PRO01', 57130.0)
    >>> ranked.loc["PRO01", "reasons"]
    'gaps_closed; risk_reduction; local_demand_served; second_source_amount'
    >>> sorted(ranked.attrs["rejected"])
    ['PRO06', 'PRO07']
    """
    if top is not None and (isinstance(top, bool) or int(top) != top or top < 1):
        raise ValueError(f"top must be a positive integer or None, got {top!r}")
    if not isinstance(risk, (bool, np.bool_)):
        raise TypeError(f"risk must be True or False, not {risk!r}")
    if chain.n_firms == 0 or not (chain.segment_codes >= 0).any():
        raise ChainDataError("attraction_list needs each firm's segment, and no firm has one",
                             source="firms", column="segment_id")
    w = normalised_weights(DEFAULT_WEIGHTS, weights, "attraction score")
    needs = _segment_needs(chain)
    cands = (_default_candidates(chain, needs) if candidates is None
             else _read_candidates(chain, candidates))
    links = chain.has_links
    notes = {}
    if not links:
        why = ("needs supplier–customer links (transactions); this chain has none — it is a "
               "chain map of presence only")
        for col in ("local_demand_served", "second_source_amount", "risk_reduction"):
            notes[col] = why
    else:
        if "segment_id" not in chain.firms.columns:
            notes["second_source_amount"] = ("single_sourcing needs each firm's primary segment "
                                             "(firms.segment_id), and the firms table has none")
        if not risk:
            notes["risk_reduction"] = "not computed (risk=False)"
    settings = _risk_settings(chain) if links and risk else None
    out = _components(chain, cands, needs, settings)
    return with_place(_ranked(chain, cands, out, w, links, notes, settings, top), chain)


def _components(chain, cands: _Candidates, needs: _Needs, settings) -> dict:
    """The per-candidate components as arrays (see :func:`attraction_list`), and
    ``gap_value``: the closed gaps counted with their 五基 weights (what the score uses)."""
    n = len(cands)
    c, k, part = cands.cand, cands.seg, cands.part
    covers = K.gap_segments(c, k, n, chain.segment_ancestry)
    gaps_closed = covers @ needs.gap.astype(float)
    gap_value = covers @ (needs.gap * needs.gap_weight)
    out = {"gaps_closed": np.rint(gaps_closed).astype(np.int64), "gap_value": gap_value}
    if not chain.has_links:
        nan = np.full(n, np.nan)
        out.update(local_demand_served=nan, share_served=cands.share,
                   second_source_amount=nan.copy(), risk_reduction=nan.copy())
        return out
    served_pairs = K.capped_parts(c, k, part, cands.capacity, needs.outside)
    out["local_demand_served"] = K.per_candidate(c, served_pairs, n)
    out["share_served"] = K.per_candidate(c, K.ratio(served_pairs, needs.demand[k]), n)
    p = cands.primary
    own = np.where(cands.pos >= 0,
                   K.lookup(needs.sole_keys, needs.sole_sums, p * chain.n_firms + cands.pos), 0.0)
    others = np.where(p >= 0, needs.single[np.maximum(p, 0)] - own, 0.0)
    out["second_source_amount"] = np.minimum(cands.capacity, np.maximum(others, 0.0))
    if settings is None:
        out["risk_reduction"] = np.full(n, np.nan)
        return out
    segs = np.unique(k[needs.outside[k] > 0])
    loss = np.zeros(len(chain.segment_ids))
    loss[segs] = _outside_supply_loss(chain, segs, needs.to_local, settings)
    out["risk_reduction"] = K.per_candidate(
        c, loss[k] * K.ratio(served_pairs, needs.outside[k]), n)
    return out


#: The score's components, in the order of DEFAULT_WEIGHTS.
_SCORED = tuple(DEFAULT_WEIGHTS)


def _ranked(chain, cands, comp, w, links, notes, settings, top) -> pd.DataFrame:
    """The scored, ranked table of :func:`attraction_list` from the components ``comp``."""
    n = len(cands)
    values = {
        "gaps_closed": comp["gap_value"],
        "local_demand_served": comp["local_demand_served"] if links else comp["share_served"],
        "second_source_amount": comp["second_source_amount"],
        "risk_reduction": comp["risk_reduction"],
    }
    # on a chain map share_served stands in for local_demand_served: its weight stays
    missing = set(notes) - ({"local_demand_served"} if not links else set())
    used = {m: w[m] for m in _SCORED if m not in missing}
    total = sum(used.values())
    weights = {m: (used.get(m, 0.0) / total if total > 0 else 0.0) for m in _SCORED}
    z = np.column_stack([K.scaled_to_best(values[m]) for m in _SCORED]) if n \
        else np.zeros((0, len(_SCORED)))
    wv = np.array([weights[m] for m in _SCORED])
    score = K.weighted_score(z, wv)
    served = np.nan_to_num(values["local_demand_served"], nan=-1.0)
    id_rank = np.argsort(np.argsort(cands.ids.astype(str), kind="stable"), kind="stable")
    order = K.ranks(score, -served, id_rank)
    rank = np.full(n, -1, dtype=np.int64)
    ranked = order[~np.isnan(score[order])]
    rank[ranked] = np.arange(1, len(ranked) + 1)

    shown = {m: ("share_served" if (m == "local_demand_served" and not links) else m) for m in _SCORED}
    contrib = z * wv
    reasons = []
    for i in range(n):
        parts = [(contrib[i, j], shown[m]) for j, m in enumerate(_SCORED)
                 if wv[j] > 0 and contrib[i, j] > 0]
        words = [name for _, name in sorted(parts, key=lambda t: -t[0])]
        if np.isnan(score[i]):
            words.append("share_unknown" if not links else "capacity_unknown")
        reasons.append("; ".join(words))

    seg_names = chain.segment_ids.to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "name": pd.array(cands.names, dtype="string"),
            "segment_id": pd.array([seg_names[s] if s >= 0 else None for s in cands.primary.tolist()],
                                   dtype="string"),
            "location": pd.Categorical.from_codes(cands.location, list(_places.LOCATIONS)),
            "capacity": cands.capacity,
            "gaps_closed": comp["gaps_closed"],
            "local_demand_served": comp["local_demand_served"],
            "share_served": comp["share_served"],
            "second_source_amount": comp["second_source_amount"],
            "risk_reduction": comp["risk_reduction"],
            "score": score,
            "rank": pd.arrays.IntegerArray(np.maximum(rank, 0), rank <= 0),
            "reasons": pd.array(reasons, dtype="string"),
        },
        index=pd.Index(cands.ids, name="firm_id", dtype="string"),
    )
    frame = frame.iloc[order]
    if top is not None:
        frame = frame.head(int(top))
    frame.attrs.update(
        weights={m: weights[m] for m in _SCORED}, basis="links" if links else "presence",
        risk=settings, notes=notes, n_candidates=n, rejected=cands.rejected,
    )
    return frame
