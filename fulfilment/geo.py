"""Provinces and distances for routing, address checks and the suspicious-delivery rule.

fulfilment/data/provinces.json lists the 34 provinces with their capitals' coordinates, land neighbours and
prefecture-level cities. The distance between two provinces is the great-circle distance between their
capitals; "ring" 0 is the same province, 1 a neighbour, 2 anything further.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_noop

from config.messages import message

DATA_FILE = Path(__file__).resolve().parent / "data" / "provinces.json"
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
MUNICIPALITY_CITY_ALIASES = {"市辖区", "县", "城区", "郊县"}


@dataclass(frozen=True)
class Province:
    name: str
    short: str
    capital: str
    lat: float
    lon: float
    neighbours: frozenset[str]
    cities: tuple[str, ...]


@lru_cache(maxsize=1)
def _table() -> dict[str, Province]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        p["name"]: Province(
            name=p["name"],
            short=p["short"],
            capital=p["capital"],
            lat=p["lat"],
            lon=p["lon"],
            neighbours=frozenset(p["neighbours"]),
            cities=tuple(p["cities"]),
        )
        for p in data["provinces"]
    }


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for province in _table().values():
        aliases[province.name] = province.name
        aliases[province.short] = province.name
    aliases.update(
        {
            "内蒙古": "内蒙古自治区",
            "广西": "广西壮族自治区",
            "宁夏": "宁夏回族自治区",
            "新疆": "新疆维吾尔自治区",
            "西藏": "西藏自治区",
        }
    )
    return aliases


def provinces() -> list[Province]:
    return list(_table().values())


def province_normalise(name: str) -> str:
    """``浙江`` / ``浙江省`` → ``浙江省``; unknown names → ``""``."""
    return _aliases().get((name or "").strip(), "")


def city_short(name: str) -> str:
    name = (name or "").strip()
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def city_in_province(province: str, city: str) -> bool:
    """Whether ``city`` (full or short name) is a prefecture-level city of ``province``. Municipalities
    accept their own name and the placeholders platforms use for them (市辖区, 县)."""
    p = _table().get(province_normalise(province))
    if p is None or not city:
        return False
    wanted = city_short(city)
    if city.strip() in MUNICIPALITY_CITY_ALIASES and len(p.cities) == 1:
        return True
    return any(city_short(c) == wanted for c in p.cities)


def same_city(city_a: str, city_b: str) -> bool:
    return bool(city_a and city_b) and city_short(city_a) == city_short(city_b)


def distance_km(province_a: str, province_b: str) -> float | None:
    """Great-circle km between the two provinces' capitals; 0 for the same province, None if unknown."""
    a = _table().get(province_normalise(province_a))
    b = _table().get(province_normalise(province_b))
    if a is None or b is None:
        return None
    if a.name == b.name:
        return 0.0
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6371 * math.asin(math.sqrt(h)), 1)


def ring(province_a: str, province_b: str) -> int:
    """0 same province, 1 neighbouring province, 2 further (or unknown)."""
    a = province_normalise(province_a)
    b = province_normalise(province_b)
    if not a or not b:
        return 2
    if a == b:
        return 0
    return 1 if b in _table()[a].neighbours else 2


# What keeps a carrier from routing an address (``address_check``), as messages (config.messages).
PROVINCE_UNKNOWN = gettext_noop("province '%(province)s' is not a Chinese province")
CITY_ELSEWHERE = gettext_noop("city '%(city)s' is not in %(province)s")
ADDRESS_MASKED = gettext_noop("the street address is masked and there is no encrypted receiver data to decrypt")
ADDRESS_SHORT = gettext_noop("street address '%(address)s' is too short to deliver to")
ADDRESS_PROBLEMS = (PROVINCE_UNKNOWN, CITY_ELSEWHERE, ADDRESS_MASKED, ADDRESS_SHORT)


@dataclass(frozen=True)
class AddressCheck:
    ok: bool
    problem: str = ""  # a config.messages message


def address_check(*, province: str, city: str, address: str, has_cipher: bool) -> AddressCheck:
    """Can a carrier route this address? Province must be known, the city must be in it and there must be a
    street address. A platform-masked address (``***``) is fine only when the encrypted receiver data is
    there for the e-waybill to decrypt."""
    if not province_normalise(province):
        return AddressCheck(False, message(PROVINCE_UNKNOWN, province=province))
    if not city_in_province(province, city):
        return AddressCheck(False, message(CITY_ELSEWHERE, city=city, province=province))
    detail = (address or "").strip()
    if "*" in detail and not has_cipher:
        return AddressCheck(False, message(ADDRESS_MASKED))
    if len(detail.replace("*", "")) < 4 and not has_cipher:
        return AddressCheck(False, message(ADDRESS_SHORT, address=detail))
    return AddressCheck(True)
