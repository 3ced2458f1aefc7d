"""The page: :class:`ChainNetwork`, a pyvis network that writes a self-contained, escaped page.

Importing this module imports pyvis (``ChainNetwork`` subclasses its
``Network``); ``chaingraph`` itself imports :mod:`chaingraph.viz` only on
first use of ``to_pyvis``.
"""

from __future__ import annotations

import base64
import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
from pyvis.network import Network

from . import html as _html

__all__ = ["ChainNetwork", "vis_options"]


class ChainNetwork(Network):
    """A :class:`pyvis.network.Network` whose HTML is self-contained and escaped.

    Made by :func:`to_pyvis`. It is a normal pyvis network (``nodes``,
    ``edges``, ``add_node``, ``add_edge``, ``num_nodes`` … work), but
    :meth:`save_graph`, :meth:`write_html` and :meth:`generate_html` use
    chaingraph's own template: vis-network's JavaScript and CSS inlined (no
    ``http(s)://`` resource, no ``<link>``), the data as escaped JSON in a
    ``<script type="application/json">`` block, labels drawn on the canvas and
    tooltips built with ``textContent``, and a Content-Security-Policy that
    allows no network access and no inline event handler.

    Attributes
    ----------
    view : {"firms", "segments", "ecosystem"}
        Firm-level network, segment map (one node per segment), or a firm's
        ecosystem tier by tier.
    node_table : DataFrame
        The numbers behind the figure, one row per node (indexed by
        ``firm_id`` or ``segment_id``): ``x``, ``y``, ``size``, ``color`` and
        the values they encode (see :func:`to_pyvis`).
    edge_table : DataFrame
        ``source``, ``target``, ``amount`` (万元) and ``width`` per drawn edge.
    legend : list of (label, color)
    notes : list of str
        What the view shows and why (e.g. why a segment map was drawn).
    tips : dict
        Node id → list of ``(label, value)`` rows shown in its tooltip.
    details : dict
        Segment map only: segment id → ``{"columns": [...], "rows": [[...]]}``,
        the segment's largest firms, listed when the segment is clicked.
    annotations : list of dict
        Texts drawn on the canvas (stage and segment headings): ``x``, ``y``,
        ``text``, ``size`` and, in the ecosystem view, ``col`` (the column
        they move with when a fold opens).
    panel : list of dict
        Figures shown beside the graph (the ecosystem view's): each has a
        ``title`` and ``rows``, and ``columns`` when it is a table.
    focus_depth : int
        A click fades every node farther than this many links from the clicked one.
    eco : dict or None
        The ecosystem view's folds, for the page's script.
    figures, fold
        The ecosystem view's :class:`~chaingraph.viz.ecosystem_figures.EcosystemFigures`
        and :class:`~chaingraph.viz.ecosystem_view.FoldPlan` (``None`` in other views).
    """

    def __init__(self, *, title: str = "", height: str = "800px", width: str = "100%"):
        super().__init__(height=height, width=width, directed=True, heading=title,
                         cdn_resources="in_line")
        self.view = "firms"
        self.node_table = pd.DataFrame()
        self.edge_table = pd.DataFrame(columns=["source", "target", "amount", "width"])
        self.legend: list[tuple[str, str]] = []
        self.size_note = ""
        self.notes: list[str] = []
        self.tips: dict = {}
        self.details: dict = {}
        self.annotations: list[dict] = []
        self.panel: list[dict] = []
        self.focus_depth = 2
        self.eco: dict | None = None
        self.figures = None
        self.fold = None
        self.options = vis_options(physics=False, n_edges=0)

    # pyvis keeps options in an Options object; chaingraph keeps vis's own dict.
    def toggle_physics(self, status):
        self.options.setdefault("physics", {})["enabled"] = bool(status)

    def set_options(self, options):
        import json

        self.options = json.loads(options) if isinstance(options, str) else dict(options)

    # ---------------------------------------------------------------- output
    def page_data(self) -> dict:
        """Everything the page's script needs (nodes, edges, tooltips, options), as plain data."""
        keep = ("id", "label", "x", "y", "size", "color", "shape", "borderWidth", "font",
                "title", "fixed", "physics", "hidden", "value", "mass", "shapeProperties")
        nodes = [{k: _json_value(v) for k, v in n.items() if k in keep} for n in self.nodes]
        ekeep = ("from", "to", "width", "value", "color", "dashes", "title", "arrows", "hidden")
        edges = [{k: _json_value(v) for k, v in e.items() if k in ekeep} for e in self.edges]
        return {
            "view": self.view,
            "nodes": nodes,
            "edges": edges,
            "tips": {str(k): [[str(a), str(b)] for a, b in rows] for k, rows in self.tips.items()},
            "details": self.details,
            "annotations": self.annotations,
            "options": self.options,
            "focusDepth": int(self.focus_depth),
            "eco": _json_value(self.eco) if self.eco else None,
        }

    def generate_html(self, name="index.html", local=True, notebook=False) -> str:
        """The self-contained page (``name``, ``local`` and ``notebook`` are ignored)."""
        page_js = _html.inline_script((_html.TEMPLATE_DIR / "network.js").read_text(encoding="utf-8"))
        vis_js, _ = _html.vis_assets()
        vis_js = _html.inline_script(vis_js)
        from markupsafe import Markup

        csp = "; ".join([
            "default-src 'none'",
            f"script-src {_sha256(vis_js)} {_sha256(page_js)}",
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
        ])
        self.html = _html.render(
            "network.html.j2",
            title=self.heading or "chaingraph",
            notes=self.notes,
            legend=[(item[0], item[1], item[2] if len(item) > 2 else "dot") for item in self.legend],
            panel=self.panel,
            size_note=self.size_note,
            height=self.height,
            width=self.width,
            view=self.view,
            n_nodes=sum(1 for n in self.nodes if not n.get("hidden")),
            n_edges=len(self.edges),
            data=self.page_data(),
            page_js=Markup(page_js),
            vis_js=Markup(vis_js),
            csp=csp,
        )
        return self.html

    def write_html(self, name, local=True, notebook=False, open_browser=False):
        """Write the page to ``name`` (UTF-8); returns the path."""
        path = Path(name)
        path.write_text(self.generate_html(), encoding="utf-8")
        if open_browser:  # pragma: no cover - interactive
            import webbrowser

            webbrowser.open(path.resolve().as_uri())
        return path

    def save_graph(self, name):
        """Write the self-contained, escaped HTML page to ``name``; returns the path.

        Unlike pyvis's own ``save_graph`` no ``lib/`` folder is written and
        nothing is loaded from a CDN: the file opens without network access.
        """
        return self.write_html(name)

    def show(self, name, local=True, notebook=False):  # pragma: no cover - interactive
        """Write the page and open it in a web browser."""
        return self.write_html(name, open_browser=True)

    def _repr_html_(self) -> str:
        """In a notebook: the page in an iframe (``srcdoc``, escaped)."""
        import html

        return (f'<iframe srcdoc="{html.escape(self.generate_html(), quote=True)}" '
                f'style="width:100%;height:{html.escape(str(self.height))};border:0"></iframe>')

    def __str__(self) -> str:
        return repr(self)

    def __repr__(self) -> str:
        return f"<ChainNetwork view={self.view}: {len(self.nodes):,} nodes, {len(self.edges):,} edges>"


def _sha256(text: str) -> str:
    """The Content-Security-Policy source (``'sha256-…'``) that allows the inline script ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _json_value(v):
    """``v`` as a JSON value: numpy/pandas scalars → Python ones, missing or non-finite → None."""
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(v) else None
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    return v if isinstance(v, (int, str)) else str(v)


def vis_options(*, physics: bool, n_edges: int, smooth: bool = False) -> dict:
    """vis-network's options for a view: physics on or off, edges fainter and hidden while
    dragging or zooming as their number grows, curved edges when ``smooth``."""
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"size": 14, "face": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"},
                  "scaling": {"label": {"enabled": False, "drawThreshold": 9}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
                  "smooth": ({"enabled": True, "type": "curvedCW", "roundness": 0.15}
                             if smooth else {"enabled": False}),
                  "color": {"color": "#8a8a8a", "opacity": 0.12 if n_edges > 5000 else 0.3 if n_edges > 1000 else 0.6},
                  "scaling": {"min": 0.5, "max": 6}},
        "physics": ({"enabled": True, "solver": "barnesHut",
                     "stabilization": {"enabled": True, "iterations": 300, "fit": True}}
                    if physics else {"enabled": False}),
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n_edges > 5000,
                        "hideEdgesOnZoom": n_edges > 20000, "navigationButtons": False,
                        "keyboard": False},
    }
