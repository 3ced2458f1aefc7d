"""The generalized-Leontief shock cascade behind ESRI, solved exactly: arrays in, arrays out.

Pure numeric kernels (numpy and numba; no pandas, no ``ChainGraph``), in
focused modules:

* :mod:`._cascade_map`: the network sides (:class:`Side`, :func:`side_arrays`)
  and the map ``F`` whose least fixed point is a scenario's losses;
* :mod:`._cascade_exact`: that fixed point itself, by a sweep over strongly
  connected components and policy iteration (the method and its proof are
  there), with the linear solves of :mod:`._cascade_linear`;
* :mod:`._cascade_single`: every single-firm failure of a linear side at once,
  by one backward pass (no scenario solved);
* :mod:`._cascade_jacobi`: the paper's plain iteration stopped by a tolerance
  (the ``tol`` option, and the reference in the tests);
* this module: batches of scenarios run in parallel over the available cores
  (``prange``), and one scenario in full.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from chaingraph.analysis._cascade_exact import _solve_side
from chaingraph.analysis._cascade_jacobi import cascade_jacobi, esri_batch_jacobi
from chaingraph.analysis._cascade_map import UNCERTIFIED, Side, _reset, _work, side_arrays

__all__ = [
    "Side", "side_arrays", "esri_batch", "cascade", "esri_batch_jacobi", "cascade_jacobi",
    "profile", "UNCERTIFIED",
]


@njit(cache=True, nogil=True)
def _esri_worker(t, T, scen_ptr, scen_idx, scen_b, down, up, weight, loss, loss_d, loss_u, flags):
    """Scenarios ``t, t + T, t + 2T, …`` of a batch, with this worker's own work arrays."""
    n = down.g_ptr.shape[0] - 1
    m = scen_ptr.shape[0] - 1
    wd = _work(n, down.sector_total.shape[0])
    wu = _work(n, 1)
    for q in range(t, m, T):
        a0 = scen_ptr[q]
        a1 = scen_ptr[q + 1]
        nd, fd = _solve_side(scen_idx[a0:a1], scen_b[a0:a1], down, wd)
        nu, fu = _solve_side(scen_idx[a0:a1], scen_b[a0:a1], up, wu)
        std = wd.ctr[0]
        stu = wu.ctr[0]
        tot = 0.0
        td = 0.0
        tu = 0.0
        for a in range(nd):
            f = wd.R[a]
            yd = wd.y[f]
            td += weight[f] * yd
            yu = wu.y[f] if wu.mark[f] == stu else 0.0
            tot += weight[f] * (yd if yd > yu else yu)
        for a in range(nu):
            f = wu.R[a]
            tu += weight[f] * wu.y[f]
            if wd.mark[f] != std:
                tot += weight[f] * wu.y[f]
        loss[q] = tot
        loss_d[q] = td
        loss_u[q] = tu
        flags[q] = fd | fu
        _reset(wd, nd)
        _reset(wu, nu)


@njit(cache=True, nogil=True, parallel=True)
def esri_batch(scen_ptr, scen_idx, scen_b, down, up, weight, threads):
    """Weighted losses of a batch of scenarios, exactly, on ``threads`` threads.

    Scenario ``q`` shocks firms ``scen_idx[scen_ptr[q]:scen_ptr[q+1]]`` by
    ``scen_b[...]`` (share of production lost). Returns four arrays over the
    scenarios: ``Σⱼ wⱼ max(yᵈⱼ, yᵘⱼ)``, ``Σⱼ wⱼ yᵈⱼ``, ``Σⱼ wⱼ yᵘⱼ`` (not
    divided by ``Σ w``) and flags (nonzero: not certified, see the module).
    """
    m = scen_ptr.shape[0] - 1
    loss = np.zeros(m)
    loss_d = np.zeros(m)
    loss_u = np.zeros(m)
    flags = np.zeros(m, dtype=np.int64)
    T = max(1, min(threads, m))
    for t in prange(T):
        _esri_worker(t, T, scen_ptr, scen_idx, scen_b, down, up, weight,
                     loss, loss_d, loss_u, flags)
    return loss, loss_d, loss_u, flags


@njit(cache=True, nogil=True)
def cascade(shock_idx, shock_b, down, up):
    """One scenario in full: ``(yᵈ, yᵘ, flag)``, the losses of every firm."""
    n = down.g_ptr.shape[0] - 1
    wd = _work(n, down.sector_total.shape[0])
    wu = _work(n, 1)
    _, fd = _solve_side(shock_idx, shock_b, down, wd)
    _, fu = _solve_side(shock_idx, shock_b, up, wu)
    return wd.y, wu.y, fd | fu


@njit(cache=True, nogil=True)
def profile(scen_ptr, scen_idx, scen_b, down, up):
    """Work counters of a batch of scenarios, run one after the other (for benchmarks).

    Returns the counters of each side: components solved by policy iteration,
    improvement rounds, policy evaluations, dense solves, Σ size³ of those
    solves, warm-up sweeps, components solved with a kept inverse, undone
    rounding-level switches; then the flags.
    """
    n = down.g_ptr.shape[0] - 1
    m = scen_ptr.shape[0] - 1
    wd = _work(n, down.sector_total.shape[0])
    wu = _work(n, 1)
    flags = np.zeros(m, dtype=np.int64)
    for q in range(m):
        a0 = scen_ptr[q]
        a1 = scen_ptr[q + 1]
        nd, fd = _solve_side(scen_idx[a0:a1], scen_b[a0:a1], down, wd)
        nu, fu = _solve_side(scen_idx[a0:a1], scen_b[a0:a1], up, wu)
        flags[q] = fd | fu
        _reset(wd, nd)
        _reset(wu, nu)
    return wd.stats, wu.stats, flags

