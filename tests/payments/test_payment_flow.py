"""Paying, confirming, cancelling and refunding, with the real stripe client against the stand-in
and its signed webhooks delivered to the portal's endpoint."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from portal.enrolments import enrolling, rules
from portal.enrolments.models import Enrolment
from portal.payments import cancelling, checkout, refunds
from portal.payments.client import PaymentsUnavailable
from portal.payments.models import Payment, StripeEvent
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import learner, start_moment_for_sale
from tests.payments.helpers import checkout_open
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver_all(client, django_capture_on_commit_callbacks):
    """Deliver signed events to the webhook and run what they schedule after commit."""

    def deliver_events(events, expect=200):
        responses = []
        for event in events:
            with django_capture_on_commit_callbacks(execute=True):
                response = deliver(client, event)
            assert response.status_code == expect, response.content
            responses.append(response)
        return responses

    return deliver_events


_checkout = checkout_open


def _state(enrolment: Enrolment) -> str:
    return Enrolment.objects.get(pk=enrolment.pk).state


def _taken(moment: StartMoment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


def test_checkout_session_carries_the_enrolment_and_pays_the_provider(stripe_standin, moment):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    session = stripe_standin.session(payment.checkout_session_id)
    assert session["amount_total"] == 125_000
    assert session["currency"] == "eur"
    assert session["metadata"]["enrolment"] == enrolment.reference
    assert session["client_reference_id"] == enrolment.reference
    assert session["customer_email"] == enrolment.learner_email
    assert session["locale"] in {"nl", "en"}
    assert set(session["payment_method_types"]) == {"card", "ideal", "bancontact"}
    assert session["expires_at"] - time.time() >= 30 * 60
    request = [r for r in stripe_standin.requests if r.path == "/v1/checkout/sessions"][-1]
    assert request.params["payment_intent_data"]["transfer_data"]["destination"] == (
        moment.offering.provider.connected_account.stripe_account_id
    )
    assert payment.status == Payment.Status.OPEN
    assert payment.checkout_url.startswith(stripe_standin.base_url)


def _at(monkeypatch, moment: datetime.datetime) -> None:
    monkeypatch.setattr(checkout.timezone, "now", lambda: moment)


def _clock_start(enrolment: Enrolment) -> datetime.datetime:
    """10 s into a 5-minute step, early enough in the hold that Stripe's 30 minutes at least,
    counted from the clock, decide when the session ends."""
    near = enrolment.hold_expires_at - datetime.timedelta(minutes=10)
    return near.replace(minute=near.minute - near.minute % 5, second=10, microsecond=0)


@pytest.mark.parametrize("later", [0, 200])
def test_a_retried_checkout_attempt_creates_one_session_at_stripe(
    stripe_standin, moment, monkeypatch, later
):
    """The retry after our write was lost, seconds or minutes later, sends Stripe the same
    parameters under the same key."""
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    start = _clock_start(enrolment)
    _at(monkeypatch, start)
    first = _checkout(enrolment)
    Payment.objects.filter(pk=first.pk).delete()  # as if our write was lost after Stripe's answer
    _at(monkeypatch, start + datetime.timedelta(seconds=later))
    again = _checkout(enrolment)
    assert again.checkout_session_id == first.checkout_session_id
    assert len(stripe_standin.sessions) == 1


def test_a_retry_from_a_page_in_another_language_gets_a_session_instead_of_a_refusal(
    stripe_standin, moment
):
    """Stripe refuses a key it knows with other parameters (the words and Checkout's language
    follow the page for a learner who never chose one) for 24 hours: the learner could not pay."""
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    with translation.override("nl"):
        first = _checkout(enrolment)
    Payment.objects.filter(pk=first.pk).delete()
    with translation.override("en"):
        again = _checkout(enrolment)
    assert again.checkout_session_id != first.checkout_session_id
    assert stripe_standin.session(again.checkout_session_id)["locale"] == "en"


def test_a_retry_in_a_later_step_asks_for_a_new_session_instead_of_failing(
    stripe_standin, moment, monkeypatch
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    start = _clock_start(enrolment)
    _at(monkeypatch, start)
    first = _checkout(enrolment)
    Payment.objects.filter(pk=first.pk).delete()
    _at(monkeypatch, start + datetime.timedelta(minutes=6))
    again = _checkout(enrolment)
    assert again.checkout_session_id != first.checkout_session_id
    assert stripe_standin.session(again.checkout_session_id)["expires_at"] >= (
        (start + datetime.timedelta(minutes=6, seconds=30 * 60)).timestamp()
    )


def test_paying_confirms_only_when_the_verified_webhook_arrives(
    stripe_standin, moment, deliver_all
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    events = stripe_standin.pay(payment.checkout_session_id, "ideal")
    assert _state(enrolment) == Enrolment.State.HELD  # paying at Stripe alone confirms nothing
    deliver_all(events)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert enrolment.payment_method == Enrolment.PaymentMethod.STRIPE
    assert enrolment.seat_claim.expires_at is None
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.payment_intent_id.startswith("pi_")
    assert [m.to for m in mail.outbox] == [[enrolment.learner_email]]
    assert "confirmed" in mail.outbox[0].subject.lower() or "bevestigd" in mail.outbox[0].subject
    # The e-mail names the last day of the cooling-off period, in the learner's language.
    with translation.override(enrolment.language):
        last_day = date_format(rules.cooling_off_last_day(enrolment), "j F Y")
    assert last_day in mail.outbox[0].body


def test_a_replayed_event_acts_once(stripe_standin, moment, deliver_all):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    deliver_all([completed])
    [replayed] = stripe_standin.resend(completed.id)
    [response] = deliver_all([replayed])
    assert response.content == b"duplicate"
    assert StripeEvent.objects.filter(event_id=completed.id).count() == 1
    assert len(mail.outbox) == 1
    assert _taken(moment) == 1


def test_a_tampered_event_is_refused_and_changes_nothing(stripe_standin, moment, client):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    tampered = completed.payload.replace(b'"amount_total": 125000', b'"amount_total": 1')
    assert tampered != completed.payload
    response = client.post(
        "/payments/stripe/webhook/",
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=completed.signature,
    )
    assert response.status_code == 400
    assert _state(enrolment) == Enrolment.State.HELD
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    ("how", "status"),
    [("stale", 400), ("other secret", 400), ("no signature", 400)],
)
def test_stale_or_foreign_signatures_are_refused(stripe_standin, moment, client, how, status):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    if how == "stale":
        signed = stripe_standin.sign(completed.payload, timestamp=int(time.time()) - 600)
    elif how == "other secret":
        signed = stripe_standin.sign(completed.payload, secret="whsec_someone_else")
    else:
        signed = completed
    extra = {} if how == "no signature" else {"HTTP_STRIPE_SIGNATURE": signed.signature}
    response = client.post(
        "/payments/stripe/webhook/", data=signed.payload, content_type="application/json", **extra
    )
    assert response.status_code == status
    assert _state(enrolment) == Enrolment.State.HELD


def test_unknown_event_types_are_acknowledged_and_ignored(stripe_standin, client):
    event = {
        "id": "evt_unknown_1",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    response = deliver(client, stripe_standin.sign(event))
    assert response.status_code == 200
    assert response.content == b"ignored"
    assert not StripeEvent.objects.exists()


def test_an_expired_checkout_after_payment_changes_nothing(stripe_standin, moment, deliver_all):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    late_expiry = stripe_standin.sign(
        {
            "id": "evt_late_expiry",
            "object": "event",
            "type": "checkout.session.expired",
            "data": {"object": {**completed.data["data"]["object"], "status": "expired"}},
        }
    )
    deliver_all([completed, late_expiry])
    assert _state(enrolment) == Enrolment.State.CONFIRMED
    assert _taken(moment) == 1


def test_an_expired_checkout_frees_the_seat_once_the_hold_is_over(
    stripe_standin, moment, deliver_all
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=timezone.now())
    deliver_all(stripe_standin.expire(payment.checkout_session_id))
    assert _state(enrolment) == Enrolment.State.EXPIRED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.EXPIRED
    assert _taken(moment) == 0


def test_a_payment_after_the_hold_lapsed_and_the_seat_went_is_refunded_and_told(
    stripe_standin, moment, deliver_all
):
    StartMoment.objects.filter(pk=moment.pk).update(seats=1)
    late = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(late)
    past = timezone.now() - datetime.timedelta(minutes=1)
    SeatClaim.objects.filter(pk=late.seat_claim_id).update(expires_at=past)
    Enrolment.objects.filter(pk=late.pk).update(hold_expires_at=past)
    winner = enrolling.enrolment_start(user=learner(), start_moment=moment)
    assert _state(late) == Enrolment.State.EXPIRED

    deliver_all(stripe_standin.pay(payment.checkout_session_id))

    late.refresh_from_db()
    assert late.state == Enrolment.State.CANCELLED
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 125_000
    assert refund["transfer_reversal"]  # the provider's share is taken back too
    assert [m.to for m in mail.outbox] == [[late.learner_email]]
    assert "refund" in mail.outbox[0].body.lower() or "terug" in mail.outbox[0].body
    assert _state(winner) == Enrolment.State.HELD
    assert _taken(moment) == 1

    refunded = [e for e in stripe_standin.events if e.type == "charge.refunded"]
    deliver_all(stripe_standin.resend(refunded[0].id))
    late.refresh_from_db()
    assert late.state == Enrolment.State.REFUNDED
    assert late.refund_cents == 125_000


def test_a_payment_after_the_hold_lapsed_keeps_the_place_if_a_seat_is_free(
    stripe_standin, moment, deliver_all
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    SeatClaim.objects.filter(pk=enrolment.seat_claim_id).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    deliver_all(stripe_standin.pay(payment.checkout_session_id))
    assert _state(enrolment) == Enrolment.State.CONFIRMED
    assert not stripe_standin.refunds


def test_sepa_waits_for_the_async_event_and_keeps_the_seat(
    stripe_standin, moment, deliver_all, settings
):
    settings.STRIPE_SEPA_DEBIT = True
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    deliver_all(stripe_standin.pay(payment.checkout_session_id, "sepa_debit"))
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.AWAITING_PAYMENT
    assert enrolment.seat_claim.expires_at is None
    deliver_all(stripe_standin.async_succeed(payment.checkout_session_id))
    assert _state(enrolment) == Enrolment.State.CONFIRMED
    assert len(mail.outbox) == 2  # "processing", then "confirmed"


def test_a_failed_sepa_payment_frees_the_seat_and_tells_the_learner(
    stripe_standin, moment, deliver_all, settings
):
    settings.STRIPE_SEPA_DEBIT = True
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    deliver_all(stripe_standin.pay(payment.checkout_session_id, "sepa_debit"))
    deliver_all(stripe_standin.async_fail(payment.checkout_session_id))
    assert _state(enrolment) == Enrolment.State.EXPIRED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.FAILED
    assert _taken(moment) == 0
    assert len(mail.outbox) == 2


def test_a_provider_without_a_ready_account_cannot_sell_online(stripe_standin):
    moment = start_moment_for_sale(connected=False)
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    with pytest.raises(checkout.ProviderCannotSellOnline):
        _checkout(enrolment)
    assert not Payment.objects.exists()
    assert not stripe_standin.sessions


def test_stripe_unreachable_stores_nothing(stripe_standin, moment, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    with pytest.raises(PaymentsUnavailable):
        _checkout(enrolment)
    assert not Payment.objects.exists()


def _confirmed(stripe_standin, moment, deliver_all) -> Enrolment:
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    deliver_all(stripe_standin.pay(payment.checkout_session_id))
    enrolment.refresh_from_db()
    return enrolment


def test_cancelling_within_fourteen_days_refunds_in_full_and_frees_the_seat(
    stripe_standin, moment, deliver_all, django_capture_on_commit_callbacks
):
    enrolment = _confirmed(stripe_standin, moment, deliver_all)
    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)
    assert quote.full_refund
    assert quote.refund_cents == 125_000
    assert _state(enrolment) == Enrolment.State.CANCELLED
    assert _taken(moment) == 0
    [refund] = stripe_standin.refunds
    assert (refund["amount"], bool(refund["transfer_reversal"])) == (125_000, True)
    deliver_all(stripe_standin.deliver(stripe_standin.events[-1:]))
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REFUNDED
    assert enrolment.refund_cents == 125_000


def test_cancelling_after_fourteen_days_follows_the_providers_terms(
    stripe_standin, moment, deliver_all, django_capture_on_commit_callbacks
):
    enrolment = _confirmed(stripe_standin, moment, deliver_all)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=15)
    )
    enrolment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)
    assert (quote.full_refund, quote.refund_cents) == (False, 0)
    assert not stripe_standin.refunds
    assert _state(enrolment) == Enrolment.State.CANCELLED
    assert _taken(moment) == 0


def test_a_late_cancellation_refunds_the_providers_stated_share(
    stripe_standin, moment, deliver_all, django_capture_on_commit_callbacks
):
    enrolment = _confirmed(stripe_standin, moment, deliver_all)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20), late_refund_percent=40
    )
    enrolment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)
    assert quote.refund_cents == 50_000
    assert [r["amount"] for r in stripe_standin.refunds] == [50_000]


def test_a_refund_made_in_stripes_dashboard_ends_the_place(stripe_standin, moment, deliver_all):
    enrolment = _confirmed(stripe_standin, moment, deliver_all)
    payment = enrolment.payments.get()
    refunds.refund_create(payment=payment, amount_cents=125_000, reason="dashboard")
    deliver_all(stripe_standin.deliver(stripe_standin.events[-1:]))
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REFUNDED
    assert _taken(moment) == 0


def test_a_refund_event_overtaking_the_payment_event_still_ends_refunded(
    stripe_standin, moment, deliver_all
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    intent = completed.data["data"]["object"]["payment_intent"]
    Payment.objects.filter(pk=payment.pk).update(payment_intent_id=intent)
    refunds.refund_create(
        payment=Payment.objects.get(pk=payment.pk), amount_cents=125_000, reason="test"
    )
    Payment.objects.filter(pk=payment.pk).update(payment_intent_id="")
    [refunded] = stripe_standin.deliver(stripe_standin.events[-1:])
    deliver_all([refunded, completed])  # out of order
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REFUNDED
    assert _taken(moment) == 0
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


def test_a_refund_event_arriving_before_the_cancellation_is_saved_ends_refunded(
    stripe_standin, moment, client, deliver_all, monkeypatch, django_capture_on_commit_callbacks
):
    enrolment = _confirmed(stripe_standin, moment, deliver_all)
    real_refund = refunds.refund_create

    def refund_and_webhook_at_once(**kwargs):
        refund_id = real_refund(**kwargs)
        [refunded] = stripe_standin.deliver(stripe_standin.events[-1:])
        assert deliver(client, refunded).status_code == 200
        return refund_id

    monkeypatch.setattr(refunds, "refund_create", refund_and_webhook_at_once)
    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)
    assert quote.refund_cents == 125_000
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REFUNDED
    assert _taken(moment) == 0
    assert len(stripe_standin.refunds) == 1
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 3  # confirmed, refund made, cancelled


def test_the_platform_fee_and_the_learners_language_reach_checkout(
    stripe_standin, moment, settings
):
    from django.utils import translation

    settings.PLATFORM_FEE_BASIS_POINTS = 250  # 2.5 %
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    with translation.override("en"):
        payment = _checkout(enrolment)
    request = [r for r in stripe_standin.requests if r.path == "/v1/checkout/sessions"][-1]
    assert request.params["payment_intent_data"]["application_fee_amount"] == 3125
    assert request.params["locale"] == "en"
    assert payment.application_fee_cents == 3125
    assert request.idempotency_key.startswith(f"enrolment-{enrolment.pk}-attempt-1-")
