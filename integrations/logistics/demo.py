"""The demo's logistics: SF, Kuaidi100 and KDNiao connected to the sandbox, an e-waybill account of each
platform shop's own service for its carriers (one close to its balance alert), carrier-direct accounts for
the other channels, a first ETA backtest (on simulated tracks: the demo has no delivery history yet), and one
SF route push received for a demo SF parcel (stored, then processed into its track)."""

from __future__ import annotations

import datetime as dt
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
    return {"waybill_accounts": accounts, "sf_route_pushes": sf_push_demo_ensure()}


def sf_push_demo_ensure() -> int:
    """One SF route push for an SF demo parcel on its way, as SF would send it, stored and processed."""
    from django.utils import timezone

    from fulfilment.models import Shipment
    from integrations.logistics.models import TrackingCallback
    from integrations.logistics.tracking import tracking_callback_process, tracking_callback_receive

    if TrackingCallback.objects.filter(service="sf").exists():
        return 0
    shipment = (
        Shipment.objects.filter(carrier__code="SF", status=Shipment.Status.IN_TRANSIT)
        .select_related("order")
        .order_by("pk")
        .first()
    )
    if shipment is None:
        return 0
    at = timezone.localtime(timezone.now() - dt.timedelta(minutes=3))
    body = {
        "Body": {
            "WaybillRoute": [
                {
                    "id": f"DEMO{shipment.pk:010d}",
                    "mailno": shipment.tracking_number,
                    "orderid": shipment.order.number,
                    "acceptTime": at.strftime("%Y-%m-%d %H:%M:%S"),
                    "acceptAddress": shipment.order.city,
                    "remark": f"快件已到达【{shipment.order.city}】顺丰营业点，准备派送",
                    "opCode": "31",
                    "reasonCode": "",
                    "reasonName": "",
                }
            ]
        }
    }
    callback = tracking_callback_receive(service="sf", body=body)
    tracking_callback_process(callback_id=callback.pk)
    return 1
