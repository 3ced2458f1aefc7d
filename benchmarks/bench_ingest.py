"""Invoices to links: ``ingest_transactions`` beside pandas read + groupby, in the same run.

Synthetic invoices (``invoices``): 18-character firm ids like unified social credit
codes, about 20 transactions per supplier–customer pair over three years, amounts in
万元 with two decimals, split over 8 Parquet files (amount float64, date a date column)
and the same rows as 8 CSV files (UTF-8 text). The plain pandas way reads every file
(``pd.read_parquet`` / ``pd.read_csv``), concatenates and groups by pair with
``groupby(...).agg(sum, size, min, max)``; it sums floats and checks nothing.
``ingest_transactions`` also checks every row, sums decimals exactly and counts rejects.

Sizes: 10^6 rows by default; 10^7 and 2·10^7 rows only with ``-m national``::

    pytest benchmarks/bench_ingest.py --benchmark-only                 # 10^6
    pytest benchmarks/bench_ingest.py --benchmark-only -m national -s  # 10^7, 2·10^7

``test_negative_modes`` times ``negative="net"`` beside ``"reject"`` on the Parquet files.

Budget: at 2·10^7 rows ≥ 3× faster than pandas, memory bounded by ``memory_limit``
(``test_peak_memory`` measures peak resident memory in fresh processes), exact sums.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from conftest import CACHE

N_FILES = 8
TX_PER_PAIR = 20
MEMORY_LIMIT = "2GB"
SIZES = {
    "1e6": pytest.param(10**6, id="1e6"),
    "1e7": pytest.param(10**7, id="1e7", marks=pytest.mark.national),
    "2e7": pytest.param(2 * 10**7, id="2e7", marks=pytest.mark.national),
}


def opt_in(request, n_rows: int) -> None:
    """Sizes above 10^6 rows run only when asked for with ``-m national``."""
    if n_rows > 10**6 and "national" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("national size: run with -m national")


def invoices(n_rows: int, kind: str) -> list[Path]:
    """``n_rows`` synthetic invoices as ``N_FILES`` files of ``kind`` (parquet or csv), cached."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    folder = CACHE / f"invoices_{n_rows}"
    paths = [folder / f"part-{k}.{kind}" for k in range(N_FILES)]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261130)
    n_firms = max(1_000, n_rows // (TX_PER_PAIR * 10))  # each supplier sells to 10 customers
    ids = pa.array([f"9137{i:014d}" for i in range(n_firms)])
    stride = n_firms // 10
    per_file = n_rows // N_FILES
    for k, path in enumerate(paths):
        s = rng.integers(0, n_firms, per_file)
        c = (s + 1 + stride * rng.integers(0, 10, per_file)) % n_firms  # never s itself
        table = pa.table({
            "supplier_id": pc.take(ids, pa.array(s)),
            "customer_id": pc.take(ids, pa.array(c)),
            "amount": np.round(rng.lognormal(0.0, 2.0, per_file), 2),
            "date": pa.array(np.datetime64("2022-01-01") + rng.integers(0, 1096, per_file))
                    .cast(pa.date32()),
        })
        if kind == "parquet":
            pq.write_table(table, path)
        else:
            pacsv.write_csv(table, path)
    return paths


def pandas_links(paths: list[Path], kind: str) -> pd.DataFrame:
    """The plain way: read every file with pandas, concatenate, group by pair."""
    if kind == "parquet":
        # Parquet dates come back as Python date objects, slow to compare: make them datetime64
        frames = [pd.read_parquet(p).assign(date=lambda f: pd.to_datetime(f["date"]))
                  for p in paths]
    else:
        frames = [pd.read_csv(p, dtype={"supplier_id": str, "customer_id": str},
                              parse_dates=["date"]) for p in paths]
    rows = pd.concat(frames, ignore_index=True)
    return rows.groupby(["supplier_id", "customer_id"], as_index=False, sort=True).agg(
        amount=("amount", "sum"), n_transactions=("amount", "size"),
        first_date=("date", "min"), last_date=("date", "max"))


def glob_of(paths: list[Path]) -> str:
    return str(paths[0].parent / f"*{paths[0].suffix}")


def ingest_links(paths: list[Path], kind: str) -> pd.DataFrame:
    return cg.ingest_transactions(glob_of(paths), date="date", memory_limit=MEMORY_LIMIT)


METHODS = {"ingest": ingest_links, "pandas": pandas_links}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def results():
    """Links of each method, kept to compare them once both have run."""
    return {}


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("n_rows", SIZES.values())
def test_invoices_to_links(benchmark, request, n_rows, kind, method, results):
    """Wall time (pytest-benchmark) and, in extra_info, CPU seconds of the last round."""
    opt_in(request, n_rows)
    paths = invoices(n_rows, kind)
    benchmark.group = f"ingest {n_rows:.0e} rows, {kind}"
    benchmark.extra_info.update(rows=n_rows, files=len(paths))
    cpu = {}

    def run():
        start = cpu_seconds()
        links = METHODS[method](paths, kind)
        cpu["s"] = round(cpu_seconds() - start, 2)
        return links

    links = benchmark.pedantic(run, rounds=3 if n_rows <= 10**6 else 1, iterations=1)
    benchmark.extra_info["cpu_s"] = cpu["s"]
    print(f"\n{method} {kind} {n_rows:.0e}: CPU {cpu['s']} s")
    if method == "ingest":
        assert links.attrs["transactions"] == n_rows and not links.attrs["rejected"]
    assert int(links["n_transactions"].sum()) == n_rows
    results[(method, n_rows, kind)] = links
    _compare(results, n_rows, kind)


def _compare(results, n_rows, kind):
    """Once both ways have run: the same pairs, counts and dates; amounts equal to float error."""
    ours, theirs = results.get(("ingest", n_rows, kind)), results.get(("pandas", n_rows, kind))
    if ours is None or theirs is None:
        return
    assert ours["supplier_id"].tolist() == theirs["supplier_id"].tolist()
    assert ours["customer_id"].tolist() == theirs["customer_id"].tolist()
    assert (ours["n_transactions"].to_numpy() == theirs["n_transactions"].to_numpy()).all()
    assert (ours["last_date"].to_numpy() == theirs["last_date"].to_numpy()).all()
    np.testing.assert_allclose(ours["amount"], theirs["amount"], rtol=1e-12)


@pytest.mark.parametrize("negative", ["reject", "net"])
@pytest.mark.parametrize("n_rows", SIZES.values())
def test_negative_modes(benchmark, request, n_rows, negative):
    """``negative="net"`` beside ``"reject"`` on the same Parquet invoices (none negative:
    the cost of the mode itself — counting negative amounts, judging each link's sign)."""
    opt_in(request, n_rows)
    paths = invoices(n_rows, "parquet")
    benchmark.group = f"ingest negative= {n_rows:.0e} rows, parquet"
    cpu = {}

    def run():
        start = cpu_seconds()
        links = cg.ingest_transactions(glob_of(paths), date="date", memory_limit=MEMORY_LIMIT,
                                       negative=negative)
        cpu["s"] = round(cpu_seconds() - start, 2)
        return links

    links = benchmark.pedantic(run, rounds=3 if n_rows <= 10**6 else 1, iterations=1)
    benchmark.extra_info["cpu_s"] = cpu["s"]
    print(f"\nnegative={negative} {n_rows:.0e}: CPU {cpu['s']} s")
    assert links.attrs["transactions"] == n_rows and not links.attrs["rejected"]


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, pathlib, sys
    sys.path.insert(0, {bench!r})
    import pandas as pd, pyarrow, duckdb
    import chaingraph as cg
    from bench_ingest import pandas_links

    def status(key):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

    before = status("VmRSS:")
    if {method!r} == "ingest":
        links = cg.ingest_transactions({glob!r}, date="date", memory_limit={limit!r})
    else:
        links = pandas_links([pathlib.Path(p) for p in {paths!r}], {kind!r})
    print(json.dumps({{"before": before, "peak": status("VmHWM:"), "links": len(links)}}))
    """
)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("n_rows", SIZES.values())
def test_peak_memory(benchmark, request, n_rows, kind):
    """Peak resident memory of each way, each in a fresh process (imports counted in ``before``)."""
    opt_in(request, n_rows)
    paths = invoices(n_rows, kind)

    def measure(method, limit=MEMORY_LIMIT):
        script = _MEMORY_SCRIPT.format(bench=str(Path(__file__).parent), method=method,
                                       glob=glob_of(paths), limit=limit,
                                       paths=[str(p) for p in paths], kind=kind)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    figures = benchmark.pedantic(
        lambda: {"ingest_1GB": measure("ingest", "1GB"), "ingest_4GB": measure("ingest", "4GB"),
                 "pandas": measure("pandas")}, rounds=1, iterations=1)
    benchmark.group = f"peak memory {n_rows:.0e} rows, {kind}"
    mb = {k: round(v["peak"] / 2**20) for k, v in figures.items()}
    benchmark.extra_info.update(peak_mb=mb, imports_mb=round(figures["pandas"]["before"] / 2**20))
    print(f"\n{n_rows:.0e} rows, {kind}: peak RSS (MB) {mb}")
