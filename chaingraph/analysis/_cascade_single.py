"""Every single-firm failure of a linear cascade side at once: one backward pass, no scenarios.

Pure numeric kernels (numpy and numba). :mod:`._cascade_exact` solves one
scenario at a time, at a cost proportional to the part of the network the
shock reaches; when every shock reaches a fixed share of the network, ESRI for
every firm then costs ``O(n²)``. Where every firm a shock reaches has one group
(all inputs non-essential downstream; always upstream) whose coefficients sum
to at most 1, and there is no replaceability, the cap and the ``max`` of the
map ``F`` (:mod:`._cascade_map`) never bind, and the scenario "firm ``i``
stops" has the losses

    ``y(i) = N[:, i] / N[i, i]``,  ``N = (I − P)⁻¹``,  ``P[j, s] = λ`` of the link carrying ``s``'s loss to ``j``

— hitting probabilities of the absorbing Markov chain that walks from a firm
to the firms it depends on with probabilities ``λ``. (Why this is ``F``'s least
fixed point: ``y(i) ≤ 1`` because rows of ``P`` sum to at most 1, so it is a
fixed point of ``F``, hence ``≥ y*``; and ``y*`` is a super-solution of the
uncapped linear map, whose least fixed point ``y(i)`` is, hence ``≤ y*``.)
The weighted loss of every scenario at once is then

    ``Σⱼ wⱼ yⱼ(i) = uᵢ / N[i, i]``,  ``u = Nᵀ w``,

and ``u`` solves ``u = w + Pᵀ u``: one pass over the links in reverse
dependency order (customers before suppliers downstream), every strongly
connected component solved with its kept ``(I − R)⁻¹``. A firm in no loop has
``N[i, i] = 1``. The work is ``O(links)`` for all firms together, against
``Σᵢ |reach(i)|`` for one scenario at a time; the sums are of non-negative
terms, so the two agree to rounding.

Essential inputs (downstream) give a firm several groups, and ``F`` takes the
``max`` of their sums — but a failure that reaches only *one* group of every
firm it reaches meets the other groups at zero, where the ``max`` is that one
group's sum: linear again. So a firm alone in its component with several
groups (each summing to at most 1) takes part in the pass like any other,
with ``P`` holding all its groups' links; ``N[j, i]`` sums the paths from
``i`` to ``j``, and for such a failure every path enters ``j`` through the
same group. The failures that may reach two groups of one firm are found by
:func:`failures_reaching_two_groups` and left to the scenarios.

Only a side's *own* weighted loss is linear: ESRI's ``max(yᵈ, yᵘ)`` needs
both sides' losses of the same firm. Where the shocked firm ``i`` lies on no
supply loop (a component of one firm, without a self-link, in the graph of
all links), no other firm is both downstream and upstream of it, so
``Σⱼ wⱼ max(yᵈⱼ, yᵘⱼ) = Σⱼ wⱼ yᵈⱼ + Σⱼ wⱼ yᵘⱼ − wᵢ``; firms on loops are
left to the scenario-by-scenario solver.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chaingraph.analysis._cascade_map import _row_deficit


@njit(cache=True, nogil=True)
def single_firm_losses(side, weight):
    """``Σⱼ wⱼ yⱼ(i)`` for every firm ``i``: the side's weighted loss if ``i`` alone stops.

    One pass over the components in reverse dependency order: ``u = w + Pᵀ u``,
    then ``uᵢ / N[i, i]``. NaN where the pass cannot tell: for the firms whose
    failure reaches a group with coefficients summing above 1 beyond their
    rounding (:func:`._cascade_map._row_deficit`; the cap of ``F`` may bind
    there), a loop with a firm of several groups, or a loop without a kept
    ``(I − R)⁻¹`` — NaN marks such a firm's ``u`` and flows from it to every
    firm its loss depends on, which are exactly the firms whose failure
    reaches it — and for the failures that may reach two groups of one firm
    (:func:`failures_reaching_two_groups`; the ``max`` of ``F`` may bind
    there). The side must have no replaceability (``σ`` ties all firms of a
    sector together).
    """
    n = side.g_ptr.shape[0] - 1
    acc = np.zeros(n)  # Σ over the firms already done of λ u: what reaches each firm from them
    u = np.empty(n)
    out = np.empty(n)
    nc = side.c_ptr.shape[0] - 1
    several = False  # a firm of several groups took part: some failures may reach two
    for c in range(nc - 1, -1, -1):
        a0 = side.c_ptr[c]
        nb = side.c_ptr[c + 1] - a0
        linear = side.c_plain[c] or side.r_off[c] >= 0
        for a in range(nb):
            j = side.c_mem[a0 + a]
            ng = side.g_ptr[j + 1] - side.g_ptr[j]
            if ng > 1:
                if side.c_plain[c]:
                    several = True
                else:
                    linear = False  # a loop's kept inverse is of one group per firm
            for g in range(side.g_ptr[j], side.g_ptr[j + 1]):
                t = 0.0
                for e in range(side.e_ptr[g], side.e_ptr[g + 1]):
                    t += side.e_lam[e]
                if _row_deficit(t, side.e_ptr[g + 1] - side.e_ptr[g]) < 0.0:
                    linear = False  # the coefficients amplify (beyond their rounding)
        if not linear:
            for a in range(nb):
                j = side.c_mem[a0 + a]
                u[j] = np.nan
                out[j] = np.nan
        elif side.c_plain[c]:
            j = side.c_mem[a0]
            v = weight[j] + acc[j]
            u[j] = v
            out[j] = v
        else:
            off = side.r_off[c]
            for a in range(nb):  # u_C = N_Cᵀ (w_C + acc_C); column a of N_C is stored at off + a·nb
                t = 0.0
                base = off + a * nb
                for q in range(nb):
                    m = side.c_mem[a0 + q]
                    t += side.r_data[base + q] * (weight[m] + acc[m])
                u[side.c_mem[a0 + a]] = t
            for a in range(nb):
                j = side.c_mem[a0 + a]
                out[j] = u[j] / side.r_data[off + a * nb + a]
        for a in range(nb):
            j = side.c_mem[a0 + a]
            v = u[j]
            for e in range(side.e_ptr[side.g_ptr[j]], side.e_ptr[side.g_ptr[j + 1]]):
                s = side.e_src[e]
                if side.comp[s] != c:
                    acc[s] += side.e_lam[e] * v
    if several:
        two = failures_reaching_two_groups(side)
        for i in range(n):
            if two[i]:
                out[i] = np.nan
    return out


@njit(cache=True, nogil=True)
def failures_reaching_two_groups(side):
    """Whether firm ``i``'s failure may reach two groups of one firm, for every ``i``.

    A superset, found by *classes* of firms (their sectors, ``side.firm_sec``)
    in two passes over the links with one bit per class. Forward, in
    dependency order: ``above[j]``, the classes of the firms whose loss
    reaches ``j`` (``j``'s own when it is on a loop), and for each group of
    ``j`` the classes reaching it (its suppliers' and what reaches them);
    ``twice[j]``, the classes found in two groups of ``j``. Backward:
    ``below[s]``, the union of ``twice`` over the firms ``s``'s loss reaches.
    ``i`` is flagged when its class is in ``below[i]``. If ``i`` reaches two
    groups of ``j``, some firm of ``i``'s class (``i``) reaches both, so the
    class is in ``twice[j]``, ``j`` is below ``i``, and ``i`` is flagged; a
    flag may also come from another firm of the class. ``O(links ×
    classes / 64)``.
    """
    n = side.g_ptr.shape[0] - 1
    cls = side.firm_sec
    k = 1
    for i in range(n):
        if cls[i] + 1 > k:
            k = cls[i] + 1
    words = (k + 63) // 64
    one = np.uint64(1)
    above = np.zeros((n, words), dtype=np.uint64)
    twice = np.zeros((n, words), dtype=np.uint64)
    below = np.zeros((n, words), dtype=np.uint64)
    once = np.zeros(words, dtype=np.uint64)
    hit = np.zeros(words, dtype=np.uint64)
    group = np.zeros(words, dtype=np.uint64)
    nc = side.c_ptr.shape[0] - 1
    for c in range(nc):  # suppliers' components first
        a0 = side.c_ptr[c]
        nb = side.c_ptr[c + 1] - a0
        once[:] = 0
        hit[:] = 0
        for a in range(nb):
            j = side.c_mem[a0 + a]
            if nb > 1:  # on a loop: every member reaches every member
                once[cls[j] >> 6] |= one << np.uint64(cls[j] & 63)
            for g in range(side.g_ptr[j], side.g_ptr[j + 1]):
                group[:] = 0
                for e in range(side.e_ptr[g], side.e_ptr[g + 1]):
                    s = side.e_src[e]
                    group[cls[s] >> 6] |= one << np.uint64(cls[s] & 63)
                    for q in range(words):
                        group[q] |= above[s, q]
                for q in range(words):
                    hit[q] |= once[q] & group[q]
                    once[q] |= group[q]
            if nb == 1:
                for q in range(words):
                    above[j, q] = once[q]
                    twice[j, q] = hit[q]
        if nb > 1:  # a loop: what reaches one member reaches all of them
            for a in range(nb):
                j = side.c_mem[a0 + a]
                several = side.g_ptr[j + 1] - side.g_ptr[j] > 1
                for q in range(words):
                    above[j, q] = once[q]
                    # a member's groups are not told apart (such loops leave the pass)
                    twice[j, q] = once[q] if several else np.uint64(0)
    for c in range(nc - 1, -1, -1):  # customers' components first
        a0 = side.c_ptr[c]
        nb = side.c_ptr[c + 1] - a0
        once[:] = 0
        for a in range(nb):
            s = side.c_mem[a0 + a]
            for o in range(side.o_ptr[s], side.o_ptr[s + 1]):
                j = side.o_dst[o]
                for q in range(words):
                    once[q] |= below[j, q] | twice[j, q]
        for a in range(nb):
            s = side.c_mem[a0 + a]
            for q in range(words):
                below[s, q] = once[q]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        out[i] = (below[i, cls[i] >> 6] >> np.uint64(cls[i] & 63)) & one != 0
    return out
