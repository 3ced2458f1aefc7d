"""Synthetic world chain maps (产业链图谱) with planted facts.

:func:`synthetic_chain_map` makes the tables of a *chain map*: nested segments
and the flows between them, providers (firms and whole-country aggregates) with
their countries written as a published map might write them, and each
provider's share of each segment's world market — no transactions. The facts
planted in it (segments a home country lacks, dominant providers, home
oligopolies, …) are returned beside the tables as a :class:`PlantedMap`, so
that analyses can be tested for recovering them. The shipped dataset
``world-semiconductor-map`` is made by it (see ``datasets/make_synthetic.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from chaingraph._synthetic_map_tables import (
    COMPANY_SUFFIX,
    COUNTRY_FORMS,
    FAMILY_WORDS,
    SEMICONDUCTOR_AGGREGATE_TOP,
    SEMICONDUCTOR_BESIDE_NEGLIGIBLE,
    SEMICONDUCTOR_FLOWS,
    SEMICONDUCTOR_HOMES,
    SEMICONDUCTOR_INHERITING,
    SEMICONDUCTOR_MISSING,
    SEMICONDUCTOR_NEAR_MONOPOLY,
    SEMICONDUCTOR_OLIGOPOLIES,
    SEMICONDUCTOR_PLANTED,
    SEMICONDUCTOR_SEGMENTS,
    SEMICONDUCTOR_SIX,
    SEMICONDUCTOR_SOLE,
    SEMICONDUCTOR_UNKNOWN_SHARE,
    _PlantedSegment,
    _Seg,
)
from chaingraph._synthetic_places import _BRAND, _LATIN

__all__ = ["PlantedMap", "SyntheticChainMap", "synthetic_chain_map"]

# --------------------------------------------------------------------------- #
# the model's parameters

#: Concentration of the Dirichlet draw of country shares around a segment's profile.
_KAPPA = 50.0
#: Unattributed part of a drawn segment's market (whole percent, both ends included).
_UNATTRIBUTED = (2, 12)
#: Largest share (percent) a drawn provider may hold in a segment without planted rows.
_CAP = 85
#: Named firms per country in a segment: 1 + Poisson(share / _FIRMS_PER), at most _MAX_NAMED.
_FIRMS_PER, _MAX_NAMED = 15.0, 4
#: Probability that a country with at least 3 % of a segment also has its "rest of" aggregate.
_AGGREGATE_P = 0.25
#: Probability that a provider slot goes to a firm the country already has in the family.
_REUSE_P = 0.6
#: Most segments a drawn firm is active in (the planted toolmaker has six).
_MAX_SEGMENTS = 5
#: Probability that a home is present through its aggregate (else a firm) where it
#: is only negligibly present; probability of an extra negligible foreign aggregate.
_HOME_AGGREGATE_P, _EXTRA_NEGLIGIBLE_P = 0.5, 0.15
_COUNTRY_FORMS = ("mixed", "iso2")
_MAX_DRAWS = 200


# --------------------------------------------------------------------------- #
# result types


@dataclass(frozen=True)
class PlantedMap:
    """Facts planted in a synthetic chain map, to test analyses for recovering them.

    Shares are fractions (0–1); segments are leaf segments (the ones with
    presence rows) unless said otherwise; homes are ISO 3166 alpha-2 codes.

    Attributes
    ----------
    homes : list of str
        The home countries the facts below are planted for.
    missing_segments : dict
        Home → the segments in which it has no provider at all, not even a
        negligible one or its country aggregate (缺链). Every other segment
        with providers has at least one provider of that home; a grouping
        has one where any of its sub-segments has.
    oligopolies : dict
        Home → ``{"segment", "firms", "share"}``: three firms of that home
        hold ``share`` (0.9) of the segment, each more than any other
        provider — a strong home position, not a weak link.
    dominant_providers : dict
        Segment → firm holding at least 0.9 of it or being its only
        non-negligible provider. No other leaf segment has such a provider.
    foreign_dominant_segments : dict
        Home → the segments of ``dominant_providers`` whose dominant provider
        is of another country (卡脖子).
    sole_provider : dict
        ``{"segment", "firm", "share"}``: the only provider of a segment (1.0).
    near_monopoly : dict
        ``{"segment", "firm", "share", "other", "other_share"}``: a 0.97
        provider beside a 0.03 one, and nobody else.
    monopoly_beside_negligible : dict
        ``{"segment", "firm", "share", "negligible_firm"}``: a 1.0 provider
        beside one flagged negligible (share not given).
    aggregate_top_provider : dict
        ``{"segment", "firm", "share"}``: a country aggregate ("rest of
        Japan") that holds more of the segment than any other provider.
    multi_segment_firm : dict
        ``{"firm", "segments"}``: the one firm active in six segments (every
        other firm is in at most five).
    process_without_firms : list of str
        Process segments no provider is active in (nor in any sub-segment):
        not gaps.
    inherited_flows : dict
        Sub-segment → its parent: the sub-segment has no flows of its own, so
        it takes its parent's flows (both directions).
    unknown_shares : list of dict
        ``{"firm", "segment"}``: providers the map names, not negligible, with
        no share given.
    """

    homes: list = field(default_factory=list)
    missing_segments: dict = field(default_factory=dict)
    oligopolies: dict = field(default_factory=dict)
    dominant_providers: dict = field(default_factory=dict)
    foreign_dominant_segments: dict = field(default_factory=dict)
    sole_provider: dict = field(default_factory=dict)
    near_monopoly: dict = field(default_factory=dict)
    monopoly_beside_negligible: dict = field(default_factory=dict)
    aggregate_top_provider: dict = field(default_factory=dict)
    multi_segment_firm: dict = field(default_factory=dict)
    process_without_firms: list = field(default_factory=list)
    inherited_flows: dict = field(default_factory=dict)
    unknown_shares: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict) -> PlantedMap:
        """Inverse of :meth:`to_dict`."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


class SyntheticChainMap(NamedTuple):
    """The tables of a synthetic chain map and the facts planted in it."""

    segments: pd.DataFrame
    flows: pd.DataFrame
    firms: pd.DataFrame
    presence: pd.DataFrame
    planted: PlantedMap


# --------------------------------------------------------------------------- #
# the generator


def synthetic_chain_map(template: str = "semiconductor", *, seed=0,
                        country_forms: str = "mixed") -> SyntheticChainMap:
    """A synthetic world chain map (产业链图谱) with planted facts.

    The tables a published chain map gives — segments nested into groupings,
    the flows between them, providers and their shares of each segment's
    world market, "negligible" flags — and no supplier–customer links. The
    firms are made up: no real firm's data is used. The segments, the rough
    country profile of each segment's market and the market sizes are the
    developers' simplified judgement, not measurements.

    The model, step by step:

    1. *Structure.* The ``semiconductor`` map has 67 segments, nested up to
       three levels (``sme`` → ``lithography`` → ``euv_scanners``); groupings
       and some leaves are process steps (``kind == "process"``: design,
       fabrication, assembly–test–packaging). Only the five top-level
       groupings have a ``stage``. Flows are given between groupings where a
       whole grouping feeds a segment; their sub-segments inherit them.
       Providers are active in leaf segments only.
    2. *Planted segments* get their planted providers (see
       :class:`PlantedMap`): a sole provider, a 97 % one beside a 3 % one, a
       100 % one beside a negligible one, three home oligopolies of 90 %, a
       country aggregate as the top provider; the rest of such a segment's
       market (``rest``) is drawn as below.
    3. *Country shares.* Every other leaf's attributed share is 100 % minus
       2–12 % (uniform, whole percent) left unattributed; it is split over
       the countries of the segment's profile by a Dirichlet draw with
       concentration 50 around the profile, in whole percent (largest
       remainders).
    4. *Providers.* A country's share goes to 1 + Poisson(share / 15) named
       firms (at most 4) and, with probability 0.25 when the share is at
       least 3 %, to the country's "rest of" aggregate (``kind ==
       "aggregate"``, firm id ``JP-other``), split by a Dirichlet(1.5) draw
       in whole percent. A provider whose share comes out 0 is *negligible*:
       ``negligible`` true, share not given. A draw is repeated until no
       drawn provider holds 85 % or more (less than the planted top provider
       in a planted segment) and the segment has at least two non-negligible
       providers, so that the planted dominant providers are the only ones.
    5. *Firms across segments.* A provider slot of a country in a family of
       related segments (front-end tools, photoresists and chemicals, fabs…)
       goes, with probability 0.6, to a firm the country already has in that
       family (weighted by 1 + its number of segments, at most five), else
       to a new firm. The planted toolmaker is active in six tool segments,
       taking the larger part of its country's share there.
    6. *Homes.* Each home (US, CN, JP) is present in every leaf with
       providers except its planted missing segments: where the draw gave it
       nothing, it gets a negligible provider (its aggregate or a firm). With
       probability 0.15 a leaf gets a negligible aggregate of a non-home
       country. One named firm (CN, chip design) is given with no share.
    7. *Amounts* (万元) = share × the segment's world market (亿元) × 10⁴;
       missing where the share is.
    8. *Countries* are written, firm by firm, as ISO 3166 alpha-2, alpha-3,
       the English or the Chinese name (``country_forms="mixed"``), as maps
       collected from several sources write them; or as alpha-2
       (``"iso2"``; every other cell is the same as with ``"mixed"``).

    Parameters
    ----------
    template : {"semiconductor"}
        The map to draw.
    seed : int or numpy Generator, default 0
        Random seed; the same seed gives identical tables.
    country_forms : {"mixed", "iso2"}
        How the ``country`` column is written.

    Returns
    -------
    SyntheticChainMap
        ``(segments, flows, firms, presence, planted)``:

        - ``segments``: ``segment_id``, ``name``, ``name_en``, ``parent``
          (missing at the top), ``kind`` (``product``/``process``),
          ``stage`` (top-level groupings only), ``foundation`` (五基
          category, where one fits);
        - ``flows``: ``from_segment``, ``to_segment``, ``essential`` (bool);
        - ``firms``: ``firm_id``, ``name``, ``country``, ``kind``
          (``firm``/``aggregate``), sorted by ``firm_id``;
        - ``presence``: ``firm_id``, ``segment_id``, ``share`` (0–1, missing
          where not given), ``amount`` (万元), ``negligible`` (bool); by
          segment, largest share first; per segment the shares sum to at
          most 1 (the rest is unattributed);
        - ``planted``: a :class:`PlantedMap`.

    Raises
    ------
    ValueError
        An unknown ``template`` or ``country_forms``.

    See Also
    --------
    chaingraph.synthetic.synthetic_chain : synthetic transaction chains.

    Examples
    --------
    >>> from chaingraph.synthetic_map import synthetic_chain_map
    >>> m = synthetic_chain_map(seed=1)
    >>> len(m.segments), len(m.flows), "links" in m._fields
    (67, 30, False)
    >>> bool(m.presence.groupby("segment_id")["share"].sum().max() <= 1)
    True
    >>> m.planted.sole_provider["segment"], m.planted.missing_segments["CN"][:2]
    ('euv_scanners', ['euv_scanners', 'euv_light_sources'])
    >>> top = m.presence[m.presence["segment_id"] == "euv_light_sources"]
    >>> top["share"].tolist()
    [0.97, 0.03]

    The tables load as a chain map, seen from any home country:

    >>> from chaingraph import ChainGraph, ChainTemplate
    >>> chain = ChainGraph.from_frames(m.firms, segments=ChainTemplate.from_frames(
    ...     m.segments, m.flows), presence=m.presence, home="USA")
    >>> chain.home, chain.has_links, sorted(set(chain.firms["country"]))[:4]
    ('US', False, ['CH', 'CN', 'DE', 'FR'])
    """
    if template != "semiconductor":
        raise ValueError(f"synthetic_chain_map: unknown map {template!r} (known: semiconductor)")
    if country_forms not in _COUNTRY_FORMS:
        raise ValueError(f"synthetic_chain_map: country_forms must be 'mixed' or 'iso2', "
                         f"got {country_forms!r}")
    segs = SEMICONDUCTOR_SEGMENTS
    rng = np.random.default_rng(seed)
    book = _FirmBook()
    six_country, six_family, six_segments = SEMICONDUCTOR_SIX
    six = book.new(six_country, six_family, locked=True)                     # 5
    unknown = dict((s, c) for c, s in SEMICONDUCTOR_UNKNOWN_SHARE)
    rows: list[_Row] = []
    fixed_ids: dict[str, list[str]] = {}
    for seg in segs:                                                          # 1
        if seg.family is None:
            continue
        planted = SEMICONDUCTOR_PLANTED.get(seg.id)
        seg_rows, fixed_ids[seg.id] = _providers(
            rng, seg, planted, book, six=six if seg.id in six_segments else None)  # 2-5
        seg_rows += _home_presence(rng, seg, seg_rows, book)                 # 6
        if seg.id in unknown:
            seg_rows.append(_Row(book.new(unknown[seg.id], seg.family), seg.id, None, False))
        rows += seg_rows
    firms = _firms_table(rng, book, country_forms)                            # 8
    presence = _presence_table(rows, segs)                                    # 7
    planted = _planted(fixed_ids, book, six, six_segments, presence)
    return SyntheticChainMap(_segments_table(segs), _flows_table(SEMICONDUCTOR_FLOWS),
                             firms, presence, planted)


# --------------------------------------------------------------------------- #
# what the steps pass on


class _Row(NamedTuple):
    """A presence row; ``share`` in whole percent, ``None`` when not given."""

    firm: str
    segment: str
    share: int | None
    negligible: bool


class _Slot(NamedTuple):
    """A drawn provider before it is given a firm: country, kind, share (percent;
    0 = negligible) and whether it is the planted multi-segment firm."""

    country: str
    kind: str
    share: int
    six: bool = False


class _Firm(NamedTuple):
    country: str
    kind: str
    family: str | None


class _FirmBook:
    """The firms made so far: ids by country, pools by (country, family), and
    how many segments each firm is in."""

    def __init__(self):
        self.firms: dict[str, _Firm] = {}
        self.count: dict[str, int] = {}
        self.pools: dict[tuple[str, str], list[str]] = {}
        self.n_segments: dict[str, int] = {}
        self.locked: set[str] = set()

    def new(self, country: str, family: str, *, locked: bool = False) -> str:
        k = self.count.get(country, 0) + 1
        self.count[country] = k
        firm = f"{country}-{k:03d}"
        self.firms[firm] = _Firm(country, "firm", family)
        self.pools.setdefault((country, family), []).append(firm)
        self.n_segments[firm] = 0
        if locked:
            self.locked.add(firm)
        return firm

    def aggregate(self, country: str) -> str:
        firm = f"{country}-other"
        if firm not in self.firms:
            self.firms[firm] = _Firm(country, "aggregate", None)
            self.n_segments[firm] = 0
        return firm

    def firm_for(self, rng, country: str, family: str, taken: set[str]) -> str:
        """A firm for a provider slot: one the country already has in the
        family (probability 0.6, weighted by 1 + its segments), else a new one."""
        pool = [f for f in self.pools.get((country, family), [])
                if f not in taken and f not in self.locked
                and self.n_segments[f] < _MAX_SEGMENTS]
        if pool and rng.random() < _REUSE_P:
            w = np.array([1.0 + self.n_segments[f] for f in pool])
            return pool[int(rng.choice(len(pool), p=w / w.sum()))]
        return self.new(country, family)


# --------------------------------------------------------------------------- #
# the steps


def _providers(rng, seg: _Seg, planted: _PlantedSegment | None, book: _FirmBook, six=None):
    """Steps 2–5 for one leaf: ``(presence rows, the planted firms in order)``."""
    if planted is None:
        rest = 100 - int(rng.integers(_UNATTRIBUTED[0], _UNATTRIBUTED[1] + 1))
        planted = _PlantedSegment([], rest=rest, profile=seg.profile, cap=_CAP)
    rows, fixed = [], []
    for f in planted.fixed:
        firm = book.aggregate(f.country) if f.kind == "aggregate" else book.new(f.country, seg.family)
        rows.append(_Row(firm, seg.id, f.share, f.share is None))
        fixed.append(firm)
    if planted.rest:
        n_fixed = sum(1 for f in planted.fixed if f.share)
        has_aggregate = {f.country for f in planted.fixed if f.kind == "aggregate"}
        slots = _draw_slots(rng, planted, n_fixed, has_aggregate,
                            six_country=six and book.firms[six].country)
        taken = {r.firm for r in rows}
        for slot in slots:
            if slot.six:
                firm = six
            elif slot.kind == "aggregate":
                firm = book.aggregate(slot.country)
            else:
                firm = book.firm_for(rng, slot.country, seg.family, taken)
            taken.add(firm)
            rows.append(_Row(firm, seg.id, slot.share or None, slot.share == 0))
    for r in rows:
        book.n_segments[r.firm] += 1
    return rows, fixed


def _draw_slots(rng, planted: _PlantedSegment, n_fixed: int, has_aggregate: set,
                six_country=None) -> list[_Slot]:
    """Steps 3–4: the drawn providers of a segment's ``rest``, redrawn until none
    holds ``cap`` percent or more and the segment has two non-negligible
    providers (the planted multi-segment firm, where there, at least 1 %).
    Countries in ``has_aggregate`` have their aggregate among the planted rows
    already."""
    countries = list(planted.profile)
    w = np.array([planted.profile[c] for c in countries], dtype=float)
    for _ in range(_MAX_DRAWS):
        country_share = _whole_split(rng.dirichlet(_KAPPA * w / w.sum()), planted.rest)
        slots = []
        for c, s in zip(countries, country_share):
            n_named = min(_MAX_NAMED, 1 + int(rng.poisson(s / _FIRMS_PER)))
            with_aggregate = s >= 3 and rng.random() < _AGGREGATE_P and c not in has_aggregate
            weights = np.full(n_named + with_aggregate, 1.5)
            has_six = c == six_country
            if has_six:
                weights[0] = 6.0
            parts = _whole_split(rng.dirichlet(weights), int(s))
            for k, p in enumerate(parts):
                kind = "aggregate" if with_aggregate and k == n_named else "firm"
                slots.append(_Slot(c, kind, int(p), six=has_six and k == 0))
        shares = [s.share for s in slots]
        ok = max(shares) < planted.cap and n_fixed + sum(1 for s in shares if s > 0) >= 2
        ok = ok and all(s.share > 0 for s in slots if s.six)
        if ok:
            return slots
    raise RuntimeError("synthetic_chain_map: no acceptable draw")  # pragma: no cover


def _whole_split(fractions: np.ndarray, total: int) -> np.ndarray:
    """``total`` split in whole numbers by ``fractions`` (largest remainders)."""
    raw = np.asarray(fractions, dtype=float) * total
    base = np.floor(raw).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        base[np.argsort(-(raw - base), kind="stable")[:left]] += 1
    return base


def _home_presence(rng, seg: _Seg, rows: list[_Row], book: _FirmBook) -> list[_Row]:
    """Step 6: negligible providers for the homes the segment lacks (except where
    planted missing) and, sometimes, a negligible foreign aggregate."""
    present = {book.firms[r.firm].country for r in rows}
    taken = {r.firm for r in rows}
    extra = []
    for home in SEMICONDUCTOR_HOMES:
        if home in present or seg.id in SEMICONDUCTOR_MISSING[home]:
            continue
        aggregate = book.aggregate(home)
        if rng.random() < _HOME_AGGREGATE_P and aggregate not in taken:
            firm = aggregate
        else:
            firm = book.firm_for(rng, home, seg.family, taken)
        extra.append(_Row(firm, seg.id, None, True))
        taken.add(firm)
    if seg.id not in SEMICONDUCTOR_PLANTED and rng.random() < _EXTRA_NEGLIGIBLE_P:
        others = [c for c in COUNTRY_FORMS if c not in SEMICONDUCTOR_HOMES and c not in present]
        c = others[int(rng.integers(0, len(others)))]
        extra.append(_Row(book.aggregate(c), seg.id, None, True))
    for r in extra:
        book.n_segments[r.firm] += 1
    return extra


def _firms_table(rng, book: _FirmBook, country_forms: str) -> pd.DataFrame:
    """Step 8 and the names: the firms, sorted by id."""
    ids = sorted(book.firms)
    form = rng.integers(0, 4, len(ids))
    names = _names(rng, [book.firms[f] for f in ids])
    country = [COUNTRY_FORMS[book.firms[f].country][k if country_forms == "mixed" else 0]
               for f, k in zip(ids, form)]
    return pd.DataFrame({
        "firm_id": pd.array(ids, dtype="string"),
        "name": pd.array(names, dtype="string"),
        "country": pd.array(country, dtype="string"),
        "kind": pd.array([book.firms[f].kind for f in ids], dtype="string"),
    })


def _names(rng, firms: list[_Firm]) -> list[str]:
    """Made-up company names, unique: Chinese for Chinese firms, a Latin stem, the
    family's trade word and a company suffix for others; "Rest of …" for aggregates."""
    names = [_name(rng, f) for f in firms]
    for _ in range(20):
        seen, dup = set(), []
        for i, n in enumerate(names):
            if n in seen:
                dup.append(i)
            seen.add(n)
        if not dup:
            return names
        for i in dup:
            names[i] = _name(rng, firms[i])
    raise RuntimeError("synthetic_chain_map: could not make unique names")  # pragma: no cover


def _name(rng, firm: _Firm) -> str:
    if firm.kind == "aggregate":
        english = COUNTRY_FORMS[firm.country][2]
        the = "the " if firm.country in ("US", "NL", "GB") else ""
        return f"Rest of {the}{english}"
    word_en, word_zh = FAMILY_WORDS[firm.family]
    if firm.country == "CN":
        brand = _BRAND[int(rng.integers(0, len(_BRAND)))] + _BRAND[int(rng.integers(0, len(_BRAND)))]
        suffix = "股份有限公司" if rng.random() < 0.5 else "科技有限公司"
        return f"{brand}{word_zh}{suffix}"
    n_syl = 2 + int(rng.random() < 0.3)
    stem = "".join(_LATIN[int(rng.integers(0, len(_LATIN)))] for _ in range(n_syl))
    return f"{stem.capitalize()} {word_en} {COMPANY_SUFFIX[firm.country]}"


def _presence_table(rows: list[_Row], segs: list[_Seg]) -> pd.DataFrame:
    """Step 7 and the order: by segment, largest share first (not given last), then id."""
    market = {s.id: s.market for s in segs if s.market}
    order = {s.id: i for i, s in enumerate(segs)}
    rows = sorted(rows, key=lambda r: (order[r.segment], r.share is None, -(r.share or 0), r.firm))
    pct = np.array([np.nan if r.share is None else r.share for r in rows], dtype=float)
    amount = pct * np.array([market[r.segment] for r in rows], dtype=float) * 100.0
    return pd.DataFrame({
        "firm_id": pd.array([r.firm for r in rows], dtype="string"),
        "segment_id": pd.array([r.segment for r in rows], dtype="string"),
        "share": pct / 100.0,
        "amount": amount,
        "negligible": np.array([r.negligible for r in rows], dtype=bool),
    })


def _segments_table(segs: list[_Seg]) -> pd.DataFrame:
    def col(values):
        return pd.array(list(values), dtype="string")

    return pd.DataFrame({
        "segment_id": col(s.id for s in segs),
        "name": col(s.name for s in segs),
        "name_en": col(s.name_en for s in segs),
        "parent": col(s.parent for s in segs),
        "kind": col(s.kind for s in segs),
        "stage": col(s.stage for s in segs),
        "foundation": col(s.foundation for s in segs),
    })


def _flows_table(flows) -> pd.DataFrame:
    return pd.DataFrame({
        "from_segment": pd.array([f[0] for f in flows], dtype="string"),
        "to_segment": pd.array([f[1] for f in flows], dtype="string"),
        "essential": np.array([f[2] for f in flows], dtype=bool),
    })


def _planted(fixed: dict[str, list[str]], book: _FirmBook, six: str, six_segments,
             presence: pd.DataFrame) -> PlantedMap:
    """The planted facts, with the ids the firms were given."""
    def share(firm, segment):
        row = presence[(presence["firm_id"] == firm) & (presence["segment_id"] == segment)]
        return float(row["share"].iloc[0])

    sole = fixed[SEMICONDUCTOR_SOLE][0]
    near, near_other = fixed[SEMICONDUCTOR_NEAR_MONOPOLY]
    mono, negl = fixed[SEMICONDUCTOR_BESIDE_NEGLIGIBLE]
    dominant = {SEMICONDUCTOR_SOLE: sole, SEMICONDUCTOR_NEAR_MONOPOLY: near,
                SEMICONDUCTOR_BESIDE_NEGLIGIBLE: mono}
    oligopolies = {}
    for home, seg in SEMICONDUCTOR_OLIGOPOLIES.items():
        firms = fixed[seg]
        oligopolies[home] = {"segment": seg, "firms": firms,
                             "share": round(sum(share(f, seg) for f in firms), 10)}
    agg = fixed[SEMICONDUCTOR_AGGREGATE_TOP][0]
    unknown_rows = presence[presence["share"].isna() & ~presence["negligible"]]
    parents = {s.id: s.parent for s in SEMICONDUCTOR_SEGMENTS}
    return PlantedMap(
        homes=list(SEMICONDUCTOR_HOMES),
        missing_segments={h: list(v) for h, v in SEMICONDUCTOR_MISSING.items()},
        oligopolies=oligopolies,
        dominant_providers=dominant,
        foreign_dominant_segments={
            h: [s for s, f in dominant.items() if book.firms[f].country != h]
            for h in SEMICONDUCTOR_HOMES},
        sole_provider={"segment": SEMICONDUCTOR_SOLE, "firm": sole,
                       "share": share(sole, SEMICONDUCTOR_SOLE)},
        near_monopoly={"segment": SEMICONDUCTOR_NEAR_MONOPOLY, "firm": near,
                       "share": share(near, SEMICONDUCTOR_NEAR_MONOPOLY), "other": near_other,
                       "other_share": share(near_other, SEMICONDUCTOR_NEAR_MONOPOLY)},
        monopoly_beside_negligible={"segment": SEMICONDUCTOR_BESIDE_NEGLIGIBLE, "firm": mono,
                                    "share": share(mono, SEMICONDUCTOR_BESIDE_NEGLIGIBLE),
                                    "negligible_firm": negl},
        aggregate_top_provider={"segment": SEMICONDUCTOR_AGGREGATE_TOP, "firm": agg,
                                "share": share(agg, SEMICONDUCTOR_AGGREGATE_TOP)},
        multi_segment_firm={"firm": six, "segments": list(six_segments)},
        process_without_firms=[s.id for s in SEMICONDUCTOR_SEGMENTS
                               if s.kind == "process" and s.family is None
                               and not any(_under(t.id, s.id, parents) and t.family
                                           for t in SEMICONDUCTOR_SEGMENTS)],
        inherited_flows={s: parents[s] for s in SEMICONDUCTOR_INHERITING},
        unknown_shares=[{"firm": str(f), "segment": str(s)}
                        for f, s in zip(unknown_rows["firm_id"], unknown_rows["segment_id"])],
    )


def _under(segment: str, ancestor: str, parents: dict) -> bool:
    """Whether ``segment`` is ``ancestor`` or below it."""
    while segment is not None:
        if segment == ancestor:
            return True
        segment = parents[segment]
    return False
