"""Holding a seat, letting it lapse, the waiting list and the DUO loan (enrolments.enrolling)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from portal.accounts.models import Role
from portal.enrolments import enrolling, rules
from portal.enrolments.models import Enrolment, WaitingListEntry
from providers import seats
from providers.models import StartMoment
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The domain's messages are asserted in the source language."""
    with translation.override("en"):
        yield


def _taken(moment: StartMoment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


def test_enrolling_holds_one_seat_for_the_hold_time_and_copies_what_is_bought(settings):
    settings.ENROLMENT_HOLD_MINUTES = 30
    moment = start_moment_for_sale(seats=3, price_cents=99_500)
    before = timezone.now()
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert enrolment.state == Enrolment.State.HELD
    assert _taken(moment) == 1
    assert before + datetime.timedelta(minutes=30) <= enrolment.hold_expires_at
    assert enrolment.hold_expires_at <= timezone.now() + datetime.timedelta(minutes=30)
    assert enrolment.price_cents == 99_500
    assert enrolment.offering_title == moment.offering.title
    assert enrolment.provider_name == moment.offering.provider.name
    assert enrolment.starts_on == moment.starts_on
    assert "exam costs" in enrolment.price_includes
    assert moment.location.city in enrolment.location_text


def test_enrolling_twice_returns_the_same_enrolment_and_takes_one_seat():
    moment = start_moment_for_sale(seats=3)
    user = learner()
    first = enrolling.enrolment_start(user=user, start_moment=moment)
    again = enrolling.enrolment_start(user=user, start_moment=moment)
    assert again.pk == first.pk
    assert _taken(moment) == 1


def test_a_full_start_moment_refuses_with_the_waiting_list_on_offer():
    moment = start_moment_for_sale(seats=1)
    held_enrolment(moment)
    with pytest.raises(seats.StartMomentFull):
        enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert _taken(moment) == 1


def test_an_expired_hold_counts_as_free_for_the_next_learner():
    moment = start_moment_for_sale(seats=1)
    lapsed = held_enrolment(moment)
    Enrolment.objects.filter(pk=lapsed.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    lapsed.seat_claim.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    lapsed.seat_claim.save()
    newcomer = enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert newcomer.state == Enrolment.State.HELD
    assert _taken(moment) == 1
    lapsed.refresh_from_db()
    assert lapsed.state == Enrolment.State.EXPIRED
    assert lapsed.seat_claim.released_at is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price_cents": None}, "not set a price"),
        ({"for_gezinsmigranten": False}, "not open to self-paying"),
        ({"live": False}, "not offered"),
    ],
)
def test_courses_not_for_sale_are_refused_with_the_reason(change, message):
    moment = start_moment_for_sale()
    for name, value in change.items():
        setattr(moment.offering, name, value)
    moment.offering.save()
    with pytest.raises(enrolling.EnrolmentRefused, match=message):
        enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert _taken(moment) == 0


def test_enrolment_closes_after_the_deadline():
    moment = start_moment_for_sale(starts_in_days=10)
    moment.enrolment_deadline = timezone.localdate() - datetime.timedelta(days=1)
    moment.save()
    with pytest.raises(enrolling.EnrolmentRefused, match="closed"):
        enrolling.enrolment_start(user=learner(), start_moment=moment)


def test_staff_accounts_cannot_enrol():
    with pytest.raises(enrolling.EnrolmentRefused, match="learners"):
        enrolling.enrolment_start(
            user=UserFactory(role=Role.CASE_MANAGER), start_moment=start_moment_for_sale()
        )


def test_duo_loan_confirms_the_place_with_the_declaration(django_capture_on_commit_callbacks):
    enrolment = held_enrolment(start_moment_for_sale(duo_loan_eligible=True))
    with django_capture_on_commit_callbacks(execute=True):
        enrolling.duo_loan_choose(enrolment=enrolment, declaration="I pay with my DUO loan.")
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert enrolment.payment_method == Enrolment.PaymentMethod.DUO_LOAN
    assert enrolment.duo_declaration == "I pay with my DUO loan."
    assert enrolment.seat_claim.expires_at is None
    assert len(mail.outbox) == 1
    assert enrolment.reference in mail.outbox[0].body
    # Nothing was paid here, so the e-mail promises no money back.
    with translation.override(enrolment.language):
        promise = date_format(rules.cooling_off_last_day(enrolment), "j F Y")
    assert promise not in mail.outbox[0].body


def test_duo_loan_is_refused_for_courses_that_are_not_eligible():
    enrolment = held_enrolment(start_moment_for_sale(duo_loan_eligible=False))
    with pytest.raises(enrolling.EnrolmentRefused, match="DUO"):
        enrolling.duo_loan_choose(enrolment=enrolment, declaration="x")
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.HELD


def test_a_freed_seat_goes_to_the_first_on_the_waiting_list(django_capture_on_commit_callbacks):
    moment = start_moment_for_sale(seats=1)
    holder = held_enrolment(moment)
    first, second = learner(), learner()
    with django_capture_on_commit_callbacks(execute=True):
        enrolling.waiting_list_join(user=first, start_moment=moment)
        enrolling.waiting_list_join(user=second, start_moment=moment)
    assert not mail.outbox
    holder.seat_claim.expires_at = holder.hold_expires_at = timezone.now()
    holder.seat_claim.save()
    holder.save()
    with django_capture_on_commit_callbacks(execute=True):
        enrolling.holds_expire()
    offered = Enrolment.objects.get(user=first, start_moment=moment)
    assert offered.state == Enrolment.State.HELD
    assert offered.hold_expires_at > timezone.now() + datetime.timedelta(hours=1)
    assert WaitingListEntry.objects.get(user=first).state == WaitingListEntry.State.OFFERED
    assert WaitingListEntry.objects.get(user=second).state == WaitingListEntry.State.WAITING
    assert [m.to for m in mail.outbox] == [[first.email]]
    assert _taken(moment) == 1


def test_newcomers_join_the_list_while_others_wait():
    moment = start_moment_for_sale(seats=1)
    enrolling.waiting_list_join(user=learner(), start_moment=moment)
    with pytest.raises(seats.StartMomentFull):
        enrolling.enrolment_start(user=learner(), start_moment=moment)


def test_deleting_an_account_frees_held_seats_and_keeps_bought_places():
    from portal.web.account_data import user_data_export, user_delete

    held_moment, bought_moment = (
        start_moment_for_sale(),
        start_moment_for_sale(duo_loan_eligible=True),
    )
    user = learner()
    held = enrolling.enrolment_start(user=user, start_moment=held_moment)
    bought = enrolling.enrolment_start(user=user, start_moment=bought_moment)
    enrolling.duo_loan_choose(enrolment=bought, declaration="DUO")
    exported = user_data_export(user=user)
    assert {row["reference"] for row in exported["enrolments"]} == {
        held.reference,
        bought.reference,
    }
    user_delete(user=user)
    held.refresh_from_db()
    bought.refresh_from_db()
    assert (held.state, held.user_id) == (Enrolment.State.EXPIRED, None)
    assert (bought.state, bought.user_id) == (Enrolment.State.CONFIRMED, None)
    assert _taken(held_moment) == 0
    assert _taken(bought_moment) == 1


def test_deleting_an_account_offers_its_held_seat_to_the_waiting_list(
    django_capture_on_commit_callbacks,
):
    from portal.web.account_data import user_delete

    moment = start_moment_for_sale(seats=1)
    user, waiting = learner(), learner()
    held = enrolling.enrolment_start(user=user, start_moment=moment)
    enrolling.waiting_list_join(user=waiting, start_moment=moment)
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=user)
    last = held.transitions.order_by("pk").last()
    assert (last.from_state, last.to_state, last.reason) == (
        Enrolment.State.HELD,
        Enrolment.State.EXPIRED,
        "account deleted",
    )
    offered = Enrolment.objects.get(user=waiting, start_moment=moment)
    assert offered.state == Enrolment.State.HELD
    assert WaitingListEntry.objects.get(user=waiting).state == WaitingListEntry.State.OFFERED
    assert [waiting.email] in [message.to for message in mail.outbox]
    assert _taken(moment) == 1


@pytest.mark.parametrize(
    ("offering_live", "provider_active"), [(False, True), (True, False)], ids=["draft", "closed"]
)
def test_a_course_that_is_not_public_cannot_be_bought(offering_live, provider_active):
    moment = start_moment_for_sale(live=offering_live)
    moment.offering.provider.is_active = provider_active
    moment.offering.provider.save()
    moment = StartMoment.objects.select_related("offering__provider").get(pk=moment.pk)
    assert rules.sale_refusal(moment) == "This course is not offered at the moment."
    with pytest.raises(enrolling.EnrolmentRefused, match="not offered at the moment"):
        enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert _taken(moment) == 0


def test_the_periodic_command_expires_lapsed_holds(capsys):
    from django.core.management import call_command

    moment = start_moment_for_sale(seats=1)
    enrolment = held_enrolment(moment)
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=timezone.now())
    call_command("enrolments_expire_holds")
    assert "1 hold(s) expired" in capsys.readouterr().out
    assert _taken(moment) == 0
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.EXPIRED


def test_waiting_list_positions_count_from_the_front_of_each_line():
    first_moment, second_moment = start_moment_for_sale(seats=1), start_moment_for_sale(seats=1)
    held_enrolment(first_moment)
    held_enrolment(second_moment)
    ahead, behind, elsewhere = learner(), learner(), learner()
    entries = [
        enrolling.waiting_list_join(user=ahead, start_moment=first_moment),
        enrolling.waiting_list_join(user=behind, start_moment=first_moment),
        enrolling.waiting_list_join(user=elsewhere, start_moment=second_moment),
    ]
    positions = enrolling.waiting_list_positions(entries)
    assert [positions[entry.pk] for entry in entries] == [1, 2, 1]
    assert [enrolling.waiting_list_position(entry) for entry in entries] == [1, 2, 1]
    enrolling.waiting_list_leave(entry=entries[0])
    assert enrolling.waiting_list_positions(entries[1:])[entries[1].pk] == 1


def test_a_course_is_sold_online_whatever_its_dates_but_a_closed_start_date_is_not():
    moment = start_moment_for_sale(starts_in_days=1)
    moment = StartMoment.objects.select_related("offering__provider").get(pk=moment.pk)
    today = moment.starts_on  # no deadline: enrolment closed the day before the start
    assert rules.offering_sale_refusal(moment.offering) is None
    assert rules.sale_refusal(moment, today=today) == "Enrolment for this start date has closed."
    moment.offering.price_cents = None
    assert "has not set a price" in rules.offering_sale_refusal(moment.offering)
    assert "has not set a price" in rules.sale_refusal(moment, today=today)
