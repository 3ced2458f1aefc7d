"""Input–output key sectors, extraction and segment flows, beside the plain way.

The plain way is what one writes with numpy and pandas alone: two explicit
inverses (``np.linalg.inv``) for the Leontief and Ghosh sides, and for
hypothetical extraction one fresh inverse per extracted sector.  Segment flows
are compared with a pandas ``groupby`` over the links table.

Tables are random, sparse-ish and realistic: about 20 % of the entries
non-zero, column sums of ``A`` and row sums of ``B`` between 0.3 and 0.8.

Run with ``pytest benchmarks/bench_sectors.py --benchmark-only``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from chaingraph.analysis.sector_tables import segment_flows, segment_output
from chaingraph.analysis.sectors import extraction, key_sectors


def random_table(n: int, density: float = 0.2, seed: int = 0):
    rng = np.random.default_rng(seed)
    Z = rng.uniform(1.0, 100.0, (n, n)) * (rng.uniform(size=(n, n)) < density)
    col_share = rng.uniform(0.3, 0.8, n)  # intermediate inputs / output
    row_share = rng.uniform(0.3, 0.8, n)  # intermediate sales / output
    x = np.maximum(Z.sum(axis=0) / col_share, Z.sum(axis=1) / row_share) + 1.0
    labels = pd.Index([f"s{i}" for i in range(n)], name="sector")
    return pd.DataFrame(Z, index=labels, columns=labels), pd.Series(x, index=labels)


def plain_key_sectors(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """Textbook numpy/pandas: two explicit inverses, pandas reductions."""
    n = len(x)
    xv = x.to_numpy()
    L = pd.DataFrame(np.linalg.inv(np.eye(n) - Z.to_numpy() / xv[None, :]), Z.index, Z.columns)
    G = pd.DataFrame(np.linalg.inv(np.eye(n) - Z.to_numpy() / xv[:, None]), Z.index, Z.columns)
    m = L.sum(axis=0)
    g = G.sum(axis=1)
    out = pd.DataFrame(
        {
            "output_multiplier": m,
            "backward_linkage": m / m.mean(),
            "forward_linkage": g / g.mean(),
            "backward_cv": L.std(axis=0) / L.mean(axis=0),
            "forward_cv": G.std(axis=1) / G.mean(axis=1),
        }
    )
    bl, fl = out["backward_linkage"], out["forward_linkage"]
    out["sector_class"] = np.select(
        [(bl > 1) & (fl > 1), bl > 1, fl > 1], ["key", "strong backward", "strong forward"], "weak"
    )
    return out


def plain_extraction(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """One fresh pair of solves per extracted sector."""
    Zv, xv = Z.to_numpy(), x.to_numpy()
    n = len(xv)
    A, B = Zv / xv[None, :], Zv / xv[:, None]
    f, v = xv - Zv.sum(axis=1), xv - Zv.sum(axis=0)
    back, fwd = np.empty(n), np.empty(n)
    eye = np.eye(n)
    for j in range(n):
        Aj = A.copy()
        Aj[:, j] = 0.0
        back[j] = xv.sum() - np.linalg.solve(eye - Aj, f).sum()
        Bj = B.copy()
        Bj[j, :] = 0.0
        fwd[j] = xv.sum() - np.linalg.solve((eye - Bj).T, v).sum()
    return pd.DataFrame({"backward_loss": back, "forward_loss": fwd}, index=Z.index)


def plain_segment_flows(chain) -> pd.DataFrame:
    seg = chain.firms["segment_id"]
    links = chain.links
    amount = links["amount"] if "amount" in links.columns else pd.Series(1.0, index=links.index)
    frame = pd.DataFrame(
        {
            "from": links["supplier_id"].map(seg).to_numpy(),
            "to": links["customer_id"].map(seg).to_numpy(),
            "amount": amount.to_numpy(dtype=float),
        }
    ).dropna()
    S = frame.pivot_table(index="from", columns="to", values="amount", aggfunc="sum", fill_value=0.0)
    return S.reindex(index=chain.segment_ids, columns=chain.segment_ids, fill_value=0.0)


# ------------------------------------------------------------------ key sectors


@pytest.mark.parametrize("n", [100, 500])
def test_key_sectors(benchmark, n):
    Z, x = random_table(n)
    benchmark.group = f"key_sectors n={n}"
    out = benchmark(key_sectors, Z, x)
    ref = plain_key_sectors(Z, x)
    np.testing.assert_allclose(out.iloc[:, :5].to_numpy(), ref.iloc[:, :5].to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("n", [100, 500])
def test_key_sectors_sparse_input(benchmark, n):
    Z, x = random_table(n)
    Zs = sp.csr_array(Z.to_numpy())
    benchmark.group = f"key_sectors n={n}"
    benchmark(key_sectors, Zs, x.to_numpy())


@pytest.mark.parametrize("n", [100, 500])
def test_plain_numpy_key_sectors(benchmark, n):
    Z, x = random_table(n)
    benchmark.group = f"key_sectors n={n}"
    benchmark(plain_key_sectors, Z, x)


# ------------------------------------------------------------------ extraction


@pytest.mark.parametrize("n", [100, 300])
def test_extraction(benchmark, n):
    Z, x = random_table(n)
    benchmark.group = f"extraction n={n}"
    out = benchmark(extraction, Z, x)
    if n <= 100:
        ref = plain_extraction(Z, x)
        np.testing.assert_allclose(out.iloc[:, :2].to_numpy(), ref.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("n", [100, 300])
def test_plain_numpy_extraction(benchmark, n):
    Z, x = random_table(n)
    benchmark.group = f"extraction n={n}"
    benchmark.pedantic(plain_extraction, args=(Z, x), rounds=3, iterations=1)


# ------------------------------------------------------------------ segments


def _segment_key_sectors(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return key_sectors(segment_flows(chain), segment_output(chain))


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_segment_flows_key_sectors(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    benchmark.group = f"segment flows {label} firms"
    benchmark(_segment_key_sectors, chain)


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_segment_flows(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    benchmark.group = f"segment flows {label} firms"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = benchmark(segment_flows, chain)
    np.testing.assert_allclose(out.to_numpy(), plain_segment_flows(chain).to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_plain_pandas_segment_flows(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    benchmark.group = f"segment flows {label} firms"
    benchmark(plain_segment_flows, chain)
