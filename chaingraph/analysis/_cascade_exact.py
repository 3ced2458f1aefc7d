"""The exact fixed point of the ESRI cascade on one side of one scenario.

Pure numeric kernels (numpy and numba). The map ``F`` and the network sides
are in :mod:`._cascade_map`, the linear solves in :mod:`._cascade_linear`;
:mod:`._cascade` runs batches of scenarios.

The exact method
----------------
Without replaceability ``F`` is piecewise affine: ``F = min(1, max_p A_p y +
c_p)`` over *policies* ``p`` that pick, for each firm, one piece — ``FLOOR``
(the constant ``bⱼ``), one group, or ``CAP`` (the constant 1).

1. **Order.** The firms a shock reaches are those downstream of it in the
   graph of links with ``λ > 0`` (all other losses are exactly 0). That graph's
   strongly connected components (Tarjan, once per network) are solved one at
   a time in dependency order, every component seeing final values of the
   components it depends on. A component of one firm is a single evaluation
   of ``F``: exact. On chains without loops this is the whole method.

2. **Policy iteration in a component with loops.** Start from a lower bound
   ``ℓ ≤ y*`` (a few Gauss–Seidel sweeps from 0; every Gauss–Seidel step of a
   monotone map from below stays below ``y*``), pick the policy ``p`` whose
   piece is largest at ``ℓ`` and evaluate it: ``vₚ`` is the *least* solution
   of ``y = min(1, Aₚ y + cₚ)``. Then improve: switch a firm's piece only
   where another is larger at ``vₚ`` by more than a rounding margin, and
   evaluate again, until no piece improves.

   *Why the answer is* ``y*``. (a) Every ``vₚ ≤ y*``: ``min(1, Aₚ z + cₚ) ≤
   F(z)``, so the least fixed point of the policy's map is below that of
   ``F``. (b) At the end ``vₚ = F(vₚ)``, so ``vₚ`` is a fixed point, hence
   ``vₚ ≥ y*``. So ``vₚ = y*``, whatever the starting policy, the tolerance or
   the order of the updates. (c) The loop ends: without caps the values of
   successive policies increase (``vₚ`` is a sub-solution of the next policy's
   map; keeping a firm's piece on ties means no closed zero-input loop of the
   new policy carries a positive value, so the next least solution lies above
   ``vₚ``), and strictly where a piece changed, so no policy repeats and there
   are finitely many.

3. **Evaluating a policy exactly.** The policy's own graph (each firm keeps
   only the links of its chosen group) is split again into strongly
   connected components, solved in dependency order: single firms by one
   evaluation, loops by a solve of ``(I − A_SS) v = c_S`` (dense and
   subtraction-free, :func:`._cascade_linear._gth_solve`, unless a row's
   coefficients amplify: then LU with partial pivoting; GMRES for large
   loops). Under a
   fixed policy with some input ``c_S ≠ 0``, every firm of a loop ``S``
   reaches that input, so ``I − A_SS`` is a nonsingular M-matrix when rows sum
   to at most 1, and its solution is the least one; with ``c_S = 0`` the least
   solution is 0. Rows summing to more than 1 occur only with the revenue and
   cost adjustments; then caps may bind: if the solution exceeds 1, its
   largest entry is certainly capped in ``y*`` (with ``v`` the uncapped least
   solution and ``m = max v > 1``, ``v/m`` stays below every capped iterate by
   induction, so the capped least solution is 1 where ``v = m``), and if it is
   negative (spectral radius ≥ 1) a capped iteration from below reaches 1
   somewhere; either way that firm is fixed at 1 and the loop solved again.

4. **Loops where the shock is the only non-linear piece.** Upstream every firm
   has one group, and downstream so has every firm when all inputs are
   non-essential; a loop's policy is then that group everywhere except at the
   shocked (or capped) firms ``Φ``. For such components (up to a few
   thousand firms) ``N = (I − R)⁻¹`` of the component's coefficient matrix
   ``R`` is computed once per network, without subtraction
   (:func:`._cascade_map.gth_inverse`), and each scenario is a rank-``|Φ|``
   update: ``x = N c`` over the firms that follow their group, then the
   inputs ``s`` at the rows of ``Φ`` that hold them at their constants,
   ``N[Φ, Φ] s = c_Φ − x_Φ``, ``x += N[:, Φ] s``. For one stopped firm ``i``
   inside the loop and nothing else feeding it this is ``y = N[:, i] /
   N[i, i]`` (hitting probabilities of the absorbing Markov chain that walks
   from a firm to its suppliers with probabilities ``λ``). The same
   improvement loop checks the pieces.

5. **Replaceability.** ``σ`` ties together all firms of a sector. With ``σ``
   frozen at the values of the current iterate, steps 1–4 give the exact least
   fixed point of the frozen map. Freezing ``σ`` at a lower bound gives a map
   below ``F`` (``σ`` grows with the losses), so its least fixed point is still
   ``≤ y*``, and it is ``≥`` the previous iterate; repeating until ``y`` no
   longer changes ends at a fixed point of ``F`` that is ``≤ y*``, i.e. at
   ``y*``. This outer loop converges geometrically at the rate at which lost
   output feeds back through ``σ``, which for one firm's failure is about the
   lost share of its sector's output (a handful of rounds to rounding level).

**Accuracy.** The answer is the fixed point of the coefficients ``λ`` as
stored, each rounded once or twice (``λ = amount / total``). How far rounding
moves it depends on how closely the supply loops close: a loop that keeps all
but a share ``ε`` of the loss going round it multiplies errors made in its
solve by up to ``1/ε`` (its expected number of rounds; ``ε`` ~ 10⁻⁶ in
networks with a sliver of trade leaving a loop). The dense solves of steps 3
and 4 avoid that: written with each firm's *leak* (the ``λ`` of its links
leaving the loop, plus the share of its input or sales outside the network,
``1 − Σ λ`` when that exceeds the rounding of the sum; for a chain folded
into a core firm, the leaks along it), ``I − R`` determines its inverse
entry by entry to about the loop's size in relative terms (Alfa, Xue & Ye
2002), and an elimination that never subtracts keeps that (Grassmann,
Taksar & Heyman): the losses are accurate to a few units in the last place
times the loop's size, whatever ``ε``, in step 3's dense solves and in step
4 when a loop is fed only from outside or only by one fixed firm inside it
(every single-firm scenario there). What remains amplified by ``1/ε``: a leak that
is itself the small difference ``1 − Σ λ`` (its rounding, ~10⁻¹⁶, is
relative to it); a kept loop fed by fixed firms inside it and from outside
too (``c_Φ − x_Φ`` cancels), or by two or more fixed firms (the solve with
``N[Φ, Φ]``): ~10⁻¹⁶ ``‖N‖``; loops with rows that
amplify (revenue and cost adjustments: LU with partial pivoting,
~10⁻¹⁶/``ε``); cores of more than ``DENSE_CORE`` firms in step 3 (GMRES to a
residual of ``GMRES_TOL``, ~10⁻¹⁴/``ε``); and the replaceability loop's
stopping rule (``OUTER_TOL``). Down to ``ε`` ~ 10⁻⁴ all of these stay below
10⁻¹⁰.

Each scenario's work is proportional to the part of the network it reaches
(plus the dense solves of its loops), scenarios are independent, and a batch
runs in parallel over the available cores (``prange``).

Why this module is long: the method's statement and proof sketch are kept with the code they
justify (about 130 lines), and the solver's steps (component sweep, policy evaluation,
improvement) only make sense together.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chaingraph.analysis._cascade_linear import _gmres, _gth_solve, _lu_solve
from chaingraph.analysis._cascade_map import (
    _CAP, _FLAG_CAP, _FLAG_OUTER, _FLAG_ROUNDS, _FLOOR, _ST_BLOCKS, _ST_EVALS, _ST_REF,
    _ST_ROUNDS, _ST_SOLVE_WORK, _ST_SOLVES, _ST_SWEEPS, _ST_UNDO, _best_group, _group_loss,
    _row_deficit, _sector_avail, _tarjan, _value,
)

#: A piece replaces a firm's current one only when larger by more than this
#: share of the current value (a few units in the last place).
TIE = 4e-15
#: A switch whose gain is within this share of the value may be rounding noise
#: of the previous solve (an exact tie): it is undone if the next evaluation
#: lowers any loss, which a real improvement never does.
SMALL = 1e-9
#: Cores of a policy loop up to this size are solved densely (subtraction-free,
#: or LU where rows amplify), larger ones by restarted GMRES(GMRES_M) to a
#: residual of GMRES_TOL of the right-hand side, falling back to the dense
#: solve (up to DENSE_MAX firms) if that does not converge.
DENSE_CORE = 64
DENSE_MAX = 6000
#: Gauss–Seidel sweeps inside a loop before the first policy is picked.
WARM_SWEEPS = 8
#: Policy improvements per component before a scenario is flagged (never seen).
MAX_ROUNDS = 500
#: Outer rounds of the replaceability loop before a scenario is flagged.
MAX_OUTER = 10_000
#: The replaceability loop stops when no loss moved by more than this.
OUTER_TOL = 1e-15


# ---------------------------------------------------------------------------
# step 3: one policy, exactly


@njit(cache=True, nogil=True)
def _climb(S, free, side, wk):
    """Iterate ``y ← max(y, min(1, A y + c))`` on the free firms of a policy loop.

    Starts from lower bounds of ``y*`` and stays below it. Returns
    ``(firm position, 0)`` as soon as a loss reaches 1 (that firm is capped in
    ``y*``), ``(-1, 1)`` when nothing rises any more, ``(-1, 2)`` when it ran
    out of steps.
    """
    y = wk.y
    pol = wk.pol
    e_ptr = side.e_ptr
    e_src = side.e_src
    e_lam = side.e_lam
    sig = wk.sig
    use_sig = side.replace
    s = S.shape[0]
    for step in range(1000 + 100_000_000 // (s * 8 + 1)):
        rise = 0.0
        for a in range(s):
            if not free[a]:
                continue
            j = S[a]
            g = pol[j]
            t = 0.0
            for e in range(e_ptr[g], e_ptr[g + 1]):
                src = e_src[e]
                t += (e_lam[e] * sig[src] if use_sig else e_lam[e]) * y[src]
            if t >= 1.0:
                y[j] = 1.0
                return a, 0
            if t > y[j]:
                if t - y[j] > rise:
                    rise = t - y[j]
                y[j] = t
        if rise <= 1e-16:
            return -1, 1
    return -1, 2


@njit(cache=True, nogil=True)
def _policy_loop(S, side, wk):
    """Least solution of ``y = min(1, A_SS y + c_S)`` on one loop of the policy graph.

    Firms with a single dependency inside the loop are folded into the firm
    their chain of single dependencies leads to (``y = A y_root + C``: no fill),
    so that the dense solve is only over the firms with several (the *core*).
    Writes the values into ``wk.y``; firms found capped get policy CAP.
    Returns a flag (0, or _FLAG_CAP when a capped iteration ran out of steps).
    """
    y = wk.y
    pol = wk.pol
    sidx = wk.sidx
    e_ptr = side.e_ptr
    e_src = side.e_src
    e_lam = side.e_lam
    sig = wk.sig
    use_sig = side.replace
    s = S.shape[0]
    free = np.ones(s, dtype=np.bool_)
    c = np.empty(s)
    ndep = np.empty(s, dtype=np.int32)
    dep1 = np.empty(s, dtype=np.int32)
    a1 = np.empty(s)
    root = np.empty(s, dtype=np.int32)
    A = np.empty(s)
    C = np.empty(s)
    lk = np.empty(s)  # a firm's leak: the share of its group not from the loop's free firms
    Lk = np.empty(s)  # 1 − A of a folded chain, from the leaks along it
    core = np.empty(s, dtype=np.int32)
    state = np.empty(s, dtype=np.int8)
    stack = np.empty(s, dtype=np.int32)
    while True:
        nf = 0
        for a in range(s):
            if free[a]:
                sidx[S[a]] = a
                nf += 1
            else:
                sidx[S[a]] = -1
        if nf == 0:
            return 0
        anyin = False
        leaks = True  # every row's leak known from the data (no row amplifies)
        for a in range(s):
            if not free[a]:
                continue
            g = pol[S[a]]
            t = 0.0
            k = 0
            out = 0.0
            total = 0.0
            for e in range(e_ptr[g], e_ptr[g + 1]):
                src = e_src[e]
                coef = e_lam[e] * sig[src] if use_sig else e_lam[e]
                total += coef
                q = sidx[src]
                if q >= 0:
                    k += 1
                    dep1[a] = q
                    a1[a] = coef
                else:
                    t += coef * y[src]
                    out += coef
            c[a] = t
            ndep[a] = k
            deficit = _row_deficit(total, e_ptr[g + 1] - e_ptr[g])
            if deficit < 0.0:
                leaks = False
            lk[a] = out + deficit
            if t > 0.0:
                anyin = True
        if not anyin:
            positive = False
            for a in range(s):
                if free[a] and y[S[a]] > 0.0:
                    positive = True
            if not positive:  # no input and nothing lost: the least solution is 0
                for a in range(s):
                    sidx[S[a]] = -1
                return 0
            # a loop of this policy closed on itself yet carrying losses (the
            # previous policy put them there): its least solution above them
            arg, status = _climb(S, free, side, wk)
            if status != 0:
                for a in range(s):
                    sidx[S[a]] = -1
                return 0 if status == 1 else _FLAG_CAP
            pol[S[arg]] = _CAP
            y[S[arg]] = 1.0
            free[arg] = False
            continue
        # fold chains of single dependencies: y_a = A[a] y_root[a] + C[a]
        K = 0
        for a in range(s):
            if free[a] and ndep[a] != 1:
                core[a] = K
                K += 1
                root[a] = a
                A[a] = 1.0
                C[a] = 0.0
                Lk[a] = 0.0
                state[a] = 2
            else:
                state[a] = 0
        for a in range(s):
            if not free[a] or state[a] != 0:
                continue
            sp = 0
            v = a
            while state[v] == 0:
                state[v] = 1
                stack[sp] = v
                sp += 1
                v = dep1[v]
            if state[v] == 1:  # a loop of single dependencies: one of them joins the core
                core[v] = K
                K += 1
                root[v] = v
                A[v] = 1.0
                C[v] = 0.0
                Lk[v] = 0.0
                state[v] = 2
            while sp > 0:
                sp -= 1
                u = stack[sp]
                if state[u] == 2:
                    continue
                d = dep1[u]
                root[u] = root[d]
                A[u] = a1[u] * A[d]
                C[u] = a1[u] * C[d] + c[u]
                Lk[u] = lk[u] + a1[u] * Lk[d]
                state[u] = 2
        # the core system (I − B) z = d, B sparse: a core firm's links, each
        # followed along its chain of single dependencies to a core firm
        nnz = 0
        for a in range(s):
            if free[a] and root[a] == a:
                g = pol[S[a]]
                nnz += e_ptr[g + 1] - e_ptr[g]
        b_ptr = np.zeros(K + 1, dtype=np.int64)
        b_idx = np.empty(nnz, dtype=np.int32)
        b_val = np.empty(nnz)
        z = np.zeros(K)
        x0 = np.zeros(K)
        core_leak = np.empty(K)
        rows_of = np.empty(K, dtype=np.int32)
        for a in range(s):
            if free[a] and root[a] == a:
                rows_of[core[a]] = a
        nnz = 0
        for r in range(K):
            a = rows_of[r]
            z[r] = c[a]
            x0[r] = y[S[a]]
            core_leak[r] = lk[a]
            g = pol[S[a]]
            for e in range(e_ptr[g], e_ptr[g + 1]):
                src = e_src[e]
                q = sidx[src]
                if q >= 0:
                    coef = e_lam[e] * sig[src] if use_sig else e_lam[e]
                    b_idx[nnz] = core[root[q]]
                    b_val[nnz] = coef * A[q]
                    nnz += 1
                    z[r] += coef * C[q]
                    core_leak[r] += coef * Lk[q]
            b_ptr[r + 1] = nnz
        wk.stats[_ST_SOLVES] += 1
        ok = False
        if K > DENSE_CORE:
            ok = _gmres(K, b_ptr, b_idx, b_val, z, x0, wk)
            if ok:
                z[:] = x0
        if not ok:
            if K > DENSE_MAX:
                for a in range(s):
                    sidx[S[a]] = -1
                return _FLAG_ROUNDS
            wk.stats[_ST_SOLVE_WORK] += K * K * K
            M = np.zeros((K, K))
            if leaks:  # subtraction-free, with the rows' leaks (see the module docstring)
                for r in range(K):
                    for t in range(b_ptr[r], b_ptr[r + 1]):
                        M[r, b_idx[t]] += b_val[t]
                ok = _gth_solve(M, core_leak, z)
            else:
                for r in range(K):
                    M[r, r] += 1.0
                    for t in range(b_ptr[r], b_ptr[r + 1]):
                        M[r, b_idx[t]] -= b_val[t]
                ok = _lu_solve(M, z, K)
        vmin = 0.0
        vmax = 0.0
        arg = -1
        if ok:
            for a in range(s):
                if free[a]:
                    v = A[a] * z[core[root[a]]] + C[a]
                    C[a] = v  # C now holds the solution
                    if v < vmin:
                        vmin = v
                    if arg < 0 or v > vmax:
                        vmax = v
                        arg = a
        if ok and vmin >= -1e-12 and vmax <= 1.0 + 1e-12:
            for a in range(s):
                if free[a]:
                    v = C[a]
                    y[S[a]] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
                    sidx[S[a]] = -1
            return 0
        if not (ok and vmin >= -1e-12):
            # spectral radius ≥ 1: climb from the current lower bounds until a loss reaches 1
            arg, status = _climb(S, free, side, wk)
            if status != 0:
                for a in range(s):
                    sidx[S[a]] = -1
                return _FLAG_CAP
        # the largest uncapped loss is capped in y* too (see the module docstring)
        pol[S[arg]] = _CAP
        y[S[arg]] = 1.0
        free[arg] = False


@njit(cache=True, nogil=True)
def _evaluate_policy(c, members, side, wk):
    """Least solution of the current policy on component ``c`` (step 3)."""
    wk.stats[_ST_EVALS] += 1
    y = wk.y
    b = wk.b
    pol = wk.pol
    index = wk.t_index
    sc_mem = wk.sc_mem
    sc_ptr = wk.sc_ptr
    # the policy's graph: each firm's links of its chosen group, inside c
    for r0 in range(members.shape[0]):
        r = members[r0]
        p = pol[r]
        wk.t_lo[r] = side.e_ptr[p] if p >= 0 else 0
        wk.t_hi[r] = side.e_ptr[p + 1] if p >= 0 else 0
    nsc = _tarjan(members, wk.t_lo, wk.t_hi, side.e_src, side.comp, c, index, wk.t_low,
                  wk.t_onstk, wk.t_stack, wk.t_call, wk.t_epos, sc_mem, sc_ptr)
    for r0 in range(members.shape[0]):
        index[members[r0]] = -1
    flag = 0
    for q in range(nsc):
        a0 = sc_ptr[q]
        a1 = sc_ptr[q + 1]
        if a1 - a0 == 1:
            j = sc_mem[a0]
            p = pol[j]
            if p == _FLOOR:
                y[j] = b[j]
                continue
            if p == _CAP:
                y[j] = 1.0
                continue
            self_coef = 0.0
            t = 0.0
            for e in range(side.e_ptr[p], side.e_ptr[p + 1]):
                src = side.e_src[e]
                coef = side.e_lam[e]
                if side.replace:
                    coef *= wk.sig[src]
                if src == j:
                    self_coef += coef
                else:
                    t += coef * y[src]
            if self_coef > 0.0 and t > 0.0:
                t = t / (1.0 - self_coef) if self_coef < 1.0 else 2.0
            elif self_coef > 0.0:
                t = 0.0
            y[j] = t if t < 1.0 else 1.0
            continue
        flag |= _policy_loop(sc_mem[a0:a1], side, wk)
    return flag



# ---------------------------------------------------------------------------
# step 2: policy iteration on one component


@njit(cache=True, nogil=True)
def _improve(members, side, wk, lock_st, round_st):
    """Switch the pieces beaten by another at the current losses.

    Returns ``(big, small)``: switches that gain more than :data:`SMALL` of the
    value, and smaller ones, which are recorded (``wk.swap == round_st``,
    previous piece in ``wk.pol2``) so that they can be undone; firms with
    ``wk.lock == lock_st`` make no small switches.
    """
    y = wk.y
    b = wk.b
    pol = wk.pol
    big = 0
    small = 0
    for a in range(members.shape[0]):
        j = members[a]
        p = pol[j]
        if p == _CAP:
            continue
        best, g = _best_group(j, side.g_ptr, side.e_ptr, side.e_src, side.e_lam, y, wk.sig, side.replace)
        top = best if best > b[j] else b[j]
        cur = b[j] if p == _FLOOR else _group_loss(p, side.e_ptr, side.e_src, side.e_lam, y, wk.sig, side.replace)
        if top >= 1.0 and cur < 1.0 - TIE:
            pol[j] = _CAP  # y is a lower bound of y*, so F(y*)ⱼ ≥ 1 too
            big += 1
        elif top > cur and top - cur > TIE * cur:
            if top - cur <= SMALL * top:
                if wk.lock[j] == lock_st:
                    continue
                wk.swap[j] = round_st
                wk.pol2[j] = p
                small += 1
            else:
                big += 1
            pol[j] = _FLOOR if (g < 0 or b[j] > best) else g
    return big, small


@njit(cache=True, nogil=True, inline="always")
def _stamp(wk):
    wk.ctr[1] += 1
    return wk.ctr[1]


@njit(cache=True, nogil=True)
def _block_general(c, members, side, wk):
    y = wk.y
    b = wk.b
    pol = wk.pol
    nb = members.shape[0]
    wk.stats[_ST_BLOCKS] += 1
    for sweep in range(WARM_SWEEPS):
        wk.stats[_ST_SWEEPS] += 1
        rise = 0.0
        for a in range(nb):
            j = members[a]
            v = _value(j, side.g_ptr, side.e_ptr, side.e_src, side.e_lam, y, b, wk.sig, side.replace)
            if v > y[j]:
                if v - y[j] > rise:
                    rise = v - y[j]
                y[j] = v
        if rise <= 1e-9:
            break
    for a in range(nb):
        j = members[a]
        best, g = _best_group(j, side.g_ptr, side.e_ptr, side.e_src, side.e_lam, y, wk.sig, side.replace)
        if g < 0 or b[j] > best:
            pol[j] = _FLOOR
        else:
            pol[j] = g
        if (best if best > b[j] else b[j]) >= 1.0:
            pol[j] = _CAP
    flag = _evaluate_policy(c, members, side, wk)
    prev = wk.tmp1
    lock_st = _stamp(wk)
    for rounds in range(MAX_ROUNDS):
        wk.stats[_ST_ROUNDS] += 1
        for a in range(nb):
            prev[a] = y[members[a]]
        round_st = _stamp(wk)
        big, small = _improve(members, side, wk, lock_st, round_st)
        if big + small == 0:
            return flag
        flag |= _evaluate_policy(c, members, side, wk)
        if small == 0:
            continue
        fell = False
        gain = 0.0
        top = 0.0
        for a in range(nb):
            v = y[members[a]]
            if v < prev[a] * (1.0 - 1e-11):
                fell = True
            if v - prev[a] > gain:
                gain = v - prev[a]
            if v > top:
                top = v
        if fell:
            # a rounding-level tie was taken for a gain: undo those switches
            wk.stats[_ST_UNDO] += 1
            for a in range(nb):
                j = members[a]
                if wk.swap[j] == round_st:
                    pol[j] = wk.pol2[j]
                    wk.lock[j] = lock_st
            if big == 0:
                for a in range(nb):
                    y[members[a]] = prev[a]
                return flag
            flag |= _evaluate_policy(c, members, side, wk)
        elif big == 0 and gain <= 1e-12 * top:
            return flag  # policies equal up to rounding
    return flag | _FLAG_ROUNDS


@njit(cache=True, nogil=True)
def _block_reference(c, members, side, wk):
    y = wk.y
    b = wk.b
    pol = wk.pol
    nb = members.shape[0]
    off = side.r_off[c]
    N = side.r_data  # column k of (I − R)⁻¹ is N[off + k*nb : off + (k+1)*nb]
    cvec = wk.tmp1
    x = wk.tmp2
    wk.stats[_ST_REF] += 1
    for a in range(nb):
        j = members[a]
        pol[j] = _FLOOR if b[j] > 0.0 else side.g_ptr[j]
    for rounds in range(MAX_ROUNDS):
        wk.stats[_ST_ROUNDS] += 1
        while True:
            # c: inputs from outside the loop, or the constant of a FLOOR / CAP firm
            for a in range(nb):
                j = members[a]
                p = pol[j]
                if p == _FLOOR:
                    cvec[a] = b[j]
                elif p == _CAP:
                    cvec[a] = 1.0
                else:
                    t = 0.0
                    for e in range(side.e_ptr[p], side.e_ptr[p + 1]):
                        s = side.e_src[e]
                        if side.comp[s] != c:
                            t += side.e_lam[e] * y[s]
                    cvec[a] = t
                x[a] = 0.0
            # x = N c over the firms that follow their group; the fixed firms F
            # (FLOOR / CAP) then get the inputs s at their own rows for which
            # their values come out as their constants: N[F, F] s = c_F − x_F,
            # x += N[:, F] s. Every term is non-negative except that
            # difference, which vanishes when nothing outside F feeds the loop
            # (one firm i stopped inside it: x = c_i N[:, i] / N[i, i]).
            nF = 0
            for a in range(nb):
                if pol[members[a]] < 0:
                    nF += 1
                    continue
                ca = cvec[a]
                if ca != 0.0:
                    base = off + a * nb
                    for i in range(nb):
                        x[i] += ca * N[base + i]
            if nF > 0:
                F = np.empty(nF, dtype=np.int64)
                k = 0
                for a in range(nb):
                    if pol[members[a]] < 0:
                        F[k] = a
                        k += 1
                K = np.empty((nF, nF))
                r = np.empty(nF)
                for p_ in range(nF):
                    r[p_] = cvec[F[p_]] - x[F[p_]]
                    for q in range(nF):
                        K[p_, q] = N[off + F[q] * nb + F[p_]]
                if nF == 1:
                    r[0] /= K[0, 0]
                elif not _lu_solve(K, r, nF):
                    return _FLAG_ROUNDS
                for q in range(nF):
                    zq = r[q]
                    if zq != 0.0:
                        base = off + F[q] * nb
                        for i in range(nb):
                            x[i] += zq * N[base + i]
                for q in range(nF):
                    x[F[q]] = cvec[F[q]]
            arg = 0
            for a in range(nb):
                if x[a] > x[arg]:
                    arg = a
            if x[arg] > 1.0 + 1e-12 and pol[members[arg]] != _CAP:
                pol[members[arg]] = _CAP  # the largest uncapped value is capped (step 3)
                continue
            break
        for a in range(nb):
            v = x[a]
            y[members[a]] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
        big, small = _improve(members, side, wk, -1, _stamp(wk))
        if big + small == 0:
            return 0
    return _FLAG_ROUNDS



# ---------------------------------------------------------------------------
# one scenario, one side


@njit(cache=True, nogil=True)
def _sweep_components(side, wk, nR):
    """Steps 1–4 over the reached firms (sorted in dependency order)."""
    flag = 0
    R = wk.R
    a = 0
    while a < nR:
        j = R[a]
        c = side.comp[j]
        if side.c_plain[c]:
            wk.y[j] = _value(j, side.g_ptr, side.e_ptr, side.e_src, side.e_lam, wk.y, wk.b, wk.sig,
                              side.replace)
            a += 1
            continue
        members = side.c_mem[side.c_ptr[c]:side.c_ptr[c + 1]]
        if side.r_off[c] >= 0:
            flag |= _block_reference(c, members, side, wk)
        else:
            flag |= _block_general(c, members, side, wk)
        a += members.shape[0]
    return flag


@njit(cache=True, nogil=True)
def _solve_side(shock_idx, shock_b, side, wk):
    """Exact losses of one scenario on one side.

    Leaves the losses in ``wk.y`` for the reached firms ``wk.R[:nR]`` (all
    other losses are 0) and returns ``(nR, flag)``.
    """
    wk.ctr[0] += 1
    st = wk.ctr[0]
    R = wk.R
    nR = 0
    for t in range(shock_idx.shape[0]):
        f = shock_idx[t]
        v = shock_b[t]
        if v <= 0.0:
            continue
        if wk.mark[f] != st:
            wk.mark[f] = st
            R[nR] = f
            nR += 1
            wk.b[f] = v
        elif v > wk.b[f]:
            wk.b[f] = v
    head = 0
    while head < nR:
        s = R[head]
        head += 1
        for e in range(side.o_ptr[s], side.o_ptr[s + 1]):
            j = side.o_dst[e]
            if wk.mark[j] != st:
                wk.mark[j] = st
                R[nR] = j
                nR += 1
    for a in range(nR):
        wk.keys[a] = side.comp[R[a]]
    order = np.argsort(wk.keys[:nR], kind="mergesort")
    sorted_R = R[:nR][order]
    R[:nR] = sorted_R
    for a in range(nR):
        j = R[a]
        wk.y[j] = wk.b[j]
    if not side.replace:
        return nR, _sweep_components(side, wk, nR)
    # step 5: σ frozen at the current lower bound, until the losses stop moving
    flag = 0
    prev = np.empty(nR)
    for outer in range(MAX_OUTER):
        _sector_avail(side, wk, nR, st * 2 + (outer & 1))
        for a in range(nR):
            prev[a] = wk.y[R[a]]
        flag |= _sweep_components(side, wk, nR)
        moved = 0.0
        for a in range(nR):
            d = abs(wk.y[R[a]] - prev[a])
            if d > moved:
                moved = d
        if moved <= OUTER_TOL:
            return nR, flag
    return nR, flag | _FLAG_OUTER

