"""What changed in a chain between two years (年度变化): :func:`compare` → :class:`ChainChange`.

Firms are matched by ``firm_id``; supplier–customer pairs by their two ids;
segments, gaps, lead firms, tiers, chokepoints and single-sourced inputs by
what the analyses report for each chain, run with their documented defaults
on each chain alone. The change tables are built from those outputs with
pandas; nothing here recomputes an analysis.

Why this module is long: one question, :func:`compare`, and what it returns,
:class:`ChainChange` with its tables, summary and writers; about 215 of its lines are the
documentation of every table and status value.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph import schema
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
        more than 1e-9 relative, ``same``); gained, lost and changed pairs in
        that order, larger amounts first, then the same pairs in firm order.
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
            ``notes``). Every status word of :data:`STATUSES` is listed,
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
    * a supplier–customer pair with amounts ``a₀`` before and ``a₁`` after is
      ``gained`` (no pair before), ``lost`` (none after), ``changed``
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

    ids = before.firm_ids.append(after.firm_ids[~_member(after.firm_ids, before.firm_ids)])
    firms, segments, seg_b, seg_a = _firm_changes(before, after, ids)
    if before.has_links and after.has_links:
        link_pairs, links = _link_changes(before, after, ids, segments, seg_b, seg_a)
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
    if not isinstance(labels, (tuple, list)) or len(labels) != 2 \
            or not all(isinstance(x, str) for x in labels):
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


def _member(values, ids: pd.Index) -> np.ndarray:
    """Whether each of ``values`` is in ``ids`` (Arrow's hash lookup: ``isin`` on Arrow strings
    goes through Python lists)."""
    return schema.positions(pd.Series(np.asarray(values, dtype=object)), ids) >= 0


def _take(values, positions: np.ndarray):
    """``values[positions]`` as a string array, missing where a position is −1."""
    return pd.array(np.asarray(values, dtype=object), dtype="string").take(positions,
                                                                          allow_fill=True)


def _firm_facts(chain: ChainGraph, ids: pd.Index, segments: pd.Index) -> dict:
    """Primary segment, size class and location of each of ``ids`` (missing where not in the
    chain), as string arrays, and each firm's segment as a position in ``segments`` (−1: none
    or not in the chain)."""
    pos = schema.positions(pd.Series(ids.to_numpy(dtype=object)), chain.firm_ids).astype(np.int64)
    inside = pos >= 0
    own = np.where(inside, chain.segment_codes[np.maximum(pos, 0)], -1).astype(np.int64)
    to_union = np.append(segments.get_indexer(chain.segment_ids), -1).astype(np.int64)
    codes = to_union[own]  # own == −1 takes the appended −1
    loc = np.where(inside, chain.location_codes[np.maximum(pos, 0)], -1).astype(np.int64)
    return {
        "segment": _take(segments, codes),
        "size_class": _take(chain.firms["size_class"], pos),
        "location": _take(["local", "outside", "foreign"], loc),
        "name": _take(chain.firms["name"], pos) if "name" in chain.firms.columns else None,
        "codes": codes,
        "inside": inside,
    }


def _firm_changes(before, after, ids: pd.Index):
    """The firms table, the segments of both chains, and each firm's position among them in
    before and after (for the links)."""
    segments = before.segment_ids.append(
        after.segment_ids[~after.segment_ids.isin(before.segment_ids)])
    fb, fa = _firm_facts(before, ids, segments), _firm_facts(after, ids, segments)
    in_b, in_a = fb["inside"], fa["inside"]
    status = pd.array(list(STATUSES["firms"]), dtype="string").take(
        np.where(in_b & in_a, 2, np.where(in_b, 1, 0)))
    out = pd.DataFrame(index=pd.Index(ids, name="firm_id"))
    names = [pd.Series(f["name"]) for f in (fa, fb) if f["name"] is not None]
    if names:  # the name in after, else the name in before
        out["name"] = (names[0].fillna(names[1]) if len(names) == 2 else names[0]).array
    out["status"] = status
    differs = []
    for col in ("segment", "size_class", "location"):
        b, a = pd.Series(fb[col]), pd.Series(fa[col])
        out[f"{col}_before"] = fb[col]
        out[f"{col}_after"] = fa[col]
        differs.append(((b.isna() != a.isna()) | (b.fillna("") != a.fillna(""))).to_numpy(bool))
    stayed = in_b & in_a
    words = np.array(["segment", "size_class", "location"], dtype=object)
    flags = np.column_stack(differs)
    changed = np.full(len(ids), None, dtype=object)
    changed[stayed] = ""
    for row in np.flatnonzero(stayed & flags.any(axis=1)):
        changed[row] = "; ".join(words[flags[row]])
    out["changed"] = pd.array(changed, dtype="string")
    return out, segments, fb["codes"], fa["codes"]


def _sorted_edges(chain: ChainGraph, ids: pd.Index):
    """The chain's supplier–customer pairs as positions in ``ids`` (keys s·n + c, ascending)
    and their amounts."""
    coo = chain.adjacency.tocoo()
    pos = schema.positions(pd.Series(chain.firm_ids.to_numpy(dtype=object)), ids).astype(np.int64)
    keys = pos[coo.row] * len(ids) + pos[coo.col]
    amounts = coo.data.astype(np.float64)
    if len(keys) > 1 and (keys[1:] < keys[:-1]).any():  # firms in another order than ``ids``
        order = np.argsort(keys, kind="stable")
        keys, amounts = keys[order], amounts[order]
    return keys, amounts


def _link_changes(before, after, ids: pd.Index, segments: pd.Index, seg_b: np.ndarray,
                  seg_a: np.ndarray):
    """The link-pair table and the segment-pair table (each firm's position in ``segments``
    in before and after, −1 for none)."""
    n = len(ids)
    kb, ab = _sorted_edges(before, ids)
    ka, aa = _sorted_edges(after, ids)
    both = np.concatenate([kb, ka])
    both.sort(kind="stable")  # two sorted runs: a merge
    keys = both[np.concatenate([[True], both[1:] != both[:-1]])] if len(both) else both
    ib, ia = np.searchsorted(keys, kb), np.searchsorted(keys, ka)
    amount_b, amount_a = np.zeros(len(keys)), np.zeros(len(keys))
    has_b, has_a = np.zeros(len(keys), bool), np.zeros(len(keys), bool)
    amount_b[ib], amount_a[ia] = ab, aa
    has_b[ib], has_a[ia] = True, True
    differ = np.abs(amount_a - amount_b) > AMOUNT_RTOL * np.maximum(np.abs(amount_a),
                                                                    np.abs(amount_b))
    code = np.where(~has_b, 0, np.where(~has_a, 1, np.where(differ, 2, 3)))
    moved = np.flatnonzero(code < 3)  # the pairs that changed, larger amounts first; then the rest
    moved = moved[np.lexsort((-np.maximum(amount_a, amount_b)[moved], code[moved]))]
    order = np.concatenate([moved, np.flatnonzero(code == 3)])
    keys, amount_b, amount_a, code = keys[order], amount_b[order], amount_a[order], code[order]
    has_b, has_a = has_b[order], has_a[order]
    s, c = keys // n, keys % n
    pairs = pd.DataFrame({
        "supplier_id": ids.take(s).astype("string").array,
        "customer_id": ids.take(c).astype("string").array,
        "amount_before": amount_b,
        "amount_after": amount_a,
        "status": pd.array(list(STATUSES["link_pairs"]), dtype="string").take(code),
    })
    return pairs, _segment_pairs(segments, s, c, seg_b, seg_a, has_b, has_a, amount_b,
                                 amount_a, code)


def _segment_pairs(segments, s, c, seg_b, seg_a, has_b, has_a, amount_b, amount_a, code):
    """Link pairs summed by (from segment, to segment), each side in its own chain's segments."""
    k = len(segments) + 1  # code 0: no segment
    kb = (seg_b[s] + 1) * k + (seg_b[c] + 1)
    ka = (seg_a[s] + 1) * k + (seg_a[c] + 1)

    def total(key, mask, weights=None):
        return np.bincount(key[mask], weights=None if weights is None else weights[mask],
                           minlength=k * k)

    n_b, n_a = total(kb, has_b), total(ka, has_a)
    m_b, m_a = total(kb, has_b, amount_b), total(ka, has_a, amount_a)
    gained, lost, changed = total(ka, code == 0), total(kb, code == 1), total(ka, code == 2)
    cells = np.flatnonzero((n_b > 0) | (n_a > 0))
    names = pd.array([pd.NA, *segments], dtype="string")
    nb, na_, mb, ma = n_b[cells], n_a[cells], m_b[cells], m_a[cells]
    moved = (gained[cells] + lost[cells] + changed[cells]) > 0
    status = np.where(nb == 0, 0, np.where(na_ == 0, 1, np.where(
        moved | (nb != na_) | (np.abs(ma - mb) > AMOUNT_RTOL * np.maximum(ma, mb)), 2, 3)))
    links = pd.DataFrame({
        "from_segment": names.take(cells // k),
        "to_segment": names.take(cells % k),
        "n_before": nb.astype(np.int64), "n_after": na_.astype(np.int64),
        "amount_before": mb, "amount_after": ma,
        "gained": gained[cells].astype(np.int64), "lost": lost[cells].astype(np.int64),
        "changed": changed[cells].astype(np.int64),
        "status": pd.array(list(STATUSES["links"]), dtype="string").take(status),
    })
    order = np.argsort(-np.abs(ma - mb), kind="stable")
    return links.iloc[order].reset_index(drop=True)


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
    def listed(lf):
        return lf.index[lf["is_lead"].astype("boolean").fillna(False).to_numpy(bool)]

    ids = pd.Index(listed(lb).append(listed(la)).unique(), name="firm_id")
    rows = {}
    for side, lf in (("before", lb), ("after", la)):
        pos = schema.positions(pd.Series(ids.to_numpy(dtype=object)), lf.index).astype(np.int64)
        take = np.maximum(pos, 0)
        flag = lf["is_lead"].astype("boolean").array.take(take)
        # a firm not in the chain is not a lead there
        rows[side] = (pd.Series(flag, index=ids).where(pos >= 0, False).astype("boolean"),
                      pos, take, lf)
    b, a = rows["before"][0], rows["after"][0]
    bt, at = b.fillna(False).to_numpy(bool), a.fillna(False).to_numpy(bool)
    unknown = (b.isna().to_numpy() & at) | (a.isna().to_numpy() & bt)
    status = np.where(unknown, 3, np.where(bt & at, 2, np.where(at, 0, 1)))
    out = pd.DataFrame(index=ids)
    out["status"] = pd.array(list(STATUSES["leads"]), dtype="string").take(status)
    for col, source, dtype in (("rank", "rank", "Int64"), ("score", "lead_score", "float64")):
        for side in ("before", "after"):
            _, pos, take, lf = rows[side]
            values = pd.Series(lf[source].to_numpy()[take], index=ids).where(pos >= 0)
            out[f"{col}_{side}"] = values.astype(dtype)
        if col == "rank":
            out["rank_change"] = out["rank_before"] - out["rank_after"]
    out["is_lead_before"] = b.array
    out["is_lead_after"] = a.array
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


def _tier_levels(t: pd.DataFrame, pos: np.ndarray, ladder) -> tuple[np.ndarray, np.ndarray]:
    """Tier and possible tier of the rows ``pos`` of ``t`` as levels: 0 none, 1 … len(ladder)."""
    return tuple(pd.Categorical(t[col].astype(object).to_numpy()[pos], categories=ladder).codes
                 .astype(np.int64) + 1 for col in ("tier", "tier_possible"))


def _tier_changes(tb: pd.DataFrame, ta: pd.DataFrame) -> pd.DataFrame:
    pa_ = schema.positions(pd.Series(tb.index.to_numpy(dtype=object)), ta.index).astype(np.int64)
    pb = np.flatnonzero(pa_ >= 0)
    pa_ = pa_[pb]
    ids = pd.Index(tb.index[pb], name="firm_id")
    ladder = list(getattr(tb["tier"].dtype, "categories", []))
    ladder += [c for c in getattr(ta["tier"].dtype, "categories", []) if c not in ladder]
    lo_b, hi_b = _tier_levels(tb, pb, ladder)
    lo_a, hi_a = _tier_levels(ta, pa_, ladder)
    move = np.where(hi_b < lo_a, 0, np.where(hi_a < lo_b, 1, np.where(
        (lo_b == hi_b) & (lo_a == hi_a) & (lo_b == lo_a), 2, 3)))
    out = pd.DataFrame(index=ids)
    for col in ("tier", "tier_possible"):
        out[f"{col}_before"] = tb[col].iloc[pb].array
        out[f"{col}_after"] = ta[col].iloc[pa_].array
    out["move"] = pd.array(list(STATUSES["tiers"]), dtype="string").take(move)
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
