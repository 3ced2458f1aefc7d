"""ingest_transactions: invoice-level transactions summed into links, out of core with DuckDB."""

import gzip
import sys
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import chaingraph as cg
from chaingraph import _transaction_files
from chaingraph import ingest as ingest_module
from chaingraph.cli import cli



def ingest(*args, **kwargs):
    """ingest_transactions with its data warnings recorded instead of shown."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        links = cg.ingest_transactions(*args, **kwargs)
    links.attrs["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return links


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# one row per reject cause (and rows that only go wrong once their ids are stripped);
# the last column says what each row is
BAD_ROWS = """supplier_id,customer_id,amount,date,note
A,B,0.1,2024-01-05,valid
 A ,B,0.2,2024/3/1,valid once stripped: same link as line 2
,B,1,2024-01-01,missing supplier
A,,1,2024-01-01,missing customer
A,C,,2024-01-01,missing amount
A,C,abc,2024-01-01,non-numeric amount
A,C,-1,2024-01-01,negative amount
A,C,1,,missing date
A,C,1,05/03/2024,ambiguous date
A,A,1,2024-01-01,self-transaction
 A,A ,1,2024-01-01,self-transaction once stripped
"   ",C,1,2024-01-01,supplier of spaces only
,,-1,bad,all wrong: counted once under the first cause
A,C,"1,234.5",20240105,valid: thousands separators
A,C,2.5,2024年1月6日,valid
"""


# --------------------------------------------------------------------------- #
# exact sums


def test_a_million_tenths_sum_to_exactly_100000(tmp_path):
    # 0.1 is not a binary fraction: a float running sum of 10^6 of them gives
    # 100000.00000133288; a decimal sum is 10^6 × 1/10 = 100000 exactly.
    assert sum([0.1] * 10**6) != 100000.0
    path = write(tmp_path / "tenths.csv", "supplier_id,customer_id,amount\n" + "A,B,0.1\n" * 10**6)
    links = ingest(path)
    assert links["amount"].tolist() == [100000.0]
    assert links["n_transactions"].tolist() == [10**6]


def test_float_parquet_amounts_sum_exactly_in_any_order(tmp_path):
    # amounts with two decimals as float64, in two files in opposite orders: the exact
    # decimal sum (Python's Decimal on the written digits) is what comes out, whatever the order
    rng = np.random.default_rng(7)
    cents = rng.integers(1, 10**9, 20_000)
    amounts = cents / 100
    exact = float(sum(Decimal(int(c)) / 100 for c in cents))
    frame = pd.DataFrame({"supplier_id": "S", "customer_id": "C", "amount": amounts})
    frame.to_parquet(tmp_path / "forward.parquet")
    frame.iloc[::-1].to_parquet(tmp_path / "backward.parquet")
    one = ingest(tmp_path / "forward.parquet")["amount"].iloc[0]
    other = ingest(tmp_path / "backward.parquet")["amount"].iloc[0]
    both = ingest(tmp_path / "*.parquet")["amount"].iloc[0]
    assert one == other == exact
    assert both == float(2 * sum(Decimal(int(c)) / 100 for c in cents))


def test_sums_become_the_nearest_float(tmp_path):
    # 123456.000006 is not a float64; the nearest one prints as 123456.000006. Arrow's own
    # decimal-to-float cast is not correctly rounded and gives 123456.00000599999.
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\nA,B,123456\nA,B,0.000006\n")
    assert ingest(path)["amount"].tolist() == [123456.000006]


def test_more_than_six_decimals_are_rounded_and_counted(tmp_path):
    # 0.30000000000000004 (a float written in full) → 0.3; 0.1234567 → 0.123457 (half up);
    # 1.5e-7 → 0.0000002; 2.5000000 has only zeros past the sixth place: not rounded.
    # Sum: 0.3 + 0.123457 + 0.0000002 + 2.5 = 2.9234572
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\n"
                 "A,B,0.30000000000000004\nA,B,0.1234567\nA,B,1.5e-7\nA,B,2.5000000\n")
    links = ingest(path)
    assert links["amount"].tolist() == [2.923457]
    assert links.attrs["amounts_rounded"] == 3
    assert any("3 amounts had more than 6 decimal places" in w for w in links.attrs["warnings"])


def test_rounding_is_counted_for_amounts_beyond_float_precision_too(tmp_path):
    # above 2^53 / 10^6 ≈ 9.007·10^9 the text is compared at twelve places: the first
    # amount has six decimals (kept as written), the second seven (rounded up to …457)
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\n"
                 "A,B,12345678901.123456\nA,C,12345678901.1234567\n")
    links = ingest(path)
    assert links.attrs["amounts_rounded"] == 1
    assert links["amount"].tolist() == [12345678901.123456, 12345678901.123457]


def test_parquet_decimal_and_integer_amounts(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = {"supplier_id": ["A", "A"], "customer_id": ["B", "B"]}
    pq.write_table(pa.table({**ids, "amount": pa.array([Decimal("0.01"), Decimal("2.10")],
                                                        pa.decimal128(12, 2))}), tmp_path / "a.parquet")
    pq.write_table(pa.table({**ids, "amount": pa.array([3, 4], pa.int32())}), tmp_path / "b.parquet")
    # eight places: 0.12345678 → 0.123457 (rounded, counted); 1.00000000 needs no rounding
    pq.write_table(pa.table({**ids, "amount": pa.array([Decimal("0.12345678"), Decimal("1")],
                                                        pa.decimal128(20, 8))}), tmp_path / "c.parquet")
    links = ingest(tmp_path)
    # 0.01 + 2.10 + 3 + 4 + 0.123457 + 1 = 10.233457
    assert links["amount"].tolist() == [10.233457]
    assert links.attrs["amounts_rounded"] == 1


# --------------------------------------------------------------------------- #
# bad rows


def test_every_reject_cause_is_counted_and_written_out(tmp_path):
    path = write(tmp_path / "invoices.csv", BAD_ROWS)
    links = ingest(path, date="date", rejects=tmp_path / "out" / "rejects.csv")
    assert links[["supplier_id", "customer_id", "n_transactions"]].values.tolist() == [
        ["A", "B", 2], ["A", "C", 2]]
    # line 2 + line 3 = 0.1 + 0.2; line 15 + line 16 = 1234.5 + 2.5
    assert links["amount"].tolist() == [0.3, 1237.0]
    assert links["first_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-05")]
    assert links["last_date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-01-06")]
    assert links.attrs["rejected"] == {
        "missing_supplier": 3, "missing_customer": 1, "missing_amount": 1,
        "non_numeric_amount": 1, "negative_amount": 1, "missing_date": 1,
        "unparseable_date": 1, "self_transaction": 2,
    }
    assert set(links.attrs["rejected"]) == set(ingest_module.REJECT_CAUSES)
    assert links.attrs["transactions"] == 15
    [warning] = links.attrs["warnings"]
    assert warning.startswith("ingest: 11 of 15 transactions rejected and not summed "
                              "(3 missing_supplier, 1 missing_customer,")
    assert "written to" in warning

    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects.columns.tolist() == ["supplier_id", "customer_id", "amount", "date", "note",
                                        "reject_reason", "source_file", "source_row"]
    assert rejects["source_row"].astype(int).tolist() == list(range(4, 15))  # file lines
    assert set(rejects["source_file"]) == {str(path)}
    assert rejects["reject_reason"].tolist() == [
        "missing_supplier", "missing_customer", "missing_amount", "non_numeric_amount",
        "negative_amount", "missing_date", "unparseable_date", "self_transaction",
        "self_transaction", "missing_supplier", "missing_supplier"]
    # the original cells, untouched (spaces kept)
    assert rejects.loc[rejects["note"] == "self-transaction once stripped",
                       ["supplier_id", "customer_id"]].values.tolist() == [[" A", "A "]]
    assert rejects.loc[rejects["note"] == "ambiguous date", "date"].tolist() == ["05/03/2024"]


def test_all_rows_rejected_gives_an_empty_table_of_the_same_columns(tmp_path):
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount,date\nA,A,1,2024-01-01\n")
    links = ingest(path, date="date", by_year=True)
    assert links.empty
    assert links.columns.tolist() == ["supplier_id", "customer_id", "year", "amount",
                                      "n_transactions", "first_date", "last_date"]
    assert links.attrs["transactions"] == 1


def test_spellings_of_missing_are_missing(tmp_path):
    # as chaingraph reads CSV elsewhere: NA, N/A, null, None, #N/A … are missing values
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount,date\n"
                 "NA,B,1,2024-01-01\nA,null,1,2024-01-01\nA,B,N/A,2024-01-01\n"
                 "A,B,1,#N/A\nA,B,1,2024-01-01\n")
    links = ingest(path, date="date", rejects=tmp_path / "rejects.csv")
    assert links.attrs["rejected"] == {"missing_supplier": 1, "missing_customer": 1,
                                       "missing_amount": 1, "missing_date": 1}
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["supplier_id"].tolist() == ["NA", "A", "A", "A"]  # written as they were


def test_without_rejects_path_the_warning_says_how_to_get_them(tmp_path):
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\nA,B,1\nA,A,2\n")
    links = ingest(path)
    assert links.attrs["rejected"] == {"self_transaction": 1}
    assert "pass rejects=PATH (on the command line --rejects PATH) to write them out" \
        in links.attrs["warnings"][0]
    result = CliRunner().invoke(cli, ["ingest", str(path), "-o", str(tmp_path / "o.csv"), "--quiet"])
    assert result.exit_code == 0 and "--rejects PATH" in result.output


def test_clean_data_gives_no_warning(tmp_path):
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\nA,B,1\nB,C,2\n")
    links = ingest(path)
    assert links.attrs["warnings"] == []
    assert links.attrs["rejected"] == {}


def test_parquet_rejects_number_rows_from_one(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({
        "supplier_id": ["A", None, "A", "A", "A", "A", "B"],
        "customer_id": ["B", "B", "B", "B", "B", "B", "B"],
        "amount": pa.array([1.0, 2.0, None, float("nan"), float("inf"), -3.0, 4.0]),
    }), tmp_path / "p.parquet")
    links = ingest(tmp_path / "p.parquet", rejects=tmp_path / "rejects.parquet")
    assert links.attrs["rejected"] == {"missing_supplier": 1, "missing_amount": 1,
                                       "non_numeric_amount": 2, "negative_amount": 1,
                                       "self_transaction": 1}
    rejects = pd.read_parquet(tmp_path / "rejects.parquet")
    assert rejects["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert rejects["reject_reason"].tolist() == [
        "missing_supplier", "missing_amount", "non_numeric_amount", "non_numeric_amount",
        "negative_amount", "self_transaction"]
    assert rejects["amount"].fillna("<missing>").tolist() == [
        "2.0", "<missing>", "nan", "inf", "-3.0", "4.0"]


def test_rejects_from_many_files_name_each_file(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,customer_id,amount\nA,B,1\nA,A,1\n")
    write(tmp_path / "b.csv", "supplier_id,customer_id,amount\nA,B,-1\nA,B,1\nA,B,x\n")
    write(tmp_path / "c.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    links = ingest(tmp_path / "*.csv", rejects=tmp_path / "rejects.csv")
    assert links["n_transactions"].tolist() == [3]
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str)
    assert rejects[["source_file", "source_row", "reject_reason"]].values.tolist() == [
        [str(tmp_path / "a.csv"), "3", "self_transaction"],
        [str(tmp_path / "b.csv"), "2", "negative_amount"],
        [str(tmp_path / "b.csv"), "4", "non_numeric_amount"],
    ]


# --------------------------------------------------------------------------- #
# files, formats, encodings, headers


def test_many_files_globs_folders_and_lists(tmp_path):
    (tmp_path / "2023").mkdir()
    (tmp_path / "2024").mkdir()
    for year in (2023, 2024):
        for part in range(3):
            pd.DataFrame({"supplier_id": ["A", "B"], "customer_id": ["B", "C"], "amount": [1.0, 10.0],
                          "batch": f"{year}-{part}"}).to_parquet(tmp_path / str(year) / f"{part}.parquet")
    write(tmp_path / "2024" / "extra.csv", "supplier_id,customer_id,amount\nA,B,100\n")

    every = ingest(str(tmp_path / "**" / "*.parquet"))
    assert every[["supplier_id", "customer_id", "amount", "n_transactions"]].values.tolist() == [
        ["A", "B", 6.0, 6], ["B", "C", 60.0, 6]]
    mixed = ingest([tmp_path / "2023", str(tmp_path / "2024" / "*.csv")])  # a folder and a glob
    assert mixed["amount"].tolist() == [103.0, 30.0]
    assert ingest(tmp_path / "2024")["amount"].tolist() == [103.0, 30.0]  # CSV and Parquet


def test_a_folder_says_which_folders_inside_it_are_not_read(tmp_path):
    # invoices/2018.csv beside invoices/2019/01.csv and invoices/2020/q1/01.parquet: the folder
    # gives 2018's row only (1), and the warning names the two year folders it leaves out
    write(tmp_path / "2018.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    (tmp_path / "2019").mkdir()
    write(tmp_path / "2019" / "01.csv", "supplier_id,customer_id,amount\nA,B,10\n")
    (tmp_path / "2020" / "q1").mkdir(parents=True)
    pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"], "amount": [100.0]}).to_parquet(
        tmp_path / "2020" / "q1" / "01.parquet")
    (tmp_path / "notes").mkdir()
    write(tmp_path / "notes" / "readme.md", "not data")
    links = ingest(tmp_path)
    assert links["amount"].tolist() == [1.0]
    [warning] = links.attrs["warnings"]
    assert "the files in 2 folders inside it are not read (2019, 2020)" in warning
    every = [str(tmp_path / "**" / "*.csv"), str(tmp_path / "**" / "*.parquet")]  # '**' reads them
    assert ingest(every)["amount"].tolist() == [111.0]
    (tmp_path / "2018.csv").unlink()
    with pytest.raises(cg.ChainDataError, match=r"no CSV or Parquet files in this folder "
                                                r"\(only in folders inside: 2019, 2020\)"):
        cg.ingest_transactions(tmp_path)


def test_files_may_differ_in_headers_and_column_order(tmp_path):
    write(tmp_path / "a.csv", "供应商ID,客户ID,金额\nA,B,1\n")
    write(tmp_path / "b.csv", "amount;customer_id;supplier_id;remark\n2;B;A;x\n")
    pd.DataFrame({"customer_id": ["B"], "supplier_id": ["A"], "amount": [4]}).to_parquet(
        tmp_path / "c.parquet")
    links = ingest(tmp_path)
    assert links[["supplier_id", "customer_id", "amount", "n_transactions"]].values.tolist() == [
        ["A", "B", 7.0, 3]]


def test_ids_written_in_several_ways_are_kept_apart_with_a_warning(tmp_path):
    # one tax id typed three ways (upper case, lower case, with a space inside) and another
    # typed one way: three firms as far as the files say, and the warning names them
    write(tmp_path / "a.csv", "supplier_id,customer_id,amount\n"
          "91370100ABC,91370200XYZ,100\n91370100abc,91370200XYZ,50\n"
          "9137 0100ABC,91370200XYZ,10\n91370100ABC,91370200XYZ,1\n")
    links = ingest(tmp_path / "a.csv")
    assert links[["supplier_id", "amount"]].values.tolist() == [
        ["9137 0100ABC", 10.0], ["91370100ABC", 101.0], ["91370100abc", 50.0]]
    assert links.attrs["ids_alike"] == 1
    [warning] = links.attrs["warnings"]
    assert "1 firm ids are written in more than one way" in warning
    assert "'9137 0100ABC' = '91370100ABC' = '91370100abc'" in warning


def test_ids_stay_text(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,customer_id,amount\n000123,0456,1\n")
    pd.DataFrame({"supplier_id": [123], "customer_id": [7.0], "amount": [2]}).to_parquet(
        tmp_path / "b.parquet")
    links = ingest([tmp_path / "a.csv", tmp_path / "b.parquet"])
    assert links[["supplier_id", "customer_id"]].values.tolist() == [["000123", "0456"], ["123", "7"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_and_chinese_headers(tmp_path, encoding):
    text = ("供应商ID,客户ID,金额,开票日期\n"
            "青岛甲,济南乙,1.5,2024-01-02\n青岛甲,济南乙,2.5,2024年2月3日\n济南乙,淄博丙,4,20240304\n")
    path = write(tmp_path / "发票.csv", text, encoding)
    links = ingest(path, date="开票日期")
    assert links[["supplier_id", "customer_id", "amount", "n_transactions"]].values.tolist() == [
        ["济南乙", "淄博丙", 4.0, 1], ["青岛甲", "济南乙", 4.0, 2]]
    assert links["last_date"].tolist()[1] == pd.Timestamp("2024-02-03")


def test_gbk_detected_past_the_first_chunk_and_rejects_name_the_original(tmp_path, monkeypatch):
    # a GBK file whose first chunks are ASCII: the whole file is checked, and the
    # transcoding splits two-byte characters across chunk boundaries without harm
    monkeypatch.setattr(_transaction_files, "_CHUNK", 7)
    text = "supplier_id,customer_id,amount\n" + "A,B,1\n" * 5 + "甲公司,乙公司,2\n甲公司,甲公司,3\n"
    path = write(tmp_path / "gbk.csv", text, "gbk")
    links = ingest(path, rejects=tmp_path / "rejects.csv")
    assert links[["supplier_id", "customer_id", "amount"]].values.tolist() == [
        ["A", "B", 5.0], ["甲公司", "乙公司", 2.0]]
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str)
    assert rejects[["supplier_id", "source_file", "source_row"]].values.tolist() == [
        ["甲公司", str(path), "8"]]  # header, 5 ASCII lines, 甲→乙 on line 7


def test_damaged_utf8_is_an_error_not_gbk(tmp_path):
    raw = "supplier_id,customer_id,amount\n" + "青岛甲,济南乙,1\n" * 40
    raw = raw.encode() + b"A,\xff\xfeB,1\n"  # line 42
    (tmp_path / "bad.csv").write_bytes(raw)
    with pytest.raises(cg.ChainDataError, match=r"bad.csv: the file is UTF-8 but has an invalid "
                                                r"byte on line 42"):
        ingest(tmp_path / "bad.csv")


def test_tab_separated_and_gzip(tmp_path):
    import gzip

    with gzip.open(tmp_path / "t.tsv.gz", "wt", encoding="gb18030") as f:
        f.write("供应商\t客户\t交易额\n甲\t乙\t3\n")
    links = ingest(tmp_path / "t.tsv.gz")
    assert links[["supplier_id", "customer_id", "amount"]].values.tolist() == [["甲", "乙", 3.0]]


# --------------------------------------------------------------------------- #
# dates and years


def test_by_year_and_dates_from_text_and_date_columns(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,customer_id,amount,date\n"
          "A,B,1,2023-12-31\nA,B,2,2024-01-01 08:30:00\nA,B,4,2024.06.30\n")
    pd.DataFrame({"supplier_id": ["A", "A"], "customer_id": ["B", "C"], "amount": [8.0, 16.0],
                  "date": [pd.Timestamp("2024-07-01 23:59"), pd.Timestamp("2022-02-02")]}).to_parquet(
        tmp_path / "b.parquet")
    links = ingest(tmp_path, date="date", by_year=True)
    assert links.columns.tolist() == ["supplier_id", "customer_id", "year", "amount",
                                      "n_transactions", "first_date", "last_date"]
    assert links[["supplier_id", "customer_id", "year", "amount", "n_transactions"]].values.tolist() \
        == [["A", "B", 2023, 1.0, 1], ["A", "B", 2024, 14.0, 3], ["A", "C", 2022, 16.0, 1]]
    assert links["year"].dtype == "int64"
    assert links.loc[1, "first_date"] == pd.Timestamp("2024-01-01")
    assert links.loc[1, "last_date"] == pd.Timestamp("2024-07-01")


@pytest.mark.parametrize("machine_zone", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_zoned_timestamps_are_dated_in_their_own_zone_not_the_machines(tmp_path, monkeypatch,
                                                                       machine_zone):
    # the same three instants: 2019-12-31 16:30 UTC (00:30 on New Year's Day in Beijing),
    # 2019-12-31 15:30 UTC (23:30 on New Year's Eve in Beijing) and 2020-06-01 00:00 UTC
    monkeypatch.setenv("TZ", machine_zone)
    instants = pd.to_datetime(["2019-12-31 16:30", "2019-12-31 15:30", "2020-06-01 00:00"], utc=True)
    frame = pd.DataFrame({"supplier_id": ["A"] * 3, "customer_id": ["B"] * 3,
                          "amount": [1.0, 2.0, 4.0]})
    frame.assign(date=instants.tz_convert("Asia/Shanghai")).to_parquet(tmp_path / "beijing.parquet")
    frame.assign(date=instants).to_parquet(tmp_path / "utc.parquet")
    beijing = ingest(tmp_path / "beijing.parquet", date="date", by_year=True)
    # Beijing dates: 2020-01-01, 2019-12-31, 2020-06-01 -> 2019: 2; 2020: 1 + 4 = 5
    assert beijing[["year", "amount", "n_transactions"]].values.tolist() == [[2019, 2.0, 1],
                                                                            [2020, 5.0, 2]]
    assert beijing["first_date"].tolist() == [pd.Timestamp("2019-12-31"), pd.Timestamp("2020-01-01")]
    utc = ingest(tmp_path / "utc.parquet", date="date", by_year=True)
    # UTC dates: 2019-12-31 twice, 2020-06-01 -> 2019: 1 + 2 = 3; 2020: 4
    assert utc[["year", "amount", "n_transactions"]].values.tolist() == [[2019, 3.0, 2], [2020, 4.0, 1]]


def test_red_letter_invoices_are_rejected_and_their_blue_ones_stay(tmp_path):
    # VAT invoices across New Year: blue 100 (2019-03-05), blue 5 (2019-12-31, last day),
    # blue 7 (2020-01-01, first day), red -100 (2020-01-02) cancelling the first, a zero.
    # By year: 2019 = 100 + 5 + 0 = 105 from 3 invoices; 2020 = 7 from 1; the red one rejected
    write(tmp_path / "a.csv", "销方税号,购方税号,开票日期,金额\n"
          "S,B,2019-03-05,100.00\nS,B,20191231,5\nS,B,2020/1/1,7\nS,B,2020-01-02,-100.00\n"
          "S,B,2019-06-01,0\n", encoding="gbk")
    links = ingest(tmp_path / "a.csv", supplier="销方税号", customer="购方税号", amount="金额",
                   date="开票日期", by_year=True, rejects=tmp_path / "rejects.csv")
    assert links[["year", "amount", "n_transactions"]].values.tolist() == [[2019, 105.0, 3],
                                                                          [2020, 7.0, 1]]
    assert links.attrs["transactions"] == 5 and links.attrs["rejected"] == {"negative_amount": 1}
    rejected = pd.read_csv(tmp_path / "rejects.csv", dtype=str)
    assert rejected[["金额", "reject_reason", "source_row"]].values.tolist() == [
        ["-100.00", "negative_amount", "5"]]


# --------------------------------------------------------------------------- #
# red-letter invoices netted (negative="net")


def reconciles(links):
    """Rows read = rows summed into the links + rows rejected, by cause (links rejected whole
    counted by their rows)."""
    return links.attrs["transactions"] == int(links["n_transactions"].sum()) + sum(
        links.attrs["rejected"].values())


# VAT invoices of S to B across New Year: blue 20 (2019-06-01), blue 100 (2019-12-20), blue 7
# (2020-01-01), red -100 (2020-01-10) cancelling the December one; and C to D, 50 in 2020
ACROSS_NEW_YEAR = """supplier_id,customer_id,date,amount
S,B,2019-06-01,20
S,B,2019-12-20,100.00
S,B,2020-01-01,7
S,B,2020-01-10,-100.00
C,D,2020-03-01,50
"""


def test_net_sums_red_letter_invoices_within_a_year(tmp_path):
    # A→B in 2024: 100 + 250.50 - 50.25 (red, cancelling part of the 250.50) + 30 = 330.25
    # from 4 invoices, one of them netted; A→C: 10 from 1
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,date,amount\n"
                 "A,B,2024-01-05,100\nA,B,2024-02-01,250.50\nA,B,2024-02-20,-50.25\n"
                 "A,B,2024-06-30,30\nA,C,2024-03-01,10\n")
    for by_year in (False, True):
        links = ingest(path, date="date", by_year=by_year, negative="net")
        assert links[["supplier_id", "customer_id", "amount", "n_transactions"]].values.tolist() \
            == [["A", "B", 330.25, 4], ["A", "C", 10.0, 1]]
        assert links["first_date"].tolist()[0] == pd.Timestamp("2024-01-05")
        assert links.attrs["netted"] == 1 and links.attrs["rejected"] == {}
        assert links.attrs["rejected_links"] == {} and links.attrs["warnings"] == []
        assert reconciles(links)


def test_net_across_new_year_rejects_the_negative_year_and_keeps_the_other(tmp_path):
    path = write(tmp_path / "t.csv", ACROSS_NEW_YEAR)
    links = ingest(path, date="date", by_year=True, negative="net")
    # S→B 2019 = 20 + 100 = 120 (2 rows, kept); S→B 2020 = 7 - 100 = -93 (2 rows): negative_net;
    # C→D 2020 = 50 (kept). Rows: 5 = 2 + 1 kept + 2 in the rejected link
    assert links[["supplier_id", "customer_id", "year", "amount", "n_transactions"]].values \
        .tolist() == [["C", "D", 2020, 50.0, 1], ["S", "B", 2019, 120.0, 2]]
    assert links.attrs["rejected"] == {"negative_net": 2}
    assert links.attrs["rejected_links"] == {"negative_net": 1}
    assert links.attrs["transactions"] == 5 and links.attrs["netted"] == 0 and reconciles(links)
    [warning] = links.attrs["warnings"]
    assert warning.startswith("ingest: 2 of 5 transactions rejected and not summed (2 negative_net); "
                              "1 link sums to zero or less once negative amounts are netted "
                              "(S→B 2020: net -93 from 2 rows) and is left out whole, not clipped "
                              "to zero")
    # without by_year the red one nets against December's blue one: 20 + 100 + 7 - 100 = 27
    whole = ingest(path, date="date", negative="net")
    assert whole[["supplier_id", "customer_id", "amount", "n_transactions"]].values.tolist() == [
        ["C", "D", 50.0, 1], ["S", "B", 27.0, 4]]
    assert whole.attrs["netted"] == 1 and whole.attrs["rejected"] == {} and reconciles(whole)


def test_reject_is_the_default_and_unchanged(tmp_path):
    path = write(tmp_path / "t.csv", ACROSS_NEW_YEAR)
    default = ingest(path, date="date", by_year=True)
    explicit = ingest(path, date="date", by_year=True, negative="reject")
    pd.testing.assert_frame_equal(default, explicit)
    # the red one rejected alone, December's 100 still summed: 2019 = 120, 2020 = 7
    assert default[["supplier_id", "year", "amount", "n_transactions"]].values.tolist() == [
        ["C", 2020, 50.0, 1], ["S", 2019, 120.0, 2], ["S", 2020, 7.0, 1]]
    assert default.attrs["rejected"] == {"negative_amount": 1}
    assert default.attrs["rejected_links"] == {} and default.attrs["netted"] == 0
    [warning] = default.attrs["warnings"]
    assert "negative='net' (on the command line --negative net) nets them" in warning
    assert reconciles(default)


def test_net_to_exactly_zero_is_a_rejected_link_and_zero_amounts_alone_are_kept(tmp_path):
    # A→B: 0.1 + 0.2 - 0.3 is exactly 0 as decimals (5.551115123125783e-17 as floats): zero_net.
    # A→C: two invoices of 0, no negative one: a link of amount 0, as with negative="reject".
    # A→D: 5 - 0.000001 = 4.999999, kept
    assert 0.1 + 0.2 - 0.3 != 0
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\n"
                 "A,B,0.1\nA,B,0.2\nA,B,-0.3\nA,C,0\nA,C,0.00\nA,D,5\nA,D,-0.000001\n")
    links = ingest(path, negative="net", rejects=tmp_path / "rejects.csv")
    assert links[["customer_id", "amount", "n_transactions"]].values.tolist() == [
        ["C", 0.0, 2], ["D", 4.999999, 2]]
    assert links.attrs["rejected"] == {"zero_net": 3}
    assert links.attrs["rejected_links"] == {"zero_net": 1}
    assert links.attrs["netted"] == 1 and reconciles(links)
    assert "(A→B: net 0 from 3 rows)" in links.attrs["warnings"][0]
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects[["amount", "reject_reason", "link_net_amount", "link_rows"]].values.tolist() == [
        ["0.1", "zero_net", "0", "3"], ["0.2", "zero_net", "0", "3"], ["-0.3", "zero_net", "0", "3"]]


def test_net_sums_stay_exact_decimals(tmp_path):
    # blue and red invoices with two decimals as float64 in two files, in opposite orders:
    # the sum is the exact decimal sum of the written cents, whatever the order; float
    # running sums of the same numbers drift
    rng = np.random.default_rng(11)
    cents = rng.integers(1, 10**9, 20_000)
    cents[::7] *= -1  # every seventh invoice red
    exact = sum(Decimal(int(c)) / 100 for c in cents)
    assert exact > 0
    frame = pd.DataFrame({"supplier_id": "S", "customer_id": "C", "amount": cents / 100})
    assert sum(frame["amount"].tolist()) != float(exact)  # the float way drifts
    frame.to_parquet(tmp_path / "forward.parquet")
    frame.iloc[::-1].to_parquet(tmp_path / "backward.parquet")
    one = ingest(tmp_path / "forward.parquet", negative="net")
    other = ingest(tmp_path / "backward.parquet", negative="net")
    assert one["amount"].tolist() == other["amount"].tolist() == [float(exact)]
    assert one.attrs["netted"] == len(cents[::7])
    both = ingest(tmp_path / "*.parquet", negative="net")
    assert both["amount"].tolist() == [float(2 * exact)]
    # a link of 10^5 tenths and 10^5 red tenths nets to exactly zero
    path = write(tmp_path / "tenths.csv",
                 "supplier_id,customer_id,amount\n" + "A,B,0.1\nA,B,-0.1\n" * 10**5)
    zero = ingest(path, negative="net")
    assert zero.empty and zero.attrs["rejected"] == {"zero_net": 2 * 10**5}


def test_net_rejects_file_names_each_row_with_its_link(tmp_path):
    # S→B's 2020 invoices are in two files, one id typed with a space (" S"): 7 (a.csv line 3)
    # and -100 (b.csv line 2) net to -93 from 2 rows; a.csv line 4 has no amount: rejected alone
    folder = tmp_path / "invoices"
    folder.mkdir()
    write(folder / "a.csv", "supplier_id,customer_id,date,amount\n"
          "S,B,2019-12-20,100\n S,B,2020-01-01,7\nS,B,2020-01-02,\n")
    write(folder / "b.csv", "supplier_id,customer_id,date,amount\nS,B,2020-01-10,-100.00\n"
          "C,D,2020-03-01,50\n")
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"rejects{suffix}"
        links = ingest(folder / "*.csv", date="date", by_year=True, negative="net", rejects=out)
        assert links[["supplier_id", "year", "amount"]].values.tolist() == [
            ["C", 2020, 50.0], ["S", 2019, 100.0]]
        assert links.attrs["rejected"] == {"missing_amount": 1, "negative_net": 2}
        assert reconciles(links)
        rejects = (pd.read_csv(out, dtype=str, keep_default_na=False) if suffix == ".csv"
                   else pd.read_parquet(out, dtype_backend="numpy_nullable").astype("string")
                   .fillna("").astype(str))
        assert rejects.columns.tolist() == [
            "supplier_id", "customer_id", "date", "amount", "reject_reason", "source_file",
            "source_row", "link_supplier_id", "link_customer_id", "link_year", "link_net_amount",
            "link_rows"]
        link = ["S", "B", "2020", "-93", "2"]
        assert rejects.drop(columns=["customer_id", "date"]).values.tolist() == [
            [" S", "7", "negative_net", str(folder / "a.csv"), "3", *link],
            ["S", "", "missing_amount", str(folder / "a.csv"), "4", "", "", "", "", ""],
            ["S", "-100.00", "negative_net", str(folder / "b.csv"), "2", *link],
        ]


def test_negative_must_be_reject_or_net(tmp_path):
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    with pytest.raises(ValueError, match=r"negative='clip': use 'reject' .* or 'net'"):
        cg.ingest_transactions(path, negative="clip")
    # without amounts there is nothing to net: counts as before
    assert ingest(path, amount=None, negative="net")["n_transactions"].tolist() == [1]


def test_vat_export_headers_are_found_by_ingest_only(tmp_path):
    # two GBK exports of the tax system: 销方税号/购方税号 in one, the long 纳税人识别号 forms in
    # the other; 开票日期 is the date, 金额 the amount. 2023: 10 + 5 = 15; 2024: 2.5
    write(tmp_path / "a.csv", "销方税号,购方税号,开票日期,金额,税额\n"
          "91370100AAA,91370200BBB,2023-05-01,10,1.3\n", encoding="gbk")
    write(tmp_path / "b.csv", "发票代码,销方纳税人识别号,购方纳税人识别号,开票日期,金额\n"
          "0371,91370100AAA,91370200BBB,2023-11-30,5\n0372,91370100AAA,91370200BBB,2024-01-02,2.5\n",
          encoding="gbk")
    links = ingest(tmp_path, date="date", by_year=True)
    assert links[["supplier_id", "customer_id", "year", "amount", "n_transactions"]].values \
        .tolist() == [["91370100AAA", "91370200BBB", 2023, 15.0, 2],
                      ["91370100AAA", "91370200BBB", 2024, 2.5, 1]]
    # the links table (read_chain) keeps its own headers
    assert "销方税号" not in cg.schema.COLUMN_ALIASES and "开票日期" not in cg.schema.COLUMN_ALIASES
    # both forms in one file: which is the supplier is not guessed
    write(tmp_path / "c.csv", "销方税号,销方纳税人识别号,购方税号,金额\nA,A,B,1\n", encoding="gbk")
    with pytest.raises(cg.ChainDataError, match="several columns could be 'supplier_id'"):
        cg.ingest_transactions(tmp_path / "c.csv")


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_dates_written_as_numbers(tmp_path, dtype):
    # 20191231 and 20200101 as numbers; pandas keeps whole numbers with a gap as floats
    # (20191231.0), which are the same dates. 2019: 1; 2020: 2 + 4 = 6; 19991301 is no date
    dates = pd.Series([20191231, 20200101, 20200101, 19991301], dtype=dtype)
    pd.DataFrame({"supplier_id": ["A"] * 4, "customer_id": ["B"] * 4,
                  "amount": [1.0, 2.0, 4.0, 8.0], "date": dates}).to_parquet(tmp_path / "a.parquet")
    links = ingest(tmp_path / "a.parquet", date="date", by_year=True)
    assert links[["year", "amount", "n_transactions"]].values.tolist() == [[2019, 1.0, 1],
                                                                          [2020, 6.0, 2]]
    assert links.attrs["rejected"] == {"unparseable_date": 1}


def test_by_year_needs_a_date(tmp_path):
    with pytest.raises(ValueError, match="by_year=True needs date=COLUMN"):
        cg.ingest_transactions(tmp_path / "x.csv", by_year=True)


def test_without_amounts_only_counts(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,customer_id\nA,B\nA,B\nB,C\n")
    links = ingest(tmp_path / "a.csv", amount=None)
    assert links.columns.tolist() == ["supplier_id", "customer_id", "n_transactions"]
    assert links["n_transactions"].tolist() == [2, 1]


# --------------------------------------------------------------------------- #
# errors


def test_missing_file_pattern_and_folder(tmp_path):
    with pytest.raises(cg.ChainDataError, match="nope.csv: no such file or folder"):
        cg.ingest_transactions(tmp_path / "nope.csv")
    with pytest.raises(cg.ChainDataError, match=r"\*.parquet: no files match this pattern"):
        cg.ingest_transactions(str(tmp_path / "*.parquet"))
    with pytest.raises(cg.ChainDataError, match="no CSV or Parquet files in this folder"):
        cg.ingest_transactions(tmp_path)
    write(tmp_path / "notes.json", "{}")
    with pytest.raises(cg.ChainDataError, match="notes.json: not a CSV"):
        cg.ingest_transactions(str(tmp_path / "*"))


def test_missing_column_names_file_and_column(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    write(tmp_path / "b.csv", "supplier_id,buyer,amount\nA,B,1\n")
    with pytest.raises(cg.ChainDataError) as info:
        cg.ingest_transactions(tmp_path / "*.csv")
    assert info.value.source == str(tmp_path / "b.csv")
    assert info.value.column == "customer_id"
    assert "columns found: supplier_id, buyer, amount" in str(info.value)
    with pytest.raises(cg.ChainDataError, match="column 'date': missing column"):
        cg.ingest_transactions(tmp_path / "a.csv", date="date")


def test_a_file_named_twice_is_an_error(tmp_path):
    path = write(tmp_path / "a.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    with pytest.raises(cg.ChainDataError, match="named more than once"):
        cg.ingest_transactions([path, str(tmp_path / "*.csv")])


def test_a_copied_file_is_an_error_naming_both(tmp_path):
    # "2022-05 (1).parquet" is a copy of "2022-05.parquet": summing both would double the month
    may = tmp_path / "2022-05.parquet"
    pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"], "amount": [1.0]}).to_parquet(may)
    (tmp_path / "2022-05 (1).parquet").write_bytes(may.read_bytes())
    with pytest.raises(cg.ChainDataError, match="same bytes as") as error:
        cg.ingest_transactions(tmp_path)
    assert str(may) in str(error.value) and str(tmp_path / "2022-05 (1).parquet") in str(error.value)
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path), "-o", str(tmp_path / "out.csv"), "--quiet"])
    assert result.exit_code == 2 and "same bytes" in result.output and "Traceback" not in result.output


def test_files_alike_without_rows_are_not_copies(tmp_path):
    # two months without invoices have the same header and nothing else; a third month has one
    for month in ("01", "02"):
        write(tmp_path / f"2024-{month}.csv", "supplier_id,customer_id,amount\n")
    write(tmp_path / "2024-03.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    assert ingest(tmp_path)["amount"].tolist() == [1.0]


@pytest.mark.parametrize("bad_line, cells", [("A,B,64, 100.5 ,2019-12-31", 5), ("A,B,64", 3)])
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_row_of_the_wrong_length_among_the_first_is_named(tmp_path, bad_line, cells, suffix):
    # line 1 the header, lines 2-3 fine, line 4 too long or too short, then 5,000 fine lines:
    # DuckDB meets line 4 while it samples the file and said only that it found no dialect
    lines = ["supplier_id,customer_id,amount,date"] + ["A,B,1,2019-01-01"] * 5002
    lines[3] = bad_line
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / f"invoices{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    with pytest.raises(cg.ChainDataError, match=rf"invoices{suffix}: {cells} cells where the header "
                                                rf"has 4 \(row 4\)"):
        cg.ingest_transactions(path, date="date")
    result = CliRunner().invoke(cli, ["ingest", str(path), "-o", str(tmp_path / "out.csv"), "--quiet"])
    assert result.exit_code == 2 and "(row 4)" in result.output and "Traceback" not in result.output


def test_unreadable_files_name_the_file(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(cg.ChainDataError, match="broken.parquet: not a readable Parquet file"):
        cg.ingest_transactions(tmp_path / "broken.parquet")
    write(tmp_path / "ragged.csv", "supplier_id,customer_id,amount\nA,B,1\nA,B,1,9,9\n")
    with pytest.raises(cg.ChainDataError, match=r"ragged.csv: 5 cells where the header has 3 \(row 3\)"):
        cg.ingest_transactions(tmp_path / "ragged.csv")
    write(tmp_path / "empty.csv", "")
    with pytest.raises(cg.ChainDataError, match="empty.csv: the file is empty"):
        cg.ingest_transactions(tmp_path / "empty.csv")


def test_missing_extra_names_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'chaingraph\[scale\]'"):
        cg.ingest_transactions(tmp_path / "a.csv")


def test_memory_limit(tmp_path):
    path = write(tmp_path / "a.csv", "supplier_id,customer_id,amount\nA,B,1\n")
    assert ingest(path, memory_limit="64MB")["amount"].tolist() == [1.0]
    assert ingest(path, memory_limit=200 * 2**20)["amount"].tolist() == [1.0]
    with pytest.raises(ValueError, match="memory_limit='lots'"):
        cg.ingest_transactions(path, memory_limit="lots")


def test_too_little_memory_says_so(tmp_path):
    n = 100_000
    pd.DataFrame({"supplier_id": np.arange(n).astype(str), "customer_id": np.arange(1, n + 1)
                  .astype(str), "amount": 1.0}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(MemoryError, match=r"^Out of Memory Error: .*; give a larger memory_limit$"):
        cg.ingest_transactions(tmp_path / "t.parquet", memory_limit="1MB")
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "t.parquet"), "-o",
                                      str(tmp_path / "l.csv"), "--memory-limit", "1MB", "--quiet"])
    assert result.exit_code == 1
    assert "give a larger memory_limit" in result.stderr and "Traceback" not in result.output


def test_progress_bar_follows_duckdb(tmp_path, monkeypatch, capsys):
    # the bar shows after one second; made to show at once, it draws as DuckDB works
    import tqdm.auto

    real = tqdm.auto.tqdm
    monkeypatch.setattr(tqdm.auto, "tqdm", lambda *a, **k: real(*a, **{**k, "delay": 0}))
    path = write(tmp_path / "t.csv", "supplier_id,customer_id,amount\n" + "A,B,1\n" * 1000)
    assert ingest(path, progress=True)["n_transactions"].tolist() == [1000]
    assert "ingest: 100%" in capsys.readouterr().err


# --------------------------------------------------------------------------- #
# the links are a chain's links


def test_output_goes_into_a_chain_as_it_is(tmp_path):
    path = write(tmp_path / "invoices.csv", BAD_ROWS)
    links = ingest(path, date="date", by_year=True)
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain = cg.ChainGraph.from_frames(firms, links)
    assert chain.adjacency.toarray().tolist() == [[0, 0.3, 1237.0], [0, 0, 0], [0, 0, 0]]
    cg.write_chain(chain, tmp_path / "chain")
    back = cg.read_chain(tmp_path / "chain")
    pd.testing.assert_frame_equal(back.links, chain.links)


def test_same_as_pandas_groupby_on_a_shipped_chain(tmp_path):
    links = cg.load_dataset("shandong-cnc").links
    doubled = pd.concat([links, links.assign(amount=links["amount"] * 2)])
    doubled.to_parquet(tmp_path / "t.parquet")
    out = ingest(tmp_path / "t.parquet")
    expected = (doubled.groupby(["supplier_id", "customer_id"], as_index=False)
                .agg(amount=("amount", "sum"), n_transactions=("amount", "size")))
    assert out[["supplier_id", "customer_id", "n_transactions"]].values.tolist() == \
        expected[["supplier_id", "customer_id", "n_transactions"]].values.tolist()
    np.testing.assert_allclose(out["amount"], expected["amount"], rtol=1e-12)


# --------------------------------------------------------------------------- #
# command line


def test_cli_ingest(tmp_path):
    write(tmp_path / "a.csv", BAD_ROWS)
    pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"], "amount": [0.7],
                  "date": ["2024-12-31"]}).to_parquet(tmp_path / "b.parquet")
    result = CliRunner().invoke(cli, [
        "ingest", str(tmp_path / "a.csv"), str(tmp_path / "*.parquet"), "-o",
        str(tmp_path / "chain" / "links.parquet"), "--date", "date", "--by-year",
        "--rejects", str(tmp_path / "rejects.csv"), "--memory-limit", "256MB", "--quiet"])
    assert result.exit_code == 0, result.output
    # A→B: 0.1 + 0.2 (CSV lines 2 and 3) + 0.7 (Parquet); A→C: 1234.5 + 2.5; all in 2024
    assert result.stdout == (f"wrote {tmp_path / 'chain' / 'links.parquet'}: 2 links from "
                             "16 transactions (11 rejected)\n")
    assert "warning: ingest: 11 of 16 transactions rejected" in result.stderr
    links = pd.read_parquet(tmp_path / "chain" / "links.parquet")
    assert links[["supplier_id", "customer_id", "year", "amount", "n_transactions"]].values.tolist() \
        == [["A", "B", 2024, 1.0, 3], ["A", "C", 2024, 1237.0, 2]]
    assert len(pd.read_csv(tmp_path / "rejects.csv")) == 11


def test_cli_ingest_negative(tmp_path):
    write(tmp_path / "a.csv", ACROSS_NEW_YEAR)
    args = ["ingest", str(tmp_path / "a.csv"), "-o", str(tmp_path / "links.csv"), "--date", "date",
            "--quiet"]
    result = CliRunner().invoke(cli, args + ["--by-year", "--negative", "net", "--rejects",
                                             str(tmp_path / "rejects.csv")])
    assert result.exit_code == 0, result.output
    # S→B 2020 nets to 7 - 100 = -93: its 2 rows rejected; 2019 (120) and C→D (50) kept
    assert result.stdout == (f"wrote {tmp_path / 'links.csv'}: 2 links from 5 transactions "
                             "(2 rejected)\n")
    assert "S→B 2020: net -93 from 2 rows" in result.stderr
    assert pd.read_csv(tmp_path / "links.csv")["amount"].tolist() == [50.0, 120.0]
    assert pd.read_csv(tmp_path / "rejects.csv")["reject_reason"].tolist() == ["negative_net"] * 2
    result = CliRunner().invoke(cli, args + ["--negative", "net"])
    # without --by-year: 20 + 100 + 7 - 100 = 27, the red invoice netted
    assert result.stdout == (f"wrote {tmp_path / 'links.csv'}: 2 links from 5 transactions "
                             "(1 negative netted)\n")
    assert pd.read_csv(tmp_path / "links.csv")["amount"].tolist() == [50.0, 27.0]
    result = CliRunner().invoke(cli, args)  # the default rejects the red invoice
    assert result.stdout.endswith("(1 rejected)\n") and "--negative net" in result.stderr
    result = CliRunner().invoke(cli, args + ["--negative", "clip"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--negative': 'clip' is not one of 'reject', 'net'" in result.stderr


def test_cli_ingest_bad_input_exits_2_without_traceback(tmp_path):
    write(tmp_path / "a.csv", "supplier_id,buyer,amount\nA,B,1\n")
    for args in (["ingest", str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.parquet")],
                 ["ingest", str(tmp_path / "none*.csv"), "-o", str(tmp_path / "l.parquet")],
                 ["ingest", str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.json")],
                 ["ingest", str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.csv"),
                  "--customer", "buyer", "--memory-limit", "lots"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
    result = CliRunner().invoke(
        cli, ["ingest", str(tmp_path / "a.csv"), "-o", str(tmp_path / "l.parquet")])
    assert f"{tmp_path / 'a.csv'}: column 'customer_id': missing column" in result.stderr


def test_cli_ingest_without_duckdb(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "a.csv"), "-o",
                                      str(tmp_path / "l.csv")])
    assert result.exit_code == 1
    assert "pip install 'chaingraph[scale]'" in result.stderr
