"""Attendance as the providers report it: the hours per provider, lot and month, the deadline of
a month's report, and the providers late with it."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db.models import Count, Exists, FloatField, OuterRef, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from contracts import contracting, progress
from contracts.models import AttendanceMonth, MonthlyAttendance, Referral
from contracts.reporting.frames import (
    _REFERRAL,
    _SUMMARY,
    ReportFilter,
    _day_q,
    _dimension_q,
    _frame,
    _lots,
    _month_end,
    _month_start,
    _none_for_missing,
    _per_provider,
)

ATTENDANCE_REPORT_WORKING_DAYS = 10
"""A month's attendance must be reported by the 10th working day of the next month (Monday to
Friday, counted as ``contracting.working_days_after`` counts the SLA days; public holidays are
not skipped). Divosa's guidance on managing the routes asks for monthly attendance; the contracts
set no day, so this gives providers two working weeks to collect the registers. A provider is
late from the day after the deadline."""


# --- Attendance ---------------------------------------------------------------------------------

ATTENDANCE_COLUMNS = (
    "provider_id",
    "provider_name",
    "contract_id",
    "contract_reference",
    "lot_id",
    "lot_label",
    "component",
    "month",
    "placements",
    "hours_offered",
    "hours_attended",
    "absence_hours",
    "attendance_rate",
)


def attendance(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """Reported attendance per provider, lot and month (the months from the one containing the
    period's start to its end).

    Columns: ``provider_id``, ``provider_name``, ``contract_id``, ``contract_reference``,
    ``lot_id``, ``lot_label``, ``component``, ``month`` (its first day), ``placements`` (with a
    report for that month), ``hours_offered``, ``hours_attended``, ``absence_hours`` (offered
    minus attended) and ``attendance_rate`` (attended / offered; None when nothing was offered).
    Hours are floats with one decimal.
    """
    report_filter = report_filter or ReportFilter()
    start = _month_start(report_filter.date_from) if report_filter.date_from else None
    rows = (
        AttendanceMonth.objects.filter(
            _dimension_q(report_filter, _SUMMARY),
            _day_q("month", start, report_filter.date_until),
        )
        .values("lot_id", "month")
        .annotate(
            placements=Sum("placements"),
            # Floats from the database: no Decimal made and converted for each of ~20,000 rows.
            hours_offered=Cast(Sum("hours_offered"), FloatField()),
            hours_attended=Cast(Sum("hours_attended"), FloatField()),
        )
        .order_by()
    )
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return _frame(frame, ATTENDANCE_COLUMNS)
    # One decimal, as entered: SQLite adds the hours up as binary floats (12.299999…).
    offered, attended = frame["hours_offered"].round(1), frame["hours_attended"].round(1)
    frame = frame.assign(
        hours_offered=offered,
        hours_attended=attended,
        absence_hours=(offered - attended).round(1),
        attendance_rate=attended / offered.where(offered > 0),
    )
    frame = _none_for_missing(frame, ["attendance_rate"]).merge(_lots(), on="lot_id")
    frame = frame.sort_values(["provider_name", "contract_reference", "lot_id", "month"])
    return _frame(frame, ATTENDANCE_COLUMNS)


def attendance_report_deadline(*, month: datetime.date) -> datetime.date:
    """The last day to report the attendance of ``month`` (``ATTENDANCE_REPORT_WORKING_DAYS``)."""
    return contracting.working_days_after(
        day=_month_end(_month_start(month)), n=ATTENDANCE_REPORT_WORKING_DAYS
    )


def attendance_month_due(*, today: datetime.date) -> datetime.date:
    """The latest month whose reporting deadline has passed on ``today`` (its first day)."""
    last_month = _month_start(_month_start(today) - datetime.timedelta(days=1))
    if today > attendance_report_deadline(month=last_month):
        return last_month
    return _month_start(last_month - datetime.timedelta(days=1))


LATE_REPORTER_COLUMNS = (
    "provider_id",
    "provider_name",
    "month",
    "deadline",
    "placements_due",
    "reported",
    "missing",
)


def late_reporters(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """Providers that have not reported the attendance of the latest month whose deadline has
    passed (``attendance_month_due``) for every placement running in it. The filter's period is
    not used.

    A placement is due a report for a month when it started on or before the month's last day
    and had not ended before its first day. Only providers with at least one report missing.

    Columns: ``provider_id``, ``provider_name``, ``month`` (its first day), ``deadline`` (the
    last day to report it), ``placements_due``, ``reported``, ``missing``.
    """
    report_filter = report_filter or ReportFilter()
    month = attendance_month_due(today=today or timezone.localdate())
    report = MonthlyAttendance.objects.filter(referral=OuterRef("pk"), month=month)
    rows = (
        Referral.objects.filter(
            _dimension_q(report_filter, _REFERRAL), progress.attendance_due_q(month=month)
        )
        .alias(has_report=Exists(report))
        .values("lot_id")
        .annotate(placements_due=Count("pk"), reported=Count("pk", filter=Q(has_report=True)))
        .order_by()
    )
    per_lot = pd.DataFrame(list(rows))
    if per_lot.empty:
        return _frame(per_lot, LATE_REPORTER_COLUMNS)
    frame = _per_provider(per_lot, ["placements_due", "reported"])
    frame = frame[frame["provider_id"].notna()]
    frame["missing"] = frame["placements_due"] - frame["reported"]
    frame = frame[frame["missing"] > 0].assign(
        month=month, deadline=attendance_report_deadline(month=month)
    )
    return _frame(frame, LATE_REPORTER_COLUMNS)
