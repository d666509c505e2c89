"""The learner's enrolment pages: enrolling, paying, the DUO loan, cancelling, my courses."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.models import Role
from portal.enrolments import enrolling
from portal.enrolments.forms import DUO_DECLARATION
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import ConnectedAccount, Payment
from providers import seats
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import (
    held_enrolment,
    learner,
    start_moment_for_sale,
)
from tests.portal.factories import UserFactory, provider_staff

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page without the ``<bdi>`` isolation around values (right-to-left support)."""
    return re.sub(r"</?bdi[^>]*>", "", response.content.decode())


def url(name: str, **kwargs) -> str:
    """The English URL, so the pages' texts can be asserted before translation."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def detail_url(enrolment: Enrolment) -> str:
    return url("enrolment_detail", reference=enrolment.reference)


def taken(moment: StartMoment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


def state(enrolment: Enrolment) -> str:
    return Enrolment.objects.get(pk=enrolment.pk).state


def paid_online(enrolment: Enrolment, *, paid_at=None) -> Payment:
    """Mark ``enrolment`` confirmed and paid online, as the webhook would."""
    Enrolment.objects.filter(pk=enrolment.pk).update(
        state=Enrolment.State.CONFIRMED,
        payment_method=Enrolment.PaymentMethod.STRIPE,
        hold_expires_at=None,
        confirmed_at=timezone.now(),
    )
    SeatClaim.objects.filter(pk=enrolment.seat_claim_id).update(expires_at=None)
    return Payment.objects.create(
        enrolment=enrolment,
        attempt=enrolment.payments.count() + 1,
        checkout_session_id=f"cs_test_paid_{enrolment.pk}",
        checkout_url="https://checkout.example/pay",
        payment_intent_id=f"pi_test_{enrolment.pk}",
        amount_cents=enrolment.price_cents,
        destination_account="acct_test",
        status=Payment.Status.PAID,
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
        paid_at=paid_at or timezone.now(),
    )


@pytest.fixture
def moment():
    return start_moment_for_sale(seats=2, price_cents=125_000)


@pytest.fixture
def person():
    return learner()


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def enrolment(moment, person):
    return held_enrolment(moment, user=person)


# --- Who may --------------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in_and_come_back(client, moment, site_pages):
    response = client.get(url("my_courses"))
    assert response.status_code == 302
    assert urlsplit(response.url).path == "/en/accounts/login/"
    assert parse_qs(urlsplit(response.url).query)["next"] == ["/en/mijn-cursussen/"]

    # A POST from a (cached) page comes back to the start date it chose (tests/web/
    # test_after_login.py: there the seat is taken once logged in), holding nothing meanwhile.
    response = client.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query)["next"] == [f"/en/inschrijven/{moment.pk}/"]
    assert not Enrolment.objects.exists()

    reference_page = client.get(url("enrolment_detail", reference="RW-ANYTHING"))
    assert reference_page.status_code == 302


def test_visitors_without_a_csrf_cookie_still_reach_the_login(moment, site_pages):
    """The cached offering page's forms carry no token for visitors: no 403 for them."""
    strict = Client(enforce_csrf_checks=True)
    for name in ("enrolment_start", "waiting_list_join"):
        response = strict.post(url(name, start_moment_id=moment.pk))
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_a_post_without_a_valid_token_acts_on_nothing_and_asks_again(moment, person):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    response = strict.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 200
    assert "Enrol on this start date?" in text(response)
    assert 'name="csrfmiddlewaretoken"' in text(response)
    assert not Enrolment.objects.exists()
    assert taken(moment) == 0


def test_a_start_dates_address_asks_first_and_takes_nothing_on_its_own(signed_in, moment):
    """Opening the address (a bookmark, Back) asks "Enrol on this start date?" with a form."""
    for name, question in (
        ("enrolment_start", "Enrol on this start date?"),
        ("waiting_list_join", "Join the waiting list?"),
    ):
        response = signed_in.get(url(name, start_moment_id=moment.pk))
        assert response.status_code == 200
        assert question in text(response)
        assert 'name="csrfmiddlewaretoken"' in text(response)
    assert not Enrolment.objects.exists()
    assert not WaitingListEntry.objects.exists()
    assert taken(moment) == 0
    assert signed_in.put(url("enrolment_start", start_moment_id=moment.pk)).status_code == 405


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.CONTRACT_MANAGER, Role.SITE_EDITOR])
def test_other_roles_are_told_that_enrolling_is_for_learners(client, moment, role):
    client.force_login(UserFactory(role=role))
    response = client.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 403
    assert "Only for learners' accounts" in text(response)
    assert client.get(url("my_courses")).status_code == 403
    assert not Enrolment.objects.exists()


def test_provider_staff_cannot_see_a_learners_enrolment_of_their_course(client, enrolment):
    client.force_login(provider_staff(enrolment.start_moment.offering.provider))
    assert client.get(detail_url(enrolment)).status_code == 403


def test_another_learners_reference_is_not_found_on_every_page(client, enrolment):
    paid_online(enrolment)
    client.force_login(learner())
    reference = enrolment.reference
    for name in ("enrolment_detail", "enrolment_cancel", "enrolment_receipt"):
        assert client.get(url(name, reference=reference)).status_code == 404, name
    response = client.get(url("enrolment_payment_return", reference=reference) + "?session_id=x")
    assert response.status_code == 404
    for name in ("enrolment_pay", "enrolment_duo", "enrolment_cancel"):
        response = client.post(url(name, reference=reference), {"declaration": "on"})
        assert response.status_code == 404, name
        assert enrolment.offering_title not in text(response)
    assert state(enrolment) == Enrolment.State.CONFIRMED


def test_an_unknown_start_moment_is_not_found(signed_in):
    assert signed_in.post(url("enrolment_start", start_moment_id=999999)).status_code == 404


# --- Enrolling ------------------------------------------------------------------------------


def test_enrolling_holds_a_seat_and_shows_what_is_bought(signed_in, moment, person, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    response = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    enrolment = Enrolment.objects.get(user=person)
    assert response.status_code == 302
    assert response.url == detail_url(enrolment)
    assert taken(moment) == 1

    page = text(signed_in.get(response.url))
    local_hold = timezone.localtime(enrolment.hold_expires_at)
    # A hold that runs past midnight names its day as well (the test may run at 23:50).
    if local_hold.date() == timezone.localdate():
        until = f"We hold your seat until {local_hold:%H:%M}."
    else:
        until = f"We hold your seat until {local_hold.day} {local_hold:%B %Y}, {local_hold:%H:%M}."
    for expected in [
        enrolment.offering_title,
        enrolment.provider_name,
        enrolment.location_text,
        "€\u00a01,250",
        "exam costs",
        enrolment.reference,
        "Seat held",
        until,
        "Within 14 days of enrolling and before the start you can cancel for a full refund.",
        "Pay online (iDEAL | Wero, card, Bancontact)",
        "Give up this place",
    ]:
        assert expected in page, expected


@pytest.mark.parametrize("days_ahead", [0, 1])
def test_the_hold_names_its_day_only_when_it_ends_on_another_day(signed_in, enrolment, days_ahead):
    today = timezone.localdate()
    ends = timezone.make_aware(
        datetime.datetime.combine(
            today + datetime.timedelta(days=days_ahead), datetime.time(23, 59)
        )
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=ends)
    page = text(signed_in.get(detail_url(enrolment)))
    if days_ahead == 0:
        assert "We hold your seat until 23:59." in page
    else:
        assert f"We hold your seat until {ends.day} {ends:%B %Y}, 23:59." in page


def test_enrolling_twice_leads_to_the_same_enrolment(signed_in, moment, person):
    first = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    second = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    assert first.url == second.url
    assert Enrolment.objects.filter(user=person).count() == 1


def test_a_full_start_date_offers_the_waiting_list(signed_in, person):
    moment = start_moment_for_sale(seats=1)
    held_enrolment(moment)
    response = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 200
    page = text(response)
    assert "This start date is full" in page
    assert f'action="{url("waiting_list_join", start_moment_id=moment.pk)}"' in page
    assert not Enrolment.objects.filter(user=person).exists()

    response = signed_in.post(url("waiting_list_join", start_moment_id=moment.pk), follow=True)
    assert "You are on the waiting list" in text(response)
    assert "You are number 1." in text(response)
    entry = WaitingListEntry.objects.get(user=person)
    assert entry.state == WaitingListEntry.State.WAITING
    assert "Number 1" in text(response)  # my courses

    response = signed_in.post(url("waiting_list_leave", entry_id=entry.pk), follow=True)
    assert "You have left the waiting list" in text(response)
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.LEFT


@pytest.mark.django_db(transaction=True)  # on_commit runs at once, as in production
def test_joining_a_list_when_a_seat_has_come_free_holds_it_at_once(signed_in, person):
    moment = start_moment_for_sale(seats=1)
    lapsed = held_enrolment(moment)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Enrolment.objects.filter(pk=lapsed.pk).update(hold_expires_at=past)
    SeatClaim.objects.filter(pk=lapsed.seat_claim_id).update(expires_at=past)
    response = signed_in.post(url("waiting_list_join", start_moment_id=moment.pk))
    offered = Enrolment.objects.get(user=person)
    assert response.url == detail_url(offered)
    assert offered.state == Enrolment.State.HELD


def test_leaving_somebody_elses_waiting_list_place_is_not_found(signed_in):
    moment = start_moment_for_sale(seats=1)
    held_enrolment(moment)
    entry = enrolling.waiting_list_join(user=learner(), start_moment=moment)
    assert signed_in.post(url("waiting_list_leave", entry_id=entry.pk)).status_code == 404
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.WAITING


def test_a_course_without_a_price_is_refused_with_its_reason(signed_in):
    moment = start_moment_for_sale(price_cents=None)
    response = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 409
    assert "the provider has not set a price" in text(response)
    assert not Enrolment.objects.exists()


def test_a_lapsed_hold_expires_when_the_learner_looks(signed_in, enrolment, moment):
    Enrolment.objects.filter(pk=enrolment.pk).update(
        hold_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = text(signed_in.get(detail_url(enrolment)))
    assert "Your hold has expired" in page
    assert state(enrolment) == Enrolment.State.EXPIRED
    assert taken(moment) == 0
    assert "Pay online" not in page


# --- Paying with the DUO loan ---------------------------------------------------------------


@pytest.fixture
def duo_enrolment(person):
    return held_enrolment(start_moment_for_sale(duo_loan_eligible=True), user=person)


def test_the_duo_loan_needs_the_declaration(signed_in, duo_enrolment):
    assert "Pay with your DUO loan" in text(signed_in.get(detail_url(duo_enrolment)))
    response = signed_in.post(url("enrolment_duo", reference=duo_enrolment.reference), {})
    assert response.status_code == 400
    page = text(response)
    assert "Tick the box to declare that you pay with your DUO loan." in page
    assert 'aria-invalid="true" aria-describedby="id_declaration_error"' in page
    assert state(duo_enrolment) == Enrolment.State.HELD


def test_the_duo_loan_confirms_the_place_with_the_declaration_stored(signed_in, duo_enrolment):
    response = signed_in.post(
        url("enrolment_duo", reference=duo_enrolment.reference), {"declaration": "on"}, follow=True
    )
    assert "Your place is confirmed" in text(response)
    duo_enrolment.refresh_from_db()
    assert duo_enrolment.state == Enrolment.State.CONFIRMED
    assert duo_enrolment.payment_method == Enrolment.PaymentMethod.DUO_LOAN
    assert duo_enrolment.duo_declaration == str(DUO_DECLARATION)
    assert "lening inburgering" in duo_enrolment.duo_declaration


def _seat_gone_while_still_held(enrolment: Enrolment) -> None:
    """The hold's seat went back and somebody else took it, while the place still reads as held
    (the moment before the clean-up marks it lapsed)."""
    seats.seat_release(enrolment.seat_claim)
    seats.seat_take(start_moment_id=enrolment.start_moment_id, purpose=SeatClaim.Purpose.PLACEMENT)


def test_the_duo_loan_after_the_seat_went_says_the_start_date_is_full(signed_in, person):
    moment = start_moment_for_sale(seats=1, duo_loan_eligible=True)
    duo_enrolment = held_enrolment(moment, user=person)
    _seat_gone_while_still_held(duo_enrolment)
    response = signed_in.post(
        url("enrolment_duo", reference=duo_enrolment.reference), {"declaration": "on"}, follow=True
    )
    assert "This start date is full. You can join the waiting list." in text(response)
    assert state(duo_enrolment) == Enrolment.State.HELD
    assert taken(moment) == 1


def test_courses_without_the_duo_loan_offer_no_duo_form(signed_in, enrolment):
    page = text(signed_in.get(detail_url(enrolment)))
    assert "Pay with your DUO loan" not in page
    response = signed_in.post(
        url("enrolment_duo", reference=enrolment.reference), {"declaration": "on"}, follow=True
    )
    assert "cannot be paid with a DUO loan" in text(response)
    assert state(enrolment) == Enrolment.State.HELD


# --- Cancelling -----------------------------------------------------------------------------


def test_the_cancel_page_quotes_a_full_refund_within_the_cooling_off_period(signed_in, enrolment):
    paid_online(enrolment)
    page = text(signed_in.get(url("enrolment_cancel", reference=enrolment.reference)))
    assert "You get a full refund of €\u00a01,250." in page
    assert "within 14 days of enrolling and before the start" in page
    assert "Yes, cancel my enrolment" in page


def test_the_enrolment_page_names_the_last_day_of_the_cooling_off_period(signed_in, enrolment):
    """Enrolled at 23:30 on 2 March in the Netherlands (22:30 UTC): the learner may cancel for a
    full refund until the end of 16 March, the 14th day after (art. 6:230o BW)."""
    paid_online(enrolment)
    enrolled = datetime.datetime(2026, 3, 2, 22, 30, tzinfo=datetime.UTC)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=enrolled)
    page = text(signed_in.get(url("enrolment_detail", reference=enrolment.reference)))
    assert "For this enrolment that is until the end of 16 March 2026," in page


def test_the_cancel_page_quotes_no_refund_after_the_cooling_off_period(signed_in, enrolment):
    paid_online(enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    page = text(signed_in.get(url("enrolment_cancel", reference=enrolment.reference)))
    assert "You get no refund under the provider's terms" in page
    assert "full refund of" not in page


def test_the_cancel_page_quotes_the_providers_late_refund(signed_in, enrolment):
    paid_online(enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20), late_refund_percent=50
    )
    page = text(signed_in.get(url("enrolment_cancel", reference=enrolment.reference)))
    assert "You get €\u00a0625 back under the provider's terms" in page


def test_cancelling_frees_the_seat(signed_in, enrolment, moment):
    assert taken(moment) == 1
    page = text(signed_in.get(url("enrolment_cancel", reference=enrolment.reference)))
    assert "You have not paid anything, so there is nothing to refund." in page
    assert state(enrolment) == Enrolment.State.HELD  # looking changes nothing

    response = signed_in.post(url("enrolment_cancel", reference=enrolment.reference), follow=True)
    assert "Your enrolment is cancelled" in text(response)
    assert state(enrolment) == Enrolment.State.CANCELLED
    assert taken(moment) == 0


def test_a_duo_cancellation_says_duo_is_told(signed_in, duo_enrolment):
    enrolling.duo_loan_choose(enrolment=duo_enrolment, declaration="yes")
    page = text(signed_in.get(url("enrolment_cancel", reference=duo_enrolment.reference)))
    assert "DUO will be told" in page
    cancel_url = url("enrolment_cancel", reference=duo_enrolment.reference)
    response = signed_in.post(cancel_url, follow=True)
    assert "Your enrolment is cancelled. DUO will be told." in text(response)


def test_an_enrolment_that_cannot_be_cancelled_shows_why_and_no_button(signed_in, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(state=Enrolment.State.EXPIRED)
    page = text(signed_in.get(url("enrolment_cancel", reference=enrolment.reference)))
    assert "This enrolment can no longer be cancelled." in page
    assert "Yes, cancel my enrolment" not in page
    signed_in.post(url("enrolment_cancel", reference=enrolment.reference))
    assert state(enrolment) == Enrolment.State.EXPIRED


# --- Coming back from Stripe, the receipt ---------------------------------------------------


def test_the_return_from_checkout_never_confirms(signed_in, enrolment, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    Payment.objects.create(
        enrolment=enrolment,
        checkout_session_id="cs_test_return",
        checkout_url="https://checkout.example/pay",
        amount_cents=enrolment.price_cents,
        destination_account="acct_test",
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    response = signed_in.get(
        url("enrolment_payment_return", reference=enrolment.reference)
        + "?session_id=cs_test_return"
    )
    page = text(response)
    assert response.status_code == 200
    assert "We are processing your payment" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "Test payments: no real money is charged." in page
    assert state(enrolment) == Enrolment.State.HELD
    assert Payment.objects.get(checkout_session_id="cs_test_return").status == Payment.Status.OPEN

    paid_online(enrolment)
    page = text(signed_in.get(url("enrolment_payment_return", reference=enrolment.reference)))
    assert "Your place is confirmed" in page
    assert "http-equiv" not in page


def test_the_receipt_is_only_for_places_paid_online(signed_in, enrolment):
    assert signed_in.get(url("enrolment_receipt", reference=enrolment.reference)).status_code == 404
    paid_at = timezone.make_aware(datetime.datetime(2026, 3, 2, 14, 5))
    paid_online(enrolment, paid_at=paid_at)
    response = signed_in.get(url("enrolment_receipt", reference=enrolment.reference))
    assert response.status_code == 200
    page = text(response)
    for expected in [
        enrolment.reference,
        "2 March 2026, 14:05",
        enrolment.provider_name,
        enrolment.offering_title,
        "€\u00a01,250",
    ]:
        assert expected in page, expected
    detail = text(signed_in.get(detail_url(enrolment)))
    assert "Your place is confirmed" in detail
    assert url("enrolment_receipt", reference=enrolment.reference) in detail


def test_a_duo_place_has_no_receipt(signed_in, duo_enrolment):
    enrolling.duo_loan_choose(enrolment=duo_enrolment, declaration="yes")
    response = signed_in.get(url("enrolment_receipt", reference=duo_enrolment.reference))
    assert response.status_code == 404


# --- My courses -----------------------------------------------------------------------------


def test_my_courses_without_enrolments_points_to_the_catalogue(signed_in, site_pages):
    page = text(signed_in.get(url("my_courses")))
    assert "You have not enrolled on a course yet" in page
    assert 'href="/en/aanbod/"' in page


def test_my_courses_lists_enrolments_newest_first_and_waiting_lists(signed_in, person, site_pages):
    older = held_enrolment(start_moment_for_sale(), user=person)
    Enrolment.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    newer = held_enrolment(start_moment_for_sale(), user=person)
    paid_online(newer)
    someone_elses = held_enrolment(start_moment_for_sale())
    full = start_moment_for_sale(seats=1)
    held_enrolment(full)
    enrolling.waiting_list_join(user=learner(), start_moment=full)
    enrolling.waiting_list_join(user=person, start_moment=full)

    page = text(signed_in.get(url("my_courses")))
    assert page.index(newer.reference) < page.index(older.reference)
    assert someone_elses.reference not in page
    assert "Confirmed" in page
    assert url("enrolment_receipt", reference=newer.reference) in page
    assert url("enrolment_receipt", reference=older.reference) not in page
    assert f"/en/aanbod/cursus/{newer.start_moment.offering_id}/" in page
    assert "Your waiting lists" in page
    assert "Number 2" in page
    assert "Leave" in page


@pytest.mark.parametrize("count", [1, 8])
def test_my_courses_takes_the_same_queries_however_many_enrolments(
    client, site_pages, django_assert_max_num_queries, count
):
    # A learner who reads English already (their first English page would save that: one UPDATE).
    person = learner(language="en")
    for _ in range(count):
        paid_online(held_enrolment(start_moment_for_sale(), user=person))
        full = start_moment_for_sale(seats=1)
        held_enrolment(full)
        enrolling.waiting_list_join(user=person, start_moment=full)
    client.force_login(person)
    # Session, user, menu and permissions take 7; whether the account has advice (its tab) 1; the
    # catalogue link 3; the enrolments 2 (count and page); the waiting list 1 and the positions in
    # its lines 1.
    with django_assert_max_num_queries(14):
        response = client.get(url("my_courses"))
    assert text(response).count("Confirmed") == count
    assert len(response.context["waiting_list_entries"]) == count


def test_my_courses_is_paginated(signed_in, person):
    moment = start_moment_for_sale(seats=30)
    for _ in range(21):
        enrolment = held_enrolment(moment, user=person)
        Enrolment.objects.filter(pk=enrolment.pk).update(state=Enrolment.State.CANCELLED)
    first = signed_in.get(url("my_courses"))
    assert len(first.context["enrolments"]) == 20
    assert 'rel="next"' in text(first)
    assert len(signed_in.get(url("my_courses") + "?page=2").context["enrolments"]) == 1


# --- The offering page ----------------------------------------------------------------------


def test_the_offering_page_has_enrol_and_waiting_list_buttons_for_everybody(client, site_pages):
    free = start_moment_for_sale(seats=3)
    full = StartMoment.objects.create(
        offering=free.offering,
        location=free.location,
        starts_on=free.starts_on + datetime.timedelta(days=7),
        ends_on=free.ends_on,
        seats=2,
        seats_taken=2,
    )
    page_url = f"/en/aanbod/cursus/{free.offering_id}/"
    response = client.get(page_url)
    page = text(response)
    assert response["X-Page-Cache"] == "miss"
    assert f'action="{url("enrolment_start", start_moment_id=free.pk)}"' in page
    assert f'action="{url("waiting_list_join", start_moment_id=full.pk)}"' in page
    assert "Join the waiting list" in page
    assert "csrfmiddlewaretoken" not in page  # no per-visitor content on the cached page
    assert client.get(page_url)["X-Page-Cache"] == "hit"


def test_the_offering_page_says_when_a_course_is_not_for_sale_online(client, site_pages):
    moment = start_moment_for_sale(price_cents=None)
    page = text(client.get(f"/en/aanbod/cursus/{moment.offering_id}/"))
    assert "Not for sale online." in page
    assert "the provider has not set a price" in page
    assert url("enrolment_start", start_moment_id=moment.pk) not in page


def test_a_signed_in_learner_enrols_from_the_offering_page_in_one_click(person, site_pages):
    moment = start_moment_for_sale()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    page = text(strict.get(f"/en/aanbod/cursus/{moment.offering_id}/"))
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(
        url("enrolment_start", start_moment_id=moment.pk), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(user=person, state=Enrolment.State.HELD).exists()


# --- Paying online (the Stripe stand-in) ----------------------------------------------------


@pytest.fixture
def standin_moment(stripe_standin):
    moment = start_moment_for_sale(seats=2, connected=False)
    account = stripe_standin.create_account(onboarded=True)
    ConnectedAccount.objects.create(
        provider=moment.offering.provider,
        stripe_account_id=account["id"],
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    return moment


def test_paying_online_opens_checkout_and_keeps_the_seat_meanwhile(
    signed_in, person, standin_moment, stripe_standin
):
    enrolment = held_enrolment(standin_moment, user=person)
    page = text(signed_in.get(detail_url(enrolment)))
    assert "Test payments: no real money is charged." in page

    response = signed_in.post(url("enrolment_pay", reference=enrolment.reference))
    assert response.status_code == 303
    payment = Payment.objects.get(enrolment=enrolment)
    assert payment.status == Payment.Status.OPEN
    assert response.url == payment.checkout_url
    assert payment.checkout_url.startswith(stripe_standin.base_url)
    assert payment.expires_at >= timezone.now() + datetime.timedelta(minutes=30)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.HELD
    assert enrolment.hold_expires_at == payment.expires_at
    assert SeatClaim.objects.get(pk=enrolment.seat_claim_id).expires_at == payment.expires_at

    session = stripe_standin.session(payment.checkout_session_id)
    assert session["success_url"] == (
        "http://testserver"
        + url("enrolment_payment_return", reference=enrolment.reference)
        + "?session_id={CHECKOUT_SESSION_ID}"
    )
    assert session["cancel_url"] == "http://testserver" + detail_url(enrolment)

    again = signed_in.post(url("enrolment_pay", reference=enrolment.reference))
    assert again.status_code == 303
    assert again.url == payment.checkout_url
    assert Payment.objects.filter(enrolment=enrolment).count() == 1
    assert len(stripe_standin.sessions) == 1
    assert "Continue paying online" in text(signed_in.get(detail_url(enrolment)))


def test_paying_after_the_seat_went_says_the_start_date_is_full_and_closes_checkout(
    signed_in, person, stripe_standin
):
    moment = start_moment_for_sale(seats=1, connected=False)
    account = stripe_standin.create_account(onboarded=True)
    ConnectedAccount.objects.create(
        provider=moment.offering.provider,
        stripe_account_id=account["id"],
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    enrolment = held_enrolment(moment, user=person)
    _seat_gone_while_still_held(enrolment)
    response = signed_in.post(url("enrolment_pay", reference=enrolment.reference), follow=True)
    assert "This start date is full. You can join the waiting list." in text(response)
    payment = Payment.objects.get(enrolment=enrolment)
    assert stripe_standin.session(payment.checkout_session_id)["status"] == "expired"
    assert state(enrolment) == Enrolment.State.HELD
    assert taken(moment) == 1


def test_a_provider_without_a_ready_account_cannot_be_paid_online(
    signed_in, person, stripe_standin
):
    moment = start_moment_for_sale(connected=False)
    enrolment = held_enrolment(moment, user=person)
    page = text(signed_in.get(detail_url(enrolment)))
    assert "This provider cannot take online payments yet." in page
    assert url("enrolment_pay", reference=enrolment.reference) not in page

    response = signed_in.post(url("enrolment_pay", reference=enrolment.reference), follow=True)
    assert "This provider cannot take online payments yet." in text(response)
    assert not Payment.objects.exists()
    assert not stripe_standin.sessions
    assert state(enrolment) == Enrolment.State.HELD


def test_without_stripe_keys_online_payment_is_not_offered(signed_in, enrolment, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    page = text(signed_in.get(detail_url(enrolment)))
    assert "This provider cannot take online payments yet." in page
    assert "Test payments" not in page
    response = signed_in.post(url("enrolment_pay", reference=enrolment.reference), follow=True)
    assert "Online payment is not available just now" in text(response)
    assert not Payment.objects.exists()


def test_a_confirmed_place_cannot_be_paid_again(signed_in, enrolment, stripe_standin):
    paid_online(enrolment)
    response = signed_in.post(url("enrolment_pay", reference=enrolment.reference), follow=True)
    assert "no longer waiting for a payment" in text(response)
    assert Payment.objects.filter(enrolment=enrolment).count() == 1


def test_the_pages_answer_in_dutch_at_the_default_addresses(signed_in, enrolment, site_pages):
    with translation.override("nl"):
        paths = [
            reverse("my_courses"),
            reverse("enrolment_detail", kwargs={"reference": enrolment.reference}),
            reverse("enrolment_cancel", kwargs={"reference": enrolment.reference}),
        ]
    for path in paths:
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert '<html lang="nl" dir="ltr">' in text(response)
    assert 'href="/aanbod/' in text(signed_in.get(paths[0]))
