"""What :meth:`ChainGraph.summary` returns: counts by segment, stage, size class and location.

Every count goes through the chain's segment aggregation
(:meth:`ChainGraph.segment_firm_counts`, :meth:`ChainGraph.segment_totals`,
:attr:`ChainGraph.segment_membership` and :attr:`ChainGraph.segment_ancestry`),
so a firm in several segments, or in a sub-segment, is counted by the same rule
as in every analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import schema
from ._places import LOCATIONS


@dataclass
class ChainSummary:
    """What :meth:`ChainGraph.summary` returns.

    Attributes
    ----------
    totals : Series
        region, home, template, firms, links (rows and distinct pairs), repeated
        pair rows merged, firms added from links (or presence), total amount
        (万元; missing when no amount is known: a chain map, or links without
        amounts), segments, segments with no firm / no local firm, firms without
        segment; for a chain map also presence rows and aggregates.
    by_segment : DataFrame
        Indexed by ``segment_id``: name, stage, firms, local, outside, foreign,
        large, medium, small, micro, sales, purchases (万元; missing, as the
        total amount, when no amount is known). With nested
        segments a parent's row includes its sub-segments: a firm active in a
        sub-segment counts once in the sub-segment and once in every ancestor
        (never twice in one row), and its sales and purchases are summed there
        by the same rule (:meth:`ChainGraph.segment_firm_counts` and
        :meth:`ChainGraph.segment_totals` with ``nested=True``). Without nesting
        (the built-in templates) each row counts the segment's own firms.
    by_stage : DataFrame
        firms, local, outside, foreign by stage: a firm counts once in every
        stage one of its segments (or their ancestors) is in; ``unknown`` counts
        the firms none of whose segments or ancestors has a stage.
    by_size_class, by_location : Series
        Firm counts.
    """

    totals: pd.Series
    by_segment: pd.DataFrame
    by_stage: pd.DataFrame
    by_size_class: pd.Series
    by_location: pd.Series = field(default=None)

    def __str__(self) -> str:
        parts = [
            self.totals.to_string(),
            "",
            "firms by location:\n" + self.by_location.to_string(),
            "",
            "firms by size class:\n" + self.by_size_class.to_string(),
            "",
            "by stage:\n" + self.by_stage.to_string(),
            "",
            "by segment:\n" + self.by_segment.to_string(),
        ]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return (
            self.totals.to_frame().to_html()
            + self.by_location.to_frame().T.to_html()
            + self.by_size_class.to_frame().T.to_html()
            + self.by_segment.to_html()
        )


def chain_summary(chain, *, added_firms: int) -> ChainSummary:
    """The summary of ``chain``; ``added_firms``: firms added from links or presence when
    it was built (``unknown_firms="add"``)."""
    firms = chain.firms
    loc = chain.location.astype(str).to_numpy()
    size = firms["size_class"].fillna("unknown").to_numpy()
    by_location = pd.Series(loc, name="location").value_counts().reindex(list(LOCATIONS), fill_value=0)
    by_size = pd.Series(size, name="size_class").value_counts().reindex(
        [*schema.SIZE_CLASSES, "unknown"], fill_value=0
    )
    by_size = by_size[(by_size > 0) | by_size.index.isin(schema.SIZE_CLASSES)]

    size_codes = pd.Categorical(firms["size_class"], categories=schema.SIZE_CLASSES).codes
    groups = np.column_stack([
        chain.location_codes[:, None] == np.arange(len(LOCATIONS)),
        size_codes[:, None] == np.arange(len(schema.SIZE_CLASSES)),
    ])
    counts = chain.segment_firm_counts(groups, nested=True)
    money = chain.segment_totals(np.column_stack([chain.out_strength, chain.in_strength]), nested=True)
    seg_index = chain.segment_ids
    by_segment = pd.DataFrame(index=seg_index).join(chain.segments[["name", "stage"]])
    by_segment["firms"] = chain.segment_firm_counts(nested=True)
    for j, col in enumerate([*LOCATIONS, *schema.SIZE_CLASSES]):
        by_segment[col] = counts[:, j]
    # a chain map has no transactions, and links without amounts count 1 each: no money
    # is known then, and none is shown as 0
    amounts_known = chain.has_links and "amount" in chain.links.columns
    by_segment["sales"] = money[:, 0] if amounts_known else np.nan
    by_segment["purchases"] = money[:, 1] if amounts_known else np.nan
    by_segment.index.name = "segment_id"
    by_stage = _firms_by_stage(chain, by_segment["stage"], groups[:, :len(LOCATIONS)])
    template = chain.template
    totals = {
        "region": chain.region,
        "home": chain.home,
        "template": template.name if template is not None else None,
        "firms": chain.n_firms,
        "links (rows)": len(chain.links),
        "links (supplier–customer pairs)": chain.n_links,
        "repeated pair rows merged": len(chain.links) - chain.n_links,
        "firms added from links": int(added_firms),
        "total amount (万元)": float(chain.adjacency.sum()) if amounts_known else None,
        "segments": len(seg_index),
        "segments with no firm": int((by_segment["firms"] == 0).sum()) if len(by_segment) else 0,
        "segments with no local firm": int((by_segment["local"] == 0).sum()) if len(by_segment) else 0,
        "firms without segment": int(chain.segment_firm_counts(unknown=True)[-1]),
    }
    if chain.has_presence:
        totals["presence rows"] = len(chain.presence)
        totals["aggregates"] = int(chain.is_aggregate.sum())
    return ChainSummary(pd.Series(totals, name="value", dtype=object), by_segment,
                        by_stage, by_size.rename("firms"), by_location.rename("firms"))


def _firms_by_stage(chain, stages: pd.Series, by_location: np.ndarray) -> pd.DataFrame:
    """Firms (and local, outside, foreign firms) in each stage, a firm counted once in
    every stage one of its segments (or their ancestors) is in, and as ``"unknown"`` only
    when none of them has a stage; stages in chain order (upstream, midstream,
    downstream), then any other value, ``"unknown"`` last."""
    cols = ["firms", *LOCATIONS]
    if not len(stages):
        return pd.DataFrame(columns=cols)
    named = stages.fillna("unknown")
    labels, codes = np.unique(named.astype(str).to_numpy(), return_inverse=True)
    # (M A)[i, l] > 0: firm i is active in segment l or one of its sub-segments
    in_segment = sp.csr_array(chain.segment_membership @ chain.segment_ancestry)
    in_stage = (in_segment > 0).astype(np.float64) @ sp.csr_array(
        (np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(labels)))
    in_stage = np.asarray(sp.csr_array(in_stage).toarray() > 0, dtype=np.int64)
    unknown = labels == "unknown"
    if unknown.any():
        # a sub-segment without a stage of its own (a kind of a staged segment) leaves its
        # firms' stage known through the ancestor: unknown only when no segment says one
        known = in_stage[:, ~unknown].any(axis=1)
        in_stage[known, np.flatnonzero(unknown)[0]] = 0
    table = np.column_stack([in_stage.sum(axis=0), in_stage.T @ by_location.astype(np.int64)])
    frame = pd.DataFrame(table, index=pd.Index(labels, name="stage", dtype=named.dtype),
                         columns=cols)
    rank = {stage: k for k, stage in enumerate(schema.STAGES)}
    order = sorted(labels.tolist(), key=lambda v: (rank.get(v, len(rank)), v == "unknown", v))
    return frame.loc[order]
