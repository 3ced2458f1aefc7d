"""compare and what_if beside the plain pandas way of comparing two years.

The two chains: the benchmark chain (``before``) and the same chain one
"year" on (``after``): 1 % of its firms gone (with their links), 1 % of the
link amounts changed by +10 %, and 1 % new firms, each with ten customers
among the old firms (see :func:`_after`).

``chaingraph``
    :func:`chaingraph.compare` — every change table: firms, link pairs,
    segment pairs, segments, gaps, lead firms, tiers, chokepoints, single
    sourcing — and :func:`chaingraph.what_if` adding one firm with twenty
    customers (``risk=False``: systemic risk costs what
    :func:`~chaingraph.systemic_risk` costs, see ``bench_resilience.py``).
``pandas``
    The same analyses on both chains and their tables matched with
    ``DataFrame.merge(how="outer", indicator=True)``, the link pairs by a
    ``groupby`` of each links table and an outer merge: what a user would
    write by hand (no tier-range logic, no segment-pair counts).
``link pairs``
    The link-pair table alone: chaingraph's merge of the two CSR matrices'
    sorted pair keys (with the segment-pair table) beside the pandas groupby
    + outer merge.

Run: ``pytest benchmarks/bench_change.py --benchmark-only``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis._common import forget  # time each round from scratch
from chaingraph.analysis.change import _link_changes, _firm_changes

SIZES = ["1e4", "1e5"]


def _after(chain):
    """The chain one 'year' on: 1 % of firms gone, 1 % of amounts +10 %, 1 % new firms."""
    rng = np.random.default_rng(7)
    n = chain.n_firms
    gone = chain.firm_ids[rng.choice(n, n // 100, replace=False)]
    firms = chain.firms.reset_index()
    firms = firms[~firms["firm_id"].isin(gone)]
    links = chain.links[~chain.links["supplier_id"].isin(gone) & ~chain.links["customer_id"].isin(gone)]
    links = links.copy()
    bump = rng.random(len(links)) < 0.01
    links.loc[bump, "amount"] = links.loc[bump, "amount"] * 1.1
    new = firms.sample(n // 100, random_state=7).assign(firm_id=lambda d: "NEW" + d["firm_id"])
    customers = rng.choice(firms["firm_id"].to_numpy(), size=(len(new), 10))
    added = pd.DataFrame({"supplier_id": np.repeat(new["firm_id"].to_numpy(), 10),
                          "customer_id": customers.ravel(), "amount": 100.0})
    added = added.drop_duplicates(["supplier_id", "customer_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.ChainGraph.from_frames(pd.concat([firms, new], ignore_index=True),
                                         pd.concat([links, added], ignore_index=True),
                                         chain.template, region=chain.region)


@pytest.fixture(scope="module", params=SIZES)
def pair(request):
    before = request.getfixturevalue(f"chain_{request.param}")
    return request.param, before, _after(before)


def _pandas_way(before, after):
    """The analyses on both chains, matched by outer merges (what one writes by hand)."""
    out = {}
    for name, fn, key in (("segments", cg.weak_links, None), ("gaps", cg.gaps,
                                                               ["segment_id", "to_segment", "kind"]),
                          ("leads", cg.lead_firms, None),
                          ("tiers", lambda c: cg.tiers(c, detail=False), None),
                          ("chokepoints", cg.chokepoints, None),
                          ("single_sourcing", cg.single_sourcing, ["customer_id", "segment_id"])):
        b, a = fn(before), fn(after)
        if key is None:
            out[name] = b.merge(a, left_index=True, right_index=True, how="outer",
                                suffixes=("_before", "_after"), indicator=True)
        else:
            out[name] = b.merge(a, on=key, how="outer", suffixes=("_before", "_after"),
                                indicator=True)
    out["link_pairs"] = _pandas_link_pairs(before, after)
    f = before.firms[["segment_id", "size_class"]].merge(
        after.firms[["segment_id", "size_class"]], left_index=True, right_index=True,
        how="outer", suffixes=("_before", "_after"), indicator=True)
    out["firms"] = f
    return out


def _pandas_link_pairs(before, after):
    key = ["supplier_id", "customer_id"]
    b = before.links.groupby(key, sort=False)["amount"].sum()
    a = after.links.groupby(key, sort=False)["amount"].sum()
    m = pd.merge(b.rename("amount_before"), a.rename("amount_after"), left_index=True,
                 right_index=True, how="outer", indicator=True)
    m["status"] = np.where(m["_merge"] == "right_only", "gained",
                           np.where(m["_merge"] == "left_only", "lost",
                                    np.where(m["amount_before"] != m["amount_after"], "changed",
                                             "same")))
    return m


def _forget_both(before, after) -> None:
    forget(before)
    forget(after)


def _rounds(size):
    return 1 if size == "1e5" else 3


def test_compare(benchmark, pair):
    size, before, after = pair
    benchmark.extra_info.update(firms=before.n_firms, links=before.n_links)
    change = benchmark.pedantic(cg.compare, args=(before, after), rounds=_rounds(size),
                                iterations=1, setup=lambda: _forget_both(before, after))
    assert change.summary().loc[("firms", "exited"), "count"] == before.n_firms // 100


def test_pandas_merges(benchmark, pair):
    size, before, after = pair
    benchmark.extra_info.update(firms=before.n_firms, links=before.n_links)
    out = benchmark.pedantic(_pandas_way, args=(before, after), rounds=_rounds(size), iterations=1)
    # the same link statuses as compare's
    mine = cg.compare(before, after).link_pairs["status"].value_counts()
    theirs = pd.Series(out["link_pairs"]["status"]).value_counts()
    for status in ("gained", "lost", "changed", "same"):
        assert mine.get(status, 0) == theirs.get(status, 0)


def test_link_pairs_chaingraph(benchmark, pair):
    size, before, after = pair
    ids = before.firm_ids.append(after.firm_ids[~after.firm_ids.isin(before.firm_ids)])
    _, segments, seg_b, seg_a = _firm_changes(before, after, ids)
    benchmark.extra_info.update(firms=before.n_firms, links=before.n_links)
    benchmark.pedantic(_link_changes, args=(before, after, ids, segments, seg_b, seg_a), rounds=3,
                       iterations=1)


def test_link_pairs_pandas(benchmark, pair):
    size, before, after = pair
    benchmark.extra_info.update(firms=before.n_firms, links=before.n_links)
    benchmark.pedantic(_pandas_link_pairs, args=(before, after), rounds=3, iterations=1)


def test_what_if(benchmark, pair):
    size, before, _ = pair
    local = before.firm_ids[before.is_local]
    new = before.firms.loc[[local[0]]].reset_index().assign(firm_id="CANDIDATE")
    links = pd.DataFrame({"supplier_id": "CANDIDATE", "customer_id": local[1:21], "amount": 50.0})
    benchmark.extra_info.update(firms=before.n_firms, links=before.n_links)
    what = benchmark.pedantic(lambda: cg.what_if(before, add_firms=new, add_links=links,
                                                 risk=False),
                              rounds=_rounds(size), iterations=1, setup=lambda: forget(before))
    assert what.firms.loc["CANDIDATE", "status"] == "entered"
