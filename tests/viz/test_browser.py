"""End to end: chaingraph's network pages opened in headless Chromium (no network).

Each test writes a page, opens it with Debian's ``chromium`` in headless mode
(network off: no proxy, background networking disabled), saves a screenshot
under the test's tmp dir and reads back the DOM. The page's own script marks
``<body data-drawn="1">`` with the number of nodes, the draw time and the
count of painted canvas pixels once vis-network has drawn; a script error is
recorded in ``data-error``, and the console is read from Chromium's log.

The interaction tests drive a live page through the DevTools protocol
(``tests/viz/cdp.py``): a mouse click on a node's position on the canvas,
Chinese text typed into the search box, then the page's state read back.
"""

from __future__ import annotations

import html
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.viz import to_pyvis
from chaingraph.viz.ecosystem_view import aggregate_links

from tests.browser import CHROMIUM, open_in_chromium
from tests.viz.cdp import Chromium

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
    net = to_pyvis(chain, view="firms", highlight="leads")
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


# --------------------------------------------------------------------------- interaction (DevTools protocol)

NODES = "window.chaingraphNetwork.body.data.nodes"


def _drawn(browser):
    attrs = browser.body()
    assert attrs.get("drawn") == "1" and "error" not in attrs, attrs
    assert not browser.errors, browser.errors
    assert int(attrs["ink"]) > 1000  # painted pixels on the canvas (sampled 1 in 4)
    return attrs


def _is_faded(browser, node_id):
    return browser.evaluate(f"{NODES}.get({json.dumps(node_id)}).color.background === '#efefef'")


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


def test_ecosystem_page_folds_open_and_clicks_focus(nev, tmp_path):
    lead = cg.lead_firms(nev, top=1).index[0]
    net = to_pyvis(nev, ecosystem=lead)
    t = net.node_table
    page = tmp_path / "eco.html"
    net.save_graph(page)
    with Chromium(tmp_path) as browser:
        browser.open(page)
        attrs = _drawn(browser)
        assert int(attrs["visible"]) == int((~t.hidden).sum()) <= 250
        assert int(attrs["edges"]) == len(net.edges)
        assert "324 direct suppliers" in browser.evaluate("document.querySelector('header').textContent")
        browser.screenshot(tmp_path / "eco.png")  # look at it
        # a real click on the fold of the direct suppliers holding most firms opens it
        folds = t[(t.kind == "fold") & (t.side == "supplier") & (t.tier == 1)]
        fid = folds["members"].idxmax()
        fold = net.eco["folds"][fid]
        browser.click_node(fid)
        browser.wait("document.body.dataset.opened === '1'", timeout=10)
        attrs = browser.body()
        assert attrs["selected"] == fid
        shown = [m[0] for m in fold["members"]]
        assert int(attrs["visible"]) == int((~t.hidden).sum()) + len(shown) - (fold["after"] is None)
        assert browser.evaluate(f"{json.dumps(shown)}.every(id => !{NODES}.get(id).hidden)")
        still = {k: v for k, v in net.eco["foldOf"].items() if v != fid}
        links = pd.DataFrame(net.eco["links"], columns=["source", "target", "amount"])
        assert int(attrs["edges"]) == len(aggregate_links(links.source, links.target, links.amount, still))
        assert browser.in_view("#cg-details")
        browser.screenshot(tmp_path / "eco_opened.png")
        # a click on a tier-2 supplier: its details beside the graph, firms beyond two links faded
        tier2 = t[(t.kind == "firm") & (t.tier == 2) & ~t.hidden].index[0]
        browser.click_node(tier2)
        browser.wait(f"document.body.dataset.selected === {json.dumps(tier2)}", timeout=10)
        assert browser.in_view("#cg-details")
        assert tier2 in browser.evaluate("document.getElementById('cg-details').textContent")
        assert int(browser.body()["faded"]) > 50
        assert not _is_faded(browser, tier2) and not _is_faded(browser, lead)
        # a click on the background clears the focus
        browser.click(5, 200)
        browser.wait("document.body.dataset.faded === '0'", timeout=10)
        assert not browser.errors


def test_search_finds_a_firm_by_chinese_name_and_a_click_fades_the_rest(nev, tmp_path):
    # the firm view of the whole chain: 2,000 firms and 17,599 links
    net = to_pyvis(nev, view="firms")
    page = tmp_path / "firms.html"
    net.save_graph(page)
    names = nev.firms["name"]
    target = next(i for i in nev.firm_ids[::-1] if (names == names[i]).sum() == 1
                  and any("\u4e00" <= ch <= "\u9fff" for ch in names[i]))
    with Chromium(tmp_path) as browser:
        browser.open(page)
        _drawn(browser)
        browser.type("#cg-search", names[target])
        browser.wait("document.body.dataset.results === '1'", timeout=10)
        found = browser.evaluate("document.querySelector('#cg-results button').dataset.target")
        assert found == target
        browser.press("Enter")
        browser.wait(f"document.body.dataset.selected === {json.dumps(target)}", timeout=10)
        assert browser.in_view("#cg-details")
        assert names[target] in browser.evaluate("document.getElementById('cg-details').textContent")
        assert int(browser.body()["faded"]) > 100 and not _is_faded(browser, target)
        browser.screenshot(tmp_path / "search.png")
        # a real click on another firm (brought into view first) moves the focus there
        other = nev.firm_ids[0]
        browser.evaluate(f"window.chaingraphNetwork.focus({json.dumps(other)}, {{scale: 1, animation: false}})")
        browser.click_node(other)
        browser.wait(f"document.body.dataset.selected === {json.dumps(other)}", timeout=10)
        assert browser.in_view("#cg-details") and not _is_faded(browser, other)
        assert not browser.errors


def test_search_in_the_segment_map_and_in_a_fold(nev, tmp_path):
    seg_map = to_pyvis(nev)
    assert seg_map.view == "segments"
    page = tmp_path / "segments.html"
    seg_map.save_graph(page)
    firm_id, firm_name = seg_map.details["battery_cell"]["rows"][0][:2]
    lead = cg.lead_firms(nev, top=1).index[0]
    eco = to_pyvis(nev, ecosystem=lead)
    t = eco.node_table
    folded = t[t.hidden].index[0]
    eco_page = tmp_path / "eco.html"
    eco.save_graph(eco_page)
    with Chromium(tmp_path) as browser:
        browser.open(page)
        _drawn(browser)
        # the segment map fits its labels: the bottom one is not cut off
        outside = browser.evaluate("""(() => {
            const net = window.chaingraphNetwork, box = document.getElementById("cg-network");
            return net.body.data.nodes.getIds().filter(id => {
                const b = net.getBoundingBox(id);
                const lo = net.canvasToDOM({x: b.left, y: b.top}), hi = net.canvasToDOM({x: b.right, y: b.bottom});
                return lo.x < 0 || lo.y < 0 || hi.x > box.clientWidth || hi.y > box.clientHeight;
            });
        })()""")
        assert outside == []
        browser.type("#cg-search", firm_name)
        browser.press("Enter")  # a firm listed under a segment leads to the segment
        browser.wait("document.body.dataset.selected === 'battery_cell'", timeout=10)
        assert firm_name in browser.evaluate("document.getElementById('cg-details').textContent")
        assert browser.in_view("#cg-details")
        # a folded firm found by name opens its fold
        browser.open(eco_page)
        _drawn(browser)
        browser.type("#cg-search", t.at[folded, "label"].split("\n")[0])
        browser.press("Enter")
        browser.wait(f"document.body.dataset.selected === {json.dumps(folded)}", timeout=10)
        assert browser.evaluate(f"!{NODES}.get({json.dumps(folded)}).hidden")
        assert browser.body()["opened"] == "1" and browser.in_view("#cg-details")
        assert not browser.errors
