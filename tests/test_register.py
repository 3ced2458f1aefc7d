"""Firm-register columns: credit codes (GB 32100-2015), registered capital, founding dates."""

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.schema import credit_code_check_char

# Values of the code characters (GB 32100-2015, table 1): 0-9 → 0-9, then
# A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20 M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30.
# Weights of positions 1-17, W_i = 3^(i-1) mod 31:
#   1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28


def test_check_char_of_the_standards_example():
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4 → values 9 1 3 5 0 1 0 0 21 0 0 0 1 0 0 30 4
    # products 9 3 27 135 0 26 0 0 420 0 0 0 8 0 0 900 112, sum 1640 = 31·52 + 28
    # check value 31 - 28 = 3 → '3'
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_check_char_worked_by_hand():
    # 9 1 3 7 0 2 0 0 M A 3 C 4 P 5 K 4
    # values 9 1 3 7 0 2 0 0 21 10 3 12 4 23 5 19 4
    # products 9 3 27 189 0 52 0 0 420 290 75 156 32 552 50 570 112, sum 2537 = 31·81 + 26
    # check value 31 - 26 = 5 → '5'
    assert credit_code_check_char("91370200MA3C4P5K4") == "5"
    # last character 0 instead of 4: sum 2537 - 4·28 = 2425 = 31·78 + 7; 31 - 7 = 24 → 'Q'
    assert credit_code_check_char("91370200MA3C4P5K0") == "Q"
    # last character P (23): sum 2425 + 23·28 = 3069 = 31·99 + 0; 31 - 0 = 31, written 0
    assert credit_code_check_char("91370200MA3C4P5KP") == "0"


def test_check_char_refuses_characters_outside_the_set():
    assert credit_code_check_char("91370200MA3C4P5KI") is None  # I is not used
    assert credit_code_check_char("9137020") is None


def register(**changes):
    data = {
        "企业id": ["R1", "R2", "R3"],
        "企业名称": ["甲电池有限公司", "乙汽车销售有限公司", "丙电机有限公司"],
        "统一社会信用代码": ["91350100M000100Y43", "91370200MA3C4P5K45", "91370200ma3c4p5kp0"],
        "注册资本": ["5000万元人民币", "1.2亿", 800],
        "成立日期": ["2015-03-12", "2019/7/1", "2003年10月8日"],
        "经营范围": ["锂离子电池制造", "汽车销售", "电机制造"],
        "国标行业": ["C3841", "F5261", "3812"],
        "所属省份": ["山东省", "山东", "山东"],
        "所属城市": ["青岛", "济南", "淄博"],
    }
    data.update(changes)
    return pd.DataFrame(data)


def links():
    return pd.DataFrame({"supplier_id": ["R1", "R3"], "customer_id": ["R2", "R2"]})


def test_register_headers_become_canonical_columns():
    chain = cg.ChainGraph.from_frames(register(), links())
    f = chain.firms
    assert {"credit_code", "registered_capital", "founded_date", "founded", "business_scope",
            "industry_code", "province", "city"} <= set(f.columns)
    # upper-cased and kept as text
    assert f.loc["R3", "credit_code"] == "91370200MA3C4P5KP0"
    # 万元 CNY: 5000万元 → 5000; 1.2亿 → 12000; a bare number is already 万元
    assert f["registered_capital"].tolist() == [5000.0, 12000.0, 800.0]
    assert f["founded_date"].tolist() == [pd.Timestamp("2015-03-12"), pd.Timestamp("2019-07-01"),
                                          pd.Timestamp("2003-10-08")]
    # the year the tier rules read comes from the date, which is kept whole
    assert f["founded"].tolist() == [2015, 2019, 2003]


def test_credit_code_typed_in_full_width_is_read():
    # 91370200MA3C4P5K45 typed with a Chinese input method in full-width mode, and with an
    # ideographic space after it
    full = "９１３７０２００ＭＡ３Ｃ４Ｐ５Ｋ４５\u3000"
    chain = cg.ChainGraph.from_frames(register(统一社会信用代码=[None, full, None]), links())
    assert chain.firms.loc["R2", "credit_code"] == "91370200MA3C4P5K45"
    # a full-width character outside the code's set is still an error (Ｉ is not used)
    with pytest.raises(cg.ChainDataError, match=r"credit_code.*\(row 1\)"):
        cg.ChainGraph.from_frames(register(统一社会信用代码=[None, "９１３７０２００ＭＡ３Ｃ４Ｐ５ＫＩ５", None]),
                                  links())


def test_bad_credit_code_names_the_rows():
    bad = register(统一社会信用代码=["91350100M000100Y4Z", "91370200MA3C4P5K45", "9137"])
    with pytest.raises(cg.ChainDataError) as err:
        cg.ChainGraph.from_frames(bad, links())
    msg = str(err.value)
    assert "credit_code" in msg and "91350100M000100Y4Z" in msg and "'9137'" in msg
    assert "rows R1" not in msg and "(rows 0, 2)" in msg  # index labels of a DataFrame


def test_missing_credit_code_is_allowed():
    chain = cg.ChainGraph.from_frames(register(统一社会信用代码=[None, "", "91350100M000100Y43"]),
                                      links())
    assert chain.firms["credit_code"].isna().tolist() == [True, True, False]


def test_capital_in_another_currency_is_an_error():
    with pytest.raises(cg.ChainDataError, match=r"500万美元.*convert other currencies.*\(row 1\)"):
        cg.ChainGraph.from_frames(register(注册资本=["100", "500万美元", None]), links())


def test_capital_in_yuan():
    chain = cg.ChainGraph.from_frames(register(注册资本=["1000000元", "3,000万元", None]), links())
    assert chain.firms["registered_capital"].tolist()[:2] == [100.0, 3000.0]
    assert np.isnan(chain.firms["registered_capital"].iloc[2])


def test_money_written_with_units_is_read_in_wan_yuan():
    # 营业收入 as exports write it: 450264万元 → 450264; 25.96亿元 → 259600;
    # "3,000元" → 0.3 (万元); a bare number beside them is already 万元
    reg = register(营业收入=["450264万元", "25.96亿元", "3,000元"])
    lk = links().assign(金额=["1,200", "0.5亿元"])
    with pytest.warns(cg.ChainDataWarning) as caught:
        chain = cg.ChainGraph.from_frames(reg, lk)
    assert chain.firms["revenue"].tolist() == [450264.0, 259600.0, 0.3]
    assert chain.links["amount"].tolist() == [1200.0, 5000.0]
    said = [str(w.message) for w in caught]
    assert "firms: column 'revenue': 3 amounts written with a unit (万元, 亿元 or 元) were " \
           "converted to 万元 (rows 0, 1, 2)" in said
    assert "links: column 'amount': 1 amounts written with a unit (万元, 亿元 or 元) were " \
           "converted to 万元 (row 1)" in said


def test_numbers_typed_in_full_width():
    # １２３ and 1，234 typed with a Chinese input method are 123 and 1234; １．５亿元 is 15000 万元
    reg = register(从业人数=["１２３", "1，234", None], 营业收入=["１．５亿元", "２０００", None])
    with pytest.warns(cg.ChainDataWarning, match="1 amounts written with a unit"):
        chain = cg.ChainGraph.from_frames(reg, links())
    assert chain.firms["employees"].tolist()[:2] == [123, 1234]
    assert chain.firms["revenue"].tolist()[:2] == [15000.0, 2000.0]


def test_money_in_another_currency_or_unreadable_names_the_rows():
    with pytest.raises(cg.ChainDataError,
                       match=r"revenue.*'500万美元'.*convert other currencies.*\(row 1\)"):
        cg.ChainGraph.from_frames(register(营业收入=["100万元", "500万美元", None]), links())
    with pytest.raises(cg.ChainDataError, match=r"revenue.*'约3万元'.*\(row 2\)"):
        cg.ChainGraph.from_frames(register(营业收入=["100万元", None, "约3万元"]), links())
    with pytest.raises(cg.ChainDataError, match=r"amount.*negative.*\(row 0\)"), \
            pytest.warns(cg.ChainDataWarning, match="1 amounts written with a unit"):
        # the unit was read (a warning says so); the value is then refused
        cg.ChainGraph.from_frames(register(), links().assign(amount=["-2万元", "1"]))


def test_a_date_at_midnight_as_excel_date_cells_read_is_a_date():
    chain = cg.ChainGraph.from_frames(register(成立日期=["2015-03-12 00:00:00", "2019-07-01 00:00",
                                                      None]), links())
    assert chain.firms["founded_date"].tolist()[:2] == [pd.Timestamp("2015-03-12"),
                                                        pd.Timestamp("2019-07-01")]
    # a time of day is not a date
    with pytest.raises(cg.ChainDataError, match=r"'2015-03-12 13:30:00' as dates.*\(row 0\)"):
        cg.ChainGraph.from_frames(register(成立日期=["2015-03-12 13:30:00", None, None]), links())


def test_bad_date_names_the_rows():
    with pytest.raises(cg.ChainDataError, match=r"founded_date.*'2015-13-40'.*\(row 2\)"):
        cg.ChainGraph.from_frames(register(成立日期=["2015-03-12", None, "2015-13-40"]), links())


def test_founded_year_and_date_must_agree():
    with pytest.raises(cg.ChainDataError, match=r"founded.*differs.*\(row 1\)"):
        cg.ChainGraph.from_frames(register(成立年份=[2015, 2018, None]), links())


def test_founded_year_filled_from_the_date_says_how_many():
    with pytest.warns(cg.ChainDataWarning, match="founded year taken from founded_date for 1 firms"):
        chain = cg.ChainGraph.from_frames(register(成立年份=[2015, 2019, None]), links())
    assert chain.firms["founded"].tolist() == [2015, 2019, 2003]


def test_register_columns_survive_a_round_trip(tmp_path):
    chain = cg.ChainGraph.from_frames(register(), links())
    for path in (tmp_path / "folder", tmp_path / "book.xlsx"):
        cg.write_chain(chain, path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = cg.read_chain(path)
        pd.testing.assert_frame_equal(back.firms, chain.firms, check_exact=True)
