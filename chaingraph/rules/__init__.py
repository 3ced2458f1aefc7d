"""Tier rules (梯度培育库 criteria) as data: the shipped TOML files and their reader.

Each tier's criteria are *data*: one TOML file per published rule version in
this folder. :func:`chaingraph.analysis.tiers.tiers` evaluates them.

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
      :data:`chaingraph.analysis.tiers.DERIVED_MEASURES`) with ``op`` in
      ``>= > <= <`` and a numeric ``threshold`` — or ``threshold_by`` (a column)
      with ``thresholds`` (a table value → threshold); ``op = "=="`` with
      ``threshold = true`` for a yes/no column; ``op = "in"`` with a list;
      ``op = "contains"`` with a list of words to look for in a text column;
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

Several files load into one ladder (:func:`load_rules`): tiers sorted by
``rank``, each defined by one file only, and every ``prerequisite`` a lower
tier of the files in use.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import ChainDataError
from .model import Band, Criterion, Indicator, RuleSet, Score, Tier, merge
from .parse import parse_rules, read_toml

__all__ = [
    "load_rules",
    "list_rules",
    "DEFAULT_RULES",
    "RuleSet",
    "Tier",
    "Criterion",
    "Score",
    "Indicator",
    "Band",
]

#: The full ladder: 创新型 → 专精特新 → 小巨人 (MIIT 2022), 单项冠军 (2023), 链主 (Guangdong 2022).
DEFAULT_RULES = ("miit-2022", "champion-2023", "lead-guangdong-2022")


def _rules_dir():
    return resources.files(__name__)


def list_rules() -> pd.DataFrame:
    """The rule versions shipped with chaingraph.

    Returns
    -------
    DataFrame indexed by ``name`` with ``title``, ``document``, ``year`` and ``tiers``
    (the tier ids it defines; empty for the size-class data).

    Examples
    --------
    >>> from chaingraph.rules import list_rules
    >>> list_rules().index.tolist()
    ['champion-2023', 'lead-guangdong-2022', 'miit-2022', 'nbs-2017']
    """
    rows = []
    for entry in sorted(_rules_dir().iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = read_toml(entry.read_text(encoding="utf-8"), entry.name)
        head = data.get("rule", {})
        rows.append({
            "name": head.get("name", entry.name[:-5]), "title": head.get("title", ""),
            "document": head.get("document", ""), "year": head.get("year"),
            "tiers": ", ".join(t["id"] for t in data.get("tiers", [])),
        })
    return pd.DataFrame(rows).set_index("name")


def load_rules(rules=DEFAULT_RULES) -> RuleSet:
    """Read tier rules: a shipped version's name, a TOML file path (ending in ``.toml``),
    a :class:`RuleSet`, or a sequence of these merged into one ladder.

    Raises
    ------
    ChainDataError
        For an unknown name, a malformed file, a duplicate tier or a criterion
        that does not fit the format (the message names the file).

    Examples
    --------
    >>> from chaingraph.rules import load_rules
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
    return merge(parts)


def _read_rule_file(spec) -> RuleSet:
    """A shipped version by name, or a user's file: only a path ending in ``.toml`` is a file,
    so a folder or file in the working directory named like a version never shadows it."""
    text = str(spec)
    if text.lower().endswith(".toml"):
        path = Path(text)
        if not path.is_file():
            raise ChainDataError(f"rule file not found: {path}", source="rules")
        return parse_rules(path.read_text(encoding="utf-8"), str(path))
    entry = _rules_dir().joinpath(f"{text}.toml")
    if not entry.is_file():
        shipped = ", ".join(list_rules().index)
        raise ChainDataError(
            f"unknown rule version {text!r} (shipped: {shipped}; or give a .toml path)",
            source="rules",
        )
    return parse_rules(entry.read_text(encoding="utf-8"), f"{text}.toml")
