"""Filters for the order list, applied to what ``order_list_for_user`` lets the user see.

The API validates the query string first (``OrderListApi.FilterSerializer``) and passes the clean values here.
"""

import django_filters
from django.core.exceptions import ValidationError

from orders.models import Order
from orders.states import Status


class OrderFilter(django_filters.FilterSet):
    shop = django_filters.CharFilter(field_name="shop__code")
    # distinct=False: a filter on the order's own column cannot repeat a row, and SELECT DISTINCT would make
    # PostgreSQL read and sort every matching order before it can return the first page.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    external_id = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["shop", "status", "external_id", "created_after", "created_before"]


def order_list_filter(orders, *, filters: dict):
    """``orders`` narrowed by ``filters``, newest first. Raises ``ValidationError`` on a bad filter value."""
    filterset = OrderFilter(filters, queryset=orders)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs.order_by("-created_at", "-id")
