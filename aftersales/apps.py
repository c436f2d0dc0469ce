"""After-sales: refunds, returns, exchanges, re-shipments and compensation, from request to money back."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # The order rules count a buyer's refunds; orders does not import aftersales, so it is told how.
        from aftersales.selectors import refund_times_by_phone
        from orders.rules.facts import refund_times_source_set

        refund_times_source_set(refund_times_by_phone)
        # The SLA watch alerts before a platform's after-sales deadline runs out and counts breaches.
        from aftersales.sla import case_deadlines_flag
        from orders.sla import sla_monitor_register

        sla_monitor_register("aftersales_deadline", case_deadlines_flag)
        # A split must not pull order lines from under a case, nor a merge cancel an order under an open case or
        # add up payments of which some went back.
        from aftersales.guards import (
            case_lines_split_guard,
            merge_blocked_order_ids,
            open_case_merge_guard,
            refunded_case_merge_guard,
        )
        from orders.shaping.guards import merge_blocker_register, merge_guard_register, split_guard_register

        split_guard_register("aftersales_case_lines", case_lines_split_guard)
        merge_guard_register("aftersales_open_case", open_case_merge_guard)
        merge_guard_register("aftersales_refunded_case", refunded_case_merge_guard)
        merge_blocker_register("aftersales_cases", merge_blocked_order_ids)

        # Evidence and returned parcels' photos, to the users who may see the case or the parcel (/media/…).
        from aftersales.selectors import media_evidence_for_user, media_parcels_for_user
        from config.media import media_readers_register

        media_readers_register(field="file", visible_to=media_evidence_for_user)
        media_readers_register(field="photo", visible_to=media_parcels_for_user)
