"""Hostile inputs: each ends in a ChainDataError naming file, column and rows (exit 2 on
the command line, one message, no traceback), or reads back with the data intact."""

import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import chaingraph as cg
from chaingraph.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def chain_folder(tmp_path, firms="firm_id,name\nA,甲\nB,乙\nC,丙\n",
                 links="supplier_id,customer_id,amount\nA,C,1\nB,C,2\n", name="c"):
    """A chain folder with the given firms.csv and links.csv (text, or bytes as they are)."""
    folder = tmp_path / name
    folder.mkdir()
    for table, content in (("firms", firms), ("links", links)):
        path = folder / f"{table}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def read_error(path, **kw) -> str:
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(path, **kw)
    return str(e.value)


def run_cli(*args):
    """The command line in a fresh interpreter, as a user runs it: (exit code, stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "chaingraph", *map(str, args)],
                         capture_output=True, text=True, env=env)
    return out.returncode, out.stdout, out.stderr


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_clean_error(result, text):
    """Exit 2, one line on stderr that says ``text``, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert text in result.stderr


# --------------------------------------------------------------------------- #
# tracebacks that become errors


def test_inf_in_a_whole_number_amount_column(tmp_path):
    folder = chain_folder(tmp_path, links="supplier_id,customer_id,amount\nA,C,inf\nB,C,2\n")
    assert read_error(folder) == "links.csv: column 'amount': infinite values (row 2)"


def test_inf_in_a_whole_number_revenue_column(tmp_path):
    folder = chain_folder(tmp_path, firms="firm_id,revenue\nA,10\nB,-inf\nC,30\n")
    assert read_error(folder) == "firms.csv: column 'revenue': infinite values (row 3)"


def test_amounts_that_overflow_when_summed_per_firm(tmp_path):
    # each amount is finite, but the two into C add up to more than the largest float
    folder = chain_folder(tmp_path, links="supplier_id,customer_id,amount\nA,C,1e308\nB,C,1e308\n")
    assert read_error(folder) == (
        "links.csv: column 'amount': the amounts bought by firm 'C' add up to more than "
        "1.8e308, the largest number a float holds; give amounts in a larger unit (rows 2, 3)"
    )
    result = invoke("leads", folder)
    assert_one_clean_error(result, "the amounts bought by firm 'C' add up to more than")


def test_amounts_that_overflow_when_summed_over_the_chain(tmp_path):
    # no firm's sum overflows, the chain's total does: every row that could push it over is named
    folder = chain_folder(
        tmp_path, firms="firm_id\nA\nB\nC\nD\n",
        links="supplier_id,customer_id,amount\nA,C,1e308\nB,D,1e308\nA,B,1\n")
    assert read_error(folder) == (
        "links.csv: column 'amount': the amounts add up to more than 1.8e308, the largest "
        "number a float holds; give amounts in a larger unit (rows 2, 3)"
    )


def test_revenue_that_overflows_when_summed(tmp_path):
    folder = chain_folder(tmp_path, firms="firm_id,revenue\nA,1e308\nB,1e308\nC,1\n")
    assert read_error(folder) == (
        "firms.csv: column 'revenue': the values add up to more than 1.8e308, the largest "
        "number a float holds; give them in a larger unit (rows 2, 3)"
    )


@pytest.mark.parametrize("content, problem", [
    ('{"region": "山东",', "not valid JSON (line 1, column 17: Expecting property name enclosed in double quotes)"),
    ("[1, 2]", "expected a JSON object with region, template and dtypes, found a list"),
    ('{"region": 5}', "'region' must be a text or null, found 5"),
    ('{"template": "nev"}', "'template' must be an object with a name, found 'nev'"),
    ('{"dtypes": {"firms": ["str"]}}', "'dtypes' must map tables to {column: type} objects"),
])
def test_malformed_chain_json(tmp_path, content, problem):
    folder = chain_folder(tmp_path)
    (folder / "chain.json").write_text(content, encoding="utf-8")
    assert read_error(folder) == f"chain.json: {problem}"
    assert_one_clean_error(invoke("validate", folder), f"chain.json: {problem}")


@pytest.mark.parametrize("content", ['{"dtypes": null, "template": null, "region": null}', "{}"])
def test_chain_json_with_nulls(tmp_path, content):
    folder = chain_folder(tmp_path)
    (folder / "chain.json").write_text(content, encoding="utf-8")
    assert cg.read_chain(folder).n_firms == 3


def test_template_name_in_chain_json_is_never_opened_as_a_file(tmp_path):
    # a perfectly good template file: chain.json may still only name a built-in template
    toml = tmp_path / "mine.toml"
    cg.get_template("nev").to_toml(toml)
    folder = chain_folder(tmp_path)
    for name in (str(toml), "/etc/passwd"):
        (folder / "chain.json").write_text(json.dumps({"template": {"name": name}}), encoding="utf-8")
        assert read_error(folder) == (
            f"chain.json: template {name!r} is not a built-in template (cnc, ic, nev), and "
            "the folder has no segments table; add segments.csv (and flows.csv) or name a "
            "built-in template"
        )
    (folder / "chain.json").write_text('{"template": {"name": "nev"}}', encoding="utf-8")
    assert cg.read_chain(folder).template == cg.get_template("nev")


def test_input_output_dataset_where_a_chain_is_expected():
    result = invoke("leads", "-d", "us-bea-2021-15")
    assert_one_clean_error(
        result, "us-bea-2021-15 is an input–output table, not a chain "
                "(`chaingraph sectors --dataset us-bea-2021-15` analyses it)")


def test_dataframe_with_duplicate_column_names(firms, links):
    firms = pd.concat([firms, firms[["name"]]], axis=1)
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainGraph.from_frames(firms, links)
    assert str(e.value) == "firms: column 'name' appears more than once"


def test_unknown_encoding(tmp_path):
    assert read_error(chain_folder(tmp_path), encoding="nope") == (
        "firms.csv: unknown encoding 'nope' (give a Python codec name such as 'utf-8', 'gb18030' or "
        "'utf-16')"
    )


@pytest.mark.parametrize("command", ["leads", "report"])
def test_xlsx_output_into_a_missing_folder_prints_one_message(tmp_path, command):
    out = tmp_path / "nodir" / "x.xlsx"
    code, _, err = run_cli(command, chain_folder(tmp_path), "-o", out)
    assert code == 2
    assert err.splitlines()[-1] == f"Error: No such file or directory: {out}"
    assert "Exception ignored" not in err and "Traceback" not in err
    assert [line for line in err.splitlines() if not line.startswith("warning: ")] == \
        [f"Error: No such file or directory: {out}"]


def test_write_chain_into_a_missing_folder_leaves_nothing_behind(tmp_path):
    chain = cg.load_dataset("shandong-cnc")
    code = ("import chaingraph as cg, sys\n"
            "try:\n"
            f"    cg.write_chain(cg.load_dataset('shandong-cnc'), {str(tmp_path / 'no' / 'c.xlsx')!r})\n"
            "except FileNotFoundError as e:\n"
            "    print('caught', e.filename)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == f"caught {tmp_path / 'no' / 'c.xlsx'}"
    assert out.stderr == ""
    assert chain.n_firms  # the dataset itself loads


# --------------------------------------------------------------------------- #
# silent loss or change


def _workbook_with_formula(path, *, cached=None):
    """firms!B2 holds =HYPERLINK(...); with ``cached``, the value Excel saved for it."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "firms"
    ws.append(["firm_id", "name"])
    ws.append(["A", '=HYPERLINK("http://a.example","A co")'])
    ws.append(["B", "B co"])
    ws2 = book.create_sheet("links")
    ws2.append(["supplier_id", "customer_id"])
    ws2.append(["A", "B"])
    book.save(path)
    if cached is None:
        return path
    # openpyxl never stores a formula's value; Excel does, as <v> beside <f>: add one
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    start = xml.index('<c r="B2"')
    end = xml.index("</c>", start) + len("</c>")
    formula = xml[xml.index("<f>", start):xml.index("</f>", start) + len("</f>")]
    parts[sheet] = (xml[:start] + f'<c r="B2" t="str">{formula}<v>{cached}</v></c>' + xml[end:]).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_xlsx_formula_cell_reads_its_saved_value(tmp_path):
    path = _workbook_with_formula(tmp_path / "c.xlsx", cached="A co")
    assert cg.read_chain(path).firms["name"].tolist() == ["A co", "B co"]


def test_xlsx_formula_cell_without_saved_value_is_an_error(tmp_path):
    path = _workbook_with_formula(tmp_path / "c.xlsx")
    assert read_error(path) == (
        "c.xlsx[firms]: column 'name': cell B2 holds a formula "
        "(=HYPERLINK(\"http://a.example\",\"A co\")) with no saved value; open and save the "
        "workbook in Excel, or replace the formula by its value (row 2)"
    )


def test_short_csv_row_is_an_error(tmp_path):
    folder = chain_folder(tmp_path, firms="firm_id,name,province\nA,甲,山东\nB,乙\nC,丙,山东\n")
    assert read_error(folder) == (
        "firms.csv: 2 fields where the header has 3: a short row; write every cell, empty "
        "ones too (row 3)"
    )


def test_long_csv_row_is_an_error(tmp_path):
    # pandas would take the first column of a longer first row as the index
    folder = chain_folder(tmp_path, firms="firm_id,name\nA,甲,山东\nB,乙\nC,丙\n")
    assert read_error(folder) == (
        "firms.csv: 3 fields where the header has 2: a long row (a separator inside a value? "
        "put such values in double quotes) (row 2)"
    )


def test_blank_and_multiline_rows_keep_file_line_numbers(tmp_path):
    folder = chain_folder(
        tmp_path, firms='firm_id,name\nA,"甲\n公司"\n\nB,乙\nC,丙\n',
        links="supplier_id,customer_id,amount\nA,C,1\n\nB,C,-2\n")
    assert read_error(folder) == "links.csv: column 'amount': negative values -2 (row 4)"
    (folder / "links.csv").write_text("supplier_id,customer_id\nA,C\nB,C\n", encoding="utf-8")
    (folder / "firms.csv").write_text('firm_id,name\nA,"甲\n公司"\n\nA,乙\nC,丙\n', encoding="utf-8")
    assert read_error(folder) == "firms.csv: column 'firm_id': duplicate firm_id 'A' (rows 2, 5)"


def test_repeated_csv_header_is_an_error(tmp_path):
    folder = chain_folder(tmp_path, firms="firm_id,name,name\nA,甲,x\nB,乙,y\nC,丙,z\n")
    assert read_error(folder) == (
        "firms.csv: column 'name': the header names this column more than once (row 1)"
    )


def test_repeated_xlsx_header_is_an_error(tmp_path):
    with pd.ExcelWriter(tmp_path / "c.xlsx") as w:
        pd.DataFrame([["A", "x", "y"], ["B", "x", "y"]], columns=["firm_id", "name", "name"]) \
            .to_excel(w, sheet_name="firms", index=False)
        pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"]}).to_excel(w, sheet_name="links", index=False)
    assert read_error(tmp_path / "c.xlsx") == (
        "c.xlsx[firms]: column 'name': the header names this column more than once (row 1)"
    )


def test_xlsx_output_never_cuts_a_long_cell(tmp_path, firms, links):
    firms["note"] = ["short", "x" * 40_000, "y", "z", "w"]
    chain = cg.ChainGraph.from_frames(firms, links)
    with pytest.raises(cg.ChainDataError) as e:
        cg.write_chain(chain, tmp_path / "c.xlsx")
    assert str(e.value) == (
        "c.xlsx[firms]: column 'note': cell I3 has 40,000 characters; an Excel cell holds at "
        "most 32,767 (Excel's own limit), so it cannot be written whole: write CSV or Parquet "
        "instead (row 3)"
    )
    assert not (tmp_path / "c.xlsx").exists()
    cg.write_chain(chain, tmp_path / "c")  # CSV keeps it whole
    assert cg.read_chain(tmp_path / "c").firms.loc["F2", "note"] == "x" * 40_000


def test_cli_xlsx_output_never_cuts_a_long_cell(tmp_path, firms, links):
    long_id = "F" * 33_000
    firms["firm_id"] = firms["firm_id"].replace({"F1": long_id})
    links = links.replace({"F1": long_id})
    (tmp_path / "c").mkdir()
    firms.to_csv(tmp_path / "c" / "firms.csv", index=False)
    links.to_csv(tmp_path / "c" / "links.csv", index=False)
    code, out, err = run_cli("leads", tmp_path / "c", "-o", tmp_path / "leads.xlsx")
    assert code == 2
    assert err.startswith("Error: leads.xlsx[result]: column 'firm_id': cell A")
    assert "33,000 characters; an Excel cell holds at most 32,767" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "leads.xlsx").exists()


def _chain_without_large_firms():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "size_class": ["small", "micro", "small"],
                          "segment_id": ["s", "s", "t"], "province": ["山东"] * 3})
    links = pd.DataFrame({"supplier_id": ["A", "B"], "customer_id": ["C", "C"], "amount": [1.0, 2.0]})
    return cg.ChainGraph.from_frames(firms, links, region="山东")


def test_report_lets_data_warnings_through_and_hides_numeric_noise():
    from chaingraph.report import build_report

    chain = _chain_without_large_firms()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_report(chain)
    texts = [(w.category, str(w.message)) for w in caught]
    assert any(issubclass(c, UserWarning) and t.startswith("integration: components") for c, t in texts)
    assert not [t for c, t in texts if issubclass(c, RuntimeWarning) and "slice" in t]


def test_report_command_prints_data_warnings(tmp_path):
    chain = _chain_without_large_firms()
    cg.write_chain(chain, tmp_path / "c")
    result = invoke("report", tmp_path / "c", "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert "warning: integration: components" in result.stderr


def test_viz_lets_data_warnings_through(monkeypatch):
    import numpy as np

    from chaingraph.viz import attributes, to_pyvis

    real, shown, more = attributes.SCORE_ANALYSES["lead_firms"]

    def lead_firms_that_warns(chain, **kw):
        warnings.warn("a data warning from lead_firms", UserWarning)
        np.nanmax(np.array([np.nan]))  # numpy's 'All-NaN slice encountered': noise
        return real(chain, **kw)

    monkeypatch.setitem(attributes.SCORE_ANALYSES, "lead_firms", (lead_firms_that_warns, shown, more))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        to_pyvis(_chain_without_large_firms())
    texts = [str(w.message) for w in caught]
    assert "a data warning from lead_firms" in texts
    assert "All-NaN slice encountered" not in texts


@pytest.mark.parametrize("fmt, suffix", [("csv", ".xlsx"), ("json", ".csv"), ("table", ".json")])
def test_format_that_contradicts_the_output_suffix(tmp_path, fmt, suffix):
    out = tmp_path / f"x{suffix}"
    result = invoke("datasets", "--format", fmt, "-o", out)
    assert result.exit_code == 2
    assert f"--format {fmt} contradicts -o x{suffix}" in result.output
    assert not out.exists()


def test_format_that_agrees_with_the_output_suffix(tmp_path):
    assert invoke("datasets", "--format", "csv", "-o", tmp_path / "x.csv").exit_code == 0
    assert invoke("datasets", "--format", "csv", "-o", tmp_path / "x.txt").exit_code == 0
    assert (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("name,")


# --------------------------------------------------------------------------- #
# unclear errors made clear


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read(tmp_path, codec):
    folder = chain_folder(tmp_path, firms="firm_id,name,省份\nA,甲,山东\nB,乙,江苏\nC,丙,山东\n".encode(codec))
    chain = cg.read_chain(folder, region="山东")
    assert chain.firms["name"].tolist() == ["甲", "乙", "丙"]
    assert chain.location.tolist() == ["local", "outside", "local"]


def test_nul_bytes_that_are_not_utf16(tmp_path):
    folder = chain_folder(tmp_path, firms=b"firm_id,name\nA,x\x00y\nB,z\nC,w\n")
    assert read_error(folder) == (
        "firms.csv: NUL characters in the text (a binary file, or UTF-16/UTF-32 that could not "
        "be recognised? save it as UTF-8 CSV) (row 2)"
    )


def test_gbk_file_with_one_utf8_line_names_that_line(tmp_path):
    raw = "firm_id,name\nA,山东甲\nB,江苏乙\n".encode("gbk") + "C,浙江丙\n".encode("utf-8")
    folder = chain_folder(tmp_path, firms=raw)
    assert read_error(folder) == (
        "firms.csv: the file is GBK/GB18030 but line 4 is UTF-8; save the whole file in one "
        "encoding (UTF-8)"
    )


@pytest.mark.parametrize("char, name", [
    ("\u200b", "U+200B ZERO WIDTH SPACE"),
    ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\xa0", "U+00A0 NO-BREAK SPACE"),
])
def test_id_with_an_invisible_character(tmp_path, char, name):
    folder = chain_folder(tmp_path, links=f"supplier_id,customer_id\nA{char},C\nB,C\n")
    escaped = repr(f"A{char}")
    assert read_error(folder) == (
        f"links.csv: column 'supplier_id': 1 firms not in the firms table: {escaped} "
        f"(contains an invisible character, {name}) "
        "(pass unknown_firms='add' to add them as firms with no attributes) (row 2)"
    )


def test_invisible_character_in_the_firms_table_is_kept_and_explained(tmp_path):
    folder = chain_folder(tmp_path, firms="firm_id\nA\xa0\nB\nC\n")
    assert read_error(folder) == (
        "links.csv: column 'supplier_id': 1 firms not in the firms table: 'A' (the firms table "
        "has 'A\\xa0', which differs by an invisible character, U+00A0 NO-BREAK SPACE) "
        "(pass unknown_firms='add' to add them as firms with no attributes) (row 2)"
    )
    (folder / "links.csv").write_text("supplier_id,customer_id\nA\xa0,C\n", encoding="utf-8")
    assert cg.read_chain(folder).firm_ids.tolist() == ["A\xa0", "B", "C"]  # not stripped


@pytest.mark.parametrize("content, problem", [
    (b"", "the file is empty (0 bytes)"),
    (b"firm_id,name\nA,x\n", "not an Excel workbook (an .xlsx file is a zip archive; this one "
                             "is text: a CSV file named .xlsx?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "an Excel 97–2003 (.xls) workbook; save it as .xlsx"),
    (b"PK\x03\x04junk", "not an Excel workbook: a damaged or incomplete zip archive"),
])
def test_xlsx_that_is_empty_or_not_a_workbook(tmp_path, content, problem):
    (tmp_path / "c.xlsx").write_bytes(content)
    assert read_error(tmp_path / "c.xlsx") == f"c.xlsx: {problem}"


def test_cli_offers_unknown_firms_option(tmp_path):
    folder = chain_folder(tmp_path, links="supplier_id,customer_id\nX,C\nB,C\n")
    for command in ("validate", "summary", "leads", "disrupt", "sectors"):
        args = [command, folder] + (["--firm", "B"] if command == "disrupt" else [])
        result = invoke(*args)
        assert_one_clean_error(
            result, "links.csv: column 'supplier_id': 1 firms not in the firms table: 'X' "
                    "(use --unknown-firms add to add them as firms with no attributes) (row 2)")
        result = invoke(*args, "--unknown-firms", "add")
        assert result.exit_code == 0, (command, result.output)
        assert "warning: links.csv: added 1 firms" in result.stderr
    # in Python the same message names the keyword
    assert "(pass unknown_firms='add' to add them" in read_error(folder)


def test_folder_named_like_a_rule_does_not_shadow_it(tmp_path, monkeypatch):
    from chaingraph.rules import load_rules

    monkeypatch.chdir(tmp_path)
    (tmp_path / "miit-2022").mkdir()
    (tmp_path / "champion-2023").write_text("not a rule file")
    assert load_rules(["miit-2022", "champion-2023"]).names == ("miit-2022", "champion-2023")
    # a .toml path that is a file is read as a file; one that is not is an error
    from chaingraph import rules

    shipped = Path(rules.__file__).parent / "champion-2023.toml"
    (tmp_path / "mine.toml").write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rules("mine.toml").names == ("champion-2023",)
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(cg.ChainDataError, match="rule file not found: dir.toml"):
        load_rules("dir.toml")


def test_several_ids_with_invisible_characters_are_each_explained():
    firms = pd.DataFrame({"firm_id": ["A\u3000", "B", "C"]})
    links = pd.DataFrame({"supplier_id": ["A", "X\u200b\ufeff", "Q"], "customer_id": ["C", "C", "C"]})
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainGraph.from_frames(firms, links)
    assert str(e.value) == (
        "links: column 'supplier_id': 3 firms not in the firms table: 'A', 'X\\u200b\\ufeff', 'Q' "
        "('A': the firms table has 'A\\u3000', which differs by an invisible character, "
        "U+3000 IDEOGRAPHIC SPACE; 'X\\u200b\\ufeff': contains invisible characters, "
        "U+200B ZERO WIDTH SPACE, U+FEFF ZERO WIDTH NO-BREAK SPACE) "
        "(pass unknown_firms='add' to add them as firms with no attributes) (rows 0, 1, 2)"
    )


def test_xlsx_error_cell_is_not_read_as_missing(tmp_path):
    # pandas reads an error value (#DIV/0!) as NaN: a revenue would silently become unknown
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "firms"
    for row in (["firm_id", "revenue"], ["A", "#DIV/0!"], ["B", 5]):
        ws.append(row)
    assert ws["B2"].data_type == "e"
    links = book.create_sheet("links")
    links.append(["supplier_id", "customer_id"])
    links.append(["A", "B"])
    book.save(tmp_path / "c.xlsx")
    assert read_error(tmp_path / "c.xlsx") == (
        "c.xlsx[firms]: column 'revenue': non-numeric values '#DIV/0!' (row 2)"
    )


def test_xlsx_chain_sheet_with_broken_json(tmp_path, firms, links):
    from openpyxl import load_workbook

    cg.write_chain(cg.ChainGraph.from_frames(firms, links), tmp_path / "c.xlsx")
    book = load_workbook(tmp_path / "c.xlsx")
    book["chain"]["B3"] = '{"not json'
    book.save(tmp_path / "c.xlsx")
    assert read_error(tmp_path / "c.xlsx") == (
        "c.xlsx[chain]: column 'value': not valid JSON (Unterminated string starting at) (row 3)"
    )
