"""Regenerate the synthetic datasets shipped with chaingraph.

Run from the repository root::

    python datasets/make_synthetic.py [NAME ...]

Each chain is made by :func:`chaingraph.synthetic.synthetic_chain` at a fixed
seed and written with :func:`chaingraph.write_chain` as ``firms.csv``,
``links.csv`` and ``chain.json`` (region and template name; the template itself
is the built-in one). Each chain map is made by
:func:`chaingraph.synthetic_map.synthetic_chain_map` at a fixed seed and written
as the raw files of a chain-map folder: ``segments.csv``, ``flows.csv``,
``firms.csv`` and ``presence.csv`` (no ``links.csv``). The planted structure goes
to ``planted.json``. The firms are synthetic: no real firm's data is used. A
rerun writes the same bytes.

A chain in :data:`PANELS` is a panel of several years: the generated chain is
its latest year, the earlier years are backcast from it with planted changes
(:mod:`chaingraph._synthetic_panel`); ``firms.csv`` and ``links.csv`` get a
``year`` column and the rows of every year, and ``planted.json`` the changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from chaingraph.synthetic import synthetic_chain  # noqa: E402
from chaingraph.synthetic_map import synthetic_chain_map  # noqa: E402
from chaingraph.io import write_chain  # noqa: E402
from chaingraph._synthetic_panel import PANEL_YEARS, backcast_panel, earlier_tier_inputs  # noqa: E402

#: name -> (template, n_firms, seed, description)
SYNTHETIC = {
    "shandong-nev": ("nev", 2000, 20240501,
                     "Synthetic 新能源汽车 (new energy vehicle) chain in Shandong, 2,000 firms"),
    "shandong-cnc": ("cnc", 1000, 20240502,
                     "Synthetic 工业母机 (CNC machine tool) chain in Shandong, 1,000 firms"),
}
REGION = "山东"
#: datasets shipped as a panel of years, and how many firms move up the tiers in it
PANELS = {"shandong-nev": 6}


def make(name: str) -> None:
    template, n_firms, seed, description = SYNTHETIC[name]
    chain, planted = synthetic_chain(template, n_firms, region=REGION, seed=seed)
    folder = HERE / name
    write_chain(chain, folder)
    # the template is the built-in one: record its name only, so loading uses it as shipped
    meta_path = folder / "chain.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for table in ("segments", "flows"):
        (folder / f"{table}.csv").unlink(missing_ok=True)
        meta.get("dtypes", {}).pop(table, None)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    planted_path = folder / "planted.json"
    facts = planted.to_dict()
    if planted_path.exists():  # keep what is planted by hand beside the generator (prospects)
        facts.update({k: v for k, v in json.loads(planted_path.read_text(encoding="utf-8")).items()
                      if k == "attraction"})
    info = {"kind": "chain", "description": description, "region": REGION,
            "template": template, "generator": "chaingraph.synthetic.synthetic_chain",
            "n_firms": n_firms, "seed": seed}
    if name in PANELS:
        facts["changes"] = write_panel(chain, planted, folder, meta, PANELS[name])
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        info["description"] += f", {PANEL_YEARS[0]}–{PANEL_YEARS[-1]}"
        info["years"] = list(PANEL_YEARS)
        info["panel"] = "chaingraph._synthetic_panel.backcast_panel"
    planted_path.write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    (folder / "dataset.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_readme(name)
    print(f"{name}: {chain.n_firms} firms, {len(chain.links)} links -> {folder}")


def tier_movers(chain, k: int) -> list[str]:
    """The first ``k`` local SMEs (in the chain's order) at 专精特新 or 小巨人 whose tier by the
    default rules is lower, and known, with the inputs they had before they moved up; the
    firms that move up in the last year first (the first half), then the others."""
    import pandas as pd

    from chaingraph.analysis.tiers import evaluate_rules, tiers

    ladder = ["innovative", "specialised", "little_giant", "champion", "lead"]
    now = tiers(chain, detail=False)
    cand = now.index[now["tier"].isin(["specialised", "little_giant"]).to_numpy()
                     & chain.is_local & chain.is_sme]
    before = evaluate_rules(earlier_tier_inputs(chain.firms, chain.firm_ids.isin(cand)).loc[cand],
                            detail=False)

    def level(tier) -> int:
        return 0 if pd.isna(tier) else 1 + ladder.index(tier)

    lower = [f for f in cand if level(before.loc[f, "tier"]) < level(now.loc[f, "tier"])
             and level(before.loc[f, "tier"]) == level(before.loc[f, "tier_possible"])]
    return lower[:k]


def write_panel(chain, planted, folder: Path, meta: dict, n_movers: int) -> dict:
    """Overwrite firms.csv and links.csv with every year's rows; the firms' year goes into the
    column types of ``meta``; return the planted changes."""
    firms, links, changes = backcast_panel(
        chain.firms.reset_index(), chain.links, chain.template, planted, region=REGION,
        tier_movers=tier_movers(chain, n_movers))
    firms.to_csv(folder / "firms.csv", index=False, encoding="utf-8")
    links.to_csv(folder / "links.csv", index=False, encoding="utf-8")
    dtypes = meta["dtypes"]["firms"]
    meta["dtypes"]["firms"] = {"firm_id": dtypes["firm_id"], "year": "int64",
                               **{k: v for k, v in dtypes.items() if k != "firm_id"}}
    return changes


TITLES = {"nev": "新能源汽车 (new energy vehicles)", "cnc": "工业母机 (CNC machine tools)"}


def write_readme(name: str) -> None:
    """The datasheet, filled in from the files just written."""
    import pandas as pd

    folder = HERE / name
    info = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    pl = json.loads((folder / "planted.json").read_text(encoding="utf-8"))
    f = pd.read_csv(folder / "firms.csv")
    links = pd.read_csv(folder / "links.csv")
    panel, firm_rows, links_year = "", "one row per firm", "year 2023"
    if info.get("years"):  # a panel: the figures are the latest year's
        years = info["years"]
        f = f[f["year"] == years[-1]]
        links = links[links["year"] == years[-1]]
        panel = panel_section(name, years, pl["changes"])
        firm_rows = "one row per firm and year (`year`, after `firm_id`)"
        links_year = f"year {years[-1]} (the latest; {years[0]}–{years[-2]} too, see *Years*)"
    n_links = len(links)
    tname = info["template"]
    title = TITLES.get(tname, tname)
    n_foreign = int((f["country"] != "CN").sum())
    n_local = int((f["province"] == REGION).sum())
    sizes = ", ".join(f"{k} {v}" for k, v in f["size_class"].value_counts().items())
    from chaingraph.datasets import load_dataset
    from chaingraph.analysis.tiers import tiers

    tier = tiers(load_dataset(name), detail=False)["tier"]
    counts = tier.value_counts(sort=False)
    tier_counts = ", ".join(f"{k} {int(v)}" for k, v in counts.items()) + \
        f", none {int(tier.isna().sum())}"
    cluster = f["cluster_type"].dropna().unique()
    cluster_type = cluster[0] if len(cluster) == 1 else "empty"
    text = TEMPLATE.format(
        name=name, tname=tname, title=title, n_firms=info["n_firms"], seed=info["seed"],
        n=len(f), n_local=n_local, n_outside=len(f) - n_local - n_foreign, n_foreign=n_foreign,
        n_links=n_links, sizes=sizes, tier_counts=tier_counts, cluster_type=cluster_type,
        leads=", ".join(pl["lead_firms"]), missing=", ".join(pl["missing_segments"]),
        chokepoints=", ".join(pl["chokepoints"]),
        choke_segments=", ".join(pl["chokepoint_segments"]),
        foreign=", ".join(pl["foreign_segments"]), sme_share=pl["sme_share"],
        panel=panel, firm_rows=firm_rows, links_year=links_year,
    )
    extra = folder / "prospects.md"  # the hand-written prospects' datasheet section, if any
    text += extra.read_text(encoding="utf-8") if extra.exists() else ""
    (folder / "README.md").write_text(text, encoding="utf-8")


def panel_section(name: str, years: list, ch: dict) -> str:
    """The datasheet's section on the years of a panel and the changes planted in them."""
    import pandas as pd

    from chaingraph.datasets import load_dataset

    chain = load_dataset(name, year=years[0])
    names = pd.concat([load_dataset(name, year=y).firms["name"] for y in years])
    names = names[~names.index.duplicated()]

    def firm(f):
        return f"{f} ({names[f]})"

    filled, choke, opened, lead = (ch["gap_filled"], ch["chokepoint_resolved"], ch["gap_opened"],
                                   ch["lead_rising"])
    exit_row = chain.firms.loc[opened["exited_firm"]]
    entered = "; ".join(f"{y}: {len(v)}" for y, v in ch["entered"].items())
    tier_up = "; ".join(f"{y}: {', '.join(v)}" for y, v in ch["tier_up"].items())
    return PANEL.format(
        name=name, first=years[0], last=years[-1], span=f"{years[0]}–{years[-1]}",
        filled=filled["segment"], filled_year=filled["year"], n_filled=len(filled["local_firms"]),
        filled_firms=", ".join(filled["local_firms"]), sole=firm(choke["firm"]),
        sole_year=choke["year"], second=", ".join(choke["second_suppliers"]),
        opened=opened["segment"], opened_year=opened["year"], exited=firm(opened["exited_firm"]),
        exit_city=exit_row["city"], lead=firm(lead["firm"]), lead_year=lead["year"],
        entered=entered, tier_up=tier_up,
    )


PANEL = """
## Years: a panel of {span}

`firms.csv` has one row per firm and year and `links.csv` one row per supplier→customer
pair and year (column `year`). `chaingraph.load_dataset("{name}")` gives the latest year,
{last} — exactly the chain the generator makes (the files' {last} rows);
`load_dataset("{name}", year={first})` or `chain.in_year({first})` an earlier one, and
`chain.years` lists them.

The earlier years are *backcast* from {last} (`chaingraph._synthetic_panel.backcast_panel`,
which documents the rules): each is the {last} chain with the changes below undone and
nothing else changed — every other firm attribute and link amount is the {last} value — so
every difference `chaingraph.compare` finds between two years is a planted change or a
consequence of one. The changes, in `planted.json` under `changes` (the year is the first
year that shows the change):

- **gap filled** (补链, {filled_year}): `{filled}` had no local firm before {filled_year}; its
  {n_filled} local firms ({filled_firms}) entered in {filled_year}. Until a firm entered, its
  sales were those of the sole supplier below.
- **chokepoint resolved** ({sole_year}): before {sole_year}, {sole} was the only supplier of
  `{filled}` (the only firm of the segment in {first}: a sole-flow chokepoint, and every
  customer single-sourced); {second} entered in {sole_year}.
- **gap opened** ({opened_year}): {exited}, in {exit_city}, the only local firm of `{opened}`,
  sold to eight local customers until it closed in {opened_year}; their purchases then went
  to the suppliers {last} shows.
- **lead rising** ({lead_year}): {lead} had fewer and smaller supplier links, lower sales and
  revenue in {first} and is not a lead firm (链主) then; it is one in {lead_year}.
- **tiers** (梯度培育): these firms had half their R&D expense and a designation one step
  lower before they moved up a tier — {tier_up}.
- firms entered — {entered}; exited — {exited} in {opened_year}.
"""


TEMPLATE = """# `{name}` — synthetic {title} chain in Shandong

**The firms in this dataset are synthetic.** They were generated by chaingraph's
`synthetic_chain("{tname}", {n_firms}, region="山东", seed={seed})`; no real firm's
data was used. Names are assembled from city names, common brand syllables and the
segment's trade word, so any resemblance to a real company name is accidental.

| | |
|---|---|
| kind | chain (firms and supply links) |
| template | built-in `{tname}` ({title}), see `chaingraph.get_template("{tname}")` |
| focus region | 山东 |
| firms | {n:,} ({n_local:,} in Shandong, {n_outside:,} in other provinces, {n_foreign:,} foreign) |
| links | {n_links:,} supplier→customer pairs, {links_year} |
| size classes (NBS 2017) | {sizes} |
| licence | MIT, as chaingraph (the data are generated, not collected) |
| made by | `python datasets/make_synthetic.py {name}` |

Load it with `chaingraph.load_dataset("{name}")`; the planted structure with
`chaingraph.datasets.load_planted("{name}")`.

## Files

- `firms.csv` (UTF-8), {firm_rows}:
  `firm_id`, `name`, `segment_id` (template segment), `city`, `province` (empty for
  foreign firms), `country` (ISO 3166 alpha-2, `CN` for domestic), `employees`,
  `revenue` (万元), `founded` (year), `rd_expense` (万元), `rd_staff_share` (0–1),
  `main_business_revenue` (万元, ≤ revenue), `main_business_growth` (fraction),
  `debt_ratio` (0–1), `years_in_niche`, `niche_market_share` (national, 0–1),
  `global_rank` (empty unless among a segment's three largest firms with revenue
  ≥ 4 亿元), `ip_class1` (Class I IP items), `equity_financing` (new equity, 万元),
  `strategic_emerging` (bool), `designations` (`专精特新`, `小巨人`, `单项冠军`
  or empty: the highest held);
  the other optional inputs of the tier rules: `revenue_prev`, `rd_expense_prev`
  (万元, the year before), `main_business_growth_prev` (fraction), `ip_grade`
  (`high_value_class1`, `own_class1`, `class1`, `class2` or `none`),
  `equity_financing_3y` (new equity over 3 years, 万元), `zjtx_score` (专精特新
  score, 0–100 points; domestic SMEs only), the yes/no columns as 1/0 —
  `has_info_system`, `has_certified_management`, `has_own_brand`,
  `has_rd_institution`, `has_award`, `has_award_top`, `maker_china_top500`,
  `chain_role`, `key_product_field`, `new_product`, `market_share_evidence` — and
  `cluster_type` (`{cluster_type}`); an empty cell is a value not known;
  `size_class` (derived from employees and revenue by the NBS 2017 rule).
- `links.csv` (UTF-8), one row per supply relation: `supplier_id`, `customer_id`,
  `amount` (万元 per year), `year`.
- `chain.json`: region, template name and column types, read by `chaingraph.read_chain`.
- `planted.json`: the structure planted by the generator, to test analyses against.
- `dataset.json`: kind, description, generator and seed.

## Planted structure (`planted.json`)

- lead firms (链主): {leads} — local, downstream or midstream, the largest firms
  by revenue, with many suppliers;
- missing segments (缺链, no firm in Shandong): {missing};
- single-source chokepoints: {chokepoints}, the only firms of {choke_segments};
- foreign-dominated segments (卡脖子, about 80 % foreign firms): {foreign};
- realised share of large customers' purchases bought from SMEs: {sme_share:.3f}.
{panel}
## Tier pool (`chaingraph.tiers`, default rules)

Firms by the highest tier whose rule passes (miit-2022, champion-2023,
lead-guangdong-2022 with the dataset's `cluster_type`): {tier_counts}.

## How it was made

The generator's model is documented in `chaingraph.synthetic.synthetic_chain`: firms
spread over the template's segments; locations drawn over Shandong's 16 cities, other
provinces' industrial cities and seven foreign countries (foreign firms more likely
in 元器件/软件/材料 segments); lognormal (heavy-tailed) revenue and employees from a
lognormal labour productivity, so most firms are SMEs; along each segment flow every
customer draws a number of suppliers that grows with its size, preferring large and
nearby suppliers (same city 8 : same province 3 : elsewhere 1); amounts bounded by
both the supplier's and the customer's revenue; tier-rule columns drawn with
plausible values, and designations given to a share of the firms that meet a
simplified form of the MIIT criteria. The figures describe no real chain: use the
dataset to learn the library and to test methods, not to describe Shandong.
"""


# --------------------------------------------------------------------------- #
# chain maps

#: name -> (map, seed, description)
CHAIN_MAPS = {
    "world-semiconductor-map": (
        "semiconductor", 20240511,
        "Synthetic world semiconductor chain map: nested segments, firms and country "
        "aggregates with market shares, no transactions"),
}
MAP_TITLES = {"semiconductor": ("半导体", "Semiconductors")}


def make_chain_map(name: str, folder: Path | None = None) -> None:
    """Write chain map ``name`` into ``folder`` (its dataset folder by default)."""
    template, seed, description = CHAIN_MAPS[name]
    folder = HERE / name if folder is None else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = synthetic_chain_map(template, seed=seed)
    for table in ("segments", "flows", "firms", "presence"):
        getattr(made, table).to_csv(folder / f"{table}.csv", index=False, encoding="utf-8",
                                    lineterminator="\n")
    title, title_en = MAP_TITLES[template]
    meta = {"template": {"name": f"world-{template}", "title": title, "title_en": title_en}}
    info = {"kind": "chain-map", "description": description, "template": template,
            "generator": "chaingraph.synthetic_map.synthetic_chain_map", "seed": seed,
            "homes": made.planted.homes}
    for file, data in (("chain.json", meta), ("planted.json", made.planted.to_dict()),
                       ("dataset.json", info)):
        (folder / file).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
    (folder / "README.md").write_text(map_datasheet(name, folder), encoding="utf-8")
    print(f"{name}: {len(made.segments)} segments, {len(made.firms)} providers, "
          f"{len(made.presence)} presence rows -> {folder}")


def map_datasheet(name: str, folder: Path) -> str:
    """The datasheet of a chain map, filled in from the files in ``folder``."""
    import pandas as pd

    info = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    pl = json.loads((folder / "planted.json").read_text(encoding="utf-8"))
    seg = pd.read_csv(folder / "segments.csv", dtype=str, keep_default_na=False)
    flows = pd.read_csv(folder / "flows.csv", dtype=str)
    firms = pd.read_csv(folder / "firms.csv", dtype=str, keep_default_na=False)
    pres = pd.read_csv(folder / "presence.csv", dtype={"firm_id": str, "segment_id": str})
    leaves = set(pres["segment_id"])
    is_agg = firms["kind"] == "aggregate"
    per_firm = pres[pres["firm_id"].isin(firms.loc[~is_agg, "firm_id"])]["firm_id"].value_counts()
    iso = dict(zip(firms["firm_id"], firms["firm_id"].str.split("-").str[0]))
    unknown = ", ".join(f"`{u['firm']}` in `{u['segment']}`" for u in pl["unknown_shares"])
    homes = []
    for h in pl["homes"]:
        present = set(pres.loc[pres["firm_id"].map(iso) == h, "segment_id"])
        olig = pl["oligopolies"][h]
        homes.append(
            f"| {h} | {len(present)} of {len(leaves)} | {_codes(pl['missing_segments'][h])} | "
            f"{_codes(pl['foreign_dominant_segments'][h])} | `{olig['segment']}` "
            f"({', '.join(olig['firms'])}: {olig['share']:.0%}) |")
    near, mono = pl["near_monopoly"], pl["monopoly_beside_negligible"]
    sole, agg = pl["sole_provider"], pl["aggregate_top_provider"]
    six = pl["multi_segment_firm"]
    title, title_en = MAP_TITLES[info["template"]]
    return MAP_TEMPLATE.format(
        name=name, title=title, title_en_lower=title_en.lower(), template=info["template"],
        seed=info["seed"],
        n_seg=len(seg), n_leaf=len(leaves), n_group=int(seg["segment_id"].isin(seg["parent"]).sum()),
        n_process=int((seg["kind"] == "process").sum()), depth=_depth(seg),
        n_flows=len(flows), n_firms=int((~is_agg).sum()), n_agg=int(is_agg.sum()),
        n_countries=len(set(iso.values())), n_rows=len(pres),
        n_negligible=int(pres["negligible"].sum()),
        n_multi=int((per_firm > 1).sum()), max_segments=int(per_firm.max()),
        share_total=_share_range(pres), unknown=unknown,
        home_rows="\n".join(homes), tree=_tree(seg),
        sole=f"`{sole['firm']}` holds {sole['share']:.0%} of `{sole['segment']}`",
        near=f"`{near['firm']}` holds {near['share']:.0%} of `{near['segment']}` beside "
             f"`{near['other']}` with {near['other_share']:.0%}",
        mono=f"`{mono['firm']}` holds {mono['share']:.0%} of `{mono['segment']}` beside "
             f"`{mono['negligible_firm']}`, flagged negligible",
        agg=f"`{agg['firm']}` (a country aggregate) holds {agg['share']:.0%} of "
            f"`{agg['segment']}`, more than any other provider",
        six=f"`{six['firm']}` is active in {len(six['segments'])} segments "
            f"({_codes(six['segments'])})",
        process=_codes(pl["process_without_firms"]),
        inherits=", ".join(f"`{k}` (parent `{v}`)" for k, v in pl["inherited_flows"].items()),
    )


def _codes(items) -> str:
    return ", ".join(f"`{x}`" for x in items) or "none"


def _depth(seg) -> int:
    parent = dict(zip(seg["segment_id"], seg["parent"]))

    def level(s):
        return 1 if not parent[s] else 1 + level(parent[s])

    return max(level(s) for s in seg["segment_id"])


def _share_range(pres) -> str:
    total = pres.groupby("segment_id")["share"].sum()
    return f"{total.min():.0%}–{total.max():.0%}"


def _tree(seg) -> str:
    children: dict[str, list] = {}
    for row in seg.itertuples(index=False):
        children.setdefault(row.parent, []).append(row)
    lines = []

    def walk(parent, depth):
        for row in children.get(parent, []):
            kind = " — process" if row.kind == "process" else ""
            lines.append(f"{'  ' * depth}- `{row.segment_id}` {row.name} ({row.name_en}){kind}")
            walk(row.segment_id, depth + 1)

    walk("", 0)
    return "\n".join(lines)


MAP_TEMPLATE = """# `{name}` — synthetic world chain map: {title_en_lower} ({title})

**The firms in this dataset are synthetic.** They were generated by chaingraph's
`synthetic_chain_map("{template}", seed={seed})`; no real firm's data was used. Firm
names are assembled from syllables and a trade word, so any resemblance to a real
company name is accidental. The countries are real, but each segment's rough country
profile and world market size are the developers' simplified judgement of the kind
of structure public supply-chain maps show, not measurements: use the dataset to
learn the library and to test methods, not to describe the industry.

| | |
|---|---|
| kind | chain map: who provides each segment, with what share of its world market; no transactions |
| segments | {n_seg} ({n_leaf} with providers, {n_group} groupings, {n_process} process steps), nested up to {depth} levels |
| flows | {n_flows} segment → segment flows (sub-segments inherit their parent's) |
| providers | {n_firms} firms and {n_agg} country aggregates ("rest of Japan") in {n_countries} countries |
| presence | {n_rows} rows, {n_negligible} flagged negligible; {n_multi} firms in several segments (up to {max_segments}) |
| shares | per segment they sum to {share_total}; the rest is unattributed |
| source | synthetic, generated by chaingraph (`chaingraph.synthetic_map`) |
| licence | MIT, as chaingraph (the data are generated, not collected) |
| made by | `python datasets/make_synthetic.py {name}` |

Load it with `chaingraph.load_dataset("{name}")` — home country CN — or
`chaingraph.load_dataset("{name}", home="US")` for another home (any folder of
these files: `chaingraph.read_chain(folder, home="US")`); the planted facts with
`chaingraph.load_planted("{name}")`.

## Files (the chain-map folder format)

- `segments.csv`: `segment_id`, `name`, `name_en`, `parent` (empty at the top),
  `kind` (`product` or `process`), `stage` (given for the five top-level groupings
  only), `foundation` (五基 category, where one fits).
- `flows.csv`: `from_segment`, `to_segment`, `essential` (True/False). A flow into or
  out of a grouping holds for each of its sub-segments that has no flow of its own
  for that pair.
- `firms.csv`: `firm_id`, `name`, `country`, `kind` (`firm`, or `aggregate` for "the
  rest of country X"). **`country` is written in mixed forms on purpose** — ISO 3166
  alpha-2 (`US`), alpha-3 (`USA`), English (`United States`) or Chinese (`美国`) — as
  a map merged from several sources writes it; chaingraph stores ISO alpha-2. Country
  codes follow ISO 3166-1 (Taiwan: `TW`). The firm id starts with the alpha-2 code.
- `presence.csv`: one row per provider and segment it is active in: `firm_id`,
  `segment_id`, `share` (fraction 0–1 of the segment's world market; empty when not
  given), `amount` (万元 a year: share × the segment's world market), `negligible`
  (True when the map lists the provider with a negligible share; its share is then
  empty). Providers are active in leaf segments; presence in a sub-segment counts as
  presence in every grouping above it.
- No `links.csv`: the map has no supplier–customer transactions.
- `chain.json`: the template's name and title, read by `chaingraph.read_chain`.
- `planted.json`: the planted facts below, to test analyses against.
- `dataset.json`: kind, description, generator and seed.

## Planted facts (`planted.json`)

By home country (ISO alpha-2; a home is present in a segment when any provider of
it is, negligible or an aggregate included):

| home | leaf segments with a provider of the home | missing (缺链: no provider at all) | dominated by a foreign provider (≥ 90 % or the only non-negligible one) | home oligopoly (three home firms, 90 %: strong, not weak) |
|---|---|---|---|---|
{home_rows}

Every other segment with providers has at least one provider of each home.

- sole provider: {sole};
- a 97 % provider beside a 3 % one: {near};
- a 100 % provider beside a negligible one: {mono};
- no other leaf segment has a provider with 90 % or more, and every other one has at
  least two non-negligible providers;
- {agg};
- {six}; every other firm is in at most five (aggregates may be in many);
- process segments without any provider (not gaps): {process};
- sub-segments with no flows of their own, inheriting their parent's: {inherits};
- non-negligible providers named without a share: {unknown}.

## Segments

{tree}

## How it was made

The generator's model is documented in `chaingraph.synthetic_map.synthetic_chain_map`:
the planted providers first; for every other leaf segment, 2–12 % of the market
left unattributed and the rest split over the countries of the segment's profile by
a Dirichlet draw around it, each country's part split over one to four named firms
and sometimes its "rest of" aggregate, in whole percent (a provider coming out at 0 %
is flagged negligible); draws repeated until no drawn provider holds 85 % or more;
firms reused across related segments (tools, chemicals, fabs…) so that many are in
several; each home (US, CN, JP) given a negligible provider where it would otherwise
be absent, except in its planted missing segments; amounts from the shares and the
segment's market size; countries written in one of four forms, firm by firm.
"""


if __name__ == "__main__":
    for name in sys.argv[1:] or [*SYNTHETIC, *CHAIN_MAPS]:
        make_chain_map(name) if name in CHAIN_MAPS else make(name)
