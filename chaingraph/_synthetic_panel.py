"""A synthetic chain as a panel of years with planted changes, by backcasting.

The latest year is the chain :func:`~chaingraph.synthetic.synthetic_chain`
made, unchanged. Each earlier year is that chain with some planted changes
undone and *nothing else changed*: every firm attribute and every link amount
not named below keeps its latest value, so every difference between two years
is a planted change or a consequence of one. With years ``y0 < y1 < y2``:

``gap_filled``, ``chokepoint_resolved`` (one foundation segment *S*)
    *S* is the foundation segment (五基), not already planted as missing,
    single-firm or foreign-dominated, with at least two local and two
    non-local firms, that has the fewest local firms. In ``y0`` only its
    non-local firm with the largest sales, the *sole supplier*, is there: every
    link the other firms of *S* have as suppliers in the latest year is that
    firm's in ``y0`` (same customer, same amount), so *S* has no local firm
    (a gap) and each of its essential flows has one supplier (a chokepoint).
    The other non-local firms of *S* enter in ``y1`` (the chokepoint
    dissolves), its local firms in ``y2`` (the gap closes); until a firm
    enters, its sales are the sole supplier's.
``gap_opened`` (an exit)
    Of the planted missing segments, the one local customers buy most from,
    *G*, had a local firm until ``y1``: a new firm (the next free id) in the
    city of *G*'s largest local customer, which sold to *G*'s eight largest
    local customers — each one's largest purchase from *G* — and closed in
    ``y2``, when those purchases went back to the suppliers the latest year
    shows. Its other attributes are those of *G*'s domestic firm closest in
    revenue, scaled to a revenue of 1.25 × its sales.
``lead_rising``
    Of the planted lead firms, the one with the smallest revenue: in ``y0``
    it bought from the 40 % of its latest suppliers it buys most from, 0.6 of
    the amounts, sold 0.45 of its latest sales, and had 0.45 of its revenue
    (and the other money columns) and 0.6 of its employees; in ``y1`` 70 %,
    0.8, 0.7 and 0.8.
``tier_up``
    Given firms (chosen by ``datasets/make_synthetic.py`` as those whose tier
    by the default rules falls when so changed) had half their R&D expense
    (``rd_expense``, ``rd_expense_prev``) and held the designation one step
    below their latest (小巨人 → 专精特新 → none) before they moved up: the
    first half of them in ``y2``, the others in ``y1``.

Money is rounded as the generator rounds it (amounts to 0.01 万元, revenue to
0.1 万元), employees to whole persons, and ``size_class`` follows the NBS
2017 rule for the changed rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import size_class_nbs2017

__all__ = ["PANEL_YEARS", "backcast_panel", "earlier_tier_inputs"]

#: The years of the shipped panel; the last is the generated chain's.
PANEL_YEARS = (2021, 2022, 2023)

#: (share of suppliers kept, purchase factor, sales and money factor, employee factor) of the
#: rising lead firm in the first and second year.
LEAD_BACKCAST = ((0.4, 0.6, 0.45, 0.6), (0.7, 0.8, 0.7, 0.8))
#: Customers of the exited firm, and its revenue over its sales.
EXIT_CUSTOMERS = 8
EXIT_REVENUE_OVER_SALES = 1.25
#: Money columns of the firms table, scaled together.
MONEY = ("revenue", "main_business_revenue", "rd_expense", "revenue_prev", "rd_expense_prev",
         "equity_financing", "equity_financing_3y")
_LOWER_DESIGNATION = {"小巨人": "专精特新", "专精特新": None}


def earlier_tier_inputs(firms: pd.DataFrame, rows) -> pd.DataFrame:
    """``firms`` with the ``rows`` (a bool mask) as they were before a move up the tiers:
    half the R&D expense, the designation one step lower."""
    out = firms.copy()
    rows = np.asarray(rows, dtype=bool)
    for col in ("rd_expense", "rd_expense_prev"):
        if col in out.columns:
            values = out[col].to_numpy(dtype="float64", na_value=np.nan).copy()
            values[rows] = np.round(values[rows] * 0.5, 1)
            out[col] = pd.array(values, dtype=out[col].dtype) if out[col].dtype != "float64" \
                else values
    if "designations" in out.columns:
        held = out["designations"].astype(object).to_numpy().copy()
        held[rows] = [_LOWER_DESIGNATION.get(d, d) if isinstance(d, str) else d for d in held[rows]]
        out["designations"] = pd.array(held, dtype=out["designations"].dtype)
    return out


def backcast_panel(firms: pd.DataFrame, links: pd.DataFrame, template, planted, *, region: str,
                   tier_movers, years=PANEL_YEARS):
    """Firms and links of every year, and the planted changes (see the module notes).

    Parameters
    ----------
    firms, links : DataFrame
        The generated chain's tables (``chain.firms.reset_index()``, ``chain.links``),
        the latest year.
    template : ChainTemplate
    planted : Planted
        What the generator planted (lead firms, missing, single-firm and foreign segments).
    region : str
        The focus region (a province): a firm is local when its ``province`` is it.
    tier_movers : list of str
        Firms that move up the tiers.

    Returns
    -------
    (DataFrame, DataFrame, dict)
        The firms (``year`` after ``firm_id``) and links of every year, earlier years
        first and the latest year's rows as given, and the planted changes for
        ``planted.json``.
    """
    y0, y1, y2 = years
    local = (firms["province"] == region).to_numpy()
    seg = firms["segment_id"].astype(object).to_numpy()
    ids = firms["firm_id"].astype(object).to_numpy()
    pos = {f: i for i, f in enumerate(ids)}
    sales = links.groupby("supplier_id", sort=False)["amount"].sum()

    # ---- the segment whose gap fills and whose chokepoint dissolves
    filled = _filled_segment(template, planted, seg, local)
    in_s = seg == filled
    nonlocal_s = [f for f in ids[in_s & ~local]]
    sole = max(nonlocal_s, key=lambda f: (sales.get(f, 0.0), f))
    second = [f for f in nonlocal_s if f != sole]
    locals_s = [f for f in ids[in_s & local]]
    absent = {y0: set(second) | set(locals_s), y1: set(locals_s), y2: set()}

    # ---- the segment whose gap opens when its one local firm closes
    opened, exit_row, exit_links = _exit_firm(firms, links, planted, seg, local, pos, region)
    exit_id = exit_row["firm_id"]

    # ---- the rising lead
    lead = min(planted.lead_firms, key=lambda f: (firms["revenue"].iloc[pos[f]], f))

    movers = list(tier_movers)
    late = set(movers[: (len(movers) + 1) // 2])  # move up in y2; the others in y1

    firm_years, link_years = [], []
    for k, y in enumerate((y0, y1)):
        keep_f, frame = ~np.isin(ids, list(absent[y])), firms
        frame = frame[keep_f].copy()
        frame = _scale_lead(frame, lead, LEAD_BACKCAST[k])
        changed = [f for f in movers if y == y0 or f in late]
        frame = earlier_tier_inputs(frame, frame["firm_id"].isin(changed).to_numpy())
        frame = pd.concat([frame, exit_row.to_frame().T.astype(frame.dtypes.to_dict())],
                          ignore_index=True)
        firm_years.append(frame.assign(year=y))
        yl = _links_of_year(links, absent[y], sole, set(frame["firm_id"]), y)
        yl = _lead_links(yl, lead, LEAD_BACKCAST[k])
        yl = _with_exit_links(yl, exit_links, exit_id)
        link_years.append(yl)
    firm_years.append(firms.assign(year=y2))
    link_years.append(links)

    panel_firms = pd.concat(firm_years, ignore_index=True)
    panel_firms = panel_firms[["firm_id", "year", *[c for c in firms.columns if c != "firm_id"]]]
    panel_firms["year"] = panel_firms["year"].astype("int64")
    panel_firms["size_class"] = _size_classes(panel_firms, firms)
    panel_links = pd.concat(link_years, ignore_index=True)
    panel_links["year"] = panel_links["year"].astype("int64")

    changes = {
        "years": list(years),
        "gap_filled": {"segment": filled, "year": y2, "kind": "no_local",
                       "local_firms": locals_s},
        "chokepoint_resolved": {"firm": sole, "segment": filled, "year": y1,
                                "second_suppliers": second},
        "gap_opened": {"segment": opened, "year": y2, "kind": "no_local", "exited_firm": exit_id},
        "lead_rising": {"firm": lead, "year": y2, "not_lead_in": y0},
        "tier_up": {str(y2): sorted(late), str(y1): sorted(set(movers) - late)},
        "entered": {str(y1): sorted(second), str(y2): sorted(locals_s)},
        "exited": {str(y2): [exit_id]},
    }
    return panel_firms.reset_index(drop=True), panel_links.reset_index(drop=True), changes


def _filled_segment(template, planted, seg, local) -> str:
    planted_segments = set(planted.missing_segments) | set(planted.chokepoint_segments) \
        | set(planted.foreign_segments)
    best = None
    for s, row in template.segments.iterrows():
        if s in planted_segments or pd.isna(row.get("foundation")):
            continue
        n_local = int((local & (seg == s)).sum())
        n_other = int((~local & (seg == s)).sum())
        if n_local >= 2 and n_other >= 2 and (best is None or n_local < best[0]):
            best = (n_local, s)
    if best is None:
        raise ValueError("no foundation segment with two local and two other firms to plant a "
                         "filled gap in")
    return best[1]


def _exit_firm(firms, links, planted, seg, local, pos, region):
    """The segment whose gap opens, the firm that closes (a firms row) and its links."""
    supplier_seg = links["supplier_id"].map(lambda f: seg[pos[f]])
    to_local = links["customer_id"].map(lambda f: local[pos[f]]).to_numpy(dtype=bool)
    bought = links[to_local].groupby(supplier_seg[to_local])["amount"].sum()
    opened = max(planted.missing_segments, key=lambda s: (bought.get(s, 0.0), s))
    mine = links[to_local & (supplier_seg == opened).to_numpy()]
    by_customer = mine.groupby("customer_id")["amount"].sum().sort_values(ascending=False,
                                                                          kind="stable")
    customers = list(by_customer.index[:EXIT_CUSTOMERS])
    taken = (mine[mine["customer_id"].isin(customers)]
             .sort_values(["customer_id", "amount", "supplier_id"], ascending=[True, False, True])
             .drop_duplicates("customer_id"))
    exit_sales = float(taken["amount"].sum())
    revenue = round(EXIT_REVENUE_OVER_SALES * exit_sales, 1)

    domestic = firms[(firms["segment_id"] == opened) & (firms["country"] == "CN")]
    model = domestic.iloc[int(np.argmin(np.abs(domestic["revenue"].to_numpy() - revenue)))]
    ratio = revenue / float(model["revenue"])
    city = firms["city"].iloc[pos[customers[0]]]
    n = len(firms) + 1
    first = str(firms["firm_id"].iloc[0])
    prefix = first.rstrip("0123456789")
    exit_id = f"{prefix}{n:0{len(first) - len(prefix)}d}"
    row = model.copy()
    row["firm_id"] = exit_id
    name = str(model["name"])
    row["name"] = city + (name[len(model["city"]):] if name.startswith(str(model["city"])) else name)
    row["city"], row["province"], row["country"] = city, region, "CN"
    for col in MONEY:
        if col in row.index and pd.notna(row[col]):
            row[col] = round(float(row[col]) * ratio, 1)
    row["revenue"] = revenue
    row["employees"] = max(1, int(round(float(model["employees"]) * ratio)))
    row["designations"], row["global_rank"] = pd.NA, pd.NA
    exit_links = taken[["supplier_id", "customer_id"]]
    return opened, row, exit_links


def _links_of_year(links, absent, sole, present, year) -> pd.DataFrame:
    """The latest links as of an earlier year: sales of absent firms of the filled segment are
    the sole supplier's; links of firms not present are gone; repeated pairs summed."""
    out = links.copy()
    sup = out["supplier_id"].astype(object).to_numpy().copy()
    moved = np.isin(sup, list(absent))
    sup[moved] = sole
    out["supplier_id"] = pd.array(sup, dtype=links["supplier_id"].dtype)
    keep = out["supplier_id"].isin(present) & out["customer_id"].isin(present)
    out = out[keep.to_numpy()]
    out = _sum_repeated(out)
    return out.assign(year=year)


def _sum_repeated(df: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier–customer pair: a repeated pair's amounts summed into its first row."""
    key = [df["supplier_id"], df["customer_id"]]
    total = df.groupby(key, sort=False)["amount"].transform("sum")
    first = ~df.duplicated(["supplier_id", "customer_id"])
    return df.assign(amount=total.round(2))[first.to_numpy()]


def _scale_lead(frame, lead, factors):
    _, _, money, staff = factors
    out = frame.copy()
    row = (out["firm_id"] == lead).to_numpy()
    for col in MONEY:
        if col in out.columns:
            out.loc[row, col] = (out.loc[row, col] * money).round(1)
    out.loc[row, "employees"] = (out.loc[row, "employees"] * staff).round().astype("int64")
    return out


def _lead_links(yl, lead, factors):
    """The rising lead's purchases (its largest suppliers kept, amounts scaled) and sales."""
    keep_share, buy, sell, _ = factors
    bought = (yl["customer_id"] == lead).to_numpy()
    mine = yl[bought].sort_values(["amount", "supplier_id"], ascending=[False, True], kind="stable")
    kept = set(mine.index[: int(round(keep_share * len(mine)))])
    drop = bought & ~yl.index.isin(kept)
    out = yl[~drop].copy()
    b = (out["customer_id"] == lead).to_numpy()
    s = (out["supplier_id"] == lead).to_numpy()
    out.loc[b, "amount"] = (out.loc[b, "amount"] * buy).round(2)
    out.loc[s, "amount"] = (out.loc[s, "amount"] * sell).round(2)
    return out


def _with_exit_links(yl, exit_links, exit_id):
    """The exited firm's sales: the given purchases of its customers were its."""
    key = pd.MultiIndex.from_frame(yl[["supplier_id", "customer_id"]].astype(object))
    target = pd.MultiIndex.from_frame(exit_links.astype(object))
    hit = key.isin(target)
    out = yl.copy()
    sup = out["supplier_id"].astype(object).to_numpy().copy()
    sup[hit] = exit_id
    out["supplier_id"] = pd.array(sup, dtype=yl["supplier_id"].dtype)
    return _sum_repeated(out)


def _size_classes(panel_firms, latest):
    """Each row's size class: the latest one where employees and revenue are the latest,
    else by the NBS 2017 rule."""
    by_id = latest.set_index("firm_id")
    ids = panel_firms["firm_id"]
    same = (ids.isin(by_id.index)
            & (panel_firms["employees"].to_numpy() == by_id["employees"].reindex(ids).to_numpy())
            & (panel_firms["revenue"].to_numpy() == by_id["revenue"].reindex(ids).to_numpy()))
    out = by_id["size_class"].reindex(ids).to_numpy(dtype=object)
    changed = ~same.to_numpy(dtype=bool)
    out[changed] = size_class_nbs2017(panel_firms["employees"][changed],
                                      panel_firms["revenue"][changed])
    return pd.array(out, dtype=latest["size_class"].dtype)
