"""Tier pool rules (``tiers`` / ``evaluate_rules``) at 10^3, 10^4 and 10^5 firms.

The firms tables are random with every column the default rules read (plausible
ranges, ~10 % missing values). Beside the vectorised engine runs the plain pandas
way: ``DataFrame.apply(..., axis=1)`` over a per-firm function evaluating the same
rules one criterion at a time (``reference_row`` in ``tests/analysis/tier_oracle.py``),
which the test suite also uses to cross-check the engine.

Run with ``pytest benchmarks/bench_tiers.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chaingraph.analysis import tiers as T
from tests.analysis.tier_oracle import reference_row

SIZES = {"1e3": 1_000, "1e4": 10_000, "1e5": 100_000}
_CACHE: dict = {}


def random_firms(n: int, seed: int = 7) -> pd.DataFrame:
    """Random firms with all the columns of the default rules, ~10 % of values missing."""
    if (n, seed) in _CACHE:
        return _CACHE[(n, seed)]
    rng = np.random.default_rng(seed)

    def gaps(values, p=0.1):
        s = pd.Series(values)
        return s.mask(rng.random(n) < p)

    revenue = rng.lognormal(8.5, 1.8, n)
    flags = ("has_award", "has_award_top", "has_rd_institution", "has_info_system",
             "has_certified_management", "has_own_brand", "maker_china_top500", "chain_role",
             "key_product_field", "new_product", "market_share_evidence")
    firms = pd.DataFrame({
        "size_class": gaps(rng.choice(["large", "medium", "small", "micro"], n,
                                      p=[0.05, 0.2, 0.45, 0.3])),
        "revenue": gaps(revenue), "revenue_prev": gaps(revenue * rng.uniform(0.7, 1.2, n)),
        "rd_expense": gaps(revenue * rng.uniform(0, 0.09, n)),
        "rd_expense_prev": gaps(revenue * rng.uniform(0, 0.09, n)),
        "main_business_revenue": gaps(revenue * rng.uniform(0.4, 1, n)),
        "main_business_growth": gaps(rng.uniform(-0.1, 0.3, n)),
        "main_business_growth_prev": gaps(rng.uniform(-0.1, 0.3, n)),
        "debt_ratio": gaps(rng.uniform(0.2, 0.9, n)),
        "years_in_niche": gaps(rng.integers(0, 20, n).astype(float)),
        "niche_market_share": gaps(rng.uniform(0, 0.3, n)),
        "global_rank": gaps(rng.integers(1, 10, n).astype(float)),
        "ip_class1": gaps(rng.integers(0, 4, n).astype(float)),
        "ip_grade": gaps(rng.choice(["high_value_class1", "own_class1", "class1", "class2",
                                     "none"], n), 0.5),
        "equity_financing": gaps(rng.choice([0.0, 1000.0, 5000.0, 9000.0], n)),
        "equity_financing_3y": gaps(rng.choice([0.0, 600.0], n)),
        "strategic_emerging": gaps(rng.random(n) < 0.5).astype("boolean"),
        "zjtx_score": gaps(rng.uniform(40, 90, n)),
        "rd_staff_share": gaps(rng.uniform(0, 0.7, n)),
        "designations": rng.choice(["", "专精特新", "小巨人", "高新技术企业", "单项冠军"], n,
                                   p=[0.8, 0.1, 0.03, 0.05, 0.02]),
        "cluster_type": gaps(rng.choice(["pillar", "emerging"], n)),
        **{c: gaps(rng.random(n) < 0.7).astype("boolean") for c in flags},
    })
    firms.index = pd.Index([f"F{i:06d}" for i in range(n)], name="firm_id")
    _CACHE[(n, seed)] = firms
    return firms


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def firms(request):
    return random_firms(SIZES[request.param])


def test_tiers_vectorised(benchmark, firms):
    rules = T.load_rules()
    out = benchmark(T.evaluate_rules, firms, rules)
    assert len(out) == len(firms)


def test_tiers_summary_only(benchmark, firms):
    rules = T.load_rules()
    out = benchmark(T.evaluate_rules, firms, rules, detail=False)
    assert len(out) == len(firms)


def test_tiers_pandas_apply(benchmark, firms):
    """The plain pandas way: one Python call per firm (one round at 10^5 firms)."""
    rules = T.load_rules()

    def naive():
        return firms.apply(lambda r: pd.Series(reference_row(r.to_dict(), rules)), axis=1)

    rounds = 1 if len(firms) >= 100_000 else 3
    out = benchmark.pedantic(naive, rounds=rounds, iterations=1)
    fast = T.evaluate_rules(firms, rules, detail=False)
    assert (out["little_giant.status"] == fast["little_giant.status"].astype(str)).all()
