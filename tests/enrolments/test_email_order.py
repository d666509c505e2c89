"""The learner's e-mails arrive in the order their texts promise.

The "cancelled" e-mail says "You get a second e-mail when the refund has been made", so the
"refunded" e-mail must come after it, whichever of the learner's cancellation and Stripe's
``charge.refunded`` event is saved first.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import cancelling, checkout, refunds
from tests.enrolments.factories import learner
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db


def _kinds(enrolment: Enrolment) -> list[str]:
    """The e-mails the learner got, by kind, in the order they were sent."""
    with translation.override(enrolment.language):
        kinds = {
            gettext("Your enrolment is cancelled"): "cancelled",
            gettext("Your refund has been made"): "refunded",
        }
        confirmed = gettext("Your place on %(course)s is confirmed") % {
            "course": enrolment.offering_title
        }
        kinds[confirmed] = "confirmed"
    return [kinds[message.subject.split("] ", 1)[1]] for message in mail.outbox]


def _confirmed_by_card(stripe_standin, moment, client, capture) -> Enrolment:
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = checkout.checkout_session_create(
        enrolment=enrolment,
        success_url="http://testserver/done?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/back",
        hold_until=enrolment.hold_expires_at,
    )
    for event in stripe_standin.pay(payment.checkout_session_id):
        with capture(execute=True):
            assert deliver(client, event).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    return enrolment


def _refund_event(stripe_standin):
    [refunded] = stripe_standin.deliver(stripe_standin.events[-1:])
    assert refunded.type == "charge.refunded"
    return refunded


def test_cancelling_with_a_card_refund_sends_cancelled_then_refunded(
    stripe_standin, moment, client, django_capture_on_commit_callbacks
):
    enrolment = _confirmed_by_card(
        stripe_standin, moment, client, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)
    assert quote.refund_cents == 125_000
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, _refund_event(stripe_standin)).status_code == 200

    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.REFUNDED
    assert _kinds(enrolment) == ["confirmed", "cancelled", "refunded"]


def test_a_refund_event_saved_before_the_cancellation_still_sends_cancelled_first(
    stripe_standin, moment, client, monkeypatch, django_capture_on_commit_callbacks
):
    """Stripe's event is handled and committed while the cancellation waits for Stripe."""
    enrolment = _confirmed_by_card(
        stripe_standin, moment, client, django_capture_on_commit_callbacks
    )
    real_refund = refunds.refund_create
    sent_by_the_event = []

    def refund_then_event_committed(**kwargs):
        refund_id = real_refund(**kwargs)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert deliver(client, _refund_event(stripe_standin)).status_code == 200
        sent_by_the_event.extend(callbacks)
        return refund_id

    monkeypatch.setattr(refunds, "refund_create", refund_then_event_committed)
    with django_capture_on_commit_callbacks() as callbacks:
        cancelling.enrolment_cancel(enrolment=enrolment)
    # The cancellation's own transaction commits after the event's (whose e-mails went already).
    for callback in callbacks:
        if callback not in sent_by_the_event:
            callback()

    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.REFUNDED
    assert _kinds(enrolment) == ["confirmed", "cancelled", "refunded"]


def test_a_refund_event_in_the_cancellations_transaction_still_sends_cancelled_first(
    stripe_standin, moment, client, monkeypatch, django_capture_on_commit_callbacks
):
    """Both are saved before anything is sent: the e-mails go in the order they were queued."""
    enrolment = _confirmed_by_card(
        stripe_standin, moment, client, django_capture_on_commit_callbacks
    )
    real_refund = refunds.refund_create

    def refund_and_event_at_once(**kwargs):
        refund_id = real_refund(**kwargs)
        assert deliver(client, _refund_event(stripe_standin)).status_code == 200
        return refund_id

    monkeypatch.setattr(refunds, "refund_create", refund_and_event_at_once)
    with django_capture_on_commit_callbacks(execute=True):
        cancelling.enrolment_cancel(enrolment=enrolment)

    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.REFUNDED
    assert _kinds(enrolment) == ["confirmed", "cancelled", "refunded"]


def test_a_refund_in_stripes_dashboard_tells_the_learner_the_place_ended_first(
    stripe_standin, moment, client, django_capture_on_commit_callbacks
):
    enrolment = _confirmed_by_card(
        stripe_standin, moment, client, django_capture_on_commit_callbacks
    )
    refunds.refund_create(
        payment=enrolment.payments.get(), amount_cents=125_000, reason="dashboard"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, _refund_event(stripe_standin)).status_code == 200

    assert _kinds(enrolment) == ["confirmed", "cancelled", "refunded"]
    assert "1.250" in mail.outbox[1].body  # the cancellation says what comes back
