"""Read a shop's catalogue from its platform (Shopify) and store which variant each SKU is (``ChannelListing``),
so stock pushes can address the variant's inventory item."""

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from config.progress import ProgressBar
from integrations.listings import catalog_syncable, listing_sync
from integrations.models import ShopConnection


class Command(BaseCommand):
    help = "Sync the SKU → platform variant listings of one shop (--shop) or of every shop whose platform has them."

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Shop code; default: every enabled connection with a catalogue.")

    def handle(self, *args, **options):
        connections = ShopConnection.objects.select_related("shop").filter(is_enabled=True).order_by("shop__code")
        if options["shop"]:
            connections = connections.filter(shop__code=options["shop"])
            if not connections:
                raise CommandError(f"no enabled connection for shop {options['shop']!r}")
        chosen = [c for c in connections if catalog_syncable(c)]
        if options["shop"] and not chosen:
            raise CommandError(f"shop {options['shop']!r}: its platform has no catalogue Order Hub reads (Shopify)")
        failed = 0
        for connection in chosen:
            bar = ProgressBar(0, label=f"{connection.shop.code} products", stream=self.stderr._out)
            try:
                result = listing_sync(shop_id=connection.shop_id, progress=bar)
            except ApplicationError as exc:
                failed += 1
                self.stderr.write(f"{connection.shop.code}: {exc}")
                continue
            self.stdout.write(
                f"{connection.shop.code}: {result.created} new, {result.updated} changed, "
                f"{result.unchanged} unchanged, {result.removed} removed, {result.without_sku} variants without SKU; "
                "location "
                f"{result.location_id or '—'}"
            )
            for sku, variants in result.duplicate_skus.items():
                self.stdout.write(f"  SKU {sku} is on {len(variants)} variants ({', '.join(variants)}): not pushed")
            for note in result.notes:
                self.stdout.write(f"  {note}")
        if failed:
            raise CommandError(f"{failed} shop(s) failed")
