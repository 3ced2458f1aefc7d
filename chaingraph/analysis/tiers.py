"""The tier pool (梯度培育库): which tier each firm qualifies for, and how far it is from the next.

The ladder of the tier pool is 创新型中小企业 (``innovative``) → 专精特新中小企业
(``specialised``) → 专精特新"小巨人" (``little_giant``) → 制造业单项冠军
(``champion``) → 链主 / 领航企业 (``lead``). Each tier's criteria are *data*: one
TOML file per published rule version, read by :mod:`chaingraph.rules` (where
the shipped versions and the file format are described; :func:`list_rules`
lists them). The default ladder is :data:`DEFAULT_RULES`.

How missing data resolves
-------------------------
Every criterion is ``pass``, ``fail`` or ``unknown``; a missing input (a
missing value, or a column absent from the table) gives ``unknown`` and never
counts as a pass. ``require`` is evaluated in three-valued (Kleene) logic: *and*
fails if any part fails, passes if all pass, otherwise is unknown; *or* passes
if any part passes, fails if all fail, otherwise is unknown. A tier is granted
(``tier``) only when its rule passes; a tier whose rule is unknown is
*possible* (``tier_possible``) — unless none of its inputs is known: a tier
nothing is known about does not make "lead" a firm's possible tier
(``tier_possible`` and ``next_tier`` are then missing). A score with missing
indicators is bounded: each missing indicator counts its lowest and its
highest points, and a score criterion passes when the lower bound passes,
fails when the upper bound fails.
To treat an input you cannot observe as failed, give the column with
``False``/``0``.

Distance to a threshold
-----------------------
For a failing criterion ``value ≥ threshold`` (or ``>``) the relative distance
is ``(threshold − value) / threshold``; for ``≤``/``<`` it is
``(value − threshold) / threshold``; with a zero threshold the absolute
difference. Failing yes/no, list and gate criteria have an infinite distance.
A failing *and* is as far as its farthest failing part, a failing *or* as near
as its nearest alternative; the parts listed as missing follow the same path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import ChainGraph
from ..schema import normalize_region
from ..errors import ChainDataError
from ..rules import DEFAULT_RULES, RuleSet, list_rules, load_rules
from ._common import per_chain, with_place
from ._tier_engine import DERIVED_MEASURES, evaluate

__all__ = [
    "tiers",
    "tier_progress",
    "evaluate_rules",
    "load_rules",
    "list_rules",
    "RuleSet",
    "DEFAULT_RULES",
    "SHANDONG_2025_TARGETS",
    "DERIVED_MEASURES",
]

#: Shandong's 2025 targets (鲁工信发〔2021〕5号): new provincial-or-higher 专精特新 1500,
#: 小巨人 600, 单项冠军 400, 领航 150.
SHANDONG_2025_TARGETS = {"specialised": 1500, "little_giant": 600, "champion": 400, "lead": 150}


def evaluate_rules(firms: pd.DataFrame, rules=DEFAULT_RULES, *, cluster_type=None,
                   detail: bool = True) -> pd.DataFrame:
    """Evaluate tier rules on a firms table (the engine behind :func:`tiers`).

    Parameters
    ----------
    firms : DataFrame
        One row per firm, indexed by ``firm_id`` (or with a ``firm_id``
        column). Columns as listed in :func:`tiers`; all optional.
    rules, cluster_type, detail
        As in :func:`tiers`.

    Returns
    -------
    DataFrame
        As :func:`tiers`.

    Examples
    --------
    Two SMEs scored on the six 创新型 indicators (a small frame, by hand:
    firm A scores 10 (one Class I item: 10 to 20, so the bound 10 counts when
    ``ip_grade`` is given as ``class1``) + 15 (R&D 4 %) + 20 (growth 20 %) +
    10 (debt 40 %) + 10 (strategic emerging) + 20 (main business 80 %) = 85;
    firm B scores 0 + 0 + 5 + 0 + 5 + 0 = 10):

    >>> import pandas as pd
    >>> from chaingraph.analysis.tiers import evaluate_rules
    >>> firms = pd.DataFrame({
    ...     "size_class": ["small", "small"], "ip_grade": ["class1", "none"],
    ...     "revenue": [5000, 5000], "rd_expense": [200, 10],
    ...     "main_business_growth": [0.20, 0.01], "debt_ratio": [0.40, 0.90],
    ...     "strategic_emerging": [True, False],
    ...     "main_business_revenue": [4000, 1000]}, index=pd.Index(["A", "B"], name="firm_id"))
    >>> out = evaluate_rules(firms, "miit-2022")
    >>> out[["innovative.score", "innovative.status", "tier"]]
             innovative.score innovative.status        tier
    firm_id
    A                    85.0              pass  innovative
    B                    10.0           unknown         NaN
    >>> out.attrs["rules"]
    ['miit-2022']
    """
    ruleset = load_rules(rules)
    if "firm_id" in firms.columns:
        firms = firms.set_index("firm_id")
    return evaluate(firms, ruleset, cluster_type=cluster_type, detail=detail)


def tiers(chain: ChainGraph, *, rules=DEFAULT_RULES, cluster_type=None, detail: bool = True,
          near_miss: float | None = None) -> pd.DataFrame:
    """Tier pool (梯度培育库): the tier each firm qualifies for and what it misses for the next.

    The ladder is 创新型中小企业 (``innovative``) → 专精特新中小企业
    (``specialised``) → 专精特新"小巨人" (``little_giant``) → 制造业单项冠军
    (``champion``) → 链主 / 领航 (``lead``). Each criterion is evaluated on the
    firms table and comes out ``pass``, ``fail`` or ``unknown`` (a missing input
    is unknown and never counts as a pass); a tier's ``require`` expression
    combines them in three-valued logic (see :mod:`chaingraph.analysis.tiers`).
    The 创新型中小企业 score is the sum of six banded indicators (max 100):
    IP (20) + R&D / revenue (20) [创新能力] + main-business growth (20) + debt
    ratio (10) [成长性] + strategic emerging field (10) + main business / revenue
    (20) [专业化]; it qualifies with a total ≥ 60, 创新能力 ≥ 20 and the other
    two ≥ 15 each, or by a direct route.

    Parameters
    ----------
    chain : ChainGraph
    rules : str, path, RuleSet or sequence of these, default :data:`DEFAULT_RULES`
        Shipped rule versions by name (``'miit-2022'``, ``'champion-2023'``,
        ``'lead-guangdong-2022'``; see :func:`list_rules`) or the path of a
        user's TOML rule file; several are merged into one ladder. The default
        is the full ladder.
    cluster_type : {'pillar', 'emerging'}, optional
        The cluster kind of the chain, for firms whose ``cluster_type`` column
        is missing (the 链主 revenue threshold: 50 亿元 = 500000 万元 for pillar
        clusters, 10 亿元 = 100000 万元 for emerging ones; unknown, a firm
        passes only above both and fails only below both). By default the
        chain template's :attr:`~chaingraph.ChainTemplate.cluster_type` (the
        built-in ``nev`` is pillar, ``cnc`` and ``ic`` emerging); unknown
        without a template or when it has none. ``attrs["cluster_type"]`` says
        which was used.
    detail : bool, default True
        Add the per-criterion and per-indicator columns.
    near_miss : float, optional
        Only the firms whose next tier's rule fails within this relative
        distance (``next_distance ≤ near_miss``), nearest first.

    Returns
    -------
    DataFrame indexed by ``firm_id``, in the chain's order (with ``near_miss``,
    nearest first, ties in the chain's order):

    - ``size_class``: large / medium / small / micro, or missing.
    - ``designation``: the highest ladder tier the firm holds according to its
      ``designations`` (ordered categorical; missing when none).
    - ``tier``: the highest tier whose rule passes (ordered categorical,
      missing when none).
    - ``tier_possible``: the highest tier whose rule passes or is unknown;
      missing when that tier has none of its inputs (then nothing known says
      how high the firm could go).
    - ``next_tier``: the lowest tier above ``tier`` whose gates (the SME
      condition) do not fail; missing when there is none, or when it has none
      of its inputs.
    - ``next_distance``: when the next tier's rule fails, its relative distance
      (module docstring); ``inf`` when a yes/no or gate criterion fails; NaN
      when the rule is unknown.
    - ``next_missing``: the failing criteria of the next tier, ``'; '``-joined.
    - ``next_unknown``: the criteria with missing inputs in the parts of the
      next tier's rule not yet passed.
    - ``<tier>.status``: pass / fail / unknown for each tier.
    - ``<tier>.designated``: whether the firm holds the tier's designation (or
      a higher one implying it); missing without a ``designations`` column.
    - ``<tier>.score``, ``<tier>.score_min``, ``<tier>.score_max``: for a
      scored tier (``innovative``), the score (missing unless all indicators
      are known) and its bounds.

    With ``detail=True`` also:

    - ``<tier>.score.<group>`` and ``<tier>.points.<indicator>``: sub-scores
      and indicator points (missing where an input is missing).
    - ``<tier>.<criterion>``: outcome (pass / fail / unknown);
      ``<tier>.<criterion>.value``: the measured value (for a score criterion
      the exact score); ``<tier>.<criterion>.threshold`` for threshold criteria.

    ``attrs``: ``rules`` (the rule versions used), ``unconfirmed`` (criteria
    whose value is marked unconfirmed in the rule files),
    ``missing_columns`` (inputs absent from the table, hence unknown) and
    ``cluster_type`` (the cluster kind given to firms without one: the
    argument, else the template's; ``None`` when unknown).

    A country aggregate (``firms.kind == "aggregate"``, "the rest of country
    X") is not a firm and never a tier candidate: its row is empty.

    Notes
    -----
    Firms columns read (all optional; money in 万元, shares as fractions):
    ``employees``, ``revenue``, ``revenue_prev``, ``rd_expense``,
    ``rd_expense_prev``, ``rd_staff_share``, ``main_business_revenue``,
    ``main_business_growth``, ``main_business_growth_prev``, ``debt_ratio``,
    ``years_in_niche``, ``niche_market_share``, ``global_rank``, ``ip_class1``
    (count of Class I IP items), ``ip_grade`` (``high_value_class1`` /
    ``own_class1`` / ``class1`` / ``class2`` / ``none``),
    ``equity_financing`` (new equity, last 2 years), ``equity_financing_3y``
    (last 3 years), ``strategic_emerging``, ``designations`` (text; current
    honours such as 专精特新, 小巨人, 高新技术企业), ``zjtx_score`` (专精特新
    score on its 13 indicators), yes/no columns ``has_award``,
    ``has_award_top``, ``has_rd_institution``, ``has_info_system``,
    ``has_certified_management``, ``has_own_brand``, ``maker_china_top500``,
    ``chain_role``, ``key_product_field``, ``new_product``,
    ``market_share_evidence``, and ``cluster_type`` (pillar / emerging).
    ``size_class`` comes from the chain (NBS 2017). Derived measures:
    ``rd_intensity = rd_expense / revenue``, ``rd_intensity_prev``,
    ``rd_expense_avg2``, ``main_business_share = main_business_revenue /
    revenue``, ``main_business_growth_avg2`` (:data:`DERIVED_MEASURES`).
    ``has_award`` is a national or provincial S&T award in the last 3 years (创新型
    route); ``has_award_top`` the same with the firm ranked in the top 3
    (provincial) or top 5 (national) of the awarded units (专精特新 route). In
    ``designations`` an empty cell means no designation; without the column,
    designations are unknown.

    References
    ----------
    工业和信息化部, 优质中小企业梯度培育管理暂行办法, 工信部企业〔2022〕63号, 附件1–3.
    工业和信息化部, 制造业单项冠军企业认定管理办法 (2023).
    国家统计局, 统计上大中小微型企业划分办法（2017）.

    Examples
    --------
    >>> import chaingraph as cg
    >>> from chaingraph.analysis.tiers import tiers
    >>> chain = cg.load_dataset("shandong-nev")
    >>> t = tiers(chain)
    >>> t.attrs["rules"]
    ['miit-2022', 'champion-2023', 'lead-guangdong-2022']
    >>> t.loc["NEV00001", ["size_class", "tier", "next_tier", "next_missing"]].tolist()
    ['medium', 'innovative', 'specialised', 'specialised.rd_intensity']

    NEV00001 (medium, revenue 21521.1 万元, R&D 530.5 万元, main business 13836.8 万元,
    growth 4.8 %, debt 46.5 %, strategic emerging, IP grade high_value_class1) scores,
    by hand: IP 20 + R&D 2.47 % → 10 + growth → 5 + debt → 10 + field 10 + main
    business 64.3 % → 15 = 70 (innovation 30, growth 15, specialisation 25), so it is
    an 创新型中小企业. For 专精特新 its R&D intensity is short by
    (0.03 − 0.02465) / 0.03 = 0.178:

    >>> row = t.loc["NEV00001", ["innovative.score_min", "innovative.score_max", "next_distance"]]
    >>> [round(float(v), 3) for v in row]
    [70.0, 70.0, 0.178]

    The firms within 5 % of their next tier, nearest first:

    >>> near = tiers(chain, detail=False, near_miss=0.05)
    >>> near[["next_tier", "next_distance", "next_missing"]].head(3)
                next_tier  next_distance              next_missing
    firm_id
    NEV01756  specialised       0.008298  specialised.rd_intensity
    NEV00917  specialised       0.012000    specialised.rd_expense
    NEV01429     champion       0.013291    champion.product_share
    """
    if cluster_type is None and chain.template is not None:
        cluster_type = chain.template.cluster_type

    def table():
        return _not_applicable(evaluate_rules(chain.firms, rules, cluster_type=cluster_type,
                                              detail=detail), chain.is_aggregate)

    if not detail and _shipped(rules) and (cluster_type is None or isinstance(cluster_type, str)):
        # shipped rules cannot change: the summary is kept for the chain (tier_progress and a
        # report ask for it again); the detailed table is too large to keep
        out = per_chain(chain, ("tiers", rules, cluster_type), table).copy()
    else:
        out = table()
    out = out if near_miss is None else _near_misses(out, near_miss)
    out.attrs["cluster_type"] = cluster_type
    return with_place(out, chain)


def _not_applicable(t: pd.DataFrame, aggregate: np.ndarray) -> pd.DataFrame:
    """The tier table with the rows of country aggregates emptied: an aggregate ("the rest
    of country X") is not a firm and is never a tier candidate."""
    if not aggregate.any():
        return t
    t = t.copy()
    for col in t.columns:
        if col == "size_class":
            continue
        if col in ("next_missing", "next_unknown"):
            t.loc[aggregate, col] = ""
        elif isinstance(t[col].dtype, pd.CategoricalDtype) or t[col].dtype.kind == "f":
            t.loc[aggregate, col] = np.nan
        else:
            t.loc[aggregate, col] = pd.NA
    return t


def _shipped(rules) -> bool:
    """Whether ``rules`` names shipped rule versions only (no file, no RuleSet)."""
    names = (rules,) if isinstance(rules, str) else rules
    return isinstance(names, tuple) and all(
        isinstance(r, str) and not r.lower().endswith(".toml") for r in names)


def _near_misses(t: pd.DataFrame, within: float) -> pd.DataFrame:
    """The rows of a :func:`tiers` table whose next tier's rule fails within relative
    distance ``within``, nearest first (a stable sort: ties keep their order)."""
    return t[t["next_distance"] <= within].sort_values("next_distance", kind="stable")


def _target_key(name, ruleset: RuleSet) -> str:
    ids = ruleset.tier_ids
    if name in ids:
        return name
    for t in ruleset.tiers:
        if name == t.label or name in t.designations:
            return t.id
    raise ChainDataError(
        f"target tier {name!r} is not a tier of the rules ({', '.join(ids)})", source="targets")


def tier_progress(chain: ChainGraph, targets=None, *, by: str = "region", near_miss: float | None = None,
                  rules=DEFAULT_RULES, cluster_type=None) -> pd.DataFrame:
    """Progress of the local tier pool (梯度培育库) against targets, by region or city.

    Counts, among the chain's local firms (``chain.is_local``), for each tier:
    firms holding the designation, firms qualifying under the rules, and how
    far the designations fall short of the target.

    Parameters
    ----------
    chain : ChainGraph
    targets : mapping tier → count or DataFrame, optional
        Tier ids or names (专精特新, 小巨人, 单项冠军, 领航 …). Default, for a chain
        whose region is Shandong (山东): :data:`SHANDONG_2025_TARGETS`, Shandong's
        2025 targets (鲁工信发〔2021〕5号): 专精特新 1500, 小巨人 600, 单项冠军 400,
        领航 150; for any other region, or none, no target (``target`` missing). The policy counts *new*
        designations from 2021 on; ``designated`` counts all held, so subtract
        a baseline from the targets if the data has older ones. With
        ``by="city"`` a mapping applies to no single city (``target`` is
        missing); give a DataFrame indexed by city with one column per tier.
    by : {'region', 'city'}
        One group (the chain's region, or ``'all'`` without one) or one per city.
    near_miss : float, optional
        Also count and list the firms whose rule for this tier (their next
        tier) fails within this relative distance (see :func:`tiers`).
    rules, cluster_type
        As in :func:`tiers` (the cluster type defaults to the template's).

    Returns
    -------
    DataFrame indexed by (``region`` or ``city``, ``tier``), tiers in ladder order:

    - ``target``: the target (missing when none).
    - ``designated``: local firms holding the designation (a higher MIIT tier
      implies the lower ones).
    - ``qualifying``: local firms whose rule for the tier passes.
    - ``candidates``: qualifying firms not yet designated.
    - ``possible``: firms not designated whose rule is unknown.
    - ``gap``: ``target − designated`` (negative when the target is exceeded).
    - ``near_miss`` and ``near_miss_firms`` (with ``near_miss``): how many
      local firms, not qualifying, have this tier as their next tier within the
      distance, and their ids, nearest first.

    ``attrs["rules"]`` lists the rule versions, ``attrs["targets"]`` names the targets,
    ``attrs["cluster_type"]`` the cluster kind used (as in :func:`tiers`).

    Examples
    --------
    The shipped Shandong NEV chain against the 2025 targets; ``designated`` for
    专精特新 counts the 小巨人 too (a 小巨人 is a 专精特新 firm):

    >>> import chaingraph as cg
    >>> from chaingraph.analysis.tiers import tier_progress
    >>> chain = cg.load_dataset("shandong-nev")
    >>> p = tier_progress(chain, near_miss=0.05)
    >>> p.loc["山东", ["target", "designated", "qualifying", "candidates", "gap", "near_miss"]]
                  target  designated  qualifying  candidates     gap  near_miss
    tier
    innovative       NaN          44         569         529     NaN          0
    specialised   1500.0          44          81          44  1456.0         12
    little_giant   600.0           7           2           0   593.0          0
    champion       400.0           1           7           6   399.0          0
    lead           150.0           0           5           5   150.0          0
    >>> p.loc[("山东", "specialised"), "near_miss_firms"][:2]
    ('NEV00083', 'NEV00557')

    The one-firm-at-a-time reference evaluation of the rules gives the same
    ``qualifying`` counts for the 1,003 local firms; the five 链主 are the planted
    lead firms, the only local firms with revenue ≥ 50 亿元 (pillar cluster), each
    with market-share evidence.
    """
    if by not in ("region", "city"):
        raise ValueError("by must be 'region' or 'city'")
    ruleset = load_rules(rules)
    t = tiers(chain, rules=ruleset, cluster_type=cluster_type, detail=False)
    cluster_type = t.attrs["cluster_type"]
    local = np.asarray(chain.is_local, dtype=bool) & ~chain.is_aggregate
    t = t[local]
    named = "given"
    if targets is None:
        # Shandong's targets are Shandong's: another region (a province, a US state, a
        # country, or none) has no default target, and its target stays unknown
        shandong = chain.region_kind == "province" and normalize_region(chain.region) == "山东"
        named = "shandong-2025" if shandong else "none"
        targets = SHANDONG_2025_TARGETS if shandong else {}
    if by == "region":
        group = pd.Series(chain.region if chain.region is not None else "all", index=t.index)
    else:
        if "city" not in chain.firms.columns:
            raise ChainDataError("no city column for by='city'", source="firms", column="city")
        group = chain.firms["city"][local].astype(object).where(
            chain.firms["city"][local].notna(), "(unknown)")
    # per-group targets
    if isinstance(targets, pd.DataFrame):
        tmap = {g: {_target_key(c, ruleset): targets.loc[g, c] for c in targets.columns}
                for g in targets.index}
        per_group = True
    else:
        tmap = {_target_key(k, ruleset): v for k, v in dict(targets).items()}
        per_group = False

    ids = ruleset.tier_ids
    # designation held per tier (a higher tier implies its prerequisites); unknown is not held
    held = {tid: t[f"{tid}.designated"].to_numpy(dtype=bool, na_value=False) for tid in ids}
    if near_miss is not None:
        near = _near_misses(t, near_miss)
        near_group = group.loc[near.index].to_numpy()
        near_tier = near["next_tier"].to_numpy()

    rows = []
    groups = pd.unique(group.to_numpy())
    gvals = group.to_numpy()
    for g in sorted(groups, key=str):
        in_g = gvals == g
        for tid in ids:
            status = t[f"{tid}.status"].to_numpy()
            h = held[tid] & in_g
            q = (status == "pass") & in_g
            target = (tmap.get(g, {}).get(tid) if per_group else
                      (tmap.get(tid) if by == "region" else None))
            target = np.nan if target is None or pd.isna(target) else float(target)
            row = {
                by: g, "tier": tid, "target": target, "designated": int(h.sum()),
                "qualifying": int(q.sum()), "candidates": int((q & ~held[tid]).sum()),
                "possible": int(((status == "unknown") & in_g & ~held[tid]).sum()),
                "gap": target - int(h.sum()),
            }
            if near_miss is not None:
                sel = (near_group == g) & (near_tier == tid)
                row["near_miss"] = int(sel.sum())
                row["near_miss_firms"] = tuple(near.index[sel])
            rows.append(row)
    out = pd.DataFrame(rows).set_index([by, "tier"])
    out.attrs["rules"] = list(ruleset.names)
    out.attrs["unconfirmed"] = ruleset.unconfirmed
    out.attrs["targets"] = named
    out.attrs["cluster_type"] = cluster_type
    return with_place(out, chain)
