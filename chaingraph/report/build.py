"""Chain gap reports (产业链诊断报告): one map, several lists (一图多清单).

:func:`build_report` runs the analyses on a chain and keeps their results as
data — tables and the numbers behind each chart — in a :class:`Report`, which
renders them as self-contained HTML, Markdown, or an Excel workbook of lists.
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
from ..analysis.gaps import gap_candidates, gaps
from ..analysis.integration import integration
from ..analysis.leads import lead_firms
from ..analysis.resilience import simulate_disruption, systemic_risk
from ..analysis.tiers import tier_progress, tiers
from ..analysis.weak import chokepoints, weak_links
from ..core import ChainGraph
from ..errors import ChainDataError, numeric_noise_silenced
from . import svg
from .attraction_table import attraction_tables
from .ecosystem_cards import ecosystem_cards
from .labels import CHANGES, COLUMNS_ZH, LANGS, TEXT

__all__ = ["Report", "Section", "build_report", "SECTIONS", "CHANGES_SECTION"]

#: Report sections, in order.
SECTIONS = ("summary", "leads", "weak", "gaps", "integration", "resilience", "tiers")
#: The section of changes since a previous chain (年度变化), last, when ``previous`` is given.
CHANGES_SECTION = "changes"

#: Above this many firms, ESRI is computed for the firms with the largest sales only.
ESRI_FULL_LIMIT = 5000
ESRI_SUBSET = 1000
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
        for label, value in self._meta_rows():
            out.append(f"- {_md(label)}: {_md(value)}")
        out.append("")
        for sec in self.sections.values():
            out += [f"## {_md(sec.title)}", ""]
            if sec.unavailable:
                out += [_md(sec.unavailable), ""]
                continue
            if sec.note:
                out += [_md(sec.note), ""]
            names = TEXT[self.lang]["names"]
            for label, value in sec.facts.items():
                out.append(f"- {_md(names.get(label, label))}: {_md(_fmt_value(value))}")
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
        """The lists as an Excel workbook, one sheet per list; text is never read as a formula."""
        from openpyxl import Workbook

        from .._excel import save_book, write_sheet

        sheets = TEXT[self.lang]["sheets"]

        def header(col):
            return _header(col, self.lang)

        book = Workbook(write_only=True)
        written = 0
        for key in ("leads", "weak", "gaps", "tiers", "integration", "resilience", "changes"):
            sec = self.sections.get(key)
            if sec is None or sec.unavailable:
                continue
            for i, (name, df) in enumerate(sec.lists.items()):
                title = sheets[key] if i == 0 else f"{sheets[key]}-{name}"
                write_sheet(book, title, df, header=header,
                            index=not isinstance(df.index, pd.RangeIndex))
                written += 1
        if not written:
            write_sheet(book, "summary", self.sections["summary"].tables.get("totals", pd.DataFrame()),
                        header=header, index=True)
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
        return [
            (t["region"], self.meta["region"] or t["all_regions"]),
            (t["template"], self.meta["template"] or "–"),
            (t["rules"], ", ".join(self.meta.get("rules") or []) or "–"),
            (t["generated"], self.meta["generated"]),
        ] + ([(CHANGES[self.lang]["compared_with"], self.meta["previous"])]
             if self.meta.get("previous") else [])


# ---------------------------------------------------------------------------
# building


def build_report(chain: ChainGraph, *, lang: str = "zh", sections=None, top: int = TOP,
                 previous: ChainGraph | None = None) -> Report:
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
    the targets, the firms in the pool and near misses); with ``previous``,
    ``changes`` (年度变化: :func:`~chaingraph.compare` of ``previous`` and
    ``chain`` — firms that entered or left, gaps closed and opened,
    chokepoints dissolved and new, lead firms and tier moves). On chains of more
    than 5,000 firms, ESRI is computed for the 1,000 firms with the largest
    sales, and the report says so. The Excel lists are complete except the
    链主清单, which holds the 1,000 best-ranked firms (and every lead firm).

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
    previous : ChainGraph, optional
        The same chain in an earlier period (e.g. ``chain.in_year(2022)``): adds
        the section of changes since then (年度变化), with its tables in the
        Excel workbook.

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
    >>> "http://" in report.html or "https://" in report.html
    False
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if isinstance(sections, str):
        raise TypeError(f"sections must be a list of section names, not the string {sections!r}")
    if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive integer, not {top!r}")
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
    t = TEXT[lang]
    ctx = _Context(chain, lang, top)
    ctx.previous = previous
    built = {}
    for key in (*SECTIONS, CHANGES_SECTION):
        if key not in wanted:
            continue
        sec = Section(key=key, title=t[key], note=t["notes"].get(key, ""))
        try:
            with numeric_noise_silenced():
                _BUILDERS[key](ctx, sec)
        except ChainDataError as exc:
            sec.unavailable = str(exc)
        built[key] = sec
    tmpl = chain.template
    meta = {
        "chain": repr(chain),
        "title": (tmpl.title if lang == "zh" else tmpl.title_en) if tmpl is not None else repr(chain),
        "region": chain.region,
        "template": f"{tmpl.name} ({tmpl.title} / {tmpl.title_en})" if tmpl is not None else None,
        "rules": ctx.rules,
        "generated": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "previous": (None if previous is None else str(previous.year) if previous.year is not None
                     else repr(previous)),
    }
    return Report(built, meta, lang)


class _Context:
    """Shared inputs and cached analyses while a report is built."""

    def __init__(self, chain, lang, top):
        self.chain, self.lang, self.top, self.t = chain, lang, top, TEXT[lang]
        self.previous = None  # the earlier chain of the changes section
        self.rules: list[str] = []
        self._cache = {}
        firms = chain.firms
        self.names = firms["name"] if "name" in firms.columns else pd.Series(chain.firm_ids, index=chain.firm_ids)
        seg_names = chain.segments["name"] if "name" in chain.segments.columns else pd.Series(dtype=object)
        self.seg_label = {
            sid: (str(seg_names.get(sid)) if lang == "zh" and pd.notna(seg_names.get(sid)) else
                  str(chain.segments["name_en"].get(sid)) if "name_en" in chain.segments.columns
                  and pd.notna(chain.segments["name_en"].get(sid)) else str(sid))
            for sid in chain.segment_ids
        }

    def cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def weak(self):
            return self.cached("weak", lambda: weak_links(self.chain))

    @property
    def info_columns(self) -> list[str]:
        """The firms columns that identify a firm in list tables."""
        return [c for c in ("name", "segment_id", "city", "province", "country", "size_class")
                if c in self.chain.firms.columns]

    def firm_info(self, ids) -> pd.DataFrame:
        """Name, segment, city and size class of these firms (for list tables)."""
        return self.chain.firms.loc[list(ids), self.info_columns]


def _summary(ctx: _Context, sec: Section) -> None:
    chain, t = ctx.chain, ctx.t
    s = chain.summary()
    sec.facts.update(
        firms=chain.n_firms, links=chain.n_links,
        **{t["locations"][k]: int(v) for k, v in s.by_location.items()},
    )
    totals = s.totals.to_frame()
    totals.index = [t["names"].get(k, k) for k in totals.index]
    sec.tables["totals"] = totals
    seg = s.by_segment.copy()
    if len(seg):
        seg.index = seg.index.map(lambda i: ctx.seg_label.get(i, i))
        seg["stage"] = seg["stage"].map(lambda v: t["stages"].get(v, v))
        sec.tables["segments"] = seg.drop(columns=["name"])
        data = s.by_segment[["local", "outside", "foreign"]].copy()
        data.index = seg.index
        sec.chart_data["locations"] = data
        sec.charts["locations"] = svg.stacked_bars(
            data, ["local", "outside", "foreign"], title=t["location_chart"], labels=t["locations"]
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
            segs, chain.template.flows, title=t["map_title"], stage_labels=t["stages"]
        )


def _leads(ctx: _Context, sec: Section) -> None:
    lf = lead_firms(ctx.chain)
    comps = ["lead_score", "rank", "is_lead", "scale", "pull", "upstream_firms", "upstream_amount",
             "upstream_local_smes", "dependence", "downstream", "span"]
    comps = [c for c in comps if c in lf.columns]
    full = ctx.firm_info(lf.index).join(lf[comps + [c for c in lf.columns if c not in comps]])
    sec.lists["leads"] = full.head(max(LEAD_LIST, int(lf["is_lead"].sum())))
    sec.tables["leads"] = full[[*ctx.info_columns, *comps]].head(ctx.top)
    leads = lf[lf["is_lead"]]
    weights = pd.Series(lf.attrs.get("weights", {}), name="weight", dtype="float64")
    sec.tables["weights"] = weights.to_frame()
    sec.facts["is_lead"] = int(lf["is_lead"].sum())
    if "rule" in lf.attrs:
        sec.facts["rule"] = lf.attrs["rule"]
    top10 = lf["lead_score"].head(10)
    top10.index = [str(ctx.names.get(i, i)) for i in top10.index]
    sec.chart_data["lead_score"] = top10
    sec.charts["lead_score"] = svg.bar_chart(top10, title=ctx.t["lead_chart"], max_value=1.0)
    if len(leads):  # one ecosystem card per lead firm; the table is the cards' Markdown form
        cards = ecosystem_cards(ctx.chain, leads.index, lang=ctx.lang)
        sec.charts["ecosystem_cards"], sec.chart_data["ecosystem_cards"] = cards.html, cards.figures
        sec.tables["ecosystems"] = cards.table


def _weak(ctx: _Context, sec: Section) -> None:
    wl = ctx.weak()
    shown = wl.copy()
    shown["weakness"] = shown["weakness"].astype(str).map(lambda v: ctx.t["weakness"].get(v, v))
    shown["stage"] = shown["stage"].map(lambda v: ctx.t["stages"].get(v, v))
    shown = shown.sort_values("severity", ascending=False, kind="stable")
    sec.lists["weak"] = shown
    flagged = shown[wl.loc[shown.index, "weakness"].astype(str) != "ok"]
    cols = [c for c in ("name", "stage", "foundation", "n_firms", "n_local", "n_foreign", "local_share",
                        "foreign_share", "hhi", "single_sourced", "n_chokepoints", "weakness", "reasons",
                        "severity") if c in shown.columns]
    sec.tables["weak"] = flagged[cols]
    counts = wl["weakness"].astype(str).value_counts()
    sec.facts.update({ctx.t["weakness"][k]: int(counts.get(k, 0)) for k in ("missing", "foreign", "weak", "ok")})
    cp = chokepoints(ctx.chain)
    cp_full = ctx.firm_info(cp.index).join(cp.drop(columns=["segment_id"], errors="ignore"))
    sec.lists["chokepoints"] = cp_full
    sec.tables["chokepoints"] = cp_full.sort_values("cut_amount", ascending=False).head(ctx.top) \
        if "cut_amount" in cp_full.columns else cp_full.head(ctx.top)
    sev = flagged["severity"].head(15)
    sev.index = [ctx.seg_label.get(i, i) for i in sev.index]
    sec.chart_data["severity"] = sev
    sec.charts["severity"] = svg.bar_chart(sev, title=ctx.t["severity_chart"], max_value=1.0,
                                           color=svg.PALETTE["weak"])


def _gaps(ctx: _Context, sec: Section) -> None:
    g = gaps(ctx.chain)
    shown = g.copy()
    shown["kind"] = shown["kind"].astype(str).map(lambda v: ctx.t["gap_kind"].get(v, v))
    for col in ("candidates", "extend_candidates"):
        if col in shown.columns:
            shown[col] = shown[col].map(lambda v: _with_names(v, ctx.names))
    sec.tables["gaps"] = shown.head(ctx.top * 2)
    cand = gap_candidates(ctx.chain)
    if len(cand) and "firm_id" in cand.columns:
        cand = cand.assign(firm_name=cand["firm_id"].map(ctx.names))
    sec.lists["gaps"] = shown
    sec.lists["candidates"] = cand
    counts = g["kind"].astype(str).value_counts()
    sec.facts.update({ctx.t["gap_kind"][k]: int(counts.get(k, 0))
                      for k in ("missing", "no_local", "broken_link", "leakage")})
    # 补链招商清单: the top of attraction_list, with its reasons in words
    attract, attract_full, attract_facts = attraction_tables(
        ctx.chain, lang=ctx.lang, top=ctx.top, seg_label=ctx.seg_label,
        risk=ctx.chain.n_firms <= ESRI_FULL_LIMIT, limit=LEAD_LIST)
    sec.tables["attraction"] = attract
    sec.lists["attraction"] = attract_full
    sec.facts.update(attract_facts)


def _integration(ctx: _Context, sec: Section) -> None:
    it = integration(ctx.chain)
    sec.facts[ctx.t["score"]] = round(float(it.score), 1) if pd.notna(it.score) else None
    sec.facts[ctx.t["assortativity"]] = round(float(it.assortativity), 3) if pd.notna(it.assortativity) else None
    sec.tables["components"] = it.components
    firms = ctx.firm_info(it.firms.index).join(it.firms)
    if "purchases" in firms.columns:
        firms = firms.sort_values("purchases", ascending=False)
    sec.tables["large firms"] = firms.head(ctx.top)
    sec.tables["mixing"] = it.mixing
    sec.lists["components"] = it.components
    sec.lists["large firms"] = firms
    sec.lists["mixing"] = it.mixing
    pts = it.components["points"]
    sec.chart_data["points"] = pts
    sec.charts["points"] = svg.bar_chart(pts, title=ctx.t["integration_chart"])


def _resilience(ctx: _Context, sec: Section) -> None:
    chain = ctx.chain
    subset = None
    if chain.n_firms > ESRI_FULL_LIMIT:
        order = np.argsort(-chain.out_strength, kind="stable")[:ESRI_SUBSET]
        subset = list(chain.firm_ids[np.sort(order)])
        sec.facts["note"] = ctx.t["esri_subset"].format(n=ESRI_SUBSET)
    risk = systemic_risk(chain, firms=subset, progress=False)
    risk = risk.sort_values("esri", ascending=False)
    full = ctx.firm_info(risk.index).join(risk)
    sec.lists["risk"] = full
    sec.tables["risk"] = full.head(ctx.top)
    top10 = risk["esri"].head(10)
    top10.index = [str(ctx.names.get(i, i)) for i in top10.index]
    sec.chart_data["esri"] = top10
    sec.charts["esri"] = svg.bar_chart(top10, title=ctx.t["esri_chart"])
    country = _largest_foreign_source(chain)
    if country is None:
        sec.facts["what-if"] = ctx.t["whatif_none"]
        return
    res = simulate_disruption(chain, f"country:{country}")
    title = ctx.t["whatif"].format(country=country)
    sec.facts[title] = f"{res.summary['loss_share']:.1%}"
    sec.tables["whatif_summary"] = res.summary.to_frame()
    seg = res.segment_impacts.sort_values("loss_share", ascending=False)
    seg.index = [ctx.seg_label.get(i, i) for i in seg.index]
    sec.tables["whatif_segments"] = seg.head(ctx.top)
    sec.lists["what-if"] = res.segment_impacts


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


def _tiers(ctx: _Context, sec: Section) -> None:
    by_firm = tiers(ctx.chain, detail=False)
    ctx.rules = list(by_firm.attrs.get("rules", []))
    progress = tier_progress(ctx.chain, near_miss=0.1)
    names = ctx.t["tier_names"]
    shown = progress.copy()
    if isinstance(shown.index, pd.MultiIndex):
        shown.index = shown.index.set_levels(
            [shown.index.levels[-1].map(lambda v: names.get(v, v))], level=[-1]
        )
    sec.tables["progress"] = shown.drop(columns=["near_miss_firms"], errors="ignore")
    pool = by_firm[["designation", "tier", "tier_possible", "next_tier", "next_distance", "next_missing"]]
    # the pool: firms that qualify for a tier or hold a designation, and near misses
    listed = (pool["tier"].notna() | pool["designation"].notna()
              | (pd.to_numeric(pool["next_distance"], errors="coerce") <= 0.1)).to_numpy()
    listed = ctx.firm_info(pool.index[listed]).join(pool[listed])
    for col in ("tier", "tier_possible", "next_tier"):
        if col in listed.columns:
            listed[col] = listed[col].map(lambda v: names.get(v, v) if pd.notna(v) else v)
    sec.lists["tiers"] = listed
    sec.tables["pool"] = listed.head(ctx.top)
    counts = by_firm["tier"].value_counts()
    sec.facts.update({names.get(k, k): int(v) for k, v in counts.items() if v})
    rows = progress.reset_index()
    rows = rows[rows["target"].notna()] if "target" in rows else rows.iloc[:0]
    if len(rows):
        data = pd.DataFrame(
            {"designated": rows["designated"].to_numpy(dtype=float),
             "gap": np.maximum(rows["target"].to_numpy(dtype=float) - rows["designated"].to_numpy(dtype=float), 0)},
            index=[names.get(v, v) for v in rows["tier"]],
        )
        sec.chart_data["progress"] = data
        sec.charts["progress"] = svg.stacked_bars(
            data, ["designated", "gap"], title=ctx.t["tier_chart"],
            labels={"designated": COLUMNS_ZH["designated"] if ctx.lang == "zh" else "designated",
                    "gap": COLUMNS_ZH["gap"] if ctx.lang == "zh" else "gap to target"},
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
    """年度变化: what changed since ``ctx.previous`` (:func:`~chaingraph.compare`)."""
    change = compare(ctx.previous, ctx.chain)
    words, t = CHANGES[ctx.lang], ctx.t
    counts = change.summary()["count"]
    for fact, key in CHANGE_FACTS.items():
        sec.facts[fact] = None if pd.isna(counts[key]) else int(counts[key])
    if change.notes:
        sec.note += " " + "; ".join(f"{k}: {v}" for k, v in change.notes.items())
    names = change.firms["name"] if "name" in change.firms.columns else pd.Series(dtype=object)

    def firm(ids):
        return [f"{names.get(i, i)} ({i})" if pd.notna(names.get(i)) else str(i) for i in ids]

    def segment(ids):
        return [ctx.seg_label.get(i, i) if pd.notna(i) else None for i in ids]

    def word(values, vocabulary=None):
        vocabulary = vocabulary or words["status"]
        return [vocabulary.get(v, v) if pd.notna(v) else v for v in values]

    def show(name, df):
        sec.tables[name] = df.rename(columns=words["columns"]).head(ctx.top)

    g = change.gaps
    show("change_gaps", pd.DataFrame({
        "segment": segment(g["segment_id"]), "to_segment": segment(g["to_segment"]),
        "kind": word(g["kind"], t["gap_kind"]), "status": word(g["status"]),
        "severity_before": g["severity_before"], "severity_after": g["severity_after"]}))
    cp = change.chokepoints
    show("change_chokepoints", pd.DataFrame({
        "firm": firm(cp.index), "segment": segment(cp["segment_id"]), "status": word(cp["status"]),
        "rule_before": cp["rule_before"].to_numpy(), "rule_after": cp["rule_after"].to_numpy(),
        "cut_amount_before": cp["cut_amount_before"].to_numpy(),
        "cut_amount_after": cp["cut_amount_after"].to_numpy()}))
    lf = change.leads
    show("change_leads", pd.DataFrame({
        "firm": firm(lf.index), "status": word(lf["status"]),
        "rank_before": lf["rank_before"].to_numpy(), "rank_after": lf["rank_after"].to_numpy(),
        "score_before": lf["score_before"].to_numpy(), "score_after": lf["score_after"].to_numpy()}))
    tm = change.tiers[change.tiers["move"].isin(["up", "down"]).to_numpy()]
    show("change_tiers", pd.DataFrame({
        "firm": firm(tm.index), "tier_before": word(tm["tier_before"], t["tier_names"]),
        "tier_after": word(tm["tier_after"], t["tier_names"]), "status": word(tm["move"])}))
    fm = change.firms[change.firms["status"].isin(["entered", "exited"]).to_numpy()]
    show("change_firms", pd.DataFrame({
        "firm": firm(fm.index), "segment": segment(fm["segment_after"].fillna(fm["segment_before"])),
        "location": word(fm["location_after"].fillna(fm["location_before"]), t["locations"]),
        "status": word(fm["status"])}))
    sg = change.segments[change.segments["change"].isin(["better", "worse"]).to_numpy()]
    show("change_segments", pd.DataFrame({
        "segment": segment(sg.index), "weakness_before": word(sg["weakness_before"], t["weakness"]),
        "weakness_after": word(sg["weakness_after"], t["weakness"]), "status": word(sg["change"]),
        "local_share_before": sg["local_share_before"].to_numpy(),
        "local_share_after": sg["local_share_after"].to_numpy()}))
    for table in change.TABLES:
        sec.lists[table] = change.changed_rows(table) if table == "link_pairs" \
            else getattr(change, table)


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


def _header(col, lang: str) -> str:
    return COLUMNS_ZH.get(str(col), str(col)) if lang == "zh" else str(col)


def _display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Values formatted as text and headers translated; index becomes the first column."""
    out = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    out = out.astype(object).map(_fmt_value) if hasattr(out, "map") else out.applymap(_fmt_value)
    out.columns = [_header(c, lang) for c in out.columns]
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


def _with_names(ids, names: pd.Series) -> str:
    if ids is None or (isinstance(ids, float) and np.isnan(ids)) or ids is pd.NA or ids == "":
        return ""
    return "; ".join(f"{names.get(i, i)} ({i})" for i in str(ids).split("; "))
