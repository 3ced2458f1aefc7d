"""The facts planted in the shipped world chain map are found, for every home country.

The dataset (``world-semiconductor-map``, made by ``synthetic_chain_map``) records its
planted facts in ``planted.json``: the segments each home lacks, the dominant providers, a
home oligopoly per home, a country aggregate as top provider, a process step without
providers and a provider named without a share.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.datasets import list_datasets, load_planted

NAME = "world-semiconductor-map"
pytestmark = pytest.mark.skipif(NAME not in set(list_datasets()["name"]),
                                reason=f"{NAME} is not shipped in this checkout")


@pytest.fixture(scope="module")
def planted():
    return load_planted(NAME)


@pytest.fixture(scope="module")
def maps(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {home: cg.load_dataset(NAME, home=home) for home in planted.homes}


@pytest.fixture(scope="module")
def weak(maps):
    return {home: cg.weak_links(chain) for home, chain in maps.items()}


def test_missing_segments_are_exactly_the_planted_ones(planted, weak):
    for home, wl in weak.items():
        found = wl.index[wl["weakness"] == "missing"]
        assert sorted(found) == sorted(planted.missing_segments[home]), home
        assert (wl.loc[found, "n_local"] == 0).all()


def test_dominant_providers_are_chokepoints_and_never_aggregates(planted, maps):
    for home, chain in maps.items():
        cp = cg.chokepoints(chain)
        dominated = cp["dominant_in"].str.split("; ").explode()
        assert dict(zip(dominated, dominated.index)) == planted.dominant_providers, home
        abroad = cp[cp["location"] == "foreign"]["dominant_in"].str.split("; ").explode()
        assert sorted(abroad) == sorted(planted.foreign_dominant_segments[home]), home
        assert not chain.is_aggregate[chain.firm_ids.get_indexer(cp.index)].any()
        # the 97 % provider beside a 3 % one, and the 100 % one beside a negligible one
        near = planted.near_monopoly
        assert cp.loc[near["firm"], "dominant_share"] == pytest.approx(near["share"])
        assert planted.monopoly_beside_negligible["firm"] in cp.index


def test_foreign_dominated_segments_are_foreign_or_missing(planted, weak):
    for home, wl in weak.items():
        for seg in planted.foreign_dominant_segments[home]:
            assert wl.loc[seg, "weakness"] in ("foreign", "missing"), (home, seg)
            assert wl.loc[seg, "n_chokepoints"] >= 1


def test_a_home_oligopoly_is_not_weak(planted, weak):
    for home, wl in weak.items():
        ol = planted.oligopolies[home]
        row = wl.loc[ol["segment"]]
        assert row["local_share"] >= ol["share"] - 1e-9, home
        assert row["weakness"] == "ok", (home, row["reasons"])


def test_a_home_champion_is_not_weak(planted, weak):
    # the dominant providers are home champions for their own country: one firm holding the top
    # share is a strength of that home (not "few local firms"), and a dependence for the others
    for seg, firm in planted.dominant_providers.items():
        home = firm.split("-")[0]
        if home in weak:
            row = weak[home].loc[seg]
            assert row["top_supplier"] == firm and row["n_local"] >= 1
            assert row["weakness"] == "ok", (home, seg, row["reasons"])
            assert "few_local_firms" not in row["reasons"]


def test_aggregate_top_provider_process_step_and_unknown_share(planted, maps, weak):
    agg = planted.aggregate_top_provider
    for home, wl in weak.items():
        row = wl.loc[agg["segment"]]
        assert (row["top_supplier"], row["top_supplier_kind"]) == (agg["firm"], "aggregate")
        assert row["top_supplier_share"] == pytest.approx(agg["share"])
        for seg in planted.process_without_firms:
            assert pd.isna(wl.loc[seg, "weakness"]) and np.isnan(wl.loc[seg, "severity"])
            assert wl.loc[seg, "reasons"] == "process_without_providers"
        assert not cg.gaps(maps[home])["segment_id"].isin(planted.process_without_firms).any()
    # a provider named without a share: the segment's known share is the sum of the others
    chain = maps[planted.homes[0]]
    for item in planted.unknown_shares:
        rows = chain.presence[chain.presence["segment_id"] == item["segment"]]
        known = rows.loc[~rows["negligible"].fillna(False).astype(bool), "share"].sum()
        seg = weak[planted.homes[0]].loc[item["segment"]]
        assert seg["share_known"] == pytest.approx(known) and seg["share_known"] < 1


def test_severity_ranks_missing_first(weak):
    for home, wl in weak.items():
        ordered = wl.dropna(subset=["weakness"]).sort_values("severity", ascending=False,
                                                               kind="stable")
        bands = ordered["weakness"].map({"missing": 3, "foreign": 2, "weak": 1, "ok": 0})
        assert bands.is_monotonic_decreasing, home
