"""Hand-worked chains shared by the analysis tests."""

import pandas as pd
import pytest

import chaingraph as cg


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
