"""Learners' cases kept by the klantmanagers, who read or changed them, and hand-overs between
municipalities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.core.fields import actor_field
from portal.places.models import Municipality
from providers.choices import TargetGroup


class LearnerRoute(models.TextChoices):
    B1_ROUTE = "B1_ROUTE", _("B1-route")
    Z_ROUTE = "Z_ROUTE", _("Z-route (zelfredzaamheidsroute)")
    ONDERWIJSROUTE = "ONDERWIJSROUTE", _("Onderwijsroute")


class Leerbaarheidstoets(models.TextChoices):
    NOT_TAKEN = "NOT_TAKEN", _("Not taken yet")
    B1_FEASIBLE = "B1_FEASIBLE", _("B1 within 3 years is feasible")
    B1_NOT_FEASIBLE = "B1_NOT_FEASIBLE", _("B1 within 3 years is not feasible")


class Learner(models.Model):
    """A person with an integration duty, registered by a klantmanager of their municipality.

    Minimal personal data: no BSN. ``client_number`` is the municipality's own number and is never
    shown to providers. The dates drive the law's time rules (``contracts.rules``).
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="learners",
    )
    klantmanager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("klantmanager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    target_group = models.CharField(_("target group"), max_length=20, choices=TargetGroup.choices)
    client_number = models.CharField(
        _("municipal client number"),
        max_length=40,
        blank=True,
        help_text=_("Your municipality's own number; never shown to providers."),
    )
    housing_date = models.DateField(
        _("housing date"), null=True, blank=True, help_text=_("For statushouders.")
    )
    social_assistance_date = models.DateField(
        _("social assistance from"),
        null=True,
        blank=True,
        help_text=_(
            "When the right to social assistance started. Financieel ontzorgen runs from it; "
            "if empty, from the housing date."
        ),
    )
    intake_date = models.DateField(_("intake date"), null=True, blank=True)
    pip_date = models.DateField(_("PIP date"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=20, choices=LearnerRoute.choices, blank=True)
    leerbaarheidstoets = models.CharField(
        _("leerbaarheidstoets"),
        max_length=20,
        choices=Leerbaarheidstoets.choices,
        default=Leerbaarheidstoets.NOT_TAKEN,
    )
    closed_at = models.DateTimeField(_("case closed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["municipality", "closed_at"], name="learner_caseload"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AuditEntry(models.Model):
    """A read or change of a learner's data: who, when, which learner, what."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        TRANSFER = "transfer", _("transferred")
        ANONYMISE = "anonymise", _("anonymised")

    actor = actor_field(_("by"), blank=True)
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("learner"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=300)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        # The moment in the portal's time zone and the reader's language, the action in words;
        # ids, never names (the log is read by people who may not see the learner).
        at = date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT") if self.at else ""
        return f"{at}: {self.get_action_display()} ({self.learner_id})"


class CaseTransfer(models.Model):
    """A learner moving to another municipality: the sending klantmanager hands the case over and
    a klantmanager of the receiving municipality accepts it (``contracts.transfers``)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        CANCELLED = "cancelled", _("Cancelled")

    learner = models.ForeignKey(
        Learner, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_municipality = models.ForeignKey(
        Municipality, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_municipality = models.ForeignKey(
        Municipality, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    note = models.TextField(_("note for the receiving klantmanager"), blank=True)
    requested_by = actor_field(_("handed over by"))
    requested_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    decided_by = actor_field(_("accepted or cancelled by"), blank=True)
    decided_at = models.DateTimeField(_("accepted or cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=models.Q(state="requested"),
                name="casetransfer_one_open_per_learner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.from_municipality_id} → {self.to_municipality_id}"
