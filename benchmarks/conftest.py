"""Shared benchmark fixtures: synthetic chains at 10^3, 10^4 and 10^5 firms.

Chains come from :func:`chaingraph.synthetic.synthetic_frames` on the ``nev``
template with about 10 links per firm and a fixed seed, and are cached on disk
in ``benchmarks/.cache/`` as Parquet, so that only the first run pays for the
generation.

Fixtures
--------
``frames_1e3``, ``frames_1e4``, ``frames_1e5``
    ``(firms, links)`` DataFrames.
``chain_1e3``, ``chain_1e4``, ``chain_1e5``
    The same as :class:`chaingraph.ChainGraph` (region 山东, template ``nev``).
``size`` (parametrised 1e3, 1e4, 1e5) with ``frames_by_size`` / ``chain_by_size``
    For benchmarks that run at every size.

Run with ``pytest benchmarks/ --benchmark-only``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

CACHE = Path(__file__).parent / ".cache"
SIZES = {"1e3": 1_000, "1e4": 10_000, "1e5": 100_000}
LINKS_PER_FIRM = 10.0
SEED = 20261125


def cached_frames(n_firms: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``(firms, links)`` with ``n_firms`` firms, generated once and cached."""
    from chaingraph.synthetic import synthetic_frames

    CACHE.mkdir(exist_ok=True)
    fpath = CACHE / f"firms_{n_firms}_{SEED}.parquet"
    lpath = CACHE / f"links_{n_firms}_{SEED}.parquet"
    if not (fpath.exists() and lpath.exists()):
        firms, links, _ = synthetic_frames(
            "nev", n_firms, region="山东", seed=SEED, links_per_firm=LINKS_PER_FIRM
        )
        firms.to_parquet(fpath, index=False)
        links.to_parquet(lpath, index=False)
    return pd.read_parquet(fpath), pd.read_parquet(lpath)


def build_chain(firms: pd.DataFrame, links: pd.DataFrame):
    import chaingraph as cg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.ChainGraph.from_frames(firms, links, "nev", region="山东")


def _frames_fixture(label):
    @pytest.fixture(scope="session", name=f"frames_{label}")
    def fixture():
        return cached_frames(SIZES[label])

    return fixture


def _chain_fixture(label):
    @pytest.fixture(scope="session", name=f"chain_{label}")
    def fixture(request):
        return build_chain(*request.getfixturevalue(f"frames_{label}"))

    return fixture


for _label in SIZES:
    globals()[f"frames_{_label}"] = _frames_fixture(_label)
    globals()[f"chain_{_label}"] = _chain_fixture(_label)


@pytest.fixture(scope="session", params=list(SIZES), ids=list(SIZES))
def size(request):
    """One of ``"1e3"``, ``"1e4"``, ``"1e5"``."""
    return request.param


@pytest.fixture(scope="session")
def frames_by_size(request, size):
    return request.getfixturevalue(f"frames_{size}")


@pytest.fixture(scope="session")
def chain_by_size(request, size):
    return request.getfixturevalue(f"chain_{size}")
