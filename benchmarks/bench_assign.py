"""Placing a register's firms in segments (``assign_segments``): speed and quality.

Speed: synthetic registers of 10^4 and 10^5 firms (10^6 with ``-m national``), built
from the clauses of the hand-labelled ``register-sample`` and from new old-style
clauses (``A、B、C的研发、生产、销售``) over the templates' keywords and other
products, so that most chain firms' clauses are unique as in a real register, while
the 90 % of firms outside the chain repeat the standard items of the
经营范围登记规范表述目录. Beside it runs the plain pandas way: one
``Series.str.contains`` per keyword, scores summed per segment (no negation, trade or
exclusion rules, so it does less).

Quality: ``python benchmarks/bench_assign.py`` prints the tables of
``benchmarks/README.md``: top-1 accuracy and rejection rate by template and part of the
sample, precision and recall per segment on the held-out parts.

Run with ``pytest benchmarks/bench_assign.py --benchmark-only`` (add ``-m national`` for
10^6 firms).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.assign import SegmentVocabulary

SIZES = {"1e4": 10_000, "1e5": 100_000}
SEED = 20261130
_CACHE: dict = {}

OTHER_PRODUCTS = [
    "塑料制品", "五金工具", "包装材料", "日用百货", "服装", "家具", "建筑材料", "办公用品", "陶瓷制品",
    "玻璃制品", "木制品", "纸制品", "食品添加剂", "饲料", "化肥", "农药", "水泥制品", "石材", "灯具",
    "电线电缆", "阀门", "管件", "紧固件", "模具", "弹簧", "橡胶制品", "劳保用品", "纺织品", "皮革制品",
]
VERBS = ["的研发、生产、销售", "的生产、加工", "制造", "的设计、制造、销售", "的研发、生产和销售；货物进出口",
         "销售", "批发、零售", "的技术开发、技术咨询"]


def synthetic_register(n: int, template: str = "nev", seed: int = SEED,
                       chain_share: float = 0.10) -> pd.DataFrame:
    """``n`` firms with ``firm_id``, ``business_scope`` and ``industry_code``.

    A ``chain_share`` of the firms write old-style scopes over product words (most of
    their clauses unique); the others list standard items of the sample's outside firms.
    Half the firms give an industry code, drawn from the codes of their kind of firm.
    """
    key = (n, template, seed, chain_share)
    if key in _CACHE:
        return _CACHE[key]
    rng = np.random.default_rng(seed)
    sample = cg.load_dataset("register-sample")
    inside = sample["label_chain"] != "none"
    items = [c for s in sample["经营范围"] for c in re.split(r"[；。]", s) if c.strip()]
    outside_items = [c for s in sample.loc[~inside, "经营范围"]
                     for c in re.split(r"[；。]", s) if c.strip()]
    words = list(SegmentVocabulary.of(cg.get_template(template)).term_segments) + OTHER_PRODUCTS
    chain_codes = sample.loc[inside, "国标行业"].dropna().unique()
    outside_codes = sample.loc[~inside, "国标行业"].dropna().unique()
    chain = rng.random(n) < chain_share
    scopes = np.empty(n, dtype=object)
    n_chain = int(chain.sum())
    # chain firms: one or two new old-style clauses and one to three clauses of the sample
    new = ["、".join(rng.choice(words, int(rng.integers(1, 5)), replace=False))
           + VERBS[int(rng.integers(len(VERBS)))] for _ in range(2 * n_chain)]
    for k, i in enumerate(np.flatnonzero(chain)):
        own = new[2 * k: 2 * k + 1 + int(rng.integers(0, 2))]
        picked = [items[j] for j in rng.integers(0, len(items), int(rng.integers(1, 4)))]
        scopes[i] = "；".join(own + picked)
    # the others: three to eight standard items
    pool = np.array(outside_items, dtype=object)
    for i in np.flatnonzero(~chain):
        scopes[i] = "一般项目：" + "；".join(pool[rng.integers(0, len(pool), int(rng.integers(3, 9)))])
    register = pd.DataFrame({
        "firm_id": [f"R{i:07d}" for i in range(n)],
        "business_scope": scopes,
        "industry_code": np.where(rng.random(n) < 0.5,
                                  np.where(chain, rng.choice(chain_codes, n),
                                           rng.choice(outside_codes, n)), None),
    })
    _CACHE[key] = register
    return register


def plain_pandas_scores(register: pd.DataFrame, template: str = "nev") -> pd.DataFrame:
    """The plain way: ``str.contains`` per keyword, weights 1/n summed per firm and segment."""
    vocab = SegmentVocabulary.of(cg.get_template(template))
    scopes = register["business_scope"].astype("string")
    found = []
    for word, segs in vocab.term_segments.items():
        rows = np.flatnonzero(scopes.str.contains(word, regex=False).to_numpy(dtype=bool,
                                                                              na_value=False))
        for s in segs:
            found.append(pd.DataFrame({"row": rows, "seg": s, "w": vocab.term_weight[word]}))
    hits = pd.concat(found, ignore_index=True)
    return hits.groupby(["row", "seg"], as_index=False)["w"].sum()


def _assign(register, template="nev"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.assign_segments(register, template)


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def size(request):
    return request.param


def test_assign_segments(benchmark, size):
    register = synthetic_register(SIZES[size])
    benchmark.group = f"assign {size} firms"
    presence = benchmark.pedantic(_assign, args=(register,), rounds=3, iterations=1)
    _record(benchmark, register, presence)


def _record(benchmark, register, presence):
    assert presence["firm_id"].nunique() == len(register)
    clauses = register["business_scope"].str.split(r"[；。，：]", regex=True).explode()
    benchmark.extra_info["unique_clauses"] = int(clauses.nunique())
    benchmark.extra_info["firms_placed"] = int(presence.dropna(subset=["segment_id"])
                                              ["firm_id"].nunique())


def test_plain_pandas_str_contains(benchmark, size):
    register = synthetic_register(SIZES[size])
    benchmark.group = f"assign {size} firms"
    scores = benchmark.pedantic(plain_pandas_scores, args=(register,), rounds=1, iterations=1)
    assert len(scores)


def test_assign_segments_unique_clauses(benchmark):
    """Every firm writing its own old-style scope: the cost of each new clause."""
    register = synthetic_register(SIZES["1e5"], chain_share=1.0)
    benchmark.group = "assign 1e5 firms, all scopes free text"
    presence = benchmark.pedantic(_assign, args=(register,), rounds=1, iterations=1)
    _record(benchmark, register, presence)


@pytest.mark.national
def test_assign_segments_national(benchmark, request):
    """10^6 firms (budget ≤ 60 s); opt in with ``-m national``."""
    if "national" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("10^6 firms: opt in with -m national")
    register = synthetic_register(1_000_000)
    benchmark.group = "assign 1e6 firms"
    presence = benchmark.pedantic(_assign, args=(register,), rounds=1, iterations=1)
    _record(benchmark, register, presence)


# ------------------------------------------------------------------ quality


def quality_tables(min_score: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(by template and part: top-1, rejection; by segment on the held-out parts: precision, recall).

    Per segment, ``placed``/``precision``/``recall`` count every segment a firm is
    placed in; the ``_top1`` columns only each firm's first.

    A template's chain firms are those labelled with it; outside firms are those labelled
    ``none``. Firms of the other two chains are left out of that template's figures (an
    IC power-device maker may rightly be an NEV power-semiconductor supplier).
    """
    sample = cg.load_dataset("register-sample")
    ids = sample["统一社会信用代码"]
    overall, per_segment = [], []
    for name in ("nev", "cnc", "ic"):
        kw = {} if min_score is None else {"min_score": min_score}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cg.ChainDataWarning)
            p = cg.assign_segments(sample, name, **kw)
        top = p[p["rank"] == 1].set_index("firm_id")["segment_id"].to_dict()
        sets = p.dropna(subset=["segment_id"]).groupby("firm_id")["segment_id"].agg(set).to_dict()
        truth = {f: set(s.split(";")) if c == name else set()
                 for f, c, s in zip(ids, sample["label_chain"], sample["label_segments"].fillna(""))}
        for part in ("dev", "holdout1", "holdout2"):
            mine = (sample["label_chain"] == name) & (sample["label_part"] == part)
            outside = (sample["label_chain"] == "none") & (sample["label_part"] == part)
            overall.append({
                "template": name, "part": part,
                "chain_firms": int(mine.sum()),
                "top1": np.mean([top.get(f) in truth[f] for f in ids[mine]]),
                "outside_firms": int(outside.sum()),
                "rejection": np.mean([f not in sets for f in ids[outside]]),
            })
        held = sample["label_part"].isin(["holdout1", "holdout2"]) & \
            sample["label_chain"].isin([name, "none"])
        for sid in cg.get_template(name).segment_ids:
            row = {"template": name, "segment_id": sid}
            for label, placed in (("", lambda f: sid in sets.get(f, ())),
                                  ("_top1", lambda f: top.get(f) == sid)):
                tp = fp = fn = 0
                for f in ids[held]:
                    got, want = placed(f), sid in truth[f]
                    tp += got and want
                    fp += got and not want
                    fn += want and not got
                row.update({"labelled": tp + fn, f"placed{label}": tp + fp,
                            f"precision{label}": tp / (tp + fp) if tp + fp else np.nan,
                            f"recall{label}": tp / (tp + fn) if tp + fn else np.nan})
            per_segment.append(row)
    return pd.DataFrame(overall), pd.DataFrame(per_segment)


def bigram_baseline_table() -> pd.DataFrame:
    """The alternative measured: character bigrams, TF-IDF and cosine, on the same vocabularies.

    Each segment's document is its keywords and name; a scope's bigrams (asides in brackets
    dropped) are compared with every segment's by TF-IDF cosine; the firm goes to the
    closest segment when the similarity reaches a threshold chosen on the ``dev`` part (the
    one maximising top-1 plus rejection there). No negation, trade or exclusion rules.
    """
    import scipy.sparse as sp

    from chaingraph.assign import _normalize

    sample = cg.load_dataset("register-sample")

    def grams(text):
        t = re.sub(r"\([^)]*\)", "", _normalize(text or ""))
        return [t[i:i + 2] for i in range(len(t) - 1)]

    sims = {}
    for name in ("nev", "cnc", "ic"):
        seg = cg.get_template(name).segments
        seg_grams = [[g for w in [*seg.loc[s, "keywords"], seg.loc[s, "name"]] for g in grams(w)]
                     for s in seg.index]
        vocab = {g: i for i, g in enumerate(sorted({g for gs in seg_grams for g in gs}))}

        def counts(docs):
            pairs = [(r, vocab[g]) for r, gs in enumerate(docs) for g in gs if g in vocab]
            r, c = zip(*pairs) if pairs else ((), ())
            return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(docs), len(vocab)))

        s_counts = counts(seg_grams)
        idf = np.log((1 + s_counts.shape[0]) / (1 + np.asarray((s_counts > 0).sum(axis=0)).ravel())) + 1

        def unit(m):
            m = sp.csr_matrix(m.multiply(idf))
            norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            return sp.diags(1 / np.where(norm == 0, 1, norm)) @ m

        sims[name] = (seg.index.to_numpy(), (unit(counts([grams(t) for t in sample["经营范围"]]))
                                             @ unit(s_counts).T).toarray())
    truth = sample["label_segments"].fillna("").str.split(";")

    def table(threshold, parts):
        rows = []
        for name, (ids, sim) in sims.items():
            best, top = ids[sim.argmax(axis=1)], sim.max(axis=1)
            for part in parts:
                mine = ((sample["label_chain"] == name) & (sample["label_part"] == part)).to_numpy()
                outside = ((sample["label_chain"] == "none") & (sample["label_part"] == part)).to_numpy()
                rows.append({"template": name, "part": part,
                             "top1": np.mean([top[i] >= threshold and best[i] in truth.iloc[i]
                                              for i in np.flatnonzero(mine)]),
                             "rejection": np.mean(top[outside] < threshold)})
        return pd.DataFrame(rows)

    grid = np.round(np.arange(0.05, 0.61, 0.01), 2)
    chosen = max(grid, key=lambda th: table(th, ["dev"])[["top1", "rejection"]].to_numpy().sum())
    out = table(chosen, ["dev", "holdout1", "holdout2"])
    out.attrs["threshold"] = float(chosen)
    return out


def markdown(df: pd.DataFrame, digits: int = 2) -> str:
    """A DataFrame as a Markdown table (numbers rounded, missing as —)."""
    def cell(v):
        if isinstance(v, float):
            return "—" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - prints the README tables
    overall, per_segment = quality_tables()
    print(markdown(overall, 3))
    print()
    print(markdown(per_segment))
    print()
    baseline = bigram_baseline_table()
    print(f"character bigrams, threshold {baseline.attrs['threshold']:.2f} (chosen on dev)")
    print(markdown(baseline, 3))
