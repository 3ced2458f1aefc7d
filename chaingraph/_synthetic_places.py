"""Where the firms of a synthetic chain are, and what they are called.

The city tables :func:`~chaingraph.synthetic.synthetic_chain` spreads firms
over (the focus region's cities, other provinces' industrial cities, seven
foreign countries) and the company names it makes up. The weights are rough
and serve only to spread synthetic firms plausibly; they describe no real
chain. They are region data, so they live here and not in the (region-free)
chain templates.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chaingraph.schema import normalize_region

#: Prefecture-level cities of Shandong with rough weights (share of industrial
#: firms, rounded; used only to spread synthetic firms plausibly).
_SHANDONG = {
    "青岛": 15, "济南": 12, "烟台": 10, "潍坊": 9, "临沂": 6, "济宁": 5.5, "淄博": 6,
    "菏泽": 4, "德州": 4, "威海": 4, "东营": 4, "聊城": 3, "滨州": 3, "泰安": 3,
    "枣庄": 2, "日照": 2.5,
}

#: Provinces (weight, main industrial cities) for outside firms and focus regions.
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


#: Syllables of Chinese brand names and of foreign company names.
_BRAND = list("华锐恒泰鑫德宏信瑞源力能智创正达盛通远博海金益嘉联诺晶天宇东方中兴隆安顺昌凯威星辰航润丰立峰和")
_LATIN = ["ka", "to", "mi", "ra", "no", "shi", "be", "ri", "su", "ko", "ta", "ne", "vo",
          "lin", "ber", "gen", "mar", "tec", "sen", "lux", "dor", "ven", "tra", "sol"]


class _Region(NamedTuple):
    """The focus region of a synthetic chain."""

    name: str  # province, as normalize_region gives it
    cities: list[str]
    weights: np.ndarray  # of the cities, summing to 1


def _region_cities(region: str) -> _Region:
    """The focus region: its name, cities and city weights (summing to 1)."""
    key = normalize_region(region)
    if key not in _PROVINCES:
        raise ValueError(f"synthetic_chain: no city list for region {region!r} "
                         f"(known: {', '.join(_PROVINCES)})")
    cities = _PROVINCES[key][1]
    if key == "山东":
        w = np.array([_SHANDONG[c] for c in cities], dtype=float)
    else:
        w = np.ones(len(cities))
    return _Region(key, cities, w / w.sum())


def _place_firms(rng, local, outside, foreign, region: _Region):
    """Province, city and country of each firm (step 3 of the model).

    Local firms go to one of the region's cities by weight; outside firms to
    another province by weight and one of its cities; foreign firms to a
    country by weight and one of its cities (their province is missing).
    Returns ``(province, city, country)`` as object arrays.
    """
    n = len(local)
    province = np.empty(n, dtype=object)
    city = np.empty(n, dtype=object)
    country = np.full(n, "CN", dtype=object)
    province[local] = region.name
    city[local] = np.array(region.cities, dtype=object)[
        rng.choice(len(region.cities), int(local.sum()), p=region.weights)]
    others = {p: v for p, v in _PROVINCES.items() if p != region.name}
    province[outside], city[outside] = _spread(rng, int(outside.sum()), others)
    country[foreign], city[foreign] = _spread(rng, int(foreign.sum()), _FOREIGN)
    province[foreign] = None
    return province, city, country


def _spread(rng, n: int, places: dict) -> tuple[np.ndarray, np.ndarray]:
    """A place for each of ``n`` firms: a key of ``places`` (weighted by the first
    field of its value) and one of its cities (the second field), uniformly."""
    keys = list(places)
    w = np.array([places[k][0] for k in keys], dtype=float)
    pick = rng.choice(len(keys), n, p=w / w.sum())
    key = np.empty(n, dtype=object)
    city = np.empty(n, dtype=object)
    for k, name in enumerate(keys):
        sel = np.flatnonzero(pick == k)
        cities = places[name][1]
        key[sel] = name
        city[sel] = np.array(cities, dtype=object)[rng.integers(0, len(cities), len(sel))]
    return key, city


def _firm_names(rng, seg_word, city, country, seg_name_en, big) -> np.ndarray:
    """Plausible company names; unique within the chain."""
    n = len(seg_word)
    b = np.array(_BRAND)
    first, second = rng.integers(0, len(b), n), rng.integers(0, len(b), n)
    brand = _strings([x + y for x in _BRAND for y in _BRAND]).take(first * len(b) + second)
    suffix = _strings(["股份有限公司", "科技有限公司", "有限公司"]).take(
        np.where(big, 0, np.where(rng.random(n) < 0.4, 1, 2)))
    names = pc.binary_join_element_wise(_strings(city), brand, _strings(seg_word), suffix,
                                        pa.scalar("", pa.large_string()))
    names = names.to_numpy(zero_copy_only=False)
    foreign = country != "CN"
    if foreign.any():
        lat = np.array(_LATIN)
        nf = int(foreign.sum())
        stem = np.char.add(lat[rng.integers(0, len(lat), nf)], lat[rng.integers(0, len(lat), nf)])
        stem = np.char.add(stem, lat[rng.integers(0, len(lat), nf)])
        suffixes = {c: v[2] for c, v in _FOREIGN.items()}
        titles = {e: str(e).split(" (")[0].title() for e in set(seg_name_en[foreign].tolist())}
        names[foreign] = [f"{s.capitalize()} {titles[e]} {suffixes[c]}"
                          for s, e, c in zip(stem.tolist(), seg_name_en[foreign].tolist(),
                                             country[foreign].tolist())]
    return _make_unique(rng, names, city, country, b)


def _strings(values) -> pa.Array:
    return pa.array(values, type=pa.large_string())


def _make_unique(rng, names: np.ndarray, city, country, brand: np.ndarray) -> np.ndarray:
    """``names`` with each repeat (after its first occurrence) changed: a brand syllable
    added (a Latin one in a foreign name), up to four rounds, then a number.

    Only the first round looks at every name: a name a round leaves unchanged was not
    a repeat, so it can become one again only by equalling a name that round made.
    """
    names = names.tolist()
    dup = pd.Series(names, dtype=object).duplicated(keep="first").to_numpy()
    initial = _strings(names)
    changed = np.zeros(len(names), dtype=bool)  # renamed in some round
    for round_ in range(5):
        idx = np.flatnonzero(dup)
        if not len(idx) or round_ == 4:
            break
        extra = brand[rng.integers(0, len(brand), len(idx))].tolist()
        for i, e in zip(idx.tolist(), extra):
            old = names[i]
            if country[i] == "CN":
                pos = len(city[i]) + 2 + round_
                names[i] = old[:pos] + e + old[pos:]
            else:
                first, rest = old.split(" ", 1)
                names[i] = f"{first}{_LATIN[rng.integers(0, len(_LATIN))]} {rest}"
        changed[idx] = True
        dup = _repeats_among(names, initial, changed, {names[i] for i in idx})
    idx = np.flatnonzero(dup)
    for k, i in enumerate(idx.tolist()):
        names[i] = f"{names[i]}（{k + 2}）"
    return np.array(names, dtype=object)


def _repeats_among(names: list, initial: pa.Array, changed: np.ndarray, made: set) -> np.ndarray:
    """``Series(names).duplicated()`` when only names equal to one in ``made`` can repeat:
    ``initial`` holds the names as they were before any was ``changed``."""
    hit = pc.is_in(initial, value_set=_strings(list(made)))
    hit = hit.to_numpy(zero_copy_only=False) & ~changed
    for i in np.flatnonzero(changed).tolist():
        if names[i] in made:
            hit[i] = True
    pos = np.flatnonzero(hit)
    dup = np.zeros(len(names), dtype=bool)
    dup[pos] = pd.Series([names[i] for i in pos.tolist()], dtype=object).duplicated().to_numpy()
    return dup
