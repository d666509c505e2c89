"""Referral e-mails are sent by the domain services (contracts.referrals), whoever moves the
referral, after the transaction commits, without personal data; ``notifying.muted`` silences
them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from contracts import notifying, referrals
from contracts.models import Learner
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory, provider_staff

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _reads_english(user):
    UserProfile.get_for_user(user)
    UserProfile.objects.filter(user=user).update(preferred_language="en")
    return user


@pytest.fixture
def klantmanager(haarlem):
    return _reads_english(UserFactory(role=Role.CASE_MANAGER, municipality=haarlem))


@pytest.fixture
def learner(haarlem, klantmanager):
    return Learner.objects.create(
        municipality=haarlem,
        klantmanager=klantmanager,
        first_name="Amal",
        last_name="Zeldzaam",
        date_of_birth=datetime.date(1990, 5, 1),
        target_group="STATUSHOUDER",
        client_number="KL-778899",
        housing_date=TODAY - datetime.timedelta(days=60),
        pip_date=TODAY - datetime.timedelta(days=10),
        route="B1_ROUTE",
    )


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=3, contract__municipalities=[haarlem])


@pytest.fixture
def provider_user(lot):
    return _reads_english(provider_staff(lot.contract.provider))


def _sent(learner, lot, klantmanager, capture):
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    with capture(execute=True):
        return referrals.referral_send(referral=referral, actor=klantmanager)


def test_sending_tells_the_providers_staff_after_commit_without_personal_data(
    learner, lot, klantmanager, provider_user, mailoutbox, django_capture_on_commit_callbacks
):
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks() as callbacks:
        referrals.referral_send(referral=referral, actor=klantmanager)
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [mail.to for mail in mailoutbox] == [[provider_user.email]]
    body = mailoutbox[0].subject + mailoutbox[0].body
    assert "Haarlem" in body
    for private in ("Amal", "Zeldzaam", "KL-778899", "1990"):
        assert private not in body


def test_every_answer_of_the_provider_tells_the_klantmanager(
    learner, lot, klantmanager, provider_user, mailoutbox, django_capture_on_commit_callbacks
):
    referral = _sent(learner, lot, klantmanager, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    steps = [
        (referrals.referral_accept, {}, "accepted"),
        (referrals.referral_start, {"started_on": TODAY}, "started"),
        (referrals.referral_end, {"completed": True, "ended_on": TODAY}, "completed"),
    ]
    for service, arguments, state in steps:
        with django_capture_on_commit_callbacks(execute=True):
            referral = service(referral=referral, actor=provider_user, **arguments)
        assert mailoutbox[-1].to == [klantmanager.email]
        assert mailoutbox[-1].subject == f"A referral was {state} by the provider"
    assert len(mailoutbox) == len(steps)


def test_withdrawing_a_sent_referral_tells_the_provider(
    learner, lot, klantmanager, provider_user, mailoutbox, django_capture_on_commit_callbacks
):
    referral = _sent(learner, lot, klantmanager, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_withdraw(referral=referral, actor=klantmanager, reason="Moved away")
    assert [mail.to for mail in mailoutbox] == [[provider_user.email]]
    assert mailoutbox[0].subject == "A referral to you was withdrawn"
    assert "Amal" not in mailoutbox[0].body


def test_withdrawing_a_draft_tells_nobody(
    learner, lot, klantmanager, provider_user, mailoutbox, django_capture_on_commit_callbacks
):
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        referrals.referral_withdraw(referral=referral, actor=klantmanager, reason="Typo")
    assert callbacks == []
    assert mailoutbox == []


def test_muted_sends_nothing_and_ends_with_its_block(
    learner, lot, klantmanager, provider_user, mailoutbox, django_capture_on_commit_callbacks
):
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    with notifying.muted(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        referral = referrals.referral_send(referral=referral, actor=klantmanager)
        referrals.referral_accept(referral=referral, actor=provider_user)
    assert callbacks == []
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    assert [mail.to for mail in mailoutbox] == [[klantmanager.email]]


def test_each_person_reads_it_in_their_own_admin_language(
    learner, lot, klantmanager, mailoutbox, django_capture_on_commit_callbacks
):
    reads_dutch = provider_staff(lot.contract.provider)
    _sent(learner, lot, klantmanager, django_capture_on_commit_callbacks)
    assert [mail.subject for mail in mailoutbox if mail.to == [reads_dutch.email]] == [
        "Een nieuwe verwijzing wacht op uw antwoord"
    ]
