"""Countries: the names people write for them, read as ISO 3166 alpha-2 codes, and back.

Firms tables, ``home=`` and ``region=`` name countries in many ways: ``CN``,
``CHN``, ``China``, ``中国``; ``USA``, ``United States``, ``美国``; ``Korea``,
``韩国``; ``台湾``, ``中国台湾``. :func:`to_iso2` reads all of them as the
alpha-2 code (``CN``, ``US``, ``KR``, ``TW``), which is how chaingraph stores
a country; :func:`country_name` gives a code's name in Chinese or English for
output.

What is accepted, compared case-, space- and punctuation-insensitively (and
full-width characters as half-width):

* ISO 3166-1 alpha-2 and alpha-3 codes;
* the ISO English short names, official names and common names
  (``Korea, Republic of``, ``Republic of Korea``… as the ISO 3166 tables of
  :mod:`pycountry` give them), and the part of a short name before its comma
  when only one country has it (``Iran``, ``Bolivia``);
* the Chinese names of the ISO 3166 translations (simplified and traditional);
* a small table of common variants (:data:`ALIASES`): ``USA``, ``US``, ``UK``,
  ``South Korea``, ``Korea``, ``Taiwan``, ``Russia``, ``Vietnam``,
  ``Holland``, ``Czech Republic``, ``Turkey``, ``美国``, ``韩国``, ``南韩``,
  ``中国台湾``, ``台湾``, ``中国大陆`` …, and a few countries' own names
  (``Deutschland``, ``日本国``, ``Nippon``, ``España`` …).

Kosovo (``XK``, ``XKX``), a code in common use that ISO 3166 has not
assigned, is accepted too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import ChainDataError

__all__ = ["to_iso2", "country_code", "country_name", "lookup_iso2", "ALIASES"]

#: Common ways of writing a country that the ISO tables do not list → alpha-2 code.
ALIASES: dict[str, str] = {
    # English
    "US": "US", "USA": "US", "U.S.": "US", "U.S.A.": "US", "America": "US",
    "United States of America": "US",
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB",
    "South Korea": "KR", "Korea": "KR", "Republic of Korea": "KR", "Korea (South)": "KR",
    "North Korea": "KP", "DPRK": "KP", "Korea (North)": "KP",
    "Taiwan": "TW", "Chinese Taipei": "TW", "Taiwan, China": "TW",
    "PRC": "CN", "P.R. China": "CN", "Mainland China": "CN", "China Mainland": "CN",
    "China (Mainland)": "CN",
    "Russia": "RU", "Vietnam": "VN", "Holland": "NL", "The Netherlands": "NL",
    "Czech Republic": "CZ", "Turkey": "TR", "Laos": "LA", "Syria": "SY", "Moldova": "MD",
    "Vatican": "VA", "Vatican City": "VA", "Brunei": "BN", "Macau": "MO", "Hongkong": "HK",
    "UAE": "AE", "Emirates": "AE", "Ivory Coast": "CI", "Cape Verde": "CV",
    "Swaziland": "SZ", "Macedonia": "MK", "Burma": "MM", "Palestine": "PS",
    "DR Congo": "CD", "DRC": "CD", "Micronesia": "FM", "Kosovo": "XK",
    # a country's own name for itself, where it is common in data
    "Deutschland": "DE", "Nippon": "JP", "Nihon": "JP", "España": "ES", "Österreich": "AT",
    "Schweiz": "CH", "Suisse": "CH", "Italia": "IT", "Nederland": "NL", "Polska": "PL",
    "日本国": "JP",
    # Chinese
    "中国大陆": "CN", "中国内地": "CN", "中华人民共和国": "CN", "大陆": "CN", "内地": "CN",
    "中国台湾": "TW", "台湾": "TW", "台湾地区": "TW", "台湾省": "TW", "中国台湾地区": "TW",
    "中华台北": "TW", "台灣": "TW", "中國台灣": "TW",
    "中国香港": "HK", "香港特别行政区": "HK", "中国澳门": "MO", "澳门特别行政区": "MO",
    "美利坚合众国": "US", "韩国": "KR", "南韩": "KR", "韓國": "KR", "南韓": "KR",
    "朝鲜": "KP", "北韩": "KP", "俄国": "RU", "俄羅斯": "RU", "英國": "GB",
    "伊朗": "IR", "叙利亚": "SY", "老挝": "LA", "委内瑞拉": "VE", "玻利维亚": "BO",
    "摩尔多瓦": "MD", "沙特": "SA", "澳洲": "AU", "阿联酋": "AE", "科索沃": "XK",
}

#: Short Chinese names used for output where the ISO translation is long or formal.
_ZH_NAMES = {
    "TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门", "KR": "韩国", "KP": "朝鲜",
    "IR": "伊朗", "LA": "老挝", "SY": "叙利亚", "VE": "委内瑞拉", "BO": "玻利维亚",
    "MD": "摩尔多瓦", "CD": "刚果（金）", "CG": "刚果（布）", "XK": "科索沃",
}
#: Short English names used for output where ISO's short name is inverted or formal.
_EN_NAMES = {
    "RU": "Russia", "LA": "Laos", "SY": "Syria", "VE": "Venezuela", "MD": "Moldova",
    "CD": "DR Congo", "PS": "Palestine", "VA": "Vatican City", "BN": "Brunei",
    "FM": "Micronesia", "XK": "Kosovo",
}
#: Codes in common use that ISO 3166-1 has not assigned: alpha-2 → (alpha-3, English name).
_EXTRA = {"XK": ("XKX", "Kosovo")}

_PUNCT = re.compile(r"[.,'’()\-_/]")
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    """The comparable form of a written country: NFKC, case-folded, no punctuation."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().replace("&", " and ")
    t = _SPACE.sub(" ", _PUNCT.sub(" ", t)).strip()
    if t.startswith("the "):
        t = t[4:]
    if re.search(r"[\u3000-\u9fff]", t):  # Chinese: spaces carry no meaning
        t = t.replace(" ", "")
    return t


@lru_cache(maxsize=1)
def _iso_countries() -> dict[str, tuple]:
    """alpha-2 → (alpha-3, short name, official name, common name) from ISO 3166-1."""
    import pycountry

    table = {
        c.alpha_2: (c.alpha_3, c.name, getattr(c, "official_name", None),
                    getattr(c, "common_name", None))
        for c in pycountry.countries
    }
    for a2, (a3, name) in _EXTRA.items():
        table[a2] = (a3, name, None, None)
    return table


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """Lookup of alpha-2 and alpha-3 codes (upper case) → alpha-2."""
    out = {}
    for a2, (a3, *_) in _iso_countries().items():
        out[a2] = a2
        out[a3] = a2
    return out


@lru_cache(maxsize=3)
def _translations(lang: str) -> dict[str, str]:
    """alpha-2 → the ISO 3166 translation of its short name in ``lang``."""
    import gettext

    import pycountry

    tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
    return {a2: tr.gettext(row[1]) for a2, row in _iso_countries().items()}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Lookup of every accepted name (by :func:`_key`) → alpha-2."""
    iso = _iso_countries()
    out: dict[str, str] = {}
    # lowest priority first: the part of a short name before its comma, where unambiguous
    heads: dict[str, set] = {}
    for a2, (_, name, _, _) in iso.items():
        if "," in name:
            heads.setdefault(_key(name.split(",")[0]), set()).add(a2)
    out.update({k: next(iter(v)) for k, v in heads.items() if len(v) == 1})
    for lang in ("zh_HK", "zh_TW", "zh_CN"):
        for a2, name in _translations(lang).items():
            out[_key(name)] = a2
    for a2, (_, name, official, common) in iso.items():
        for n in (official, common, name):
            if n:
                out[_key(n)] = a2
    for a2, name in [*_ZH_NAMES.items(), *_EN_NAMES.items()]:  # what country_name writes
        out[_key(name)] = a2
    for name, a2 in ALIASES.items():
        out[_key(name)] = a2
    return out


def country_code(value) -> str | None:
    """The alpha-2 code of one written country, or ``None`` when it is not known (or missing).

    >>> country_code("CHN"), country_code(" united states "), country_code("中国台湾")
    ('CN', 'US', 'TW')
    >>> country_code("Atlantis") is None
    True
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    code = _codes().get(unicodedata.normalize("NFKC", text).upper())
    return code if code is not None else _names().get(_key(text))


def to_iso2(values, *, source: str = "country", rows=None) -> np.ndarray:
    """ISO 3166 alpha-2 codes of written countries; missing values stay missing.

    Parameters
    ----------
    values : array-like or Series
        Codes (alpha-2 or alpha-3) or names (English or Chinese), any case.
    source : str
        Named in the error (the table or argument the values come from).
    rows : sequence, optional
        How each value's row is numbered for the user (by default the
        Series' index labels, or positions).

    Returns
    -------
    numpy.ndarray of object
        The alpha-2 code of each value, ``None`` where the value is missing.

    Raises
    ------
    ChainDataError
        Naming the unknown names and their rows.

    Examples
    --------
    >>> to_iso2(["CN", "USA", "Japan", "韩国", "台湾", None, "de"]).tolist()
    ['CN', 'US', 'JP', 'KR', 'TW', None, 'DE']
    >>> to_iso2(pd.Series(["Japan", "Atlantis"], index=[7, 9]), source="firms")
    Traceback (most recent call last):
    ...
    chaingraph.errors.ChainDataError: firms: column 'country': unknown countries 'Atlantis'; give ISO 3166 codes (CN, CHN) or names (China, 中国) (row 9)
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    out, bad = lookup_iso2(series)
    if bad.any():
        labels = list(rows) if rows is not None else (
            list(series.index) if isinstance(values, pd.Series) else list(range(len(series)))
        )
        raise ChainDataError(
            unknown_countries_message(series[bad]),
            source=source, column="country",
            rows=[_plain(labels[i]) for i in np.flatnonzero(bad)],
        )
    return out


def lookup_iso2(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The alpha-2 code of each value (``None`` where missing or unknown) and a bool mask of
    the unknown ones. Each distinct value is looked up once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([country_code(u) for u in uniques] + [None], dtype=object)
    unknown = np.append(np.array([m is None for m in mapped[:-1]], dtype=bool), False)
    return mapped[codes], unknown[codes]  # code −1 (missing) takes the last entries


def unknown_countries_message(values) -> str:
    """What an error about these unknown country names says."""
    shown = list(dict.fromkeys(str(v) for v in values))
    more = ", …" if len(shown) > 3 else ""
    return ("unknown countries " + ", ".join(repr(v) for v in shown[:3]) + more
            + "; give ISO 3166 codes (CN, CHN) or names (China, 中国)")


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def country_name(iso2, lang: str = "zh"):
    """The name of a country (or of each of several) for output, in Chinese or English.

    Parameters
    ----------
    iso2 : str or array-like of str
        Alpha-2 codes; missing values give ``None``.
    lang : {"zh", "en"}

    Returns
    -------
    str or numpy.ndarray of object

    Examples
    --------
    >>> country_name("US"), country_name("KR"), country_name("TW", lang="en")
    ('美国', '韩国', 'Taiwan')
    >>> country_name(["NL", None, "RU"], lang="en").tolist()
    ['Netherlands', None, 'Russia']
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    if isinstance(iso2, str) or iso2 is None or np.ndim(iso2) == 0:
        return _one_name(iso2, lang)
    return np.array([_one_name(c, lang) for c in iso2], dtype=object)


def _one_name(code, lang: str):
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    iso = _iso_countries()
    if code not in iso:
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-2 code")
    if lang == "zh":
        return _ZH_NAMES.get(code) or _translations("zh_CN")[code]
    _, name, _, common = iso[code]
    return _EN_NAMES.get(code) or common or name
