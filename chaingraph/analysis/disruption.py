"""Disruption scenarios (断链/卡脖子情景): who loses what when firms, a segment, a region or a country stop.

:func:`simulate_disruption` runs one scenario (some firms, a segment, a city's or
province's lockdown, or a country's supplies cut off, 卡脖子) through the same
generalized Leontief cascade as :func:`~chaingraph.systemic_risk`, solved exactly
by the kernels of :mod:`chaingraph.analysis._cascade` on the network and weights
of :mod:`chaingraph.analysis._esri_inputs`, and returns each firm's and each
segment's losses in a :class:`DisruptionResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chaingraph import schema
from chaingraph.analysis._common import require_links, with_place
from chaingraph.analysis._esri_inputs import (
    _check_tol,
    _essentiality_setting,
    _is_number,
    _kept_network,
    _method,
    _settings,
    _warn_uncertified,
    _weights,
)
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["simulate_disruption", "DisruptionResult"]


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
