"""Keeping the ETA's measured accuracy: a backtest run is recorded (EtaBacktest) for the shipping health report
and the command center."""

from __future__ import annotations

from decimal import Decimal

from fulfilment.eta.backtest import MIN_REAL, backtest, simulate
from fulfilment.eta.selectors import eta_history
from fulfilment.models import EtaBacktest


def eta_backtest_record(*, simulate_count: int = 0) -> EtaBacktest:
    """Backtest the model on the delivered parcels (or on ``simulate_count`` simulated tracks, and on 4,000 simulated
    ones while fewer than ``MIN_REAL`` real deliveries exist) and keep the result."""
    history = [] if simulate_count else eta_history()
    simulated = bool(simulate_count) or len(history) < MIN_REAL
    samples = simulate(count=simulate_count or 4000) if simulated else history
    result = backtest(samples, simulated=simulated)
    return EtaBacktest.objects.create(
        simulated=result.simulated,
        samples=result.samples,
        tested=result.tested,
        mae_hours=Decimal(str(result.mae_hours)),
        coverage=Decimal(str(result.coverage)),
        from_history=Decimal(str(result.from_history)),
    )
