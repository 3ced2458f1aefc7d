"""Small hand-made chains shared by the tests."""

import pandas as pd
import pytest


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
