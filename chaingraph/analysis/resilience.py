"""Resilience (抗风险能力): firm-level systemic risk (ESRI) and disruption scenarios.

The Economic Systemic Risk Index of Diem, Borsos, Reisch, Kertész & Thurner
(2022) asks, for each firm, what share of the network's production would be
lost if that firm stopped producing, once the shock has travelled down to its
customers (who lack inputs) and up to its suppliers (who lose buyers) under a
generalized Leontief production function. :func:`systemic_risk` computes it
for every firm (or a subset); :func:`simulate_disruption` runs one scenario —
some firms, a segment, a city's lockdown, or a country's supplies cut off
(卡脖子) — and says who loses what.

The cascade runs on the chain's CSR arrays in a compiled kernel
(:mod:`chaingraph.analysis._cascade`) that only recomputes the firms a shock
reaches; scenarios run in parallel threads, or on a Dask cluster.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.analysis._common import require_links
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["systemic_risk", "simulate_disruption", "DisruptionResult"]

_REFERENCE = (
    "Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022). "
    "Quantifying firm-level economic systemic risk from nation-wide supply "
    "networks. Scientific Reports 12, 7719. https://doi.org/10.1038/s41598-022-11522-z"
)


# --------------------------------------------------------------------------
# the network as kernel arrays
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Network:
    """The arrays :func:`_cascade.esri_batch` and :func:`_cascade.cascade` take."""

    d_ptr: np.ndarray
    d_idx: np.ndarray
    d_lam: np.ndarray
    d_ess: np.ndarray
    d_sec: np.ndarray
    u_ptr: np.ndarray
    u_idx: np.ndarray
    u_lam: np.ndarray
    firm_sec: np.ndarray
    s_out: np.ndarray
    sector_total: np.ndarray
    replace: bool

    def args(self, tol: float) -> tuple:
        return (self.d_ptr, self.d_idx, self.d_lam, self.d_ess, self.d_sec,
                self.u_ptr, self.u_idx, self.u_lam,
                self.firm_sec, self.s_out, self.sector_total, self.replace, float(tol))


def _firm_column(chain, col: str, what: str) -> pd.Series:
    if col not in chain.firms.columns:
        raise ChainDataError(f"no column {col!r} for the {what}", source="firms", column=col)
    return chain.firms[col]


def _numeric_column(chain, col: str, what: str, *, allow_missing: bool) -> np.ndarray:
    """A non-negative numeric firms column as float64 (NaN where missing, if allowed)."""
    s = _firm_column(chain, col, what)
    values = pd.to_numeric(s, errors="coerce")
    unreadable = values.isna() & s.notna()
    if unreadable.any():
        raise ChainDataError(
            f"{what}: values that are not numbers: {schema._examples(s[unreadable])}",
            source="firms", column=col, rows=list(s.index[unreadable.to_numpy()]),
        )
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(arr) & ~np.isnan(arr) | (arr < 0)
    if bad.any():
        raise ChainDataError(
            f"{what}: negative or infinite values", source="firms", column=col,
            rows=list(s.index[bad]),
        )
    if not allow_missing and np.isnan(arr).any():
        miss = np.isnan(arr)
        raise ChainDataError(
            f"{what}: missing values", source="firms", column=col, rows=list(s.index[miss]),
        )
    return arr


def _sector_codes(chain, sector: str) -> tuple[np.ndarray, pd.Index]:
    s = _firm_column(chain, sector, "sector (product type) of each firm")
    missing = s.isna().to_numpy()
    if missing.any():
        raise ChainDataError(
            f"{int(missing.sum())} firms have no sector, which essential inputs and "
            "replaceability need (fill the column, or use essentiality='linear' "
            "without replaceability)",
            source="firms", column=sector, rows=list(s.index[missing]),
        )
    codes, uniques = pd.factorize(s)
    return codes.astype(np.int32), pd.Index(uniques)


def _essentiality_matrix(chain, essentiality, sectors: pd.Index, sector: str) -> np.ndarray:
    """``E[k, l]`` over the sectors found in the firms table, int8 in {0, 1, 2}."""
    k = len(sectors)
    if isinstance(essentiality, str) and essentiality == "template":
        if sector != "segment_id":
            raise ChainDataError(
                f"essentiality='template' reads the template's segment flows, so it needs "
                f"sector='segment_id', not {sector!r}; give an essentiality matrix for other sectors",
                source="segments",
            )
        tmpl = chain.template
        if tmpl is None or tmpl.flows is None or len(tmpl.flows) == 0:
            raise ChainDataError(
                "essentiality='template' needs a chain template with flows", source="segments"
            )
        E = np.ones((k, k), dtype=np.int8)
        flows = tmpl.flows
        fr = sectors.get_indexer(flows["from_segment"])
        to = sectors.get_indexer(flows["to_segment"])
        ok = (fr >= 0) & (to >= 0) & flows["essential"].fillna(False).astype(bool).to_numpy()
        E[fr[ok], to[ok]] = 2
        return E
    if not isinstance(essentiality, pd.DataFrame):
        raise ValueError(
            "essentiality must be 'linear', 'leontief', 'template' or a DataFrame "
            f"(supplying sector × using sector, values 0/1/2), not {essentiality!r}"
        )
    frame = essentiality
    rows = pd.Index(frame.index.astype(str))
    cols = pd.Index(frame.columns.astype(str))
    if rows.has_duplicates or cols.has_duplicates:
        raise ChainDataError("repeated sector labels in the matrix", source="essentiality")
    values = frame.to_numpy()
    try:
        num = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise ChainDataError(
            "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential)",
            source="essentiality",
        ) from None
    bad_r, bad_c = np.nonzero(~np.isin(num, (0.0, 1.0, 2.0)))
    if len(bad_r):
        where = [f"{rows[r]}→{cols[c]}" for r, c in zip(bad_r[:5], bad_c[:5])]
        raise ChainDataError(
            "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential); "
            f"found {num[bad_r[0], bad_c[0]]!r} at {', '.join(where)}",
            source="essentiality", rows=list(rows[np.unique(bad_r)]),
        )
    labels = pd.Index(sectors.astype(str))
    ri = rows.get_indexer(labels)
    ci = cols.get_indexer(labels)
    for name, idx in (("rows (supplying sectors)", ri), ("columns (using sectors)", ci)):
        if (idx < 0).any():
            miss = list(labels[idx < 0])
            raise ChainDataError(
                f"sectors of the firms' {sector!r} column missing from the matrix {name}: "
                f"{schema._examples(miss)}",
                source="essentiality",
            )
    return num[np.ix_(ri, ci)].astype(np.int8)


def _network(chain, *, sector, essentiality, replaceability, revenue, costs) -> _Network:
    n = chain.n_firms
    needs_sector = replaceability or not (
        isinstance(essentiality, str) and essentiality == "linear"
    )
    if isinstance(essentiality, str) and essentiality not in ("linear", "leontief", "template"):
        raise ValueError(
            "essentiality must be 'linear', 'leontief', 'template' or a DataFrame, "
            f"not {essentiality!r}"
        )
    if needs_sector:
        firm_sec, sectors = _sector_codes(chain, sector)
    else:
        firm_sec, sectors = np.zeros(n, dtype=np.int32), pd.Index(["all"])
    k = max(len(sectors), 1)

    if isinstance(essentiality, str) and essentiality == "linear":
        E = np.ones((k, k), dtype=np.int8)
    elif isinstance(essentiality, str) and essentiality == "leontief":
        E = np.full((k, k), 2, dtype=np.int8)
    else:
        E = _essentiality_matrix(chain, essentiality, sectors, sector)

    s_out = np.ascontiguousarray(chain.out_strength, dtype=np.float64)
    s_in = np.ascontiguousarray(chain.in_strength, dtype=np.float64)

    # supplier side: row j = j's suppliers, grouped by supplier sector
    wt = chain.adjacency_t
    d_ptr = wt.indptr.astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(d_ptr))
    sup = wt.indices.astype(np.int32)
    amt = wt.data.astype(np.float64)
    ssec = firm_sec[sup]
    order = np.lexsort((sup, ssec, rows))  # rows stay in CSR order
    sup, amt, ssec = sup[order], amt[order], ssec[order]
    ess = E[ssec, firm_sec[rows]]
    # Π[j, p(s)]: j's purchases from the supplier's sector, per entry
    if len(rows):
        key = rows * k + ssec
        start = np.r_[True, key[1:] != key[:-1]]
        grp = np.cumsum(start) - 1
        pi = np.add.reduceat(amt, np.flatnonzero(start))[grp]
    else:
        pi = np.zeros(0)
    denom = np.where(ess == 2, pi, s_in[rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where((ess > 0) & (denom > 0), amt / denom, 0.0)
    if costs is not None:
        c = _numeric_column(chain, costs, "costs", allow_missing=True)
        _warn_unusable(chain, c, costs, "costs")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(np.isfinite(c) & (c > 0), s_in / c, 1.0)
        lam = lam * factor[rows]

    # customer side: row j = j's customers
    w = chain.adjacency
    u_ptr = w.indptr.astype(np.int64)
    cust = w.indices.astype(np.int32)
    urows = np.repeat(np.arange(n, dtype=np.int64), np.diff(u_ptr))
    udenom = s_out
    if revenue is not None:
        r = _numeric_column(chain, revenue, "revenue", allow_missing=True)
        _warn_unusable(chain, r, revenue, "revenue")
        udenom = np.where(np.isfinite(r) & (r > 0), r, s_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        ulam = np.where(udenom[urows] > 0, w.data / udenom[urows], 0.0)

    sector_total = np.bincount(firm_sec, weights=s_out, minlength=k).astype(np.float64)
    return _Network(
        d_ptr=d_ptr, d_idx=np.ascontiguousarray(sup),
        d_lam=np.ascontiguousarray(lam, dtype=np.float64),
        d_ess=np.ascontiguousarray(ess, dtype=np.int8),
        d_sec=np.ascontiguousarray(ssec, dtype=np.int32),
        u_ptr=u_ptr, u_idx=np.ascontiguousarray(cust),
        u_lam=np.ascontiguousarray(ulam, dtype=np.float64),
        firm_sec=np.ascontiguousarray(firm_sec), s_out=s_out,
        sector_total=sector_total, replace=bool(replaceability),
    )


def _warn_unusable(chain, values, col, what):
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        warnings.warn(
            f"{what} column {col!r}: {int(bad.sum())} of {len(values)} firms have a missing or "
            f"zero {what}; their links keep the unadjusted coefficients",
            UserWarning,
            stacklevel=4,
        )


def _weights(chain, weight) -> np.ndarray:
    if weight is None:
        w = np.asarray(chain.out_strength, dtype=np.float64)
    else:
        w = _numeric_column(chain, weight, "weight", allow_missing=False)
    if not w.sum() > 0:
        raise ChainDataError(
            "the weights sum to zero, so no loss share can be computed",
            source="firms", column=weight,
        )
    return np.ascontiguousarray(w)


def _is_number(value) -> bool:
    """A real number (Python or numpy scalar), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _warn_capped(iterations: np.ndarray) -> None:
    from chaingraph.analysis._cascade import MAX_ITERATIONS

    capped = int(np.sum(np.asarray(iterations) >= MAX_ITERATIONS))
    if capped:
        warnings.warn(
            f"{capped} scenarios stopped at the cap of {MAX_ITERATIONS:,} cascade steps "
            "before no firm fell by more than tol; use a larger tol",
            UserWarning, stacklevel=3,
        )


def _check_tol(tol):
    if not (_is_number(tol) and 0 <= tol < 1):
        raise ValueError(f"tol must be a number in [0, 1), not {tol!r}")


def _check_n_jobs(n_jobs):
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1
    ):
        raise ValueError(f"n_jobs must be a positive whole number of threads or None, not {n_jobs!r}")


# --------------------------------------------------------------------------
# running batches of scenarios
# --------------------------------------------------------------------------


def _run_batch(net: _Network, tol: float, weight: np.ndarray, positions: np.ndarray):
    """Single-firm failure scenarios for the firms at ``positions`` (one batch)."""
    m = len(positions)
    ptr = np.arange(m + 1, dtype=np.int64)
    idx = np.ascontiguousarray(positions, dtype=np.int32)
    psi = np.zeros(m)
    from chaingraph.analysis import _cascade  # numba compiles on first use: import when needed

    return _cascade.esri_batch(ptr, idx, psi, *net.args(tol), weight)


def _batches(m: int, workers: int) -> list[slice]:
    size = min(4096, max(16, math.ceil(m / max(1, workers * 8))))
    return [slice(a, min(a + size, m)) for a in range(0, m, size)]


def _progress(total, enabled, desc):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="firm", delay=2.0)


def _scenarios(net, tol, weight, positions, *, client, n_jobs, progress):
    m = len(positions)
    outs = [np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, dtype=np.int64)]
    if m == 0:
        return outs
    bar = _progress(m, progress, "ESRI")
    try:
        if client is not None:
            if not all(hasattr(client, a) for a in ("scatter", "map", "gather")):
                raise TypeError("client must be a dask.distributed.Client")
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            parts = _batches(m, workers * 2)
            net_f = client.scatter(net, broadcast=True)
            w_f = client.scatter(weight, broadcast=True)
            futures = client.map(
                _run_batch, [net_f] * len(parts), [tol] * len(parts), [w_f] * len(parts),
                [positions[p] for p in parts], pure=False,
            )
            if bar is not None:
                from distributed import as_completed

                done = dict(zip((f.key for f in futures), parts))
                for f in as_completed(futures):
                    p = done[f.key]
                    bar.update(p.stop - p.start)
            results = client.gather(futures)
        else:
            workers = int(n_jobs) if n_jobs is not None else (os.cpu_count() or 1)
            parts = _batches(m, workers)
            if workers == 1 or len(parts) == 1:
                results = []
                for p in parts:
                    results.append(_run_batch(net, tol, weight, positions[p]))
                    if bar is not None:
                        bar.update(p.stop - p.start)
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    futs = [pool.submit(_run_batch, net, tol, weight, positions[p]) for p in parts]
                    results = []
                    for p, f in zip(parts, futs):
                        results.append(f.result())
                        if bar is not None:
                            bar.update(p.stop - p.start)
    finally:
        if bar is not None:
            bar.close()
    for p, res in zip(parts, results):
        for out, r in zip(outs, res):
            out[p] = r
    return outs


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------


def systemic_risk(
    chain: ChainGraph,
    *,
    sector: str = "segment_id",
    essentiality="linear",
    replaceability: bool = False,
    tol: float = 1e-2,
    firms=None,
    weight: str | None = None,
    revenue: str | None = None,
    costs: str | None = None,
    client=None,
    n_jobs: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Economic systemic risk (系统性风险, ESRI) of each firm: the share of the chain's production lost if it stops.

    For each firm *i*, the scenario "*i* stops producing completely" (ψᵢ = 0,
    ψ = 1 elsewhere) is propagated through the supply network with the
    generalized Leontief cascade of Diem et al. (2022). With ``W[s, j]`` what
    *s* sells to *j*, ``s_out``/``s_in`` sales and purchases in the network,
    ``p(i)`` a firm's sector and ``E[k, l]`` the essentiality of sector *k*'s
    inputs to sector *l* (0 irrelevant, 1 non-essential, 2 essential):

    * ``Λᵈ[s, j] = W[s, j] / Π[j, p(s)]`` if essential, ``W[s, j] / s_in(j)`` if
      non-essential, where ``Π[j, k]`` is *j*'s purchases from sector *k*;
      ``Λᵘ[j, c] = W[j, c] / s_out(j)``;
    * starting from ``hᵈ = hᵘ = ψ`` (remaining production), iterate
      ``πⱼₖ = 1 − Σ_{p(s)=k} Λᵈ[s, j] σₛ (1 − hᵈ(s))``,
      ``hᵈ(j) ← max(0, min(min_{E=2} πⱼₖ, 1 − Σ_{E=1} (1 − πⱼₖ), ψⱼ))`` (customers
      lacking inputs) and ``hᵘ(j) ← max(0, min(ψⱼ, 1 − Σ_c Λᵘ[j, c](1 − hᵘ(c))))``
      (suppliers losing buyers), each from the previous step's values, until
      no ``hᵈ`` or ``hᵘ`` falls by more than ``tol``; ``σₛ = 1``, or with
      replaceability ``σₛ = min(1, s_out(s) / Σ_{s′ ∈ p(s)} hᵈ(s′) s_out(s′))``;
    * ``ESRIᵢ = Σⱼ wⱼ (1 − min(hᵈⱼ, hᵘⱼ)) / Σⱼ wⱼ`` — the failing firm itself
      included, so an isolated firm's ESRI is its own weight share.

    Parameters
    ----------
    chain : ChainGraph
    sector : str, default "segment_id"
        The firms column giving each firm's sector (product type). Needed only
        for essential inputs and replaceability.
    essentiality : {"linear", "leontief", "template"} or DataFrame, default "linear"
        ``"linear"``: every input is non-essential; ``"leontief"``: every input
        is essential; ``"template"``: the chain template's flows marked
        essential are essential (2), all other inputs non-essential (1); or a
        DataFrame indexed by supplying sector with one column per using
        sector, values 0, 1 or 2.
    replaceability : bool, default False
        Scale a failed supplier's loss by its share of its sector's available
        output (σ above): suppliers in crowded sectors can be replaced.
    tol : float, default 1e-2
        Stop when no firm's remaining production changed by more than this
        (or after 100,000 steps, with a warning: with ``tol=0`` a near-closed
        supply loop can shrink by ever smaller amounts for a very long time).
    firms : iterable of firm ids, optional
        Compute only these scenarios (the result has only these rows).
    weight : str, optional
        A firms column of non-negative weights (e.g. employees); default is each
        firm's sales in the network (out-strength).
    revenue, costs : str, optional
        Firms columns for the paper's adjustments: ``Λᵘ[j, c] = W[j, c]/r(j)``
        and ``Λᵈ[s, j]`` multiplied by ``s_in(j)/c(j)``, so that sales and
        purchases outside the network dampen the shock. A firm whose revenue or
        cost is missing or zero keeps the unadjusted coefficients (a warning
        says how many).
    client : dask.distributed.Client, optional
        Run the scenario batches on this cluster (results gathered in order).
        Default: local threads.
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
        - ``iterations``: cascade steps until no change above ``tol`` (int).

    Raises
    ------
    ChainDataError
        Unknown firms, missing sectors where they are needed, a malformed
        essentiality matrix, or bad weight, revenue or cost columns.
    ValueError
        ``tol`` outside [0, 1), ``n_jobs`` not a positive integer, or an
        unknown ``essentiality`` name.

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
    ['esri', 'esri_downstream', 'esri_upstream', 'iterations']
    >>> bool(risk["esri"].between(0, 1).all())
    True

    A three-firm line C → B → A (C sells 5 to B, B sells 8 to A), linear
    production, weights = sales (A 0, B 8, C 5; total 13). If B stops, A
    loses all its inputs (hᵈ = 0) and C its only buyer (hᵘ = 0): ESRI 1,
    downstream only A and B lost, 8/13. If A stops, B loses its only buyer
    and, one step later, so does C: upstream 13/13, downstream A's own 0.

    >>> import pandas as pd
    >>> firms = pd.DataFrame({"firm_id": ["A", "B", "C"]})
    >>> links = pd.DataFrame({"supplier_id": ["C", "B"], "customer_id": ["B", "A"],
    ...                       "amount": [5.0, 8.0]})
    >>> line = cg.ChainGraph.from_frames(firms, links)
    >>> cg.systemic_risk(line, progress=False)
             esri  esri_downstream  esri_upstream  iterations
    firm_id
    A         1.0         0.000000       1.000000           3
    B         1.0         0.615385       1.000000           2
    C         1.0         1.000000       0.384615           3
    """
    require_links(chain, "systemic_risk")
    _check_tol(tol)
    _check_n_jobs(n_jobs)
    net = _network(chain, sector=sector, essentiality=essentiality,
                   replaceability=replaceability, revenue=revenue, costs=costs)
    w = _weights(chain, weight)
    if firms is None:
        positions = np.arange(chain.n_firms, dtype=np.int32)
    else:
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
                "is computed once", UserWarning, stacklevel=2,
            )
    loss, loss_d, loss_u, iters = _scenarios(
        net, tol, w, positions, client=client, n_jobs=n_jobs, progress=progress
    )
    _warn_capped(iters)
    total = w.sum()
    out = pd.DataFrame(
        {
            "esri": np.clip(loss / total, 0.0, 1.0),
            "esri_downstream": np.clip(loss_d / total, 0.0, 1.0),
            "esri_upstream": np.clip(loss_u / total, 0.0, 1.0),
            "iterations": iters.astype(np.int64),
        },
        index=chain.firm_ids[positions],
    )
    out.index.name = "firm_id"
    return out


@dataclass
class DisruptionResult:
    """What :func:`simulate_disruption` returns.

    Attributes
    ----------
    firm_impacts : DataFrame
        Indexed by ``firm_id`` in the order of ``chain.firms``: ``shock``
        (the production share taken away by the scenario, 0 for firms not
        shocked), ``remaining_downstream`` (hᵈ), ``remaining_upstream`` (hᵘ),
        ``remaining`` (min of the two), ``loss`` (1 − remaining), ``weight``
        and ``weight_lost`` (weight × loss).
    segment_impacts : DataFrame
        Indexed by ``segment_id``: ``firms``, ``firms_shocked``, ``firms_hit``
        (loss above ``tol``), ``weight``, ``weight_lost``, ``loss_share``
        (weight_lost / weight), ``loss_share_downstream``, ``loss_share_upstream``.
    summary : Series
        ``shock`` (the scenario in words), ``firms_shocked``, ``firms_hit``,
        ``iterations``, ``loss_share`` (the ESRI of the scenario: weight lost /
        total weight), ``loss_share_downstream``, ``loss_share_upstream``,
        ``weight_lost``, ``local_loss_share`` (share of local firms' weight lost).
    """

    firm_impacts: pd.DataFrame
    segment_impacts: pd.DataFrame
    summary: pd.Series

    def __str__(self) -> str:
        hit = self.firm_impacts[self.firm_impacts["loss"] > 0].sort_values(
            "weight_lost", ascending=False
        )
        return "\n".join([
            self.summary.to_string(),
            "",
            "by segment:\n" + self.segment_impacts.to_string(),
            "",
            "firms hit most:\n" + hit.head(10).to_string(),
        ])

    def _repr_html_(self) -> str:
        return (self.summary.to_frame().to_html()
                + self.segment_impacts.to_html())


def _shock_vector(chain, shock, intensity) -> tuple[np.ndarray, str]:
    """The per-firm shock (share of production taken away) and a description."""
    n = chain.n_firms
    if not (_is_number(intensity) and 0 <= intensity <= 1):
        raise ValueError(f"intensity must be a number in [0, 1], not {intensity!r}")
    x = np.zeros(n)

    def firm_positions(ids, what):
        pos = chain.firm_ids.get_indexer(ids)
        if (pos < 0).any():
            missing = [i for i, p in zip(ids, pos) if p < 0]
            raise ChainDataError(f"{what}: unknown firms {schema._examples(missing)}",
                                 source="shock", column="firm_id")
        return pos

    if isinstance(shock, str) and ":" in shock and shock.split(":", 1)[0] in (
        "firm", "segment", "region", "country"
    ):
        kind, value = shock.split(":", 1)
        value = value.strip()
        if kind == "firm":
            x[firm_positions([value], "firm")] = intensity
            return x, f"firm {value} loses {intensity:.0%} of its production"
        if kind == "segment":
            if "segment_id" not in chain.firms.columns:
                raise ChainDataError("the firms table has no 'segment_id' column",
                                     source="firms", column="segment_id")
            hit = (chain.firms["segment_id"] == value).fillna(False).to_numpy(dtype=bool)
            if not hit.any():
                raise ChainDataError(f"no firm in segment {value!r}", source="shock",
                                     column="segment_id")
            what = f"segment {value}"
        elif kind == "region":
            hit = np.zeros(n, dtype=bool)
            if "city" in chain.firms.columns:
                hit |= (chain.firms["city"].astype("string").str.strip() == value
                        ).fillna(False).to_numpy(dtype=bool)
            if "province" in chain.firms.columns:
                target = schema.normalize_region(value)
                codes, uniques = pd.factorize(chain.firms["province"])
                match = np.array([schema.normalize_region(u) == target for u in uniques],
                                 dtype=bool)
                hit |= (codes >= 0) & match[np.maximum(codes, 0)]
            if not hit.any():
                raise ChainDataError(f"no firm whose city or province is {value!r}",
                                     source="shock", column="city")
            what = f"region {value} (lockdown)"
        else:
            if "country" not in chain.firms.columns:
                raise ChainDataError("the firms table has no 'country' column",
                                     source="firms", column="country")
            hit = (chain.firms["country"].astype("string").str.upper() == value.upper()
                   ).fillna(False).to_numpy(dtype=bool)
            if not hit.any():
                raise ChainDataError(f"no firm in country {value!r}", source="shock",
                                     column="country")
            what = f"supplies from {value.upper()} cut off"
        x[hit] = intensity
        return x, f"{what}: {int(hit.sum())} firms lose {intensity:.0%} of their production"

    if isinstance(shock, dict | pd.Series):
        ser = pd.Series(shock, dtype="float64") if isinstance(shock, dict) else shock
        vals = pd.to_numeric(ser, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad = ~((vals >= 0) & (vals <= 1))
        if bad.any():
            raise ChainDataError(
                "shock intensities must be numbers in [0, 1] (the share of production lost)",
                source="shock", rows=list(ser.index[bad]),
            )
        pos = firm_positions(list(ser.index), "shock")
        np.maximum.at(x, pos, vals)
        if len(vals) == 0:
            return x, "0 firms shocked"
        return x, f"{len(ser)} firms shocked (intensity {vals.min():.0%}–{vals.max():.0%})"
    if isinstance(shock, str):
        x[firm_positions([shock], "firm")] = intensity
        return x, f"firm {shock} loses {intensity:.0%} of its production"
    try:
        ids = list(shock)
    except TypeError:
        raise TypeError(
            "shock must be a firm id, a list of firm ids, a {firm_id: intensity} mapping, "
            "or 'segment:S', 'region:R', 'country:C'"
        ) from None
    x[firm_positions(ids, "shock")] = intensity
    return x, f"{len(set(ids))} firms lose {intensity:.0%} of their production"


def simulate_disruption(
    chain: ChainGraph,
    shock,
    *,
    intensity: float = 1.0,
    sector: str = "segment_id",
    essentiality="linear",
    replaceability: bool = False,
    tol: float = 1e-2,
    weight: str | None = None,
    revenue: str | None = None,
    costs: str | None = None,
) -> DisruptionResult:
    """Disruption scenario (断链/卡脖子情景): who loses what when firms, a segment, a region or a country stop.

    The shocked firms keep only ``ψ = 1 − intensity`` of their production; the
    shock then travels down to their customers and up to their suppliers by
    the same generalized Leontief cascade as :func:`systemic_risk` (see there
    for the formulas): remaining production ``hᵈ`` (lack of inputs), ``hᵘ``
    (lack of buyers), and the scenario's loss share
    ``Σⱼ wⱼ (1 − min(hᵈⱼ, hᵘⱼ)) / Σⱼ wⱼ``.

    Parameters
    ----------
    chain : ChainGraph
    shock : str, list, dict or Series
        What fails:

        - a firm id, or a list of firm ids (each loses ``intensity``);
        - a mapping or Series ``{firm_id: intensity}`` with fractional
          intensities (share of production lost, 0–1);
        - ``"segment:S"``: every firm of segment ``S`` (a bottleneck segment);
        - ``"region:R"``: every firm whose ``city`` is ``R`` or whose
          ``province`` is ``R`` (a city's or province's lockdown);
        - ``"country:C"``: every firm whose ``country`` is the ISO code ``C``
          (foreign sources cut off, the 卡脖子 scenario).
    intensity : float, default 1.0
        Share of production lost by the shocked firms (not used with a mapping).
    sector, essentiality, replaceability, tol, weight, revenue, costs
        As in :func:`systemic_risk`.

    Returns
    -------
    DisruptionResult
        ``firm_impacts`` (by firm: shock, remaining_downstream,
        remaining_upstream, remaining, loss, weight, weight_lost),
        ``segment_impacts`` (by segment: firms, firms_shocked, firms_hit,
        weight, weight_lost, loss_share, loss_share_downstream,
        loss_share_upstream) and ``summary`` (shock, firms_shocked, firms_hit,
        iterations, loss_share, loss_share_downstream, loss_share_upstream,
        weight_lost, local_loss_share); see :class:`DisruptionResult`.

    References
    ----------
    .. [1] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022).
       Quantifying firm-level economic systemic risk from nation-wide supply
       networks. *Scientific Reports* 12, 7719. doi:10.1038/s41598-022-11522-z

    Examples
    --------
    Cut off every supplier in Japan from Shandong's new-energy-vehicle chain:

    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> res = cg.simulate_disruption(chain, "country:JP", essentiality="template")
    >>> res.summary["firms_shocked"]
    86
    >>> 0 < res.summary["loss_share"] < 1
    True
    """
    require_links(chain, "simulate_disruption")
    _check_tol(tol)
    x, description = _shock_vector(chain, shock, intensity)
    net = _network(chain, sector=sector, essentiality=essentiality,
                   replaceability=replaceability, revenue=revenue, costs=costs)
    w = _weights(chain, weight)
    shocked = np.flatnonzero(x > 0).astype(np.int32)
    from chaingraph.analysis import _cascade

    hd, hu, iters = _cascade.cascade(shocked, 1.0 - x[shocked], *net.args(tol))
    _warn_capped(np.array([iters]))
    h = np.minimum(hd, hu)
    loss = 1.0 - h
    firm = pd.DataFrame(
        {
            "shock": x,
            "remaining_downstream": hd,
            "remaining_upstream": hu,
            "remaining": h,
            "loss": loss,
            "weight": w,
            "weight_lost": w * loss,
        },
        index=chain.firm_ids,
    )
    firm.index.name = "firm_id"
    total = w.sum()

    if "segment_id" in chain.firms.columns:
        seg = chain.firms["segment_id"].to_numpy(dtype=object)
        frame = pd.DataFrame(
            {
                "segment_id": seg,
                "firms": 1,
                "firms_shocked": (x > 0).astype(int),
                "firms_hit": (loss > tol).astype(int),
                "weight": w,
                "weight_lost": w * loss,
                "lost_d": w * (1.0 - hd),
                "lost_u": w * (1.0 - hu),
            }
        )
        g = frame.groupby("segment_id", dropna=True, sort=False).sum()
        order = list(chain.segment_ids) + [s for s in g.index if s not in chain.segment_ids]
        g = g.reindex(order, fill_value=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            g["loss_share"] = np.where(g["weight"] > 0, g["weight_lost"] / g["weight"], np.nan)
            g["loss_share_downstream"] = np.where(g["weight"] > 0, g["lost_d"] / g["weight"],
                                                  np.nan)
            g["loss_share_upstream"] = np.where(g["weight"] > 0, g["lost_u"] / g["weight"],
                                                np.nan)
        seg_out = g.drop(columns=["lost_d", "lost_u"])
        for c in ("firms", "firms_shocked", "firms_hit"):
            seg_out[c] = seg_out[c].astype(np.int64)
        seg_out.index.name = "segment_id"
    else:
        seg_out = pd.DataFrame(
            columns=["firms", "firms_shocked", "firms_hit", "weight", "weight_lost",
                     "loss_share", "loss_share_downstream", "loss_share_upstream"],
            index=pd.Index([], name="segment_id"),
        )

    local = chain.is_local
    local_w = w[local].sum()
    summary = pd.Series(
        {
            "shock": description,
            "firms_shocked": int((x > 0).sum()),
            "firms_hit": int((loss > tol).sum()),
            "iterations": int(iters),
            "loss_share": float(min(1.0, (w * loss).sum() / total)),
            "loss_share_downstream": float(min(1.0, (w * (1 - hd)).sum() / total)),
            "loss_share_upstream": float(min(1.0, (w * (1 - hu)).sum() / total)),
            "weight_lost": float((w * loss).sum()),
            "local_loss_share": float((w * loss)[local].sum() / local_w) if local_w > 0
            else float("nan"),
        },
        name="value",
        dtype=object,
    )
    return DisruptionResult(firm, seg_out, summary)
