"""Placing the firms of a register in chain segments (assign_segments)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.assign import SegmentVocabulary
from chaingraph.schema import credit_code_check_char
from chaingraph.templates import ChainTemplate


def toy_template():
    """Three segments; 电芯 and code 3841 are shared by cell and pack, so each weighs 1/2."""
    segments = pd.DataFrame({
        "segment_id": ["cell", "pack", "motor"],
        "stage": ["upstream", "midstream", "midstream"],
        "keywords": [["锂电池", "电芯"], ["电池包", "电芯"], "电机；驱动电机"],
        "industry_codes": [["3841 锂离子电池制造"], ["3841"], ["381"]],
        "exclude": [None, None, ["电机维修"]],
    })
    flows = pd.DataFrame({"from_segment": ["cell", "pack"], "to_segment": ["pack", "motor"]})
    return ChainTemplate.from_frames(segments, flows, name="toy")


def assign(scopes, codes=None, template=None, **kw):
    firms = pd.DataFrame({"firm_id": [f"F{i + 1}" for i in range(len(scopes))],
                          "business_scope": scopes,
                          "industry_code": codes if codes is not None else [None] * len(scopes)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.assign_segments(firms, template or toy_template(), **kw)


def placed(presence, firm):
    rows = presence[presence["firm_id"] == firm]
    return rows["segment_id"].dropna().tolist()


# ----------------------------------------------------------------- the score


def test_scores_worked_by_hand():
    p = assign(
        ["电芯制造", "电芯制造", "锂电池、电芯的研发、生产", None, "电机销售", "电池包生产（不含锂电池）"],
        [None, "3841", None, "C3812", None, None],
    )
    by = {(f, s): x for f, s, x in zip(p["firm_id"], p["segment_id"].fillna("-"), p["score"])}
    # F1: 电芯 is listed by cell and pack, w = 1/2 each: score 0.5 < 0.6, placed nowhere,
    #     and its one row carries that best score
    assert by[("F1", "-")] == 0.5
    # F2: keyword 1/2 and code 1/2: 1 - (1 - 1/2)(1 - 1/2) = 0.75 for both
    assert by[("F2", "cell")] == 0.75 and by[("F2", "pack")] == 0.75
    # F3: 锂电池 (w = 1) and 电芯 (1/2): cell 1 - 0·(1/2) = 1; pack 0.5, not placed
    assert by[("F3", "cell")] == 1.0 and placed(p, "F3") == ["cell"]
    # F4: code 3812 falls under motor's prefix 381, the only segment: 1
    assert by[("F4", "motor")] == 1.0
    # F5: selling motors does not make one a motor maker
    assert by[("F5", "-")] == 0.0
    # F6: the negated 锂电池 does not count; 电池包 does
    assert placed(p, "F6") == ["pack"]


def test_ties_go_to_more_evidence_then_template_order():
    p = assign(["电芯制造", "电芯、电池包制造"], ["3841", None])
    # F1: cell and pack both 0.75 on the same evidence: template order
    assert p.loc[p["firm_id"] == "F1", "rank"].tolist() == [1, 2]
    assert placed(p, "F1") == ["cell", "pack"]
    # F2: pack 1 - (1 - 1)(1 - 1/2) = 1 on mass 1.5, cell 0.5 (not placed)
    assert placed(p, "F2") == ["pack"]


def test_min_score():
    p = assign(["电芯制造"], min_score=0.5)
    assert placed(p, "F1") == ["cell", "pack"]
    with pytest.raises(cg.ChainDataError, match="min_score"):
        assign(["电芯制造"], min_score=0)


def test_output_contract():
    p = assign(["锂电池制造", "餐饮服务", "电机制造；电芯制造"], ["3841", None, None])
    assert list(p.columns) == ["firm_id", "segment_id", "score", "rank", "matched_by", "evidence"]
    assert str(p["rank"].dtype) == "Int64" and p["score"].dtype == np.float64
    # every firm is there, in input order, a firm placed nowhere once with a missing segment
    assert p["firm_id"].drop_duplicates().tolist() == ["F1", "F2", "F3"]
    none = p[p["segment_id"].isna()]
    assert none["firm_id"].tolist() == ["F2"] and none["matched_by"].tolist() == ["none"]
    assert none["rank"].isna().all() and none["evidence"].isna().all()
    # every placed row says why
    got = p.dropna(subset=["segment_id"])
    assert got["evidence"].str.len().gt(0).all()
    # F1's pack has only the shared code (1/2): not placed
    assert got.set_index(["firm_id", "segment_id"])["matched_by"].to_dict() == {
        ("F1", "cell"): "both", ("F3", "motor"): "keyword"}
    assert got.set_index(["firm_id", "segment_id"]).loc[("F1", "cell"), "evidence"] == \
        "keywords: 锂电池; code: 3841"
    assert p.attrs == {"template": "toy", "min_score": 0.6, "text": "business_scope",
                       "code": "industry_code"}


# ------------------------------------------------------- how scopes are read


@pytest.mark.parametrize("scope, expected", [
    # trade or service only
    ("新能源汽车销售；汽车维修；汽车租赁", []),
    ("驱动电机的销售、维修", []),
    # verb-only items give their activity to the products before them
    ("驱动电机的销售、生产", ["drive_motor"]),
    ("驱动电机、电机控制器的研发、生产、销售", ["drive_motor", "motor_controller"]),
    # an item with its own activity keeps it
    ("汽车空调销售、驱动电机制造", ["drive_motor"]),
    # a product without activity words takes the clause's
    ("一般项目：动力电池", ["battery_cell"]),
    # negations: 不含 to the end of the clause, 除外 back to the start of its item
    ("化工产品生产（不含电解液）", []),
    ("电机制造，不含电解液、隔膜", ["drive_motor"]),
    ("电解液除外的化工产品生产", []),
    # the same product named several ways
    ("锂离子电池制造", ["battery_cell"]),
    ("ＢＭＳ电池管理系统研发", ["bms"]),  # full-width letters
    ("电池管理系统研发", ["bms"]),  # the longer keyword, not 电池 inside it
    # 'X用Y': the product is Y
    ("锂离子电池用电解液生产", ["electrolyte"]),
    # exclusion words: another industry's homonym
    ("隔膜泵制造", []),
    ("光伏逆变器制造", []),
    # boilerplate alone places nobody
    ("一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广（除依法须经批准的项目外，"
     "凭营业执照依法自主开展经营活动）", []),
])
def test_scope_reading(scope, expected):
    assert placed(assign([scope], template="nev"), "F1") == expected


def test_overlapping_keywords_both_count():
    # 新能源汽车 and 汽车空调 overlap; neither contains the other, so both are read
    p = assign(["新能源汽车空调研发、生产"], template="nev")
    assert set(placed(p, "F1")) == {"vehicle", "thermal_management"}


def test_exclusion_voids_the_code_too():
    p = assign(["建筑涂料、乳胶漆生产", "汽车涂料生产"], ["C2641", "C2641"], template="nev")
    assert placed(p, "F1") == [] and placed(p, "F2") == ["paint_coatings"]


def test_industry_codes_as_registers_give_them():
    codes = ["C3612", "3612", "C3612 新能源车整车制造", "新能源车整车制造",
             "制造业-汽车制造业-新能源车整车制造", "36", "餐饮业"]
    firms = pd.DataFrame({"firm_id": list("ABCDEFG"), "industry_code": codes})
    with pytest.warns(cg.ChainDataWarning, match="1 values of column 'industry_code' give no "):
        p = cg.assign_segments(firms, "nev", text=None)
    # a 2-digit 大类 is coarser than the segment's 4-digit code: it does not match
    assert p.set_index("firm_id")["segment_id"].fillna("-").to_dict() == {
        "A": "vehicle", "B": "vehicle", "C": "vehicle", "D": "vehicle", "E": "vehicle",
        "F": "-", "G": "-"}


def test_a_firm_in_several_segments():
    p = assign(["锂离子电池、电池管理系统、电池包的研发、生产"], ["C3841"], template="nev")
    # cell: 锂离子电池 (1) and code 3841 (1/2), score 1, mass 1.5; pack: 电池包 and the code,
    # the same; bms: 电池管理系统 alone, score 1, mass 1
    assert placed(p, "F1") == ["battery_cell", "battery_pack", "bms"]
    assert p["rank"].tolist() == [1, 2, 3]


# ------------------------------------------------------------------ input


def test_register_with_chinese_headers_and_credit_codes_as_ids():
    code = "91370200MA3C4P5K4"
    reg = pd.DataFrame({"企业名称": ["甲"], "统一社会信用代码": [code + credit_code_check_char(code)],
                        "国标行业": ["C3841"], "经营范围": ["锂电池制造"]})
    with pytest.warns(cg.ChainDataWarning, match="firm_id taken from the credit code for 1 firms"):
        p = cg.assign_segments(reg, "nev")
    assert p["firm_id"].tolist()[0] == "91370200MA3C4P5K45"


@pytest.mark.parametrize("header", ["所属行业", "国民经济行业分类"])
def test_industry_column_headers_of_commercial_exports(header):
    # 企查查-style exports call the GB/T 4754 column 所属行业; the code alone places the firm
    reg = pd.DataFrame({"企业ID": ["a"], header: ["C3612 新能源车整车制造"], "经营范围": ["餐饮服务"]})
    p = cg.assign_segments(reg, "nev")
    assert p[["segment_id", "matched_by", "evidence"]].values.tolist() == [
        ["vehicle", "code", "code: 3612"]]


def test_columns_named_by_the_files_own_headers(sample, tmp_path):
    # the help names the columns 经营范围 and 国标行业: as headers they are accepted too
    reg = export(sample, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        by_header = cg.assign_segments(reg, "nev", text="经营范围", code="国标行业")
        expected = cg.assign_segments(reg, "nev")
    pd.testing.assert_frame_equal(by_header, expected, check_like=True)
    path = tmp_path / "register.csv"
    reg.rename(columns={"国标行业": "所属行业"}).to_csv(path, index=False, encoding="gb18030")
    result = run("assign", path, "-t", "nev", "--text", "经营范围", "--code", "所属行业", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "code: " in result.output


def test_bad_credit_code_names_the_row():
    reg = pd.DataFrame({"企业id": ["a", "b"], "统一社会信用代码": ["91350100M000100Y43",
                                                              "91350100M000100Y4Z"],
                        "经营范围": ["x", "y"], "国标行业": [None, None]})
    reg.attrs.update(source="register.csv", first_row=2)
    with pytest.raises(cg.ChainDataError, match=r"register.csv: column 'credit_code'.*\(row 3\)"):
        cg.assign_segments(reg, "nev")


def test_missing_column_and_ids():
    firms = pd.DataFrame({"firm_id": ["a", "a"], "business_scope": ["x", "y"]})
    with pytest.raises(cg.ChainDataError, match="missing column 'industry_code'.*code=None"):
        cg.assign_segments(firms, "nev")
    with pytest.raises(cg.ChainDataError, match="duplicate firm_id"):
        cg.assign_segments(firms, "nev", code=None)
    with pytest.raises(cg.ChainDataError, match="firm_id.*credit_code"):
        cg.assign_segments(pd.DataFrame({"business_scope": ["x"]}), "nev", code=None)


def test_template_without_vocabulary():
    with pytest.raises(cg.ChainDataError, match="no segment has a vocabulary"):
        cg.assign_segments(pd.DataFrame({"firm_id": ["a"], "business_scope": ["x"]}),
                           ChainTemplate.from_frames(pd.DataFrame({"segment_id": ["s"],
                                                                   "stage": ["upstream"]})),
                           code=None)


def test_builtin_vocabularies_are_complete():
    for name in ("nev", "cnc", "ic"):
        t = cg.get_template(name)
        seg = t.segments
        for sid in seg.index:
            assert len(seg.loc[sid, "keywords"]) >= 5, (name, sid)
        vocab = SegmentVocabulary.of(t)
        # every code is a GB/T 4754 小类 (4 digits) and carries its official name
        assert all(len(c) == 4 for c in vocab.code_segments)
        assert set(vocab.code_names.values()) == set(vocab.code_segments)


# --------------------------------------------------- quality on the sample


@pytest.fixture(scope="module")
def sample():
    return cg.load_dataset("register-sample")


def quality(register, template, part):
    """Top-1 accuracy of the template's firms and rejection rate of firms outside every chain."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        p = cg.assign_segments(register, template)
    top = p[p["rank"] == 1].set_index("firm_id")["segment_id"]
    ids = register["统一社会信用代码"]
    chain = (register["label_chain"] == template) & (register["label_part"] == part)
    truth = register.loc[chain, "label_segments"].str.split(";")
    top1 = np.mean([top.get(f) in t for f, t in zip(ids[chain], truth)])
    outside = (register["label_chain"] == "none") & (register["label_part"] == part)
    rejected = np.mean([f not in top.index for f in ids[outside]])
    return top1, rejected


# Floors. The development part is worded like the vocabularies, so anything below
# near-perfect there is a bug (0.95). The held-out parts were written without the
# vocabularies at hand (holdout1 was read once before the rules were last changed, holdout2
# never before these floors were set). Top-1 ≥ 0.75 means an analyst checks at most a quarter
# of the placements instead of labelling every firm by hand, the saving this function is
# for; rejection ≥ 0.85 because about half of the sample's outside firms are deliberate
# near-misses (汽车销售, 隔膜泵, 光伏逆变器, 建筑涂料…), so a register of ordinary firms does
# better. Measured: see benchmarks/README.md.
FLOORS = {"dev": (0.95, 0.95), "holdout1": (0.75, 0.85), "holdout2": (0.75, 0.85)}


@pytest.mark.parametrize("part", list(FLOORS))
@pytest.mark.parametrize("template", ["nev", "cnc", "ic"])
def test_quality_floors(sample, template, part):
    top1, rejected = quality(sample, template, part)
    floor_top1, floor_rejected = FLOORS[part]
    assert top1 >= floor_top1, f"top-1 {top1:.3f}"
    assert rejected >= floor_rejected, f"rejection {rejected:.3f}"


def test_sample_covers_every_segment(sample):
    for name in ("nev", "cnc", "ic"):
        ids = set(cg.get_template(name).segment_ids)
        for part in ("dev", "holdout1", "holdout2"):
            rows = sample[(sample["label_chain"] == name) & (sample["label_part"] == part)]
            assert set(rows["label_segments"].str.split(";").explode()) == ids, (name, part)


# ------------------------------------------------------------- command line


def run(*args):
    from click.testing import CliRunner

    from chaingraph.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def export(sample, n=30):
    """The first firms of the sample as a register export, without the label columns."""
    return sample.drop(columns=["label_chain", "label_segments", "label_part"]).head(n)


@pytest.mark.parametrize("kind", ["csv-gb18030", "csv-utf8-bom", "xlsx"])
def test_cli_assign_reads_registers_as_exported(sample, tmp_path, kind):
    reg = export(sample)
    if kind == "xlsx":
        path = tmp_path / "register.xlsx"
        reg.to_excel(path, index=False, sheet_name="企业名单")
    else:
        path = tmp_path / "register.csv"
        reg.to_csv(path, index=False, encoding="gb18030" if kind == "csv-gb18030" else "utf-8-sig")
    out = tmp_path / "presence.csv"
    result = run("assign", path, "--template", "nev", "-o", out)
    assert result.exit_code == 0, result.output
    presence = pd.read_csv(out, dtype={"firm_id": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        expected = cg.assign_segments(reg, "nev")
    assert presence["firm_id"].tolist() == expected["firm_id"].tolist()
    assert presence["segment_id"].fillna("").tolist() == expected["segment_id"].fillna("").tolist()
    assert presence["evidence"].fillna("").tolist() == expected["evidence"].fillna("").tolist()
    assert "firms placed in" in result.output


def _titled_workbook(path, rows):
    """A register workbook as offices keep them: a title and a unit note above the header,
    an empty row among the firms, founding dates as Excel date cells."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "名单"
    ws.append(["2024年新能源汽车产业链企业名单"])
    ws.append([None, None, "单位：万元"])
    ws.append(["企业名称", "统一社会信用代码", "经营范围", "成立日期", "营业收入"])
    for i, (code, scope) in enumerate(rows):
        ws.append([f"企业{i}", code, scope, datetime.datetime(2015, 3, 12 + i), "1,200万元"])
        if i == 0:
            ws.append([])
    book.save(path)


def test_register_workbook_with_a_title_above_the_header(tmp_path):
    path = tmp_path / "名单.xlsx"
    _titled_workbook(path, [("91350100M000100Y43", "锂离子电池制造"), ("91370200MA3C4P5K45", "驱动电机制造")])
    with pytest.warns(cg.ChainDataWarning, match=r"名单.xlsx: the header is row 3; 2 rows above it "
                      r"with one cell only were skipped as a title \(row 1: '2024年新能源汽车产业链"
                      r"企业名单'; row 2: '单位：万元'\)"):
        reg = cg.read_register(path)
    # sheet rows: the header is row 3, the first firm row 4, row 5 is empty, the second firm row 6
    assert list(reg.columns) == ["企业名称", "统一社会信用代码", "经营范围", "成立日期", "营业收入"]
    assert reg.index.tolist() == [4, 6]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        p = cg.assign_segments(reg, "nev", code=None)
        chain = cg.ChainGraph.from_frames(reg.assign(firm_id=reg["统一社会信用代码"]))
    assert p["segment_id"].tolist() == ["battery_cell", "drive_motor"]
    # Excel date cells are dates; 1,200万元 is 1200 (万元)
    assert chain.firms["founded_date"].tolist() == [pd.Timestamp("2015-03-12"), pd.Timestamp("2015-03-13")]
    assert chain.firms["revenue"].tolist() == [1200.0, 1200.0]


def test_register_workbook_errors_name_sheet_rows(tmp_path):
    path = tmp_path / "名单.xlsx"
    _titled_workbook(path, [("91350100M000100Y43", "x"), ("91350100M000100Y4Z", "y")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        reg = cg.read_register(path)
        with pytest.raises(cg.ChainDataError, match=r"名单.xlsx: column 'credit_code'.*\(row 6\)"):
            cg.assign_segments(reg, "nev", code=None)
        assert cg.read_register(path, sheet=0).index.tolist() == [4, 6]
        with pytest.raises(cg.ChainDataError, match=r"no sheet 'Sheet9' \(the workbook has 名单\)"):
            cg.read_register(path, sheet="Sheet9")


def test_missing_or_repeated_credit_codes_are_named_by_the_registers_column():
    # the register has no firm_id: its credit codes identify the firms, and an error names
    # its own column, not the firm_id it does not have; a code written in lower case is the
    # same code
    reg = pd.DataFrame({"统一社会信用代码": ["91350100M000100Y43", None, "91350100m000100y43"],
                        "经营范围": ["x", "y", "z"]})
    reg.attrs.update(source="名单.csv", first_row=2)
    with pytest.raises(cg.ChainDataError, match=r"名单.csv: column '统一社会信用代码': missing credit "
                       r"codes .*\(row 3\)"):
        cg.assign_segments(reg, "nev", code=None)
    reg.loc[1, "统一社会信用代码"] = "91370200MA3C4P5K45"
    with pytest.raises(cg.ChainDataError, match=r"名单.csv: column '统一社会信用代码': duplicate credit "
                       r"codes '91350100M000100Y43' .*\(rows 2, 4\)"):
        cg.assign_segments(reg, "nev", code=None)


def test_csv_register_with_a_title_row_says_so(tmp_path):
    # a CSV saved from a workbook with a title row: the title line is read as the header
    path = tmp_path / "名单.csv"
    path.write_bytes("2024年企业名单,,\n企业名称,统一社会信用代码,经营范围\n甲,91350100M000100Y43,锂电池制造\n"
                     .encode("gb18030"))
    with pytest.raises(cg.ChainDataError, match=r"名单.csv: missing column 'firm_id' .*columns found: "
                       r"2024年企业名单, Unnamed: 1, Unnamed: 2\); is '2024年企业名单' a title above "
                       r"the header\? remove that row"):
        cg.assign_segments(cg.read_register(path), "nev")


def test_presence_from_assign_builds_a_chain(tmp_path):
    # A makes motors and controllers (2 rows), B only sells cars (placed nowhere: 1 row with
    # no segment), C makes cells (1 row): the chain has A's two rows and C's, and B is in no
    # segment, as a firm without presence rows
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "business_scope": [
        "驱动电机、电机控制器的研发、生产", "新能源汽车销售", "锂离子电池制造"]})
    presence = cg.assign_segments(firms, "nev", code=None)
    assert presence["segment_id"].isna().tolist() == [False, False, True, False]
    with pytest.warns(cg.ChainDataWarning, match=r"presence: 1 rows name a firm and no segment "
                      r"\(firms placed in no segment, .*\(row 2\)"):
        chain = cg.ChainGraph.from_frames(firms, segments="nev", presence=presence)
    assert chain.presence[["firm_id", "segment_id"]].values.tolist() == [
        ["A", "drive_motor"], ["A", "motor_controller"], ["C", "battery_cell"]]
    assert chain.summary().totals["firms without segment"] == 1
    # on the command line: assign's output is the folder's presence.csv
    folder = tmp_path / "map"
    folder.mkdir()
    firms.to_csv(folder / "firms.csv", index=False)
    assert run("assign", folder / "firms.csv", "-t", "nev", "--code", "none",
               "-o", folder / "presence.csv").exit_code == 0
    result = run("validate", folder)
    assert result.exit_code == 0, result.output
    assert "presence.csv: 1 rows name a firm and no segment" in result.output
    assert "(row 4)" in result.output  # B's row is line 4 of presence.csv


def test_presence_row_without_segment_beside_the_firms_segments_is_an_error():
    presence = pd.DataFrame({"firm_id": ["A", "A", "B"], "segment_id": ["vehicle", None, None]})
    with pytest.raises(cg.ChainDataError, match=r"presence: column 'segment_id': missing ids \(row 1\)"), \
            pytest.warns(cg.ChainDataWarning, match="1 rows name a firm and no segment"):
        cg.ChainGraph.from_frames(pd.DataFrame({"firm_id": ["A", "B"]}), presence=presence)
    with pytest.raises(cg.ChainDataError, match=r"no row names a segment.*\(rows 0, 1\)"):
        cg.ChainGraph.from_frames(pd.DataFrame({"firm_id": ["A", "B"]}),
                                  presence=pd.DataFrame({"firm_id": ["A", "B"], "segment_id": [None, ""]}))


def test_cli_assign_bad_input_exits_2(sample, tmp_path):
    reg = export(sample, 5).reset_index(drop=True)
    reg.loc[3, "统一社会信用代码"] = reg.loc[3, "统一社会信用代码"][:-1] + "I"  # file line 5
    path = tmp_path / "register.csv"
    reg.to_csv(path, index=False)
    result = run("assign", path, "-t", "nev")
    assert result.exit_code == 2
    assert "register.csv: column 'credit_code'" in result.output and "(row 5)" in result.output
    result = run("assign", path, "-t", "nev", "--text", "经营内容")
    assert result.exit_code == 2 and "missing column '经营内容'" in result.output
    (tmp_path / "register.pdf").write_text("x")
    result = run("assign", tmp_path / "register.pdf", "-t", "nev")
    assert result.exit_code == 2 and "give .csv, .tsv or .xlsx" in result.output


def test_cli_assign_without_codes(sample, tmp_path):
    path = tmp_path / "register.csv"
    export(sample, 10).drop(columns=["国标行业"]).to_csv(path, index=False)
    assert run("assign", path, "-t", "nev").exit_code == 2
    result = run("assign", path, "-t", "nev", "--code", "none", "--format", "csv")
    assert result.exit_code == 0
    assert "keywords: " in result.output and "code: " not in result.output


def test_english_keywords_and_full_width_codes():
    firms = pd.DataFrame({"firm_id": ["A", "B"],
                          "business_scope": ["Manufacture of Lithium  Carbonate", None],
                          "industry_code": [None, "Ｃ３６１２"]})
    p = cg.assign_segments(firms, "nev")
    assert p["segment_id"].tolist() == ["lithium_resources", "vehicle"]
    assert p["evidence"].tolist() == ["keywords: lithium carbonate", "code: 3612"]


def test_firms_with_nothing_to_read_are_kept():
    firms = pd.DataFrame({"firm_id": ["a", "b"], "business_scope": [None, ""],
                          "industry_code": [None, None]})
    p = cg.assign_segments(firms, "nev")
    assert p["firm_id"].tolist() == ["a", "b"] and p["segment_id"].isna().all()
    assert p["score"].tolist() == [0.0, 0.0] and p["matched_by"].tolist() == ["none", "none"]
