"""Small helpers shared by the analysis modules."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping

import numpy as np
import pandas as pd

from chaingraph.errors import ChainDataError

#: What analyses worked out from a chain alone, by chain (see :func:`per_chain`).
_PER_CHAIN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def per_chain(chain, key: Hashable, compute: Callable):
    """``compute()``, worked out once for ``chain`` and ``key`` and then reused.

    A chain is immutable, so what an analysis derives from the chain and
    hashable arguments can be kept while the chain lives and shared with the
    next analysis that needs it (``chokepoints`` and ``weak_links`` need the
    lead-firm scores; a report asks for most analyses more than once). The
    results are kept beside the chain, not in it, and go when the chain goes.
    What is returned is shared: callers copy before changing it.
    """
    store = _PER_CHAIN.get(chain)
    if store is None:
        store = _PER_CHAIN[chain] = {}
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(chain) -> None:
    """Drop what :func:`per_chain` keeps for ``chain`` (benchmarks use it to time an
    analysis from scratch on a chain other analyses have seen)."""
    _PER_CHAIN.pop(chain, None)


def normalised_weights(defaults: Mapping[str, float], given: Mapping[str, float] | None,
                       what: str) -> dict[str, float]:
    """Component weights: the defaults updated by ``given``, rescaled to sum to 1.

    >>> normalised_weights({"a": 0.5, "b": 0.5}, {"a": 1.5}, "score")
    {'a': 0.75, 'b': 0.25}
    """
    w = dict(defaults)
    if given is not None:
        unknown = sorted(set(given) - set(w))
        if unknown:
            raise ValueError(f"unknown {what} components {unknown}; the components are {list(w)}")
        w.update({k: float(v) for k, v in given.items()})
    if any(v < 0 or not np.isfinite(v) for v in w.values()):
        raise ValueError(f"{what} weights must be finite and non-negative, got {w}")
    total = sum(w.values())
    if total <= 0:
        raise ValueError(f"at least one {what} weight must be positive")
    return {k: v / total for k, v in w.items()}


def require_links(chain, what: str) -> None:
    """Raise unless the chain has transactions (supplier–customer links).

    A chain map built without links (:attr:`ChainGraph.has_links` false) cannot
    answer what needs transactions; the error says which analysis asked.
    """
    if not chain.has_links:
        raise ChainDataError(
            f"{what} needs supplier–customer links (transactions); this chain has none — "
            "it is a chain map of presence only",
            source="links",
        )


def with_place(df: pd.DataFrame, chain) -> pd.DataFrame:
    """``df`` with ``attrs["home"]`` and ``attrs["region"]`` saying which home country and
    focus region it was computed for (returned, for ``return with_place(out, chain)``)."""
    df.attrs["home"] = chain.home
    df.attrs["region"] = chain.region
    return df
