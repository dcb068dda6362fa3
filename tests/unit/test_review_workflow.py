"""The review state machine: who acts next, what each action leads to, what is refused."""

from __future__ import annotations

import pytest

from serving.reviews import workflow as wf
from serving.reviews.workflow import Action, Level, State


@pytest.mark.parametrize(
    ("state", "has_agency", "level"),
    [
        (State.SUBMITTED, True, Level.AI),
        (State.AI_CHECKED, True, Level.AGENCY),
        (State.AI_CHECKED, False, Level.BRAND),
        (State.AGENCY_APPROVED, True, Level.BRAND),
        (State.BRAND_APPROVED, True, None),
        (State.CHANGES_REQUESTED, False, None),
        (State.WITHDRAWN, True, None),
    ],
)
def test_pending_level(state: State, has_agency: bool, level: Level | None) -> None:
    assert wf.pending_level(state, has_agency) is level


def test_agency_work_passes_both_human_levels() -> None:
    assert wf.decide(State.AI_CHECKED, True, Action.APPROVE) == (Level.AGENCY, State.AGENCY_APPROVED)
    assert wf.decide(State.AGENCY_APPROVED, True, Action.APPROVE) == (Level.BRAND, State.BRAND_APPROVED)
    assert wf.decide(State.AI_CHECKED, True, Action.REJECT) == (Level.AGENCY, State.AGENCY_REJECTED)
    assert wf.decide(State.AGENCY_APPROVED, True, Action.REJECT) == (Level.BRAND, State.BRAND_REJECTED)
    assert wf.decide(State.AGENCY_APPROVED, True, Action.REQUEST_CHANGES)[1] is State.CHANGES_REQUESTED


def test_in_house_work_goes_to_the_brand_after_the_ai_check() -> None:
    assert wf.decide(State.AI_CHECKED, False, Action.APPROVE) == (Level.BRAND, State.BRAND_APPROVED)
    assert wf.decide(State.AI_CHECKED, False, Action.REJECT) == (Level.BRAND, State.BRAND_REJECTED)


@pytest.mark.parametrize("state", [State.BRAND_APPROVED, State.BRAND_REJECTED, State.WITHDRAWN])
def test_decided_items_take_no_more_decisions(state: State) -> None:
    with pytest.raises(wf.InvalidTransition) as caught:
        wf.decide(state, True, Action.APPROVE)
    assert caught.value.code == "invalid_transition" and caught.value.status == 409


def test_humans_wait_for_the_ai_check() -> None:
    with pytest.raises(wf.InvalidTransition) as caught:
        wf.decide(State.SUBMITTED, True, Action.APPROVE)
    assert caught.value.code == "ai_check_pending"


def test_withdraw_resubmit_and_ai_check_transitions() -> None:
    for state in wf.OPEN_STATES:
        assert wf.withdraw(state) is State.WITHDRAWN
    with pytest.raises(wf.InvalidTransition):
        wf.withdraw(State.BRAND_APPROVED)
    for state in wf.RESUBMITTABLE:
        wf.check_resubmittable(state)
    for state in (*wf.OPEN_STATES, State.BRAND_APPROVED):
        with pytest.raises(wf.InvalidTransition):
            wf.check_resubmittable(state)
    assert wf.after_ai_check(State.SUBMITTED) is State.AI_CHECKED
    with pytest.raises(wf.InvalidTransition):
        wf.after_ai_check(State.AI_CHECKED)


def test_every_state_is_open_resubmittable_or_approved() -> None:
    assert set(State) == wf.OPEN_STATES | wf.RESUBMITTABLE | {State.BRAND_APPROVED}
    assert not wf.OPEN_STATES & wf.RESUBMITTABLE
