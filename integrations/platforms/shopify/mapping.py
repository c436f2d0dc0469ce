"""Shopify: the order JSON of webhooks (orders/create, orders/updated, orders/cancelled) and of the Admin
REST API → the standard order. Line items map to SKUs by ``sku``. Staff overrides: profile ``shopify``."""

DEFAULTS: dict[str, dict[str, str]] = {
    "order": {
        "external_id": "id",
        # _oh_status: "cancelled" if cancelled_at, "fulfilled" if fulfilled, else financial_status.
        "status": "_oh_status",
        "modified_at": "updated_at @iso",
        "placed_at": "created_at @iso",
        "paid_at": "processed_at @iso",
        "buyer_id": "customer.id",
        "buyer_nick": "_oh_buyer",
        "consignee_name": "shipping_address.name",
        "consignee_phone": "shipping_address.phone|customer.phone|phone",
        "country": "shipping_address.country_code",
        "province": "shipping_address.province",
        "city": "shipping_address.city",
        "address": "_oh_address",
        "postal_code": "shipping_address.zip",
        "buyer_remark": "note",
        "currency": "currency",
        "goods_amount": "total_line_items_price @yuan",
        # _oh_discount / _oh_shipping: see SHIPPING_GROSS below and ShopifyAdapter.prepare.
        "discount_merchant": "_oh_discount @yuan",
        "shipping_fee": "_oh_shipping @yuan",
        "paid_amount": "total_price @yuan",
        "payment_method": "payment_gateway_names.0",
        "tags": "tags @list",
        "lines": "line_items @raw",
    },
    "line": {
        "sku_code": "sku",
        "quantity": "quantity @int",
        "unit_price": "price @yuan",
        "discount": "discount_allocations[].amount @yuan",
        "title": "name|title",
        "external_line_id": "id",
    },
    "cipher": {},
    "status": {
        "pending": "pending_payment",
        "partially_paid": "pending_payment",
        "authorized": "paid",
        "paid": "paid",
        "partially_refunded": "paid",
        "refunded": "closed",
        "voided": "cancelled",
        "cancelled": "cancelled",
        "fulfilled": "shipped",
    },
}
# Shipping before discounts: the order's canonical total (total_shipping_price_set, "the total shipping price
# of the order, excluding discounts and returns, in shop and presentment currencies"; shop_money is in the
# order's ``currency``), else the shipping lines' prices added up. Shipping discounts (a free-shipping code)
# are allocated to the shipping lines (shipping_lines[].discount_allocations, or price − discounted_price on
# payloads without allocations) and are part of total_discounts; Order Hub keeps them off the order's
# discounts (whose lines carry the line discounts) and shows the shipping the buyer paid for.
# https://shopify.dev/docs/api/admin-rest/latest/resources/order (Order properties)
SHIPPING_GROSS = "total_shipping_price_set.shop_money.amount|shipping_lines[].price @yuan"
SHIPPING_DISCOUNTS = "discount_allocations[].amount @yuan"
DISCOUNTS = "total_discounts_set.shop_money.amount|total_discounts @yuan"
ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled", "orders/edited"}
)
