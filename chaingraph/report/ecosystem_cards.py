"""Lead firms' ecosystem cards (链主生态卡片): one static card per lead firm, side by side.

The cards are drawn three to a row in one inline SVG (no script, no URL),
like the report's other charts. Each shows the firm's direct purchases by
input segment as bars, one row per segment in the same order on every card
and on one common scale, so that a reader compares the leads' ecosystems at
a glance. A bar's length is the segment's share of the firm's direct
purchases; it is split by where the suppliers are (local / outside /
foreign), and a thin bar under it by their size (SME / large / unknown).
Inputs bought from a single supplier on an essential flow
(:func:`chaingraph.single_sourcing`) are outlined in red and marked. The
numbers come from :func:`chaingraph.viz.ecosystem_figures.ecosystem_figures`,
the same as the interactive ecosystem page's side panel; each card carries
them in ``data-*`` attributes, and :attr:`EcosystemCards.figures` holds them
as a table. In Markdown the cards become :attr:`EcosystemCards.table`, one
row per lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from ..analysis.weak import single_sourcing
from ..errors import ChainDataError
from ..viz.ecosystem_figures import ecosystem_figures
from .svg import FONT_FAMILY, PALETTE

__all__ = ["EcosystemCards", "ecosystem_cards"]

SIZE_COLORS = {"sme": "#2a9d8f", "large": "#6a3d9a", "size_unknown": "#ced4da"}
LOCATION_PARTS = ("local", "outside", "foreign")
SIZE_PARTS = ("sme", "large", "size_unknown")
CARD_WIDTH, LABEL_W, PLOT_W, ROW, CARD_HEAD = 336, 112, 150, 24, 100
GAP, LEGEND_H, PER_ROW = 14, 48, 3

WORDS = {
    "zh": {
        "title": "链主生态（两级供应商与客户）", "cards": "链主生态卡片：直接采购的环节构成",
        "direct": "直接供应商", "tier2": "两级内供应商", "customers": "直接客户", "purchases": "直接采购",
        "local_sme": "本地中小企业", "foreign": "境外", "outside": "外地", "local": "本地",
        "sme": "中小企业", "large": "大型企业", "size_unknown": "规模未知", "single": "单一来源",
        "unit": "万元", "no_segment": "（未归环节）", "none": "无", "unknown": "未知",
        "no_purchases": "数据中没有该企业的采购", "no_links": "数据中没有该企业的供需关系",
        "share_note": "条长 = 占直接采购的份额（各卡片同一比例尺）",
        "columns": {"name": "名称", "direct_suppliers": "直接供应商数", "suppliers": "两级内供应商数",
                    "local_sme_suppliers_2": "两级内本地中小供应商数", "direct_customers": "直接客户数",
                    "customers": "两级内客户数", "purchases": "直接采购额(万元)",
                    "local_share": "本地采购占比", "outside_share": "外地采购占比", "foreign_share": "境外采购占比",
                    "sme_share": "中小企业采购占比", "local_sme_share": "本地中小企业采购占比",
                    "segments_covered": "覆盖环节数", "single_sourced": "单一来源投入"},
    },
    "en": {
        "title": "Lead firms' ecosystems (two tiers)", "cards": "Ecosystem cards: direct purchases by input segment",
        "direct": "direct suppliers", "tier2": "within two tiers", "customers": "direct customers",
        "purchases": "direct purchases", "local_sme": "local SMEs", "foreign": "foreign", "outside": "outside",
        "local": "local", "sme": "SME", "large": "large", "size_unknown": "size unknown",
        "single": "single source", "unit": "万元", "no_segment": "(no segment)", "none": "none",
        "unknown": "unknown", "no_purchases": "no purchases of this firm in the data",
        "no_links": "no links of this firm in the data",
        "share_note": "bar length = share of direct purchases (one scale for all cards)",
        "columns": {"name": "name", "direct_suppliers": "direct suppliers", "suppliers": "suppliers (two tiers)",
                    "local_sme_suppliers_2": "local SME suppliers (two tiers)",
                    "direct_customers": "direct customers", "customers": "customers (two tiers)",
                    "purchases": "direct purchases (万元)", "local_share": "local share",
                    "outside_share": "outside share", "foreign_share": "foreign share", "sme_share": "SME share",
                    "local_sme_share": "local SME share", "segments_covered": "segments covered",
                    "single_sourced": "single-sourced inputs"},
    },
}


@dataclass
class EcosystemCards:
    """What :func:`ecosystem_cards` returns.

    Attributes
    ----------
    html : str
        One inline SVG: a legend, then the cards three to a row; each card is a
        ``<g class="ecosystem-card">`` whose ``data-*`` attributes hold the
        firm's figures, and each of its bars a ``<g class="input">`` with the
        numbers of :attr:`figures`.
    figures : DataFrame
        The numbers behind every bar, indexed by ``firm_id`` and ``segment_id``
        (the lead's input segments): ``suppliers``, ``amount``, ``share``,
        ``local``, ``outside``, ``foreign``, ``large``, ``sme``,
        ``size_unknown``, ``local_sme``, ``single_sourced``, ``sole_supplier``
        (see :class:`~chaingraph.viz.ecosystem_figures.EcosystemFigures`.inputs).
    table : DataFrame
        One row per lead, indexed by ``firm_id``, headed in the report's
        language: name, direct suppliers, suppliers and local SME suppliers
        within two tiers, direct customers, customers within two tiers, direct
        purchases, the local / outside / foreign / SME / local SME shares of
        them, segments covered and the single-sourced inputs.
    title : str
        The table's heading.
    """

    html: str
    figures: pd.DataFrame
    table: pd.DataFrame
    title: str


def ecosystem_cards(chain, firm_ids, *, lang: str = "zh") -> EcosystemCards:
    """Ecosystem cards for ``firm_ids`` (the lead firms), in ``lang`` ("zh" or "en").

    The figures are those of each firm's ecosystem within two tiers. A firm
    without links gets a card saying so and a row of missing values.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> leads = cg.lead_firms(chain).query("is_lead").index
    >>> cards = ecosystem_cards(chain, leads, lang="en")
    >>> cards.html.count('class="ecosystem-card"') == len(leads)
    True
    >>> int(cards.table.loc["NEV01407", "direct suppliers"])
    324
    """
    words = WORDS[lang]
    try:
        sole = single_sourcing(chain)
    except ChainDataError:
        sole = None
    figs = {}
    for fid in firm_ids:
        try:
            figs[fid] = ecosystem_figures(chain, fid, depth=2, sole=sole)
        except ChainDataError:
            figs[fid] = None
    seg_label = _segment_labels(chain, lang, words)
    rows = _row_order(chain, figs)
    frames = {fid: f.inputs for fid, f in figs.items() if f is not None}
    figures = (pd.concat(frames, names=["firm_id", "segment_id"]) if frames
               else pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["firm_id", "segment_id"])))
    top = float(figures["share"].max()) if len(figures) and figures["share"].notna().any() else 1.0
    names = chain.firms["name"] if "name" in chain.firms.columns else pd.Series(dtype=object)
    cards = [_card(fid, names.get(fid), figs[fid], rows, seg_label, top, words) for fid in firm_ids]
    html = _sheet(cards, CARD_HEAD + ROW * max(len(rows), 1) + 14, words)
    table = _table(chain, figs, names, seg_label, words, lang)
    return EcosystemCards(html=html, figures=figures, table=table, title=words["title"])


def _segment_labels(chain, lang, words) -> dict:
    """Segment id → its name in the report's language (English name, else the Chinese one, else the id)."""
    seg = chain.segments
    out = {None: words["no_segment"]}
    for sid in chain.segment_ids:
        for col in (("name",) if lang == "zh" else ("name_en", "name")):
            v = seg[col].get(sid) if col in seg.columns else None
            if isinstance(v, str) and v:
                out[str(sid)] = v
                break
        else:
            out[str(sid)] = str(sid)
    return out


def _row_order(chain, figs) -> list:
    """The input segments of any lead, in the chain's segment order, "(no segment)" last."""
    used = set()
    for f in figs.values():
        if f is not None:
            used |= {None if pd.isna(s) else str(s) for s in f.inputs.index}
    return [s for s in map(str, chain.segment_ids) if s in used] + ([None] if None in used else [])


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def _pct(v) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.0%}"


def _num(v) -> str:
    """A number for a data attribute (repr, so tests read back the exact value)."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(float(v))


def _card(fid, name, fig, rows, seg_label, top, words) -> tuple[str, dict]:
    """A card's drawing (in its own coordinates) and its figures."""
    title = str(name) if name is not None and not (not isinstance(name, str) and pd.isna(name)) else str(fid)
    body = [f'<text x="8" y="20" font-weight="bold" font-size="14">{escape(_short(title, 20))}</text>',
            f'<text x="8" y="36" fill="#868e96" font-size="11">{escape(str(fid))}</text>']
    if fig is None:
        body.append(f'<text x="8" y="56" fill="#c92a2a">{escape(words["no_links"])}</text>')
        return "".join(body), {"firm": fid}
    f = fig.facts
    lines = [f'{escape(words["direct"])} <tspan font-weight="bold">{f["direct_suppliers"]:,}</tspan> · '
             f'{escape(words["tier2"])} {f["suppliers"]:,}',
             f'{escape(words["purchases"])} {escape(_fmt(f["purchases"]))} {escape(words["unit"])}',
             f'{escape(words["local_sme"])} {escape(_pct(f["local_sme_share"]))} · {escape(words["outside"])} '
             f'{escape(_pct(f["outside_share"]))} · {escape(words["foreign"])} {escape(_pct(f["foreign_share"]))}']
    body += [f'<text x="8" y="{54 + 16 * k}" font-size="12">{line}</text>' for k, line in enumerate(lines)]
    if not f["purchases"] > 0:
        body.append(f'<text x="8" y="{CARD_HEAD + 14}" fill="#868e96">{escape(words["no_purchases"])}</text>')
    inputs = fig.inputs
    keyed = {None if pd.isna(s) else str(s): r for s, r in zip(inputs.index, inputs.itertuples())}
    for k, sid in enumerate(rows):
        y = CARD_HEAD + k * ROW
        label = seg_label.get(sid, str(sid))
        r = keyed.get(sid)
        parts = [f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end" font-size="11">'
                 f'{escape(_short(label, 8))}<title>{escape(label)}</title></text>']
        if r is None:
            parts.append(f'<text x="{LABEL_W}" y="{y + 13}" fill="#adb5bd" font-size="11">–</text>')
            body.append(f'<g class="input" data-segment="{escape(str(sid))}" data-amount="0">' + "".join(parts) + "</g>")
            continue
        share = float(r.share) if np.isfinite(r.share) else 0.0
        length = share / top * PLOT_W if top > 0 else 0.0
        parts += _split_bar(r, LOCATION_PARTS, PALETTE, length, y + 3, 11)
        parts += _split_bar(r, SIZE_PARTS, SIZE_COLORS, length, y + 16, 4)
        single = r.single_sourced is not pd.NA and bool(r.single_sourced)
        if single:
            parts.append(f'<rect x="{LABEL_W - 2}" y="{y + 1}" width="{length + 4:.1f}" height="21" fill="none" '
                         f'stroke="{PALETTE["missing"]}" stroke-width="1.5"/>')
        text = f"{_pct(share)} · {r.suppliers:,}"
        parts.append(f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 13}" font-size="11">{escape(text)}'
                     + (f' <tspan fill="{PALETTE["missing"]}" font-weight="bold">{escape(words["single"])}</tspan>'
                        if single else "") + "</text>")
        attrs = " ".join(f'data-{c.replace("_", "-")}="{_num(getattr(r, c))}"'
                         for c in ("amount", "share", *LOCATION_PARTS, *SIZE_PARTS, "local_sme"))
        body.append(f'<g class="input" data-segment="{escape(str(sid))}" data-suppliers="{int(r.suppliers)}" '
                    f'data-single="{"" if r.single_sourced is pd.NA else int(single)}" {attrs}>'
                    + "".join(parts) + "</g>")
    return "".join(body), {"firm": fid, **f}


def _split_bar(r, names, colors, length, y, height) -> list[str]:
    """A bar of ``length`` split into the parts ``names`` of the input row ``r`` (amounts)."""
    x, out = float(LABEL_W), []
    for part in names:
        w = length * (getattr(r, part) / r.amount) if r.amount > 0 else 0.0
        out.append(f'<rect class="part" data-part="{part}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                   f'height="{height}" fill="{colors[part]}"/>')
        x += w
    return out


def _sheet(cards, card_height, words) -> str:
    """One SVG: the legend, then the cards in rows of :data:`PER_ROW`."""
    per_row = max(1, min(PER_ROW, len(cards)))
    legend, legend_width = _legend(words)
    width = max(per_row * CARD_WIDTH + (per_row - 1) * GAP, legend_width)
    n_rows = -(-len(cards) // per_row)
    height = LEGEND_H + n_rows * (card_height + GAP)
    parts = [legend]
    for k, (body, facts) in enumerate(cards):
        x = (k % per_row) * (CARD_WIDTH + GAP)
        y = LEGEND_H + (k // per_row) * (card_height + GAP)
        attrs = "".join(f' data-{key.replace("_", "-")}="{_num(v) if isinstance(v, float) else escape(str(v))}"'
                        for key, v in facts.items() if v is not None)
        parts.append(f'<g class="ecosystem-card"{attrs} transform="translate({x},{y})">'
                     f'<rect width="{CARD_WIDTH}" height="{card_height}" rx="6" fill="#ffffff" stroke="#dee2e6"/>'
                     + body + "</g>")
    return (f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'style="font-family: {escape(FONT_FAMILY)}; font-size: 12px"><title>{escape(words["cards"])}</title>'
            + "".join(parts) + "</svg>")


def _legend(words) -> tuple[str, float]:
    """The legend (colours, the single-source mark, what a bar's length is) and its width."""
    items = [(PALETTE[p], words[p], 11) for p in LOCATION_PARTS] + \
        [(SIZE_COLORS[p], words[p], 4) for p in SIZE_PARTS]
    x, parts = 0, []
    for color, text, h in items:
        parts.append(f'<rect x="{x}" y="{10 - h / 2:.1f}" width="14" height="{h}" fill="{color}"/>'
                     f'<text x="{x + 18}" y="14" font-size="11">{escape(text)}</text>')
        x += 30 + _text_width(text, 11)
    parts.append(f'<rect x="{x}" y="3" width="14" height="14" fill="none" stroke="{PALETTE["missing"]}"/>'
                 f'<text x="{x + 18}" y="14" font-size="11">{escape(words["single"])}</text>')
    note = f'<text x="0" y="36" font-size="11" fill="#495057">{escape(words["share_note"])}</text>'
    width = max(x + 18 + _text_width(words["single"], 11), _text_width(words["share_note"], 11)) + 8
    return '<g class="ecosystem-legend">' + "".join(parts) + note + "</g>", width


def _table(chain, figs, names, seg_label, words, lang) -> pd.DataFrame:
    cols = words["columns"]
    rows = {}
    for fid, fig in figs.items():
        row = {cols["name"]: names.get(fid, fid)}
        if fig is None:
            rows[fid] = row
            continue
        f = fig.facts
        single = fig.inputs[fig.inputs["single_sourced"].eq(True).fillna(False).to_numpy(dtype=bool)]
        if f["single_sourced_inputs"] is None:
            single_text = words["unknown"]
        elif len(single):
            single_text = "; ".join(f"{seg_label.get(s, s)}: {names.get(sup, sup)} ({sup})"
                                    for s, sup in zip(single.index, single["sole_supplier"]))
        else:
            single_text = words["none"]
        row.update({
            cols["direct_suppliers"]: f["direct_suppliers"], cols["suppliers"]: f["suppliers"],
            cols["local_sme_suppliers_2"]: int(fig.tiers.loc["supplier", "local_sme"].sum()),
            cols["direct_customers"]: f["direct_customers"], cols["customers"]: f["customers"],
            cols["purchases"]: f["purchases"],
            **{cols[k]: round(f[k], 3) if np.isfinite(f[k]) else np.nan
               for k in ("local_share", "outside_share", "foreign_share", "sme_share", "local_sme_share")},
            cols["segments_covered"]: f["segments_covered"], cols["single_sourced"]: single_text,
        })
        rows[fid] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "firm_id"
    return table


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` px: CJK characters a full em, others about half."""
    return sum(size if ord(c) >= 0x2E80 else 0.6 * size for c in text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
