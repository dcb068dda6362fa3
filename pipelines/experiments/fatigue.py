"""Creative fatigue: a variant's CTR decays as its audience has seen it.

The test compares the most recent window of days with the arm's peak window (the best earlier window with
enough impressions). Fatigue is flagged when CTR fell by more than ``min_decline`` of the peak *and* a
one-sided test rejects H0: recent CTR ≥ (1 − min_decline) · peak CTR at level ``alpha`` (Bonferroni over
the candidate peak windows). Testing against the declined level, not against "no change", and correcting
for the choice of the peak keep a flat but noisy series (whose best window is high by chance) from being
flagged. A weighted least-squares fit of log CTR on the day gives the daily trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Literal

import numpy as np

FatigueStatus = Literal["fatigued", "healthy", "insufficient_data"]
_NORMAL = NormalDist()


@dataclass(frozen=True)
class DailyCounts:
    day: date
    impressions: int
    clicks: int


@dataclass(frozen=True)
class FatigueRule:
    window_days: int = 3
    """Days per window; the series needs at least two windows of calendar days."""
    min_decline: float = 0.30
    """Relative CTR drop from the peak that counts as fatigue (0.30 = 30%)."""
    alpha: float = 0.05
    """Level of the one-sided test."""
    min_window_impressions: int = 1000
    """Impressions a window needs to take part (the recent window, and any peak candidate)."""


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    """Last day, inclusive."""
    impressions: int
    clicks: int

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


@dataclass(frozen=True)
class FatigueReport:
    status: FatigueStatus
    reason: str
    peak: Window | None = None
    recent: Window | None = None
    decline: float | None = None
    """1 − recent CTR / peak CTR."""
    p_value: float | None = None
    """One-sided p of H0: recent CTR ≥ (1 − min_decline) · peak CTR, Bonferroni-adjusted for the number
    of windows the peak was chosen from."""
    daily_trend: float | None = None
    """exp(slope) − 1 of log CTR per day, e.g. −0.05 = CTR 5% lower each day."""


def _dense(days: Sequence[DailyCounts]) -> tuple[date, np.ndarray, np.ndarray]:
    """Impressions and clicks per calendar day from the first to the last day (missing days are 0)."""
    first = min(d.day for d in days)
    length = (max(d.day for d in days) - first).days + 1
    impressions = np.zeros(length, dtype=np.int64)
    clicks = np.zeros(length, dtype=np.int64)
    for d in days:
        offset = (d.day - first).days
        impressions[offset] += d.impressions
        clicks[offset] += d.clicks
    return first, impressions, clicks


def daily_trend(days: Sequence[DailyCounts]) -> float | None:
    """exp(slope) − 1 of a weighted fit of log CTR on the day (weights: inverse delta-method variances)."""
    points = [d for d in days if d.impressions > 0]
    if len({d.day for d in points}) < 2:
        return None
    x = np.array([d.day.toordinal() for d in points], dtype=np.float64)
    c = np.array([d.clicks for d in points], dtype=np.float64) + 0.5
    n = np.array([d.impressions for d in points], dtype=np.float64) + 0.5
    y = np.log(c / n)
    w = 1.0 / np.maximum(1.0 / c - 1.0 / n, 1e-12)
    x_mean = float((w * x).sum() / w.sum())
    y_mean = float((w * y).sum() / w.sum())
    slope = float((w * (x - x_mean) * (y - y_mean)).sum() / (w * (x - x_mean) ** 2).sum())
    return math.expm1(slope)


def decline_p_value(peak: Window, recent: Window, min_decline: float) -> float:
    """One-sided p of H0: recent CTR ≥ (1 − min_decline) · peak CTR (Wald z; the recent variance is taken
    at the larger of its estimate and the null boundary, which keeps the test conservative)."""
    keep = 1.0 - min_decline
    p_peak, p_recent = peak.ctr, recent.ctr
    q = max(p_recent, keep * p_peak)
    variance = q * (1 - q) / recent.impressions + keep**2 * p_peak * (1 - p_peak) / peak.impressions
    if variance <= 0:
        return 1.0
    return _NORMAL.cdf((p_recent - keep * p_peak) / math.sqrt(variance))


def detect_fatigue(days: Sequence[DailyCounts], rule: FatigueRule | None = None) -> FatigueReport:
    """Compare the last ``window_days`` calendar days with the best earlier window of the series."""
    rule = rule or FatigueRule()
    w = rule.window_days
    if not days:
        return FatigueReport("insufficient_data", "no metrics yet")
    first, impressions, clicks = _dense(days)
    if len(impressions) < 2 * w:
        return FatigueReport("insufficient_data", f"needs at least {2 * w} days of data")
    trend = daily_trend(days)
    imp_sum = np.convolve(impressions, np.ones(w, dtype=np.int64), mode="valid")
    click_sum = np.convolve(clicks, np.ones(w, dtype=np.int64), mode="valid")

    def window(start: int) -> Window:
        begin = first + timedelta(days=start)
        return Window(begin, begin + timedelta(days=w - 1), int(imp_sum[start]), int(click_sum[start]))

    recent = window(len(imp_sum) - 1)
    if recent.impressions < rule.min_window_impressions:
        return FatigueReport(
            "insufficient_data", "too few recent impressions", recent=recent, daily_trend=trend
        )
    candidates = [s for s in range(len(imp_sum) - w) if imp_sum[s] >= rule.min_window_impressions]
    if not candidates:
        return FatigueReport("insufficient_data", "no earlier window with enough impressions", recent=recent)
    peak = max((window(s) for s in candidates), key=lambda win: win.ctr)
    if peak.ctr <= 0:
        return FatigueReport("healthy", "no clicks before the recent window", peak, recent, daily_trend=trend)
    decline = 1.0 - recent.ctr / peak.ctr
    # the peak is the best of several windows: Bonferroni over them keeps a flat series' luck in check
    p_value = min(1.0, decline_p_value(peak, recent, rule.min_decline) * len(candidates))
    fatigued = decline > rule.min_decline and p_value < rule.alpha
    reason = (
        f"CTR {recent.ctr:.3%} in the last {w} days vs {peak.ctr:.3%} at the peak "
        f"({decline:.0%} decline, p={p_value:.3g} against a {rule.min_decline:.0%} decline)"
    )
    return FatigueReport("fatigued" if fatigued else "healthy", reason, peak, recent, decline, p_value, trend)
