"""The generalized-Leontief shock cascade behind ESRI: arrays in, arrays out.

Pure numeric kernel (no pandas, no ``ChainGraph``). The network comes as two
CSR structures over firms ``0 .. n-1``:

* the *supplier* side, row ``j`` listing ``j``'s suppliers ``s`` with the
  downstream coefficient ``Λᵈ[s, j]``, the essentiality code ``E[p(s), p(j)]``
  (0 irrelevant, 1 linear, 2 essential) and the supplier's sector, entries of a
  row grouped by supplier sector;
* the *customer* side, row ``j`` listing ``j``'s customers ``c`` with the
  upstream coefficient ``Λᵘ[j, c]``.

A scenario is a set of firms with a remaining-production cap ``ψ < 1``; every
other firm has ``ψ = 1``. The cascade iterates, in lockstep (Jacobi: every
update reads the previous step's values),

* ``σₛ = min(1, s_out(s) / Σ_{s′ ∈ p(s)} hᵈ(s′) s_out(s′))`` with
  replaceability (a sum ≤ 1e-10 counts as 1), else ``σₛ = 1``;
* ``πⱼₖ = 1 − Σ_{s: p(s)=k} Λᵈ[s, j] σₛ (1 − hᵈ(s))``;
* ``hᵈ(j) ← max(0, min(min_{k: E=2} πⱼₖ, 1 − Σ_{k: E=1} (1 − πⱼₖ), ψⱼ))``;
* ``hᵘ(j) ← max(0, min(ψⱼ, 1 − Σ_c Λᵘ[j, c] (1 − hᵘ(c))))``;

until no ``hᵈ`` or ``hᵘ`` fell by more than ``tol`` in the last step, or for
at most :data:`MAX_ITERATIONS` steps (with ``tol = 0`` a near-closed supply
loop can otherwise shrink by ever smaller amounts for a very long time; the
caller warns when a scenario reaches the cap).

The result equals that of full sweeps over the whole network, but a step
only recomputes the firms whose inputs changed in the previous step: the
customers of firms whose ``hᵈ`` changed (plus, with replaceability, the
customers of the damaged firms of a sector whose available output changed)
and the suppliers of firms whose ``hᵘ`` changed. A firm whose inputs did not
change would get its previous value again, so skipping it changes nothing.
Work per scenario is therefore proportional to the part of the network the
shock reaches, not to the network's size.

Scenarios are independent; :func:`esri_batch` runs a batch of them one after
the other, reusing its work arrays, and releases the GIL so that several
batches run in parallel threads (or on a cluster).
"""

from __future__ import annotations

#: Cap on cascade steps per scenario.
MAX_ITERATIONS = 100_000

import numpy as np

try:  # numba is a dependency; the fallback keeps the module importable (slowly) without it
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    HAVE_NUMBA = False

    def njit(*args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f


__all__ = ["esri_batch", "cascade", "HAVE_NUMBA"]

#: Below this, a sector's available output counts as none (σ = 1).
SECTOR_FLOOR = 1e-10


@njit(cache=True, nogil=True, inline="always")
def _commit(front, n_front, newval, h, chg, in_dmg, dmg, n_dmg):
    """Write a step's new values of ``h`` (``hᵈ`` or ``hᵘ``) for the firms in ``front``.

    Records the firms whose value changed (``chg``), adds first-time losers to
    the damaged list (``dmg``), and returns ``(largest fall, changed, damaged)``.
    """
    fall = 0.0
    n_chg = 0
    for a in range(n_front):
        j = front[a]
        v = newval[a]
        if v != h[j]:
            if h[j] - v > fall:
                fall = h[j] - v
            h[j] = v
            chg[n_chg] = j
            n_chg += 1
            if not in_dmg[j]:
                in_dmg[j] = True
                dmg[n_dmg] = j
                n_dmg += 1
    return fall, n_chg, n_dmg


@njit(cache=True, nogil=True)
def _run(
    shock_idx, shock_psi,
    d_ptr, d_idx, d_lam, d_ess, d_sec,
    u_ptr, u_idx, u_lam,
    firm_sec, s_out, sector_total, replace, tol,
    hd, hu, psi,
    stamp, counter,
    front, newval,
    chg_d, chg_u,
    dmg_d, dmg_u, in_dmg_d, in_dmg_u,
    sec_loss, sec_changed,
):
    """One scenario. Leaves hd, hu, psi as the cascade ends; returns
    (iterations, n_dmg_d, n_dmg_u, counter). The caller resets the buffers."""
    n_dmg_d = 0
    n_dmg_u = 0
    n_chg_d = 0
    n_chg_u = 0
    for t in range(shock_idx.shape[0]):
        f = shock_idx[t]
        v = shock_psi[t]
        if v < psi[f]:
            psi[f] = v
    for t in range(shock_idx.shape[0]):
        f = shock_idx[t]
        v = psi[f]
        if v < 1.0:
            if not in_dmg_d[f]:
                hd[f] = v
                hu[f] = v
                in_dmg_d[f] = True
                in_dmg_u[f] = True
                dmg_d[n_dmg_d] = f
                n_dmg_d += 1
                dmg_u[n_dmg_u] = f
                n_dmg_u += 1
                chg_d[n_chg_d] = f
                n_chg_d += 1
                chg_u[n_chg_u] = f
                n_chg_u += 1

    n_sec = sector_total.shape[0]
    iterations = 0
    while True:
        iterations += 1
        # ---------------------------------------------------------- downstream
        counter += 1
        n_front = 0
        if replace:
            # available output by sector, from the previous step's hd
            for k in range(n_sec):
                sec_loss[k] = 0.0
                sec_changed[k] = False
            for a in range(n_dmg_d):
                f = dmg_d[a]
                sec_loss[firm_sec[f]] += (1.0 - hd[f]) * s_out[f]
            for a in range(n_chg_d):
                sec_changed[firm_sec[chg_d[a]]] = True
            # customers of damaged suppliers whose σ moved
            for a in range(n_dmg_d):
                f = dmg_d[a]
                if sec_changed[firm_sec[f]]:
                    for e in range(u_ptr[f], u_ptr[f + 1]):
                        c = u_idx[e]
                        if stamp[c] != counter:
                            stamp[c] = counter
                            front[n_front] = c
                            n_front += 1
        for a in range(n_chg_d):
            f = chg_d[a]
            for e in range(u_ptr[f], u_ptr[f + 1]):
                c = u_idx[e]
                if stamp[c] != counter:
                    stamp[c] = counter
                    front[n_front] = c
                    n_front += 1
        for a in range(n_front):
            j = front[a]
            ess_min = 1.0
            lin_loss = 0.0
            cur_sec = -2
            cur_loss = 0.0
            cur_ess = False
            for e in range(d_ptr[j], d_ptr[j + 1]):
                if d_sec[e] != cur_sec:
                    if cur_ess and 1.0 - cur_loss < ess_min:
                        ess_min = 1.0 - cur_loss
                    cur_sec = d_sec[e]
                    cur_loss = 0.0
                    cur_ess = d_ess[e] == 2
                s = d_idx[e]
                x = 1.0 - hd[s]
                if x > 0.0 and d_ess[e] != 0:
                    lo = d_lam[e] * x
                    if replace:
                        avail = sector_total[firm_sec[s]] - sec_loss[firm_sec[s]]
                        if avail > SECTOR_FLOOR:
                            sig = s_out[s] / avail
                            if sig < 1.0:
                                lo *= sig
                    if d_ess[e] == 2:
                        cur_loss += lo
                    else:
                        lin_loss += lo
            if cur_ess and 1.0 - cur_loss < ess_min:
                ess_min = 1.0 - cur_loss
            v = ess_min
            if 1.0 - lin_loss < v:
                v = 1.0 - lin_loss
            if psi[j] < v:
                v = psi[j]
            if v < 0.0:
                v = 0.0
            newval[a] = v
        fall_d, n_chg_d, n_dmg_d = _commit(front, n_front, newval, hd, chg_d, in_dmg_d, dmg_d, n_dmg_d)
        # ------------------------------------------------------------ upstream
        counter += 1
        n_front = 0
        for a in range(n_chg_u):
            f = chg_u[a]
            for e in range(d_ptr[f], d_ptr[f + 1]):
                s = d_idx[e]
                if stamp[s] != counter:
                    stamp[s] = counter
                    front[n_front] = s
                    n_front += 1
        for a in range(n_front):
            j = front[a]
            loss = 0.0
            for e in range(u_ptr[j], u_ptr[j + 1]):
                c = u_idx[e]
                x = 1.0 - hu[c]
                if x > 0.0:
                    loss += u_lam[e] * x
            v = 1.0 - loss
            if psi[j] < v:
                v = psi[j]
            if v < 0.0:
                v = 0.0
            newval[a] = v
        fall_u, n_chg_u, n_dmg_u = _commit(front, n_front, newval, hu, chg_u, in_dmg_u, dmg_u, n_dmg_u)
        if (fall_d <= tol and fall_u <= tol) or iterations >= MAX_ITERATIONS:
            break
    return iterations, n_dmg_d, n_dmg_u, counter


@njit(cache=True, nogil=True)
def _buffers(n, n_sec):
    hd = np.ones(n)
    hu = np.ones(n)
    psi = np.ones(n)
    stamp = np.zeros(n, dtype=np.int64)
    front = np.empty(n, dtype=np.int32)
    newval = np.empty(n)
    chg_d = np.empty(n, dtype=np.int32)
    chg_u = np.empty(n, dtype=np.int32)
    dmg_d = np.empty(n, dtype=np.int32)
    dmg_u = np.empty(n, dtype=np.int32)
    in_dmg_d = np.zeros(n, dtype=np.bool_)
    in_dmg_u = np.zeros(n, dtype=np.bool_)
    sec_loss = np.zeros(max(n_sec, 1))
    sec_changed = np.zeros(max(n_sec, 1), dtype=np.bool_)
    return (hd, hu, psi, stamp, front, newval, chg_d, chg_u, dmg_d, dmg_u,
            in_dmg_d, in_dmg_u, sec_loss, sec_changed)


@njit(cache=True, nogil=True)
def esri_batch(
    scen_ptr, scen_idx, scen_psi,
    d_ptr, d_idx, d_lam, d_ess, d_sec,
    u_ptr, u_idx, u_lam,
    firm_sec, s_out, sector_total, replace, tol, weight,
):
    """Weighted production losses for a batch of scenarios.

    Scenario ``q`` shocks firms ``scen_idx[scen_ptr[q]:scen_ptr[q+1]]`` to
    remaining production ``scen_psi[...]``. Returns four arrays over the
    scenarios: ``Σⱼ wⱼ(1 − min(hᵈⱼ, hᵘⱼ))``, ``Σⱼ wⱼ(1 − hᵈⱼ)``,
    ``Σⱼ wⱼ(1 − hᵘⱼ)`` (not divided by ``Σ w``) and the iteration counts.
    """
    n = d_ptr.shape[0] - 1
    m = scen_ptr.shape[0] - 1
    (hd, hu, psi, stamp, front, newval, chg_d, chg_u, dmg_d, dmg_u,
     in_dmg_d, in_dmg_u, sec_loss, sec_changed) = _buffers(n, sector_total.shape[0])
    loss = np.zeros(m)
    loss_d = np.zeros(m)
    loss_u = np.zeros(m)
    iters = np.zeros(m, dtype=np.int64)
    counter = 0
    for q in range(m):
        a0 = scen_ptr[q]
        a1 = scen_ptr[q + 1]
        it, nd, nu, counter = _run(
            scen_idx[a0:a1], scen_psi[a0:a1],
            d_ptr, d_idx, d_lam, d_ess, d_sec, u_ptr, u_idx, u_lam,
            firm_sec, s_out, sector_total, replace, tol,
            hd, hu, psi, stamp, counter, front, newval, chg_d, chg_u,
            dmg_d, dmg_u, in_dmg_d, in_dmg_u, sec_loss, sec_changed,
        )
        tot = 0.0
        td = 0.0
        tu = 0.0
        for a in range(nd):
            f = dmg_d[a]
            td += weight[f] * (1.0 - hd[f])
            h = hd[f] if hd[f] < hu[f] else hu[f]
            tot += weight[f] * (1.0 - h)
        for a in range(nu):
            f = dmg_u[a]
            tu += weight[f] * (1.0 - hu[f])
            if not in_dmg_d[f]:
                tot += weight[f] * (1.0 - hu[f])
        loss[q] = tot
        loss_d[q] = td
        loss_u[q] = tu
        iters[q] = it
        # reset the touched entries for the next scenario
        for a in range(nd):
            f = dmg_d[a]
            hd[f] = 1.0
            in_dmg_d[f] = False
        for a in range(nu):
            f = dmg_u[a]
            hu[f] = 1.0
            in_dmg_u[f] = False
        for a in range(a0, a1):
            psi[scen_idx[a]] = 1.0
    return loss, loss_d, loss_u, iters


@njit(cache=True, nogil=True)
def cascade(
    shock_idx, shock_psi,
    d_ptr, d_idx, d_lam, d_ess, d_sec,
    u_ptr, u_idx, u_lam,
    firm_sec, s_out, sector_total, replace, tol,
):
    """One scenario in full: returns ``(hᵈ, hᵘ, iterations)`` for every firm."""
    n = d_ptr.shape[0] - 1
    (hd, hu, psi, stamp, front, newval, chg_d, chg_u, dmg_d, dmg_u,
     in_dmg_d, in_dmg_u, sec_loss, sec_changed) = _buffers(n, sector_total.shape[0])
    it, nd, nu, counter = _run(
        shock_idx, shock_psi,
        d_ptr, d_idx, d_lam, d_ess, d_sec, u_ptr, u_idx, u_lam,
        firm_sec, s_out, sector_total, replace, tol,
        hd, hu, psi, stamp, 0, front, newval, chg_d, chg_u,
        dmg_d, dmg_u, in_dmg_d, in_dmg_u, sec_loss, sec_changed,
    )
    return hd, hu, it
