"""ESRI's inputs: a chain and the settings of an ESRI run as the cascade kernels' arrays.

The one place where a chain becomes what the cascade kernels
(:mod:`chaingraph.analysis._cascade`) read, shared by
:func:`~chaingraph.analysis.resilience.systemic_risk` (every firm's failure) and
:func:`~chaingraph.analysis.disruption.simulate_disruption` (one scenario):

* the essentiality setting (a named one, a table, or a CSV file read by
  :mod:`chaingraph.analysis.essentiality`) and the matrix ``E[k, l]`` over the
  sectors of the firms' sector column;
* the network's two sides (:class:`_Network`): downstream coefficients ``Λᵈ``,
  one group per essential supplier sector, with the ``costs`` adjustment and the
  sector totals replaceability needs; upstream ``Λᵘ``, with the ``revenue``
  adjustment; kept per chain and named setting (:func:`_kept_network`);
* each firm's weight (:func:`_weights`; :func:`output_weight`, the default, and
  :func:`largest_output`, the firms a large chain's report computes ESRI for),
  from numeric firms columns checked here;
* the method (``tol``), checked and named, what a result's ``attrs`` record of
  all these settings, and the warning for scenarios the exact method could not
  certify.

The formulas are in :func:`~chaingraph.analysis.resilience.systemic_risk`.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.analysis._common import per_chain
from chaingraph.analysis.essentiality import ESSENTIALITY_WORDS, read_essentiality
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError


# --------------------------------------------------------------------------
# sectors and essentiality


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
    table is not hashable and builds its network each time. A ``revenue`` or ``costs``
    column with missing or zero values is said on every call, at the caller's caller (the
    user's line), kept network or not."""
    for what in ("costs", "revenue"):
        if settings[what] is not None:
            _warn_unusable(_numeric_column(chain, settings[what], what, allow_missing=True),
                           settings[what], what)
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


# --------------------------------------------------------------------------
# weights


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


# --------------------------------------------------------------------------
# the method, and what a result records


def _is_number(value) -> bool:
    """A real number (Python or numpy scalar), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _check_tol(tol):
    if tol is not None and not (_is_number(tol) and 0 <= tol < 1):
        raise ValueError(f"tol must be None (exact) or a number in [0, 1), not {tol!r}")


def _method(tol) -> str:
    return "exact fixed point" if not tol else f"plain iteration, stopped at tol={tol:g}"


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
