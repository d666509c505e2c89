"""The enrolment state machine: the table, the one transition function, and its record."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from portal.enrolments import enrolling, states
from portal.enrolments.models import Enrolment, EnrolmentTransition
from providers.models import SeatClaim
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


State = Enrolment.State


def test_every_state_has_a_row_in_the_table_and_refunded_is_final():
    assert set(states.TRANSITIONS) == set(State.values)
    assert states.TRANSITIONS[State.REFUNDED] == frozenset()
    assert all(targets <= set(State.values) for targets in states.TRANSITIONS.values())


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (State.CONFIRMED, State.HELD),
        (State.CONFIRMED, State.EXPIRED),
        (State.REFUNDED, State.CONFIRMED),
        (State.CANCELLED, State.CONFIRMED),
        (State.HELD, State.REFUNDED),
    ],
)
def test_an_illegal_transition_is_refused_and_changes_nothing(start, to):
    enrolment = held_enrolment()
    Enrolment.objects.filter(pk=enrolment.pk).update(state=start)
    enrolment.refresh_from_db()
    before = EnrolmentTransition.objects.count()
    with pytest.raises(states.IllegalTransition, match="cannot become"):
        states.enrolment_transition(enrolment=enrolment, to_state=to, confirmed_at=timezone.now())
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.confirmed_at) == (start, None)
    assert EnrolmentTransition.objects.count() == before


def test_each_change_is_recorded_with_actor_and_reason():
    user = learner()
    enrolment = enrolling.enrolment_start(
        user=user, start_moment=start_moment_for_sale(duo_loan_eligible=True)
    )
    enrolling.duo_loan_choose(enrolment=enrolment, declaration="DUO", actor=user)
    history = list(enrolment.transitions.values_list("from_state", "to_state", "actor", "reason"))
    assert history == [
        ("", State.HELD, user.pk, "enrolled"),
        (State.HELD, State.CONFIRMED, user.pk, "paid through the learner's DUO loan"),
    ]


def test_holds_released_by_the_seat_module_are_recorded_as_lapsed():
    moment = start_moment_for_sale(seats=1)
    lapsed = held_enrolment(moment)
    SeatClaim.objects.filter(pk=lapsed.seat_claim_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    held_enrolment(moment)
    last = lapsed.transitions.last()
    assert (last.from_state, last.to_state, last.actor) == (State.HELD, State.EXPIRED, None)
    assert "lapsed" in last.reason
