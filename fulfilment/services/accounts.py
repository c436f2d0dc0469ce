"""E-waybill accounts: the balance kept per account, read from the services that count numbers, and the alert
when it runs low (``waybill_balance_low`` → integrations' health alert, once per account and day)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from fulfilment.carriers.adapters import CarrierCallFailed
from fulfilment.carriers.adapters.base import AccountRef
from fulfilment.carriers.adapters.registry import provider_adapter
from fulfilment.models import WaybillAccount
from fulfilment.signals import waybill_balance_low


def waybill_balance_check(*, account_id: int) -> bool:
    """Tell integrations (``waybill_balance_low``) when an account is below its threshold. Returns whether
    it is low. Idempotent: the alert is raised once per account and day by the receiver."""
    account = WaybillAccount.objects.select_related("carrier").filter(pk=account_id).first()
    if account is None or account.balance is None or account.balance >= account.balance_alert_below:
        return False
    waybill_balance_low.send(
        sender=WaybillAccount,
        account_id=account.pk,
        shop_id=account.shop_id,
        provider=account.provider,
        carrier_code=account.carrier.code,
        branch=account.branch_name or account.branch_code,
        balance=account.balance,
        threshold=account.balance_alert_below,
    )
    return True


log = logging.getLogger(__name__)


@transaction.atomic
def waybill_balance_record(*, account_id: int, balance: int) -> None:
    """The account's balance as its service reports it (e.g. cainiao.waybill.ii.search ``quantity``)."""
    WaybillAccount.objects.filter(pk=account_id).update(balance=balance, balance_checked_at=timezone.now())


def waybill_balance_refresh(*, account_id: int) -> int | None:
    """Read one account's balance from its service (network outside transactions), record it and raise the
    low-balance alert when it is under the threshold. Returns the balance (None: the service counts none)."""

    account = WaybillAccount.objects.select_related("carrier").get(pk=account_id)
    ref = AccountRef.of(account)
    adapter = provider_adapter(ref, account.carrier.code)
    balance = getattr(adapter, "waybill_balance", lambda: None)()
    if balance is None:
        return None
    waybill_balance_record(account_id=account.pk, balance=balance)
    waybill_balance_check(account_id=account.pk)
    return balance


def waybill_balances_refresh() -> dict[str, int]:
    """Every active account of a service that counts numbers: read, record, alert. A failure is logged and
    counted (the account keeps its last balance and ``balance_checked_at`` shows how old it is); the next
    run (hourly) tries again."""
    result = {"read": 0, "not_counted": 0, "failed": 0}
    for account_id in WaybillAccount.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        try:
            balance = waybill_balance_refresh(account_id=account_id)
        except CarrierCallFailed as exc:
            result["failed"] += 1
            log.warning("waybill balance of account %s not read: %s %s", account_id, exc.code, exc.message)
            continue
        result["read" if balance is not None else "not_counted"] += 1
    return result
