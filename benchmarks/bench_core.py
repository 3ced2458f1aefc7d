"""Building a chain from frames, beside ``networkx.from_pandas_edgelist`` on the same links.

Budget: ``ChainGraph.from_frames`` on 10^6 links ≤ 2 s and ≤ 60 bytes per link of
memory beyond the input frames.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import networkx as nx
import pytest

import chaingraph as cg
from conftest import CACHE, SEED, SIZES, cached_frames


def test_from_frames(benchmark, frames_by_size, size):
    firms, links = frames_by_size
    benchmark.group = f"build {size} firms"
    benchmark.extra_info["links"] = len(links)

    def build():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cg.ChainDataWarning)
            return cg.ChainGraph.from_frames(firms, links, "nev", region="山东")

    chain = benchmark.pedantic(build, rounds=3, iterations=1)
    assert chain.n_links == len(links)


def test_networkx_from_pandas_edgelist(benchmark, frames_by_size, size):
    _, links = frames_by_size
    benchmark.group = f"build {size} firms"
    benchmark.extra_info["links"] = len(links)
    g = benchmark.pedantic(
        nx.from_pandas_edgelist,
        args=(links, "supplier_id", "customer_id", ["amount"]),
        kwargs={"create_using": nx.DiGraph},
        rounds=3, iterations=1,
    )
    assert g.number_of_edges() == len(links)


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import gc, json, sys, warnings
    import pandas as pd, pyarrow as pa
    sys.path.insert(0, {bench!r})
    import chaingraph as cg
    import networkx as nx

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    firms = pd.read_parquet({fpath!r}); links = pd.read_parquet({lpath!r})
    warnings.simplefilter("ignore")
    # warm up imports and pandas' lazy machinery on a small chain first
    ids = set(firms.firm_id.head(200))
    small = links[links.supplier_id.isin(ids) & links.customer_id.isin(ids)]
    cg.ChainGraph.from_frames(firms.head(200), small if len(small) else links.head(0), "nev")
    import tracemalloc
    gc.collect(); before, arrow_before = rss(), pa.total_allocated_bytes()
    tracemalloc.start()
    chain = cg.ChainGraph.from_frames(firms, links, "nev", region="山东")
    chain.adjacency_t; chain.out_strength; chain.in_strength
    gc.collect()
    traced, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after, arrow_after = rss(), pa.total_allocated_bytes()
    del chain; gc.collect()
    base = rss()
    g = nx.from_pandas_edgelist(links, "supplier_id", "customer_id", ["amount"], create_using=nx.DiGraph)
    gc.collect(); nx_after = rss()
    print(json.dumps({{"links": len(links), "rss_bytes": after - before,
                      "chain_bytes": traced + arrow_after - arrow_before,
                      "peak_bytes": traced_peak + arrow_after - arrow_before,
                      "networkx_bytes": nx_after - base}}))
    """
)


@pytest.mark.parametrize("label", ["1e5"])
def test_from_frames_memory(benchmark, label):
    """Memory the chain keeps beyond its input frames (in a fresh process).

    ``chain_bytes`` is what stays allocated once the chain is built (numpy
    buffers traced by tracemalloc plus Arrow's pool); ``rss_bytes`` is the growth
    of resident memory, which also counts pages the allocator keeps after
    temporaries are freed; networkx is measured by resident memory.
    """
    cached_frames(SIZES[label])
    script = _MEMORY_SCRIPT.format(
        bench=str(CACHE.parent),
        fpath=str(CACHE / f"firms_{SIZES[label]}_{SEED}.parquet"),
        lpath=str(CACHE / f"links_{SIZES[label]}_{SEED}.parquet"),
    )

    def measure():
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    figures = benchmark.pedantic(measure, rounds=1, iterations=1)
    per_link = figures["chain_bytes"] / figures["links"]
    benchmark.group = "memory per link"
    benchmark.extra_info.update(
        figures,
        chain_bytes_per_link=round(per_link, 1),
        networkx_bytes_per_link=round(figures["networkx_bytes"] / figures["links"], 1),
    )
    n = figures["links"]
    print(f"\n{label}: chain keeps {per_link:.1f} B/link (peak {figures['peak_bytes']/n:.1f}, "
          f"RSS growth {figures['rss_bytes']/n:.1f}); networkx {figures['networkx_bytes']/n:.1f} B/link")
