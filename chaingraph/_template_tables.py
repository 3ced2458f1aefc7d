"""Checking a chain template's two tables, segments and flows.

Every problem raises :class:`~chaingraph.errors.ChainDataError` naming the
table, the column and the rows. :class:`chaingraph.ChainTemplate` builds on the
checked tables; the words accepted for ``stage``, ``foundation``, ``kind`` and
``essential`` are those of :mod:`chaingraph.schema`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ChainDataError
from .schema import FOUNDATION_WORDS, SEGMENT_KIND_WORDS, STAGE_WORDS, TableInfo, to_bool

_SEGMENT_COLUMNS = ["name", "name_en", "stage", "foundation", "parent", "kind"]
_FLOW_COLUMNS = ["from_segment", "to_segment", "essential"]


def is_blank(value) -> bool:
    """None, NA, NaN, or a string of nothing but whitespace: a cell left empty."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def clean_text(values: pd.Series) -> pd.Series:
    """Strings stripped of surrounding blanks; blanks and nulls become ``<NA>``."""
    out = [pd.NA if is_blank(v) else str(v).strip() for v in values]
    return pd.Series(out, index=values.index, dtype="string")


def validate_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """The segments table indexed by ``segment_id``: names, canonical stage, foundation and
    kind, and the parent of each nested segment (known, and no segment its own ancestor).

    ``stage`` and ``parent`` are optional and stay missing where not given; ``kind`` is
    ``product`` where not given.
    """
    if not isinstance(segments, pd.DataFrame):
        raise ChainDataError(
            f"expected a DataFrame, got {type(segments).__name__}", source="segments"
        )
    info = TableInfo.of(segments, "segments")
    seg = segments.copy()
    if "segment_id" not in seg.columns:
        if seg.index.name == "segment_id":
            seg = seg.reset_index()
        else:
            raise ChainDataError("required column is missing", source=info.source,
                                 column="segment_id")

    def rows(mask):
        return info.rows(seg, np.asarray(mask))

    ids = clean_text(seg["segment_id"])
    empty = ids.isna().to_numpy()
    if empty.any():
        raise ChainDataError("empty segment_id", source=info.source, column="segment_id",
                             rows=rows(empty))
    dup_mask = ids.duplicated(keep=False).to_numpy()
    if dup_mask.any():
        first = ids[dup_mask].iloc[0]
        n_ids = ids[dup_mask].nunique()
        more = f" and {n_ids - 1} more duplicated ids" if n_ids > 1 else ""
        raise ChainDataError(f"duplicate segment_id {first!r}{more}", source=info.source,
                             column="segment_id", rows=rows((ids == first).to_numpy()))

    out = pd.DataFrame(index=pd.Index(ids.to_numpy(dtype=object), name="segment_id",
                                      dtype="string"))
    # names
    for col in ("name", "name_en"):
        if col in seg.columns:
            out[col] = clean_text(seg[col]).to_numpy()
        else:
            out[col] = pd.array([pd.NA] * len(seg), dtype="string")
    out["name"] = out["name"].fillna(pd.Series(out.index, index=out.index, dtype="string"))

    # stage (optional: missing stays missing)
    if "stage" in seg.columns:
        raw = clean_text(seg["stage"])
        canon = [pd.NA if pd.isna(v) else STAGE_WORDS.get(v.lower()) for v in raw]
        bad = np.array([c is None for c in canon])
        if bad.any():
            raise ChainDataError(
                f"unknown stage {raw.iloc[int(np.flatnonzero(bad)[0])]!r} "
                "(use upstream/midstream/downstream or 上游/中游/下游)",
                source=info.source, column="stage", rows=rows(bad),
            )
        out["stage"] = pd.array(canon, dtype="string")
    else:
        out["stage"] = pd.array([pd.NA] * len(seg), dtype="string")

    # foundation
    if "foundation" in seg.columns:
        raw = clean_text(seg["foundation"])
        canon = [pd.NA if pd.isna(v) else FOUNDATION_WORDS.get(v.lower()) for v in raw]
        bad = np.array([c is None for c in canon])
        if bad.any():
            raise ChainDataError(
                f"unknown foundation category {raw.iloc[int(np.flatnonzero(bad)[0])]!r} "
                "(use 零部件/元器件/软件/材料/工艺, "
                "parts/components/software/materials/processes, or leave empty)",
                source=info.source, column="foundation", rows=rows(bad),
            )
        out["foundation"] = pd.array(canon, dtype="string")
    else:
        out["foundation"] = pd.array([pd.NA] * len(seg), dtype="string")

    out["parent"] = _parents(seg, ids, info)
    out["kind"] = _kinds(seg, info)
    for col in seg.columns:
        if col not in ("segment_id", *_SEGMENT_COLUMNS):
            out[col] = seg[col].to_numpy()
    return out


def _parents(seg: pd.DataFrame, ids: pd.Series, info: TableInfo) -> pd.arrays.StringArray:
    """The ``parent`` column: each a known segment, none its own ancestor."""
    if "parent" not in seg.columns:
        return pd.array([pd.NA] * len(seg), dtype="string")
    parent = clean_text(seg["parent"])
    unknown = (parent.notna() & ~parent.isin(ids)).to_numpy()
    if unknown.any():
        raise ChainDataError(
            f"parent {parent[unknown].iloc[0]!r} is not a segment of the table",
            source=info.source, column="parent", rows=info.rows(seg, unknown),
        )
    up = dict(zip(ids, parent))
    for start in ids:
        seen = [start]
        node = up[start]
        while not pd.isna(node):
            if node in seen:
                loop = seen[seen.index(node):]
                raise ChainDataError(
                    "segments nested in a loop (each its own ancestor): " + " -> ".join(
                        [*loop, node]),
                    source=info.source, column="parent",
                    rows=info.rows(seg, ids.isin(loop).to_numpy()),
                )
            seen.append(node)
            node = up[node]
    return pd.array(parent.to_numpy(dtype=object), dtype="string")


def _kinds(seg: pd.DataFrame, info: TableInfo) -> pd.arrays.StringArray:
    """The ``kind`` column: ``product`` (the default) or ``process``."""
    if "kind" not in seg.columns:
        return pd.array(["product"] * len(seg), dtype="string")
    raw = clean_text(seg["kind"])
    canon = [
        "product" if pd.isna(v) else SEGMENT_KIND_WORDS.get(v.lower(), SEGMENT_KIND_WORDS.get(v))
        for v in raw
    ]
    bad = np.array([c is None for c in canon])
    if bad.any():
        raise ChainDataError(
            f"unknown segment kind {raw.iloc[int(np.flatnonzero(bad)[0])]!r} "
            "(use product/产品 or process/工序, or leave empty for product)",
            source=info.source, column="kind", rows=info.rows(seg, bad),
        )
    return pd.array(canon, dtype="string")


def validate_flows(flows: pd.DataFrame | None, segment_ids: pd.Index) -> pd.DataFrame:
    """The flows table between ``segment_ids``; all flows essential without ``essential``."""
    if flows is None:
        return pd.DataFrame({
            "from_segment": pd.array([], dtype="string"),
            "to_segment": pd.array([], dtype="string"),
            "essential": np.array([], dtype=bool),
        })
    if not isinstance(flows, pd.DataFrame):
        raise ChainDataError(f"expected a DataFrame, got {type(flows).__name__}",
                             source="flows")
    info = TableInfo.of(flows, "flows")

    def rows(mask):
        return info.rows(flows, np.asarray(mask))

    cols = {}
    for col in ("from_segment", "to_segment"):
        if col not in flows.columns:
            raise ChainDataError("required column is missing", source=info.source, column=col)
        vals = clean_text(flows[col])
        empty = vals.isna().to_numpy()
        if empty.any():
            raise ChainDataError("empty segment id", source=info.source, column=col,
                                 rows=rows(empty))
        known = vals.isin(segment_ids).to_numpy()
        if not known.all():
            unknown = sorted(set(vals[~known]))
            raise ChainDataError(
                "unknown segment " + ", ".join(repr(u) for u in unknown[:5])
                + " (not in the segments table)",
                source=info.source, column=col, rows=rows(~known),
            )
        cols[col] = vals
    same = (cols["from_segment"] == cols["to_segment"]).to_numpy()
    if same.any():
        raise ChainDataError(
            f"self-flow from segment {cols['from_segment'][same].iloc[0]!r} to itself",
            source=info.source, column="to_segment", rows=rows(same),
        )
    pairs = pd.DataFrame({"a": cols["from_segment"], "b": cols["to_segment"]})
    dup = pairs.duplicated(keep=False).to_numpy()
    if dup.any():
        a, b = pairs[dup].iloc[0]
        raise ChainDataError(f"duplicate flow {a!r} -> {b!r}", source=info.source,
                             column="to_segment",
                             rows=rows(((pairs["a"] == a) & (pairs["b"] == b)).to_numpy()))
    if "essential" in flows.columns:
        essential = to_bool(flows["essential"], info, "essential", flows)
        if essential.isna().any():
            raise ChainDataError("missing values (give true or false for every flow)",
                                 source=info.source, column="essential",
                                 rows=rows(essential.isna().to_numpy()))
    else:
        essential = pd.Series(True, index=flows.index, dtype=bool)
    out = pd.DataFrame({
        "from_segment": pd.array(cols["from_segment"].to_numpy(), dtype="string"),
        "to_segment": pd.array(cols["to_segment"].to_numpy(), dtype="string"),
        "essential": essential.to_numpy(dtype=bool),
    })
    for col in flows.columns:
        if col not in _FLOW_COLUMNS:
            out[col] = flows[col].to_numpy()
    return out
