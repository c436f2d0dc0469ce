"""Reads on shops and orders, always through what the user may see.

A user sees an order when they hold ``orders.access_shop`` on its shop or ``inventory.access_warehouse``
on its warehouse (django-guardian object permissions, given to the user or one of their groups). The
global permission ``orders.view_all_orders`` (the 管理员 group) and superusers see everything.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from inventory.selectors import stock_warehouses_for_user as warehouse_list_for_user
from orders.models import Order, OrderEvent, OrderLine, Shop
from orders.models.orders import SEARCH_TEXT_SQL
from orders.roles import MANAGER
from orders.tokens import token_shop_ids

# A query shorter than this is looked for as a whole field ("林晓" finds the consignee 林晓, not 林晓明): the
# trigram index needs three characters to narrow a substring search down.
SEARCH_SUBSTRING_MIN = 3

ALL_ORDERS_PERMISSION = "orders.view_all_orders"


def user_sees_all_orders(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(ALL_ORDERS_PERMISSION)))


def shop_list_for_user(user) -> QuerySet[Shop]:
    """Shops this user may see — narrowed to the shops of the API token the request came with, if limited."""
    if not (user and user.is_authenticated):
        return Shop.objects.none()
    if user_sees_all_orders(user):
        shops = Shop.objects.all()
    else:
        shops = get_objects_for_user(user, "orders.access_shop", klass=Shop, accept_global_perms=False)
    token_shops = token_shop_ids(user)
    return shops if token_shops is None else shops.filter(pk__in=token_shops)


def order_list_for_user(user) -> QuerySet[Order]:
    """Orders this user may see, with shop and warehouse joined. A request with an API token limited to some
    shops sees only those shops' orders (not the orders of its user's warehouses)."""
    orders = Order.objects.select_related("shop", "warehouse")
    if not (user and user.is_authenticated):
        return orders.none()
    token_shops = token_shop_ids(user)
    if token_shops is not None:
        return orders.filter(shop__in=shop_list_for_user(user).values("pk"))
    if user_sees_all_orders(user):
        return orders
    shop_ids = shop_list_for_user(user).values("pk")
    warehouse_ids = warehouse_list_for_user(user).values("pk")
    return orders.filter(Q(shop__in=shop_ids) | Q(warehouse__in=warehouse_ids))


def order_list_search(orders: QuerySet[Order], *, query: str) -> QuerySet[Order]:
    """``orders`` whose number, platform order id, buyer or consignee contain ``query`` (case-insensitive; a
    query of one or two characters must be a whole field), or whose consignee phone is ``query`` in full.

    On PostgreSQL the trigram index on the search text (``SEARCH_TEXT_SQL``) and the phone index answer it,
    however many orders there are."""
    query = query.strip()
    if not query:
        return orders
    text = query if len(query) >= SEARCH_SUBSTRING_MIN else f" {query} "
    return orders.annotate(search_text=RawSQL(SEARCH_TEXT_SQL, [], output_field=CharField())).filter(
        Q(search_text__icontains=text) | Q(consignee_phone=query)
    )


def order_get_for_user(user, *, number: str) -> Order:
    """One order with lines and timeline; ``Order.DoesNotExist`` when missing *or* not visible (→ 404)."""
    return (
        order_list_for_user(user)
        .select_related("presale")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .get(number=number)
    )


def order_counts_for_user(user) -> dict[str, list[dict]]:
    """Counts for the home page: by status and by shop, over the orders this user may see."""
    orders = order_list_for_user(user).order_by()
    by_status = list(orders.values("status").annotate(count=Count("id")).order_by("status"))
    by_shop = list(
        orders.values("shop__code", "shop__name", "shop__platform").annotate(count=Count("id")).order_by("shop__code")
    )
    return {"by_status": by_status, "by_shop": by_shop}


def order_supervisors(order: Order) -> list:
    """The managers (主管) who may work on the order's shop, e-mail first."""
    users = get_users_with_perms(order.shop, only_with_perms_in=["access_shop"], with_group_users=True)
    return list(
        get_user_model()
        .objects.filter(pk__in=[u.pk for u in users], is_active=True, groups__name=MANAGER)
        .distinct()
        .order_by("pk")
    )
