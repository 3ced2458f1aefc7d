"""Reading a rule file: TOML text → :class:`~chaingraph.rules.model.RuleSet`.

The format is described in :mod:`chaingraph.rules`. Nothing in a rule file is
evaluated as code: ``require`` is read by a small parser of ``&``, ``|`` and
parentheses over criterion ids. Every problem raises
:class:`~chaingraph.errors.ChainDataError` naming the file and the place in it.
"""

from __future__ import annotations

import re
from pathlib import Path

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import ChainDataError
from .model import (
    OPS, ORDER_OPS, Band, Criterion, Indicator, RuleSet, Score, Tier, expression_leaves,
)


def read_toml(text: str, source: str) -> dict:
    """The TOML document in ``text``; a ChainDataError naming ``source`` if it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChainDataError(f"not valid TOML: {exc}", source=source) from None


def parse_rules(text: str, source: str) -> RuleSet:
    """The rule set of one rule file's text (``source`` names the file in messages)."""
    return _parse_rules(read_toml(text, source), source)


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
            if op not in OPS:
                raise ChainDataError(
                    f"{where}: op {op!r} is not one of {', '.join(OPS)}", source=source)
            if "threshold_by" in raw:
                thr_map = raw.get("thresholds")
                if not isinstance(thr_map, dict) or not thr_map or op not in ORDER_OPS or not all(
                        isinstance(v, (int, float)) for v in thr_map.values()):
                    raise ChainDataError(
                        f"{where}: threshold_by needs a table 'thresholds' of numbers and "
                        "an order op (>=, >, <=, <)", source=source)
            else:
                thr = _need(raw, "threshold", source, where)
                if op in ORDER_OPS and (isinstance(thr, bool) or not isinstance(
                        thr, (int, float))):
                    raise ChainDataError(f"{where}: threshold must be a number", source=source)
                if op in ("in", "contains") and not isinstance(thr, list):
                    raise ChainDataError(f"{where}: threshold must be a list", source=source)
            if kinds[0] == "score" and op not in ORDER_OPS:
                raise ChainDataError(f"{where}: a score needs an order op", source=source)
        if kinds[0] == "measure" and raw["measure"] == "designations" and op != "contains":
            raise ChainDataError(f"{where}: use op 'contains' on designations", source=source)
        thr = raw.get("threshold")
        crit = Criterion(
            tier=tier, id=cid, label=raw.get("label", cid), label_en=raw.get("label_en", cid),
            op=op, measure=raw.get("measure"),
            threshold=float(thr) if op in ORDER_OPS and thr is not None else (
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
        used = set(expression_leaves(tree))
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
