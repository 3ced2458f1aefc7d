"""The tutorials in notebooks/ run top to bottom on the shipped data and show what they say."""

import warnings
from pathlib import Path

import pytest

import chaingraph as cg

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

#: notebook -> texts its outputs must contain, computed here with the library on the same data
#: (the chain as repr'd, firm and segment ids at the top of the tables the notebook shows).
EXPECTED = {
    "06_from_register_to_chain_map": lambda chain: [
        cg.assign_segments(cg.load_dataset("register-sample"), "nev")["evidence"].iloc[0]],
    "01_quick_start": lambda chain: [
        repr(chain), "links.csv: column 'amount'", repr(list(cg.report.SECTIONS)),
    ],
    "02_lead_firms_and_ecosystems": lambda chain: [
        repr(cg.ecosystem(chain, cg.lead_firms(chain).index[0], depth=2)),
    ],
    "03_gaps_for_foundation_strengthening": lambda chain: [
        cg.gaps(chain)["segment_id"].iloc[0], cg.chokepoints(chain).index[0],
    ],
    "04_resilience": lambda chain: [
        cg.systemic_risk(chain, progress=False)["esri"].idxmax(),
    ],
    "05_tier_pool": lambda chain: [repr(cg.tiers(chain, detail=False).attrs["rules"])],
    "07_chain_maps": lambda chain: [
        repr(cg.load_dataset("world-semiconductor-map", home="US")),
        cg.chokepoints(cg.load_dataset("world-semiconductor-map", home="US")).index[0],
        "needs supplier–customer links", "as planted: True",
    ],
}


def test_there_are_tutorials():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 5
    for topic in ("quick_start", "lead_firms", "gaps", "resilience", "tier"):
        assert any(topic in n for n in names), topic


def output_text(cell) -> str:
    """Everything a code cell showed: printed text, plain and HTML representations."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    cells = [c for c in book.cells if c.cell_type == "code"]
    silent = [c.source.splitlines()[0] for c in cells if not output_text(c).strip()]
    assert not silent, f"code cells that show nothing: {silent}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = EXPECTED[path.stem](cg.load_dataset("shandong-nev"))
    shown = "\n".join(output_text(c) for c in cells)
    missing = [text for text in expected if str(text) not in shown]
    assert not missing, f"{path.stem}: outputs do not show {missing}"
