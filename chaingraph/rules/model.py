"""The rule model: criteria, scores and tiers of a rule file, and a ladder of several merged.

Everything here is plain data, made by :mod:`chaingraph.rules.parse` from the
TOML files and evaluated by :mod:`chaingraph.analysis.tiers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..errors import ChainDataError

#: The comparison operators a criterion may use.
OPS = (">=", ">", "<=", "<", "==", "in", "contains")
#: The operators that compare numbers (and have a distance when they fail).
ORDER_OPS = (">=", ">", "<=", "<")


@dataclass(frozen=True)
class Criterion:
    """One criterion of a tier (see :mod:`chaingraph.rules` for the fields)."""

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
        return self.op in ORDER_OPS


@dataclass(frozen=True)
class Band:
    """One scoring band of an indicator: the first band whose ``op value`` matches scores."""

    op: str | None
    value: object
    points_min: float
    points_max: float


@dataclass(frozen=True)
class Indicator:
    """One scored indicator: its bands, and the measure to fall back on when it is missing."""

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
    """The score of a tier: indicators summed within groups and in total."""

    tier: str
    label: str
    groups: Mapping
    indicators: tuple
    source: str = ""


@dataclass(frozen=True)
class Tier:
    """One tier of the ladder; ``tree`` is its ``require`` expression, parsed
    (``('leaf', id)``, ``('and', [...])`` or ``('or', [...])``)."""

    id: str
    label: str
    label_en: str
    rank: float
    designations: tuple
    require: str
    tree: tuple
    source: str = ""
    rule: str = ""


def expression_leaves(node) -> list:
    """The criterion ids a parsed ``require`` expression names, left to right (with repeats)."""
    if node[0] == "leaf":
        return [node[1]]
    return [leaf for child in node[1] for leaf in expression_leaves(child)]


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


def merge(parts: list) -> RuleSet:
    """One ladder from several rule sets: tiers ordered by rank, each tier defined once,
    every prerequisite a lower tier of the ladder."""
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
