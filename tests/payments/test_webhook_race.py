"""Different webhook events for one payment at the same moment, on PostgreSQL.

Each test makes the interleaving that used to go wrong happen every time, instead of hoping for
it: the test's own connection holds the enrolment's row lock while the deliveries (each on its own
thread and connection, through the real webhook view) read what they read and queue for the lock;
``pg_locks`` shows when they all wait. Then the lock goes and they run one after the other. A
handler that decided on what it read before the lock would refund the learner's only payment.
"""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import cancelling
from portal.payments.models import Payment, StripeEvent
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import learner
from tests.locking import EnrolmentLockQueue
from tests.payments.helpers import checkout_open
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


_checkout = checkout_open


def _post(signed) -> tuple[int, bytes]:
    response = deliver(Client(), signed)
    return response.status_code, response.content


def _also_as(signed, stripe_standin, *, event_id: str, event_type: str):
    """The same session in another event (another id and type), signed by the stand-in."""
    return stripe_standin.sign({**signed.data, "id": event_id, "type": event_type})


@pytest.mark.parametrize("deliveries", [2, 10])
def test_completed_and_async_succeeded_at_once_confirm_once_and_refund_nothing(
    stripe_standin, moment, deliveries
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    events = [completed] + [
        _also_as(
            completed,
            stripe_standin,
            event_id=f"evt_other_{number}",
            event_type=(
                "checkout.session.async_payment_succeeded"
                if number % 2
                else "checkout.session.completed"
            ),
        )
        for number in range(1, deliveries)
    ]

    with EnrolmentLockQueue(enrolment) as queue:
        for event in events:
            queue.add(lambda event=event: _post(event))

    assert [status for status, _ in queue.results] == [200] * deliveries
    outcomes = sorted(body.decode() for _, body in queue.results)
    assert outcomes == ["already paid"] * (deliveries - 1) + ["confirmed"]
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.CONFIRMED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    assert stripe_standin.refunds == []
    assert StripeEvent.objects.count() == deliveries
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 1
    assert len(mail.outbox) == 1


def test_completed_and_expired_at_once_keep_the_paid_place(stripe_standin, moment):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    lapsed = timezone.now() - datetime.timedelta(minutes=1)
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=lapsed)
    SeatClaim.objects.filter(pk=enrolment.seat_claim_id).update(expires_at=lapsed)
    [completed] = stripe_standin.pay(payment.checkout_session_id)
    expired = _also_as(
        completed, stripe_standin, event_id="evt_expired", event_type="checkout.session.expired"
    )

    with EnrolmentLockQueue(enrolment) as queue:
        queue.add(lambda: _post(completed))
        queue.add(lambda: _post(expired))

    assert [body for _, body in queue.results] == [b"confirmed", b"ignored: payment paid"]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.CONFIRMED
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 1
    assert stripe_standin.refunds == []


def test_async_failed_and_succeeded_at_once_decide_once(stripe_standin, moment, settings):
    settings.STRIPE_SEPA_DEBIT = True
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [processing] = stripe_standin.pay(payment.checkout_session_id, "sepa_debit")
    assert _post(processing) == (200, b"awaiting payment")
    [succeeded] = stripe_standin.async_succeed(payment.checkout_session_id)
    failed = _also_as(
        succeeded,
        stripe_standin,
        event_id="evt_failed_too",
        event_type="checkout.session.async_payment_failed",
    )

    with EnrolmentLockQueue(enrolment) as queue:
        queue.add(lambda: _post(succeeded))
        queue.add(lambda: _post(failed))

    assert [body for _, body in queue.results] == [b"confirmed", b"ignored: payment paid"]
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.CONFIRMED
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 1


def test_cancelling_while_the_payment_arrives_never_keeps_the_money(stripe_standin, moment):
    """The learner cancels an unpaid hold while ``checkout.session.completed`` is confirming it:
    the cancellation worked out "nothing to refund" before the payment landed, so it must not
    go on to cancel the now paid place without a refund."""
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(enrolment)
    [completed] = stripe_standin.pay(payment.checkout_session_id)

    with EnrolmentLockQueue(enrolment) as queue:
        queue.add(lambda: cancelling.enrolment_cancel(enrolment=enrolment))
        # The payment lands first: on the connection holding the lock, through the real view.
        assert deliver(Client(), completed).content == b"confirmed"

    [refused] = queue.results
    assert isinstance(refused, enrolling.EnrolmentRefused)
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.CONFIRMED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    assert stripe_standin.refunds == []

    # Tried again, the cancellation sees the payment and refunds it in full.
    cancelling.enrolment_cancel(enrolment=Enrolment.objects.get(pk=enrolment.pk))
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 125_000
