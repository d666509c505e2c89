from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectedAccount(models.Model):
    """A provider's Stripe Connect account: paid places go to it as destination charges."""

    provider = models.OneToOneField(
        "providers.Provider",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="connected_account",
    )
    stripe_account_id = models.CharField(_("Stripe account"), max_length=64, unique=True)
    charges_enabled = models.BooleanField(_("can take payments"), default=False)
    payouts_enabled = models.BooleanField(_("can receive payouts"), default=False)
    details_submitted = models.BooleanField(_("details submitted"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("connected payment account")
        verbose_name_plural = _("connected payment accounts")

    def __str__(self) -> str:
        return f"{self.provider} ({self.stripe_account_id})"

    @property
    def is_ready(self) -> bool:
        return self.charges_enabled and self.details_submitted


class Payment(models.Model):
    """One attempt to pay for an enrolment through Stripe Checkout."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    enrolment = models.ForeignKey(
        "enrolments.Enrolment",
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    checkout_session_id = models.CharField(_("Checkout session"), max_length=255, unique=True)
    checkout_url = models.URLField(_("Checkout address"), max_length=2000)
    payment_intent_id = models.CharField(_("PaymentIntent"), max_length=255, blank=True)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    application_fee_cents = models.PositiveIntegerField(_("platform fee (cents)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="eur")
    destination_account = models.CharField(_("paid to account"), max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    amount_refunded_cents = models.PositiveIntegerField(_("refunded (cents)"), default=0)
    refund_id = models.CharField(_("refund"), max_length=255, blank=True)
    expires_at = models.DateTimeField(_("checkout expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "attempt"], name="payment_attempt_unique_per_enrolment"
            ),
        ]

    def __str__(self) -> str:
        return self.checkout_session_id


class StripeEvent(models.Model):
    """A webhook event that has acted. Stored in the transaction of its effect: once only."""

    event_id = models.CharField(_("event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
