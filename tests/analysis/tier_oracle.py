"""A plain-Python reference evaluation of the tier rules, one firm and one criterion
at a time: the oracle the tests cross-check the vectorised engine of
:mod:`chaingraph.analysis.tiers` against, and the row-wise baseline of
``benchmarks/bench_tiers.py``.

It shares only data with the engine (the rules, the derived-measure formulas and
the alias word lists), no evaluation code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from chaingraph.analysis.tiers import DERIVED_MEASURES
from chaingraph.rules import Criterion, RuleSet
from chaingraph.rules.model import ORDER_OPS
from chaingraph.schema import BOOL_WORDS, FIRM_CATEGORY_WORDS

FAIL, UNKNOWN, PASS = 0, 1, 2
OUTCOMES = ("fail", "unknown", "pass")


def reference_row(row: Mapping, ruleset: RuleSet) -> dict:
    """Statuses ('pass'/'fail'/'unknown') of every tier, the scores and the tier of one
    firm, from a mapping of its columns, evaluated one criterion at a time."""
    def get(name):
        if name in DERIVED_MEASURES:
            cols, fn, _ = DERIVED_MEASURES[name]
            vals = [get(c) for c in cols]
            if any(v is None for v in vals):
                return None
            r = float(fn(*(np.array([float(v)]) for v in vals))[0])
            return None if math.isnan(r) else r
        v = row.get(name)
        if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
            return None
        return v

    def as_flag(v):
        if v is None:
            return None
        if isinstance(v, (bool, np.bool_, int, float, np.integer, np.floating)):
            return bool(v)
        return BOOL_WORDS[str(v).strip().lower()]

    def cmp(v, op, t):
        return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t}[op]

    def band(bands, v):
        for b in bands:
            if b.op is None:
                return b.points_min, b.points_max
            if b.op == "==" and (v == b.value):
                return b.points_min, b.points_max
            if b.op != "==" and cmp(v, b.op, b.value):
                return b.points_min, b.points_max
        raise AssertionError("no band")

    def measure_value(m, bands):
        v = get(m)
        if v is None:
            return None
        if any(isinstance(b.value, bool) for b in bands):
            return as_flag(v)
        if any(isinstance(b.value, str) for b in bands):
            a = FIRM_CATEGORY_WORDS.get(m, {})
            return a.get(str(v).strip(), str(v).strip())
        return float(v)

    scores = {}
    for tid, sc in ruleset.scores.items():
        bounds = {g: [0.0, 0.0] for g in sc.groups}
        for ind in sc.indicators:
            v = measure_value(ind.measure, ind.bands)
            if v is not None:
                lo, hi = band(ind.bands, v)
            else:
                fv = measure_value(ind.fallback_measure, ind.fallback_bands) \
                    if ind.fallback_measure else None
                if fv is not None:
                    lo, hi = band(ind.fallback_bands, fv)
                else:
                    lo = min(b.points_min for b in ind.bands)
                    hi = max(b.points_max for b in ind.bands)
            bounds[ind.group][0] += lo
            bounds[ind.group][1] += hi
        bounds["total"] = [sum(b[0] for b in bounds.values()), sum(b[1] for b in bounds.values())]
        scores[tid] = bounds

    size = row.get("size_class")
    designations = get("designations")
    if designations is None and "designations" in row:
        designations = ""  # the column is there: an empty cell means no designations
    if isinstance(designations, (list, tuple)):
        designations = ";".join(map(str, designations))
    status: dict = {}

    def crit(c: Criterion) -> int:
        if c.prerequisite is not None:
            holds = UNKNOWN if designations is None else (
                PASS if any(any(w in str(designations) for w in t.designations)
                            for t in ruleset.tiers
                            if t.rank >= ruleset.tiers[ruleset.tier_ids.index(c.prerequisite)].rank
                            and implies(ruleset, t.id, c.prerequisite)) else FAIL)
            return max(holds, status[c.prerequisite])
        if c.score is not None:
            lo, hi = scores[c.tier][c.score]
            if cmp(lo, c.op, c.threshold):
                return PASS
            return FAIL if not cmp(hi, c.op, c.threshold) else UNKNOWN
        if c.measure == "size_class":
            v = size if size is not None and not pd.isna(size) else None
        else:
            v = get(c.measure)
        if c.op in ORDER_OPS:
            if v is None:
                return UNKNOWN
            v = float(v)
            if c.threshold_by is not None:
                k = get(c.threshold_by)
                kinds = FIRM_CATEGORY_WORDS["cluster_type"]
                k = kinds.get(str(k).strip()) if k is not None else None
                if k in c.thresholds:
                    return PASS if cmp(v, c.op, c.thresholds[k]) else FAIL
                ok = [cmp(v, c.op, x) for x in c.thresholds.values()]
                return PASS if all(ok) else (FAIL if not any(ok) else UNKNOWN)
            return PASS if cmp(v, c.op, c.threshold) else FAIL
        if v is None:
            return UNKNOWN
        if c.op == "==" and isinstance(c.threshold, bool):
            return PASS if as_flag(v) == c.threshold else FAIL
        if c.op == "in":
            return PASS if str(v) in c.threshold else FAIL
        if c.op == "contains":
            return PASS if any(w in str(v) for w in c.threshold) else FAIL
        return PASS if str(v) == str(c.threshold) else FAIL

    def tree(node, tid):
        if node[0] == "leaf":
            return crit(ruleset.criteria[f"{tid}.{node[1]}"])
        vals = [tree(k, tid) for k in node[1]]
        return min(vals) if node[0] == "and" else max(vals)

    best = None
    for t in ruleset.tiers:
        status[t.id] = tree(t.tree, t.id)
        if status[t.id] == PASS:
            best = t.id
    out = {f"{t}.status": OUTCOMES[s] for t, s in status.items()}
    for tid, b in scores.items():
        out[f"{tid}.score_min"], out[f"{tid}.score_max"] = b["total"]
    out["tier"] = best
    return out


def implies(ruleset: RuleSet, higher: str, lower: str) -> bool:
    """Whether holding ``higher`` implies holding ``lower`` along prerequisite links."""
    if higher == lower:
        return True
    for c in ruleset.criteria.values():
        if c.tier == higher and c.prerequisite is not None and implies(
                ruleset, c.prerequisite, lower):
            return True
    return False
