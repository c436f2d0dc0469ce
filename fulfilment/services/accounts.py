"""E-waybill accounts: the balance kept per account and the alert when it runs low."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def waybill_balance_record(*, account_id: int, balance: int) -> None:
    """Integrations read the account's balance from its service (e.g. cainiao.waybill.ii.search)."""
    WaybillAccount.objects.filter(pk=account_id).update(balance=balance, balance_checked_at=timezone.now())
