"""Pure helpers of the benchmark: percentiles, summaries and the printed tables."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile of `values` by linear interpolation between closest ranks.

    `values` need not be sorted; an empty sequence gives NaN (printed as "–").
    """
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile {pct} is not between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(values: Iterable[float]) -> dict[str, float]:
    """count, p50, p95, p99 and max of `values` (NaN for an empty input)."""
    data = sorted(values)
    return {
        "count": len(data),
        "p50": percentile(data, 50),
        "p95": percentile(data, 95),
        "p99": percentile(data, 99),
        "max": data[-1] if data else math.nan,
    }


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a table: 3 significant figures below 10 ms."""
    if seconds is None or math.isnan(seconds):
        return "–"
    value = seconds * 1000
    if value < 10:
        return f"{value:.2f} ms"
    if value < 10_000:
        return f"{value:.0f} ms"
    return f"{value / 1000:.1f} s"


def cpu(seconds: float) -> str:
    """CPU time per unit of work for a table: µs below 1 ms, else as `ms`."""
    if seconds is None or math.isnan(seconds):
        return "–"
    if abs(seconds) < 0.001:
        return f"{seconds * 1e6:.1f} µs"
    return ms(seconds)


def mib(n_bytes: float) -> str:
    if n_bytes is None or math.isnan(n_bytes):
        return "–"
    return f"{n_bytes / 2**20:.0f} MiB"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (pipes, aligned columns) that reads well in a terminal and in docs."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    for row in cells[1:]:
        if len(row) != len(headers):
            raise ValueError(f"row {row} has {len(row)} cells, the table has {len(headers)}")
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines)


def row_table(cells: Sequence[tuple[str, object]]) -> str:
    """A one-row `table` from (header, value) pairs, each header beside its value."""
    return table([header for header, _ in cells], [[value for _, value in cells]])


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def slope_per_minute(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) samples, per minute (memory growth in a soak)."""
    if len(samples) < 2:
        return math.nan
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return math.nan
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 60


def memory_trend(samples: Sequence[tuple[float, float]]) -> dict[str, float]:
    """Of (seconds, bytes) samples: the first value, the value at half time, the last, and the
    least-squares slope per minute over the second half (`slope_per_minute`).

    The first half is left out of the slope: it is where allocators, pools and caches fill
    up, and where a Python process with garbage still waiting in its oldest generation has not
    had its first full collection yet (docs/performance.md, the soak)."""
    if not samples:
        return {"first": math.nan, "half": math.nan, "last": math.nan, "slope": math.nan}
    half_time = samples[-1][0] / 2
    second_half = [(t, v) for t, v in samples if t >= half_time]
    return {
        "first": samples[0][1],
        "half": second_half[0][1],
        "last": samples[-1][1],
        "slope": slope_per_minute(second_half),
    }
