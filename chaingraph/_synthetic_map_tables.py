"""The world chain maps :func:`~chaingraph.synthetic_map.synthetic_chain_map` draws from.

A map's structure (nested segments, process steps, flows), a rough country
profile of each segment's world market, the market sizes, and the facts
planted in it. The profiles and sizes are the developers' judgement of the
kind of structure public semiconductor supply-chain maps show, rounded and
simplified; they are not measurements and describe no real market. No real
firm appears anywhere: firms are made up by the generator.
"""

from __future__ import annotations

from typing import NamedTuple


class _Seg(NamedTuple):
    """One segment of a map. Leaves with providers carry ``family``, ``market``
    and ``profile``; groupings and process steps without providers do not."""

    id: str
    name: str
    name_en: str
    parent: str | None = None
    kind: str = "product"  # product / process
    stage: str | None = None  # given for the top-level groupings only
    foundation: str | None = None  # 五基 category, where one fits
    family: str | None = None  # the firms of one family may span its segments
    market: int | None = None  # world market, 亿元 a year (rough)
    profile: dict | None = None  # country -> rough share of the market, percent


def _leaf(id, name, name_en, parent, family, market, profile, *, kind="product",
          foundation=None) -> _Seg:
    return _Seg(id, name, name_en, parent, kind, None, foundation, family, market, profile)


#: The world semiconductor map: 67 segments, nested up to three levels.
SEMICONDUCTOR_SEGMENTS: list[_Seg] = [
    # -- materials ---------------------------------------------------------------
    _Seg("materials", "半导体材料", "Materials", stage="upstream", foundation="材料"),
    _leaf("wafers", "硅片", "Silicon wafers", "materials", "wafer", 1000,
          {"JP": 55, "TW": 15, "DE": 12, "KR": 10, "CN": 5, "US": 3}, foundation="材料"),
    _Seg("photoresists", "光刻胶", "Photoresists", "materials", foundation="材料"),
    _leaf("euv_resists", "EUV光刻胶", "EUV photoresists", "photoresists", "chem", 20, None,
          foundation="材料"),
    _leaf("arf_resists", "ArF光刻胶", "ArF photoresists", "photoresists", "chem", 80, None,
          foundation="材料"),
    _leaf("krf_resists", "KrF光刻胶", "KrF photoresists", "photoresists", "chem", 60,
          {"JP": 70, "US": 12, "KR": 10, "CN": 6}, foundation="材料"),
    _leaf("i_line_resists", "g/i线光刻胶", "g-line and i-line photoresists", "photoresists",
          "chem", 40, {"JP": 50, "US": 15, "KR": 15, "CN": 15, "TW": 5}, foundation="材料"),
    _leaf("photomasks", "光掩模", "Photomasks", "materials", "mask", 400,
          {"JP": 35, "US": 30, "TW": 20, "CN": 8, "KR": 5}, foundation="材料"),
    _leaf("electronic_gases", "电子特气", "Electronic specialty gases", "materials", "chem", 400,
          {"US": 30, "JP": 25, "FR": 20, "DE": 10, "CN": 8, "KR": 7}, foundation="材料"),
    _leaf("wet_chemicals", "湿电子化学品", "Wet chemicals", "materials", "chem", 300,
          {"DE": 25, "JP": 25, "US": 20, "TW": 10, "CN": 10, "KR": 8}, foundation="材料"),
    _leaf("cmp_materials", "抛光液与抛光垫", "CMP slurries and pads", "materials", "chem", 250,
          {"US": 45, "JP": 35, "KR": 8, "CN": 7, "TW": 5}, foundation="材料"),
    _leaf("sputtering_targets", "溅射靶材", "Sputtering targets", "materials", "metals", 150,
          None, foundation="材料"),
    _Seg("packaging_materials", "封装材料", "Packaging materials", "materials", foundation="材料"),
    _leaf("substrates", "封装基板", "Package substrates", "packaging_materials", "substrate", 1000,
          {"JP": 35, "TW": 30, "KR": 20, "CN": 10, "US": 3}, foundation="材料"),
    _leaf("bonding_wires", "键合丝", "Bonding wires", "packaging_materials", "metals", 200,
          {"JP": 30, "CN": 25, "DE": 15, "KR": 15, "SG": 10, "US": 3}, foundation="材料"),
    _leaf("lead_frames", "引线框架", "Lead frames", "packaging_materials", "metals", 250, None,
          foundation="材料"),
    _leaf("encapsulants", "塑封料", "Encapsulants", "packaging_materials", "chem", 150,
          {"JP": 60, "CN": 20, "KR": 10, "TW": 7, "US": 2}, foundation="材料"),
    # -- manufacturing equipment ---------------------------------------------------
    _Seg("sme", "半导体设备", "Semiconductor manufacturing equipment", stage="upstream"),
    _Seg("lithography", "光刻设备", "Lithography tools", "sme"),
    _leaf("euv_scanners", "EUV光刻机", "EUV scanners", "lithography", "litho", 700, None),
    _leaf("arfi_scanners", "ArF浸没式光刻机", "ArF immersion scanners", "lithography", "litho", 600,
          {"NL": 82, "JP": 15}),
    _leaf("arf_dry_scanners", "ArF干式光刻机", "ArF dry scanners", "lithography", "litho", 80,
          {"NL": 65, "JP": 33, "CN": 2}),
    _leaf("krf_scanners", "KrF光刻机", "KrF scanners", "lithography", "litho", 150,
          {"NL": 55, "JP": 42, "CN": 3}),
    _leaf("i_line_steppers", "i线步进光刻机", "i-line steppers", "lithography", "litho", 60,
          {"JP": 55, "NL": 20, "US": 10, "CN": 10}),
    _Seg("deposition", "薄膜沉积设备", "Deposition tools", "sme"),
    _leaf("cvd_tools", "CVD设备", "CVD tools", "deposition", "fe_tools", 800,
          {"US": 50, "JP": 25, "KR": 8, "NL": 8, "CN": 6}),
    _leaf("pvd_tools", "PVD设备", "PVD tools", "deposition", "fe_tools", 400,
          {"US": 80, "JP": 10, "CN": 6, "DE": 2}),
    _leaf("ald_tools", "ALD设备", "ALD tools", "deposition", "fe_tools", 200,
          {"NL": 40, "JP": 30, "US": 15, "KR": 8, "CN": 5}),
    _leaf("epitaxy_tools", "外延设备", "Epitaxy tools", "deposition", "fe_tools", 80,
          {"NL": 35, "DE": 25, "US": 20, "JP": 15, "CN": 5}),
    _Seg("etch_tools", "刻蚀设备", "Etch tools", "sme"),
    _leaf("dielectric_etch", "介质刻蚀设备", "Dielectric etch tools", "etch_tools", "fe_tools", 550,
          {"JP": 45, "US": 45, "CN": 8}),
    _leaf("conductor_etch", "导体刻蚀设备", "Conductor etch tools", "etch_tools", "fe_tools", 550,
          {"US": 70, "JP": 15, "CN": 10, "KR": 3}),
    _leaf("ion_implanters", "离子注入机", "Ion implanters", "sme", "fe_tools", 200,
          {"US": 80, "JP": 15, "CN": 3}),
    _leaf("cmp_tools", "CMP设备", "CMP tools", "sme", "fe_tools", 220,
          {"US": 65, "JP": 30, "CN": 5}),
    _leaf("cleaning_tools", "清洗设备", "Wafer cleaning tools", "sme", "fe_tools", 350,
          {"JP": 65, "US": 15, "KR": 10, "CN": 8}),
    _leaf("thermal_tools", "热处理设备", "Thermal processing tools", "sme", "fe_tools", 250,
          {"JP": 35, "US": 35, "KR": 10, "NL": 10, "CN": 8}),
    _leaf("track_tools", "涂胶显影设备", "Coater/developer tracks", "sme", "fe_tools", 200,
          {"JP": 88, "DE": 5, "KR": 3, "CN": 3}),
    _Seg("process_control", "量测检测设备", "Process control tools", "sme"),
    _leaf("wafer_inspection", "晶圆检测设备", "Wafer inspection tools", "process_control",
          "process_control", 500, {"US": 80, "JP": 12, "IL": 5, "CN": 2}),
    _leaf("metrology_tools", "量测设备", "Metrology tools", "process_control", "process_control",
          300, {"US": 55, "JP": 20, "IL": 12, "NL": 8, "DE": 3, "CN": 2}),
    _leaf("mask_inspection", "掩模检测设备", "Mask inspection tools", "process_control",
          "process_control", 100, {"JP": 60, "US": 38}),
    _leaf("mask_writers", "掩模写入设备", "Mask writers", "sme", "process_control", 60,
          {"JP": 55, "US": 35, "DE": 5}),
    _Seg("atp_tools", "封测设备", "Assembly and test tools", "sme"),
    _leaf("dicing_tools", "划片机", "Dicing tools", "atp_tools", "atp_tools", 100,
          {"JP": 80, "CN": 8, "US": 5}),
    _leaf("die_bonders", "键合与贴片设备", "Die and wire bonders", "atp_tools", "atp_tools", 150,
          {"NL": 30, "SG": 20, "JP": 20, "US": 15, "CH": 10, "CN": 3}),
    _leaf("testers", "测试机", "Automatic test equipment", "atp_tools", "atp_tools", 500,
          {"JP": 50, "US": 45, "CN": 4}),
    _leaf("probers", "探针台", "Probers", "atp_tools", "atp_tools", 80,
          {"JP": 75, "TW": 10, "KR": 7, "CN": 6}),
    _Seg("subsystems", "设备零部件", "Equipment subsystems", "sme", foundation="零部件"),
    _leaf("euv_light_sources", "EUV光源", "EUV light sources", "subsystems", "subsystems", 100, None,
          foundation="零部件"),
    _leaf("litho_optics", "光刻物镜", "Lithography optics", "subsystems", "subsystems", 150,
          {"DE": 80, "JP": 15, "US": 3}, foundation="零部件"),
    _leaf("vacuum_pumps", "真空泵", "Vacuum pumps", "subsystems", "subsystems", 150,
          {"GB": 45, "JP": 25, "DE": 15, "US": 8, "KR": 4, "CN": 3}, foundation="零部件"),
    _leaf("rf_generators", "射频电源", "RF power generators", "subsystems", "subsystems", 120,
          {"US": 70, "JP": 15, "DE": 10, "KR": 3, "CN": 2}, foundation="零部件"),
    # -- design ----------------------------------------------------------------------
    _Seg("design", "芯片设计", "Design", kind="process", stage="upstream"),
    _leaf("eda", "EDA软件", "EDA software", "design", "eda_ip", 1000, None, foundation="软件"),
    _leaf("core_ip", "核心IP", "Core IP", "design", "eda_ip", 500,
          {"GB": 45, "US": 45, "CN": 3, "TW": 2}, foundation="软件"),
    _leaf("fabless_design", "集成电路设计", "Chip design (fabless)", "design", "fabless", 15000,
          {"US": 65, "TW": 15, "CN": 12, "KR": 3, "JP": 2}, kind="process"),
    # -- fabrication -------------------------------------------------------------------
    _Seg("fabrication", "晶圆制造", "Fabrication", kind="process", stage="midstream"),
    _Seg("process_integration", "工艺集成", "Process integration", "fabrication", kind="process"),
    _leaf("advanced_logic", "先进逻辑制造（≤7纳米）", "Advanced logic fabrication (7 nm and below)",
          "fabrication", "fab", 6000, {"TW": 85, "KR": 12, "US": 3}, kind="process"),
    _leaf("mature_logic", "成熟逻辑制造", "Mature-node logic fabrication", "fabrication", "fab",
          4000, {"TW": 45, "CN": 25, "US": 10, "KR": 8, "SG": 5, "JP": 3, "DE": 2},
          kind="process"),
    _leaf("dram", "DRAM制造", "DRAM fabrication", "fabrication", "fab", 7000,
          {"KR": 65, "US": 25, "CN": 8, "TW": 2}, kind="process"),
    _leaf("nand", "NAND闪存制造", "NAND flash fabrication", "fabrication", "fab", 5000,
          {"KR": 45, "US": 25, "JP": 20, "CN": 10}, kind="process"),
    _leaf("analog_power", "模拟与功率器件制造", "Analog and power device fabrication",
          "fabrication", "fab", 3500,
          {"US": 35, "JP": 20, "DE": 15, "CN": 10, "CH": 10, "FR": 5}, kind="process"),
    # -- assembly, test and packaging -----------------------------------------------------
    _Seg("atp", "封装测试", "Assembly, test and packaging", kind="process", stage="downstream"),
    _leaf("packaging", "传统封装", "Conventional packaging", "atp", "osat", 2500,
          {"TW": 40, "CN": 25, "US": 12, "MY": 8, "KR": 5, "SG": 5, "JP": 3}, kind="process"),
    _leaf("advanced_packaging", "先进封装", "Advanced packaging", "atp", "osat", 1500,
          {"TW": 55, "US": 15, "KR": 15, "CN": 10, "JP": 3}, kind="process"),
    _leaf("final_test", "成品测试", "Final test", "atp", "osat", 800,
          {"TW": 40, "CN": 20, "MY": 12, "US": 10, "SG": 8, "JP": 5, "KR": 3}, kind="process"),
]

#: Which segment feeds which (from, to, essential). Flows are given between the
#: groupings where a whole grouping feeds a segment; their sub-segments inherit them.
SEMICONDUCTOR_FLOWS: list[tuple[str, str, bool]] = [
    ("wafers", "fabrication", True),
    ("photoresists", "fabrication", True),
    ("photomasks", "fabrication", True),
    ("electronic_gases", "fabrication", True),
    ("wet_chemicals", "fabrication", True),
    ("cmp_materials", "fabrication", True),
    ("sputtering_targets", "fabrication", True),
    ("packaging_materials", "atp", True),
    ("lithography", "fabrication", True),
    ("deposition", "fabrication", True),
    ("etch_tools", "fabrication", True),
    ("ion_implanters", "fabrication", True),
    ("cmp_tools", "fabrication", True),
    ("cleaning_tools", "fabrication", True),
    ("thermal_tools", "fabrication", True),
    ("track_tools", "fabrication", True),
    ("process_control", "fabrication", True),
    ("mask_writers", "photomasks", True),
    ("mask_inspection", "photomasks", True),
    ("atp_tools", "atp", True),
    ("euv_light_sources", "euv_scanners", True),
    ("litho_optics", "lithography", True),
    ("vacuum_pumps", "deposition", False),
    ("vacuum_pumps", "etch_tools", False),
    ("rf_generators", "deposition", False),
    ("rf_generators", "etch_tools", False),
    ("eda", "fabless_design", True),
    ("core_ip", "fabless_design", True),
    ("design", "fabrication", True),
    ("fabrication", "atp", True),
]


class _Fixed(NamedTuple):
    """A planted provider row: its country, kind, and share in percent (``None``:
    negligible, share not given)."""

    country: str
    kind: str  # firm / aggregate
    share: int | None


class _PlantedSegment(NamedTuple):
    """A segment whose providers are partly or wholly planted; ``rest`` (percent)
    is drawn from ``profile`` as for other segments, no drawn provider reaching
    ``cap`` percent."""

    fixed: list[_Fixed]
    rest: int = 0
    profile: dict | None = None
    cap: int = 85


#: The homes whose position the map is planted for.
SEMICONDUCTOR_HOMES = ["US", "CN", "JP"]

#: Leaf segments in which a home has no provider at all (not even a negligible
#: one or its country aggregate). Every other segment with providers has one.
SEMICONDUCTOR_MISSING: dict[str, list[str]] = {
    "US": ["euv_scanners", "arfi_scanners", "arf_dry_scanners", "krf_scanners", "lead_frames"],
    "CN": ["euv_scanners", "euv_light_sources", "euv_resists", "mask_inspection"],
    "JP": ["euv_scanners", "advanced_logic"],
}

#: The planted providers, by segment.
SEMICONDUCTOR_PLANTED: dict[str, _PlantedSegment] = {
    # the sole provider
    "euv_scanners": _PlantedSegment([_Fixed("NL", "firm", 100)]),
    # a 97 % provider beside a 3 % one
    "euv_light_sources": _PlantedSegment([_Fixed("US", "firm", 97), _Fixed("JP", "firm", 3)]),
    # a 100 % provider beside a negligible one
    "euv_resists": _PlantedSegment([_Fixed("JP", "firm", 100), _Fixed("US", "firm", None)]),
    # home oligopolies: three home firms hold 90 %
    "eda": _PlantedSegment([_Fixed("US", "firm", 40), _Fixed("US", "firm", 32),
                            _Fixed("US", "firm", 18)], rest=6, profile={"CN": 3, "DE": 2},
                           cap=10),
    "lead_frames": _PlantedSegment([_Fixed("CN", "firm", 38), _Fixed("CN", "firm", 30),
                                    _Fixed("CN", "firm", 22)], rest=7,
                                   profile={"JP": 5, "MY": 3, "TW": 2}, cap=10),
    "arf_resists": _PlantedSegment([_Fixed("JP", "firm", 36), _Fixed("JP", "firm", 31),
                                    _Fixed("JP", "firm", 23)], rest=8,
                                   profile={"US": 5, "KR": 3, "CN": 1}, cap=10),
    # a country aggregate ("rest of Japan") is the top provider
    "sputtering_targets": _PlantedSegment([_Fixed("JP", "aggregate", 41)], rest=50,
                                          profile={"US": 25, "JP": 12, "CN": 8, "KR": 5, "TW": 5},
                                          cap=35),
}

#: The home whose oligopoly each of the segments above is.
SEMICONDUCTOR_OLIGOPOLIES = {"US": "eda", "CN": "lead_frames", "JP": "arf_resists"}
SEMICONDUCTOR_SOLE = "euv_scanners"
SEMICONDUCTOR_NEAR_MONOPOLY = "euv_light_sources"
SEMICONDUCTOR_BESIDE_NEGLIGIBLE = "euv_resists"
SEMICONDUCTOR_AGGREGATE_TOP = "sputtering_targets"

#: The toolmaker planted in six tool segments (country, family, segments).
SEMICONDUCTOR_SIX = ("US", "fe_tools",
                     ["cvd_tools", "pvd_tools", "conductor_etch", "ion_implanters", "cmp_tools",
                      "thermal_tools"])

#: A firm the map names in a segment without its share (country, segment).
SEMICONDUCTOR_UNKNOWN_SHARE = [("CN", "fabless_design")]

#: A sub-segment with no flows of its own (it inherits its parent's).
SEMICONDUCTOR_INHERITING = ["arfi_scanners"]

# --------------------------------------------------------------------------- #
# countries and names

#: ISO 3166 alpha-2 -> the ways a map may write the country: alpha-2, alpha-3,
#: English name, Chinese name.
COUNTRY_FORMS: dict[str, tuple[str, str, str, str]] = {
    "US": ("US", "USA", "United States", "美国"),
    "CN": ("CN", "CHN", "China", "中国"),
    "JP": ("JP", "JPN", "Japan", "日本"),
    "KR": ("KR", "KOR", "South Korea", "韩国"),
    "TW": ("TW", "TWN", "Taiwan", "中国台湾"),
    "NL": ("NL", "NLD", "Netherlands", "荷兰"),
    "DE": ("DE", "DEU", "Germany", "德国"),
    "GB": ("GB", "GBR", "United Kingdom", "英国"),
    "FR": ("FR", "FRA", "France", "法国"),
    "SG": ("SG", "SGP", "Singapore", "新加坡"),
    "MY": ("MY", "MYS", "Malaysia", "马来西亚"),
    "CH": ("CH", "CHE", "Switzerland", "瑞士"),
    "IL": ("IL", "ISR", "Israel", "以色列"),
}

#: Company-name suffix by country (Chinese firms get Chinese names).
COMPANY_SUFFIX = {
    "US": "Inc.", "JP": "K.K.", "KR": "Co., Ltd.", "TW": "Corp.", "NL": "B.V.",
    "DE": "GmbH", "GB": "Ltd", "FR": "SAS", "SG": "Pte. Ltd.", "MY": "Sdn. Bhd.",
    "CH": "AG", "IL": "Ltd.",
}

#: The trade word in firm names, by family: (English, Chinese).
FAMILY_WORDS = {
    "wafer": ("Silicon", "硅材料"),
    "chem": ("Chemical", "电子化学"),
    "mask": ("Photomask", "光掩模"),
    "metals": ("Materials", "电子材料"),
    "substrate": ("Substrate", "基板"),
    "litho": ("Lithography", "光刻"),
    "fe_tools": ("Process Equipment", "半导体设备"),
    "process_control": ("Instruments", "精测"),
    "atp_tools": ("Test Systems", "封测装备"),
    "subsystems": ("Components", "精密部件"),
    "eda_ip": ("Design Systems", "芯片设计软件"),
    "fabless": ("Microelectronics", "微电子"),
    "fab": ("Semiconductor Manufacturing", "集成电路制造"),
    "osat": ("Packaging", "封装测试"),
}
