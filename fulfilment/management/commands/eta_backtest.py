"""Measure the delivery ETA on held-out history (fulfilment/eta/backtest.py: time split 80/20, mean absolute
error in hours, coverage of the range). With fewer than 200 delivered parcels it runs on simulated tracks and
says so. The result is kept (EtaBacktest) for the shipping health report; a weekly schedule runs it too."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fulfilment.eta.services import eta_backtest_record


class Command(BaseCommand):
    help = "Backtest the delivery ETA on held-out history (simulated tracks until enough real history exists)."

    def add_arguments(self, parser):
        parser.add_argument("--simulate", type=int, default=0, help="Use this many simulated tracks regardless.")

    def handle(self, *args, **options):
        result = eta_backtest_record(simulate_count=options.get("simulate") or 0)
        source = _("simulated tracks (not enough real history yet)") if result.simulated else _("real deliveries")
        self.stdout.write(
            _(
                "ETA backtest on %(source)s: %(n)s parcels, %(t)s held out; error ±%(mae)s h, %(cov)s%% inside the "
                "range, %(hist)s%% answered from history."
            )
            % {
                "source": source,
                "n": result.samples,
                "t": result.tested,
                "mae": result.mae_hours,
                "cov": round(result.coverage * 100, 1),
                "hist": round(result.from_history * 100, 1),
            }
        )
