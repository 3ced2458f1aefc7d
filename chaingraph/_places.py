"""Home country, focus region and where each firm is: local, outside or foreign.

The rules (stated once here, used by :class:`chaingraph.ChainGraph`):

* ``home`` (default ``CN``) is a country, written as :mod:`chaingraph.countries`
  reads it and stored as its ISO 3166 alpha-2 code. A firm is **foreign** when
  its ``country`` is known and is not ``home``. A firm with no country counts
  as domestic (whatever the home).
* ``region`` (optional) is the focus region, resolved in this order:
  a **country** (a code or name :mod:`chaingraph.countries` knows), a
  **province** (a Chinese province name in any of its forms, or a value of the
  firms' ``province`` column), a **city** (a value of the firms' ``city``
  column, 市/区 suffixes aside). A string that names a country and also a
  province or city of the data is taken as the country, the larger unit, and a
  warning says so; but when ``home`` is another country, the string is the
  province or city (``"Georgia"`` with ``home="US"`` and a state column). A
  region that matches nothing in the data is taken as a
  province when the firms have a ``province`` column (a warning then says no
  firm is local), else as a city when they have a ``city`` column.
* A country region is the home country: without ``home`` it sets it, and a
  ``home`` that differs is an error.
* A firm is **local** when it is not foreign and is in the region (a
  province or city region: its ``province`` or ``city`` matches; a country
  region, or no region: every domestic firm); otherwise it is **outside**.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from .countries import country_code
from .errors import ChainDataError
from ._vocabulary import PROVINCES, normalize_region
from .schema import ChainDataWarning, TableInfo

DEFAULT_HOME = "CN"
REGION_KINDS = ("country", "province", "city")
#: Where a firm is, in the order of :attr:`ChainGraph.location_codes` (0, 1, 2).
LOCATIONS = ("local", "outside", "foreign")

_CITY_SUFFIX = re.compile(r"(市|区)$")


def normalize_city(name) -> str | None:
    """The comparable form of a city name: ``'苏州市'`` and ``'苏州'`` give ``'苏州'``;
    English names compare case-insensitively without a trailing "city".

    >>> normalize_city(" 苏州市 "), normalize_city("Hillsboro City"), normalize_city("市")
    ('苏州', 'hillsboro', '市')
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    text = str(name).strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        short = _CITY_SUFFIX.sub("", text)
        return short if len(short) >= 1 else text
    low = re.sub(r"\s+", " ", text.casefold())
    return re.sub(r"\s+(city|district)$", "", low) or low


def resolve_home(home) -> str:
    """The alpha-2 code of ``home`` (``None``: the default, ``CN``).

    Raises ``TypeError`` for a non-string and ``ValueError`` for a country
    chaingraph does not know.
    """
    if home is None:
        return DEFAULT_HOME
    if not isinstance(home, str):
        raise TypeError(f"home must be a country code or name, not {type(home).__name__}")
    code = country_code(home)
    if code is None:
        raise ValueError(
            f"home={home!r} is not a country chaingraph knows; give an ISO 3166 code "
            "(CN, CHN) or a name (China, 中国)"
        )
    return code


def _matches(values: pd.Series, target, normalize) -> np.ndarray:
    """Bool per row: the normalised value equals ``target`` (each distinct value normalised once)."""
    codes, uniques = pd.factorize(values)
    hit = np.array([normalize(u) == target for u in uniques], dtype=bool)
    out = np.zeros(len(values), dtype=bool)
    known = codes >= 0
    out[known] = hit[codes[known]]
    return out


def resolve_region(region, home, firms: pd.DataFrame, info: TableInfo):
    """``(region, region_kind, home)`` for the chain: the region as stored (a country as its
    alpha-2 code, a province or city as given, stripped), its kind and the home code.

    ``firms`` is the checked firms table (with ``province``/``city`` when given).
    """
    if region is None:
        return None, None, resolve_home(home)
    if not isinstance(region, str):
        raise TypeError(f"region must be a string, not {type(region).__name__}")
    text = region.strip()
    province_hit = "province" in firms.columns and _matches(
        firms["province"], normalize_region(text), normalize_region).any()
    city_hit = "city" in firms.columns and _matches(
        firms["city"], normalize_city(text), normalize_city).any()
    country = country_code(text)
    if country is not None and home is not None and resolve_home(home) != country \
            and (province_hit or city_hit):
        # a state or city of the data named like another country (Georgia, for home="US"):
        # the region cannot be that country, so it is the place the data names
        country = None
    if country is not None:
        if home is not None and resolve_home(home) != country:
            raise ValueError(
                f"region={region!r} is the country {country} but home={home!r} is "
                f"{resolve_home(home)}; a country region is the home country"
            )
        if province_hit or city_hit:
            warnings.warn(
                f"region {text!r} names the country {country} and also a "
                f"{'province' if province_hit else 'city'} of the firms table; it is taken as "
                "the country (chain.region_kind == 'country')",
                ChainDataWarning, stacklevel=3,
            )
        return country, "country", country
    home = resolve_home(home)
    if province_hit or normalize_region(text) in PROVINCES:
        kind = "province"
    elif city_hit:
        kind = "city"
    elif "province" in firms.columns:
        kind = "province"
    elif "city" in firms.columns:
        kind = "city"
    else:
        kind = "province"
    if kind not in firms.columns:
        raise ChainDataError(
            f"region={region!r} needs a '{kind}' column to tell local firms",
            source=info.source,
        )
    return text, kind, home


def foreign_mask(firms: pd.DataFrame, home: str) -> np.ndarray:
    """Firms whose ``country`` is given and is not ``home``."""
    if "country" not in firms.columns:
        return np.zeros(len(firms), dtype=bool)
    c = firms["country"]
    return (c.notna() & (c != home)).to_numpy(dtype=bool)


def local_mask(firms: pd.DataFrame, region, region_kind, foreign: np.ndarray) -> np.ndarray:
    """Non-foreign firms in the focus region (every non-foreign firm for a country region or
    none)."""
    if region is None or region_kind == "country":
        return ~foreign
    if region_kind == "province":
        inside = _matches(firms["province"], normalize_region(region), normalize_region)
    else:
        inside = _matches(firms["city"], normalize_city(region), normalize_city)
    return inside & ~foreign


def has_places_below_country(firms: pd.DataFrame) -> bool:
    """Whether a focus region below the country could be given: some firm has a province or
    a city. Without one (a national or world chain map), the home country is the only
    region there is, and having no region loses nothing."""
    return any(col in firms.columns and bool(firms[col].notna().any())
               for col in ("province", "city"))


def warn_if_nobody_local(region, region_kind, local: np.ndarray) -> None:
    """A province or city region that no firm is in: every firm is outside (say so)."""
    if region is not None and region_kind in ("province", "city") and not local.any():
        warnings.warn(
            f"no firm's {region_kind} is {region!r}: every firm is outside the focus region",
            ChainDataWarning,
            stacklevel=3,
        )
