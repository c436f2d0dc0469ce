"""Chinese addresses: split a one-line address into province / city / district / detail, and normalise
the parts platforms hand out separately (``北京`` → ``北京市``, JD's municipality quirk, short names).

The region table (integrations/data/regions.json: 34 provinces, 361 cities, ~2,800 districts) is
bundled, so parsing works offline. Matching is greedy from the left: province (full or short name), then
one of its cities, then one of that city's districts. When the province is left out (``深圳市南山区…``,
``徐汇区虹漕路…``) it is inferred from a city, or from a district whose name is unique in the country.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"

_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
_DISTRICT_SUFFIXES = ("自治县", "自治旗", "新区", "区", "县", "市", "旗")
_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Address:
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""

    @property
    def is_complete(self) -> bool:
        """Province, city and a detail are known (some cities have no districts)."""
        return bool(self.province and self.city and self.detail)


@dataclass(frozen=True)
class _Region:
    name: str
    short: str
    parent: _Region | None = None


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class _Table:
    def __init__(self, data: dict):
        self.provinces: list[_Region] = []
        self.cities: dict[str, list[_Region]] = {}
        self.districts: dict[tuple[str, str], list[_Region]] = {}
        self.city_index: dict[str, list[_Region]] = {}
        self.district_index: dict[str, list[_Region]] = {}
        self.municipalities: set[str] = set()
        for p in data["provinces"]:
            province = _Region(p["name"], _short(p["name"], _PROVINCE_SUFFIXES))
            # 内蒙古自治区 → 内蒙古, 广西壮族自治区 → 广西, 黑龙江省 → 黑龙江
            self.provinces.append(province)
            self.cities[province.name] = []
            for c in p["cities"]:
                city = _Region(c["name"], _short(c["name"], _CITY_SUFFIXES), province)
                if city.name == province.name:
                    self.municipalities.add(province.name)
                self.cities[province.name].append(city)
                self.city_index.setdefault(city.name, []).append(city)
                if city.short != city.name:
                    self.city_index.setdefault(city.short, []).append(city)
                districts = []
                for _code, name in c["districts"]:
                    district = _Region(name, _short(name, _DISTRICT_SUFFIXES), city)
                    districts.append(district)
                    self.district_index.setdefault(name, []).append(district)
                self.districts[(province.name, city.name)] = districts
        # Longest names first, so 吉林省 is not read as 吉林市 and 朝阳区 wins over 朝阳.
        self.provinces.sort(key=lambda r: -len(r.name))

    def province_named(self, text: str) -> _Region | None:
        text = text.strip()
        for province in self.provinces:
            if text in (province.name, province.short):
                return province
        return None


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(json.loads(DATA.read_text(encoding="utf-8")))


def _match(text: str, regions: list[_Region]) -> tuple[_Region | None, int]:
    """The region whose full or short name starts ``text``: full names first, longest first."""
    best: tuple[_Region | None, int] = (None, 0)
    for region in regions:
        for name in (region.name, region.short):
            if len(name) > best[1] and text.startswith(name):
                best = (region, len(name))
    return best


def _compact(text: str) -> str:
    """Drop spaces between Chinese characters (``广东省 深圳市`` → ``广东省深圳市``); collapse the rest."""
    return _SPACES.sub(" ", _CJK_GAP.sub("", text or "")).strip()


def address_parse(text: str) -> Address:
    """Split a one-line Chinese address. Parts that cannot be recognised stay in ``detail``."""
    table = _table()
    rest = _compact(text)
    province = city = district = None

    province, used = _match(rest, table.provinces)
    rest = rest[used:].lstrip(" ,，")
    if province:
        city, used = _match(rest, table.cities[province.name])
        if city is None and province.name in table.municipalities:
            city = table.cities[province.name][0]
            for filler in ("市辖区", "县"):
                if rest.startswith(filler):
                    used = len(filler)
                    break
        rest = rest[used:].lstrip(" ,，")
    else:
        city, used = _match_anywhere(rest, table.city_index, full_only=True)
        if city is not None:
            province = city.parent
            rest = rest[used:].lstrip(" ,，")
    if city is not None:
        district, used = _match(rest, table.districts[(province.name, city.name)])
        rest = rest[used:].lstrip(" ,，")
    elif province is None:
        district, used = _match_anywhere(rest, table.district_index, full_only=True)
        if district is not None:
            city, province = district.parent, district.parent.parent
            rest = rest[used:].lstrip(" ,，")
    return Address(
        province=province.name if province else "",
        city=city.name if city else "",
        district=district.name if district else "",
        detail=rest,
    )


def _match_anywhere(text: str, index: dict[str, list[_Region]], full_only: bool = False):
    """A region at the start of ``text`` whose name is unique in the country."""
    for length in range(min(len(text), 12), 1, -1):
        candidates = index.get(text[:length])
        if candidates and len(candidates) == 1:
            region = candidates[0]
            if full_only and text[:length] != region.name:
                continue
            return region, length
    return None, 0


def address_normalize(*, province: str = "", city: str = "", district: str = "", detail: str = "") -> Address:
    """Tidy parts a platform gave separately.

    ``北京`` → ``北京市``; for municipalities a district given as the city (JD: province ``北京``, city
    ``朝阳区``) moves to ``district`` and the city becomes the municipality; a detail that repeats the
    province/city/district at its start loses the repetition. Unknown names are kept as given.
    """
    table = _table()
    province, city, district, detail = (_compact(v) for v in (province, city, district, detail))
    found = table.province_named(province) if province else None
    if found is not None:
        province = found.name
        if found.name in table.municipalities:
            municipal = table.cities[found.name][0]
            if city and city not in (found.name, found.short, "市辖区", "县"):
                as_district, used = _match(city, table.districts[(found.name, municipal.name)])
                if as_district is not None and used == len(city):
                    if not district or _match(district, table.districts[(found.name, municipal.name)])[0] is None:
                        district = as_district.name
            city = municipal.name
        else:
            match, used = _match(city, table.cities[found.name])
            if match is not None and used == len(city):
                city = match.name
        matched_district, used = _match(district, table.districts.get((province, city), []))
        if matched_district is not None and used == len(district):
            district = matched_district.name
    if detail:
        parsed = address_parse(detail)
        if parsed.province == province and parsed.city == city and (parsed.district in ("", district)):
            detail = parsed.detail
        elif not district and (province, city) in table.districts:
            # The detail starts with the district (``西湖区文三路…``): take it from there.
            found_district, used = _match(detail, table.districts[(province, city)])
            if found_district is not None and used >= len(found_district.name):
                district, detail = found_district.name, detail[used:].lstrip(" ,，")
    return Address(province=province, city=city, district=district, detail=detail)


def district_known(*, province: str, city: str, district: str) -> bool:
    return any(d.name == district for d in _table().districts.get((province, city), []))
