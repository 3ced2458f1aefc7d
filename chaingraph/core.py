"""The :class:`ChainGraph`: validated firm, link and segment tables over integer CSR arrays.

Why this module is long: it is the one object and its whole public surface (the tables,
the arrays, the sums by segment, the views), each property and method documented where it
is defined; about 380 of its lines are those docstrings. The work behind them lives in modules beside it: each input table's
checks in :mod:`chaingraph._firms`, :mod:`chaingraph._links` and
:mod:`chaingraph._presence`, the regions in :mod:`chaingraph._places`, the years in
:mod:`chaingraph._panel`, and :meth:`ChainGraph.summary` in :mod:`chaingraph._summary`.
"""

from __future__ import annotations

import html
import warnings
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _firms, _links, _panel, _places, _presence, _summary, schema
from ._places import LOCATIONS
from ._summary import ChainSummary
from .errors import ChainDataError
from .schema import ChainDataWarning, TableInfo

__all__ = ["ChainGraph", "ChainSummary"]


class ChainGraph:
    """An industry chain (产业链): firms, their supply links and the chain template.

    Build one with :meth:`from_frames` or :func:`chaingraph.read_chain`. The
    object is treated as immutable: views such as :meth:`subchain` and
    :meth:`without` return new chains and analyses never modify it. Changing
    a chain's tables in place (``chain.firms.loc[...] = ...``) is not
    supported: analyses keep their results per chain and would not see it.

    Internally the supply network is a sparse matrix ``W`` in CSR form
    (:attr:`adjacency`): ``W[s, j]`` is what firm ``s`` sells to firm ``j``,
    with firms numbered as in :attr:`firm_ids`.

    Examples
    --------
    >>> import pandas as pd, chaingraph as cg
    >>> firms = pd.DataFrame({"firm_id": ["A", "B", "C"],
    ...                       "province": ["山东", "山东", "江苏"]})
    >>> links = pd.DataFrame({"supplier_id": ["C", "B"], "customer_id": ["B", "A"],
    ...                       "amount": [5.0, 8.0]})
    >>> chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    >>> chain
    <ChainGraph region=山东: 3 firms (2 local, 1 outside, 0 foreign), 2 links>
    >>> chain.adjacency.toarray()
    array([[0., 0., 0.],
           [8., 0., 0.],
           [0., 5., 0.]])
    """

    def __init__(self, firms, links, template, region, *, presence=None, home: str = "CN",
                 region_kind: str | None = None, info: dict | None = None, ends=None,
                 year: int | None = None, panel=None):
        # Private: use from_frames / read_chain. Arguments are already validated;
        # ``presence`` is the given presence table (None: derived from firms.segment_id);
        # ``ends`` are the links' supplier and customer positions when known;
        # ``info["has_links"]`` is False for a chain built without a links table;
        # ``year`` the chain's year and ``panel`` (a _panel.Panel) the tables of every year.
        self._year = year
        self._panel = panel
        self._firms = firms
        self._links = links
        self._template = template
        self._region = region
        self._region_kind = region_kind if region is not None else None
        self._home = home
        self._presence = presence
        self._info = dict(info or {})
        self._info.setdefault("has_links", True)
        n = len(firms)
        s, c = ends if ends is not None else self._link_ends()
        data = (
            links["amount"].to_numpy(dtype="float64")
            if "amount" in links.columns
            else np.ones(len(links))
        )
        w = sp.coo_array(
            (data, (s.astype(np.int32, copy=False), c.astype(np.int32, copy=False))), shape=(n, n)
        ).tocsr()
        w.sum_duplicates()
        w.sort_indices()
        self._adjacency = w
        self._info.setdefault("merged_pairs", int(len(links) - w.nnz))

    # ------------------------------------------------------------------ build
    @classmethod
    def from_frames(
        cls,
        firms: pd.DataFrame,
        links: pd.DataFrame | None = None,
        segments=None,
        *,
        presence: pd.DataFrame | None = None,
        region: str | None = None,
        home: str | None = None,
        unknown_firms: str = "error",
        year: int | None = None,
    ) -> "ChainGraph":
        """Validate firm, link, presence and segment tables and build a chain.

        Parameters
        ----------
        firms : DataFrame
            One row per firm; ``firm_id`` required (see :data:`chaingraph.schema.FIRM_COLUMNS`
            for the other known columns; any other column is kept as it is).
            ``country`` may be an ISO 3166 alpha-2 or alpha-3 code or an English
            or Chinese name (``CN``, ``CHN``, ``China``, ``中国``); it is stored
            as the alpha-2 code. ``kind`` is ``firm`` (the default) or
            ``aggregate`` (汇总: "the rest of country X", a provider not named).
        links : DataFrame, optional
            One row per supply relation or transaction: ``supplier_id`` and
            ``customer_id`` required, ``amount`` (万元) optional (without it
            every link counts 1). Repeated supplier–customer pairs are summed
            into one edge of the graph; :attr:`links` keeps every row. A link
            with amount 0 is kept as a relation: it counts for structure
            (suppliers, reach, ecosystems) and carries no amount. Without
            links the chain is a chain map: :attr:`has_links` is false and the
            analyses that need transactions say so.
        segments : ChainTemplate, str, DataFrame or None
            The chain template (产业链图谱): a :class:`~chaingraph.ChainTemplate`,
            a built-in template's name or a TOML path, or a bare segments table
            (``segment_id``, ``name``, ``stage``, ``foundation``, ``parent``,
            ``kind``; no flows). With a template, every firm's ``segment_id``
            and every presence segment must be in it.
        presence : DataFrame, optional
            A chain map: one row per firm and segment it is active in,
            ``firm_id`` and ``segment_id`` required, ``share`` (fraction of the
            segment's market, 0–1), ``amount`` (万元) and ``negligible`` (bool)
            optional (:data:`chaingraph.schema.PRESENCE_COLUMNS`). A pair given
            twice, a segment whose shares sum above 1.01, or a negligible
            provider with a share above 0.05 is an error (a sum in (1, 1.01]
            warns). With presence, ``firms.segment_id`` is optional: where
            given it must be one of the firm's presence segments (its primary
            segment). Without presence, one row per firm is derived from
            ``firms.segment_id``.
        region : str, optional
            The focus region: a country (``"JP"``, ``"Japan"``, ``"日本"``), a
            province (``"山东"``, ``"山东省"`` and ``"Shandong"`` are the same)
            or a city (``"苏州"`` or ``"苏州市"``), resolved in that order
            (:attr:`region_kind` says which). A country region is the home
            country.
        home : str, optional
            The home country (default ``CN``; codes and names as for
            ``country``). A firm is *foreign* when its ``country`` is given and
            is not the home country (a firm with no country counts as
            domestic), *local* when it is not foreign and in the region (every
            domestic firm without a region, or with a country region),
            otherwise *outside*.
        unknown_firms : {"error", "add"}
            What to do with link ends and presence firms that are not in the
            firms table: raise, or add them as firms with no attributes (a
            warning says how many).
        year : int, optional
            Data of several years (a panel): any of the three tables may have
            a ``year`` column (年份). The chain is of one year when ``year`` is
            given or when the firms or presence table has years (then, by
            default, the latest, with a warning when there are several): the
            rows of that year of every table with years, every row of a table
            without (a firm without years is present every year). Its firms
            and presence tables drop their ``year`` column (the year is
            :attr:`year`); links keep theirs. When only the links have years
            and ``year`` is not given, every link row counts. The other years
            stay available: :attr:`years`, :meth:`in_year`.

        Raises
        ------
        ChainDataError
            On any problem in the data, naming the table, column and rows; also
            a ``year`` that is not in the data, and, when a year is chosen,
            rows without a year in a table that has a ``year`` column.
        ValueError
            A home country chaingraph does not know, or a country region that
            differs from ``home``.
        TypeError
            A ``year`` that is not a whole number.

        Examples
        --------
        A chain map: providers (two firms and "the rest of Japan") in two
        segments, with market shares, and no transactions:

        >>> import pandas as pd, chaingraph as cg
        >>> firms = pd.DataFrame({"firm_id": ["ASML", "SMEE", "JP-rest"],
        ...                       "country": ["NLD", "中国", "Japan"],
        ...                       "kind": ["firm", "firm", "aggregate"]})
        >>> presence = pd.DataFrame({"firm_id": ["ASML", "JP-rest", "SMEE", "ASML"],
        ...                          "segment_id": ["euv", "duv", "duv", "duv"],
        ...                          "share": [1.0, 0.1, None, 0.9],
        ...                          "negligible": [False, False, True, False]})
        >>> chain = cg.ChainGraph.from_frames(firms, presence=presence)
        >>> chain
        <ChainGraph: 3 firms (1 local, 0 outside, 2 foreign), no links>
        >>> chain.firms["country"].tolist(), chain.is_aggregate.tolist()
        (['NL', 'CN', 'JP'], [False, False, True])
        >>> chain.segment_ids.tolist(), chain.segment_codes.tolist()
        (['euv', 'duv'], [0, 1, 1])
        >>> cg.ChainGraph.from_frames(firms, presence=presence, home="Netherlands")
        <ChainGraph home=NL: 3 firms (1 local, 0 outside, 2 foreign), no links>
        """
        from .templates import ChainTemplate, get_template

        if unknown_firms not in ("error", "add"):
            raise ValueError("unknown_firms must be 'error' or 'add'")
        for name, df in (("firms", firms), ("links", links), ("presence", presence)):
            if df is not None and not isinstance(df, pd.DataFrame):
                raise TypeError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
        if firms is None:
            raise TypeError("firms must be a pandas DataFrame, not NoneType")
        chosen = _panel.choose_year(firms, links, presence, year, unknown_firms)
        firms_have_years = _panel.year_column(firms) is not None
        firms_year = chosen.year if chosen.selected and firms_have_years else None
        firms, links, presence = chosen.firms, chosen.links, chosen.presence

        template = None
        if isinstance(segments, ChainTemplate):
            template = segments
        elif isinstance(segments, pd.DataFrame):
            template = ChainTemplate.from_frames(segments, None, name="custom")
        elif segments is not None:
            template = get_template(segments)

        firms, firms_info = _firms.checked_firms(firms)
        has_links = links is not None
        if has_links and len(links) == 0 and chosen.selected:  # no transaction in that year
            links, links_info = _links.no_links(firms["firm_id"].dtype), TableInfo.of(links, "links")
        elif has_links:
            links, links_info = _links.checked_links(links)
        else:
            links, links_info = _links.no_links(firms["firm_id"].dtype), TableInfo("links", None)
        presence_info = None
        if presence is not None:
            presence, presence_info = _presence.checked_presence(presence, template)
        _firms.check_template_segments(firms, firms_info, template)

        firms, ends, added = _firms.with_unknown_firms(firms, links, links_info, presence,
                                                       presence_info, unknown_firms, firms_year)
        info = {"has_links": has_links}
        if added:
            info["added_firms"] = added
        if presence is not None:
            _presence.check_primary_segments(firms, presence, firms_info)
            presence = presence.reset_index(drop=True)
            presence.attrs = {"derived": False}
        firms = firms.set_index("firm_id")
        if "amount" in links.columns:
            if ends is None:
                ends = [schema.positions(links[c], firms.index) for c in ("supplier_id", "customer_id")]
            schema.check_amount_sums(links, ends, firms.index, links_info)
        region, region_kind, home = _places.resolve_region(region, home, firms, firms_info)

        chain = cls(firms, links.reset_index(drop=True), template, region, presence=presence,
                    home=home, region_kind=region_kind, info=info, ends=ends,
                    year=chosen.year, panel=chosen.panel)
        if chain._info["merged_pairs"]:
            rows = len(links) - chain.n_links
            warnings.warn(
                f"{links_info.source}: {rows} rows repeat a supplier–customer pair; they were "
                f"summed into {chain._n_repeated_edges()} edges of the graph "
                "(chain.links keeps every row)",
                ChainDataWarning,
                stacklevel=2,
            )
        _places.warn_if_nobody_local(region, region_kind, chain.is_local)
        return chain

    def _link_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of each link row's supplier and customer in :attr:`firm_ids`."""
        return tuple(
            schema.positions(self._links[col], self._firms.index) for col in ("supplier_id", "customer_id")
        )

    def _n_repeated_edges(self) -> int:
        s, c = self._link_ends()
        key = s.astype(np.int64) * self.n_firms + c
        counts = np.unique(key, return_counts=True)[1]
        return int((counts > 1).sum())

    def _derive(self, firms, links) -> "ChainGraph":
        """A new chain over already validated tables (for views): the presence rows of the
        kept firms, the same template, home and region."""
        presence = None
        if self._presence is not None:
            presence = self._presence[self._presence["firm_id"].isin(firms.index)
                                      .to_numpy()].reset_index(drop=True)
            presence.attrs = {"derived": False}
        return ChainGraph(firms, links.reset_index(drop=True), self._template, self._region,
                          presence=presence, home=self._home, region_kind=self._region_kind,
                          info={"has_links": self.has_links}, year=self._year)

    # ------------------------------------------------------------- the tables
    @property
    def firms(self) -> pd.DataFrame:
        """Firms, indexed by ``firm_id``, in input order."""
        return self._firms

    @property
    def links(self) -> pd.DataFrame:
        """Links as given: one row per input row (repeated pairs not merged)."""
        return self._links

    @property
    def template(self):
        """The :class:`~chaingraph.ChainTemplate`, or ``None``."""
        return self._template

    @property
    def presence(self) -> pd.DataFrame:
        """Which firm is active in which segment (a chain map), one row per pair.

        Columns ``firm_id``, ``segment_id``, ``share`` (float, fraction of the
        segment's market), ``amount`` (float, 万元), ``negligible`` (nullable
        boolean), then any other columns given; a RangeIndex. A column the
        input did not have is all missing. Without a presence table it is
        derived from ``firms.segment_id`` (one row per firm with a segment;
        share, amount and negligible missing) and ``attrs["derived"]`` is
        true (:attr:`has_presence` false).
        """
        return self._presence if self._presence is not None else self._derived_presence

    @cached_property
    def _derived_presence(self) -> pd.DataFrame:
        return _presence.derived_presence(self._firms)

    @property
    def has_presence(self) -> bool:
        """Whether a presence table was given (a chain map), rather than derived from
        ``firms.segment_id``."""
        return self._presence is not None

    @property
    def has_links(self) -> bool:
        """Whether the chain has transactions: false for a chain built without a links table
        (a chain map of presence only). A view of a chain with links keeps them known even
        when none of its links remain."""
        return bool(self._info["has_links"])

    @cached_property
    def segments(self) -> pd.DataFrame:
        """Segments (环节) indexed by ``segment_id``: name, name_en, stage, foundation, parent,
        kind, level (see :class:`~chaingraph.ChainTemplate`).

        Without a template: the segment ids found in the presence table (or
        ``firms.segment_id``), in order of appearance, with missing attributes
        and kind ``product``.
        """
        if self._template is not None:
            return self._template.segments
        if self.has_presence:
            ids = pd.unique(self._presence["segment_id"])
        elif "segment_id" in self._firms.columns:
            ids = pd.unique(self._firms["segment_id"].dropna())
        else:
            ids = []
        n = len(ids)
        frame = pd.DataFrame(
            {c: pd.Series([None] * n, dtype=object) for c in ("name", "name_en", "stage", "foundation")},
        )
        frame["parent"] = pd.array([pd.NA] * n, dtype="string")
        frame["kind"] = pd.array(["product"] * n, dtype="string")
        frame["level"] = pd.array([pd.NA] * n, dtype="Int64")
        frame.index = pd.Index(ids, name="segment_id")
        return frame

    @property
    def region(self) -> str | None:
        """The focus region, or ``None``: a province or city as given, a country as its
        ISO 3166 alpha-2 code (:attr:`region_kind` says which)."""
        return self._region

    @property
    def region_kind(self) -> str | None:
        """``"country"``, ``"province"`` or ``"city"``: what the focus region is (``None``
        without a region, when the home country is the focus)."""
        return self._region_kind

    @property
    def home(self) -> str:
        """The home country, an ISO 3166 alpha-2 code (``CN`` unless given): firms of
        another country are foreign."""
        return self._home

    # ------------------------------------------------------------- the years
    @property
    def year(self) -> int | None:
        """The year this chain is of, or ``None``.

        Set when a year was chosen (``year=`` in :meth:`from_frames` /
        :func:`~chaingraph.read_chain`, :meth:`in_year`) or when the firms or
        presence table has years (the latest by default); otherwise the one
        year of the links when all of them are of the same year, else
        ``None`` (links of several years, all counted).
        """
        return self._year

    @property
    def years(self) -> list[int]:
        """The years in the data this chain was built from, ascending (empty without years).

        Every year of every table with a ``year`` column — also those of the
        other years of a panel, which :meth:`in_year` gives. A view
        (:meth:`subchain`, :meth:`without`) knows the years of its own links only.
        """
        if self._panel is not None:
            return list(self._panel.years)
        return _panel.years_in(*(_panel.table_years(df, name) for name, df in
                                 (("links", self._links), ("presence", self._presence))))

    def in_year(self, year: int) -> "ChainGraph":
        """The chain of one year of the data (a panel of several years).

        Firms, presence and links rows of that year, from the tables this
        chain was built from (a table without a ``year`` column holds for
        every year), with the same template, region and home; checked as in
        :meth:`from_frames`, whose ``year`` parameter describes the rules.

        Raises
        ------
        ChainDataError
            A year that is not in the data (:attr:`years` lists them), or a
            problem in that year's rows (naming the rows of the whole table).
        TypeError
            A year that is not a whole number.

        Examples
        --------
        >>> import chaingraph as cg
        >>> chain = cg.load_dataset("shandong-nev")
        >>> chain.year, chain.years
        (2023, [2021, 2022, 2023])
        >>> chain.in_year(2021)
        <ChainGraph 'nev' region=山东: 1,989 firms (995 local, 726 outside, 268 foreign), 17,206 links>
        """
        src = self._panel
        if src is None:
            src = _panel.Panel(self._firms.reset_index(), self._links if self.has_links else None,
                               self._presence, "error", tuple(self.years))
        return ChainGraph.from_frames(
            src.firms, src.links, self._template, presence=src.presence, region=self._region,
            home=self._home, unknown_firms=src.unknown_firms, year=year,
        )

    # ------------------------------------------------------------- the arrays
    @property
    def n_firms(self) -> int:
        return len(self._firms)

    @property
    def n_links(self) -> int:
        """Edges of the graph: distinct supplier–customer pairs."""
        return int(self._adjacency.nnz)

    @property
    def firm_ids(self) -> pd.Index:
        """Firm ids; firm *i* of the arrays is ``firm_ids[i]``."""
        return self._firms.index

    @property
    def adjacency(self) -> sp.csr_array:
        """``W``, n × n CSR: ``W[s, j]`` = total amount firm *s* sells to firm *j*."""
        return self._adjacency

    @cached_property
    def adjacency_t(self) -> sp.csr_array:
        """``Wᵀ`` as CSR: row *j* lists *j*'s suppliers."""
        t = self._adjacency.T.tocsr()
        t.sort_indices()
        return t

    @cached_property
    def out_strength(self) -> np.ndarray:
        """Each firm's sales in the network, Σⱼ W[s, j]."""
        return np.asarray(self._adjacency.sum(axis=1)).ravel()

    @cached_property
    def in_strength(self) -> np.ndarray:
        """Each firm's purchases in the network, Σₛ W[s, j]."""
        return np.asarray(self._adjacency.sum(axis=0)).ravel()

    @cached_property
    def segment_ids(self) -> pd.Index:
        """Segment ids, in the order of :attr:`segments`."""
        return self.segments.index

    @cached_property
    def segment_codes(self) -> np.ndarray:
        """int32: each firm's **primary** segment's position in :attr:`segment_ids`, −1 when
        unknown.

        The primary segment is ``firms.segment_id`` where given; in a chain
        map without it, the firm's presence row with the largest share (ties:
        the larger amount, then the first row). Firm-level tables show the
        primary segment; sums and counts by segment go through
        :attr:`segment_membership`, which has every presence row.
        """
        given = None
        if "segment_id" in self._firms.columns:
            given = self.segment_ids.get_indexer(self._firms["segment_id"]).astype(np.int32)
        if not self.has_presence:
            return given if given is not None else np.full(self.n_firms, -1, dtype=np.int32)
        return _presence.primary_codes(self._presence, self.firm_ids, self.segment_ids, given)

    @cached_property
    def is_aggregate(self) -> np.ndarray:
        """Firms of kind ``aggregate`` (汇总: "the rest of country X", a provider not named)."""
        if "kind" not in self._firms.columns:
            return np.zeros(self.n_firms, dtype=bool)
        return (self._firms["kind"] == "aggregate").fillna(False).to_numpy(dtype=bool)

    # ------------------------------------------------- segment aggregation
    @cached_property
    def segment_membership(self) -> sp.csr_array:
        """``M``, n_firms × n_segments CSR (float64): the part of firm *i* that is in segment *k*.

        A row sums to 1 for a firm placed in segments and is empty for a firm
        whose segment is unknown. Without a presence table each firm has one
        segment (``firms.segment_id``), so ``M`` is one-hot:
        ``M[i, segment_codes[i]] = 1``. With one (:attr:`presence`), row *i*
        has an entry for each of firm *i*'s presence rows: its amounts over
        their sum when every one of its rows has a positive amount, else
        equal parts (1 / its number of rows). Every segment-level sum in the
        package is taken through ``M`` (:meth:`segment_totals`,
        :meth:`segment_firm_counts`, :meth:`segment_flow_matrix`).

        Examples
        --------
        A and B make parts for C; D's segment is unknown and sells to C too:

        >>> import pandas as pd, chaingraph as cg
        >>> firms = pd.DataFrame({"firm_id": ["A", "B", "C", "D"],
        ...                       "segment_id": ["parts", "parts", "car", None]})
        >>> links = pd.DataFrame({"supplier_id": ["A", "B", "D"], "customer_id": ["C", "C", "C"],
        ...                       "amount": [3.0, 4.0, 2.0]})
        >>> chain = cg.ChainGraph.from_frames(firms, links)
        >>> chain.segment_membership.toarray()
        array([[1., 0.],
               [1., 0.],
               [0., 1.],
               [0., 0.]])
        >>> chain.segment_totals(chain.out_strength), chain.segment_firm_counts(unknown=True)
        (array([7., 0.]), array([2, 1, 1]))
        >>> chain.segment_flow_matrix(unknown=True).toarray()
        array([[0., 7., 0.],
               [0., 0., 0.],
               [0., 2., 0.]])
        """
        if self.has_presence:
            return _presence.membership(self._presence, self.firm_ids, self.segment_ids)
        codes = self.segment_codes
        placed = codes >= 0
        indptr = np.zeros(self.n_firms + 1, dtype=np.int32)
        np.cumsum(placed, out=indptr[1:])
        return sp.csr_array(
            (np.ones(int(indptr[-1])), codes[placed], indptr),
            shape=(self.n_firms, len(self.segment_ids)),
        )

    @cached_property
    def segment_ancestry(self) -> sp.csr_array:
        """``A``, n_segments × n_segments CSR (float64): ``A[k, l] = 1`` when segment *l* is
        segment *k* or one of its ancestors (:attr:`ChainTemplate.ancestors`).

        Presence in a sub-segment counts as presence in every ancestor:
        ``(M > 0) @ A`` marks, for each firm, the segments it is active in
        directly or through a sub-segment. Without nesting ``A`` is the
        identity.
        """
        ids = self.segment_ids
        rows, cols = [np.arange(len(ids))], [np.arange(len(ids))]
        if self._template is not None:
            for k, chain in enumerate(self._template.ancestors(s) for s in ids):
                if chain:
                    rows.append(np.full(len(chain), k))
                    cols.append(ids.get_indexer(chain))
        r, c = np.concatenate(rows), np.concatenate(cols)
        return sp.csr_array((np.ones(len(r)), (r.astype(np.int32), c.astype(np.int32))),
                            shape=(len(ids), len(ids)))

    def _membership(self, unknown: bool, nested: bool = False) -> sp.csr_array:
        """``M`` (``M A`` when ``nested``), with ``unknown`` one more column: the part of each
        firm in no segment.

        ``(M A)[i, l]`` is the part of firm *i* in segment *l* or one of its sub-segments:
        each of the firm's segments adds its part once to itself and once to every
        ancestor, so a row of ``M A`` never exceeds 1 in any column and sums stay whole.
        """
        m = self.segment_membership
        rest = 1.0 - np.asarray(m.sum(axis=1)).ravel() if unknown else None
        ancestry = self.segment_ancestry
        if nested and ancestry.nnz > ancestry.shape[0]:
            m = sp.csr_array(m @ ancestry)
        if not unknown:
            return m
        rest = np.where(rest > 1e-12, rest, 0.0)  # rows of M sum to 1 up to rounding
        rows = np.flatnonzero(rest)
        extra = sp.csr_array((rest[rows], (rows, np.zeros(len(rows), dtype=np.int32))),
                             shape=(self.n_firms, 1))
        return sp.hstack([m, extra], format="csr")

    def segment_totals(self, values, *, unknown: bool = False, nested: bool = False) -> np.ndarray:
        """Firm values summed by segment: ``Mᵀ v`` (:attr:`segment_membership`).

        Parameters
        ----------
        values : array of shape (n_firms,) or (n_firms, c)
            One value (or one row of ``c`` values) per firm, in the order of
            :attr:`firm_ids`.
        unknown : bool, default False
            Add a last entry for the firms whose segment is unknown.
        nested : bool, default False
            Sum a segment's sub-segments into it too: ``(M A)ᵀ v`` with
            :attr:`segment_ancestry` ``A``. A firm's part in a sub-segment then
            counts once in the sub-segment and once in every ancestor (never
            twice in one segment). The same as ``False`` without nesting.

        Returns
        -------
        ndarray of shape (n_segments,) or (n_segments, c)
            In the order of :attr:`segment_ids` (one more with ``unknown``);
            0 for a segment without firms.
        """
        v = np.asarray(values, dtype=np.float64)
        if v.shape[:1] != (self.n_firms,) or v.ndim > 2:
            raise ValueError(
                f"values must have shape ({self.n_firms},) or ({self.n_firms}, c), got {v.shape}"
            )
        return self._membership(unknown, nested).T @ v

    def segment_firm_counts(self, firms=None, *, unknown: bool = False,
                            nested: bool = False) -> np.ndarray:
        """How many firms are in each segment: ``(M > 0)ᵀ f``.

        A firm counts once in every segment it is in (however small its part
        there).

        Parameters
        ----------
        firms : bool array of shape (n_firms,) or (n_firms, c), optional
            Count only the firms where this is true (each column separately).
            By default every firm counts.
        unknown : bool, default False
            Add a last entry for the firms whose segment is unknown.
        nested : bool, default False
            Count a firm in every ancestor of its segments too (once per
            segment, however many of its sub-segments it is in):
            ``(M A > 0)ᵀ f`` with :attr:`segment_ancestry` ``A``. The same as
            ``False`` without nesting.

        Returns
        -------
        int64 ndarray of shape (n_segments,) or (n_segments, c)
            In the order of :attr:`segment_ids` (one more with ``unknown``).
        """
        f = np.ones(self.n_firms, dtype=bool) if firms is None else np.asarray(firms, dtype=bool)
        if f.shape[:1] != (self.n_firms,) or f.ndim > 2:
            raise ValueError(
                f"firms must have shape ({self.n_firms},) or ({self.n_firms}, c), got {f.shape}"
            )
        present = self._membership(unknown, nested).copy()
        present.data = np.ones_like(present.data)
        return np.rint(present.T @ f.astype(np.float64)).astype(np.int64)

    def segment_flow_matrix(self, *, firms=None, unknown: bool = False) -> sp.csr_array:
        """Firm-to-firm flows summed to segment-to-segment flows: ``S = Mᵀ W M``.

        ``S[k, l]`` is what the firms of segment *k* sell to the firms of
        segment *l* (:attr:`adjacency` ``W``, split by :attr:`segment_membership`).

        Parameters
        ----------
        firms : bool array of shape (n_firms,), optional
            Keep only the links between two of these firms.
        unknown : bool, default False
            Add a last row and column for the firms whose segment is unknown.

        Returns
        -------
        scipy.sparse.csr_array
            n_segments × n_segments (one more each with ``unknown``), rows the
            selling and columns the buying segment, in the order of
            :attr:`segment_ids`.
        """
        m = self._membership(unknown)
        if firms is not None:
            f = np.asarray(firms, dtype=bool)
            if f.shape != (self.n_firms,):
                raise ValueError(f"firms must have shape ({self.n_firms},), got {f.shape}")
            e = m.tocoo()
            keep = f[e.row]
            m = sp.csr_array((e.data[keep], (e.row[keep], e.col[keep])), shape=m.shape)
        mt = m.T.tocsr()
        return sp.csr_array(mt @ self._adjacency @ mt.T)

    @cached_property
    def is_foreign(self) -> np.ndarray:
        """Firms whose ``country`` is given and is not :attr:`home` (foreign sources).

        A firm with no country counts as domestic.
        """
        return _places.foreign_mask(self._firms, self._home)

    @cached_property
    def is_local(self) -> np.ndarray:
        """Non-foreign firms in the focus region: ``province`` or ``city`` matching a
        province or city region; every non-foreign firm with a country region or none."""
        return _places.local_mask(self._firms, self._region, self._region_kind, self.is_foreign)

    @cached_property
    def location_codes(self) -> np.ndarray:
        """int8 per firm: 0 local, 1 outside, 2 foreign (the order of ``LOCATIONS``)."""
        return np.where(self.is_foreign, 2, np.where(self.is_local, 0, 1)).astype(np.int8)

    @property
    def location(self) -> pd.Series:
        """``local`` / ``outside`` / ``foreign`` for each firm."""
        return pd.Series(
            pd.Categorical.from_codes(self.location_codes.astype(np.int64), LOCATIONS),
            index=self.firm_ids, name="location",
        )

    @cached_property
    def is_large(self) -> np.ndarray:
        """Firms of size class large (大型企业); unknown size classes count as not large."""
        return (self._firms["size_class"] == "large").fillna(False).to_numpy(dtype=bool)

    @cached_property
    def is_sme(self) -> np.ndarray:
        """Firms of size class medium, small or micro (SMEs, 中小微企业)."""
        return self._firms["size_class"].isin(["medium", "small", "micro"]).to_numpy()

    # ------------------------------------------------------------------ views
    def subchain(self, firms=None, *, segments=None, region=None) -> "ChainGraph":
        """The chain restricted to some firms, segments and/or a province.

        Keeps the firms that satisfy every criterion given and the links among
        them. The focus region of the new chain stays that of this chain.

        Parameters
        ----------
        firms : iterable of firm ids, optional
        segments : iterable of segment ids, optional
            Keep firms active in one of these segments (a presence row there or
            in one of its sub-segments).
        region : str, optional
            Keep firms whose ``province`` is this province.
        """
        keep = np.ones(self.n_firms, dtype=bool)
        if firms is not None:
            keep &= self._firm_mask(firms)
        if segments is not None:
            segs = [segments] if isinstance(segments, str) else list(segments)
            unknown = [s for s in segs if s not in self.segment_ids]
            if unknown:
                raise ChainDataError(f"unknown segments {schema._examples(unknown)}", column="segment_id")
            active = sp.csr_array(self.segment_membership > 0, dtype=np.float64) @ self.segment_ancestry
            keep &= np.asarray(active[:, self.segment_ids.get_indexer(segs)].sum(axis=1)).ravel() > 0
        if region is not None:
            if "province" not in self._firms.columns:
                raise ChainDataError("the firms table has no 'province' column", column="province")
            target = schema.normalize_region(region)
            keep &= np.array([schema.normalize_region(p) == target for p in self._firms["province"]])
        return self._keep(keep)

    def without(self, firms) -> "ChainGraph":
        """The chain with these firms and their links removed."""
        return self._keep(~self._firm_mask(firms))

    def with_region(self, region: str | None, *, home: str | None = None) -> "ChainGraph":
        """The same firms, links, presence and template seen from another focus region.

        Only what is *local* (and, with ``home``, *foreign*) changes
        (``region=None``: every non-foreign firm is local). The home country
        stays, unless ``home`` is given or ``region`` is a country (which is
        then the home country). The tables are checked again as in
        :meth:`from_frames`, so a region no firm is in gives the same warning.

        Examples
        --------
        >>> import chaingraph as cg
        >>> cg.load_dataset("shandong-cnc").with_region("江苏")
        <ChainGraph 'cnc' region=江苏: 1,000 firms (68 local, 740 outside, 192 foreign), 7,869 links>
        """
        from .countries import country_code

        if home is None and not (isinstance(region, str) and country_code(region) is not None):
            home = self._home
        if self._panel is not None:  # a chain of one year of a panel: keep the other years
            p = self._panel
            return ChainGraph.from_frames(p.firms, p.links, self._template, presence=p.presence,
                                          region=region, home=home,
                                          unknown_firms=p.unknown_firms, year=self._year)
        return ChainGraph.from_frames(
            self._firms.reset_index(), self._links if self.has_links else None, self._template,
            presence=self._presence, region=region, home=home,
        )

    def _firm_mask(self, firms) -> np.ndarray:
        ids = [firms] if isinstance(firms, str) else list(firms)
        pos = self.firm_ids.get_indexer(ids)
        if (pos < 0).any():
            missing = [i for i, p in zip(ids, pos) if p < 0]
            raise ChainDataError(f"unknown firms {schema._examples(missing)}", column="firm_id")
        mask = np.zeros(self.n_firms, dtype=bool)
        mask[pos] = True
        return mask

    def _keep(self, keep: np.ndarray) -> "ChainGraph":
        s, c = self._link_ends()
        rows = keep[s] & keep[c]
        return self._derive(self._firms[keep], self._links[rows])

    # --------------------------------------------------------------- exports
    def to_networkx(self):
        """The chain as a :class:`networkx.DiGraph`.

        Nodes are firm ids with the firms' non-missing attributes plus
        ``location``; edges go supplier → customer with attribute ``amount``
        (repeated pairs summed).
        """
        import networkx as nx

        g = nx.DiGraph(region=self._region, home=self._home)
        attrs = self._firms.assign(location=self.location.astype(str))
        records = attrs.to_dict("index")
        g.add_nodes_from(
            (fid, {k: v for k, v in rec.items() if not _is_na_scalar(v)}) for fid, rec in records.items()
        )
        coo = self._adjacency.tocoo()
        ids = self.firm_ids.to_numpy()
        g.add_weighted_edges_from(
            zip(ids[coo.row], ids[coo.col], coo.data.tolist()), weight="amount"
        )
        return g

    def summary(self) -> ChainSummary:
        """Counts by segment, stage, size class and location; totals and data notes.

        With nested segments a parent segment's row counts the firms of its
        sub-segments too (see :class:`ChainSummary`).
        """
        return _summary.chain_summary(self, added_firms=self._info.get("added_firms", 0))

    # ------------------------------------------------------------------ repr
    def __repr__(self) -> str:
        loc = self.location.value_counts()
        tname = f" '{self._template.name}'" if self._template is not None else ""
        home = f" home={self._home}" if self._home != _places.DEFAULT_HOME else ""
        reg = f" region={self._region}" if self._region else ""
        links = f"{self.n_links:,} links" if self.has_links else "no links"
        return (
            f"<ChainGraph{tname}{home}{reg}: {self.n_firms:,} firms ({loc['local']:,} local, "
            f"{loc['outside']:,} outside, {loc['foreign']:,} foreign), {links}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        head = html.escape(repr(self))
        return f"<div><p><code>{head}</code></p>{s.by_location.to_frame().T.to_html()}</div>"


def _is_na_scalar(v) -> bool:
    """Whether ``pd.isna(v)`` says missing (None, NaN, NA, NaT); values it cannot
    answer with one truth value (lists, arrays) count as present."""
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
