"""What changed in a chain between two years (年度变化): :func:`compare` → :class:`ChainChange`.

Firms are matched by ``firm_id``; supplier–customer pairs by their two ids;
segments, gaps, lead firms, tiers, chokepoints and single-sourced inputs by
what the analyses report for each chain, run with their documented defaults
on each chain alone. The change tables are built from those outputs with
pandas; nothing here recomputes an analysis.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph.analysis._common import with_place
from chaingraph.analysis.gaps import gaps
from chaingraph.analysis.leads import lead_firms
from chaingraph.analysis.tiers import tiers
from chaingraph.analysis.weak import WEAKNESS_CLASSES, chokepoints, single_sourcing, weak_links
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["compare", "ChainChange", "STATUSES"]

#: The status words of each change table, in the order the tables list them.
STATUSES = {
    "firms": ("entered", "exited", "stayed"),
    "link_pairs": ("gained", "lost", "changed", "same"),
    "links": ("gained", "lost", "changed", "same"),
    "segments": ("worse", "better", "same", "unknown"),
    "gaps": ("closed", "opened", "persisting"),
    "leads": ("entered", "left", "stayed", "unknown"),
    "tiers": ("up", "down", "same", "unknown"),
    "chokepoints": ("dissolved", "new", "persisting"),
    "single_sourcing": ("dissolved", "new", "persisting"),
}
#: The column of each table that holds its status.
STATUS_COLUMN = {"firms": "status", "link_pairs": "status", "links": "status",
                 "segments": "change", "gaps": "status", "leads": "status", "tiers": "move",
                 "chokepoints": "status", "single_sourcing": "status"}
#: Two amounts of a supplier–customer pair are the same when they differ by at most this,
#: relative to the larger.
AMOUNT_RTOL = 1e-9
#: Rows of a table :meth:`ChainChange._repr_html_` shows.
SHOWN = 20
#: The most rows an Excel sheet holds (its header row aside).
EXCEL_ROWS = 1_048_575


@dataclass
class ChainChange:
    """What :func:`compare` returns: the change tables between two chains (年度变化).

    Every table has the columns listed here; a table that cannot be computed
    for these chains (an analysis that needs links, on a chain map) is empty
    with the same columns and its reason in ``notes`` and in ``df.attrs["note"]``.

    Attributes
    ----------
    firms : DataFrame
        Indexed by ``firm_id`` (the before chain's firms in its order, then the
        firms only in after): ``name`` (when either chain has names), ``status``
        (``entered``: only in after; ``exited``: only in before; ``stayed``),
        ``segment_before``, ``segment_after`` (primary segment),
        ``size_class_before``, ``size_class_after``, ``location_before``,
        ``location_after`` (``local``/``outside``/``foreign``), and ``changed``:
        which of ``segment``, ``size_class``, ``location`` differ for a firm
        that stayed, joined by ``"; "`` (empty when none; missing for firms
        that entered or exited). A value missing on one side and given on the
        other counts as changed.
    link_pairs : DataFrame
        One row per supplier–customer pair of either chain (RangeIndex):
        ``supplier_id``, ``customer_id``, ``amount_before``, ``amount_after``
        (repeated rows summed, as ``chain.adjacency``; 0 where there is no
        link), ``status`` (``gained``, ``lost``, ``changed``: amounts differ by
        more than 1e-9 relative, ``same``); gained, lost, changed and same
        pairs in that order, larger amounts first.
    links : DataFrame
        One row per segment pair (RangeIndex): ``from_segment``,
        ``to_segment`` (the supplier's and the customer's primary segment, in
        the chain the link is in: a firm that changed segment counts in its
        old pair before and its new pair after; missing for firms without a
        segment), ``n_before``, ``n_after`` (supplier–customer pairs),
        ``amount_before``, ``amount_after``, ``gained``, ``lost``, ``changed``
        (pairs of ``link_pairs`` with that status, counted in after's segments
        for gained and changed pairs, before's for lost ones), ``status``
        (``gained``: no pair before; ``lost``: none after; ``changed``: counts or
        amounts differ; ``same``); largest change of amount first.
    segments : DataFrame
        Indexed by ``segment_id``: ``name``, ``weakness_before``,
        ``weakness_after`` (:func:`~chaingraph.weak_links`), ``change``
        (``worse`` or ``better`` by the order missing, foreign, weak, ok;
        ``same``; ``unknown`` when either side is missing), ``severity_before``,
        ``severity_after``, ``local_share_before``, ``local_share_after``,
        ``n_local_before``, ``n_local_after``, ``n_firms_before``, ``n_firms_after``.
    gaps : DataFrame
        One row per gap of either chain (:func:`~chaingraph.gaps`; RangeIndex),
        matched by (``segment_id``, ``to_segment``, ``kind``): ``name``,
        ``status`` (``closed``: a gap before only; ``opened``: after only;
        ``persisting``), ``severity_before``, ``severity_after``.
    leads : DataFrame
        Indexed by ``firm_id``, the firms that are lead firms (``is_lead``,
        :func:`~chaingraph.lead_firms`) in either chain: ``status``
        (``entered`` the lead list, ``left`` it, ``stayed``; ``unknown`` when
        a lead on one side is of unknown status on the other),
        ``rank_before``, ``rank_after``, ``rank_change`` (``rank_before −
        rank_after``: positive when the firm rose), ``score_before``,
        ``score_after`` (``lead_score``), ``is_lead_before``, ``is_lead_after``.
    tiers : DataFrame
        Indexed by ``firm_id``, the firms in both chains
        (:func:`~chaingraph.tiers`): ``tier_before``, ``tier_after``,
        ``tier_possible_before``, ``tier_possible_after``, and ``move``:
        ``up``, ``down`` or ``same`` when the tier is known on both sides or
        the possible ranges do not overlap, ``unknown`` otherwise (a firm
        whose tier is ``tier`` or up to ``tier_possible`` is in that range).
    chokepoints : DataFrame
        Indexed by ``firm_id``, the chokepoint firms of either chain
        (:func:`~chaingraph.chokepoints`): ``status`` (``dissolved``: before
        only; ``new``: after only; ``persisting``), ``segment_id``,
        ``rule_before``, ``rule_after``, ``cut_amount_before``, ``cut_amount_after``.
    single_sourcing : DataFrame
        One row per single-sourced (customer, input segment) of either chain
        (:func:`~chaingraph.single_sourcing`; RangeIndex): ``customer_id``,
        ``segment_id``, ``status`` (``dissolved``, ``new``, ``persisting``),
        ``supplier_before``, ``supplier_after``, ``amount_before``, ``amount_after``.
    labels : tuple of str
        What to call the two chains in text (their years by default).
    notes : dict
        Table name → why it is empty for these chains.

    Use :meth:`summary` for the counts by status, :meth:`to_excel` and
    :meth:`save` to write the tables.
    """

    firms: pd.DataFrame
    link_pairs: pd.DataFrame
    links: pd.DataFrame
    segments: pd.DataFrame
    gaps: pd.DataFrame
    leads: pd.DataFrame
    tiers: pd.DataFrame
    chokepoints: pd.DataFrame
    single_sourcing: pd.DataFrame
    labels: tuple = ("before", "after")
    notes: dict = field(default_factory=dict)

    TABLES = ("firms", "link_pairs", "links", "segments", "gaps", "leads", "tiers",
              "chokepoints", "single_sourcing")

    # ----------------------------------------------------------------- counts
    def summary(self) -> pd.DataFrame:
        """How many rows of each table have each status.

        Returns
        -------
        DataFrame
            Indexed by (``table``, ``status``), one column ``count``
            (``Int64``; missing for a table these chains cannot give, see
            :attr:`notes`). Every status word of :data:`STATUSES` is listed,
            also with a count of 0.
        """
        rows = []
        for table in self.TABLES:
            df = getattr(self, table)
            counts = df[STATUS_COLUMN[table]].astype(str).value_counts()
            for status in STATUSES[table]:
                rows.append((table, status,
                             pd.NA if table in self.notes else int(counts.get(status, 0))))
        out = pd.DataFrame(rows, columns=["table", "status", "count"]).set_index(["table", "status"])
        out["count"] = out["count"].astype("Int64")
        return out

    def _count(self, table: str, status: str):
        value = self.summary().loc[(table, status), "count"]
        return "?" if pd.isna(value) else int(value)

    def __repr__(self) -> str:
        c = self._count
        a, b = self.labels
        return (
            f"<ChainChange {a} → {b}: firms +{c('firms', 'entered')} −{c('firms', 'exited')}; "
            f"links +{c('link_pairs', 'gained')} −{c('link_pairs', 'lost')} "
            f"({c('link_pairs', 'changed')} changed); gaps {c('gaps', 'closed')} closed, "
            f"{c('gaps', 'opened')} opened; leads {c('leads', 'entered')} entered, "
            f"{c('leads', 'left')} left; tiers {c('tiers', 'up')} up, {c('tiers', 'down')} down; "
            f"chokepoints {c('chokepoints', 'dissolved')} dissolved, {c('chokepoints', 'new')} new>"
        )

    # ------------------------------------------------------------------ views
    def changed_rows(self, table: str) -> pd.DataFrame:
        """The rows of ``table`` that changed (its status is not ``same``/``stayed`` unchanged/
        ``persisting``), for display."""
        df = getattr(self, table)
        col = STATUS_COLUMN[table]
        status = df[col].astype(str)
        if table == "firms":
            return df[(status != "stayed") | (df["changed"].fillna("") != "")]
        if table in ("link_pairs", "links", "segments", "tiers"):
            return df[status != "same"]
        if table in ("gaps", "chokepoints", "leads"):
            return df
        return df[status != "persisting"]

    def _repr_html_(self) -> str:
        a, b = (html.escape(x) for x in self.labels)
        parts = [f"<div><h4>年度变化 / changes: {a} → {b}</h4>",
                 f"<p><code>{html.escape(repr(self))}</code></p>"]
        for table in self.TABLES:
            if table in self.notes:
                parts.append(f"<p><b>{table}</b>: {html.escape(self.notes[table])}</p>")
                continue
            rows = self.changed_rows(table)
            more = len(rows) - SHOWN
            parts.append(f"<p><b>{table}</b> ({len(rows):,} changed of "
                         f"{len(getattr(self, table)):,})</p>")
            if len(rows):
                parts.append(rows.head(SHOWN).to_html(escape=True, na_rep="–"))
            if more > 0:
                parts.append(f"<p>… and {more:,} more</p>")
        parts.append("</div>")
        return "".join(parts)

    # ---------------------------------------------------------------- writing
    def to_excel(self, path) -> None:
        """Write the tables as sheets of one ``.xlsx`` workbook (``summary`` first, ``notes`` last).

        ``link_pairs`` holds the pairs that changed (not the ``same`` ones).
        Text stays text (never a formula) and no cell is cut
        (:mod:`chaingraph._excel`).

        Raises
        ------
        ChainDataError
            A sheet with more rows than Excel holds (write the tables as CSV
            instead), or a cell longer than Excel holds.
        """
        from chaingraph._excel import save_workbook

        sheets = {"summary": self.summary().reset_index()}
        for table in self.TABLES:
            df = self.changed_rows(table) if table == "link_pairs" else getattr(self, table)
            if len(df) > EXCEL_ROWS:
                raise ChainDataError(
                    f"{len(df):,} rows are more than an Excel sheet holds ({EXCEL_ROWS:,}); "
                    f"write the table as CSV instead (change.{table}.to_csv(...))",
                    source=f"{Path(path).name}[{table}]")
            sheets[table] = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
        sheets["notes"] = pd.DataFrame(
            {"item": ["before", "after", *self.notes],
             "note": [*self.labels, *self.notes.values()]})
        save_workbook(path, sheets)

    def save(self, path) -> Path:
        """Write ``.html`` (one self-contained page of the changed rows) or ``.xlsx``
        (:meth:`to_excel`), by the file's suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            a, b = (html.escape(x) for x in self.labels)
            path.write_text(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                f"<title>年度变化 {a} → {b}</title><style>{_STYLE}</style></head><body>"
                + self._repr_html_() + "</body></html>\n", encoding="utf-8")
        elif suffix == ".xlsx":
            self.to_excel(path)
        else:
            raise ValueError(f"cannot save a chain change as {suffix or 'a file without suffix'}: "
                             "use .html or .xlsx")
        return path


_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:90%}"
          "td,th{border:1px solid #ccc;padding:2px 6px}")


# --------------------------------------------------------------------------- #
# compare


def compare(before: ChainGraph, after: ChainGraph, *, labels=None) -> ChainChange:
    """What changed between two chains (年度变化): firms, links, gaps, leads, tiers, chokepoints.

    Firms are matched by ``firm_id`` and supplier–customer pairs by their
    two ids. Each analysis — :func:`~chaingraph.weak_links`,
    :func:`~chaingraph.gaps`, :func:`~chaingraph.lead_firms`,
    :func:`~chaingraph.tiers`, :func:`~chaingraph.chokepoints`,
    :func:`~chaingraph.single_sourcing` — runs on each chain with its
    defaults, and its rows are matched by their key:

    * a firm is ``entered``/``exited``/``stayed`` by presence in after/before;
    * a pair with amount ``a₀`` before and ``a₁`` after (0 when absent) is
      ``gained`` (a₀ = 0 < a₁ … no pair before), ``lost``, ``changed``
      (``|a₁ − a₀| > 1e-9 · max(a₀, a₁)``) or ``same``;
    * a gap (segment, to-segment, kind) is ``closed`` (before only),
      ``opened`` (after only) or ``persisting``;
    * a segment's weakness class moves ``worse`` or ``better`` along
      missing → foreign → weak → ok;
    * a firm's tier ``T`` is known when it equals its possible tier ``P`` (the
      highest tier not failed); with tier levels ``0`` (none) to ``5``
      (lead), the move is ``up`` when ``P_before < T_after``, ``down`` when
      ``P_after < T_before``, ``same`` when all four levels are equal, and
      ``unknown`` otherwise — never a silent ``same``;
    * a lead firm, chokepoint or single-sourced (customer, segment) is on
      the list of one chain, the other, or both.

    Parameters
    ----------
    before, after : ChainGraph
        Two chains on the same template, seen from the same home country and
        region — typically two years of one panel
        (``chain.in_year(2021)``, ``chain.in_year(2023)``).
    labels : (str, str), optional
        What to call the two chains in text; by default their years
        (:attr:`ChainGraph.year`) when both have one, else ``("before", "after")``.

    Returns
    -------
    ChainChange
        The tables ``firms``, ``link_pairs``, ``links``, ``segments``,
        ``gaps``, ``leads``, ``tiers``, ``chokepoints`` and ``single_sourcing``
        (their columns are listed in :class:`ChainChange`), ``labels`` and
        ``notes``. On chain maps (no links) the tables that need links are
        empty, with the reason in ``notes``.

    Raises
    ------
    ChainDataError
        Chains on different templates (the message names the segments and
        flows that differ), of different home countries or focus regions.
    TypeError
        A chain that is not a :class:`~chaingraph.ChainGraph`, or labels that
        are not two strings.

    References
    ----------
    The statuses follow the 链长制 monitoring questions of 鲁工信发〔2021〕5号
    (补链 gaps closed, 强链 chokepoints resolved, 梯度培育 firms moving up).

    Examples
    --------
    The shipped chain is a panel of three years with planted changes: a gap
    in ``bms`` (no local BMS maker) closed in 2023, and the chokepoint
    NEV01054 (the only BMS supplier in 2021) dissolved in 2022:

    >>> import chaingraph as cg
    >>> panel = cg.load_dataset("shandong-nev")
    >>> change = cg.compare(panel.in_year(2021), panel.in_year(2023))
    >>> change.labels
    ('2021', '2023')
    >>> g = change.gaps.set_index(["segment_id", "kind"])
    >>> g.loc[("bms", "no_local"), "status"]
    'closed'
    >>> change.chokepoints.loc["NEV01054", ["status", "rule_before"]].tolist()
    ['dissolved', 'sole_flow']
    >>> lead = change.leads.loc["NEV00387"]
    >>> lead["status"], int(lead["rank_before"]), int(lead["rank_after"])
    ('entered', 8, 5)
    >>> change.tiers.loc[["NEV00013", "NEV00127"], "move"].tolist()
    ['up', 'up']
    >>> change.firms.loc["NEV02001", ["status", "segment_before"]].tolist()
    ['exited', 'lithium_resources']
    """
    for name, chain in (("before", before), ("after", after)):
        if not isinstance(chain, ChainGraph):
            raise TypeError(f"{name} must be a ChainGraph, not {type(chain).__name__}")
    labels = _labels(before, after, labels)
    _check_comparable(before, after)
    notes: dict[str, str] = {}

    ids = before.firm_ids.append(after.firm_ids[~after.firm_ids.isin(before.firm_ids)])
    firms = _firm_changes(before, after, ids)
    if before.has_links and after.has_links:
        link_pairs, links = _link_changes(before, after, ids, firms)
    else:
        link_pairs, links = _empty_link_pairs(), _empty_links()
        notes["link_pairs"] = notes["links"] = _no_links_note(before, after)

    runs = [_analyses(before), _analyses(after)]
    built = {}
    for table, build in _BUILDERS.items():
        rb, ra = runs[0][table], runs[1][table]
        failed = next((r for r in (rb, ra) if isinstance(r, ChainDataError)), None)
        if failed is None:
            built[table] = build(rb, ra)
        else:
            notes[table] = str(failed)
            built[table] = _EMPTY[table]()

    tables = dict(firms=firms, link_pairs=link_pairs, links=links, **built)
    for name, df in tables.items():
        with_place(df, after)
        if name in notes:
            df.attrs["note"] = notes[name]
    return ChainChange(**tables, labels=labels, notes=notes)


# --------------------------------------------------------------------------- #
# checks


def _labels(before, after, labels) -> tuple[str, str]:
    if labels is None:
        if before.year is not None and after.year is not None and before.year != after.year:
            return str(before.year), str(after.year)
        return "before", "after"
    if isinstance(labels, str) or len(labels) != 2 or not all(isinstance(x, str) for x in labels):
        raise TypeError(f"labels must be two strings, e.g. ('2021', '2023'), not {labels!r}")
    return tuple(labels)


def _check_comparable(before: ChainGraph, after: ChainGraph) -> None:
    """Raise unless the two chains have the same template, home and region."""
    if before.home != after.home:
        raise ChainDataError(f"the chains are seen from different home countries (before "
                             f"{before.home}, after {after.home}); compare them from the same home")
    if before.region != after.region:
        raise ChainDataError(
            f"the chains have different focus regions (before {before.region!r}, after "
            f"{after.region!r}): a comparison across regions is another question; "
            "chain.with_region(...) gives one from the other's region")
    tb, ta = before.template, after.template
    if tb is None and ta is None:
        return
    if tb is None or ta is None:
        which = "before" if tb is None else "after"
        other = ta if tb is None else tb
        raise ChainDataError(f"the chains have different templates: {which} has none, the other "
                             f"'{other.name}'")
    diffs = []
    sb, sa = tb.segments, ta.segments
    only_b = [s for s in sb.index if s not in sa.index]
    only_a = [s for s in sa.index if s not in sb.index]
    if only_b:
        diffs.append(f"segments only before: {_listed(only_b)}")
    if only_a:
        diffs.append(f"segments only after: {_listed(only_a)}")
    common = [s for s in sb.index if s in sa.index]
    moved = [s for s in common
             if not _same_value(sb.at[s, "parent"], sa.at[s, "parent"])
             or not _same_value(sb.at[s, "kind"], sa.at[s, "kind"])]
    if moved:
        diffs.append(f"segments with another parent or kind: {_listed(moved)}")
    fb, fa = _flow_set(tb), _flow_set(ta)
    if fb - fa:
        diffs.append(f"flows only before: {_listed(sorted(fb - fa))}")
    if fa - fb:
        diffs.append(f"flows only after: {_listed(sorted(fa - fb))}")
    if diffs:
        raise ChainDataError(f"the chains have different templates ('{tb.name}' and "
                             f"'{ta.name}'): " + "; ".join(diffs))


def _flow_set(template) -> set[str]:
    f = template.flows
    return {f"{a}→{b}" + ("" if e else " (not essential)")
            for a, b, e in zip(f["from_segment"], f["to_segment"], f["essential"])}


def _same_value(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def _listed(items, limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _no_links_note(before, after) -> str:
    which = [n for n, c in (("before", before), ("after", after)) if not c.has_links]
    return (f"needs supplier–customer links (transactions); {' and '.join(which)} "
            f"{'has' if len(which) == 1 else 'have'} none — a chain map of presence only")


def _analyses(chain: ChainGraph) -> dict:
    """Each analysis's table for ``chain``, or the :class:`ChainDataError` it raised (an
    analysis this chain cannot give, e.g. one that needs links on a chain map)."""
    out = {}

    def run(table, fn):
        try:
            out[table] = fn()
        except ChainDataError as exc:
            out[table] = exc

    run("chokepoints", lambda: chokepoints(chain))
    cp = out["chokepoints"]
    run("segments", lambda: weak_links(
        chain, chokepoint_table=cp if isinstance(cp, pd.DataFrame) else None))
    run("gaps", lambda: gaps(chain))
    run("leads", lambda: lead_firms(chain))
    run("tiers", lambda: tiers(chain, detail=False))
    run("single_sourcing", lambda: single_sourcing(chain))
    return out


# --------------------------------------------------------------------------- #
# firms and links


def _firm_facts(chain: ChainGraph, ids: pd.Index) -> pd.DataFrame:
    """Primary segment, size class and location of each of ``ids`` (missing where not in chain)."""
    codes = chain.segment_codes
    seg = np.where(codes >= 0, chain.segment_ids.to_numpy(dtype=object)[np.maximum(codes, 0)]
                   if len(chain.segment_ids) else None, None)
    facts = pd.DataFrame({
        "segment": pd.array(seg, dtype="string"),
        "size_class": pd.array(chain.firms["size_class"].astype(object).to_numpy(), dtype="string"),
        "location": pd.array(chain.location.astype(str).to_numpy(), dtype="string"),
    }, index=chain.firm_ids)
    return facts.reindex(ids)


def _firm_changes(before, after, ids: pd.Index) -> pd.DataFrame:
    in_b = ids.isin(before.firm_ids)
    in_a = ids.isin(after.firm_ids)
    status = np.where(in_b & in_a, "stayed", np.where(in_b, "exited", "entered"))
    fb, fa = _firm_facts(before, ids), _firm_facts(after, ids)
    out = pd.DataFrame(index=pd.Index(ids, name="firm_id"))
    names = [c.firms["name"] for c in (after, before) if "name" in c.firms.columns]
    if names:
        name = names[0].reindex(ids)
        for more in names[1:]:
            name = name.fillna(more.reindex(ids))
        out["name"] = pd.array(name.astype(object).to_numpy(), dtype="string")
    out["status"] = pd.array(status, dtype="string")
    differs = []
    for col in ("segment", "size_class", "location"):
        out[f"{col}_before"] = fb[col].to_numpy()
        out[f"{col}_after"] = fa[col].to_numpy()
        b, a = fb[col], fa[col]
        differs.append((b.isna() != a.isna()) | (b.fillna("") != a.fillna("")))
    changed = ["; ".join(c for c, d in zip(("segment", "size_class", "location"), row) if d)
               for row in zip(*(d.to_numpy(dtype=bool) for d in differs))]
    out["changed"] = pd.array(np.where(status == "stayed", np.array(changed, dtype=object), None),
                              dtype="string")
    return out


def _edges_in(chain: ChainGraph, ids: pd.Index):
    """The chain's supplier–customer pairs as positions in ``ids`` (keys s·n + c) and amounts."""
    coo = chain.adjacency.tocoo()
    pos = ids.get_indexer(chain.firm_ids).astype(np.int64)
    s, c = pos[coo.row], pos[coo.col]
    return s * len(ids) + c, coo.data.astype(np.float64)


def _link_changes(before, after, ids: pd.Index, firms: pd.DataFrame):
    n = len(ids)
    kb, ab = _edges_in(before, ids)
    ka, aa = _edges_in(after, ids)
    keys = np.union1d(kb, ka)
    amount_b = np.zeros(len(keys))
    amount_a = np.zeros(len(keys))
    amount_b[np.searchsorted(keys, kb)] = ab
    amount_a[np.searchsorted(keys, ka)] = aa
    has_b = np.zeros(len(keys), bool)
    has_a = np.zeros(len(keys), bool)
    has_b[np.searchsorted(keys, kb)] = True
    has_a[np.searchsorted(keys, ka)] = True
    differ = np.abs(amount_a - amount_b) > AMOUNT_RTOL * np.maximum(np.abs(amount_a),
                                                                    np.abs(amount_b))
    code = np.where(~has_b, 0, np.where(~has_a, 1, np.where(differ, 2, 3)))
    order = np.lexsort((-np.maximum(amount_a, amount_b), code))
    keys, amount_b, amount_a, code = keys[order], amount_b[order], amount_a[order], code[order]
    s, c = keys // n, keys % n
    id_values = ids.to_numpy(dtype=object)
    status = np.array(STATUSES["link_pairs"], dtype=object)[code]
    pairs = pd.DataFrame({
        "supplier_id": pd.array(id_values[s], dtype="string"),
        "customer_id": pd.array(id_values[c], dtype="string"),
        "amount_before": amount_b,
        "amount_after": amount_a,
        "status": pd.array(status, dtype="string"),
    })

    seg_b = firms["segment_before"].to_numpy(dtype=object)
    seg_a = firms["segment_after"].to_numpy(dtype=object)
    rows = []
    for side, has, seg, amount in (("before", has_b[order], seg_b, amount_b),
                                   ("after", has_a[order], seg_a, amount_a)):
        part = pd.DataFrame({
            "from_segment": seg[s[has]], "to_segment": seg[c[has]],
            f"n_{side}": 1, f"amount_{side}": amount[has],
            "gained": (code[has] == 0) if side == "after" else False,
            "lost": (code[has] == 1) if side == "before" else False,
            "changed": (code[has] == 2) if side == "after" else False,
        })
        rows.append(part)
    long = pd.concat(rows, ignore_index=True)
    for col in ("from_segment", "to_segment"):
        long[col] = pd.array(long[col].to_numpy(dtype=object), dtype="string")
    by = long.groupby(["from_segment", "to_segment"], dropna=False, sort=False)
    links = by[["n_before", "n_after", "amount_before", "amount_after", "gained", "lost",
                "changed"]].sum().reset_index()
    for col in ("n_before", "n_after", "gained", "lost", "changed"):
        links[col] = links[col].astype(np.int64)
    nb, na_ = links["n_before"].to_numpy(), links["n_after"].to_numpy()
    mb, ma = links["amount_before"].to_numpy(), links["amount_after"].to_numpy()
    moved = (links["gained"] + links["lost"] + links["changed"]).to_numpy() > 0
    links["status"] = pd.array(np.where(nb == 0, "gained", np.where(na_ == 0, "lost", np.where(
        moved | (nb != na_) | (np.abs(ma - mb) > AMOUNT_RTOL * np.maximum(ma, mb)),
        "changed", "same"))), dtype="string")
    order = np.argsort(-np.abs(ma - mb), kind="stable")
    return pairs, links.iloc[order].reset_index(drop=True)


def _empty_link_pairs() -> pd.DataFrame:
    return pd.DataFrame({"supplier_id": pd.array([], dtype="string"),
                         "customer_id": pd.array([], dtype="string"),
                         "amount_before": pd.Series([], dtype=float),
                         "amount_after": pd.Series([], dtype=float),
                         "status": pd.array([], dtype="string")})


def _empty_links() -> pd.DataFrame:
    out = pd.DataFrame({"from_segment": pd.array([], dtype="string"),
                        "to_segment": pd.array([], dtype="string")})
    for col in ("n_before", "n_after"):
        out[col] = pd.Series([], dtype=np.int64)
    for col in ("amount_before", "amount_after"):
        out[col] = pd.Series([], dtype=float)
    for col in ("gained", "lost", "changed"):
        out[col] = pd.Series([], dtype=np.int64)
    out["status"] = pd.array([], dtype="string")
    return out


# --------------------------------------------------------------------------- #
# segments and gaps


def _segment_changes(wb: pd.DataFrame, wa: pd.DataFrame) -> pd.DataFrame:
    index = wb.index.append(wa.index[~wa.index.isin(wb.index)])
    wb, wa = wb.reindex(index), wa.reindex(index)
    out = pd.DataFrame(index=pd.Index(index, name="segment_id"))
    out["name"] = wa["name"].fillna(wb["name"]) if "name" in wa.columns else pd.NA
    out["weakness_before"] = wb["weakness"]
    out["weakness_after"] = wa["weakness"]
    rank = {w: i for i, w in enumerate(WEAKNESS_CLASSES)}  # most severe first
    rb = wb["weakness"].astype(object).map(rank).to_numpy(dtype=float)
    ra = wa["weakness"].astype(object).map(rank).to_numpy(dtype=float)
    known = ~np.isnan(rb) & ~np.isnan(ra)
    change = np.where(~known, "unknown", np.where(ra < rb, "worse", np.where(ra > rb, "better",
                                                                            "same")))
    out["change"] = pd.array(change, dtype="string")
    for col in ("severity", "local_share", "n_local", "n_firms"):
        out[f"{col}_before"] = wb[col]
        out[f"{col}_after"] = wa[col]
    return out


def _empty_segments() -> pd.DataFrame:
    cols = ["name", "weakness_before", "weakness_after", "change", "severity_before",
            "severity_after", "local_share_before", "local_share_after", "n_local_before",
            "n_local_after", "n_firms_before", "n_firms_after"]
    return pd.DataFrame(columns=cols, index=pd.Index([], name="segment_id", dtype="string"))


_GAP_KEY = ["segment_id", "to_segment", "kind"]


def _gap_changes(gb: pd.DataFrame, ga: pd.DataFrame) -> pd.DataFrame:
    def keyed(g):
        k = g[_GAP_KEY].astype(object).fillna("")
        return g.assign(_key=k["segment_id"] + "|" + k["to_segment"] + "|" + k["kind"])

    gb, ga = keyed(gb), keyed(ga)
    merged = gb[[*_GAP_KEY, "name", "severity", "_key"]].merge(
        ga[[*_GAP_KEY, "name", "severity", "_key"]], on="_key", how="outer",
        suffixes=("_before", "_after"), sort=False)
    out = pd.DataFrame()
    for col in (*_GAP_KEY, "name"):
        out[col] = merged[f"{col}_after"].fillna(merged[f"{col}_before"]).astype("string")
    has_b, has_a = merged["severity_before"].notna(), merged["severity_after"].notna()
    out["status"] = pd.array(np.where(has_b & has_a, "persisting",
                                      np.where(has_b, "closed", "opened")), dtype="string")
    out["severity_before"] = merged["severity_before"].to_numpy(dtype=float)
    out["severity_after"] = merged["severity_after"].to_numpy(dtype=float)
    return _sorted(out, "gaps", np.fmax(out["severity_before"], out["severity_after"]))


def _empty_gaps() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.array([], dtype="string") for c in (*_GAP_KEY, "name", "status")})
    out["severity_before"] = pd.Series([], dtype=float)
    out["severity_after"] = pd.Series([], dtype=float)
    return out


def _sorted(df: pd.DataFrame, table: str, size) -> pd.DataFrame:
    """Rows by status (in the order of :data:`STATUSES`), then larger ``size`` first."""
    col = STATUS_COLUMN[table]
    rank = df[col].map({s: i for i, s in enumerate(STATUSES[table])}).to_numpy(dtype=float)
    order = np.lexsort((-np.nan_to_num(np.asarray(size, dtype=float), nan=-np.inf), rank))
    out = df.iloc[order]
    return out.reset_index(drop=True) if isinstance(df.index, pd.RangeIndex) else out


# --------------------------------------------------------------------------- #
# leads, tiers, chokepoints, single sourcing


def _lead_changes(lb: pd.DataFrame, la: pd.DataFrame) -> pd.DataFrame:
    def flag(lf, ids):
        v = lf["is_lead"].reindex(ids).astype("boolean")
        present = pd.Series(ids.isin(lf.index), index=ids)
        return v.where(present, False)  # a firm not in the chain is not a lead there

    listed = lambda lf: lf.index[lf["is_lead"].astype("boolean").fillna(False).to_numpy(bool)]
    ids = listed(lb).append(listed(la)).unique()
    ids = pd.Index(ids, name="firm_id")
    b, a = flag(lb, ids), flag(la, ids)
    bt, at = b.fillna(False).to_numpy(bool), a.fillna(False).to_numpy(bool)
    unknown = (b.isna() & at) | (a.isna() & bt)
    status = np.where(unknown, "unknown", np.where(bt & at, "stayed",
                                                   np.where(at, "entered", "left")))
    out = pd.DataFrame(index=ids)
    out["status"] = pd.array(status, dtype="string")
    out["rank_before"] = lb["rank"].reindex(ids).astype("Int64")
    out["rank_after"] = la["rank"].reindex(ids).astype("Int64")
    out["rank_change"] = out["rank_before"] - out["rank_after"]
    out["score_before"] = lb["lead_score"].reindex(ids).astype(float)
    out["score_after"] = la["lead_score"].reindex(ids).astype(float)
    out["is_lead_before"] = b.to_numpy()
    out["is_lead_after"] = a.to_numpy()
    return _sorted(out, "leads", -out["rank_after"].astype(float).fillna(np.inf))


def _empty_leads() -> pd.DataFrame:
    out = pd.DataFrame({"status": pd.array([], dtype="string")},
                       index=pd.Index([], name="firm_id", dtype="string"))
    for col in ("rank_before", "rank_after", "rank_change"):
        out[col] = pd.Series([], dtype="Int64")
    for col in ("score_before", "score_after"):
        out[col] = pd.Series([], dtype=float)
    for col in ("is_lead_before", "is_lead_after"):
        out[col] = pd.Series([], dtype="boolean")
    return out


def _tier_levels(t: pd.DataFrame, ids, ladder) -> tuple[np.ndarray, np.ndarray]:
    """Tier and possible tier as levels: 0 none, 1 … len(ladder) along the ladder."""
    out = []
    for col in ("tier", "tier_possible"):
        values = t[col].reindex(ids).astype(object).to_numpy()
        out.append(np.array([0 if pd.isna(v) else 1 + ladder.index(v) for v in values]))
    return out[0], out[1]


def _tier_changes(tb: pd.DataFrame, ta: pd.DataFrame) -> pd.DataFrame:
    ids = pd.Index(tb.index[tb.index.isin(ta.index)], name="firm_id")
    cats = tb["tier"].dtype.categories if hasattr(tb["tier"].dtype, "categories") else []
    ladder = list(cats) + [c for c in getattr(ta["tier"].dtype, "categories", []) if c not in cats]
    lo_b, hi_b = _tier_levels(tb, ids, ladder)
    lo_a, hi_a = _tier_levels(ta, ids, ladder)
    move = np.where(hi_b < lo_a, "up", np.where(hi_a < lo_b, "down", np.where(
        (lo_b == hi_b) & (lo_a == hi_a) & (lo_b == lo_a), "same", "unknown")))
    out = pd.DataFrame(index=ids)
    for col in ("tier", "tier_possible"):
        out[f"{col}_before"] = tb[col].reindex(ids)
        out[f"{col}_after"] = ta[col].reindex(ids)
    out["move"] = pd.array(move, dtype="string")
    return out


def _empty_tiers() -> pd.DataFrame:
    cols = ["tier_before", "tier_after", "tier_possible_before", "tier_possible_after"]
    out = pd.DataFrame({c: pd.array([], dtype="string") for c in cols},
                       index=pd.Index([], name="firm_id", dtype="string"))
    out["move"] = pd.array([], dtype="string")
    return out


def _chokepoint_changes(cb: pd.DataFrame, ca: pd.DataFrame) -> pd.DataFrame:
    ids = pd.Index(cb.index.append(ca.index[~ca.index.isin(cb.index)]), name="firm_id")
    in_b, in_a = ids.isin(cb.index), ids.isin(ca.index)
    out = pd.DataFrame(index=ids)
    out["status"] = pd.array(np.where(in_b & in_a, "persisting", np.where(in_b, "dissolved", "new")),
                             dtype="string")
    out["segment_id"] = ca["segment_id"].reindex(ids).fillna(cb["segment_id"].reindex(ids))
    out["rule_before"] = cb["rule"].reindex(ids)
    out["rule_after"] = ca["rule"].reindex(ids)
    out["cut_amount_before"] = cb["cut_amount"].reindex(ids).astype(float)
    out["cut_amount_after"] = ca["cut_amount"].reindex(ids).astype(float)
    return _sorted(out, "chokepoints", np.fmax(out["cut_amount_before"], out["cut_amount_after"]))


def _empty_chokepoints() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.array([], dtype="string")
                        for c in ("status", "segment_id", "rule_before", "rule_after")},
                       index=pd.Index([], name="firm_id", dtype="string"))
    out["cut_amount_before"] = pd.Series([], dtype=float)
    out["cut_amount_after"] = pd.Series([], dtype=float)
    return out


def _single_sourcing_changes(sb: pd.DataFrame, sa: pd.DataFrame) -> pd.DataFrame:
    key = ["customer_id", "segment_id"]
    merged = sb[[*key, "supplier_id", "amount"]].merge(
        sa[[*key, "supplier_id", "amount"]], on=key, how="outer", suffixes=("_before", "_after"),
        sort=False, indicator=True)
    side = merged["_merge"].astype(str).to_numpy()
    out = merged[key].astype("string").copy()
    out["status"] = pd.array(np.where(side == "both", "persisting",
                                      np.where(side == "left_only", "dissolved", "new")),
                             dtype="string")
    out["supplier_before"] = merged["supplier_id_before"].astype("string")
    out["supplier_after"] = merged["supplier_id_after"].astype("string")
    out["amount_before"] = merged["amount_before"].to_numpy(dtype=float)
    out["amount_after"] = merged["amount_after"].to_numpy(dtype=float)
    return _sorted(out.reset_index(drop=True), "single_sourcing",
                   np.fmax(out["amount_before"], out["amount_after"]))


def _empty_single_sourcing() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.array([], dtype="string")
                        for c in ("customer_id", "segment_id", "status", "supplier_before",
                                  "supplier_after")})
    out["amount_before"] = pd.Series([], dtype=float)
    out["amount_after"] = pd.Series([], dtype=float)
    return out


#: How each table is built from the two chains' analysis outputs, and its empty form.
_BUILDERS = {"segments": _segment_changes, "gaps": _gap_changes, "leads": _lead_changes,
             "tiers": _tier_changes, "chokepoints": _chokepoint_changes,
             "single_sourcing": _single_sourcing_changes}
_EMPTY = {"segments": _empty_segments, "gaps": _empty_gaps, "leads": _empty_leads,
          "tiers": _empty_tiers, "chokepoints": _empty_chokepoints,
          "single_sourcing": _empty_single_sourcing}
