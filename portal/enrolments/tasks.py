"""The learner's e-mails about their enrolment, sent by a durable task.

A change of an enrolment's state enqueues its e-mail with ``enrolment_email`` inside the same
transaction: the task row commits with the change, so a crash after the commit loses no e-mail,
and an SMTP server that is down delays it (retried as ``EMAIL_RETRY`` says) instead of failing the
request that made the change. The task reads the enrolment again by its id and asks ``emails``
(which builds every e-mail) to send it; it marks the e-mail sent (``done_once``), so a second run
of the same task sends nothing, and a crash between sending and marking sends it once more at
most.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.tasks import EMAIL_RETRY, PRIORITY_PEOPLE_WAIT, done_once, durable_task
from portal.enrolments import emails, rules
from portal.enrolments.models import Enrolment


class Email(StrEnum):
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    PAYMENT_FAILED = "payment_failed"
    LATE_PAYMENT_REFUNDED = "late_payment_refunded"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    WAITING_LIST_OFFER = "waiting_list_offer"


_SEND = {
    Email.CONFIRMED: emails.enrolment_confirmed,
    Email.PROCESSING: emails.payment_processing,
    Email.PAYMENT_FAILED: emails.payment_failed,
    Email.LATE_PAYMENT_REFUNDED: emails.late_payment_refunded,
    Email.REFUNDED: emails.refund_confirmed,
    Email.WAITING_LIST_OFFER: emails.waiting_list_offer,
}

# What each e-mail is, for the staff's failures list.
_KIND_LABELS = {
    Email.CONFIRMED: gettext_lazy("confirmation"),
    Email.PROCESSING: gettext_lazy("payment under way"),
    Email.PAYMENT_FAILED: gettext_lazy("payment failed"),
    Email.LATE_PAYMENT_REFUNDED: gettext_lazy("late payment refunded"),
    Email.CANCELLED: gettext_lazy("cancellation"),
    Email.REFUNDED: gettext_lazy("refund made"),
    Email.WAITING_LIST_OFFER: gettext_lazy("place free from the waiting list"),
}


def _about(*, enrolment_id: int, kind: str, **_kwargs: object) -> str:
    reference = (
        Enrolment.objects.filter(pk=enrolment_id).values_list("reference", flat=True).first()
    )
    return _("Enrolment %(reference)s: %(email)s") % {
        "reference": reference or f"#{enrolment_id}",
        "email": _KIND_LABELS.get(kind, kind),
    }


@durable_task(
    label=gettext_lazy("E-mail to a learner about their enrolment"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def enrolment_email_send(*, enrolment_id: int, kind: str, quote: dict | None = None) -> str:
    """Send the e-mail ``kind`` about the enrolment as it is now (once per task)."""
    enrolment = Enrolment.objects.select_related("user").filter(pk=enrolment_id).first()
    if enrolment is None:
        return "no such enrolment"
    email = Email(kind)
    if email == Email.CANCELLED:
        cancellation = rules.CancellationQuote(**(quote or {}))
        sent = done_once("mail", lambda: emails.enrolment_cancelled(enrolment, cancellation))
    else:
        sent = done_once("mail", lambda: _SEND[email](enrolment))
    return "sent" if sent else "sent before"


def enrolment_email(
    *, enrolment: Enrolment, email: Email, quote: rules.CancellationQuote | None = None
) -> None:
    """E-mail the learner ``email`` about ``enrolment`` once the caller's transaction commits
    (the task is enqueued in it). ``quote``: what a cancellation refunds (``Email.CANCELLED``)."""
    enrolment_email_send.enqueue(
        enrolment_id=enrolment.pk,
        kind=str(email),
        quote=dataclasses.asdict(quote) if quote is not None else None,
    )
