"""Lead firms (链主) and their ecosystems.

A lead firm (链主 / 领航企业) has 生态主导力: it organises suppliers and
customers around itself. :func:`lead_firms` scores every firm of a chain on
eight named components, each normalised to 0–1, and combines them with
documented, overridable weights; :func:`ecosystem` cuts out the suppliers and
customers of one firm up to a number of tiers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from chaingraph.analysis import _network_csr, _pagerank, _reach_kernels
from chaingraph.analysis._common import normalised_weights, per_chain, require_links, with_place
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError
from chaingraph.rules import load_rules

__all__ = ["lead_firms", "ecosystem", "DEFAULT_LEAD_WEIGHTS", "LEAD_RULES"]

#: Default weights of the lead-score components (they sum to 1).
DEFAULT_LEAD_WEIGHTS: dict[str, float] = {
    "scale": 0.25,
    "pull": 0.20,
    "upstream_firms": 0.10,
    "upstream_amount": 0.10,
    "upstream_local_smes": 0.10,
    "dependence": 0.10,
    "downstream": 0.10,
    "span": 0.05,
}

#: Named provincial lead-firm rules: rule name → (rule file, cluster type). The revenue
#: floors are read from the rule file (``chaingraph/rules/lead-guangdong-2022.toml``:
#: ≥ 50 亿元 in pillar clusters, ≥ 10 亿元 in emerging clusters), the one place they live.
LEAD_RULES: dict[str, tuple[str, str]] = {
    "guangdong-pillar": ("lead-guangdong-2022", "pillar"),
    "guangdong-emerging": ("lead-guangdong-2022", "emerging"),
}


def revenue_floor(rule: str) -> float:
    """The revenue floor (万元) of a named lead-firm rule, from its rule file.

    >>> revenue_floor("guangdong-pillar"), revenue_floor("guangdong-emerging")
    (500000.0, 100000.0)
    """
    file, cluster = LEAD_RULES[rule]
    criterion = load_rules(file).criteria["lead.revenue"]
    return float(criterion.thresholds[cluster])

#: Default rule: a large firm scoring at least this share of the top score, or any firm at
#: least ``DEFAULT_ABSOLUTE`` on the 0–1 lead score.
DEFAULT_RELATIVE = 0.75
DEFAULT_ABSOLUTE = 0.70

PAGERANK_ALPHA = 0.85
PAGERANK_TOL = 1e-10

_RAW = [
    "size",
    "sales_share",
    "pagerank",
    "n_suppliers_2",
    "supplier_amount_2",
    "n_local_sme_suppliers_2",
    "supplier_dependence",
    "n_customers_2",
    "n_segments",
]


def log_scale(x: np.ndarray) -> np.ndarray:
    """Map non-negative values to 0–1 on a log scale anchored at the median.

    ``y = log(1 + x / m) / log(1 + max(x) / m)``, with ``m`` the median of the
    positive values; 0 stays 0, the largest value becomes 1. Unlike ``x /
    max(x)`` it does not flatten a heavy-tailed distribution (a few giants and
    thousands of small firms) to zeros, and unlike ``log(x)`` it is free of the
    unit (万元 or 元 give the same result) and defined at 0.
    """
    x = np.asarray(x, dtype=float)
    pos = x[x > 0]
    if len(pos) == 0:
        return np.zeros_like(x)
    m = float(np.median(pos))
    top = float(pos.max())
    return np.log1p(x / m) / np.log1p(top / m)


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    return normalised_weights(DEFAULT_LEAD_WEIGHTS, weights, "lead-score")


def _size(chain) -> np.ndarray:
    """Revenue where known, else the larger of network sales and purchases (万元); unknown
    (NaN) for a firm with neither revenue nor links."""
    flow = np.maximum(chain.out_strength, chain.in_strength)
    linked = (np.diff(chain.adjacency.indptr) + np.diff(chain.adjacency_t.indptr)) > 0
    flow = np.where(linked, flow, np.nan)
    if "revenue" in chain.firms.columns:
        rev = pd.to_numeric(chain.firms["revenue"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(rev), flow, rev)
    return flow


def lead_firms(
    chain: ChainGraph,
    *,
    weights: Mapping[str, float] | None = None,
    top: int | None = None,
    rule: str | Callable | None = None,
) -> pd.DataFrame:
    """Lead firms (链主): a transparent score of each firm's 生态主导力.

    Every firm gets eight components, each on 0–1, and a weighted sum::

        lead_score = Σ_k w_k · component_k        (Σ_k w_k = 1)

    With ``W[s, j]`` what firm *s* sells to firm *j*, ``in_i = Σ_s W[s, i]``
    (purchases), ``out_i = Σ_j W[i, j]`` (sales), ``S¹(i)`` the direct
    suppliers of *i* and ``S²(i) = S¹(i) ∪ S¹(S¹(i)) \\ {i}`` its suppliers
    within two tiers (direct suppliers and their suppliers, each firm once;
    ``C²(i)`` the same downstream), the components are

    ``scale`` (default weight 0.25)
        ``log_scale(sales_share)`` with ``sales_share_i = size_i / Σ size``;
        ``size`` is the firm's ``revenue`` where given, else the larger of its
        sales and purchases in the network (an end producer sells little in
        the network but buys a lot); unknown for a firm with neither revenue
        nor links, and then so are ``scale`` and ``lead_score`` (unless the
        ``scale`` weight is 0).
    ``pull`` (0.20)
        ``log_scale(pagerank)``: PageRank on the customer-weighted supply
        network — a walker at *s* moves to customer *j* with probability
        ``W[s, j] / out_s`` (damping 0.85, uniform teleport, dangling mass
        spread uniformly), so rank accumulates at firms that buy much from
        firms that themselves buy much. Power iteration stops when the L1
        change falls below 1e-10 (absolute, see :func:`chaingraph.analysis._pagerank.pagerank`).
    ``upstream_firms`` (0.10)
        ``log_scale(|S²(i)|)``: distinct suppliers within two tiers.
    ``upstream_amount`` (0.10)
        ``log_scale(supplier_amount_2)`` with
        ``supplier_amount_2_i = in_i + Σ_{s∈S¹(i)} W[s, i] · in_s / out_s``:
        what the firm buys from tier 1 plus the tier-2 purchases of its
        suppliers attributed to it in proportion to the share of each
        supplier's sales it takes (the tier-2 value embodied in its inputs;
        no path is counted twice).
    ``upstream_local_smes`` (0.10)
        ``log_scale(|S²(i) ∩ local SMEs|)``: local (focus-region) medium,
        small and micro firms within two tiers upstream.
    ``dependence`` (0.10)
        ``supplier_dependence_i = in_i / Σ_{s∈S¹(i)} out_s``: the share of its
        suppliers' total sales that goes to this firm — how much its suppliers
        depend on it (already 0–1; 0 for a firm without suppliers). Its weight
        is modest because a small firm with one captive supplier also scores 1.
    ``downstream`` (0.10)
        ``log_scale(|C²(i)|)``: distinct customers within two tiers.
    ``span`` (0.05)
        ``n_segments_i / n_chain_segments``: the number of distinct segments
        (环节) among the firm and ``S²(i) ∪ C²(i)``, over the number of
        segments that have at least one firm in the chain.

    ``log_scale(x) = log(1 + x/m) / log(1 + max x / m)`` with ``m`` the median
    of the positive values (:func:`log_scale`): amounts, counts and PageRank
    are heavy-tailed, and dividing by the maximum would leave all but a few
    firms at 0.

    Parameters
    ----------
    chain : ChainGraph
    weights : mapping, optional
        Weights for some or all components (names as above); the others keep
        their defaults (:data:`DEFAULT_LEAD_WEIGHTS`) and all are rescaled to
        sum 1. A weight of 0 drops a component.
    top : int, optional
        Return only the ``top`` best-ranked firms.
    rule : str or callable, optional
        How ``is_lead`` is decided.

        * ``None`` / ``"default"``: a large firm (``size_class == "large"``)
          whose lead score is at least 0.75 × the chain's top score, or any
          firm with a lead score of at least 0.70.
        * ``"guangdong-pillar"`` / ``"guangdong-emerging"``: Guangdong's 2022
          revenue floors for 链主, ≥ 500 000 万元 (50 亿元) or ≥ 100 000 万元
          (10 亿元) of ``revenue`` (the rule's market-share evidence is not
          in chain data and is not checked; a firm without revenue is
          unknown).
        * a callable ``rule(scores, chain) -> bool array`` given the score
          table (before ``top`` is applied) and the chain (a missing value
          means unknown).

    Returns
    -------
    DataFrame
        Indexed by ``firm_id``, sorted by ``rank``, with columns

        ``lead_score``
            Weighted sum of the components, 0–1; missing when a weighted
            component is unknown, and for a country aggregate
            (``firms.kind == "aggregate"``), which is never a 链主.
        ``rank``
            1 for the highest score (ties share the better rank); missing
            where the score is (such firms come last).
        ``is_lead``
            By ``rule``; missing where the rule cannot tell (an unknown
            score; a revenue rule and no revenue), false for an aggregate.
        ``scale``, ``pull``, ``upstream_firms``, ``upstream_amount``, ``upstream_local_smes``, ``dependence``, ``downstream``, ``span``
            The components, 0–1, as defined above.
        ``size``
            Revenue, or network throughput when revenue is missing (万元).
        ``sales_share``
            ``size`` over the chain's total.
        ``pagerank``
            Raw PageRank (sums to 1 over the chain).
        ``n_suppliers_2``
            ``|S²(i)|``.
        ``supplier_amount_2``
            Tier-1 plus attributed tier-2 purchases (万元).
        ``n_local_sme_suppliers_2``
            Local SMEs in ``S²(i)``.
        ``supplier_dependence``
            ``in_i / Σ_{s∈S¹(i)} out_s``.
        ``n_customers_2``
            ``|C²(i)|``.
        ``n_segments``
            Segments covered by the firm's two-tier ecosystem (itself included).

        ``df.attrs`` holds ``weights`` (the normalised weights used), ``rule``
        (a description of the ``is_lead`` rule), ``pagerank`` (alpha, tol,
        iterations) and ``normalisation``.

    Raises
    ------
    ChainDataError
        When a revenue rule is asked for and the firms have no ``revenue``.

    References
    ----------
    L. Page, S. Brin, R. Motwani, T. Winograd, "The PageRank citation ranking:
    bringing order to the web", Stanford InfoLab (1999).
    广东省工业和信息化厅, 链主企业认定 (2022): revenue floors by cluster type.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> leads = cg.lead_firms(chain, top=3)
    >>> leads[["lead_score", "rank", "is_lead", "scale", "pull", "n_suppliers_2"]].round(3)
              lead_score  rank  is_lead  scale   pull  n_suppliers_2
    firm_id
    NEV01407       0.810     1     True  0.998  0.999            909
    NEV00034       0.806     2     True  1.000  1.000            930
    NEV00348       0.791     3     True  0.959  0.991            936
    >>> chain.firms.loc[leads.index, "segment_id"].tolist()
    ['vehicle', 'vehicle', 'vehicle']
    >>> leads.attrs["weights"]["pull"]
    0.2
    """
    require_links(chain, "lead_firms")
    w = _weights(weights)
    if top is not None:
        if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) or top < 0:
            raise ValueError(f"top must be a non-negative integer or None, got {top!r}")
        top = int(top)
    m = per_chain(chain, "lead_firms", lambda: _measures(chain))
    sales_share, up, down = m["sales_share"], m["up"], m["down"]
    comp = {
        "scale": log_scale(sales_share),
        "pull": log_scale(m["pagerank"]),
        "upstream_firms": log_scale(up[:, 0]),
        "upstream_amount": log_scale(m["amount2"]),
        "upstream_local_smes": log_scale(up[:, 1]),
        "dependence": m["dependence"],
        "downstream": log_scale(down),
        "span": m["span"],
    }
    # a component with weight 0 is dropped, so its unknowns do not make the score unknown
    score = sum(w[k] * comp[k] for k in w if w[k] > 0)
    score = np.clip(score, 0.0, 1.0)
    score = np.where(chain.is_aggregate, np.nan, score)  # an aggregate is never a 链主
    unknown = np.isnan(score)

    rank = pd.Series(score).rank(ascending=False, method="min")
    columns = {"lead_score": score,
               "rank": rank.astype("Int64" if unknown.any() else "int64").array,
               "is_lead": np.zeros(len(score), dtype=bool),
               **{k: comp[k] for k in DEFAULT_LEAD_WEIGHTS},
               "size": m["size"], "sales_share": sales_share, "pagerank": m["pagerank"],
               "n_suppliers_2": up[:, 0], "supplier_amount_2": m["amount2"],
               "n_local_sme_suppliers_2": up[:, 1], "supplier_dependence": m["dependence"],
               "n_customers_2": down, "n_segments": m["n_segments"]}
    # the rule sees the firms in chain order; the table is then built once, best first
    # (unknown scores last)
    is_lead, rule_text = _apply_rule(
        rule, pd.DataFrame(columns, index=chain.firm_ids.copy()), chain)
    columns["is_lead"] = _with_unknowns(is_lead, chain)
    order = np.argsort(rank.to_numpy(dtype=float, na_value=np.inf), kind="stable")
    if top is not None:
        order = order[:top]
    df = pd.DataFrame({k: v[order] for k, v in columns.items()}, index=chain.firm_ids.take(order))
    df.attrs = {
        "weights": w,
        "rule": rule_text,
        "pagerank": {"alpha": PAGERANK_ALPHA, "tol": PAGERANK_TOL, "iterations": m["n_iter"]},
        "normalisation": "log_scale: log(1 + x/median⁺) / log(1 + max/median⁺); "
        "dependence as is; span = segments covered / segments in chain",
    }
    return with_place(df, chain)


def _measures(chain) -> dict:
    """The network measures behind the lead score, which depend on the chain alone."""
    n = chain.n_firms
    adj, adj_t = chain.adjacency, chain.adjacency_t
    sales, purchases = chain.out_strength, chain.in_strength

    size = _size(chain)
    total = np.nansum(size)
    sales_share = size / total if total > 0 else np.where(np.isnan(size), np.nan, 0.0)

    pr, n_iter = _pagerank.pagerank(adj, alpha=PAGERANK_ALPHA, tol=PAGERANK_TOL, adj_t=adj_t)

    # one search per firm and direction: suppliers within two tiers (and the local SMEs
    # among them), customers within two tiers, and the segments of both and of the firm
    local_sme = chain.is_local & chain.is_sme
    codes = chain.segment_codes
    reached, n_segments = _reach_kernels.reach_summary(
        [adj_t, adj], 2, masks=[local_sme], labels=codes, n_labels=len(chain.segment_ids))

    # tier-2 purchases attributed through each supplier: Σ_s W[s,i]·in_s/out_s
    ratio = np.zeros(n)
    has_sales = sales > 0
    ratio[has_sales] = purchases[has_sales] / sales[has_sales]
    amount2 = purchases + adj_t @ ratio

    # supplier dependence: in_i / Σ_{s∈S¹(i)} out_s
    supplier_sales = _network_csr.pattern(adj_t, np.float64) @ sales
    dependence = np.zeros(n)
    has_sup = supplier_sales > 0
    dependence[has_sup] = purchases[has_sup] / supplier_sales[has_sup]

    n_seg_chain = int(np.count_nonzero(np.bincount(codes[codes >= 0])))
    span = n_segments / n_seg_chain if n_seg_chain else np.zeros(n)
    return {"size": size, "sales_share": sales_share, "pagerank": pr, "n_iter": n_iter,
            "up": reached[:, 0, :], "down": reached[:, 1, 0], "amount2": amount2,
            "dependence": dependence, "n_segments": n_segments, "span": span}


def _with_unknowns(hit: np.ndarray, chain):
    """``is_lead``: the rule's verdict, missing where it is unknown (NaN in ``hit``), False for
    aggregates; a bool array when nothing is unknown."""
    hit = np.asarray(hit, dtype=float)
    unknown = np.isnan(hit) & ~chain.is_aggregate
    verdict = np.nan_to_num(hit, nan=0.0) > 0
    if not unknown.any():
        return verdict
    return pd.arrays.BooleanArray(verdict, unknown)


def _apply_rule(rule, df: pd.DataFrame, chain) -> tuple[np.ndarray, str]:
    """``is_lead`` by ``rule`` as floats (1, 0, NaN where unknown) and the rule's text."""
    if rule is None or rule == "default":
        large = chain.is_large
        score = df["lead_score"].to_numpy()
        best = np.nanmax(score) if (~np.isnan(score)).any() else 0.0
        with np.errstate(invalid="ignore"):
            hit = (large & (score >= DEFAULT_RELATIVE * best)) | (score >= DEFAULT_ABSOLUTE)
        hit = np.where(np.isnan(score), np.nan, hit)
        return hit, (
            f"default: large firm with lead_score ≥ {DEFAULT_RELATIVE} × top score, "
            f"or lead_score ≥ {DEFAULT_ABSOLUTE}"
        )
    if isinstance(rule, str):
        if rule not in LEAD_RULES:
            raise ValueError(f"unknown lead rule {rule!r}; known: default, {', '.join(LEAD_RULES)}")
        if "revenue" not in chain.firms.columns:
            raise ChainDataError(
                f"the lead rule {rule!r} needs firm revenue", source="firms", column="revenue"
            )
        floor = revenue_floor(rule)
        rev = pd.to_numeric(chain.firms["revenue"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            hit = np.where(np.isnan(rev), np.nan, rev >= floor)
        return hit, f"{rule}: revenue ≥ {floor:,.0f} 万元 (market-share evidence not checked)"
    if callable(rule):
        given = np.asarray(rule(df.copy(), chain), dtype=object)
        if given.shape != (len(df),):
            raise ValueError(f"the lead rule returned {given.shape} values for {len(df)} firms")
        unknown = pd.isna(given)  # a rule may say it cannot tell (None, NaN, pd.NA)
        hit = np.where(unknown, np.nan, np.where(unknown, False, given).astype(bool))
        return hit, f"custom: {getattr(rule, '__name__', repr(rule))}"
    raise TypeError("rule must be None, a rule name or a callable")


def ecosystem(chain: ChainGraph, firm_id, *, depth: int = 2, direction: str = "both"):
    """The ecosystem (生态圈) of a firm: its suppliers and customers up to ``depth`` tiers.

    The firm set is ``{i} ∪ S^d(i) ∪ C^d(i)`` where ``S^d(i)`` are the firms
    from which ``i`` can be reached along at most ``d`` supply links
    (suppliers, suppliers' suppliers, …) and ``C^d(i)`` the firms reached
    from ``i`` (customers, customers' customers, …). The view keeps every link
    among these firms, including links between two suppliers.

    Parameters
    ----------
    chain : ChainGraph
    firm_id : str
    depth : int
        Tiers to follow (≥ 1).
    direction : {"both", "upstream", "downstream"}
        Suppliers only, customers only, or both.

    Returns
    -------
    ChainGraph
        A view with the same template and focus region.

    Raises
    ------
    ChainDataError
        When ``firm_id`` is not in the chain.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> lead = cg.lead_firms(chain, top=1).index[0]
    >>> eco = cg.ecosystem(chain, lead, depth=1, direction="upstream")
    >>> eco.n_firms == 1 + (chain.adjacency_t[[chain.firm_ids.get_loc(lead)]].nnz)
    True
    """
    require_links(chain, "ecosystem")
    if direction not in ("both", "upstream", "downstream"):
        raise ValueError("direction must be 'both', 'upstream' or 'downstream'")
    if int(depth) != depth or depth < 1:
        raise ValueError("depth must be a positive integer")
    pos = chain.firm_ids.get_indexer([firm_id])[0]
    if pos < 0:
        raise ChainDataError(f"unknown firm {firm_id!r}", source="firms", column="firm_id")
    keep = np.zeros(chain.n_firms, dtype=bool)
    keep[pos] = True
    if direction in ("both", "upstream"):
        keep |= _reach_kernels.reach_distance(chain.adjacency_t, [pos], int(depth)) >= 0
    if direction in ("both", "downstream"):
        keep |= _reach_kernels.reach_distance(chain.adjacency, [pos], int(depth)) >= 0
    return chain.subchain(firms=chain.firm_ids[keep])
