"""Percentiles and medians over plain lists of numbers."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; `sorted_values` must be sorted."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    frac = pos - low
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * frac)


def summary_ms(seconds: Iterable[float]) -> dict[str, float | int | None]:
    """count, mean, p50/p95/p99 and max of durations given in seconds, in milliseconds."""
    values = sorted(v * 1000.0 for v in seconds)
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 3),
        "p50": round(percentile(values, 50) or 0.0, 3),
        "p95": round(percentile(values, 95) or 0.0, 3),
        "p99": round(percentile(values, 99) or 0.0, 3),
        "max": round(values[-1], 3),
    }


def median_of(values: Iterable[float | int | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return round(statistics.median(present), 3)
