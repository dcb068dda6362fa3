"""Agency scorecards from the review history: pure functions over items and decisions (no database).

The scorecard is the basis for charging violations back to agencies. A thread (an asset version and its
resubmissions) belongs to the agency of its first version and to the period of its first submission;
everything that happens in the thread counts there, so a closed period keeps its rows when more
decisions arrive for threads submitted in a later one.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, Protocol, get_args

Period = Literal["week", "month", "all"]
IN_HOUSE_NAME = "in-house"
"""How work of the brand's own staff (``agency_id`` None) is named in exports."""

_REVIEW_ACTIONS = frozenset({"approve", "reject", "request_changes"})
_SECONDS_PER_HOUR = 3600.0


class ReviewItemLike(Protocol):
    """What the scorecard reads of a review item (``models.ReviewItem`` satisfies it)."""

    @property
    def id(self) -> str: ...
    @property
    def thread_id(self) -> str: ...
    @property
    def agency_id(self) -> str | None: ...
    @property
    def version_no(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...


class ReviewDecisionLike(Protocol):
    """What the scorecard reads of a review decision (``models.ReviewDecision`` satisfies it)."""

    @property
    def item_id(self) -> str: ...
    @property
    def thread_id(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def to_state(self) -> str | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class Turnaround:
    """Hours one review step took, over the items (or threads) that completed it."""

    count: int
    median_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, hours: Iterable[float]) -> Turnaround:
        values = sorted(hours)
        if not values:
            return cls(count=0, median_hours=None, p90_hours=None)
        return cls(len(values), _percentile(values, 0.5), _percentile(values, 0.9))

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "median_hours": self.median_hours, "p90_hours": self.p90_hours}


@dataclass(frozen=True)
class ScorecardRow:
    """One agency's numbers for one period (``period == "all"`` for the totals over the window)."""

    agency_id: str | None
    period: Period
    period_start: datetime
    submissions: int
    threads: int
    first_pass_pass_rate: float | None
    ai_block_rate: float | None
    violations_by_category: Mapping[str, int]
    agency_rejections: int
    brand_rejections: int
    changes_requested: int
    overrides: int
    false_alarms: int
    agency_turnaround: Turnaround
    brand_turnaround: Turnaround
    end_to_end_turnaround: Turnaround

    def as_dict(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "submissions": self.submissions,
            "threads": self.threads,
            "first_pass_pass_rate": self.first_pass_pass_rate,
            "ai_block_rate": self.ai_block_rate,
            "violations_by_category": dict(self.violations_by_category),
            "agency_rejections": self.agency_rejections,
            "brand_rejections": self.brand_rejections,
            "changes_requested": self.changes_requested,
            "overrides": self.overrides,
            "false_alarms": self.false_alarms,
            "agency_turnaround": self.agency_turnaround.as_dict(),
            "brand_turnaround": self.brand_turnaround.as_dict(),
            "end_to_end_turnaround": self.end_to_end_turnaround.as_dict(),
        }


@dataclass(frozen=True)
class Scorecard:
    """Rows per (agency, period) and one totals row per agency over ``[start, end)``."""

    period: Period
    start: datetime
    end: datetime
    rows: tuple[ScorecardRow, ...]
    totals: tuple[ScorecardRow, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "rows": [row.as_dict() for row in self.rows],
            "totals": [row.as_dict() for row in self.totals],
        }


def build_scorecard(
    items: Iterable[ReviewItemLike],
    decisions: Iterable[ReviewDecisionLike],
    *,
    period: Period,
    start: datetime,
    end: datetime,
) -> Scorecard:
    """The scorecard of the threads first submitted in ``[start, end)``, bucketed by ``period``.

    Weeks start on Monday 00:00 UTC, months on the 1st; with ``"all"`` the single bucket starts at ``start``.
    Decisions of threads without items among ``items`` are ignored.
    """
    if period not in get_args(Period):
        raise ValueError(f"period must be one of {', '.join(get_args(Period))}, not {period!r}")
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise ValueError("the window is empty: start must be before end")
    threads = [t for t in _collect_threads(items, decisions) if start <= t.first_submitted < end]
    buckets: dict[tuple[str | None, datetime], _Tally] = defaultdict(_Tally)
    totals: dict[str | None, _Tally] = defaultdict(_Tally)
    for thread in threads:
        buckets[(thread.agency_id, _period_start(thread.first_submitted, period, start))].add(thread)
        totals[thread.agency_id].add(thread)
    rows = tuple(
        buckets[key].row(key[0], period, key[1]) for key in sorted(buckets, key=lambda k: (k[0] or "", k[1]))
    )
    total_rows = tuple(totals[a].row(a, "all", start) for a in sorted(totals, key=lambda a: a or ""))
    return Scorecard(period=period, start=start, end=end, rows=rows, totals=total_rows)


_FIXED_COLUMNS = tuple(
    "agency_id agency_name period period_start submissions threads first_pass_pass_rate ai_block_rate"
    " agency_rejections brand_rejections changes_requested overrides false_alarms agency_turnaround_median_h"
    " agency_turnaround_p90_h brand_turnaround_median_h brand_turnaround_p90_h end_to_end_median_h"
    " end_to_end_p90_h".split()
)
VIOLATION_COLUMN_PREFIX = "violations_"


def scorecard_columns(rows: Iterable[ScorecardRow]) -> tuple[str, ...]:
    """The CSV header: fixed columns, then ``violations_<CATEGORY>`` for every category in any row, sorted."""
    categories = sorted({c for row in rows for c in row.violations_by_category})
    return _FIXED_COLUMNS + tuple(VIOLATION_COLUMN_PREFIX + c for c in categories)


def scorecard_csv(rows: Iterable[ScorecardRow], agency_names: Mapping[str, str] | None = None) -> str:
    """CSV (RFC 4180) of ``rows``: a header, then one line per row in the order given.

    Names come from ``agency_names`` (the id when missing there; in-house work is "in-house"). Floats
    have at most 4 decimals, None is an empty cell, and text that a spreadsheet would run as a formula
    is prefixed with ``'``.
    """
    listed = list(rows)
    columns = scorecard_columns(listed)
    categories = [c.removeprefix(VIOLATION_COLUMN_PREFIX) for c in columns[len(_FIXED_COLUMNS) :]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text_cell(c) for c in columns])
    for row in listed:
        writer.writerow(_csv_cells(row, agency_names or {}, categories))
    return out.getvalue()


def _csv_cells(row: ScorecardRow, names: Mapping[str, str], categories: Sequence[str]) -> list[str]:
    name = IN_HOUSE_NAME if row.agency_id is None else names.get(row.agency_id, row.agency_id)
    numbers = (
        row.submissions,
        row.threads,
        row.first_pass_pass_rate,
        row.ai_block_rate,
        row.agency_rejections,
        row.brand_rejections,
        row.changes_requested,
        row.overrides,
        row.false_alarms,
        row.agency_turnaround.median_hours,
        row.agency_turnaround.p90_hours,
        row.brand_turnaround.median_hours,
        row.brand_turnaround.p90_hours,
        row.end_to_end_turnaround.median_hours,
        row.end_to_end_turnaround.p90_hours,
    )
    return [
        _text_cell(row.agency_id or ""),
        _text_cell(name),
        row.period,
        row.period_start.isoformat(),
        *(_number_cell(v) for v in numbers),
        *(_number_cell(row.violations_by_category.get(c, 0)) for c in categories),
    ]


# --- internals -------------------------------------------------------------------------------------------


@dataclass
class _Thread:
    thread_id: str
    agency_id: str | None
    first_submitted: datetime
    versions: dict[str, int]
    """item id → version_no"""
    decisions: list[ReviewDecisionLike]
    """in time order"""


@dataclass
class _Tally:
    """Running sums for one bucket."""

    submissions: int = 0
    threads: int = 0
    decided_threads: int = 0
    first_pass: int = 0
    ai_checked: int = 0
    ai_blocked: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    agency_hours: list[float] = field(default_factory=list)
    brand_hours: list[float] = field(default_factory=list)
    end_to_end_hours: list[float] = field(default_factory=list)

    def add(self, thread: _Thread) -> None:
        self.submissions += len(thread.versions)
        self.threads += 1
        passed = _first_pass(thread)
        if passed is not None:
            self.decided_threads += 1
            self.first_pass += passed
        for verdict, categories in _ai_results(thread).values():
            self.ai_checked += 1
            self.ai_blocked += verdict == "block"
            self.categories.update(categories)
        self.counts.update(_event_counts(thread))
        agency, brand, end_to_end = _turnarounds(thread)
        self.agency_hours += agency
        self.brand_hours += brand
        self.end_to_end_hours += end_to_end

    def row(self, agency_id: str | None, period: Period, period_start: datetime) -> ScorecardRow:
        return ScorecardRow(
            agency_id=agency_id,
            period=period,
            period_start=period_start,
            submissions=self.submissions,
            threads=self.threads,
            first_pass_pass_rate=_ratio(self.first_pass, self.decided_threads),
            ai_block_rate=_ratio(self.ai_blocked, self.ai_checked),
            violations_by_category=MappingProxyType(dict(sorted(self.categories.items()))),
            agency_rejections=self.counts["agency_rejections"],
            brand_rejections=self.counts["brand_rejections"],
            changes_requested=self.counts["changes_requested"],
            overrides=self.counts["overrides"],
            false_alarms=self.counts["false_alarms"],
            agency_turnaround=Turnaround.of(self.agency_hours),
            brand_turnaround=Turnaround.of(self.brand_hours),
            end_to_end_turnaround=Turnaround.of(self.end_to_end_hours),
        )


def _collect_threads(
    items: Iterable[ReviewItemLike], decisions: Iterable[ReviewDecisionLike]
) -> list[_Thread]:
    by_thread: dict[str, list[ReviewItemLike]] = defaultdict(list)
    for item in items:
        by_thread[item.thread_id].append(item)
    history: dict[str, list[ReviewDecisionLike]] = defaultdict(list)
    for decision in decisions:
        if decision.thread_id in by_thread:
            history[decision.thread_id].append(decision)
    threads = []
    for thread_id, thread_items in by_thread.items():
        ordered = sorted(history[thread_id], key=lambda d: _utc(d.at))
        first = min(thread_items, key=lambda i: i.version_no)
        submits = [_utc(d.at) for d in ordered if d.action == "submit"]
        threads.append(
            _Thread(
                thread_id=thread_id,
                agency_id=first.agency_id,
                first_submitted=submits[0] if submits else min(_utc(i.created_at) for i in thread_items),
                versions={i.id: i.version_no for i in thread_items},
                decisions=ordered,
            )
        )
    return threads


def _first_pass(thread: _Thread) -> bool | None:
    """True when version 1 was brand-approved before any rejection or change request in the thread,
    False once the thread has one (or was approved on a later version), None while undecided."""
    for d in thread.decisions:
        if d.action in ("reject", "request_changes"):
            return False
        if d.to_state == "brand_approved":
            return thread.versions.get(d.item_id) == 1
    return None


def _ai_results(thread: _Thread) -> dict[str, tuple[str | None, frozenset[str]]]:
    """item id → (verdict, categories) of the item's latest AI check."""
    results: dict[str, tuple[str | None, frozenset[str]]] = {}
    for d in thread.decisions:
        if d.action == "ai_check":
            verdict = d.data.get("verdict")
            raw = d.data.get("categories")
            listed = raw if isinstance(raw, list | tuple) else ()
            categories = frozenset(c for c in listed if isinstance(c, str))
            results[d.item_id] = (verdict if isinstance(verdict, str) else None, categories)
    return results


def _event_counts(thread: _Thread) -> Counter[str]:
    counts: Counter[str] = Counter()
    for d in thread.decisions:
        if d.action == "reject" and d.level in ("agency", "brand"):
            counts[f"{d.level}_rejections"] += 1
        elif d.action == "request_changes":
            counts["changes_requested"] += 1
        elif d.action == "approve" and d.level == "brand" and d.data.get("override") is True:
            counts["overrides"] += 1
        elif d.action == "false_alarm":
            counts["false_alarms"] += 1
    return counts


def _turnarounds(thread: _Thread) -> tuple[list[float], list[float], list[float]]:
    """Hours per item at the agency and brand levels, and the thread's hours from submission to approval."""
    ai_at: dict[str, datetime] = {}
    agency_at: dict[str, datetime] = {}
    agency_approved_at: dict[str, datetime] = {}
    brand_at: dict[str, datetime] = {}
    approved: datetime | None = None
    for d in thread.decisions:
        at = _utc(d.at)
        if d.action == "ai_check":
            ai_at.setdefault(d.item_id, at)
        elif d.action in _REVIEW_ACTIONS and d.level == "agency":
            agency_at.setdefault(d.item_id, at)
            if d.action == "approve":
                agency_approved_at.setdefault(d.item_id, at)
        elif d.action in _REVIEW_ACTIONS and d.level == "brand":
            brand_at.setdefault(d.item_id, at)
        if d.to_state == "brand_approved" and approved is None:
            approved = at
    agency = [_hours(ai_at[i], t) for i, t in agency_at.items() if i in ai_at]
    brand_start = agency_approved_at if thread.agency_id is not None else ai_at
    brand = [_hours(brand_start[i], t) for i, t in brand_at.items() if i in brand_start]
    end_to_end = [] if approved is None else [_hours(thread.first_submitted, approved)]
    return agency, brand, end_to_end


def _period_start(at: datetime, period: Period, window_start: datetime) -> datetime:
    if period == "all":
        return window_start
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: the scorecard needs timezone-aware times")
    return at.astimezone(UTC)


def _hours(since: datetime, until: datetime) -> float:
    return max(0.0, (until - since).total_seconds() / _SECONDS_PER_HOUR)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) over sorted values."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _number_cell(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in free text such as agency names."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
