"""The firms table on the way in, and the firms that links and presence name.

A firms table has one row per firm (:data:`chaingraph.schema.FIRM_COLUMNS`):
``firm_id`` required and unique; every known column coerced to its kind
(``country`` to an ISO alpha-2 code, ``size_class`` from its words, or derived
by the NBS 2017 rule from employees and revenue); amounts and counts that add
up to a finite total; with a chain template, every ``segment_id`` one of its
segments. Each problem is a :class:`~chaingraph.errors.ChainDataError` naming
the table, the column and the rows.

A firm that a link end or a presence row names and that is not in the firms
table is an error, or, with ``unknown_firms="add"``, a firm added with no
attributes, and a warning says how many (:func:`with_unknown_firms`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import schema
from .errors import ChainDataError
from .schema import ChainDataWarning, TableInfo


def checked_firms(firms: pd.DataFrame) -> tuple[pd.DataFrame, TableInfo]:
    """The firms table checked and typed, ``firm_id`` still a column."""
    info = TableInfo.of(firms, "firms")
    firms = schema.canonical_columns(firms, "firms")
    firms = schema.coerce_columns(firms, schema.FIRM_COLUMNS, info)
    schema.check_ids(firms, "firm_id", info, unique=True)
    firms = schema.derive_size_class(firms, info)
    schema.check_column_totals(firms, schema.FIRM_COLUMNS, info)
    return firms, info


def check_template_segments(firms: pd.DataFrame, info: TableInfo, template) -> None:
    """Every ``firms.segment_id`` given must be a segment of the chain template (if any)."""
    if template is None or "segment_id" not in firms.columns:
        return
    known = template.segments.index
    bad = (schema.positions(firms["segment_id"], known) < 0) & firms["segment_id"].notna().to_numpy()
    if bad.any():
        raise info.error(
            f"segments {schema._examples(firms['segment_id'][bad])} are not in the "
            f"template '{template.name}'"
            + schema.invisible_note(firms["segment_id"][bad], known, "template's segments"),
            "segment_id", firms, bad,
        )


def with_unknown_firms(firms: pd.DataFrame, links: pd.DataFrame, links_info: TableInfo,
                       presence: pd.DataFrame | None, presence_info: TableInfo | None,
                       unknown_firms: str, year: int | None = None):
    """``(firms, ends, added)``: the firms table with the firms that links and presence
    name and it lacks (``unknown_firms="add"``; ``"error"`` raises), the positions of
    each link's supplier and customer in it (``None`` when firms were added: the
    positions then change) and how many firms were added. ``year``: the year of the
    firms table's rows, named in the messages."""
    index = pd.Index(firms["firm_id"], name="firm_id")
    ends = [schema.positions(links[col], index) for col in ("supplier_id", "customer_id")]
    new_ids = unknown_firm_ids(links, links_info, ("supplier_id", "customer_id"), ends,
                               unknown_firms, index, year)
    if presence is not None:
        in_presence = schema.positions(presence["firm_id"], index)
        from_presence = unknown_firm_ids(presence, presence_info, ("firm_id",), [in_presence],
                                         unknown_firms, index, year)
        from_presence = from_presence[~pd.Index(from_presence).isin(new_ids)]
        new_ids = np.concatenate([new_ids, from_presence])
    if not len(new_ids):
        return firms, ends, 0
    added = pd.DataFrame({"firm_id": pd.array(new_ids, dtype=firms["firm_id"].dtype)})
    return pd.concat([firms, added], ignore_index=True), None, len(new_ids)


def unknown_firm_ids(df: pd.DataFrame, info: TableInfo, cols, positions, unknown_firms: str,
                     known: pd.Index, year: int | None = None):
    """Firm ids named in ``cols`` of ``df`` that are not in the firms table (``positions``
    −1; of ``year``, when its rows are one year's): raise, or (``unknown_firms="add"``)
    return them, with a warning saying how many."""
    table = "the firms table" + (f" of {year}" if year is not None else "")
    masks = {c: p < 0 for c, p in zip(cols, positions)}
    any_unknown = np.logical_or.reduce(list(masks.values())) if cols else np.zeros(len(df), bool)
    if not any_unknown.any():
        return np.array([], dtype=object)
    ids = pd.unique(np.concatenate([df[c].to_numpy()[masks[c]] for c in cols]))
    if unknown_firms == "error":
        found = [c for c in cols if masks[c].any()]
        where = "" if len(found) == 1 or len(cols) == 1 else " in supplier_id and customer_id"
        raise ChainDataError(
            f"{len(ids)} firms not in {table}{where}: {schema._examples(ids)}"
            + schema.invisible_note(ids, known, "firms"),
            source=info.source, column=found[0] if len(found) == 1 else None,
            rows=info.rows(df, any_unknown),
            option=("unknown_firms", "add", "to add them as firms with no attributes"),
        )
    warnings.warn(
        f"{info.source}: added {len(ids)} firms that are not in {table} "
        "as firms with no attributes",
        ChainDataWarning,
        stacklevel=4,  # the caller of ChainGraph.from_frames
    )
    return np.asarray(ids, dtype=object)
