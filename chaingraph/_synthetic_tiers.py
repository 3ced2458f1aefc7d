"""The tier-input columns of a synthetic chain (steps 7 and 8 of
:func:`~chaingraph.synthetic.synthetic_chain`, whose docstring gives the model).

Plausible values of every column the tier rules (梯度培育, ``chaingraph.tiers``)
read, drawn from a firm's revenue, segment kind, ownership and size class so
that a share of the firms meets a simplified form of the MIIT criteria.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _tier_columns(rng, revenue, size_rank, tech, foreign, is_sme, *, year: int) -> dict:
    """Step 7: plausible values of the columns the tier rules (梯度培育) read.

    ``size_rank`` is each firm's rank by revenue in its segment (:func:`_rank_by_size`),
    ``tech`` marks the firms of 零部件/元器件/软件 segments; ``year`` is the year the data
    describe.
    """
    n = len(revenue)
    # age grows with size; foreign multinationals are older
    age = 3 + rng.gamma(2.0, 5.0, n) + 4.0 * np.log10(np.maximum(revenue, 1) / 2500).clip(0)
    age = np.where(foreign, age + 15, age)
    founded = np.clip(np.round(year - age), 1950, year - 1).astype(np.int64)
    age = year - founded
    rd_intensity = np.exp(rng.normal(math.log(0.025), 0.6, n)) * np.where(tech, 1.5, 1.0)
    rd_intensity = rd_intensity.clip(0.0, 0.25)
    rd_expense = np.round(revenue * rd_intensity, 1)
    rd_staff_share = np.round((0.05 + 2.0 * rd_intensity * rng.uniform(0.6, 1.4, n)).clip(0.01, 0.8), 3)
    mb_share = rng.beta(8.0, 1.6, n)
    main_business_revenue = np.round(revenue * mb_share, 1)
    main_business_growth = np.round(rng.normal(0.08, 0.15, n).clip(-0.5, 1.5), 3)
    debt_ratio = np.round(rng.beta(5.0, 5.0, n).clip(0.05, 0.98), 3)
    years_in_niche = np.maximum(0, np.round(age * rng.uniform(0.4, 1.0, n))).astype(np.int64)
    # national share of the firm's niche market: the niche (细分市场) is sized
    # independently of how many firms the synthetic chain holds (median 15 亿元)
    niche_size = np.exp(rng.normal(math.log(150000.0), 1.0, n))
    niche_market_share = np.round((main_business_revenue / niche_size).clip(0.0, 0.9), 4)
    # global rank for the largest firms of each segment
    rank_in_seg = size_rank
    ranked = (rank_in_seg <= 3) & (revenue >= 40000)
    gr = np.round(rank_in_seg * rng.uniform(1.0, 6.0, n)).astype(np.int64)
    global_rank = pd.arrays.IntegerArray(np.where(ranked, gr, 0), ~ranked)
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


#: IP grades of the main product's IP and their points in the 专精特新 score.
_IP_GRADES = {"high_value_class1": 10, "own_class1": 8, "class1": 6, "class2": 2, "none": 0}


def _rank_by_size(seg_code: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Each firm's rank by revenue within its segment (1 = largest; ties in firm order), as
    float: ``Series(-revenue).groupby(seg_code).rank(method="first")`` by one sort."""
    order = np.lexsort((-revenue, seg_code))
    code = seg_code[order]
    start = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    first = np.repeat(start, np.diff(np.r_[start, len(order)]))
    rank = np.empty(len(order))
    rank[order] = np.arange(len(order)) - first + 1
    return rank


def _logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−x)."""
    return 1.0 / (1.0 + np.exp(-x))


def _tier_extra_columns(rng, firms: pd.DataFrame, *, seg_top, foreign, is_sme, tech_seg,
                        supplies_large, leads, cluster_type, year: int) -> dict:
    """Step 8: the optional tier inputs (prior-year figures, IP grade, honours, yes/no checks,
    the 专精特新 score, cluster kind), drawn from ``rng`` given the columns already made.

    ``seg_top`` marks the largest firm of each segment. Yes/no columns are nullable 0/1
    integers (``Int8``; missing = not known). Most
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
    emerging = firms["strategic_emerging"].to_numpy(dtype=bool)
    des = firms["designations"].astype(object).where(firms["designations"].notna(), "")
    des = des.to_numpy(dtype=object)
    giant = des == "小巨人"
    zj = np.isin(des, ["专精特新", "小巨人"])  # the MIIT SME designations
    young = firms["founded"].to_numpy(dtype=np.int64) >= year - 1
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
    grade_1 = np.where(u < p_high, 0, np.where(u < p_high + p_own, 1, 2))
    grade_0 = np.where(rng.random(n) < np.where(rd >= 0.03, 0.6, 0.35), 3, 4)
    grade = np.where(ip1 >= 1, grade_1, grade_0)  # a position in _IP_GRADES
    grade_missing = rng.random(n) < 0.12
    ip_grade = np.array(list(_IP_GRADES), dtype=object)[grade]
    ip_grade[grade_missing] = np.nan

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
    grade_pts = np.array(list(_IP_GRADES.values()), dtype=float)[grade]
    grade_pts = np.where(grade_missing, np.where(ip1 >= 1, 6, 0), grade_pts)
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
