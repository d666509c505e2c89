"""One learner cannot hold every seat: at most ``ENROLMENT_MAX_ACTIVE_HOLDS`` held start dates at
a time (``rules.active_holds``, checked in ``enrolling.enrolment_start`` under the learner's lock),
and enrol attempts are rate limited per learner and per IP address (``ENROLMENT_RATE_LIMIT``)."""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portal.enrolments import enrolling, rules
from portal.enrolments.models import Enrolment, EnrolmentTransition, WaitingListEntry
from portal.payments.models import Payment
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import (
    connected_account,
    held_enrolment,
    learner,
    start_moment_for_sale,
)
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    """The default, spelled out: the tests count to it."""
    settings.ENROLMENT_MAX_ACTIVE_HOLDS = LIMIT


def text(response) -> str:
    return response.content.decode()


def url(name: str, **kwargs) -> str:
    """The English URL, so the pages' texts can be asserted before translation."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def enrol(client, moment: StartMoment):
    return client.post(url("enrolment_start", start_moment_id=moment.pk))


def taken(moment: StartMoment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


def expire(enrolment: Enrolment) -> None:
    """Let the hold's time pass, without the clock job having run."""
    past = timezone.now() - datetime.timedelta(minutes=1)
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=past)
    SeatClaim.objects.filter(pk=enrolment.seat_claim_id).update(expires_at=past)


@pytest.fixture
def person():
    return learner()


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def three_holds(signed_in, person) -> list[Enrolment]:
    """The learner holds seats on three start dates, each taken through the enrol POST."""
    for _ in range(LIMIT):
        assert enrol(signed_in, start_moment_for_sale()).status_code == 302
    return list(Enrolment.objects.filter(user=person).order_by("created_at", "pk"))


# --- The limit ------------------------------------------------------------------------------


def test_the_fourth_hold_is_refused_with_the_seats_held_and_nothing_written(
    signed_in, person, three_holds
):
    fourth = start_moment_for_sale()
    counts = (Enrolment.objects.count(), SeatClaim.objects.count())
    transitions = EnrolmentTransition.objects.count()

    response = enrol(signed_in, fourth)

    assert response.status_code == 409
    page = text(response)
    with translation.override("en"):
        first_end = date_format(timezone.localtime(three_holds[0].hold_expires_at), "j F, H:i")
    assert "You already hold seats on 3 start dates." in page
    assert "You can hold seats on at most 3 start dates at a time." in page
    assert (
        "To hold another seat, first pay for one of them or give it up, or wait until "
        f"{first_end}, when your first hold ends."
    ) in page
    for hold in three_holds:
        assert hold.offering_title in page
        assert url("enrolment_detail", reference=hold.reference) in page
        assert url("enrolment_cancel", reference=hold.reference) in page
    assert fourth.offering.title in page  # the start date they chose
    assert (Enrolment.objects.count(), SeatClaim.objects.count()) == counts
    assert EnrolmentTransition.objects.count() == transitions
    assert taken(fourth) == 0
    assert not Enrolment.objects.filter(start_moment=fourth).exists()


def test_at_the_limit_enrolling_again_on_a_held_date_leads_to_that_enrolment(
    signed_in, three_holds
):
    assert enrol(signed_in, start_moment_for_sale()).status_code == 409
    response = enrol(signed_in, three_holds[1].start_moment)
    assert response.status_code == 302
    assert response.url == url("enrolment_detail", reference=three_holds[1].reference)
    assert Enrolment.objects.count() == LIMIT


def test_a_hold_whose_time_has_passed_does_not_count(signed_in, person, three_holds):
    fourth = start_moment_for_sale()
    assert enrol(signed_in, fourth).status_code == 409
    expire(three_holds[0])  # the clock job has not run: the enrolment is still "held"
    response = enrol(signed_in, fourth)
    assert response.status_code == 302
    assert Enrolment.objects.get(user=person, start_moment=fourth).state == Enrolment.State.HELD
    assert taken(fourth) == 1


def test_cancelling_a_held_place_frees_a_slot(signed_in, person, three_holds):
    assert enrol(signed_in, start_moment_for_sale()).status_code == 409
    cancel = signed_in.post(url("enrolment_cancel", reference=three_holds[0].reference))
    assert cancel.status_code == 302
    assert Enrolment.objects.get(pk=three_holds[0].pk).state == Enrolment.State.CANCELLED
    assert enrol(signed_in, start_moment_for_sale()).status_code == 302
    assert rules.active_holds(user=person).count() == LIMIT


def test_choosing_the_duo_loan_frees_a_slot(signed_in, person, three_holds):
    duo = start_moment_for_sale(duo_loan_eligible=True)
    expire(three_holds[2])
    assert enrol(signed_in, duo).status_code == 302
    held = Enrolment.objects.get(user=person, start_moment=duo)
    assert enrol(signed_in, start_moment_for_sale()).status_code == 409

    response = signed_in.post(url("enrolment_duo", reference=held.reference), {"declaration": "on"})
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=held.pk).state == Enrolment.State.CONFIRMED
    assert enrol(signed_in, start_moment_for_sale()).status_code == 302


def test_paying_online_frees_a_slot(signed_in, person, stripe_standin):
    payable = start_moment_for_sale(connected=False)
    account = stripe_standin.create_account(onboarded=True)
    connected_account(payable.offering.provider, account_id=account["id"])
    for moment in (payable, start_moment_for_sale(), start_moment_for_sale()):
        assert enrol(signed_in, moment).status_code == 302
    held = Enrolment.objects.get(user=person, start_moment=payable)

    pay = signed_in.post(url("enrolment_pay", reference=held.reference))
    assert pay.status_code == 303
    assert enrol(signed_in, start_moment_for_sale()).status_code == 409  # paying is not paid
    payment = Payment.objects.get(enrolment=held)
    for event in stripe_standin.pay(payment.checkout_session_id, "ideal"):
        assert deliver(signed_in, event).status_code == 200

    assert Enrolment.objects.get(pk=held.pk).state == Enrolment.State.CONFIRMED
    assert enrol(signed_in, start_moment_for_sale()).status_code == 302


def test_a_place_awaiting_a_delayed_payment_counts_until_the_money_arrives(
    signed_in, person, three_holds
):
    for hold in three_holds:
        Enrolment.objects.filter(pk=hold.pk).update(
            state=Enrolment.State.AWAITING_PAYMENT, hold_expires_at=None
        )
    response = enrol(signed_in, start_moment_for_sale())
    assert response.status_code == 409
    page = text(response)
    assert "You already hold seats on 3 start dates." in page
    assert "Your payments are still being processed." in page
    assert "no longer counts once the payment has been confirmed" in page

    Enrolment.objects.filter(pk=three_holds[0].pk).update(state=Enrolment.State.CONFIRMED)
    assert enrol(signed_in, start_moment_for_sale()).status_code == 302


def test_the_limit_follows_the_setting(signed_in, person, settings):
    settings.ENROLMENT_MAX_ACTIVE_HOLDS = 1
    assert enrol(signed_in, start_moment_for_sale()).status_code == 302
    response = enrol(signed_in, start_moment_for_sale())
    assert response.status_code == 409
    assert "You already hold a seat on 1 start date." in text(response)
    assert "You can hold a seat on at most 1 start date at a time." in text(response)


# --- The waiting list -----------------------------------------------------------------------


def full_with_lapsed_hold() -> StartMoment:
    """A one-seat start date whose only seat is held by somebody else, that hold already lapsed."""
    moment = start_moment_for_sale(seats=1)
    expire(held_enrolment(moment))
    return moment


def test_a_seat_offered_from_the_waiting_list_counts_as_a_hold(signed_in, person):
    for _ in range(LIMIT - 1):
        assert enrol(signed_in, start_moment_for_sale()).status_code == 302
    moment = start_moment_for_sale(seats=1)
    holder = held_enrolment(moment)
    enrolling.waiting_list_join(user=person, start_moment=moment)
    expire(holder)
    [offered] = enrolling.waiting_list_offer(start_moment_id=moment.pk)
    assert offered.user == person

    response = enrol(signed_in, start_moment_for_sale())

    assert response.status_code == 409
    assert url("enrolment_detail", reference=offered.reference) in text(response)


def test_the_waiting_list_passes_over_a_learner_at_the_limit_who_keeps_their_place(
    person, three_holds
):
    moment = start_moment_for_sale(seats=1)
    holder = held_enrolment(moment)
    mine = enrolling.waiting_list_join(user=person, start_moment=moment)
    next_in_line = learner()
    enrolling.waiting_list_join(user=next_in_line, start_moment=moment)
    expire(holder)

    [offered] = enrolling.waiting_list_offer(start_moment_id=moment.pk)

    assert offered.user == next_in_line
    mine.refresh_from_db()
    assert mine.state == WaitingListEntry.State.WAITING
    assert enrolling.waiting_list_position(mine) == 1
    assert rules.active_holds(user=person).count() == LIMIT

    # Once they have room, the next freed seat reaches them (here through the clock job).
    expire(three_holds[0])
    expire(offered)
    enrolling.holds_expire()
    mine.refresh_from_db()
    assert mine.state == WaitingListEntry.State.OFFERED
    assert mine.enrolment.user == person


@pytest.mark.django_db(transaction=True)  # on_commit runs at once, as in production
def test_joining_a_list_with_a_free_seat_does_not_get_round_the_limit(signed_in, person):
    for _ in range(LIMIT):
        enrolling.enrolment_start(user=person, start_moment=start_moment_for_sale())
    moment = full_with_lapsed_hold()

    response = signed_in.post(url("waiting_list_join", start_moment_id=moment.pk), follow=True)

    page = text(response)
    assert "You are on the waiting list" in page
    assert "a seat that comes free here goes to the next person in line" in page
    assert not Enrolment.objects.filter(user=person, start_moment=moment).exists()
    assert rules.active_holds(user=person).count() == LIMIT


# --- Rate limit -----------------------------------------------------------------------------


def test_the_eleventh_attempt_in_ten_minutes_is_answered_429_and_does_nothing(
    signed_in, person, settings
):
    assert settings.ACCOUNT_RATE_LIMITS["enrolment"] == "10/10m/user,100/10m/ip"  # the default
    moments = [start_moment_for_sale() for _ in range(2)]
    for attempt in range(10):
        assert enrol(signed_in, moments[0]).status_code == 302, attempt

    response = enrol(signed_in, moments[1])

    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert "Please wait a few minutes, then try again." in text(response)
    assert not Enrolment.objects.filter(start_moment=moments[1]).exists()
    assert taken(moments[1]) == 0
    # Joining a waiting list is an attempt too.
    response = signed_in.post(url("waiting_list_join", start_moment_id=moments[1].pk))
    assert response.status_code == 429
    assert not WaitingListEntry.objects.exists()


def test_the_rate_limit_counts_per_ip_address_across_accounts(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "enrolment": "20/10m/user,2/10m/ip",
    }
    moment = start_moment_for_sale()
    for _ in range(2):
        client.force_login(learner())
        assert enrol(client, moment).status_code == 302
    client.force_login(learner())
    assert enrol(client, moment).status_code == 429
    other_address = client.post(
        url("enrolment_start", start_moment_id=moment.pk), REMOTE_ADDR="192.0.2.7"
    )
    assert other_address.status_code == 302
    assert taken(moment) == 3


# --- Real concurrency (PostgreSQL) ----------------------------------------------------------


def _race(actions):
    """Run every action at the same moment, each on its own connection; their outcomes."""
    barrier = threading.Barrier(len(actions))

    def attempt(action):
        try:
            barrier.wait(timeout=30)
            return action()
        except enrolling.HoldLimitReached:
            return "limit"
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return list(pool.map(attempt, actions))


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_enrolments_of_one_learner_end_with_exactly_the_limit():
    person = learner()
    moments = [start_moment_for_sale() for _ in range(8)]

    outcomes = _race(
        [
            lambda moment=moment: enrolling.enrolment_start(user=person, start_moment=moment)
            for moment in moments
        ]
    )

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    assert outcomes.count("limit") == 8 - LIMIT
    assert Enrolment.objects.filter(user=person, state=Enrolment.State.HELD).count() == LIMIT
    assert sum(taken(moment) for moment in moments) == LIMIT
    assert SeatClaim.objects.filter(released_at__isnull=True).count() == LIMIT


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_enrolments_and_waiting_list_offers_racing_for_one_learner_end_with_the_limit():
    person = learner()
    free = [start_moment_for_sale() for _ in range(4)]
    waited_for = [full_with_lapsed_hold() for _ in range(4)]
    for moment in waited_for:
        WaitingListEntry.objects.create(user=person, start_moment=moment)

    outcomes = _race(
        [
            *(
                lambda moment=moment: enrolling.enrolment_start(user=person, start_moment=moment)
                for moment in free
            ),
            *(
                lambda moment=moment: enrolling.waiting_list_offer(start_moment_id=moment.pk)
                for moment in waited_for
            ),
        ]
    )

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    assert rules.active_holds(user=person).count() == LIMIT
    assert (
        SeatClaim.objects.filter(enrolment__user=person, released_at__isnull=True).count() == LIMIT
    )
