"""The review state machine: states, who acts at each, and the transitions actions make (pure, no I/O).

An agency's work passes three levels: the AI check, the agency's reviewer, the brand's reviewer. Work
of the brand's own staff has no agency level: after the AI check it goes straight to the brand.
"""

from __future__ import annotations

from enum import StrEnum

from serving.errors import Conflict


class State(StrEnum):
    SUBMITTED = "submitted"
    AI_CHECKED = "ai_checked"
    AGENCY_APPROVED = "agency_approved"
    AGENCY_REJECTED = "agency_rejected"
    BRAND_APPROVED = "brand_approved"
    BRAND_REJECTED = "brand_rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"


class Level(StrEnum):
    """Who acts next on an item."""

    AI = "ai"
    AGENCY = "agency"
    BRAND = "brand"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


OPEN_STATES = frozenset({State.SUBMITTED, State.AI_CHECKED, State.AGENCY_APPROVED})
"""States in which the item still waits for somebody."""

RESUBMITTABLE = frozenset(
    {State.AGENCY_REJECTED, State.BRAND_REJECTED, State.CHANGES_REQUESTED, State.WITHDRAWN}
)
"""Final states after which the submitter may send a new version in the same thread."""


class InvalidTransition(Conflict):
    code = "invalid_transition"


def pending_level(state: State, has_agency: bool) -> Level | None:
    """The level that must act next, or None once the item is decided or withdrawn."""
    if state is State.SUBMITTED:
        return Level.AI
    if state is State.AI_CHECKED:
        return Level.AGENCY if has_agency else Level.BRAND
    if state is State.AGENCY_APPROVED:
        return Level.BRAND
    return None


_OUTCOME: dict[tuple[Level, Action], State] = {
    (Level.AGENCY, Action.APPROVE): State.AGENCY_APPROVED,
    (Level.AGENCY, Action.REJECT): State.AGENCY_REJECTED,
    (Level.AGENCY, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (Level.BRAND, Action.APPROVE): State.BRAND_APPROVED,
    (Level.BRAND, Action.REJECT): State.BRAND_REJECTED,
    (Level.BRAND, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
}


def decide(state: State, has_agency: bool, action: Action) -> tuple[Level, State]:
    """The level deciding now and the state ``action`` leads to; refuses actions out of turn."""
    level = pending_level(state, has_agency)
    if level is None:
        raise InvalidTransition(
            f"the item is {state.value}: nothing is left to decide", extra={"state": state.value}
        )
    if level is Level.AI:
        raise InvalidTransition(
            "the AI check has not finished yet", code="ai_check_pending", extra={"state": state.value}
        )
    return level, _OUTCOME[(level, action)]


def after_ai_check(state: State) -> State:
    if state is not State.SUBMITTED:
        raise InvalidTransition(f"the item is {state.value}, not submitted", extra={"state": state.value})
    return State.AI_CHECKED


def withdraw(state: State) -> State:
    if state not in OPEN_STATES:
        raise InvalidTransition(
            f"the item is {state.value}: only open items can be withdrawn", extra={"state": state.value}
        )
    return State.WITHDRAWN


def check_resubmittable(state: State) -> None:
    if state not in RESUBMITTABLE:
        raise InvalidTransition(
            f"the item is {state.value}: resubmit after a rejection, a change request or a withdrawal",
            extra={"state": state.value},
        )
