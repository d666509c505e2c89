"""The one record of a state change (``portal.core.transitions``), as referrals and enrolments keep
it: the same fields and lengths for both, so their histories cannot drift apart again."""

from __future__ import annotations

import pytest

from contracts import referrals
from contracts.models import ReferralTransition
from portal.accounts.models import Role
from portal.enrolments import states
from portal.enrolments.models import Enrolment, EnrolmentTransition
from tests.contracts.factories import LearnerFactory, LotFactory, MunicipalityFactory
from tests.enrolments.factories import held_enrolment, start_moment_for_sale
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

LONG_REASON = "r" * 500


def test_an_enrolment_keeps_a_reason_as_long_as_a_referral_does():
    """The enrolment's record cut reasons at 200 characters, the referral's at 500."""
    enrolment = held_enrolment(start_moment_for_sale())
    states.enrolment_transition(
        enrolment=enrolment, to_state=Enrolment.State.EXPIRED, reason=LONG_REASON + "cut"
    )
    record = EnrolmentTransition.objects.filter(enrolment=enrolment).latest("pk")
    assert record.reason == LONG_REASON
    assert str(record) == f"{enrolment.pk}: held → expired"


def test_a_referral_keeps_the_same_reason_and_names_its_states_the_same_way():
    haarlem = MunicipalityFactory()
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    learner = LearnerFactory(municipality=haarlem, target_group="GEZINSMIGRANT", housing_date=None)
    lot = LotFactory(component="PVT", contract__municipalities=[haarlem])
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    referrals.referral_transition(
        referral=referral, to_state="withdrawn", actor=None, reason=LONG_REASON
    )
    record = ReferralTransition.objects.filter(referral=referral).latest("pk")
    assert record.reason == LONG_REASON
    assert str(record) == f"{referral.pk}: draft → withdrawn"


@pytest.mark.parametrize("record", [ReferralTransition, EnrolmentTransition])
def test_both_records_have_the_same_fields_but_their_own_states(record):
    fields = {field.name: field for field in record._meta.get_fields() if field.concrete}
    assert {"from_state", "to_state", "actor", "reason", "at"} <= set(fields)
    assert (fields["reason"].max_length, fields["to_state"].max_length) == (500, 20)
    assert record._meta.ordering == ["at", "pk"]
    own = {"ReferralTransition": "referral", "EnrolmentTransition": "enrolment"}[record.__name__]
    assert own in fields


def test_both_state_machines_move_and_record_the_same_way():
    """One sequence (``TransitionRecord.record_move``): the new state and the other changes are
    saved with the record; a reason too long is cut, for referrals as for enrolments, and an
    anonymous actor is nobody."""
    from django.contrib.auth.models import AnonymousUser

    haarlem = MunicipalityFactory()
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    learner = LearnerFactory(municipality=haarlem, target_group="GEZINSMIGRANT", housing_date=None)
    lot = LotFactory(component="PVT", contract__municipalities=[haarlem])
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    start = ReferralTransition.objects.get(referral=referral)
    assert (start.from_state, start.to_state, start.actor, start.reason) == (
        "",
        "draft",
        klantmanager,
        "created",
    )
    referrals.referral_transition(
        referral=referral,
        to_state="withdrawn",
        actor=AnonymousUser(),
        reason=LONG_REASON + "cut",
        note="changed with it",
    )
    referral.refresh_from_db()
    assert (referral.state, referral.note) == ("withdrawn", "changed with it")
    moved = ReferralTransition.objects.filter(referral=referral).latest("pk")
    assert (moved.from_state, moved.actor, moved.reason) == ("draft", None, LONG_REASON)

    enrolment = held_enrolment(start_moment_for_sale())
    states.enrolment_transition(
        enrolment=enrolment,
        to_state=Enrolment.State.EXPIRED,
        actor=klantmanager,
        reason="clock",
        hold_expires_at=None,
    )
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.hold_expires_at) == (Enrolment.State.EXPIRED, None)
    record = EnrolmentTransition.objects.filter(enrolment=enrolment).latest("pk")
    assert (record.from_state, record.to_state, record.actor) == ("held", "expired", klantmanager)
