"""The run's figures from known data: percentiles, the best 10-second window, the series, the recommendation."""

from integrations.simulator.measures import Stage, best_window, per_second, percentile, recommend


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))  # 1 … 100

    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.5], 99) == 7.5
    assert percentile([], 95) is None


def test_the_best_window_counts_the_most_completions_in_any_10_seconds():
    # 5 a second for 20 s, then a burst of 40 within 2 s
    times = [s + k / 5 for s in range(20) for k in range(5)] + [30 + k / 20 for k in range(40)]

    assert best_window(times, 10) == 50  # ten seconds of the steady 5/s beat the 40 of the burst
    assert best_window([30 + k / 20 for k in range(40)] + [39.99, 40.0], 10) == 41
    assert best_window([], 10) == 0


def test_per_second_counts_each_whole_second_and_keeps_late_ones_in_the_last():
    assert per_second([0.1, 0.9, 1.0, 2.5, 99], 3) == [2, 1, 2]


def test_the_recommendation_divides_the_target_by_the_throughput_per_process_with_headroom():
    stages = [Stage("workers", 2, 300.0, 800.0), Stage("web", 2, 800.0, 850.0), Stage("review", 1, 0.0, 300.0)]

    result = recommend(stages, target_per_s=1000)

    assert result["workers"] == {
        "processes": 2,
        "measured_per_s": 300.0,
        "per_process_per_s": 150.0,
        "needed": 9,  # 1,300 / 150 = 8.7
        "kept_up": False,  # 300 of the 800/s that came in: the bottleneck, a measured limit
    }
    assert result["web"]["needed"] == 4  # 1,300 / 400 = 3.25
    assert result["web"]["kept_up"] is True  # 800 of 850/s: not pushed to its limit, 4 is a ceiling
    assert result["review"]["needed"] is None
