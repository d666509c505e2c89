"""E-mails to the learner about their enrolment, in the language they enrolled in.

Every e-mail names the course, provider, start date and reference, and links to the learner's
page for it; none holds payment details beyond the amounts.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from portal.core.links import site_reverse
from portal.enrolments import rules
from portal.enrolments.models import Enrolment


def enrolment_url(enrolment: Enrolment) -> str:
    return site_reverse("enrolment_detail", reference=enrolment.reference)


def _send(enrolment: Enrolment, template: str, subject: str, **context: object) -> None:
    body = render_to_string(
        f"enrolments/email/{template}.txt",
        {"enrolment": enrolment, "url": enrolment_url(enrolment), **context},
    )
    send_mail(
        subject=f"[{settings.WAGTAIL_SITE_NAME}] {subject}",
        message=body,
        from_email=None,
        recipient_list=[enrolment.learner_email],
    )


def _language(enrolment: Enrolment) -> str:
    """The learner's language now (the last one they chose on the site), else the language they
    enrolled in."""
    user = enrolment.user
    return user.language_or(enrolment.language) if user is not None else enrolment.language


def enrolment_confirmed(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(
            enrolment,
            "confirmed",
            _("Your place on %(course)s is confirmed") % {"course": enrolment.offering_title},
            cooling_off_last_day=rules.cooling_off_last_day(enrolment),
        )


def payment_processing(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(enrolment, "processing", _("We are waiting for your payment"))


def payment_failed(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(enrolment, "payment_failed", _("Your payment did not go through"))


def late_payment_refunded(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(
            enrolment,
            "late_payment_refunded",
            _("Your payment arrived after the course was full: it is refunded"),
        )


def enrolment_cancelled(enrolment: Enrolment, quote) -> None:
    with translation.override(_language(enrolment)):
        _send(enrolment, "cancelled", _("Your enrolment is cancelled"), quote=quote)


def refund_confirmed(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(enrolment, "refunded", _("Your refund has been made"))


def waiting_list_offer(enrolment: Enrolment) -> None:
    with translation.override(_language(enrolment)):
        _send(
            enrolment,
            "waiting_list_offer",
            _("A place is free for you on %(course)s") % {"course": enrolment.offering_title},
        )
