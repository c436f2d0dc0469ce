"""Platform adapters, one subpackage each; ``adapter_for(platform)`` picks one (Tmall uses Taobao's)."""

from __future__ import annotations

from importlib import import_module

from django.utils.translation import gettext as _

from integrations.exceptions import ConnectionNotFound

ADAPTERS = {
    "taobao": "integrations.platforms.taobao",
    "tmall": "integrations.platforms.taobao",
    "jd": "integrations.platforms.jd",
    "pdd": "integrations.platforms.pdd",
    "douyin": "integrations.platforms.douyin",
    "shopify": "integrations.platforms.shopify",
}


def adapter_for(platform: str):
    module = ADAPTERS.get(platform)
    if module is None:
        raise ConnectionNotFound(
            _("Order Hub has no adapter for platform %(platform)r.") % {"platform": platform},
            extra={"platform": platform},
        )
    return import_module(module).adapter


def supported(platform: str) -> bool:
    return platform in ADAPTERS
