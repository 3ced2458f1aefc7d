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
