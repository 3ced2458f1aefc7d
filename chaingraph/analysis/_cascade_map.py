"""The network sides of the ESRI cascade and the map they define: arrays in, arrays out.

Pure numeric kernels (numpy and numba; no pandas, no ``ChainGraph``), shared
by the exact method (:mod:`._cascade_exact`) and the plain iteration
(:mod:`._cascade_jacobi`); :mod:`._cascade` runs batches of scenarios.

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

Kept inverses
-------------
For loops of firms with one group each, :func:`side_arrays` keeps ``N = (I −
R)⁻¹`` (step 4 of :mod:`._cascade_exact`; step 3's dense solves use the same
elimination). ``N`` counts the expected visits
of a walk that goes round the loop and leaves it with each firm's *leak*, so
near-closed loops give entries of 10⁶ and more, and ``I − R`` formed by
subtracting ``λ`` from 1 has lost their digits already (a general inverse of
it: errors of ~10⁻¹⁶ ``‖N‖``, 10⁻¹⁰ at ``‖N‖ = 10⁶``). :func:`gth_inverse`
takes the leaks from the data instead and never subtracts, so ``N`` is
accurate entry by entry to a few units in the last place times the loop's
size, however large. A loop whose ``λ`` amplify (a row sums to more than 1:
the revenue and cost adjustments) has no leaks to take; it gets an ordinary
inverse, kept when non-negative. Loops that leak nowhere (``I − R``
singular) or hardly at all (``‖N‖∞ > REF_COND``) are left to step 3.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import scipy.linalg
from numba import njit

#: Below this, a sector's available output counts as none (σ = 1).
SECTOR_FLOOR = 1e-10
#: Largest loop (firms) whose ``(I − R)⁻¹`` is kept, and the total kept (entries).
REF_MAX = 3000
REF_BUDGET = 20_000_000
#: ``‖(I − R)⁻¹‖∞`` above this means the loop is closed (singular up to
#: rounding): such loops go to step 3 of :mod:`._cascade_exact`, which solves them with the shock inside.
REF_COND = 1e10
#: Pivots eliminated between two updates of the rest of the matrix in :func:`gth_inverse`.
GTH_BLOCK = 64
#: Flag bits of a scenario the method could not certify (see :data:`UNCERTIFIED`).
_FLAG_ROUNDS, _FLAG_OUTER, _FLAG_CAP = 1, 2, 4
#: Any of these flag bits set: the scenario's value is the best found, not certified.
UNCERTIFIED = _FLAG_ROUNDS | _FLAG_OUTER | _FLAG_CAP

_FLOOR = -1
_CAP = -2
#: Counters kept per worker (see :func:`._cascade.profile`).
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
#: self-link. ``r_off``/``r_data``: for components solved by step 4 of
#: :mod:`._cascade_exact`, the offset
#: of ``(I − R)⁻¹`` (stored by columns) in ``r_data``, else −1.
#: ``firm_sec``/``s_out``/``sector_total``/``replace``: replaceability.
Side = namedtuple("Side", [
    "g_ptr", "e_ptr", "e_src", "e_lam", "o_ptr", "o_dst",
    "comp", "c_ptr", "c_mem", "loc", "c_plain", "r_off", "r_data",
    "firm_sec", "s_out", "sector_total", "replace",
])

_Work = namedtuple("_Work", [
    "y", "b", "mark", "R", "pol", "keys",
    "t_index", "t_low", "t_stack", "t_onstk", "t_call", "t_epos", "t_lo", "t_hi",
    "sidx", "sc_mem", "sc_ptr", "tmp1", "tmp2", "pol2", "swap", "lock", "sig",
    "avail", "sec_mark", "sec_list", "ctr", "stats",
])


# ---------------------------------------------------------------------------
# building a side


@njit(cache=True, nogil=True)
def _tarjan(roots, lo, hi, e_src, keep, c, index, low, onstk, stack, call, epos, mem, ptr):
    """Strongly connected components reached from ``roots`` (Tarjan, iterative).

    Node ``v``'s edges go to ``e_src[lo[v]:hi[v]]``, only to nodes ``w`` with
    ``keep[w] == c``. ``index`` must be −1 at every node not yet visited;
    ``low``, ``onstk``, ``stack``, ``call`` and ``epos`` are scratch. The
    members of component ``q`` are written to ``mem[ptr[q]:ptr[q + 1]]``,
    components in the order Tarjan closes them, which puts every component
    after all components it depends on. Returns the number of components.
    """
    counter = 0
    sp = 0
    nsc = 0
    out = 0
    ptr[0] = 0
    for r0 in range(roots.shape[0]):
        r = roots[r0]
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
        epos[r] = lo[r]
        while cp > 0:
            v = call[cp - 1]
            end = hi[v]
            pushed = False
            while epos[v] < end:
                w = e_src[epos[v]]
                epos[v] += 1
                if keep[w] != c:
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
                    epos[w] = lo[w]
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
                    mem[out] = w
                    out += 1
                    if w == v:
                        break
                nsc += 1
                ptr[nsc] = out
            cp -= 1
            if cp > 0:
                u = call[cp - 1]
                if low[v] < low[u]:
                    low[u] = low[v]
    return nsc


@njit(cache=True, nogil=True)
def _components(g_ptr, e_ptr, e_src):
    """Strongly connected components of ``j → e_src`` over all of ``j``'s groups.

    Returns each firm's component, numbered in dependency order (see
    :func:`_tarjan`), and the number of components.
    """
    n = g_ptr.shape[0] - 1
    mem = np.empty(n, dtype=np.int32)
    ptr = np.zeros(n + 1, dtype=np.int64)
    nc = _tarjan(np.arange(n), e_ptr[g_ptr[:-1]], e_ptr[g_ptr[1:]], e_src,
                 np.zeros(n, dtype=np.int32), 0, np.full(n, -1, dtype=np.int32),
                 np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.bool_),
                 np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32),
                 np.empty(n, dtype=np.int64), mem, ptr)
    comp = np.empty(n, dtype=np.int32)
    for q in range(nc):
        for a in range(ptr[q], ptr[q + 1]):
            comp[mem[a]] = q
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


@njit(cache=True, nogil=True)
def _row_deficit(total, links):
    """The share of a firm's input or sales outside the network, ``1 − Σ λ``.

    ``total`` is ``Σ λ`` over the firm's ``links`` links. A normalised share
    table sums to 1 up to about one rounding per link: within that the share
    is 0. Returns −1 when the ``λ`` amplify (sum to more than 1 beyond it).
    """
    noise = (links + 4) * 2.220446049250313e-16
    if total > 1.0 + noise:
        return -1.0
    if total < 1.0 - noise:
        return 1.0 - total
    return 0.0


def _reference_inverse(mem, comp, c, loc, g_ptr, e_ptr, src, lam):
    """``(I − R)ᵀ⁻¹`` of one loop, or None when it is not kept (see below).

    The loop's row ``a`` (firm ``j``) has off-diagonal entries ``−λ`` for its
    links inside the loop and the *leak* ``ℓ_a`` (its row sum) made of the
    links leaving the loop and the share of ``j``'s input that carries no loss
    (``1 − Σ λ`` over all its links, when that exceeds the rounding of the
    coefficients). With every ``ℓ_a ≥ 0`` the inverse is computed without
    subtraction (:func:`gth_inverse`), so it is accurate entry by entry however
    closely the loop closes. A row whose ``λ`` sum to more than 1 beyond
    rounding (the revenue and cost adjustments) has no such form: the loop is
    then inverted by LU with partial pivoting and kept only when the inverse
    is non-negative. None when the loop is closed (no leak, or ``‖(I −
    R)⁻¹‖∞ > REF_COND``): step 3 of :mod:`._cascade_exact` solves it instead.
    """
    nb = len(mem)
    B = np.zeros((nb, nb))
    leak = np.zeros(nb)
    amplifies = False
    for a, j in enumerate(mem):
        lo, hi = e_ptr[g_ptr[j]], e_ptr[g_ptr[j + 1]]
        total = 0.0
        for e in range(lo, hi):
            s = src[e]
            total += lam[e]
            if comp[s] == c:
                B[a, loc[s]] += lam[e]
            else:
                leak[a] += lam[e]
        deficit = _row_deficit(total, hi - lo)
        if deficit < 0.0:
            amplifies = True
        else:
            leak[a] += deficit
    if amplifies:
        M = np.eye(nb) - B
        try:
            inv = np.linalg.inv(M)
        except np.linalg.LinAlgError:
            return None
        if inv.min() < -1e-12 * max(1.0, inv.max()):
            return None  # a loop that amplifies losses without end
        inv = np.maximum(inv, 0.0)
    else:
        inv = gth_inverse(B, leak)  # a self-link's λ (B's diagonal) is in neither sum: 1 − λ
        if inv is None:
            return None
    size = inv.sum(axis=1).max() if nb else 0.0
    if not np.isfinite(size) or size > REF_COND:
        return None  # a closed loop (singular up to rounding)
    return np.ascontiguousarray(inv.T)


@njit(cache=True, nogil=True)
def _gth_panel(B, leak, d, k0, k1):
    """Eliminate pivots ``k0 … k1−1`` of :func:`gth_inverse`; False at a zero pivot.

    Rows ``k0 … k1−1`` are updated in full, rows below only in the panel's
    columns: the rest of those rows is :func:`gth_inverse`'s product.
    """
    n = B.shape[0]
    for k in range(k0, k1):
        t = leak[k]
        for j in range(k + 1, n):
            t += B[k, j]
        if not t > 0.0:
            return False
        d[k] = t
        for i in range(k + 1, n):
            if B[i, k] == 0.0:
                continue
            f = B[i, k] / t
            B[i, k] = f
            leak[i] += f * leak[k]
            top = n if i < k1 else k1
            for j in range(k + 1, top):
                if j != i:
                    B[i, j] += f * B[k, j]
    return True


def gth_inverse(B, leak):
    """``(I − R)⁻¹`` of a loop whose rows each keep a known share, without subtraction.

    ``B`` holds the off-diagonal coefficients ``R[a, b] ≥ 0`` (its diagonal
    is ignored) and ``leak[a] ≥ 0`` the row sums of ``I − R``, ``1 − Σ_b
    R[a, b]``, known from the data rather than computed by that subtraction.
    Gaussian elimination without pivoting keeps both as they are (the
    Grassmann–Taksar–Heyman form): eliminating pivot ``k`` adds
    ``f·R[k, b]`` to ``R[a, b]`` and ``f·leak[k]`` to ``leak[a]`` (``f =
    R[a, k] / d_k ≥ 0``), and every pivot is formed as ``d_k = leak[k] +
    Σ_{b > k} R[k, b]``, never as a difference. The triangular factors ``L =
    I − F``, ``U = D − R_upper`` are then accurate entry by entry, and so is
    ``U⁻¹ L⁻¹`` (its triangular solves only add non-negative terms), to a few
    units in the last place times the size, however close to 1 the loop's
    spectral radius: Alfa, Xue & Ye (2002), Numer. Math. 90. Pivots are taken
    in blocks of :data:`GTH_BLOCK`, the rest of the matrix updated by one
    product of non-negative matrices per block. ``B`` and ``leak`` are
    overwritten. Returns None when a pivot is 0 (a part of the loop that
    leaks nowhere: ``I − R`` is singular).
    """
    n = B.shape[0]
    d = np.empty(n)
    for k0 in range(0, n, GTH_BLOCK):
        k1 = min(k0 + GTH_BLOCK, n)
        if not _gth_panel(B, leak, d, k0, k1):
            return None
        if k1 < n:
            B[k1:, k1:] += B[k1:, k0:k1] @ B[k0:k1, k1:]  # its diagonal is never read
    lower = np.tril(-B, -1)
    np.fill_diagonal(lower, 1.0)
    upper = np.triu(-B, 1)
    np.fill_diagonal(upper, d)
    inv_lower = scipy.linalg.solve_triangular(lower, np.eye(n), lower=True, unit_diagonal=True)
    return scipy.linalg.solve_triangular(upper, inv_lower, lower=False)


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



# ---------------------------------------------------------------------------
# work arrays of one scenario on one side


@njit(cache=True, nogil=True)
def _work(n, k):
    return _Work(
        np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int32),
        np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int32),
        np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int32),
        np.empty(n, dtype=np.int32), np.zeros(n, dtype=np.bool_),
        np.empty(n, dtype=np.int32), np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
        np.full(n, -1, dtype=np.int32), np.empty(n, dtype=np.int32),
        np.zeros(n + 1, dtype=np.int64), np.zeros(n), np.zeros(n),
        np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
        np.ones(n), np.zeros(max(k, 1)), np.zeros(max(k, 1), dtype=np.int64),
        np.empty(max(k, 1), dtype=np.int32), np.zeros(2, dtype=np.int64),
        np.zeros(_N_STATS, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def _reset(wk, nR):
    for a in range(nR):
        j = wk.R[a]
        wk.y[j] = 0.0
        wk.b[j] = 0.0

