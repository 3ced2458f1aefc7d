"""Resilience (抗风险能力): firm-level systemic risk (ESRI) and disruption scenarios.

The Economic Systemic Risk Index of Diem, Borsos, Reisch, Kertész & Thurner
(2022) asks, for each firm, what share of the network's production would be
lost if that firm stopped producing, once the shock has travelled down to its
customers (who lack inputs) and up to its suppliers (who lose buyers) under a
generalized Leontief production function. :func:`systemic_risk` computes it
for every firm (or a subset); :func:`simulate_disruption` runs one scenario —
some firms, a segment, a city's lockdown, or a country's supplies cut off
(卡脖子) — and says who loses what; :func:`read_essentiality` reads a sector
essentiality matrix from a CSV file.

Both return the cascade's exact fixed point, computed in a compiled kernel
(:mod:`chaingraph.analysis._cascade`; the method and why it is exact are in
:mod:`chaingraph.analysis._cascade_exact`) that only visits the firms a shock
reaches; scenarios run in parallel on the local cores, or on a Dask cluster.
``tol=`` switches to the paper's plain iteration with its stopping rule instead.

Why this module is long: the public surface of ESRI (:func:`systemic_risk`,
:func:`simulate_disruption`, :class:`DisruptionResult`, :func:`read_essentiality`,
:func:`output_weight`) and the one place where a chain becomes the cascade's arrays, documented
with the paper's equations: about 300 of its lines are docstrings. The cascade itself is solved
in the numeric kernels ``_cascade`` and the modules beside it.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.analysis._common import per_chain, require_links, with_place
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["systemic_risk", "simulate_disruption", "DisruptionResult", "read_essentiality"]

#: The named essentiality settings (besides a matrix or a CSV file).
ESSENTIALITY_WORDS = ("linear", "leontief", "template")


# --------------------------------------------------------------------------
# inputs: sectors, essentiality, weights


def read_essentiality(path) -> pd.DataFrame:
    r"""Read a sector essentiality matrix (投入必要性矩阵) from a CSV file.

    The file's first column names the supplying sector, its header the using
    sectors; each value says how the using sector needs the supplying
    sector's input: 0 irrelevant, 1 non-essential (linear), 2 essential
    (Leontief). This is the ``E[k, l]`` of Diem et al. (2022).

    Parameters
    ----------
    path : str or Path
        A CSV file (UTF-8, with or without BOM).

    Returns
    -------
    DataFrame
        Indexed by supplying sector, one integer column (0, 1 or 2) per
        using sector; ``attrs["source"]`` is the file name. Pass it as
        ``essentiality=`` to :func:`systemic_risk` or
        :func:`simulate_disruption` (which also accept the path itself).

    Raises
    ------
    ChainDataError
        Values other than 0, 1 or 2 (naming the file, the column and the
        lines), or repeated sector labels.

    References
    ----------
    .. [1] Diem, C., Borsos, A., Reisch, T., Kertész, J. & Thurner, S. (2022).
       Quantifying firm-level economic systemic risk from nation-wide supply
       networks. *Scientific Reports* 12, 7719. doi:10.1038/s41598-022-11522-z

    Examples
    --------
    >>> import tempfile, pathlib, chaingraph as cg
    >>> from chaingraph.analysis.resilience import read_essentiality
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "E.csv"
    >>> _ = path.write_text("sector,x,y\nx,0,2\ny,1,0\n")
    >>> read_essentiality(path)
            x  y
    sector
    x       0  2
    y       1  0
    """
    path = Path(path)
    raw = pd.read_csv(path, header=None, dtype=str, encoding="utf-8-sig",
                      keep_default_na=False)
    frame = pd.DataFrame(raw.iloc[1:, 1:].to_numpy(),
                         index=pd.Index(raw.iloc[1:, 0].to_numpy(), name=raw.iat[0, 0]),
                         columns=pd.Index(raw.iloc[0, 1:].to_numpy()))
    for label, what in ((frame.index, "supplying sectors (first column)"),
                        (frame.columns, "using sectors (header)")):
        if pd.Index(label).has_duplicates:
            dup = pd.Index(label)[pd.Index(label).duplicated()]
            raise ChainDataError(f"repeated {what}: {schema._examples(list(dup))}",
                                 source=path.name)
    values = frame.apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce"))
    for col in frame.columns:
        bad = ~values[col].isin((0, 1, 2)).to_numpy()
        if bad.any():
            raise ChainDataError(
                "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential), not "
                f"{schema._examples(list(frame[col][bad]))}",
                source=path.name, column=str(col), rows=list(np.flatnonzero(bad) + 2),
            )
    out = values.astype(np.int64)
    out.attrs["source"] = path.name
    return out


def _essentiality_setting(essentiality):
    """The essentiality argument as a word or a DataFrame, and how to describe it."""
    if isinstance(essentiality, pd.DataFrame):
        src = essentiality.attrs.get("source")
        return essentiality, f"matrix from {src}" if src else "matrix"
    if isinstance(essentiality, str) and essentiality in ESSENTIALITY_WORDS:
        return essentiality, essentiality
    if isinstance(essentiality, (str, Path)):
        path = Path(essentiality)
        if path.suffix.lower() == ".csv" or path.exists():
            frame = read_essentiality(path)
            return frame, f"matrix from {path.name}"
    raise ValueError(
        "essentiality must be 'linear', 'leontief', 'template', a DataFrame "
        "(supplying sector × using sector, values 0/1/2) or the path of such a CSV file, "
        f"not {essentiality!r}"
    )


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
    source = frame.attrs.get("source", "essentiality")
    rows = pd.Index(frame.index.astype(str))
    cols = pd.Index(frame.columns.astype(str))
    if rows.has_duplicates or cols.has_duplicates:
        raise ChainDataError("repeated sector labels in the matrix", source=source)
    values = frame.to_numpy()
    try:
        num = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise ChainDataError(
            "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential)",
            source=source,
        ) from None
    bad_r, bad_c = np.nonzero(~np.isin(num, (0.0, 1.0, 2.0)))
    if len(bad_r):
        where = [f"{rows[r]}→{cols[c]}" for r, c in zip(bad_r[:5], bad_c[:5])]
        raise ChainDataError(
            "values must be 0 (irrelevant), 1 (non-essential) or 2 (essential); "
            f"found {num[bad_r[0], bad_c[0]]!r} at {', '.join(where)}",
            source=source, rows=list(rows[np.unique(bad_r)]),
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
                source=source,
            )
    return num[np.ix_(ri, ci)].astype(np.int8)


# --------------------------------------------------------------------------
# the network as kernel arrays


@dataclass(frozen=True)
class _Network:
    """Both directions of the cascade as :class:`_cascade.Side` arrays."""

    down: object
    up: object


def _kept_network(chain, **settings) -> _Network:
    """:func:`_network`, built once per chain and setting when the essentiality is named
    (``linear``, ``leontief``, ``template``): a report, ``simulate_disruption`` after
    ``systemic_risk``, or the attraction list's what-ifs then share it. A matrix given as a
    table is not hashable and builds its network each time."""
    if not isinstance(settings["essentiality"], str):
        return _network(chain, **settings)
    key = ("cascade network",) + tuple(sorted(settings.items()))
    return per_chain(chain, key, lambda: _network(chain, **settings))


def _network(chain, *, sector, essentiality, replaceability, revenue, costs) -> _Network:
    from chaingraph.analysis import _cascade

    n = chain.n_firms
    needs_sector = replaceability or not (
        isinstance(essentiality, str) and essentiality == "linear"
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

    # downstream: firm j's loss from its suppliers s, one group per essential
    # supplier sector and one group (key -1) for all non-essential suppliers
    wt = chain.adjacency_t
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(wt.indptr))
    sup = wt.indices.astype(np.int64)
    amt = wt.data.astype(np.float64)
    ssec = firm_sec[sup].astype(np.int64)
    ess = E[ssec, firm_sec[rows]]
    # Π[j, k]: j's purchases from sector k, per link
    pi = np.zeros(len(rows))
    if len(rows):
        key = rows * k + ssec
        order = np.argsort(key, kind="stable")
        sk = key[order]
        start = np.r_[True, sk[1:] != sk[:-1]]
        sums = np.add.reduceat(amt[order], np.flatnonzero(start))
        pi[order] = sums[np.cumsum(start) - 1]
    denom = np.where(ess == 2, pi, s_in[rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where((ess > 0) & (denom > 0), amt / denom, 0.0)
    if costs is not None:
        c = _numeric_column(chain, costs, "costs", allow_missing=True)
        _warn_unusable(c, costs, "costs")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(np.isfinite(c) & (c > 0), s_in / c, 1.0)
        lam = lam * factor[rows]
    group = np.where(ess == 2, ssec, -1)
    sector_total = np.bincount(firm_sec, weights=s_out, minlength=k).astype(np.float64)
    down = _cascade.side_arrays(rows, group, sup, lam, n, firm_sec=firm_sec, s_out=s_out,
                                sector_total=sector_total, replace=bool(replaceability))

    # upstream: firm j's loss from its customers c, one group
    w = chain.adjacency
    urows = np.repeat(np.arange(n, dtype=np.int64), np.diff(w.indptr))
    udenom = s_out
    if revenue is not None:
        r = _numeric_column(chain, revenue, "revenue", allow_missing=True)
        _warn_unusable(r, revenue, "revenue")
        udenom = np.where(np.isfinite(r) & (r > 0), r, s_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        ulam = np.where(udenom[urows] > 0, w.data / udenom[urows], 0.0)
    up = _cascade.side_arrays(urows, np.zeros(len(urows), dtype=np.int64),
                              w.indices.astype(np.int64), ulam, n)
    return _Network(down=down, up=up)


def _warn_unusable(values, col, what):
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        warnings.warn(
            f"{what} column {col!r}: {int(bad.sum())} of {len(values)} firms have a missing or "
            f"zero {what}; their links keep the unadjusted coefficients",
            UserWarning,
            stacklevel=4,
        )


def _weights(chain, weight) -> tuple[np.ndarray, str]:
    """Each firm's weight and a description of the weight used."""
    s_out = np.asarray(chain.out_strength, dtype=np.float64)
    if weight == "output":
        network = np.maximum(s_out, np.asarray(chain.in_strength, dtype=np.float64))
        if "revenue" in chain.firms.columns:
            r = _numeric_column(chain, "revenue", "revenue (the default weight)",
                                allow_missing=True)
        else:
            r = np.full(chain.n_firms, np.nan)
        known = ~np.isnan(r)
        w = np.where(known, r, network)
        label = (f"output: revenue for {int(known.sum()):,} firms, the larger of network "
                 f"sales and purchases for {int((~known).sum()):,}")
    elif weight == "network_sales":
        w, label = s_out, "network_sales: sales in the network"
    elif isinstance(weight, str):
        w = _numeric_column(chain, weight, "weight", allow_missing=False)
        label = f"column {weight!r}"
    else:
        raise ValueError(
            f"weight must be 'output', 'network_sales' or a firms column name, not {weight!r}"
        )
    if not w.sum() > 0:
        raise ChainDataError(
            f"the weights ({label}) sum to zero, so no loss share can be computed",
            source="firms", column=weight if weight not in ("output", "network_sales") else None,
        )
    return np.ascontiguousarray(w, dtype=np.float64), label


def output_weight(chain: ChainGraph) -> np.ndarray:
    """Each firm's output, ESRI's default weight: its ``revenue`` where the firms
    table gives one, else the larger of its sales and purchases in the network."""
    return _weights(chain, "output")[0]


def largest_output(chain: ChainGraph, n: int) -> pd.Index:
    """The ids of the ``n`` firms with the largest :func:`output_weight`, in the firms
    table's order: whose ESRI a report or a what-if computes on a large chain."""
    top = np.argsort(-output_weight(chain), kind="stable")[:n]
    return chain.firm_ids[np.sort(top)]


def _is_number(value) -> bool:
    """A real number (Python or numpy scalar), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _check_tol(tol):
    if tol is not None and not (_is_number(tol) and 0 <= tol < 1):
        raise ValueError(f"tol must be None (exact) or a number in [0, 1), not {tol!r}")


def _method(tol) -> str:
    return "exact fixed point" if not tol else f"plain iteration, stopped at tol={tol:g}"


def _check_n_jobs(n_jobs):
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1
    ):
        raise ValueError(f"n_jobs must be a positive whole number of threads or None, not {n_jobs!r}")


def _warn_uncertified(flags) -> int:
    from chaingraph.analysis._cascade import UNCERTIFIED

    bad = int(np.sum((np.asarray(flags) & UNCERTIFIED) != 0))
    if bad:
        warnings.warn(
            f"{bad} scenarios could not be certified exact (a policy or replaceability loop "
            "did not settle); their values are the best lower bounds found",
            UserWarning, stacklevel=3,
        )
    return bad


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

    Only without replaceability, and only for the firms whose failure reaches
    linear firms alone (:func:`._cascade_single.single_firm_losses`). The
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


def _settings(essentiality: str, replaceability: bool, tol, weight: str,
              weight_label: str) -> dict:
    """What a result says about how it was computed (its ``attrs``)."""
    method = _method(tol)
    return {
        "weight": weight_label,
        "weight_setting": weight,
        "method": method,
        "tol": float(tol) if tol else None,
        "essentiality": essentiality,
        "replaceability": bool(replaceability),
        "reference": "Diem et al. (2022), Sci. Rep. 12:7719",
        "settings": (f"ESRI (Diem et al. 2022): essentiality={essentiality}, "
                     f"replaceability={bool(replaceability)}, weight={weight_label}; {method}"),
    }


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
        (any loss; with ``tol``, a loss above ``tol``), ``weight``,
        ``weight_lost``, ``loss_share`` (weight_lost / weight),
        ``loss_share_downstream``, ``loss_share_upstream``.
    summary : Series
        ``shock`` (the scenario in words), ``firms_shocked``, ``firms_hit``,
        ``loss_share`` (the ESRI of the scenario: weight lost / total
        weight), ``loss_share_downstream``, ``loss_share_upstream``,
        ``weight_lost``, ``local_loss_share`` (share of local firms' weight
        lost), ``weight`` (the weight used), ``method`` and, with ``tol``,
        ``iterations``.
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
    tol: float | None = None,
    weight: str = "output",
    revenue: str | None = None,
    costs: str | None = None,
) -> DisruptionResult:
    """Disruption scenario (断链/卡脖子情景): who loses what when firms, a segment, a region or a country stop.

    The shocked firms keep only ``ψ = 1 − intensity`` of their production; the
    shock then travels down to their customers and up to their suppliers by
    the same generalized Leontief cascade as :func:`systemic_risk` (see there
    for the formulas), solved exactly: remaining production ``hᵈ`` (lack of
    inputs), ``hᵘ`` (lack of buyers), and the scenario's loss share
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
        As in :func:`systemic_risk` (default weight: each firm's output).

    Returns
    -------
    DisruptionResult
        ``firm_impacts`` (by firm: shock, remaining_downstream,
        remaining_upstream, remaining, loss, weight, weight_lost),
        ``segment_impacts`` (by segment: firms, firms_shocked, firms_hit,
        weight, weight_lost, loss_share, loss_share_downstream,
        loss_share_upstream) and ``summary`` (shock, firms_shocked, firms_hit,
        loss_share, loss_share_downstream, loss_share_upstream, weight_lost,
        local_loss_share, weight, method, and iterations with ``tol``); see
        :class:`DisruptionResult`. ``firm_impacts.attrs`` and
        ``segment_impacts.attrs`` hold the settings and place as in
        :func:`systemic_risk`.

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
    >>> res.summary["method"]
    'exact fixed point'
    """
    require_links(chain, "simulate_disruption")
    _check_tol(tol)
    x, description = _shock_vector(chain, shock, intensity)
    essentiality, described = _essentiality_setting(essentiality)
    net = _kept_network(chain, sector=sector, essentiality=essentiality,
                        replaceability=replaceability, revenue=revenue, costs=costs)
    w, label = _weights(chain, weight)
    shocked = np.flatnonzero(x > 0).astype(np.int32)
    from chaingraph.analysis import _cascade

    if tol:
        yd, yu, iters = _cascade.cascade_jacobi(shocked, x[shocked], net.down, net.up, float(tol))
    else:
        yd, yu, flag = _cascade.cascade(shocked, x[shocked], net.down, net.up)
        _warn_uncertified(np.array([flag]))
    hd = 1.0 - yd
    hu = 1.0 - yu
    h = np.minimum(hd, hu)
    loss = np.maximum(yd, yu)
    hit = loss > (tol or 0.0)
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
    firm.attrs.update(_settings(described, replaceability, tol, weight, label))
    with_place(firm, chain)
    total = w.sum()

    if "segment_id" in chain.firms.columns:
        seg = chain.firms["segment_id"].to_numpy(dtype=object)
        frame = pd.DataFrame(
            {
                "segment_id": seg,
                "firms": 1,
                "firms_shocked": (x > 0).astype(int),
                "firms_hit": hit.astype(int),
                "weight": w,
                "weight_lost": w * loss,
                "lost_d": w * yd,
                "lost_u": w * yu,
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
    values = {
        "shock": description,
        "firms_shocked": int((x > 0).sum()),
        "firms_hit": int(hit.sum()),
        "loss_share": float(min(1.0, (w * loss).sum() / total)),
        "loss_share_downstream": float(min(1.0, (w * yd).sum() / total)),
        "loss_share_upstream": float(min(1.0, (w * yu).sum() / total)),
        "weight_lost": float((w * loss).sum()),
        "local_loss_share": float((w * loss)[local].sum() / local_w) if local_w > 0
        else float("nan"),
        "weight": label,
        "method": _method(tol),
    }
    if tol:
        values["iterations"] = int(iters)
    summary = pd.Series(values, name="value", dtype=object)
    seg_out.attrs.update(firm.attrs)
    return DisruptionResult(firm, with_place(seg_out, chain), summary)
