from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.core.transitions import TransitionRecord, state_fields
from providers.offerings import ProviderText

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def enrolment_reference() -> str:
    """A short code a learner can read out on the phone (no 0/O, 1/I)."""
    return "RW-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


class EnrolmentState(models.TextChoices):
    """The states of an enrolment (``Enrolment.State``); the transitions are in ``states``."""

    HELD = "held", _("Seat held")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired")


# A live place is held, awaiting a payment or confirmed: the learner's one enrolment on that
# start date. The one definition: ``Enrolment.is_live``, the constraint and the queries ask it.
LIVE_STATES: tuple[str, ...] = (
    EnrolmentState.HELD,
    EnrolmentState.AWAITING_PAYMENT,
    EnrolmentState.CONFIRMED,
)


class Enrolment(models.Model):
    """A learner's self-paid place on a start moment.

    What was bought (course, provider, date, place, price, what the price includes and the
    cancellation terms) is copied at enrolment: a later catalogue change does not alter a sale.
    The terms are copied in the learner's language when the provider wrote them in it, else in
    Dutch; ``cancellation_terms_language`` says which.
    """

    State = EnrolmentState
    LIVE_STATES = LIVE_STATES

    class PaymentMethod(models.TextChoices):
        STRIPE = "stripe", _("Paid online")
        DUO_LOAN = "duo_loan", _("DUO loan")

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=enrolment_reference, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="enrolments",
    )
    learner_email = models.EmailField(_("learner's e-mail address"))
    language = models.CharField(
        _("language"), max_length=8, default="nl", help_text=_("For the e-mails about it.")
    )
    start_moment = models.ForeignKey(
        "providers.StartMoment",
        verbose_name=_("start date"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    seat_claim = models.OneToOneField(
        "providers.SeatClaim",
        verbose_name=_("seat"),
        on_delete=models.PROTECT,
        related_name="enrolment",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.HELD, db_index=True
    )
    payment_method = models.CharField(
        _("payment"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    hold_expires_at = models.DateTimeField(_("seat held until"), null=True, blank=True)

    provider_name = models.CharField(_("provider"), max_length=160)
    offering_title = models.CharField(_("course"), max_length=200)
    location_text = models.CharField(_("location"), max_length=300, blank=True)
    starts_on = models.DateField(_("start date"))
    price_cents = models.PositiveIntegerField(_("price (cents)"))
    price_includes = models.CharField(_("price includes"), max_length=400, blank=True)
    cancellation_terms = models.TextField(_("cancellation terms"), blank=True)
    cancellation_terms_language = models.CharField(
        _("language of the cancellation terms"), max_length=8, default="nl"
    )
    late_refund_percent = models.PositiveSmallIntegerField(
        _("refund after the cooling-off period (%)"), default=0
    )
    duo_declaration = models.TextField(_("DUO loan declaration"), blank=True)

    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_cents = models.PositiveIntegerField(_("refund (cents)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["start_moment", "state"], name="enrolment_moment_state")]
        constraints = [
            # One live enrolment per learner per start date. A list, as the migration has it.
            models.UniqueConstraint(
                fields=["user", "start_moment"],
                condition=Q(state__in=list(LIVE_STATES)),
                name="enrolment_one_live_per_learner_and_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.offering_title}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def cancellation_terms_copy(self) -> ProviderText:
        """The copied terms with their language (for ``lang`` on their element)."""
        return ProviderText(self.cancellation_terms, self.cancellation_terms_language or "nl")


class EnrolmentTransition(TransitionRecord):
    """One change of an enrolment's state: who (nobody for Stripe and the clock), when and why."""

    subject_field = "enrolment"

    class SystemReason(models.TextChoices):
        """What the portal records as the reason of a change (some with a detail in brackets,
        such as the Stripe session); shown in the admin in the reader's language."""

        ENROLLED = "enrolled", _("Enrolled")
        HOLD_LAPSED = "hold lapsed", _("The hold ran out")
        HOLD_LAPSED_SEAT_RELEASED = (
            "hold lapsed; seat released for another learner",
            _("The hold ran out; the seat is free for another learner"),
        )
        DUO_LOAN = "paid through the learner's DUO loan", _("Paid with the learner's DUO loan")
        ACCOUNT_DELETED = "account deleted", _("The account was deleted")
        WAITING_LIST_OFFER = (
            "seat offered from the waiting list",
            _("Seat offered from the waiting list"),
        )
        PAID_TOO_LATE = (
            "paid after the hold lapsed and the seat went: refunded",
            _("Paid after the hold ran out and the seat was gone: money returned"),
        )
        CANCELLED_BY_LEARNER = "cancelled by the learner", _("Cancelled by the learner")
        PAID_ONLINE = "paid online", _("Paid online")
        DELAYED_PAYMENT_UNDER_WAY = "delayed payment under way", _("Payment under way")
        DELAYED_PAYMENT_FAILED = "delayed payment failed", _("The payment failed")
        CHECKOUT_EXPIRED = "Checkout Session expired unpaid", _("The payment page ran out unpaid")
        REFUND_CONFIRMED = "refund confirmed by Stripe", _("Stripe confirmed the refund")
        REFUNDED_IN_STRIPE = "refunded in Stripe", _("Refunded in Stripe")

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state, to_state = state_fields(Enrolment.State.choices)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("enrolment state change")
        verbose_name_plural = _("enrolment state changes")


class WaitingListEntry(models.Model):
    """A learner waiting for a seat on a full start moment; first come, first offered."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Seat offered")
        LEFT = "left", _("Left the list")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="waiting_list_entries",
    )
    start_moment = models.ForeignKey(
        "providers.StartMoment",
        verbose_name=_("start date"),
        on_delete=models.CASCADE,
        related_name="waiting_list",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment offered"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waiting_list_entry",
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "start_moment"],
                condition=Q(state="waiting"),
                name="waitinglist_once_per_learner_and_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.start_moment}"
