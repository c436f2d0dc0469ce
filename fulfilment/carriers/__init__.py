"""The carrier library (codes and per-platform codes) and the carrier adapters that issue e-waybills."""

from fulfilment.carriers.library import (
    PLATFORMS_NOT_CONFIRMED,
    carrier_choices,
    carrier_data,
    carrier_get,
    carrier_names,
    carrier_platform_code,
    platform_codes,
)

__all__ = [
    "PLATFORMS_NOT_CONFIRMED",
    "carrier_choices",
    "carrier_data",
    "carrier_get",
    "carrier_names",
    "carrier_platform_code",
    "platform_codes",
]
