"""Every single-firm failure of a linear cascade at once (``_cascade_single``).

Exact linear ESRI reads the firms on no supply loop from one backward pass
(``u = w + Pᵀ u``) instead of one scenario each. Checked here against the
scenario-by-scenario exact solver on random networks, against the dense
hitting probabilities of ``esri_reference``, and by hand; and that the pass is
used exactly where it applies (a loop's firms, failures that may reach two
essential groups of one firm, replaceability or coefficients above 1 go
scenario by scenario).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from esri_reference import chain_of, make_chain, random_networks, settings_of
from hypothesis import HealthCheck, given, settings

import chaingraph as cg
from chaingraph.analysis import _cascade_single, _esri_inputs, resilience

COLS = ["esri", "esri_downstream", "esri_upstream"]


@pytest.fixture
def scenario_calls(monkeypatch):
    """The firm positions sent to the scenario-by-scenario solver, call by call."""
    calls = []
    run = resilience._run_batch

    def recording(net, weight, tol, positions, n_jobs=None):
        calls.append(np.asarray(positions).copy())
        return run(net, weight, tol, positions, n_jobs)

    monkeypatch.setattr(resilience, "_run_batch", recording)
    return calls


def one_by_one(chain, **kw):
    """ESRI with every firm solved scenario by scenario (the pass switched off)."""
    original = resilience._single_firm_pass
    resilience._single_firm_pass = lambda net, w, positions, outs: np.arange(len(positions))
    try:
        return cg.systemic_risk(chain, progress=False, **kw)
    finally:
        resilience._single_firm_pass = original


def on_loops(W):
    """Firms on a supply loop of the network ``W`` (strongly connected with another firm)."""
    from scipy.sparse.csgraph import connected_components

    _, label = connected_components(W > 0, directed=True, connection="strong")
    return np.bincount(label)[label] > 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_pass_equals_scenario_by_scenario(case):
    # every configuration: where the pass does not apply it must step aside
    W, sec, E, w, replace, _, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    kw = settings_of(E, replace, rev, cost)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(revenue|costs) column")
        fast = cg.systemic_risk(chain, progress=False, **kw)
        slow = one_by_one(chain, **kw)
    np.testing.assert_allclose(fast[COLS].to_numpy(), slow[COLS].to_numpy(), rtol=1e-13,
                               atol=1e-15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_pass_used_exactly_off_loops(case):
    # without adjustments every coefficient row sums to at most 1 and all
    # inputs are non-essential: only the firms on loops go scenario by scenario,
    # and the firms whose failure reaches a closed loop (no kept inverse)
    W, sec, _, w, _, _, _, _ = case
    chain = chain_of(W, sec, w)
    calls = []
    run = resilience._run_batch

    def recording(net, weight, tol, positions, n_jobs=None):
        calls.append(np.asarray(positions).copy())
        return run(net, weight, tol, positions, n_jobs)

    resilience._run_batch, saved = recording, resilience._run_batch
    try:
        fast = cg.systemic_risk(chain, weight="w", progress=False)
    finally:
        resilience._run_batch = saved
    sent = np.zeros(len(W), dtype=bool)
    if calls:
        sent[np.concatenate(calls)] = True
    loops = on_loops(W)
    reach = np.linalg.matrix_power(np.eye(len(W)) + (W > 0), len(W)) > 0  # reach[i, j]: i ⇝ j
    near = (reach[:, loops] | reach[loops].T).any(axis=1)  # a path to or from a loop
    assert sent[loops].all()
    assert not sent[~near].any()
    np.testing.assert_allclose(fast[COLS].to_numpy(),
                               one_by_one(chain, weight="w")[COLS].to_numpy(),
                               rtol=1e-13, atol=1e-15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_pass_equals_hitting_probabilities(case):
    # the dense reference: loss of j when i stops is N[j, i] / N[i, i] on each side
    W, _, _, w, _, _, _, _ = case
    chain = chain_of(W, np.zeros(len(W), dtype=int), w)
    r = cg.systemic_risk(chain, weight="w", progress=False)
    s_in, s_out = W.sum(axis=0), W.sum(axis=1)
    Pd = np.divide(W.T, s_in[:, None], out=np.zeros_like(W), where=s_in[:, None] > 0)
    Pu = np.divide(W, s_out[:, None], out=np.zeros_like(W), where=s_out[:, None] > 0)
    if on_loops(W).any():
        # a loop closed on itself (no leak) has no inverse; the reference needs one
        for P in (Pd, Pu):
            if np.linalg.cond(np.eye(len(W)) - P) > 1e10:
                return
    from esri_reference import hitting_losses

    yd, yu = hitting_losses(Pd), hitting_losses(Pu)
    total = w.sum()
    np.testing.assert_allclose(r["esri_downstream"], w @ yd / total, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r["esri_upstream"], w @ yu / total, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r["esri"], w @ np.maximum(yd, yu) / total, rtol=1e-9, atol=1e-12)
    # the pass itself, loops' firms included (uᵢ / N[i, i] with the kept inverse)
    net = _esri_inputs._network(chain, sector="segment_id", essentiality="linear",
                                replaceability=False, revenue=None, costs=None)
    for side, y in ((net.down, yd), (net.up, yu)):
        got = _cascade_single.single_firm_losses(side, w)
        known = np.isfinite(got)
        assert known[~on_loops(W)].all()
        np.testing.assert_allclose(got[known], (w @ y)[known], rtol=1e-9, atol=1e-12)


def test_hand_worked_loop_feeding_a_line(scenario_calls):
    # D sells 6 to A and 4 to B; A and B trade 2 each way; A sells 8 and B 2 to C.
    #   purchases: A 6 + 2 = 8, B 4 + 2 = 6, C 10, D 0; sales: A 10, B 4, C 0, D 10.
    # Weights (output = max(sales, purchases)): A 10, B 6, C 10, D 10; total 36.
    # D stops: downstream  yA = 6/8 + 2/8 yB, yB = 4/6 + 2/6 yA
    #   → yA = 3/4 + 1/4 (2/3 + 1/3 yA) = 11/12 + yA/12 → yA = 1, yB = 1, yC = 1:
    #   every firm loses all (A and B buy only from D and each other): 36/36.
    #   Upstream nobody (D has no customers' losses feeding back to it but its own): 10/36.
    # C stops: upstream  yA = 8/10 + 2/10 yB, yB = 2/4 + 2/4 yA
    #   → yA = 0.8 + 0.1 + 0.1 yA → yA = 1, yB = 1; D sells only to A and B: yD = 1: 36/36.
    #   Downstream C only: 10/36.
    # A stops: downstream yB = 4/6·0 + 2/6 = 1/3, yC = 8/10 + 2/10·1/3 = 13/15;
    #   upstream yB = 2/4 = 1/2, yD = 6/10 + 4/10·1/2 = 4/5.
    #   ESRI = (10 + 6·max(1/3, 1/2) + 10·13/15 + 10·4/5) / 36 = (10 + 3 + 26/3 + 8) / 36 = 89/108.
    firms = pd.DataFrame({"firm_id": list("ABCD")})
    links = pd.DataFrame({"supplier_id": list("DDABAB"), "customer_id": list("ABBACC"),
                          "amount": [6.0, 4.0, 2.0, 2.0, 8.0, 2.0]})
    chain = make_chain(firms, links)
    r = cg.systemic_risk(chain, progress=False)
    assert r.loc["D", "esri_downstream"] == pytest.approx(1.0, abs=1e-14)
    assert r.loc["D", "esri_upstream"] == pytest.approx(10 / 36, abs=1e-14)
    assert r.loc["C", "esri_upstream"] == pytest.approx(1.0, abs=1e-14)
    assert r.loc["C", "esri_downstream"] == pytest.approx(10 / 36, abs=1e-14)
    assert r.loc["A", "esri"] == pytest.approx(89 / 108, abs=1e-14)
    # C and D (on no loop) came from the pass; A and B (a loop) scenario by scenario
    sent = np.sort(np.concatenate(scenario_calls))
    np.testing.assert_array_equal(chain.firm_ids[sent], ["A", "B"])


def test_pass_steps_aside_where_the_map_is_not_linear(scenario_calls):
    # A → B → C, A → C, D → C, B → E; sectors s1..s5. A's revenue 1 is below
    # its sales 6, so λᵘ[A, ·] sums to 6 (the cap can bind at A upstream).
    firms = pd.DataFrame({"firm_id": list("ABCDE"), "segment_id": ["s1", "s2", "s3", "s4", "s5"],
                          "revenue": [1.0, 10.0, 10.0, 10.0, 10.0]})
    links = pd.DataFrame({"supplier_id": list("ABADB"), "customer_id": list("BCCCE"),
                          "amount": [5.0, 8.0, 1.0, 2.0, 1.0]})
    chain = make_chain(firms, links)
    w = np.ones(5)

    def unknown(**kw):
        kw = {"sector": "segment_id", "essentiality": "linear", "replaceability": False,
              "revenue": None, "costs": None, **kw}
        net = _esri_inputs._network(chain, **kw)
        return tuple("".join(chain.firm_ids[np.isnan(_cascade_single.single_firm_losses(side, w))])
                     for side in (net.down, net.up))

    assert unknown() == ("", "")
    # Leontief: C's loss is the max over its three input sectors (s1 from A, s2
    # from B, s4 from D). A's failure reaches two of them (directly and through B),
    # where the max binds: scenario by scenario. B, C, D and E reach one group of
    # every firm they reach, where the max is that group's sum: in the pass. With
    # weight 1 each, downstream: B stops → C loses its s2 group (8/8 = 1) and E its
    # only input (1/1): 3; C: 1; D stops → C loses its s4 group (2/2): 2; E: 1.
    assert unknown(essentiality="leontief") == ("A", "")
    net = _esri_inputs._network(chain, sector="segment_id", essentiality="leontief",
                                replaceability=False, revenue=None, costs=None)
    down = _cascade_single.single_firm_losses(net.down, w)
    np.testing.assert_allclose(down[1:], [3.0, 1.0, 2.0, 1.0], rtol=0, atol=1e-15)
    # A's upstream cap may bind: the failures of A and of the firms downstream of
    # it (B, C, and E, which buys from B) reach A upstream; D's does not
    assert unknown(revenue="revenue") == ("", "ABCE")
    # replaceability ties each sector together: no single-firm pass at all
    cg.systemic_risk(chain, replaceability=True, progress=False)
    np.testing.assert_array_equal(np.sort(np.concatenate(scenario_calls)), np.arange(5))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_every_failure_reaching_two_groups_of_a_firm_is_flagged(case):
    # brute force: the firms each failure reaches, and the groups of each reached firm
    # with a supplier among them (or the failing firm itself)
    # (the failing firm itself among them). Flagged by sector: every such failure;
    # with a sector per firm and no loops: exactly those.
    W, sec, _, w, _, _, _, _ = case
    n = len(W)
    reach = np.linalg.matrix_power(np.eye(n) + (W > 0), n) > 0  # reach[i, j]: i ⇝ j
    for classes in (sec, np.arange(n)):
        chain = chain_of(W, classes, w)
        side = _esri_inputs._network(chain, sector="sector", essentiality="leontief",
                                     replaceability=False, revenue=None, costs=None).down
        two = np.zeros(n, dtype=bool)
        for i in range(n):
            for j in np.flatnonzero(reach[i]):
                groups = sum(bool(reach[i, side.e_src[side.e_ptr[g]:side.e_ptr[g + 1]]].any())
                             for g in range(side.g_ptr[j], side.g_ptr[j + 1]))
                two[i] |= groups >= 2 and j != i
        flagged = _cascade_single.failures_reaching_two_groups(side)
        assert flagged[two].all()
        if classes is not sec and not on_loops(W).any():
            np.testing.assert_array_equal(flagged, two)
