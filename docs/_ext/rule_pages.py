"""The tier criteria, as the shipped rule files state them.

When the configuration is read, this writes ``docs/_include/rules.md``: every
rule file shipped in ``chaingraph/rules/`` (``chaingraph.rules.list_rules()``): each tier
with the rule that grants it, each criterion with its threshold, its source in the
published document and whether the figure is confirmed, and the scoring bands. The
methods page on tiers includes them, so the page says what the code applies.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sphinx.application import Sphinx

from generated_files import write_if_changed


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _number(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _op(op: str) -> str:
    return {">=": "≥", "<=": "≤"}.get(op, op)


def _threshold(c) -> str:
    """A criterion's test as one line: ``rd_intensity ≥ 0.03``, ``size_class in …``."""
    if c.prerequisite is not None:
        return f"holds or qualifies for `{c.prerequisite}`"
    what = c.measure or f"score ({c.score})"
    unit = f" {c.unit}" if c.unit else ""
    if c.threshold_by is not None:
        options = ", ".join(f"{k}: {_number(v)}{unit}" for k, v in c.thresholds.items())
        return f"`{what}` {_op(c.op)} by `{c.threshold_by}` ({options})"
    if isinstance(c.threshold, (list, tuple)):
        return f"`{what}` {c.op} {', '.join(map(str, c.threshold))}"
    return f"`{what}` {_op(c.op)} {_number(c.threshold)}{unit}"


def _band(b) -> str:
    test = "otherwise" if b.op is None else f"{_op(b.op)} {_number(b.value)}"
    points = (_number(b.points_min) if b.points_min == b.points_max
              else f"{_number(b.points_min)}–{_number(b.points_max)}")
    return f"{test}: {points}"


def tier_rules_page(name: str) -> str:
    from chaingraph.rules import load_rules

    rules = load_rules(name)
    meta = rules.meta.get(name, {})
    out = [f"**`{name}`** — {meta.get('title', '')} ({meta.get('title_en', '')}); "
           f"{meta.get('issuer', '')}, {meta.get('document', '')}.\n"]
    for tier in rules.tiers:
        out.append(f"\n**{tier.label}** ({tier.label_en}, `{tier.id}`). Source: {tier.source}. "
                   f"Granted when `{tier.require}` holds.\n\n")
        rows = [[f"`{c.id}`", f"{c.label} — {c.label_en}", _threshold(c),
                 c.source + (f" ({c.note})" if c.note else ""),
                 ("gate; " if c.gate else "") + ("confirmed" if c.confirmed else "**unconfirmed**")]
                for c in rules.criteria.values() if c.tier == tier.id]
        out.append(_table(["criterion", "meaning", "test", "source", "status"], rows))
        score = rules.scores.get(tier.id)
        if score is not None:
            out.append(f"\nThe score ({score.label}, source: {score.source}), indicator by "
                       "indicator; the first band that matches gives the points:\n\n")
            rows = [[f"`{i.id}`", score.groups.get(i.group, i.group), f"{i.label} — {i.label_en}",
                     f"`{i.measure}`", "; ".join(_band(b) for b in i.bands)]
                    for i in score.indicators]
            out.append(_table(["indicator", "group", "meaning", "measure", "points"], rows))
    return "".join(out)


def size_classes_page(data: dict) -> str:
    meta = data.get("rule", {})
    rows = [[f"`{c['id']}` {c.get('label', '')}", c.get("employees_min"), c.get("revenue_min")]
            for c in data.get("classes", [])]
    return (f"**`{meta.get('name')}`** — {meta.get('title', '')} ({meta.get('title_en', '')}); "
            f"{meta.get('issuer', '')}, {meta.get('document', '')}; {meta.get('sector', '')}.\n\n"
            + _table(["class", "employees from", "revenue from (万元)"], rows))


def rules_page() -> str:
    """Every shipped rule file, the default ladder's first: a list, then each version's
    tiers or size classes."""
    from chaingraph.rules import DEFAULT_RULES, list_rules
    from chaingraph.rules.parse import read_toml

    shipped = list_rules()
    first = [name for name in DEFAULT_RULES if name in shipped.index]
    shipped = shipped.loc[first + [name for name in shipped.index if name not in first]]
    out = [_table(["rule version", "title", "document", "year", "tiers"],
                  [[f"`{name}`", row["title"], row["document"], row["year"], row["tiers"]]
                   for name, row in shipped.iterrows()])]
    for name, row in shipped.iterrows():
        out.append(f"\n### {row['title']} (`{name}`)\n\n")
        if row["tiers"]:
            out.append(tier_rules_page(name))
        else:
            entry = resources.files("chaingraph.rules").joinpath(f"{name}.toml")
            out.append(size_classes_page(read_toml(entry.read_text(encoding="utf-8"), entry.name)))
    return "".join(out)


def write_rule_pages(app: Sphinx, config=None) -> None:
    write_if_changed(Path(app.srcdir) / "_include" / "rules.md", rules_page())


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", write_rule_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
