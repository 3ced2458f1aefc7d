"""Scale-free supplier→customer networks like ``sf2000``, for the ESRI tests and benchmarks.

Each of ``links_per_firm × n`` draws picks a supplier with weights
Pareto(1.5) + 1 and a customer with the same weights reversed (the firm with
the largest supplier weight gets the smallest customer weight); self-links
and repeated pairs are removed; amounts are lognormal(μ=3, σ=1); sectors are
drawn uniformly from ``S1 … S8``. Random data, no real firms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def scale_free_frames(n: int, *, links_per_firm: int = 5, sectors: int = 8, seed: int = 0):
    """``(firms, links)`` DataFrames: firm_id and sector; supplier_id, customer_id, amount."""
    rng = np.random.default_rng(seed)
    weight = rng.pareto(1.5, n) + 1.0
    draws = links_per_firm * n
    sup = rng.choice(n, size=draws, p=weight / weight.sum())
    cust = rng.choice(n, size=draws, p=weight[::-1] / weight.sum())
    keep = sup != cust
    pairs = pd.DataFrame({"s": sup[keep], "c": cust[keep]}).drop_duplicates()
    ids = np.array([f"F{i:07d}" for i in range(n)])
    links = pd.DataFrame({
        "supplier_id": ids[pairs["s"].to_numpy()],
        "customer_id": ids[pairs["c"].to_numpy()],
        "amount": np.round(rng.lognormal(3.0, 1.0, len(pairs)), 2),
    })
    firms = pd.DataFrame({"firm_id": ids,
                          "sector": [f"S{k + 1}" for k in rng.integers(0, sectors, n)]})
    return firms, links
