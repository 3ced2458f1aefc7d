"""补链 what-if: what adding or removing firms and links would change (:func:`what_if` → :class:`WhatIf`).

The chain after the change is built through :meth:`ChainGraph.from_frames`,
so added rows are checked exactly as a chain's own rows are, and every error
names the rows of the added table (``add_firms``, ``add_links``,
``add_presence``). The change is then :func:`~chaingraph.compare` of the
chain before and after, plus the change in the 融通 index and in systemic risk.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chaingraph import _presence, schema
from chaingraph.analysis._common import with_place
from chaingraph.analysis._esri_inputs import largest_output, output_weight
from chaingraph.analysis.change import ChainChange, _member, compare
from chaingraph.analysis.integration import integration
from chaingraph.analysis.resilience import systemic_risk
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["what_if", "WhatIf", "RISK_ALL_FIRMS", "RISK_LARGEST"]

#: Up to this many firms, systemic risk is compared for every firm; above, for the
#: :data:`RISK_LARGEST` firms with the largest output (as the report does).
RISK_ALL_FIRMS = 5000
RISK_LARGEST = 1000


@dataclass
class WhatIf:
    """What :func:`what_if` returns.

    Attributes
    ----------
    before, after : ChainGraph
        The chain as it is and as it would be.
    change : ChainChange
        :func:`~chaingraph.compare` of ``before`` and ``after`` (labels
        ``before``, ``after``); its tables are also attributes of this object
        (``what.gaps`` is ``what.change.gaps``).
    integration : DataFrame
        Indexed by ``component``: the row ``score`` (the 融通 index, 0–100)
        and one row per component of :func:`~chaingraph.integration` (its
        ``value``, 0–1), with columns ``before``, ``after`` and ``change``
        (after − before). Empty when either chain has no links.
    risk : DataFrame
        Indexed by ``firm_id``, the firms whose systemic risk was compared,
        highest before first: ``esri_before``, ``esri_after``, ``change``
        (after − before). Empty when not computed.
    risk_total : Series
        ``before``, ``after``, ``change``: the output-weighted mean ESRI of
        those firms, ``Σ_i w_i ESRI_i / Σ_i w_i`` with ``w_i`` the firm's
        output before (ESRI's own weight,
        :func:`~chaingraph.analysis.resilience.output_weight`: revenue where
        known, else the larger of network sales and purchases, so a final
        assembler counts; the same weights on both sides) — the expected
        share of the chain's output lost when one of them, drawn in
        proportion to its output, stops. Missing when not computed.
    notes : dict
        Why a part is empty, and which firms and settings the risk uses.
    """

    before: ChainGraph
    after: ChainGraph
    change: ChainChange
    integration: pd.DataFrame
    risk: pd.DataFrame
    risk_total: pd.Series
    notes: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """The change's counts by table and status (:meth:`ChainChange.summary`)."""
        return self.change.summary()

    def __repr__(self) -> str:
        parts = [repr(self.change).replace("<ChainChange before → after: ", "").rstrip(">")]
        if len(self.integration):
            s = self.integration.loc["score"]
            parts.append(f"融通 index {s['before']:.1f} → {s['after']:.1f}")
        if self.risk_total.notna().all():
            parts.append(f"mean ESRI {self.risk_total['before']:.4f} → "
                         f"{self.risk_total['after']:.4f}")
        return "<WhatIf " + "; ".join(parts) + ">"

    def _repr_html_(self) -> str:
        out = [f"<div><p><code>{html.escape(repr(self))}</code></p>"]
        if len(self.integration):
            out.append("<p><b>integration (融通)</b></p>" + self.integration.to_html(escape=True))
        if len(self.risk):
            out.append("<p><b>systemic risk (ESRI), the firms most at risk before</b></p>"
                       + self.risk.head(10).to_html(escape=True))
        for key, note in self.notes.items():
            out.append(f"<p>{html.escape(key)}: {html.escape(note)}</p>")
        return "".join(out) + self.change._repr_html_() + "</div>"

    def to_excel(self, path) -> None:
        """The change tables (:meth:`ChainChange.to_excel`) with ``integration`` and ``risk``
        sheets, in one workbook."""
        from chaingraph._excel import save_workbook

        sheets = {"summary": self.summary().reset_index()}
        for table in ChainChange.TABLES:
            df = getattr(self.change, table)
            sheets[table] = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
        sheets["integration"] = self.integration.reset_index()
        sheets["risk"] = self.risk.reset_index()
        sheets["notes"] = pd.DataFrame({"item": list(self.notes) or ["-"],
                                        "note": list(self.notes.values()) or [""]})
        save_workbook(path, sheets)


def _change_table(name: str) -> property:
    return property(lambda self: getattr(self.change, name),
                    doc=f"``change.{name}`` (see :class:`~chaingraph.ChainChange`).")


for _name in ChainChange.TABLES:  # the change tables, as attributes of the what-if itself
    setattr(WhatIf, _name, _change_table(_name))


def what_if(chain: ChainGraph, *, add_firms: pd.DataFrame | None = None,
            add_links: pd.DataFrame | None = None, add_presence: pd.DataFrame | None = None,
            remove_firms=None, remove_links: pd.DataFrame | None = None, risk: bool = True,
            risk_firms=None) -> WhatIf:
    """补链 what-if (招商 scenario): the chain with firms or links added or removed, and what changes.

    ``after`` = the chain without ``remove_firms`` (and their links and
    presence rows) and without every link row of the pairs in
    ``remove_links``, plus ``add_firms``, ``add_links`` and ``add_presence``,
    built by :meth:`~chaingraph.ChainGraph.from_frames` with the same
    template, home and region. Then:

    * ``change = compare(before, after)`` (:func:`~chaingraph.compare`): firms,
      links, segments, gaps closed or opened, lead firms, tier moves,
      chokepoints dissolved or new, single sourcing;
    * ``integration``: the 融通 index and its components before and after
      (:func:`~chaingraph.integration`);
    * ``risk``: each firm's ESRI before and after
      (:func:`~chaingraph.systemic_risk` with ``sector="segment_id"``,
      ``essentiality="template"`` and ``replaceability=True`` when the firms
      have a ``segment_id`` and the template has flows — a firm with a
      second supplier of its inputs loses less when one stops — else
      ``essentiality="linear"`` without replaceability; exact (``tol=None``); the
      default firm weights), and the output-weighted mean over those firms
      (``risk_total``). The firms are ``risk_firms``, by default every firm
      of a chain of up to 5,000 firms, else the 1,000 with the largest output
      (:func:`~chaingraph.analysis.resilience.largest_output`);
      only firms in both chains count.

    Parameters
    ----------
    chain : ChainGraph
    add_firms : DataFrame, optional
        New firms, columns as a firms table (``firm_id`` required; give a
        transaction chain's new firms a ``segment_id``). An id already in the
        chain (and not removed) is an error.
    add_links : DataFrame, optional
        New links (``supplier_id``, ``customer_id``, and ``amount`` when the
        chain's links have amounts), between firms of the chain or added ones.
        A pair the chain already has is summed with it, as for any repeated
        pair (a warning says so). In a chain of one year (:attr:`ChainGraph.year`)
        added links without a ``year`` column are of that year.
    add_presence : DataFrame, optional
        New presence rows of a chain map (a chain with a presence table):
        checked together with the chain's own rows (a pair the chain has, or
        shares of a segment summing above 1.01, is an error naming the added rows).
    remove_firms : iterable of firm ids, optional
    remove_links : DataFrame, optional
        ``supplier_id``, ``customer_id``: pairs whose link rows are removed
        (every row of the pair).
    risk : bool, default True
        Compare systemic risk (skipped, with a note, for a chain without links).
    risk_firms : iterable of firm ids, optional
        The firms whose ESRI is compared (see above).

    Returns
    -------
    WhatIf
        ``before``, ``after``, ``change`` (whose tables ``firms``,
        ``link_pairs``, ``links``, ``segments``, ``gaps``, ``leads``,
        ``tiers``, ``chokepoints``, ``single_sourcing`` are also attributes),
        ``integration``, ``risk``, ``risk_total`` and ``notes``; the columns
        are listed in :class:`WhatIf` and :class:`~chaingraph.ChainChange`.

    Raises
    ------
    ChainDataError
        A problem in an added table, as :meth:`~chaingraph.ChainGraph.from_frames`
        finds it, naming that table (``add_firms``, ``add_links``,
        ``add_presence``) and its rows; an added firm already in the chain; a
        removed firm or pair not in the chain (naming ``remove_firms`` /
        ``remove_links`` and the positions or rows); presence rows for a
        chain without a presence table.
    TypeError
        An added or removed table that is not a DataFrame.

    References
    ----------
    补链/强链 as in 鲁工信发〔2021〕5号; ESRI: C. Diem, A. Borsos, T. Reisch,
    J. Kertész, S. Thurner, "Quantifying firm-level economic systemic risk
    from nation-wide supply networks", Sci. Rep. 12:7719 (2022).

    Examples
    --------
    Shandong has no local maker of lithium resources (锂资源) since 2023. A
    local one, selling to two local electrolyte makers, closes that gap:

    >>> import pandas as pd, chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> new = pd.DataFrame({"firm_id": ["NEW1"], "segment_id": ["lithium_resources"],
    ...                     "city": ["枣庄"], "province": ["山东"], "country": ["CN"],
    ...                     "employees": [300], "revenue": [50000.0]})
    >>> sales = pd.DataFrame({"supplier_id": ["NEW1", "NEW1"],
    ...                       "customer_id": ["NEV01807", "NEV00454"],
    ...                       "amount": [800.0, 600.0]})
    >>> what = cg.what_if(chain, add_firms=new, add_links=sales, risk=False)
    >>> g = what.gaps.set_index(["segment_id", "kind"])
    >>> g.loc[("lithium_resources", "no_local"), "status"]
    'closed'
    >>> what.firms.loc["NEW1", ["status", "location_after"]].tolist()
    ['entered', 'local']
    """
    for name, df in (("add_firms", add_firms), ("add_links", add_links),
                     ("add_presence", add_presence), ("remove_links", remove_links)):
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
    notes: dict[str, str] = {}
    removed = _removed_firms(chain, remove_firms)
    keep = ~chain.firm_ids.isin(removed)
    firms = chain.firms.reset_index()[keep]
    new_firms = _checked_new_firms(chain, add_firms, firms["firm_id"])
    ids = pd.Index(firms["firm_id"]).append(
        pd.Index(new_firms["firm_id"]) if new_firms is not None else pd.Index([]))
    links = _kept_links(chain, keep, remove_links) if chain.has_links else None
    new_links = _checked_new_links(chain, add_links, ids)
    if new_links is not None:
        links = new_links if links is None else pd.concat([links, new_links], ignore_index=True)
    presence = None
    if chain.has_presence:
        presence = chain.presence[_member(chain.presence["firm_id"], ids)]
    if add_presence is not None:
        presence = _with_new_presence(chain, presence, add_presence, ids)

    if links is not None and len(links) == 0:
        raise ChainDataError("no link of the chain would be left: a chain with links needs at "
                             "least one", source="remove_links" if remove_links is not None
                             else "remove_firms")
    all_firms = firms if new_firms is None else pd.concat([firms, new_firms], ignore_index=True)
    after = ChainGraph.from_frames(all_firms, links, chain.template, presence=presence,
                                   region=chain.region, home=chain.home)
    change = compare(chain, after, labels=("before", "after"))
    tables = (_integration_change(chain, after, notes),
              *_risk_change(chain, after, risk, risk_firms, notes))
    for table in tables:
        with_place(table, after)
    return WhatIf(chain, after, change, *tables, notes=notes)


# --------------------------------------------------------------------------- #
# the tables after the change


def _sourced(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """``df`` (a shallow copy) whose errors name ``source``, rows as its index labels."""
    out = df.copy(deep=False)
    out.attrs = {"source": source}
    return out


def _checked(build):
    """``build()``, whose firms table is the chain's and the added firms: a firm not in it is
    named as such (the ``unknown_firms`` option of from_frames is no option here)."""
    try:
        return build()
    except ChainDataError as exc:
        if exc.option is None:
            raise
        raise ChainDataError(
            exc.problem.replace("not in the firms table", "neither in the chain nor in add_firms"),
            source=exc.source, column=exc.column, rows=exc.rows) from None


def _removed_firms(chain: ChainGraph, remove_firms) -> list:
    if remove_firms is None:
        return []
    ids = [remove_firms] if isinstance(remove_firms, str) else list(remove_firms)
    pos = chain.firm_ids.get_indexer(ids)
    bad = [k for k, p in enumerate(pos) if p < 0]
    if bad:
        raise ChainDataError(f"{len(bad)} firms not in the chain: "
                             f"{schema._examples([ids[k] for k in bad])}",
                             source="remove_firms", rows=bad)
    return ids


def _checked_new_firms(chain: ChainGraph, add_firms, kept_ids: pd.Series):
    """The added firms checked as a firms table (errors name ``add_firms``)."""
    if add_firms is None:
        return None
    checked = ChainGraph.from_frames(_sourced(add_firms, "add_firms"), None, chain.template,
                                     home=chain.home)
    new = checked.firms.reset_index()
    clash = _member(new["firm_id"], pd.Index(kept_ids))
    if clash.any():
        raise ChainDataError(f"firms already in the chain: {schema._examples(new['firm_id'][clash])}",
                             source="add_firms", column="firm_id",
                             rows=[schema._python_scalar(v) for v in add_firms.index[clash]])
    return new


def _kept_links(chain: ChainGraph, keep: np.ndarray, remove_links) -> pd.DataFrame:
    s = chain.firm_ids.get_indexer(chain.links["supplier_id"])
    c = chain.firm_ids.get_indexer(chain.links["customer_id"])
    rows = keep[s] & keep[c]
    if remove_links is not None:
        gone = _sourced(remove_links, "remove_links")
        info = schema.TableInfo.of(gone, "remove_links")
        gone = schema.canonical_columns(gone, "links")
        gone = schema.coerce_columns(gone[["supplier_id", "customer_id"]],
                                     schema.LINK_COLUMNS, info)
        have = pd.MultiIndex.from_arrays([chain.links["supplier_id"], chain.links["customer_id"]])
        asked = pd.MultiIndex.from_arrays([gone["supplier_id"], gone["customer_id"]])
        missing = ~asked.isin(have)
        if missing.any():
            shown = [f"{a}→{b}" for a, b in asked[missing][:3]]
            raise info.error(f"pairs not in the chain's links: {', '.join(shown)}",
                             None, gone, missing)
        rows &= ~have.isin(asked)
    return chain.links[rows]


def _checked_new_links(chain: ChainGraph, add_links, ids: pd.Index):
    """The added links checked as a links table among ``ids`` (errors name ``add_links``)."""
    if add_links is None:
        return None
    src = _sourced(add_links, "add_links")
    new = _checked(lambda: ChainGraph.from_frames(pd.DataFrame({"firm_id": ids.astype(object)}),
                                                  src)).links
    if chain.has_links and len(chain.links):
        own, theirs = "amount" in chain.links.columns, "amount" in new.columns
        if own != theirs:
            raise ChainDataError(
                "the chain's links have amounts: give the added links an amount"
                if own else "the chain's links have no amounts: give the added links none",
                source="add_links", column="amount")
    if "year" in chain.links.columns and chain.year is not None and "year" not in new.columns:
        new = new.assign(year=chain.year)
    return new


def _with_new_presence(chain: ChainGraph, presence, add_presence: pd.DataFrame, ids: pd.Index):
    """The chain's presence rows and the added ones, checked together (errors name
    ``add_presence`` and its rows)."""
    if not chain.has_presence:
        raise ChainDataError("this chain has no presence table (its segments come from "
                             "firms.segment_id): give new firms a segment_id in add_firms",
                             source="add_presence")
    src = _sourced(add_presence, "add_presence")
    info = schema.TableInfo.of(src, "add_presence")
    checked = _checked(lambda: ChainGraph.from_frames(
        pd.DataFrame({"firm_id": ids.astype(object)}), presence=src,
        segments=chain.template)).presence
    checked.index = add_presence.index
    both = pd.MultiIndex.from_frame(presence[["firm_id", "segment_id"]])
    pairs = pd.MultiIndex.from_frame(checked[["firm_id", "segment_id"]])
    twice = pairs.isin(both)
    if twice.any():
        raise info.error("firm–segment pairs the chain already has", "segment_id", checked, twice)
    total = pd.concat([presence, checked]).groupby("segment_id")["share"].sum(min_count=1)
    over = total[total > 1 + _presence.SHARE_SUM_TOLERANCE]
    bad = checked["segment_id"].isin(over.index).to_numpy()
    if bad.any():
        raise info.error(f"with the chain's own rows, the shares of {schema._examples(over.index)} "
                         f"sum to {schema._examples(over.round(3))}, above 1",
                         "share", checked, bad)
    return pd.concat([presence, checked.reset_index(drop=True)], ignore_index=True)


# --------------------------------------------------------------------------- #
# integration and risk


def _integration_change(before, after, notes) -> pd.DataFrame:
    if not (before.has_links and after.has_links):
        notes["integration"] = "needs supplier–customer links (transactions)"
        return pd.DataFrame({"before": [], "after": [], "change": []},
                            index=pd.Index([], name="component"))
    ib, ia = integration(before), integration(after)
    out = pd.DataFrame({
        "before": [ib.score, *ib.components["value"]],
        "after": [ia.score, *ia.components["value"].reindex(ib.components.index)],
    }, index=pd.Index(["score", *ib.components.index], name="component"))
    out["change"] = out["after"] - out["before"]
    return out


def _risk_settings(chain: ChainGraph) -> dict:
    by_segment = ("segment_id" in chain.firms.columns and chain.template is not None
                  and len(chain.template.flows) > 0)
    return {"sector": "segment_id", "essentiality": "template" if by_segment else "linear",
            "replaceability": by_segment, "progress": False}


def _risk_change(before, after, risk, risk_firms, notes):
    empty = (pd.DataFrame({"esri_before": [], "esri_after": [], "change": []},
                          index=pd.Index([], name="firm_id")),
             pd.Series({"before": np.nan, "after": np.nan, "change": np.nan}, name="risk_total"))
    if not risk:
        notes["risk"] = "not computed (risk=False)"
        return empty
    if not (before.has_links and after.has_links):
        notes["risk"] = "needs supplier–customer links (transactions)"
        return empty
    if risk_firms is not None:
        ids = [risk_firms] if isinstance(risk_firms, str) else list(risk_firms)
        bad = [k for k, f in enumerate(ids) if f not in before.firm_ids]
        if bad:
            raise ChainDataError(f"{len(bad)} firms not in the chain: "
                                 f"{schema._examples([ids[k] for k in bad])}",
                                 source="risk_firms", rows=bad)
        chosen = pd.Index(ids).unique()
        which = f"{len(chosen):,} firms given"
    elif before.n_firms <= RISK_ALL_FIRMS:
        chosen, which = before.firm_ids, "every firm"
    else:
        chosen = largest_output(before, RISK_LARGEST)
        which = f"the {RISK_LARGEST:,} firms with the largest output"
    chosen = chosen[_member(chosen, after.firm_ids)]
    settings = _risk_settings(before)
    eb = systemic_risk(before, firms=chosen, **settings)["esri"]
    ea = systemic_risk(after, firms=chosen, **settings)["esri"].reindex(eb.index)
    table = pd.DataFrame({"esri_before": eb, "esri_after": ea})
    table["change"] = table["esri_after"] - table["esri_before"]
    table = table.sort_values("esri_before", ascending=False, kind="stable")
    table.index.name = "firm_id"
    w = pd.Series(output_weight(before), index=before.firm_ids).reindex(eb.index).to_numpy()
    total = w.sum()
    tb = float(w @ eb.to_numpy() / total) if total > 0 else np.nan
    ta = float(w @ ea.to_numpy() / total) if total > 0 else np.nan
    notes["risk"] = (f"ESRI of {which} in both chains; essentiality={settings['essentiality']}, "
                     f"replaceability={settings['replaceability']}, exact fixed point; "
                     "firms weighted by their output before (revenue where known, else "
                     "the larger of network sales and purchases)")
    return table, pd.Series({"before": tb, "after": ta, "change": ta - tb}, name="risk_total")
