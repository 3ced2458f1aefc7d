"""Input–output methods for sector tables (投入产出分析), also of chain segments (环节).

Key sectors by the Rasmussen–Hirschman linkages (影响力系数 / 感应度系数),
hypothetical extraction and upstreamness.

Every table function takes an inter-industry flow matrix ``Z`` (``z_ij`` =
what sector *i* sells to sector *j*) and gross output ``x``, as numpy
arrays, scipy sparse matrices, or pandas objects with sector labels
(``Z`` a DataFrame whose index and columns hold the same labels, ``x`` a
Series indexed by them).  Results are indexed by the sector labels, or by
``0 .. n-1`` for unlabelled input.

Notation and conventions (Miller & Blair 2009, ch. 2, 6 and 12):

* ``A = Z diag(x)^-1`` (technical coefficients), ``L = (I - A)^-1``
  (Leontief inverse, 列昂惕夫逆矩阵);
* ``B = diag(x)^-1 Z`` (allocation coefficients), ``G = (I - B)^-1``
  (Ghosh inverse); ``G = diag(x)^-1 L diag(x)``, so one factorisation of
  ``I - A`` serves both.
* A sector whose gross output is zero and whose row and column of ``Z`` are
  zero is *inactive*: it takes no part in key-sector, extraction or
  upstreamness computations (its results are missing, and a warning says how
  many sectors were left out).  In :func:`leontief_inverse` and
  :func:`ghosh_inverse` its coefficients are 0 (``0/0 := 0``), giving it a
  unit row and column.  A sector with zero gross output but non-zero sales
  or purchases, or with negative gross output, is an error.

Tables made from chain segments, files and datasets come from
:mod:`chaingraph.analysis.sector_tables`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chaingraph.analysis import _input_output_kernels as _k
from chaingraph.errors import ChainDataError

__all__ = [
    "leontief_inverse",
    "ghosh_inverse",
    "key_sectors",
    "extraction",
    "upstreamness",
]

SECTOR_CLASSES = ("key", "strong backward", "strong forward", "weak")


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------


@dataclass
class _Table:
    Z: object  # dense ndarray or sparse csr_array, float64, active sectors only
    x: np.ndarray  # active sectors only, all > 0
    labels: pd.Index  # all sectors
    active: np.ndarray  # bool mask over all sectors

    @property
    def n_all(self) -> int:
        return len(self.labels)

    def expand(self, values: np.ndarray, fill=np.nan) -> np.ndarray:
        out = np.full(self.n_all, fill, dtype=float)
        out[self.active] = values
        return out


def _labels_of(obj) -> pd.Index | None:
    if isinstance(obj, pd.DataFrame | pd.Series):
        return obj.index
    return None


def _as_float(values, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ChainDataError(f"values are not numeric ({exc})", source=what) from None


def _read_table(Z, x, *, drop_inactive: bool = True) -> _Table:
    """Validate ``Z`` and ``x`` and bring them to float arrays with labels."""
    # --- Z -----------------------------------------------------------------
    labels = None
    if isinstance(Z, pd.DataFrame):
        if Z.shape[0] != Z.shape[1]:
            raise ChainDataError(f"Z must be square, got {Z.shape[0]} rows × {Z.shape[1]} columns", source="Z")
        if not Z.index.equals(Z.columns):
            if Z.index.has_duplicates or Z.columns.has_duplicates:
                dup = Z.index[Z.index.duplicated()].tolist() + Z.columns[Z.columns.duplicated()].tolist()
                raise ChainDataError("duplicate sector labels", source="Z", rows=dup)
            if set(Z.index) != set(Z.columns):
                only_rows = [s for s in Z.index if s not in set(Z.columns)]
                only_cols = [s for s in Z.columns if s not in set(Z.index)]
                raise ChainDataError(
                    "row and column labels differ (rows only: "
                    f"{only_rows[:5]}, columns only: {only_cols[:5]})",
                    source="Z",
                )
            Z = Z.loc[:, Z.index]
        elif Z.index.has_duplicates:
            raise ChainDataError("duplicate sector labels", source="Z", rows=Z.index[Z.index.duplicated()].tolist())
        labels = Z.index
        Zv = _as_float(Z.to_numpy(), "Z")
    elif sp.issparse(Z):
        if Z.ndim != 2 or Z.shape[0] != Z.shape[1]:
            raise ChainDataError(f"Z must be square, got shape {Z.shape}", source="Z")
        Zv = sp.csr_array(Z, dtype=float)
        Zv.sum_duplicates()
    else:
        Zv = _as_float(Z, "Z")
        if Zv.ndim != 2 or Zv.shape[0] != Zv.shape[1]:
            raise ChainDataError(f"Z must be a square matrix, got shape {Zv.shape}", source="Z")
    n = Zv.shape[0]

    # --- x -----------------------------------------------------------------
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ChainDataError(f"x must be one column, got {x.shape[1]}", source="x")
        x = x.iloc[:, 0]
    if isinstance(x, pd.Series):
        if len(x) != n:
            raise ChainDataError(f"x has {len(x)} values but Z has {n} sectors", source="x")
        if labels is not None and not x.index.equals(labels):
            missing = [s for s in labels if s not in set(x.index)]
            if missing or x.index.has_duplicates:
                raise ChainDataError("x is not indexed by the sectors of Z", source="x", rows=missing)
            x = x.reindex(labels)
        elif labels is None and not isinstance(x.index, pd.RangeIndex):
            labels = x.index
        xv = _as_float(x.to_numpy(), "x")
    else:
        xv = _as_float(x, "x")
        if xv.ndim != 1:
            xv = xv.reshape(-1) if xv.ndim == 2 and 1 in xv.shape else xv
        if xv.ndim != 1 or len(xv) != n:
            raise ChainDataError(f"x has shape {xv.shape} but Z has {n} sectors", source="x")
    if labels is None:
        labels = pd.RangeIndex(n, name="sector")
    elif labels.name is None:
        labels = labels.rename("sector")

    # --- values ------------------------------------------------------------
    zdata = Zv.data if sp.issparse(Zv) else Zv
    if not np.all(np.isfinite(zdata)):
        if sp.issparse(Zv):
            coo = Zv.tocoo()
            bad = np.unique(coo.row[~np.isfinite(coo.data)])
        else:
            bad = np.flatnonzero(~np.isfinite(Zv).all(axis=1))
        raise ChainDataError("missing or infinite flows", source="Z", rows=labels[bad].tolist())
    bad = np.flatnonzero(~np.isfinite(xv))
    if bad.size:
        raise ChainDataError("missing or infinite gross output", source="x", rows=labels[bad].tolist())
    bad = np.flatnonzero(xv < 0)
    if bad.size:
        raise ChainDataError("negative gross output", source="x", rows=labels[bad].tolist())

    absZ = abs(Zv)
    row_abs = np.asarray(absZ.sum(axis=1)).ravel()
    col_abs = np.asarray(absZ.sum(axis=0)).ravel()
    zero = xv == 0
    bad = np.flatnonzero(zero & ((row_abs > 0) | (col_abs > 0)))
    if bad.size:
        raise ChainDataError(
            "zero gross output but non-zero inputs or sales; give the sector its output or remove it",
            source="x",
            rows=labels[bad].tolist(),
        )
    active = ~zero
    if drop_inactive and zero.any():
        warnings.warn(
            f"{int(zero.sum())} of {n} sectors have no output and no flows and were left out "
            f"(results missing): {labels[zero].tolist()[:5]}",
            UserWarning,
            stacklevel=3,
        )
        keep = np.flatnonzero(active)
        Zv = Zv[keep][:, keep] if sp.issparse(Zv) else Zv[np.ix_(keep, keep)]
        xv = xv[keep]
    elif not drop_inactive:
        xv = np.where(zero, 1.0, xv)  # 0/0 := 0 because the row and column are zero
        active = np.ones(n, dtype=bool)
    return _Table(Z=Zv, x=xv, labels=labels, active=active)


def _singular(exc: Exception) -> ChainDataError:
    return ChainDataError(
        "I - A cannot be inverted: the table is not productive (some group of sectors uses at least "
        f"all of its own output as inputs) [{exc}]",
        source="Z",
    )


def _dense_inverse_frame(tab: _Table, ghosh: bool) -> pd.DataFrame:
    Zd = tab.Z.toarray() if sp.issparse(tab.Z) else tab.Z
    A = _k.technical_coefficients(Zd, tab.x)
    try:
        L = _k.dense_inverse(A)
    except _k.SingularSystemError as exc:
        raise _singular(exc) from None
    if ghosh:
        L = L * tab.x[None, :] / tab.x[:, None]
    return pd.DataFrame(L, index=tab.labels, columns=tab.labels.copy())


# --------------------------------------------------------------------------
# public table functions
# --------------------------------------------------------------------------


def leontief_inverse(Z, x) -> pd.DataFrame:
    """Leontief inverse (列昂惕夫逆矩阵) ``L = (I - A)^-1`` with ``A = Z diag(x)^-1``.

    ``l_ij`` is the output of sector *i* needed, directly and indirectly, per
    unit of final demand for sector *j*.

    Parameters
    ----------
    Z : (n, n) array_like, sparse matrix or DataFrame
        Inter-industry flows, ``z_ij`` = sales of sector *i* to sector *j*.
    x : (n,) array_like or Series
        Gross output.  A sector with zero output and zero flows gets a zero
        column of ``A`` (so a unit column of ``L``).

    Returns
    -------
    DataFrame
        ``L``, indexed and labelled by sector on both axes.

    Raises
    ------
    ChainDataError
        Non-square ``Z``, ``x`` of the wrong length or labels, missing values,
        negative output, zero output with non-zero flows, or singular ``I - A``.

    References
    ----------
    Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis: Foundations
    and Extensions*, 2nd ed., ch. 2. Cambridge University Press.

    Examples
    --------
    A two-sector table: ``A = [[.2, .3], [.4, .1]]``, ``det(I - A) = .6``.

    >>> import numpy as np
    >>> Z = np.array([[20.0, 30.0], [40.0, 10.0]]); x = np.array([100.0, 100.0])
    >>> leontief_inverse(Z, x).round(4)
    sector       0       1
    sector
    0       1.5000  0.5000
    1       0.6667  1.3333
    """
    return _dense_inverse_frame(_read_table(Z, x, drop_inactive=False), ghosh=False)


def ghosh_inverse(Z, x) -> pd.DataFrame:
    """Ghosh inverse ``G = (I - B)^-1`` with ``B = diag(x)^-1 Z`` (supply-side model).

    ``g_ij`` is the output of sector *j* enabled, directly and indirectly, per
    unit of primary input (value added) in sector *i*.  Computed as
    ``G = diag(x)^-1 L diag(x)``.

    Parameters
    ----------
    Z, x
        As in :func:`leontief_inverse`.

    Returns
    -------
    DataFrame
        ``G``, indexed and labelled by sector on both axes.

    References
    ----------
    Ghosh, A. (1958). Input-output approach in an allocation system.
    *Economica* 25(97), 58–64.  Miller & Blair (2009), ch. 12.1.

    Examples
    --------
    ``B = [[.2, .3], [.2, .05]]``, ``det(I - B) = .7``,
    ``G = [[.95, .3], [.2, .8]] / .7``:

    >>> import numpy as np
    >>> Z = np.array([[20.0, 30.0], [40.0, 10.0]]); x = np.array([100.0, 200.0])
    >>> ghosh_inverse(Z, x).round(4)
    sector       0       1
    sector
    0       1.3571  0.4286
    1       0.2857  1.1429
    """
    return _dense_inverse_frame(_read_table(Z, x, drop_inactive=False), ghosh=True)


def key_sectors(Z, x, *, forward: str = "ghosh") -> pd.DataFrame:
    """Key sectors by backward (影响力系数) and forward (感应度系数) linkages.

    The Rasmussen–Hirschman indices, on the Leontief inverse ``L`` for the
    backward side and on the Ghosh inverse ``G`` (or, as an option, ``L``)
    for the forward side, ``M`` below:

    * output multiplier ``m_j = sum_i l_ij``;
    * power of dispersion (影响力系数)
      ``BL_j = (1/n sum_i l_ij) / (1/n^2 sum_ij l_ij)``;
    * sensitivity of dispersion (感应度系数)
      ``FL_i = (1/n sum_j m_ij) / (1/n^2 sum_ij m_ij)``;
    * coefficients of variation (Rasmussen 1956), with ``n - 1`` in the
      variance: ``V_j = sqrt(1/(n-1) sum_i (l_ij - lbar_j)^2) / lbar_j``,
      ``lbar_j = 1/n sum_i l_ij`` (backward, by columns of ``L``), and the
      same by rows of ``M`` (forward).  A low ``V`` means a sector's pull or
      push is spread evenly over many sectors; a high one that it rests on a
      few;
    * class: ``key`` when ``BL > 1`` and ``FL > 1``, ``strong backward`` when
      only ``BL > 1``, ``strong forward`` when only ``FL > 1``, else ``weak``.

    Parameters
    ----------
    Z : (n, n) array_like, sparse matrix or DataFrame
        Inter-industry flows, ``z_ij`` = sales of sector *i* to sector *j*.
    x : (n,) array_like or Series
        Gross output, indexed like ``Z`` when a Series.
    forward : {"ghosh", "leontief"}, default "ghosh"
        Which inverse the forward linkage and its variation use.  The Ghosh
        (supply-side) version is the usual one today (Miller & Blair 2009,
        ch. 12.2); the row sums of ``L`` were Rasmussen's original choice.

    Returns
    -------
    DataFrame
        Indexed by sector, with columns

        ``output_multiplier``
            ``m_j``, column sum of ``L``.
        ``backward_linkage``
            ``BL_j`` (影响力系数, power of dispersion).
        ``forward_linkage``
            ``FL_i`` (感应度系数, sensitivity of dispersion).
        ``backward_cv``, ``forward_cv``
            The coefficients of variation ``V`` above.
        ``sector_class``
            ``key`` / ``strong backward`` / ``strong forward`` / ``weak``
            (missing for an inactive sector).

        ``df.attrs["forward"]`` records the ``forward`` choice.  Inactive
        sectors (zero output, no flows) are left out of all sums and get
        missing values.

    Raises
    ------
    ChainDataError
        See :func:`leontief_inverse`; also an unknown ``forward``.

    Notes
    -----
    One LU factorisation of ``I - A`` gives everything: ``G`` is
    ``diag(x)^-1 L diag(x)``.  A sparse ``Z`` with more than 8000 sectors is
    factorised with SuperLU and ``L`` is streamed in blocks of columns, so
    the dense ``n × n`` inverse is never held in memory.

    References
    ----------
    Rasmussen, P. N. (1956). *Studies in Inter-Sectoral Relations*.
    Copenhagen: Einar Harck.  Hirschman, A. O. (1958). *The Strategy of
    Economic Development*. Yale University Press.  Miller, R. E. & Blair,
    P. D. (2009). *Input-Output Analysis*, 2nd ed., ch. 12.2. Cambridge
    University Press.

    Examples
    --------
    Two sectors, ``Z = [[20, 30], [40, 10]]``, ``x = [100, 200]``:
    ``A = [[.2, .15], [.4, .05]]``, ``det(I - A) = .7``,
    ``L = [[.95, .15], [.4, .8]] / .7`` with column sums 1.9286 and 1.3571,
    so ``BL = 2 * [1.9286, 1.3571] / 3.2857 = [1.1739, 0.8261]``;
    ``G = diag(x)^-1 L diag(x)`` has row sums 1.7857 and 1.4286, so
    ``FL = [1.1111, 0.8889]``.

    >>> import numpy as np
    >>> Z = np.array([[20.0, 30.0], [40.0, 10.0]]); x = np.array([100.0, 200.0])
    >>> ks = key_sectors(Z, x)
    >>> ks[["output_multiplier", "backward_linkage", "forward_linkage"]].round(4)
            output_multiplier  backward_linkage  forward_linkage
    sector
    0                  1.9286            1.1739           1.1111
    1                  1.3571            0.8261           0.8889
    >>> ks["sector_class"].tolist()
    ['key', 'weak']

    Germany 1995, six product groups (Eurostat Manual, 2008, table 15.10
    publishes the multipliers 1.7048 … 1.3782):

    >>> import chaingraph as cg
    >>> io = cg.load_dataset("germany-1995-6")
    >>> ks = key_sectors(io.Z, io.x)
    >>> ks["output_multiplier"].round(4).tolist()
    [1.7048, 1.8413, 1.8136, 1.6035, 1.5951, 1.3782]
    >>> ks["sector_class"].tolist()
    ['key', 'key', 'strong backward', 'weak', 'strong forward', 'weak']
    """
    if forward not in ("ghosh", "leontief"):
        raise ValueError(f"forward must be 'ghosh' or 'leontief', got {forward!r}")
    tab = _read_table(Z, x)
    n = len(tab.x)
    cols = ["output_multiplier", "backward_linkage", "forward_linkage", "backward_cv", "forward_cv"]
    if n == 0:
        out = pd.DataFrame(np.nan, index=tab.labels, columns=cols)
    else:
        A = _k.technical_coefficients(tab.Z, tab.x)
        try:
            st = _k.inverse_stats(A, tab.x)
        except _k.SingularSystemError as exc:
            raise _singular(exc) from None
        if forward == "ghosh":
            row_sum, row_std = st.row_sum_g, st.row_std_g
        else:
            row_sum, row_std = st.row_sum_l, st.row_std_l
        with np.errstate(divide="ignore", invalid="ignore"):
            values = {
                "output_multiplier": st.col_sum,
                "backward_linkage": st.col_sum * n / st.col_sum.sum(),
                "forward_linkage": row_sum * n / row_sum.sum(),
                "backward_cv": st.col_std / (st.col_sum / n),
                "forward_cv": row_std / (row_sum / n),
            }
        out = pd.DataFrame({c: tab.expand(v) for c, v in values.items()}, index=tab.labels)
    bl = out["backward_linkage"].to_numpy()
    fl = out["forward_linkage"].to_numpy()
    cls = np.select(
        [(bl > 1) & (fl > 1), bl > 1, fl > 1],
        ["key", "strong backward", "strong forward"],
        default="weak",
    ).astype(object)
    cls[np.isnan(bl) | np.isnan(fl)] = None
    out["sector_class"] = pd.Categorical(cls, categories=list(SECTOR_CLASSES))
    out.attrs["forward"] = forward
    return out


def _baseline(tab: _Table, A, given, *, name: str, forward: bool) -> np.ndarray:
    """Baseline output ``L f`` (backward) or ``G^T v`` (forward) for a given vector."""
    if given is None:
        return tab.x
    vec = _vector_for(tab, given, name)
    try:
        if forward:
            # G^T v = diag(x) L^T diag(x)^-1 v, and L^T y = w solves (I - A)^T y = w
            return tab.x * _k.solve(A, vec / tab.x, transpose=True)
        return _k.solve(A, vec)
    except _k.SingularSystemError as exc:
        raise _singular(exc) from None


def _vector_for(tab: _Table, given, name: str) -> np.ndarray:
    if isinstance(given, pd.Series):
        if not isinstance(tab.labels, pd.RangeIndex) or not isinstance(given.index, pd.RangeIndex):
            missing = [s for s in tab.labels if s not in set(given.index)]
            if missing or len(given) != tab.n_all:
                raise ChainDataError("not indexed by the sectors of Z", source=name, rows=missing)
            given = given.reindex(tab.labels)
        given = given.to_numpy()
    vec = _as_float(given, name).ravel()
    if len(vec) != tab.n_all:
        raise ChainDataError(f"has {len(vec)} values but Z has {tab.n_all} sectors", source=name)
    bad = np.flatnonzero(~np.isfinite(vec))
    if bad.size:
        raise ChainDataError("missing or infinite values", source=name, rows=tab.labels[bad].tolist())
    inactive = ~tab.active & (vec != 0)
    if inactive.any():
        raise ChainDataError(
            "non-zero value for a sector with no output", source=name, rows=tab.labels[inactive].tolist()
        )
    return vec[tab.active]


def extraction(Z, x, *, final_demand=None, value_added=None, sectors=None) -> pd.DataFrame:
    """Hypothetical extraction (假设抽取法): the output lost without each sector's links.

    Backward extraction removes sector *j*'s purchases from the other
    sectors and itself (column *j* of ``A`` set to zero) and keeps final
    demand ``f`` fixed; forward extraction removes its sales to producers
    (row *j* of ``B`` set to zero) and keeps value added ``v`` fixed.  The
    loss is the fall in total gross output.

    With ``x_b = L f`` and ``x_f = G^T v`` the baselines (both equal to
    ``x`` when ``f`` and ``v`` are not given), the Sherman–Morrison formula
    gives every sector's loss from the one inverse, with no re-inversion:

    * backward ``T_j = x_b,j (sum_i l_ij - 1) / l_jj``
      (because ``L a_j = l_.j - e_j``);
    * forward ``T_j = x_f,j (sum_k g_jk - 1) / g_jj``, ``g_jj = l_jj``.

    Parameters
    ----------
    Z : (n, n) array_like, sparse matrix or DataFrame
        Inter-industry flows, ``z_ij`` = sales of sector *i* to sector *j*.
    x : (n,) array_like or Series
        Gross output.
    final_demand : (n,) array_like or Series, optional
        ``f``; by default ``x - Z 1`` (output not sold to producers).
    value_added : (n,) array_like or Series, optional
        ``v``; by default ``x - Z^T 1`` (output not spent on inputs).
    sectors : list of labels, optional
        Report only these sectors (all by default).

    Returns
    -------
    DataFrame
        Indexed by sector, with columns

        ``backward_loss``
            Total output lost by backward extraction of the sector.
        ``forward_loss``
            Total output lost by forward extraction of the sector.
        ``backward_loss_share``, ``forward_loss_share``
            The losses divided by total baseline output ``sum x_b`` and
            ``sum x_f``.

        Inactive sectors (zero output, no flows) get missing values.

    References
    ----------
    Miller, R. E. & Lahr, M. L. (2001). A taxonomy of extractions. In
    *Regional Science Perspectives in Economic Analysis*, 407–441.
    Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed.,
    ch. 12.2.  Sherman, J. & Morrison, W. J. (1950). *Ann. Math. Stat.*
    21(1), 124–127.

    Examples
    --------
    The two-sector table of :func:`key_sectors`.  Backward extraction of
    sector 1 leaves ``A' = [[.2, 0], [.4, 0]]``; with ``f = x - Z 1 =
    [50, 150]``, ``x'_0 = 50 / .8 = 62.5`` and ``x'_1 = 150 + .4 * 62.5 =
    175``: total output falls from 300 to 237.5, a loss of 62.5
    ``= 200 * (1.3571 - 1) / 1.1429``.

    >>> import numpy as np
    >>> Z = np.array([[20.0, 30.0], [40.0, 10.0]]); x = np.array([100.0, 200.0])
    >>> extraction(Z, x)[["backward_loss", "forward_loss"]].round(2)
            backward_loss  forward_loss
    sector
    0               68.42         57.89
    1               62.50         75.00

    Germany 1995: without manufacturing's purchases a fifth of all output
    goes; without business services' sales, a sixth.

    >>> import chaingraph as cg
    >>> io = cg.load_dataset("germany-1995-6")
    >>> extraction(io.Z, io.x)[["backward_loss_share", "forward_loss_share"]].round(3)
                             backward_loss_share  forward_loss_share
    sector
    Agriculture group                      0.010               0.015
    Manufacturing group                    0.204               0.168
    Construction group                     0.062               0.027
    Trade group                            0.089               0.086
    Business services group                0.094               0.174
    Other services group                   0.059               0.033
    """
    tab = _read_table(Z, x)
    cols = ["backward_loss", "forward_loss", "backward_loss_share", "forward_loss_share"]
    if len(tab.x):
        A = _k.technical_coefficients(tab.Z, tab.x)
        try:
            st = _k.inverse_stats(A, tab.x)
        except _k.SingularSystemError as exc:
            raise _singular(exc) from None
        base_b = _baseline(tab, A, final_demand, name="final_demand", forward=False)
        base_f = _baseline(tab, A, value_added, name="value_added", forward=True)
        back, fwd = _k.extraction_losses(st, tab.x, base_b, base_f)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = [back, fwd, back / base_b.sum(), fwd / base_f.sum()]
        out = pd.DataFrame({c: tab.expand(v) for c, v in zip(cols, values)}, index=tab.labels)
    else:
        out = pd.DataFrame(np.nan, index=tab.labels, columns=cols)
    if sectors is not None:
        sectors = list(sectors)
        missing = [s for s in sectors if s not in set(out.index)]
        if missing:
            raise ChainDataError("unknown sectors", source="sectors", rows=missing)
        out = out.loc[sectors]
    return out


def upstreamness(Z, x) -> pd.Series:
    """Upstreamness (上游度): average distance of a sector's output from final use.

    Antràs, Chor, Fally & Hillberry (2012):

        U = (I - Δ)^-1 1,   Δ = diag(x)^-1 Z,

    so ``U_i = 1 + sum_j (z_ij / x_i) U_j``: a sector selling only to final
    demand has ``U = 1``; one selling everything to such a sector has
    ``U = 2``; and so on.  ``Δ`` is the allocation matrix ``B`` and ``U`` the
    row sums of the Ghosh inverse, ``G 1``.  This is the closed-economy form
    (no net-inventory or trade adjustment).

    Parameters
    ----------
    Z : (n, n) array_like, sparse matrix or DataFrame
        Inter-industry flows, ``z_ij`` = sales of sector *i* to sector *j*.
    x : (n,) array_like or Series
        Gross output.

    Returns
    -------
    Series named ``upstreamness``
        Indexed by sector; ``>= 1`` for a table with non-negative flows.
        Missing for a sector with zero output and no flows (upstreamness is
        undefined without output).

    References
    ----------
    Antràs, P., Chor, D., Fally, T. & Hillberry, R. (2012). Measuring the
    upstreamness of production and trade flows. *American Economic Review*
    102(3), 412–416.  Fally, T. (2012). Production staging: measurement and
    facts. Mimeo, University of Colorado.

    Examples
    --------
    A pure line 1 → 2 → 3 in which each stage sells all its output to the
    next and the last sells to final users: ``U = 3, 2, 1``.

    >>> import pandas as pd, chaingraph as cg
    >>> stages = ["ore", "steel", "car"]
    >>> Z = pd.DataFrame([[0, 10, 0], [0, 0, 20], [0, 0, 0]], index=stages, columns=stages)
    >>> upstreamness(Z, pd.Series([10, 20, 30], index=stages))
    sector
    ore      3.0
    steel    2.0
    car      1.0
    Name: upstreamness, dtype: float64

    The segments of the shipped new-energy-vehicle chain, with segment
    output from firm revenue: raw materials sit further from final use than
    cells, and the vehicle sells only to final users.

    >>> chain = cg.load_dataset("shandong-nev")
    >>> u = upstreamness(cg.segment_flows(chain), cg.segment_output(chain))
    >>> bool(u["lithium_resources"] > u["battery_cell"] > u["vehicle"]), float(u["vehicle"])
    (True, 1.0)
    """
    tab = _read_table(Z, x)
    if len(tab.x):
        # U = (I - B)^-1 1 = diag(x)^-1 L diag(x) 1 = diag(x)^-1 L x, and L x solves (I - A) y = x
        A = _k.technical_coefficients(tab.Z, tab.x)
        try:
            u = _k.solve(A, tab.x) / tab.x
        except _k.SingularSystemError as exc:
            raise _singular(exc) from None
        values = tab.expand(u)
    else:
        values = np.full(tab.n_all, np.nan)
    return pd.Series(values, index=tab.labels, name="upstreamness")
