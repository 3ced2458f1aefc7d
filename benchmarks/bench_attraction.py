"""The attraction list (补链招商清单) beside the naive way: rebuild the chain per candidate.

* ``chaingraph``: :func:`chaingraph.attraction_list` over every default
  candidate (every outside and foreign firm of a segment in need) of the
  10^4- and 10^5-firm synthetic chains, ``top=None``: once without
  ``risk_reduction`` (``risk=False``: the components the naive way gives) and
  once with it (one disruption cascade per segment).
* ``naive``: per candidate, rebuild the chain with the candidate moved into
  the region (``ChainGraph.from_frames``) and re-run :func:`gaps`,
  :func:`weak_links` (with the chokepoint table computed once, so that lead
  scoring is not timed per candidate) and :func:`single_sourcing` — what one
  would do without the vectorised formulas. Far too slow for every
  candidate: timed on a fixed sample of candidates and extrapolated to all of
  them (``extra_info["extrapolated_s"]``); the speed-up is that over
  chaingraph's ``risk=False`` time.

Run with ``pytest benchmarks/bench_attraction.py --benchmark-only -s``.
"""

from __future__ import annotations

import time
import warnings

import pytest

import chaingraph as cg
from chaingraph.analysis._common import forget  # time each round from scratch

#: candidates timed by the naive way, per size
SAMPLE = {"1e4": 8, "1e5": 2}


def _naive(frames, chain, firm_ids, chokepoint_table):
    firms, links = frames
    out = []
    for firm_id in firm_ids:
        moved = firms.copy()
        at = moved["firm_id"] == firm_id
        moved.loc[at, "province"] = "山东"
        moved.loc[at, "country"] = "CN"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = cg.ChainGraph.from_frames(moved, links, chain.template, region=chain.region)
            out.append((cg.gaps(after), cg.weak_links(after, chokepoint_table=chokepoint_table),
                        cg.single_sourcing(after)))
    return out


@pytest.mark.parametrize("size", ["1e4", "1e5"])
@pytest.mark.parametrize("risk", [False, True], ids=["no_risk", "with_risk"])
def test_chaingraph(benchmark, request, size, risk):
    chain = request.getfixturevalue(f"chain_{size}")
    cg.attraction_list(chain, top=5)  # compile the cascade kernel outside the timing
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)
    table = benchmark.pedantic(cg.attraction_list, args=(chain,),
                               kwargs={"top": None, "risk": risk}, rounds=3, iterations=1,
                               setup=lambda: forget(chain))
    benchmark.extra_info["candidates"] = len(table)
    assert len(table) == table.attrs["n_candidates"] > 100


@pytest.mark.parametrize("size", ["1e4", "1e5"])
def test_naive_rebuild_per_candidate(benchmark, request, size):
    frames = request.getfixturevalue(f"frames_{size}")
    chain = request.getfixturevalue(f"chain_{size}")
    table = cg.attraction_list(chain, top=None, risk=False)
    sample = list(table.index[:SAMPLE[size]])
    cp = cg.chokepoints(chain)
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links, sampled=len(sample),
                                candidates=len(table))
    results = benchmark.pedantic(_naive, args=(frames, chain, sample, cp), rounds=1, iterations=1)
    per_candidate = benchmark.stats.stats.mean / len(sample)
    benchmark.extra_info["per_candidate_s"] = per_candidate
    benchmark.extra_info["extrapolated_s"] = per_candidate * len(table)
    start = time.perf_counter()
    cg.attraction_list(chain, top=None, risk=False)
    vectorised = time.perf_counter() - start
    benchmark.extra_info["speed_up_vs_vectorised"] = per_candidate * len(table) / vectorised
    print(f"\n{size}: {len(table)} candidates; naive {per_candidate:.2f} s per candidate, "
          f"≈ {per_candidate * len(table) / 60:.0f} min for all; vectorised {vectorised:.2f} s "
          f"(× {per_candidate * len(table) / vectorised:,.0f})")
    # the rebuilt chains agree with the vectorised gaps_closed on the sample
    for firm_id, (g, _, _) in zip(sample, results):
        before = set(cg.gaps(chain).query("kind in ['missing', 'no_local']")["segment_id"])
        after = set(g.query("kind in ['missing', 'no_local']")["segment_id"])
        assert len(before - after) == table.loc[firm_id, "gaps_closed"]
