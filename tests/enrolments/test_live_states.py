"""A live place is held, awaiting a payment or confirmed. The model (``is_live``), the database's
one-live-place-per-learner constraint and enrolling ("you have a place here already") give the
same answer for every state."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from providers.models import SeatClaim
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale

pytestmark = pytest.mark.django_db

State = Enrolment.State
# Written out on purpose: what the tests expect, not what the code says.
LIVE = {"held", "awaiting_payment", "confirmed"}


def _enrolment_in(state: str) -> Enrolment:
    enrolment = held_enrolment(start_moment_for_sale(), user=learner())
    Enrolment.objects.filter(pk=enrolment.pk).update(state=state)
    enrolment.refresh_from_db()
    return enrolment


def _second_held_place_beside(enrolment: Enrolment) -> None:
    """Store another held place of the same learner on the same start date, past every check
    but the database's."""
    claim = SeatClaim.objects.create(
        start_moment_id=enrolment.start_moment_id, purpose=SeatClaim.Purpose.ENROLMENT
    )
    Enrolment.objects.create(
        user_id=enrolment.user_id,
        learner_email=enrolment.learner_email,
        start_moment_id=enrolment.start_moment_id,
        seat_claim=claim,
        state=State.HELD,
        provider_name=enrolment.provider_name,
        offering_title=enrolment.offering_title,
        starts_on=enrolment.starts_on,
        price_cents=enrolment.price_cents,
    )


def test_the_states_are_the_ones_expected():
    assert set(State.values) == LIVE | {"cancelled", "refunded", "expired"}


@pytest.mark.parametrize("state", sorted(State.values))
def test_the_model_says_live_for_exactly_the_live_states(state):
    assert _enrolment_in(state).is_live is (state in LIVE)


@pytest.mark.parametrize("state", sorted(State.values))
def test_the_database_refuses_a_second_place_beside_a_live_one_only(state):
    enrolment = _enrolment_in(state)
    if state in LIVE:
        with pytest.raises(IntegrityError), transaction.atomic():
            _second_held_place_beside(enrolment)
    else:
        _second_held_place_beside(enrolment)
    assert Enrolment.objects.filter(user_id=enrolment.user_id).count() == (
        1 if state in LIVE else 2
    )


@pytest.mark.parametrize("state", sorted(State.values))
def test_enrolling_again_returns_a_live_place_and_opens_a_new_one_after_any_other(state):
    enrolment = _enrolment_in(state)
    again = enrolling.enrolment_start(user=enrolment.user, start_moment=enrolment.start_moment)
    if state in LIVE:
        assert again.pk == enrolment.pk
    else:
        assert again.pk != enrolment.pk
        assert again.state == State.HELD
