"""Countries as people write them, read as ISO 3166 alpha-2 codes."""

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph import countries
from chaingraph.countries import country_code, country_name, to_iso2


@pytest.mark.parametrize("written, code", [
    # ISO2 and ISO3, any case and spacing
    ("CN", "CN"), ("cn", "CN"), (" CHN ", "CN"), ("usa", "US"), ("KOR", "KR"), ("twn", "TW"),
    ("ＵＳＡ", "US"),  # full-width
    # English: short, official, common names and variants
    ("China", "CN"), ("People's Republic of China", "CN"), ("United States", "US"),
    ("United States of America", "US"), ("US", "US"), ("U.S.", "US"), ("UK", "GB"),
    ("United Kingdom", "GB"), ("South Korea", "KR"), ("Korea", "KR"),
    ("Korea, Republic of", "KR"), ("North Korea", "KP"), ("Taiwan", "TW"),
    ("Taiwan, Province of China", "TW"), ("Russia", "RU"), ("Russian Federation", "RU"),
    ("Vietnam", "VN"), ("Viet Nam", "VN"), ("Netherlands", "NL"), ("the Netherlands", "NL"),
    ("Holland", "NL"), ("Czechia", "CZ"), ("Czech Republic", "CZ"), ("Germany", "DE"),
    ("japan", "JP"), ("Iran", "IR"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Hong Kong", "HK"),
    ("Trinidad & Tobago", "TT"),
    # Chinese, simplified and traditional
    ("中国", "CN"), ("中国大陆", "CN"), ("美国", "US"), ("美國", "US"), ("日本", "JP"),
    ("韩国", "KR"), ("韓國", "KR"), ("大韩民国", "KR"), ("中国台湾", "TW"), ("台湾", "TW"),
    ("台灣", "TW"), ("荷兰", "NL"), ("德国", "DE"), ("英国", "GB"), ("法国", "FR"),
    ("俄罗斯", "RU"), ("越南", "VN"), ("中国香港", "HK"), ("新加坡", "SG"), ("以色列", "IL"),
    # a country's own name for itself: a Japanese or German analyst's home=
    ("日本国", "JP"), ("Deutschland", "DE"), ("Nippon", "JP"), ("Österreich", "AT"),
    ("Schweiz", "CH"), ("España", "ES"),
])
def test_written_forms(written, code):
    assert country_code(written) == code


def test_missing_and_unknown():
    assert country_code(None) is None and country_code("") is None and country_code(np.nan) is None
    assert country_code("Atlantis") is None and country_code("EU") is None


def test_every_name_reads_as_one_country():
    # no written form is claimed by two countries across the ISO names, their
    # translations and the alias table
    claims = defaultdict(set)
    for a2, (_, name, official, common) in countries._iso_countries().items():
        for n in (name, official, common):
            if n:
                claims[countries._key(n)].add(a2)
    for lang in ("zh_CN", "zh_TW", "zh_HK"):
        for a2, n in countries._translations(lang).items():
            claims[countries._key(n)].add(a2)
    for n, a2 in countries.ALIASES.items():
        claims[countries._key(n)].add(a2)
    for a2, n in [*countries._ZH_NAMES.items(), *countries._EN_NAMES.items()]:
        claims[countries._key(n)].add(a2)
    assert {k: v for k, v in claims.items() if len(v) > 1} == {}
    assert set(countries.ALIASES.values()) <= set(countries._iso_countries())


def test_to_iso2_keeps_missing_and_names_unknown_rows():
    values = pd.Series(["JPN", None, "Japan", "Atlantis", "Narnia", "Atlantis"],
                       index=[10, 11, 12, 13, 14, 15])
    with pytest.raises(cg.ChainDataError) as e:
        to_iso2(values, source="firms.csv")
    assert (e.value.source, e.value.column, e.value.rows) == ("firms.csv", "country", [13, 14, 15])
    assert "unknown countries 'Atlantis', 'Narnia'" in str(e.value)
    assert to_iso2(values[:3]).tolist() == ["JP", None, "JP"]


def test_country_names_for_output():
    assert country_name(["CN", "US", "KR", "TW", "NL", "DE", "JP"]).tolist() == [
        "中国", "美国", "韩国", "中国台湾", "荷兰", "德国", "日本"]
    assert country_name(["CN", "US", "KR", "TW", "RU", "VN"], lang="en").tolist() == [
        "China", "United States", "South Korea", "Taiwan", "Russia", "Vietnam"]
    # every output name reads back as its code
    for a2 in countries._iso_countries():
        for lang in ("zh", "en"):
            assert country_code(country_name(a2, lang)) == a2, (a2, lang)
    with pytest.raises(ValueError):
        country_name("XX")
    with pytest.raises(ValueError):
        country_name("CN", lang="fr")
