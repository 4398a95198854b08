"""The benchmark's pure helpers: what its tables say must be arithmetically right."""

from __future__ import annotations

import math

import pytest

from bench.stats import (
    cpu,
    memory_trend,
    mib,
    ms,
    percentile,
    row_table,
    slope_per_minute,
    summarise,
    table,
)


def test_percentile_interpolates_between_closest_ranks():
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)


def test_percentile_of_nothing_is_nan_and_out_of_range_is_refused():
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_summarise_gives_count_percentiles_and_max():
    summary = summarise(x / 1000 for x in range(1, 1001))
    assert summary["count"] == 1000
    assert summary["p50"] == pytest.approx(0.5005)
    assert summary["p99"] == pytest.approx(0.99001)
    assert summary["max"] == 1.0
    assert math.isnan(summarise([])["max"])


def test_ms_and_mib_format_for_people():
    assert ms(0.00123) == "1.23 ms"
    assert ms(0.094) == "94 ms"
    assert ms(14.2) == "14.2 s"
    assert ms(math.nan) == "–"
    assert mib(3 * 2**20) == "3 MiB"
    assert cpu(0.0000123) == "12.3 µs"
    assert cpu(-0.000002) == "-2.0 µs"  # a cost below the noise shows as such
    assert cpu(0.0042) == "4.20 ms"


def test_table_aligns_columns_as_markdown():
    text = table(["server", "p99"], [["uvicorn", "90 ms"], ["daphne", 1234]])
    lines = text.splitlines()
    assert lines[0] == "| server  | p99   |"
    assert lines[1] == "|---------|-------|"
    assert lines[3] == "| daphne  | 1,234 |"
    assert len({len(line) for line in lines}) == 1


def test_table_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="has 1 cells"):
        table(["a", "b"], [["only one"]])


def test_slope_per_minute_of_a_steady_rise_and_of_a_flat_line():
    rising = [(t, 1000.0 + 2.0 * t) for t in range(0, 600, 10)]  # +2 per second
    assert slope_per_minute(rising) == pytest.approx(120.0)
    assert slope_per_minute([(t, 5.0) for t in range(10)]) == 0.0
    assert math.isnan(slope_per_minute([(0, 1.0)]))


def test_row_table_puts_each_value_under_its_header():
    text = row_table([("server", "procfile"), ("reports/s", 339), ("p99", "104 ms")])
    header, rule, row = text.splitlines()
    assert header.split("|")[1:-1] == [" server   ", " reports/s ", " p99    "]
    assert row.split("|")[1:-1] == [" procfile ", " 339       ", " 104 ms "]
    assert set(rule) == {"|", "-"}


def test_memory_trend_leaves_the_first_half_out_of_the_slope():
    # Ten minutes: 10 MiB of warm-up in the first five, then flat.
    samples = [(t, 100.0 + min(t, 300) / 30) for t in range(0, 610, 10)]
    trend = memory_trend(samples)
    assert trend["first"] == 100.0
    assert trend["half"] == 110.0
    assert trend["last"] == 110.0
    assert trend["slope"] == 0.0
    assert slope_per_minute(samples) > 0  # over the whole run it would read as growth


def test_memory_trend_keeps_a_growth_that_goes_on():
    samples = [(t, 1000.0 + 2.0 * t) for t in range(0, 600, 10)]  # +2 per second throughout
    assert memory_trend(samples)["slope"] == pytest.approx(120.0)
    assert math.isnan(memory_trend([])["slope"])
