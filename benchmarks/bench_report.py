"""The chain gap report: ``build_report`` and saving it, at several sizes.

Budget: the report for ``shandong-nev`` ≤ 15 s, for a 10^5-firm chain ≤ 60 s, and the
10^5-firm report's HTML opens and draws in a browser in ≤ 5 s.

Beside it, in the same run, the same analyses called one by one with no rendering
(``test_analyses_alone``): the difference is what the report itself costs.
There is no plain networkx/pandas way of writing this report.

Run with ``pytest benchmarks/bench_report.py --benchmark-only``.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

import chaingraph as cg
from chaingraph.report import build_report
from chaingraph.report.build import ESRI_FULL_LIMIT, ESRI_SUBSET
from chaingraph.analysis._common import forget  # time each round from scratch


def _report(chain, folder):
    report = build_report(chain)
    report.save(folder / "report.html")
    report.save(folder / "report.xlsx")
    return report


def _analyses(chain):
    cg.lead_firms(chain)
    cg.weak_links(chain)
    cg.chokepoints(chain)
    cg.gaps(chain)
    cg.gap_candidates(chain)
    cg.integration(chain)
    firms = None
    if chain.n_firms > ESRI_FULL_LIMIT:
        import numpy as np

        firms = list(chain.firm_ids[np.sort(np.argsort(-chain.out_strength)[:ESRI_SUBSET])])
    cg.systemic_risk(chain, firms=firms, progress=False)
    cg.tiers(chain, detail=False)
    cg.tier_progress(chain, near_miss=0.1)


def test_report_shandong_nev(benchmark, tmp_path):
    chain = cg.load_dataset("shandong-nev")
    benchmark.group = "report shandong-nev"
    benchmark.pedantic(_report, args=(chain, tmp_path), rounds=3, iterations=1,
                       setup=lambda: forget(chain))
    benchmark.extra_info["html_bytes"] = (tmp_path / "report.html").stat().st_size


def test_report(benchmark, chain_by_size, size, tmp_path):
    benchmark.group = f"report {size} firms"
    rounds = 1 if size == "1e5" else 3
    benchmark.pedantic(_report, args=(chain_by_size, tmp_path), rounds=rounds, iterations=1,
                       setup=lambda: forget(chain_by_size))
    benchmark.extra_info["html_bytes"] = (tmp_path / "report.html").stat().st_size


def test_analyses_alone(benchmark, chain_by_size, size):
    benchmark.group = f"report {size} firms"
    rounds = 1 if size == "1e5" else 3
    benchmark.pedantic(_analyses, args=(chain_by_size,), rounds=rounds, iterations=1,
                       setup=lambda: forget(chain_by_size))


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_opens_in_browser(benchmark, chain_1e5, tmp_path):
    """Wall time for headless Chromium to load, lay out and screenshot the 10^5-firm report."""
    build_report(chain_1e5).save(tmp_path / "report.html")
    url = (tmp_path / "report.html").resolve().as_uri()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
           f"--screenshot={tmp_path / 'report.png'}", url]

    def open_page():
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, timeout=60, check=True)
        return time.perf_counter() - start

    benchmark.group = "report in browser"
    benchmark.pedantic(open_page, rounds=3, iterations=1)
    assert (tmp_path / "report.png").stat().st_size > 10_000
