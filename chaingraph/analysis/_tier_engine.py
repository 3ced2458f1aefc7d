"""The tier engine: reading tier inputs from a firms table and evaluating rules on them.

Private to :mod:`chaingraph.analysis.tiers`, whose docstring states what is
computed (three-valued outcomes, score bounds, distances). Every criterion is
evaluated for all firms at once: a column is read once (:class:`Inputs`, cached
and factorised, so text and flag columns are mapped once per distinct value),
and ``require`` trees are folded over whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ChainDataError
from ..rules.model import ORDER_OPS, Criterion, RuleSet, Score, expression_leaves
from ..schema import BOOL_WORDS, FIRM_CATEGORY_WORDS, size_class_nbs2017

#: Outcomes of a criterion or tier as int8 codes, ordered for three-valued logic
#: (*and* is the minimum, *or* the maximum), and their names.
FAIL, UNKNOWN, PASS = 0, 1, 2
OUTCOMES = ("fail", "unknown", "pass")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    ok = den > 0
    np.divide(num, den, out=out, where=ok)
    return out


#: The derived measures a rule may name (all inputs optional; a missing input gives NaN).
#: name → (input columns, function of the input arrays, formula).
DERIVED_MEASURES = {
    "rd_intensity": (
        ("rd_expense", "revenue"), lambda a, b: _ratio(a, b), "rd_expense / revenue"),
    "rd_intensity_prev": (
        ("rd_expense_prev", "revenue_prev"), lambda a, b: _ratio(a, b),
        "rd_expense_prev / revenue_prev"),
    "rd_expense_avg2": (
        ("rd_expense", "rd_expense_prev"), lambda a, b: (a + b) / 2,
        "(rd_expense + rd_expense_prev) / 2"),
    "main_business_share": (
        ("main_business_revenue", "revenue"), lambda a, b: _ratio(a, b),
        "main_business_revenue / revenue"),
    "main_business_growth_avg2": (
        ("main_business_growth", "main_business_growth_prev"), lambda a, b: (a + b) / 2,
        "(main_business_growth + main_business_growth_prev) / 2"),
}


# --------------------------------------------------------------------------- #
# reading the firms' columns


class Inputs:
    """Measures read from the firms table, cached; absent columns are recorded."""

    def __init__(self, firms: pd.DataFrame, cluster_type=None):
        self.firms = firms
        self.n = len(firms)
        self.absent: set = set()
        self._cache: dict = {}
        self.cluster_type = cluster_type

    def _rows(self, mask) -> list:
        return list(self.firms.index[np.flatnonzero(mask)])

    def number(self, name: str) -> np.ndarray:
        key = ("num", name)
        if key in self._cache:
            return self._cache[key]
        if name in DERIVED_MEASURES:
            cols, fn, _ = DERIVED_MEASURES[name]
            out = fn(*(self.number(c) for c in cols))
        elif name not in self.firms.columns:
            self.absent.add(name)
            out = np.full(self.n, np.nan)
        else:
            s = self.firms[name]
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                out = s.to_numpy(dtype="float64", na_value=np.nan)
            else:
                text = s.astype("string").str.strip()
                text = text.mask(text == "")
                num = pd.to_numeric(text, errors="coerce")
                bad = (num.isna() & text.notna()).to_numpy()
                if bad.any():
                    raise ChainDataError("non-numeric values", source="firms", column=name,
                                         rows=self._rows(bad))
                out = num.to_numpy(dtype="float64", na_value=np.nan)
            inf = np.isinf(out)
            if inf.any():
                raise ChainDataError("infinite values", source="firms", column=name,
                                     rows=self._rows(inf))
        self._cache[key] = out
        return out

    def _factorized(self, name: str):
        s = self.firms[name]
        if s.dtype == object:
            s = s.map(lambda v: ";".join(map(str, v))
                      if isinstance(v, (list, tuple, set, frozenset, np.ndarray)) else v)
        codes, uniques = pd.factorize(s)
        return codes, list(uniques)

    def flag(self, name: str) -> np.ndarray:
        """1.0 / 0.0 / NaN from bool, 0/1 numbers or words (true/false, yes/no, 是/否)."""
        key = ("flag", name)
        if key in self._cache:
            return self._cache[key]
        if name not in self.firms.columns:
            self.absent.add(name)
            out = np.full(self.n, np.nan)
        else:
            codes, uniques = self._factorized(name)
            mapped = np.empty(len(uniques))
            for i, u in enumerate(uniques):
                if isinstance(u, (bool, np.bool_)):
                    v = float(u)
                elif isinstance(u, (int, float, np.integer, np.floating)):
                    v = float(u) if u in (0, 1) else -1.0
                else:
                    v = float(BOOL_WORDS.get(str(u).strip().lower(), -1.0))
                mapped[i] = v
            bad_u = mapped < 0
            if bad_u.any():
                bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
                raise ChainDataError(
                    "values are not true/false (use true/false, yes/no, 1/0 or 是/否)",
                    source="firms", column=name, rows=self._rows(bad))
            out = np.where(codes >= 0, mapped[np.maximum(codes, 0)] if len(mapped) else 0.0,
                           np.nan)
        self._cache[key] = out
        return out

    def text(self, name: str) -> np.ndarray:
        """Object array of str (normalised by the schema's aliases where the column has them)
        or None where missing."""
        key = ("text", name)
        if key in self._cache:
            return self._cache[key]
        if name == "size_class":
            out = self._size_class()
        elif name not in self.firms.columns:
            self.absent.add(name)
            out = np.full(self.n, None, dtype=object)
        else:
            codes, uniques = self._factorized(name)
            aliases = FIRM_CATEGORY_WORDS.get(name)
            vals = []
            for u in uniques:
                t = str(u).strip()
                if aliases is not None:
                    t = aliases.get(t, aliases.get(t.lower(), t))
                vals.append(t if t != "" else None)
            if name == "designations":
                # a designations column lists a firm's honours: an empty cell means none
                vals = [v if v is not None else "" for v in vals]
                out = np.array(vals + [""], dtype=object)[codes]
                self._cache[key] = out
                return out
            if aliases is not None:
                allowed = set(aliases.values())
                bad_u = np.array([v is not None and v not in allowed for v in vals], dtype=bool)
                if bad_u.any():
                    bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
                    raise ChainDataError(
                        f"unknown values; use one of {', '.join(sorted(allowed))}",
                        source="firms", column=name, rows=self._rows(bad))
            table = np.array(vals + [None], dtype=object)
            out = table[codes]  # code -1 picks the trailing None
        if name == "cluster_type" and self.cluster_type is not None:
            fill = FIRM_CATEGORY_WORDS["cluster_type"].get(str(self.cluster_type).strip())
            if fill is None:
                raise ValueError(
                    f"cluster_type {self.cluster_type!r} is not 'pillar' or 'emerging'")
            out = out.copy()
            out[pd.isna(out)] = fill
            self.absent.discard("cluster_type")
        self._cache[key] = out
        return out

    def _size_class(self) -> np.ndarray:
        if "size_class" in self.firms.columns:
            codes, uniques = self._factorized("size_class")
            alias = FIRM_CATEGORY_WORDS["size_class"]
            vals = [alias.get(str(u).strip().lower(), alias.get(str(u).strip())) for u in uniques]
            bad_u = np.array([v is None for v in vals], dtype=bool)
            if bad_u.any():
                bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
                raise ChainDataError("unknown size class; use large, medium, small or micro",
                                     source="firms", column="size_class", rows=self._rows(bad))
            return np.array(vals + [None], dtype=object)[codes]
        if {"employees", "revenue"} <= set(self.firms.columns):
            return np.asarray(size_class_nbs2017(self.number("employees"),
                                                 self.number("revenue")), dtype=object)
        self.absent.add("size_class")
        return np.full(self.n, None, dtype=object)


# --------------------------------------------------------------------------- #
# vectorised evaluation


def _compare(v: np.ndarray, op: str, t) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return v >= t
        if op == ">":
            return v > t
        if op == "<=":
            return v <= t
        return v < t


def _distance(v, op, t) -> np.ndarray:
    t = np.broadcast_to(np.asarray(t, dtype="float64"), np.shape(v))
    diff = (t - v) if op in (">=", ">") else (v - t)
    scale = np.abs(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), np.abs(diff))


def _order_status(known, lo_ok, hi_ok):
    """Status of an order criterion from two comparisons: where the value is known,
    pass where ``lo_ok`` (the strict reading passes), fail where not ``hi_ok`` (the
    lenient reading fails), otherwise unknown."""
    inner = np.where(lo_ok, np.int8(PASS), np.where(hi_ok, np.int8(UNKNOWN), np.int8(FAIL)))
    return np.where(known, inner, np.int8(UNKNOWN)).astype(np.int8, copy=False)


@dataclass
class _Leaf:
    status: np.ndarray
    distance: np.ndarray
    value: np.ndarray | None = None
    threshold: np.ndarray | None = None
    known: np.ndarray | bool = False  # the criterion's own input is known (a prerequisite has none)


def _eval_criterion(c: Criterion, inp: Inputs, scored: dict, tier_state: dict,
                    holds: dict) -> _Leaf:
    n = inp.n
    if c.prerequisite is not None:
        st = np.maximum(holds[c.prerequisite], tier_state[c.prerequisite][0])
        dist = np.where(st == FAIL, tier_state[c.prerequisite][1], np.nan)
        return _Leaf(st.astype(np.int8), dist)
    if c.score is not None:
        lo, hi, exact = scored[c.tier][c.score]
        thr = c.threshold
        up = c.op in (">=", ">")
        best, worst = (hi, lo) if up else (lo, hi)
        status = _order_status(np.ones(n, dtype=bool), _compare(worst, c.op, thr),
                               _compare(best, c.op, thr))
        dist = np.where(status == FAIL, _distance(best, c.op, thr), np.nan)
        return _Leaf(status, dist, exact, np.full(n, thr), known=scored[c.tier]["known"])
    if c.op in ORDER_OPS:
        v = inp.number(c.measure)
        if c.threshold_by is not None:
            key = inp.text(c.threshold_by)
            table = c.thresholds
            codes, uniques = pd.factorize(pd.Series(key, dtype=object))
            t = np.array([table.get(u, np.nan) for u in uniques] + [np.nan],
                         dtype="float64")[codes]
            vals = np.array(list(table.values()))
            up = c.op in (">=", ">")
            strict = vals.max() if up else vals.min()
            lenient = vals.min() if up else vals.max()
            t_strict = np.where(np.isnan(t), strict, t)
            t_lenient = np.where(np.isnan(t), lenient, t)
        else:
            t = np.full(n, c.threshold)
            t_strict = t_lenient = t
        status = _order_status(~np.isnan(v), _compare(v, c.op, t_strict),
                               _compare(v, c.op, t_lenient))
        if c.gate:
            dist = np.where(status == FAIL, np.inf, np.nan)
        else:
            dist = np.where(status == FAIL, _distance(v, c.op, t_lenient), np.nan)
        return _Leaf(status, dist, v, t, known=~np.isnan(v))
    if c.op == "==" and isinstance(c.threshold, bool):
        v = inp.flag(c.measure)
        status = np.where(np.isnan(v), UNKNOWN,
                          np.where(v == float(c.threshold), PASS, FAIL)).astype(np.int8)
        return _Leaf(status, np.where(status == FAIL, np.inf, np.nan), v, known=~np.isnan(v))
    # text: ==, in, contains
    v = inp.text(c.measure)
    codes, uniques = pd.factorize(pd.Series(v, dtype=object))
    if c.op == "==":
        hit = [u == str(c.threshold) for u in uniques]
    elif c.op == "in":
        hit = [u in c.threshold for u in uniques]
    else:
        hit = [any(w in u for w in c.threshold) for u in uniques]
    table = np.array([PASS if h else FAIL for h in hit] + [UNKNOWN], dtype=np.int8)
    status = table[codes]
    return _Leaf(status, np.where(status == FAIL, np.inf, np.nan), v, known=codes >= 0)


def _band_points(bands, inp: Inputs, measure: str):
    """(points_min, points_max) per firm from first-match bands; NaN where the measure
    is missing. Values matching no band are an error."""
    kinds = {type(b.value) for b in bands if b.op is not None}
    if str in kinds:
        v = inp.text(measure)
        missing = pd.isna(v)
    elif bool in kinds:
        v = inp.flag(measure)
        missing = np.isnan(v)
    else:
        v = inp.number(measure)
        missing = np.isnan(v)
    lo = np.full(inp.n, np.nan)
    hi = np.full(inp.n, np.nan)
    todo = ~missing
    for b in bands:
        if b.op is None:
            hit = todo
        elif b.op == "==":
            hit = todo & (v == (float(b.value) if isinstance(b.value, bool) else b.value))
        else:
            hit = todo & _compare(v, b.op, b.value)
        hit = np.asarray(hit, dtype=bool)
        lo[hit] = b.points_min
        hi[hit] = b.points_max
        todo = todo & ~hit
    if todo.any():
        raise ChainDataError(
            f"values match no scoring band ({', '.join(sorted({str(x) for x in v[todo]})[:5])})",
            source="firms", column=measure, rows=list(inp.firms.index[np.flatnonzero(todo)]))
    return lo, hi


def _eval_score(score: Score, inp: Inputs) -> dict:
    """name → (lower bound, upper bound, exact value or NaN); names are 'total', the groups
    and 'points.<indicator>'; and 'known': whether any indicator's input is known."""
    out = {}
    known = np.zeros(inp.n, dtype=bool)
    tot_lo = np.zeros(inp.n)
    tot_hi = np.zeros(inp.n)
    g_lo = {g: np.zeros(inp.n) for g in score.groups}
    g_hi = {g: np.zeros(inp.n) for g in score.groups}
    for ind in score.indicators:
        lo, hi = _band_points(ind.bands, inp, ind.measure)
        miss = np.isnan(lo)
        if miss.any() and ind.fallback_measure:
            flo, fhi = _band_points(ind.fallback_bands, inp, ind.fallback_measure)
            lo = np.where(miss, flo, lo)
            hi = np.where(miss, fhi, hi)
            miss = np.isnan(lo)
        known |= ~miss
        if miss.any():
            lo = np.where(miss, min(b.points_min for b in ind.bands), lo)
            hi = np.where(miss, max(b.points_max for b in ind.bands), hi)
        out[f"points.{ind.id}"] = (lo, hi, np.where(lo == hi, lo, np.nan))
        g_lo[ind.group] += lo
        g_hi[ind.group] += hi
        tot_lo += lo
        tot_hi += hi
    for g in score.groups:
        out[g] = (g_lo[g], g_hi[g], np.where(g_lo[g] == g_hi[g], g_lo[g], np.nan))
    out["total"] = (tot_lo, tot_hi, np.where(tot_lo == tot_hi, tot_lo, np.nan))
    out["known"] = known
    return out


def _eval_tree(node, leaves: dict, bit: dict, n: int):
    """(status, distance, missing bitmask, unknown bitmask) of a require node."""
    if node[0] == "leaf":
        lf = leaves[node[1]]
        b = np.uint64(1 << bit[node[1]])
        zero = np.uint64(0)
        return (lf.status, lf.distance, np.where(lf.status == FAIL, b, zero),
                np.where(lf.status == UNKNOWN, b, zero))
    kids = [_eval_tree(k, leaves, bit, n) for k in node[1]]
    zero = np.uint64(0)
    # fold the children pairwise (no stacked copies)
    status, dist, miss, unk = kids[0]
    if node[0] == "and":
        dist = np.where(status == FAIL, dist, -np.inf)
        for s2, d2, m2, u2 in kids[1:]:
            status = np.minimum(status, s2)
            dist = np.maximum(dist, np.where(s2 == FAIL, d2, -np.inf))
            miss = miss | m2
            unk = unk | u2
    else:
        dist = np.where(status == FAIL, dist, np.inf)
        for s2, d2, m2, u2 in kids[1:]:
            d2 = np.where(s2 == FAIL, d2, np.inf)
            nearer = d2 < dist  # ties keep the earlier alternative
            status = np.maximum(status, s2)
            dist = np.where(nearer, d2, dist)
            miss = np.where(nearer, m2, miss)
            unk = unk | u2
    dist = np.where(status == FAIL, dist, np.nan)
    miss = np.where(status == FAIL, miss, zero)
    unk = np.where(status == PASS, zero, unk)
    return status.astype(np.int8), dist, miss, unk


def _holds(designations: np.ndarray, words: tuple) -> np.ndarray:
    """PASS / FAIL where the designations text mentions / does not mention one of the
    words; UNKNOWN where it is None (no designations column)."""
    codes, uniques = pd.factorize(pd.Series(designations, dtype=object))
    table = np.array([PASS if any(w in u for w in words) else FAIL for u in uniques]
                     + [UNKNOWN], dtype=np.int8)
    return table[codes]


def _masks_to_text(masks: np.ndarray, names: list) -> np.ndarray:
    """Bit masks over ``names`` → ``'; '``-joined names (computed once per distinct mask)."""
    codes, uniq = pd.factorize(masks)
    texts = []
    for m in uniq.tolist():
        parts = []
        while m:
            low = m & -m
            parts.append(names[low.bit_length() - 1])
            m ^= low
        texts.append("; ".join(parts))
    return np.array(texts, dtype=object)[codes]


def _uninformed_at(code: np.ndarray, status: np.ndarray, informed: np.ndarray) -> np.ndarray:
    """Where tier ``code`` (−1: none) is unknown for want of every one of its inputs."""
    cols = np.arange(len(code))
    at = np.maximum(code, 0)
    ok = code >= 0
    if not ok.any():
        return np.zeros(len(code), dtype=bool)
    return ok & (status[at, cols] == UNKNOWN) & ~informed[at, cols]


def _ordered(values: np.ndarray, ids: list) -> pd.Categorical:
    """Tier ids (or -1 for none) as an ordered categorical of the ladder."""
    return pd.Categorical.from_codes(values, categories=ids, ordered=True)


def _outcome(status: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(status.astype(np.int8), categories=list(OUTCOMES),
                                     ordered=True)


def evaluate(firms: pd.DataFrame, ruleset: RuleSet, *, cluster_type=None,
             detail: bool = True) -> pd.DataFrame:
    """The table of :func:`chaingraph.analysis.tiers.evaluate_rules` for a firms table
    indexed by firm id."""
    inp = Inputs(firms, cluster_type=cluster_type)
    n = inp.n
    tier_ids = ruleset.tier_ids
    scored = {t: _eval_score(s, inp) for t, s in ruleset.scores.items()}

    # designations held, with a tier's designation implying its prerequisites
    dtext = inp.text("designations")
    holds = {t.id: _holds(dtext, t.designations) for t in ruleset.tiers}
    for t in reversed(ruleset.tiers):
        for c in ruleset.criteria.values():
            if c.tier == t.id and c.prerequisite is not None:
                holds[c.prerequisite] = np.maximum(holds[c.prerequisite], holds[t.id])

    tier_state: dict = {}
    leaves_all: dict = {}
    for t in ruleset.tiers:
        own = [c for c in ruleset.criteria.values() if c.tier == t.id]
        leaves = {c.id: _eval_criterion(c, inp, scored, tier_state, holds) for c in own}
        names = expression_leaves(t.tree)
        order = list(dict.fromkeys(names))
        bit = {nm: i for i, nm in enumerate(order)}
        status, dist, miss, unk = _eval_tree(t.tree, leaves, bit, n)
        top = t.tree[1] if t.tree[0] == "and" else [t.tree]
        gate_fail = np.zeros(n, dtype=bool)
        for node in top:
            if node[0] == "leaf" and ruleset.criteria[f"{t.id}.{node[1]}"].gate:
                gate_fail |= leaves[node[1]].status == FAIL
        informed = np.zeros(n, dtype=bool)
        for lf in leaves.values():
            informed |= lf.known
        tier_state[t.id] = (status, dist, miss, unk, [f"{t.id}.{x}" for x in order], gate_fail,
                            informed)
        leaves_all.update({f"{t.id}.{k}": v for k, v in leaves.items()})

    # summary: highest tier granted, highest possible, next tier and what it misses
    k = len(tier_ids)
    st = np.stack([tier_state[t][0] for t in tier_ids]) if k else np.empty((0, n), np.int8)
    ranks = np.arange(k)[:, None]
    tier_code = np.where(st == PASS, ranks, -1).max(axis=0) if k else np.full(n, -1)
    possible_code = np.where(st >= UNKNOWN, ranks, -1).max(axis=0) if k else np.full(n, -1)
    # a tier with none of its inputs known says nothing: above it, what is possible is unknown
    informed = np.stack([tier_state[t][6] for t in tier_ids]) if k else np.empty((0, n), bool)
    possible_code = np.where(_uninformed_at(possible_code, st, informed), -1, possible_code)
    held = np.stack([holds[t] for t in tier_ids]) if k else np.empty((0, n), np.int8)
    designation_code = np.where(held == PASS, ranks, -1).max(axis=0) if k else np.full(n, -1)
    eligible = ~np.stack([tier_state[t][5] for t in tier_ids]) if k else np.empty((0, n), bool)
    cand = eligible & (ranks > tier_code[None, :])
    has_next = cand.any(axis=0) if k else np.zeros(n, bool)
    next_code = np.where(has_next, np.argmax(cand, axis=0) if k else -1, -1)
    next_code = np.where(_uninformed_at(next_code, st, informed), -1, next_code)
    next_dist = np.full(n, np.nan)
    next_missing = np.full(n, "", dtype=object)
    next_unknown = np.full(n, "", dtype=object)
    for i, t in enumerate(tier_ids):
        sel = next_code == i
        if not sel.any():
            continue
        status, dist, miss, unk, names = tier_state[t][:5]
        next_dist[sel] = dist[sel]
        next_missing[sel] = _masks_to_text(miss[sel], names)
        next_unknown[sel] = _masks_to_text(unk[sel], names)

    cols: dict = {}
    cols["size_class"] = inp.text("size_class")
    cols["designation"] = _ordered(designation_code, tier_ids)
    cols["tier"] = _ordered(tier_code, tier_ids)
    cols["tier_possible"] = _ordered(possible_code, tier_ids)
    cols["next_tier"] = _ordered(next_code, tier_ids)
    cols["next_distance"] = next_dist
    cols["next_missing"] = next_missing
    cols["next_unknown"] = next_unknown
    for t in tier_ids:
        cols[f"{t}.status"] = _outcome(tier_state[t][0])
        cols[f"{t}.designated"] = pd.arrays.BooleanArray(holds[t] == PASS, holds[t] == UNKNOWN)
        if t in scored:
            lo, hi, exact = scored[t]["total"]
            cols[f"{t}.score"] = exact
            cols[f"{t}.score_min"] = lo
            cols[f"{t}.score_max"] = hi
    if detail:
        for t in tier_ids:
            if t in scored:
                for name, bounds in scored[t].items():
                    if name not in ("total", "known"):
                        lo, hi, exact = bounds
                        cols[f"{t}.{'score.' if not name.startswith('points.') else ''}{name}"] \
                            = exact
            for key in tier_state[t][4]:
                lf = leaves_all[key]
                cols[key] = _outcome(lf.status)
                if lf.value is not None:
                    cols[f"{key}.value"] = lf.value
                if lf.threshold is not None:
                    cols[f"{key}.threshold"] = lf.threshold
    out = pd.DataFrame(cols, index=firms.index.copy())
    if out.index.name is None:
        out.index.name = "firm_id"
    out.attrs["rules"] = list(ruleset.names)
    out.attrs["unconfirmed"] = ruleset.unconfirmed
    out.attrs["missing_columns"] = sorted(inp.absent)
    return out
