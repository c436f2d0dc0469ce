"""Traffic curves: the bundled ones read, a CSV of one's own with precise errors, and the scaling of a run."""

import pytest
from django.utils import translation

from integrations.simulator.curves import Curve, curve_load, peak_per_s_from_day, plan_fit
from integrations.simulator.exceptions import CurveInvalid


def test_the_bundled_double11_curve_peaks_at_midnight_and_holds_its_published_milestones():
    curve = curve_load("double11")

    assert len(curve.per_minute) == 1440
    assert curve.peak_index == 0
    day = sum(curve.per_minute)
    # 2019: 37.26 % of the day's GMV by 01:04 (see curves/SOURCE.md)
    assert sum(curve.per_minute[:64]) / day == pytest.approx(0.3726, abs=0.001)
    assert sum(curve.per_minute[:860]) / day == pytest.approx(0.745, abs=0.001)


def test_the_bundled_618_curve_peaks_at_the_evening_session():
    curve = curve_load("618")

    assert curve.peak_index == 20 * 60


def test_230000_orders_a_day_with_a_peak_15_times_the_mean_is_about_40_orders_a_second():
    assert peak_per_s_from_day(orders_per_day=230_000, peak_factor=15) == pytest.approx(39.93, abs=0.01)
    assert peak_per_s_from_day(orders_per_day=86_400, peak_factor=1) == 1


def test_a_small_run_plays_the_peak_minute_alone_at_the_peak_rate():
    curve = Curve(name="t", per_minute=[10, 40, 100, 50, 20])

    plan = plan_fit(curve, orders=300, peak_per_s=50)

    assert plan.first_minute == 2
    assert plan.rates == [50]
    assert plan.minute_seconds == 6  # 300 orders at 50/s
    times = plan.send_times()
    assert len(times) == 300
    assert times == sorted(times)
    assert 0 < times[0] < times[-1] < 6


def test_a_bigger_run_takes_the_higher_neighbour_first_and_keeps_the_peak_at_least_15_seconds():
    curve = Curve(name="t", per_minute=[10, 40, 100, 50, 20])

    # budget: 2,250 / (100/s × 15 s) = 1.5 peak-minutes → the peak (1.0) and its higher neighbour (0.5); the
    # next one (0.4) would pass it
    plan = plan_fit(curve, orders=2250, peak_per_s=100)

    assert plan.first_minute == 2
    assert plan.rates == [100, 50]
    assert plan.minute_seconds == 15  # 2,250 / (100 × 1.5)
    times = plan.send_times()
    assert len(times) == 2250
    assert sum(t < 15 for t in times) == 1500
    assert plan.offered_at(5) == 100
    assert plan.offered_at(20) == 50
    assert plan.offered_at(31) == 0


def test_a_csv_of_ones_own_is_read_by_its_minute_and_orders_columns(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("minute,orders\n0,5\n2,10\n", encoding="utf-8")

    curve = curve_load(str(path))

    assert curve.per_minute == [5, 0, 10]
    assert curve.peak_factor == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("minute,orders\n0,5\n1,\n", "Row 3 of bad.csv: the column orders is empty or missing."),
        ("minute,count\n0,5\n", "Row 2 of bad.csv: the column orders is empty or missing."),
        ("minute,orders\nzero,5\n", "Row 2 of bad.csv: 'zero' / '5' are not a minute and a number of orders."),
        ("minute,orders\n0,-3\n", "Row 2 of bad.csv: orders -3 must be a number ≥ 0."),
        ("minute,orders\n0,0\n", "The curve bad.csv has no orders."),
    ],
)
def test_a_bad_curve_says_which_row_and_column_and_why(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")

    with translation.override("en"), pytest.raises(CurveInvalid) as caught:
        curve_load(str(path))

    assert str(caught.value) == message


def test_a_bad_curve_is_explained_in_chinese_first(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("minute,orders\n0,-3\n", encoding="utf-8")

    with translation.override("zh-hans"), pytest.raises(CurveInvalid) as caught:
        curve_load(str(path))

    assert str(caught.value) == "bad.csv 第 2 行：订单数 -3 必须是 ≥ 0 的数字。"
