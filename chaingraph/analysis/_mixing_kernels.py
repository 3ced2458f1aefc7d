"""Mixing between node classes: links by pair of classes, and Newman's assortativity.

Pure numeric kernels (numpy / scipy; no pandas, no ``ChainGraph``) following the
conventions of :mod:`._network_csr` (``adj[s, j]`` what ``s`` sells to ``j``);
a node's class is an integer code, negative when unknown.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["class_mixing", "newman_assortativity"]


def class_mixing(adj, codes: np.ndarray, n_classes: int, *, weighted: bool = False) -> np.ndarray:
    """Link counts (or amounts) between node classes: ``E[a, b]`` over links ``s → j``.

    ``E[a, b] = Σ_{s→j: codes[s]=a, codes[j]=b} w(s, j)`` with ``w = 1`` (each
    distinct pair once) or the stored amount when ``weighted``. Links with an
    end of code ``< 0`` (unknown class) are left out.
    """
    a = sp.csr_array(adj)
    codes = np.asarray(codes)
    src = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    cs, cj = codes[src], codes[a.indices]
    ok = (cs >= 0) & (cj >= 0)
    w = a.data[ok] if weighted else None
    flat = cs[ok].astype(np.int64) * n_classes + cj[ok]
    return np.bincount(flat, weights=w, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    ).astype(float)


def newman_assortativity(e: np.ndarray) -> float:
    """Newman's (2003) assortativity coefficient of a mixing matrix.

    With ``e`` normalised to sum 1, ``a = e·1`` (row sums) and ``b = 1ᵀ·e``
    (column sums)::

        r = (Σ_a e_aa − Σ_a a_a b_a) / (1 − Σ_a a_a b_a)

    ``r = 1`` when every link joins nodes of the same class, ``0`` for random
    mixing, negative when links prefer other classes. NaN for an empty matrix
    or when every link falls in one class (``Σ a b = 1``).

    References
    ----------
    M. E. J. Newman, "Mixing patterns in networks", Phys. Rev. E 67, 026126 (2003), eq. (2).
    """
    e = np.asarray(e, dtype=float)
    total = e.sum()
    if total <= 0:
        return float("nan")
    e = e / total
    ab = float(e.sum(axis=1) @ e.sum(axis=0))
    if np.isclose(ab, 1.0):
        return float("nan")
    return (float(np.trace(e)) - ab) / (1.0 - ab)
