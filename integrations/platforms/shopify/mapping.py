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
        "buyer_email": "email|contact_email|customer.email",
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

# Fields of a Shopify order that may be absent or null; an order without them still maps. Source: the Order
# resource of the Admin REST API (https://shopify.dev/docs/api/admin-rest/latest/resources/order): customer
# is absent for guest checkouts, note / phone / email null, shipping_address absent when nothing needs shipping,
# shipping_lines[].discounted_price missing on older versions and some apps, total_shipping_price_set and the
# *_set amounts added in later API versions, discount_codes / discount_allocations empty without discounts.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "admin_graphql_api_id",
    "name",
    "order_number",
    "number",
    "email",
    "contact_email",
    "phone",
    "updated_at",
    "processed_at",
    "presentment_currency",
    "fulfillment_status",
    "cancelled_at",
    "cancel_reason",
    "test",
    "subtotal_price",
    "total_tax",
    "total_weight",
    "total_shipping_price_set",
    "note",
    "tags",
    "source_name",
    "payment_gateway_names",
    "discount_codes",
    "shipping_lines[].id",
    "shipping_lines[].code",
    "shipping_lines[].title",
    "shipping_lines[].source",
    "shipping_lines[].discounted_price",
    "shipping_lines[].discount_allocations",
    "line_items[].variant_id",
    "line_items[].product_id",
    "line_items[].title",
    "line_items[].variant_title",
    "line_items[].name",
    "line_items[].grams",
    "line_items[].requires_shipping",
    "line_items[].total_discount",
    "line_items[].fulfillment_status",
    "line_items[].fulfillable_quantity",
    "line_items[].properties",
    "line_items[].discount_allocations",
    "shipping_address",
    "shipping_address.first_name",
    "shipping_address.last_name",
    "shipping_address.address2",
    "shipping_address.province",
    "shipping_address.province_code",
    "shipping_address.zip",
    "shipping_address.phone",
    "shipping_address.company",
    "billing_address",
    "customer",
    "customer.email",
    "customer.first_name",
    "customer.last_name",
    "customer.phone",
    "customer.tags",
)

# Deposits (pre-orders with deferred payment): payment_terms.payment_schedules[] {amount, due_at, completed_at}
# and total_outstanding on the order; financial_status partially_paid while the balance is owed. Source: the
# Order resource (payment_terms, total_outstanding) and PaymentSchedule
# (https://shopify.dev/docs/api/admin-graphql/latest/objects/PaymentSchedule).
