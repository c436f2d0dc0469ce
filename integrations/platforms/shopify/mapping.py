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
        "discount_merchant": "total_discounts @yuan",
        "shipping_fee": "shipping_lines[].discounted_price|shipping_lines[].price @yuan",
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
ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled", "orders/edited"}
)
