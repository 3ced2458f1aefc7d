"""Generating synthetic chains, beside a plain per-customer numpy loop.

``synthetic_frames`` draws every supplier of every customer at once: a draw
picks a proximity class (same city / same province / elsewhere) and then a
supplier by binary search in the cumulative size weights of the suppliers
sorted by (province, city). The plain way loops over customers and calls
``Generator.choice(p=...)`` with the proximity-times-size weights of every
candidate supplier. The plain loop only makes the links (on the firms the
fast generator made); ``synthetic_frames`` also makes the firms, names and
tier columns. The plain loop is run at 10^3 and 10^4 firms only (at 10^5 it
takes minutes).

Budget: 10^5 firms / 10^6 links in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.synthetic import synthetic_frames

SIZES = {"1e3": 1_000, "1e4": 10_000, "1e5": 100_000}
CLOSENESS = (8.0, 3.0, 1.0)


@pytest.mark.parametrize("size", list(SIZES))
def test_synthetic_frames(benchmark, size):
    benchmark.group = f"synthetic {size} firms"
    firms, links, _ = benchmark.pedantic(
        synthetic_frames, args=("nev", SIZES[size]), kwargs={"seed": 1}, rounds=3, iterations=1
    )
    benchmark.extra_info["links"] = len(links)
    assert len(firms) == SIZES[size]


def plain_links(firms: pd.DataFrame, template, seed: int, links_per_firm: float = 10.0):
    """Links drawn customer by customer with ``Generator.choice`` (the plain way)."""
    rng = np.random.default_rng(seed)
    seg = firms["segment_id"].to_numpy()
    rev = firms["revenue"].to_numpy()
    city = firms["city"].to_numpy()
    prov = np.where(firms["country"].to_numpy() == "CN", firms["province"].to_numpy(),
                    firms["country"].to_numpy())
    ids = firms["firm_id"].to_numpy()
    by_seg = {s: np.flatnonzero(seg == s) for s in template.segment_ids}
    med = np.median(rev)
    rows = []
    n_slots = sum(len(by_seg[b]) for b in template.flows["to_segment"])
    lam = links_per_firm * len(firms) / n_slots
    for a, b, ess in template.flows.itertuples(index=False):
        sup = by_seg[a]
        w_size = rev[sup] ** 0.6
        for j in by_seg[b]:
            k = rng.poisson(lam * (rev[j] / med) ** 0.4 * (1.0 if ess else 0.5))
            k = min(max(k, 1 if ess else 0), len(sup))
            if k == 0:
                continue
            close = np.where(city[sup] == city[j], CLOSENESS[0],
                             np.where(prov[sup] == prov[j], CLOSENESS[1], CLOSENESS[2]))
            w = w_size * close
            chosen = rng.choice(len(sup), size=k, replace=False, p=w / w.sum())
            for s in chosen:
                rows.append((ids[sup[s]], ids[j]))
    return pd.DataFrame(rows, columns=["supplier_id", "customer_id"])


@pytest.mark.parametrize("size", ["1e3", "1e4"])
def test_plain_choice_loop(benchmark, size):
    benchmark.group = f"synthetic {size} firms"
    firms, _, _ = synthetic_frames("nev", SIZES[size], seed=1)
    template = cg.get_template("nev")
    links = benchmark.pedantic(plain_links, args=(firms, template, 1), rounds=1, iterations=1)
    benchmark.extra_info["links"] = len(links)
    assert not links.duplicated().any()
