"""Small hand-made chains shared by the tests."""

import pandas as pd
import pytest

import chaingraph as cg


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
