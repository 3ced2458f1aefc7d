"""Reports people can read: no internal codes in the Chinese report and workbook, no
untranslated Chinese labels in the English one, firms and segments by name, the tier
pool nearest first, a title, and the focus region said out loud."""

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import chaingraph as cg
from chaingraph.report import build_report

#: An ASCII identifier: a word, or words joined by _ . - / & ' (``no_local_firm``,
#: ``specialised.rd_intensity``, ``miit-2022``, ``K.K``).
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.\-/&'][A-Za-z0-9]+)*")
#: Abbreviations the Chinese labels use on purpose.
ALLOWED = {"ID", "HHI", "ESRI", "Diem"}
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
LATIN = re.compile(r"[A-Za-z]")


class _Text(HTMLParser):
    """The text a browser shows (also inside SVG), without <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def html_texts(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.texts


def excel_texts(path) -> list[str]:
    book = load_workbook(path, read_only=True)
    texts = list(book.sheetnames)
    for ws in book.worksheets:
        texts += [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    return texts


def data_values(chain: cg.ChainGraph, report) -> list[str]:
    """What a report may show as it is: names, ids, places, the region and rule versions."""
    firms, segs = chain.firms, chain.segments
    values = [*chain.firm_ids, *chain.segment_ids, *report.meta["rules"], chain.region or ""]
    for frame, col in ((firms, "name"), (firms, "city"), (firms, "province"), (segs, "name"),
                       (segs, "name_en")):
        if col in frame.columns:
            values += [str(v) for v in frame[col].dropna()]
    if chain.template is not None:
        values += [chain.template.name, chain.template.title, chain.template.title_en]
    return values


def codes(texts, values) -> set[str]:
    """The ASCII identifiers in ``texts`` that are not in a data value nor an allowed
    abbreviation (a word cut short with an ellipsis counts when a data word starts so)."""
    words = {w for v in values for w in ASCII_WORD.findall(v)}
    found = set()
    for text in texts:
        for m in ASCII_WORD.finditer(text):
            w = m.group()
            if w in ALLOWED or w in words:
                continue
            if text[m.end():].startswith(("…", "...")) and any(d.startswith(w) for d in words):
                continue
            found.add(w)
    return found


def untranslated(texts, values) -> set[str]:
    """Texts with Chinese that is not data and no English beside it (a gloss such as
    "little giant (小巨人)" has both)."""
    blob = "\x00".join(values)
    return {text for text in texts
            if not LATIN.search(text) and any(run not in blob for run in HAN.findall(text))}


@pytest.fixture(scope="module", params=["shandong-nev", "shandong-cnc"])
def zh_report(request, tmp_path_factory):
    chain = cg.load_dataset(request.param)
    report = build_report(chain)
    book = report.save(tmp_path_factory.mktemp("zh") / "report.xlsx")
    return chain, report, book


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


@pytest.fixture(scope="module")
def en_report(nev):
    return build_report(nev, lang="en")


# --------------------------------------------------------------------------- #
# no codes in Chinese, no untranslated Chinese in English


def test_zh_report_has_no_internal_codes(zh_report):
    chain, report, _ = zh_report
    assert codes(html_texts(report.html), data_values(chain, report)) == set()


def test_zh_workbook_has_no_internal_codes(zh_report):
    chain, report, book = zh_report
    texts = excel_texts(book)
    assert codes(texts, data_values(chain, report)) == set()
    # every sheet name is Chinese
    assert not [t for t in load_workbook(book, read_only=True).sheetnames if LATIN.search(t)]


def test_the_code_scan_finds_codes(tmp_path):
    # the scan is not blind: codes put back into a table and a list are found, in the page
    # and in the workbook
    chain = cg.load_dataset("shandong-cnc")
    report = build_report(chain, sections=["weak"])
    values = data_values(chain, report)
    assert codes(html_texts(report.html), values) == set()
    sec = report.sections["weak"]
    sec.tables["weak"] = sec.tables["weak"].assign(reasons="no_local_firm; local_share")
    sec.lists["weak"] = sec.lists["weak"].assign(sole_flow_amount=1.0)
    assert codes(html_texts(report.html), values) == {"no_local_firm", "local_share"}
    assert codes(excel_texts(report.save(tmp_path / "r.xlsx")), values) == {"sole_flow_amount"}
    # and the words of a cut name are not codes
    assert codes(["Koneshi Electric Dri…"], ["Koneshi Electric Drive Units AG"]) == set()


def test_en_report_has_no_untranslated_chinese_labels(en_report, nev, tmp_path):
    values = data_values(nev, en_report)
    assert untranslated(html_texts(en_report.html), values) == set()
    assert untranslated(excel_texts(en_report.save(tmp_path / "r.xlsx")), values) == set()
    # and the scan sees a Chinese label that is not data
    assert untranslated(["名称", "山东", "little giant (小巨人)"], values) == {"名称"}


def test_segment_count_is_labelled_as_a_count(en_report, nev):
    # before: the row counting segments was labelled "Firms by segment" ("各环节企业")
    totals = en_report.sections["summary"].tables["totals"]["value"]
    assert totals["segments"] == len(nev.segment_ids) == 28
    assert "Firms by segment" not in totals.index
    zh = build_report(nev, sections=[]).sections["summary"]
    assert zh.tables["totals"].loc["环节数", "value"] == 28
    assert "各环节企业" not in zh.tables["totals"].index
    assert "<h3>各环节企业</h3>" in build_report(nev, sections=[]).html


def test_codes_become_words_in_chinese(zh_report):
    chain, report, _ = zh_report
    if chain.template.name != "nev":
        pytest.skip("known values of shandong-nev")
    weak = report.sections["weak"].tables["weak"]
    # lithium_resources has no local firm: reasons no_local_firm; local_share; few_local_firms
    assert weak.loc["lithium_resources", "reasons"] == "无本地企业; 本地供给不足; 本地企业过少"
    assert weak.loc["lithium_resources", "weakness"] == "缺链"
    cp = report.sections["weak"].tables["chokepoints"]
    assert cp.loc["NEV01618", "rule"] == "必需流向的唯一供应商"
    assert cp.loc["NEV00820", "rule"] == "链主供应路径的必经企业"
    assert cp.loc["NEV01618", "location"] == "本地" and cp.loc["NEV01618", "size_class"] == "大型"
    # the flows it supplies alone, by segment name
    assert cp.loc["NEV01618", "sole_flows"] == "汽车用钢及铝合金→底盘及线控系统; 汽车用钢及铝合金→车身及内外饰"
    weights = report.sections["leads"].tables["weights"]["weight"]
    assert weights["规模"] == 0.25 and weights["网络牵引力"] == 0.20
    assert report.sections["leads"].facts["rule"] == \
        "大型企业且链主指数不低于最高分的 0.75 倍，或链主指数不低于 0.7"
    whatif = report.sections["resilience"].tables["whatif_summary"]["value"]
    assert whatif["冲击"] == "日本来源供应中断：86 家企业全部停产"
    assert whatif["受冲击企业"] == 1072
    assert "情景：日本来源供应中断" in report.sections["resilience"].facts
    components = report.sections["integration"].tables["components"]
    assert "大企业采购中的中小企业份额" in components.index
    assert report.sections["integration"].tables["mixing"].index.tolist() == ["大型", "中型", "小型", "微型"]


# --------------------------------------------------------------------------- #
# the tier pool


def test_tier_pool_is_readable_and_nearest_first(zh_report, en_report):
    for report in (zh_report[1], en_report):
        pool = report.sections["tiers"].lists["tiers"]
        distance = pool["next_distance"]
        numbers = [d for d in distance if isinstance(d, float)]
        # no inf; measured distances first, smallest first, then "—" (a yes/no condition
        # fails), then unknown ones and firms with no next tier
        assert all(np.isfinite(numbers)) and numbers == sorted(numbers)
        kinds = [0 if isinstance(d, float) else 1 if d == "—" else 2 for d in distance]
        assert kinds == sorted(kinds)
        assert not pool["next_missing"].dropna().str.contains(r"\w\.\w").any()  # no tier.criterion
        assert not re.search(r"\binf\b", report.html) and "specialised." not in report.html
    zh_pool = zh_report[1].sections["tiers"].lists["tiers"]
    if zh_report[0].template.name == "nev":
        # NEV00001 misses 专精特新 on R&D intensity only (tiers docstring: distance 0.178)
        assert zh_pool.loc["NEV00001", "next_missing"] == "上年度研发费用占营业收入比重"
        assert zh_pool.loc["NEV00001", "next_distance"] == pytest.approx(0.178)
        assert zh_pool.loc["NEV00001", "next_tier"] == "专精特新"
        # NEV00002 misses 小巨人 on yes/no conditions: no measurable distance
        assert zh_pool.loc["NEV00002", "next_distance"] == "—"
        en_pool = en_report.sections["tiers"].lists["tiers"]
        assert en_pool.loc["NEV00001", "next_missing"] == "R&D expense / revenue, last year"


def test_tier_counts_in_ladder_order(en_report):
    facts = en_report.sections["tiers"].facts
    assert list(facts) == ["innovative SME", "specialised SME", "little giant", "single champion",
                           "lead firm"]


# --------------------------------------------------------------------------- #
# title, names beside ids, the focus region


def _small_chain(region="山东"):
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "name": ["甲公司", "乙公司", "丙公司"],
                          "province": ["山东", "山东", "江苏"],
                          "employees": [2000, 50, 10], "revenue": [90000, 900, 100]})
    links = pd.DataFrame({"supplier_id": ["B", "C"], "customer_id": ["A", "A"], "amount": [5.0, 3.0]})
    return cg.ChainGraph.from_frames(firms, links, region=region)


def test_a_chain_without_template_has_a_title():
    # before: "<ChainGraph region=山东: 3 firms (…)>" as the title
    chain = _small_chain()
    zh, en = build_report(chain, sections=["leads"]), build_report(chain, lang="en", sections=["leads"])
    assert zh.meta["title"] == "山东产业链" and en.meta["title"] == "Industry chain, 山东"
    assert "<h1>产业链诊断报告: 山东产业链</h1>" in zh.html
    assert "ChainGraph" not in zh.html and "ChainGraph" not in en.markdown
    assert build_report(_small_chain(None), sections=[]).meta["title"] == "产业链"
    given = build_report(chain, sections=[], title="鲁南 <新材料> 产业链")
    assert "<h1>产业链诊断报告: 鲁南 &lt;新材料&gt; 产业链</h1>" in given.html
    with pytest.raises(TypeError, match="title must be a string"):
        build_report(chain, title=3)


def test_firms_and_segments_are_shown_by_name(zh_report):
    chain, report, _ = zh_report
    names = chain.firms["name"]
    seg_names = chain.segments["name"]
    for section, table in (("leads", "leads"), ("resilience", "risk"), ("integration", "large firms"),
                           ("tiers", "pool")):
        shown = report.sections[section].tables[table]
        assert shown["name"].tolist() == names[shown.index].tolist(), table
        segment = chain.firms.loc[shown.index, "segment_id"].map(seg_names)
        assert shown["segment"].tolist() == segment.tolist(), table
    gaps = report.sections["gaps"].tables["gaps"]
    assert gaps["name"].tolist() == seg_names[gaps["segment_id"]].tolist()
    first = cg.gaps(chain)["candidates"].iloc[0].split("; ")[0]
    assert gaps["candidates"].iloc[0].startswith(f"{names[first]} ({first})")
    cand = report.sections["gaps"].lists["candidates"]
    assert cand["firm_name"].tolist() == names[cand["firm_id"]].tolist()
    weak = report.sections["weak"].lists["weak"]
    top = weak["top_supplier"].dropna()
    assert weak.loc[top.index, "top_supplier_name"].tolist() == names[top].tolist()


def test_the_report_says_which_region(nev, tmp_path):
    report = build_report(nev, sections=[])
    rows = dict(report._meta_rows())
    assert rows["聚焦地区"] == "山东" and rows["本国（境外以此判断）"] == "中国"
    assert "未指定聚焦地区" not in report.html
    # without a region every domestic firm is local: the report says so, in every format
    nowhere = build_report(nev.with_region(None), sections=[])
    assert dict(nowhere._meta_rows())["聚焦地区"] == "未指定（所有境内企业都计为本地企业）"
    assert "未指定聚焦地区：所有境内企业都计为本地企业" in nowhere.html
    assert "未指定聚焦地区：所有境内企业都计为本地企业" in nowhere.markdown
    tiers = build_report(nev.with_region(None), sections=["tiers"]).sections["tiers"].tables["progress"]
    assert set(tiers.index.get_level_values("region")) == {"全部企业"}  # not "all"
    en = build_report(nev.with_region(None), lang="en", sections=[])
    assert "No focus region: every domestic firm counts as local" in en.html


def test_why_a_section_is_unavailable_in_chinese():
    chain = cg.load_dataset("shandong-cnc")
    firms = chain.firms.reset_index().drop(columns=["segment_id"])
    no_segments = cg.ChainGraph.from_frames(firms, chain.links, region="山东")
    zh = build_report(no_segments, sections=["weak"])
    assert zh.sections["weak"].unavailable == "本节需要每家企业所属的环节；企业表中没有环节信息，无法计算。"
    assert "segment_id" in build_report(no_segments, lang="en", sections=["weak"]).sections["weak"].unavailable
    chain_map = cg.load_dataset("world-semiconductor-map")
    report = build_report(chain_map, sections=["leads"])
    assert report.sections["leads"].unavailable.startswith("本节需要企业间供需交易数据")
