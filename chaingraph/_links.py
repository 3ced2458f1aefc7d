"""The links table on the way in.

A links table has one row per supply relation or transaction
(:data:`chaingraph.schema.LINK_COLUMNS`): ``supplier_id`` and ``customer_id``
required, ``amount`` (万元) optional. The checks (each a
:class:`~chaingraph.errors.ChainDataError` naming the table, the column and the
rows): ids present, amounts finite and non-negative (missing amounts are an
error), no firm supplying itself. Repeated supplier–customer pairs are kept as
rows; the chain sums them into one edge of its graph.

A link end that is not in the firms table is checked with the firms
(:func:`chaingraph._firms.unknown_firm_ids`).
"""

from __future__ import annotations

import pandas as pd

from . import schema
from .schema import TableInfo


def checked_links(links: pd.DataFrame) -> tuple[pd.DataFrame, TableInfo]:
    """The links table checked: ids present, amounts finite and non-negative, no self-links."""
    info = TableInfo.of(links, "links")
    links = schema.canonical_columns(links, "links")
    links = schema.coerce_columns(links, schema.LINK_COLUMNS, info)
    for col in ("supplier_id", "customer_id"):
        schema.check_ids(links, col, info, unique=False)
    if "amount" in links.columns:
        schema.check_amounts(links["amount"], info, "amount", links, allow_missing=False)
        if not pd.api.types.is_float_dtype(links["amount"].dtype):
            links = links.assign(amount=links["amount"].astype("float64"))
    self_link = (links["supplier_id"] == links["customer_id"]).to_numpy()
    if self_link.any():
        raise info.error(
            f"self-links (a firm supplying itself): {schema._examples(links['supplier_id'][self_link])}",
            "supplier_id", links, self_link,
        )
    return links, info


def no_links(id_dtype) -> pd.DataFrame:
    """The links table of a chain built without links: no rows."""
    return pd.DataFrame({"supplier_id": pd.Series([], dtype=id_dtype),
                         "customer_id": pd.Series([], dtype=id_dtype)})
