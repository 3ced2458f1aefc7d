"""The datasets shipped with chaingraph.

:func:`list_datasets` / :func:`load_dataset` — the data shipped with the
package (in the wheel under ``chaingraph/_datasets``, in a source checkout in
the top-level ``datasets/`` folder): two synthetic Shandong chains
(``shandong-nev``, ``shandong-cnc``, made by
:func:`~chaingraph.synthetic.synthetic_chain`), a synthetic world chain map
(``world-semiconductor-map``, made by
:func:`~chaingraph.synthetic_map.synthetic_chain_map`; :func:`load_planted`
gives the structure planted in the synthetic ones;
``shandong-nev`` is a panel of 2021–2023 whose planted changes
:func:`load_planted_changes` gives) and three real
input–output tables (``us-bea-2021-15``, ``us-bea-2021-71``,
``germany-1995-6``, read as :class:`IOTable`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph.errors import ChainDataError
from chaingraph.synthetic import Planted
from chaingraph.synthetic_map import PlantedMap

__all__ = ["IOTable", "list_datasets", "load_dataset", "load_planted", "load_planted_changes",
           "load_prospects"]

# --------------------------------------------------------------------------- #
# shipped datasets

_META = "dataset.json"


def _dataset_root() -> Path:
    """The folder of shipped datasets: ``chaingraph/_datasets`` in an installed
    wheel, the repository's ``datasets/`` folder in a source checkout."""
    try:
        packaged = Path(str(resources.files("chaingraph"))) / "_datasets"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual loaders
        packaged = None
    if packaged is not None and packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "datasets"
    if source.is_dir():
        return source
    raise ChainDataError(  # pragma: no cover - broken installation
        "the shipped datasets are not installed (no chaingraph/_datasets folder)",
        source="datasets",
    )


def _registry() -> dict[str, dict]:
    root = _dataset_root()
    out = {}
    for meta in sorted(root.glob(f"*/{_META}")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out[meta.parent.name] = {**data, "folder": meta.parent}
    return out


@dataclass(frozen=True)
class IOTable:
    """An input–output table (投入产出表) in the form the linkage analyses use.

    Attributes
    ----------
    name : str
        Dataset name.
    Z : pandas.DataFrame
        Inter-industry flows, sectors × sectors: ``Z.iloc[i, j]`` is what
        sector *i* delivers to sector *j* as intermediate input.
    x : pandas.Series
        Gross output by sector (same order as ``Z``'s rows and columns).
    final_demand : pandas.DataFrame or None
        Final-demand columns (consumption, investment, exports, …) by sector,
        as the source table gives them. For the BEA tables, ``Z`` is a use
        table (commodities × industries) and ``x`` industry output from the
        make table, and imports are not among these columns, so
        ``Z.sum(axis=1) + final_demand.sum(axis=1)`` does not equal ``x``;
        :func:`~chaingraph.extraction` therefore takes ``f = x − Z·1`` by
        default.
    unit : str
        Unit of the values.
    source : str
        Where the table comes from.
    published : dict
        Published figures to test against (e.g. ``L_diagonal`` and
        ``output_multipliers``), empty when the source publishes none.
    """

    name: str
    Z: pd.DataFrame
    x: pd.Series
    final_demand: pd.DataFrame | None
    unit: str
    source: str
    published: dict = field(default_factory=dict)

    @property
    def sectors(self) -> pd.Index:
        """Sector labels."""
        return self.Z.index

    @property
    def A(self) -> pd.DataFrame:
        """Technical coefficients A = Z·diag(x)⁻¹."""
        return self.Z / self.x.to_numpy()[None, :]

    @property
    def L(self) -> pd.DataFrame:
        """Leontief inverse L = (I − A)⁻¹."""
        a = self.A.to_numpy()
        inv = np.linalg.inv(np.eye(len(a)) - a)
        return pd.DataFrame(inv, index=self.Z.index, columns=self.Z.columns)

    def __repr__(self) -> str:
        return f"<IOTable {self.name!r}: {len(self.Z)} sectors, {self.unit}>"


def _read_bea(folder: Path, meta: dict) -> IOTable:
    n = int(meta["n_sectors"])
    use = pd.read_csv(folder / meta["use"], index_col=0, na_values=["---"])
    make = pd.read_csv(folder / meta["make"], index_col=0, na_values=["---"])
    sectors = pd.Index([str(s) for s in use.index[:n]], name="sector")
    if list(make.index[:n]) != list(sectors):
        raise ChainDataError("the make and use tables list different sectors",
                             source=meta["make"])
    z = use.iloc[:n, :n].fillna(0.0).astype("float64")
    z.index = sectors
    z.columns = sectors.rename("sector")
    x = make["Total Industry Output"].iloc[:n].astype("float64")
    x.index = sectors
    x.name = "output"
    cols = list(use.columns)
    lo = cols.index(meta["total_intermediate"]) + 1
    hi = cols.index(meta["total_use"])
    fd = use.iloc[:n, lo:hi].fillna(0.0).astype("float64")
    fd.index = sectors
    if "final_demand_labels" in meta:
        fd.columns = [meta["final_demand_labels"].get(c, c) for c in fd.columns]
    return IOTable(meta["name"], z, x, fd, meta["unit"], meta["source"],
                   dict(meta.get("published", {})))


def _read_eurostat(folder: Path, meta: dict) -> IOTable:
    raw = pd.read_csv(folder / meta["table"])
    group_cols = [c for c in raw.columns if c.endswith("_group")]
    stop = int(np.flatnonzero(raw["t_rows2"].to_numpy() == "cpa_total")[0])
    body = raw.iloc[:stop]
    sectors = pd.Index(body["t_rows2_lab"].astype(str).to_list(), name="sector")
    z = pd.DataFrame(body[group_cols].to_numpy(dtype="float64"), index=sectors,
                     columns=sectors)
    out_row = raw.loc[raw["iotables_row"] == "output_bp", group_cols]
    x = pd.Series(out_row.to_numpy(dtype="float64").ravel(), index=sectors, name="output")
    fd_cols = meta["final_demand"]
    fd = pd.DataFrame(body[fd_cols].to_numpy(dtype="float64"), index=sectors, columns=fd_cols)
    return IOTable(meta["name"], z, x, fd, meta["unit"], meta["source"],
                   dict(meta.get("published", {})))


def list_datasets() -> pd.DataFrame:
    """The datasets shipped with chaingraph.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, columns ``name``, ``kind`` (``chain``,
        ``chain-map`` — providers and their market shares, no transactions —,
        ``register`` or ``io-table``), ``description``, ``n_firms`` (chains,
        chain maps with their country aggregates, and registers) and
        ``n_links`` (chains and chain maps, 0 for a chain map; of the latest
        year for a chain of several years), ``n_sectors``
        (input–output tables); missing where not applicable.

    Examples
    --------
    >>> from chaingraph.datasets import list_datasets
    >>> list_datasets()[["name", "kind"]]
                          name       kind
    0           germany-1995-6   io-table
    1          register-sample   register
    2             shandong-cnc      chain
    3             shandong-nev      chain
    4           us-bea-2021-15   io-table
    5           us-bea-2021-71   io-table
    6  world-semiconductor-map  chain-map
    """
    rows = []
    for name, meta in _registry().items():
        row = {"name": name, "kind": meta["kind"], "description": meta["description"],
               "n_firms": pd.NA, "n_links": pd.NA, "n_sectors": pd.NA}
        if meta["kind"] in ("chain", "chain-map"):
            folder = meta["folder"]
            latest = max(meta["years"]) if meta.get("years") else None
            row["n_firms"] = _count_rows(folder / "firms.csv", latest)
            links = folder / "links.csv"
            row["n_links"] = _count_rows(links, latest) if links.exists() else 0
        elif meta["kind"] == "register":
            row["n_firms"] = _count_rows(meta["folder"] / meta["file"])
        else:
            row["n_sectors"] = int(meta["n_sectors"])
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("n_firms", "n_links", "n_sectors"):
        out[col] = out[col].astype("Int64")
    return out


def _count_rows(path: Path, year: int | None = None) -> int:
    """Data rows of a CSV file; with ``year``, the rows of that year (a panel's latest)."""
    if year is not None:
        return int((pd.read_csv(path, usecols=["year"])["year"] == year).sum())
    with open(path, "rb") as fh:
        return max(0, sum(1 for line in fh if line.strip()) - 1)


def load_dataset(name: str, *, home: str | None = None, year: int | None = None):
    """Load a shipped dataset.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.
    home : str, optional
        For a chain or chain map: the home country (ISO alpha-2 or alpha-3
        code, English or Chinese name), as in :func:`~chaingraph.read_chain`;
        by default ``CN``.
    year : int, optional
        For a chain of several years (``shandong-nev`` has 2021–2023): the
        year to load; by default the latest (``chain.years`` lists them,
        ``chain.in_year(y)`` gives another).

    Returns
    -------
    ChainGraph, IOTable or DataFrame
        A chain (with its template and ``region="山东"``) for ``kind ==
        "chain"``; a chain of presence rows and no links (with its template,
        no region) for ``kind == "chain-map"``; an :class:`IOTable` for
        input–output tables; the table as the file has it (Chinese headers,
        every cell text) for a firm register (``kind == "register"``).

    Raises
    ------
    ChainDataError
        An unknown name (the message lists the shipped datasets).
    ValueError
        ``home`` or ``year`` given for a dataset that is not a chain or chain map.

    Examples
    --------
    >>> from chaingraph.datasets import load_dataset
    >>> chain = load_dataset("shandong-nev")
    >>> chain.region, chain.template.name, chain.n_firms
    ('山东', 'nev', 2000)
    >>> io = load_dataset("germany-1995-6")
    >>> io.L.to_numpy().diagonal()[:3].round(4).tolist()
    [1.0339, 1.4292, 1.0289]
    >>> io.published["L_diagonal"]
    [1.0339, 1.4292, 1.0289]
    >>> world = load_dataset("world-semiconductor-map", home="USA")
    >>> world.home, world.has_links, len(world.presence) > world.n_firms
    ('US', False, True)
    """
    reg = _registry()
    if name not in reg:
        raise ChainDataError(
            f"unknown dataset {name!r} (shipped datasets: {', '.join(reg)})",
            source="datasets",
        )
    meta = reg[name]
    folder = meta["folder"]
    if meta["kind"] in ("chain", "chain-map"):
        from chaingraph.io import read_chain

        if year is None and meta.get("years"):
            year = max(meta["years"])
        return read_chain(folder, region=meta.get("region"), home=home, year=year)
    if home is not None or year is not None:
        raise ValueError(f"load_dataset: home= and year= apply to chains and chain maps; "
                         f"{name!r} is of kind {meta['kind']!r}")
    if meta["kind"] == "register":  # a firm register export, as its file has it
        from chaingraph.io import read_table

        return read_table(folder / meta["file"])
    if meta["format"] == "bea":
        return _read_bea(folder, {**meta, "name": name})
    if meta["format"] == "eurostat":
        return _read_eurostat(folder, {**meta, "name": name})
    raise ChainDataError(f"unknown dataset format {meta['format']!r}",  # pragma: no cover
                         source=str(folder / _META))


def load_planted(name: str) -> Planted | PlantedMap:
    """The structure planted in a shipped synthetic dataset (``planted.json``).

    Returns
    -------
    Planted or PlantedMap
        A :class:`~chaingraph.synthetic.Planted` for a synthetic chain, a
        :class:`~chaingraph.synthetic_map.PlantedMap` for a synthetic chain map.

    Examples
    --------
    >>> from chaingraph.datasets import load_planted
    >>> load_planted("shandong-nev").missing_segments
    [...]
    >>> load_planted("world-semiconductor-map").missing_segments["CN"]
    ['euv_scanners', 'euv_light_sources', 'euv_resists', 'mask_inspection']
    """
    reg = _registry()
    if name not in reg or not (reg[name]["folder"] / "planted.json").exists():
        synthetic = [k for k, v in reg.items() if (v["folder"] / "planted.json").exists()]
        raise ChainDataError(
            f"no planted structure for dataset {name!r} (synthetic datasets: "
            f"{', '.join(synthetic)})",
            source="datasets",
        )
    data = json.loads((reg[name]["folder"] / "planted.json").read_text(encoding="utf-8"))
    if reg[name]["kind"] == "chain-map":
        return PlantedMap.from_dict(data)
    return Planted.from_dict(data)


def load_planted_changes(name: str) -> dict:
    """The changes planted between the years of a shipped panel (``planted.json``, ``changes``).

    Keys: ``years``; ``gap_filled`` and ``gap_opened`` (``segment``, ``year``,
    ``kind``, and the firms that filled or the firm that left);
    ``chokepoint_resolved`` (``firm``, ``segment``, ``year``, ``second_suppliers``);
    ``lead_rising`` (``firm``, ``year``, ``not_lead_in``); ``tier_up``,
    ``entered`` and ``exited`` (year → firm ids). A change's ``year`` is the
    first year that shows it. The rules are in
    :mod:`chaingraph._synthetic_panel`.

    Examples
    --------
    >>> from chaingraph.datasets import load_planted_changes
    >>> changes = load_planted_changes("shandong-nev")
    >>> changes["years"], changes["gap_filled"]["segment"], changes["lead_rising"]["firm"]
    ([2021, 2022, 2023], 'bms', 'NEV00387')
    """
    load_planted(name)  # the same error for a dataset without planted structure
    data = json.loads((_registry()[name]["folder"] / "planted.json").read_text(encoding="utf-8"))
    if "changes" not in data:
        panels = [k for k, v in _registry().items() if v.get("years")]
        raise ChainDataError(f"dataset {name!r} is of one year: no planted changes (panels: "
                             f"{', '.join(panels)})", source="datasets")
    return data["changes"]


def load_prospects(name: str) -> pd.DataFrame:
    """The prospective firms (招商 candidates) shipped with a chain dataset (``prospects.csv``),
    for :func:`~chaingraph.attraction_list`; its datasheet says what is planted in them.

    Examples
    --------
    >>> from chaingraph.datasets import load_prospects
    >>> load_prospects("shandong-nev")[["firm_id", "segment_id"]].head(2)
      firm_id         segment_id
    2   PRO01  lithium_resources
    3   PRO02            chassis
    """
    reg = _registry()
    path = reg[name]["folder"] / "prospects.csv" if name in reg else None
    if path is None or not path.exists():
        shipped = [k for k, v in reg.items() if (v["folder"] / "prospects.csv").exists()]
        raise ChainDataError(
            f"no prospects table for dataset {name!r} (datasets with one: {', '.join(shipped)})",
            source="datasets",
        )
    from chaingraph.io import read_table

    return read_table(path)
