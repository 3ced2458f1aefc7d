"""A small chain around one car maker, shared by the ecosystem tests of the page and the report.

segments mat (upstream) → cell, pack (midstream) → car → sales (downstream);
essential flows mat→cell, mat→pack, cell→pack, cell→car, pack→car; car→sales not.

firm  segment  place       size     links (万元)
L     car      山东 local   large    L→D1 40, L→D2 25
P1    pack     山东 local   small    P1→L 50, P1→P2 3
P2    pack     江苏 outside large    P2→L 30
C1    cell     KR foreign   medium   C1→L 20
M1    mat      local        micro    M1→P1 10, M1→C1 5
M2    mat      local        small    M2→P2 8
C2    cell     local        medium   C2→P1 12, C2→P2 6
D1    sales    local        small    D1→E1 4
D2    sales    江苏 outside  medium
E1    sales    local        micro
Z     mat      local        small    Z→D2 9 (not in L's ecosystem)
"""

from __future__ import annotations

import pandas as pd

import chaingraph as cg


def toy_chain() -> cg.ChainGraph:
    segments = pd.DataFrame({"segment_id": ["mat", "cell", "pack", "car", "sales"],
                             "name": ["材料", "电芯", "电池包", "整车", "销售"],
                             "name_en": ["materials", "cells", "packs", "cars", "sales"],
                             "stage": ["upstream", "midstream", "midstream", "downstream", "downstream"]})
    flows = pd.DataFrame({"from_segment": ["mat", "mat", "cell", "cell", "pack", "car"],
                          "to_segment": ["cell", "pack", "pack", "car", "car", "sales"],
                          "essential": [True, True, True, True, True, False]})
    template = cg.ChainTemplate.from_frames(segments, flows, name="toy")
    firms = pd.DataFrame({
        "firm_id": ["L", "P1", "P2", "C1", "M1", "M2", "C2", "D1", "D2", "E1", "Z"],
        "name": ["整车甲", "电池包乙", "电池包丙", "Cellco", "材料丁", "材料戊", "电芯己", "经销庚", "经销辛",
                 "门店壬", "材料癸"],
        "segment_id": ["car", "pack", "pack", "cell", "mat", "mat", "cell", "sales", "sales", "sales", "mat"],
        "province": ["山东", "山东", "江苏", None, "山东", "山东", "山东", "山东", "江苏", "山东", "山东"],
        "country": ["CN", "CN", "CN", "KR", "CN", "CN", "CN", "CN", "CN", "CN", "CN"],
        "size_class": ["large", "small", "large", "medium", "micro", "small", "medium", "small", "medium",
                       "micro", "small"],
        "revenue": [1000.0, 80, 300, 200, 20, 30, 60, 50, 90, 5, 10],
    })
    links = pd.DataFrame([("P1", "L", 50), ("P2", "L", 30), ("C1", "L", 20), ("M1", "P1", 10), ("M1", "C1", 5),
                          ("M2", "P2", 8), ("C2", "P1", 12), ("C2", "P2", 6), ("L", "D1", 40), ("L", "D2", 25),
                          ("D1", "E1", 4), ("P1", "P2", 3), ("Z", "D2", 9)],
                         columns=["supplier_id", "customer_id", "amount"])
    return cg.ChainGraph.from_frames(firms, links, template, region="山东")
