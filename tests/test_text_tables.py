"""Tables as text: aligned by display width, cut cells, CSV cells that cannot run."""

import numpy as np
import pandas as pd

from chaingraph._text_tables import clip, csv_safe, display_width, named_ids, terminal_table


def test_display_width_counts_wide_characters_twice():
    assert display_width("ab") == 2
    assert display_width("山东") == 4
    assert display_width("（ＡＢ）") == 8  # fullwidth forms
    assert display_width("a\u200bb") == 2  # a zero-width space takes no column
    assert display_width("e\u0301") == 1  # a combining accent neither


def test_columns_line_up_on_the_terminal():
    df = pd.DataFrame({"name": ["青岛嘉峰汽车股份有限公司", "Koneshi AG", "济南乙"],
                       "segment": ["整车制造", "electric drive", "电驱动总成"],
                       "score": [0.81, 0.6, 12.5]},
                      index=pd.Index(["NEV01407", "NEV00266", "NEV00387"], name="firm_id"))
    lines = terminal_table(df).splitlines()
    header = lines[0]
    for row, line in zip(df.itertuples(), lines[1:]):
        # each text cell starts at the display column of its header
        for col, value in (("firm_id", row.Index), ("name", row.name), ("segment", row.segment)):
            assert display_width(line[:line.index(value)]) == display_width(header[:header.index(col)])
    assert len({display_width(line) for line in lines}) == 1  # numbers right-aligned at the end
    # pandas counts a 汉字 as one column: its lines do not line up
    assert len({display_width(line) for line in df.to_string().splitlines()[2:]}) > 1


def test_numbers_missing_values_and_inf():
    df = pd.DataFrame({"d": [0.1234567, np.inf, np.nan], "n": [1, 2, 3]})
    lines = terminal_table(df).splitlines()
    assert lines[1].split() == ["0.1235", "1"]
    assert lines[2].split() == ["n/a", "2"]
    assert lines[3].split() == ["3"]  # missing: blank


def test_long_cells_are_cut():
    assert clip("abcdef", 6) == "abcdef"
    assert clip("abcdefg", 6) == "abc..."
    assert display_width(clip("青岛嘉峰汽车股份有限公司", 11)) <= 11
    text = terminal_table(pd.DataFrame({"c": ["x" * 100]}), max_width=20)
    assert max(map(display_width, text.splitlines())) <= 20 + 3


def test_csv_safe_keeps_the_table_shape():
    df = pd.DataFrame({"name": pd.Categorical(["=a", "b"]), "x": [-1.0, 1.0]},
                      index=pd.MultiIndex.from_tuples([("=r", 1), ("s", 2)], names=["region", "k"]))
    out = csv_safe(df)
    assert out["name"].tolist() == ["'=a", "b"] and out["x"].tolist() == [-1.0, 1.0]
    assert out.index.get_level_values("region").tolist() == ["'=r", "s"]
    assert out.index.get_level_values("k").tolist() == [1, 2]
    assert df["name"].tolist() == ["=a", "b"]  # the input is not changed


def test_named_ids():
    names = pd.Series({"A": "甲", "B": None})
    assert named_ids("A; B; C", names) == "甲 (A); B; C"
    assert named_ids("", names) == "" and named_ids(np.nan, names) == ""
