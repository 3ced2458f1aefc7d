"""The tutorials in notebooks/ run top to bottom on the shipped data, show what they say,
and keep the outputs a fresh run gives (the documentation renders the stored ones)."""

import difflib
import importlib.util
import json
import warnings
from pathlib import Path

import pytest

import chaingraph as cg

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REGENERATE = "python docs/run_notebooks.py"


def _runner():
    """docs/run_notebooks.py: how a notebook is run and what of its output is volatile."""
    path = ROOT / "docs" / "run_notebooks.py"
    spec = importlib.util.spec_from_file_location("run_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _runner()

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
    "08_monitoring_and_attraction": lambda chain: [
        repr(cg.compare(chain.in_year(2021), chain)),
        cg.compare(chain.in_year(2021), chain).chokepoints.index[0],
        "'chokepoint resolved': True", "neither in the chain nor in add_firms",
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
    stored = nbformat.read(path, as_version=4)
    book = runner.execute(path, tmp_path)  # raises CellExecutionError on the first cell that fails
    cells = [c for c in book.cells if c.cell_type == "code"]
    silent = [c.source.splitlines()[0] for c in cells if not output_text(c).strip()]
    assert not silent, f"code cells that show nothing: {silent}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = EXPECTED[path.stem](cg.load_dataset("shandong-nev"))
    shown = "\n".join(output_text(c) for c in cells)
    missing = [text for text in expected if str(text) not in shown]
    assert not missing, f"{path.stem}: outputs do not show {missing}"

    # The stored outputs are those of a fresh run, up to volatile text (times, paths, addresses).
    fresh = runner.cell_outputs(runner.normalise(book))
    kept = runner.cell_outputs(runner.normalise(stored))
    changed = [(source, before, now) for (source, now), (_, before) in zip(fresh, kept)
               if now != before]
    assert not changed, (
        f"{path.name}: the stored outputs differ from a fresh run in the cells starting "
        f"{[source for source, _, _ in changed]}; regenerate them with "
        f"`{REGENERATE} notebooks/{path.name}`. First difference (stored → fresh):\n"
        + first_difference(*changed[0][1:]))


def first_difference(before: list, now: list, lines: int = 12) -> str:
    """The start of a unified diff between two cells' outputs, as JSON."""
    def text(outputs):
        return json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True).splitlines()

    diff = difflib.unified_diff(text(before), text(now), "stored", "fresh", lineterm="", n=1)
    return "\n".join(list(diff)[:lines])


def test_normalised_text_hides_only_volatile_parts():
    text = (f"saved to {runner.ROOT}/x.html and /tmp/tmpab12_c/report.xlsx at 0x7f3a2b1c9d40 "
            "in 1.25 s; 100%|##| 5/5 [00:01<00:00,  4.10it/s]; 12 firms, 0.5 share, 2023")
    assert runner.normalised_text(text) == (
        "saved to <checkout>/x.html and <tmp> at 0x… in …s; 100%|##| 5/5 […]; "
        "12 firms, 0.5 share, 2023")


def test_stored_outputs_are_compared(tmp_path):
    """A changed output, or a missing one, is a difference; volatile metadata is not."""
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    book.cells[0].outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "2"}, execution_count=1)]
    def outputs(notebook):
        return runner.cell_outputs(runner.normalise(nbformat.from_dict(notebook)))

    again = nbformat.from_dict(book)
    again.cells[0].metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00"}
    assert outputs(again) == outputs(book)
    again.cells[0].outputs[0].data["text/plain"] = "3"
    assert outputs(again) != outputs(book)
    again.cells[0].outputs = []
    assert outputs(again) != outputs(book)
