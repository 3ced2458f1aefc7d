"""Nested segments of a chain template: ancestors, inherited flows and levels.

A segment may name a ``parent`` (``ArF immersion scanners`` is a kind of
``lithography tools``), to any depth. Three things follow from the nesting and
the flows, computed here from the checked tables of
:mod:`chaingraph._template_tables`:

* **ancestors**: a segment's parent, its parent's parent, and so on;
* **inherited flows**: a segment takes every flow of its ancestors, in both
  directions (the parent's suppliers supply it, and it supplies the parent's
  customers), unless it has a flow of its own for that pair. The flow
  ``a → b`` holds when some ancestor-or-self of ``a`` flows to some
  ancestor-or-self of ``b``; its ``essential`` flag is that of the given flow
  nearest to it (fewest parent steps at both ends together; on a tie,
  essential when one of the tied flows is). A flow inherited from a segment to
  itself is left out;
* **levels**: the number of flows on the longest path from a source segment
  (one no flow goes into) to the segment, over the flows with the inherited
  ones: 0 for sources. A segment with no flow at all that has sub-segments
  (a heading such as ``equipment``) takes the smallest level of its
  sub-segments. Segments on a cycle of flows, or downstream of one, have no
  level (``<NA>``): a template's flows must be acyclic for levels and a
  topological order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ancestors(segment_ids, parent) -> dict[str, list[str]]:
    """Each segment's ancestors, nearest first (parent, grandparent, …).

    >>> ancestors(["tools", "litho", "arf"], [None, "tools", "litho"])["arf"]
    ['litho', 'tools']
    """
    up = {s: (None if pd.isna(p) else p) for s, p in zip(segment_ids, parent)}
    out = {}
    for s in up:
        chain, node = [], up[s]
        while node is not None:
            chain.append(node)
            node = up[node]
        out[s] = chain
    return out


def effective_flows(segment_ids, parent, flows: pd.DataFrame) -> pd.DataFrame:
    """The given flows plus the inherited ones (see the module docstring).

    Returns a DataFrame with ``from_segment``, ``to_segment``, ``essential``
    and ``inherited`` (bool): the given flows first, in their order, then the
    inherited ones in template order of ``from_segment``, ``to_segment``.

    >>> flows = pd.DataFrame({"from_segment": ["litho", "glass"],
    ...                       "to_segment": ["fab", "arf"], "essential": [True, False]})
    >>> effective_flows(["glass", "litho", "arf", "fab"], [None, None, "litho", None], flows)
      from_segment to_segment  essential  inherited
    0        litho        fab       True      False
    1        glass        arf      False      False
    2          arf        fab       True       True
    """
    ids = list(segment_ids)
    order = {s: i for i, s in enumerate(ids)}
    anc = ancestors(ids, parent)
    # descendants-or-self of each segment, with the number of parent steps down to each
    below: dict[str, list[tuple[str, int]]] = {s: [(s, 0)] for s in ids}
    for s, chain in anc.items():
        for steps, a in enumerate(chain, start=1):
            below[a].append((s, steps))
    given = {(a, b): bool(e) for a, b, e in
             zip(flows["from_segment"], flows["to_segment"], flows["essential"])}
    best: dict[tuple[str, str], tuple[int, bool]] = {}
    for (a0, b0), ess in given.items():
        for a, da in below[a0]:
            for b, db in below[b0]:
                if a == b or (a, b) in given:
                    continue
                dist = da + db
                old = best.get((a, b))
                if old is None or dist < old[0]:
                    best[(a, b)] = (dist, ess)
                elif dist == old[0]:
                    best[(a, b)] = (dist, old[1] or ess)
    inherited = sorted(best, key=lambda pair: (order[pair[0]], order[pair[1]]))
    out = pd.DataFrame({
        "from_segment": pd.array([*flows["from_segment"], *(a for a, _ in inherited)],
                                 dtype="string"),
        "to_segment": pd.array([*flows["to_segment"], *(b for _, b in inherited)],
                               dtype="string"),
        "essential": np.array([*flows["essential"], *(best[p][1] for p in inherited)],
                              dtype=bool),
        "inherited": np.r_[np.zeros(len(flows), dtype=bool), np.ones(len(inherited), dtype=bool)],
    })
    return out


def topological_order(segment_ids, flows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Segments ordered so that every flow goes forward, and those left on or after a cycle."""
    ids = list(segment_ids)
    indeg = dict.fromkeys(ids, 0)
    succ: dict[str, list[str]] = {s: [] for s in ids}
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        succ[a].append(b)
        indeg[b] += 1
    ready = [s for s in ids if indeg[s] == 0]
    order = []
    while ready:
        s = ready.pop(0)
        order.append(s)
        for t in succ[s]:
            indeg[t] -= 1
            if indeg[t] == 0:
                ready.append(t)
    return order, [s for s in ids if indeg[s] > 0]


def levels(segment_ids, parent, flows: pd.DataFrame) -> pd.arrays.IntegerArray:
    """Each segment's level over ``flows`` (given and inherited; see the module docstring).

    >>> flows = pd.DataFrame({"from_segment": ["ore", "steel"], "to_segment": ["steel", "car"]})
    >>> levels(["ore", "steel", "car", "metals"], [None, None, None, None], flows).tolist()
    [0, 1, 2, 0]
    """
    ids = list(segment_ids)
    order, _ = topological_order(ids, flows)
    preds: dict[str, list[str]] = {s: [] for s in ids}
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        preds[b].append(a)
    level: dict[str, int] = {}
    for s in order:
        level[s] = max((level[p] + 1 for p in preds[s]), default=0)
    touched = set(flows["from_segment"]) | set(flows["to_segment"])
    # a heading with no flow of its own: the smallest level of its sub-segments that have flows
    below: dict[str, list[int]] = {}
    for s, chain in ancestors(ids, parent).items():
        if s in touched and s in level:
            for a in chain:
                below.setdefault(a, []).append(level[s])
    for a, found in below.items():
        if a not in touched:
            level[a] = min(found)
    return pd.array([level.get(s, pd.NA) for s in ids], dtype="Int64")
