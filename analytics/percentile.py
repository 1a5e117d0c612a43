"""``percentile_cont`` as SQL defines it, for the metrics computed in Python."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile_cont(values: Iterable[float], fraction: float) -> float | None:
    """Linear interpolation between the two closest ranks; None for no values (nothing to measure)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
