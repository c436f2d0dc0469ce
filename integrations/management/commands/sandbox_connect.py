"""Connect the demo shops to the sandbox (``/sandbox/<platform>/…`` served by Order Hub itself)."""

from django.core.management.base import BaseCommand

from integrations.sandbox.setup import sandbox_connections_ensure


class Command(BaseCommand):
    help = "Create sandbox connections for shops on supported platforms that have none."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--backfill-hours", type=int, default=2)

    def handle(self, *args, **options):
        created = sandbox_connections_ensure(base_url=options["base_url"], backfill_hours=options["backfill_hours"])
        self.stdout.write(f"sandbox connections: {created} created")
