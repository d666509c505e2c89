"""Warm transfer of a learner's case to another municipality (contracts.transfers)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from contracts import referrals, transfers
from contracts.models import AuditEntry, CaseTransfer, Learner, Referral
from portal import permissions
from portal.accounts.models import Role
from portal.permissions import Action
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    sender = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    receiver = UserFactory(role=Role.CASE_MANAGER, municipality=velsen)
    learner = Learner.objects.create(
        municipality=haarlem,
        klantmanager=sender,
        first_name="Amal",
        last_name="Test",
        date_of_birth=datetime.date(1990, 1, 1),
        target_group="STATUSHOUDER",
        housing_date=timezone.localdate() - datetime.timedelta(days=100),
        pip_date=timezone.localdate() - datetime.timedelta(days=30),
        route="B1_ROUTE",
    )
    lot = LotFactory(contract__municipalities=[haarlem, velsen])
    referral = referrals.referral_create(learner=learner, lot=lot, actor=sender)
    referrals.referral_send(referral=referral, actor=sender)
    return {
        "haarlem": haarlem,
        "velsen": velsen,
        "sender": sender,
        "receiver": receiver,
        "learner": learner,
        "referral": referral,
    }


def _visible(user, model, action=Action.VIEW):
    return set(permissions.scope(user, action, model.objects.all()).values_list("pk", flat=True))


def test_the_case_goes_along_with_its_dates_referrals_and_audit_trail(world):
    learner, sender, receiver = world["learner"], world["sender"], world["receiver"]
    transfer = transfers.transfer_request(
        learner=learner, to_municipality=world["velsen"], actor=sender, note="Moved 1 May"
    )
    assert _visible(sender, Learner) == {learner.pk}  # still here until accepted
    assert transfers.transfers_awaiting(user=receiver).get() == transfer

    moved = transfers.transfer_accept(transfer=transfer, actor=receiver)

    assert (moved.municipality, moved.klantmanager) == (world["velsen"], receiver)
    assert (moved.housing_date, moved.pip_date) == (learner.housing_date, learner.pip_date)
    assert _visible(receiver, Learner) == {learner.pk}
    assert _visible(receiver, Referral, Action.CHANGE) == {world["referral"].pk}
    assert _visible(sender, Learner) == set()
    # The sending side reads what it did, and nothing more.
    assert _visible(sender, Referral) == {world["referral"].pk}
    assert _visible(sender, Referral, Action.CHANGE) == set()
    actions = list(
        AuditEntry.objects.filter(learner=learner, action=AuditEntry.Action.TRANSFER)
        .order_by("pk")
        .values_list("actor", "what")
    )
    assert actions == [
        (sender.pk, "handed over to GM0453"),
        (receiver.pk, "accepted from GM0392"),
    ]


def test_only_the_receiving_municipality_accepts(world):
    transfer = transfers.transfer_request(
        learner=world["learner"], to_municipality=world["velsen"], actor=world["sender"]
    )
    stranger = UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    for actor in (world["sender"], stranger):
        with pytest.raises(transfers.TransferRefused, match="klantmanager of that municipality"):
            transfers.transfer_accept(transfer=transfer, actor=actor)
    transfer.refresh_from_db()
    assert transfer.state == CaseTransfer.State.REQUESTED


def test_a_case_is_handed_over_once_and_not_to_itself(world):
    learner, sender = world["learner"], world["sender"]
    with pytest.raises(transfers.TransferRefused, match="moves to"):
        transfers.transfer_request(learner=learner, to_municipality=world["haarlem"], actor=sender)
    transfers.transfer_request(learner=learner, to_municipality=world["velsen"], actor=sender)
    with pytest.raises(transfers.TransferRefused, match="already"):
        transfers.transfer_request(
            learner=learner, to_municipality=MunicipalityFactory(), actor=sender
        )


def test_a_cancelled_hand_over_cannot_be_accepted(world):
    transfer = transfers.transfer_request(
        learner=world["learner"], to_municipality=world["velsen"], actor=world["sender"]
    )
    transfers.transfer_cancel(transfer=transfer, actor=world["sender"])
    with pytest.raises(transfers.TransferRefused, match="no longer open"):
        transfers.transfer_accept(transfer=transfer, actor=world["receiver"])
    world["learner"].refresh_from_db()
    assert world["learner"].municipality == world["haarlem"]


def test_who_may_hand_over_and_what_is_pending(world):
    learner, sender, receiver = world["learner"], world["sender"], world["receiver"]
    assert transfers.transfer_may_request(user=sender, learner=learner)
    assert not transfers.transfer_may_request(user=receiver, learner=learner)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    assert not transfers.transfer_may_request(user=manager, learner=learner)
    assert transfers.transfer_pending(learner=learner) is None
    made = transfers.transfer_request(
        learner=learner, to_municipality=world["velsen"], actor=sender
    )
    assert transfers.transfer_pending(learner=learner) == made
    transfers.transfer_cancel(transfer=made, actor=sender)
    assert transfers.transfer_pending(learner=learner) is None
    learner.closed_at = timezone.now()
    assert not transfers.transfer_may_request(user=sender, learner=learner)
