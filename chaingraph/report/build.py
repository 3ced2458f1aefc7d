"""Chain gap reports (产业链诊断报告): one map, several lists (一图多清单).

:func:`build_report` runs the analyses on a chain and keeps their results as
data — tables and the numbers behind each chart — in a :class:`Report`, which
renders them as self-contained HTML, Markdown, or an Excel workbook of lists.

Why this module is long: it is the report's table of contents: one short function per
section (summary, leads, weak links, gaps, integration, resilience, tiers, changes), each
calling the analyses and handing tables to :class:`Section`. Labels, tables, figures,
ecosystem cards and writing live in the modules beside it.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.change import compare
from .._places import has_places_below_country
from .._text_tables import named_ids
from ..analysis.gaps import gap_candidates, gaps
from ..analysis.integration import integration
from ..analysis.leads import DEFAULT_ABSOLUTE, DEFAULT_RELATIVE, LEAD_RULES, lead_firms, revenue_floor
from ..analysis._esri_inputs import largest_output
from ..analysis.disruption import simulate_disruption
from ..analysis.resilience import systemic_risk
from ..analysis.tiers import DEFAULT_RULES, tier_progress, tiers
from ..analysis.weak import chokepoints, weak_links
from ..core import ChainGraph
from ..errors import ChainDataError, numeric_noise_silenced
from ..rules import load_rules
from ..schema import STAGES
from . import svg
from .attraction_table import attraction_tables
from .ecosystem_cards import ecosystem_cards
from .labels import CHANGES, COLUMN_VOCABULARY, LANGS, TEXT, VOCABULARIES, header, label, labels

__all__ = ["Report", "Section", "build_report", "SECTIONS", "CHANGES_SECTION"]

#: Report sections, in order.
SECTIONS = ("summary", "leads", "weak", "gaps", "integration", "resilience", "tiers")
#: The section of changes since a previous chain (年度变化), last, when ``previous`` is given.
CHANGES_SECTION = "changes"

#: Above this many firms, ESRI is computed for the firms with the largest output only.
ESRI_FULL_LIMIT = 5000
ESRI_SUBSET = 1000
#: What ``build_report(risk=...)`` may set for ESRI and the what-if scenario.
RISK_SETTINGS = ("essentiality", "weight", "replaceability", "sector", "revenue", "costs", "tol")
#: The 链主清单 (lead firm list) holds at most this many best-ranked firms.
LEAD_LIST = 1000
TOP = 20


@dataclass
class Section:
    """One section of a report: its tables, charts and headline figures, as data.

    Attributes
    ----------
    key : str
        One of :data:`SECTIONS`.
    title, note : str
        Heading and a sentence on method, in the report's language.
    facts : dict
        Headline figures (label → value).
    tables : dict of DataFrame
        Named tables as shown in the report (the first :data:`TOP` rows of long lists).
    charts : dict of str
        Named inline SVG charts; the numbers they draw are in ``chart_data``.
    chart_data : dict of Series or DataFrame
        The numbers behind each chart.
    lists : dict of DataFrame
        Full lists for the Excel workbook.
    unavailable : str or None
        Why the section could not be computed for this chain, if so.
    """

    key: str
    title: str
    note: str = ""
    facts: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)
    chart_data: dict = field(default_factory=dict)
    lists: dict = field(default_factory=dict)
    unavailable: str | None = None


class Report:
    """A built report. Render with :attr:`html`, :attr:`markdown`, or :meth:`save`.

    ``save("x.html")`` writes one self-contained page (charts as inline SVG, no
    external resource), ``save("x.md")`` Markdown, and ``save("x.xlsx")`` a
    workbook with the lists 链主清单, 薄弱环节清单, 缺链清单, 梯度培育清单, 融通指标
    and 风险清单 (English sheet names with ``lang="en"``).
    """

    def __init__(self, sections: dict[str, Section], meta: dict, lang: str):
        self.sections = sections
        self.meta = meta
        self.lang = lang

    def __repr__(self) -> str:
        return f"<Report {self.meta['chain']} sections={list(self.sections)} lang={self.lang}>"

    # ---------------------------------------------------------------- html
    @property
    def html(self) -> str:
        """The report as one self-contained HTML page."""
        from jinja2 import Environment, PackageLoader, select_autoescape

        env = Environment(
            loader=PackageLoader("chaingraph.report", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        env.filters["table"] = lambda df: _markup(_html_table(df, self.lang))
        env.filters["trusted_svg"] = _markup
        env.filters["fmt"] = _fmt_value
        env.filters["name"] = lambda key: TEXT[self.lang]["names"].get(key, key)
        return env.get_template("report.html.j2").render(
            report=self, text=TEXT[self.lang], sections=self.sections.values(),
            meta=self.meta, lang=self.lang,
        )

    def _repr_html_(self) -> str:
        page = self.html
        body = page[page.index("<body>") + 6: page.index("</body>")]
        style = page[page.index("<style>"): page.index("</style>") + 8]
        return f'<div class="cg-report">{style}{body}</div>'

    # ------------------------------------------------------------ markdown
    @property
    def markdown(self) -> str:
        """The report as Markdown (tables as pipe tables, every cell escaped)."""
        t = TEXT[self.lang]
        out = [f"# {_md(t['report_title'])}: {_md(self.meta['title'])}", ""]
        for name, value in self._meta_rows():
            out.append(f"- {_md(name)}: {_md(value)}")
        out.append("")
        if self.meta["region_warning"]:
            out += [f"**{_md(t['no_region_warning'])}**", ""]
        for sec in self.sections.values():
            out += [f"## {_md(sec.title)}", ""]
            if sec.unavailable:
                out += [_md(sec.unavailable), ""]
                continue
            if sec.note:
                out += [_md(sec.note), ""]
            names = TEXT[self.lang]["names"]
            for name, value in sec.facts.items():
                out.append(f"- {_md(names.get(name, name))}: {_md(_fmt_value(value))}")
            if sec.facts:
                out.append("")
            for name, df in sec.tables.items():
                out += [f"### {_md(names.get(name, name))}", "", _md_table(df, self.lang), ""]
        return "\n".join(out)

    @property
    def md(self) -> str:
        """Alias of :attr:`markdown`."""
        return self.markdown

    # --------------------------------------------------------------- excel
    def to_excel(self, path) -> None:
        """The lists as an Excel workbook, one sheet per list; text is never read as a formula.

        Headers and codes are in the report's language; in Chinese, yes/no
        columns read 是 / 否.
        """
        from openpyxl import Workbook

        from .._excel import save_book, write_sheet

        sheets = TEXT[self.lang]["sheets"]

        def title(key, i, name):
            if i == 0:
                return sheets[key]
            return sheets.get(f"{key}/{name}", f"{sheets[key]}-{name}")

        book = Workbook(write_only=True)
        written = 0
        for key in ("leads", "weak", "gaps", "tiers", "integration", "resilience", "changes"):
            sec = self.sections.get(key)
            if sec is None or sec.unavailable:
                continue
            for i, (name, df) in enumerate(sec.lists.items()):
                write_sheet(book, title(key, i, name), _excel_values(df, self.lang),
                            header=lambda col: header(col, self.lang),
                            index=not isinstance(df.index, pd.RangeIndex))
                written += 1
        if not written:
            write_sheet(book, sheets["summary"], self.sections["summary"].tables.get("totals", pd.DataFrame()),
                        header=lambda col: header(col, self.lang), index=True)
        save_book(book, path)

    def save(self, path) -> Path:
        """Write to ``.html``, ``.md`` or ``.xlsx`` by the file's suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            path.write_text(self.html, encoding="utf-8")
        elif suffix in (".md", ".markdown"):
            path.write_text(self.markdown, encoding="utf-8")
        elif suffix == ".xlsx":
            self.to_excel(path)
        else:
            raise ValueError(f"cannot save a report as {suffix or 'a file without suffix'}: "
                             "use .html, .md or .xlsx")
        return path

    def _meta_rows(self) -> list[tuple[str, str]]:
        t = TEXT[self.lang]
        home = self.meta["home"]
        return [
            (t["region"], self.meta["region"] or t["no_region"]),
            (t["home"], _country_name(home, self.lang)),
            (t["template"], self.meta["template"] or "–"),
            (t["rules"], "; ".join(self.meta.get("rule_titles") or self.meta.get("rules") or []) or "–"),
            (t["generated"], self.meta["generated"]),
        ] + ([(CHANGES[self.lang]["compared_with"], self.meta["previous"])]
             if self.meta.get("previous") else [])


# ---------------------------------------------------------------------------
# building


def build_report(chain: ChainGraph, *, lang: str = "zh", sections=None, top: int = TOP,
                 title: str | None = None, previous: ChainGraph | None = None,
                 risk=None) -> Report:
    """Build a chain gap report (产业链诊断报告) from a chain.

    Runs the analyses — :func:`~chaingraph.lead_firms`, :func:`~chaingraph.weak_links`,
    :func:`~chaingraph.chokepoints`, :func:`~chaingraph.gaps`,
    :func:`~chaingraph.integration`, :func:`~chaingraph.systemic_risk`,
    :func:`~chaingraph.simulate_disruption`, :func:`~chaingraph.tiers` and
    :func:`~chaingraph.tier_progress` — with their documented defaults and
    keeps their results as data.

    Sections, in order: ``summary`` (counts, a layered chain map coloured by
    weakness, firms by segment and location); ``leads`` (lead firms, their
    ecosystems, the score weights); ``weak`` (weak segments, chokepoint firms);
    ``gaps`` (gaps with 补链 / 延链 candidates, and the 补链招商清单: the top of
    :func:`~chaingraph.attraction_list` with its reasons in words, the workbook
    holding its 1,000 best; above 5,000 firms without ``risk_reduction``); ``integration`` (the 融通 index
    and its parts, large firms' SME suppliers, size-class mixing);
    ``resilience`` (top systemic-risk firms and a what-if: the foreign country
    that supplies local firms most stops supplying); ``tiers`` (progress to
    the targets, the firms in the pool and near misses, nearest to their next
    tier first); with ``previous``, ``changes`` (年度变化: :func:`~chaingraph.compare`
    of ``previous`` and ``chain`` — firms that entered or left, gaps closed and
    opened, chokepoints dissolved and new, lead firms and tier moves). On chains of more than 5,000 firms, ESRI is computed for the
    1,000 firms with the largest output (revenue where known, else the larger of
    network sales and purchases, so that final assemblers are among them), and the
    report says so. The Excel
    lists are complete except the 链主清单, which holds the 1,000 best-ranked
    firms (and every lead firm).

    The analyses' codes (``no_local_firm``, ``sole_flow``, ``large`` …) are
    shown as words of the report's language (:mod:`chaingraph.report.labels`),
    firms with their names and segments by name; the tables kept in
    each section's ``tables`` and ``lists`` are these shown values.
    The report states the focus region and home country it used, and warns
    when the chain has no focus region (every domestic firm then counts as
    local).

    Parameters
    ----------
    chain : ChainGraph
    lang : {"zh", "en"}
        Labels in Chinese or English.
    sections : list of str, optional
        A subset of :data:`SECTIONS` (the summary is always included; the
        changes section is there whenever ``previous`` is).
    top : int
        Rows shown in long tables, at least 1 (the Excel lists are complete).
    title : str, optional
        The chain's name in the report's heading. Default: the chain
        template's title, else "<region>产业链" (``"Industry chain, <region>"``).
    previous : ChainGraph, optional
        The same chain in an earlier period (e.g. ``chain.in_year(2022)``): adds
        the section of changes since then (年度变化), with its tables in the
        Excel workbook.
    risk : dict, optional
        How the resilience section computes ESRI and its what-if scenario:
        any of ``essentiality``, ``weight``, ``replaceability``, ``sector``,
        ``revenue``, ``costs`` and ``tol``, passed to
        :func:`~chaingraph.systemic_risk` and
        :func:`~chaingraph.simulate_disruption` (default: their defaults —
        linear inputs, output weights, no replaceability, exact). The section
        states the settings used.

    Returns
    -------
    Report

    Examples
    --------
    >>> import chaingraph as cg
    >>> report = cg.build_report(cg.load_dataset("shandong-nev"), lang="en")
    >>> list(report.sections)
    ['summary', 'leads', 'weak', 'gaps', 'integration', 'resilience', 'tiers']
    >>> report.sections["summary"].facts["firms"]
    2000
    >>> report.meta["title"], report.meta["region"]
    ('New energy vehicles', '山东')
    >>> "http://" in report.html or "https://" in report.html
    False
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if isinstance(sections, str):
        raise TypeError(f"sections must be a list of section names, not the string {sections!r}")
    if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive integer, not {top!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, not {type(title).__name__}")
    if previous is not None and not isinstance(previous, ChainGraph):
        raise TypeError(f"previous must be a ChainGraph, not {type(previous).__name__}")
    wanted = list(SECTIONS) if sections is None else ["summary"] + [s for s in sections if s != "summary"]
    unknown = [s for s in wanted if s not in (*SECTIONS, CHANGES_SECTION)]
    if unknown:
        raise ValueError(f"unknown report sections {unknown}; choose from {', '.join(SECTIONS)}")
    if CHANGES_SECTION in wanted and previous is None:
        raise ValueError("the changes section compares with an earlier chain: give previous=")
    if previous is not None and CHANGES_SECTION not in wanted:
        wanted.append(CHANGES_SECTION)
    risk = dict(risk or {})
    unknown = sorted(set(risk) - set(RISK_SETTINGS))
    if unknown:
        raise ValueError(f"unknown risk settings {unknown}; choose from {', '.join(RISK_SETTINGS)}")
    t = TEXT[lang]
    ctx = _Context(chain, lang, top)
    ctx.previous = previous
    ctx.risk = risk
    built = {}
    for key in (*SECTIONS, CHANGES_SECTION):
        if key not in wanted:
            continue
        sec = Section(key=key, title=t[key], note=t["notes"].get(key, ""))
        try:
            with numeric_noise_silenced():
                _BUILDERS[key](ctx, sec)
        except ChainDataError as exc:
            sec.unavailable = _why_unavailable(exc, chain, lang)
        built[key] = sec
    tmpl = chain.template
    meta = {
        "chain": repr(chain),
        "title": title if title is not None and title.strip() else _default_title(chain, lang),
        "region": chain.region,
        # without a region every domestic firm is local: a bias only where a province or
        # city could have been chosen
        "region_warning": chain.region is None and has_places_below_country(chain.firms),
        "home": chain.home,
        "template": (f"{tmpl.title if lang == 'zh' else tmpl.title_en} ({tmpl.name})"
                     if tmpl is not None else None),
        "rules": ctx.rules,
        "rule_titles": ctx.rule_titles,
        "generated": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "previous": (None if previous is None else str(previous.year) if previous.year is not None
                     else repr(previous)),
    }
    return Report(built, meta, lang)


def _why_unavailable(exc: ChainDataError, chain: ChainGraph, lang: str) -> str:
    """Why a section could not be computed: the error itself in English; in Chinese, the two
    common causes in words (no transactions, no segments), else the error after a Chinese lead."""
    t = TEXT[lang]
    if lang == "en":
        return str(exc)
    if exc.source == "links" and not chain.has_links:
        return t["needs_links"]
    if exc.column == "segment_id":
        return t["needs_segments"]
    return t["unavailable"].format(reason=exc)


def _default_title(chain: ChainGraph, lang: str) -> str:
    """The template's title, else one made from the focus region."""
    t = TEXT[lang]
    if chain.template is not None:
        return chain.template.title if lang == "zh" else chain.template.title_en
    if chain.region:
        return t["untitled_region"].format(region=chain.region)
    return t["untitled"]


def _country_name(code: str, lang: str) -> str:
    """"中国" / "China" for CN; a code without a name stays as it is."""
    return str(label("country", code, lang))




class _Context:
    """Shared inputs and cached analyses while a report is built, and how codes are shown."""

    def __init__(self, chain, lang, top):
        self.chain, self.lang, self.top, self.t = chain, lang, top, TEXT[lang]
        self.previous = None  # the earlier chain of the changes section
        self.rules: list[str] = []
        self.rule_titles: list[str] = []
        self.tier_labels: dict = {}
        self._cache = {}
        firms = chain.firms
        self.names = firms["name"] if "name" in firms.columns else pd.Series(chain.firm_ids, index=chain.firm_ids)
        segs = chain.segments
        own = "name" if lang == "zh" else "name_en"
        other = "name_en" if lang == "zh" else "name"
        self.seg_label = {}
        for sid in chain.segment_ids:
            words = [segs[c].get(sid) for c in (own, other) if c in segs.columns]
            self.seg_label[sid] = next((str(w) for w in words if pd.notna(w) and str(w).strip()), str(sid))

    def cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def weak(self):
        return self.cached("weak", lambda: weak_links(self.chain))

    @property
    def info_columns(self) -> list[str]:
        """The columns that identify a firm in the report's tables (the lists also keep
        ``segment_id``)."""
        cols = self.chain.firms.columns
        return [c for c in ("name", "segment", "city", "province", "country", "size_class")
                if c in cols or (c == "segment" and "segment_id" in cols)]

    def firm_info(self, ids) -> pd.DataFrame:
        """Name, segment (id and name), city, province, country and size class of these firms."""
        firms = self.chain.firms.loc[list(ids)]
        out = pd.DataFrame(index=firms.index)
        for col in ("name", "segment_id", "city", "province", "country", "size_class"):
            if col in firms.columns:
                out[col] = firms[col]
            if col == "segment_id" and col in firms.columns:
                out["segment"] = self.segment_names(firms[col])
        return out

    def segment_names(self, ids) -> pd.Series:
        """Segment ids → their names in the report's language (ids without a name stay)."""
        return _map_distinct(pd.Series(ids), lambda v: self.seg_label.get(v, v))

    def firm_names(self, ids) -> pd.Series:
        """Firm ids → their names (an id without a name stays)."""
        ids = pd.Series(ids, dtype=object)
        named = ids.map(self.names)
        return named.where(named.notna(), ids)

    def code_label(self, kind: str, code):
        """The words for a code, or for ``"; "``-joined codes; anything but a string stays."""
        if not isinstance(code, str):
            return code
        if kind == "tier" and code in self.tier_labels:
            return self.tier_labels[code]
        return labels(kind, code, self.lang)

    def shown(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with codes as words: every column (and index level) named in
        :data:`~chaingraph.report.labels.COLUMN_VOCABULARY`."""
        out = df.copy()
        for col in out.columns:
            if col in COLUMN_VOCABULARY:
                out[col] = _map_distinct(out[col], lambda v, k=COLUMN_VOCABULARY[col]: self.code_label(k, v))
        names = list(out.index.names)
        if any(n in COLUMN_VOCABULARY for n in names):
            frame = out.index.to_frame(index=False)
            for n in names:
                if n in COLUMN_VOCABULARY:
                    frame[n] = _map_distinct(frame[n], lambda v, k=COLUMN_VOCABULARY[n]: self.code_label(k, v))
            out.index = pd.MultiIndex.from_frame(frame) if len(names) > 1 else pd.Index(frame[names[0]],
                                                                                      name=names[0])
        return out


def _map_distinct(values: pd.Series, fn) -> pd.Series:
    """``values`` (as objects) with ``fn`` applied once per distinct value; missing values stay."""
    s = values.astype(object)
    present = s.notna().to_numpy()
    table = {v: fn(v) for v in pd.unique(s[present])}
    return s.mask(present, s.map(table))


def _summary(ctx: _Context, sec: Section) -> None:
    chain, t, lang = ctx.chain, ctx.t, ctx.lang
    s = chain.summary()
    sec.facts.update(
        firms=chain.n_firms, links=chain.n_links,
        **{label("location", k, lang): int(v) for k, v in s.by_location.items()},
    )
    totals = s.totals.copy()
    totals["region"] = chain.region or t["no_region"]
    totals["home"] = _country_name(chain.home, lang)
    if chain.template is not None:
        totals["template"] = _default_title(chain, lang)
    totals = totals.to_frame()
    totals.index = pd.Index([t["names"].get(k, k) for k in totals.index], name="item")
    sec.tables["totals"] = totals
    seg = s.by_segment.copy()
    if len(seg):
        seg.index = pd.Index([ctx.seg_label.get(i, i) for i in seg.index], name="segment")
        sec.tables["by_segment"] = ctx.shown(seg.drop(columns=["name"]))
        data = s.by_segment[["local", "outside", "foreign"]].copy()
        data.index = seg.index
        sec.chart_data["locations"] = data
        sec.charts["locations"] = svg.stacked_bars(
            data, ["local", "outside", "foreign"], title=t["location_chart"],
            labels={k: label("location", k, lang) for k in data.columns},
        )
    if chain.template is not None:
        try:
            weakness = ctx.weak()["weakness"].fillna("unknown")  # undecided, or a process step
        except ChainDataError:
            weakness = pd.Series(dtype=object)
        segs = pd.DataFrame(index=chain.segment_ids)
        segs["label"] = [ctx.seg_label[i] for i in segs.index]
        segs["stage"] = chain.segments["stage"]
        segs["status"] = weakness.reindex(segs.index).fillna("ok").astype(str)
        segs["firms"] = s.by_segment["firms"].reindex(segs.index).fillna(0).astype(int)
        segs["local"] = s.by_segment["local"].reindex(segs.index).fillna(0).astype(int)
        sec.chart_data["map"] = segs
        sec.charts["map"] = svg.segment_map(
            segs, chain.template.flows, title=t["map_title"],
            stage_labels={k: label("stage", k, lang) for k in (*STAGES, "other")},
        )


def _lead_rule(text: str, lang: str) -> str:
    """The ``is_lead`` rule of :func:`lead_firms` (its ``attrs["rule"]``) in words."""
    t = TEXT[lang]
    name = str(text).split(":", 1)[0]
    if name == "default":
        return t["lead_rule_default"].format(relative=DEFAULT_RELATIVE, absolute=DEFAULT_ABSOLUTE)
    if name in LEAD_RULES:
        return t["lead_rule_revenue"].format(floor=revenue_floor(name))
    return t["lead_rule_custom"]


def _esri_settings(attrs: dict, lang: str) -> dict:
    """How :func:`systemic_risk` computed (its ``attrs``), each setting in words."""
    described = str(attrs["essentiality"])
    if described.startswith("matrix"):
        essentiality = label("esri_essentiality", "matrix", lang)
        source = described.removeprefix("matrix").removeprefix(" from ").strip()
        essentiality += f" ({source})" if source else ""
    else:
        essentiality = label("esri_essentiality", described, lang)
    setting = attrs["weight_setting"]
    if setting in ("output", "network_sales"):
        weight = label("esri_weight", setting, lang)
    else:
        weight = label("esri_weight", "column", lang).format(column=setting)
    tol = attrs["tol"]
    method = (label("esri_method", "exact", lang) if tol is None
              else label("esri_method", "plain", lang).format(tol=tol))
    return {"essentiality": essentiality, "weight": weight, "method": method,
            "replaceability": label("yes_no", str(bool(attrs["replaceability"])), lang)}


def _leads(ctx: _Context, sec: Section) -> None:
    lf = lead_firms(ctx.chain)
    comps = ["lead_score", "rank", "is_lead", "scale", "pull", "upstream_firms", "upstream_amount",
             "upstream_local_smes", "dependence", "downstream", "span"]
    comps = [c for c in comps if c in lf.columns]
    full = ctx.shown(ctx.firm_info(lf.index).join(lf[comps + [c for c in lf.columns if c not in comps]]))
    sec.lists["leads"] = full.head(max(LEAD_LIST, int(lf["is_lead"].sum())))
    sec.tables["leads"] = full[[*ctx.info_columns, *comps]].head(ctx.top)
    leads = lf[lf["is_lead"]]
    weights = pd.Series(lf.attrs.get("weights", {}), name="weight", dtype="float64")
    weights.index = pd.Index([label("lead_component", k, ctx.lang) for k in weights.index], name="component")
    sec.tables["weights"] = weights.to_frame()
    sec.facts["is_lead"] = int(lf["is_lead"].sum())
    if "rule" in lf.attrs:
        sec.facts["rule"] = _lead_rule(lf.attrs["rule"], ctx.lang)
    top10 = lf["lead_score"].head(10)
    top10.index = [str(ctx.names.get(i, i)) for i in top10.index]
    sec.chart_data["lead_score"] = top10
    sec.charts["lead_score"] = svg.bar_chart(top10, title=ctx.t["lead_chart"], max_value=1.0)
    if len(leads):  # one ecosystem card per lead firm; the table is the cards' Markdown form
        cards = ecosystem_cards(ctx.chain, leads.index, lang=ctx.lang)
        sec.charts["ecosystem_cards"], sec.chart_data["ecosystem_cards"] = cards.html, cards.figures
        sec.tables["ecosystems"] = cards.table


def _sole_flows(text, ctx: _Context):
    """``"a→b; c→d"`` or ``"a; b"`` (segment ids) → the same with segment names."""
    if not isinstance(text, str) or not text:
        return text
    return "; ".join("→".join(ctx.seg_label.get(s, s) for s in flow.split("→")) for flow in text.split("; "))


def _weak(ctx: _Context, sec: Section) -> None:
    wl = ctx.weak()
    shown = wl.copy()
    if "name" in shown.columns:
        shown["name"] = ctx.segment_names(shown.index).to_numpy()
    if "top_supplier" in shown.columns:
        shown.insert(shown.columns.get_loc("top_supplier") + 1, "top_supplier_name",
                     ctx.firm_names(shown["top_supplier"]).to_numpy())
    shown = ctx.shown(shown.sort_values("severity", ascending=False, kind="stable"))
    sec.lists["weak"] = shown
    flagged = shown[wl.loc[shown.index, "weakness"].astype(str) != "ok"]
    cols = [c for c in ("name", "stage", "foundation", "n_firms", "n_local", "n_foreign", "local_share",
                        "foreign_share", "hhi", "single_sourced", "n_chokepoints", "weakness", "reasons",
                        "severity") if c in shown.columns]
    sec.tables["weak"] = flagged[cols]
    counts = wl["weakness"].astype(str).value_counts()
    sec.facts.update({label("weakness", k, ctx.lang): int(counts.get(k, 0))
                      for k in ("missing", "foreign", "weak", "ok")})
    cp = chokepoints(ctx.chain)
    cp_full = ctx.firm_info(cp.index).join(cp.drop(columns=["segment_id"], errors="ignore"))
    if "sole_flows" in cp_full.columns:
        cp_full["sole_flows"] = _map_distinct(cp_full["sole_flows"], lambda v: _sole_flows(v, ctx))
    if "dominant_in" in cp_full.columns:
        cp_full["dominant_in"] = _map_distinct(cp_full["dominant_in"], lambda v: _sole_flows(v, ctx))
    cp_full = ctx.shown(cp_full)
    sec.lists["chokepoints"] = cp_full
    cp_table = cp_full.drop(columns=["segment_id"], errors="ignore")
    sec.tables["chokepoints"] = cp_table.sort_values("cut_amount", ascending=False).head(ctx.top) \
        if "cut_amount" in cp_table.columns else cp_table.head(ctx.top)
    sev = flagged["severity"].head(15)
    sev.index = [ctx.seg_label.get(i, i) for i in sev.index]
    sec.chart_data["severity"] = sev
    sec.charts["severity"] = svg.bar_chart(sev, title=ctx.t["severity_chart"], max_value=1.0,
                                           color=svg.PALETTE["weak"])


def _gaps(ctx: _Context, sec: Section) -> None:
    g = gaps(ctx.chain)
    shown = g.copy()
    if "name" in shown.columns:
        shown["name"] = ctx.segment_names(shown["segment_id"]).to_numpy()
    if "to_segment" in shown.columns:
        shown["to_segment"] = ctx.segment_names(shown["to_segment"]).to_numpy()
    for col in ("candidates", "extend_candidates"):
        if col in shown.columns:
            shown[col] = shown[col].map(lambda v: named_ids(v, ctx.names))
    shown = ctx.shown(shown)
    sec.tables["gaps"] = shown.head(ctx.top * 2)
    cand = gap_candidates(ctx.chain)
    if len(cand) and "firm_id" in cand.columns:
        cand.insert(cand.columns.get_loc("firm_id") + 1, "firm_name", ctx.firm_names(cand["firm_id"]).to_numpy())
        cand.insert(cand.columns.get_loc("segment_id") + 1, "segment",
                    ctx.segment_names(cand["segment_id"]).to_numpy())
        for col in ("to_segment", "firm_segment"):
            if col in cand.columns:
                cand[col] = ctx.segment_names(cand[col]).to_numpy()
    sec.lists["gaps"] = shown
    sec.lists["candidates"] = ctx.shown(cand)
    counts = g["kind"].astype(str).value_counts()
    sec.facts.update({label("gap_kind", k, ctx.lang): int(counts.get(k, 0))
                      for k in ("missing", "no_local", "broken_link", "leakage")})
    # 补链招商清单: the top of attraction_list, with its reasons in words
    attract, attract_full, attract_facts = attraction_tables(
        ctx.chain, lang=ctx.lang, top=ctx.top, seg_label=ctx.seg_label,
        risk=ctx.chain.n_firms <= ESRI_FULL_LIMIT, limit=LEAD_LIST)
    sec.tables["attraction"] = ctx.shown(attract)
    sec.lists["attraction"] = ctx.shown(attract_full)
    sec.facts.update(attract_facts)


def _integration(ctx: _Context, sec: Section) -> None:
    it = integration(ctx.chain)
    lang = ctx.lang
    sec.facts[ctx.t["score"]] = round(float(it.score), 1) if pd.notna(it.score) else None
    sec.facts[ctx.t["assortativity"]] = round(float(it.assortativity), 3) if pd.notna(it.assortativity) else None
    components = it.components.copy()
    if "meaning" in components.columns:
        components["meaning"] = [label("integration_meaning", k, lang) for k in components.index]
    components.index = pd.Index([label("integration_component", k, lang) for k in components.index],
                                name="component")
    sec.tables["components"] = components
    firms = ctx.shown(ctx.firm_info(it.firms.index).join(it.firms))
    if "purchases" in firms.columns:
        firms = firms.sort_values("purchases", ascending=False)
    sec.tables["large firms"] = firms.drop(columns=["segment_id"], errors="ignore").head(ctx.top)
    mixing = ctx.shown(it.mixing)
    sec.tables["mixing"] = mixing
    sec.lists["components"] = components
    sec.lists["large firms"] = firms
    sec.lists["mixing"] = mixing
    pts = it.components["points"].copy()
    pts.index = components.index
    sec.chart_data["points"] = pts
    sec.charts["points"] = svg.bar_chart(pts, title=ctx.t["integration_chart"])


def _resilience(ctx: _Context, sec: Section) -> None:
    chain, lang = ctx.chain, ctx.lang
    subset = None
    if chain.n_firms > ESRI_FULL_LIMIT:
        subset = list(largest_output(chain, ESRI_SUBSET))
        sec.facts["note"] = ctx.t["esri_subset"].format(n=ESRI_SUBSET)
    risk = systemic_risk(chain, firms=subset, progress=False, **ctx.risk)
    ctx.esri_settings = _esri_settings(risk.attrs, ctx.lang)
    sec.facts["esri_settings"] = ctx.t["esri_settings_text"].format(**ctx.esri_settings)
    risk = risk.sort_values("esri", ascending=False)
    full = ctx.shown(ctx.firm_info(risk.index).join(risk))
    sec.lists["risk"] = full
    sec.tables["risk"] = full.drop(columns=["segment_id"], errors="ignore").head(ctx.top)
    top10 = risk["esri"].head(10)
    top10.index = [str(ctx.names.get(i, i)) for i in top10.index]
    sec.chart_data["esri"] = top10
    sec.charts["esri"] = svg.bar_chart(top10, title=ctx.t["esri_chart"])
    country = _largest_foreign_source(chain)
    if country is None:
        sec.facts["what-if"] = ctx.t["whatif_none"]
        return
    res = simulate_disruption(chain, f"country:{country}", **ctx.risk)
    where = label("country", country, lang)
    sec.facts[ctx.t["whatif"].format(country=where)] = f"{res.summary['loss_share']:.1%}"
    summary = res.summary.copy()
    summary["shock"] = ctx.t["whatif_shock"].format(country=where, n=int(summary["firms_shocked"]))
    summary["weight"] = ctx.esri_settings["weight"]
    summary["method"] = ctx.esri_settings["method"]
    summary.index = pd.Index([header(k, lang) for k in summary.index], name="item")
    sec.tables["whatif_summary"] = summary.to_frame()
    seg = res.segment_impacts.sort_values("loss_share", ascending=False)
    seg.index = pd.Index([ctx.seg_label.get(i, i) for i in seg.index], name="segment")
    sec.tables["whatif_segments"] = seg.head(ctx.top)
    impacts = res.segment_impacts.copy()
    impacts.insert(0, "segment", ctx.segment_names(impacts.index).to_numpy())
    sec.lists["what-if"] = impacts


def _largest_foreign_source(chain) -> str | None:
    """The country whose firms sell most to local firms in the network."""
    if "country" not in chain.firms.columns or not chain.is_foreign.any():
        return None
    coo = chain.adjacency.tocoo()
    mask = chain.is_foreign[coo.row] & chain.is_local[coo.col]
    if not mask.any():
        mask = chain.is_foreign[coo.row]
    countries = chain.firms["country"].to_numpy(dtype=object)[coo.row[mask]]
    sums = pd.Series(coo.data[mask]).groupby(countries).sum()
    return str(sums.idxmax()) if len(sums) else None


def _distance_shown(distance: pd.Series, has_next: pd.Series, t: dict) -> pd.Series:
    """Distances to the next tier as shown: rounded numbers; "—" for inf (a yes/no condition
    fails, no distance to measure); "unknown" for NaN with a next tier; nothing without one."""
    d = pd.to_numeric(distance, errors="coerce").to_numpy(dtype=float)
    out = pd.Series(np.round(d, 3), index=distance.index, dtype=object)
    out[np.isinf(d)] = t["not_measurable"]
    out[np.isnan(d) & has_next.to_numpy()] = t["unknown"]
    out[np.isnan(d) & ~has_next.to_numpy()] = None
    return out


def _tiers(ctx: _Context, sec: Section) -> None:
    lang = ctx.lang
    ruleset = load_rules(DEFAULT_RULES)
    by_firm = tiers(ctx.chain, rules=ruleset, detail=False)
    ctx.rules = list(by_firm.attrs.get("rules", []))
    ctx.rule_titles = [f"{ruleset.meta.get(n, {}).get('title' if lang == 'zh' else 'title_en', n)} ({n})"
                       for n in ctx.rules]
    # the shipped tiers by their short names, a user's tiers by the labels of their rule file
    ctx.tier_labels = {tr.id: label("tier", tr.id, lang) if tr.id in VOCABULARIES["tier"] else
                       (tr.label if lang == "zh" else tr.label_en) for tr in ruleset.tiers}
    criteria = {k: (c.label if lang == "zh" else c.label_en) for k, c in ruleset.criteria.items()}
    progress = tier_progress(ctx.chain, near_miss=0.1, rules=ruleset)
    shown = progress.drop(columns=["near_miss_firms"], errors="ignore").rename(
        columns={"candidates": "tier_candidates"})
    shown.index = shown.index.rename({"tier": "ladder_tier"})
    if ctx.chain.region is None and "region" in shown.index.names:  # tier_progress groups as "all"
        shown = shown.rename(index={"all": ctx.t["all_firms"]}, level="region")
    sec.tables["progress"] = ctx.shown(shown)
    pool = by_firm[["designation", "tier", "tier_possible", "next_tier", "next_distance", "next_missing"]]
    # the pool: firms that qualify for a tier or hold a designation, and near misses
    listed = (pool["tier"].notna() | pool["designation"].notna()
              | (pd.to_numeric(pool["next_distance"], errors="coerce") <= 0.1)).to_numpy()
    # nearest to the next tier first; then distances that cannot be measured (inf: a yes/no
    # condition fails); then unknown ones and firms with no next tier
    listed = ctx.firm_info(pool.index[listed]).join(pool[listed]).sort_values(
        "next_distance", kind="stable", na_position="last")
    listed["next_distance"] = _distance_shown(listed["next_distance"], listed["next_tier"].notna(), ctx.t)
    listed["next_missing"] = _map_distinct(
        listed["next_missing"], lambda v: "; ".join(criteria.get(k, k) for k in v.split("; ")) if v else v)
    listed = ctx.shown(listed)
    sec.lists["tiers"] = listed
    sec.tables["pool"] = listed.drop(columns=["segment_id"], errors="ignore").head(ctx.top)
    counts = by_firm["tier"].value_counts()
    sec.facts.update({ctx.tier_labels.get(k, k): int(counts[k]) for k in ruleset.tier_ids
                      if counts.get(k, 0)})
    rows = progress.reset_index()
    rows = rows[rows["target"].notna()] if "target" in rows else rows.iloc[:0]
    if len(rows):
        data = pd.DataFrame(
            {"designated": rows["designated"].to_numpy(dtype=float),
             "gap": np.maximum(rows["target"].to_numpy(dtype=float) - rows["designated"].to_numpy(dtype=float), 0)},
            index=[ctx.tier_labels.get(v, v) for v in rows["tier"]],
        )
        sec.chart_data["progress"] = data
        sec.charts["progress"] = svg.stacked_bars(
            data, ["designated", "gap"], title=ctx.t["tier_chart"],
            labels={"designated": header("designated", lang), "gap": ctx.t["gap_to_target"]},
            colors={"designated": svg.PALETTE["local"], "gap": svg.PALETTE["target"]},
        )


#: The headline counts of the changes section: fact → (change table, status).
CHANGE_FACTS = {
    "changes_firms_entered": ("firms", "entered"), "changes_firms_exited": ("firms", "exited"),
    "changes_links_gained": ("link_pairs", "gained"), "changes_links_lost": ("link_pairs", "lost"),
    "changes_gaps_closed": ("gaps", "closed"), "changes_gaps_opened": ("gaps", "opened"),
    "changes_chokepoints_dissolved": ("chokepoints", "dissolved"),
    "changes_chokepoints_new": ("chokepoints", "new"),
    "changes_leads_entered": ("leads", "entered"), "changes_leads_left": ("leads", "left"),
    "changes_tiers_up": ("tiers", "up"), "changes_tiers_down": ("tiers", "down"),
    "changes_segments_better": ("segments", "better"),
    "changes_segments_worse": ("segments", "worse"),
}


def _changes(ctx: _Context, sec: Section) -> None:
    """年度变化: what changed since ``ctx.previous`` (:func:`~chaingraph.compare`); codes are
    shown as words (the ``change`` vocabulary and the analyses' own), firms by name."""
    change = compare(ctx.previous, ctx.chain)
    counts = change.summary()["count"]
    for fact, key in CHANGE_FACTS.items():
        sec.facts[fact] = None if pd.isna(counts[key]) else int(counts[key])
    if change.notes:
        sec.note += " " + "; ".join(f"{k}: {v}" for k, v in change.notes.items())
    names = change.firms["name"] if "name" in change.firms.columns else None

    def by_firm(df, **columns):
        """A table of these firms: name beside the id, then ``columns``."""
        out = pd.DataFrame(index=df.index)
        if names is not None:
            out["name"] = names.reindex(df.index).to_numpy()
        for col, values in columns.items():
            out[col] = np.asarray(values, dtype=object)
        return out

    def show(name, df):
        sec.tables[name] = ctx.shown(df).head(ctx.top)

    g = change.gaps
    show("change_gaps", pd.DataFrame({
        "segment": ctx.segment_names(g["segment_id"]).to_numpy(),
        "to_segment": ctx.segment_names(g["to_segment"]).to_numpy(),
        "kind": g["kind"].to_numpy(), "change": g["status"].to_numpy(),
        "severity_before": g["severity_before"].to_numpy(),
        "severity_after": g["severity_after"].to_numpy()}))
    cp = change.chokepoints
    show("change_chokepoints", by_firm(
        cp, segment=ctx.segment_names(cp["segment_id"]), change=cp["status"],
        rule_before=cp["rule_before"], rule_after=cp["rule_after"],
        cut_amount_before=cp["cut_amount_before"], cut_amount_after=cp["cut_amount_after"]))
    lf = change.leads
    show("change_leads", by_firm(
        lf, change=lf["status"], rank_before=lf["rank_before"], rank_after=lf["rank_after"],
        score_before=lf["score_before"], score_after=lf["score_after"]))
    tm = change.tiers[change.tiers["move"].isin(["up", "down"]).to_numpy()]
    show("change_tiers", by_firm(tm, tier_before=tm["tier_before"], tier_after=tm["tier_after"],
                                 change=tm["move"]))
    fm = change.firms[change.firms["status"].isin(["entered", "exited"]).to_numpy()]
    show("change_firms", by_firm(
        fm, segment=ctx.segment_names(fm["segment_after"].fillna(fm["segment_before"])),
        location=fm["location_after"].fillna(fm["location_before"]), change=fm["status"]))
    sg = change.segments[change.segments["change"].isin(["better", "worse"]).to_numpy()]
    show("change_segments", pd.DataFrame({
        "segment": ctx.segment_names(sg.index).to_numpy(),
        "weakness_before": sg["weakness_before"].to_numpy(),
        "weakness_after": sg["weakness_after"].to_numpy(), "change": sg["change"].to_numpy(),
        "local_share_before": sg["local_share_before"].to_numpy(),
        "local_share_after": sg["local_share_after"].to_numpy()}))
    for table in change.TABLES:
        full = change.changed_rows(table) if table == "link_pairs" else getattr(change, table)
        sec.lists[table] = ctx.shown(full)


_BUILDERS = {
    "summary": _summary, "leads": _leads, "weak": _weak, "gaps": _gaps,
    "integration": _integration, "resilience": _resilience, "tiers": _tiers,
    "changes": _changes,
}


# ---------------------------------------------------------------------------
# rendering helpers


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)


def _fmt_value(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else ""
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "–"
        if np.isinf(v):
            return "—"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if float(v).is_integer():
            return f"{v:.0f}"
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    try:
        if pd.isna(v):
            return "–"
    except (TypeError, ValueError):
        pass
    return str(v)


def _display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Values formatted as text and headers translated; index becomes the first column."""
    out = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    out = out.astype(object).map(_fmt_value)
    out.columns = [header(c, lang) for c in out.columns]
    return out


def _excel_values(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A list as written to Excel: in Chinese, yes/no columns as 是 / 否 (Excel would show
    TRUE / FALSE)."""
    if lang != "zh":
        return df
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col].dtype):
            out[col] = out[col].astype(object).map(lambda v: "是" if v is True or v is np.True_ else
                                                   "否" if v is False or v is np.False_ else v)
    return out


def _html_table(df: pd.DataFrame, lang: str) -> str:
    if df is None or len(df) == 0:
        return f'<p class="empty">{_html.escape(TEXT[lang]["no_rows"])}</p>'
    return _display(df, lang).to_html(index=False, escape=True, border=0, classes="cg-table")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|])")


def _md(text) -> str:
    """Escape text for Markdown: HTML entities for < > &, backslashes for Markdown syntax."""
    text = _html.escape(str(text), quote=False).replace("\n", " ").replace("\r", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(df: pd.DataFrame, lang: str) -> str:
    if df is None or len(df) == 0:
        return _md(TEXT[lang]["no_rows"])
    d = _display(df, lang)
    lines = ["| " + " | ".join(_md(c) for c in d.columns) + " |",
             "| " + " | ".join("---" for _ in d.columns) + " |"]
    for row in d.itertuples(index=False):
        lines.append("| " + " | ".join(_md(v) for v in row) + " |")
    return "\n".join(lines)
