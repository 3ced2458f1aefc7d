"""Integration of small and large firms (大中小企业融通发展).

How well are SMEs embedded in the supply chains of large firms, and large
firms in those of SMEs? :func:`integration` answers at two levels: a
chain-level 融通 index (0–100) built from four named components, and a table
of every large firm's SME suppliers.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chaingraph.analysis import _mixing_kernels, _network_csr, _reach_kernels
from chaingraph.analysis._common import normalised_weights, require_links, with_place
from chaingraph.core import ChainGraph

__all__ = ["integration", "IntegrationResult", "DEFAULT_INTEGRATION_WEIGHTS", "SPECIALISED_MARKS"]

#: Default weights of the 融通 index components (they sum to 1).
DEFAULT_INTEGRATION_WEIGHTS: dict[str, float] = {
    "sme_purchase_share": 0.4,
    "large_with_local_sme": 0.2,
    "sme_reach": 0.2,
    "mixing": 0.2,
}

#: A firm is a 专精特新 SME when it is an SME and its ``designations`` contain one of these.
SPECIALISED_MARKS = ("专精特新", "小巨人")

SIZE_ORDER = ("large", "medium", "small", "micro")

_COMPONENT_TEXT = {
    "sme_purchase_share": "SME share of large firms' purchases (by amount)",
    "large_with_local_sme": "share of large firms with ≥ 1 local SME supplier",
    "sme_reach": "share of SMEs within two tiers of a large firm",
    "mixing": "size-class mixing, (1 − assortativity) / 2",
}


@dataclass
class IntegrationResult:
    """What :func:`integration` returns.

    Attributes
    ----------
    score : float
        The chain's 融通 index, 0–100 (NaN when a component is undefined).
    components : DataFrame
        Indexed by component: ``value`` (0–1), ``weight``, ``points``
        (``100 · weight · value``; they add up to ``score``) and ``meaning``.
    firms : DataFrame
        One row per large firm, indexed by ``firm_id`` (see :func:`integration`).

    Each table's ``attrs["home"]`` and ``attrs["region"]`` say where it was
    computed from (local firms are those of that region).
    mixing : DataFrame
        Size-class mixing matrix, rows ``supplier_size`` and columns
        ``customer_size`` (large, medium, small, micro): share of links from
        suppliers of the row class to customers of the column class (sums to 1).
    assortativity : float
        Newman's (2003) size-class assortativity coefficient.
    """

    score: float
    components: pd.DataFrame
    firms: pd.DataFrame
    mixing: pd.DataFrame
    assortativity: float

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v:.3f}" for k, v in self.components["value"].items())
        return (
            f"<IntegrationResult 融通 index {self.score:.1f}/100 ({parts}); "
            f"assortativity {self.assortativity:.3f}; {len(self.firms)} large firms>"
        )

    def _repr_html_(self) -> str:
        comp = self.components.copy()
        comp["value"] = comp["value"].round(3)
        comp["points"] = comp["points"].round(1)
        firms = self.firms.head(20).round(3)
        more = len(self.firms) - len(firms)
        note = f"<p>… and {more} more large firms</p>" if more > 0 else ""
        return (
            "<div>"
            f"<h4>大中小企业融通 index: {html.escape(f'{self.score:.1f}')} / 100</h4>"
            + comp.to_html(escape=True)
            + f"<p>Size-class assortativity (Newman 2003): {self.assortativity:.3f}</p>"
            + "<p>Mixing matrix (share of links, supplier class × customer class):</p>"
            + self.mixing.round(3).to_html(escape=True)
            + "<p>Large firms:</p>"
            + firms.to_html(escape=True)
            + note
            + "</div>"
        )


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    return normalised_weights(DEFAULT_INTEGRATION_WEIGHTS, weights, "integration")


def _specialised(chain) -> np.ndarray:
    if "designations" not in chain.firms.columns:
        return np.zeros(chain.n_firms, dtype=bool)
    text = chain.firms["designations"].astype("string")
    hit = np.zeros(chain.n_firms, dtype=bool)
    for mark in SPECIALISED_MARKS:
        hit |= text.str.contains(mark, regex=False).fillna(False).to_numpy(dtype=bool)
    return hit & chain.is_sme


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(len(den), np.nan)
    ok = den > 0
    out[ok] = num[ok] / den[ok]
    return out


def integration(chain: ChainGraph, *, weights: Mapping[str, float] | None = None) -> IntegrationResult:
    """Integration of small and large firms (大中小企业融通): a 0–100 index and its parts.

    Notation: ``W[s, j]`` what *s* sells to *j*; ``L`` the large firms
    (``size_class == "large"``), ``M`` the SMEs (medium, small, micro); a
    *local* firm is in the focus region (``chain.is_local``); a *专精特新 SME*
    is an SME whose ``designations`` contain 专精特新 or 小巨人; ``S¹(i)`` the
    direct suppliers of *i*; ``R²(i)`` the firms within two tiers of *i*
    upstream or downstream (suppliers, suppliers' suppliers, customers,
    customers' customers; *i* excluded). Firms with an unknown size class
    are neither large nor SME.

    The index is ``score = 100 · Σ_k w_k · c_k`` over four components (default
    weights in brackets, :data:`DEFAULT_INTEGRATION_WEIGHTS`):

    ``sme_purchase_share`` (0.4)
        ``Σ_{l∈L} Σ_{s∈M} W[s, l] / Σ_{l∈L} Σ_s W[s, l]``: the SMEs' share of
        what large firms buy, by amount.
    ``large_with_local_sme`` (0.2)
        Among large firms with at least one supplier, the share with at least
        one local SME supplier.
    ``sme_reach`` (0.2)
        ``|M ∩ ⋃_{l∈L} R²(l)| / |M|``: the share of the chain's SMEs within two
        tiers of some large firm.
    ``mixing`` (0.2)
        ``(1 − r) / 2`` with ``r`` the size-class assortativity below: 0 when
        links only join firms of the same class, 0.5 for random mixing, 1 when
        they only join different classes.

    The size-class mixing matrix counts each supplier–customer pair once
    (``e[a, b]`` = share of links from a class-``a`` supplier to a class-``b``
    customer, over links whose two ends have a known class), and Newman's
    coefficient is ``r = (Σ_a e_aa − Σ_a a_a b_a) / (1 − Σ_a a_a b_a)`` with
    ``a``, ``b`` the row and column sums — the value networkx's
    ``attribute_assortativity_coefficient`` gives for ``size_class``.

    A component that is undefined (no large firm, no SME, no large firm with a
    supplier, no link between known classes) is NaN, and so is the score; a
    warning says which.

    Parameters
    ----------
    chain : ChainGraph
    weights : mapping, optional
        Weights for some or all components; the others keep their defaults
        and all are rescaled to sum 1.

    Returns
    -------
    IntegrationResult
        ``.score``, ``.components``, ``.mixing``, ``.assortativity`` as above,
        and ``.firms``, one row per large firm indexed by ``firm_id``:

        ``n_suppliers``
            ``|S¹(l)|``.
        ``purchases``
            ``Σ_s W[s, l]`` (万元).
        ``sme_supplier_share``
            Share of ``S¹(l)`` that are SMEs (by count).
        ``sme_amount_share``
            SMEs' share of ``l``'s purchases (by amount).
        ``local_sme_share``
            Share of ``S¹(l)`` that are local SMEs (by count).
        ``specialised_sme_share``
            Share of ``S¹(l)`` that are 专精特新 SMEs (by count).
        ``smes_reached``
            ``|M ∩ R²(l)|``: SMEs within two tiers, up- or downstream.

        The shares are NaN for a large firm without suppliers.

    References
    ----------
    M. E. J. Newman, "Mixing patterns in networks", Phys. Rev. E 67, 026126 (2003).
    工业和信息化部等, 《促进大中小企业融通发展三年行动计划》 (2022).

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> result = cg.integration(chain)
    >>> round(result.score, 1)
    70.6
    >>> result.components[["value", "weight", "points"]].round(3)
                          value  weight  points
    component
    sme_purchase_share    0.608     0.4  24.313
    large_with_local_sme  0.864     0.2  17.288
    sme_reach             0.933     0.2  18.669
    mixing                0.518     0.2  10.355
    >>> bool(abs(result.components["points"].sum() - result.score) < 1e-9)
    True
    >>> list(result.mixing.index)
    ['large', 'medium', 'small', 'micro']
    """
    require_links(chain, "integration")
    w = _weights(weights)
    adj, adj_t = chain.adjacency, chain.adjacency_t
    size = chain.firms["size_class"]
    large = chain.is_large
    sme = chain.is_sme
    local_sme = sme & chain.is_local
    special = _specialised(chain)

    # per large firm, direct suppliers -------------------------------------------
    pat_t = _network_csr.pattern(adj_t, np.float64)
    n_sup = np.diff(adj_t.indptr).astype(np.int64)
    sme_sup = pat_t @ sme.astype(float)
    local_sup = pat_t @ local_sme.astype(float)
    special_sup = pat_t @ special.astype(float)
    from_sme = adj_t @ sme.astype(float)
    purchases = chain.in_strength

    rows = np.flatnonzero(large)
    reached = _reach_kernels.reach_counts([adj_t, adj], 2, masks=[sme], rows=rows)[:, 1]
    firms = pd.DataFrame(
        {
            "n_suppliers": n_sup[rows],
            "purchases": purchases[rows],
            "sme_supplier_share": _share(sme_sup[rows], n_sup[rows].astype(float)),
            "sme_amount_share": _share(from_sme[rows], purchases[rows]),
            "local_sme_share": _share(local_sup[rows], n_sup[rows].astype(float)),
            "specialised_sme_share": _share(special_sup[rows], n_sup[rows].astype(float)),
            "smes_reached": reached,
        },
        index=chain.firm_ids[rows],
    )

    # chain-level components ------------------------------------------------------
    lp = purchases[rows].sum()
    c_purchase = from_sme[rows].sum() / lp if lp > 0 else np.nan
    buying = rows[n_sup[rows] > 0]
    c_local = float(np.mean(local_sup[buying] > 0)) if len(buying) else np.nan
    if large.any() and sme.any():
        near = (_reach_kernels.reach_distance(adj_t, large, 2) >= 0) | (
            _reach_kernels.reach_distance(adj, large, 2) >= 0
        )
        c_reach = float((near & sme).sum() / sme.sum())
    else:
        c_reach = np.nan

    codes = pd.Categorical(size, categories=list(SIZE_ORDER)).codes.astype(np.int64)
    counts = _mixing_kernels.class_mixing(adj, codes, len(SIZE_ORDER))
    r = _mixing_kernels.newman_assortativity(counts)
    total = counts.sum()
    e = counts / total if total > 0 else np.full_like(counts, np.nan)
    mixing = pd.DataFrame(
        e,
        index=pd.Index(SIZE_ORDER, name="supplier_size"),
        columns=pd.Index(SIZE_ORDER, name="customer_size"),
    )
    c_mixing = (1.0 - r) / 2.0 if np.isfinite(r) else np.nan

    values = {
        "sme_purchase_share": c_purchase,
        "large_with_local_sme": c_local,
        "sme_reach": c_reach,
        "mixing": c_mixing,
    }
    components = pd.DataFrame(
        {
            "value": pd.Series(values, dtype=float),
            "weight": pd.Series(w, dtype=float),
        }
    )
    components["points"] = 100.0 * components["weight"] * components["value"]
    components["meaning"] = pd.Series(_COMPONENT_TEXT)
    components.index.name = "component"
    missing = [k for k, v in values.items() if not np.isfinite(v) and w[k] > 0]
    if missing:
        warnings.warn(
            f"integration: components {missing} are undefined for this chain "
            f"({int(large.sum())} large firms, {int(sme.sum())} SMEs); the index is NaN",
            UserWarning,
            stacklevel=2,
        )
        score = float("nan")
    else:
        score = float(np.nansum(components["points"].to_numpy()))
    return IntegrationResult(
        score=score, components=with_place(components, chain), firms=with_place(firms, chain),
        mixing=with_place(mixing, chain), assortativity=float(r)
    )
