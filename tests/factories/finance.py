import factory

from finance.models import LegalEntity, ShopEntity


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
