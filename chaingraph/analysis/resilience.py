"""Resilience (抗风险能力): firm-level systemic risk (ESRI), every firm's failure a scenario.

The Economic Systemic Risk Index of Diem, Borsos, Reisch, Kertész & Thurner
(2022) asks, for each firm, what share of the network's production would be
lost if that firm stopped producing, once the shock has travelled down to its
customers (who lack inputs) and up to its suppliers (who lose buyers) under a
generalized Leontief production function. :func:`systemic_risk` computes it
for every firm (or a subset): each firm's failure is a scenario, run in batches
in parallel on the local cores, or on a Dask cluster.

It returns the cascade's exact fixed point, computed in a compiled kernel
(:mod:`chaingraph.analysis._cascade`; the method and why it is exact are in
:mod:`chaingraph.analysis._cascade_exact`) that only visits the firms a shock
reaches; in linear cascades the firms on no supply loop are all done at once
(:mod:`chaingraph.analysis._cascade_single`). ``tol=`` switches to the paper's
plain iteration with its stopping rule instead.

The rest of ESRI is beside this module, and its public names stay importable
from here:

* :mod:`chaingraph.analysis._esri_inputs`: where a chain becomes the cascade's
  arrays, the weights (:func:`output_weight`, :func:`largest_output`) and the
  settings a result records;
* :mod:`chaingraph.analysis.disruption`: one scenario
  (:func:`simulate_disruption`, :class:`DisruptionResult`);
* :mod:`chaingraph.analysis.essentiality`: :func:`read_essentiality`, a sector
  essentiality matrix from a CSV file.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import threading
import warnings

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.analysis._common import require_links, with_place
from chaingraph.analysis._esri_inputs import (
    _check_tol,
    _essentiality_setting,
    _kept_network,
    _Network,
    _settings,
    _warn_uncertified,
    _weights,
)
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

# The rest of ESRI's public names, defined beside this module, stay importable from here.
from chaingraph.analysis._esri_inputs import largest_output, output_weight  # noqa: F401
from chaingraph.analysis.disruption import DisruptionResult, simulate_disruption
from chaingraph.analysis.essentiality import ESSENTIALITY_WORDS, read_essentiality  # noqa: F401

__all__ = ["systemic_risk", "simulate_disruption", "DisruptionResult", "read_essentiality"]


def _check_n_jobs(n_jobs):
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1
    ):
        raise ValueError(f"n_jobs must be a positive whole number of threads or None, not {n_jobs!r}")


# --------------------------------------------------------------------------
# running batches of scenarios


@contextlib.contextmanager
def _threads(n):
    """Run numba's parallel loops on ``n`` threads (all available when None)."""
    import numba

    before = numba.get_num_threads()
    if n is not None:
        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(before)


_KERNEL_LOCK = threading.Lock()


def _run_batch(net: _Network, weight: np.ndarray, tol, positions: np.ndarray, n_jobs=None):
    """Single-firm failure scenarios for the firms at ``positions`` (one batch)."""
    from chaingraph.analysis import _cascade  # numba compiles on first use: import when needed

    m = len(positions)
    ptr = np.arange(m + 1, dtype=np.int64)
    idx = np.ascontiguousarray(positions, dtype=np.int32)
    b = np.ones(m)
    # one batch at a time per process, each on all its threads: a Dask worker
    # with several threads would otherwise start parallel kernels side by side
    # (which numba's default workqueue threading layer does not allow)
    with _KERNEL_LOCK, _threads(n_jobs) as threads:
        if tol:
            return _cascade.esri_batch_jacobi(ptr, idx, b, net.down, net.up, weight, float(tol),
                                              threads)
        return _cascade.esri_batch(ptr, idx, b, net.down, net.up, weight, threads)


def _batches(m: int, parts: int) -> list[slice]:
    size = max(1, math.ceil(m / max(1, parts)))
    return [slice(a, min(a + size, m)) for a in range(0, m, size)]


def _progress(total, enabled, desc):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="firm", delay=2.0)


def _scenarios(net, weight, tol, positions, *, client, n_jobs, progress):
    """Weighted losses (ESRI, downstream, upstream) and flags or steps of each firm's failure.

    Exact and linear: the firms on no supply loop all at once
    (:mod:`._cascade_single`), the others scenario by scenario; otherwise
    every firm scenario by scenario, in batches on ``client`` or the local cores.
    """
    if client is not None and not all(hasattr(client, a) for a in ("scatter", "map", "gather")):
        raise TypeError("client must be a dask.distributed.Client")
    m = len(positions)
    outs = [np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int64)]
    rest = np.arange(m)
    if m and not tol:
        rest = _single_firm_pass(net, weight, positions, outs)
    if len(rest) == 0:
        return outs
    todo = positions[rest]
    bar = _progress(len(rest), progress, "ESRI")
    try:
        if client is not None:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            parts = _batches(len(rest), workers * 4)
            net_f = client.scatter(net, broadcast=True)
            w_f = client.scatter(weight, broadcast=True)
            futures = client.map(
                _run_batch, [net_f] * len(parts), [w_f] * len(parts), [tol] * len(parts),
                [todo[p] for p in parts], pure=False,
            )
            if bar is not None:
                from distributed import as_completed

                done = dict(zip((f.key for f in futures), parts))
                for f in as_completed(futures):
                    p = done[f.key]
                    bar.update(p.stop - p.start)
            results = client.gather(futures)
        else:
            # a few dozen calls: enough for a live progress bar, few enough that
            # each call's per-thread work arrays cost nothing next to the scenarios
            parts = _batches(len(rest), 1 if len(rest) <= 2048 else 40)
            results = []
            for p in parts:
                results.append(_run_batch(net, weight, tol, todo[p], n_jobs))
                if bar is not None:
                    bar.update(p.stop - p.start)
    finally:
        if bar is not None:
            bar.close()
    for p, res in zip(parts, results):
        for out, r in zip(outs, res):
            out[rest[p]] = r
    return outs


def _single_firm_pass(net, weight, positions, outs) -> np.ndarray:
    """Fill ``outs`` for the firms whose failure the linear pass gives; return the others' rows.

    Only without replaceability, and only for the firms whose failure the map
    meets where it is linear: one group of every firm it reaches, coefficients
    that do not amplify (:func:`._cascade_single.single_firm_losses`). The
    upstream side carries every link (``λᵘ = W / r > 0`` wherever ``W > 0``),
    so its components are those of the whole network: a firm alone in its
    upstream component is on no supply loop, and nothing but itself is both
    downstream and upstream of it.
    """
    from chaingraph.analysis import _cascade_single

    if net.down.replace:
        return np.arange(len(positions))
    loss_d = _cascade_single.single_firm_losses(net.down, weight)[positions]
    loss_u = _cascade_single.single_firm_losses(net.up, weight)[positions]
    alone = net.up.c_plain[net.up.comp[positions]] & np.isfinite(loss_d) & np.isfinite(loss_u)
    outs[0][alone] = loss_d[alone] + loss_u[alone] - weight[positions[alone]]
    outs[1][alone] = loss_d[alone]
    outs[2][alone] = loss_u[alone]
    return np.flatnonzero(~alone)


# --------------------------------------------------------------------------
# public functions


def _positions(chain, firms) -> np.ndarray:
    if firms is None:
        return np.arange(chain.n_firms, dtype=np.int32)
    ids = [firms] if isinstance(firms, str) else list(firms)
    pos = chain.firm_ids.get_indexer(ids)
    if (pos < 0).any():
        missing = [i for i, p in zip(ids, pos) if p < 0]
        raise ChainDataError(
            f"unknown firms {schema._examples(missing)}", source="firms", column="firm_id"
        )
    positions = np.unique(pos).astype(np.int32)  # the firms table's order
    if len(positions) < len(ids):
        warnings.warn(
            f"firms: {len(ids) - len(positions)} repeated firm ids; each firm's scenario "
            "is computed once", UserWarning, stacklevel=3,
        )
    return positions


def systemic_risk(
    chain: ChainGraph,
    *,
    sector: str = "segment_id",
    essentiality="linear",
    replaceability: bool = False,
    tol: float | None = None,
    firms=None,
    weight: str = "output",
    revenue: str | None = None,
    costs: str | None = None,
    client=None,
    n_jobs: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Economic systemic risk (系统性风险, ESRI) of each firm: the share of the chain's output lost if it stops.

    For each firm *i*, the scenario "*i* stops producing completely" (ψᵢ = 0,
    ψ = 1 elsewhere) is propagated through the supply network with the
    generalized Leontief cascade of Diem et al. (2022). With ``W[s, j]`` what
    *s* sells to *j*, ``s_out``/``s_in`` sales and purchases in the network,
    ``p(i)`` a firm's sector and ``E[k, l]`` the essentiality of sector *k*'s
    inputs to sector *l* (0 irrelevant, 1 non-essential, 2 essential):

    * ``Λᵈ[s, j] = W[s, j] / Π[j, p(s)]`` if essential, ``W[s, j] / s_in(j)`` if
      non-essential, where ``Π[j, k]`` is *j*'s purchases from sector *k*;
      ``Λᵘ[j, c] = W[j, c] / s_out(j)``;
    * the remaining production ``hᵈ`` (customers lacking inputs) and ``hᵘ``
      (suppliers losing buyers) is the limit of the paper's iteration from
      ``hᵈ = hᵘ = ψ``:
      ``πⱼₖ = 1 − Σ_{p(s)=k} Λᵈ[s, j] σₛ (1 − hᵈ(s))``,
      ``hᵈ(j) ← max(0, min(min_{E=2} πⱼₖ, 1 − Σ_{E=1} (1 − πⱼₖ), ψⱼ))`` and
      ``hᵘ(j) ← max(0, min(ψⱼ, 1 − Σ_c Λᵘ[j, c](1 − hᵘ(c))))``, with ``σₛ = 1``,
      or with replaceability ``σₛ = min(1, s_out(s) / Σ_{s′ ∈ p(s)} hᵈ(s′) s_out(s′))``;
    * ``ESRIᵢ = Σⱼ wⱼ (1 − min(hᵈⱼ, hᵘⱼ)) / Σⱼ wⱼ`` — the failing firm itself
      included, so an isolated firm's ESRI is its own weight share.

    The limit is computed exactly (the greatest fixed point of the update
    below ψ, to rounding error), not by iterating until changes are small:
    the iteration can approach it arbitrarily slowly around near-closed
    supply loops. The method (dependency order, policy iteration with exact
    sparse solves) and why it gives the fixed point are in
    :mod:`chaingraph.analysis._cascade`. In linear cascades the failures of
    firms on no supply loop are all read from one pass over the links
    (``Σⱼ wⱼ yⱼ(i) = (Nᵀw)ᵢ``, ``N = (I − Λ)⁻¹``), so the default settings
    take seconds for every firm of a national network.

    Parameters
    ----------
    chain : ChainGraph
    sector : str, default "segment_id"
        The firms column giving each firm's sector (product type). Needed only
        for essential inputs and replaceability.
    essentiality : {"linear", "leontief", "template"}, DataFrame or path, default "linear"
        ``"linear"``: every input is non-essential; ``"leontief"``: every input
        is essential; ``"template"``: the chain template's flows marked
        essential are essential (2), all other inputs non-essential (1); or a
        DataFrame indexed by supplying sector with one column per using
        sector, values 0, 1 or 2, or the path of such a CSV file (see
        :func:`read_essentiality`).
    replaceability : bool, default False
        Scale a failed supplier's loss by its share of its sector's available
        output (σ above): suppliers in crowded sectors can be replaced.
    tol : float, optional
        Default None: the exact fixed point. A number > 0 instead runs the
        paper's plain iteration (every step from the previous one's values)
        and stops when no firm's remaining production fell by more than
        ``tol`` in a step — faster to an approximation on some networks, and
        how other implementations report ESRI; 0 means exact.
    firms : iterable of firm ids, optional
        Compute only these scenarios (the result has only these rows).
    weight : str, default "output"
        What a firm's loss counts for. ``"output"``: the firm's output — its
        ``revenue`` where the firms table gives one, else the larger of its
        sales and purchases in the network, so that final assemblers (who
        sell outside the network) count. ``"network_sales"``: sales in the
        network (out-strength), the original definition of Diem et al.
        Any other string: a firms column of non-negative weights (e.g.
        employees). The weight used is in ``result.attrs["weight"]``.
    revenue, costs : str, optional
        Firms columns for the paper's adjustments: ``Λᵘ[j, c] = W[j, c]/r(j)``
        and ``Λᵈ[s, j]`` multiplied by ``s_in(j)/c(j)``, so that sales and
        purchases outside the network dampen the shock. A firm whose revenue or
        cost is missing or zero keeps the unadjusted coefficients (a warning
        says how many).
    client : dask.distributed.Client, optional
        Run the scenario batches on this cluster (results gathered in order,
        identical to a local run). Default: the local cores.
    n_jobs : int, optional
        Local threads, at least 1 (default: all cores).
    progress : bool, default True
        Show a progress bar (tqdm) when a run takes more than two seconds.

    Returns
    -------
    DataFrame
        Indexed by ``firm_id``, rows in the order of ``chain.firms``:

        - ``esri``: share of total weight lost, using ``min(hᵈ, hᵘ)``;
        - ``esri_downstream``: the same using ``hᵈ`` only (customers' side);
        - ``esri_upstream``: the same using ``hᵘ`` only (suppliers' side);
        - ``iterations`` (only with ``tol``): steps of the plain iteration.

        ``attrs`` says what was computed: ``weight`` (the weight used, in
        words), ``weight_setting`` (the ``weight`` argument), ``method``,
        ``tol`` (None when exact), ``essentiality``, ``replaceability``,
        ``reference``, all of it in one sentence, ``settings``, and the
        chain's ``home`` country and focus ``region``.

    Raises
    ------
    ChainDataError
        Unknown firms, missing sectors where they are needed, a malformed
        essentiality matrix, or bad weight, revenue or cost columns.
    ValueError
        ``tol`` outside [0, 1), ``n_jobs`` not a positive integer, or an
        unknown ``essentiality`` or ``weight`` name.

    References
    ----------
    .. [1] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022).
       Quantifying firm-level economic systemic risk from nation-wide supply
       networks. *Scientific Reports* 12, 7719. doi:10.1038/s41598-022-11522-z

    Examples
    --------
    The firms of Shandong's new-energy-vehicle chain whose failure costs the
    most, with the template's essential flows as Leontief inputs:

    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> risk = cg.systemic_risk(chain, essentiality="template", progress=False)
    >>> list(risk.columns)
    ['esri', 'esri_downstream', 'esri_upstream']
    >>> risk.attrs["weight"]
    'output: revenue for 2,000 firms, the larger of network sales and purchases for 0'
    >>> bool(risk["esri"].between(0, 1).all())
    True

    A three-firm line C → B → A (C sells 5 to B, B sells 8 to A), linear
    production. Without revenues, each firm's output weight is the larger of
    its network sales and purchases: A 8 (it buys 8), B 8, C 5; total 21. If B
    stops, A loses all its inputs (hᵈ = 0) and C its only buyer (hᵘ = 0):
    ESRI 1, downstream A and B lost, 16/21. If A stops, B loses its only
    buyer and so, in turn, does C: upstream 21/21, downstream A's own 8/21.

    >>> import pandas as pd
    >>> firms = pd.DataFrame({"firm_id": ["A", "B", "C"]})
    >>> links = pd.DataFrame({"supplier_id": ["C", "B"], "customer_id": ["B", "A"],
    ...                       "amount": [5.0, 8.0]})
    >>> line = cg.ChainGraph.from_frames(firms, links)
    >>> cg.systemic_risk(line, progress=False)
             esri  esri_downstream  esri_upstream
    firm_id
    A         1.0         0.380952       1.000000
    B         1.0         0.761905       0.619048
    C         1.0         1.000000       0.238095
    """
    require_links(chain, "systemic_risk")
    _check_tol(tol)
    _check_n_jobs(n_jobs)
    essentiality, described = _essentiality_setting(essentiality)
    net = _kept_network(chain, sector=sector, essentiality=essentiality,
                        replaceability=replaceability, revenue=revenue, costs=costs)
    w, label = _weights(chain, weight)
    positions = _positions(chain, firms)
    loss, loss_d, loss_u, extra = _scenarios(
        net, w, tol, positions, client=client, n_jobs=n_jobs, progress=progress
    )
    total = w.sum()
    columns = {
        "esri": np.clip(loss / total, 0.0, 1.0),
        "esri_downstream": np.clip(loss_d / total, 0.0, 1.0),
        "esri_upstream": np.clip(loss_u / total, 0.0, 1.0),
    }
    if tol:
        columns["iterations"] = extra.astype(np.int64)
    else:
        _warn_uncertified(extra)
    out = pd.DataFrame(columns, index=chain.firm_ids[positions])
    out.index.name = "firm_id"
    out.attrs.update(_settings(described, replaceability, tol, weight, label))
    return with_place(out, chain)
