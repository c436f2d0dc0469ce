"""The demo's logistics: SF, Kuaidi100 and KDNiao connected to the sandbox, an e-waybill account of each
platform shop's own service for its carriers (one close to its balance alert), carrier-direct accounts for
the other channels, and a first ETA backtest (on simulated tracks: the demo has no delivery history yet)."""

from __future__ import annotations

from decimal import Decimal

from fulfilment.eta.backtest import backtest, simulate
from fulfilment.models import PLATFORM_SERVICE, Carrier, EtaBacktest, WarehouseCarrier, WaybillAccount
from integrations.logistics.models import LogisticsConnection
from integrations.models import ShopConnection

TEMPLATE = "https://cloudprint.cainiao.com/template/standard/101/123"


def logistics_demo_ensure(*, base_url: str) -> dict[str, int]:
    base = base_url.rstrip("/")
    services = {
        "sf": {"key": "OH_DEMO_SF", "secret": "demo-sf-checkword"},
        "kuaidi100": {
            "key": "demo-k100-key",
            "secret": "demo-k100-secret",
            "customer": "demo",
            "callback_salt": "demo-salt",
        },
        "kdniao": {"key": "1000001", "secret": "demo-kdniao-api-key"},
    }
    for service, values in services.items():
        LogisticsConnection.objects.get_or_create(
            service=service, defaults={"base_url": f"{base}/sandbox/{service}", **values}
        )
    accounts = 0
    for connection in ShopConnection.objects.select_related("shop__default_warehouse").filter(is_enabled=True):
        shop = connection.shop
        provider = PLATFORM_SERVICE.get(shop.platform)
        if provider is None or shop.default_warehouse is None:
            continue
        carrier_ids = WarehouseCarrier.objects.filter(warehouse=shop.default_warehouse).values_list(
            "carrier", flat=True
        )
        for index, carrier in enumerate(Carrier.objects.filter(pk__in=carrier_ids, kind="express")):
            _account, created = WaybillAccount.objects.get_or_create(
                provider=provider,
                carrier=carrier,
                shop=shop,
                branch_code=f"{shop.code}-{carrier.code}",
                defaults={
                    "branch_name": f"{carrier.name} {shop.default_warehouse.city}网点",
                    "template_url": TEMPLATE if provider == "cainiao" else "",
                    "balance": 480 if index == 0 else 3000,  # the first one shows the low-balance alert
                    "balance_alert_below": 500,
                },
            )
            accounts += created
    for code, provider, number in (("SF", "sf", "7551234567"), ("YTO", "kuaidi100", "K100-YTO-001")):
        carrier = Carrier.objects.filter(code=code).first()
        if carrier is not None:
            accounts += WaybillAccount.objects.get_or_create(
                provider=provider,
                carrier=carrier,
                shop=None,
                branch_code="",
                defaults={"account_number": number, "branch_name": f"{carrier.name} 月结"},
            )[1]
    if not EtaBacktest.objects.exists():
        result = backtest(simulate(count=4000), simulated=True)
        EtaBacktest.objects.create(
            simulated=True,
            samples=result.samples,
            tested=result.tested,
            mae_hours=Decimal(str(result.mae_hours)),
            coverage=Decimal(str(result.coverage)),
            from_history=Decimal(str(result.from_history)),
        )
    return {"waybill_accounts": accounts}
