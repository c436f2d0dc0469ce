import factory

from integrations.models import ShopConnection
from tests.factories.orders import ShopFactory


def _sandbox_url(connection) -> str:
    platform = connection.shop.platform
    return f"http://testserver/sandbox/{'taobao' if platform == 'tmall' else platform}"


class ShopConnectionFactory(factory.django.DjangoModelFactory):
    """A shop's platform connection pointing at the built-in sandbox, with an app key per platform."""

    class Meta:
        model = ShopConnection

    shop = factory.SubFactory(ShopFactory)
    base_url = factory.LazyAttribute(_sandbox_url)
    app_key = factory.LazyAttribute(lambda c: f"{c.shop.platform}-key")
    app_secret = "test-app-secret"
    access_token = "good-token"
