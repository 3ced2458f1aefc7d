"""ESRI on a real Dask cluster: a scheduler and two worker processes on localhost.

``systemic_risk(client=...)`` and ``chaingraph risk --scheduler ADDRESS`` must
give exactly what one process gives. The cluster is started here as separate
processes (``dask scheduler``, ``dask worker`` ×2), as on a real cluster, with a
hard time limit on starting it; the module is skipped only when
``distributed`` is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import chaingraph as cg
from chaingraph.cli import cli

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'chaingraph[distributed]')")

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120  # seconds for the scheduler and both workers to come up
COLS = ["esri", "esri_downstream", "esri_upstream"]


def _dask_command(*args):
    # the dask CLI of the interpreter running the tests, with this checkout importable
    return [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(address, client) of a scheduler and two single-threaded worker processes."""
    tmp = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    scheduler_file = tmp / "scheduler.json"
    procs = []

    def start(args, log):
        procs.append(subprocess.Popen(_dask_command(*args), env=env, cwd=tmp,
                                      stdout=open(tmp / log, "w"), stderr=subprocess.STDOUT))

    try:
        start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
               "--scheduler-file", str(scheduler_file)], "scheduler.log")
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                pytest.fail("the Dask scheduler did not start:\n"
                            + (tmp / "scheduler.log").read_text())
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(2):
            start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                   "--name", f"w{i}", "--local-directory", str(tmp / f"w{i}")], f"w{i}.log")
        client = distributed.Client(address, timeout="30s")
        try:
            client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
        except TimeoutError:
            client.close()
            logs = "\n".join((tmp / f"w{i}.log").read_text() for i in range(2))
            pytest.fail(f"two Dask workers did not join within {START_TIMEOUT} s:\n{logs}")
        yield address, client
        client.close()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


def test_workers_are_separate_processes(cluster):
    _, client = cluster
    pids = client.run(os.getpid)
    assert len(pids) == 2 and len(set(pids.values())) == 2 and os.getpid() not in pids.values()


@pytest.mark.parametrize("settings", [
    dict(),
    dict(essentiality="template", replaceability=True, weight="network_sales"),
    dict(essentiality="leontief", tol=1e-3),
])
def test_cluster_result_is_identical_to_one_process(cluster, nev, settings):
    _, client = cluster
    local = cg.systemic_risk(nev, progress=False, **settings)
    with distributed.get_task_stream(client) as tasks:
        remote = cg.systemic_risk(nev, client=client, progress=False, **settings)
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
    assert remote.attrs == local.attrs
    ran = [t for t in tasks.data if t["key"].startswith("_run_batch")]
    if not settings:
        # linear and without loops (shandong-nev has none): every firm comes from
        # the single-firm pass, computed where the call is made; nothing is sent
        assert ran == []
        return
    # the scenarios ran on the workers, in several batches
    workers = set(client.scheduler_info()["workers"])
    assert len(ran) >= 2 and {t["worker"] for t in ran} <= workers


def test_cli_scheduler_option(cluster, nev):
    address, _ = cluster
    args = ["risk", "--dataset", "shandong-nev", "--quiet", "--format", "csv"]
    on_cluster = CliRunner().invoke(cli, [*args, "--scheduler", address])
    assert on_cluster.exit_code == 0, on_cluster.output
    alone = CliRunner().invoke(cli, args)
    assert alone.exit_code == 0, alone.output
    assert on_cluster.stdout == alone.stdout
    assert len(on_cluster.stdout.splitlines()) == 1 + nev.n_firms


def test_cli_unreachable_scheduler_is_a_usage_error():
    # a port nothing listens on: a clear message, no traceback
    result = CliRunner().invoke(cli, ["risk", "--dataset", "shandong-nev", "--quiet",
                                      "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
