"""Agency scorecards from hand-built review histories."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from serving.reviews.models import ReviewDecision, ReviewItem
from serving.reviews.scorecard import (
    IN_HOUSE_NAME,
    Period,
    Scorecard,
    ScorecardRow,
    build_scorecard,
    scorecard_columns,
    scorecard_csv,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    id: str
    thread_id: str
    agency_id: str | None
    version_no: int
    created_at: datetime


@dataclass(frozen=True)
class Decision:
    item_id: str
    thread_id: str
    level: str
    action: str
    to_state: str | None
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


class History:
    """Builds items and their decisions the way the review workflow writes them."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.decisions: list[Decision] = []
        self._threads: dict[str, str] = {}

    def submit(self, item_id: str, at: datetime, *, agency: str | None, thread: str | None = None) -> None:
        thread_id = thread or item_id
        version = 1 + sum(1 for i in self.items if i.thread_id == thread_id)
        self.items.append(Item(item_id, thread_id, agency, version, at))
        self._threads[item_id] = thread_id
        self._add(item_id, "submitter", "submit", "submitted", at, {"version_no": version})

    def ai(self, item_id: str, at: datetime, verdict: str = "pass", categories: tuple[str, ...] = ()) -> None:
        data = {"verdict": verdict, "categories": list(categories), "blocking": int(verdict == "block")}
        self._add(item_id, "ai", "ai_check", "ai_checked", at, data)

    def decide(self, item_id: str, level: str, action: str, at: datetime, **data: Any) -> None:
        outcome = {"approve": "approved", "reject": "rejected"}
        to_state = f"{level}_{outcome[action]}" if action in outcome else "changes_requested"
        self._add(item_id, level, action, to_state, at, data)

    def event(self, item_id: str, level: str, action: str, at: datetime, **data: Any) -> None:
        self._add(item_id, level, action, None, at, data)

    def card(self, period: Period = "all", start: datetime = START, end: datetime = END) -> Scorecard:
        return build_scorecard(self.items, self.decisions, period=period, start=start, end=end)

    def _add(
        self, item_id: str, level: str, action: str, to_state: str | None, at: datetime, data: dict[str, Any]
    ) -> None:
        self.decisions.append(Decision(item_id, self._threads[item_id], level, action, to_state, at, data))


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def only_row(card: Scorecard, agency_id: str | None = "ag1") -> ScorecardRow:
    rows = [r for r in card.rows if r.agency_id == agency_id]
    assert len(rows) == 1
    return rows[0]


def approved_thread(h: History, item_id: str, at: float, agency: str | None = "ag1") -> None:
    """Submit, AI pass, (agency approval), brand approval: one hour per step."""
    h.submit(item_id, hours(at), agency=agency)
    h.ai(item_id, hours(at + 1))
    if agency is not None:
        h.decide(item_id, "agency", "approve", hours(at + 2))
    h.decide(item_id, "brand", "approve", hours(at + 3))


def test_first_pass_counts_version_one_approvals_only() -> None:
    h = History()
    approved_thread(h, "a1", 0)  # passes first time
    h.submit("b1", hours(0), agency="ag1")  # changes requested, then approved as version 2
    h.ai("b1", hours(1), "warn", ("ABSOLUTE_TERMS",))
    h.decide("b1", "agency", "request_changes", hours(2))
    h.submit("b2", hours(5), agency="ag1", thread="b1")
    h.ai("b2", hours(6))
    h.decide("b2", "agency", "approve", hours(7))
    h.decide("b2", "brand", "approve", hours(8))
    h.submit("c1", hours(0), agency="ag1")  # still waiting: no outcome yet
    h.submit("d1", hours(0), agency="ag1")  # withdrawn without a decision: no outcome either
    h.event("d1", "submitter", "withdraw", hours(1))

    row = only_row(h.card())
    assert (row.threads, row.submissions) == (4, 5)
    assert row.first_pass_pass_rate == 0.5
    assert row.changes_requested == 1
    assert (row.end_to_end_turnaround.count, row.end_to_end_turnaround.median_hours) == (2, 5.5)


def test_first_pass_rate_is_none_without_outcomes() -> None:
    h = History()
    h.submit("a1", hours(0), agency="ag1")
    h.ai("a1", hours(1), "block", ("BRAND_PALETTE",))
    row = only_row(h.card())
    assert row.first_pass_pass_rate is None
    assert row.ai_block_rate == 1.0
    assert row.end_to_end_turnaround.median_hours is None


def test_in_house_work_has_its_own_row_and_brand_clock_from_ai_check() -> None:
    h = History()
    approved_thread(h, "agency-work", 0, agency="ag1")  # brand decides 1 h after the agency approval
    h.submit("own-work", hours(0), agency=None)
    h.ai("own-work", hours(1))
    h.decide("own-work", "brand", "approve", hours(5))  # 4 h after the AI check

    card = h.card()
    assert [r.agency_id for r in card.rows] == [None, "ag1"]
    own, agency = only_row(card, None), only_row(card, "ag1")
    assert own.brand_turnaround.median_hours == 4.0
    assert own.agency_turnaround.count == 0 and own.agency_turnaround.median_hours is None
    assert agency.brand_turnaround.median_hours == 1.0
    assert agency.agency_turnaround.median_hours == 1.0
    assert own.first_pass_pass_rate == agency.first_pass_pass_rate == 1.0


def test_block_rate_and_violations_count_each_category_once_per_item() -> None:
    h = History()
    h.submit("x", hours(0), agency="ag1")
    h.ai("x", hours(1), "block", ("ABSOLUTE_TERMS", "ABSOLUTE_TERMS", "BRAND_PALETTE"))
    h.submit("y", hours(0), agency="ag1")
    h.ai("y", hours(1), "warn", ("BRAND_PALETTE",))
    h.submit("z", hours(0), agency="ag1")
    h.ai("z", hours(1), "pass")
    h.submit("rechecked", hours(0), agency="ag1")  # a false alarm excused: the latest check counts
    h.ai("rechecked", hours(1), "block", ("SPEC_TITLE_LENGTH",))
    h.event("rechecked", "brand", "false_alarm", hours(2), rule_id="spec.title", category="SPEC_TITLE_LENGTH")
    h.ai("rechecked", hours(3), "pass")
    h.submit("unchecked", hours(0), agency="ag1")

    row = only_row(h.card())
    assert row.ai_block_rate == pytest.approx(1 / 4)
    assert dict(row.violations_by_category) == {"ABSOLUTE_TERMS": 1, "BRAND_PALETTE": 2}
    assert list(row.violations_by_category) == ["ABSOLUTE_TERMS", "BRAND_PALETTE"]
    assert row.false_alarms == 1


def test_rejections_change_requests_and_overrides() -> None:
    h = History()
    h.submit("a", hours(0), agency="ag1")
    h.ai("a", hours(1), "block", ("ABSOLUTE_TERMS",))
    h.decide("a", "agency", "reject", hours(2))
    h.submit("b", hours(0), agency="ag1")
    h.ai("b", hours(1), "block", ("ABSOLUTE_TERMS",))
    h.decide("b", "agency", "approve", hours(2))
    h.decide("b", "brand", "approve", hours(3), override=True)
    h.submit("c", hours(0), agency="ag1")
    h.ai("c", hours(1))
    h.decide("c", "agency", "approve", hours(2))
    h.decide("c", "brand", "reject", hours(3))
    h.submit("d", hours(0), agency="ag1")
    h.ai("d", hours(1))
    h.decide("d", "agency", "approve", hours(2))
    h.decide("d", "brand", "request_changes", hours(3))
    h.event("d", "agency", "claim", hours(2.5))  # ignored
    approved_thread(h, "e", 0)  # no override

    row = only_row(h.card())
    assert (row.agency_rejections, row.brand_rejections, row.changes_requested) == (1, 1, 1)
    assert row.overrides == 1
    assert row.first_pass_pass_rate == pytest.approx(2 / 5)


def test_turnaround_median_and_p90() -> None:
    h = History()
    for n, wait in enumerate([10.0, 1.0, 3.0, 2.0, 4.0]):
        item = f"i{n}"
        h.submit(item, hours(0), agency="ag1")
        h.ai(item, hours(1))
        h.decide(item, "agency", "request_changes", hours(1 + wait))
        h.decide(item, "agency", "approve", hours(50))  # only the first agency decision counts

    agency = only_row(h.card()).agency_turnaround
    assert agency.count == 5
    assert agency.median_hours == 3.0
    assert agency.p90_hours == pytest.approx(7.6)  # 4 + 0.6 × (10 − 4), linear between ranks


def test_single_value_turnaround() -> None:
    h = History()
    approved_thread(h, "a", 0)
    end_to_end = only_row(h.card()).end_to_end_turnaround
    assert (end_to_end.count, end_to_end.median_hours, end_to_end.p90_hours) == (1, 3.0, 3.0)


def _boundary_history() -> History:
    h = History()
    h.submit("sun", datetime(2025, 3, 30, 23, 0, tzinfo=UTC), agency="ag1")  # Sunday, week of 24 March
    h.ai("sun", datetime(2025, 3, 31, 1, 0, tzinfo=UTC), "block", ("BRAND_PALETTE",))  # next week: no matter
    h.submit("mon", datetime(2025, 3, 31, 1, 0, tzinfo=UTC), agency="ag1")  # Monday, still March
    h.submit(
        "cest", datetime(2025, 4, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), agency="ag1"
    )  # 31/3 UTC
    h.submit("apr", datetime(2025, 4, 1, 0, 0, tzinfo=UTC), agency="ag1")
    return h


def test_week_buckets_across_a_boundary() -> None:
    card = _boundary_history().card("week")
    assert [(r.period, r.period_start.date().isoformat(), r.threads) for r in card.rows] == [
        ("week", "2025-03-24", 1),
        ("week", "2025-03-31", 3),
    ]
    assert card.rows[0].ai_block_rate == 1.0  # the thread's later events stay in its first week
    assert card.rows[1].ai_block_rate is None
    assert all(r.period_start.tzinfo is UTC and r.period_start.hour == 0 for r in card.rows)


def test_month_buckets_across_a_boundary_and_totals() -> None:
    card = _boundary_history().card("month")
    assert [(r.period_start, r.threads) for r in card.rows] == [
        (datetime(2025, 3, 1, tzinfo=UTC), 3),
        (datetime(2025, 4, 1, tzinfo=UTC), 1),
    ]
    [total] = card.totals
    assert (total.agency_id, total.period, total.period_start, total.threads) == ("ag1", "all", START, 4)
    assert total.violations_by_category == {"BRAND_PALETTE": 1}


def test_window_selects_threads_by_first_submission() -> None:
    start, end = datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 10, tzinfo=UTC)
    h = History()
    h.submit("old", start - timedelta(hours=1), agency="ag1")  # resubmitted inside: still excluded
    h.decide("old", "agency", "reject", start - timedelta(minutes=30))
    h.submit("old-v2", start + timedelta(hours=1), agency="ag1", thread="old")
    h.submit("at-start", start, agency="ag1")
    h.submit("at-end", end, agency="ag2")

    card = h.card("week", start, end)
    row = only_row(card)
    assert (row.threads, row.submissions, row.agency_rejections) == (1, 1, 0)
    assert [r.agency_id for r in card.rows] == [r.agency_id for r in card.totals] == ["ag1"]


def test_csv_columns_numbers_and_escaping() -> None:
    h = History()
    for item, categories in (("a", ("SPEC_TITLE_LENGTH",)), ("b", ()), ("c", ())):
        h.submit(item, hours(0), agency="acme")
        h.ai(item, hours(1), "block" if categories else "pass", categories)
    h.submit("own", hours(0), agency=None)
    h.ai("own", hours(1), "block", ("ABSOLUTE_TERMS",))
    h.submit("odd", hours(0), agency="formula")
    rows = h.card("week").rows

    text = scorecard_csv(rows, {"acme": 'Acme, Inc. "Creative"', "formula": "=HYPERLINK(1)"})
    lines = list(csv.reader(io.StringIO(text)))
    header = lines[0]
    assert header == list(scorecard_columns(rows))
    assert header[:4] == ["agency_id", "agency_name", "period", "period_start"]
    assert header[-2:] == ["violations_ABSOLUTE_TERMS", "violations_SPEC_TITLE_LENGTH"]
    assert len(header) == len(set(header)) and all(len(line) == len(header) for line in lines)
    by_name = {line[1]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    assert list(by_name) == [IN_HOUSE_NAME, 'Acme, Inc. "Creative"', "'=HYPERLINK(1)"]
    acme = by_name['Acme, Inc. "Creative"']
    assert acme["agency_id"] == "acme" and acme["period_start"] == "2025-03-03T00:00:00+00:00"
    assert acme["ai_block_rate"] == "0.3333" and acme["submissions"] == "3"
    assert acme["first_pass_pass_rate"] == "" and acme["agency_turnaround_median_h"] == ""
    assert (acme["violations_SPEC_TITLE_LENGTH"], acme["violations_ABSOLUTE_TERMS"]) == ("1", "0")
    assert by_name[IN_HOUSE_NAME]["agency_id"] == "" and by_name[IN_HOUSE_NAME]["ai_block_rate"] == "1"
    assert '"Acme, Inc. ""Creative"""' in text and text.endswith("\r\n")


def test_csv_falls_back_to_the_id_and_has_a_header_without_rows() -> None:
    h = History()
    approved_thread(h, "a", 0, agency="ag9")
    line = scorecard_csv(h.card().rows).splitlines()[1]
    assert line == "ag9,ag9,all,2025-01-01T00:00:00+00:00,1,1,1,0,0,0,0,0,0,1,1,1,1,3,3"
    assert scorecard_csv([]).splitlines() == [",".join(scorecard_columns([]))]


def test_as_dict_is_json() -> None:
    h = History()
    approved_thread(h, "a", 0)
    h.submit("b", hours(0), agency="ag1")
    h.ai("b", hours(1), "warn", ("BRAND_PALETTE",))
    data = json.loads(json.dumps(h.card("month").as_dict()))
    assert data["period"] == "month" and data["start"] == START.isoformat()
    row = data["rows"][0]
    assert row["period_start"] == "2025-03-01T00:00:00+00:00"
    assert row["violations_by_category"] == {"BRAND_PALETTE": 1}
    assert row["brand_turnaround"] == {"count": 1, "median_hours": 1.0, "p90_hours": 1.0}
    assert data["totals"][0]["threads"] == 2


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("year", START, END),
        ("week", START.replace(tzinfo=None), END),
        ("week", END, START),
    ],
)
def test_invalid_arguments(period: Any, start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError):
        build_scorecard([], [], period=period, start=start, end=end)


def test_orm_rows_are_accepted() -> None:
    item = ReviewItem(id="rev_1", thread_id="rev_1", agency_id="ag1", version_no=1, created_at=T0)
    common = {"item_id": "rev_1", "thread_id": "rev_1", "brand_id": "brd_1", "agency_id": "ag1"}
    decisions = [
        ReviewDecision(**common, level="submitter", action="submit", to_state="submitted", data={}, at=T0),
        ReviewDecision(
            **common,
            level="ai",
            action="ai_check",
            to_state="ai_checked",
            data={"verdict": "block", "categories": ["ABSOLUTE_TERMS"], "blocking": 1},
            at=hours(1),
        ),
    ]
    row = only_row(build_scorecard([item], decisions, period="week", start=START, end=END))
    assert row.ai_block_rate == 1.0 and row.violations_by_category == {"ABSOLUTE_TERMS": 1}
