"""The linear solves of the exact ESRI cascade: ``(I − B) x = b`` for one policy's loop.

Pure numeric kernels (numpy and numba). Small loops are solved densely, large
ones by restarted GMRES with a dense fallback (see
:func:`._cascade_exact._policy_loop`). The dense solve is subtraction-free
(:func:`_gth_solve`) when every row's leak is known from the data, else LU
with partial pivoting (rows whose coefficients amplify).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chaingraph.analysis._cascade_map import _ST_GMRES, _gth_panel

#: Restarted GMRES(GMRES_M), at most GMRES_RESTARTS restarts, to a residual of
#: GMRES_TOL of the right-hand side.
GMRES_M = 60
GMRES_RESTARTS = 40
GMRES_TOL = 1e-14


@njit(cache=True, nogil=True)
def _lu_solve(M, x, s):
    """Solve ``M[:s, :s] z = x[:s]`` in place (partial pivoting); False if singular."""
    scale = 0.0
    for a in range(s):
        for c in range(s):
            v = abs(M[a, c])
            if v > scale:
                scale = v
    tiny = 1e-14 * (scale if scale > 0.0 else 1.0)
    for k in range(s):
        p = k
        big = abs(M[k, k])
        for a in range(k + 1, s):
            if abs(M[a, k]) > big:
                big = abs(M[a, k])
                p = a
        if big <= tiny:
            return False
        if p != k:
            for c in range(s):
                t = M[k, c]
                M[k, c] = M[p, c]
                M[p, c] = t
            t = x[k]
            x[k] = x[p]
            x[p] = t
        piv = M[k, k]
        for a in range(k + 1, s):
            f = M[a, k] / piv
            if f != 0.0:
                M[a, k] = 0.0
                for c in range(k + 1, s):
                    M[a, c] -= f * M[k, c]
                x[a] -= f * x[k]
    for k in range(s - 1, -1, -1):
        t = x[k]
        for c in range(k + 1, s):
            t -= M[k, c] * x[c]
        x[k] = t / M[k, k]
    return True


@njit(cache=True, nogil=True)
def _gth_solve(B, leak, x):
    """Solve ``(I − R) z = x`` in place without subtraction; False if singular.

    ``B`` holds the off-diagonal entries of ``R`` (``≥ 0``; its diagonal is
    ignored), ``leak`` the row sums of ``I − R`` known from the data, and
    ``x ≥ 0``: the elimination of :func:`._cascade_map.gth_inverse`, then two
    triangular solves that only add non-negative terms, so ``z`` is accurate
    entry by entry however closely the loop closes. ``B`` and ``leak`` are
    overwritten.
    """
    n = B.shape[0]
    d = np.empty(n)
    if not _gth_panel(B, leak, d, 0, n):
        return False
    for i in range(n):  # L = I − F, F below the diagonal of B
        t = x[i]
        for k in range(i):
            t += B[i, k] * x[k]
        x[i] = t
    for k in range(n - 1, -1, -1):  # U = D − (B above the diagonal)
        t = x[k]
        for j in range(k + 1, n):
            t += B[k, j] * x[j]
        x[k] = t / d[k]
    return True


@njit(cache=True, nogil=True)
def _gmres(n, ptr, idx, val, b, x, wk):
    """Solve ``(I − B) x = b`` (``B`` in CSR) by restarted GMRES from the guess in ``x``.

    Stops when the true residual is below ``GMRES_TOL`` of ``‖b‖``; returns
    False if it is not after ``GMRES_RESTARTS`` restarts (the caller then
    solves densely).
    """
    m = GMRES_M if GMRES_M < n else n
    V = np.empty((m + 1, n))
    H = np.zeros((m + 1, m))
    cs = np.zeros(m)
    sn = np.zeros(m)
    g = np.zeros(m + 1)
    r = np.empty(n)
    bnorm = 0.0
    for i in range(n):
        bnorm += b[i] * b[i]
    bnorm = np.sqrt(bnorm)
    if bnorm == 0.0:
        x[:] = 0.0
        return True
    for restart in range(GMRES_RESTARTS):
        beta = 0.0
        for i in range(n):
            t = b[i] - x[i]
            for k in range(ptr[i], ptr[i + 1]):
                t += val[k] * x[idx[k]]
            r[i] = t
            beta += t * t
        beta = np.sqrt(beta)
        if beta <= GMRES_TOL * bnorm:
            return True
        for i in range(n):
            V[0, i] = r[i] / beta
        g[:] = 0.0
        g[0] = beta
        kk = 0
        for k in range(m):
            wk.stats[_ST_GMRES] += 1
            w = V[k + 1]
            for i in range(n):
                t = V[k, i]
                for q in range(ptr[i], ptr[i + 1]):
                    t -= val[q] * V[k, idx[q]]
                w[i] = t
            for j in range(k + 1):
                h = 0.0
                for i in range(n):
                    h += w[i] * V[j, i]
                H[j, k] = h
                for i in range(n):
                    w[i] -= h * V[j, i]
            h = 0.0
            for i in range(n):
                h += w[i] * w[i]
            h = np.sqrt(h)
            H[k + 1, k] = h
            if h > 0.0:
                for i in range(n):
                    w[i] /= h
            for j in range(k):
                t = cs[j] * H[j, k] + sn[j] * H[j + 1, k]
                H[j + 1, k] = -sn[j] * H[j, k] + cs[j] * H[j + 1, k]
                H[j, k] = t
            den = np.sqrt(H[k, k] * H[k, k] + H[k + 1, k] * H[k + 1, k])
            if den == 0.0:
                break
            cs[k] = H[k, k] / den
            sn[k] = H[k + 1, k] / den
            H[k, k] = den
            H[k + 1, k] = 0.0
            g[k + 1] = -sn[k] * g[k]
            g[k] = cs[k] * g[k]
            kk = k + 1
            if abs(g[k + 1]) <= 0.1 * GMRES_TOL * bnorm or h == 0.0:
                break
        # x += V[:kk]ᵀ H[:kk, :kk]⁻¹ g[:kk]
        coef = np.zeros(kk)
        for j in range(kk - 1, -1, -1):
            t = g[j]
            for q in range(j + 1, kk):
                t -= H[j, q] * coef[q]
            coef[j] = t / H[j, j]
        for j in range(kk):
            for i in range(n):
                x[i] += coef[j] * V[j, i]
    return False

