"""Shipped datasets and synthetic chains with planted structure.

* :func:`list_datasets` / :func:`load_dataset` — the data shipped with the
  package (in the wheel under ``chaingraph/_datasets``, in a source checkout
  in the top-level ``datasets/`` folder): two synthetic Shandong chains
  (``shandong-nev``, ``shandong-cnc``) and three real input–output tables
  (``us-bea-2021-15``, ``us-bea-2021-71``, ``germany-1995-6``).
* :func:`synthetic_chain` / :func:`synthetic_frames` — a generator of
  realistic chains over a :class:`~chaingraph.ChainTemplate` whose planted
  structure (lead firms, missing segments, chokepoints, foreign-dominated
  segments) is returned beside the chain, so analyses can be tested for
  recovering it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from chaingraph.errors import ChainDataError
from chaingraph.templates import get_template

__all__ = [
    "IOTable",
    "Planted",
    "SyntheticChain",
    "list_datasets",
    "load_dataset",
    "load_planted",
    "synthetic_chain",
    "synthetic_frames",
]

# --------------------------------------------------------------------------- #
# geography

#: Prefecture-level cities of Shandong with rough weights (share of industrial
#: firms, rounded; used only to spread synthetic firms plausibly).
_SHANDONG = {
    "青岛": 15, "济南": 12, "烟台": 10, "潍坊": 9, "临沂": 6, "济宁": 5.5, "淄博": 6,
    "菏泽": 4, "德州": 4, "威海": 4, "东营": 4, "聊城": 3, "滨州": 3, "泰安": 3,
    "枣庄": 2, "日照": 2.5,
}

#: Provinces (weights, main industrial cities) used for outside firms.
_PROVINCES: dict[str, tuple[float, list[str]]] = {
    "山东": (6, list(_SHANDONG)),
    "江苏": (16, ["苏州", "无锡", "常州", "南京", "南通"]),
    "广东": (15, ["深圳", "东莞", "广州", "佛山", "惠州"]),
    "浙江": (12, ["宁波", "杭州", "绍兴", "台州"]),
    "上海": (8, ["上海"]),
    "安徽": (6, ["合肥", "芜湖", "滁州"]),
    "河北": (5, ["保定", "石家庄", "唐山"]),
    "湖北": (4, ["武汉", "襄阳", "十堰"]),
    "北京": (4, ["北京"]),
    "天津": (3, ["天津"]),
    "河南": (4, ["郑州", "洛阳", "新乡"]),
    "四川": (3, ["成都", "宜宾"]),
    "辽宁": (3, ["沈阳", "大连"]),
    "福建": (4, ["宁德", "厦门", "福州"]),
    "江西": (2, ["宜春", "赣州"]),
    "湖南": (3, ["长沙", "株洲"]),
}

#: Foreign sources: ISO 3166 alpha-2 code -> (weight, cities, company suffix).
_FOREIGN: dict[str, tuple[float, list[str], str]] = {
    "JP": (30, ["东京", "大阪", "名古屋", "京都"], "K.K."),
    "DE": (25, ["斯图加特", "慕尼黑", "纽伦堡"], "GmbH"),
    "US": (20, ["圣何塞", "底特律", "波士顿"], "Inc."),
    "KR": (12, ["首尔", "水原", "蔚山"], "Co., Ltd."),
    "FR": (5, ["巴黎", "里昂"], "SAS"),
    "NL": (4, ["埃因霍温", "阿姆斯特丹"], "B.V."),
    "CH": (4, ["苏黎世", "巴塞尔"], "AG"),
}

#: Probability that a firm of a segment is foreign, by foundation category.
_FOREIGN_P = {"元器件": 0.25, "软件": 0.25, "材料": 0.12, "零部件": 0.10, "工艺": 0.03}
_FOREIGN_P_OTHER = 0.06
#: Share of foreign firms in a planted foreign-dominated (卡脖子) segment.
_FOREIGN_P_PLANTED = 0.8
#: Probability that a domestic firm is in the focus region.
_LOCAL_P = 0.6
_LOCAL_P_FINAL = 0.7
#: Preference for suppliers in the customer's city / province / elsewhere.
_CLOSENESS = (8.0, 3.0, 1.0)
#: Size elasticities: supplier choice (w ~ revenue^beta), number of suppliers
#: (k ~ revenue^gamma), amount allocation.
_BETA, _GAMMA, _ALLOC = 0.6, 0.4, 0.7
#: Stage multipliers of the revenue distribution; relative number of firms.
_STAGE_REVENUE = {"upstream": 1.0, "midstream": 1.4, "downstream": 3.0}
_STAGE_FIRMS = {"upstream": 1.0, "midstream": 1.2, "downstream": 0.45}
_DATA_YEAR = 2023
#: Cluster kind (产业集群类型) of each built-in chain for the 链主 rule, after
#: Guangdong's 2020 list of twenty strategic clusters: 汽车 is a pillar cluster
#: (战略性支柱产业集群); 高端装备制造 and 半导体与集成电路 are emerging ones
#: (战略性新兴产业集群). Other templates get a missing ``cluster_type``.
_CLUSTER_TYPE = {"nev": "pillar", "cnc": "emerging", "ic": "emerging"}

_BRAND = list("华锐恒泰鑫德宏信瑞源力能智创正达盛通远博海金益嘉联诺晶天宇东方中兴隆安顺昌凯威星辰航润丰立峰和")
_LATIN = ["ka", "to", "mi", "ra", "no", "shi", "be", "ri", "su", "ko", "ta", "ne", "vo",
          "lin", "ber", "gen", "mar", "tec", "sen", "lux", "dor", "ven", "tra", "sol"]


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
# synthetic chains


def _size_class(employees, revenue) -> np.ndarray:
    from chaingraph.schema import size_class_nbs2017

    return size_class_nbs2017(employees, revenue)


def _pick(rng, items, k, weights=None):
    """``k`` distinct items, weighted; fewer when there are fewer items."""
    items = list(items)
    k = min(k, len(items))
    if k <= 0:
        return []
    p = None
    if weights is not None:
        p = np.asarray(weights, dtype=float)
        p = p / p.sum()
    idx = rng.choice(len(items), size=k, replace=False, p=p)
    return [items[i] for i in idx]


def _segment_counts(rng, weights: np.ndarray, n: int, fixed: dict[int, int], minimum: int):
    """Split ``n`` firms over segments: ``fixed`` segments get their count,
    the others at least ``minimum`` and the rest in proportion to ``weights``."""
    m = len(weights)
    counts = np.zeros(m, dtype=np.int64)
    free = np.array([i not in fixed for i in range(m)])
    for i, c in fixed.items():
        counts[i] = c
    rest = n - counts.sum() - minimum * free.sum()
    w = np.where(free, weights, 0.0)
    share = w / w.sum() * rest
    base = np.floor(share).astype(np.int64)
    left = int(rest - base.sum())
    if left > 0:
        frac = share - base
        order = np.argsort(-frac, kind="stable")[:left]
        base[order] += 1
    counts[free] = base[free] + minimum
    return counts


def _check_args(template, n_firms, links_per_firm, sme_share, n_leads, n_missing, n_chokepoints,
                n_foreign):
    if int(n_firms) != n_firms or n_firms < 1:
        raise ChainDataError(f"n_firms must be a positive whole number, got {n_firms!r}",
                             source="synthetic_chain", column="n_firms")
    if not links_per_firm > 0:
        raise ChainDataError(f"links_per_firm must be positive, got {links_per_firm!r}",
                             source="synthetic_chain", column="links_per_firm")
    if sme_share is not None and not 0.0 <= sme_share <= 1.0:
        raise ChainDataError(f"sme_share must be between 0 and 1, got {sme_share!r}",
                             source="synthetic_chain", column="sme_share")
    for name, v in (("n_leads", n_leads), ("n_missing", n_missing),
                    ("n_chokepoints", n_chokepoints), ("n_foreign", n_foreign)):
        if v is not None and (int(v) != v or v < 0):
            raise ChainDataError(f"{name} must be a whole number >= 0, got {v!r}",
                                 source="synthetic_chain", column=name)
    n_seg = len(template.segment_ids)
    need = 3 * n_seg
    if n_firms < need:
        raise ChainDataError(
            f"n_firms={n_firms} is too small for template '{template.name}' with {n_seg} "
            f"segments (need at least {need})",
            source="synthetic_chain", column="n_firms",
        )
    if len(template.flows) == 0:
        raise ChainDataError(f"template '{template.name}' has no flows to generate links along",
                             source="synthetic_chain", column="template")


def _region_cities(region: str) -> tuple[str, list[str], np.ndarray]:
    from chaingraph.schema import normalize_region

    key = normalize_region(region)
    if key not in _PROVINCES:
        raise ChainDataError(
            f"no city list for region {region!r} (known: {', '.join(_PROVINCES)})",
            source="synthetic_chain", column="region",
        )
    cities = _PROVINCES[key][1]
    if key == "山东":
        w = np.array([_SHANDONG[c] for c in cities], dtype=float)
    else:
        w = np.ones(len(cities))
    return key, cities, w / w.sum()


def _firm_names(rng, seg_word, city, country, seg_name_en, big) -> np.ndarray:
    """Plausible company names; unique within the chain."""
    n = len(seg_word)
    b = np.array(_BRAND)
    brand = b[rng.integers(0, len(b), n)] + b[rng.integers(0, len(b), n)]
    suffix = np.where(big, "股份有限公司",
                      np.where(rng.random(n) < 0.4, "科技有限公司", "有限公司"))
    names = np.char.add(np.char.add(np.char.add(city.astype(str), brand), seg_word.astype(str)),
                        suffix).astype(object)
    foreign = country != "CN"
    if foreign.any():
        lat = np.array(_LATIN)
        nf = int(foreign.sum())
        stem = np.char.add(lat[rng.integers(0, len(lat), nf)], lat[rng.integers(0, len(lat), nf)])
        stem = np.char.add(stem, lat[rng.integers(0, len(lat), nf)])
        suffixes = np.array([_FOREIGN[c][2] for c in country[foreign]])
        en = np.array([str(x).split(" (")[0] for x in seg_name_en[foreign]])
        fn = [f"{s.capitalize()} {e.title()} {x}" for s, e, x in zip(stem, en, suffixes)]
        names[foreign] = fn
    # make unique: add a syllable, then a number
    s = pd.Series(names)
    for round_ in range(4):
        dup = s.duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        extra = b[rng.integers(0, len(b), len(idx))]
        new = []
        for i, e in zip(idx, extra):
            old = s.iat[i]
            if country[i] == "CN":
                pos = len(city[i]) + 2 + round_
                new.append(old[:pos] + e + old[pos:])
            else:
                first, rest = old.split(" ", 1)
                new.append(f"{first}{_LATIN[rng.integers(0, len(_LATIN))]} {rest}")
        s.iloc[idx] = new
    dup = s.duplicated(keep="first").to_numpy()
    if dup.any():
        idx = np.flatnonzero(dup)
        s.iloc[idx] = [f"{s.iat[i]}（{k + 2}）" for k, i in enumerate(idx)]
    return s.to_numpy(dtype=object)


def _sample_flow(rng, cust, k, sup, weight, prov, citykey, n_city):
    """Draw suppliers of one segment flow for each customer, by size and proximity.

    ``cust`` are customer positions and ``k`` how many draws each makes;
    ``sup`` the candidate supplier positions, ``weight`` their size weights.
    A draw first picks the customer's city, the rest of its province or
    elsewhere (weights of the suppliers there times ``_CLOSENESS``), then a
    supplier within that group proportional to its weight. Returns
    (supplier positions, customer positions), repeated pairs removed.
    """
    order = np.lexsort((citykey[sup], prov[sup]))
    s_sorted = sup[order]
    w_sorted = weight[s_sorted]
    cum = np.concatenate([[0.0], np.cumsum(w_sorted)])
    m = len(s_sorted)
    pkey = prov[s_sorted].astype(np.int64)
    ckey = pkey * n_city + citykey[s_sorted]

    c_draw = np.repeat(cust, k)
    pj = prov[c_draw].astype(np.int64)
    cj = pj * n_city + citykey[c_draw]
    a = np.searchsorted(pkey, pj, "left")
    b = np.searchsorted(pkey, pj, "right")
    c = np.searchsorted(ckey, cj, "left")
    d = np.searchsorted(ckey, cj, "right")
    total = cum[m]
    w_city = cum[d] - cum[c]
    w_prov = cum[b] - cum[a] - w_city
    w_else = total - (cum[b] - cum[a])
    s1 = _CLOSENESS[0] * w_city
    s2 = _CLOSENESS[1] * w_prov
    s3 = _CLOSENESS[2] * w_else
    u = rng.random(len(c_draw)) * (s1 + s2 + s3)
    cls = np.where(u < s1, 0, np.where(u < s1 + s2, 1, 2))
    # range [lo, hi) minus sub-range [xlo, xhi)
    lo = np.where(cls == 0, c, np.where(cls == 1, a, 0))
    hi = np.where(cls == 0, d, np.where(cls == 1, b, m))
    xlo = np.where(cls == 0, c, np.where(cls == 1, c, a))
    xhi = np.where(cls == 0, c, np.where(cls == 1, d, b))
    span = (cum[hi] - cum[lo]) - (cum[xhi] - cum[xlo])
    t = cum[lo] + rng.random(len(c_draw)) * span
    t = np.where(t >= cum[xlo], t + (cum[xhi] - cum[xlo]), t)
    pos = np.searchsorted(cum, t, "right") - 1
    pos = np.clip(pos, lo, hi - 1)
    # guard against landing in the excluded range through rounding
    inside = (pos >= xlo) & (pos < xhi)
    if inside.any():
        pos[inside] = np.where(xlo[inside] > lo[inside], xlo[inside] - 1, xhi[inside])
        pos = np.clip(pos, 0, m - 1)
    suppliers = s_sorted[pos]
    pair = np.unique(suppliers.astype(np.int64) * (prov.size + 1) + c_draw)
    return (pair // (prov.size + 1)).astype(np.int64), (pair % (prov.size + 1)).astype(np.int64)


def _calibrate_rate(target, members, demand, fl_from, fl_to, fl_ess) -> float:
    """The rate λ at which the expected number of links is ``target``.

    A customer *j* of flow *f* draws k ~ Poisson(λ·dⱼ·eᶠ) suppliers (at least
    one for an essential flow, at most the number of firms in the supplying
    segment); λ solves Σ E[k] ≈ target, with E[k] approximated by
    min(max(λ·dⱼ·eᶠ, 1 if essential), cap) and bisection on log λ. A
    tenth is added for the repeated draws that are dropped.
    """
    mu, cap, floor = [], [], []
    for a, b, ess in zip(fl_from, fl_to, fl_ess):
        d = demand[members[b]] * (1.0 if ess else 0.5)
        mu.append(d)
        cap.append(np.full(len(d), float(len(members[a]))))
        floor.append(np.full(len(d), 1.0 if ess else 0.0))
    mu, cap, floor = np.concatenate(mu), np.concatenate(cap), np.concatenate(floor)
    target = 1.1 * target
    lo, hi = 1e-6, 1e6
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if np.minimum(np.maximum(mid * mu, floor), cap).sum() < target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


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
    >>> from chaingraph.datasets import synthetic_frames
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
    rng = np.random.default_rng(seed)
    region_key, region_cities, region_w = _region_cities(region)

    seg = tpl.segments
    flows = tpl.flows
    seg_ids = list(seg.index)
    n_seg = len(seg_ids)
    sidx = {s: i for i, s in enumerate(seg_ids)}
    stage = seg["stage"].to_numpy(dtype=object)
    found = seg["foundation"].astype(object).where(seg["foundation"].notna(), None).to_numpy()
    finals = set(tpl.final_segments)
    has_essential_out = set(flows.loc[flows["essential"], "from_segment"])

    # ---- choose planted segments ------------------------------------------------
    non_final = [s for s in seg_ids if s not in finals]
    choke_pool = [s for s in non_final if s in has_essential_out]
    choke_w = [3.0 if found[sidx[s]] is not None else 1.0 for s in choke_pool]
    choke_segs = _pick(rng, choke_pool, n_chokepoints, choke_w)
    miss_pool = [s for s in non_final if s not in choke_segs]
    missing = _pick(rng, miss_pool, n_missing)
    foreign_pool = [s for s in seg_ids
                    if found[sidx[s]] in ("元器件", "软件", "材料")
                    and s not in choke_segs and s not in missing]
    foreign_segs = _pick(rng, foreign_pool, n_foreign)
    lead_pool = [s for s in seg_ids
                 if stage[sidx[s]] in ("downstream", "midstream")
                 and s not in choke_segs and s not in missing and s not in foreign_segs]
    if n_leads is None:
        n_leads = max(1, min(30, math.ceil(n_firms / 400)))

    # ---- firms per segment -----------------------------------------------------------
    w_seg = rng.gamma(3.0, 1.0, n_seg) * np.array([_STAGE_FIRMS[x] for x in stage])
    counts = _segment_counts(rng, w_seg, n_firms, {sidx[s]: 1 for s in choke_segs}, minimum=2)
    seg_code = np.repeat(np.arange(n_seg), counts)
    seg_code = seg_code[rng.permutation(n_firms)]
    n = n_firms

    # ---- location -----------------------------------------------------------------------
    p_foreign = np.array([_FOREIGN_P.get(f, _FOREIGN_P_OTHER) for f in found])
    for s in foreign_segs:
        p_foreign[sidx[s]] = _FOREIGN_P_PLANTED
    p_local = np.array([_LOCAL_P_FINAL if s in finals else _LOCAL_P for s in seg_ids])
    for s in missing:
        p_local[sidx[s]] = 0.0
    is_choke_seg = np.zeros(n_seg, dtype=bool)
    is_choke_seg[[sidx[s] for s in choke_segs]] = True
    p_foreign[is_choke_seg] = 0.0
    p_local[is_choke_seg] = 1.0

    u = rng.random(n)
    foreign = u < p_foreign[seg_code]
    local = ~foreign & (rng.random(n) < p_local[seg_code])
    # every segment that is not planted as missing has a local firm
    for i in range(n_seg):
        if seg_ids[i] in missing:
            continue
        members = np.flatnonzero(seg_code == i)
        if not local[members].any():
            j = members[rng.integers(0, len(members))]
            local[j], foreign[j] = True, False
    outside = ~foreign & ~local

    province = np.empty(n, dtype=object)
    city = np.empty(n, dtype=object)
    country = np.full(n, "CN", dtype=object)
    province[local] = region_key
    city[local] = np.array(region_cities, dtype=object)[
        rng.choice(len(region_cities), int(local.sum()), p=region_w)]
    others = [p for p in _PROVINCES if p != region_key]
    pw = np.array([_PROVINCES[p][0] for p in others], dtype=float)
    prov_pick = rng.choice(len(others), int(outside.sum()), p=pw / pw.sum())
    out_idx = np.flatnonzero(outside)
    for k, p in enumerate(others):
        sel = out_idx[prov_pick == k]
        cities = _PROVINCES[p][1]
        province[sel] = p
        city[sel] = np.array(cities, dtype=object)[rng.integers(0, len(cities), len(sel))]
    codes = list(_FOREIGN)
    cw = np.array([_FOREIGN[c][0] for c in codes], dtype=float)
    c_pick = rng.choice(len(codes), int(foreign.sum()), p=cw / cw.sum())
    f_idx = np.flatnonzero(foreign)
    for k, c in enumerate(codes):
        sel = f_idx[c_pick == k]
        cities = _FOREIGN[c][1]
        country[sel] = c
        city[sel] = np.array(cities, dtype=object)[rng.integers(0, len(cities), len(sel))]
    province[foreign] = None

    # ---- size ------------------------------------------------------------------------------
    stage_mult = np.array([_STAGE_REVENUE[x] for x in stage])[seg_code]
    revenue = np.exp(rng.normal(math.log(2500.0), 1.35, n)) * stage_mult
    revenue = np.where(foreign, revenue * 4.0, revenue)
    productivity = np.exp(rng.normal(math.log(40.0), 0.35, n))  # 万元 per employee

    # chokepoint firms: the one local firm of their segment, mid-to-large
    choke_firms = []
    for s in choke_segs:
        j = int(np.flatnonzero(seg_code == sidx[s])[0])
        revenue[j] = float(np.quantile(revenue, 0.9)) * rng.uniform(1.0, 3.0)
        choke_firms.append(j)

    # lead firms: local firms of downstream / midstream segments, made the largest
    lead_firms = []
    if n_leads and lead_pool:
        pool_codes = np.array([sidx[s] for s in lead_pool])
        # firms in the segments that supply each candidate: a lead needs many suppliers
        reach = {s: sum(int(counts[sidx[a]]) for a in tpl.suppliers_of(s)) for s in lead_pool}
        seg_w = np.array([float(reach[s]) ** 2
                          * (3.0 if s in finals else (2.0 if stage[sidx[s]] == "downstream" else 1.0))
                          for s in lead_pool])
        cand = np.flatnonzero(local & np.isin(seg_code, pool_codes))
        weight_of = dict(zip(pool_codes.tolist(), seg_w.tolist()))
        per_seg = np.bincount(seg_code[cand], minlength=n_seg)
        # each segment's chance in proportion to its weight, however many local firms it has
        cw_ = np.array([weight_of[c] / per_seg[c] for c in seg_code[cand]])
        lead_firms = [int(j) for j in _pick(rng, cand, n_leads, cw_)]
        top = float(revenue.max())
        for j in lead_firms:
            revenue[j] = top * rng.uniform(1.5, 4.0)
            productivity[j] = rng.uniform(60.0, 120.0)
    employees = np.maximum(1, np.round(revenue / productivity)).astype(np.int64)
    if lead_firms:
        employees[lead_firms] = np.maximum(employees[lead_firms], 1500)
    revenue = np.round(revenue, 1)

    # ---- links along template flows --------------------------------------------------------
    prov_label = np.where(foreign, country, province).astype(str)
    prov_code, _ = pd.factorize(prov_label)
    city_code, city_uniques = pd.factorize(pd.Series(city.astype(str)))
    prov_code = prov_code.astype(np.int64)
    city_code = city_code.astype(np.int64)
    n_city = len(city_uniques)

    members = [np.flatnonzero(seg_code == i) for i in range(n_seg)]
    fl_from = np.array([sidx[s] for s in flows["from_segment"]])
    fl_to = np.array([sidx[s] for s in flows["to_segment"]])
    fl_ess = flows["essential"].to_numpy(dtype=bool)
    median_rev = float(np.median(revenue))
    demand = (revenue / median_rev) ** _GAMMA
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
    s_all = np.concatenate(sup_parts)
    c_all = np.concatenate(cus_parts)

    # amounts: the smaller of the supplier's and the customer's allocation
    noise_c = np.exp(rng.normal(0.0, 0.5, len(s_all)))
    noise_s = np.exp(rng.normal(0.0, 0.5, len(s_all)))
    sell_share = rng.uniform(0.3, 0.8, n)  # share of revenue sold inside the chain
    buy_share = rng.uniform(0.4, 0.75, n)  # share of revenue bought inside the chain
    cw_link = revenue[c_all] ** _ALLOC * noise_c
    sw_link = revenue[s_all] ** _ALLOC * noise_s
    per_sup = np.bincount(s_all, weights=cw_link, minlength=n)
    per_cus = np.bincount(c_all, weights=sw_link, minlength=n)
    a1 = sell_share[s_all] * revenue[s_all] * cw_link / per_sup[s_all]
    a2 = buy_share[c_all] * revenue[c_all] * sw_link / per_cus[c_all]
    amount = np.minimum(a1, a2)

    size = _size_class(employees, revenue)
    is_sme = np.isin(size, ["medium", "small", "micro"])
    is_large = size == "large"
    if sme_share is not None:
        t = min(max(float(sme_share), 0.01), 0.99)
        big_c = is_large[c_all]
        from_sme = is_sme[s_all]
        tot = np.bincount(c_all, weights=np.where(big_c, amount, 0.0), minlength=n)
        sm = np.bincount(c_all, weights=np.where(big_c & from_sme, amount, 0.0), minlength=n)
        lg = tot - sm
        ok = (sm > 0) & (lg > 0)
        f_sme = np.where(ok, t * tot / np.where(sm > 0, sm, 1.0), 1.0)
        f_lg = np.where(ok, (1 - t) * tot / np.where(lg > 0, lg, 1.0), 1.0)
        scale = np.where(big_c, np.where(from_sme, f_sme[c_all], f_lg[c_all]), 1.0)
        amount = amount * scale
    amount = np.maximum(np.round(amount, 2), 0.01)
    big_c = is_large[c_all]
    denom = amount[big_c].sum()
    realised = float(amount[big_c & is_sme[s_all]].sum() / denom) if denom > 0 else float("nan")

    # ---- ids, names and tier columns ------------------------------------------------------
    prefix = "".join(ch for ch in tpl.name.upper() if ch.isascii() and ch.isalnum())[:4] or "F"
    width = max(5, len(str(n)))
    firm_ids = np.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)], dtype=object)
    word_col = seg["firm_word"] if "firm_word" in seg.columns else seg["name"]
    seg_word = word_col.astype(object).where(word_col.notna(), seg["name"].astype(object))
    seg_word = np.array([str(w).split("（")[0][:4] for w in seg_word], dtype=object)
    name_en = seg["name_en"].astype(object).where(seg["name_en"].notna(), pd.Series(seg_ids, index=seg.index)).to_numpy()
    names = _firm_names(rng, seg_word[seg_code], city, country, name_en[seg_code],
                        big=revenue >= 40000)

    tiers = _tier_columns(rng, revenue, employees, seg_code, found, foreign, is_sme, n_seg)

    firms = pd.DataFrame({
        "firm_id": pd.array(firm_ids, dtype="string"),
        "name": pd.array(names, dtype="string"),
        "segment_id": pd.array(np.array(seg_ids, dtype=object)[seg_code], dtype="string"),
        "city": pd.array(city, dtype="string"),
        "province": pd.array(province, dtype="string"),
        "country": pd.array(country, dtype="string"),
        "employees": employees,
        "revenue": revenue,
    })
    for col, values in tiers.items():
        firms[col] = values

    links = pd.DataFrame({
        "supplier_id": pd.array(firm_ids[s_all], dtype="string"),
        "customer_id": pd.array(firm_ids[c_all], dtype="string"),
        "amount": amount,
        "year": np.full(len(s_all), _DATA_YEAR, dtype=np.int64),
    })
    order = rng.permutation(len(links))
    links = links.iloc[order].reset_index(drop=True)

    # ---- optional tier inputs, from an independent stream --------------------------------
    # Spawned after every other draw: the spawn reads the seed, not the stream, so the
    # columns above (and the links) are the same as without these extra columns.
    extra = _tier_extra_columns(
        rng.spawn(1)[0], firms, foreign=foreign, is_sme=is_sme, tech_seg=np.array(
            [f in ("元器件", "软件", "零部件") for f in found])[seg_code],
        supplies_large=np.bincount(s_all[is_large[c_all]], minlength=n) > 0,
        leads=np.array(lead_firms, dtype=np.int64), cluster_type=_CLUSTER_TYPE.get(tpl.name))
    for col, values in extra.items():
        firms[col] = values

    planted = Planted(
        lead_firms=[str(firm_ids[j]) for j in lead_firms],
        missing_segments=list(missing),
        chokepoints=[str(firm_ids[j]) for j in choke_firms],
        chokepoint_segments=list(choke_segs),
        foreign_segments=list(foreign_segs),
        sme_share=realised,
    )
    return firms, links, planted


def _tier_columns(rng, revenue, employees, seg_code, found, foreign, is_sme, n_seg) -> dict:
    """Plausible values of the columns the tier rules (梯度培育) read."""
    n = len(revenue)
    tech = np.array([f in ("元器件", "软件", "零部件") for f in found])[seg_code]
    # age grows with size; foreign multinationals are older
    age = 3 + rng.gamma(2.0, 5.0, n) + 4.0 * np.log10(np.maximum(revenue, 1) / 2500).clip(0)
    age = np.where(foreign, age + 15, age)
    founded = np.clip(np.round(_DATA_YEAR - age), 1950, _DATA_YEAR - 1).astype(np.int64)
    age = _DATA_YEAR - founded
    rd_intensity = np.exp(rng.normal(math.log(0.025), 0.6, n)) * np.where(tech, 1.5, 1.0)
    rd_intensity = rd_intensity.clip(0.0, 0.25)
    rd_expense = np.round(revenue * rd_intensity, 1)
    rd_staff_share = np.round((0.05 + 2.0 * rd_intensity * rng.uniform(0.6, 1.4, n)).clip(0.01, 0.8), 3)
    mb_share = rng.beta(8.0, 1.6, n)
    main_business_revenue = np.round(revenue * mb_share, 1)
    main_business_growth = np.round(rng.normal(0.08, 0.15, n).clip(-0.5, 1.5), 3)
    debt_ratio = np.round(rng.beta(5.0, 5.0, n).clip(0.05, 0.98), 3)
    years_in_niche = np.maximum(0, np.round(age * rng.uniform(0.4, 1.0, n))).astype(np.int64)
    # national share of a niche: share of the segment's domestic revenue times a niche factor
    # national share of the firm's niche market: the niche (细分市场) is sized
    # independently of how many firms the synthetic chain holds (median 15 亿元)
    niche_size = np.exp(rng.normal(math.log(150000.0), 1.0, n))
    niche_market_share = np.round((main_business_revenue / niche_size).clip(0.0, 0.9), 4)
    # global rank for the largest firms of each segment
    rank_in_seg = pd.Series(-revenue).groupby(seg_code).rank(method="first").to_numpy()
    ranked = (rank_in_seg <= 3) & (revenue >= 40000)
    global_rank = pd.array([pd.NA] * n, dtype="Int64")
    gr = np.round(rank_in_seg * rng.uniform(1.0, 6.0, n)).astype(np.int64)
    global_rank[ranked] = gr[ranked]
    ip_class1 = rng.poisson(np.sqrt(np.maximum(rd_expense, 0)) / 4.0).astype(np.int64)
    raises = rng.random(n) < np.where(is_sme & (rd_intensity > 0.03), 0.15, 0.04)
    equity_financing = np.where(raises, np.round(np.exp(rng.normal(math.log(3000), 1.0, n)), 0), 0.0)
    strategic_emerging = rng.random(n) < np.where(tech, 0.85, 0.55)

    # designations (the highest one held), roughly consistent with the numbers
    domestic = ~foreign
    zjtx = (domestic & is_sme & (years_in_niche >= 2) & (rd_expense >= 100) & (rd_intensity >= 0.03)
            & ((revenue >= 1000) | (equity_financing >= 2000)) & (rng.random(n) < 0.2))
    giant = (zjtx & (years_in_niche >= 3) & (mb_share >= 0.7) & (debt_ratio <= 0.7)
             & (niche_market_share >= 0.10) & (ip_class1 >= 2) & (rng.random(n) < 0.6))
    champion = (domestic & ranked & (gr <= 3) & (years_in_niche >= 10) & (mb_share >= 0.7)
                & (rng.random(n) < 0.7))
    designations = np.full(n, None, dtype=object)
    designations[zjtx] = "专精特新"
    designations[giant] = "小巨人"
    designations[champion] = "单项冠军"
    return {
        "founded": founded,
        "rd_expense": rd_expense,
        "rd_staff_share": rd_staff_share,
        "main_business_revenue": main_business_revenue,
        "main_business_growth": main_business_growth,
        "debt_ratio": debt_ratio,
        "years_in_niche": years_in_niche,
        "niche_market_share": niche_market_share,
        "global_rank": global_rank,
        "ip_class1": ip_class1,
        "equity_financing": equity_financing,
        "strategic_emerging": strategic_emerging.astype(bool),
        "designations": pd.array(designations, dtype="string"),
    }


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _tier_extra_columns(rng, firms: pd.DataFrame, *, foreign, is_sme, tech_seg, supplies_large,
                        leads, cluster_type) -> dict:
    """The optional tier inputs (prior-year figures, IP grade, honours, yes/no checks,
    the 专精特新 score, cluster kind), drawn from ``rng`` given the columns already made.

    Yes/no columns are nullable 0/1 integers (``Int8``; missing = not known). Most
    probabilities are logistic in a size index ``z = log10(revenue / 2500)`` (0 at the
    median firm, +1 for ten times its revenue), R&D intensity and the designation held.
    """
    n = len(firms)
    rev = firms["revenue"].to_numpy(dtype=float)
    z = np.log10(np.maximum(rev, 1.0) / 2500.0)
    rd_exp = firms["rd_expense"].to_numpy(dtype=float)
    rd = rd_exp / np.maximum(rev, 1e-9)
    growth = firms["main_business_growth"].to_numpy(dtype=float)
    mb_share = firms["main_business_revenue"].to_numpy(dtype=float) / np.maximum(rev, 1e-9)
    niche_years = firms["years_in_niche"].to_numpy(dtype=np.int64)
    niche_share = firms["niche_market_share"].to_numpy(dtype=float)
    debt = firms["debt_ratio"].to_numpy(dtype=float)
    ip1 = firms["ip_class1"].to_numpy(dtype=np.int64)
    staff = firms["rd_staff_share"].to_numpy(dtype=float)
    ranked = firms["global_rank"].notna().to_numpy()
    seg_top = (pd.Series(-rev).groupby(firms["segment_id"].to_numpy()).rank(method="first")
               .to_numpy() == 1)  # the largest firm of its segment
    emerging = firms["strategic_emerging"].to_numpy(dtype=bool)
    des = firms["designations"].astype(object).where(firms["designations"].notna(), "")
    des = des.to_numpy(dtype=object)
    giant = des == "小巨人"
    zj = np.isin(des, ["专精特新", "小巨人"])  # the MIIT SME designations
    young = firms["founded"].to_numpy(dtype=np.int64) >= _DATA_YEAR - 1
    domestic = ~np.asarray(foreign, dtype=bool)
    is_sme = np.asarray(is_sme, dtype=bool)
    lead = np.zeros(n, dtype=bool)
    lead[leads] = True

    def flag(x, p_missing=0.06):
        yes = rng.random(n) < _logistic(x)
        out = pd.array(yes.astype(np.int8), dtype="Int8")
        out[rng.random(n) < p_missing] = pd.NA
        return out

    # prior year: revenue grew with the main business; R&D intensity persists
    g_rev = np.clip(growth + rng.normal(0.0, 0.03, n), -0.6, 2.0)
    revenue_prev = np.round(rev / (1.0 + g_rev), 1)
    rd_prev = np.clip(rd * np.exp(rng.normal(0.0, 0.25, n)), 0.0, 0.25)
    rd_expense_prev = np.round(revenue_prev * rd_prev, 1)
    growth_prev = np.round(np.clip(0.08 + 0.4 * (growth - 0.08) + rng.normal(0.0, 0.13, n),
                                   -0.5, 1.5), 3)
    no_prev = young | (rng.random(n) < 0.06)  # founded last year, or not reported
    rd_prev_missing = no_prev | (rng.random(n) < 0.03)
    revenue_prev = np.where(no_prev, np.nan, revenue_prev)
    rd_expense_prev = np.where(rd_prev_missing, np.nan, rd_expense_prev)
    growth_prev = np.where(no_prev, np.nan, growth_prev)

    # IP grade of the main product's IP: a Class I grade needs a Class I item
    u = rng.random(n)
    p_high = np.minimum(0.35, 0.04 * ip1)
    p_own = 0.5 * (1.0 - p_high)
    grade_1 = np.where(u < p_high, "high_value_class1",
                       np.where(u < p_high + p_own, "own_class1", "class1"))
    grade_0 = np.where(rng.random(n) < np.where(rd >= 0.03, 0.6, 0.35), "class2", "none")
    ip_grade = np.where(ip1 >= 1, grade_1, grade_0).astype(object)
    ip_grade[rng.random(n) < 0.12] = np.nan

    # equity over 3 years: the 2-year amount plus, rarely, an earlier round
    earlier = np.where(rng.random(n) < 0.04,
                       np.round(np.exp(rng.normal(math.log(2000.0), 1.0, n)), 0), 0.0)
    equity_3y = firms["equity_financing"].to_numpy(dtype=float) + earlier
    equity_3y = np.where(rng.random(n) < 0.08, np.nan, equity_3y)

    # yes/no inputs; a 小巨人 met the 精/特/新/链/品 checks when designated
    g4 = 4.0 * giant
    info = flag(-0.2 + 1.2 * z + 1.5 * zj + g4)
    certified = flag(0.5 + 1.2 * z + 1.5 * zj + g4)
    brand = flag(-0.6 + 1.0 * z + 1.2 * zj + g4)
    rd_inst = flag(-3.4 + 1.2 * z + 25.0 * (rd - 0.025) + 2.0 * zj + g4)
    award = flag(-4.0 + 1.2 * z + 20.0 * (rd - 0.025) + 1.2 * zj)
    award_top = award.copy()
    award_top[(award == 1).fillna(False).to_numpy() & (rng.random(n) < 0.6)] = 0
    # 创客中国 is a contest of domestic SMEs: other firms are known not to be in its top 500
    maker = flag(-7.0 + 30.0 * (rd - 0.025) + 1.0 * zj + 1.0 * (z < 0.5))
    maker[~(domestic & is_sme)] = 0
    chain_role = flag(-1.5 + 2.0 * supplies_large + 1.0 * zj + g4, 0.10)
    product_field = flag(-1.2 + 1.8 * emerging + 0.8 * tech_seg + 1.0 * zj + g4, 0.10)
    new_product = flag(-1.6 + 1.0 * (niche_years < 10) + 0.6 * tech_seg, 0.10)
    # evidence of market share (链主): kept by the region's authorities, so unknown for
    # foreign firms; likelier for the largest firm of a segment and a global top 3
    evidence = flag(-4.0 + 0.6 * z + 2.5 * seg_top + 1.0 * ranked + 1.0 * (niche_share >= 0.1)
                    + 5.0 * lead)
    evidence[~domestic] = pd.NA

    # 专精特新 score (13 indicators, 100 points), for domestic SMEs, simplified:
    # 专业化 25, 精细化 25, 特色化 15, 创新能力 35; inputs not in the table drawn
    def yes(a):
        return (a == 1).fillna(False).to_numpy()

    g2 = np.where(np.isnan(growth_prev), growth, (growth + np.nan_to_num(growth_prev)) / 2)
    spec = (np.minimum(5, niche_years // 2)
            + np.select([mb_share >= 0.999, mb_share >= 0.8, mb_share >= 0.6], [5, 3, 1], 0)
            + np.select([g2 >= 0.10, g2 >= 0.08, g2 >= 0.06, g2 >= 0.04, g2 >= 0.0],
                        [10, 8, 6, 4, 2], 0)
            + 5 * (emerging | yes(product_field)))
    lean = (np.where(yes(info), rng.integers(3, 6, n), 0)
            + np.where(yes(certified), rng.integers(3, 6, n), 0)
            + 5 * yes(brand)
            + rng.binomial(10, np.where(zj, 0.7, 0.15))  # net margin, not in the table
            + np.select([debt < 0.5, debt < 0.6, debt < 0.7], [5, 3, 1], 0))
    local_feature = rng.binomial(15, np.where(zj, 0.75, 0.15))  # 特色化: provincial indicators
    grade_pts = pd.Series(ip_grade).map({"high_value_class1": 10, "own_class1": 8, "class1": 6,
                                         "class2": 2, "none": 0}).to_numpy(dtype=float)
    grade_pts = np.where(np.isnan(grade_pts), np.where(ip1 >= 1, 6, 0), grade_pts)
    innov = (grade_pts
             + np.select([(rd_exp >= 1000) | (rd >= 0.10), (rd_exp >= 500) | (rd >= 0.06),
                          (rd_exp >= 400) | (rd >= 0.05), (rd_exp >= 300) | (rd >= 0.04),
                          (rd_exp >= 200) | (rd >= 0.03)], [10, 8, 6, 4, 2], 0)
             + np.select([staff >= 0.20, staff >= 0.10, staff >= 0.05], [5, 3, 1], 0)
             + np.where(yes(rd_inst), rng.choice([8, 10], n), rng.choice([0, 0, 2, 4], n)))
    score = (spec + lean + local_feature + innov).astype(float)
    scored = domestic & is_sme & (rng.random(n) >= 0.15)
    zjtx_score = pd.array(score.astype(np.int64), dtype="Int64")
    zjtx_score[~scored] = pd.NA

    # text columns as object arrays: the frame infers the default text dtype (str on
    # pandas 3, object on pandas 2), the one a chain read back from CSV has
    out = {
        "revenue_prev": revenue_prev,
        "rd_expense_prev": rd_expense_prev,
        "main_business_growth_prev": growth_prev,
        "ip_grade": ip_grade,
        "equity_financing_3y": equity_3y,
        "zjtx_score": zjtx_score,
        "has_info_system": info,
        "has_certified_management": certified,
        "has_own_brand": brand,
        "has_rd_institution": rd_inst,
        "has_award": award,
        "has_award_top": award_top,
        "maker_china_top500": maker,
        "chain_role": chain_role,
        "key_product_field": product_field,
        "new_product": new_product,
        "market_share_evidence": evidence,
    }
    if cluster_type is not None:
        out["cluster_type"] = np.full(n, cluster_type, dtype=object)
    return out


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
       1.5 to 4 times the
       largest other revenue.
    5. *Links.* For every flow A → B, each firm *j* of B draws
       kⱼ ~ Poisson(λ·(rⱼ/median r)^0.4) suppliers from A (half the rate for
       non-essential flows; at least one for essential flows; at most |A|),
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
       for other firms. ``cluster_type``: ``pillar`` for ``nev`` (汽车 is a
       Guangdong 战略性支柱产业集群), ``emerging`` for ``cnc`` and ``ic``
       (高端装备制造, 半导体与集成电路); absent for other templates (pass
       ``cluster_type`` to :func:`~chaingraph.tiers` then).

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
    >>> from chaingraph.datasets import synthetic_chain
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


# --------------------------------------------------------------------------- #
# shipped datasets

_META = "dataset.json"


def _dataset_root() -> Path:
    """The folder of shipped datasets: ``chaingraph/_datasets`` in an installed
    wheel, the repository's ``datasets/`` folder in a source checkout."""
    try:
        packaged = Path(str(resources.files("chaingraph"))) / "_datasets"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual loaders
        packaged = None
    if packaged is not None and packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "datasets"
    if source.is_dir():
        return source
    raise ChainDataError(  # pragma: no cover - broken installation
        "the shipped datasets are not installed (no chaingraph/_datasets folder)",
        source="datasets",
    )


def _registry() -> dict[str, dict]:
    root = _dataset_root()
    out = {}
    for meta in sorted(root.glob(f"*/{_META}")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out[meta.parent.name] = {**data, "folder": meta.parent}
    return out


@dataclass(frozen=True)
class IOTable:
    """An input–output table (投入产出表) in the form the linkage analyses use.

    Attributes
    ----------
    name : str
        Dataset name.
    Z : pandas.DataFrame
        Inter-industry flows, sectors × sectors: ``Z.iloc[i, j]`` is what
        sector *i* delivers to sector *j* as intermediate input.
    x : pandas.Series
        Gross output by sector (same order as ``Z``'s rows and columns).
    final_demand : pandas.DataFrame or None
        Final-demand columns (consumption, investment, exports, …) by sector,
        as the source table gives them. For the BEA tables, ``Z`` is a use
        table (commodities × industries) and ``x`` industry output from the
        make table, and imports are not among these columns, so
        ``Z.sum(axis=1) + final_demand.sum(axis=1)`` does not equal ``x``;
        :func:`~chaingraph.extraction` therefore takes ``f = x − Z·1`` by
        default.
    unit : str
        Unit of the values.
    source : str
        Where the table comes from.
    published : dict
        Published figures to test against (e.g. ``L_diagonal`` and
        ``output_multipliers``), empty when the source publishes none.
    """

    name: str
    Z: pd.DataFrame
    x: pd.Series
    final_demand: pd.DataFrame | None
    unit: str
    source: str
    published: dict = field(default_factory=dict)

    @property
    def sectors(self) -> pd.Index:
        """Sector labels."""
        return self.Z.index

    @property
    def A(self) -> pd.DataFrame:
        """Technical coefficients A = Z·diag(x)⁻¹."""
        return self.Z / self.x.to_numpy()[None, :]

    @property
    def L(self) -> pd.DataFrame:
        """Leontief inverse L = (I − A)⁻¹."""
        a = self.A.to_numpy()
        inv = np.linalg.inv(np.eye(len(a)) - a)
        return pd.DataFrame(inv, index=self.Z.index, columns=self.Z.columns)

    def __repr__(self) -> str:
        return f"<IOTable {self.name!r}: {len(self.Z)} sectors, {self.unit}>"


def _read_bea(folder: Path, meta: dict) -> IOTable:
    n = int(meta["n_sectors"])
    use = pd.read_csv(folder / meta["use"], index_col=0, na_values=["---"])
    make = pd.read_csv(folder / meta["make"], index_col=0, na_values=["---"])
    sectors = pd.Index([str(s) for s in use.index[:n]], name="sector")
    if list(make.index[:n]) != list(sectors):
        raise ChainDataError("the make and use tables list different sectors",
                             source=meta["make"])
    z = use.iloc[:n, :n].fillna(0.0).astype("float64")
    z.index = sectors
    z.columns = sectors.rename("sector")
    x = make["Total Industry Output"].iloc[:n].astype("float64")
    x.index = sectors
    x.name = "output"
    cols = list(use.columns)
    lo = cols.index(meta["total_intermediate"]) + 1
    hi = cols.index(meta["total_use"])
    fd = use.iloc[:n, lo:hi].fillna(0.0).astype("float64")
    fd.index = sectors
    if "final_demand_labels" in meta:
        fd.columns = [meta["final_demand_labels"].get(c, c) for c in fd.columns]
    return IOTable(meta["name"], z, x, fd, meta["unit"], meta["source"],
                   dict(meta.get("published", {})))


def _read_eurostat(folder: Path, meta: dict) -> IOTable:
    raw = pd.read_csv(folder / meta["table"])
    group_cols = [c for c in raw.columns if c.endswith("_group")]
    stop = int(np.flatnonzero(raw["t_rows2"].to_numpy() == "cpa_total")[0])
    body = raw.iloc[:stop]
    sectors = pd.Index(body["t_rows2_lab"].astype(str).to_list(), name="sector")
    z = pd.DataFrame(body[group_cols].to_numpy(dtype="float64"), index=sectors,
                     columns=sectors)
    out_row = raw.loc[raw["iotables_row"] == "output_bp", group_cols]
    x = pd.Series(out_row.to_numpy(dtype="float64").ravel(), index=sectors, name="output")
    fd_cols = meta["final_demand"]
    fd = pd.DataFrame(body[fd_cols].to_numpy(dtype="float64"), index=sectors, columns=fd_cols)
    return IOTable(meta["name"], z, x, fd, meta["unit"], meta["source"],
                   dict(meta.get("published", {})))


def list_datasets() -> pd.DataFrame:
    """The datasets shipped with chaingraph.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, columns ``name``, ``kind`` (``chain``,
        ``register`` or ``io-table``), ``description``, ``n_firms`` (chains
        and registers) and ``n_links`` (chains),
        ``n_sectors`` (input–output tables); missing where not applicable.

    Examples
    --------
    >>> from chaingraph.datasets import list_datasets
    >>> list_datasets()[["name", "kind"]]
                 name      kind
    0  germany-1995-6  io-table
    1 register-sample  register
    2    shandong-cnc     chain
    3    shandong-nev     chain
    4  us-bea-2021-15  io-table
    5  us-bea-2021-71  io-table
    """
    rows = []
    for name, meta in _registry().items():
        row = {"name": name, "kind": meta["kind"], "description": meta["description"],
               "n_firms": pd.NA, "n_links": pd.NA, "n_sectors": pd.NA}
        if meta["kind"] == "chain":
            folder = meta["folder"]
            row["n_firms"] = _count_rows(folder / "firms.csv")
            row["n_links"] = _count_rows(folder / "links.csv")
        elif meta["kind"] == "register":
            row["n_firms"] = _count_rows(meta["folder"] / meta["file"])
        else:
            row["n_sectors"] = int(meta["n_sectors"])
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("n_firms", "n_links", "n_sectors"):
        out[col] = out[col].astype("Int64")
    return out


def _count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return max(0, sum(1 for line in fh if line.strip()) - 1)


def load_dataset(name: str):
    """Load a shipped dataset.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    Returns
    -------
    ChainGraph, IOTable or DataFrame
        A chain (with its template and ``region="山东"``) for ``kind ==
        "chain"``; an :class:`IOTable` for input–output tables; the table
        as the file has it (Chinese headers, every cell text) for a firm
        register (``kind == "register"``).

    Raises
    ------
    ChainDataError
        An unknown name (the message lists the shipped datasets).

    Examples
    --------
    >>> from chaingraph.datasets import load_dataset
    >>> chain = load_dataset("shandong-nev")
    >>> chain.region, chain.template.name, chain.n_firms
    ('山东', 'nev', 2000)
    >>> io = load_dataset("germany-1995-6")
    >>> io.L.to_numpy().diagonal()[:3].round(4).tolist()
    [1.0339, 1.4292, 1.0289]
    >>> io.published["L_diagonal"]
    [1.0339, 1.4292, 1.0289]
    """
    reg = _registry()
    if name not in reg:
        raise ChainDataError(
            f"unknown dataset {name!r} (shipped datasets: {', '.join(reg)})",
            source="datasets",
        )
    meta = reg[name]
    folder = meta["folder"]
    if meta["kind"] == "chain":
        from chaingraph.io import read_chain

        return read_chain(folder, region=meta.get("region"))
    if meta["kind"] == "register":  # a firm register export, as its file has it
        from chaingraph.io import read_table

        return read_table(folder / meta["file"])
    if meta["format"] == "bea":
        return _read_bea(folder, {**meta, "name": name})
    if meta["format"] == "eurostat":
        return _read_eurostat(folder, {**meta, "name": name})
    raise ChainDataError(f"unknown dataset format {meta['format']!r}",  # pragma: no cover
                         source=str(folder / _META))


def load_planted(name: str) -> Planted:
    """The structure planted in a shipped synthetic chain (``planted.json``).

    Examples
    --------
    >>> from chaingraph.datasets import load_planted
    >>> load_planted("shandong-nev").missing_segments
    [...]
    """
    reg = _registry()
    if name not in reg or not (reg[name]["folder"] / "planted.json").exists():
        synthetic = [k for k, v in reg.items() if (v["folder"] / "planted.json").exists()]
        raise ChainDataError(
            f"no planted structure for dataset {name!r} (synthetic datasets: "
            f"{', '.join(synthetic)})",
            source="datasets",
        )
    data = json.loads((reg[name]["folder"] / "planted.json").read_text(encoding="utf-8"))
    return Planted.from_dict(data)
