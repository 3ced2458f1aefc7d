"""Small hand-made chains shared by the tests."""

import hashlib
import os
import tempfile
from pathlib import Path


def _kernel_cache_dir() -> str:
    """A numba cache directory for the kernels' current sources.

    numba's ``cache=True`` notices when the file defining a kernel changes, not
    the files of the kernels it calls (``_cascade.esri_batch`` inlines the
    solver of ``_cascade_exact``): after editing one of those, a test run would
    reuse the old compiled code. Keying the cache by every numba module's
    source compiles afresh after any such change, and reuses it otherwise.
    """
    package = Path(__file__).resolve().parent.parent / "chaingraph"
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + text)
    return os.path.join(tempfile.gettempdir(), f"chaingraph-numba-{digest.hexdigest()[:16]}")


# before chaingraph (and numba) are imported: numba reads it once
os.environ.setdefault("NUMBA_CACHE_DIR", _kernel_cache_dir())

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import chaingraph as cg  # noqa: E402


@pytest.fixture
def firms():
    """Five firms: three in Shandong, one in Jiangsu, one in Japan."""
    return pd.DataFrame(
        {
            "firm_id": ["F1", "F2", "F3", "F4", "F5"],
            "name": ["青岛甲", "济南乙", "淄博丙", "苏州丁", "東京戊"],
            "segment_id": ["s_up", "s_up", "s_mid", "s_mid", "s_up"],
            "city": ["青岛", "济南", "淄博", "苏州", "東京"],
            "province": ["山东省", "山东", "山东", "江苏", None],
            "country": ["CN", "CN", "CN", "CN", "JP"],
            "employees": [1500, 320, 40, 12, 900],
            "revenue": [52000.0, 2500.0, 310.0, 5000.0, 20000.0],
        }
    )


@pytest.fixture
def links():
    return pd.DataFrame(
        {
            "supplier_id": ["F2", "F5", "F3", "F4", "F1"],
            "customer_id": ["F3", "F3", "F1", "F1", "F4"],
            "amount": [100.0, 50.0, 80.0, 20.0, 5.0],
        }
    )


@pytest.fixture
def segments():
    return pd.DataFrame(
        {
            "segment_id": ["s_up", "s_mid"],
            "name": ["上游", "中游"],
            "stage": ["upstream", "midstream"],
        }
    )


# The hand-worked chain (region 山东), amounts in 万元:
#
#   H ─3─> D ─10─> B ─40─> A ─50─> F          G ─40─> A
#              E ─5─> B    C ─20─> A
#              E ─5─> C
#
# firm  size    segment   province  revenue  designations
#  A    large   oem       山东      100000
#  B    medium  parts     山东        5000   高新技术企业
#  C    small   parts     山东        1000   专精特新
#  D    small   material  江苏         800   小巨人
#  E    micro   material  山东         200
#  F    medium  sales     山东        3000
#  G    large   parts     山东       50000   单项冠军
#  H    small   material  山东         400
@pytest.fixture
def hand_chain():
    firms = pd.DataFrame(
        {
            "firm_id": list("ABCDEFGH"),
            "size_class": ["large", "medium", "small", "small", "micro", "medium", "large", "small"],
            "segment_id": ["oem", "parts", "parts", "material", "material", "sales", "parts", "material"],
            "province": ["山东", "山东", "山东", "江苏", "山东", "山东", "山东", "山东"],
            "revenue": [100000.0, 5000, 1000, 800, 200, 3000, 50000, 400],
            "designations": ["", "高新技术企业", "专精特新", "小巨人", "", "", "单项冠军", ""],
        }
    )
    links = pd.DataFrame(
        {
            "supplier_id": ["B", "C", "G", "D", "E", "E", "A", "H"],
            "customer_id": ["A", "A", "A", "B", "B", "C", "F", "D"],
            "amount": [40.0, 20, 40, 10, 5, 5, 50, 3],
        }
    )
    return cg.ChainGraph.from_frames(firms, links, region="山东")


# A small chain map (no links), worked by hand. Segments (template order), flows, levels:
#
#   material (硅片) ──> fab (晶圆制造, a process step) ──> chip (芯片)
#   litho (光刻设备) ──> fab           material ──> arf (ArF scanners, a kind of litho)
#
#   arf inherits litho → fab, so the flows with the inherited one are
#   material→fab, litho→fab, fab→chip, material→arf, arf→fab, and the levels
#   (longest path from a source) are material 0, litho 0, arf 1, fab 2, chip 3.
#
# Providers (country as written → ISO2; kind):
#   ASML NLD→NL, NIKON Japan→JP, SMEE 中国→CN (上海), NSIG CHN→CN (上海市),
#   SMIC cn→CN (北京, 企业), INTEL USA→US (Oregon, Hillsboro),
#   JP-rest 日本→JP aggregate, KR-rest "South Korea"→KR aggregate (汇总).
#
# Presence (share; amount 万元; negligible), shares per segment:
#   material: JP-rest .60, KR-rest .25 (250), NSIG .10             Σ .95
#   litho:    ASML .80, NIKON .15, SMEE negligible (no share)       Σ .95
#   arf:      ASML .95, NIKON .05                                   Σ 1.00
#   fab:      nobody (a process step)
#   chip:     INTEL .40, KR-rest .35 (750), SMIC .10                Σ .85
#
# Primary segments: ASML arf (.95 > .80); NIKON arf (firms.segment_id given, though
# litho's .15 is larger); SMEE litho; NSIG material; SMIC chip; INTEL chip (given);
# JP-rest material; KR-rest chip (.35 > .25).
#
# Locations, home CN, no region: local SMEE, NSIG, SMIC; foreign the other five.
#            home US, no region: local INTEL; foreign the other seven.
#            home CN, region 上海 (province): local SMEE, NSIG; outside SMIC; foreign five.
def small_chain_map_tables():
    """The raw tables of the small chain map, as a user would give them."""
    segments = pd.DataFrame({
        "segment_id": ["material", "litho", "arf", "fab", "chip"],
        "name": ["硅片", "光刻设备", "ArF浸没式光刻机", "晶圆制造", "芯片"],
        "name_en": ["Silicon wafers", "Lithography tools", "ArF immersion scanners",
                    "Wafer fabrication", "Chips"],
        "stage": ["upstream", None, None, "midstream", "downstream"],
        "parent": [None, None, "litho", None, None],
        "kind": [None, "product", None, "工序", "产品"],
    })
    flows = pd.DataFrame({
        "from_segment": ["material", "litho", "fab", "material"],
        "to_segment": ["fab", "fab", "chip", "arf"],
        "essential": [True, True, True, False],
    })
    firms = pd.DataFrame({
        "firm_id": ["ASML", "NIKON", "SMEE", "NSIG", "SMIC", "INTEL", "JP-rest", "KR-rest"],
        "name": ["ASML", "尼康", "上海微电子", "沪硅产业", "中芯国际", "Intel", "日本其他", "韩国其他"],
        "country": ["NLD", "Japan", "中国", "CHN", "cn", "USA", "日本", "South Korea"],
        "kind": ["firm", "firm", "firm", "firm", "企业", "firm", "aggregate", "汇总"],
        "province": [None, None, "上海", "上海市", "北京", "Oregon", None, None],
        "city": ["Veldhoven", "东京", "上海市", "上海", "北京市", "Hillsboro", None, None],
        "segment_id": [None, "arf", None, None, None, "chip", None, None],
    })
    presence = pd.DataFrame({
        "firm_id": ["JP-rest", "KR-rest", "NSIG", "ASML", "NIKON", "SMEE", "ASML", "NIKON",
                    "INTEL", "KR-rest", "SMIC"],
        "segment_id": ["material", "material", "material", "litho", "litho", "litho", "arf",
                       "arf", "chip", "chip", "chip"],
        "share": [0.60, 0.25, 0.10, 0.80, 0.15, None, 0.95, 0.05, 0.40, 0.35, 0.10],
        "amount": [None, 250.0, None, None, None, None, None, None, None, 750.0, None],
        "negligible": [None, None, None, None, None, True, None, False, None, None, None],
    })
    return {"firms": firms, "presence": presence, "segments": segments, "flows": flows}


@pytest.fixture
def small_chain_map_frames():
    """The raw tables of the small chain map (firms, presence, segments, flows; no links)."""
    return small_chain_map_tables()


@pytest.fixture
def small_chain_map():
    """The small chain map as a ChainGraph, home CN, no region (see the comment above)."""
    t = small_chain_map_tables()
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"], name="chips")
    return cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"])


# The extended chain map: the small chain map above with six more segments (eda, euv — a
# kind of litho —, resist, gas, pkg — a process step with providers —, mask — nobody) and
# twelve more firms, with shares, amounts, negligible flags and a share not given. Its
# providers, bases and known answers are worked by hand in
# tests/analysis/test_chain_map_analyses.py.
def extended_chain_map_tables():
    """The small chain map with six more segments and twelve more firms (see above)."""
    t = small_chain_map_tables()
    t["segments"] = pd.concat([
        t["segments"].assign(foundation=None),
        pd.DataFrame({
            "segment_id": ["eda", "euv", "resist", "gas", "pkg", "mask"],
            "name": ["EDA软件", "EUV光源", "光刻胶", "电子特气", "封装", "光掩模"],
            "parent": [None, "litho", None, None, None, None],
            "kind": ["product", "product", "product", "product", "process", "product"],
            "foundation": ["软件", None, "材料", None, None, None],
        })], ignore_index=True)
    t["flows"] = pd.concat([t["flows"], pd.DataFrame({
        "from_segment": ["eda", "resist", "gas", "chip", "mask"],
        "to_segment": ["chip", "fab", "fab", "pkg", "fab"],
        "essential": [True, True, True, True, False],
    })], ignore_index=True)
    new_firms = {  # firm: country
        "SYN": "US", "CDN": "US", "MNT": "US", "EMP": "CN", "CYM": "US", "GIG": "JP",
        "JSR": "JP", "DOW": "US", "LND": "DE", "ASE": "TW", "JCET": "CN", "AMK": "US",
    }
    t["firms"] = pd.concat([t["firms"], pd.DataFrame({
        "firm_id": list(new_firms), "name": list(new_firms), "country": list(new_firms.values()),
        "kind": "firm"})], ignore_index=True)
    rows = [  # firm, segment, share, amount, negligible
        ("SYN", "eda", .60, None, None), ("CDN", "eda", .20, None, None),
        ("MNT", "eda", .10, None, None), ("EMP", "eda", .05, None, None),
        ("CYM", "euv", .97, None, None), ("GIG", "euv", .03, None, None),
        ("JSR", "resist", 1.0, None, None), ("DOW", "resist", None, None, True),
        ("LND", "gas", None, None, None), ("NSIG", "gas", None, None, True),
        ("ASE", "pkg", None, 600.0, None), ("JCET", "pkg", None, 300.0, None),
        ("AMK", "pkg", None, 100.0, None),
    ]
    t["presence"] = pd.concat([t["presence"], pd.DataFrame(rows, columns=t["presence"].columns)],
                              ignore_index=True)
    return t


@pytest.fixture
def assembly():
    """B assembles what A (7) and C (5) sell it and sells outside the network: network
    sales A 7, B 0, C 5; output (no revenue column) A 7, B 12, C 5."""
    links = pd.DataFrame({"supplier_id": ["A", "C"], "customer_id": ["B", "B"],
                          "amount": [7.0, 5.0]})
    return cg.ChainGraph.from_frames(pd.DataFrame({"firm_id": list("ABC")}), links)
