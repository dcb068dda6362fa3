"""Creative-fatigue detection: flagged on a decaying CTR series, not on flat noisy ones (nor on a modest
decline), and 'insufficient data' without enough days or impressions."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from pipelines.experiments.fatigue import DailyCounts, FatigueRule, detect_fatigue

START = date(2026, 11, 1)


def series(rng: np.random.Generator, ctrs: list[float], impressions: int = 5000) -> list[DailyCounts]:
    return [
        DailyCounts(START + timedelta(days=i), impressions, int(rng.binomial(impressions, ctr)))
        for i, ctr in enumerate(ctrs)
    ]


def test_decaying_series_is_flagged() -> None:
    rng = np.random.default_rng(1)
    days = series(rng, [0.03 * 0.92**i for i in range(14)])
    report = detect_fatigue(days)
    assert report.status == "fatigued"
    assert report.peak is not None and report.recent is not None
    assert report.peak.start == START  # the first days are the best
    assert report.recent.end == START + timedelta(days=13)
    assert report.decline is not None and report.decline > 0.4
    assert report.p_value is not None and report.p_value < 1e-4
    assert report.daily_trend == pytest.approx(-0.08, abs=0.02)


def test_flat_noisy_series_is_never_flagged() -> None:
    rng = np.random.default_rng(2)
    for _ in range(300):
        impressions = [int(n) for n in rng.integers(500, 3000, size=14)]
        days = [
            DailyCounts(START + timedelta(days=i), n, int(rng.binomial(n, 0.02)))
            for i, n in enumerate(impressions)
        ]
        report = detect_fatigue(days)
        assert report.status == "healthy", report.reason
        assert report.daily_trend is not None and abs(report.daily_trend) < 0.05


def test_a_modest_decline_is_not_fatigue() -> None:
    rng = np.random.default_rng(3)
    days = series(rng, [0.03 - 0.0005 * i for i in range(14)], impressions=50_000)  # about −22% over 2 weeks
    report = detect_fatigue(days)
    assert report.status == "healthy"
    assert report.decline is not None and 0.1 < report.decline < 0.3
    strict = detect_fatigue(days, FatigueRule(min_decline=0.1))
    assert strict.status == "fatigued"


def test_needs_enough_days_and_impressions() -> None:
    rng = np.random.default_rng(4)
    assert detect_fatigue([]).status == "insufficient_data"
    assert detect_fatigue(series(rng, [0.03, 0.02, 0.01, 0.005, 0.004])).status == "insufficient_data"
    thin = series(rng, [0.03 * 0.8**i for i in range(14)], impressions=200)  # 600 per window < 1000
    report = detect_fatigue(thin)
    assert report.status == "insufficient_data"
    assert "recent" in report.reason


def test_missing_days_count_as_calendar_days() -> None:
    rng = np.random.default_rng(5)
    days = [d for d in series(rng, [0.03 * 0.9**i for i in range(20)]) if d.day.day % 4 != 0]
    report = detect_fatigue(days)
    assert report.status == "fatigued"
    assert report.recent is not None and (report.recent.end - report.recent.start).days == 2
