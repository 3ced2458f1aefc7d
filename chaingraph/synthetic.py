"""Synthetic industry chains with planted structure.

:func:`synthetic_chain` / :func:`synthetic_frames` generate realistic chains
over a :class:`~chaingraph.ChainTemplate` whose planted structure (lead firms,
missing segments, chokepoints, foreign-dominated segments) is returned beside
the chain as a :class:`Planted`, so analyses can be tested for recovering it.
The shipped chains ``shandong-nev`` and ``shandong-cnc`` are made by it (see
``datasets/make_synthetic.py``).

Why this module is long: the generator's public entry points and their documentation of every
planted fact (about 230 lines of docstrings); the steps live in the ``_synthetic_*.py`` modules
beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chaingraph._synthetic_draws import _calibrate_rate, _pick, _sample_flow, _segment_counts
from chaingraph._synthetic_places import _firm_names, _place_firms, _region_cities
from chaingraph._synthetic_tiers import _rank_by_size, _tier_columns, _tier_extra_columns
from chaingraph.errors import ChainDataError
from chaingraph.schema import size_class_nbs2017
from chaingraph.templates import get_template

__all__ = ["Planted", "SyntheticChain", "synthetic_chain", "synthetic_frames"]

# --------------------------------------------------------------------------- #
# the model's parameters

#: Probability that a firm of a segment is foreign, by foundation category.
_FOREIGN_P = {"元器件": 0.25, "软件": 0.25, "材料": 0.12, "零部件": 0.10, "工艺": 0.03}
_FOREIGN_P_OTHER = 0.06
#: Foundation categories of the segments a foreign-dominated segment is planted in.
_FOREIGN_PRONE = ("元器件", "软件", "材料")
#: Foundation categories of technology segments (more R&D, more strategic emerging).
_TECH_FOUNDATIONS = ("元器件", "软件", "零部件")
#: Share of foreign firms in a planted foreign-dominated (卡脖子) segment.
_FOREIGN_P_PLANTED = 0.8
#: Probability that a domestic firm is in the focus region.
_LOCAL_P = 0.6
_LOCAL_P_FINAL = 0.7
#: Size elasticities: supplier choice (w ~ revenue^beta), number of suppliers
#: (k ~ revenue^gamma), amount allocation.
_BETA, _GAMMA, _ALLOC = 0.6, 0.4, 0.7
#: Stage multipliers of the revenue distribution; relative number of firms.
_STAGE_REVENUE = {"upstream": 1.0, "midstream": 1.4, "downstream": 3.0}
_STAGE_FIRMS = {"upstream": 1.0, "midstream": 1.2, "downstream": 0.45}
#: The year the firms' figures and the links describe.
_DATA_YEAR = 2023


# --------------------------------------------------------------------------- #
# result types


@dataclass(frozen=True)
class Planted:
    """Structure planted in a synthetic chain, to test analyses for recovering it.

    Attributes
    ----------
    lead_firms : list of str
        Firm ids planted as lead firms (链主): local firms of downstream or
        midstream segments, the largest by revenue, with many suppliers.
    missing_segments : list of str
        Segments with no local firm (缺链): their firms are all outside the
        region or foreign. No other segment lacks a local firm.
    chokepoints : list of str
        Single-source chokepoint firms: each is the only firm of its segment,
        so every customer of that segment's essential flows buys that input
        from it alone.
    chokepoint_segments : list of str
        The segments of ``chokepoints`` (same order). No other segment has a
        single firm.
    foreign_segments : list of str
        Segments whose firms are mostly (about 80 %) foreign (卡脖子).
    sme_share : float
        Realised share of large customers' purchases (by amount) bought from
        SMEs (medium, small and micro firms by the NBS 2017 rule); NaN when
        the chain has no large customer.
    """

    lead_firms: list[str] = field(default_factory=list)
    missing_segments: list[str] = field(default_factory=list)
    chokepoints: list[str] = field(default_factory=list)
    chokepoint_segments: list[str] = field(default_factory=list)
    foreign_segments: list[str] = field(default_factory=list)
    sme_share: float = float("nan")

    def to_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return {
            "lead_firms": list(self.lead_firms),
            "missing_segments": list(self.missing_segments),
            "chokepoints": list(self.chokepoints),
            "chokepoint_segments": list(self.chokepoint_segments),
            "foreign_segments": list(self.foreign_segments),
            "sme_share": None if math.isnan(self.sme_share) else float(self.sme_share),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Planted:
        """Inverse of :meth:`to_dict`."""
        share = data.get("sme_share")
        return cls(
            lead_firms=list(data.get("lead_firms", [])),
            missing_segments=list(data.get("missing_segments", [])),
            chokepoints=list(data.get("chokepoints", [])),
            chokepoint_segments=list(data.get("chokepoint_segments", [])),
            foreign_segments=list(data.get("foreign_segments", [])),
            sme_share=float("nan") if share is None else float(share),
        )


class SyntheticChain(NamedTuple):
    """A synthetic chain and the structure planted in it."""

    chain: object  # ChainGraph
    planted: Planted


# --------------------------------------------------------------------------- #
# the generator


def synthetic_chain(
    template="nev",
    n_firms: int = 1000,
    *,
    region: str = "山东",
    seed=None,
    links_per_firm: float = 10.0,
    sme_share: float | None = None,
    n_leads: int | None = None,
    n_missing: int = 2,
    n_chokepoints: int = 2,
    n_foreign: int = 2,
) -> SyntheticChain:
    """A synthetic industry chain (产业链) with planted structure.

    Firms are spread over the segments of ``template`` and linked along its
    segment flows; the structure planted on the way (lead firms, missing
    segments, single-source chokepoints, foreign-dominated segments) is
    returned beside the chain so that analyses can be checked for finding
    it. No real firm's data is used.

    The model, step by step:

    1. *Planted segments.* ``n_chokepoints`` non-final segments with an
       essential outgoing flow (foundation segments three times as likely)
       get exactly one firm, local to ``region``; ``n_missing`` other
       non-final segments get no local firm (缺链); ``n_foreign`` foundation
       segments of kind 元器件/软件/材料 get about 80 % foreign firms (卡脖子).
    2. *Firms per segment*: at least two, the rest in proportion to
       Gamma(3, 1) weights times a stage factor (downstream 0.45, midstream
       1.2, upstream 1).
    3. *Location.* A firm is foreign with a probability set by its segment's
       foundation category (元器件 and 软件 0.25, 材料 0.12, 零部件 0.10,
       工艺 0.03, other 0.06); a domestic firm is local with probability 0.6
       (0.7 in final segments), in one of the region's cities (for 山东 its 16
       cities, weighted by their industrial weight), otherwise in another
       province's industrial city; foreign firms come from JP, DE, US, KR,
       FR, NL and CH. Every segment except the missing ones keeps at least
       one local firm.
    4. *Size.* Revenue (万元) is lognormal, median 2,500, σ = 1.35, times
       1 / 1.4 / 3 for up- / mid- / downstream and 4 for foreign firms;
       employees = revenue / productivity with productivity lognormal around
       40 万元 per person. Most firms are therefore SMEs under the NBS 2017
       rule. The ``n_leads`` lead firms (链主) — local firms of downstream or
       midstream segments, chosen with weight (number of firms in the
       supplying segments)² × (3 final / 2 downstream / 1 midstream) — get
       1.5 to 4 times the largest other revenue.
    5. *Links.* For every flow A → B, each firm *j* of B draws
       kⱼ ~ Poisson(λ·(rⱼ/median r)^0.4) suppliers from A (half the rate for
       non-essential flows; at least one for essential flows; at most the number of firms in A),
       λ set so that the chain has about ``links_per_firm`` links per firm.
       A draw picks the customer's city, the rest of its province or
       elsewhere with weights 8 : 3 : 1 times the suppliers' total size
       weight there, then a supplier with probability ∝ revenue^0.6. Repeated
       draws are dropped: there are no repeated pairs and no self-links.
    6. *Amounts* (万元): the smaller of the supplier's allocation
       (30–80 % of its revenue, split over its customers ∝ revenue^0.7) and
       the customer's (40–75 % of its revenue, split over its suppliers
       ∝ revenue^0.7), both with lognormal noise. With ``sme_share`` set,
       each large customer's purchases are rescaled so that that share of
       them (by amount, clipped to 0.01–0.99) comes from SMEs, where it buys
       from both SMEs and non-SMEs.
    7. *Tier columns* (梯度培育 inputs) with plausible values: ``founded``,
       ``rd_expense`` (R&D intensity lognormal around 2.5 %, higher in
       零部件/元器件/软件 segments), ``rd_staff_share``,
       ``main_business_revenue`` (Beta(8, 1.6) share of revenue),
       ``main_business_growth``, ``debt_ratio``, ``years_in_niche``,
       ``niche_market_share`` (main-business revenue over a lognormal niche
       market of median 15 亿元), ``global_rank`` (for the three largest
       firms of a segment with revenue ≥ 4 亿元, else missing),
       ``ip_class1``, ``equity_financing``, ``strategic_emerging`` and
       ``designations`` (``专精特新`` / ``小巨人`` / ``单项冠军`` / missing:
       the highest held, given at random to a share of the firms that meet
       a simplified version of the MIIT criteria).
    8. *Optional tier inputs*, drawn last from a generator spawned from the
       seed (so every column above and the links are the same as without
       them), with z = log10(revenue / 2500) as a size index:
       ``revenue_prev`` (revenue over 1 + main-business growth ± 3 %),
       ``rd_expense_prev`` (R&D intensity × lognormal(0, 0.25)),
       ``main_business_growth_prev`` (0.08 + 0.4 (g − 0.08) + N(0, 0.13));
       missing for firms founded in the last two years and 6 % more.
       ``ip_grade`` (``high_value_class1`` / ``own_class1`` / ``class1`` when
       the firm has a Class I item, ``class2`` / ``none`` otherwise; 12 %
       missing); ``equity_financing_3y`` (the 2-year amount plus, for 4 %,
       an earlier round; 8 % missing). Yes/no columns as 0/1 (``Int8``,
       about 6–10 % missing), each true with probability logistic in z,
       R&D intensity and the MIIT designation held (a 小巨人 met its checks):
       ``has_info_system``, ``has_certified_management``, ``has_own_brand``
       (about a half, two thirds and two fifths of the firms),
       ``has_rd_institution`` (provincial or higher, ~9 %), ``has_award``
       (~4 %) and ``has_award_top`` (two fifths of those),
       ``maker_china_top500`` (~1 %, domestic SMEs only, 0 for others),
       ``chain_role`` (likelier for suppliers of a large firm in the chain),
       ``key_product_field`` (likelier for strategic emerging and
       零部件/元器件/软件 segments), ``new_product`` and
       ``market_share_evidence`` (likelier for the largest firm of a
       segment, a global top-3 rank and the planted lead firms; missing for
       foreign firms). ``zjtx_score``: a simplified 专精特新 score (100
       points: 专业化 25 from the niche years, main-business share and
       growth, field; 精细化 25 from the yes/no checks, debt ratio and a
       drawn net-margin score; 特色化 15 drawn; 创新能力 35 from IP grade,
       R&D expense and intensity, R&D staff and R&D institution), higher
       draws for designated firms; for domestic SMEs, 15 % missing, missing
       for other firms. ``cluster_type``: the template's
       :attr:`~chaingraph.ChainTemplate.cluster_type` (``pillar`` for
       ``nev``, ``emerging`` for ``cnc`` and ``ic``); absent when the
       template has none (pass ``cluster_type`` to :func:`~chaingraph.tiers`
       then).

    Parameters
    ----------
    template : str, path or ChainTemplate, default "nev"
        The chain template (see :func:`chaingraph.list_templates`).
    n_firms : int, default 1000
        Number of firms; at least three per template segment.
    region : str, default "山东"
        The focus region (a province with a known city list).
    seed : int or numpy Generator, optional
        Random seed; the same seed gives identical output.
    links_per_firm : float, default 10
        Target mean number of links per firm (the realised mean is close
        for large chains and a little lower for small ones).
    sme_share : float, optional
        Share (0–1) of large customers' purchases bought from SMEs.
    n_leads : int, optional
        Number of lead firms; default ``ceil(n_firms / 400)``, 1 to 30.
    n_missing, n_chokepoints, n_foreign : int, default 2
        Number of missing, chokepoint and foreign-dominated segments.

    Returns
    -------
    SyntheticChain
        ``(chain, planted)``: a :class:`~chaingraph.ChainGraph` (with the
        template and ``region``) and a :class:`Planted`. Firms columns:
        ``firm_id`` (template prefix and a number, e.g. ``NEV00001``),
        ``name``, ``segment_id``, ``city``, ``province`` (missing for foreign
        firms), ``country`` (ISO 3166 alpha-2, ``CN`` for domestic),
        ``employees``, ``revenue`` (万元) and the tier columns above
        (``size_class`` is derived by the chain). Links columns:
        ``supplier_id``, ``customer_id``, ``amount`` (万元), ``year``.

    See Also
    --------
    synthetic_frames : the same as plain tables.

    References
    ----------
    National Bureau of Statistics of China, 统计上大中小微型企业划分办法（2017）.
    MIIT, 优质中小企业梯度培育管理暂行办法 (2022).

    Examples
    --------
    >>> from chaingraph.synthetic import synthetic_chain
    >>> chain, planted = synthetic_chain("nev", 500, seed=42)
    >>> chain.n_firms, chain.region
    (500, '山东')
    >>> seg = chain.firms["segment_id"]
    >>> [int((seg == s).sum()) for s in planted.chokepoint_segments]
    [1, 1]
    >>> bool(chain.location[seg.isin(planted.missing_segments)].ne("local").all())
    True
    >>> chain.firms.loc[planted.lead_firms, "size_class"].unique().tolist()
    ['large']
    """
    from chaingraph.core import ChainGraph

    tpl = get_template(template)
    firms, links, planted = synthetic_frames(
        tpl, n_firms, region=region, seed=seed, links_per_firm=links_per_firm,
        sme_share=sme_share, n_leads=n_leads, n_missing=n_missing,
        n_chokepoints=n_chokepoints, n_foreign=n_foreign,
    )
    chain = ChainGraph.from_frames(firms, links, tpl, region=region)
    return SyntheticChain(chain, planted)


def synthetic_frames(
    template="nev",
    n_firms: int = 1000,
    *,
    region: str = "山东",
    seed=None,
    links_per_firm: float = 10.0,
    sme_share: float | None = None,
    n_leads: int | None = None,
    n_missing: int = 2,
    n_chokepoints: int = 2,
    n_foreign: int = 2,
):
    """Firms and links tables of a synthetic chain, and its planted structure.

    The frame-level generator behind :func:`synthetic_chain`; see there for
    the model. Returns ``(firms, links, planted)``.

    Examples
    --------
    >>> from chaingraph.synthetic import synthetic_frames
    >>> firms, links, planted = synthetic_frames("cnc", 300, seed=1)
    >>> len(firms), firms["firm_id"].iloc[0]
    (300, 'CNC00001')
    >>> bool(links.duplicated(["supplier_id", "customer_id"]).any())
    False
    """
    tpl = get_template(template)
    _check_args(tpl, n_firms, links_per_firm, sme_share, n_leads, n_missing, n_chokepoints,
                n_foreign)
    n_firms = int(n_firms)
    focus = _region_cities(region)
    segs = _Segments.of(tpl)
    rng = np.random.default_rng(seed)
    # the steps of synthetic_chain's docstring, in order; each draws from ``rng`` in turn
    plan = _plant_segments(rng, segs, n_chokepoints=n_chokepoints, n_missing=n_missing,
                           n_foreign=n_foreign)                                      # 1
    counts, seg_code = _firms_per_segment(rng, segs, n_firms, plan)                  # 2
    places = _locate_firms(rng, segs, seg_code, plan, focus)                         # 3
    sizes = _size_firms(rng, segs, seg_code, counts, places, plan, n_leads)          # 4
    supplier, customer = _draw_links(rng, segs, seg_code, places, sizes.revenue,
                                     links_per_firm)                                 # 5
    amount = _link_amounts(rng, supplier, customer, sizes, sme_share)                # 6
    firm_ids = _firm_ids(tpl.name, n_firms)
    names = _firm_names(rng, segs.firm_word[seg_code], places.city, places.country,
                        segs.name_en[seg_code], big=sizes.revenue >= 40000)
    tech = segs.tech[seg_code]
    size_rank = _rank_by_size(seg_code, sizes.revenue)
    tier_inputs = _tier_columns(rng, sizes.revenue, size_rank, tech, places.foreign,
                                sizes.is_sme, year=_DATA_YEAR)                       # 7
    firms = _firms_table(firm_ids, names, segs, seg_code, places, sizes, tier_inputs)
    links = _links_table(rng, firm_ids, supplier, customer, amount)
    # 8: spawned after every other draw; the spawn reads the seed, not the stream, so
    # the columns above (and the links) are the same as without these extra columns
    extra = _tier_extra_columns(
        rng.spawn(1)[0], firms, seg_top=size_rank == 1, foreign=places.foreign,
        is_sme=sizes.is_sme, tech_seg=tech,
        supplies_large=np.bincount(supplier[sizes.is_large[customer]], minlength=n_firms) > 0,
        leads=np.array(sizes.lead_firms, dtype=np.int64), cluster_type=tpl.cluster_type,
        year=_DATA_YEAR)
    for col, values in extra.items():
        firms[col] = values

    planted = Planted(
        lead_firms=[firm_ids[j].as_py() for j in sizes.lead_firms],
        missing_segments=list(plan.missing_segments),
        chokepoints=[firm_ids[j].as_py() for j in sizes.chokepoint_firms],
        chokepoint_segments=list(plan.chokepoint_segments),
        foreign_segments=list(plan.foreign_segments),
        sme_share=_sme_share(amount, supplier, customer, sizes),
    )
    return firms, links, planted


# --------------------------------------------------------------------------- #
# what the steps pass on


class _Segments(NamedTuple):
    """The template's segments as the steps read them; arrays follow ``ids``."""

    ids: list[str]
    index: dict[str, int]  # segment id -> position
    stage: np.ndarray  # upstream / midstream / downstream
    foundation: np.ndarray  # 五基 category, or None
    tech: np.ndarray  # bool: a 零部件/元器件/软件 segment
    finals: set[str]
    firm_word: np.ndarray  # the trade word in its firms' names
    name_en: np.ndarray  # English name (the id where there is none)
    flows: pd.DataFrame  # from_segment, to_segment, essential
    suppliers: dict[str, list[str]]  # segment id -> the segments that flow into it

    @classmethod
    def of(cls, tpl) -> _Segments:
        seg = tpl.segments
        ids = list(seg.index)
        found = seg["foundation"].astype(object).where(seg["foundation"].notna(), None).to_numpy()
        word = seg["firm_word"] if "firm_word" in seg.columns else seg["name"]
        word = word.astype(object).where(word.notna(), seg["name"].astype(object))
        name_en = seg["name_en"].astype(object).where(seg["name_en"].notna(),
                                                      pd.Series(ids, index=seg.index))
        return cls(
            ids=ids,
            index={s: i for i, s in enumerate(ids)},
            stage=seg["stage"].to_numpy(dtype=object),
            foundation=found,
            tech=np.array([f in _TECH_FOUNDATIONS for f in found]),
            finals=set(tpl.final_segments),
            firm_word=np.array([str(w).split("（")[0][:4] for w in word], dtype=object),
            name_en=name_en.to_numpy(),
            flows=tpl.flows,
            suppliers={s: tpl.suppliers_of(s) for s in ids},
        )


class _Plan(NamedTuple):
    """The planted segments (step 1) and where lead firms may be planted."""

    chokepoint_segments: list[str]
    missing_segments: list[str]
    foreign_segments: list[str]
    lead_pool: list[str]


class _Places(NamedTuple):
    """Where each firm is (step 3); arrays by firm."""

    foreign: np.ndarray  # bool
    local: np.ndarray  # bool: in the focus region
    province: np.ndarray  # None for foreign firms
    city: np.ndarray
    country: np.ndarray  # ISO 3166 alpha-2, CN for domestic firms


class _Sizes(NamedTuple):
    """Each firm's size (step 4) and the firms planted by size."""

    revenue: np.ndarray  # 万元, rounded to 0.1
    employees: np.ndarray
    is_sme: np.ndarray  # NBS 2017 medium, small or micro
    is_large: np.ndarray
    lead_firms: list[int]  # positions
    chokepoint_firms: list[int]


# --------------------------------------------------------------------------- #
# the steps


def _plant_segments(rng, segs: _Segments, *, n_chokepoints, n_missing, n_foreign) -> _Plan:
    """Step 1: the chokepoint, missing and foreign-dominated segments, and the
    downstream and midstream segments left, where lead firms may be planted."""
    found = {s: segs.foundation[i] for s, i in segs.index.items()}
    flows = segs.flows
    has_essential_out = set(flows.loc[flows["essential"], "from_segment"])
    non_final = [s for s in segs.ids if s not in segs.finals]
    choke_pool = [s for s in non_final if s in has_essential_out]
    choke_w = [3.0 if found[s] is not None else 1.0 for s in choke_pool]
    choke = _pick(rng, choke_pool, n_chokepoints, choke_w)
    missing = _pick(rng, [s for s in non_final if s not in choke], n_missing)
    foreign_pool = [s for s in segs.ids
                    if found[s] in _FOREIGN_PRONE and s not in choke and s not in missing]
    foreign = _pick(rng, foreign_pool, n_foreign)
    lead_pool = [s for s in segs.ids
                 if segs.stage[segs.index[s]] in ("downstream", "midstream")
                 and s not in choke and s not in missing and s not in foreign]
    return _Plan(choke, missing, foreign, lead_pool)


def _firms_per_segment(rng, segs: _Segments, n_firms: int, plan: _Plan):
    """Step 2: ``(number of firms by segment, segment position by firm)``, the
    firms in random order; a chokepoint segment has one firm."""
    n_seg = len(segs.ids)
    w_seg = rng.gamma(3.0, 1.0, n_seg) * np.array([_STAGE_FIRMS[x] for x in segs.stage])
    fixed = {segs.index[s]: 1 for s in plan.chokepoint_segments}
    counts = _segment_counts(w_seg, n_firms, fixed, minimum=2)
    seg_code = np.repeat(np.arange(n_seg), counts)
    return counts, seg_code[rng.permutation(n_firms)]


def _locate_firms(rng, segs: _Segments, seg_code, plan: _Plan, region) -> _Places:
    """Step 3: whether each firm is foreign, local or outside, by its segment's
    probabilities (every segment but the missing ones keeps a local firm); then
    its province or country and city (:func:`_place_firms`)."""
    n = len(seg_code)
    idx = segs.index
    p_foreign = np.array([_FOREIGN_P.get(f, _FOREIGN_P_OTHER) for f in segs.foundation])
    for s in plan.foreign_segments:
        p_foreign[idx[s]] = _FOREIGN_P_PLANTED
    p_local = np.array([_LOCAL_P_FINAL if s in segs.finals else _LOCAL_P for s in segs.ids])
    for s in plan.missing_segments:
        p_local[idx[s]] = 0.0
    is_choke_seg = np.zeros(len(segs.ids), dtype=bool)
    is_choke_seg[[idx[s] for s in plan.chokepoint_segments]] = True
    p_foreign[is_choke_seg] = 0.0
    p_local[is_choke_seg] = 1.0

    foreign = rng.random(n) < p_foreign[seg_code]
    local = ~foreign & (rng.random(n) < p_local[seg_code])
    for i, s in enumerate(segs.ids):
        if s in plan.missing_segments:
            continue
        members = np.flatnonzero(seg_code == i)
        if not local[members].any():
            j = members[rng.integers(0, len(members))]
            local[j], foreign[j] = True, False
    outside = ~foreign & ~local

    province, city, country = _place_firms(rng, local, outside, foreign, region)
    return _Places(foreign, local, province, city, country)


def _size_firms(rng, segs: _Segments, seg_code, counts, places: _Places, plan: _Plan,
                n_leads) -> _Sizes:
    """Step 4: revenue (万元, to 0.1), employees and NBS 2017 size class; the
    chokepoint firms made mid-to-large and the lead firms the largest."""
    n = len(seg_code)
    stage_mult = np.array([_STAGE_REVENUE[x] for x in segs.stage])[seg_code]
    revenue = np.exp(rng.normal(math.log(2500.0), 1.35, n)) * stage_mult
    revenue = np.where(places.foreign, revenue * 4.0, revenue)
    productivity = np.exp(rng.normal(math.log(40.0), 0.35, n))  # 万元 per employee

    # chokepoint firms: the one local firm of their segment, mid-to-large
    choke_firms = []
    for s in plan.chokepoint_segments:
        j = int(np.flatnonzero(seg_code == segs.index[s])[0])
        revenue[j] = float(np.quantile(revenue, 0.9)) * rng.uniform(1.0, 3.0)
        choke_firms.append(j)

    if n_leads is None:
        n_leads = max(1, min(30, math.ceil(n / 400)))
    lead_firms = _choose_leads(rng, segs, seg_code, counts, places.local, plan.lead_pool,
                               n_leads)
    if lead_firms:
        top = float(revenue.max())
        for j in lead_firms:
            revenue[j] = top * rng.uniform(1.5, 4.0)
            productivity[j] = rng.uniform(60.0, 120.0)
    employees = np.maximum(1, np.round(revenue / productivity)).astype(np.int64)
    if lead_firms:
        employees[lead_firms] = np.maximum(employees[lead_firms], 1500)
    revenue = np.round(revenue, 1)
    size = size_class_nbs2017(employees, revenue)
    return _Sizes(revenue, employees, np.isin(size, ["medium", "small", "micro"]),
                  size == "large", lead_firms, choke_firms)


def _choose_leads(rng, segs: _Segments, seg_code, counts, local, lead_pool, n_leads) -> list[int]:
    """Positions of ``n_leads`` local firms of the ``lead_pool`` segments; a segment's
    chance is its weight, however many local firms it has (step 4)."""
    if not (n_leads and lead_pool):
        return []
    pool_codes = np.array([segs.index[s] for s in lead_pool])
    reach = {s: sum(int(counts[segs.index[a]]) for a in segs.suppliers[s]) for s in lead_pool}
    seg_w = np.array([float(reach[s]) ** 2
                      * (3.0 if s in segs.finals
                         else (2.0 if segs.stage[segs.index[s]] == "downstream" else 1.0))
                      for s in lead_pool])
    cand = np.flatnonzero(local & np.isin(seg_code, pool_codes))
    weight_of = np.zeros(len(segs.ids))
    weight_of[pool_codes] = seg_w
    per_seg = np.bincount(seg_code[cand], minlength=len(segs.ids))
    cand_w = weight_of[seg_code[cand]] / per_seg[seg_code[cand]]
    return [int(j) for j in _pick(rng, cand, n_leads, cand_w)]


def _draw_links(rng, segs: _Segments, seg_code, places: _Places, revenue, links_per_firm):
    """Step 5: ``(supplier positions, customer positions)`` of the links drawn along
    the template's flows, flow by flow, without repeated pairs."""
    n = len(seg_code)
    prov_code, _ = pd.factorize(np.where(places.foreign, places.country, places.province))
    city_code, city_uniques = pd.factorize(places.city)
    prov_code = prov_code.astype(np.int64)
    city_code = city_code.astype(np.int64)
    n_city = len(city_uniques)

    members = [np.flatnonzero(seg_code == i) for i in range(len(segs.ids))]
    flows = segs.flows
    fl_from = np.array([segs.index[s] for s in flows["from_segment"]])
    fl_to = np.array([segs.index[s] for s in flows["to_segment"]])
    fl_ess = flows["essential"].to_numpy(dtype=bool)
    demand = (revenue / float(np.median(revenue))) ** _GAMMA
    lam = _calibrate_rate(links_per_firm * n, members, demand, fl_from, fl_to, fl_ess)
    size_w = revenue ** _BETA

    sup_parts, cus_parts = [], []
    for a, b, ess in zip(fl_from, fl_to, fl_ess):
        sup = members[a]
        cus = members[b]
        mu = lam * demand[cus] * (1.0 if ess else 0.5)
        k = rng.poisson(mu)
        if ess:
            k = np.maximum(k, 1)
        k = np.minimum(k, len(sup))
        take = k > 0
        if not take.any():
            continue
        s_, c_ = _sample_flow(rng, cus[take], k[take], sup, size_w, prov_code, city_code, n_city)
        sup_parts.append(s_)
        cus_parts.append(c_)
    return np.concatenate(sup_parts), np.concatenate(cus_parts)


def _link_amounts(rng, supplier, customer, sizes: _Sizes, sme_share) -> np.ndarray:
    """Step 6: the amount of each link (万元, to 0.01, at least 0.01), rescaled to
    ``sme_share`` when it is given."""
    n = len(sizes.revenue)
    revenue = sizes.revenue
    noise_c = np.exp(rng.normal(0.0, 0.5, len(supplier)))
    noise_s = np.exp(rng.normal(0.0, 0.5, len(supplier)))
    sell_share = rng.uniform(0.3, 0.8, n)  # share of revenue sold inside the chain
    buy_share = rng.uniform(0.4, 0.75, n)  # share of revenue bought inside the chain
    weight = revenue ** _ALLOC  # per firm, then per link: the same values, n powers not 2m
    cw_link = weight[customer] * noise_c
    sw_link = weight[supplier] * noise_s
    per_sup = np.bincount(supplier, weights=cw_link, minlength=n)
    per_cus = np.bincount(customer, weights=sw_link, minlength=n)
    a1 = (sell_share * revenue)[supplier] * cw_link / per_sup[supplier]
    a2 = (buy_share * revenue)[customer] * sw_link / per_cus[customer]
    amount = np.minimum(a1, a2)
    if sme_share is not None:
        amount = _rescale_to_sme_share(amount, supplier, customer, sizes, float(sme_share))
    np.round(amount, 2, out=amount)
    return np.maximum(amount, 0.01, out=amount)


def _rescale_to_sme_share(amount, supplier, customer, sizes: _Sizes, share: float) -> np.ndarray:
    """Each large customer's purchases rescaled so that ``share`` of them (clipped to
    0.01–0.99) comes from SMEs, where it buys from both SMEs and non-SMEs."""
    n = len(sizes.revenue)
    t = min(max(share, 0.01), 0.99)
    big_c = sizes.is_large[customer]
    from_sme = sizes.is_sme[supplier]
    tot = np.bincount(customer, weights=np.where(big_c, amount, 0.0), minlength=n)
    sm = np.bincount(customer, weights=np.where(big_c & from_sme, amount, 0.0), minlength=n)
    lg = tot - sm
    ok = (sm > 0) & (lg > 0)
    f_sme = np.where(ok, t * tot / np.where(sm > 0, sm, 1.0), 1.0)
    f_lg = np.where(ok, (1 - t) * tot / np.where(lg > 0, lg, 1.0), 1.0)
    scale = np.where(big_c, np.where(from_sme, f_sme[customer], f_lg[customer]), 1.0)
    return amount * scale


def _sme_share(amount, supplier, customer, sizes: _Sizes) -> float:
    """The realised share of large customers' purchases bought from SMEs (NaN without any)."""
    big_c = sizes.is_large[customer]
    denom = amount[big_c].sum()
    if denom > 0:
        return float(amount[big_c & sizes.is_sme[supplier]].sum() / denom)
    return float("nan")


def _firm_ids(template_name: str, n: int) -> pa.Array:
    """``NEV00001`` …: up to four letters or digits of the template name and a number."""
    prefix = "".join(ch for ch in template_name.upper() if ch.isascii() and ch.isalnum())[:4]
    width = max(5, len(str(n)))
    numbers = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.large_string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix or "F", pa.large_string()), numbers,
                                       pa.scalar("", pa.large_string()))


def _text(values) -> pd.api.extensions.ExtensionArray:
    """Text in pandas' ``"string"`` dtype from an Arrow array or objects (``None`` missing),
    without a Python string per row where that dtype is Arrow-backed."""
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.large_string(), from_pandas=True)
    if pd.StringDtype().storage == "pyarrow":
        return pd.arrays.ArrowStringArray(values.cast(pa.large_string()))
    return pd.array(values.to_numpy(zero_copy_only=False), dtype="string")


def _firms_table(firm_ids, names, segs: _Segments, seg_code, places: _Places, sizes: _Sizes,
                 tier_inputs: dict) -> pd.DataFrame:
    """The firms table: ids, names, segment, place, employees, revenue, tier inputs."""
    firms = pd.DataFrame({
        "firm_id": _text(firm_ids),
        "name": _text(names),
        "segment_id": _text(pa.array(segs.ids, type=pa.large_string()).take(seg_code)),
        "city": _text(places.city),
        "province": _text(places.province),
        "country": _text(places.country),
        "employees": sizes.employees,
        "revenue": sizes.revenue,
    })
    for col, values in tier_inputs.items():
        firms[col] = values
    return firms


def _links_table(rng, firm_ids: pa.Array, supplier, customer, amount) -> pd.DataFrame:
    """The links table, rows in random order (the positions shuffled, then the ids taken)."""
    order = rng.permutation(len(supplier))
    return pd.DataFrame({
        "supplier_id": _text(firm_ids.take(supplier[order])),
        "customer_id": _text(firm_ids.take(customer[order])),
        "amount": amount[order],
        "year": np.full(len(order), _DATA_YEAR, dtype=np.int64),
    })


# --------------------------------------------------------------------------- #
# helpers of the steps


def _check_args(template, n_firms, links_per_firm, sme_share, n_leads, n_missing, n_chokepoints,
                n_foreign):
    """Raise ``ValueError`` for arguments the generator cannot work with, ``ChainDataError``
    for a template it cannot generate along."""
    if int(n_firms) != n_firms or n_firms < 1:
        raise ValueError(f"synthetic_chain: n_firms must be a positive whole number, got {n_firms!r}")
    if not links_per_firm > 0:
        raise ValueError(f"synthetic_chain: links_per_firm must be positive, got {links_per_firm!r}")
    if sme_share is not None and not 0.0 <= sme_share <= 1.0:
        raise ValueError(f"synthetic_chain: sme_share must be between 0 and 1, got {sme_share!r}")
    for name, v in (("n_leads", n_leads), ("n_missing", n_missing),
                    ("n_chokepoints", n_chokepoints), ("n_foreign", n_foreign)):
        if v is not None and (int(v) != v or v < 0):
            raise ValueError(f"synthetic_chain: {name} must be a whole number >= 0, got {v!r}")
    n_seg = len(template.segment_ids)
    need = 3 * n_seg
    if n_firms < need:
        raise ValueError(
            f"synthetic_chain: n_firms={n_firms} is too small for template '{template.name}' "
            f"with {n_seg} segments (need at least {need})"
        )
    if len(template.flows) == 0:
        raise ChainDataError(f"template '{template.name}' has no flows to generate links along",
                             source="synthetic_chain", column="template")
