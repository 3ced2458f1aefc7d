"""Static charts as inline SVG: bar charts and the layered segment map.

Charts are drawn from data, as text, so a report needs no plotting library,
no network and no font files: the browser draws the labels with the first
installed font of :data:`FONT_FAMILY`, a fallback list that covers Chinese on
Windows (Microsoft YaHei, SimHei), macOS (PingFang SC), Linux (Noto Sans CJK
SC, Source Han Sans SC, WenQuanYi) and ends in the generic ``sans-serif``.
Every label from the data is XML-escaped. The SVG is meant to be inlined in
HTML, where it needs no namespace declaration (so a report holds no URL at all). Each chart carries its numbers in
``data-value`` attributes, which is what the tests read.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

#: Font fallback for Chinese labels in charts (CSS ``font-family``).
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"SimHei", "WenQuanYi Micro Hei", "Noto Sans", sans-serif'
)

PALETTE = {
    "local": "#2b8a3e",
    "outside": "#e8a33d",
    "foreign": "#c92a2a",
    "bar": "#3b6fb6",
    "target": "#adb5bd",
    "missing": "#c92a2a",
    "weak": "#e8a33d",
    "ok": "#2b8a3e",
    "edge": "#868e96",
}


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if abs(v) >= 1000 or float(v).is_integer():
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="font-family: {escape(FONT_FAMILY)}; font-size: 12px">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def bar_chart(values: pd.Series, *, title: str, unit: str = "", width: int = 640,
              color: str = PALETTE["bar"], max_value: float | None = None) -> str:
    """Horizontal bars, one per item of ``values`` (index = labels), in the given order."""
    values = pd.Series(values, dtype="float64")
    n = len(values)
    row, top, label_w = 22, 28, 200
    height = top + row * max(n, 1) + 10
    plot_w = width - label_w - 90
    vmax = max_value if max_value is not None else float(np.nanmax(values.to_numpy())) if n else 1.0
    vmax = vmax if vmax and vmax > 0 else 1.0
    body = [f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, v) in enumerate(values.items()):
        y = top + i * row
        w = 0.0 if np.isnan(v) else max(0.0, v) / vmax * plot_w
        body.append(
            f'<g class="bar" data-label="{escape(str(label))}" data-value="{v!r}">'
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(_short(str(label)))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{escape(_fmt(v))}{escape(unit)}</text></g>'
        )
    return _svg(width, height, body, title)


def stacked_bars(frame: pd.DataFrame, columns: list[str], *, title: str, labels: dict | None = None,
                 width: int = 640, colors: dict | None = None) -> str:
    """Horizontal bars stacked from ``columns`` of ``frame`` (index = labels), with a legend."""
    colors = colors or PALETTE
    labels = labels or {}
    n = len(frame)
    row, top, label_w = 20, 46, 200
    height = top + row * max(n, 1) + 10
    plot_w = width - label_w - 60
    totals = frame[columns].sum(axis=1).to_numpy(dtype="float64")
    vmax = float(totals.max()) if n and totals.max() > 0 else 1.0
    body = [f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    x = label_w
    for c in columns:
        body.append(f'<rect x="{x}" y="24" width="10" height="10" fill="{colors.get(c, "#999")}"/>'
                    f'<text x="{x + 14}" y="33">{escape(labels.get(c, c))}</text>')
        x += 90
    for i, (label, rec) in enumerate(frame[columns].iterrows()):
        y = top + i * row
        x = float(label_w)
        parts = [f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(_short(str(label)))}</text>']
        for c in columns:
            v = float(rec[c])
            w = v / vmax * plot_w
            parts.append(f'<rect class="part" data-column="{escape(c)}" data-value="{v!r}" x="{x:.1f}" '
                         f'y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{colors.get(c, "#999")}"/>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{escape(_fmt(totals[i]))}</text>')
        body.append(f'<g class="bar" data-label="{escape(str(label))}">' + "".join(parts) + "</g>")
    return _svg(width, height, body, title)


def segment_map(segments: pd.DataFrame, flows: pd.DataFrame, *, title: str,
                stage_labels: dict | None = None, width: int = 900) -> str:
    """The chain template as a layered map: columns upstream → midstream → downstream.

    ``segments`` is indexed by ``segment_id`` with ``label``, ``stage``, ``status``
    (``missing``/``weak``/``ok``, the fill colour) and ``firms`` / ``local``
    (counts shown in the box); ``flows`` has ``from_segment``, ``to_segment``.
    """
    stage_labels = stage_labels or {}
    stages = ["upstream", "midstream", "downstream"]
    seg_stage = segments["stage"].astype(object).where(segments["stage"].notna(), None)
    cols = {s: [i for i, st in zip(segments.index, seg_stage) if st == s] for s in stages}
    other = [i for i, st in zip(segments.index, seg_stage) if st not in stages]
    if other:
        cols["other"] = other
        stages = stages + ["other"]
    box_w, box_h, gap_y, top = 190, 34, 10, 40
    col_x = {s: 10 + k * (width - 20 - box_w) / max(len(stages) - 1, 1) for k, s in enumerate(stages)}
    pos = {}
    for s in stages:
        for r, sid in enumerate(cols.get(s, [])):
            pos[sid] = (col_x[s], top + r * (box_h + gap_y))
    height = top + max((len(v) for v in cols.values()), default=1) * (box_h + gap_y) + 10
    body = [f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for s in stages:
        if cols.get(s):
            body.append(f'<text x="{col_x[s] + box_w / 2:.0f}" y="32" text-anchor="middle" '
                        f'fill="#495057">{escape(stage_labels.get(s, s))}</text>')
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            body.append(f'<line class="flow" data-from="{escape(a)}" data-to="{escape(b)}" '
                        f'x1="{x1 + box_w:.0f}" y1="{y1 + box_h / 2:.0f}" x2="{x2:.0f}" '
                        f'y2="{y2 + box_h / 2:.0f}" stroke="{PALETTE["edge"]}" stroke-opacity="0.35"/>')
    for sid, (x, y) in pos.items():
        rec = segments.loc[sid]
        fill = PALETTE.get(str(rec.get("status", "ok")), "#dee2e6")
        body.append(
            f'<g class="segment" data-segment="{escape(str(sid))}" data-status="{escape(str(rec.get("status")))}" '
            f'data-firms="{int(rec.get("firms", 0))}" data-local="{int(rec.get("local", 0))}">'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="4" fill="{fill}" fill-opacity="0.18" '
            f'stroke="{fill}"/>'
            f'<text x="{x + 6:.0f}" y="{y + 14:.0f}">{escape(_short(str(rec.get("label", sid)), 16))}</text>'
            f'<text x="{x + 6:.0f}" y="{y + 28:.0f}" fill="#495057" font-size="10">'
            f'{int(rec.get("local", 0))} / {int(rec.get("firms", 0))}</text></g>'
        )
    return _svg(width, height, body, title)


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
