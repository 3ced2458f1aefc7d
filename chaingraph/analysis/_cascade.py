"""The generalized-Leontief shock cascade behind ESRI, solved exactly: arrays in, arrays out.

Pure numeric kernels (numpy and numba; no pandas, no ``ChainGraph``). This
module is long because the exact method and its reference iteration share the
network structures below; each part is introduced where it starts.

The map
-------
Write every firm's state as its *loss* ``y = 1 − h`` (``h`` the remaining
production). The two directions of the cascade are independent fixed-point
problems of the same shape. For firm ``j`` with shock ``bⱼ = 1 − ψⱼ``::

    yⱼ = min(1, max(bⱼ, max_g Σ_{e ∈ g} λₑ σ_{src(e)} y_{src(e)}))        (F)

where the *groups* ``g`` of ``j`` are, downstream, one group per essential
supplier sector (the ``min`` over ``πⱼₖ`` of the paper), and one group holding
all non-essential suppliers (the paper's ``1 − Σ_{E=1}(1 − πⱼₖ)``), with
``λ = Λᵈ[s, j]``; upstream, one group of ``j``'s customers with
``λ = Λᵘ[j, c]`` and ``σ = 1``. With replaceability ``σₛ = min(1, s_out(s) /
Aₖ)``, ``Aₖ = Σ_{s′ ∈ k} (1 − y_{s′}) s_out(s′)`` (``σ = 1`` when
``Aₖ ≤ 10⁻¹⁰``); otherwise ``σ = 1``. This is exactly the update of Diem et al.
(2022) with ``h = 1 − y``.

``F`` is monotone (a larger loss anywhere never lowers a loss) and bounded by
1, and ``F(0) ≥ 0``, so the paper's iteration from ``h = ψ`` — which is
iteration of ``F`` from ``y = b = F(0)`` — increases to the **least fixed
point** ``y*`` of ``F`` (Kleene). Every fixed point lies above ``y*``. The
iteration approaches ``y*`` only geometrically, at the rate of the
near-closed supply loops, which can be arbitrarily close to 1.

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
   evaluation, loops by a dense LU solve of ``(I − A_SS) v = c_S``. Under a
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
   ``R`` is computed once per network and each scenario is a rank-``|Φ|``
   Sherman–Morrison–Woodbury update: for one stopped firm ``i`` inside the
   loop, ``y = N[:, i] / N[i, i]`` (hitting probabilities of the absorbing
   Markov chain that walks from a firm to its suppliers with probabilities
   ``λ``). The same improvement loop checks the pieces.

5. **Replaceability.** ``σ`` ties together all firms of a sector. With ``σ``
   frozen at the values of the current iterate, steps 1–4 give the exact least
   fixed point of the frozen map. Freezing ``σ`` at a lower bound gives a map
   below ``F`` (``σ`` grows with the losses), so its least fixed point is still
   ``≤ y*``, and it is ``≥`` the previous iterate; repeating until ``y`` no
   longer changes ends at a fixed point of ``F`` that is ``≤ y*``, i.e. at
   ``y*``. This outer loop converges geometrically at the rate at which lost
   output feeds back through ``σ``, which for one firm's failure is about the
   lost share of its sector's output (a handful of rounds to rounding level).

Each scenario's work is proportional to the part of the network it reaches
(plus the dense solves of its loops), scenarios are independent, and a batch
runs in parallel over the available cores (``prange``).

The reference iteration
-----------------------
:func:`esri_batch_jacobi` and :func:`cascade_jacobi` run the paper's plain
Jacobi iteration (every update reads the previous step's values) until no
loss rose by more than ``tol`` in the last step — the tolerance option of
:func:`chaingraph.systemic_risk`, and the reference the tests compare with.
A step only recomputes the firms whose inputs changed in the previous step.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

__all__ = [
    "Side", "side_arrays", "esri_batch", "cascade", "esri_batch_jacobi", "cascade_jacobi",
    "profile", "UNCERTIFIED",
]

#: Below this, a sector's available output counts as none (σ = 1).
SECTOR_FLOOR = 1e-10
#: A piece replaces a firm's current one only when larger by more than this
#: share of the current value (a few units in the last place).
TIE = 4e-15
#: A switch whose gain is within this share of the value may be rounding noise
#: of the previous solve (an exact tie): it is undone if the next evaluation
#: lowers any loss, which a real improvement never does.
SMALL = 1e-9
#: Cores of a policy loop up to this size are solved densely (LU), larger ones
#: by restarted GMRES(GMRES_M) to a residual of GMRES_TOL of the right-hand
#: side, falling back to LU (up to DENSE_MAX firms) if that does not converge.
DENSE_CORE = 64
DENSE_MAX = 6000
GMRES_M = 60
GMRES_RESTARTS = 40
GMRES_TOL = 1e-14
#: Gauss–Seidel sweeps inside a loop before the first policy is picked.
WARM_SWEEPS = 8
#: Policy improvements per component before a scenario is flagged (never seen).
MAX_ROUNDS = 500
#: Outer rounds of the replaceability loop before a scenario is flagged.
MAX_OUTER = 10_000
#: The replaceability loop stops when no loss moved by more than this.
OUTER_TOL = 1e-15
#: Largest loop (firms) whose ``(I − R)⁻¹`` is kept, and the total kept (entries).
REF_MAX = 3000
REF_BUDGET = 20_000_000
#: ``‖(I − R)⁻¹‖∞`` above this means the loop is closed (singular up to
#: rounding): such loops go to step 3, which solves them with the shock inside.
REF_COND = 1e10
#: The plain iteration never stops on smaller rises than this: rounding can make
#: a loss move by an ulp back and forth for ever.
JACOBI_TOL_FLOOR = 1e-15
#: Flag bits of a scenario the method could not certify (see :data:`UNCERTIFIED`).
_FLAG_ROUNDS, _FLAG_OUTER, _FLAG_CAP = 1, 2, 4
#: Any of these flag bits set: the scenario's value is the best found, not certified.
UNCERTIFIED = _FLAG_ROUNDS | _FLAG_OUTER | _FLAG_CAP

_FLOOR = -1
_CAP = -2
#: Counters kept per worker (see :func:`profile`).
_N_STATS = 9
(_ST_BLOCKS, _ST_ROUNDS, _ST_EVALS, _ST_SOLVES, _ST_SOLVE_WORK, _ST_SWEEPS, _ST_REF, _ST_UNDO,
 _ST_GMRES) = range(9)

#: One direction of the cascade as arrays.
#:
#: ``g_ptr``/``e_ptr``/``e_src``/``e_lam``: firm ``j``'s groups are
#: ``g_ptr[j]:g_ptr[j+1]``, group ``g``'s links ``e_ptr[g]:e_ptr[g+1]``, each
#: with the firm ``e_src`` whose loss it carries and its coefficient ``λ > 0``.
#: ``o_ptr``/``o_dst``: the same links from the other end (who is reached from
#: whom). ``comp``: strongly connected component of each firm, numbered in
#: dependency order; ``c_ptr``/``c_mem``: members of each component, ``loc``
#: each firm's position among them; ``c_plain``: a single firm without a
#: self-link. ``r_off``/``r_data``: for components solved by step 4, the offset
#: of ``(I − R)⁻¹`` (stored by columns) in ``r_data``, else −1.
#: ``firm_sec``/``s_out``/``sector_total``/``replace``: replaceability.
Side = namedtuple("Side", [
    "g_ptr", "e_ptr", "e_src", "e_lam", "o_ptr", "o_dst",
    "comp", "c_ptr", "c_mem", "loc", "c_plain", "r_off", "r_data",
    "firm_sec", "s_out", "sector_total", "replace",
])

_Work = namedtuple("_Work", [
    "y", "b", "mark", "R", "pol", "keys",
    "t_index", "t_low", "t_stack", "t_onstk", "t_call", "t_epos",
    "sidx", "sc_mem", "sc_ptr", "tmp1", "tmp2", "pol2", "swap", "lock", "sig",
    "avail", "sec_mark", "sec_list", "ctr", "stats",
])


# ---------------------------------------------------------------------------
# building a side


@njit(cache=True, nogil=True)
def _components(g_ptr, e_ptr, e_src):
    """Strongly connected components of ``j → e_src`` (Tarjan, iterative).

    Components are numbered in the order Tarjan closes them, which puts every
    component after all components it depends on.
    """
    n = g_ptr.shape[0] - 1
    index = np.full(n, -1, dtype=np.int32)
    low = np.zeros(n, dtype=np.int32)
    onstk = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int32)
    call = np.empty(n, dtype=np.int32)
    epos = np.empty(n, dtype=np.int64)
    comp = np.full(n, -1, dtype=np.int32)
    sp = 0
    cp = 0
    nc = 0
    counter = 0
    for r in range(n):
        if index[r] != -1:
            continue
        index[r] = counter
        low[r] = counter
        counter += 1
        stack[sp] = r
        sp += 1
        onstk[r] = True
        call[cp] = r
        cp += 1
        epos[r] = e_ptr[g_ptr[r]]
        while cp > 0:
            v = call[cp - 1]
            end = e_ptr[g_ptr[v + 1]]
            pushed = False
            while epos[v] < end:
                w = e_src[epos[v]]
                epos[v] += 1
                if index[w] == -1:
                    index[w] = counter
                    low[w] = counter
                    counter += 1
                    stack[sp] = w
                    sp += 1
                    onstk[w] = True
                    call[cp] = w
                    cp += 1
                    epos[w] = e_ptr[g_ptr[w]]
                    pushed = True
                    break
                if onstk[w] and index[w] < low[v]:
                    low[v] = index[w]
            if pushed:
                continue
            if low[v] == index[v]:
                while True:
                    sp -= 1
                    w = stack[sp]
                    onstk[w] = False
                    comp[w] = nc
                    if w == v:
                        break
                nc += 1
            cp -= 1
            if cp > 0:
                u = call[cp - 1]
                if low[v] < low[u]:
                    low[u] = low[v]
    return comp, nc


def side_arrays(owner, key, src, lam, n, *, firm_sec=None, s_out=None, sector_total=None,
                replace=False, single_group=None):
    """Build a :data:`Side` from its links.

    Parameters
    ----------
    owner, key, src, lam : arrays of one length
        Link ``e`` feeds firm ``owner[e]`` with the loss of ``src[e]`` at
        coefficient ``lam[e]``; links of one owner with equal ``key`` form one
        group. Links with ``lam <= 0`` carry nothing and are dropped.
    n : int
        Number of firms.
    firm_sec, s_out, sector_total, replace
        Replaceability (downstream only).
    single_group : bool array, optional
        Firms whose one group is the reference piece of step 4 (all firms when
        omitted); loops made only of such firms get ``(I − R)⁻¹``.
    """
    keep = lam > 0
    owner = np.asarray(owner, dtype=np.int64)[keep]
    key = np.asarray(key, dtype=np.int64)[keep]
    src = np.asarray(src, dtype=np.int32)[keep]
    lam = np.asarray(lam, dtype=np.float64)[keep]
    order = np.lexsort((src, key, owner))
    owner, key, src, lam = owner[order], key[order], src[order], lam[order]
    m = len(owner)
    if m:
        new_group = np.r_[True, (owner[1:] != owner[:-1]) | (key[1:] != key[:-1])]
    else:
        new_group = np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_group)
    e_ptr = np.r_[starts, m].astype(np.int64)
    g_owner = owner[starts]
    g_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(g_owner, minlength=n), out=g_ptr[1:])
    # the other end: who is reached from whom
    o_order = np.lexsort((owner, src))
    o_dst = owner[o_order].astype(np.int32)
    o_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=o_ptr[1:])

    comp, nc = _components(g_ptr, e_ptr, src)
    sizes = np.bincount(comp, minlength=nc)
    c_ptr = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(sizes, out=c_ptr[1:])
    c_mem = np.argsort(comp, kind="stable").astype(np.int32)
    loc = np.empty(n, dtype=np.int32)
    loc[c_mem] = np.arange(n, dtype=np.int32) - c_ptr[comp[c_mem]].astype(np.int32)
    self_link = np.zeros(nc, dtype=bool)
    self_link[comp[src[src == owner]]] = True
    c_plain = (sizes == 1) & ~self_link

    r_off = np.full(nc, -1, dtype=np.int64)
    blocks = np.flatnonzero(~c_plain & (sizes <= REF_MAX))
    if single_group is None:
        single = np.ones(n, dtype=bool)
    else:
        single = np.asarray(single_group, dtype=bool)
    single = single & (np.diff(g_ptr) == 1)
    if replace:
        blocks = blocks[:0]
    chunks = []
    used = 0
    for c in blocks[np.argsort(sizes[blocks], kind="stable")]:
        mem = c_mem[c_ptr[c]:c_ptr[c + 1]]
        nb = len(mem)
        if not single[mem].all() or used + nb * nb > REF_BUDGET:
            continue
        inv = _reference_inverse(mem, comp, c, loc, g_ptr, e_ptr, src, lam)
        if inv is None:
            continue
        r_off[c] = used
        chunks.append(inv.ravel())  # row a of inv.T is column a of (I − R)⁻¹
        used += nb * nb
    r_data = np.concatenate(chunks) if chunks else np.zeros(0)

    if firm_sec is None:
        firm_sec = np.zeros(n, dtype=np.int32)
        s_out = np.zeros(n)
        sector_total = np.zeros(1)
    return Side(
        g_ptr=g_ptr, e_ptr=e_ptr, e_src=np.ascontiguousarray(src),
        e_lam=np.ascontiguousarray(lam), o_ptr=o_ptr, o_dst=np.ascontiguousarray(o_dst),
        comp=comp, c_ptr=c_ptr, c_mem=c_mem, loc=loc, c_plain=c_plain,
        r_off=r_off, r_data=r_data,
        firm_sec=np.ascontiguousarray(firm_sec, dtype=np.int32),
        s_out=np.ascontiguousarray(s_out, dtype=np.float64),
        sector_total=np.ascontiguousarray(sector_total, dtype=np.float64),
        replace=bool(replace),
    )


def _reference_inverse(mem, comp, c, loc, g_ptr, e_ptr, src, lam):
    """``(I − R)ᵀ⁻¹`` of one loop, or None when ``I − R`` is not a nonsingular M-matrix."""
    nb = len(mem)
    M = np.eye(nb)
    for a, j in enumerate(mem):
        for e in range(e_ptr[g_ptr[j]], e_ptr[g_ptr[j + 1]]):
            s = src[e]
            if comp[s] == c:
                M[a, loc[s]] -= lam[e]
    try:
        inv = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return None
    size = np.abs(inv).sum(axis=1).max() if nb else 0.0
    if not np.isfinite(size) or size > REF_COND or inv.min() < -1e-12 * max(1.0, inv.max()):
        return None  # a closed loop (singular up to rounding) or one that amplifies losses
    return np.ascontiguousarray(np.maximum(inv, 0.0).T)


# ---------------------------------------------------------------------------
# evaluating the map


@njit(cache=True, nogil=True)
def _fill_sigma(side, wk, firms, count):
    """``wk.sig`` of the listed firms from the sectors' available output ``wk.avail``."""
    for a in range(count):
        s = firms[a]
        v = 1.0
        av = wk.avail[side.firm_sec[s]]
        if av > SECTOR_FLOOR:
            v = side.s_out[s] / av
            if v > 1.0:
                v = 1.0
        wk.sig[s] = v


# The three functions below run for every link a cascade touches: they take the
# arrays they read (not the Side, whose many fields would be copied at each call)
# and are inlined.


@njit(cache=True, nogil=True, inline="always")
def _group_loss(g, e_ptr, e_src, e_lam, y, sig, use_sig):
    """Loss carried by group ``g``: ``Σₑ λₑ σ y``."""
    t = 0.0
    for e in range(e_ptr[g], e_ptr[g + 1]):
        s = e_src[e]
        x = y[s]
        if x > 0.0:
            lo = e_lam[e] * x
            if use_sig:
                lo *= sig[s]
            t += lo
    return t


@njit(cache=True, nogil=True, inline="always")
def _best_group(j, g_ptr, e_ptr, e_src, e_lam, y, sig, use_sig):
    """The largest group loss of firm ``j`` and its group (−1 if ``j`` has none)."""
    best = 0.0
    bg = -1
    for g in range(g_ptr[j], g_ptr[j + 1]):
        t = _group_loss(g, e_ptr, e_src, e_lam, y, sig, use_sig)
        if bg < 0 or t > best:
            best = t
            bg = g
    return best, bg


@njit(cache=True, nogil=True, inline="always")
def _value(j, g_ptr, e_ptr, e_src, e_lam, y, b, sig, use_sig):
    """``F(y)ⱼ``."""
    best, _ = _best_group(j, g_ptr, e_ptr, e_src, e_lam, y, sig, use_sig)
    v = b[j] if b[j] > best else best
    return 1.0 if v > 1.0 else v


# ---------------------------------------------------------------------------
# small dense solves


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


# ---------------------------------------------------------------------------
# step 3: one policy, exactly


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
        for a in range(s):
            if not free[a]:
                continue
            g = pol[S[a]]
            t = 0.0
            k = 0
            for e in range(e_ptr[g], e_ptr[g + 1]):
                src = e_src[e]
                coef = e_lam[e] * sig[src] if use_sig else e_lam[e]
                q = sidx[src]
                if q >= 0:
                    k += 1
                    dep1[a] = q
                    a1[a] = coef
                else:
                    t += coef * y[src]
            c[a] = t
            ndep[a] = k
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
        rows_of = np.empty(K, dtype=np.int32)
        for a in range(s):
            if free[a] and root[a] == a:
                rows_of[core[a]] = a
        nnz = 0
        for r in range(K):
            a = rows_of[r]
            z[r] = c[a]
            x0[r] = y[S[a]]
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
    low = wk.t_low
    stack = wk.t_stack
    onstk = wk.t_onstk
    call = wk.t_call
    epos = wk.t_epos
    sc_mem = wk.sc_mem
    sc_ptr = wk.sc_ptr
    counter = 0
    sp = 0
    nsc = 0
    out = 0
    sc_ptr[0] = 0
    for r0 in range(members.shape[0]):
        r = members[r0]
        if index[r] != -1:
            continue
        index[r] = counter
        low[r] = counter
        counter += 1
        stack[sp] = r
        sp += 1
        onstk[r] = True
        cp = 0
        call[cp] = r
        cp += 1
        epos[r] = side.e_ptr[pol[r]] if pol[r] >= 0 else 0
        while cp > 0:
            v = call[cp - 1]
            end = side.e_ptr[pol[v] + 1] if pol[v] >= 0 else 0
            pushed = False
            while epos[v] < end:
                w = side.e_src[epos[v]]
                epos[v] += 1
                if side.comp[w] != c:
                    continue
                if index[w] == -1:
                    index[w] = counter
                    low[w] = counter
                    counter += 1
                    stack[sp] = w
                    sp += 1
                    onstk[w] = True
                    call[cp] = w
                    cp += 1
                    epos[w] = side.e_ptr[pol[w]] if pol[w] >= 0 else 0
                    pushed = True
                    break
                if onstk[w] and index[w] < low[v]:
                    low[v] = index[w]
            if pushed:
                continue
            if low[v] == index[v]:
                while True:
                    sp -= 1
                    w = stack[sp]
                    onstk[w] = False
                    sc_mem[out] = w
                    out += 1
                    if w == v:
                        break
                nsc += 1
                sc_ptr[nsc] = out
            cp -= 1
            if cp > 0:
                u = call[cp - 1]
                if low[v] < low[u]:
                    low[u] = low[v]
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
            nF = 0
            for a in range(nb):
                j = members[a]
                p = pol[j]
                if p == _FLOOR:
                    cvec[a] = b[j]
                    nF += 1
                elif p == _CAP:
                    cvec[a] = 1.0
                    nF += 1
                else:
                    t = 0.0
                    for e in range(side.e_ptr[p], side.e_ptr[p + 1]):
                        s = side.e_src[e]
                        if side.comp[s] != c:
                            t += side.e_lam[e] * y[s]
                    cvec[a] = t
                x[a] = 0.0
            for a in range(nb):
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
                # (I − R + E_F R_F)⁻¹ = N − N E_F (I + R_F N E_F)⁻¹ R_F N
                K = np.eye(nF)
                r = np.zeros(nF)
                for p_ in range(nF):
                    j = members[F[p_]]
                    g = side.g_ptr[j]
                    for e in range(side.e_ptr[g], side.e_ptr[g + 1]):
                        s = side.e_src[e]
                        if side.comp[s] != c:
                            continue
                        ls = side.loc[s]
                        lam = side.e_lam[e]
                        r[p_] += lam * x[ls]
                        for q in range(nF):
                            K[p_, q] += lam * N[off + F[q] * nb + ls]
                if not _lu_solve(K, r, nF):
                    return _FLAG_ROUNDS
                for q in range(nF):
                    zq = r[q]
                    if zq != 0.0:
                        base = off + F[q] * nb
                        for i in range(nb):
                            x[i] -= zq * N[base + i]
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
def _work(n, k):
    return _Work(
        np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int32),
        np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int32),
        np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int32),
        np.empty(n, dtype=np.int32), np.zeros(n, dtype=np.bool_),
        np.empty(n, dtype=np.int32), np.zeros(n, dtype=np.int64),
        np.full(n, -1, dtype=np.int32), np.empty(n, dtype=np.int32),
        np.zeros(n + 1, dtype=np.int64), np.zeros(n), np.zeros(n),
        np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
        np.ones(n), np.zeros(max(k, 1)), np.zeros(max(k, 1), dtype=np.int64),
        np.empty(max(k, 1), dtype=np.int32), np.zeros(2, dtype=np.int64),
        np.zeros(_N_STATS, dtype=np.int64),
    )


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
def _sector_avail(side, wk, nR, st):
    """``Aₖ`` for the sectors of the reached firms, from the current losses."""
    avail = wk.avail
    ns = 0
    for a in range(nR):
        j = wk.R[a]
        k = side.firm_sec[j]
        if wk.sec_mark[k] != st:
            wk.sec_mark[k] = st
            wk.sec_list[ns] = k
            ns += 1
            avail[k] = side.sector_total[k]
    for a in range(nR):
        j = wk.R[a]
        avail[side.firm_sec[j]] -= side.s_out[j] * wk.y[j]
    _fill_sigma(side, wk, wk.R, nR)
    return ns


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


@njit(cache=True, nogil=True)
def _reset(wk, nR):
    for a in range(nR):
        j = wk.R[a]
        wk.y[j] = 0.0
        wk.b[j] = 0.0


# ---------------------------------------------------------------------------
# batches of scenarios


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


# ---------------------------------------------------------------------------
# the reference: the paper's Jacobi iteration, stopped by a tolerance


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
                for e in range(side.o_ptr[f], side.o_ptr[f + 1]):
                    j = side.o_dst[e]
                    if stamp[j] != counter:
                        stamp[j] = counter
                        front[n_front] = j
                        n_front += 1
    for a in range(n_chg):
        f = chg[a]
        for e in range(side.o_ptr[f], side.o_ptr[f + 1]):
            j = side.o_dst[e]
            if stamp[j] != counter:
                stamp[j] = counter
                front[n_front] = j
                n_front += 1
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
