"""Measuring the ETA model on held-out history.

Method: the delivered parcels are ordered by hand-over time; the model is fitted on the first 80 % and asked
about the last 20 % (a time split, as the model would be used: the past predicts the future). The error is the
mean absolute difference in hours between the expected and the real delivery (MAE), with the share of real
deliveries inside the predicted range (coverage) and the share answered from history rather than the
carrier's promise. Until Order Hub has enough real history (``MIN_REAL``), the backtest runs on simulated
tracks (``simulate``) and says so in its result.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from fulfilment import geo
from fulfilment.eta.model import SHANGHAI, EtaModel, Sample

MIN_REAL = 200
HOLDOUT = 0.2
ROUTES = [
    ("浙江省", "浙江省"),
    ("浙江省", "江苏省"),
    ("浙江省", "上海市"),
    ("浙江省", "广东省"),
    ("浙江省", "四川省"),
    ("广东省", "广东省"),
    ("广东省", "北京市"),
    ("广东省", "湖南省"),
]
CARRIERS = {"ZTO": 1.0, "YTO": 1.05, "SF": 0.7, "YD": 1.1}


@dataclass(frozen=True)
class BacktestResult:
    simulated: bool
    samples: int
    tested: int
    mae_hours: float
    coverage: float
    from_history: float


def simulate(*, count: int = 4000, seed: int = 7, start: dt.datetime | None = None) -> list[Sample]:
    """Simulated tracks: transit grows with distance (ring and km), carriers differ, parcels handed over in the
    evening or on a Saturday wait longer, and every parcel has noise. Deterministic for a seed."""
    rng = random.Random(seed)
    start = start or dt.datetime(2026, 1, 5, tzinfo=SHANGHAI)
    samples = []
    for index in range(count):
        origin, destination = ROUTES[index % len(ROUTES)]
        carrier = list(CARRIERS)[rng.randrange(len(CARRIERS))]
        shipped = start + dt.timedelta(hours=rng.randrange(24 * 120), minutes=rng.randrange(60))
        km = geo.distance_km(origin, destination) or 0
        base = 18 + 10 * geo.ring(origin, destination) + km / 60
        if shipped.hour >= 18:
            base += 8
        if shipped.weekday() == 5:
            base += 10
        hours = max(4.0, base * CARRIERS[carrier] + rng.gauss(0, 2.5))
        samples.append(Sample(carrier, origin, destination, "", shipped, hours))
    return samples


def backtest(samples: list[Sample], *, simulated: bool) -> BacktestResult:
    ordered = sorted(samples, key=lambda s: s.shipped_at)
    cut = int(len(ordered) * (1 - HOLDOUT))
    train, test = ordered[:cut], ordered[cut:]
    model = EtaModel(train)
    errors, inside, historical = [], 0, 0
    for sample in test:
        estimate = model.estimate(
            carrier=sample.carrier,
            origin=sample.origin,
            destination=sample.destination,
            service=sample.service,
            shipped_at=sample.shipped_at,
        )
        errors.append(abs(estimate.hours - sample.hours))
        inside += estimate.low_hours <= sample.hours <= estimate.high_hours
        historical += estimate.basis == "history"
    tested = len(test) or 1
    return BacktestResult(
        simulated=simulated,
        samples=len(samples),
        tested=len(test),
        mae_hours=round(sum(errors) / tested, 2),
        coverage=round(inside / tested, 3),
        from_history=round(historical / tested, 3),
    )
