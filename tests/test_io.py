"""read_chain / write_chain: exact round trips, encodings, Excel, file line numbers in errors."""

import pandas as pd
import pytest

import chaingraph as cg


@pytest.fixture
def chain(firms, links, segments):
    firms = firms.assign(
        founded=[1998, 2005, 2011, 2016, 1970],
        office_code=["0913", "0070", "1234", "0001", "9999"],  # an extra column with leading zeros
        strategic_emerging=[True, False, True, False, False],
        debt_ratio=[0.41, 0.62, None, 0.3, 0.5],
    )
    return cg.ChainGraph.from_frames(firms, links, segments, region="山东")


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.firms, b.firms, check_exact=True)
    pd.testing.assert_frame_equal(a.links, b.links, check_exact=True)
    assert a.template == b.template
    assert a.region == b.region
    assert (a.adjacency != b.adjacency).nnz == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_folder(chain, tmp_path, fmt):
    cg.write_chain(chain, tmp_path / "c", format=fmt)
    back = cg.read_chain(tmp_path / "c")
    assert_same(chain, back)
    assert back.firms.loc["F4", "office_code"] == "0001"


def test_round_trip_excel(chain, tmp_path):
    cg.write_chain(chain, tmp_path / "chain.xlsx")
    assert_same(chain, cg.read_chain(tmp_path / "chain.xlsx"))


def write_csvs(folder, firms, links, encoding):
    folder.mkdir()
    firms.to_csv(folder / "firms.csv", index=False, encoding=encoding)
    links.to_csv(folder / "links.csv", index=False, encoding=encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_are_detected(firms, links, tmp_path, encoding):
    write_csvs(tmp_path / "c", firms, links, encoding)
    chain = cg.read_chain(tmp_path / "c", region="山东")
    assert chain.firms.loc["F2", "name"] == "济南乙"
    assert chain.firms.loc["F1", "province"] == "山东省"
    assert chain.location.tolist() == ["local", "local", "local", "outside", "foreign"]


def test_gb18030_round_trip_of_a_foreign_file(firms, links, tmp_path):
    """A GBK spreadsheet export reads to the same chain as the frames it came from."""
    write_csvs(tmp_path / "c", firms, links, "gb18030")
    from_file = cg.read_chain(tmp_path / "c")
    from_frames = cg.ChainGraph.from_frames(firms, links)
    pd.testing.assert_frame_equal(from_file.firms, from_frames.firms, check_dtype=False)
    cg.write_chain(from_file, tmp_path / "again")
    assert_same(from_file, cg.read_chain(tmp_path / "again"))


def test_undecodable_file(firms, links, tmp_path):
    write_csvs(tmp_path / "c", firms, links, "utf-8")
    (tmp_path / "c" / "firms.csv").write_bytes(b"firm_id,name\nF1,\xff\xfe\xfd\xfc\xff\n")
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    assert str(e.value) == (
        "firms.csv: cannot read the file as UTF-8 or GB18030/GBK (byte 0xff on line 2); "
        "save it as UTF-8 CSV"
    )


def test_errors_name_file_and_line(firms, links, tmp_path):
    links.loc[3, "amount"] = -1.0
    write_csvs(tmp_path / "c", firms, links, "utf-8")
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    # row 3 of the frame is line 5 of the file: header line 1, first data line 2
    assert str(e.value) == "links.csv: column 'amount': negative values -1.0 (row 5)"


def test_excel_errors_name_sheet_and_row(firms, links, tmp_path):
    firms.loc[2, "firm_id"] = "F1"
    with pd.ExcelWriter(tmp_path / "c.xlsx") as w:
        firms.to_excel(w, sheet_name="firms", index=False)
        links.to_excel(w, sheet_name="links", index=False)
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c.xlsx")
    assert str(e.value) == "c.xlsx[firms]: column 'firm_id': duplicate firm_id 'F1' (rows 2, 4)"


def test_missing_tables_and_paths(firms, links, tmp_path):
    (tmp_path / "c").mkdir()
    links.to_csv(tmp_path / "c" / "links.csv", index=False)
    with pytest.raises(cg.ChainDataError, match="no firms table found"):
        cg.read_chain(tmp_path / "c")
    # links are optional: firms alone are a chain without transactions
    (tmp_path / "c" / "links.csv").unlink()
    firms.to_csv(tmp_path / "c" / "firms.csv", index=False)
    chain = cg.read_chain(tmp_path / "c")
    assert not chain.has_links and chain.n_links == 0 and chain.n_firms == 5
    with pytest.raises(cg.ChainDataError, match="no such file or folder"):
        cg.read_chain(tmp_path / "nope")


def test_empty_file(firms, links, tmp_path):
    write_csvs(tmp_path / "c", firms, links, "utf-8")
    (tmp_path / "c" / "links.csv").write_text("")
    with pytest.raises(cg.ChainDataError, match=r"^links.csv: the file is empty$"):
        cg.read_chain(tmp_path / "c")


def test_leading_zero_ids_survive_csv(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "firms.csv").write_text("firm_id,employees\n00123,5\n00456,7\n", encoding="utf-8")
    (folder / "links.csv").write_text("supplier_id,customer_id,amount\n00123,00456,1.5\n")
    chain = cg.read_chain(folder)
    assert list(chain.firm_ids) == ["00123", "00456"]
    assert chain.firms["employees"].dtype.kind == "i"


def test_tab_separated_gbk_file(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "firms.csv").write_bytes("企业ID\t企业名称\t省份\nA\t潍柴\t山东\nB\t宁德\t福建\n".encode("gbk"))
    (folder / "links.csv").write_bytes("供应商ID\t客户ID\t金额\nB\tA\t12\n".encode("gbk"))
    chain = cg.read_chain(folder, region="山东")
    assert chain.firms.loc["A", "name"] == "潍柴"
    assert chain.location.tolist() == ["local", "outside"]


def test_template_errors_name_file_lines(firms, links, segments, tmp_path):
    write_csvs(tmp_path / "c", firms, links, "utf-8")
    segments.loc[1, "stage"] = "sideways"
    segments.to_csv(tmp_path / "c" / "segments.csv", index=False)
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    assert str(e.value) == (
        "segments.csv: column 'stage': unknown stage 'sideways' "
        "(use upstream/midstream/downstream or 上游/中游/下游) (row 3)"
    )
    segments.loc[1, "stage"] = "midstream"
    segments.to_csv(tmp_path / "c" / "segments.csv", index=False)
    (tmp_path / "c" / "flows.csv").write_text("from_segment,to_segment,essential\ns_up,s_mid,maybe\n")
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    assert str(e.value) == (
        "flows.csv: column 'essential': cannot read 'maybe' as true/false "
        "(use true/false, 1/0, yes/no or 是/否) (row 2)"
    )


def test_damaged_utf8_file_is_not_read_as_gbk(firms, links, tmp_path):
    """One bad byte in a UTF-8 file must not turn every Chinese name into GB18030 mojibake."""
    write_csvs(tmp_path / "c", firms, links, "utf-8")
    raw = (tmp_path / "c" / "firms.csv").read_bytes().splitlines(keepends=True)
    raw[3] = raw[3].replace(b"F3", b"F3\xff")
    (tmp_path / "c" / "firms.csv").write_bytes(b"".join(raw))
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    assert str(e.value) == (
        "firms.csv: the file is UTF-8 but has an invalid byte 0xff on line 4; fix or retype that line"
    )


def test_parquet_errors_count_rows_from_one(firms, links, tmp_path):
    (tmp_path / "c").mkdir()
    firms.loc[2, "firm_id"] = "F1"
    firms.to_parquet(tmp_path / "c" / "firms.parquet", index=False)
    links.to_parquet(tmp_path / "c" / "links.parquet", index=False)
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(tmp_path / "c")
    assert str(e.value) == "firms.parquet: column 'firm_id': duplicate firm_id 'F1' (rows 1, 3)"


def test_gbk_file_whose_first_chinese_is_valid_utf8(tmp_path):
    """山 in GBK (C9 BD) happens to be a valid UTF-8 sequence; the file is still GBK."""
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "firms.csv").write_bytes("firm_id,province,name\nA,山东,潍柴动力\nB,江苏,宁德时代\n".encode("gbk"))
    (folder / "links.csv").write_bytes(b"supplier_id,customer_id\nB,A\n")
    chain = cg.read_chain(folder, region="山东")
    assert chain.firms["name"].tolist() == ["潍柴动力", "宁德时代"]


@pytest.mark.parametrize("target", ["c", "c.xlsx", "parquet"])
def test_round_trip_keeps_extra_column_types(firms, links, tmp_path, target):
    """Columns chaingraph does not know keep their types: nullable booleans and integers, dates."""
    firms = firms.assign(
        has_lab=pd.array([True, None, False, True, None], dtype="boolean"),
        patents=pd.array([3, None, 0, 12, 1], dtype="Int64"),
        listed=[True, False, False, True, False],
        surveyed=pd.to_datetime(["2024-03-01", "2024-05-17", None, "2023-12-31", "2024-01-02"]),
        code=["0012", "0340", None, "1000", "0001"],
    )
    chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    fmt = "parquet" if target == "parquet" else None
    path = tmp_path / ("c" if target == "parquet" else target)
    cg.write_chain(chain, path, format=fmt)
    assert_same(chain, cg.read_chain(path))


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_text = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("山东青岛,;\t\"' ab-|NA=<>")), min_size=1, max_size=8),
    st.sampled_from(["NA", "null", "None", "0012", " lead ", "=SUM(A1)", "nan"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(_text, min_size=3, max_size=3),
    revenue=st.lists(st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False)), min_size=3, max_size=3),
    amount=st.floats(0, 1e12, allow_nan=False),
)
@pytest.mark.parametrize("target", ["c", "c.xlsx"])
def test_round_trip_property(tmp_path_factory, target, names, revenue, amount):
    if target.endswith(".xlsx"):  # Excel keeps 15 significant digits (openpyxl writes 16)
        amount = float(f"{amount:.15g}")
        revenue = [None if r is None else float(f"{r:.15g}") for r in revenue]
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "name": names, "note": names[::-1],
                          "revenue": revenue, "province": ["山东", None, "江苏"]})
    links = pd.DataFrame({"supplier_id": ["A", "B"], "customer_id": ["B", "C"], "amount": [amount, 1.5]})
    chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    path = tmp_path_factory.mktemp("rt") / target
    cg.write_chain(chain, path)
    assert_same(chain, cg.read_chain(path))


def test_excel_keeps_formula_like_names_as_text(firms, links, tmp_path):
    from openpyxl import load_workbook

    firms.loc[0, "name"] = '=HYPERLINK("http://evil.invalid","x")'
    chain = cg.ChainGraph.from_frames(firms, links)
    cg.write_chain(chain, tmp_path / "c.xlsx")
    cell = load_workbook(tmp_path / "c.xlsx")["firms"]["B2"]
    assert cell.value == firms.loc[0, "name"] and cell.data_type == "s"
    assert cg.read_chain(tmp_path / "c.xlsx").firms.loc["F1", "name"] == firms.loc[0, "name"]


def test_excel_output_says_which_control_characters_it_replaces(firms, links, tmp_path):
    import warnings

    # an Excel cell cannot hold C0 control characters (tab, newline and carriage return
    # excepted): they are written as U+FFFD, and a warning names the cells
    firms["name"] = ["青岛\x07甲", "济南乙", "淄博\x1b丙\x01", "苏州丁", "東京\t戊"]
    chain = cg.ChainGraph.from_frames(firms, links)
    with pytest.warns(cg.ChainDataWarning) as caught:
        cg.write_chain(chain, tmp_path / "c.xlsx")
    messages = [str(w.message) for w in caught if issubclass(w.category, cg.ChainDataWarning)]
    assert messages == [
        "c.xlsx[firms]: column 'name': 2 cells (B2, B4) hold control characters an Excel cell "
        "cannot store; they are written as U+FFFD (write CSV or Parquet to keep them)"]
    back = cg.read_chain(tmp_path / "c.xlsx").firms["name"].tolist()
    assert back[0] == "青岛\ufffd甲" and back[2] == "淄博\ufffd丙\ufffd" and back[4] == "東京\t戊"
    # nothing to replace: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", cg.ChainDataWarning)
        cg.write_chain(cg.ChainGraph.from_frames(firms.assign(name="plain"), links), tmp_path / "d.xlsx")


def test_a_row_of_separators_only_is_named_as_an_empty_row(tmp_path):
    # Excel saves an empty row inside the table as ",,": a record with every cell empty
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "firms.csv").write_text("firm_id,name\nA,甲\n,\nB,乙\n", encoding="utf-8")
    (folder / "links.csv").write_text("supplier_id,customer_id\nA,B\n", encoding="utf-8")
    with pytest.raises(cg.ChainDataError,
                       match=r"firms.csv: column 'firm_id': missing ids \(empty rows: delete them\) "
                             r"\(row 3\)"):
        cg.read_chain(folder)
    # a row with other cells is a missing id only
    (folder / "firms.csv").write_text("firm_id,name\nA,甲\n,丙\nB,乙\n", encoding="utf-8")
    with pytest.raises(cg.ChainDataError, match=r"column 'firm_id': missing ids \(row 3\)"):
        cg.read_chain(folder)
