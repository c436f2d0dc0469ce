"""What can be mapped: the profiles (platform adapters and file formats) and their default dictionaries,
for the mapping pages and the override form."""

from __future__ import annotations

from integrations.platforms import ADAPTERS, adapter_for
from integrations.platforms.base import LINE_FIELDS, ORDER_FIELDS

PLATFORM_PROFILES = ("taobao", "jd", "pdd", "douyin", "shopify")


def known_profiles() -> list[str]:
    from integrations.imports import PROFILES

    return [*PLATFORM_PROFILES, *PROFILES]


def known_fields(section: str) -> list[str]:
    return list(ORDER_FIELDS if section == "order" else LINE_FIELDS)


def defaults_for(profile: str) -> dict[str, dict[str, str]]:
    from integrations.imports import PROFILES

    if profile in PROFILES:
        return PROFILES[profile].defaults()
    if profile in ADAPTERS:
        return adapter_for(profile).defaults
    return {}


def effective_for(profile: str) -> dict[str, dict[str, str]]:
    from integrations.mapping import mapping_effective

    return mapping_effective(profile, defaults_for(profile))
