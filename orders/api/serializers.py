"""Serializers shared by several order and shop API views.

Serializers used by one view only are nested in that view (orders/api/views/). Amounts are rendered as
decimal strings in the order's currency; times in ISO 8601 with the Shanghai offset.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from config.api import StrictSerializer
from orders.masking import consignee_for
from orders.models import MONEY, Platform, PresaleTerms, Queue
from orders.selectors import warehouse_list_for_user
from orders.states import HoldReason, Status

ZERO = Decimal("0.00")
# What a submitted order may start as (orders.services.INITIAL_STATUSES), as choices.
INITIAL_STATUS_CHOICES = [
    (Status.PENDING_PAYMENT.value, Status.PENDING_PAYMENT.label),
    (Status.PAID.value, Status.PAID.label),
]


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"], **kwargs)


class VisibleWarehouseField(serializers.CharField):
    """A warehouse given by its code, among the warehouses the requesting user may see."""

    default_error_messages = {"does_not_exist": "no warehouse with code {value!r}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        if code is None:
            return None
        warehouse = warehouse_list_for_user(self.context["request"].user).filter(code=code).first()
        if warehouse is None:
            self.fail("does_not_exist", value=code)
        return warehouse


class StatusListField(serializers.MultipleChoiceField):
    """Order statuses, repeated (``?status=paid&status=on_hold``) or comma-separated (``?status=paid,on_hold``)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, **kwargs)

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if isinstance(value, list | tuple):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value

    def to_internal_value(self, data):
        return sorted(super().to_internal_value(data))


# --- shops --------------------------------------------------------------------------------------------------


class WebhookSecretField(serializers.CharField):
    """The write-only secret the shop's platform signs its pushes with (Shopify: the app's client secret, the
    key of X-Shopify-Hmac-Sha256). Stored on the shop's platform connection; never returned."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 256)
        kwargs.setdefault("style", {"input_type": "password"})
        kwargs.setdefault(
            "help_text",
            "Write-only: the secret the platform signs its pushes (webhooks) with — for Shopify the app's client "
            "secret. Never returned. An empty string clears it. Shops on platforms that push nothing refuse it.",
        )
        super().__init__(**kwargs)


@extend_schema_serializer(component_name="Shop")
class ShopOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_shop_id = serializers.CharField()
    default_warehouse = serializers.CharField(
        source="default_warehouse.code", allow_null=True, help_text="Warehouse code, or null."
    )
    ship_within_hours = serializers.IntegerField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


# --- order detail -------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="OrderBuyer")
class BuyerOutputSerializer(serializers.Serializer):
    id = serializers.CharField(source="buyer_id")
    nick = serializers.CharField(source="buyer_nick")
    level = serializers.IntegerField(source="buyer_level")


@extend_schema_serializer(component_name="OrderConsignee")
class ConsigneeOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked (138****5678) unless the user may see personal data.")
    country = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    address = serializers.CharField(help_text="Masked unless the user may see personal data.")
    postal_code = serializers.CharField()
    masked = serializers.BooleanField(help_text="True when phone and address are masked for this user.")


@extend_schema_serializer(component_name="OrderAmounts")
class AmountsOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    goods_amount = money(help_text="Σ unit price × quantity over the lines.")
    discount_platform = money(help_text="Discount funded by the platform.")
    discount_merchant = money(help_text="Discount funded by the merchant.")
    shipping_fee = money()
    paid_amount = money(help_text="goods − discounts + shipping.")


@extend_schema_serializer(component_name="OrderLine")
class LineOutputSerializer(serializers.Serializer):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money()
    discount = money(help_text="Discount allocated to this line.")
    line_total = money(help_text="unit price × quantity − discount.")
    is_gift = serializers.BooleanField()
    external_line_id = serializers.CharField(help_text="The platform's line id.")


@extend_schema_serializer(component_name="OrderEvent")
class EventOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor.get_username", allow_null=True, help_text="User, or null.")
    system = serializers.CharField(help_text="The system that acted when no user did (e.g. a platform sync).")
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True)
    reason = serializers.CharField(source="reason_display", help_text="In the language of the request.")


@extend_schema_serializer(component_name="OrderPresale")
class PresaleOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    deposit = money(help_text="定金: paid up front.")
    balance = money(help_text="尾款: deposit + balance = the order's paid amount.")
    balance_due_at = serializers.DateTimeField(
        allow_null=True, help_text="Deadline for the balance; null when the platform keeps it to itself."
    )
    deposit_paid_at = serializers.DateTimeField(allow_null=True)
    balance_paid_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=PresaleTerms.State.choices)
    platform_state = serializers.CharField(
        help_text="The platform's presale status as received (e.g. FRONT_PAID_FINAL_NOPAID)."
    )


@extend_schema_serializer(component_name="OrderDetail")
class OrderDetailOutputSerializer(serializers.Serializer):
    """One order as the requesting user may see it: phone and address are masked for roles that may not see
    personal data."""

    # Needs context={"request": request} (masking depends on the user).

    number = serializers.CharField(help_text="Order Hub's order number.")
    shop = serializers.CharField(source="shop.code")
    platform = serializers.ChoiceField(source="shop.platform", choices=Platform.choices)
    external_id = serializers.CharField(help_text="The platform's (or partner's) order id.")
    source = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices, allow_blank=True)
    hold_note = serializers.CharField(source="hold_note_display", help_text="In the language of the request.")
    buyer = BuyerOutputSerializer(source="*")
    consignee = serializers.SerializerMethodField()
    buyer_remark = serializers.CharField()
    seller_memo = serializers.CharField()
    amounts = AmountsOutputSerializer(source="*")
    payment_method = serializers.CharField()
    placed_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    promised_ship_at = serializers.DateTimeField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    priority = serializers.IntegerField()
    queue = serializers.ChoiceField(choices=Queue.choices)
    warehouse = serializers.CharField(source="warehouse.code", allow_null=True, help_text="Warehouse code, or null.")
    lines = LineOutputSerializer(many=True)
    presale = serializers.SerializerMethodField(help_text="定金/尾款 terms of a presale order; null otherwise.")
    events = EventOutputSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ConsigneeOutputSerializer)
    def get_consignee(self, order) -> dict:
        return consignee_for(self.context["request"].user, order)

    @extend_schema_field(PresaleOutputSerializer(allow_null=True))
    def get_presale(self, order) -> dict | None:
        terms = getattr(order, "presale", None)
        return PresaleOutputSerializer(terms).data if terms is not None else None


# --- order submission ---------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="OrderBuyerInput")
class BuyerInputSerializer(StrictSerializer):
    id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    nick = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    level = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)
    email = serializers.EmailField(
        required=False, allow_blank=True, default="", help_text="Where buyer notifications by e-mail go."
    )


@extend_schema_serializer(component_name="OrderConsigneeInput")
class ConsigneeInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, default="CN", help_text="ISO 3166 code.")
    province = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    district = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="OrderAmountsInput")
class AmountsInputSerializer(StrictSerializer):
    goods_amount = money(
        min_value=0, required=False, allow_null=True, default=None, help_text="Optional; checked against the lines."
    )
    discount_platform = money(min_value=0, required=False, default=ZERO)
    discount_merchant = money(min_value=0, required=False, default=ZERO)
    shipping_fee = money(min_value=0, required=False, default=ZERO)
    paid_amount = money(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional; must equal goods − discounts + shipping.",
    )


@extend_schema_serializer(component_name="OrderLineInput")
class LineInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64, help_text="SKU code.")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price = money(min_value=0)
    discount = money(min_value=0, required=False, default=ZERO, help_text="Discount allocated to this line.")
    is_gift = serializers.BooleanField(required=False, default=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    external_line_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
