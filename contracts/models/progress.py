"""What providers report about placed learners: attendance per month, progress and exams."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models.referrals import Referral
from portal.core.fields import actor_field


class MonthlyAttendance(models.Model):
    """A provider's report of one month of a placement: hours offered and attended, absence.

    Fields follow the progress data that municipalities and providers exchange under the Wi2021
    (Divosa, VNG and SZW, "Gegevensuitwisseling gemeenten en ketenpartners nieuwe Wet
    inburgering", §5 "Informatie-uitwisseling met aanbieders": keten- en regiegegevens and the
    referentiegegevensset): attendance per period, with the reason for absence.
    """

    class AbsenceReason(models.TextChoices):
        NONE = "NONE", _("No absence")
        ILLNESS = "ILLNESS", _("Illness")
        WORK = "WORK", _("Work")
        CARE = "CARE", _("Care for family")
        APPOINTMENT = "APPOINTMENT", _("Appointment with an authority")
        UNKNOWN = "UNKNOWN", _("Without notice")
        OTHER = "OTHER", _("Other reason")

    referral = models.ForeignKey(
        Referral, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="attendance"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    hours_offered = models.DecimalField(_("hours offered"), max_digits=5, decimal_places=1)
    hours_attended = models.DecimalField(_("hours attended"), max_digits=5, decimal_places=1)
    absence_reason = models.CharField(
        _("main reason for absence"),
        max_length=12,
        choices=AbsenceReason.choices,
        default=AbsenceReason.NONE,
    )
    reported_by = actor_field(_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly attendance")
        verbose_name_plural = _("monthly attendance")
        ordering = ["referral", "month"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "month"], name="attendance_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(hours_attended__lte=models.F("hours_offered"))
                & models.Q(hours_attended__gte=0),
                name="attendance_attended_within_offered",
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="attendance_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.month:%Y-%m}"

    @property
    def absence_hours(self):
        return self.hours_offered - self.hours_attended


class ProgressReport(models.Model):
    """A provider's progress report on a placement, with the afschalen decision where made."""

    class Afschalen(models.TextChoices):
        NOT_ASSESSED = "NOT_ASSESSED", _("Not assessed")
        NOT_NEEDED = "NOT_NEEDED", _("Not needed")
        PROPOSED = "PROPOSED", _("Proposed to the municipality")
        DECIDED = "DECIDED", _("Decided: some exams at A2")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("placement"),
        on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    reported_on = models.DateField(_("report date"))
    summary = models.TextField(_("progress"))
    level_reached = models.CharField(_("level reached"), max_length=2, blank=True)
    afschalen = models.CharField(
        _("afschalen"), max_length=12, choices=Afschalen.choices, default=Afschalen.NOT_ASSESSED
    )
    reported_by = actor_field(_("reported by"))

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["referral", "-reported_on"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.reported_on}"


class ExamResult(models.Model):
    """The outcome of one exam of a placement (B1-route: four language skills and KNM)."""

    class Exam(models.TextChoices):
        READING = "READING", _("Reading")
        LISTENING = "LISTENING", _("Listening")
        WRITING = "WRITING", _("Writing")
        SPEAKING = "SPEAKING", _("Speaking")
        KNM = "KNM", _("Knowledge of Dutch society (KNM)")

    referral = models.ForeignKey(
        Referral, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="exams"
    )
    exam = models.CharField(_("exam"), max_length=10, choices=Exam.choices)
    level = models.CharField(_("level"), max_length=2, blank=True, help_text=_("B1, A2, B2…"))
    passed = models.BooleanField(_("passed"))
    taken_on = models.DateField(_("taken on"))

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        ordering = ["referral", "taken_on", "exam"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.exam} {self.level}"
