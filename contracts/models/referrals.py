"""Referrals of learners to contracted lots, and each change of their state."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models.contracting import Lot, LotPeriodUse
from contracts.models.learners import Learner
from portal.core.fields import actor_field
from portal.core.transitions import TransitionRecord, state_fields


class ReferralState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.Model):
    """A klantmanager's referral of a learner to a contracted lot; accepted, it is a placement.

    The state changes only through ``contracts.referrals`` (transition table, actor, reason).
    """

    learner = models.ForeignKey(
        Learner, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="referrals"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="referrals"
    )
    start_moment = models.ForeignKey(
        "providers.StartMoment",
        verbose_name=_("start date"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    seat_claim = models.OneToOneField(
        "providers.SeatClaim",
        verbose_name=_("seat"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )
    period_use = models.ForeignKey(
        LotPeriodUse,
        verbose_name=_("counted in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ReferralState.choices,
        default=ReferralState.DRAFT,
        db_index=True,
    )
    capacity_override_reason = models.CharField(
        _("reason for going over capacity"), max_length=300, blank=True
    )
    capacity_override_by = actor_field(_("capacity override by"), blank=True)
    note = models.TextField(_("note for the provider"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    start_due = models.DateField(_("start due"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["lot", "state"], name="referral_lot_state")]

    def __str__(self) -> str:
        return f"{self.learner} → {self.lot}"


class ReferralTransition(TransitionRecord):
    """One change of a referral's state: who, when and why."""

    subject_field = "referral"

    class SystemReason(models.TextChoices):
        CREATED = "created", _("Referral made")

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state, to_state = state_fields(ReferralState.choices)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("referral state change")
        verbose_name_plural = _("referral state changes")
