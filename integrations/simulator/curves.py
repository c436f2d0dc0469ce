"""Traffic curves: orders per minute of a sale day, scaled to the peak asked for and fitted to the orders a run
offers.

A run plays a *window* of the curve, one curve minute in ``minute_seconds`` seconds, at a rate that follows the
curve with its highest minute at ``peak_per_s``. The window grows from the peak minute to the neighbouring
minutes (the higher neighbour first) while the orders it holds stay within ``orders``, so the peak lasts at
least ``min_peak_seconds`` and the run offers exactly ``orders``: a small run rehearses the peak itself, a big
one also the ramp and the decay around it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from integrations.simulator.exceptions import CurveInvalid

BUNDLED = {"double11": "double11.csv", "618": "618.csv"}
DIRECTORY = Path(__file__).resolve().parent / "curves"
MIN_PEAK_SECONDS = 15.0


@dataclass(frozen=True)
class Curve:
    name: str
    per_minute: list[float]  # orders in each minute (any unit)

    @property
    def peak_index(self) -> int:
        return max(range(len(self.per_minute)), key=self.per_minute.__getitem__)

    @property
    def peak_factor(self) -> float:
        """The peak minute ÷ the mean minute."""
        mean = sum(self.per_minute) / len(self.per_minute)
        return max(self.per_minute) / mean if mean else 0.0


@dataclass(frozen=True)
class Plan:
    """What a run offers: ``rates[i]`` orders/s during the ``i``-th window minute, each ``minute_seconds`` long."""

    curve: str
    first_minute: int  # the window's first minute of the curve
    rates: list[float]
    minute_seconds: float
    peak_per_s: float
    orders: int

    @property
    def seconds(self) -> float:
        return len(self.rates) * self.minute_seconds

    def send_times(self) -> list[float]:
        """When each of the ``orders`` is offered, in seconds from the start: evenly spaced within each window
        minute, as many as its rate asks for (rounded so the total is exactly ``orders``)."""
        times: list[float] = []
        wanted = 0.0
        for index, rate in enumerate(self.rates):
            wanted += rate * self.minute_seconds
            count = min(round(wanted), self.orders) - len(times)
            start = index * self.minute_seconds
            times += [start + self.minute_seconds * (k + 0.5) / count for k in range(count)] if count > 0 else []
        times += [self.seconds] * (self.orders - len(times))
        return times

    def offered_at(self, second: float) -> float:
        """The rate offered at ``second`` from the start (orders/s)."""
        index = int(second // self.minute_seconds)
        return self.rates[index] if 0 <= index < len(self.rates) else 0.0


def curve_load(name_or_path: str) -> Curve:
    """A bundled curve by name (``double11``, ``618``) or a CSV file with the columns ``minute`` and ``orders``."""
    path = DIRECTORY / BUNDLED[name_or_path] if name_or_path in BUNDLED else Path(name_or_path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise CurveInvalid(_("The curve %(path)s cannot be read: %(error)s") % {"path": path, "error": exc}) from exc
    values: dict[int, float] = {}
    for number, row in enumerate(rows, start=2):
        for column in ("minute", "orders"):
            if column not in row or row[column] in (None, ""):
                raise CurveInvalid(
                    _("Row %(row)s of %(path)s: the column %(column)s is empty or missing.")
                    % {"row": number, "path": path.name, "column": column}
                )
        try:
            minute, orders = int(row["minute"]), float(row["orders"])
        except ValueError:
            raise CurveInvalid(
                _("Row %(row)s of %(path)s: %(minute)r / %(orders)r are not a minute and a number of orders.")
                % {"row": number, "path": path.name, "minute": row["minute"], "orders": row["orders"]}
            ) from None
        if orders < 0 or not math.isfinite(orders):
            raise CurveInvalid(
                _("Row %(row)s of %(path)s: orders %(orders)s must be a number ≥ 0.")
                % {"row": number, "path": path.name, "orders": row["orders"]}
            )
        values[minute] = orders
    if not values or max(values.values()) <= 0:
        raise CurveInvalid(_("The curve %(path)s has no orders.") % {"path": path.name})
    first, last = min(values), max(values)
    return Curve(name=path.stem, per_minute=[values.get(m, 0.0) for m in range(first, last + 1)])


def peak_per_s_from_day(*, orders_per_day: int, peak_factor: float) -> float:
    """A day of ``orders_per_day`` whose peak is ``peak_factor`` × the day's mean rate: that peak in orders/s."""
    return orders_per_day / 86_400 * peak_factor


def plan_fit(curve: Curve, *, orders: int, peak_per_s: float, min_peak_seconds: float = MIN_PEAK_SECONDS) -> Plan:
    """The window of ``curve`` and the minute length that offer exactly ``orders`` with the peak minute at
    ``peak_per_s`` lasting at least ``min_peak_seconds`` (see the module's doc)."""
    if orders < 1 or peak_per_s <= 0:
        raise CurveInvalid(_("A run needs at least one order and a peak above 0 orders/s."))
    peak = max(curve.per_minute)
    relative = [value / peak for value in curve.per_minute]
    budget = orders / (peak_per_s * min_peak_seconds)  # peak-minutes the run can afford
    lo = hi = curve.peak_index
    total = 1.0
    while True:
        left = relative[lo - 1] if lo > 0 else -1.0
        right = relative[hi + 1] if hi + 1 < len(relative) else -1.0
        step = max(left, right)
        if step < 0 or total + step > budget:
            break
        if right >= left:
            hi += 1
        else:
            lo -= 1
        total += step
    minute_seconds = orders / (peak_per_s * total)
    return Plan(
        curve=curve.name,
        first_minute=lo,
        rates=[peak_per_s * value for value in relative[lo : hi + 1]],
        minute_seconds=minute_seconds,
        peak_per_s=peak_per_s,
        orders=orders,
    )
