"""The command line: thin over the library; bad input exits 2 with a message, not a traceback."""

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd

import chaingraph as cg
import pytest
from click.testing import CliRunner

from chaingraph import (
    assign_segments, attraction_list, chokepoints, gaps, integration, key_sectors, lead_firms, list_datasets, list_templates,
    load_dataset, weak_links,
)
from chaingraph._text_tables import display_width
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


# --------------------------------------------------------------------------- #
# every command: --help, one real run on a shipped dataset, one bad input


def walk(group, path=()):
    """(command line words, command) for every command, descending into groups."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(walk(cli))
NEV = ("--dataset", "shandong-nev")
SHIPPED = Path(__file__).parent.parent / "datasets"


@pytest.fixture(scope="module")
def nev():
    return load_dataset("shandong-nev")


def germany_key_sectors():
    table = load_dataset("germany-1995-6")
    return key_sectors(table.Z, table.x)


#: command -> (arguments, expected): the CSV the library gives for the same call, or text
#: the output must contain. "{tmp}" is a temporary folder.
RUNS = {
    "ingest": ([SHIPPED / "shandong-nev" / "links.csv", "-o", "{tmp}/links.csv", "--quiet"],
               ["17,643 links from 52,103 transactions"]),  # three years of pairs, summed
    "assign": ([SHIPPED / "register-sample" / "register.csv", "--template", "nev", "--format", "csv"],
               lambda chain: assign_segments(load_dataset("register-sample"), "nev").set_index("firm_id")),
    "datasets": (["--format", "csv"], lambda chain: list_datasets().set_index("name")),
    "templates": (["--format", "csv"], lambda chain: list_templates().set_index("name")),
    "validate": ([SHIPPED / "shandong-nev"],
                 ["OK: <ChainGraph 'nev' region=山东: 2,000 firms (1,003 local"]),
    "summary": ([*NEV], ["region=山东: 2,000 firms", "segments with no local firm"]),
    "risk": ([*NEV, "--top", "3", "--quiet", "--format", "csv"],
             ["firm_id,esri,esri_downstream,esri_upstream\n"]),
    "disrupt": ([*NEV, "--country", "JP", "--top", "3", "--format", "csv"],
                ["firm_id,shock,remaining_downstream,"]),
    "report": ([*NEV, "-o", "{tmp}/report.md", "--section", "gaps"], ["report.md: 2 sections"]),
    "compare": ([*NEV, "--years", "2021", "2023", "-o", "{tmp}/change.xlsx"],
                ["change.xlsx: 2021 → 2023"]),
    "viz": ([*NEV, "-o", "{tmp}/network.html", "--segment-map"], ["network.html: segments view"]),
    "leads": ([*NEV, "--top", "3", "--format", "csv"], lambda chain: lead_firms(chain, top=3)),
    "integration": ([*NEV, "--format", "csv"], lambda chain: integration(chain).components),
    "sectors": (["--dataset", "germany-1995-6", "--format", "csv"], lambda chain: germany_key_sectors()),
    "weak": ([*NEV, "--format", "csv"], lambda chain: weak_links(chain)),
    "chokepoints": ([*NEV, "--format", "csv"], lambda chain: chokepoints(chain)),
    "gaps": ([*NEV, "--format", "csv"], lambda chain: gaps(chain)),
    "tiers": ([*NEV, "--format", "csv"], ["firm_id,size_class,designation,tier,"]),
    "attract": ([*NEV, "--top", "5", "--format", "csv"], lambda chain: attraction_list(chain, top=5)),
}

#: command -> (arguments, part of the message): bad input, exit code 2.
BAD = {
    "ingest": (["{tmp}/bad.csv", "-o", "{tmp}/links.csv", "--quiet"],
               "bad.csv: column 'supplier_id': missing column"),
    "assign": (["{tmp}/bad.csv", "--template", "nev"], "bad.csv: missing column 'firm_id'"),
    "datasets": (["--format", "xml"], "Invalid value for '--format'"),
    "templates": (["--format", "xml"], "Invalid value for '--format'"),
    "validate": (["{tmp}/nope"], "no such file or folder"),
    "summary": (["--dataset", "atlantis"], "unknown dataset 'atlantis'"),
    "risk": ([*NEV, "--tol", "-1", "--quiet"], "tol must be None (exact) or a number in [0, 1)"),
    "disrupt": ([*NEV, "--country", "JP", "--intensity", "2"], "intensity must be a number in [0, 1]"),
    "report": ([*NEV, "-o", "{tmp}/report.pdf"], "use a .html, .md or .xlsx file"),
    "compare": ([*NEV, "--years", "2019", "2023"],
                "no data for year 2019: the years in the data are 2021–2023"),
    "viz": ([*NEV, "-o", "{tmp}/network.html", "--color-by", "colour"], "no column 'colour'"),
    "leads": (["--dataset", "germany-1995-6"], "input–output table, not a chain"),
    "integration": ([*NEV, "--part", "all"], "Invalid value for '--part'"),
    "sectors": (["{tmp}/bad.csv"], "bad.csv: column 'B': not a number (row 2)"),
    "weak": ([*NEV, "--min-local-share", "1.5"], "min_local_share must be between 0 and 1"),
    "chokepoints": ([*NEV, "--leads", "NOPE"], "firm ids not in the chain: 'NOPE'"),
    "gaps": ([*NEV, "--top", "0"], "top must be a positive integer"),
    "tiers": ([*NEV, "--rules", "miit-2026"], "unknown rule version 'miit-2026'"),
    "attract": ([*NEV, "--candidates", "{tmp}/bad.csv"],
                "bad.csv: missing required column 'firm_id'"),
}


def words(args, tmp_path):
    return [str(a).format(tmp=tmp_path) for a in args]


def test_every_command_has_a_run_and_a_bad_input():
    assert len(COMMANDS) >= 15
    names = {" ".join(path) for path in COMMANDS}
    assert names == set(RUNS) and names == set(BAD)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    summary = COMMANDS[path].help.splitlines()[0]
    assert " ".join(summary.split()) in " ".join(result.output.split())  # help text is re-wrapped


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_runs_on_a_shipped_dataset(path, tmp_path, nev):
    args, expected = RUNS[" ".join(path)]
    result = CliRunner().invoke(cli, [*path, *words(args, tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if callable(expected):
        lines = result.stdout.splitlines(keepends=True)
        table = "".join(lines[1:] if lines[0].startswith("# ") else lines)
        assert table == expected(nev).to_csv()
    else:
        for text in expected:
            assert text in result.stdout
    for written in tmp_path.iterdir():
        assert written.stat().st_size > 0


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_bad_input_exits_2_with_a_message(path, tmp_path):
    (tmp_path / "bad.csv").write_text("sector,A,B,x\nA,1,zz,3\nB,1,2,3\n")
    args, message = BAD[" ".join(path)]
    result = CliRunner().invoke(cli, [*path, *words(args, tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


# --------------------------------------------------------------------------- years


def test_compare_two_folders_and_its_usage(tmp_path):
    from chaingraph import compare, write_chain

    panel = load_dataset("shandong-nev")
    write_chain(panel.in_year(2022), tmp_path / "y2022")
    write_chain(panel, tmp_path / "y2023")
    result = run("compare", tmp_path / "y2022", tmp_path / "y2023")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == repr(compare(panel.in_year(2022), panel))
    result = run("compare", tmp_path / "y2022", tmp_path / "y2023", "-o", tmp_path / "c.html")
    assert "wrote" in result.output and (tmp_path / "c.html").read_text().startswith("<!DOCTYPE")
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "y2022")])
    assert result.exit_code == 2 and "give BEFORE AFTER" in result.output


def test_year_option_and_report_with_the_previous_year(tmp_path):
    result = run("summary", *NEV, "--year", "2021")
    assert "1,989 firms" in result.output
    result = run("report", *NEV, "--section", "gaps", "--previous-year", "2022",
                 "-o", tmp_path / "r.md")
    assert result.exit_code == 0 and "3 sections" in result.output
    assert "年度变化" in (tmp_path / "r.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- #
# tables people can read


def display_lines(text, header="firm_id"):
    """The lines of a terminal table: from its header line to before the "... more" line
    (a note may come above it)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    return [line for line in lines[start:] if line and not line.startswith("...")]


def test_terminal_shows_20_rows_and_the_main_columns():
    # before: `tiers` printed 2,000 rows of ~500 characters, `disrupt` 1,230 rows
    result = run("tiers", *NEV)
    lines = display_lines(result.stdout)
    assert len(lines) == 1 + 20
    assert result.stdout.splitlines()[-1] == (
        "... 1,980 more rows and 15 more columns: --all shows them, "
        "-o FILE (.csv, .xlsx) writes the whole table")
    assert max(display_width(line) for line in lines) < 200
    assert lines[0].split() == ["firm_id", "name", "segment", "size_class", "designation", "tier",
                                "next_tier", "next_distance", "next_missing"]
    result = run("disrupt", *NEV, "--country", "JP")
    assert len(display_lines(result.stdout)) == 1 + 20 and "1,207 more rows" in result.stdout
    # --all: every row and column; --top N: the N rows asked for
    assert len(display_lines(run("tiers", *NEV, "--all").stdout)) == 1 + 2000
    assert len(display_lines(run("risk", *NEV, "--quiet", "--top", "25").stdout)) == 1 + 25


def test_output_file_holds_the_whole_table(tmp_path):
    run("tiers", *NEV, "-o", tmp_path / "tiers.txt")
    assert len((tmp_path / "tiers.txt").read_text(encoding="utf-8").splitlines()) == 1 + 1 + 2000
    run("tiers", *NEV, "-o", tmp_path / "tiers.csv")
    assert len(pd.read_csv(tmp_path / "tiers.csv")) == 2000


def test_tiers_nearest_to_the_next_tier_first(nev):
    from chaingraph import tiers

    table = pd.read_csv(io.StringIO(run("tiers", *NEV, "--format", "csv").stdout), index_col="firm_id")
    expected = tiers(nev, detail=False).sort_values("next_distance", kind="stable", na_position="last")
    assert list(table.index) == list(expected.index)
    assert table["next_distance"].iloc[0] == pytest.approx(0.008298, abs=1e-6)  # NEV01756
    shown = run("tiers", *NEV, "--all").stdout
    assert " inf " not in shown and " n/a " in shown  # a yes/no condition fails: no distance


def test_names_beside_ids_on_the_terminal(nev):
    # before: lead, gap and risk tables gave ids only
    names = nev.firms["name"]
    leads = run("leads", *NEV, "--top", "3").stdout
    for firm in lead_firms(nev).index[:3]:
        assert f"{firm}  {names[firm]}" in leads
    assert "整车制造" in leads  # the firm's segment, by name
    risk = run("risk", *NEV, "--quiet", "--top", "1").stdout
    assert names[risk.splitlines()[2].split()[0]] in risk
    gap_rows = run("gaps", *NEV, "--all").stdout  # --all: cells in full
    first = gaps(nev)["candidates"].iloc[0].split("; ")[0]
    assert f"{names[first]} ({first})" in gap_rows
    long = display_lines(run("gaps", *NEV, "--candidates").stdout, "segment_id")
    assert long[0].split()[:5] == ["segment_id", "to_segment", "kind", "firm_id", "firm_name"]
    assert f"{first}  {names[first][:20]}" in long[1]  # a long name is cut on the terminal
    by_segment = run("disrupt", *NEV, "--country", "JP", "--by-segment").stdout
    assert "锂资源及锂盐" in by_segment


def test_chinese_columns_align_by_display_width():
    # a 汉字 takes two terminal columns: with the old alignment by len(), rows holding
    # Chinese names ended at different columns
    result = run("risk", "--dataset", "shandong-cnc", "--quiet", "--top", "10")
    lines = display_lines(result.stdout)
    assert any(display_width(line) != len(line) for line in lines)  # Chinese in the table
    assert len({display_width(line) for line in lines}) == 1  # last column (numbers) right-aligned
    summary = run("summary", "--dataset", "shandong-cnc").stdout
    segment_table = summary.split("firms by segment:\n")[1]
    rows = display_lines(segment_table, "segment_id")
    assert any(display_width(line) != len(line) for line in rows)
    assert len({display_width(line) for line in rows}) == 1


def test_summary_stages_upstream_first():
    # before: by stage was alphabetical, downstream first
    out = run("summary", *NEV).stdout
    stage_table = out.split("firms by stage (upstream first):\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in stage_table[1:]] == ["upstream", "midstream", "downstream"]
    # the library's table is in that order too, segments without a stage last
    segments = pd.DataFrame({"segment_id": ["d", "x", "u"], "stage": ["下游", None, "上游"]})
    firms = pd.DataFrame({"firm_id": ["F1", "F2", "F3"], "segment_id": ["d", "x", "u"]})
    chain = cg.ChainGraph.from_frames(firms, None, segments)
    assert chain.summary().by_stage.index.tolist() == ["upstream", "downstream", "unknown"]


def test_csv_holds_the_table_and_its_note_goes_to_stderr(tmp_path, nev):
    # before: the CSV began with "# weights: …", which pd.read_csv took as the header
    result = run("leads", *NEV, "--top", "3", "-o", tmp_path / "leads.csv")
    table = pd.read_csv(tmp_path / "leads.csv", index_col="firm_id")
    assert list(table.index) == list(lead_firms(nev).index[:3])
    assert "note: weights: scale=0.25" in result.stderr
    result = run("tiers", *NEV, "--format", "csv")
    assert result.stdout.startswith("firm_id,") and "note: rules: miit-2022" in result.stderr


def test_csv_cells_cannot_run_as_formulas(folder, tmp_path):
    # text a spreadsheet would run (= + - @ first) gets a leading ' ; numbers stay numbers
    segments = pd.read_csv(folder / "segments.csv")
    segments["name"] = ['=HYPERLINK("http://evil.invalid","x")', "-中游"]
    segments.to_csv(folder / "segments.csv", index=False)
    for name in ("firms.csv", "links.csv"):
        text = (folder / name).read_text(encoding="gb18030" if name == "firms.csv" else "utf-8")
        (folder / name).write_text(text.replace("F5", "@F5"), encoding="utf-8")
    run("weak", folder, "--region", "山东", "-o", tmp_path / "weak.csv")
    weak = pd.read_csv(tmp_path / "weak.csv", index_col="segment_id")
    assert weak["name"].tolist() == ["'=HYPERLINK(\"http://evil.invalid\",\"x\")", "'-中游"]
    run("leads", folder, "--region", "山东", "-o", tmp_path / "leads.csv")
    leads = pd.read_csv(tmp_path / "leads.csv", index_col="firm_id")
    assert "'@F5" in leads.index and "F1" in leads.index
    assert leads["lead_score"].dtype == float  # numbers are written as numbers


def test_csv_safe_leaves_numbers_alone():
    from chaingraph._text_tables import csv_safe

    df = pd.DataFrame({"name": ["=1+2", "+86 531", "-x", "@a", "ok", "-1.5", None],
                       "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0]},
                      index=pd.Index(["=id", "b", "c", "d", "e", "f", "g"], name="firm_id"))
    out = csv_safe(df)
    assert out["name"].tolist()[:6] == ["'=1+2", "'+86 531", "'-x", "'@a", "ok", "-1.5"]
    assert pd.isna(out["name"].iloc[6])
    assert out["value"].tolist() == df["value"].tolist()
    assert out.index[0] == "'=id"


def test_the_focus_region_is_said(folder):
    # before: without --region every Chinese firm counted as local, and nothing said so
    result = run("leads", folder)
    assert "warning: no focus region: every firm in CN counts as local; give --region" in result.stderr
    result = run("leads", folder, "--region", "山东")
    assert "focus region: 山东 (province; local: firms there; foreign: firms outside CN)" in result.stderr
    assert "focus region: 山东" in run("weak", *NEV).stderr  # as recorded in the dataset
    assert "home: CN; region: none" in run("validate", folder).stdout
    # an error stays one line
    bad = CliRunner().invoke(cli, ["weak", str(folder), "--max-hhi", "2"])
    assert bad.exit_code == 2 and bad.stderr == "Error: max_hhi must be between 0 and 1, got 2.0\n"


def test_a_map_without_provinces_or_cities_has_its_home_country_as_the_focus(tmp_path):
    # the world map's firms have a country only: no region below the country can be given,
    # so a US analyst is not told to give one, and the report does not call local shares
    # inflated
    result = run("weak", "--dataset", "world-semiconductor-map", "--home", "US")
    assert result.exit_code == 0
    assert "warning" not in result.stderr
    assert ("focus region: the home country US (the firms have no province or city; "
            "local: firms in US; foreign: firms outside it)") in result.stderr
    out = tmp_path / "r.md"
    result = run("report", "--dataset", "world-semiconductor-map", "--home", "Germany", "-o", out)
    assert result.exit_code == 0 and "warning" not in result.stderr
    text = out.read_text(encoding="utf-8")
    assert "本国（境外以此判断）: 德国" in text and "偏高" not in text


def test_disrupt_region_is_the_focus_region():
    # --region means the focus region in every command, disrupt included; the region
    # that stops is --cut-region
    cut = run("disrupt", *NEV, "--cut-region", "江苏", "--top", "3", "--format", "csv")
    assert cut.exit_code == 0 and "note: region 江苏 (lockdown)" in cut.stderr
    assert "focus region: 山东" in cut.stderr
    focus = run("disrupt", *NEV, "--region", "江苏", "--country", "JP", "--format", "json")
    assert focus.exit_code == 0 and "focus region: 江苏" in focus.stderr
    assert json.loads(focus.stdout)["note"].startswith("supplies from JP cut off")
    old = CliRunner().invoke(cli, ["disrupt", *NEV, "--region", "江苏"])
    assert old.exit_code == 2
    assert ("--region is the focus region, as in every command (in this command it used to name "
            "the region that stops); to stop every firm of 江苏, give --cut-region 江苏") in old.output
    legacy = run("disrupt", *NEV, "--focus-region", "江苏", "--country", "JP", "--top", "1")
    assert legacy.exit_code == 0 and "--focus-region is deprecated" in legacy.stderr
    assert "focus region: 江苏" in legacy.stderr


def test_report_title(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", *NEV, "-o", out, "--section", "leads", "--title", "鲁北新能源汽车")
    assert result.exit_code == 0
    assert "<h1>产业链诊断报告: 鲁北新能源汽车</h1>" in out.read_text(encoding="utf-8")
    assert "focus region: 山东" in result.stderr
