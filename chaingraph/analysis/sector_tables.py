"""Where sector tables come from: chain segments (环节) summed to sectors, files and datasets.

The input–output methods of :mod:`chaingraph.analysis.sectors` take a flow
matrix ``Z`` and gross output ``x``. This module makes them from what users
have: :func:`segment_flows` and :func:`segment_output` sum a chain's firm
links and outputs to its segments, :func:`read_io_table` reads a table from a
CSV file, and :func:`sector_table` takes any of these (or a shipped dataset)
and returns ``(Z, x)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from chaingraph.analysis._common import require_links, with_place
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError
from chaingraph.schema import TableInfo

__all__ = ["segment_flows", "segment_output", "read_io_table", "sector_table"]


# --------------------------------------------------------------------------
# chain segments (环节) as sectors
# --------------------------------------------------------------------------


def segment_flows(chain: ChainGraph, *, local_only: bool = False) -> pd.DataFrame:
    """Segment × segment flow matrix (环节间流量矩阵) summed from firm links.

    ``S[k, l] = sum of W[s, j]`` over firms *s* in segment *k* and *j* in
    segment *l*, with ``W = chain.adjacency`` (what firm *s* sells to firm
    *j*).  As a matrix product, ``S = Mᵀ W M`` with ``M`` the firms ×
    segments membership matrix (:attr:`ChainGraph.segment_membership`,
    :meth:`ChainGraph.segment_flow_matrix`).  ``S`` plays the part of ``Z`` in
    :func:`key_sectors`, :func:`extraction` and :func:`upstreamness`, with
    :func:`segment_output` as gross output, so the input–output methods run
    at segment level on firm data.

    Parameters
    ----------
    chain : ChainGraph
    local_only : bool, default False
        Keep only links between two local firms (``chain.is_local``): the
        region's own segment flows.

    Returns
    -------
    DataFrame
        Square, indexed by ``segment_id`` (rows: supplying segment) with
        columns ``segment_id`` (using segment), in the order of
        ``chain.segment_ids``; segments without firms or links give zero rows
        and columns.  Flows in the units of the links' ``amount`` (万元), or
        link counts when the links have no amount.

    Warns
    -----
    UserWarning
        When links (with ``local_only``, links between local firms) touch
        firms of unknown segment: how many, and how much flow is left out.

    References
    ----------
    Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed.,
    ch. 4 (aggregation of sectors).

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> S = segment_flows(chain)
    >>> S.shape == (len(chain.segment_ids),) * 2
    True
    >>> bool(S.loc["battery_pack", "vehicle"] > 0), float(S.loc["vehicle", "battery_pack"])
    (True, 0.0)

    Key sectors at segment (环节) level; the battery cell pulls on its
    suppliers more than the average segment:

    >>> ks = cg.key_sectors(S, segment_output(chain))
    >>> bool(ks.loc["battery_cell", "backward_linkage"] > 1)
    True
    >>> bool(ks["sector_class"].isin(["key", "strong backward", "strong forward", "weak"]).all())
    True
    """
    require_links(chain, "segment_flows")
    mask = np.asarray(chain.is_local, dtype=bool) if local_only else None
    _warn_flows_without_segment(chain, mask)
    S = chain.segment_flow_matrix(firms=mask).toarray()
    index = pd.Index(chain.segment_ids, name="segment_id")
    return with_place(pd.DataFrame(S, index=index, columns=index.copy()), chain)


def _warn_flows_without_segment(chain, mask: np.ndarray | None) -> None:
    """Warn how many firm pairs (among ``mask``), and how much flow, touch a firm with no segment."""
    no_segment = np.diff(chain.segment_membership.indptr) == 0  # an empty row of M
    if not no_segment.any():
        return
    w = chain.adjacency.tocoo()
    inside = np.ones(w.nnz, dtype=bool) if mask is None else mask[w.row] & mask[w.col]
    touch = inside & (no_segment[w.row] | no_segment[w.col])
    if touch.any():
        lost = float(w.data[touch].sum())
        total = float(w.data[inside].sum())
        warnings.warn(
            f"{int(touch.sum())} firm pairs ({lost:,.6g} of {total:,.6g} in flow) involve "
            "firms without a segment and are left out of the segment flows",
            UserWarning,
            stacklevel=3,
        )


def segment_output(chain: ChainGraph, *, local_only: bool = False) -> pd.Series:
    """Gross output per segment (环节总产出), to go with :func:`segment_flows`.

    A firm's output in a segment is the ``amount`` of its presence row there
    (:attr:`ChainGraph.presence`) when the row has one. Otherwise it is the
    firm's output less the amounts of its other rows, in equal parts over
    its rows without an amount (one row, all of it, on a chain without a
    presence table). A firm's output is its ``revenue`` when the firms table
    has that column and the value is given; otherwise, on a chain with links,
    the larger of its sales and its purchases in the network,
    ``max(out_strength, in_strength)``.  That is a lower bound on what it
    produces: a firm makes at least what it sells to the firms in the data,
    and, with non-negative value added, at least what it buys — so a revenue
    below that bound is raised to it (with a warning).  (Sales alone would
    give a final producer, which sells to consumers outside the data, zero
    output despite its inputs.)  On a chain without links (a chain map) a
    firm with neither revenue nor amount has an unknown output.  A segment's
    output is the sum over its firms.

    Parameters
    ----------
    chain : ChainGraph
    local_only : bool, default False
        Sum over local firms only (to go with ``segment_flows(chain,
        local_only=True)``).

    Returns
    -------
    Series named ``output``
        Indexed by ``segment_id`` in the order of ``chain.segment_ids``;
        0 for a segment without firms (without local firms with
        ``local_only``); missing (NaN) for a segment none of whose firms has
        a known output; the sum of the known outputs, a lower bound, when
        only some are known (with a warning).

    Warns
    -----
    UserWarning
        When ``revenue`` exists but is missing for some firms, or is below a
        firm's sales or purchases in the network: how many firms used the
        network figure instead; when a revenue is below the sum of the firm's
        presence amounts (its rows without an amount are then unknown); when
        some presence rows have an unknown output: how many, and how many
        segments sum only the known ones or are missing.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> out = segment_output(chain)
    >>> bool(out.index.equals(chain.segment_ids)), bool((out > 0).all())
    (True, True)
    """
    per_firm = _firm_output(chain)
    p = chain.presence
    firm = chain.firm_ids.get_indexer(p["firm_id"])
    seg = chain.segment_ids.get_indexer(p["segment_id"])
    in_scope = np.asarray(chain.is_local, dtype=bool)[firm] if local_only else np.ones(len(p), bool)
    row_output = _presence_row_output(per_firm, firm, p["amount"].to_numpy(dtype=float, na_value=np.nan),
                                      chain.n_firms)
    known = in_scope & np.isfinite(row_output)
    K = len(chain.segment_ids)
    total = np.bincount(seg[known], weights=row_output[known], minlength=K)
    n_rows = np.bincount(seg[in_scope], minlength=K)
    n_known = np.bincount(seg[known], minlength=K)
    total = np.where((n_rows > 0) & (n_known == 0), np.nan, total)
    unknown_rows = int(in_scope.sum() - known.sum())
    if unknown_rows:
        partial = int(((n_known > 0) & (n_known < n_rows)).sum())
        missing = int(((n_rows > 0) & (n_known == 0)).sum())
        whose = " of local firms" if local_only else ""
        warnings.warn(
            f"the output of {unknown_rows} of {int(in_scope.sum())} presence rows{whose} is unknown "
            "(no amount, no revenue, no links to bound it): "
            f"{partial} segments sum only the known ones (a lower bound), {missing} are missing",
            UserWarning,
            stacklevel=2,
        )
    return with_place(pd.Series(total, index=pd.Index(chain.segment_ids, name="segment_id"), name="output"),
                      chain)


def _firm_output(chain: ChainGraph) -> np.ndarray:
    """Each firm's output: its revenue, raised to ``max(sales, purchases)`` in the network when
    the chain has links (and taken as that where revenue is missing); NaN where unknown."""
    if chain.has_links:
        est = np.maximum(np.asarray(chain.out_strength, dtype=float), np.asarray(chain.in_strength, dtype=float))
    else:
        est = np.full(chain.n_firms, np.nan)
    if "revenue" not in chain.firms.columns:
        return est
    rev = pd.to_numeric(chain.firms["revenue"], errors="coerce").to_numpy(dtype=float)
    missing = ~np.isfinite(rev)
    if missing.any() and chain.has_links:
        warnings.warn(
            f"{int(missing.sum())} of {len(rev)} firms have no revenue; their output is taken as "
            "max(sales, purchases) in the network",
            UserWarning,
            stacklevel=3,
        )
    low = ~missing & (rev < est)
    if low.any():
        warnings.warn(
            f"{int(low.sum())} firms have a revenue below their sales or purchases in the "
            "network; their output is taken as max(sales, purchases)",
            UserWarning,
            stacklevel=3,
        )
    return np.where(missing, est, np.fmax(rev, est))


def _presence_row_output(per_firm: np.ndarray, firm: np.ndarray, amount: np.ndarray, n_firms: int) -> np.ndarray:
    """The output of each presence row (firm positions ``firm``): its amount where given, else
    the firm's output less its given amounts, in equal parts over its rows without one; NaN
    where unknown or where the firm's output is below its amounts (with a warning)."""
    given = np.isfinite(amount)
    amounts = np.bincount(firm[given], weights=amount[given], minlength=n_firms)
    open_rows = np.bincount(firm[~given], minlength=n_firms)
    rest = per_firm - amounts
    below = (open_rows > 0) & (rest < 0)
    if below.any():
        warnings.warn(
            f"{int(below.sum())} firms have a revenue below the sum of their presence amounts; "
            "the amounts stand and their rows without an amount are unknown",
            UserWarning,
            stacklevel=3,
        )
    share = np.where(below, np.nan, rest) / np.maximum(open_rows, 1)
    return np.where(given, amount, share[firm])


# --------------------------------------------------------------------------
# reading a table from a file
# --------------------------------------------------------------------------


def read_io_table(path) -> tuple[pd.DataFrame, pd.Series]:
    """Read an input–output table (投入产出表) from one CSV file.

    The layout: sector labels in the first column; one column per sector,
    headed by the same labels (in any order), holding the square ``Z`` block
    (row = selling sector, column = buying sector); and gross output in a
    column named ``x`` or ``output``.  Any other column (final demand,
    totals) is ignored.  Encoding (UTF-8, with or without BOM, or GB18030)
    and separator (comma, tab, semicolon) are detected.  Empty cells in the
    ``Z`` block are taken as 0, with a warning.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Z : DataFrame
        Square, indexed and labelled by sector.
    x : Series named ``output``
        Gross output, indexed by sector.

    Raises
    ------
    ChainDataError
        No output column, a sector without its column, repeated sectors,
        non-numeric cells (naming the column and the file's line numbers),
        or missing output.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "io.csv"
    >>> _ = path.write_text("sector,farm,mill,household,output\\n"
    ...                     "farm,20,30,50,100\\nmill,40,10,150,200\\n", encoding="utf-8")
    >>> Z, x = read_io_table(path)
    >>> from chaingraph.analysis.sectors import key_sectors
    >>> key_sectors(Z, x)["sector_class"].tolist()
    ['key', 'weak']
    """
    from pathlib import Path

    from chaingraph.io import read_table

    path = Path(path)
    raw = read_table(path)
    source = path.name
    if raw.shape[1] < 2:
        raise ChainDataError("needs a label column, the Z block and an output column", source=source)
    label_col = raw.columns[0]
    labels = pd.Index(raw[label_col].astype(str).str.strip(), name="sector" if label_col == "" else str(label_col))
    rows = TableInfo.of(raw, source).rows  # the file's line numbers (read_table's index)
    dup = labels.duplicated()
    if dup.any():
        raise ChainDataError("repeated sector label", source=source, column=str(label_col), rows=rows(raw, dup))
    out_col = next((c for c in ("x", "output") if c in raw.columns), None)
    if out_col is None:
        raise ChainDataError("no gross-output column: name it 'x' or 'output'", source=source)
    missing = [s for s in labels if s not in set(raw.columns)]
    if missing:
        raise ChainDataError(
            f"sectors without a column in the Z block: {missing[:5]}", source=source, column=str(label_col)
        )

    def numeric(col: str) -> np.ndarray:
        text = raw[col]
        vals = pd.to_numeric(text, errors="coerce")
        bad = text.notna().to_numpy() & vals.isna().to_numpy()
        if bad.any():
            raise ChainDataError("not a number", source=source, column=str(col), rows=rows(raw, bad))
        return vals.to_numpy(dtype=float)

    block = np.column_stack([numeric(s) for s in labels]) if len(labels) else np.zeros((0, 0))
    empty = np.isnan(block)
    if empty.any():
        warnings.warn(
            f"{source}: {int(empty.sum())} empty cells in the Z block were taken as 0",
            UserWarning,
            stacklevel=2,
        )
        block = np.where(empty, 0.0, block)
    xv = numeric(out_col)
    bad = np.isnan(xv)
    if bad.any():
        raise ChainDataError("missing gross output", source=source, column=out_col, rows=rows(raw, bad))
    Z = pd.DataFrame(block, index=labels, columns=labels.copy())
    return Z, pd.Series(xv, index=labels, name="output")


# --------------------------------------------------------------------------
# what to analyse: a table, a chain or a file
# --------------------------------------------------------------------------


def sector_table(source=None, *, dataset: str | None = None,
                 local_only: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """The flows ``Z`` and gross output ``x`` (投入产出表) of a table, a chain or a file.

    One way in to :func:`key_sectors`, :func:`extraction` and
    :func:`upstreamness` for every kind of input they apply to:

    * an :class:`~chaingraph.IOTable` gives its ``Z`` and ``x``;
    * a :class:`~chaingraph.ChainGraph` is taken at segment (环节) level:
      ``Z = segment_flows(chain)``, the flows ``S = P W Pᵀ`` summed from the
      firm links, and ``x = segment_output(chain)``;
    * a path: a folder or an ``.xlsx`` / ``.xls`` workbook is read as a chain
      (:func:`~chaingraph.read_chain`), any other file as an input–output
      table CSV (:func:`read_io_table`);
    * ``dataset=``: a shipped dataset (:func:`~chaingraph.list_datasets`),
      a chain or an input–output table.

    Parameters
    ----------
    source : IOTable, ChainGraph, str or Path, optional
        What to analyse; give either this or ``dataset``.
    dataset : str, optional
        The name of a shipped dataset.
    local_only : bool, default False
        Chains: only the flows between local firms and the local firms'
        output (see :func:`segment_flows`). Input–output tables have no
        region: ``local_only=True`` with one is a ``ValueError``.

    Returns
    -------
    Z : DataFrame
        Square, indexed and labelled by sector (``segment_id`` for a chain):
        what the row sector delivers to the column sector.
    x : Series named ``output``
        Gross output, indexed as ``Z``.

    Raises
    ------
    ValueError
        Both or neither of ``source`` and ``dataset``; ``local_only`` with an
        input–output table.
    TypeError
        A ``source`` of another kind.
    ChainDataError
        An unknown dataset name, or a file that cannot be read (see
        :func:`read_io_table` and :func:`~chaingraph.read_chain`).

    References
    ----------
    Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed.,
    ch. 2 (the table) and ch. 4 (aggregation of sectors).

    Examples
    --------
    >>> Z, x = sector_table(dataset="germany-1995-6")
    >>> Z.shape, x.name
    ((6, 6), 'output')
    >>> import chaingraph as cg
    >>> Z, x = sector_table(dataset="shandong-nev")
    >>> bool(cg.key_sectors(Z, x).loc["battery_cell", "backward_linkage"] > 1)
    True
    """
    from pathlib import Path

    from chaingraph.datasets import IOTable, load_dataset
    from chaingraph.io import read_chain

    if (source is None) == (dataset is None):
        raise ValueError("give either source or dataset, not both or neither")
    data = load_dataset(dataset) if dataset is not None else source
    if isinstance(data, (str, Path)):
        path = Path(data)
        if path.is_dir() or path.suffix.lower() in (".xlsx", ".xls"):
            data = read_chain(path)
        else:
            _no_local_only(local_only, f"{path.name} is an input–output table")
            return read_io_table(path)
    if isinstance(data, ChainGraph):
        return (segment_flows(data, local_only=local_only),
                segment_output(data, local_only=local_only))
    if isinstance(data, IOTable):
        _no_local_only(local_only, "an input–output table")
        return data.Z, data.x
    raise TypeError(
        f"expected an IOTable, a ChainGraph or a path, got {type(data).__name__}")


def _no_local_only(local_only: bool, what: str) -> None:
    """``local_only`` asked of a table that has no firms and no region: a ValueError."""
    if local_only:
        raise ValueError(f"local_only applies to chains only: {what} has no firms and no region")
