"""Chain templates (产业链图谱): the segments a chain needs and which feeds which.

A :class:`ChainTemplate` holds two tables:

* ``segments`` — one row per chain segment (环节), indexed by ``segment_id``,
  with ``name`` (Chinese), ``name_en``, ``stage`` (``upstream`` / ``midstream``
  / ``downstream``, or missing), ``foundation``: the 五基 category of a
  foundation segment (基础零部件, 基础元器件, 基础软件, 基础材料, 基础工艺 →
  ``零部件``/``元器件``/``软件``/``材料``/``工艺``) or missing; ``parent``: the
  segment it is a kind of (nested segments, any depth) or missing; ``kind``:
  ``product``, or ``process`` for a process step (工序) that needs no firm of
  its own; and ``level``, computed from the flows (0 for a source segment);
* ``flows`` — one row per segment-to-segment flow (``from_segment`` supplies
  ``to_segment``) with ``essential``: whether the customer segment cannot
  produce without that input (a Leontief input, as in the ESRI cascade) or
  can substitute or do without it. A nested segment inherits its ancestors'
  flows (:attr:`ChainTemplate.effective_flows`).

Built-in templates for three of Shandong's key chains ship as TOML files in
``chaingraph/chain_templates/``: ``nev`` (新能源汽车), ``cnc`` (工业母机) and
``ic`` (集成电路). Users bring their own with
:meth:`ChainTemplate.from_frames` or :meth:`ChainTemplate.from_toml`.
"""

from __future__ import annotations

import html
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph.errors import ChainDataError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ChainTemplate", "list_templates", "get_template", "STAGES", "FOUNDATIONS"]

from . import _template_nesting as nesting
from ._template_tables import is_blank, validate_flows, validate_segments
from .schema import FOUNDATIONS, STAGE_WORDS, STAGES, TableInfo

_CLUSTER_TYPES = ("pillar", "emerging")

_BUILTIN_PACKAGE = "chaingraph"
_BUILTIN_DIR = "chain_templates"


class ChainTemplate:
    """A chain template (产业链图谱): the segments a chain needs and their flows.

    Build one with :meth:`from_frames` or :meth:`from_toml`, or take a
    built-in one with :func:`get_template`. A template is treated as
    immutable: its tables are copies, and the accessors return copies.

    Attributes
    ----------
    name : str
        Short identifier (``"nev"``).
    title, title_en : str
        Chinese and English titles (``"新能源汽车"``, ``"New energy vehicles"``).
    source : str
        What the template is based on.
    version : str
        Version string of the template data.
    cluster_type : {"pillar", "emerging"} or None
        The kind of industrial cluster (产业集群类型) the chain is, which sets
        the revenue threshold of the lead-firm (链主) tier rule: ``pillar``
        (战略性支柱产业集群) or ``emerging`` (战略性新兴产业集群); ``None``
        when the template does not say. The built-in templates follow
        Guangdong's 2020 list of strategic clusters (汽车 pillar; 高端装备制造
        and 半导体与集成电路 emerging).
    segments : pandas.DataFrame
        Indexed by ``segment_id`` (str). Columns ``name`` (Chinese),
        ``name_en``, ``stage`` (``upstream``/``midstream``/``downstream`` or
        ``<NA>``), ``foundation`` (``零部件``/``元器件``/``软件``/``材料``/``工艺``
        or ``<NA>``), ``parent`` (a segment id or ``<NA>``), ``kind``
        (``product``/``process``), ``level`` (Int64, computed: the number of
        flows on the longest path from a source segment, over the flows with
        the inherited ones; a heading with no flow of its own takes the
        smallest level of its sub-segments; ``<NA>`` on or after a cycle of
        flows), plus any extra columns given.
    flows : pandas.DataFrame
        ``from_segment``, ``to_segment`` (segment ids) and ``essential``
        (bool), with a RangeIndex: the flows as given.
    effective_flows : pandas.DataFrame
        The flows with those nested segments inherit, and ``inherited`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> from chaingraph.templates import ChainTemplate
    >>> segments = pd.DataFrame({
    ...     "segment_id": ["ore", "steel", "car"],
    ...     "name": ["铁矿石", "钢材", "汽车"],
    ...     "stage": ["上游", "中游", "下游"],
    ...     "foundation": ["", "materials", None]})
    >>> flows = pd.DataFrame({"from_segment": ["ore", "steel"],
    ...                       "to_segment": ["steel", "car"],
    ...                       "essential": ["是", "否"]})
    >>> t = ChainTemplate.from_frames(segments, flows, name="toy")
    >>> t.segments[["stage", "foundation"]]
                    stage foundation
    segment_id
    ore          upstream       <NA>
    steel       midstream         材料
    car        downstream       <NA>
    >>> t.flows
      from_segment to_segment  essential
    0          ore      steel       True
    1        steel        car      False
    >>> t.final_segments
    ['car']
    """

    __slots__ = ("name", "title", "title_en", "source", "version", "cluster_type", "_segments",
                 "_flows", "_effective_flows")

    def __init__(
        self,
        segments: pd.DataFrame,
        flows: pd.DataFrame,
        *,
        name: str = "custom",
        title: str | None = None,
        title_en: str | None = None,
        source: str = "",
        version: str = "",
        cluster_type: str | None = None,
    ) -> None:
        # Trusted constructor: use from_frames / from_toml for user data.
        name = str(name)
        values = {
            "_segments": segments,
            "_flows": flows,
            "_effective_flows": nesting.effective_flows(segments.index, segments["parent"], flows),
            "name": name,
            "title": title if title is not None else name,
            "title_en": title_en if title_en is not None else name,
            "source": source,
            "version": version,
            "cluster_type": cluster_type,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key, value):
        raise AttributeError(f"ChainTemplate is immutable: cannot set {key!r}")

    def __reduce__(self):
        return (
            _rebuild_template,
            (self._segments, self._flows, self.name, self.title, self.title_en,
             self.source, self.version, self.cluster_type),
        )

    # ------------------------------------------------------------------ build
    @classmethod
    def from_frames(
        cls,
        segments: pd.DataFrame,
        flows: pd.DataFrame | None = None,
        *,
        name: str = "custom",
        title: str | None = None,
        title_en: str | None = None,
        source: str = "",
        version: str = "",
        cluster_type: str | None = None,
    ) -> ChainTemplate:
        """Build and validate a template from a segments table and a flows table.

        Parameters
        ----------
        segments : pandas.DataFrame
            Column ``segment_id`` (required; or the index, when it is named
            ``segment_id``); optional ``name``, ``name_en``, ``stage``
            (``upstream``/``midstream``/``downstream`` or ``上游``/``中游``/
            ``下游``, any case; empty means not given), ``foundation``
            (``零部件``/``元器件``/``软件``/``材料``/``工艺``, also ``基础…`` and
            the English ``parts``/``components``/``software``/``materials``/
            ``processes``; empty means none), ``parent`` (the segment this one
            is a kind of; empty for none), ``kind`` (``product``/``产品`` or
            ``process``/``工序``; empty means product). ``level`` is computed;
            a ``level`` column given must agree with it. Extra columns are
            kept.
        flows : pandas.DataFrame, optional
            ``from_segment``, ``to_segment`` and optional ``essential``
            (bool, 0/1, yes/no, true/false, 是/否; missing column means every
            flow is essential). ``None`` means a template without flows.
        name, title, title_en, source, version : str, optional
            Metadata.
        cluster_type : {"pillar", "emerging"}, optional
            The chain's cluster kind (see the class attributes).

        Returns
        -------
        ChainTemplate

        Raises
        ------
        ChainDataError
            Missing ``segment_id`` column, empty or duplicate segment ids,
            unknown stage, foundation or kind values, a parent that is not a
            segment, segments nested in a loop, a ``level`` that differs from
            the computed one, flows naming unknown segments, self-flows,
            duplicate flows, unreadable ``essential`` values, a
            ``cluster_type`` other than ``pillar`` or ``emerging``.
            The error names the table (``segments`` or ``flows``), the column
            and the offending rows (index labels).

        Examples
        --------
        >>> import pandas as pd
        >>> from chaingraph.templates import ChainTemplate
        >>> seg = pd.DataFrame({"segment_id": ["a", "b"], "stage": ["上游", "sideways"]})
        >>> ChainTemplate.from_frames(seg)
        Traceback (most recent call last):
        ...
        chaingraph.errors.ChainDataError: segments: column 'stage': unknown stage 'sideways' (use upstream/midstream/downstream or 上游/中游/下游) (row 1)
        """
        seg = validate_segments(segments)
        fl = validate_flows(flows, seg.index)
        seg = _with_levels(seg, fl, segments)
        if cluster_type is not None and cluster_type not in _CLUSTER_TYPES:
            raise ChainDataError(f"unknown cluster type {cluster_type!r} (use pillar or emerging)",
                                 source="template", column="cluster_type")
        return cls(
            seg, fl, name=name, title=title, title_en=title_en, source=source, version=version,
            cluster_type=cluster_type,
        )

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> ChainTemplate:
        """Read a template from a TOML file.

        The file has a header (``name``, ``title``, ``title_en``, ``source``,
        ``version``, optional ``cluster_type``), an array of tables
        ``[[segments]]`` (``id``, ``name``, ``name_en``, ``stage``,
        ``foundation``, ``parent``, ``kind``, each but ``id`` optional; other
        keys become extra columns) and an array ``[[flows]]`` (``from``,
        ``to``, ``essential``). The data are
        validated as in :meth:`from_frames`, with the file name as the error
        source.

        Examples
        --------
        >>> from chaingraph.templates import ChainTemplate, get_template
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "nev.toml")
        >>> get_template("nev").to_toml(path)
        >>> ChainTemplate.from_toml(path) == get_template("nev")
        True
        """
        path = Path(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ChainDataError(f"not a valid TOML file: {exc}", source=path.name) from None
        seg_rows = data.get("segments", [])
        if not isinstance(seg_rows, list) or not seg_rows:
            raise ChainDataError("no [[segments]] entries", source=path.name)
        seg = pd.DataFrame(seg_rows)
        if "id" in seg.columns and "segment_id" not in seg.columns:
            seg = seg.rename(columns={"id": "segment_id"})
        flow_rows = data.get("flows", [])
        flows = pd.DataFrame(flow_rows) if flow_rows else None
        if flows is not None:
            flows = flows.rename(columns={"from": "from_segment", "to": "to_segment"})
        try:
            return cls.from_frames(
                seg,
                flows,
                name=data.get("name", path.stem),
                title=data.get("title"),
                title_en=data.get("title_en"),
                source=data.get("source", ""),
                version=str(data.get("version", "")),
                cluster_type=data.get("cluster_type"),
            )
        except ChainDataError as exc:
            raise ChainDataError(
                exc.problem,
                source=f"{path.name} [{exc.source}]" if exc.source else path.name,
                column=exc.column,
                rows=exc.rows,
            ) from None

    def to_toml(self, path: str | os.PathLike) -> None:
        """Write the template as TOML (readable back with :meth:`from_toml`)."""
        lines = [
            f"name = {_toml_str(self.name)}",
            f"title = {_toml_str(self.title)}",
            f"title_en = {_toml_str(self.title_en)}",
            f"source = {_toml_str(self.source)}",
            f"version = {_toml_str(self.version)}",
            *([f"cluster_type = {_toml_str(self.cluster_type)}"] if self.cluster_type else []),
            "",
        ]
        seg = self._segments.drop(columns="level")  # computed, not given
        for sid, row in seg.iterrows():
            lines.append("[[segments]]")
            lines.append(f"id = {_toml_str(sid)}")
            for col in seg.columns:
                value = row[col]
                if is_blank(value) or (col == "kind" and value == "product"):
                    continue
                lines.append(f"{col} = {_toml_value(value)}")
            lines.append("")
        for row in self._flows.itertuples(index=False):
            lines.append("[[flows]]")
            lines.append(f"from = {_toml_str(row.from_segment)}")
            lines.append(f"to = {_toml_str(row.to_segment)}")
            lines.append(f"essential = {'true' if row.essential else 'false'}")
            lines.append("")
        Path(path).write_text("\n".join(lines), encoding="utf-8")

    # ------------------------------------------------------------- accessors
    @property
    def segments(self) -> pd.DataFrame:
        """The segments table (a copy)."""
        return self._segments.copy()

    @property
    def flows(self) -> pd.DataFrame:
        """The flows table as given (a copy)."""
        return self._flows.copy()

    @property
    def effective_flows(self) -> pd.DataFrame:
        """The flows with those that nested segments inherit (a copy).

        A segment takes every flow of its ancestors, in both directions, unless
        it has a flow of its own for that pair: ``a → b`` holds when some
        ancestor-or-self of ``a`` flows to some ancestor-or-self of ``b``.
        ``essential`` comes from the nearest such given flow (fewest parent
        steps at both ends together; on a tie, essential when one of them is).
        Columns ``from_segment``, ``to_segment``, ``essential``, ``inherited``
        (bool); the given flows first.

        Examples
        --------
        >>> import pandas as pd
        >>> from chaingraph.templates import ChainTemplate
        >>> seg = pd.DataFrame({"segment_id": ["glass", "litho", "arf", "fab"],
        ...                     "parent": [None, None, "litho", None]})
        >>> flows = pd.DataFrame({"from_segment": ["glass", "litho"], "to_segment": ["arf", "fab"]})
        >>> t = ChainTemplate.from_frames(seg, flows)
        >>> t.effective_flows
          from_segment to_segment  essential  inherited
        0        glass        arf       True      False
        1        litho        fab       True      False
        2          arf        fab       True       True
        >>> t.segments["level"].tolist()
        [0, 0, 1, 2]
        """
        return self._effective_flows.copy()

    def ancestors(self, segment_id: str) -> list[str]:
        """The segments ``segment_id`` is nested in, nearest first (parent, grandparent, …)."""
        self._check_segment(segment_id)
        return nesting.ancestors(self._segments.index, self._segments["parent"])[segment_id]

    def descendants(self, segment_id: str) -> list[str]:
        """The segments nested in ``segment_id`` at any depth, in template order."""
        self._check_segment(segment_id)
        anc = nesting.ancestors(self._segments.index, self._segments["parent"])
        return [s for s in self._segments.index if segment_id in anc[s]]

    @property
    def process_segments(self) -> list[str]:
        """Segments of kind ``process``: process steps that need no firm of their own."""
        return list(self._segments.index[(self._segments["kind"] == "process").to_numpy()])

    def _check_segment(self, segment_id) -> None:
        if segment_id not in self._segments.index:
            raise ChainDataError(f"unknown segment {segment_id!r}", source="template",
                                 column="segment_id")

    @property
    def segment_ids(self) -> list[str]:
        """Segment ids in template order."""
        return list(self._segments.index)

    @property
    def final_segments(self) -> list[str]:
        """Segments with no outgoing flow (the chain's end products)."""
        has_out = set(self._flows["from_segment"])
        return [s for s in self._segments.index if s not in has_out]

    @property
    def source_segments(self) -> list[str]:
        """Segments with no incoming flow (the chain's raw inputs)."""
        has_in = set(self._flows["to_segment"])
        return [s for s in self._segments.index if s not in has_in]

    def stage_segments(self, stage: str) -> list[str]:
        """Segment ids of one stage (``upstream``, ``midstream`` or ``downstream``)."""
        canonical = STAGE_WORDS.get(str(stage).strip().lower())
        if canonical is None:
            raise ChainDataError(f"unknown stage {stage!r}", source="stage")
        return list(self._segments.index[(self._segments["stage"] == canonical).fillna(False)
                                         .to_numpy(dtype=bool)])

    @property
    def foundation_segments(self) -> list[str]:
        """Segments with a 五基 foundation category."""
        return list(self._segments.index[self._segments["foundation"].notna()])

    def suppliers_of(self, segment_id: str, *, essential: bool | None = None) -> list[str]:
        """Segments that flow into ``segment_id`` (optionally only (non-)essential ones)."""
        fl = self._flows[self._flows["to_segment"] == segment_id]
        if essential is not None:
            fl = fl[fl["essential"] == essential]
        return list(fl["from_segment"])

    def customers_of(self, segment_id: str, *, essential: bool | None = None) -> list[str]:
        """Segments that ``segment_id`` flows into (optionally only (non-)essential ones)."""
        fl = self._flows[self._flows["from_segment"] == segment_id]
        if essential is not None:
            fl = fl[fl["essential"] == essential]
        return list(fl["to_segment"])

    def topological_order(self) -> list[str]:
        """Segment ids ordered so that every flow (inherited ones too) goes forward.

        Raises
        ------
        ChainDataError
            When the flows contain a cycle (the segments on it, or after it,
            are named): a template's flows must be acyclic.
        """
        order, left = nesting.topological_order(self._segments.index, self._effective_flows)
        if left:
            raise ChainDataError(
                "the flows contain a cycle through segments " + ", ".join(left)
                + " (a template's flows, inherited ones included, must be acyclic)",
                source="flows",
            )
        return order

    def __len__(self) -> int:
        return len(self._segments)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChainTemplate):
            return NotImplemented
        return (
            (self.name, self.title, self.title_en, self.source, self.version, self.cluster_type)
            == (other.name, other.title, other.title_en, other.source, other.version,
                other.cluster_type)
            and _frames_equal(self._segments, other._segments)
            and _frames_equal(self._flows, other._flows)
        )

    __hash__ = None  # mutable-looking contents; compare by value

    def __repr__(self) -> str:
        n_found = int(self._segments["foundation"].notna().sum())
        n_ess = int(self._flows["essential"].sum())
        return (
            f"<ChainTemplate {self.name!r}: {self.title} / {self.title_en}; "
            f"{len(self._segments)} segments ({n_found} foundation), "
            f"{len(self._flows)} flows ({n_ess} essential)>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        head = (
            f"<p><b>{esc(self.title)}</b> ({esc(self.title_en)}) — chain template "
            f"<code>{esc(self.name)}</code>: {len(self._segments)} segments, "
            f"{len(self._flows)} flows</p>"
        )
        rows = []
        for sid, row in self._segments.iterrows():
            ins = ", ".join(
                esc(a) + ("" if e else " (optional)")
                for a, e in zip(
                    self._flows.loc[self._flows["to_segment"] == sid, "from_segment"],
                    self._flows.loc[self._flows["to_segment"] == sid, "essential"],
                )
            )
            found = "" if is_blank(row["foundation"]) else esc(str(row["foundation"]))
            rows.append(
                "<tr>"
                f"<td><code>{esc(str(sid))}</code></td>"
                f"<td>{esc(_text_or_blank(row['name']))}</td>"
                f"<td>{esc(_text_or_blank(row['name_en']))}</td>"
                f"<td>{esc(_text_or_blank(row['stage']))}</td><td>{found}</td><td>{ins}</td></tr>"
            )
        table = (
            "<table><thead><tr><th>segment_id</th><th>name</th><th>name_en</th>"
            "<th>stage</th><th>foundation</th><th>supplied by</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        return head + table


def _with_levels(seg: pd.DataFrame, flows: pd.DataFrame, given_table: pd.DataFrame) -> pd.DataFrame:
    """The checked segments with ``level`` computed from the flows (inherited ones too).

    A ``level`` column given (a table chaingraph wrote, or the user's own) must agree;
    ``given_table`` is the segments table as given, for the rows of an error.
    """
    info = TableInfo.of(given_table, "segments")
    computed = nesting.levels(seg.index, seg["parent"],
                              nesting.effective_flows(seg.index, seg["parent"], flows))
    if "level" in seg.columns:
        given = pd.to_numeric(pd.Series(seg["level"].to_numpy(), dtype=object), errors="coerce")
        differ = ~(given.astype("Float64") == pd.Series(computed, dtype="Float64")).fillna(
            given.isna() & pd.Series(computed).isna()).to_numpy(dtype=bool)
        if differ.any():
            raise ChainDataError(
                "level is computed from the flows (the longest path from a source segment) and "
                "the given values differ from it; leave the column out",
                source=info.source, column="level", rows=info.rows(given_table, differ),
            )
    seg = seg.drop(columns="level", errors="ignore")
    at = list(seg.columns).index("kind") + 1
    seg.insert(at, "level", computed)
    return seg


def _rebuild_template(segments, flows, name, title, title_en, source, version,
                      cluster_type=None):
    """Unpickle a :class:`ChainTemplate`."""
    return ChainTemplate(segments, flows, name=name, title=title, title_en=title_en,
                         source=source, version=version, cluster_type=cluster_type)


def _text_or_blank(value) -> str:
    return "" if is_blank(value) else str(value)


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    except AssertionError:
        return False
    return True


def _toml_str(value) -> str:
    text = str(value)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):  # list-valued keys such as keywords
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return _toml_str(value)


# ------------------------------------------------------------------ built-ins
def _builtin_dir():
    return resources.files(_BUILTIN_PACKAGE) / _BUILTIN_DIR


def _builtin_names() -> list[str]:
    names = []
    for entry in _builtin_dir().iterdir():
        if entry.name.endswith(".toml"):
            names.append(entry.name[: -len(".toml")])
    return sorted(names)


_CACHE: dict[str, ChainTemplate] = {}


def _load_builtin(name: str) -> ChainTemplate:
    if name not in _CACHE:
        with resources.as_file(_builtin_dir() / f"{name}.toml") as path:
            _CACHE[name] = ChainTemplate.from_toml(path)
    return _CACHE[name]


def list_templates() -> pd.DataFrame:
    """The built-in chain templates (产业链图谱).

    Returns
    -------
    pandas.DataFrame
        One row per template, columns ``name``, ``title`` (Chinese),
        ``title_en``, ``n_segments``, ``n_flows``, ``n_foundation``
        (segments with a 五基 category), ``n_essential`` (essential flows).

    Examples
    --------
    >>> from chaingraph.templates import list_templates
    >>> list_templates()[["name", "title", "title_en"]]
      name   title             title_en
    0  cnc    工业母机  CNC machine tools
    1   ic    集成电路  Integrated circuits
    2  nev   新能源汽车  New energy vehicles
    """
    rows = []
    for name in _builtin_names():
        t = _load_builtin(name)
        rows.append({
            "name": t.name,
            "title": t.title,
            "title_en": t.title_en,
            "n_segments": len(t._segments),
            "n_flows": len(t._flows),
            "n_foundation": int(t._segments["foundation"].notna().sum()),
            "n_essential": int(t._flows["essential"].sum()),
        })
    return pd.DataFrame(rows)


def get_template(template: str | os.PathLike | ChainTemplate) -> ChainTemplate:
    """A chain template from a built-in name, a TOML path or a template.

    Parameters
    ----------
    template : str, path or ChainTemplate
        A built-in name (see :func:`list_templates`), the path of a
        ``.toml`` file, or a :class:`ChainTemplate` (returned as it is).

    Returns
    -------
    ChainTemplate

    Raises
    ------
    ChainDataError
        An unknown name (the message lists the built-in names).

    Examples
    --------
    >>> from chaingraph.templates import get_template
    >>> get_template("nev")
    <ChainTemplate 'nev': 新能源汽车 / New energy vehicles; ... segments ...>
    >>> get_template("ship")
    Traceback (most recent call last):
    ...
    chaingraph.errors.ChainDataError: template: unknown template 'ship' (built-in templates: cnc, ic, nev; or give a .toml path or a ChainTemplate)
    """
    if isinstance(template, ChainTemplate):
        return template
    if isinstance(template, (str, os.PathLike)):
        text = os.fspath(template)
        names = _builtin_names()
        if text in names:
            return _load_builtin(text)
        if text.lower().endswith(".toml") or os.path.sep in text:
            path = Path(text)
            if not path.exists():
                raise ChainDataError(f"template file {text!r} does not exist",
                                     source="template")
            return ChainTemplate.from_toml(path)
        raise ChainDataError(
            f"unknown template {text!r} (built-in templates: {', '.join(names)}; "
            "or give a .toml path or a ChainTemplate)",
            source="template",
        )
    raise ChainDataError(
        f"expected a template name, a .toml path or a ChainTemplate, got "
        f"{type(template).__name__}",
        source="template",
    )

