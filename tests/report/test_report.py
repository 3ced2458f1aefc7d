"""Reports: the numbers behind every chart and table, escaping in every format, no network."""

import re

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from openpyxl import load_workbook

import chaingraph as cg
from chaingraph.report import SECTIONS, build_report
from chaingraph.report.labels import label

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('seg')</script>"
FORMULA = '=HYPERLINK("http://evil.invalid","click")'


@pytest.fixture(scope="module")
def chain():
    return cg.load_dataset("shandong-nev")


@pytest.fixture(scope="module")
def report(chain):
    return build_report(chain, lang="en")


@pytest.fixture(scope="module")
def hostile_chain():
    """A small chain whose firm and segment names try to inject markup and formulas."""
    sc = cg.synthetic_chain("nev", 300, region="山东", seed=3)
    firms = sc.chain.firms.reset_index()
    firms.loc[0, "name"] = HOSTILE
    firms.loc[1, "name"] = FORMULA
    lead = sc.planted.lead_firms[0]
    second = next(f for f in cg.lead_firms(sc.chain).index if f != lead)
    firms.loc[firms.firm_id == second, "name"] = "pipe | and [link](x) *star*"  # in the lead table
    firms.loc[firms.firm_id == lead, "name"] = HOSTILE + " lead"
    tmpl = sc.chain.template
    segs = tmpl.segments.reset_index()
    segs.loc[0, "name"] = SCRIPT
    segs.loc[0, "name_en"] = SCRIPT
    template = cg.ChainTemplate.from_frames(segs, tmpl.flows, name="hostile")
    return cg.ChainGraph.from_frames(firms, sc.chain.links, template, region="山东")


def chart_values(svg_text, attr="data-value"):
    return [float(v) for v in re.findall(rf'{attr}="([^"]+)"', svg_text)]


def test_all_sections_built(report):
    assert list(report.sections) == list(SECTIONS)
    assert all(s.unavailable is None for s in report.sections.values())


def test_summary_numbers(report, chain):
    sec = report.sections["summary"]
    s = chain.summary()
    assert sec.facts["firms"] == chain.n_firms == 2000
    data = sec.chart_data["locations"]
    np.testing.assert_array_equal(data.to_numpy(), s.by_segment[["local", "outside", "foreign"]].to_numpy())
    # the stacked bars draw exactly these counts, in this order
    assert chart_values(sec.charts["locations"]) == data.to_numpy().ravel().tolist()
    # the map: one box per segment, status from weak_links, local/all counts from the summary
    weak = cg.weak_links(chain)
    boxes = re.findall(r'data-segment="([^"]+)" data-status="([^"]+)" data-firms="(\d+)" data-local="(\d+)"',
                       sec.charts["map"])
    assert len(boxes) == len(chain.segment_ids)
    for sid, status, firms, local in boxes:
        assert status == str(weak.loc[sid, "weakness"])
        assert int(firms) == s.by_segment.loc[sid, "firms"]
        assert int(local) == s.by_segment.loc[sid, "local"]
    assert sec.charts["map"].count('class="flow"') == len(chain.template.flows)


def test_lead_numbers(report, chain):
    lf = cg.lead_firms(chain)
    sec = report.sections["leads"]
    assert chart_values(sec.charts["lead_score"]) == pytest.approx(lf["lead_score"].head(10).tolist())
    assert sec.facts["is_lead"] == int(lf["is_lead"].sum())
    assert list(sec.tables["leads"].index) == list(lf.index[:20])
    assert sec.tables["weights"]["weight"].sum() == pytest.approx(1.0)
    assert list(sec.lists["leads"].index) == list(lf.index[:1000])  # the best-ranked 1,000


def test_weak_and_gap_numbers(report, chain):
    weak = cg.weak_links(chain)
    sec = report.sections["weak"]
    flagged = weak[weak["weakness"].astype(str) != "ok"].sort_values("severity", ascending=False, kind="stable")
    assert chart_values(sec.charts["severity"]) == pytest.approx(flagged["severity"].head(15).tolist())
    assert list(sec.tables["weak"].index) == list(flagged.index)
    assert set(sec.lists["chokepoints"].index) == set(cg.chokepoints(chain).index)
    g = cg.gaps(chain)
    gsec = report.sections["gaps"]
    assert list(gsec.tables["gaps"]["segment_id"]) == list(g["segment_id"])
    # candidates are shown with their names: "name (id)"
    first = g["candidates"].iloc[0].split("; ")[0]
    assert f"({first})" in gsec.tables["gaps"]["candidates"].iloc[0]


def test_integration_numbers(report, chain):
    it = cg.integration(chain)
    sec = report.sections["integration"]
    assert sec.facts["Integration index"] == pytest.approx(round(it.score, 1))
    values = chart_values(sec.charts["points"])
    assert values == pytest.approx(it.components["points"].tolist())
    assert sum(values) == pytest.approx(it.score)


def test_resilience_numbers(report, chain):
    risk = cg.systemic_risk(chain, progress=False).sort_values("esri", ascending=False)
    sec = report.sections["resilience"]
    assert chart_values(sec.charts["esri"]) == pytest.approx(risk["esri"].head(10).tolist())
    # the what-if is for the country selling most to local firms
    coo = chain.adjacency.tocoo()
    m = chain.is_foreign[coo.row] & chain.is_local[coo.col]
    by_country = pd.Series(coo.data[m]).groupby(chain.firms["country"].to_numpy()[coo.row[m]]).sum()
    country = by_country.idxmax()
    res = cg.simulate_disruption(chain, f"country:{country}")
    key = f"What if supplies from {label('country', country, 'en')} stop"  # JP → Japan
    assert sec.facts[key] == f"{res.summary['loss_share']:.1%}"


def test_tier_numbers(report, chain):
    progress = cg.tier_progress(chain, near_miss=0.1).reset_index()
    sec = report.sections["tiers"]
    data = sec.chart_data["progress"]
    with_target = progress[progress["target"].notna()]
    assert data["designated"].tolist() == with_target["designated"].astype(float).tolist()
    assert (data["designated"] + data["gap"]).tolist() == with_target["target"].astype(float).tolist()
    t = cg.tiers(chain, detail=False)
    in_pool = t["tier"].notna() | t["designation"].notna() | (t["next_distance"] <= 0.1)
    # the pool's firms, nearest to their next tier first (ties in the chain's order)
    nearest = t[in_pool].sort_values("next_distance", kind="stable", na_position="last")
    assert list(sec.lists["tiers"].index) == list(nearest.index)
    assert report.meta["rules"] == ["miit-2022", "champion-2023", "lead-guangdong-2022"]
    assert "miit-2022" in report.html and "miit-2022" in report.markdown


def test_html_is_self_contained(report):
    page = report.html
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert "<svg" in page


def test_chinese_labels_by_default(chain):
    r = build_report(chain, sections=["weak"])
    assert list(r.sections) == ["summary", "weak"]
    assert "三、薄弱环节与堵点" in r.html and "缺链" in r.html
    assert "Weak segments" not in r.html


def test_bad_arguments(chain):
    with pytest.raises(ValueError, match="lang must be one of zh, en"):
        build_report(chain, lang="fr")
    with pytest.raises(ValueError, match="unknown report sections"):
        build_report(chain, sections=["nonsense"])
    with pytest.raises(ValueError, match="cannot save a report as .pdf"):
        build_report(chain, sections=[]).save("x.pdf")


def test_bad_top_and_sections_are_parameter_errors(chain):
    # before: top=-1 silently dropped the last row of every table; a string of one
    # section name was read letter by letter as unknown sections
    with pytest.raises(ValueError, match="top must be a positive integer, not -1"):
        build_report(chain, top=-1)
    with pytest.raises(ValueError, match="top must be a positive integer, not 2.5"):
        build_report(chain, top=2.5)
    with pytest.raises(TypeError, match="sections must be a list of section names"):
        build_report(chain, sections="leads")


def test_hostile_names_are_escaped_in_html(hostile_chain):
    page = build_report(hostile_chain).html
    assert HOSTILE not in page and SCRIPT not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;" in page
    assert not re.search(r"<(script|img)\b", page)


def test_hostile_names_are_escaped_in_markdown(hostile_chain, tmp_path):
    md = build_report(hostile_chain).save(tmp_path / "r.md").read_text(encoding="utf-8")
    assert HOSTILE not in md and SCRIPT not in md
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in md
    assert "pipe \\| and \\[link\\]\\(x\\) \\*star\\*" in md


def test_hostile_names_stay_text_in_excel(hostile_chain, tmp_path):
    path = build_report(hostile_chain).save(tmp_path / "r.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[:6] == ["链主清单", "链主清单-chokepoints"][:1] + book.sheetnames[1:6]
    assert {"链主清单", "薄弱环节清单", "缺链清单", "梯度培育清单", "融通指标", "风险清单"} <= set(book.sheetnames)
    ws = book["链主清单"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(c.value == HOSTILE for row in ws.iter_rows() for c in row)


def test_excel_lists_are_complete(report, chain, tmp_path):
    book = load_workbook(report.save(tmp_path / "r.xlsx"), read_only=True)
    assert {"lead firms", "weak links", "gaps", "tier pool", "integration", "risk"} <= set(book.sheetnames)
    rows = list(book["lead firms"].iter_rows(values_only=True))
    assert rows[0][:3] == ("firm ID", "name", "segment ID") and len(rows) == 1000 + 1
    assert len(list(book["risk"].iter_rows())) == chain.n_firms + 1


def test_chain_without_template_reports_what_it_cannot_do():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "province": ["山东", "山东", "江苏"],
                          "employees": [2000, 50, 10], "revenue": [90000, 900, 100]})
    links = pd.DataFrame({"supplier_id": ["B", "C"], "customer_id": ["A", "A"], "amount": [5.0, 3.0]})
    r = build_report(cg.ChainGraph.from_frames(firms, links, region="山东"), lang="en")
    assert "segment" in r.sections["weak"].unavailable
    assert r.sections["leads"].unavailable is None
    assert str(escape(r.sections["weak"].unavailable)) in r.html


def test_repr_html_renders_in_a_notebook(report):
    fragment = report._repr_html_()
    assert fragment.startswith('<div class="cg-report"><style>')
    assert "<html" not in fragment and "<body" not in fragment


def test_cli_report(tmp_path):
    from click.testing import CliRunner

    from chaingraph.cli import cli

    for name in ("r.html", "r.md", "r.xlsx"):
        result = CliRunner().invoke(cli, ["report", "--dataset", "shandong-cnc", "-o", str(tmp_path / name),
                                          "--lang", "en", "--section", "leads"])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"wrote {tmp_path / name}: 2 sections")
    assert "2. Lead firms" in (tmp_path / "r.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(cli, ["report", "--dataset", "shandong-cnc", "-o", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 2 and "use a .html, .md or .xlsx file" in bad.output


def test_report_opens_in_chromium(report, tmp_path):
    from tests.browser import CHROMIUM, open_in_chromium

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it with apt-get where it can)")
    page = report.save(tmp_path / "report.html")
    attrs, dom, console, shot = open_in_chromium(page, tmp_path)
    assert not [c for c in console if "error" in c.lower() or "refused" in c.lower()], console
    for key in SECTIONS:
        assert f'data-section="{key}"' in dom
    assert dom.count("<svg") == sum(len(s.charts) for s in report.sections.values())
    assert shot.stat().st_size > 10_000  # the screenshot: tmp_path / "report.png"


def test_large_chain_esri_subset_is_by_output(monkeypatch, assembly):
    # above the size limit the ESRI subset is the firm with the largest output:
    # the assembler B (by network sales it would be A, and B would be left out)
    from chaingraph.report import build

    monkeypatch.setattr(build, "ESRI_FULL_LIMIT", 2)
    monkeypatch.setattr(build, "ESRI_SUBSET", 1)
    sec = build.build_report(assembly, sections=["resilience"], lang="en").sections["resilience"]
    assert sec.lists["risk"].index.tolist() == ["B"]
    assert "largest output" in sec.facts["note"]


def test_a_us_chain_is_reported_without_chinese_place_words():
    # a US chain focused on one state: firms of other states are 外地 (outside the
    # region), never 省外 (outside the province); the home country is the US
    sc = cg.synthetic_chain("nev", 300, region="山东", seed=3)
    firms = sc.chain.firms.reset_index()
    domestic = firms["country"].isna() | (firms["country"] == "CN")
    firms.loc[domestic, "country"] = "US"
    firms.loc[domestic, "province"] = np.where(firms.loc[domestic, "province"] == "山东",
                                               "Michigan", "Ohio")
    chain = cg.ChainGraph.from_frames(firms, sc.chain.links, sc.chain.template,
                                      region="Michigan", home="US")
    zh = build_report(chain, sections=["leads"]).markdown
    en = build_report(chain, sections=["leads"], lang="en").markdown
    assert "外地采购占比" in zh and "省外" not in zh
    assert "本国（境外以此判断）: 美国" in zh and "聚焦地区: Michigan" in zh
    assert "province" not in en.replace("| province |", "")


def test_no_region_warning_only_where_a_region_could_be_given():
    # without a region every domestic firm is local: a bias where a province or city could
    # have been chosen, none in a national chain whose firms have a country only
    firms = pd.DataFrame({"firm_id": ["A", "B"], "country": ["US", "JP"], "segment_id": ["s", "s"]})
    national = build_report(cg.ChainGraph.from_frames(firms, home="US"), sections=[])
    assert not national.meta["region_warning"] and "未指定聚焦地区" not in national.html
    with_states = cg.ChainGraph.from_frames(firms.assign(province=["Ohio", None]), home="US")
    report = build_report(with_states, sections=[])
    assert report.meta["region_warning"] and "未指定聚焦地区" in report.html
