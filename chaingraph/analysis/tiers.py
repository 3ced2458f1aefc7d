"""The tier pool (梯度培育库): which tier each firm qualifies for, and how far it is from the next.

The ladder of the tier pool is 创新型中小企业 (``innovative``) → 专精特新中小企业
(``specialised``) → 专精特新"小巨人" (``little_giant``) → 制造业单项冠军
(``champion``) → 链主 / 领航企业 (``lead``). Each tier's criteria are *data*: one
TOML file per published rule version in ``chaingraph/rules/``:

==========================  ==============================================================
``miit-2022``               创新型中小企业 (six scored indicators and direct routes),
                            专精特新中小企业 and 专精特新"小巨人", 工信部企业〔2022〕63号
``champion-2023``           制造业单项冠军 (2023 rules)
``lead-guangdong-2022``     a provincial 链主 rule (Guangdong 2022), as an example
``nbs-2017``                the NBS 2017 size classes (reference data; the one
                            implementation is :func:`chaingraph.schema.size_class_nbs2017`)
==========================  ==============================================================

The revised MIIT measures in force from 2026-04-01 are not shipped: their
figures are unconfirmed. A user can pass their own rule file.

Rule file format
----------------
``[rule]``
    ``name`` (the version named in every output), ``title``, ``document``, ``year``.
``[[tiers]]``
    ``id``, ``label`` (Chinese), ``label_en``, ``rank`` (position on the
    ladder), ``designations`` (words that mark a firm as holding the tier in the
    firms' ``designations`` column), ``source`` and ``require``: a logical
    expression over the tier's criterion ids with ``&`` (and), ``|`` (or) and
    parentheses. Nothing else is parsed, nothing is evaluated as code.
``[[criteria]]``
    ``tier``, ``id``, ``label``, ``label_en``, ``source``, ``confirmed``
    (default true), optional ``note``, ``unit`` and ``gate``, and one of

    - ``measure`` (a firms column or a derived measure, see
      :data:`DERIVED_MEASURES`) with ``op`` in ``>= > <= <`` and a numeric
      ``threshold`` — or ``threshold_by`` (a column) with ``thresholds``
      (a table value → threshold); ``op = "=="`` with ``threshold = true``
      for a yes/no column; ``op = "in"`` with a list; ``op = "contains"``
      with a list of words to look for in a text column;
    - ``score`` (``"total"`` or a group of the tier's score) with ``op`` and
      ``threshold``;
    - ``prerequisite`` (a lower tier): passes when the firm holds that tier's
      designation (or a higher one implying it) or qualifies for it.

    A *gate* selects which route of a rule applies (the SME condition, the
    revenue bands of 小巨人's 新 criteria); its failure is not a shortfall with
    a distance.
``[[scores]]`` with ``[[scores.indicators]]``
    ``tier``, ``groups`` (id → label) and per indicator ``id``, ``group``,
    ``measure`` and ``bands``: a list of ``{op, value, points}`` checked in
    order, the first match scoring (a band without ``op`` matches anything);
    optionally ``fallback_measure`` and ``fallback_bands`` with
    ``points_min``/``points_max`` bounding the points when ``measure`` is missing.

How missing data resolves
-------------------------
Every criterion is ``pass``, ``fail`` or ``unknown``; a missing input (a
missing value, or a column absent from the table) gives ``unknown`` and never
counts as a pass. ``require`` is evaluated in three-valued (Kleene) logic: *and*
fails if any part fails, passes if all pass, otherwise is unknown; *or* passes
if any part passes, fails if all fail, otherwise is unknown. A tier is granted
(``tier``) only when its rule passes; a tier whose rule is unknown is
*possible* (``tier_possible``). A score with missing indicators is bounded:
each missing indicator counts its lowest and its highest points, and a score
criterion passes when the lower bound passes, fails when the upper bound fails.
To treat an input you cannot observe as failed, give the column with
``False``/``0``.

Distance to a threshold
-----------------------
For a failing criterion ``value ≥ threshold`` (or ``>``) the relative distance
is ``(threshold − value) / threshold``; for ``≤``/``<`` it is
``(value − threshold) / threshold``; with a zero threshold the absolute
difference. Failing yes/no, list and gate criteria have an infinite distance.
A failing *and* is as far as its farthest failing part, a failing *or* as near
as its nearest alternative; the parts listed as missing follow the same path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..core import ChainGraph
from ..errors import ChainDataError

__all__ = [
    "tiers",
    "tier_progress",
    "evaluate_rules",
    "load_rules",
    "list_rules",
    "RuleSet",
    "DEFAULT_RULES",
    "SHANDONG_2025_TARGETS",
    "DERIVED_MEASURES",
]

#: The full ladder: 创新型 → 专精特新 → 小巨人 (MIIT 2022), 单项冠军 (2023), 链主 (Guangdong 2022).
DEFAULT_RULES = ("miit-2022", "champion-2023", "lead-guangdong-2022")

#: Shandong's 2025 targets (鲁工信发〔2021〕5号): new provincial-or-higher 专精特新 1500,
#: 小巨人 600, 单项冠军 400, 领航 150.
SHANDONG_2025_TARGETS = {"specialised": 1500, "little_giant": 600, "champion": 400, "lead": 150}

FAIL, UNKNOWN, PASS = 0, 1, 2
OUTCOMES = ("fail", "unknown", "pass")
_OPS = (">=", ">", "<=", "<", "==", "in", "contains")
_ORDER_OPS = (">=", ">", "<=", "<")


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

# values of category columns as users write them → the codes the rules use
_CATEGORY_ALIASES = {
    "size_class": {
        "large": "large", "大型": "large", "medium": "medium", "中型": "medium",
        "small": "small", "小型": "small", "micro": "micro", "微型": "micro",
    },
    "ip_grade": {
        "high_value_class1": "high_value_class1", "Ⅰ类高价值知识产权": "high_value_class1",
        "i类高价值知识产权": "high_value_class1", "高价值": "high_value_class1",
        "own_class1": "own_class1", "自主研发Ⅰ类知识产权": "own_class1",
        "自主研发i类知识产权": "own_class1",
        "class1": "class1", "Ⅰ类知识产权": "class1", "i类知识产权": "class1", "Ⅰ类": "class1",
        "class2": "class2", "Ⅱ类知识产权": "class2", "ii类知识产权": "class2", "Ⅱ类": "class2",
        "none": "none", "无": "none",
    },
    "cluster_type": {
        "pillar": "pillar", "支柱": "pillar", "支柱产业集群": "pillar",
        "战略性支柱产业集群": "pillar",
        "emerging": "emerging", "新兴": "emerging", "新兴产业集群": "emerging",
        "战略性新兴产业集群": "emerging",
    },
}
_BOOL_WORDS = {
    "true": 1.0, "yes": 1.0, "y": 1.0, "1": 1.0, "t": 1.0, "是": 1.0, "有": 1.0,
    "false": 0.0, "no": 0.0, "n": 0.0, "0": 0.0, "f": 0.0, "否": 0.0, "无": 0.0,
}


# --------------------------------------------------------------------------- #
# the rules


@dataclass(frozen=True)
class Criterion:
    """One criterion of a tier (see the module docstring for the fields)."""

    tier: str
    id: str
    label: str
    label_en: str
    op: str | None = None
    measure: str | None = None
    threshold: object = None
    threshold_by: str | None = None
    thresholds: Mapping | None = None
    score: str | None = None
    prerequisite: str | None = None
    unit: str = ""
    gate: bool = False
    confirmed: bool = True
    source: str = ""
    note: str = ""
    rule: str = ""

    @property
    def key(self) -> str:
        """The column name of its outcome: ``'<tier>.<id>'``."""
        return f"{self.tier}.{self.id}"

    @property
    def numeric(self) -> bool:
        return self.op in _ORDER_OPS


@dataclass(frozen=True)
class Band:
    op: str | None
    value: object
    points_min: float
    points_max: float


@dataclass(frozen=True)
class Indicator:
    id: str
    group: str
    label: str
    label_en: str
    measure: str
    bands: tuple
    fallback_measure: str | None = None
    fallback_bands: tuple = ()


@dataclass(frozen=True)
class Score:
    tier: str
    label: str
    groups: Mapping
    indicators: tuple
    source: str = ""


@dataclass(frozen=True)
class Tier:
    id: str
    label: str
    label_en: str
    rank: float
    designations: tuple
    require: str
    tree: tuple
    source: str = ""
    rule: str = ""


@dataclass(frozen=True)
class RuleSet:
    """The rules of one or more rule files, merged into one ladder.

    Attributes
    ----------
    names : tuple of str
        The rule versions, e.g. ``('miit-2022', 'champion-2023')``.
    tiers : tuple of Tier
        In ladder order (by ``rank``).
    criteria : dict
        ``'<tier>.<id>'`` → :class:`Criterion`.
    scores : dict
        tier id → :class:`Score`.
    meta : dict
        rule name → its ``[rule]`` table.
    """

    names: tuple
    tiers: tuple
    criteria: dict
    scores: dict
    meta: dict = field(default_factory=dict)

    @property
    def tier_ids(self) -> list:
        return [t.id for t in self.tiers]

    def criteria_table(self) -> pd.DataFrame:
        """The criteria as a table indexed by criterion key: tier, label, label_en, measure,
        op, threshold, unit, gate, confirmed, source, note, rule."""
        rows = []
        for c in self.criteria.values():
            measure = c.measure or (f"score:{c.score}" if c.score else f"tier:{c.prerequisite}")
            thr = c.threshold if c.threshold_by is None else dict(c.thresholds)
            rows.append({
                "criterion": c.key, "tier": c.tier, "label": c.label, "label_en": c.label_en,
                "measure": measure, "op": c.op or "", "threshold": thr, "unit": c.unit,
                "gate": c.gate, "confirmed": c.confirmed, "source": c.source, "note": c.note,
                "rule": c.rule,
            })
        return pd.DataFrame(rows).set_index("criterion")

    @property
    def unconfirmed(self) -> list:
        """Keys of the criteria marked ``confirmed = false``."""
        return [k for k, c in self.criteria.items() if not c.confirmed]


def _rules_dir():
    return resources.files("chaingraph").joinpath("rules")


def list_rules() -> pd.DataFrame:
    """The rule versions shipped with chaingraph.

    Returns
    -------
    DataFrame indexed by ``name`` with ``title``, ``document``, ``year`` and ``tiers``
    (the tier ids it defines; empty for the size-class data).

    Examples
    --------
    >>> import chaingraph.analysis.tiers as t
    >>> t.list_rules().index.tolist()
    ['champion-2023', 'lead-guangdong-2022', 'miit-2022', 'nbs-2017']
    """
    rows = []
    for entry in sorted(_rules_dir().iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        head = data.get("rule", {})
        rows.append({
            "name": head.get("name", entry.name[:-5]), "title": head.get("title", ""),
            "document": head.get("document", ""), "year": head.get("year"),
            "tiers": ", ".join(t["id"] for t in data.get("tiers", [])),
        })
    return pd.DataFrame(rows).set_index("name")


def load_rules(rules=DEFAULT_RULES) -> RuleSet:
    """Read tier rules: a shipped version's name, a TOML file path, a :class:`RuleSet`,
    or a sequence of these merged into one ladder.

    Raises
    ------
    ChainDataError
        For an unknown name, a malformed file, a duplicate tier or a criterion
        that does not fit the format (the message names the file).

    Examples
    --------
    >>> from chaingraph.analysis.tiers import load_rules
    >>> rs = load_rules()
    >>> rs.names
    ('miit-2022', 'champion-2023', 'lead-guangdong-2022')
    >>> rs.tier_ids
    ['innovative', 'specialised', 'little_giant', 'champion', 'lead']
    >>> rs.criteria["specialised.rd_intensity"].threshold
    0.03
    """
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, (str, Path)):
        rules = [rules]
    parts = [p if isinstance(p, RuleSet) else _read_rule_file(p) for p in rules]
    if not parts:
        raise ChainDataError("no rules given", source="rules")
    return _merge(parts)


def _read_rule_file(spec) -> RuleSet:
    text = None
    path = Path(spec)
    if isinstance(spec, Path) or str(spec).endswith(".toml") or path.exists():
        if not path.is_file():
            raise ChainDataError(f"rule file not found: {path}", source="rules")
        text, source = path.read_text(encoding="utf-8"), str(path)
    else:
        entry = _rules_dir().joinpath(f"{spec}.toml")
        if not entry.is_file():
            shipped = ", ".join(list_rules().index)
            raise ChainDataError(
                f"unknown rule version {spec!r} (shipped: {shipped}; or give a .toml path)",
                source="rules",
            )
        text, source = entry.read_text(encoding="utf-8"), f"{spec}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChainDataError(f"not valid TOML: {exc}", source=source) from None
    return _parse_rules(data, source)


def _need(table: dict, key: str, source: str, where: str):
    if key not in table:
        raise ChainDataError(f"{where}: missing key '{key}'", source=source)
    return table[key]


def _parse_rules(data: dict, source: str) -> RuleSet:
    head = data.get("rule", {})
    name = head.get("name") or Path(source).stem
    if not data.get("tiers"):
        raise ChainDataError("no [[tiers]] defined", source=source)
    criteria: dict = {}
    for i, raw in enumerate(data.get("criteria", [])):
        where = f"criteria #{i + 1}"
        tier = _need(raw, "tier", source, where)
        cid = _need(raw, "id", source, where)
        where = f"criterion '{tier}.{cid}'"
        kinds = [k for k in ("measure", "score", "prerequisite") if k in raw]
        if len(kinds) != 1:
            raise ChainDataError(
                f"{where}: give exactly one of measure, score, prerequisite", source=source)
        op = raw.get("op")
        if kinds[0] != "prerequisite":
            if op not in _OPS:
                raise ChainDataError(
                    f"{where}: op {op!r} is not one of {', '.join(_OPS)}", source=source)
            if "threshold_by" in raw:
                thr_map = raw.get("thresholds")
                if not isinstance(thr_map, dict) or not thr_map or op not in _ORDER_OPS or not all(
                        isinstance(v, (int, float)) for v in thr_map.values()):
                    raise ChainDataError(
                        f"{where}: threshold_by needs a table 'thresholds' of numbers and "
                        "an order op (>=, >, <=, <)", source=source)
            else:
                thr = _need(raw, "threshold", source, where)
                if op in _ORDER_OPS and (isinstance(thr, bool) or not isinstance(
                        thr, (int, float))):
                    raise ChainDataError(f"{where}: threshold must be a number", source=source)
                if op in ("in", "contains") and not isinstance(thr, list):
                    raise ChainDataError(f"{where}: threshold must be a list", source=source)
            if kinds[0] == "score" and op not in _ORDER_OPS:
                raise ChainDataError(f"{where}: a score needs an order op", source=source)
        if kinds[0] == "measure" and raw["measure"] == "designations" and op != "contains":
            raise ChainDataError(f"{where}: use op 'contains' on designations", source=source)
        thr = raw.get("threshold")
        crit = Criterion(
            tier=tier, id=cid, label=raw.get("label", cid), label_en=raw.get("label_en", cid),
            op=op, measure=raw.get("measure"),
            threshold=float(thr) if op in _ORDER_OPS and thr is not None else (
                tuple(thr) if isinstance(thr, list) else thr),
            threshold_by=raw.get("threshold_by"),
            thresholds={str(k): float(v) for k, v in raw["thresholds"].items()}
            if "thresholds" in raw else None,
            score=raw.get("score"), prerequisite=raw.get("prerequisite"),
            unit=raw.get("unit", ""), gate=bool(raw.get("gate", False)),
            confirmed=bool(raw.get("confirmed", True)), source=raw.get("source", ""),
            note=raw.get("note", ""), rule=name,
        )
        if crit.key in criteria:
            raise ChainDataError(f"{where}: defined twice", source=source)
        criteria[crit.key] = crit

    scores: dict = {}
    for i, raw in enumerate(data.get("scores", [])):
        tier = _need(raw, "tier", source, f"scores #{i + 1}")
        groups = dict(_need(raw, "groups", source, f"score of '{tier}'"))
        inds = []
        for j, ind in enumerate(_need(raw, "indicators", source, f"score of '{tier}'")):
            where = f"score of '{tier}', indicator #{j + 1}"
            iid = _need(ind, "id", source, where)
            group = _need(ind, "group", source, where)
            if group not in groups:
                raise ChainDataError(f"{where}: group {group!r} not in groups", source=source)
            bands = tuple(_parse_band(b, source, where) for b in _need(ind, "bands", source, where))
            fb = tuple(_parse_band(b, source, where) for b in ind.get("fallback_bands", []))
            inds.append(Indicator(
                id=iid, group=group, label=ind.get("label", iid),
                label_en=ind.get("label_en", iid), measure=_need(ind, "measure", source, where),
                bands=bands, fallback_measure=ind.get("fallback_measure"), fallback_bands=fb))
        scores[tier] = Score(tier=tier, label=raw.get("label", ""), groups=groups,
                             indicators=tuple(inds), source=raw.get("source", ""))

    tiers_ = []
    for i, raw in enumerate(data["tiers"]):
        tid = _need(raw, "id", source, f"tiers #{i + 1}")
        require = _need(raw, "require", source, f"tier '{tid}'")
        tree = _parse_expression(require, source, f"tier '{tid}'")
        own = {c.id for c in criteria.values() if c.tier == tid}
        used = set(_leaves(tree))
        if used - own:
            raise ChainDataError(
                f"tier '{tid}': require names undefined criteria "
                f"{', '.join(sorted(used - own))}", source=source)
        if own - used:
            raise ChainDataError(
                f"tier '{tid}': criteria {', '.join(sorted(own - used))} are defined but not "
                "used in require", source=source)
        if len(used) > 64:
            raise ChainDataError(f"tier '{tid}': more than 64 criteria", source=source)
        tiers_.append(Tier(
            id=tid, label=raw.get("label", tid), label_en=raw.get("label_en", tid),
            rank=float(_need(raw, "rank", source, f"tier '{tid}'")),
            designations=tuple(raw.get("designations", [])), require=require, tree=tree,
            source=raw.get("source", ""), rule=name))
    known_tiers = {t.id for t in tiers_}
    for c in criteria.values():
        if c.tier not in known_tiers:
            raise ChainDataError(f"criterion '{c.key}': tier not defined", source=source)
        if c.score and (c.tier not in scores or (
                c.score != "total" and c.score not in scores[c.tier].groups)):
            raise ChainDataError(
                f"criterion '{c.key}': no score {c.score!r} for tier '{c.tier}'", source=source)
    return RuleSet(names=(name,), tiers=tuple(tiers_), criteria=criteria, scores=scores,
                   meta={name: head})


def _parse_band(raw: dict, source: str, where: str) -> Band:
    op = raw.get("op")
    if op is not None and op not in (">=", ">", "<=", "<", "=="):
        raise ChainDataError(f"{where}: band op {op!r} not allowed", source=source)
    if op is not None and "value" not in raw:
        raise ChainDataError(f"{where}: band with op needs a value", source=source)
    if "points" in raw:
        lo = hi = float(raw["points"])
    elif "points_min" in raw and "points_max" in raw:
        lo, hi = float(raw["points_min"]), float(raw["points_max"])
    else:
        raise ChainDataError(f"{where}: band needs points (or points_min/points_max)",
                             source=source)
    return Band(op=op, value=raw.get("value"), points_min=lo, points_max=hi)


_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(&|\||\(|\)))")


def _parse_expression(text: str, source: str, where: str) -> tuple:
    """``'a & (b | c)'`` → ``('and', [('leaf', 'a'), ('or', [...])])``; nothing is eval'd."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ChainDataError(f"{where}: cannot read require at {text[pos:pos + 20]!r}",
                                 source=source)
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    state = {"i": 0}

    def peek():
        return tokens[state["i"]] if state["i"] < len(tokens) else None

    def take(expected=None):
        tok = peek()
        if tok is None or (expected and tok != expected):
            raise ChainDataError(f"{where}: require is not a valid expression: {text!r}",
                                 source=source)
        state["i"] += 1
        return tok

    def expr():
        parts = [term()]
        while peek() == "|":
            take("|")
            parts.append(term())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def term():
        parts = [factor()]
        while peek() == "&":
            take("&")
            parts.append(factor())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def factor():
        tok = take()
        if tok == "(":
            node = expr()
            take(")")
            return node
        if tok in ("&", "|", ")"):
            raise ChainDataError(f"{where}: require is not a valid expression: {text!r}",
                                 source=source)
        return ("leaf", tok)

    tree = expr()
    if peek() is not None:
        raise ChainDataError(f"{where}: require is not a valid expression: {text!r}",
                             source=source)
    return tree


def _leaves(node) -> list:
    if node[0] == "leaf":
        return [node[1]]
    return [leaf for child in node[1] for leaf in _leaves(child)]


def _merge(parts: list) -> RuleSet:
    names, tiers_, criteria, scores, meta = [], [], {}, {}, {}
    seen: dict = {}
    for rs in parts:
        for t in rs.tiers:
            if t.id in seen:
                raise ChainDataError(
                    f"tier '{t.id}' is defined by both {seen[t.id]} and {t.rule}", source="rules")
            seen[t.id] = t.rule
        names.extend(rs.names)
        tiers_.extend(rs.tiers)
        criteria.update(rs.criteria)
        scores.update(rs.scores)
        meta.update(rs.meta)
    tiers_.sort(key=lambda t: t.rank)
    rank = {t.id: i for i, t in enumerate(tiers_)}
    for c in criteria.values():
        if c.prerequisite is not None and (
                c.prerequisite not in rank or rank[c.prerequisite] >= rank[c.tier]):
            raise ChainDataError(
                f"criterion '{c.key}': prerequisite '{c.prerequisite}' must be a lower tier "
                "of the rules in use", source="rules")
    return RuleSet(names=tuple(names), tiers=tuple(tiers_), criteria=criteria, scores=scores,
                   meta=meta)


# --------------------------------------------------------------------------- #
# reading the firms' columns


class _Inputs:
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
                    v = _BOOL_WORDS.get(str(u).strip().lower(), -1.0)
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
        """Object array of str (normalised by _CATEGORY_ALIASES where the column has them)
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
            aliases = _CATEGORY_ALIASES.get(name)
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
            fill = _CATEGORY_ALIASES["cluster_type"].get(str(self.cluster_type).strip())
            if fill is None:
                raise ChainDataError(
                    f"cluster_type {self.cluster_type!r} is not 'pillar' or 'emerging'",
                    source="cluster_type")
            out = out.copy()
            out[pd.isna(out)] = fill
            self.absent.discard("cluster_type")
        self._cache[key] = out
        return out

    def _size_class(self) -> np.ndarray:
        if "size_class" in self.firms.columns:
            codes, uniques = self._factorized("size_class")
            alias = _CATEGORY_ALIASES["size_class"]
            vals = [alias.get(str(u).strip().lower(), alias.get(str(u).strip())) for u in uniques]
            bad_u = np.array([v is None for v in vals], dtype=bool)
            if bad_u.any():
                bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
                raise ChainDataError("unknown size class; use large, medium, small or micro",
                                     source="firms", column="size_class", rows=self._rows(bad))
            return np.array(vals + [None], dtype=object)[codes]
        if {"employees", "revenue"} <= set(self.firms.columns):
            from ..schema import size_class_nbs2017

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


def _eval_criterion(c: Criterion, inp: _Inputs, scored: dict, tier_state: dict,
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
        return _Leaf(status, dist, exact, np.full(n, thr))
    if c.op in _ORDER_OPS:
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
        return _Leaf(status, dist, v, t)
    if c.op == "==" and isinstance(c.threshold, bool):
        v = inp.flag(c.measure)
        status = np.where(np.isnan(v), UNKNOWN,
                          np.where(v == float(c.threshold), PASS, FAIL)).astype(np.int8)
        return _Leaf(status, np.where(status == FAIL, np.inf, np.nan), v)
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
    return _Leaf(status, np.where(status == FAIL, np.inf, np.nan), v)


def _band_points(bands, inp: _Inputs, measure: str):
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


def _eval_score(score: Score, inp: _Inputs) -> dict:
    """name → (lower bound, upper bound, exact value or NaN); names are 'total', the groups
    and 'points.<indicator>'."""
    out = {}
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


def _ordered(values: np.ndarray, ids: list) -> pd.Categorical:
    """Tier ids (or -1 for none) as an ordered categorical of the ladder."""
    return pd.Categorical.from_codes(values, categories=ids, ordered=True)


def _outcome(status: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(status.astype(np.int8), categories=list(OUTCOMES),
                                     ordered=True)


def evaluate_rules(firms: pd.DataFrame, rules=DEFAULT_RULES, *, cluster_type=None,
                   detail: bool = True) -> pd.DataFrame:
    """Evaluate tier rules on a firms table (the engine behind :func:`tiers`).

    Parameters
    ----------
    firms : DataFrame
        One row per firm, indexed by ``firm_id`` (or with a ``firm_id``
        column). Columns as listed in :func:`tiers`; all optional.
    rules, cluster_type, detail
        As in :func:`tiers`.

    Returns
    -------
    DataFrame
        As :func:`tiers`.

    Examples
    --------
    Two SMEs scored on the six 创新型 indicators (a small frame, by hand:
    firm A scores 10 (one Class I item: 10 to 20, so the bound 10 counts when
    ``ip_grade`` is given as ``class1``) + 15 (R&D 4 %) + 20 (growth 20 %) +
    10 (debt 40 %) + 10 (strategic emerging) + 20 (main business 80 %) = 85;
    firm B scores 0 + 0 + 5 + 0 + 5 + 0 = 10):

    >>> import pandas as pd
    >>> from chaingraph.analysis.tiers import evaluate_rules
    >>> firms = pd.DataFrame({
    ...     "size_class": ["small", "small"], "ip_grade": ["class1", "none"],
    ...     "revenue": [5000, 5000], "rd_expense": [200, 10],
    ...     "main_business_growth": [0.20, 0.01], "debt_ratio": [0.40, 0.90],
    ...     "strategic_emerging": [True, False],
    ...     "main_business_revenue": [4000, 1000]}, index=pd.Index(["A", "B"], name="firm_id"))
    >>> out = evaluate_rules(firms, "miit-2022")
    >>> out[["innovative.score", "innovative.status", "tier"]]
             innovative.score innovative.status        tier
    firm_id
    A                    85.0              pass  innovative
    B                    10.0           unknown         NaN
    >>> out.attrs["rules"]
    ['miit-2022']
    """
    ruleset = load_rules(rules)
    if "firm_id" in firms.columns:
        firms = firms.set_index("firm_id")
    inp = _Inputs(firms, cluster_type=cluster_type)
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
        names = _leaves(t.tree)
        order = list(dict.fromkeys(names))
        bit = {nm: i for i, nm in enumerate(order)}
        status, dist, miss, unk = _eval_tree(t.tree, leaves, bit, n)
        top = t.tree[1] if t.tree[0] == "and" else [t.tree]
        gate_fail = np.zeros(n, dtype=bool)
        for node in top:
            if node[0] == "leaf" and ruleset.criteria[f"{t.id}.{node[1]}"].gate:
                gate_fail |= leaves[node[1]].status == FAIL
        tier_state[t.id] = (status, dist, miss, unk, [f"{t.id}.{x}" for x in order], gate_fail)
        leaves_all.update({f"{t.id}.{k}": v for k, v in leaves.items()})

    # summary: highest tier granted, highest possible, next tier and what it misses
    k = len(tier_ids)
    st = np.stack([tier_state[t][0] for t in tier_ids]) if k else np.empty((0, n), np.int8)
    ranks = np.arange(k)[:, None]
    tier_code = np.where(st == PASS, ranks, -1).max(axis=0) if k else np.full(n, -1)
    possible_code = np.where(st >= UNKNOWN, ranks, -1).max(axis=0) if k else np.full(n, -1)
    held = np.stack([holds[t] for t in tier_ids]) if k else np.empty((0, n), np.int8)
    designation_code = np.where(held == PASS, ranks, -1).max(axis=0) if k else np.full(n, -1)
    eligible = ~np.stack([tier_state[t][5] for t in tier_ids]) if k else np.empty((0, n), bool)
    cand = eligible & (ranks > tier_code[None, :])
    has_next = cand.any(axis=0) if k else np.zeros(n, bool)
    next_code = np.where(has_next, np.argmax(cand, axis=0) if k else -1, -1)
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
                for name, (lo, hi, exact) in scored[t].items():
                    if name != "total":
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


def tiers(chain: ChainGraph, *, rules=DEFAULT_RULES, cluster_type=None, detail: bool = True) -> pd.DataFrame:
    """Tier pool (梯度培育库): the tier each firm qualifies for and what it misses for the next.

    The ladder is 创新型中小企业 (``innovative``) → 专精特新中小企业
    (``specialised``) → 专精特新"小巨人" (``little_giant``) → 制造业单项冠军
    (``champion``) → 链主 / 领航 (``lead``). Each criterion is evaluated on the
    firms table and comes out ``pass``, ``fail`` or ``unknown`` (a missing input
    is unknown and never counts as a pass); a tier's ``require`` expression
    combines them in three-valued logic (see :mod:`chaingraph.analysis.tiers`).
    The 创新型中小企业 score is the sum of six banded indicators (max 100):
    IP (20) + R&D / revenue (20) [创新能力] + main-business growth (20) + debt
    ratio (10) [成长性] + strategic emerging field (10) + main business / revenue
    (20) [专业化]; it qualifies with a total ≥ 60, 创新能力 ≥ 20 and the other
    two ≥ 15 each, or by a direct route.

    Parameters
    ----------
    chain : ChainGraph
    rules : str, path, RuleSet or sequence of these, default :data:`DEFAULT_RULES`
        Shipped rule versions by name (``'miit-2022'``, ``'champion-2023'``,
        ``'lead-guangdong-2022'``; see :func:`list_rules`) or the path of a
        user's TOML rule file; several are merged into one ladder. The default
        is the full ladder.
    cluster_type : {'pillar', 'emerging'}, optional
        The cluster kind of the chain, for firms whose ``cluster_type`` column
        is missing (the 链主 revenue threshold: 50 亿元 = 500000 万元 for pillar
        clusters, 10 亿元 = 100000 万元 for emerging ones; unknown, a firm
        passes only above both and fails only below both).
    detail : bool, default True
        Add the per-criterion and per-indicator columns.

    Returns
    -------
    DataFrame indexed by ``firm_id``, in the chain's order:

    - ``size_class``: large / medium / small / micro, or missing.
    - ``designation``: the highest ladder tier the firm holds according to its
      ``designations`` (ordered categorical; missing when none).
    - ``tier``: the highest tier whose rule passes (ordered categorical,
      missing when none).
    - ``tier_possible``: the highest tier whose rule passes or is unknown.
    - ``next_tier``: the lowest tier above ``tier`` whose gates (the SME
      condition) do not fail; missing when there is none.
    - ``next_distance``: when the next tier's rule fails, its relative distance
      (module docstring); ``inf`` when a yes/no or gate criterion fails; NaN
      when the rule is unknown.
    - ``next_missing``: the failing criteria of the next tier, ``'; '``-joined.
    - ``next_unknown``: the criteria with missing inputs in the parts of the
      next tier's rule not yet passed.
    - ``<tier>.status``: pass / fail / unknown for each tier.
    - ``<tier>.designated``: whether the firm holds the tier's designation, itself
      or through a higher tier that presupposes it (missing where ``designations`` is).
    - ``<tier>.score``, ``<tier>.score_min``, ``<tier>.score_max``: for a
      scored tier (``innovative``), the score (missing unless all indicators
      are known) and its bounds.

    With ``detail=True`` also:

    - ``<tier>.score.<group>`` and ``<tier>.points.<indicator>``: sub-scores
      and indicator points (missing where an input is missing).
    - ``<tier>.<criterion>``: outcome (pass / fail / unknown);
      ``<tier>.<criterion>.value``: the measured value (for a score criterion
      the exact score); ``<tier>.<criterion>.threshold`` for threshold criteria.

    ``attrs``: ``rules`` (the rule versions used), ``unconfirmed`` (criteria
    whose value is marked unconfirmed in the rule files) and
    ``missing_columns`` (inputs absent from the table, hence unknown).

    Notes
    -----
    Firms columns read (all optional; money in 万元, shares as fractions):
    ``employees``, ``revenue``, ``revenue_prev``, ``rd_expense``,
    ``rd_expense_prev``, ``rd_staff_share``, ``main_business_revenue``,
    ``main_business_growth``, ``main_business_growth_prev``, ``debt_ratio``,
    ``years_in_niche``, ``niche_market_share``, ``global_rank``, ``ip_class1``
    (count of Class I IP items), ``ip_grade`` (``high_value_class1`` /
    ``own_class1`` / ``class1`` / ``class2`` / ``none``),
    ``equity_financing`` (new equity, last 2 years), ``equity_financing_3y``
    (last 3 years), ``strategic_emerging``, ``designations`` (text; current
    honours such as 专精特新, 小巨人, 高新技术企业), ``zjtx_score`` (专精特新
    score on its 13 indicators), yes/no columns ``has_award``,
    ``has_award_top``, ``has_rd_institution``, ``has_info_system``,
    ``has_certified_management``, ``has_own_brand``, ``maker_china_top500``,
    ``chain_role``, ``key_product_field``, ``new_product``,
    ``market_share_evidence``, and ``cluster_type`` (pillar / emerging).
    ``size_class`` comes from the chain (NBS 2017). Derived measures:
    ``rd_intensity = rd_expense / revenue``, ``rd_intensity_prev``,
    ``rd_expense_avg2``, ``main_business_share = main_business_revenue /
    revenue``, ``main_business_growth_avg2`` (:data:`DERIVED_MEASURES`).
    ``has_award`` is a national or provincial S&T award in the last 3 years (创新型
    route); ``has_award_top`` the same with the firm ranked in the top 3
    (provincial) or top 5 (national) of the awarded units (专精特新 route). In
    ``designations`` an empty cell means no designation; without the column,
    designations are unknown.

    References
    ----------
    工业和信息化部, 优质中小企业梯度培育管理暂行办法, 工信部企业〔2022〕63号, 附件1–3.
    工业和信息化部, 制造业单项冠军企业认定管理办法 (2023).
    国家统计局, 统计上大中小微型企业划分办法（2017）.

    Examples
    --------
    >>> import chaingraph as cg
    >>> from chaingraph.analysis.tiers import tiers
    >>> chain = cg.load_dataset("shandong-nev")
    >>> t = tiers(chain)
    >>> t.attrs["rules"]
    ['miit-2022', 'champion-2023', 'lead-guangdong-2022']
    >>> t.loc["NEV00001", ["size_class", "tier", "next_tier", "next_missing"]].tolist()
    ['medium', 'innovative', 'specialised', 'specialised.rd_intensity']

    NEV00001 (medium, revenue 21521.1 万元, R&D 530.5 万元, main business 13836.8 万元,
    growth 4.8 %, debt 46.5 %, strategic emerging, IP grade high_value_class1) scores,
    by hand: IP 20 + R&D 2.47 % → 10 + growth → 5 + debt → 10 + field 10 + main
    business 64.3 % → 15 = 70 (innovation 30, growth 15, specialisation 25), so it is
    an 创新型中小企业. For 专精特新 its R&D intensity is short by
    (0.03 − 0.02465) / 0.03 = 0.178:

    >>> row = t.loc["NEV00001", ["innovative.score_min", "innovative.score_max", "next_distance"]]
    >>> [round(float(v), 3) for v in row]
    [70.0, 70.0, 0.178]
    """
    return evaluate_rules(chain.firms, rules, cluster_type=cluster_type, detail=detail)


def _target_key(name, ruleset: RuleSet) -> str:
    ids = ruleset.tier_ids
    if name in ids:
        return name
    for t in ruleset.tiers:
        if name == t.label or name in t.designations:
            return t.id
    raise ChainDataError(
        f"target tier {name!r} is not a tier of the rules ({', '.join(ids)})", source="targets")


def tier_progress(chain: ChainGraph, targets=None, *, by: str = "region", near_miss: float | None = None,
                  rules=DEFAULT_RULES, cluster_type=None) -> pd.DataFrame:
    """Progress of the local tier pool (梯度培育库) against targets, by region or city.

    Counts, among the chain's local firms (``chain.is_local``), for each tier:
    firms holding the designation, firms qualifying under the rules, and how
    far the designations fall short of the target.

    Parameters
    ----------
    chain : ChainGraph
    targets : mapping tier → count or DataFrame, optional
        Tier ids or names (专精特新, 小巨人, 单项冠军, 领航 …). Default
        :data:`SHANDONG_2025_TARGETS`, Shandong's 2025 targets (鲁工信发〔2021〕5号):
        专精特新 1500, 小巨人 600, 单项冠军 400, 领航 150. The policy counts *new*
        designations from 2021 on; ``designated`` counts all held, so subtract
        a baseline from the targets if the data has older ones. With
        ``by="city"`` a mapping applies to no single city (``target`` is
        missing); give a DataFrame indexed by city with one column per tier.
    by : {'region', 'city'}
        One group (the chain's region, or ``'all'`` without one) or one per city.
    near_miss : float, optional
        Also count and list the firms whose rule for this tier (their next
        tier) fails within this relative distance (see :func:`tiers`).
    rules, cluster_type
        As in :func:`tiers`.

    Returns
    -------
    DataFrame indexed by (``region`` or ``city``, ``tier``), tiers in ladder order:

    - ``target``: the target (missing when none).
    - ``designated``: local firms holding the designation (a higher MIIT tier
      implies the lower ones).
    - ``qualifying``: local firms whose rule for the tier passes.
    - ``candidates``: qualifying firms not yet designated.
    - ``possible``: firms not designated whose rule is unknown.
    - ``gap``: ``target − designated`` (negative when the target is exceeded).
    - ``near_miss`` and ``near_miss_firms`` (with ``near_miss``): how many
      local firms, not qualifying, have this tier as their next tier within the
      distance, and their ids, nearest first.

    ``attrs["rules"]`` lists the rule versions, ``attrs["targets"]`` names the targets.

    Examples
    --------
    The shipped Shandong NEV chain against the 2025 targets; ``designated`` for
    专精特新 counts the 小巨人 too (a 小巨人 is a 专精特新 firm):

    >>> import chaingraph as cg
    >>> from chaingraph.analysis.tiers import tier_progress
    >>> chain = cg.load_dataset("shandong-nev")
    >>> p = tier_progress(chain, near_miss=0.05)
    >>> p.loc["山东", ["target", "designated", "qualifying", "candidates", "gap", "near_miss"]]
                  target  designated  qualifying  candidates     gap  near_miss
    tier
    innovative       NaN          44         569         529     NaN          0
    specialised   1500.0          44          81          44  1456.0         12
    little_giant   600.0           7           2           0   593.0          0
    champion       400.0           1           7           6   399.0          0
    lead           150.0           0           5           5   150.0          0
    >>> p.loc[("山东", "specialised"), "near_miss_firms"][:2]
    ('NEV00083', 'NEV00557')

    The one-firm-at-a-time reference evaluation of the rules gives the same
    ``qualifying`` counts for the 1,003 local firms; the five 链主 are the planted
    lead firms, the only local firms with revenue ≥ 50 亿元 (pillar cluster), each
    with market-share evidence.
    """
    if by not in ("region", "city"):
        raise ValueError("by must be 'region' or 'city'")
    ruleset = load_rules(rules)
    t = tiers(chain, rules=ruleset, cluster_type=cluster_type, detail=False)
    local = np.asarray(chain.is_local, dtype=bool)
    t = t[local]
    named = "shandong-2025" if targets is None else "given"
    if targets is None:
        targets = SHANDONG_2025_TARGETS
    if by == "region":
        group = pd.Series(chain.region if chain.region is not None else "all", index=t.index)
    else:
        if "city" not in chain.firms.columns:
            raise ChainDataError("no city column for by='city'", source="firms", column="city")
        group = chain.firms["city"][local].astype(object).where(
            chain.firms["city"][local].notna(), "(unknown)")
    # per-group targets
    if isinstance(targets, pd.DataFrame):
        tmap = {g: {_target_key(c, ruleset): targets.loc[g, c] for c in targets.columns}
                for g in targets.index}
        per_group = True
    else:
        tmap = {_target_key(k, ruleset): v for k, v in dict(targets).items()}
        per_group = False

    ids = ruleset.tier_ids
    # designation held per tier (a higher MIIT tier implies its prerequisites)
    held = {}
    if "designations" in chain.firms.columns:
        dtext = _Inputs(chain.firms[local]).text("designations")
    else:
        dtext = np.full(len(t), None, dtype=object)
    for tr in ruleset.tiers:
        held[tr.id] = _holds(dtext, tr.designations) == PASS
    for tr in reversed(ruleset.tiers):
        for c in ruleset.criteria.values():
            if c.tier == tr.id and c.prerequisite is not None:
                held[c.prerequisite] = held[c.prerequisite] | held[tr.id]

    rows = []
    groups = pd.unique(group.to_numpy())
    gvals = group.to_numpy()
    for g in sorted(groups, key=str):
        in_g = gvals == g
        for tid in ids:
            status = t[f"{tid}.status"].to_numpy()
            h = held[tid] & in_g
            q = (status == "pass") & in_g
            target = (tmap.get(g, {}).get(tid) if per_group else
                      (tmap.get(tid) if by == "region" else None))
            target = np.nan if target is None or pd.isna(target) else float(target)
            row = {
                by: g, "tier": tid, "target": target, "designated": int(h.sum()),
                "qualifying": int(q.sum()), "candidates": int((q & ~held[tid]).sum()),
                "possible": int(((status == "unknown") & in_g & ~held[tid]).sum()),
                "gap": target - int(h.sum()),
            }
            if near_miss is not None:
                near = in_g & (t["next_tier"] == tid).to_numpy() & (
                    t["next_distance"].to_numpy() <= near_miss)
                order = np.argsort(t["next_distance"].to_numpy()[near], kind="stable")
                row["near_miss"] = int(near.sum())
                row["near_miss_firms"] = tuple(t.index[near][order])
            rows.append(row)
    out = pd.DataFrame(rows).set_index([by, "tier"])
    out.attrs["rules"] = list(ruleset.names)
    out.attrs["unconfirmed"] = ruleset.unconfirmed
    out.attrs["targets"] = named
    return out


# --------------------------------------------------------------------------- #
# plain-Python reference (one firm at a time), used to cross-check the
# vectorised evaluation in the tests and as the baseline of the benchmark


def _reference_row(row: Mapping, ruleset: RuleSet) -> dict:
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
        return _BOOL_WORDS[str(v).strip().lower()] == 1.0

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
            a = _CATEGORY_ALIASES.get(m, {})
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
                            and _implies(ruleset, t.id, c.prerequisite)) else FAIL)
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
        if c.op in _ORDER_OPS:
            if v is None:
                return UNKNOWN
            v = float(v)
            if c.threshold_by is not None:
                k = get(c.threshold_by)
                k = _CATEGORY_ALIASES["cluster_type"].get(str(k).strip()) if k is not None else None
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


def _implies(ruleset: RuleSet, higher: str, lower: str) -> bool:
    """Whether holding ``higher`` implies holding ``lower`` along prerequisite links."""
    if higher == lower:
        return True
    for c in ruleset.criteria.values():
        if c.tier == higher and c.prerequisite is not None and _implies(
                ruleset, c.prerequisite, lower):
            return True
    return False
