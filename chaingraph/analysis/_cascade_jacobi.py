"""The paper's plain (Jacobi) iteration of the ESRI cascade, stopped by a tolerance.

Pure numeric kernels (numpy and numba), on the network sides of
:mod:`._cascade_map`.

:func:`esri_batch_jacobi` and :func:`cascade_jacobi` run the paper's plain
Jacobi iteration (every update reads the previous step's values) until no
loss rose by more than ``tol`` in the last step — the tolerance option of
:func:`chaingraph.systemic_risk`, and the reference the tests compare with.
A step only recomputes the firms whose inputs changed in the previous step.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from chaingraph.analysis._cascade_map import _fill_sigma, _value, _work

#: The plain iteration never stops on smaller rises than this: rounding can make
#: a loss move by an ulp back and forth for ever.
JACOBI_TOL_FLOOR = 1e-15


@njit(cache=True, nogil=True, inline="always")
def _push_reached(f, o_ptr, o_dst, stamp, counter, front, n_front):
    """Put the firms ``f``'s loss feeds into on this step's frontier (once each); new length."""
    for e in range(o_ptr[f], o_ptr[f + 1]):
        j = o_dst[e]
        if stamp[j] != counter:
            stamp[j] = counter
            front[n_front] = j
            n_front += 1
    return n_front


@njit(cache=True, nogil=True)
def _jacobi_step(side, wk, chg, n_chg, dmg, n_dmg, front, newval, in_dmg, sec_changed,
                 counter):
    """One Jacobi step on one side; returns (largest rise, n_chg, n_dmg, counter)."""
    y = wk.y
    stamp = wk.mark
    avail = wk.avail
    counter += 1
    n_front = 0
    if side.replace:
        k_n = side.sector_total.shape[0]
        for k in range(k_n):
            avail[k] = side.sector_total[k]
            sec_changed[k] = False
        for a in range(n_dmg):
            f = dmg[a]
            avail[side.firm_sec[f]] -= y[f] * side.s_out[f]
        _fill_sigma(side, wk, dmg, n_dmg)
        for a in range(n_chg):
            sec_changed[side.firm_sec[chg[a]]] = True
        for a in range(n_dmg):
            f = dmg[a]
            if sec_changed[side.firm_sec[f]]:
                n_front = _push_reached(f, side.o_ptr, side.o_dst, stamp, counter, front, n_front)
    for a in range(n_chg):
        n_front = _push_reached(chg[a], side.o_ptr, side.o_dst, stamp, counter, front, n_front)
    for a in range(n_front):
        newval[a] = _value(front[a], side.g_ptr, side.e_ptr, side.e_src, side.e_lam, y, wk.b,
                            wk.sig, side.replace)
    rise = 0.0
    n_chg = 0
    for a in range(n_front):
        j = front[a]
        v = newval[a]
        if v != y[j]:
            if v - y[j] > rise:
                rise = v - y[j]
            y[j] = v
            chg[n_chg] = j
            n_chg += 1
            if not in_dmg[j]:
                in_dmg[j] = True
                dmg[n_dmg] = j
                n_dmg += 1
    return rise, n_chg, n_dmg, counter


@njit(cache=True, nogil=True)
def _jacobi(shock_idx, shock_b, down, up, wd, wu, tol, lists):
    """Both sides in lockstep until no loss rose by more than ``tol``.

    Returns ``(iterations, n_dmg_d, n_dmg_u)``; the damaged firms are in
    ``lists`` (chg_d, chg_u, dmg_d, dmg_u, front, newval, in_d, in_u, secchg).
    """
    chg_d, chg_u, dmg_d, dmg_u, front, newval, in_d, in_u, secchg = lists
    n_dmg_d = 0
    n_dmg_u = 0
    for t in range(shock_idx.shape[0]):
        f = shock_idx[t]
        v = shock_b[t]
        if v > wd.b[f]:
            wd.b[f] = v
            wu.b[f] = v
    for t in range(shock_idx.shape[0]):
        f = shock_idx[t]
        v = wd.b[f]
        if v > 0.0 and not in_d[f]:
            wd.y[f] = v
            wu.y[f] = v
            in_d[f] = True
            in_u[f] = True
            dmg_d[n_dmg_d] = f
            dmg_u[n_dmg_u] = f
            n_dmg_d += 1
            n_dmg_u += 1
    n_chg_d = n_dmg_d
    n_chg_u = n_dmg_u
    chg_d[:n_chg_d] = dmg_d[:n_chg_d]
    chg_u[:n_chg_u] = dmg_u[:n_chg_u]
    counter = wd.ctr[0]
    if tol < JACOBI_TOL_FLOOR:
        tol = JACOBI_TOL_FLOOR
    it = 0
    while True:
        it += 1
        rise_d, n_chg_d, n_dmg_d, counter = _jacobi_step(
            down, wd, chg_d, n_chg_d, dmg_d, n_dmg_d, front, newval, in_d, secchg, counter)
        rise_u, n_chg_u, n_dmg_u, counter = _jacobi_step(
            up, wu, chg_u, n_chg_u, dmg_u, n_dmg_u, front, newval, in_u, secchg, counter)
        if rise_d <= tol and rise_u <= tol:
            break
    wd.ctr[0] = counter
    return it, n_dmg_d, n_dmg_u


@njit(cache=True, nogil=True)
def _jacobi_lists(n, k):
    return (np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32),
            np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32),
            np.empty(n, dtype=np.int32), np.empty(n),
            np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_),
            np.zeros(max(k, 1), dtype=np.bool_))


@njit(cache=True, nogil=True)
def _jacobi_worker(t, T, scen_ptr, scen_idx, scen_b, down, up, weight, tol,
                   loss, loss_d, loss_u, iters):
    n = down.g_ptr.shape[0] - 1
    m = scen_ptr.shape[0] - 1
    wd = _work(n, down.sector_total.shape[0])
    wu = _work(n, 1)
    lists = _jacobi_lists(n, down.sector_total.shape[0])
    dmg_d = lists[2]
    dmg_u = lists[3]
    in_d = lists[6]
    in_u = lists[7]
    for q in range(t, m, T):
        a0 = scen_ptr[q]
        a1 = scen_ptr[q + 1]
        it, nd, nu = _jacobi(scen_idx[a0:a1], scen_b[a0:a1], down, up, wd, wu, tol, lists)
        tot = 0.0
        td = 0.0
        tu = 0.0
        for a in range(nd):
            f = dmg_d[a]
            td += weight[f] * wd.y[f]
            h = wd.y[f] if wd.y[f] > wu.y[f] else wu.y[f]
            tot += weight[f] * h
        for a in range(nu):
            f = dmg_u[a]
            tu += weight[f] * wu.y[f]
            if not in_d[f]:
                tot += weight[f] * wu.y[f]
        loss[q] = tot
        loss_d[q] = td
        loss_u[q] = tu
        iters[q] = it
        for a in range(nd):
            f = dmg_d[a]
            wd.y[f] = 0.0
            wd.b[f] = 0.0
            in_d[f] = False
        for a in range(nu):
            f = dmg_u[a]
            wu.y[f] = 0.0
            wu.b[f] = 0.0
            in_u[f] = False
        for a in range(a0, a1):
            wd.b[scen_idx[a]] = 0.0
            wu.b[scen_idx[a]] = 0.0


@njit(cache=True, nogil=True, parallel=True)
def esri_batch_jacobi(scen_ptr, scen_idx, scen_b, down, up, weight, tol, threads):
    """As :func:`esri_batch` by the plain iteration; the fourth array is the step count."""
    m = scen_ptr.shape[0] - 1
    loss = np.zeros(m)
    loss_d = np.zeros(m)
    loss_u = np.zeros(m)
    iters = np.zeros(m, dtype=np.int64)
    T = max(1, min(threads, m))
    for t in prange(T):
        _jacobi_worker(t, T, scen_ptr, scen_idx, scen_b, down, up, weight, tol,
                       loss, loss_d, loss_u, iters)
    return loss, loss_d, loss_u, iters


@njit(cache=True, nogil=True)
def cascade_jacobi(shock_idx, shock_b, down, up, tol):
    """One scenario in full by the plain iteration: ``(yᵈ, yᵘ, iterations)``."""
    n = down.g_ptr.shape[0] - 1
    wd = _work(n, down.sector_total.shape[0])
    wu = _work(n, 1)
    lists = _jacobi_lists(n, down.sector_total.shape[0])
    it, _, _ = _jacobi(shock_idx, shock_b, down, up, wd, wu, tol, lists)
    return wd.y, wu.y, it

