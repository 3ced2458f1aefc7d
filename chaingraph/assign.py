"""Place the firms of a register in chain segments (企业挂链) by industry code and business scope.

A firm register (an export of the market-regulation registry or of a
commercial database) has one row per firm with its GB/T 4754-2017 industry
code (国标行业) and its registered business scope (经营范围), free Chinese
text. :func:`assign_segments` reads both against the vocabularies a chain
template carries for each segment (``industry_codes``, ``keywords``,
``keywords_en``, ``exclude``) and returns presence rows: which firm is active
in which segment, how sure the match is and on what evidence.

The text is read as registers write it: a list of items separated by
``；，。：、`` with boilerplate (一般项目, 许可项目, 依法须经批准的项目…),
negations (``（不含危险化学品）``, ``…除外``) and the same product named
several ways. Items that only sell, repair, rent or advise on a product
(汽车销售, 汽车维修) do not place a firm in the segment that makes it.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import schema
from .errors import ChainDataError
from .templates import ChainTemplate, get_template

__all__ = ["assign_segments", "read_register", "SegmentVocabulary"]

#: Words for an activity that makes, develops or runs a product or facility (生产性经营活动).
PRODUCTION_WORDS = (
    "制造", "生产", "加工", "研发", "研制", "研究", "开发", "设计", "制作", "制备", "冶炼",
    "提炼", "精炼", "铸造", "压铸", "锻造", "装配", "组装", "封装", "测试", "安装", "建设",
    "运营", "回收", "拆解", "再生", "综合利用", "梯次利用", "开采", "采选", "选矿", "提纯",
    "涂装", "集成", "成型", "烧结", "轧制", "生产线", "智能制造",
)
#: Words for an activity that only trades in, services or advises on a product.
TRADE_WORDS = (
    "销售", "批发", "零售", "经销", "代销", "代理", "贸易", "进出口", "进口", "出口", "经营",
    "维修", "维护", "修理", "保养", "美容", "清洗", "装潢", "租赁", "出租", "咨询", "培训", "中介",
    "经纪", "技术服务", "技术推广", "技术交流", "技术转让", "信息咨询", "仓储", "运输",
    "物流", "配送", "展览", "会展", "广告", "检测", "检验", "鉴定", "评估", "拍卖", "网上销售",
    "互联网销售", "售后服务", "上门服务",
)
#: A negation that covers what follows it, to the end of the clause (不含危险化学品).
NEGATION_BEFORE = ("不含", "不包含", "不包括", "不得", "不从事", "不涉及", "不经营", "严禁", "禁止")
#: A negation that covers what precedes it in the same item (危险化学品除外).
NEGATION_AFTER = ("除外",)
#: Characters that carry no product or activity: what is left of a verb-only item (研发、生产).
_FILLER = set("和与及并的等相关业务以其他各类从事项目产品服务")

# a bracketed aside that negates or only refers to approval (（不含…）, （…除外）, （依法须经批准…）)
_NEGATED_ASIDE = (
    r"\([^()]*(?:不含|不包含|不包括|不得|不从事|不涉及|不经营|除外|禁止|须经批准|需经批准|"
    r"凭许可|许可证)[^()]*\)"
)
_CLAUSE_SEPARATORS = r"[;。,:\n\r!?]+"
_ITEM_SEPARATORS = ("、", "/")
_CODE = re.compile(r"^\s*[A-Ta-t]?\s*(\d{2,4})")

# kinds of the automaton's payloads
_TERM, _EXCLUDE, _PRODUCTION, _TRADE, _NEG_BEFORE, _NEG_AFTER, _SEP = range(7)


def _as_list(value) -> list[str]:
    """A vocabulary cell as a list of strings: a list, or text separated by ; 、 , |."""
    if value is None or value is pd.NA:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = [str(v) for v in value if v is not None and not pd.isna(v)]
    else:
        items = re.split(r"[;；、,，|\n]", str(value))
    return [i.strip() for i in items if i.strip()]


def _normalize(text: str) -> str:
    """As the register text is read: NFKC (full width → half width, so （，； become (,;),
    lower case, no whitespace (so ``"lithium carbonate"`` is looked for as ``"lithiumcarbonate"``)."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True)
class SegmentVocabulary:
    """The vocabularies of a template's segments, compiled for matching.

    Attributes
    ----------
    segment_ids : list of str
        The template's segment ids, in template order.
    term_segments : dict
        Keyword (normalized as the text is: half width, lower case, no
        whitespace) → tuple of segment positions that list it.
    term_weight : dict
        Keyword → its weight ``1 / n``, n the number of segments listing it.
    exclude : dict
        Exclusion word → tuple of segment positions it blocks.
    code_segments : dict
        Industry code or code prefix (digits) → tuple of segment positions.
    code_names : dict
        Official name of a listed industry code (as ``"3612 新能源车整车制造"``
        gives it) → the code, so registers that give names resolve too.
    term_label : dict
        Keyword → the keyword as the vocabulary spells it, for the evidence.
    """

    segment_ids: list
    term_segments: dict
    term_weight: dict
    exclude: dict
    code_segments: dict
    code_names: dict
    term_label: dict

    @classmethod
    def of(cls, template: ChainTemplate) -> SegmentVocabulary:
        """Compile the vocabulary columns of ``template.segments``."""
        seg = template.segments
        ids = list(seg.index)
        terms: dict[str, set] = {}
        exclude: dict[str, set] = {}
        codes: dict[str, set] = {}
        names: dict[str, str] = {}
        labels: dict[str, str] = {}
        for pos, sid in enumerate(ids):
            row = seg.loc[sid]
            for col in ("keywords", "keywords_en"):
                for word in _as_list(row.get(col)):
                    terms.setdefault(_normalize(word), set()).add(pos)
                    labels.setdefault(_normalize(word), word)
            for word in _as_list(row.get("exclude")):
                exclude.setdefault(_normalize(word), set()).add(pos)
            for entry in _as_list(row.get("industry_codes")):
                m = re.match(r"^\s*[A-Ta-t]?(\d{2,4})\s*(.*)$", entry)
                if m is None:
                    raise ChainDataError(
                        f"industry code {entry!r} of segment {sid!r} is not a GB/T 4754 code "
                        "(2 to 4 digits, optionally followed by its name)",
                        source=f"template {template.name}", column="industry_codes",
                    )
                codes.setdefault(m[1], set()).add(pos)
                if m[2].strip():
                    names[_normalize(m[2].strip())] = m[1]
        if not terms and not codes:
            raise ChainDataError(
                "no segment has a vocabulary (keywords, keywords_en or industry_codes); "
                "add them to the template's segments to assign firms",
                source=f"template {template.name}",
            )
        return cls(
            segment_ids=ids,
            term_segments={t: tuple(sorted(p)) for t, p in terms.items()},
            term_weight={t: 1.0 / len(p) for t, p in terms.items()},
            exclude={t: tuple(sorted(p)) for t, p in exclude.items()},
            code_segments={c: tuple(sorted(p)) for c, p in codes.items()},
            code_names=names,
            term_label=labels,
        )

    def automaton(self):
        """An Aho–Corasick automaton over keywords, exclusions, activity and negation words."""
        import ahocorasick

        auto = ahocorasick.Automaton()
        entries: dict[str, tuple] = {}
        for words, kind in ((PRODUCTION_WORDS, _PRODUCTION), (TRADE_WORDS, _TRADE),
                            (NEGATION_BEFORE, _NEG_BEFORE), (NEGATION_AFTER, _NEG_AFTER),
                            (_ITEM_SEPARATORS, _SEP)):
            for w in words:
                entries[w] = (kind, w)
        for w, segs in self.exclude.items():
            entries[w] = (_EXCLUDE, w, segs)
        for w, segs in self.term_segments.items():
            entries[w] = (_TERM, w, segs)  # a keyword wins over an activity word it equals
        for w, payload in entries.items():
            auto.add_word(w, payload)
        auto.make_automaton()
        return auto

    def codes_of(self, value: str) -> tuple[str | None, tuple]:
        """The code a register cell gives and the segments whose codes it falls under.

        A cell is a code (``"3612"``, ``"C3612"``, ``"C3612 新能源车整车制造"``) or
        the name of a code listed in the vocabulary, possibly as the last part
        of a path (``"制造业-汽车制造业-新能源车整车制造"``). A segment's code
        matches when it is a prefix of the firm's code.
        """
        value = _normalize(value)
        m = _CODE.match(value)
        if m is not None:
            code = m[1]
        else:
            code = self.code_names.get(re.split(r"[-—>/|]", value)[-1])
            if code is None:
                return None, ()
        segs = set()
        for k in range(2, len(code) + 1):
            segs.update(self.code_segments.get(code[:k], ()))
        return code, tuple(sorted(segs))


def _maximal_matches(clause: str, automaton) -> list[tuple[int, int, tuple]]:
    """Every match (start, end exclusive, payload) that no longer match contains, in text order.

    ``新能源汽车空调`` gives both ``新能源汽车`` and ``汽车空调`` (they overlap, neither
    contains the other), while ``电池管理系统`` gives only itself, not ``电池``.
    """
    found = sorted(((end + 1 - len(p[1]), end + 1, p) for end, p in automaton.iter(clause)),
                   key=lambda m: (m[0], -m[1]))
    out, reach = [], -1
    for m in found:
        if m[1] <= reach:  # inside the match that reaches furthest so far
            continue
        out.append(m)
        reach = m[1]
    return out


def _clause_hits(clause: str, automaton) -> tuple[list[tuple[int, str]], set]:
    """The (segment position, keyword) pairs a clause counts for, and the segments it blocks.

    A clause is split into items at 、 and /. A keyword counts unless it is
    negated (after 不含…, before …除外 in its item), names the use of what
    follows (``锂离子电池用电解液``: the keyword before 用), is blocked by one of
    its segment's exclusion words in the clause, or sits in an item whose
    activity is only trade or service. An item's activity is its own activity
    words plus those of the clause's verb-only items (``研发、生产、销售``);
    an item without activity words takes the whole clause's.
    """
    matches = _maximal_matches(clause, automaton)
    if not any(m[2][0] <= _EXCLUDE for m in matches):
        return [], set()  # no keyword nor exclusion word: most clauses of a register
    # one entry per item: start, keywords, their spans, exclusion words, activity spans,
    # whether an activity word makes, whether one trades
    items = [[0, [], [], [], [], False, False]]
    negated = False
    for start, end, payload in matches:
        kind = payload[0]
        item = items[-1]
        if kind == _SEP:
            items.append([end, [], [], [], [], False, False])
        elif kind == _NEG_BEFORE:
            negated = True  # to the end of the clause
        elif kind == _NEG_AFTER:  # keywords and exclusion words before …除外 in this item
            item[1].clear()
            item[2].clear()
            item[3].clear()
        elif kind == _TERM:
            if negated or (clause[end:end + 1] == "用" and clause[end + 1:end + 2] != "于"):
                continue  # negated, or 'X用Y': X is what Y is for
            item[1].append(payload)
            item[2].append((start, end))
        elif kind == _EXCLUDE:
            if not negated:
                item[3].append(payload)
        else:  # an activity word
            item[4].append((start, end))
            item[5 if kind == _PRODUCTION else 6] = True
    blocked = {s for item in items for p in item[3] for s in p[2]}
    all_make = any(it[5] for it in items)
    all_trade = any(it[6] for it in items)
    # verb-only items (研发、生产、销售): activity words and filler only; they lend their activity
    vo_make = vo_trade = False
    for k, (lo, terms, _, _, spans, makes, trades) in enumerate(items):
        if (makes or trades) and not terms:
            hi = items[k + 1][0] - 1 if k + 1 < len(items) else len(clause)
            rest, pos = [], lo
            for a, b in spans:
                rest.append(clause[pos:a])
                pos = b
            rest.append(clause[pos:hi])
            if all(ch in _FILLER for ch in "".join(rest)):
                vo_make |= makes
                vo_trade |= trades
    out = []
    for _, terms, _, _, _, makes, trades in items:
        if not terms:
            continue
        if makes or trades:
            makes, trades = makes or vo_make, trades or vo_trade
        else:
            makes, trades = all_make, all_trade
        if trades and not makes:
            continue  # sells, repairs, rents or advises only
        out.extend((s, p[1]) for p in terms for s in p[2] if s not in blocked)
    return out, blocked


def _clauses(text: pd.Series):
    """Each row's clauses: (row positions, clause codes, unique clauses), via Arrow kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype(object).where(text.notna(), None).tolist(), type=pa.string())
    arr = pc.utf8_lower(pc.utf8_normalize(arr, "NFKC"))
    arr = pc.replace_substring_regex(arr, _NEGATED_ASIDE, "")
    arr = pc.replace_substring_regex(arr, r"\s+", "")
    lists = pc.split_pattern_regex(arr, _CLAUSE_SEPARATORS)
    rows = pc.list_parent_indices(lists).to_numpy()
    flat = pc.list_flatten(lists)
    keep = pc.greater(pc.utf8_length(flat), 0)
    rows = rows[keep.to_numpy(zero_copy_only=False)]
    flat = pc.filter(flat, keep)
    enc = flat.dictionary_encode()
    return rows, enc.indices.to_numpy(), enc.dictionary.to_pylist()


def _keyword_evidence(text: pd.Series, vocab: SegmentVocabulary):
    """Counted keyword matches as rows (row, seg, keyword, weight), each once; and the
    (row, seg) pairs an exclusion word blocks anywhere in the row's text."""
    rows, codes, unique = _clauses(text)
    auto = vocab.automaton()
    hit_clause, hit_seg, hit_word, block_clause, block_seg = [], [], [], [], []
    for k, clause in enumerate(unique):
        hits, blocked = _clause_hits(clause, auto)
        for seg, word in hits:
            hit_clause.append(k)
            hit_seg.append(seg)
            hit_word.append(word)
        for seg in blocked:
            block_clause.append(k)
            block_seg.append(seg)
    hits = pd.DataFrame({"clause": np.asarray(hit_clause, dtype=np.int64),
                         "seg": np.asarray(hit_seg, dtype=np.int64),
                         "keyword": pd.array(hit_word, dtype="string")})
    blocks = pd.DataFrame({"clause": np.asarray(block_clause, dtype=np.int64),
                           "seg": np.asarray(block_seg, dtype=np.int64)})
    ev = _rows_of(hits, rows, codes, len(unique))[["row", "seg", "keyword"]]
    ev = ev.drop_duplicates(ignore_index=True)
    ev["weight"] = ev["keyword"].map(vocab.term_weight).astype("float64")
    ev["keyword"] = ev["keyword"].map(vocab.term_label)
    blocked = _rows_of(blocks, rows, codes, len(unique))[["row", "seg"]].drop_duplicates()
    return ev, blocked


def _rows_of(per_clause: pd.DataFrame, rows: np.ndarray, codes: np.ndarray, n_unique: int):
    """``per_clause`` (keyed by unique clause) joined to the rows whose text has that clause."""
    has = np.zeros(n_unique, dtype=bool)
    has[per_clause["clause"].to_numpy()] = True
    sel = has[codes]
    pairs = pd.DataFrame({"row": rows[sel].astype(np.int64), "clause": codes[sel].astype(np.int64)})
    return pairs.merge(per_clause, on="clause")


def _code_evidence(codes: pd.Series, vocab: SegmentVocabulary) -> tuple[pd.DataFrame, int]:
    """Rows (row, seg, code, weight) of industry-code matches; and how many cells gave no code."""
    values = codes.to_numpy(dtype=object)
    present = ~pd.isna(values)
    uniq, inverse = np.unique(values[present].astype(str), return_inverse=True)
    parsed = [vocab.codes_of(u) for u in uniq]  # each distinct cell once
    readable = np.array([c is not None for c, _ in parsed], dtype=bool)
    unreadable = int((~readable[inverse]).sum())
    n_segs = np.array([len(segs) for _, segs in parsed], dtype=np.int64)
    flat_segs = np.array([s for _, segs in parsed for s in segs], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(n_segs)[:-1]].astype(np.int64)
    counts = n_segs[inverse]
    total = int(counts.sum())
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    cell = np.repeat(inverse, counts)
    code_of = np.array([c if c is not None else "" for c, _ in parsed], dtype=object)
    ev = pd.DataFrame({
        "row": np.repeat(np.flatnonzero(present), counts).astype(np.int64),
        "seg": flat_segs[np.repeat(offsets[inverse], counts) + within],
        "code": pd.array(code_of[cell], dtype="string"),
        "weight": 1.0 / np.repeat(counts, counts),
    })
    return ev, unreadable


def read_register(path, *, sheet=None, encoding: str | None = None) -> pd.DataFrame:
    """A firm register from a CSV, TSV or Excel file, every cell as written.

    CSV encodings (UTF-8 with or without BOM, UTF-16, GB18030/GBK) are
    detected as :func:`chaingraph.read_chain` does; an Excel file is read
    from ``sheet`` (a name or position; the first sheet by default) as
    :func:`chaingraph.read_chain` reads a workbook's sheets (the values Excel
    saved, rows with no value skipped). Rows above the header that hold one
    cell only — a title such as ``2024年新能源汽车企业名单`` or a note such as
    ``单位：万元`` — are skipped, and a warning names them. Headers are kept as
    they are (Chinese or canonical); :func:`assign_segments` maps them. Row
    numbers in later error messages are the file's line numbers (for a
    workbook, the sheet's row numbers).

    Raises
    ------
    ChainDataError
        A missing file, an unknown suffix, an unreadable file or sheet.
    """
    from pathlib import Path

    from .io import read_table

    path = Path(path)
    if not path.is_file():
        raise ChainDataError("no such file", source=str(path))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return read_table(path, encoding=encoding)
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise ChainDataError(f"cannot read a {suffix or 'suffix-less'} file as a register "
                             "(give .csv, .tsv or .xlsx)", source=path.name)
    return _register_sheet(path, sheet)


#: How a register's workbook cell says "missing" (exports write ``-`` for an empty field).
_REGISTER_MISSING = ["", "NA", "N/A", "#N/A", "null", "-"]
#: Rows searched for a register's header below a title.
_HEADER_SEARCH = 20


def _register_sheet(path, sheet) -> pd.DataFrame:
    """One sheet of a register workbook: text cells under its header row, indexed by sheet row."""
    from openpyxl import load_workbook

    from ._text_files import MISSING_SPELLINGS
    from .io import _check_workbook_file, _sheet_frame

    _check_workbook_file(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ChainDataError(f"not a readable Excel file: {exc}", source=path.name) from None
    try:
        names = book.sheetnames
        if sheet is None:
            title = names[0]
        elif isinstance(sheet, int) and 0 <= sheet < len(names):
            title = names[sheet]
        elif isinstance(sheet, str) and sheet in names:
            title = sheet
        else:
            raise ChainDataError(f"no sheet {sheet!r} (the workbook has {', '.join(names)})",
                                 source=path.name)
        source = path.name if sheet is None else f"{path.name}[{sheet}]"
        ws = book[title]
        header, above = _header_row(ws)
        df = _sheet_frame(ws, source, header_row=header)
    finally:
        book.close()
    if above:
        shown = "; ".join(f"row {row}: {text[:40]!r}" for row, text in above)
        rows = "1 row" if len(above) == 1 else f"{len(above)} rows"
        verb = "was" if len(above) == 1 else "were"
        warnings.warn(f"{source}: the header is row {header}; {rows} above it with one cell only "
                      f"{verb} skipped as a title ({shown})", schema.ChainDataWarning, stacklevel=3)
    attrs = dict(df.attrs)
    df = df.mask(df.isin(_REGISTER_MISSING + MISSING_SPELLINGS))
    df.attrs.update(attrs)
    return df


def _header_row(ws) -> tuple[int, list[tuple[int, str]]]:
    """The sheet row of a register's header — the first with two or more cells — and the
    rows with one cell above it (titles, notes). A sheet whose first rows all have one
    cell at most has its header in row 1."""
    above = []
    rows = ws.iter_rows(min_row=1, max_row=_HEADER_SEARCH, values_only=True)
    for number, values in enumerate(rows, start=1):
        cells = [v for v in values if v is not None and str(v).strip() != ""]
        if len(cells) >= 2:
            return number, above
        if cells:
            above.append((number, str(cells[0]).strip()))
    return 1, []


def _prepare_firms(firms, text, code) -> tuple[pd.DataFrame, schema.TableInfo, bool, str, str]:
    """The columns the matching needs, canonical and checked; whether ids came from credit
    codes; and the canonical names of the text and code columns."""
    if not isinstance(firms, pd.DataFrame):
        raise ChainDataError(f"expected a DataFrame, got {type(firms).__name__}", source="firms")
    info = schema.TableInfo.of(firms, "firms")
    canon = {c: schema.COLUMN_ALIASES.get(str(c).strip().lower(), str(c).strip())
             for c in firms.columns}
    ids_from_codes = "firm_id" not in canon.values()
    if ids_from_codes:
        credit = [c for c, v in canon.items() if v == "credit_code"]
        if not credit:
            named = [str(c) for c in firms.columns if not str(c).startswith("Unnamed: ")]
            title = (f"; is {named[0]!r} a title above the header? remove that row"
                     if len(named) == 1 and len(firms.columns) > 1 else "")
            raise ChainDataError(
                "missing column 'firm_id' (or 统一社会信用代码 / credit_code to identify firms; "
                f"columns found: {', '.join(map(str, firms.columns))}){title}",
                source=info.source,
            )
        attrs = dict(firms.attrs)
        firms = firms.assign(firm_id=firms[credit[0]])
        firms.attrs.update(attrs)
    df = schema.canonical_columns(firms, "firms")
    # a column may be named by its header as the file has it (所属行业) or as it is read
    # (industry_code)
    text, code = (None if c is None else schema.COLUMN_ALIASES.get(str(c).strip().lower(), c)
                  for c in (text, code))
    wanted = [c for c in (text, code) if c is not None]
    for col in wanted:
        if col not in df.columns:
            found = ", ".join(map(str, df.columns))
            which = "text" if col == text else "code"
            raise ChainDataError(f"missing column {col!r} (columns found: {found}); match "
                                 f"without it with {which}=None (command line: --{which} none)",
                                 source=info.source)
    kinds = {c: schema.FIRM_COLUMNS.get(c, "text") for c in ("firm_id", "credit_code", *wanted)
             if c in df.columns}
    df = schema.coerce_columns(df[list(kinds)], kinds, info)
    if ids_from_codes:
        _check_credit_codes_as_ids(df, info, credit[0])
    schema.check_ids(df, "firm_id", info, unique=True)
    return df, info, ids_from_codes, text, code


def _check_credit_codes_as_ids(df: pd.DataFrame, info: schema.TableInfo, header) -> None:
    """Missing or repeated credit codes, named by the register's own column (they identify the
    firms, as ``firm_id``, which the register does not have)."""
    codes = df["credit_code"]
    missing = codes.isna().to_numpy()
    if missing.any():
        raise info.error("missing credit codes (they identify the firms; give a firm_id column "
                         "to identify firms without one)", str(header), df, missing)
    dup = codes.duplicated(keep=False).to_numpy()
    if dup.any():
        raise info.error(f"duplicate credit codes {schema._examples(codes[dup])} (they identify "
                         "the firms: one row per firm)", str(header), df, dup)


def assign_segments(
    firms: pd.DataFrame,
    template,
    *,
    text: str | None = "business_scope",
    code: str | None = "industry_code",
    min_score: float = 0.6,
) -> pd.DataFrame:
    """Segment presence (企业挂链) of each firm of a register, from industry codes and business scopes.

    Every segment ``s`` of the template may carry ``keywords`` (and
    ``keywords_en``), ``exclude`` words and ``industry_codes`` (GB/T 4754-2017
    codes or prefixes). A keyword listed by ``n_t`` segments has the weight
    ``w_t = 1 / n_t``; an industry code that falls under the codes of ``n_c``
    segments gives each the weight ``c = 1 / n_c`` (a segment code matches
    when it is a prefix of the firm's code). With ``K_s`` the keywords of
    ``s`` found in the firm's business scope, the firm's score for ``s`` is
    the noisy-or of its evidence

    .. math::

        \\text{score}_s = 1 - (1 - c_s) \\prod_{t \\in K_s} (1 - w_t),

    with ``c_s = 0`` when the code gives nothing. A firm is placed in every
    segment with ``score ≥ min_score``. At the default ``min_score = 0.6``
    one keyword or code of a single segment is enough; one shared by two
    segments (0.5) is not, but it is with a second piece of evidence shared
    by up to three (1 − 0.5·(1 − 1/3) ≈ 0.67). The default was chosen on the
    development part of a hand-labelled register: 0.5 placed firms in extra
    segments on shared evidence alone (micro precision 0.87 against 0.97)
    with no gain in recall.

    The business scope is read as registers write it. Full-width characters
    are made half-width, letters lower case and whitespace removed; bracketed
    asides that negate or refer to approval (``（不含危险化学品）``,
    ``（依法须经批准的项目…）``) are removed; the text is split into clauses at
    ``；，。：`` and clauses into items at ``、`` and ``/``. Keywords are found
    with an Aho–Corasick automaton and every match that no longer match
    contains is kept: ``电池管理系统`` does not also count ``电池``, while the
    overlapping ``新能源汽车`` and ``汽车空调`` both count. A keyword does not
    count when it follows 不含/不包括/不得… in its clause or precedes …除外 in
    its item; when it is followed by 用 (``锂离子电池用电解液``: it names the
    use, the product follows); when an exclusion word of its segment is in
    the clause; or when its item's activity is only trade or service (销售,
    批发, 维修, 租赁, 咨询, …: :data:`TRADE_WORDS`) without a production word
    (制造, 生产, 研发, 加工, …: :data:`PRODUCTION_WORDS`). An item's activity
    is its own activity words together with those of the clause's verb-only
    items (``锂电池的研发、生产、销售``); an item without activity words takes
    the clause's. An exclusion word anywhere in the scope also voids the
    segment's code evidence (a 2641 涂料制造 firm that makes 建筑涂料).

    Parameters
    ----------
    firms : pandas.DataFrame
        A firm register, one row per firm, with canonical or Chinese headers
        (``企业名称``, ``统一社会信用代码``, ``国标行业``/``行业代码``,
        ``经营范围`` …). ``firm_id`` identifies a firm; without it the credit
        code does (a warning says so). Credit codes are checked (GB 32100-2015).
    template : str, path or ChainTemplate
        A built-in template name (``"nev"``, ``"cnc"``, ``"ic"``), a TOML
        path or a template whose segments carry vocabularies.
    text : str or None, default ``"business_scope"``
        Column of business-scope text; ``None`` to match by code only.
    code : str or None, default ``"industry_code"``
        Column of industry codes (``"3612"``, ``"C3612"``, a code with its
        name, or the name of a code the vocabulary lists); ``None`` to match
        by text only.
    min_score : float, default 0.6
        Lowest score that places a firm in a segment, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        Presence rows, firms in input order, a firm's segments by rank,
        with a RangeIndex and the columns

        - ``firm_id``: the firm;
        - ``segment_id``: a segment the firm is placed in, missing (``<NA>``)
          on the one row of a firm placed in none;
        - ``score``: the score above, in [0, 1]; for a firm placed in no
          segment, its highest score (0 when nothing matched);
        - ``rank``: 1 for the firm's best segment, 2 for the next…
          (equal scores ordered by more evidence, Σ w, then template
          order); missing for a firm placed nowhere;
        - ``matched_by``: ``"code"``, ``"keyword"``, ``"both"``, or
          ``"none"`` for a firm placed nowhere;
        - ``evidence``: what matched, as ``"keywords: 锂离子电池、动力电池;
          code: 3841"``; missing for a firm placed nowhere.

        ``attrs`` records the template name, ``min_score`` and the columns used.

    Raises
    ------
    ChainDataError
        A missing ``text``/``code`` column, missing or duplicate firm ids, an
        invalid credit code (naming the rows), a template without
        vocabularies, or ``min_score`` outside (0, 1].

    Warns
    -----
    ChainDataWarning
        When firm ids are taken from credit codes, and when industry-code
        cells give no GB/T 4754 code (how many; those firms are matched by
        text only).

    References
    ----------
    GB/T 4754-2017 国民经济行业分类 (industry codes); GB 32100-2015 (credit
    codes); 国家市场监督管理总局, 经营范围登记规范表述目录 (how business
    scopes are written); A. V. Aho and M. J. Corasick (1975), "Efficient
    string matching: an aid to bibliographic search", Communications of the
    ACM 18(6), 333–340; the noisy-or combination of independent evidence:
    J. Pearl (1988), Probabilistic Reasoning in Intelligent Systems, ch. 4.3.

    Examples
    --------
    A register export as it comes (Chinese headers; firms identified by
    their credit codes):

    >>> import chaingraph as cg
    >>> register = cg.load_dataset("register-sample")
    >>> presence = cg.assign_segments(register, "nev")
    >>> presence[["segment_id", "score", "matched_by", "evidence"]].head(2)
              segment_id  score matched_by                           evidence
    0  lithium_resources    1.0       both  keywords: 氢氧化锂、碳酸锂、锂盐; code: 3239
    1  lithium_resources    1.0    keyword     keywords: 卤水提锂、锂云母、锂精矿、锂辉石

    Selling and repairing cars is not making them; a firm may be in several
    segments; a firm placed nowhere keeps one row:

    >>> import pandas as pd
    >>> firms = pd.DataFrame({"firm_id": ["A", "B"], "business_scope": [
    ...     "驱动电机、电机控制器的研发、生产", "新能源汽车销售；汽车维修（不含危险化学品）"]})
    >>> cg.assign_segments(firms, "nev", code=None)[["firm_id", "segment_id", "rank", "evidence"]]
      firm_id        segment_id  rank         evidence
    0       A       drive_motor     1   keywords: 驱动电机
    1       A  motor_controller     2  keywords: 电机控制器
    2       B              <NA>  <NA>             <NA>
    """
    if not (isinstance(min_score, (int, float)) and 0 < float(min_score) <= 1):
        raise ChainDataError(f"min_score must be in (0, 1], got {min_score!r}",
                             source="assign_segments")
    tmpl = get_template(template)
    vocab = SegmentVocabulary.of(tmpl)
    df, info, ids_from_codes, text, code = _prepare_firms(firms, text, code)
    if ids_from_codes:
        warnings.warn(f"{info.source}: firm_id taken from the credit code for {len(df)} firms",
                      schema.ChainDataWarning, stacklevel=2)
    kw = ce = blocked = None
    if text is not None:
        kw, blocked = _keyword_evidence(df[text], vocab)
    if code is not None:
        ce, unreadable = _code_evidence(df[code], vocab)
        if blocked is not None and len(blocked) and len(ce):
            # an exclusion word anywhere in the scope also voids the segment's code evidence
            hit = ce.merge(blocked.assign(_b=True), on=["row", "seg"], how="left")["_b"]
            ce = ce[hit.isna().to_numpy()].reset_index(drop=True)
        if unreadable:
            warnings.warn(
                f"{info.source}: {unreadable} values of column {code!r} give no GB/T 4754 code "
                "(nor the name of a code the template lists); those firms are matched by text only",
                schema.ChainDataWarning, stacklevel=2,
            )
    out = _presence(df["firm_id"], kw, ce, len(vocab.segment_ids), float(min_score))
    names = np.asarray(vocab.segment_ids + [None], dtype=object)
    out["segment_id"] = pd.array(names[out["segment_id"].to_numpy()], dtype="string")
    out["rank"] = out["rank"].astype("Int64").mask(out["rank"] < 0)
    out["matched_by"] = pd.array(
        np.array(["none", "keyword", "code", "both"], dtype=object)[out["matched_by"].to_numpy()],
        dtype="string")
    out["firm_id"] = out["firm_id"].astype("string")
    out["evidence"] = out["evidence"].astype("string")
    out["score"] = out["score"].round(12)
    out.attrs.update(template=tmpl.name, min_score=float(min_score), text=text, code=code)
    return out


_KEYWORD, _CODE_MATCH = 1, 2


def _presence(firm_ids: pd.Series, keywords, codes, n_segments: int, min_score: float):
    """The presence table from keyword and code evidence (row, seg, weight[, keyword|code])."""
    n = len(firm_ids)
    frames = [f.assign(bit=bit) for f, bit in ((keywords, _KEYWORD), (codes, _CODE_MATCH))
              if f is not None and len(f)]
    cols = ["row", "seg", "weight", "bit"]
    ev = pd.concat([f[cols] for f in frames], ignore_index=True) if frames else \
        pd.DataFrame({c: np.array([], dtype="float64" if c == "weight" else np.int64) for c in cols})
    key = ev["row"].to_numpy(np.int64) * n_segments + ev["seg"].to_numpy(np.int64)
    pairs, inverse = np.unique(key, return_inverse=True)
    weight = np.minimum(ev["weight"].to_numpy(np.float64), 1.0)
    with np.errstate(divide="ignore"):
        score = -np.expm1(np.bincount(inverse, np.log1p(-weight), minlength=len(pairs)))
    mass = np.bincount(inverse, weight, minlength=len(pairs))
    bits = np.zeros(len(pairs), dtype=np.int64)
    np.bitwise_or.at(bits, inverse, ev["bit"].to_numpy(np.int64))
    row, seg = pairs // n_segments, pairs % n_segments

    best = np.zeros(n)
    np.maximum.at(best, row, score)
    keep = np.flatnonzero(score >= min_score - 1e-12)
    # a firm's segments: highest score first, then most evidence (Σ w), then template order
    keep = keep[np.lexsort((seg[keep], -mass[keep], -score[keep], row[keep]))]
    k_row = row[keep]
    first = np.r_[True, k_row[1:] != k_row[:-1]] if len(keep) else np.array([], dtype=bool)
    starts = np.flatnonzero(first)
    rank = np.arange(len(keep)) - np.repeat(starts, np.diff(np.r_[starts, len(keep)])) + 1
    placed = np.zeros(n, dtype=bool)
    placed[k_row] = True
    none_rows = np.flatnonzero(~placed)

    evidence = _evidence_text(keywords, codes, pairs, n_segments)
    order = np.argsort(np.r_[k_row, none_rows], kind="stable")
    out = pd.DataFrame({
        "firm_id": firm_ids.to_numpy(dtype=object)[np.r_[k_row, none_rows]],
        "segment_id": np.r_[seg[keep], np.full(len(none_rows), -1)],
        "score": np.r_[score[keep], best[none_rows]],
        "rank": np.r_[rank, np.full(len(none_rows), -1)],
        "matched_by": np.r_[bits[keep], np.zeros(len(none_rows), dtype=np.int64)],
        "evidence": np.r_[evidence[keep], np.full(len(none_rows), None, dtype=object)],
    }).iloc[order].reset_index(drop=True)
    return out


def _evidence_text(keywords, codes, pairs: np.ndarray, n_segments: int) -> np.ndarray:
    """One string per (row, seg) pair in ``pairs``: ``keywords: a、b; code: 3841``."""
    out = np.full(len(pairs), "", dtype=object)
    for frame, col, label in ((keywords, "keyword", "keywords: "), (codes, "code", "code: ")):
        if frame is None or not len(frame):
            continue
        key = frame["row"].to_numpy(np.int64) * n_segments + frame["seg"].to_numpy(np.int64)
        words = frame[col].to_numpy(dtype=object).astype(str)
        order = np.lexsort((words, key))
        key, words = key[order], words[order].tolist()
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        ends = np.r_[starts[1:], len(key)].tolist()
        joined = np.array([label + "、".join(dict.fromkeys(words[a:b]))
                           for a, b in zip(starts.tolist(), ends)], dtype=object)
        pos = np.searchsorted(pairs, key[starts])
        out[pos] = np.where(out[pos] == "", joined, out[pos] + "; " + joined)
    return out
