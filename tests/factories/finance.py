from decimal import Decimal

import factory
from django.utils import timezone

from finance.models import LegalEntity, ShopEntity, Statement, StatementLine
from tests.factories.orders import ShopFactory

ZERO = Decimal("0.00")


class LegalEntityFactory(factory.django.DjangoModelFactory):
    """A legal entity; ``LegalEntityFactory(shops=[shop_a, shop_b])`` makes it own those shops."""

    class Meta:
        model = LegalEntity
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ent-{n}")
    name = factory.Sequence(lambda n: f"示例贸易有限公司{n}")

    @factory.post_generation
    def shops(self, create, shops, **kwargs):
        if create and shops:
            for shop in shops:
                ShopEntity.objects.create(shop=shop, entity=self)


class StatementFactory(factory.django.DjangoModelFactory):
    """An uploaded statement's row (an Alipay bill of the shop) without parsing a file: for tests that need
    statement lines, not the import (``finance.services.statement_import`` is tested with the sample bills)."""

    class Meta:
        model = Statement

    shop = factory.SubFactory(ShopFactory)
    filename = factory.Sequence(lambda n: f"bill-{n}.csv")
    file = factory.LazyAttribute(lambda s: f"finance/statements/{s.filename}")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    source = "alipay"


class StatementLineFactory(factory.django.DjangoModelFactory):
    """One sale line of a statement: 10.00 received, no fee, commission or discount, dated ``occurred_at``."""

    class Meta:
        model = StatementLine

    statement = factory.SubFactory(StatementFactory)
    row = factory.Sequence(lambda n: n + 1)
    kind = "sale"
    source = factory.LazyAttribute(lambda line: line.statement.source)
    flow = "in"
    occurred_at = factory.LazyFunction(timezone.now)
    business_date = factory.LazyAttribute(lambda line: timezone.localdate(line.occurred_at))
    amount = Decimal("10.00")
    fee = ZERO
    commission = ZERO
    platform_discount = ZERO
    merchant_discount = ZERO
