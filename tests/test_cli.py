"""The command line: thin over the library; bad input exits 2 with a message, not a traceback."""

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from chaingraph.cli import cli


@pytest.fixture
def folder(tmp_path, firms, links, segments):
    d = tmp_path / "chain"
    d.mkdir()
    firms.to_csv(d / "firms.csv", index=False, encoding="gb18030")
    links.to_csv(d / "links.csv", index=False)
    segments.to_csv(d / "segments.csv", index=False)
    return d


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("datasets", "templates", "validate", "summary"):
        assert command in result.output


def test_validate_ok(folder):
    result = run("validate", folder, "--region", "山东")
    assert result.exit_code == 0
    assert result.output.startswith("OK: <ChainGraph 'custom' region=山东: 5 firms (3 local")


def test_validate_bad_file_exits_2_without_traceback(folder):
    text = (folder / "links.csv").read_text().replace("F4,F1,20.0", "F4,F1,twenty")
    (folder / "links.csv").write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 2
    assert result.output == "Error: links.csv: column 'amount': non-numeric values 'twenty' (row 5)\n"
    assert "Traceback" not in result.output


def test_missing_path_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["summary", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_warnings_go_to_stderr(folder):
    with open(folder / "links.csv", "a") as f:
        f.write("F2,F3,1.0\n")
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 0
    assert "warning: links.csv: 1 rows repeat a supplier–customer pair" in result.stderr


def test_summary_of_a_folder(folder):
    result = run("summary", folder, "--region", "山东")
    assert result.exit_code == 0
    assert "segments with no local firm" in result.output
    assert "s_mid" in result.output


def test_path_and_dataset_are_exclusive(folder):
    result = CliRunner().invoke(cli, ["summary"])
    assert result.exit_code == 2
    assert "give either PATH or --dataset NAME" in result.output


def test_datasets_and_summary_of_a_dataset():
    result = run("datasets", "--format", "json")
    names = [row["name"] for row in json.loads(result.output)["data"]]
    assert {"shandong-nev", "shandong-cnc", "germany-1995-6"} <= set(names)
    result = run("summary", "--dataset", "shandong-cnc")
    assert result.exit_code == 0
    assert "region=山东" in result.output


def test_unknown_dataset_exits_2():
    result = CliRunner().invoke(cli, ["summary", "--dataset", "atlantis"])
    assert result.exit_code == 2
    assert "atlantis" in result.output


def test_templates_csv():
    result = run("templates", "--format", "csv")
    assert result.output.splitlines()[0].startswith("name,")
    assert "nev" in result.output


@pytest.mark.skipif(shutil.which("chaingraph") is None, reason="chaingraph is not installed as a command")
def test_installed_console_script():
    out = subprocess.run(["chaingraph", "datasets"], capture_output=True, text=True, check=True)
    assert "shandong-nev" in out.stdout


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "chaingraph", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage" in out.stdout


def test_xlsx_output_keeps_formula_like_text(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from chaingraph.cli import emit

    df = pd.DataFrame({"name": ["=SUM(1,2)", "plain"], "score": [0.5, 1.0]},
                      index=pd.Index(["A", "B"], name="firm_id"))
    emit(df, None, tmp_path / "out.xlsx", note="rules: test")
    book = load_workbook(tmp_path / "out.xlsx")
    sheet = book["result"]
    assert [c.value for c in sheet[1]] == ["firm_id", "name", "score"]
    assert sheet["B2"].value == "=SUM(1,2)" and sheet["B2"].data_type == "s"
    assert sheet["C2"].value == 0.5
    assert book["note"]["A2"].value == "rules: test"


def test_region_refocuses_a_dataset():
    # shandong-cnc has 68 firms with province 江苏, none of them foreign
    result = run("summary", "--dataset", "shandong-cnc", "--region", "江苏")
    assert result.exit_code == 0
    assert "region=江苏: 1,000 firms (68 local," in result.output


def test_a_parameter_the_library_rejects_exits_2_without_traceback():
    result = CliRunner().invoke(cli, ["weak", "--dataset", "shandong-cnc", "--max-hhi", "2"])
    assert result.exit_code == 2
    assert result.output == "Error: max_hhi must be between 0 and 1, got 2.0\n"


def test_an_io_table_dataset_is_not_a_chain():
    result = CliRunner().invoke(cli, ["leads", "--dataset", "germany-1995-6"])
    assert result.exit_code == 2
    assert "germany-1995-6 is an input–output table, not a chain" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
