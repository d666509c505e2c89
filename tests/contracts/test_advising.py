"""The rules of advice to gezinsmigranten (``contracts.advising``): which courses, who may advise
whom, the e-mail, binding the advice to the learner's account, what came of it, retention."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import TestCase
from django.utils import timezone, translation

from contracts import advising, retention
from contracts.models import Advice, AdviceOffering, AuditEntry
from portal.accounts.models import Role
from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from tests.contracts.advice_world import (
    LEARNER_EMAIL,
    PASSWORD,
    advice_give,
    gezinsmigrant,
    last_link,
    world_build,
)
from tests.contracts.factories import LearnerFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build()


def _confirm(enrolment: Enrolment) -> Enrolment:
    return enrolling.duo_loan_choose(enrolment=enrolment, declaration="DUO")


# --- Which courses ----------------------------------------------------------------------------


def test_only_published_courses_open_to_gezinsmigranten_in_the_region_may_be_advised(world):
    advisable = set(advising.offerings_advisable(learner=world.learner))
    assert set(world.courses) <= advisable
    assert advisable.isdisjoint(world.not_advisable.values())


def test_a_course_of_an_inactive_provider_may_not_be_advised(world):
    course = world.courses[0]
    course.provider.is_active = False
    course.provider.save()
    assert course not in set(advising.offerings_advisable(learner=world.learner))


# --- Giving advice ----------------------------------------------------------------------------


def test_advice_is_stored_in_order_audited_and_emailed(world):
    courses = [world.courses[2], world.courses[0]]
    advice = advice_give(world, courses=courses, note="Past bij uw rooster.", language="en")
    rows = list(AdviceOffering.objects.filter(advice=advice))
    assert [row.offering for row in rows] == courses
    assert (advice.klantmanager, advice.note, advice.user) == (
        world.klantmanager,
        "Past bij uw rooster.",
        None,
    )
    entry = AuditEntry.objects.get(learner=world.learner)
    assert (entry.actor, entry.action, entry.what) == (world.klantmanager, "change", "advice")
    message = mail.outbox[-1]
    assert message.to == [LEARNER_EMAIL]
    assert "Advice from Haarlem" in message.subject
    # The e-mail names no course, note or learner: an address typed wrongly tells little.
    for secret in ("Past bij", "NT2 dagcursus", "Amal"):
        assert secret not in message.body
    assert "/mijn-advies/link/" in message.body
    advice.refresh_from_db()
    assert advice.sent_at is not None


def test_the_email_is_in_the_language_the_klantmanager_chose(world):
    advice_give(world, language="tr")
    assert "/tr/mijn-advies/link/" in mail.outbox[-1].body


@pytest.mark.parametrize("count", [1, 6])
def test_advice_needs_two_to_five_courses(world, count):
    from tests.enrolments.factories import start_moment_for_sale

    courses = (world.courses + [start_moment_for_sale().offering for _ in range(3)])[:count]
    with pytest.raises(advising.AdviceRefused) as refused:
        advice_give(world, courses=courses)
    assert refused.value.field == "offerings"
    assert not Advice.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize("kind", ["draft", "statushouders only", "brugklas", "outside the region"])
def test_a_course_that_may_not_be_advised_is_refused(world, kind):
    with pytest.raises(advising.AdviceRefused) as refused:
        advice_give(world, courses=[world.courses[0], world.not_advisable[kind]])
    assert refused.value.field == "offerings"
    assert not Advice.objects.exists()


def test_only_gezinsmigranten_with_an_open_case_are_advised(world):
    world.learner = LearnerFactory(municipality=world.haarlem)  # a statushouder
    with pytest.raises(advising.AdviceRefused, match="gezinsmigranten"):
        advice_give(world)
    world.learner = gezinsmigrant(world.haarlem, closed_at=timezone.now())
    with translation.override("en"), pytest.raises(advising.AdviceRefused, match="closed"):
        advice_give(world)
    assert not Advice.objects.exists()


def test_a_klantmanager_of_another_municipality_cannot_advise(world):
    world.klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=world.velsen)
    with pytest.raises(advising.AdviceRefused):
        advice_give(world)
    assert not Advice.objects.exists()


def test_a_staff_accounts_address_is_refused(world):
    with pytest.raises(advising.AdviceRefused) as refused:
        advice_give(world, email=world.klantmanager.email.upper())
    assert refused.value.field == "email"


def test_a_second_advice_to_the_same_address_goes_to_the_account_the_first_was_bound_to(world):
    first = advice_give(world)
    account = advising.advice_account_create(advice=first, password=PASSWORD, language="nl")
    second = advice_give(world, courses=world.courses[1:], email=LEARNER_EMAIL.upper())
    assert (second.user, second.linked_at is not None) == (account, True)
    assert "/mijn-advies/" in mail.outbox[-1].body
    assert "/mijn-advies/link/" not in mail.outbox[-1].body
    other = advice_give(world, email="ander@example.org")
    assert other.user is None


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, stopped: "the mail server is down" is a closed port."""
    from tests.mailserver import LoopbackSmtp

    server = LoopbackSmtp()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


def test_the_email_is_retried_while_the_mail_server_is_down(world, smtp):
    from portal.core.tasks import tasks_run_due

    advice = advice_give(world)  # the server is down: the advice stands, the e-mail waits
    assert Advice.objects.get(pk=advice.pk).sent_at is None
    smtp.start()
    tasks_run_due(now=timezone.now() + datetime.timedelta(minutes=2))
    assert Advice.objects.get(pk=advice.pk).sent_at is not None
    (message,) = smtp.messages
    assert message["X-Envelope-To"] == LEARNER_EMAIL


def test_sending_again_works_only_until_the_learner_opened_the_advice(world):
    advice = advice_give(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        advising.advice_resend(advice=advice, actor=world.klantmanager)
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(what="advice.sent_at").count() == 1
    advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    with pytest.raises(advising.AdviceRefused):
        advising.advice_resend(advice=advice, actor=world.klantmanager)


# --- The link and the account -----------------------------------------------------------------


def test_the_link_names_its_advice_and_an_altered_or_expired_one_is_refused(world, settings):
    advice = advice_give(world)
    token = last_link().rstrip("/").rsplit("/", 1)[1]
    assert advising.advice_from_token(token=token) == advice
    with pytest.raises(advising.AdviceLinkInvalid):
        advising.advice_from_token(token=token[:-2] + "xx")
    settings.INVITATION_MAX_AGE_DAYS = -1
    with pytest.raises(advising.AdviceLinkInvalid):
        advising.advice_from_token(token=token)


def test_a_new_account_is_a_verified_learner_with_the_advice(world):
    advice = advice_give(world)
    user = advising.advice_account_create(advice=advice, password=PASSWORD, language="ar")
    assert (user.email, user.role, user.language) == (LEARNER_EMAIL, Role.LEARNER, "ar")
    assert EmailAddress.objects.get(user=user).verified
    advice.refresh_from_db()
    assert advice.user == user and advice.linked_at is not None
    assert AuditEntry.objects.filter(actor=user, what="advice.user").count() == 1
    with pytest.raises(advising.AdviceLinkInvalid):
        advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")


def test_an_existing_account_with_the_address_binds_it_and_no_other_may(world):
    owner = UserFactory(email=LEARNER_EMAIL, username=LEARNER_EMAIL)
    advice = advice_give(world)
    with pytest.raises(advising.AdviceLinkInvalid):
        advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    stranger = UserFactory()
    with pytest.raises(advising.AdviceLinkRefused) as refused:
        advising.advice_link(advice=advice, user=stranger)
    assert refused.value.refusal == advising.LinkRefusal.OTHER_ADDRESS
    with pytest.raises(advising.AdviceLinkRefused) as refused:
        advising.advice_link(advice=advice, user=world.klantmanager)
    assert refused.value.refusal == advising.LinkRefusal.NOT_A_LEARNER
    assert advising.advice_link(advice=advice, user=owner).user == owner
    with pytest.raises(advising.AdviceLinkRefused) as refused:
        advising.advice_link(advice=advice, user=stranger)
    assert refused.value.refusal == advising.LinkRefusal.OTHER_ACCOUNT


# --- What came of it --------------------------------------------------------------------------


def _bound(world):
    advice = advice_give(world)
    user = advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    return advice, user


def test_the_outcome_lists_enrolments_since_the_advice_marking_the_advised_ones(world):
    from tests.enrolments.factories import start_moment_for_sale

    advice, user = _bound(world)
    before = enrolling.enrolment_start(user=user, start_moment=start_moment_for_sale())
    Enrolment.objects.filter(pk=before.pk).update(
        created_at=advice.created_at - datetime.timedelta(minutes=1)
    )
    advised = _confirm(
        enrolling.enrolment_start(user=user, start_moment=world.courses[0].start_moments.get())
    )
    other = enrolling.enrolment_start(user=user, start_moment=start_moment_for_sale())
    (outcome,) = advising.advice_outcomes(user=world.klantmanager, learner=world.learner)
    assert [(e.pk, e.advised) for e in outcome.enrolments] == [
        (advised.pk, True),
        (other.pk, False),
    ]
    assert outcome.enrolled


def test_another_municipality_sees_no_advice(world):
    advice_give(world)
    stranger = UserFactory(role=Role.CASE_MANAGER, municipality=world.velsen)
    assert advising.advice_outcomes(user=stranger, learner=world.learner) == []
    assert advising.advice_summary(user=stranger).sent == 0


def test_the_summary_counts_advice_sent_opened_and_enrolled(world):
    from tests.enrolments.factories import start_moment_for_sale

    _advice, user = _bound(world)
    elsewhere = start_moment_for_sale(duo_loan_eligible=True)
    _confirm(enrolling.enrolment_start(user=user, start_moment=elsewhere))
    advice_give(world, email="nog.niet@example.org")
    _held, held_user = _bound_to_new(world, "alleen.gehouden@example.org")
    enrolling.enrolment_start(user=held_user, start_moment=world.courses[1].start_moments.get())
    summary = advising.advice_summary(user=world.klantmanager)
    counts = (summary.sent, summary.opened, summary.enrolled, summary.enrolled_advised)
    assert counts == (3, 2, 1, 0)
    assert [a.enrolled for a in summary.recent] == [False, False, True]

    _confirm(Enrolment.objects.get(user=held_user))
    summary = advising.advice_summary(user=world.klantmanager)
    assert (summary.enrolled, summary.enrolled_advised) == (2, 1)
    # A year later it has left the window.
    later = timezone.now() + datetime.timedelta(days=advising.SUMMARY_DAYS + 1)
    assert advising.advice_summary(user=world.klantmanager, now=later).sent == 0


def _bound_to_new(world, email):
    advice = advice_give(world, email=email)
    return advice, advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")


# --- Retention --------------------------------------------------------------------------------


def test_anonymising_empties_the_note_and_address_and_unbinds_the_account(world):
    advice, user = _bound(world)
    Advice.objects.filter(pk=advice.pk).update(note="Amal wil 's avonds les.")
    world.learner.closed_at = timezone.now() - datetime.timedelta(days=400)
    world.learner.save()
    done = retention.learners_anonymise(now=timezone.now(), older_than_days=365)
    assert done == 1
    advice.refresh_from_db()
    assert (advice.note, advice.email, advice.user) == ("", "", None)
    assert AdviceOffering.objects.filter(advice=advice).count() == 2  # the figures stay
    assert advising.advices_for_account(user=user) == []


def test_deleting_a_learner_deletes_their_advice(world):
    advice = advice_give(world)
    world.learner.delete()
    assert not Advice.objects.filter(pk=advice.pk).exists()
    assert not AdviceOffering.objects.exists()
