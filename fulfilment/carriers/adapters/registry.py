"""Which adapter speaks to an e-waybill service: one factory per service name (``WaybillProvider``).

Fulfilment registers its own protocol (``sandbox``); integrations registers the real services (Cainiao,
Pinduoduo, Douyin, JD, SF, Kuaidi100, KDNiao) in its AppConfig.ready, because they need the shop's
platform connection or the service's credentials, which integrations keeps. Nothing here imports
integrations.
"""

from __future__ import annotations

from collections.abc import Callable

from config.messages import message
from fulfilment.carriers.adapters.base import AccountRef, CarrierAdapter, CarrierCallFailed
from fulfilment.models.written import PROVIDER_MISSING

AdapterFactory = Callable[[AccountRef, str], CarrierAdapter]
_FACTORIES: dict[str, AdapterFactory] = {}


def provider_register(provider: str, factory: AdapterFactory) -> None:
    """``factory(account, carrier_code)`` → an adapter for that service. Registering again replaces it."""
    _FACTORIES[provider] = factory


def provider_registered(provider: str) -> bool:
    return provider in _FACTORIES


def provider_adapter(account: AccountRef, carrier_code: str) -> CarrierAdapter:
    factory = _FACTORIES.get(account.provider)
    if factory is None:
        raise CarrierCallFailed(message(PROVIDER_MISSING, service=account.provider), code="provider_missing")
    return factory(account, carrier_code)
