import factory

from integrations.logistics.models import LogisticsConnection
from integrations.models import InboxMessage, ShopConnection
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


class InboxMessageFactory(factory.django.DjangoModelFactory):
    """A stored platform push for the shop (pending, an empty JSON body unless told), as the inbox keeps it."""

    class Meta:
        model = InboxMessage

    shop = factory.SubFactory(ShopFactory)
    platform = factory.LazyAttribute(lambda m: m.shop.platform)
    kind = InboxMessage.Kind.PUSH
    topic = "orders/create"
    body = "{}"
    content_hash = factory.Sequence(lambda n: f"hash-{n}")


class LogisticsConnectionFactory(factory.django.DjangoModelFactory):
    """A carrier-direct or tracking service's credentials (``service`` is required), at the built-in sandbox."""

    class Meta:
        model = LogisticsConnection

    base_url = factory.LazyAttribute(lambda c: f"http://testserver/sandbox/{c.service}")
    key = factory.LazyAttribute(lambda c: f"{c.service}-key")
    secret = "test-secret"
