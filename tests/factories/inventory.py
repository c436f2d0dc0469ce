import factory

from inventory.models import SKU, Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"wh-{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")
    kind = Warehouse.Kind.WAREHOUSE
    province = "浙江省"
    city = "杭州市"


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SKU-{n:04d}")
    barcode = factory.Sequence(lambda n: f"690{n:010d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    weight_grams = 500
