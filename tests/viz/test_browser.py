"""End to end: chaingraph's network pages opened in headless Chromium (no network).

Each test writes a page, opens it with Debian's ``chromium`` in headless mode
(network off: no proxy, background networking disabled), saves a screenshot
under the test's tmp dir and reads back the DOM. The page's own script marks
``<body data-drawn="1">`` with the number of nodes, the draw time and the
count of painted canvas pixels once vis-network has drawn; a script error is
recorded in ``data-error``, and the console is read from Chromium's log.
"""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.viz import to_pyvis

from tests.browser import CHROMIUM, open_in_chromium

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs it with apt-get where it can)",
)
HOSTILE = "<img src=x onerror=alert(1)>"


def assert_drew(attrs, console, *, nodes):
    assert "data-error" not in attrs, attrs.get("data-error")
    assert not [c for c in console if "error" in c.lower() or "refused" in c.lower()], console
    assert attrs.get("data-drawn") == "1", attrs
    assert int(attrs["data-nodes"]) == nodes
    assert int(attrs["data-ink"]) > 1000  # painted pixels on the canvas (sampled 1 in 4)


def test_firm_network_draws_with_chinese_labels(tmp_path):
    chain = cg.load_dataset("shandong-nev")
    net = to_pyvis(chain, highlight="leads")
    page = tmp_path / "nev.html"
    net.save_graph(page)
    attrs, dom, console, shot = open_in_chromium(page, tmp_path)
    assert_drew(attrs, console, nodes=chain.n_firms)
    assert int(attrs["data-edges"]) == chain.n_links
    assert shot.stat().st_size > 10_000  # look at it: tmp_path / "nev.png"
    assert "图例 Legend" in dom


def test_segment_map_of_1e5_firms_draws(tmp_path):
    # 10^5 firms on the nev template, three random links each: the page must be a
    # segment map (one node per segment), not 10^5 vis nodes
    rng = np.random.default_rng(5)
    template = cg.get_template("nev")
    segs = template.segments.index.to_numpy()
    n = 100_000
    firms = pd.DataFrame({
        "firm_id": [f"F{i:06d}" for i in range(n)],
        "segment_id": segs[rng.integers(0, len(segs), n)],
        "province": np.where(rng.random(n) < 0.5, "山东", "江苏"),
        "revenue": rng.lognormal(8, 1.5, n).round(1),
    })
    s = rng.integers(0, n, 3 * n)
    c = rng.integers(0, n, 3 * n)
    keep = s != c
    links = pd.DataFrame({"supplier_id": firms.firm_id.to_numpy()[s[keep]],
                          "customer_id": firms.firm_id.to_numpy()[c[keep]],
                          "amount": rng.lognormal(3, 1, keep.sum()).round(2)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = cg.ChainGraph.from_frames(firms, links, template, region="山东")
    net = to_pyvis(chain, scores=None)
    assert net.view == "segments"
    page = tmp_path / "big.html"
    net.save_graph(page)
    assert page.stat().st_size < 2_000_000
    attrs, dom, console, shot = open_in_chromium(page, tmp_path, fragment="#select=battery_cell")
    assert_drew(attrs, console, nodes=len(template.segments))
    assert attrs.get("data-selected") == "battery_cell"
    assert "largest of" in dom  # the side panel lists the segment's firms
    assert int(attrs["data-draw-ms"]) >= 0


def test_hostile_names_show_as_text_and_run_nothing(tmp_path):
    firms = pd.DataFrame({
        "firm_id": ["A", "B", HOSTILE],
        "name": [HOSTILE, "</script><script>document.title='pwned'</script>", "<b>bold</b>"],
        "segment_id": ["s<1>", "s2", "s2"],
        "province": ["山东", "<svg onload=alert(2)>", "山东"],
        "revenue": [10.0, 20.0, 30.0],
    })
    links = pd.DataFrame({"supplier_id": ["A", "B"], "customer_id": ["B", HOSTILE]})
    chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    page = tmp_path / "hostile.html"
    to_pyvis(chain, color_by="province").save_graph(page)
    from urllib.parse import quote

    attrs, dom, console, shot = open_in_chromium(page, tmp_path, fragment="#select=A")
    assert_drew(attrs, console, nodes=3)
    # the selected firm's details are in the page as text, escaped in the DOM dump
    assert attrs.get("data-selected") == "A"
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    body = dom.split("<body", 1)[1]
    assert "<img" not in body and "<svg" not in body and "<b>bold" not in body
    assert "<title>pwned" not in dom
    attrs2, dom2, console2, _ = open_in_chromium(page, tmp_path, fragment="#select=" + quote(HOSTILE))
    assert html.unescape(attrs2.get("data-selected", "")) == HOSTILE
    assert "<img" not in dom2.split("<body", 1)[1]
