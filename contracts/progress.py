"""What a provider records about a placement once it has started: attendance per month, progress
reports with the afschalen decision, and exam results. Validation here, per field, so the forms
and the spreadsheet upload refuse the same things."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import audit
from contracts.models import (
    AuditEntry,
    ExamResult,
    MonthlyAttendance,
    ProgressReport,
    Referral,
    ReferralState,
)
from contracts.referrals import ReferralRefused, require_provider
from portal import permissions
from portal.accounts.models import User
from portal.permissions import Action

RECORDABLE = frozenset({ReferralState.STARTED, ReferralState.COMPLETED, ReferralState.STOPPED})
MAX_HOURS_IN_A_MONTH = 744  # 31 days of 24 hours


def recordable_refusal(referral: Referral) -> str | None:
    """Why nothing can be recorded on ``referral`` (its state, or an anonymised case), or None.

    Once a case is anonymised (``contracts.retention``) nothing new may be written about it: a
    fresh summary could bring back the personal data the retention rule removed."""
    if referral.learner.anonymised_at is not None:
        return _("This case has been closed and anonymised. Nothing more can be recorded.")
    if referral.state not in RECORDABLE:
        return _("Record this once the learner has started.")
    return None


def _recordable(referral: Referral, actor: User) -> None:
    require_provider(actor, referral)
    if refusal := recordable_refusal(referral):
        raise ReferralRefused(refusal)


def attendance_errors(
    *,
    referral: Referral,
    month: datetime.date,
    hours_offered: Decimal,
    hours_attended: Decimal,
    absence_reason: str,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with one month of attendance for ``referral``, by field; empty if nothing.

    The rules of the form and of the spreadsheet upload (``contracts.progress_upload``). The month
    is given by any of its days. Who may record, and in which state, is checked separately.
    """
    month = month.replace(day=1)
    today = today or timezone.localdate()
    errors = {}
    if month > today.replace(day=1):
        errors["month"] = _("This month has not begun yet.")
    elif referral.started_on and month < referral.started_on.replace(day=1):
        errors["month"] = _("The learner had not started yet in this month.")
    if hours_offered < 0 or hours_offered > MAX_HOURS_IN_A_MONTH:
        errors["hours_offered"] = _("Give the hours offered in this month (0 to 744).")
    elif not _one_decimal(hours_offered):
        errors["hours_offered"] = _("Give the hours with at most one decimal, such as 12.5.")
    if hours_attended < 0:
        errors["hours_attended"] = _("Hours attended cannot be negative.")
    elif hours_attended > hours_offered:
        errors["hours_attended"] = _("Hours attended cannot be more than the hours offered.")
    elif not _one_decimal(hours_attended):
        errors["hours_attended"] = _("Give the hours with at most one decimal, such as 12.5.")
    if absence_reason not in MonthlyAttendance.AbsenceReason.values:
        errors["absence_reason"] = _("Choose one of the reasons for absence.")
    elif hours_attended < hours_offered and absence_reason == MonthlyAttendance.AbsenceReason.NONE:
        errors["absence_reason"] = _("Give the main reason for the hours missed.")
    return errors


def _one_decimal(hours: Decimal) -> bool:
    return hours == hours.quantize(Decimal("0.1"))


def attendance_record(
    *,
    referral: Referral,
    actor: User,
    month: datetime.date,
    hours_offered: Decimal,
    hours_attended: Decimal,
    absence_reason: str = MonthlyAttendance.AbsenceReason.NONE,
) -> MonthlyAttendance:
    """Record (or correct) one month; the month is given by any of its days."""
    _recordable(referral, actor)
    errors = attendance_errors(
        referral=referral,
        month=month,
        hours_offered=hours_offered,
        hours_attended=hours_attended,
        absence_reason=absence_reason,
    )
    if errors:
        raise AttendanceInvalid(errors)
    with transaction.atomic():
        audit.audit_record(
            actor=actor,
            learner=referral.learner,
            action=AuditEntry.Action.CHANGE,
            what=attendance_audit_what(month),
        )
        record, _created = MonthlyAttendance.objects.update_or_create(
            referral=referral,
            month=month.replace(day=1),
            defaults={
                "hours_offered": hours_offered,
                "hours_attended": hours_attended,
                "absence_reason": absence_reason,
                "reported_by": actor,
            },
        )
    return record


def month_last_day(month: datetime.date) -> datetime.date:
    """The last day of the month of ``month`` (any of its days)."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def attendance_due_q(*, month: datetime.date, prefix: str = "") -> Q:
    """The placements due a report of attendance for ``month`` (any of its days): started by
    its last day and not ended before its first, in a state one records on (``RECORDABLE``).
    ``prefix`` reaches the referral from another model."""
    first = month.replace(day=1)
    return Q(
        **{f"{prefix}state__in": RECORDABLE, f"{prefix}started_on__lte": month_last_day(first)}
    ) & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": first}))


@dataclass(frozen=True)
class AttendanceDue:
    month: datetime.date  # its first day
    due: int  # placements due a report for the month
    reported: int

    @property
    def missing(self) -> int:
        return self.due - self.reported


def attendance_due(*, user: User, month: datetime.date) -> AttendanceDue:
    """How many of the placements ``user`` records on (provider staff: their providers') are
    due a report for ``month``, and how many have it. One query."""
    first = month.replace(day=1)
    due = permissions.scope(user, Action.CHANGE, Referral.objects.all()).filter(
        attendance_due_q(month=first)
    )
    report = MonthlyAttendance.objects.filter(referral=OuterRef("pk"), month=first)
    counts = due.alias(has_report=Exists(report)).aggregate(
        due=Count("pk"), reported=Count("pk", filter=Q(has_report=True))
    )
    return AttendanceDue(month=first, due=counts["due"], reported=counts["reported"])


def attendance_audit_what(month: datetime.date) -> str:
    """The audit log's note of a month of attendance recorded: the month, never the hours."""
    return f"attendance {month:%Y-%m}"


class AttendanceInvalid(ReferralRefused):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def progress_report(
    *,
    referral: Referral,
    actor: User,
    summary: str,
    level_reached: str = "",
    afschalen: str = ProgressReport.Afschalen.NOT_ASSESSED,
) -> ProgressReport:
    _recordable(referral, actor)
    if not summary.strip():
        raise ReferralRefused(_("Describe the progress."), field="summary")
    audit.audit_record(
        actor=actor, learner=referral.learner, action=AuditEntry.Action.CHANGE, what="progress"
    )
    return ProgressReport.objects.create(
        referral=referral,
        reported_on=timezone.localdate(),
        summary=summary,
        level_reached=level_reached,
        afschalen=afschalen,
        reported_by=actor,
    )


def exam_record(
    *,
    referral: Referral,
    actor: User,
    exam: str,
    passed: bool,
    taken_on: datetime.date,
    level: str = "",
) -> ExamResult:
    _recordable(referral, actor)
    if taken_on > timezone.localdate():
        raise ReferralRefused(_("The exam date cannot be in the future."), field="taken_on")
    if exam not in ExamResult.Exam.values:
        raise ReferralRefused(_("Choose one of the exams."), field="exam")
    audit.audit_record(
        actor=actor, learner=referral.learner, action=AuditEntry.Action.CHANGE, what="exam"
    )
    return ExamResult.objects.create(
        referral=referral, exam=exam, level=level, passed=passed, taken_on=taken_on
    )
