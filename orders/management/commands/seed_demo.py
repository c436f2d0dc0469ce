"""``manage.py seed_demo [--once] [--orders N]``: load the demo data and print the demo logins."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from config.progress import ProgressBar
from orders.demo import DEMO_PASSWORD, DEMO_USERS, demo_is_loaded, demo_seed


class Command(BaseCommand):
    help = "Load demo users, shops, SKUs, warehouses and orders (Chinese multi-channel merchant)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Do nothing if the demo is already loaded.")
        parser.add_argument("--orders", type=int, default=300, help="How many demo orders (default 300).")

    def handle(self, *args, once: bool, orders: int, **options):
        if once and demo_is_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            self.stdout.write(f"Loading demo data ({orders} orders)…")
            counts = demo_seed(orders=orders, progress=ProgressBar(orders, label="orders"))
            # Other apps add their part of the demo (stock, channel connections…) in ``<app>/demo.py``.
            for app_config in apps.get_app_configs():
                name = f"{app_config.name}.demo"
                if app_config.name != "orders" and find_spec(name) is not None:
                    counts.update(import_module(name).demo_seed() or {})
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, group, *_rest in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {group}")
        self.stdout.write(
            "Partner token: website-bot's token (admin → Auth Token → Tokens) sees only the website shop, at most "
            "600 requests a minute (admin → API token policies; docs/api.md)."
        )
        # Every demo order, parcel and stock level carries its change number: a partner can follow them.
        self.stdout.write(
            "Follow changes as a partner does (logged in, or with a token; see docs/api.md): "
            "/api/v1/orders/?cursor= · /api/v1/shipments/?cursor= · /api/v1/stock/levels/?cursor="
        )
