import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from orders.models import Platform, Shop, Source
from orders.services import LineInput, OrderInput, order_create
from orders.states import Status
from tests.factories.inventory import SKUFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pass-1234")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        """``UserFactory(groups=[roles.MANAGER])``: the user joins these role groups (by name)."""
        if create and names:
            self.groups.set(Group.objects.filter(name__in=names))


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"店铺{n}")
    platform = Platform.TAOBAO


_external = iter(range(10**9))


def order_input(*, skus=None, status=Status.PENDING_PAYMENT, external_id=None, **fields) -> OrderInput:
    """A valid standard order: one line of a fresh SKU at 99.00 unless ``skus`` = [(sku, qty, price), …]."""
    if skus is None:
        skus = [(SKUFactory(), 1, Decimal("99.00"))]
    lines = [LineInput(sku_code=sku.code, quantity=qty, unit_price=price) for sku, qty, price in skus]
    if status == Status.PAID:
        fields.setdefault("paid_at", timezone.now() - dt.timedelta(minutes=5))
    defaults = dict(
        consignee_name="张三",
        consignee_phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号2幢301室",
    )
    defaults.update(fields)
    return OrderInput(
        external_id=external_id if external_id is not None else f"EXT{next(_external):08d}",
        lines=lines,
        status=status,
        **defaults,
    )


def make_order(*, shop=None, source=Source.MANUAL, **kwargs):
    """Create an order through ``order_create``, so every invariant and event is as in production."""
    return order_create(shop=shop or ShopFactory(), data=order_input(**kwargs), source=source, system="tests")
