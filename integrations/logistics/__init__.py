"""Logistics services, one package each: the platforms' e-waybill services (Cainiao on the TOP gateway,
Pinduoduo, Douyin, JD), SF Express's open platform, and the tracking aggregators Kuaidi100 and KDNiao.

Each package has its client (request format, signature, documented error codes) and plugs an adapter into
fulfilment's registry (``fulfilment.carriers.adapters.registry``) from ``IntegrationsConfig.ready``:
fulfilment chooses the e-waybill account and builds the request; the adapter turns it into the service's
format with the shop's platform connection (or the service's own credentials) and back.
"""

from __future__ import annotations


def providers_register() -> None:
    from fulfilment.carriers.adapters.registry import provider_register
    from integrations.logistics import cainiao, douyin, jd, kuaidi100, pdd, sf

    for module in (cainiao, pdd, douyin, jd, sf, kuaidi100):
        provider_register(module.PROVIDER, module.adapter_factory)
