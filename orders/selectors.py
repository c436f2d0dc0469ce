"""Reads on shops and orders, always through what the user may see.

A user sees an order when they hold ``orders.access_shop`` on its shop or ``inventory.access_warehouse``
on its warehouse (django-guardian object permissions, given to the user or one of their groups). The
global permission ``orders.view_all_orders`` (the 管理员 group) and superusers see everything.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
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

# What a row of ``visible_ids_for_user``'s one query is the id of.
SHOP_KIND, WAREHOUSE_KIND = 1, 2


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
    shops sees only those shops' orders (not the orders of its user's warehouses).

    The shops and warehouses granted are read once, here, into two lists of ids (``visible_ids_for_user``)
    that the list's queries carry as literals: guardian's permission subqueries are not compiled again into
    the count, the estimate and the page of every list, and PostgreSQL plans ``shop_id IN (3, 5) OR
    warehouse_id IN (2)`` with estimates it can trust."""
    orders = Order.objects.select_related("shop", "warehouse")
    if not (user and user.is_authenticated):
        return orders.none()
    if token_shop_ids(user) is None and user_sees_all_orders(user):
        return orders
    shop_ids, warehouse_ids = visible_ids_for_user(user)
    return orders.filter(Q(shop_id__in=shop_ids) | Q(warehouse_id__in=warehouse_ids))


def visible_ids_for_user(user) -> tuple[list[int], list[int]]:
    """The ids of the shops and of the warehouses whose orders this (authenticated) user may see, read in one
    query: the shops granted (``orders.access_shop``) and the warehouses granted (``inventory.access_warehouse``)
    — or every shop for a user who sees all orders; with an API token limited to shops, those of them the
    user may see, and no warehouse."""
    token_shops = token_shop_ids(user)
    shops = shop_list_for_user(user).order_by().annotate(visible_as=Value(SHOP_KIND)).values_list("visible_as", "pk")
    if token_shops is not None:
        rows = list(shops)
    else:
        warehouses = warehouse_list_for_user(user).order_by().annotate(visible_as=Value(WAREHOUSE_KIND))
        rows = list(shops.union(warehouses.values_list("visible_as", "pk"), all=True))
    shop_ids = sorted(pk for kind, pk in rows if kind == SHOP_KIND)
    warehouse_ids = sorted(pk for kind, pk in rows if kind == WAREHOUSE_KIND)
    return shop_ids, warehouse_ids


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
