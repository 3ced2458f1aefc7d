"""Build register.csv, a labelled firm register, from the hand-written scopes.tsv.

scopes.tsv holds what was written by hand: each firm's business scope (经营范围), its
GB/T 4754-2017 industry code where the firm gives one, the chain and segments it
belongs to (``none`` for firms outside every chain) and the part of the sample it
is in (``dev``: worded like the templates' vocabularies; ``holdout``: worded
without looking at them). This script adds what a register export also has —
name, unified social credit code (with a valid GB 32100-2015 check character),
province, city, registered capital, founding date — drawn from a fixed seed, so
that the file is the same on every run:

    python datasets/register-sample/make_register.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20261130
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]

CITIES = [  # (province, city, administrative division code of the registering office)
    ("山东省", "济南市", "370100"), ("山东省", "青岛市", "370200"), ("山东省", "淄博市", "370300"),
    ("山东省", "烟台市", "370600"), ("山东省", "潍坊市", "370700"), ("山东省", "济宁市", "370800"),
    ("山东省", "威海市", "371000"), ("山东省", "临沂市", "371300"), ("江苏省", "苏州市", "320500"),
    ("广东省", "深圳市", "440300"), ("上海市", "上海市", "310100"), ("浙江省", "宁波市", "330200"),
]
BRANDS = ["华信", "鲁泰", "海川", "德润", "恒远", "金石", "瑞丰", "中科", "东岳", "新宇", "博达",
          "泰和", "齐鲁", "远航", "卓越", "天元", "宏图", "嘉诚", "明德", "光大", "正阳", "联创",
          "鼎盛", "华泰", "安捷", "凯盛", "荣昌", "益民", "信达", "汇通"]
OUTSIDE_WORDS = {  # first letter of the industry code (GB/T 4754 门类) → a word for the name
    "A": "农业发展", "C": "制品", "E": "建设工程", "F": "商贸", "G": "物流", "H": "餐饮管理",
    "I": "信息技术", "J": "金融服务", "K": "置业", "L": "咨询管理", "M": "科技服务",
    "N": "环境工程", "O": "汽车服务", "P": "教育科技", "R": "文化传媒", "S": "协会服务",
}


def check_char(code17: str) -> str:
    total = sum(CHARS.index(c) * w for c, w in zip(code17, WEIGHTS))
    return CHARS[(31 - total % 31) % 31]


def firm_words() -> dict[str, dict[str, str]]:
    import sys

    sys.path.insert(0, str(HERE.parent.parent))
    from chaingraph.templates import get_template

    return {name: get_template(name).segments["firm_word"].to_dict() for name in ("nev", "cnc", "ic")}


def main() -> None:
    rng = np.random.default_rng(SEED)
    words = firm_words()
    with open(HERE / "scopes.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = []
    for k, row in enumerate(rows):
        province, city, area = CITIES[int(rng.integers(len(CITIES)))]
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        if row["chain"] == "none":
            word = OUTSIDE_WORDS.get(row["industry_code"][:1], "实业")
        else:
            word = words[row["chain"]][row["segments"].split(";")[0]]
        name = f"{city[:-1]}{brand}{word}有限公司"
        body = "".join(CHARS[int(i)] for i in rng.integers(0, len(CHARS), 9))
        code17 = f"91{area}{body}"
        capital = int(rng.choice([50, 100, 200, 500, 1000, 3000, 5000, 10000, 50000]))
        capital_text = [f"{capital}万元人民币", f"{capital}万人民币", f"{capital}万元"][k % 3]
        founded = np.datetime64("1995-01-01") + int(rng.integers(0, 30 * 365))
        out.append({
            "企业名称": name,
            "统一社会信用代码": code17 + check_char(code17),
            "国标行业": row["industry_code"],
            "经营范围": row["business_scope"],
            "所属省份": province,
            "所属城市": city,
            "注册资本": capital_text,
            "成立日期": str(founded),
            "label_chain": row["chain"],
            "label_segments": row["segments"],
            "label_part": row["part"],
        })
    with open(HERE / "register.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {len(out)} firms to register.csv")


if __name__ == "__main__":
    main()
