"""Make the sandbox push a shop's latest orders to Order Hub's webhook, signed like the platform would."""

from django.core.management.base import BaseCommand, CommandError

from integrations.models import ShopConnection
from integrations.sandbox.push import sandbox_push


class Command(BaseCommand):
    help = "Push the latest N sandbox orders of a shop to /webhooks/<platform>/<shop>/ over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="shop code")
        parser.add_argument("--count", type=int, default=5)
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Order Hub runs")

    def handle(self, *args, **options):
        connection = ShopConnection.objects.select_related("shop").filter(shop__code=options["shop"]).first()
        if connection is None:
            raise CommandError(f"shop {options['shop']} has no connection (manage.py sandbox_connect)")
        platform = "taobao" if connection.shop.platform == "tmall" else connection.shop.platform
        target = f"{options['url'].rstrip('/')}/webhooks/{platform}/{connection.shop.code}/"
        for row in sandbox_push(
            platform=platform, shop_code=connection.shop.code, count=options["count"], target=target
        ):
            self.stdout.write(f"{row['order']}: HTTP {row['status']} {row['answer']}")
