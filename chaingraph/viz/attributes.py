"""What a view can draw by: firm attributes by name and the scores of analyses.

Scores (lead score, tier, ESRI …) are computed on the whole chain, before a
view focuses on a segment or an ecosystem, and are shown in tooltips and
usable as ``color_by`` / ``size_by`` like any firms column.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..analysis.leads import lead_firms
from ..analysis.resilience import systemic_risk
from ..analysis.tiers import tiers
from ..analysis.weak import chokepoints
from ..errors import ChainDataError, numeric_noise_silenced
from .style import STAGE_ORDER

#: How a chokepoint rule reads in a tooltip.
CHOKEPOINT_RULES = {"sole_flow": "sole supplier of an essential flow",
                    "dominator": "on every supply path to a lead or final firm"}


def chokepoint_scores(chain) -> pd.DataFrame:
    """:func:`chaingraph.chokepoints` as scores: ``chokepoint`` (堵点: why, in words; missing for
    other firms), ``cut_firms`` and ``cut_amount``, indexed by the chokepoints' firm_id."""
    cp = chokepoints(chain)
    why = cp["rule"].astype(str).map(
        lambda r: "; ".join(CHOKEPOINT_RULES.get(part.strip(), part.strip()) for part in r.split(";")))
    return pd.DataFrame({"chokepoint": why, "cut_firms": cp["cut_firms"], "cut_amount": cp["cut_amount"]},
                        index=cp.index)


#: The analyses ``scores=`` names: function, the columns its tooltip rows show,
#: and further columns of its result that ``color_by`` / ``size_by`` may ask for.
SCORE_ANALYSES = {
    "lead_firms": (lead_firms, ("lead_score", "rank", "is_lead"), ()),
    "tiers": (tiers, ("tier",), ()),
    "chokepoints": (chokepoint_scores, ("chokepoint",), ("cut_firms", "cut_amount")),
    "systemic_risk": (systemic_risk, ("esri",), ("esri_downstream", "esri_upstream")),
}
#: What ``scores="auto"`` computes for the firm-level views.
AUTO_SCORES = ("lead_firms", "tiers", "chokepoints")
#: Score column → the name of the analysis that computes it.
SCORE_COLUMNS = {col: name for name, (_, shown, more) in SCORE_ANALYSES.items() for col in shown + more}


def run_or_leave_out(name: str, analysis, chain, lost: str, *, stacklevel: int):
    """``analysis(chain)`` (numerical noise silenced), or ``None`` with a warning when it cannot
    run on this chain (:class:`ChainDataError`): ``"to_pyvis: NAME could not run on this chain
    (why); LOST left out of the tooltips"``. Every analysis the pages draw runs through here."""
    try:
        with numeric_noise_silenced():
            return analysis(chain)
    except ChainDataError as exc:
        warnings.warn(f"to_pyvis: {name} could not run on this chain ({exc}); "
                      f"{lost} left out of the tooltips", UserWarning, stacklevel=stacklevel)
        return None


def score_table(chain, scores, needed=()) -> pd.DataFrame:
    """Score columns by firm_id from analysis names and/or DataFrames (see to_pyvis).

    ``needed`` names score columns asked for by ``color_by`` / ``size_by``: their
    analyses run even when ``scores`` does not name them. An analysis that cannot
    run on this chain (:class:`ChainDataError`) is left out with a warning.
    """
    if scores is None:
        items = []
    elif isinstance(scores, str):
        items = list(AUTO_SCORES) if scores == "auto" else [scores]
    elif isinstance(scores, pd.DataFrame):
        items = [scores]
    else:
        items = list(scores)
    for col in needed:
        src = SCORE_COLUMNS.get(col)
        if src and src not in items:
            items.append(src)
    frame = pd.DataFrame(index=chain.firm_ids)
    for item in items:
        if isinstance(item, pd.DataFrame):
            part = item
        elif isinstance(item, str):
            if item not in SCORE_ANALYSES:
                raise ValueError(f"unknown score source {item!r}; use one of {sorted(SCORE_ANALYSES)} "
                                 "or a DataFrame indexed by firm_id")
            analysis, shown, _ = SCORE_ANALYSES[item]
            result = run_or_leave_out(item, analysis, chain, "its scores are", stacklevel=4)
            if result is None:
                continue
            part = result[list(dict.fromkeys([*shown, *(c for c in needed if c in result.columns)]))]
        else:
            raise TypeError("scores must be 'auto', None, an analysis name, a DataFrame or a list of them")
        part = part.reindex(chain.firm_ids)
        for col in part.columns:
            if col not in frame.columns:
                frame[col] = part[col].to_numpy()
    return frame


def firm_values(chain, name: str, scores: pd.DataFrame) -> pd.Series:
    """A firm attribute by name: segment, stage, location, size_group (large / SME), a firms
    column or a score column."""
    firms = chain.firms
    if name == "size_group" and name not in firms.columns:
        vals = np.where(chain.is_large, "large", np.where(chain.is_sme, "SME", None)).astype(object)
        return pd.Series(vals, index=chain.firm_ids, dtype=object)
    if name == "segment":
        return firms["segment_id"] if "segment_id" in firms.columns else pd.Series(
            [None] * chain.n_firms, index=chain.firm_ids, dtype=object)
    if name == "stage":
        codes = chain.segment_codes
        stages = chain.segments["stage"].to_numpy(dtype=object) if len(chain.segments) else np.array([], object)
        vals = np.array([stages[c] if c >= 0 else None for c in codes], dtype=object)
        return pd.Series(vals, index=chain.firm_ids, dtype=object)
    if name == "location":
        return chain.location.astype(object)
    if name in firms.columns:
        return firms[name]
    if name in scores.columns:
        return scores[name]
    raise ChainDataError(f"no column {name!r} to draw by: not a firms column, not 'segment', "
                         f"'stage', 'location' or 'size_group', and no score of that name",
                         source="firms", column=name)


def is_numeric(s: pd.Series) -> bool:
    """True for a numeric column drawn on a ramp (booleans are categories)."""
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def numeric_values(s: pd.Series) -> np.ndarray:
    """``s`` as floats, anything not a number → NaN."""
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def segment_stages(chain) -> list:
    """Stage of each segment of ``chain.segments``, in order; ``None`` when not one of :data:`STAGE_ORDER`."""
    seg = chain.segments
    stages = seg["stage"].to_numpy(dtype=object) if "stage" in seg.columns else np.full(len(seg), None)
    return [s if isinstance(s, str) and s in STAGE_ORDER else None for s in stages]


def role_flags(scores: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(is_lead, is_chokepoint)`` per row of ``scores`` (all False when the scores lack them)."""
    lead = (scores["is_lead"].eq(True).to_numpy(dtype=bool) if "is_lead" in scores.columns
            else np.zeros(n, dtype=bool))
    choke = (scores["chokepoint"].notna().to_numpy(dtype=bool) if "chokepoint" in scores.columns
             else np.zeros(n, dtype=bool))
    return lead, choke
