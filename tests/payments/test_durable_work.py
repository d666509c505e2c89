"""Work after a payment's commit survives outages: the confirmation e-mail while the mail server
is down (a real SMTP server on loopback, stopped and started), and refunds while Stripe is down
(the stand-in's outage). Each is a task enqueued with the change, retried until it succeeds, and
done once."""

from __future__ import annotations

import datetime

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.core.tasks import tasks_run_due
from portal.core.tasks.models import TaskFailure
from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import cancelling
from portal.payments.models import StripeEvent
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import learner
from tests.mailserver import LoopbackSmtp
from tests.payments.helpers import checkout_open
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, stopped: the test starts it when the server is "back"."""
    server = LoopbackSmtp()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


@pytest.fixture
def webhook(client, django_capture_on_commit_callbacks):
    """Deliver one signed event; what it enqueues runs once the webhook's work commits."""

    def post(event):
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, event)

    return post


def _backlog_run() -> None:
    """Run what setting up the test enqueued (Wagtail's reference index of the objects made):
    the test's transaction never commits, so it never ran. Then the counts below are exact."""
    tasks_run_due()


def _later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


_checkout = checkout_open


def _failure(task_name: str) -> TaskFailure:
    return TaskFailure.objects.select_related("task_result").get(task_path__endswith=task_name)


def test_mail_server_down_during_fulfilment_answers_200_and_the_confirmation_follows_once(
    stripe_standin, moment, smtp, webhook
):
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    [completed] = stripe_standin.pay(_checkout(enrolment).checkout_session_id)
    _backlog_run()

    response = webhook(completed)

    assert response.status_code == 200
    assert response.content == b"confirmed"
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert smtp.messages == []
    failure = _failure(".enrolment_email_send")
    assert failure.failures == 1
    assert "refused" in failure.last_error.lower()
    assert failure.next_attempt_at > timezone.now()

    # Stripe delivers the event again: it was stored with its effect, so nothing happens twice.
    assert webhook(stripe_standin.resend(completed.id)[0]).content == b"duplicate"
    assert StripeEvent.objects.count() == 1

    smtp.start()
    assert tasks_run_due() == 0  # the retry waits for its minute
    assert tasks_run_due(now=_later(1.5)) == 1
    [message] = smtp.messages
    assert message["X-Envelope-To"] == enrolment.learner_email
    assert enrolment.reference in message.get_payload(decode=True).decode()
    failure.refresh_from_db()
    assert failure.resolved_at is not None

    # Never twice: nothing is due any more, and the same task run again (as after a worker that
    # stopped between sending and recording) finds the e-mail marked sent.
    assert tasks_run_due(now=_later(24 * 60)) == 0
    DBTaskResult.objects.filter(pk=failure.task_result_id).update(status=TaskResultStatus.READY)
    assert tasks_run_due(now=_later(24 * 60)) == 1
    assert len(smtp.messages) == 1
    assert DBTaskResult.objects.get(pk=failure.task_result_id).return_value == "sent before"


def test_a_refund_that_fails_at_stripe_is_retried_until_it_is_made(
    stripe_standin, moment, webhook, mailoutbox
):
    """The automatic refund of a payment that arrived after its seat went (it was only logged
    "must be retried" before): Stripe is down twice, the third attempt refunds, with one key."""
    StartMoment.objects.filter(pk=moment.pk).update(seats=1)
    late = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = _checkout(late)
    past = timezone.now() - datetime.timedelta(minutes=1)
    SeatClaim.objects.filter(pk=late.seat_claim_id).update(expires_at=past)
    Enrolment.objects.filter(pk=late.pk).update(hold_expires_at=past)
    enrolling.enrolment_start(user=learner(), start_moment=moment)  # takes the last seat
    stripe_standin.fail_next("/v1/refunds", times=2)
    _backlog_run()

    [completed] = stripe_standin.pay(payment.checkout_session_id)
    assert webhook(completed).content == b"refunding: seat gone"

    late.refresh_from_db()
    assert late.state == Enrolment.State.CANCELLED
    assert stripe_standin.refunds == []
    failure = _failure(".refund_task")
    assert (failure.failures, failure.task_result.status) == (1, TaskResultStatus.READY)
    assert "503" in failure.last_error or "down" in failure.last_error
    first_retry = failure.next_attempt_at

    assert tasks_run_due(now=_later(1.5)) == 1  # down again
    failure.refresh_from_db()
    assert failure.failures == 2
    assert failure.next_attempt_at - first_retry >= datetime.timedelta(minutes=1)  # backing off

    assert tasks_run_due(now=_later(3.5)) == 1
    [refund] = stripe_standin.refunds
    assert (refund["amount"], bool(refund["transfer_reversal"])) == (125_000, True)
    attempts = [r for r in stripe_standin.requests if r.path == "/v1/refunds"]
    assert [r.status for r in attempts] == [503, 503, 200]
    assert {r.idempotency_key for r in attempts} == {f"refund-{payment.pk}-125000"}
    failure.refresh_from_db()
    assert failure.resolved_at is not None

    # Run once more (a worker that stopped before recording its success): Stripe replays the
    # key, no second refund.
    DBTaskResult.objects.filter(pk=failure.task_result_id).update(status=TaskResultStatus.READY)
    assert tasks_run_due(now=_later(24 * 60)) == 1
    assert len(stripe_standin.refunds) == 1

    [refunded] = [e for e in stripe_standin.events if e.type == "charge.refunded"]
    assert webhook(stripe_standin.resend(refunded.id)[0]).status_code == 200
    late.refresh_from_db()
    assert late.state == Enrolment.State.REFUNDED


def test_cancelling_while_stripe_is_down_cancels_now_and_refunds_later(
    stripe_standin, moment, webhook, django_capture_on_commit_callbacks
):
    """The learner is no longer sent away with "try again later": the place is given up at
    once, and the refund follows when Stripe answers again."""
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    webhook(stripe_standin.pay(_checkout(enrolment).checkout_session_id)[0])
    enrolment.refresh_from_db()
    stripe_standin.fail_next("/v1/refunds", times=1)
    _backlog_run()

    with django_capture_on_commit_callbacks(execute=True):
        quote = cancelling.enrolment_cancel(enrolment=enrolment)

    assert quote.refund_cents == 125_000
    assert enrolment.state == Enrolment.State.CANCELLED
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 0
    assert stripe_standin.refunds == []
    assert tasks_run_due(now=_later(1.5)) == 1
    assert [refund["amount"] for refund in stripe_standin.refunds] == [125_000]
