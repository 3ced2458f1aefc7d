"""The report's 年度变化 section: build_report(chain, previous=...) shows compare's numbers."""

import warnings

import pandas as pd
import pytest
from openpyxl import load_workbook

import chaingraph as cg
from chaingraph.report import SECTIONS, build_report

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def panel():
    return cg.load_dataset("shandong-nev")


@pytest.fixture(scope="module")
def report(panel):
    return build_report(panel, previous=panel.in_year(2021), sections=["gaps"])


def test_the_section_comes_last_with_compare_s_counts(report, panel):
    assert list(report.sections) == ["summary", "gaps", "changes"]
    sec = report.sections["changes"]
    assert sec.unavailable is None and sec.title == "八、年度变化（与上一期相比）"
    counts = cg.compare(panel.in_year(2021), panel).summary()["count"]
    assert sec.facts["changes_gaps_closed"] == counts[("gaps", "closed")] == 3
    assert sec.facts["changes_chokepoints_dissolved"] == counts[("chokepoints", "dissolved")] == 1
    assert sec.facts["changes_firms_entered"] == 12 and sec.facts["changes_leads_entered"] == 1
    firms = sec.tables["change_firms"]  # codes shown as words, firms by name beside the id
    assert firms.loc["NEV02001", ["name", "segment", "change"]].tolist() == [
        "济南东嘉锂业有限公司", "锂资源及锂盐", "退出"]
    assert set(firms["change"]) == {"退出", "新进入"}
    gaps = sec.tables["change_gaps"]
    assert gaps.loc[0, ["segment", "kind", "change"]].tolist() == ["电池管理系统（BMS）", "缺链", "已补齐"]
    assert "| 企业ID | 名称 | 环节 | 区位 | 变化 |" in report.markdown
    assert report.meta["previous"] == "2021"
    assert ("对比期", "2021") in report._meta_rows()


def test_without_previous_there_is_no_changes_section(panel):
    report = build_report(panel, sections=["gaps"], lang="en")
    assert "changes" not in report.sections and "changes" not in SECTIONS
    with pytest.raises(ValueError, match="give previous="):
        build_report(panel, sections=["changes"])
    with pytest.raises(TypeError, match="previous must be a ChainGraph"):
        build_report(panel, previous="2022")


def test_english_words_and_the_excel_sheets(panel, tmp_path):
    report = build_report(panel, previous=panel.in_year(2022), sections=["gaps"], lang="en")
    sec = report.sections["changes"]
    assert sec.title == "8. Changes since the previous period"
    assert sec.tables["change_tiers"]["change"].tolist() == ["up", "up", "up"]
    assert sec.tables["change_tiers"]["tier_after"].tolist() == ["specialised SME"] * 3
    report.save(tmp_path / "r.xlsx")
    sheets = load_workbook(tmp_path / "r.xlsx", read_only=True).sheetnames
    assert "changes" in sheets and "changes-tiers" in sheets and "changes-link_pairs" in sheets
    text = report.markdown
    assert "## 8. Changes since the previous period" in text and "Compared with: 2022" in text


def test_a_chain_on_another_template_makes_the_section_unavailable(panel):
    other = cg.load_dataset("shandong-cnc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = build_report(panel, previous=other, sections=["gaps"])
    assert "different templates" in report.sections["changes"].unavailable


def test_names_from_the_data_are_escaped():
    sc = cg.synthetic_chain("nev", 300, region="山东", seed=3)
    firms = sc.chain.firms.reset_index()
    local = firms.index[(firms["province"] == "山东").to_numpy()][0]
    firms.loc[local, "name"] = HOSTILE
    chain = cg.ChainGraph.from_frames(firms, sc.chain.links, "nev", region="山东")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = build_report(chain, previous=chain.without([firms.loc[local, "firm_id"]]),
                              sections=["gaps"])
    entered = report.sections["changes"].tables["change_firms"]["name"].tolist()
    assert HOSTILE in entered
    assert HOSTILE not in report.html and "&lt;img src=x" in report.html
