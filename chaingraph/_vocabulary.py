"""The words users write, and the canonical values and names they mean.

One list per meaning, read by every module that takes such values: column
coercion (:mod:`chaingraph.schema`), chain templates and tier rules. The
canonical values of the category columns (size classes, stages, 五基
foundations, firm and segment kinds); the words written for them and for
true/false, intellectual-property grades and cluster types; the column names
found in Chinese spreadsheets; and province names in Chinese and pinyin
(:func:`normalize_region`). :mod:`chaingraph.schema` gives these names too,
beside the columns they fill.
"""

from __future__ import annotations

import re

import pandas as pd

SIZE_CLASSES = ("large", "medium", "small", "micro")
STAGES = ("upstream", "midstream", "downstream")
FIRM_KINDS = ("firm", "aggregate")
SEGMENT_KINDS = ("product", "process")
FOUNDATIONS = ("零部件", "元器件", "软件", "材料", "工艺")

# Words users write for the values of category and true/false columns, mapped to the
# canonical values: one list per meaning, read by every module that takes such values
# (column coercion in schema, chain templates, tier rules). Readers look a value up in
# lower case and as written.

#: Size class words (English, Chinese, abbreviations) → one of :data:`SIZE_CLASSES`.
SIZE_CLASS_WORDS: dict[str, str] = {
    "large": "large", "大型": "large", "大": "large", "l": "large",
    "medium": "medium", "中型": "medium", "中": "medium", "m": "medium",
    "small": "small", "小型": "small", "小": "small", "s": "small",
    "micro": "micro", "微型": "micro", "微": "micro", "xs": "micro",
}
#: Chain stage words → one of :data:`STAGES`.
STAGE_WORDS: dict[str, str] = {
    "upstream": "upstream", "up": "upstream", "上游": "upstream",
    "midstream": "midstream", "mid": "midstream", "中游": "midstream",
    "downstream": "downstream", "down": "downstream", "下游": "downstream",
}
#: 五基 foundation category words → one of :data:`FOUNDATIONS`.
FOUNDATION_WORDS: dict[str, str] = {
    "零部件": "零部件", "基础零部件": "零部件", "parts": "零部件", "part": "零部件",
    "元器件": "元器件", "基础元器件": "元器件", "基础电子元器件": "元器件",
    "components": "元器件", "component": "元器件", "electronic components": "元器件",
    "软件": "软件", "基础软件": "软件", "software": "软件",
    "材料": "材料", "基础材料": "材料", "materials": "材料", "material": "材料",
    "工艺": "工艺", "基础工艺": "工艺", "processes": "工艺", "process": "工艺",
}
#: Firm kind words → one of :data:`FIRM_KINDS`. An aggregate stands for "the rest of
#: country X" in a chain map (its provider not named).
FIRM_KIND_WORDS: dict[str, str] = {
    "firm": "firm", "企业": "firm", "公司": "firm", "company": "firm",
    "aggregate": "aggregate", "汇总": "aggregate", "country": "aggregate", "国家": "aggregate",
    "其他": "aggregate", "other": "aggregate", "others": "aggregate", "rest": "aggregate",
}
#: Segment kind words → one of :data:`SEGMENT_KINDS`. A process step (工序) needs no firm of
#: its own.
SEGMENT_KIND_WORDS: dict[str, str] = {
    "product": "product", "产品": "product",
    "process": "process", "process step": "process", "step": "process", "工序": "process",
    "工艺": "process", "工艺环节": "process",
}
#: True/false words (有/无, "has"/"has not", as tier inputs are often written) → bool.
BOOL_WORDS: dict[str, bool] = {
    "true": True, "yes": True, "y": True, "1": True, "是": True, "t": True, "有": True,
    "false": False, "no": False, "n": False, "0": False, "否": False, "f": False, "无": False,
}
#: Intellectual-property grade words (the tier rules' ``ip_grade`` column) → grade codes.
IP_GRADE_WORDS: dict[str, str] = {
    "high_value_class1": "high_value_class1", "Ⅰ类高价值知识产权": "high_value_class1",
    "i类高价值知识产权": "high_value_class1", "高价值": "high_value_class1",
    "own_class1": "own_class1", "自主研发Ⅰ类知识产权": "own_class1",
    "自主研发i类知识产权": "own_class1",
    "class1": "class1", "Ⅰ类知识产权": "class1", "i类知识产权": "class1", "Ⅰ类": "class1",
    "class2": "class2", "Ⅱ类知识产权": "class2", "ii类知识产权": "class2", "Ⅱ类": "class2",
    "none": "none", "无": "none",
}
#: Industrial cluster type words (the tier rules' ``cluster_type``) → ``pillar`` / ``emerging``.
CLUSTER_TYPE_WORDS: dict[str, str] = {
    "pillar": "pillar", "支柱": "pillar", "支柱产业集群": "pillar",
    "战略性支柱产业集群": "pillar",
    "emerging": "emerging", "新兴": "emerging", "新兴产业集群": "emerging",
    "战略性新兴产业集群": "emerging",
}
#: Firm columns whose values are read through a word list, and that list.
FIRM_CATEGORY_WORDS: dict[str, dict[str, str]] = {
    "size_class": SIZE_CLASS_WORDS,
    "ip_grade": IP_GRADE_WORDS,
    "cluster_type": CLUSTER_TYPE_WORDS,
}

#: Column names as found in Chinese spreadsheets, mapped to canonical names.
COLUMN_ALIASES: dict[str, str] = {
    "企业id": "firm_id", "企业编号": "firm_id", "企业代码": "firm_id",
    "企业名称": "name", "名称": "name",
    "环节": "segment_id", "所属环节": "segment_id", "环节id": "segment_id",
    "城市": "city", "所在城市": "city", "地市": "city",
    "省份": "province", "所在省份": "province", "省": "province",
    "国家": "country", "国家或地区": "country",
    "企业规模": "size_class", "规模": "size_class",
    "从业人员": "employees", "从业人数": "employees", "员工人数": "employees",
    "营业收入": "revenue",
    "研发费用": "rd_expense",
    "主营业务收入": "main_business_revenue",
    "成立年份": "founded",
    # firm registers (工商登记 exports)
    "所属省份": "province", "所属城市": "city",
    "统一社会信用代码": "credit_code", "社会信用代码": "credit_code", "信用代码": "credit_code",
    "国标行业": "industry_code", "行业代码": "industry_code", "国民经济行业代码": "industry_code",
    "所属行业": "industry_code", "国民经济行业分类": "industry_code",
    "经营范围": "business_scope",
    "注册资本": "registered_capital",
    "成立日期": "founded_date", "注册日期": "founded_date",
    "供应商id": "supplier_id", "供应商": "supplier_id",
    "客户id": "customer_id", "客户": "customer_id",
    "金额": "amount", "交易额": "amount", "采购额": "amount",
    "年份": "year", "产品": "product",
}
#: Column names of Chinese VAT invoice exports (增值税发票 清单), read by ``ingest_transactions``
#: only (beside :data:`COLUMN_ALIASES`): the seller's and the buyer's taxpayer id, the date
#: issued. 金额 (the amount before tax) is in :data:`COLUMN_ALIASES` already.
INGEST_COLUMN_ALIASES: dict[str, str] = {
    "销方税号": "supplier_id", "销方纳税人识别号": "supplier_id",
    "购方税号": "customer_id", "购方纳税人识别号": "customer_id",
    "开票日期": "date",
}
#: Column names as found in Chinese spreadsheets that mean a canonical name in one table only.
TABLE_COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "presence": {"份额": "share", "市场份额": "share", "产值": "amount", "可忽略": "negligible"},
}

#: Province names (short Chinese form) → pinyin.
PROVINCES = {
    "北京": "beijing", "天津": "tianjin", "河北": "hebei", "山西": "shanxi",
    "内蒙古": "inner mongolia", "辽宁": "liaoning", "吉林": "jilin",
    "黑龙江": "heilongjiang", "上海": "shanghai", "江苏": "jiangsu",
    "浙江": "zhejiang", "安徽": "anhui", "福建": "fujian", "江西": "jiangxi",
    "山东": "shandong", "河南": "henan", "湖北": "hubei", "湖南": "hunan",
    "广东": "guangdong", "广西": "guangxi", "海南": "hainan", "重庆": "chongqing",
    "四川": "sichuan", "贵州": "guizhou", "云南": "yunnan", "西藏": "tibet",
    "陕西": "shaanxi", "甘肃": "gansu", "青海": "qinghai", "宁夏": "ningxia",
    "新疆": "xinjiang", "台湾": "taiwan", "香港": "hong kong", "澳门": "macau",
}
_PINYIN_TO_PROVINCE = {v: k for k, v in PROVINCES.items()}
_REGION_SUFFIX = re.compile(
    r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$"
)


def normalize_region(name) -> str | None:
    """The comparable form of a province name: ``'山东省'``, ``'山东'`` and
    ``'Shandong'`` all give ``'山东'``.

    >>> normalize_region("山东省"), normalize_region(" Shandong Province ")
    ('山东', '山东')
    >>> normalize_region("广西壮族自治区")
    '广西'

    Other names written in Latin letters (a US state, a German Land) compare
    without case and without repeated spaces:

    >>> normalize_region(" new  York "), normalize_region("Bavaria") == normalize_region("BAVARIA")
    ('new york', True)
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    text = str(name).strip()
    low = re.sub(r"\s+(province|city|municipality|sar)$", "", text.lower()).strip()
    if low in _PINYIN_TO_PROVINCE:
        return _PINYIN_TO_PROVINCE[low]
    if text.isascii():
        return re.sub(r"\s+", " ", text.casefold())
    return _REGION_SUFFIX.sub("", text) or text
