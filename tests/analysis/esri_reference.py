"""References for the ESRI tests, written straight from the definitions (TERMS.md).

* :func:`update` is one step of the paper's plain (Jacobi) iteration for many
  scenarios at once (columns), on scipy sparse matrices;
  :func:`reference_cascade` iterates it from ``h = ψ`` until no value falls by
  more than ``tol``.
* :func:`hitting_losses` is the exact linear cascade without replaceability by
  one dense inverse: the losses are hitting probabilities of the absorbing
  Markov chain that walks from a firm to its suppliers (downstream) or
  customers (upstream) with probabilities ``Λ``.

Nothing here uses chaingraph's kernels.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import strategies as st

import chaingraph as cg


def coefficients(W, sec, E, *, revenue=None, costs=None):
    """``Λᵈ`` (s × j) and ``Λᵘ`` (j × c) as dense arrays, and ``E[p(s), p(j)]`` per entry."""
    W = np.asarray(W, dtype=float)
    n = len(W)
    K = E.shape[0]
    s_out, s_in = W.sum(axis=1), W.sum(axis=0)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), sec] = 1.0
    Pi = W.T @ onehot  # Pi[j, k] = purchases of j from sector k
    Ld = np.zeros_like(W)
    for s, j in zip(*np.nonzero(W)):
        e = E[sec[s], sec[j]]
        if e == 2 and Pi[j, sec[s]] > 0:
            Ld[s, j] = W[s, j] / Pi[j, sec[s]]
        elif e == 1 and s_in[j] > 0:
            Ld[s, j] = W[s, j] / s_in[j]
        if costs is not None and costs[j] > 0:
            Ld[s, j] *= s_in[j] / costs[j]
    denom = s_out.copy() if revenue is None else np.where(revenue > 0, revenue, s_out)
    Lu = np.divide(W, denom[:, None], out=np.zeros_like(W), where=denom[:, None] > 0)
    return Ld, Lu


def prepare(W, sec, E, *, revenue=None, costs=None):
    """What :func:`update` needs, computed once."""
    W = np.asarray(W, dtype=float)
    n = len(W)
    K = E.shape[0]
    Ld, Lu = coefficients(W, sec, E, revenue=revenue, costs=costs)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), sec] = 1.0
    Ld_s = sp.csr_array(Ld)
    return {
        "sec": np.asarray(sec), "E": E, "s_out": W.sum(axis=1), "onehot": onehot,
        "Ej": E[:, sec],  # Ej[k, j] = E[k, p(j)]
        "LdT_by_sector": [sp.csr_array(Ld_s[np.asarray(sec) == k].T) for k in range(K)],
        "rows_by_sector": [np.asarray(sec) == k for k in range(K)],
        "Lu": sp.csr_array(Lu),
    }


def update(prep, psi, hd, hu, *, replace):
    """One plain step for the scenarios in the columns of ``psi``, ``hd``, ``hu`` (n × m)."""
    sec, s_out = prep["sec"], prep["s_out"]
    sigma = np.ones_like(hd)
    if replace:
        avail = prep["onehot"].T @ (hd * s_out[:, None])  # K × m: Σ_{s′ ∈ k} hᵈ(s′) s_out(s′)
        a = avail[sec]
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.where(a > 1e-10, np.minimum(1.0, s_out[:, None] / a), 1.0)
    x = sigma * (1.0 - hd)
    ess = np.full(hd.shape, np.inf)
    lin = np.ones(hd.shape)
    for k, (LdT, rows) in enumerate(zip(prep["LdT_by_sector"], prep["rows_by_sector"])):
        pik = 1.0 - LdT @ x[rows]  # π_jk for every j
        e = prep["Ej"][k][:, None]
        ess = np.where(e == 2, np.minimum(ess, pik), ess)
        lin = lin - np.where(e == 1, 1.0 - pik, 0.0)
    ess = np.where(np.isinf(ess), 1.0, ess)
    new_hd = np.maximum(0.0, np.minimum(np.minimum(ess, lin), psi))
    new_hu = np.maximum(0.0, np.minimum(psi, 1.0 - prep["Lu"] @ (1.0 - hu)))
    return new_hd, new_hu


def reference_cascade(W, sec, E, psi, *, replace, tol, revenue=None, costs=None,
                      max_steps=10_000_000):
    """hᵈ, hᵘ, steps of the plain iteration from ``h = ψ`` (one scenario, or columns)."""
    prep = prepare(W, sec, E, revenue=revenue, costs=costs)
    psi = np.asarray(psi, dtype=float)
    one = psi.ndim == 1
    psi2 = psi[:, None] if one else psi
    hd, hu = psi2.copy(), psi2.copy()
    for it in range(1, max_steps + 1):
        new_hd, new_hu = update(prep, psi2, hd, hu, replace=replace)
        fall = max((hd - new_hd).max(), (hu - new_hu).max())
        hd, hu = new_hd, new_hu
        if fall <= tol:
            return (hd[:, 0], hu[:, 0], it) if one else (hd, hu, it)
    raise AssertionError(f"the plain iteration did not converge in {max_steps} steps")


def hitting_losses(P):
    """Loss of every firm (rows) when each firm (columns) stops, for the linear cascade.

    ``P[j, s]`` is the share of ``j``'s loss carried from ``s``. With ``N = (I − P)⁻¹``
    the loss of ``j`` when ``i`` stops is ``N[j, i] / N[i, i]``.
    """
    N = np.linalg.inv(np.eye(len(P)) - P)
    assert np.abs(N).sum(axis=1).max() < 1e12, "a closed loop: I − P is singular"
    return N / np.diag(N)[None, :]


def shares(w, yd, yu):
    """(ESRI, downstream, upstream) per scenario from losses (n × m) and weights."""
    total = w.sum()
    return (np.clip((w[:, None] * np.maximum(yd, yu)).sum(axis=0) / total, 0, 1),
            np.clip((w[:, None] * yd).sum(axis=0) / total, 0, 1),
            np.clip((w[:, None] * yu).sum(axis=0) / total, 0, 1))


def reference_esri(W, sec, E, w, *, tol, together=False, **kw):
    """Every single-firm scenario by the plain iteration: rows (ESRI, down, up, steps).

    ``together=True`` iterates all scenarios as one block until none moves (for
    fully converged values; the step count is then the block's).
    """
    n = len(W)
    w = np.asarray(w, dtype=float)
    if together:
        psi = np.ones((n, n)) - np.eye(n)
        hd, hu, it = reference_cascade(W, sec, E, psi, tol=tol, **kw)
        return np.column_stack([*shares(w, 1 - hd, 1 - hu), np.full(n, it)])
    out = np.zeros((n, 4))
    for i in range(n):
        psi = np.ones(n)
        psi[i] = 0.0
        hd, hu, it = reference_cascade(W, sec, E, psi, tol=tol, **kw)
        out[i] = [*(x[0] for x in shares(w, 1 - hd[:, None], 1 - hu[:, None])), it]
    return out


def make_chain(firms, links, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.ChainGraph.from_frames(pd.DataFrame(firms), pd.DataFrame(links), **kw)


def chain_of(W, sec, w, rev=None, cost=None):
    n = len(W)
    ids = [f"f{i}" for i in range(n)]
    s, j = np.nonzero(W)
    firms = {"firm_id": ids, "sector": [f"k{c}" for c in sec], "w": w}
    if rev is not None:
        firms["revenue"] = rev
    if cost is not None:
        firms["costs"] = cost
    return make_chain(firms, {"supplier_id": [ids[a] for a in s],
                              "customer_id": [ids[b] for b in j], "amount": W[s, j]})


def essentiality_frame(E):
    labels = [f"k{c}" for c in range(E.shape[0])]
    return pd.DataFrame(E, index=labels, columns=labels)


def settings_of(E, replace, rev, cost):
    """The ESRI keyword arguments of a :func:`random_networks` case on :func:`chain_of`'s chain."""
    return dict(sector="sector", essentiality=essentiality_frame(E), replaceability=replace,
                weight="w", revenue=None if rev is None else "revenue",
                costs=None if cost is None else "costs")


@st.composite
def random_networks(draw, *, max_firms=9):
    """Small networks: loops, repeated pairs, 0/1/2 essentiality, adjustments, zero weights."""
    n = draw(st.integers(2, max_firms))
    k = draw(st.integers(1, 3))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          min_size=1, max_size=3 * n))
    amounts = draw(st.lists(st.floats(0.5, 100.0), min_size=len(pairs), max_size=len(pairs)))
    W = np.zeros((n, n))
    for (s, d), a in zip(pairs, amounts):
        W[s, (s + 1 + d % (n - 1)) % n] += a  # never a self-link
    sec = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    E = np.array(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=k * k, max_size=k * k)))
    w = np.array(draw(st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n)))
    w[0] += 1.0
    replace = draw(st.booleans())
    tol = draw(st.sampled_from([0.0123, 0.05, 0.31]))
    money = st.one_of(st.just(0.0), st.floats(1.0, 300.0))  # 0: no adjustment for that firm
    rev = draw(st.one_of(st.none(), st.lists(money, min_size=n, max_size=n)))
    cost = draw(st.one_of(st.none(), st.lists(money, min_size=n, max_size=n)))
    rev = None if rev is None else np.array(rev)
    cost = None if cost is None else np.array(cost)
    return W, sec, E.reshape(k, k), w, replace, tol, rev, cost
