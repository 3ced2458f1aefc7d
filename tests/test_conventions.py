"""The conventions for public functions in CONTRIBUTING.md, checked on every name in ``chaingraph.__all__``.

Which rules apply to which names:

- every public function: at most three positional parameters, no ``*args``
  or ``**kwargs``, the rest keyword-only;
- every public function whose first parameter is ``chain`` (the analyses,
  ``write_chain``, ``to_pyvis``, ``build_report``): ``chain`` is annotated
  ``ChainGraph``;
- every *analysis function* — a public function defined in
  ``chaingraph.analysis`` — except the input–output table functions in
  ``IO_TABLE_FUNCTIONS``, which take a table ``Z, x`` (or a file) rather than
  a chain, and the readers of a method's input file in ``METHOD_INPUT_READERS``: ``chain`` is its first parameter (a function of two chains,
  ``TWO_CHAIN_FUNCTIONS``, takes ``before, after`` first, both annotated
  ``ChainGraph``); its numpydoc docstring has a
  ``Returns`` section and an ``Examples`` section on a shipped dataset; and
  run on a shipped chain, every column and index name of what it returns
  (or of each table of a result object) is named in ``Returns`` or in the
  result class's docstring.

Classes (``ChainGraph``, result objects, errors) are not functions and are
exempt.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import warnings

import pandas as pd
import pytest

import chaingraph as cg

#: Public functions of chaingraph.analysis that work on an input–output table, not a chain.
IO_TABLE_FUNCTIONS = {"key_sectors", "leontief_inverse", "ghosh_inverse", "upstreamness",
                      "extraction", "read_io_table", "sector_table"}

#: Public functions of chaingraph.analysis that read a method's input from a file, not a chain.
METHOD_INPUT_READERS = {"read_essentiality"}

#: Public functions of chaingraph.analysis that take two chains, ``before`` and ``after``.
TWO_CHAIN_FUNCTIONS = {"compare"}

#: Arguments, besides the chain, that an analysis function needs to run (the rest stay default).
CALLS = {
    "compare": lambda chain: {"after": chain},
    "ecosystem": lambda chain: {"firm_id": chain.firm_ids[0]},
    "simulate_disruption": lambda chain: {"shock": "country:JP"},
    "systemic_risk": lambda chain: {"progress": False},
}

PUBLIC_FUNCTIONS = sorted(n for n in cg.__all__ if inspect.isfunction(getattr(cg, n)))
CHAIN_FUNCTIONS = [n for n in PUBLIC_FUNCTIONS
                   if next(iter(inspect.signature(getattr(cg, n)).parameters), None) == "chain"]
ANALYSIS_FUNCTIONS = [n for n in PUBLIC_FUNCTIONS
                      if getattr(cg, n).__module__.startswith("chaingraph.analysis.")
                      and n not in IO_TABLE_FUNCTIONS | METHOD_INPUT_READERS]


def section(doc: str, title: str) -> str | None:
    """The text of a numpydoc section (``title`` underlined by dashes), or ``None``."""
    match = re.search(rf"^{title}\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.S | re.M)
    return match.group(1) if match else None


def test_the_rules_cover_the_analyses():
    # guards the selection above: a renamed module or a changed __all__ must not empty it
    assert {"lead_firms", "weak_links", "gaps", "systemic_risk", "tiers"} <= set(ANALYSIS_FUNCTIONS)
    assert {"write_chain", "to_pyvis", "build_report"} <= set(CHAIN_FUNCTIONS)
    assert IO_TABLE_FUNCTIONS | METHOD_INPUT_READERS <= set(PUBLIC_FUNCTIONS)
    assert TWO_CHAIN_FUNCTIONS <= set(ANALYSIS_FUNCTIONS)


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_at_most_three_positional_parameters_the_rest_keyword_only(name):
    params = inspect.signature(getattr(cg, name)).parameters.values()
    kinds = [p.kind for p in params]
    assert inspect.Parameter.VAR_POSITIONAL not in kinds, f"{name} takes *args"
    assert inspect.Parameter.VAR_KEYWORD not in kinds, f"{name} takes **kwargs"
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert len(positional) <= 3, f"{name} has positional parameters {positional}"


@pytest.mark.parametrize("name", CHAIN_FUNCTIONS)
def test_chain_is_annotated_as_chaingraph(name):
    annotation = inspect.signature(getattr(cg, name)).parameters["chain"].annotation
    assert annotation in ("ChainGraph", cg.ChainGraph), f"{name}(chain: {annotation})"


@pytest.mark.parametrize("name", ANALYSIS_FUNCTIONS)
def test_analysis_takes_chain_first_and_documents_returns_and_examples(name):
    func = getattr(cg, name)
    if name in TWO_CHAIN_FUNCTIONS:
        params = list(inspect.signature(func).parameters.values())[:2]
        assert [p.name for p in params] == ["before", "after"], name
        assert all(p.annotation in ("ChainGraph", cg.ChainGraph) for p in params), name
    else:
        assert name in CHAIN_FUNCTIONS, f"{name}'s first parameter is not `chain`"
    doc = inspect.getdoc(func)
    assert section(doc, "Returns"), f"{name} has no Returns section"
    examples = section(doc, "Examples")
    assert examples and ">>>" in examples, f"{name} has no Examples section"
    assert "load_dataset(" in examples, f"{name}'s examples do not use a shipped dataset"


def output_names(result) -> list[str]:
    """Column and index names of a result: of a table, or of each table of a result object."""
    if isinstance(result, pd.DataFrame):
        if result.columns.equals(result.index):  # a square matrix: its axes' names
            names = [result.index.name, result.columns.name]
        else:
            names = [*result.columns, *result.index.names]
    elif isinstance(result, pd.Series):
        # a record (unnamed index of fields) names its fields; a column names itself and its index
        names = list(result.index) if result.index.name is None else [result.name, *result.index.names]
    elif dataclasses.is_dataclass(result):
        names = []
        for f in dataclasses.fields(result):
            value = getattr(result, f.name)
            if isinstance(value, (pd.DataFrame, pd.Series)):
                names += [f.name, *output_names(value)]
    else:
        names = []
    return [str(n) for n in names if n is not None]


def is_named(name: str, text: str) -> bool:
    """``name`` appears as a word in ``text``, or fits a ``<placeholder>`` name written there."""
    if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text):
        return True
    for literal in re.findall(r"``([^`]*<\w+>[^`]*)``", text):
        pattern = re.sub(r"<\w+>", r"[^.]+", re.escape(literal).replace(r"\<", "<").replace(r"\>", ">"))
        if re.fullmatch(pattern, name):
            return True
    return False


@pytest.fixture(scope="module")
def shipped_chain():
    return cg.load_dataset("shandong-cnc")


@pytest.mark.parametrize("name", ANALYSIS_FUNCTIONS)
def test_returns_names_every_output_column(name, shipped_chain):
    func = getattr(cg, name)
    kwargs = CALLS.get(name, lambda chain: {})(shipped_chain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = func(shipped_chain, **kwargs)
    text = section(inspect.getdoc(func), "Returns")
    if dataclasses.is_dataclass(result):
        text += inspect.getdoc(type(result))
    missing = [n for n in dict.fromkeys(output_names(result)) if not is_named(n, text)]
    assert not missing, f"{name}: Returns does not name {missing}"


def test_the_column_check_can_fail():
    text = "``esri``: share of weight lost.\n``<tier>.status``: pass / fail / unknown."
    assert is_named("esri", text) and is_named("innovative.status", text)
    assert not is_named("esri_upstream", text)
    assert not is_named("innovative.designated", text)
    assert not is_named("status", text)  # a word inside a dotted name does not count
    table = pd.DataFrame({"esri": [0.5]}, index=pd.Index(["F1"], name="firm_id"))
    assert output_names(table) == ["esri", "firm_id"]
