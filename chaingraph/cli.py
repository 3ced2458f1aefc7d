"""The ``chaingraph`` command line: each command reads, calls one library function, writes.

Bad input ends with exit code 2 and a one-line message saying what is wrong
and where; warnings about the data (pairs summed, firms added) go to stderr,
and so does, after its output, the focus region a command used (or a warning that there
was none).

Tables go to the terminal for people: firm and segment names beside ids, the
first 20 rows and the main columns (``--all`` for everything), aligned by
display width (a Chinese character takes two columns). With ``-o FILE`` or
``--format csv|json`` the whole table is written as the library returns it; a
CSV holds the table only (its note — weights, rule versions — goes to
stderr), and a text cell that a spreadsheet would run as a formula (starting
with ``= + - @``) is written with a leading ``'``.

Why this module is long: every command of the command line is here, each a thin function (read,
call one library function, write) with its options and help text, as in one Click group; what
the commands share (reading a chain, writing tables) sits at the top.
"""

from __future__ import annotations

import contextlib
import functools
import json
import warnings
from pathlib import Path

import click
import pandas as pd

from ._places import has_places_below_country
from ._text_tables import csv_safe, named_ids, terminal_table
from .errors import ChainDataError

FORMATS = ("table", "csv", "json")
#: Rows a table shows on the terminal without --all.
TERMINAL_ROWS = 20
_SHOW_ALL = "chaingraph.show_all"


class _Group(click.Group):
    """A click group that turns data and parameter errors into exit code 2 and prints data
    warnings plainly."""

    def invoke(self, ctx):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return super().invoke(ctx)
            except ChainDataError as exc:
                _flush(caught)
                click.echo(f"Error: {exc.cli_message()}", err=True)
                ctx.exit(2)
            except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
                _flush(caught)
                click.echo(f"Error: {exc.strerror}: {exc.filename}", err=True)
                ctx.exit(2)
            except (ValueError, TypeError) as exc:
                # ChainDataError (a ValueError) for the data; ValueError or TypeError for an
                # option value the library rejects
                _flush(caught)
                click.echo(f"Error: {exc}", err=True)
                ctx.exit(2)
            finally:
                _flush(caught)


def _flush(caught: list) -> None:
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen and issubclass(w.category, UserWarning):
            click.echo(f"warning: {text}", err=True)
        seen.add(text)
    caught.clear()


@click.group(cls=_Group)
@click.version_option(package_name="chaingraph")
def cli():
    """chaingraph: analyse an industry chain (产业链) as a supplier→customer network.

    A chain is a folder with firms.csv and links.csv (and optionally
    presence.csv, segments.csv and flows.csv), or an .xlsx workbook with those
    sheets; a chain map has presence.csv and no links. Shipped examples: see
    `chaingraph datasets`.
    """


# --------------------------------------------------------------------------- #
# shared pieces for commands


#: ``--unknown-firms``: every command that reads a chain takes it.
unknown_firms_option = click.option(
    "--unknown-firms", type=click.Choice(["error", "add"]), default="error", show_default=True,
    help="Links to firms missing from the firms table: stop with an error, or add those "
         "firms with no attributes (a warning says how many).")

_REGION_HELP = ("Focus region: a province, city or country (default: as recorded in the "
                "data).")
_HOME_HELP = ("Home country (code or name: CN, USA, Japan, 德国); firms of other countries are "
              "foreign (default: as recorded in the data, else CN).")
_YEAR_HELP = "For data of several years (a year column): the year to read (default: the latest)."


def chain_input(func):
    """Add ``PATH | --dataset NAME``, ``--region``, ``--home`` and ``--unknown-firms``; pass
    the loaded chain as ``chain``."""

    @click.argument("path", required=False, type=click.Path(path_type=Path))
    @click.option("--dataset", "-d", metavar="NAME", help="A shipped dataset instead of PATH.")
    @click.option("--region", metavar="REGION", help=_REGION_HELP)
    @click.option("--home", metavar="COUNTRY", help=_HOME_HELP)
    @click.option("--year", type=int, default=None, metavar="YEAR", help=_YEAR_HELP)
    @unknown_firms_option
    @functools.wraps(func)
    def wrapper(path, dataset, region, home, year, unknown_firms, **kwargs):
        chain = load_chain_arg(path, dataset, region, home, unknown_firms, year)
        result = func(chain=chain, **kwargs)
        say_region(chain)
        return result

    return wrapper


def say_region(chain) -> None:
    """Tell on stderr which focus region and home country decided what is local, or warn that
    there was no region (after the command's output, so that an error stays one line)."""
    if chain.region:
        click.echo(f"focus region: {chain.region} ({chain.region_kind}; local: firms there; "
                   f"foreign: firms outside {chain.home})", err=True)
    elif has_places_below_country(chain.firms):
        click.echo(f"warning: no focus region: every firm in {chain.home} counts as local; "
                   "give --region", err=True)
    else:
        click.echo(f"focus region: the home country {chain.home} (the firms have no province or "
                   f"city; local: firms in {chain.home}; foreign: firms outside it)", err=True)


def load_chain_arg(path, dataset, region=None, home=None, unknown_firms="error", year=None):
    """The chain named on the command line by PATH or --dataset (of ``year``, for data of
    several years)."""
    from .core import ChainGraph
    from .io import read_chain

    if (path is None) == (dataset is None):
        raise click.UsageError("give either PATH or --dataset NAME")
    if dataset is not None:
        from .datasets import load_dataset

        chain = load_dataset(dataset) if year is None else load_dataset(dataset, year=year)
        if not isinstance(chain, ChainGraph):
            raise click.UsageError(f"{dataset} is an input–output table, not a chain "
                                   f"(`chaingraph sectors --dataset {dataset}` analyses it)")
        if region is None and home is None:
            return chain
        return chain.with_region(region if region is not None else chain.region, home=home)
    return read_chain(path, region=region, home=home, unknown_firms=unknown_firms, year=year)


def table_output(func):
    """Add ``--format table|csv|json``, ``-o FILE`` and ``--all``."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                  help="Output format (default: from the -o suffix, else table).")
    @click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                  help="Write the whole table to FILE instead of the terminal (.csv, .json, .xlsx "
                       "or text). Text cells that a spreadsheet would run as a formula (starting "
                       "with = + - @) are written with a leading '.")
    @click.option("--all", "show_all", is_flag=True,
                  help=f"On the terminal, every row and column, cells in full (default: the first "
                       f"{TERMINAL_ROWS} rows and the main columns, long cells cut).")
    @functools.wraps(func)
    def wrapper(*args, show_all=False, **kwargs):
        click.get_current_context().meta[_SHOW_ALL] = show_all
        return func(*args, **kwargs)

    return wrapper


_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}


def emit(df: pd.DataFrame, fmt: str | None, output: Path | None, *, note: str | None = None,
         chain=None, columns=None, rows_asked: bool = False) -> None:
    """Write a DataFrame as a table, CSV, JSON or Excel; ``note`` (e.g. rule version) goes along.

    CSV, JSON and Excel hold ``df`` as it is (a CSV's note goes to stderr). The
    terminal table adds the names of ``chain``'s firms and segments beside their
    ids and, unless ``--all``, shows only ``columns`` (besides names) and the first
    :data:`TERMINAL_ROWS` rows (all of them when ``rows_asked``: the user chose
    how many, e.g. with ``--top``).
    """
    suffix = output.suffix.lower() if output is not None else ""
    implied = _SUFFIX_FORMATS.get(suffix)
    if fmt is not None and implied is not None and fmt != implied:
        raise click.UsageError(f"--format {fmt} contradicts -o {output.name} (a {implied} file); "
                               "give one of them, or make them agree")
    fmt = fmt or implied or "table"
    if fmt == "xlsx":
        from ._excel import save_workbook

        sheets = {"result": df.reset_index()}
        if note:
            sheets["note"] = pd.DataFrame({"note": [note]})
        save_workbook(output, sheets)
        return
    if fmt == "csv":
        text = csv_safe(df).to_csv()
        if note:
            click.echo(f"note: {note}", err=True)
    elif fmt == "json":
        payload = {"data": json.loads(df.reset_index().to_json(orient="records", force_ascii=False))}
        if note:
            payload = {"note": note, **payload}
        text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
    else:
        ctx = click.get_current_context(silent=True)
        show_all = output is not None or bool(ctx and ctx.meta.get(_SHOW_ALL))
        text = _terminal_text(df, chain=chain, columns=None if show_all else columns,
                              max_rows=None if show_all or rows_asked else TERMINAL_ROWS,
                              max_width=10_000 if show_all else 40)
        if note:
            text = f"{note}\n{text}"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


#: Columns that name what a row is about; the terminal keeps them whatever ``columns`` says.
_NAME_COLUMNS = ("firm_id", "firm_name", "name", "segment_id", "segment")


def _terminal_text(df: pd.DataFrame, *, chain=None, columns=None, max_rows=None,
                   max_width: int = 40,
                   hint: str = "--all shows them, -o FILE (.csv, .xlsx) writes the whole table") -> str:
    """``df`` as an aligned text table with names beside ids, cut to ``columns`` and
    ``max_rows``, and a last line saying what was left out."""
    shown = _with_names(df, chain) if chain is not None else df
    n_rows, n_cols = len(shown), len(shown.columns)
    if columns is not None:
        shown = shown[[c for c in shown.columns if c in _NAME_COLUMNS or c in columns]]
    if max_rows is not None:
        shown = shown.head(max_rows)
    text = terminal_table(shown, max_width=max_width) + "\n"
    left_out = []
    if len(shown) < n_rows:
        left_out.append(f"{n_rows - len(shown):,} more rows")
    if len(shown.columns) < n_cols:
        left_out.append(f"{n_cols - len(shown.columns)} more columns")
    if left_out:
        text += f"... {' and '.join(left_out)}: {hint}\n"
    return text


def _with_names(df: pd.DataFrame, chain) -> pd.DataFrame:
    """``df`` with the names of the chain's firms and segments beside their ids: ``name``
    (and the firm's ``segment``) first for a table by firm, ``name`` for a table by
    segment, ``firm_name`` after a ``firm_id`` column, and candidate lists as
    "name (id)"."""
    firms, segs = chain.firms, chain.segments
    firm_names = firms["name"] if "name" in firms.columns else None
    seg_names = segs["name"] if "name" in segs.columns else None

    def segment_name(ids):
        ids = pd.Series(ids, dtype=object)
        if seg_names is None:
            return ids
        named = ids.map(seg_names)
        return named.where(named.notna(), ids)

    out = df.copy()
    if out.index.name == "firm_id" and firm_names is not None:
        front = {}
        if "name" not in out.columns:
            front["name"] = firm_names.reindex(out.index).to_numpy()
        if "segment_id" in firms.columns and not {"segment", "segment_id"} & set(out.columns):
            front["segment"] = segment_name(firms["segment_id"].reindex(out.index).to_numpy()).to_numpy()
        out = pd.concat([pd.DataFrame(front, index=out.index), out], axis=1)
        if "segment_id" in out.columns and "segment" not in out.columns:
            out.insert(out.columns.get_loc("segment_id") + 1, "segment",
                       segment_name(out["segment_id"].to_numpy()).to_numpy())
    if out.index.name == "segment_id" and "name" not in out.columns and seg_names is not None:
        out.insert(0, "name", segment_name(out.index.to_numpy()).to_numpy())
    if "firm_id" in out.columns and "firm_name" not in out.columns and firm_names is not None:
        out.insert(out.columns.get_loc("firm_id") + 1, "firm_name",
                   firm_names.reindex(out["firm_id"]).to_numpy())
    for col in ("candidates", "extend_candidates"):
        if col in out.columns and firm_names is not None:
            out[col] = out[col].map(lambda v: named_ids(v, firm_names) if isinstance(v, str) else v)
    return out


# --------------------------------------------------------------------------- #
# foundation commands


@cli.command()
@table_output
def datasets(fmt, output):
    """List the shipped datasets."""
    from .datasets import list_datasets

    emit(list_datasets().set_index("name"), fmt, output)


@cli.command()
@table_output
def templates(fmt, output):
    """List the built-in chain templates (产业链图谱)."""
    from .templates import list_templates

    emit(list_templates().set_index("name"), fmt, output)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--region", metavar="REGION", help="Focus region to check against.")
@click.option("--home", metavar="COUNTRY", help=_HOME_HELP)
@unknown_firms_option
def validate(path, region, home, unknown_firms):
    """Check a chain folder or workbook; exit 2 with the first problem found."""
    from .io import read_chain

    chain = read_chain(path, region=region, home=home, unknown_firms=unknown_firms)
    click.echo(f"OK: {chain!r}")
    region_text = f"{chain.region} ({chain.region_kind})" if chain.region else "none"
    if chain.has_presence:
        p = chain.presence
        presence = (f"{len(p):,} rows, {p['firm_id'].nunique():,} firms in "
                    f"{p['segment_id'].nunique():,} segments, {int(p['share'].notna().sum()):,} "
                    f"with a share, {int(p['negligible'].fillna(False).sum()):,} negligible; "
                    f"{int(chain.is_aggregate.sum()):,} aggregates")
    else:
        presence = "none (each firm's segment_id)"
    click.echo(f"home: {chain.home}; region: {region_text}")
    click.echo(f"presence: {presence}")
    click.echo(f"links: {chain.n_links:,} supplier–customer pairs" if chain.has_links
               else "links: none (a chain map: analyses that need transactions are not available)")
    if len(chain.years) > 1:
        for year in chain.years:
            if year != chain.year:
                chain.in_year(year)  # each year's rows checked as the shown year's
        shown = f"; shown: {chain.year}" if chain.year is not None else "; shown: every year"
        click.echo(f"years: {', '.join(map(str, chain.years))} (each checked{shown})")


@cli.command("assign")
@click.argument("register", type=click.Path(path_type=Path))
@click.option("--template", "-t", required=True, metavar="NAME|FILE",
              help="Built-in template (nev, cnc, ic) or a .toml file with segment vocabularies.")
@click.option("--min-score", type=float, default=0.6, show_default=True,
              help="Lowest score that places a firm in a segment.")
@click.option("--text", default="business_scope", show_default=True, metavar="COLUMN|none",
              help="Business-scope column (经营范围), or none to match by industry code only.")
@click.option("--code", default="industry_code", show_default=True, metavar="COLUMN|none",
              help="Industry-code column (国标行业/行业代码/所属行业), or none to match by text only.")
@click.option("--sheet", default=None, metavar="NAME", help="Excel sheet (default: the first).")
@table_output
def assign_command(register, template, min_score, text, code, sheet, fmt, output):
    """Place a firm register's firms in chain segments (企业挂链): one presence row per firm and segment.

    REGISTER is a CSV or Excel export with the usual headers (企业名称,
    统一社会信用代码, 国标行业, 经营范围, …). A firm placed in no segment keeps
    one row with an empty segment_id. Example:
    `chaingraph assign register.xlsx --template nev -o presence.csv`.
    """
    from .assign import assign_segments, read_register

    firms = read_register(register, sheet=sheet)
    presence = assign_segments(firms, template, min_score=min_score,
                               text=None if text.lower() == "none" else text,
                               code=None if code.lower() == "none" else code)
    emit(presence.set_index("firm_id"), fmt, output)
    if output is not None:
        placed = presence.dropna(subset=["segment_id"])
        click.echo(f"wrote {output}: {placed['firm_id'].nunique():,} of "
                   f"{presence['firm_id'].nunique():,} firms placed in "
                   f"{placed['segment_id'].nunique()} segments ({len(placed):,} presence rows)",
                   err=True)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Links file to write: .parquet or .csv (UTF-8).")
@click.option("--supplier", default="supplier_id", show_default=True, metavar="COL",
              help="Column of the selling firm's id (供应商ID, 销方税号 also match).")
@click.option("--customer", default="customer_id", show_default=True, metavar="COL",
              help="Column of the buying firm's id (客户ID, 购方税号 also match).")
@click.option("--amount", default="amount", show_default=True, metavar="COL",
              help="Column of the amount (金额 also matches).")
@click.option("--date", default=None, metavar="COL",
              help="Column of the transaction date: adds first_date and last_date.")
@click.option("--by-year", is_flag=True, help="One link per supplier, customer and year (needs --date).")
@click.option("--negative", type=click.Choice(["reject", "net"]), default="reject",
              show_default=True,
              help="A negative amount (a red-letter invoice, 红字发票): a rejected row, or netted "
                   "with its pair's (and year's) other amounts; a link netting to zero or less is "
                   "then rejected whole (negative_net, zero_net).")
@click.option("--memory-limit", default=None, metavar="SIZE",
              help="Memory for DuckDB, e.g. 2GB; beyond it the work spills to disk.")
@click.option("--rejects", type=click.Path(path_type=Path), default=None,
              help="Write the rejected rows here (.csv or .parquet) with the reason for each.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(sources, output, supplier, customer, amount, date, by_year, negative, memory_limit,
           rejects, quiet):
    """Links from invoice-level transactions (交易流水): one row per supplier→customer pair.

    SOURCES are CSV or Parquet files, folders or quoted glob patterns, e.g.
    `chaingraph ingest 'invoices/*.parquet' -o chain/links.parquet`. Amounts are
    summed exactly; rejected rows are counted by cause (and written with --rejects).
    Needs DuckDB: pip install 'chaingraph[scale]'.
    """
    from .ingest import ingest_transactions

    if output.suffix.lower() not in (".parquet", ".csv"):
        raise click.BadParameter("use a .parquet or .csv file", param_hint="-o/--output")
    if by_year and date is None:
        raise click.UsageError("--by-year needs --date COL")
    try:
        links = ingest_transactions(
            list(sources), supplier=supplier, customer=customer, amount=amount, date=date,
            by_year=by_year, negative=negative, memory_limit=memory_limit, rejects=rejects,
            progress=not quiet)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        if isinstance(exc, ChainDataError):
            raise
        raise click.BadParameter(str(exc), param_hint="--memory-limit") from None
    except MemoryError as exc:
        raise click.ClickException(str(exc)) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".parquet":
        links.to_parquet(output, index=False)
    else:
        links.to_csv(output, index=False, encoding="utf-8")
    n_rejected = sum(links.attrs["rejected"].values())
    n_netted = links.attrs["netted"]
    notes = ([f"{n_netted:,} negative netted"] if n_netted else []) + \
        ([f"{n_rejected:,} rejected"] if n_rejected else [])
    click.echo(f"wrote {output}: {len(links):,} links from {links.attrs['transactions']:,} "
               f"transactions" + (f" ({', '.join(notes)})" if notes else ""))


@cli.command()
@chain_input
@click.option("--all", "show_all", is_flag=True,
              help=f"Every segment (default: the first {TERMINAL_ROWS}).")
def summary(chain, show_all):
    """Counts by segment, stage, size class and location (local/outside/foreign)."""
    s = chain.summary()
    totals = pd.DataFrame({"value": s.totals.astype(object).to_numpy()},
                          index=pd.Index(s.totals.index, name="total"))
    parts = [
        repr(chain), "",
        terminal_table(totals), "",
        "firms by location:", terminal_table(s.by_location.to_frame()), "",
        "firms by size class:", terminal_table(s.by_size_class.to_frame()), "",
        "firms by stage (upstream first):", terminal_table(s.by_stage), "",
        "firms by segment:",
        _terminal_text(s.by_segment, max_rows=None if show_all else TERMINAL_ROWS,
                       hint="--all shows them").rstrip("\n"),
    ]
    click.echo("\n".join(parts))


# -- analysis commands --


def _cascade_options(func):
    """Options shared by ``risk``, ``disrupt`` and ``report``."""
    options = [
        click.option("--essentiality", default="linear", show_default=True, metavar="FILE|WORD",
                     help="linear, leontief, template (the template's essential flows), or a "
                          "CSV matrix: first column supplying sector, header using sectors, "
                          "values 0 (irrelevant), 1 (non-essential), 2 (essential)."),
        click.option("--sector", default="segment_id", show_default=True,
                     help="Firms column giving each firm's sector."),
        click.option("--replaceability", is_flag=True,
                     help="Scale a failed supplier's loss by its market share in its sector."),
        click.option("--weight", default="output", show_default=True, metavar="WORD|COLUMN",
                     help="What a loss counts for: output (revenue, else the larger of network "
                          "sales and purchases), network_sales, or a firms column."),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


def _tol_option(func):
    return click.option(
        "--tol", type=float, default=None,
        help="Run the plain iteration and stop when no loss changes by more than this "
             "(default: the exact fixed point).")(func)


def _scheduler_client(address):
    """A dask.distributed Client connected to ``address`` (None: no cluster)."""
    if address is None:
        return contextlib.nullcontext(None)
    try:
        from distributed import Client
    except ImportError:
        raise click.UsageError(
            "--scheduler needs dask.distributed: pip install 'chaingraph[distributed]'"
        ) from None
    try:
        return Client(address, timeout="20s")
    except OSError as exc:
        raise click.UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


@cli.command()
@chain_input
@_cascade_options
@_tol_option
@click.option("--top", type=int, default=None, metavar="N", help="Only the N firms of highest ESRI.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the scenarios on this Dask cluster (e.g. tcp://10.0.0.5:8786).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@table_output
def risk(chain, essentiality, sector, replaceability, weight, tol, top, scheduler, quiet, fmt,
         output):
    """Economic systemic risk (ESRI, 系统性风险) of every firm, highest first."""
    from .analysis.resilience import systemic_risk

    with _scheduler_client(scheduler) as client:
        result = systemic_risk(chain, sector=sector, essentiality=essentiality,
                               replaceability=replaceability, tol=tol, weight=weight,
                               client=client, progress=not quiet)
    result = result.sort_values("esri", ascending=False, kind="stable")
    if top is not None:
        result = result.head(top)
    emit(result, fmt, output, chain=chain, rows_asked=top is not None,
         note=result.attrs["settings"])


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--dataset", "-d", metavar="NAME", help="A shipped dataset instead of PATH.")
@click.option("--region", metavar="REGION",
              help="Focus region, for the local loss share (default: as recorded in the data).")
@click.option("--focus-region", hidden=True, help="Deprecated name of --region.")
@click.option("--home", metavar="COUNTRY", help=_HOME_HELP)
@click.option("--firm", "firms", multiple=True, metavar="ID", help="A firm that stops (repeatable).")
@click.option("--segment", metavar="S", help="Every firm of this segment stops.")
@click.option("--cut-region", metavar="R",
              help="Every firm whose city or province is R stops (a lockdown).")
@click.option("--country", metavar="C", help="Every firm of this country (ISO code) stops (卡脖子).")
@click.option("--intensity", type=float, default=1.0, show_default=True,
              help="Share of production the shocked firms lose.")
@_cascade_options
@_tol_option
@click.option("--by-segment", is_flag=True, help="Output the impact by segment instead of by firm.")
@click.option("--top", type=int, default=None, metavar="N", help="Only the N firms losing most.")
@unknown_firms_option
@table_output
def disrupt(path, dataset, region, focus_region, home, firms, segment, cut_region, country,
            intensity, essentiality, sector, replaceability, weight, tol, by_segment, top,
            unknown_firms, fmt, output):
    """Disruption scenario (断链情景): what losing firms, a segment, a region or a country does.

    Give one of --firm, --segment, --cut-region (a city or province that
    stops) or --country. As in every command, --region is the focus region.
    Example: `chaingraph disrupt --dataset shandong-nev --country JP --top 20`.
    """
    from .analysis.disruption import simulate_disruption

    if focus_region is not None:
        click.echo("warning: --focus-region is deprecated: the focus region is --region, as in "
                   "every command", err=True)
        if region is not None and region != focus_region:
            raise click.UsageError("give the focus region once, with --region")
        region = focus_region
    given = [("firm", firms), ("segment", segment), ("region", cut_region), ("country", country)]
    given = [(k, v) for k, v in given if v]
    if len(given) != 1:
        message = "give exactly one of --firm, --segment, --cut-region, --country"
        if not given and region is not None:
            message += (f". --region is the focus region, as in every command (in this command it "
                        f"used to name the region that stops); to stop every firm of {region}, "
                        f"give --cut-region {region}")
        raise click.UsageError(message)
    chain = load_chain_arg(path, dataset, region, home, unknown_firms)
    kind, value = given[0]
    shock = list(value) if kind == "firm" else f"{kind}:{value}"
    res = simulate_disruption(chain, shock, intensity=intensity, sector=sector,
                              essentiality=essentiality, replaceability=replaceability,
                              tol=tol, weight=weight)
    if by_segment:
        table = res.segment_impacts.sort_values("weight_lost", ascending=False, kind="stable")
    else:
        table = res.firm_impacts[res.firm_impacts["loss"] > 0].sort_values(
            "weight_lost", ascending=False, kind="stable")
    if top is not None:
        table = table.head(top)
    s = res.summary
    note = (f"{s['shock']}; {s['firms_hit']} firms hit; loss share {s['loss_share']:.4f} "
            f"(downstream {s['loss_share_downstream']:.4f}, upstream "
            f"{s['loss_share_upstream']:.4f}); {res.firm_impacts.attrs['settings']}")
    emit(table, fmt, output, note=note, chain=chain, rows_asked=top is not None,
         columns=("shock", "loss", "weight", "weight_lost", "firms", "firms_hit", "loss_share"))
    say_region(chain)


@cli.command()
@chain_input
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="report.html (self-contained), report.md or report.xlsx (the lists).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Report language.")
@click.option("--section", "sections", multiple=True,
              type=click.Choice(["summary", "leads", "weak", "gaps", "integration", "resilience", "tiers"]),
              help="Only these sections (repeatable; the summary is always included).")
@click.option("--title", default=None, metavar="TEXT",
              help="The chain's name in the heading (default: the template's title, else "
                   "'<region>产业链').")
@click.option("--previous-year", type=int, default=None, metavar="YEAR",
              help="Add the changes since this earlier year of the same data (年度变化).")
@_cascade_options
def report(chain, output, lang, sections, title, previous_year, essentiality, sector,
           replaceability, weight):
    """Chain gap report (产业链诊断报告): one map, several lists, as HTML, Markdown or Excel.

    --essentiality, --sector, --replaceability and --weight set how the
    resilience section computes ESRI and its what-if scenario.
    """
    from .report import build_report

    if output.suffix.lower() not in (".html", ".htm", ".md", ".markdown", ".xlsx"):
        raise click.BadParameter("use a .html, .md or .xlsx file", param_hint="-o/--output")
    previous = chain.in_year(previous_year) if previous_year is not None else None
    risk = dict(essentiality=essentiality, sector=sector, replaceability=replaceability,
                weight=weight)
    built = build_report(chain, lang=lang, sections=list(sections) or None, title=title,
                         previous=previous, risk=risk)
    built.save(output)
    missing = [s.title for s in built.sections.values() if s.unavailable]
    click.echo(f"wrote {output}: {len(built.sections)} sections"
               + (f" ({len(missing)} not available for this chain)" if missing else ""))


@cli.command("compare")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dataset", "-d", metavar="NAME", help="A shipped dataset instead of PATH.")
@click.option("--years", nargs=2, type=int, default=None, metavar="BEFORE AFTER",
              help="The two years to compare, of one PATH (or --dataset) of several years; with "
                   "two PATHs, the year to read from each.")
@click.option("--region", metavar="REGION", help=_REGION_HELP)
@click.option("--home", metavar="COUNTRY", help=_HOME_HELP)
@unknown_firms_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="change.html (one self-contained page) or change.xlsx (every table); "
                   "without it, the counts by status.")
def compare_command(paths, dataset, years, region, home, unknown_firms, output):
    """What changed between two years (年度变化): gaps, chokepoints, lead firms, tiers, firms, links.

    Two chains (BEFORE AFTER), or one chain of several years with --years,
    e.g. `chaingraph compare --dataset shandong-nev --years 2021 2023 -o change.html`.
    """
    from .analysis.change import compare

    if output is not None and output.suffix.lower() not in (".html", ".htm", ".xlsx"):
        raise click.BadParameter("use a .html or .xlsx file", param_hint="-o/--output")
    first, second = years if years is not None else (None, None)
    if len(paths) == 2 and dataset is None:
        before = load_chain_arg(paths[0], None, region, home, unknown_firms, first)
        after = load_chain_arg(paths[1], None, region, home, unknown_firms, second)
    elif len(paths) + (dataset is not None) == 1 and years is not None:
        path = paths[0] if paths else None
        after = load_chain_arg(path, dataset, region, home, unknown_firms, second)
        before = after.in_year(first)
    else:
        raise click.UsageError("give BEFORE AFTER (two chains), or one PATH or --dataset NAME "
                               "with --years BEFORE AFTER")
    change = compare(before, after)
    if output is None:
        click.echo(repr(change))
        emit(change.summary(), None, None, rows_asked=True)
        return
    change.save(output)
    click.echo(f"wrote {output}: {change.labels[0]} → {change.labels[1]}")


@cli.command()
@chain_input
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="HTML file to write (self-contained: opens without network).")
@click.option("--ecosystem", "ecosystem", metavar="FIRM_ID",
              help="Draw this firm's ecosystem (生态圈) at firm level.")
@click.option("--depth", type=int, default=2, show_default=True, help="Tiers for --ecosystem.")
@click.option("--segment", "segments", metavar="SEGMENT_ID", multiple=True,
              help="Draw these segments' firms and their direct partners (repeatable).")
@click.option("--segment-map", is_flag=True, help="Draw one node per segment (环节).")
@click.option("--color-by", default=None,
              help="segment (default), size_group (default for --ecosystem), stage, location, size_class, "
                   "tier or a firms column.")
@click.option("--size-by", default="revenue", show_default=True, help="A numeric firms or score column.")
@click.option("--highlight", metavar="FIRM_IDS|leads", default=None,
              help="Comma-separated firm ids to mark, or 'leads' for the lead firms.")
@click.option("--max-nodes", type=int, default=500, show_default=True,
              help="Above this many firms, draw the segment map.")
def viz(chain, output, ecosystem, depth, segments, segment_map, color_by, size_by, highlight, max_nodes):
    """Interactive network of the chain as one offline HTML file (vis-network inlined)."""
    from .viz import to_pyvis

    if highlight and highlight != "leads":
        highlight = [h.strip() for h in highlight.split(",") if h.strip()]
    net = to_pyvis(chain, color_by=color_by, size_by=size_by, highlight=highlight,
                   max_nodes=max_nodes, view="segments" if segment_map else "auto",
                   segment=list(segments) or None, ecosystem=ecosystem, depth=depth)
    net.save_graph(output)
    folded = sum(1 for n in net.nodes if n.get("hidden"))
    more = f" ({folded:,} more folded)" if folded else ""
    click.echo(f"wrote {output}: {net.view} view, {len(net.nodes) - folded:,} nodes drawn{more}, "
               f"{len(net.edges):,} edges")


@cli.command()
@chain_input
@click.option("--top", type=int, default=None, metavar="N", help="Only the N best-ranked firms.")
@click.option("--rule", type=click.Choice(["default", "guangdong-pillar", "guangdong-emerging"]),
              default="default", show_default=True, help="Rule deciding is_lead.")
@table_output
def leads(chain, top, rule, fmt, output):
    """Lead firms (链主): lead score, rank, is_lead and the score's components."""
    from .analysis.leads import lead_firms

    df = lead_firms(chain, top=top, rule=rule)
    weights = ", ".join(f"{k}={v:.2f}" for k, v in df.attrs["weights"].items())
    emit(df, fmt, output, note=f"weights: {weights}; is_lead rule: {df.attrs['rule']}",
         chain=chain, rows_asked=top is not None,
         columns=("lead_score", "rank", "is_lead", "n_suppliers_2", "n_customers_2"))


@cli.command()
@chain_input
@click.option("--part", type=click.Choice(["components", "firms", "mixing"]), default="components",
              show_default=True,
              help="The index's components, the per-large-firm table, or the size-class mixing matrix.")
@table_output
def integration(chain, part, fmt, output):
    """Integration of small and large firms (大中小企业融通): the 0–100 index and its parts."""
    from .analysis.integration import integration as run

    res = run(chain)
    table = {"components": res.components, "firms": res.firms, "mixing": res.mixing}[part]
    emit(table, fmt, output, chain=chain,
         note=f"融通 index {res.score:.1f}/100; size-class assortativity {res.assortativity:.3f}")



@cli.command()
@click.argument("table", required=False, type=click.Path(path_type=Path))
@click.option("--dataset", "-d", metavar="NAME", help="A shipped dataset instead of TABLE.")
@click.option("--forward", type=click.Choice(["ghosh", "leontief"]), default="ghosh", show_default=True,
              help="Inverse behind the forward linkage (感应度系数).")
@click.option("--local-only", is_flag=True, help="Chains: only flows between local firms.")
@unknown_firms_option
@table_output
def sectors(table, dataset, forward, local_only, unknown_firms, fmt, output):
    """Key sectors (影响力系数/感应度系数) of an input–output table or of a chain's segments.

    TABLE is a CSV file: sector labels in the first column, one column per
    sector headed by the same labels (the square Z block, row = seller,
    column = buyer), and gross output in a column named `x` or `output`;
    other columns are ignored. A chain folder or .xlsx workbook, or a chain
    dataset, is analysed at segment (环节) level: segment flows summed from
    the firm links, segment output from firm revenue.
    """
    from .analysis.sector_tables import sector_table
    from .analysis.sectors import key_sectors

    if (table is None) == (dataset is None):
        raise click.UsageError("give either TABLE or --dataset NAME")
    if table is not None and (table.is_dir() or table.suffix.lower() in (".xlsx", ".xls")):
        table = load_chain_arg(table, None, unknown_firms=unknown_firms)  # a chain
    Z, x = sector_table(table, dataset=dataset, local_only=local_only)
    emit(key_sectors(Z, x, forward=forward), fmt, output, note=f"forward linkage: {forward}")


def _id_list(text):
    """``"A,B; C"`` -> ``["A", "B", "C"]``; ``None`` stays ``None``."""
    if text is None:
        return None
    return [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]


@cli.command()
@chain_input
@click.option("--max-hhi", type=float, default=0.4, show_default=True,
              help="Supplier HHI above which a segment is concentrated.")
@click.option("--min-local-share", type=float, default=0.5, show_default=True,
              help="Local supply share below which a segment is weak.")
@click.option("--max-foreign-share", type=float, default=0.5, show_default=True,
              help="Foreign supply share above which a segment is 卡脖子.")
@click.option("--min-local-firms", type=int, default=2, show_default=True,
              help="Fewer local firms than this makes a segment weak.")
@click.option("--leads", metavar="IDS", help="Lead firm ids, comma-separated (default: lead_firms).")
@table_output
def weak(chain, max_hhi, min_local_share, max_foreign_share, min_local_firms, leads, fmt, output):
    """Weak links (薄弱环节) by segment: missing (缺链), foreign (卡脖子), weak (弱链) or ok."""
    from .analysis.weak import weak_links

    emit(weak_links(chain, max_hhi=max_hhi, min_local_share=min_local_share,
                    max_foreign_share=max_foreign_share, min_local_firms=min_local_firms,
                    leads=_id_list(leads)), fmt, output, chain=chain,
         columns=("stage", "n_firms", "n_local", "local_share", "foreign_share", "hhi", "weakness",
                  "reasons", "severity"))


@cli.command("chokepoints")
@chain_input
@click.option("--leads", metavar="IDS", help="Lead firm ids, comma-separated (default: lead_firms).")
@click.option("--sources", metavar="IDS", help="Upstream firm ids where supply paths start.")
@table_output
def chokepoints_command(chain, leads, sources, fmt, output):
    """Chokepoint firms (堵点): sole suppliers of essential flows and dominators of lead firms."""
    from .analysis.weak import chokepoints

    emit(chokepoints(chain, leads=_id_list(leads), sources=_id_list(sources)), fmt, output,
         chain=chain, columns=("location", "rule", "cut_firms", "cut_amount"))


@cli.command("gaps")
@chain_input
@click.option("--leakage-threshold", type=float, default=0.5, show_default=True,
              help="Share of local demand bought from outside above which a segment leaks.")
@click.option("--top", type=int, default=5, show_default=True,
              help="Candidates per gap and role.")
@click.option("--candidates", "long", is_flag=True,
              help="List the candidate firms (补链/延链) one per row instead of the gaps.")
@table_output
def gaps_command(chain, leakage_threshold, top, long, fmt, output):
    """Chain gaps (缺链/断链/外流) with fill (补链/招商) and extend (延链) candidates."""
    from .analysis.gaps import gap_candidates, gaps

    func = gap_candidates if long else gaps
    emit(func(chain, leakage_threshold=leakage_threshold, top=top), fmt, output, chain=chain)


@cli.command()
@chain_input
@click.option("--candidates", "candidates_file", type=click.Path(path_type=Path), default=None,
              metavar="FILE", help="Prospective firms (firm_id, segment_id, revenue or amount, "
                                   "province or country, …) instead of the chain's outside firms.")
@click.option("--top", type=int, default=20, show_default=True, help="The N best-ranked candidates.")
@click.option("--no-risk", is_flag=True,
              help="Skip risk_reduction (one disruption cascade per segment).")
@table_output
def attract(chain, candidates_file, top, no_risk, fmt, output):
    """Whom to attract (补链招商清单): candidates ranked by the gaps they close and the demand they serve."""
    from .analysis.attraction import attraction_list
    from .io import read_table

    table = read_table(candidates_file) if candidates_file is not None else None
    df = attraction_list(chain, table, top=top, risk=not no_risk)
    weights = ", ".join(f"{k}={v:.2f}" for k, v in df.attrs["weights"].items())
    emit(df, fmt, output, note=f"weights: {weights}; candidates: {df.attrs['n_candidates']}",
         chain=chain, rows_asked=True,
         columns=("location", "gaps_closed", "local_demand_served", "risk_reduction", "score", "rank"))


@cli.command("tiers")
@chain_input
@click.option("--rules", multiple=True, metavar="NAME|FILE",
              help="Rule version or TOML rule file; repeat to combine "
                   "(default: miit-2022, champion-2023, lead-guangdong-2022).")
@click.option("--near-miss", type=float, default=None, metavar="X",
              help="Only firms whose next tier fails within relative distance X, nearest first "
                   "(with --progress: count and list them per tier).")
@click.option("--cluster-type", type=click.Choice(["pillar", "emerging"]), default=None,
              help="Cluster kind for the 链主 revenue threshold where the data has none "
                   "(default: the chain template's).")
@click.option("--detail", is_flag=True, help="Add every criterion's value, threshold and outcome.")
@click.option("--progress", type=click.Choice(["region", "city"]), default=None,
              help="Counts by tier against Shandong's 2025 targets instead of the firm list.")
@table_output
def tiers_command(chain, rules, near_miss, cluster_type, detail, progress, fmt, output):
    """Tier pool (梯度培育库): each firm's tier, its next tier and what it misses.

    Firms nearest to their next tier come first: the smallest distance, then the
    ones whose next tier fails on a yes/no condition (distance inf, "n/a" on the
    terminal), then unknown ones.
    """
    from .analysis.tiers import DEFAULT_RULES, tier_progress, tiers

    rules = list(rules) or DEFAULT_RULES
    if progress is not None:
        df = tier_progress(chain, by=progress, near_miss=near_miss, rules=rules,
                           cluster_type=cluster_type)
    else:
        df = tiers(chain, rules=rules, cluster_type=cluster_type, detail=detail,
                   near_miss=near_miss)
        df = df.sort_values("next_distance", kind="stable", na_position="last")
    note = "rules: " + ", ".join(df.attrs["rules"])
    note += f"; cluster type: {df.attrs['cluster_type'] or 'unknown'}"
    if df.attrs.get("unconfirmed"):
        note += "; unconfirmed values used: " + ", ".join(df.attrs["unconfirmed"])
    emit(df, fmt, output, note=note, chain=chain,
         columns=None if progress else ("size_class", "designation", "tier", "next_tier",
                                        "next_distance", "next_missing"))
