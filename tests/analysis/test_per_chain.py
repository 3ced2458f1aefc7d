"""Results kept per chain (``analysis._common.per_chain``): shared, never stale, never leaked."""

import gc
import weakref

import pandas as pd

import chaingraph as cg
from chaingraph.analysis import _common


def _fresh_nev():
    chain = cg.load_dataset("shandong-nev")
    # a second chain with the same tables: nothing computed for it yet
    return chain, cg.ChainGraph.from_frames(chain.firms.reset_index(), chain.links,
                                            chain.template, region=chain.region)


def test_shared_results_equal_fresh_ones_and_callers_cannot_spoil_them():
    chain, twin = _fresh_nev()
    cp = cg.chokepoints(chain)
    cp["cut_firms"] = -1  # a caller changing its table
    cp.loc[cp.index[0], "cut_amount"] = -1.0
    again = cg.chokepoints(chain)
    pd.testing.assert_frame_equal(again, cg.chokepoints(twin))
    assert (again["cut_firms"] >= 0).all() and (again["cut_amount"] >= 0).all()
    # weak_links and lead_firms after chokepoints reuse what it worked out
    pd.testing.assert_frame_equal(cg.lead_firms(chain), cg.lead_firms(twin))
    lf = cg.lead_firms(chain)
    lf["lead_score"] = 0.0
    pd.testing.assert_frame_equal(cg.lead_firms(chain), cg.lead_firms(twin))
    pd.testing.assert_frame_equal(cg.weak_links(chain), cg.weak_links(twin))
    pd.testing.assert_frame_equal(cg.single_sourcing(chain), cg.single_sourcing(twin))


def test_other_arguments_are_not_served_from_the_default():
    chain, _ = _fresh_nev()
    default = cg.chokepoints(chain)
    some = cg.chokepoints(chain, leads=list(chain.firm_ids[:5]))
    assert not some.equals(default)
    weighted = cg.lead_firms(chain, weights={"scale": 1.0, "pull": 0.0})
    assert not weighted["lead_score"].equals(cg.lead_firms(chain)["lead_score"])


def test_results_go_with_the_chain():
    chain, _ = _fresh_nev()
    cg.chokepoints(chain)
    assert chain in _common._PER_CHAIN
    # what the cache holds for a chain must not keep the chain alive; other tests'
    # chains may be collected at the same time, so follow this one by a weak reference
    gone = weakref.ref(chain)
    held = len(_common._PER_CHAIN)
    del chain
    gc.collect()
    assert gone() is None
    assert len(_common._PER_CHAIN) <= held - 1


def test_views_are_new_chains():
    chain, _ = _fresh_nev()
    cg.lead_firms(chain)
    keep = chain.firm_ids[chain.is_local]
    view = chain.subchain(firms=keep)
    assert view not in _common._PER_CHAIN
    assert len(cg.lead_firms(view)) == len(keep)


def test_every_argument_that_changes_a_result_is_part_of_its_key():
    world = cg.load_dataset("world-semiconductor-map")
    default = cg.chokepoints(world)
    lower = cg.chokepoints(world, min_share=0.3)
    assert len(lower) > len(default)  # dominant_share with a lower bar names more firms
    pd.testing.assert_frame_equal(cg.chokepoints(world), default)
    chain, twin = _fresh_nev()
    few = cg.gap_candidates(chain, top=2)
    pd.testing.assert_frame_equal(cg.gap_candidates(chain, top=None), cg.gap_candidates(twin, top=None))
    pd.testing.assert_frame_equal(few, cg.gap_candidates(twin, top=2))
    # the template's cluster type (pillar) is applied before the summary is kept
    assert cg.tiers(chain, detail=False).attrs["cluster_type"] == "pillar"
    other = cg.tiers(chain, detail=False, cluster_type="emerging")
    assert other.attrs["cluster_type"] == "emerging"
    kept = {k for k in _common._PER_CHAIN[chain] if isinstance(k, tuple) and k[0] == "tiers"}
    assert {k[2] for k in kept} == {"pillar", "emerging"}
    pd.testing.assert_frame_equal(cg.tiers(chain, detail=False, cluster_type="pillar"),
                                  cg.tiers(twin, detail=False))


def test_shared_results_keep_their_attrs():
    chain, _ = _fresh_nev()
    for table in (cg.chokepoints(chain), cg.gaps(chain), cg.tiers(chain, detail=False),
                  cg.lead_firms(chain)):
        table.attrs["home"] = "changed by a caller"
    for table in (cg.chokepoints(chain), cg.gaps(chain), cg.tiers(chain, detail=False),
                  cg.lead_firms(chain)):
        assert table.attrs["home"] == chain.home and table.attrs["region"] == chain.region


def test_cascade_network_is_built_once_per_named_setting():
    from chaingraph.analysis import _esri_inputs

    chain, twin = _fresh_nev()
    settings = dict(sector="segment_id", essentiality="template", replaceability=False,
                    revenue=None, costs=None)
    first = _esri_inputs._kept_network(chain, **settings)
    assert _esri_inputs._kept_network(chain, **settings) is first
    assert _esri_inputs._kept_network(chain, **{**settings, "replaceability": True}) is not first
    assert _esri_inputs._kept_network(twin, **settings) is not first
    # the disruption after systemic_risk on the kept network equals one on a fresh chain
    risk = cg.systemic_risk(chain, essentiality="template", progress=False)
    pd.testing.assert_frame_equal(risk, cg.systemic_risk(twin, essentiality="template",
                                                         progress=False))
    cut = cg.simulate_disruption(chain, "NEV00001", essentiality="template")
    fresh = cg.simulate_disruption(cg.ChainGraph.from_frames(
        chain.firms.reset_index(), chain.links, chain.template, region=chain.region),
        "NEV00001", essentiality="template")
    pd.testing.assert_frame_equal(cut.firm_impacts, fresh.firm_impacts)
    pd.testing.assert_series_equal(cut.summary, fresh.summary)
