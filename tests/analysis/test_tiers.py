"""Tier pool (梯度培育库) rules: every threshold of the 2022 MIIT, 2023 champion and
Guangdong 2022 lead rules just above and just below, the 创新型中小企业 scoring table
band by band, missing inputs, the rule-file format, and progress to targets.

Thresholds are those of the project's TERMS.md; amounts in 万元, shares as fractions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chaingraph import schema
from chaingraph.analysis import tiers as T
from chaingraph.analysis.tiers import evaluate_rules, load_rules
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError
from tests.analysis.tier_oracle import reference_row

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

# A medium-sized firm that passes 创新型, 专精特新 and 小巨人 (not through direct routes
# except where a test says so). 创新型 score, by hand: own Class I IP 15 + R&D 1000/20000
# = 5 % → 20 + growth 12 % → 15 + debt 40 % → 10 + strategic emerging 10 + main business
# 18000/20000 = 90 % → 20 = 90 (创新能力 35, 成长性 25, 专业化 30).
SME = dict(
    size_class="medium", employees=500, revenue=20000.0, revenue_prev=18000.0,
    rd_expense=1000.0, rd_expense_prev=900.0, main_business_revenue=18000.0,
    main_business_growth=0.12, main_business_growth_prev=0.10, debt_ratio=0.40,
    years_in_niche=5.0, niche_market_share=0.20, ip_class1=3, ip_grade="own_class1",
    strategic_emerging=True, equity_financing=0.0, equity_financing_3y=0.0, zjtx_score=75.0,
    has_award=False, has_award_top=False, has_rd_institution=True, has_info_system=True,
    has_certified_management=True, has_own_brand=True, maker_china_top500=False,
    chain_role=True, key_product_field=True, designations="", rd_staff_share=0.30,
)
# A large manufacturer that passes 单项冠军 and 链主 (pillar cluster, revenue 60 亿元).
LARGE = dict(
    size_class="large", employees=5000, revenue=600000.0, main_business_revenue=480000.0,
    global_rank=2, years_in_niche=12.0, new_product=False, market_share_evidence=True,
    cluster_type="pillar", designations="",
)


def run(rows, rules=T.DEFAULT_RULES, **kw):
    df = pd.DataFrame(rows, index=pd.Index([f"F{i}" for i in range(len(rows))], name="firm_id"))
    return evaluate_rules(df, rules, **kw)


def one(base, rules=T.DEFAULT_RULES, **changes):
    return run([{**base, **changes}], rules).iloc[0]


def test_base_firms_qualify():
    sme = one(SME)
    assert sme["tier"] == "little_giant"
    assert sme["innovative.score"] == 90.0
    assert (sme["innovative.score.innovation"], sme["innovative.score.growth"],
            sme["innovative.score.specialisation"]) == (35.0, 25.0, 30.0)
    for t in ("innovative", "specialised", "little_giant"):
        assert sme[f"{t}.status"] == "pass"
    large = one(LARGE)
    assert large["tier"] == "lead"
    assert large["champion.status"] == "pass"
    assert large["innovative.status"] == "fail"  # not an SME
    assert large["innovative.sme"] == "fail"


# --------------------------------------------------------------------------- #
# every threshold, just above and just below: (criterion, base, column changes
# that pass, changes that fail, tier whose status follows). Where the criterion
# has an alternative, the changes also fail the alternative.

EPS = 1e-6
NO_ROUTES = dict(has_rd_institution=False)  # 创新型 then rests on its score
THRESHOLDS = [
    # 专精特新中小企业 (附件2)
    ("specialised.niche_years", SME, dict(years_in_niche=2.0), dict(years_in_niche=2 - EPS),
     "specialised"),
    # R&D 100 万元 at 3 % needs revenue ≤ 3333: revenue 3000 (still ≥ 1000)
    ("specialised.rd_expense", SME, dict(rd_expense=100.0, revenue=3000.0,
                                          main_business_revenue=2700.0),
     dict(rd_expense=100 - EPS, revenue=3000.0, main_business_revenue=2700.0), "specialised"),
    ("specialised.rd_intensity", SME, dict(rd_expense=600.0), dict(rd_expense=600 - EPS),
     "specialised"),  # 600 / 20000 = 3 %
    ("specialised.revenue", SME, dict(revenue=1000.0, rd_expense=100.0,
                                       main_business_revenue=900.0),
     dict(revenue=1000 - EPS, rd_expense=100.0, main_business_revenue=900.0), "specialised"),
    ("specialised.equity_2y", SME, dict(revenue=900.0, rd_expense=100.0,
                                         main_business_revenue=810.0, equity_financing=2000.0),
     dict(revenue=900.0, rd_expense=100.0, main_business_revenue=810.0,
          equity_financing=2000 - EPS), "specialised"),
    ("specialised.score", SME, dict(zjtx_score=60.0), dict(zjtx_score=60 - EPS), "specialised"),
    ("specialised.rd_expense_avg", SME, dict(zjtx_score=50.0, rd_expense=1000.0,
                                              rd_expense_prev=1000.0),
     dict(zjtx_score=50.0, rd_expense=1000.0, rd_expense_prev=1000 - 2 * EPS), "specialised"),
    ("specialised.equity_large", SME, dict(zjtx_score=50.0, equity_financing=6000.0),
     dict(zjtx_score=50.0, equity_financing=6000 - EPS), "specialised"),
    # 专精特新"小巨人" (附件3)
    ("little_giant.niche_years", SME, dict(years_in_niche=3.0), dict(years_in_niche=3 - EPS),
     "little_giant"),
    ("little_giant.main_business_share", SME, dict(main_business_revenue=14000.0),
     dict(main_business_revenue=14000 - EPS), "little_giant"),  # 14000 / 20000 = 70 %
    ("little_giant.main_business_growth", SME,
     dict(main_business_growth=0.06, main_business_growth_prev=0.04),
     dict(main_business_growth=0.06, main_business_growth_prev=0.04 - EPS), "little_giant"),
    ("little_giant.debt_ratio", SME, dict(debt_ratio=0.70), dict(debt_ratio=0.70 + EPS),
     "little_giant"),
    ("little_giant.market_share", SME, dict(niche_market_share=0.10),
     dict(niche_market_share=0.10 - EPS), "little_giant"),
    ("little_giant.rd_intensity_3", SME, dict(rd_expense=600.0), dict(rd_expense=600 - EPS),
     "little_giant"),  # revenue ≥ 1 亿元: 3 %; 600 / 20000
    ("little_giant.rd_intensity_prev_3", SME, dict(rd_expense_prev=540.0),
     dict(rd_expense_prev=540 - EPS), "little_giant"),  # 540 / 18000 = 3 %
    ("little_giant.rd_intensity_6", SME,
     dict(revenue=8000.0, main_business_revenue=7200.0, rd_expense=480.0,
          revenue_prev=7000.0, rd_expense_prev=420.0),  # 6 % of 8000 and of 7000
     dict(revenue=8000.0, main_business_revenue=7200.0, rd_expense=480 - EPS,
          revenue_prev=7000.0, rd_expense_prev=420.0), "little_giant"),
    ("little_giant.rd_intensity_prev_6", SME,
     dict(revenue=8000.0, main_business_revenue=7200.0, rd_expense=480.0,
          revenue_prev=7000.0, rd_expense_prev=420.0),
     dict(revenue=8000.0, main_business_revenue=7200.0, rd_expense=480.0,
          revenue_prev=7000.0, rd_expense_prev=420 - EPS), "little_giant"),
    # revenue bands: 1 亿元 at 4 % R&D (passes the ≥ 1 亿 branch, fails the 6 % one)
    ("little_giant.band_large", SME,
     dict(revenue=10000.0, main_business_revenue=9000.0, rd_expense=400.0),
     dict(revenue=10000 - EPS, main_business_revenue=9000.0, rd_expense=400.0), "little_giant"),
    # 5000 万元 at 7 % R&D with no equity: the 5000 万–1 亿 branch or nothing
    ("little_giant.band_mid_low", SME,
     dict(revenue=5000.0, main_business_revenue=4500.0, rd_expense=350.0, rd_expense_prev=1100.0),
     dict(revenue=5000 - EPS, main_business_revenue=4500.0, rd_expense=350.0,
          rd_expense_prev=1100.0), "little_giant"),  # prior year 1100 / 18000 = 6.1 %
    # below 5000 万元: equity 8000, R&D 3000, R&D staff 50 %
    ("little_giant.equity", SME,
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000.0,
          equity_financing=8000.0, rd_staff_share=0.5),
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000.0,
          equity_financing=8000 - EPS, rd_staff_share=0.5), "little_giant"),
    ("little_giant.rd_expense", SME,
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000.0,
          equity_financing=8000.0, rd_staff_share=0.5),
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000 - EPS,
          equity_financing=8000.0, rd_staff_share=0.5), "little_giant"),
    ("little_giant.rd_staff", SME,
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000.0,
          equity_financing=8000.0, rd_staff_share=0.5),
     dict(revenue=4000.0, main_business_revenue=3600.0, rd_expense=3000.0,
          equity_financing=8000.0, rd_staff_share=0.5 - EPS), "little_giant"),
    ("little_giant.ip_class1", SME, dict(ip_class1=2), dict(ip_class1=1), "little_giant"),
    # 制造业单项冠军
    ("champion.product_share", LARGE, dict(main_business_revenue=420000.0),
     dict(main_business_revenue=420000 - 0.01), "champion"),  # 70 % of 600000
    ("champion.global_rank", LARGE, dict(global_rank=3), dict(global_rank=4), "champion"),
    ("champion.years_10", LARGE, dict(years_in_niche=10.0), dict(years_in_niche=10 - EPS),
     "champion"),
    ("champion.years_3", LARGE, dict(years_in_niche=3.0, new_product=True),
     dict(years_in_niche=3 - EPS, new_product=True), "champion"),
    ("champion.sales_floor", LARGE,
     dict(revenue=40000.0, main_business_revenue=32000.0, employees=1000),
     dict(revenue=40000 - EPS, main_business_revenue=32000.0, employees=1000), "champion"),
    # 链主 (Guangdong 2022): 50 亿元 pillar, 10 亿元 emerging
    ("lead.revenue", LARGE, dict(revenue=500000.0, main_business_revenue=400000.0),
     dict(revenue=500000 - EPS, main_business_revenue=400000.0), "lead"),
    ("lead.revenue", LARGE, dict(revenue=100000.0, main_business_revenue=80000.0,
                                 cluster_type="emerging"),
     dict(revenue=100000 - EPS, main_business_revenue=80000.0, cluster_type="emerging"), "lead"),
]


@pytest.mark.parametrize(
    "key, base, above, below, tier", THRESHOLDS,
    ids=[f"{t[0]}-{i}" for i, t in enumerate(THRESHOLDS)])
def test_threshold_just_above_and_below(key, base, above, below, tier):
    out = run([{**base, **above}, {**base, **below}])
    assert out[key].tolist() == ["pass", "fail"]
    assert out[f"{tier}.status"].tolist() == ["pass", "fail"]
    if out["next_tier"].iloc[1] == tier:  # (a firm still qualifying higher has no next)
        assert out["next_distance"].iloc[1] >= 0
        # a gate (revenue band) is not a shortfall: the firm is measured on its own band
        gate = load_rules().criteria[key].gate
        assert (key in out["next_missing"].iloc[1].split("; ")) != gate


# 创新型中小企业: the score thresholds 60 / 创新能力 20 / 成长性 15 / 专业化 15, at the edge.
# Points by hand for each firm are in the comments: ip + rd | growth + debt | field + share.
INNOVATIVE_SCORE_CASES = [
    # 10+15 | 15+5 | 5+10 = 60 → pass;   10+15 | 15+5 | 5+5 = 55 → fail (total)
    ("score_total",
     dict(ip_grade="class1", rd_expense=600.0, main_business_growth=0.10, debt_ratio=0.60,
          strategic_emerging=False, main_business_revenue=11000.0),
     dict(ip_grade="class1", rd_expense=600.0, main_business_growth=0.10, debt_ratio=0.60,
          strategic_emerging=False, main_business_revenue=10000.0)),
    # innovation 10+10 = 20 (total 20 | 30 | 30 = 80) → pass; 10+5 = 15 → fail
    ("score_innovation",
     dict(ip_grade="class1", rd_expense=400.0, main_business_growth=0.20),
     dict(ip_grade="class1", rd_expense=399.0, main_business_growth=0.20)),
    # growth 10+5 = 15 (debt 0.75 still 5) → pass; debt 0.7501 → 10+0 = 10 → fail
    ("score_growth",
     dict(main_business_growth=0.05, debt_ratio=0.75),
     dict(main_business_growth=0.05, debt_ratio=0.75 + EPS)),
    # specialisation 5 + 10 (share 55 %) = 15 → pass; 5 + 5 (share < 55 %) = 10 → fail
    ("score_specialisation",
     dict(strategic_emerging=False, main_business_revenue=11000.0),
     dict(strategic_emerging=False, main_business_revenue=11000 - 0.01)),
]


@pytest.mark.parametrize("crit, above, below", INNOVATIVE_SCORE_CASES,
                         ids=[c[0] for c in INNOVATIVE_SCORE_CASES])
def test_innovative_score_thresholds(crit, above, below):
    out = run([{**SME, **NO_ROUTES, **above}, {**SME, **NO_ROUTES, **below}])
    assert out[f"innovative.{crit}"].tolist() == ["pass", "fail"]
    assert out["innovative.status"].tolist() == ["pass", "fail"]


def test_innovative_equity_route_threshold():
    # a firm scoring 0 + 0 | 0 + 0 | 5 + 0 = 5: only the direct routes can help
    weak = {**SME, **NO_ROUTES, "ip_grade": "none", "rd_expense": 0.0,
            "main_business_growth": -0.1, "debt_ratio": 0.9, "strategic_emerging": False,
            "main_business_revenue": 1000.0, "has_award": False, "designations": ""}
    out = run([{**weak, "equity_financing_3y": 500.0}, {**weak, "equity_financing_3y": 500 - EPS}])
    assert out["innovative.score"].tolist() == [5.0, 5.0]
    assert out["innovative.equity"].tolist() == ["pass", "fail"]
    assert out["innovative.status"].tolist() == ["pass", "fail"]


@pytest.mark.parametrize("route, change", [
    ("award", dict(has_award=True)),
    ("honour", dict(designations="高新技术企业")),
    ("rd_institution", dict(has_rd_institution=True)),
])
def test_innovative_direct_routes(route, change):
    weak = {**SME, **NO_ROUTES, "ip_grade": "none", "rd_expense": 0.0,
            "main_business_growth": -0.1, "debt_ratio": 0.9, "strategic_emerging": False,
            "main_business_revenue": 1000.0}
    out = run([{**weak, **change}, weak])
    assert out[f"innovative.{route}"].tolist() == ["pass", "fail"]
    assert out["innovative.status"].tolist() == ["pass", "fail"]


def test_maker_top500_and_award_routes_of_specialised():
    base = {**SME, "zjtx_score": 50.0}
    out = run([{**base, "maker_china_top500": True}, {**base, "has_award_top": True}, base])
    assert out["specialised.status"].tolist() == ["pass", "pass", "fail"]


# --------------------------------------------------------------------------- #
# the 创新型中小企业 scoring table (附件1), band by band, at and around each edge

BANDS = {
    # measure changes → expected points of the indicator
    "rd_intensity": [  # rd_expense / 20000
        (dict(rd_expense=1000.0), 20), (dict(rd_expense=1000 - EPS), 15),   # 5 %
        (dict(rd_expense=600.0), 15), (dict(rd_expense=600 - EPS), 10),     # 3 %
        (dict(rd_expense=400.0), 10), (dict(rd_expense=400 - EPS), 5),      # 2 %
        (dict(rd_expense=200.0), 5), (dict(rd_expense=200 - EPS), 0),       # 1 %
        (dict(rd_expense=0.0), 0),
    ],
    "main_business_growth": [
        (dict(main_business_growth=0.15), 20), (dict(main_business_growth=0.15 - EPS), 15),
        (dict(main_business_growth=0.10), 15), (dict(main_business_growth=0.10 - EPS), 10),
        (dict(main_business_growth=0.05), 10), (dict(main_business_growth=0.05 - EPS), 5),
        (dict(main_business_growth=0.0), 5), (dict(main_business_growth=-EPS), 0),
    ],
    "debt_ratio": [
        (dict(debt_ratio=0.55 - EPS), 10), (dict(debt_ratio=0.55), 5),
        (dict(debt_ratio=0.75), 5), (dict(debt_ratio=0.75 + EPS), 0),
    ],
    "field": [(dict(strategic_emerging=True), 10), (dict(strategic_emerging=False), 5)],
    "main_business_share": [  # main_business_revenue / 20000
        (dict(main_business_revenue=14000 + 0.01), 20), (dict(main_business_revenue=14000.0), 15),
        (dict(main_business_revenue=12000.0), 15), (dict(main_business_revenue=12000 - 0.01), 10),
        (dict(main_business_revenue=11000.0), 10), (dict(main_business_revenue=11000 - 0.01), 5),
        (dict(main_business_revenue=10000.0), 5), (dict(main_business_revenue=10000 - 0.01), 0),
    ],
    "ip": [
        (dict(ip_grade="high_value_class1"), 20), (dict(ip_grade="own_class1"), 15),
        (dict(ip_grade="class1"), 10), (dict(ip_grade="class2"), 5), (dict(ip_grade="none"), 0),
        (dict(ip_grade="Ⅰ类高价值知识产权"), 20), (dict(ip_grade="无"), 0),
    ],
}


@pytest.mark.parametrize("indicator", list(BANDS))
def test_innovative_scoring_table_band_by_band(indicator):
    cases = BANDS[indicator]
    out = run([{**SME, **c} for c, _ in cases])
    got = out[f"innovative.points.{indicator}"].tolist()
    assert got == [float(p) for _, p in cases]
    # every other indicator is unchanged, so the total moves by the same points
    base_total = 90.0 - one(SME)[f"innovative.points.{indicator}"]
    assert out["innovative.score"].tolist() == [base_total + p for _, p in cases]


def test_ip_points_bounded_by_class1_count_when_grade_missing():
    out = run([{**SME, "ip_grade": None, "ip_class1": 1},
               {**SME, "ip_grade": None, "ip_class1": 0},
               {**SME, "ip_grade": None, "ip_class1": None}])
    # others: 20 | 15+10 | 10+20 = 75, plus IP in [10, 20], [0, 5], [0, 20]
    assert out["innovative.score_min"].tolist() == [85.0, 75.0, 75.0]
    assert out["innovative.score_max"].tolist() == [95.0, 80.0, 95.0]
    assert out["innovative.score"].isna().all()
    assert out["innovative.score_total"].tolist() == ["pass"] * 3


# --------------------------------------------------------------------------- #
# missing inputs


@pytest.mark.parametrize("column, criterion", [
    ("years_in_niche", "specialised.niche_years"),
    ("rd_expense", "specialised.rd_expense"),
    ("revenue", "specialised.rd_intensity"),
    ("debt_ratio", "little_giant.debt_ratio"),
    ("niche_market_share", "little_giant.market_share"),
    ("has_own_brand", "little_giant.own_brand"),
    ("zjtx_score", "specialised.score"),
])
def test_missing_value_is_unknown_never_pass(column, criterion):
    out = run([{**SME, column: None}])
    row = out.iloc[0]
    assert row[criterion] == "unknown"
    tier = criterion.split(".")[0]
    assert row[f"{tier}.status"] in ("unknown", "pass")
    if row[f"{tier}.status"] == "pass":  # only through an alternative that passes
        assert criterion in ("specialised.score",)


def test_absent_column_is_unknown_and_reported():
    firm = {k: v for k, v in SME.items() if k != "has_info_system"}
    out = run([firm])
    assert out["little_giant.info_system"].iloc[0] == "unknown"
    assert out["little_giant.status"].iloc[0] == "unknown"
    assert out["tier"].iloc[0] == "specialised"
    assert out["tier_possible"].iloc[0] == "little_giant"
    assert out["next_tier"].iloc[0] == "little_giant"
    assert out["next_unknown"].iloc[0] == "little_giant.info_system"
    assert math.isnan(out["next_distance"].iloc[0])
    assert "has_info_system" in out.attrs["missing_columns"]


def test_unknown_and_fail_make_fail():
    out = run([{**SME, "has_info_system": None, "debt_ratio": 0.9}])
    assert out["little_giant.status"].iloc[0] == "fail"
    assert out["next_missing"].iloc[0] == "little_giant.debt_ratio"
    assert out["next_unknown"].iloc[0] == "little_giant.info_system"
    # (0.9 − 0.7) / 0.7
    assert out["next_distance"].iloc[0] == pytest.approx(0.2 / 0.7)


def test_missing_size_class_gives_unknown_sme():
    out = run([{**SME, "size_class": None}])
    assert out["innovative.sme"].iloc[0] == "unknown"
    assert pd.isna(out["tier"].iloc[0])


def test_size_class_derived_by_nbs_2017_when_column_absent():
    base = {k: v for k, v in SME.items() if k != "size_class"}
    out = run([{**base, "employees": 999, "revenue": 40000.0, "main_business_revenue": 36000.0},
               {**base, "employees": 1000, "revenue": 40000.0, "main_business_revenue": 36000.0},
               {**base, "employees": 1000, "revenue": 40000 - EPS,
                "main_business_revenue": 36000.0}])
    assert out["size_class"].tolist() == ["medium", "large", "medium"]
    assert out["innovative.sme"].tolist() == ["pass", "fail", "pass"]


def test_nbs_2017_rule_file_agrees_with_the_core():
    from chaingraph.schema import size_class_nbs2017

    data = tomllib.loads((Path(T.__file__).parent.parent / "rules" / "nbs-2017.toml")
                         .read_text(encoding="utf-8"))
    classes = {c["id"]: c for c in data["classes"]}
    for cid in ("large", "medium", "small"):
        e, r = classes[cid]["employees_min"], classes[cid]["revenue_min"]
        got = size_class_nbs2017([e, e - 1, e, 10**6], [r, r, r - 1e-6, 10**9])
        assert got[0] == cid  # both lower bounds met
        assert got[1] != cid and got[2] != cid  # one just below: drops a class
    assert size_class_nbs2017([19, 10**6], [10**9, 299])[0:2].tolist() == ["micro", "micro"]


def _read_as_a_chain_reads(firms: pd.DataFrame) -> pd.DataFrame:
    from chaingraph.core import ChainGraph

    links = pd.DataFrame({"supplier_id": [firms.index[0]], "customer_id": [firms.index[-1]]})
    return ChainGraph.from_frames(firms.reset_index(), links).firms


@pytest.mark.parametrize("word", sorted(schema.SIZE_CLASS_WORDS))
def test_size_class_words_are_those_a_chain_accepts(word):
    # one list of size-class words: '大' (and 'L', '小', …) were read by read_chain and
    # rejected by the tier rules
    firms = pd.DataFrame({"size_class": [word, word.upper(), f" {word} "]},
                         index=pd.Index(["A", "B", "C"], name="firm_id"))
    got = evaluate_rules(firms, "miit-2022")["size_class"].tolist()
    assert got == [schema.SIZE_CLASS_WORDS[word]] * 3
    assert got == _read_as_a_chain_reads(firms)["size_class"].tolist()


def test_size_class_da_is_large_and_sme_fails():
    out = run([{"size_class": "大"}, {"size_class": "小"}], "miit-2022")
    assert out["size_class"].tolist() == ["large", "small"]
    assert out["innovative.sme"].tolist() == ["fail", "pass"]


@pytest.mark.parametrize("word", sorted(schema.BOOL_WORDS))
def test_yes_no_words_are_those_a_chain_accepts(word):
    # one list of yes/no words; the 创新型 field indicator scores 10 for a strategic
    # emerging field and 5 otherwise
    firms = pd.DataFrame({"strategic_emerging": [word, word.upper()]},
                         index=pd.Index(["A", "B"], name="firm_id"))
    points = evaluate_rules(firms, "miit-2022")["innovative.points.field"].tolist()
    flags = _read_as_a_chain_reads(firms)["strategic_emerging"].tolist()
    assert points == [10.0 if schema.BOOL_WORDS[word] else 5.0] * 2
    assert points == [10.0 if f else 5.0 for f in flags]


def test_lead_threshold_with_unknown_cluster_type():
    base = {**LARGE, "cluster_type": None}
    out = run([{**base, "revenue": 600000.0}, {**base, "revenue": 300000.0},
               {**base, "revenue": 90000.0, "main_business_revenue": 80000.0}])
    assert out["lead.revenue"].tolist() == ["pass", "unknown", "fail"]
    # the argument fills the missing cluster type
    out2 = run([{**base, "revenue": 300000.0}], cluster_type="emerging")
    assert out2["lead.revenue"].iloc[0] == "pass"
    assert out2["lead.revenue.threshold"].iloc[0] == 100000.0


def test_tiers_takes_the_cluster_type_from_the_template():
    import chaingraph as cg

    # a 30 亿元 large firm with no cluster_type column: above the emerging threshold (10 亿元),
    # below the pillar one (50 亿元)
    firms = pd.DataFrame([{**LARGE, "cluster_type": None, "revenue": 300000.0,
                           "segment_id": "s"}]).drop(columns="cluster_type").assign(firm_id="A")
    for kind, outcome in (("pillar", "fail"), ("emerging", "pass")):
        template = cg.ChainTemplate.from_frames(pd.DataFrame({"segment_id": ["s"]}), None,
                                                name="t", cluster_type=kind)
        chain = cg.ChainGraph.from_frames(firms, segments=template)
        t = T.tiers(chain)
        assert t.loc["A", "lead.revenue"] == outcome and t.attrs["cluster_type"] == kind
        # the argument wins over the template
        other = "emerging" if kind == "pillar" else "pillar"
        t = T.tiers(chain, cluster_type=other)
        assert t.attrs["cluster_type"] == other and t.loc["A", "lead.revenue"] != outcome
        assert T.tier_progress(chain).attrs["cluster_type"] == kind
    # the CLI names it too
    from click.testing import CliRunner

    from chaingraph.cli import cli
    r = CliRunner().invoke(cli, ["tiers", "-d", "shandong-cnc", "--format", "csv"])
    assert r.exit_code == 0 and "; cluster type: emerging" in r.output.splitlines()[0]
    # no template, no argument: unknown between the two thresholds
    t = T.tiers(cg.ChainGraph.from_frames(firms))
    assert t.loc["A", "lead.revenue"] == "unknown" and t.attrs["cluster_type"] is None


# --------------------------------------------------------------------------- #
# ladder, designations, next tier, distances


def test_prerequisite_designation_or_qualification():
    # fails 创新型 on its own (score 5, no routes) but holds the 专精特新 designation
    weak = {**SME, **NO_ROUTES, "ip_grade": "none", "rd_expense": 0.0,
            "main_business_growth": -0.1, "debt_ratio": 0.9, "strategic_emerging": False,
            "main_business_revenue": 1000.0, "zjtx_score": 80.0}
    out = run([{**weak, "designations": "省级专精特新中小企业;高新技术企业"},
               {**weak, "designations": ""}])
    assert out["innovative.status"].tolist() == ["pass", "fail"]  # 高新技术企业 route
    out = run([{**weak, "designations": "省级专精特新中小企业"}, {**weak, "designations": ""}])
    assert out["innovative.status"].tolist() == ["fail", "fail"]
    assert out["specialised.prerequisite"].tolist() == ["pass", "fail"]
    assert out["designation"].tolist() == ["specialised", np.nan]
    assert out["innovative.designated"].tolist() == [True, False]  # implied


def test_designation_list_and_highest():
    out = run([{**LARGE, "designations": ["制造业单项冠军", "专精特新小巨人"]}])
    assert out["designation"].iloc[0] == "champion"
    assert out["little_giant.designated"].iloc[0]
    assert out["specialised.designated"].iloc[0]


def test_next_tier_skips_tiers_whose_gate_fails():
    out = run([{**LARGE, "global_rank": 6}])
    # a large firm cannot be an SME: its next tier is 单项冠军, 3 places short: (6 − 3) / 3
    assert out["tier"].iloc[0] == "lead"
    out = run([{**LARGE, "global_rank": 6, "revenue": 90000.0, "main_business_revenue": 80000.0}])
    row = out.iloc[0]
    assert pd.isna(row["tier"])
    assert row["next_tier"] == "champion"
    assert row["next_missing"] == "champion.global_rank"
    assert row["next_distance"] == pytest.approx(1.0)


def test_next_missing_follows_the_nearest_alternative():
    # 单项冠军 years: 10 years (8 → 0.2 short) or new product and 3 years (new_product false)
    out = run([{**LARGE, "years_in_niche": 8.0, "revenue": 90000.0,
                "main_business_revenue": 80000.0}])
    row = out.iloc[0]
    assert row["next_missing"] == "champion.years_10"
    assert row["next_distance"] == pytest.approx(0.2)


def test_user_rule_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("""
[rule]
name = "my-rule"
[[tiers]]
id = "star"
label = "明星企业"
rank = 1
require = "big & (fast | brand)"
[[criteria]]
tier = "star"
id = "big"
measure = "revenue"
op = ">"
threshold = 100
[[criteria]]
tier = "star"
id = "fast"
measure = "main_business_growth"
op = ">="
threshold = 0.2
[[criteria]]
tier = "star"
id = "brand"
measure = "has_own_brand"
op = "=="
threshold = true
""", encoding="utf-8")
    out = run([dict(revenue=100.0, main_business_growth=0.3), dict(revenue=101.0,
               main_business_growth=0.3), dict(revenue=101.0, main_business_growth=0.1)],
              rules=path)
    assert out["star.big"].tolist() == ["fail", "pass", "pass"]  # strictly greater
    assert out["star.status"].tolist() == ["fail", "pass", "unknown"]
    assert out.attrs["rules"] == ["my-rule"]


@pytest.mark.parametrize("text, message", [
    ('[[tiers]]\nid="a"\nrank=1\nrequire="x & (y"\n', "not a valid expression"),
    ('[[tiers]]\nid="a"\nrank=1\nrequire="x"\n', "undefined criteria"),
    ('[[tiers]]\nid="a"\nrank=1\nrequire="x"\n[[criteria]]\ntier="a"\nid="x"\n'
     'measure="revenue"\nop="=>"\nthreshold=1\n', "op '=>'"),
    ('[[tiers]]\nid="a"\nrank=1\nrequire="x"\n[[criteria]]\ntier="a"\nid="x"\n'
     'measure="revenue"\nop=">="\nthreshold="1"\n', "threshold must be a number"),
    ('[[tiers]]\nid="a"\nrank=1\nrequire="x; import os"\n', "cannot read require"),
])
def test_bad_rule_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChainDataError, match=message):
        load_rules(path)


def test_unknown_rule_name_and_duplicate_tiers():
    with pytest.raises(ChainDataError, match="unknown rule version 'miit-2026'"):
        load_rules("miit-2026")
    with pytest.raises(ChainDataError, match="defined by both"):
        load_rules(["miit-2022", "miit-2022"])


def test_bad_input_values_name_the_rows():
    with pytest.raises(ChainDataError, match=r"column 'has_own_brand'.*F1"):
        run([SME, {**SME, "has_own_brand": "maybe"}])
    with pytest.raises(ChainDataError, match=r"column 'revenue'.*F0"):
        run([{**SME, "revenue": "lots"}])
    with pytest.raises(ChainDataError, match=r"column 'ip_grade'"):
        run([{**SME, "ip_grade": "gold"}])


def test_rules_and_unconfirmed_values_in_attrs():
    out = run([SME])
    assert out.attrs["rules"] == ["miit-2022", "champion-2023", "lead-guangdong-2022"]
    assert "champion.sales_floor" in out.attrs["unconfirmed"]
    only = run([SME], rules="miit-2022")
    assert only.attrs["rules"] == ["miit-2022"]
    assert "champion.status" not in only.columns


def test_shipped_rule_files_cite_documents_and_flag_unconfirmed():
    rs = load_rules(T.DEFAULT_RULES)
    table = rs.criteria_table()
    assert (table["source"] != "").all()
    assert not table.loc["champion.sales_floor", "confirmed"]
    assert table.loc["specialised.niche_years", "confirmed"]
    for name in T.DEFAULT_RULES:
        assert rs.meta[name]["document"]
    text = (Path(T.__file__).parent.parent / "rules" / "miit-2022.toml").read_text("utf-8")
    assert "2026" in text and "NOT SHIPPED" in text


# --------------------------------------------------------------------------- #
# the vectorised engine agrees with the one-firm-at-a-time reference


def random_firms(n, seed):
    rng = np.random.default_rng(seed)

    def maybe(values, p=0.15):
        values = np.asarray(values, dtype=object)
        values[rng.random(n) < p] = None
        return values

    revenue = rng.lognormal(8.5, 1.8, n)
    return pd.DataFrame({
        "size_class": maybe(rng.choice(["large", "medium", "small", "micro"], n)),
        "revenue": maybe(revenue), "revenue_prev": maybe(revenue * rng.uniform(0.7, 1.2, n)),
        "rd_expense": maybe(revenue * rng.uniform(0, 0.09, n)),
        "rd_expense_prev": maybe(revenue * rng.uniform(0, 0.09, n)),
        "main_business_revenue": maybe(revenue * rng.uniform(0.4, 1, n)),
        "main_business_growth": maybe(rng.uniform(-0.1, 0.3, n)),
        "main_business_growth_prev": maybe(rng.uniform(-0.1, 0.3, n)),
        "debt_ratio": maybe(rng.uniform(0.2, 0.9, n)),
        "years_in_niche": maybe(rng.integers(0, 20, n)),
        "niche_market_share": maybe(rng.uniform(0, 0.3, n)),
        "global_rank": maybe(rng.integers(1, 10, n)),
        "ip_class1": maybe(rng.integers(0, 4, n)),
        "ip_grade": maybe(rng.choice(["high_value_class1", "own_class1", "class1", "class2",
                                      "none"], n), 0.5),
        "equity_financing": maybe(rng.choice([0, 1000, 5000, 9000], n)),
        "equity_financing_3y": maybe(rng.choice([0, 600], n)),
        "strategic_emerging": maybe(rng.random(n) < 0.5),
        "zjtx_score": maybe(rng.uniform(40, 90, n)),
        "rd_staff_share": maybe(rng.uniform(0, 0.7, n)),
        "designations": maybe(rng.choice(["", "专精特新", "小巨人", "高新技术企业", "单项冠军"], n)),
        "cluster_type": maybe(rng.choice(["pillar", "emerging"], n)),
        **{c: maybe(rng.random(n) < 0.7) for c in (
            "has_award", "has_award_top", "has_rd_institution", "has_info_system",
            "has_certified_management", "has_own_brand", "maker_china_top500", "chain_role",
            "key_product_field", "new_product", "market_share_evidence")},
    }, index=pd.Index([f"R{i}" for i in range(n)], name="firm_id"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_matches_reference(seed):
    firms = random_firms(400, seed)
    rs = load_rules(T.DEFAULT_RULES)
    fast = evaluate_rules(firms, rs, detail=False)
    records = firms.to_dict("index")
    for fid, row in records.items():
        ref = reference_row({k: v for k, v in row.items()}, rs)
        for t in rs.tier_ids:
            assert fast.at[fid, f"{t}.status"] == ref[f"{t}.status"], (fid, t)
        assert fast.at[fid, "innovative.score_min"] == ref["innovative.score_min"]
        assert fast.at[fid, "innovative.score_max"] == ref["innovative.score_max"]
        got = fast.at[fid, "tier"]
        assert (None if pd.isna(got) else got) == ref["tier"]
    # the random data reach every outcome
    for t in rs.tier_ids:
        assert set(fast[f"{t}.status"]) >= {"pass", "fail"} or t == "little_giant"


# --------------------------------------------------------------------------- #
# tier_progress and tiers on a ChainGraph, and the CLI


def small_chain():
    from chaingraph.core import ChainGraph

    rows = [
        # local: a designated 小巨人 that qualifies, an undesignated qualifying one,
        # one 5 % short on R&D for 专精特新 (rd 570 / 20000 = 2.85 %: (3 − 2.85) / 3),
        # a 单项冠军 holder; outside: a qualifying firm that must not count
        {**SME, "firm_id": "L1", "province": "山东", "city": "济南", "designations": "国家级小巨人"},
        {**SME, "firm_id": "L2", "province": "山东", "city": "青岛"},
        {**SME, "firm_id": "L3", "province": "山东", "city": "青岛", "rd_expense": 570.0},
        {**LARGE, "firm_id": "L4", "province": "山东", "city": "青岛", "designations": "单项冠军"},
        {**SME, "firm_id": "O1", "province": "江苏", "city": "苏州"},
    ]
    firms = pd.DataFrame(rows)
    links = pd.DataFrame({"supplier_id": ["L2", "L3", "O1"], "customer_id": ["L4", "L4", "L1"]})
    return ChainGraph.from_frames(firms, links, region="山东")


def test_tiers_on_a_chain_and_progress_by_region():
    chain = small_chain()
    t = T.tiers(chain)
    assert t.index.tolist() == ["L1", "L2", "L3", "L4", "O1"]
    assert t.loc["L3", "tier"] == "innovative"
    assert t.loc["L3", "next_distance"] == pytest.approx(0.05)
    p = T.tier_progress(chain, near_miss=0.06)
    assert p.attrs["rules"] == list(T.DEFAULT_RULES)
    sp = p.loc[("山东", "specialised")]
    assert sp["target"] == 1500 and sp["designated"] == 1  # L1, through its 小巨人
    assert sp["qualifying"] == 2 and sp["candidates"] == 1  # L1, L2; O1 is not local
    assert sp["gap"] == 1499
    assert sp["near_miss"] == 1 and sp["near_miss_firms"] == ("L3",)
    lg = p.loc[("山东", "little_giant")]
    assert (lg["designated"], lg["qualifying"], lg["candidates"], lg["gap"]) == (1, 2, 1, 599)
    ch = p.loc[("山东", "champion")]
    assert (ch["designated"], ch["qualifying"], ch["target"]) == (1, 1, 400)


def test_progress_by_city_and_own_targets():
    chain = small_chain()
    p = T.tier_progress(chain, by="city")
    assert sorted(set(p.index.get_level_values("city"))) == ["济南", "青岛"]
    assert p["target"].isna().all()  # region-wide targets belong to no city
    assert p.loc[("青岛", "little_giant"), "qualifying"] == 1
    targets = pd.DataFrame({"小巨人": [2, 3]}, index=["济南", "青岛"])
    p2 = T.tier_progress(chain, targets, by="city")
    assert p2.loc[("青岛", "little_giant"), "gap"] == 3
    assert p2.loc[("济南", "little_giant"), "gap"] == 1
    p3 = T.tier_progress(chain, {"单项冠军": 10})
    assert p3.loc[("山东", "champion"), "gap"] == 9
    assert np.isnan(p3.loc[("山东", "specialised"), "target"])
    with pytest.raises(ChainDataError, match="target tier '隐形冠军'"):
        T.tier_progress(chain, {"隐形冠军": 1})


def test_progress_without_designations_counts_none_held():
    from chaingraph.core import ChainGraph

    base = small_chain()
    chain = ChainGraph.from_frames(base.firms.drop(columns="designations").reset_index(),
                                   base.links, region="山东")
    p = T.tier_progress(chain)
    # unknown designations are not held: every qualifying local firm is a candidate
    assert (p["designated"] == 0).all()
    assert (p["candidates"] == p["qualifying"]).all()
    assert p.loc[("山东", "specialised"), "qualifying"] == 2  # L1, L2 (O1 is not local)
    assert (p["gap"].dropna() == p["target"].dropna()).all()


def test_tiers_near_miss_lists_the_nearest_first():
    from chaingraph.core import ChainGraph

    # next-tier distances: N1 专精特新 R&D 570 / 20000 = 2.85 %, (3 − 2.85) / 3 = 0.05;
    # N2 and N4 (小巨人) 单项冠军 revenue 20000 of 40000, (40000 − 20000) / 40000 = 0.5;
    # N3 R&D 594 / 20000 = 2.97 %, (3 − 2.97) / 3 = 0.01; N5 (链主) has no next tier
    rows = [{**SME, "firm_id": "N1", "rd_expense": 570.0}, {**SME, "firm_id": "N2"},
            {**SME, "firm_id": "N3", "rd_expense": 594.0}, {**SME, "firm_id": "N4"},
            {**LARGE, "firm_id": "N5"}]
    links = pd.DataFrame({"supplier_id": ["N1", "N2", "N3", "N4"], "customer_id": ["N5"] * 4})
    chain = ChainGraph.from_frames(pd.DataFrame(rows), links)
    full = T.tiers(chain, detail=False)
    assert full["next_distance"].tolist() == pytest.approx([0.05, 0.5, 0.01, 0.5, np.nan],
                                                           nan_ok=True)
    near = T.tiers(chain, detail=False, near_miss=0.06)
    assert near.index.tolist() == ["N3", "N1"]
    assert near.attrs["rules"] == list(T.DEFAULT_RULES)
    pd.testing.assert_frame_equal(near, full.loc[["N3", "N1"]])
    # the bound is included; equal distances keep the chain's order
    assert T.tiers(chain, near_miss=0.5).index.tolist() == ["N3", "N1", "N2", "N4"]
    assert T.tiers(chain, near_miss=0.0).empty


def test_cli_tiers(tmp_path):
    from click.testing import CliRunner

    from chaingraph.cli import cli
    from chaingraph.io import write_chain

    folder = tmp_path / "chain"
    write_chain(small_chain(), folder)
    runner = CliRunner()
    res = runner.invoke(cli, ["tiers", str(folder), "--region", "山东", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert "note: rules: miit-2022, champion-2023, lead-guangdong-2022" in res.stderr
    assert res.stdout.startswith("firm_id,size_class,designation,tier")
    res = runner.invoke(cli, ["tiers", str(folder), "--region", "山东", "--near-miss", "0.06",
                              "--rules", "miit-2022", "--format", "json"])
    assert res.exit_code == 0, res.output
    import json

    payload = json.loads(res.stdout)
    assert payload["note"].startswith("rules: miit-2022;")
    assert [r["firm_id"] for r in payload["data"]] == ["L3"]
    res = runner.invoke(cli, ["tiers", str(folder), "--region", "山东", "--progress", "region"])
    assert res.exit_code == 0, res.output
    assert "specialised" in res.output and "1500" in res.output


def test_shandong_targets_are_the_default_for_shandong_only():
    # the same firms focused on Jiangsu, on a US state, and with no region: no default target
    # (Shandong's 2025 targets are Shandong's); the counts do not depend on the targets
    firms = small_chain().firms.reset_index()
    links = small_chain().links
    for region, home, group in (("江苏", None, "江苏"), (None, None, "all")):
        chain = ChainGraph.from_frames(firms, links, region=region, home=home)
        p = T.tier_progress(chain)
        assert p["target"].isna().all() and p["gap"].isna().all(), region
        assert p.attrs["targets"] == "none"
    us = firms.assign(country="US", province=firms["province"].map({"山东": "Ohio", "江苏": "Texas"}))
    p = T.tier_progress(ChainGraph.from_frames(us, links, region="Ohio", home="US"))
    assert p["target"].isna().all() and p.attrs["targets"] == "none"
    # designated and qualifying are as in Shandong: L1 (小巨人), and L1, L2 qualifying
    assert p.loc[("Ohio", "specialised"), ["designated", "qualifying"]].tolist() == [1, 2]
    assert T.tier_progress(small_chain()).attrs["targets"] == "shandong-2025"
