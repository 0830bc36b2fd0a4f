"""Rounding as people do it (half away from zero), for every share shown or exported."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rounded(value, places: int) -> float:
    """Python's round() goes to even (31.25 -> 31.2); a reader recomputing expects 31.3."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def percent(part: int, whole: int, places: int = 1) -> float:
    return rounded(Decimal(100 * part) / Decimal(whole), places) if whole else 0.0


def per_thousand(part: int, whole: int) -> float | None:
    return rounded(Decimal(1000 * part) / Decimal(whole), 2) if whole else None
