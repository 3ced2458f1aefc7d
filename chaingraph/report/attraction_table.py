"""The report's 补链招商清单: the top of :func:`~chaingraph.attraction_list` with its reasons in words."""

from __future__ import annotations

import pandas as pd

from ..analysis.attraction import attraction_list
from .labels import TEXT, label

#: The columns of the shown table, in order (``reasons`` becomes sentences).
SHOWN = ("rank", "name", "segment", "location", "gaps_closed", "local_demand_served",
         "share_served", "second_source_amount", "risk_reduction", "score", "reasons")


def reason_text(row: pd.Series, lang: str, segment: str) -> str:
    """One candidate's ``reasons`` codes as sentences, with its figures."""
    words = TEXT[lang]["attraction_reasons"]
    values = {
        "segment": segment,
        "gaps": int(row["gaps_closed"]),
        "more": int(row["gaps_closed"]) - 1,
        "served": row["local_demand_served"],
        "share": row["share_served"],
        "second": row["second_source_amount"],
        "risk": row["risk_reduction"],
    }
    # a candidate closing several gaps is named by its own segment: say how many more
    codes = ["gaps_closed_many" if c == "gaps_closed" and values["gaps"] > 1 else c
             for c in str(row["reasons"]).split("; ") if c]
    return words["sep"].join(words[c].format(**values) for c in codes)


def attraction_tables(chain, *, lang: str, top: int, seg_label: dict, risk: bool = True,
                      limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The shown table (the ``top`` best, reasons in words), the list for the workbook (the
    ``limit`` best, all when ``None``), and headline facts (the best candidate, the score's
    weights, and a note when ``risk`` is off)."""
    full = attraction_list(chain, top=None, risk=risk)
    t = TEXT[lang]
    full = full.head(limit) if limit is not None else full
    listed = full.assign(
        segment=full["segment_id"].map(lambda s: seg_label.get(s, s) if pd.notna(s) else ""))
    listed["reasons"] = [reason_text(row, lang, row["segment"]) for _, row in listed.iterrows()]
    shown = listed.head(top).assign(
        location=lambda d: d["location"].astype(str).map(lambda v: label("location", v, lang)))
    keep = [c for c in SHOWN if c in shown.columns and not shown[c].isna().all()]
    facts = {}
    if len(full) and pd.notna(full["score"].iloc[0]):
        best = listed.iloc[0]
        name = best["name"] if pd.notna(best["name"]) else listed.index[0]
        facts["attraction_best"] = f"{name} ({best['segment']})"
    names = t["names"]
    facts["attraction_weights"] = ", ".join(
        f"{names.get(k, k)} {v:.2f}" for k, v in full.attrs["weights"].items() if v > 0)
    if not risk:
        facts["attraction_note"] = t["attraction_reasons"]["no_risk"]
    return shown[keep], listed, facts
