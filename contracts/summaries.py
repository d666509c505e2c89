"""Monthly summary tables behind the dashboard's largest figures, kept in step with their rows.

At national scale the dashboard would otherwise group 300,000 referrals several times and a
million months of attendance on every page view. ``ReferralMonth`` holds, per lot, municipality
and month a referral was sent, the counts of the referral funnel and the SLA that do not depend
on the day they are read; ``AttendanceMonth`` the reported hours per lot, municipality and month.
``contracts.reporting`` adds them up for any period made of whole months (the dashboard's default
is a calendar year) and groups the referrals themselves for other periods.

How they stay right: every save or delete of a ``Referral`` or ``MonthlyAttendance``, and a
learner's move to another municipality, marks its lot and month, and those lot-months are
computed again from their rows in the same transaction (``summaries_refresh``); a lot's refresh
holds a lock on that lot (PostgreSQL), so two transactions changing the same lot cannot each
count without the other. Writes that bypass the model's signals (``bulk_create``, COPY,
``QuerySet.update``) must call ``summaries_refresh`` with what they touched, or
``summaries_rebuild`` (``manage.py summaries_rebuild``) after a bulk load. ``deferred()`` collects
the marks of a bulk operation and refreshes each lot-month once at its end.

The counts are defined once, here (``referral_counts``), and the reports use the same definitions
when they group referrals directly, so both ways give the same figures.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, DateField, F, Model, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from contracts.models import (
    AttendanceMonth,
    Learner,
    MonthlyAttendance,
    Referral,
    ReferralMonth,
    ReferralState,
)
from contracts.referrals import COUNTS_AGAINST_CAPACITY, referral_sla_conditions

State = ReferralState
LotMonth = tuple[int, datetime.date]
SUMMARY_MODELS = (ReferralMonth, AttendanceMonth)

_LOCK_NAMESPACE = 7301
"""The first key of PostgreSQL's two-key advisory locks taken per lot while refreshing."""

# The referral fields the summary counts depend on: a save that names only other fields (a note,
# say) leaves the summary as it is.
_REFERRAL_FIELDS = frozenset(
    {
        "lot",
        "lot_id",
        "learner",
        "learner_id",
        "state",
        "sent_at",
        "accepted_at",
        "answer_due",
        "start_due",
        "started_on",
        "period_use",
        "period_use_id",
    }
)


def referral_counts() -> dict[str, Count]:
    """The aggregates of ``ReferralMonth``'s counts over referrals, by column name."""
    rules = referral_sla_conditions(today=timezone.localdate())
    return {
        "sent": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "declined": Count("pk", filter=Q(state=State.DECLINED)),
        "withdrawn": Count("pk", filter=Q(state=State.WITHDRAWN)),
        "started": Count("pk", filter=Q(started_on__isnull=False)),
        "completed": Count("pk", filter=Q(state=State.COMPLETED)),
        "stopped": Count("pk", filter=Q(state=State.STOPPED)),
        "awaiting_answer": Count("pk", filter=Q(state=State.SENT)),
        "awaiting_start": Count("pk", filter=Q(state=State.ACCEPTED)),
        "answered": Count("pk", filter=Q(accepted_at__isnull=False) | Q(state=State.DECLINED)),
        "accepted_late": Count("pk", filter=rules.accepted_late),
        "started_late": Count("pk", filter=rules.started_late),
        "placements": Count(
            "pk", filter=Q(state__in=COUNTS_AGAINST_CAPACITY, period_use__isnull=False)
        ),
    }


REFERRAL_COUNTS = tuple(referral_counts())
"""The columns of ``ReferralMonth`` that hold counts."""


def attendance_sums() -> dict[str, Count | Sum]:
    """The aggregates of ``AttendanceMonth``'s figures over ``MonthlyAttendance`` rows."""
    return {
        "placements": Count("pk"),
        "hours_offered": Sum("hours_offered"),
        "hours_attended": Sum("hours_attended"),
    }


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the month ``moment`` falls in, in the portal's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _month_begins(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(month, datetime.time.min), timezone.get_default_timezone()
    )


# --- Computing rows -----------------------------------------------------------------------------


def referral_months_of(referrals: QuerySet[Referral]) -> QuerySet:
    """``ReferralMonth``'s rows for ``referrals`` (those sent), as dicts by column name."""
    return (
        referrals.filter(sent_at__isnull=False)
        .annotate(month=TruncMonth("sent_at", output_field=DateField()))
        .values("lot_id", "month", municipality_id=F("learner__municipality_id"))
        .annotate(**referral_counts())
        .order_by()
    )


def attendance_months_of(attendance: QuerySet[MonthlyAttendance]) -> QuerySet:
    """``AttendanceMonth``'s rows for ``attendance``, as dicts by column name."""
    return (
        attendance.values(
            "month",
            lot_id=F("referral__lot_id"),
            municipality_id=F("referral__learner__municipality_id"),
        )
        .annotate(**attendance_sums())
        .order_by()
    )


def _insert(model: type[Model], rows: QuerySet, columns: Iterable[str]) -> int:
    """Insert ``rows`` (a grouped ``values()`` queryset naming ``columns``) into ``model``'s
    table with one INSERT … SELECT: the rows never travel to Python."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    select, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - quoted names
            f"SELECT {names} FROM ({select}) AS grouped",
            params,
        )
        return cursor.rowcount


def _insert_referral_months(referrals: QuerySet[Referral]) -> int:
    columns = ["lot_id", "municipality_id", "month", *REFERRAL_COUNTS]
    return _insert(ReferralMonth, referral_months_of(referrals), columns)


def _insert_attendance_months(attendance: QuerySet[MonthlyAttendance]) -> int:
    columns = ["lot_id", "municipality_id", "month", *attendance_sums()]
    return _insert(AttendanceMonth, attendance_months_of(attendance), columns)


def _months_q(name: str, months: Iterable[datetime.date]) -> Q:
    """``name`` (a datetime) falls in one of ``months``; consecutive months become one range."""
    ranges: list[list[datetime.date]] = []
    for month in sorted(set(months)):
        if ranges and ranges[-1][1] == month:
            ranges[-1][1] = _next_month(month)
        else:
            ranges.append([month, _next_month(month)])
    condition = Q(pk__in=[])
    for first, after in ranges:
        condition |= Q(
            **{f"{name}__gte": _month_begins(first), f"{name}__lt": _month_begins(after)}
        )
    return condition


def _lock_lots(lot_ids: Iterable[int]) -> None:
    """Serialise refreshes of the same lots until the transaction ends (PostgreSQL; SQLite lets
    one writer in at a time anyway). In the order of their ids, so two refreshes cannot each
    hold a lock the other waits for."""
    ids = sorted(set(lot_ids))
    if connection.vendor != "postgresql" or not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, id) FROM "
            "(SELECT unnest(%s::integer[]) AS id ORDER BY 1) AS lots",
            [_LOCK_NAMESPACE, ids],
        )


def summaries_refresh(
    *, referral_keys: Iterable[LotMonth] = (), attendance_keys: Iterable[LotMonth] = ()
) -> None:
    """Compute the summary rows of these lot-months again from their referrals (the month
    sent) and attendance (the month reported), replacing what was there.

    Each table is refreshed for every pair of the lots and months named (one DELETE, one
    grouped SELECT, one INSERT), which covers the pairs asked for and recomputes a few more.
    """
    referral_keys, attendance_keys = set(referral_keys), set(attendance_keys)
    if not referral_keys and not attendance_keys:
        return
    with transaction.atomic(savepoint=False), timezone.override(timezone.get_default_timezone()):
        _lock_lots(lot_id for lot_id, _month in referral_keys | attendance_keys)
        if referral_keys:
            lots = {lot_id for lot_id, _month in referral_keys}
            months = {month for _lot_id, month in referral_keys}
            ReferralMonth.objects.filter(lot_id__in=lots, month__in=months).delete()
            _insert_referral_months(
                Referral.objects.filter(_months_q("sent_at", months), lot_id__in=lots)
            )
        if attendance_keys:
            lots = {lot_id for lot_id, _month in attendance_keys}
            months = {month for _lot_id, month in attendance_keys}
            AttendanceMonth.objects.filter(lot_id__in=lots, month__in=months).delete()
            _insert_attendance_months(
                MonthlyAttendance.objects.filter(referral__lot_id__in=lots, month__in=months)
            )


def summaries_rebuild() -> tuple[int, int]:
    """Compute both summary tables again from all referrals and attendance (after a bulk load,
    or to repair them). Returns the numbers of rows (referral months, attendance months)."""
    with transaction.atomic(), timezone.override(timezone.get_default_timezone()):
        _lock_lots(Referral.objects.values_list("lot_id", flat=True).distinct().order_by())
        ReferralMonth.objects.all().delete()
        AttendanceMonth.objects.all().delete()
        referral_months = _insert_referral_months(Referral.objects.all())
        attendance_months = _insert_attendance_months(MonthlyAttendance.objects.all())
    return referral_months, attendance_months


def summaries_fill_if_empty(*, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """Build the summaries when they are empty but there are rows to count: after ``migrate``
    on a database from before they existed (connected to ``post_migrate``; a migration back to
    before them leaves no tables, and nothing is done)."""
    if not {model._meta.db_table for model in SUMMARY_MODELS} <= set(
        connections[using].introspection.table_names()
    ):
        return
    if ReferralMonth.objects.using(using).exists():
        return
    if Referral.objects.using(using).filter(sent_at__isnull=False).exists():
        summaries_rebuild()


# --- Keeping them in step -----------------------------------------------------------------------


@dataclass
class _Pending:
    referral_keys: set[LotMonth] = field(default_factory=set)
    attendance_keys: set[LotMonth] = field(default_factory=set)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(
    "summaries_pending", default=None
)
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "summaries_suspended", default=False
)


@contextmanager
def suspended() -> Iterator[None]:
    """Leave the summaries alone inside the block (removing or loading data in bulk, where a
    refresh per row would take hours); the caller runs ``summaries_rebuild`` afterwards."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


@contextmanager
def deferred() -> Iterator[None]:
    """Refresh each lot-month marked inside the block once, when it ends (for bulk work such as
    seeding a caseload); nothing is refreshed if the block raises."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(_Pending())
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    summaries_refresh(referral_keys=pending.referral_keys, attendance_keys=pending.attendance_keys)


def summaries_mark(
    *, referral_keys: Iterable[LotMonth] = (), attendance_keys: Iterable[LotMonth] = ()
) -> None:
    """These lot-months changed: refresh them now, or at the end of ``deferred()``."""
    if _suspended.get():
        return
    pending = _pending.get()
    if pending is None:
        summaries_refresh(referral_keys=referral_keys, attendance_keys=attendance_keys)
        return
    pending.referral_keys.update(referral_keys)
    pending.attendance_keys.update(attendance_keys)


def learner_keys(learner_ids: Iterable[int]) -> tuple[set[LotMonth], set[LotMonth]]:
    """The lot-months holding these learners' referrals and attendance."""
    ids = list(learner_ids)
    referral_keys = {
        (lot_id, month_of(sent_at))
        for lot_id, sent_at in Referral.objects.filter(
            learner_id__in=ids, sent_at__isnull=False
        ).values_list("lot_id", "sent_at")
    }
    attendance_keys = set(
        MonthlyAttendance.objects.filter(referral__learner_id__in=ids)
        .values_list("referral__lot_id", "month")
        .distinct()
    )
    return referral_keys, attendance_keys


def _referral_changed(sender, instance: Referral, update_fields=None, **kwargs) -> None:
    if instance.sent_at is None:
        return
    if update_fields is not None and not _REFERRAL_FIELDS.intersection(update_fields):
        return
    summaries_mark(referral_keys=[(instance.lot_id, month_of(instance.sent_at))])


def _attendance_changed(sender, instance: MonthlyAttendance, **kwargs) -> None:
    if _suspended.get():
        return
    lot_id = (
        Referral.objects.filter(pk=instance.referral_id).values_list("lot_id", flat=True).first()
    )
    if lot_id is not None:
        summaries_mark(attendance_keys=[(lot_id, instance.month)])


def _learner_saved(sender, instance: Learner, created: bool, update_fields=None, **kwargs) -> None:
    """A learner's referrals and attendance count for their current municipality."""
    if created or (update_fields is not None and "municipality" not in update_fields):
        return
    if _suspended.get():
        return
    referral_keys, attendance_keys = learner_keys([instance.pk])
    summaries_mark(referral_keys=referral_keys, attendance_keys=attendance_keys)


post_save.connect(_referral_changed, sender=Referral, dispatch_uid="summaries-referral-saved")
post_delete.connect(_referral_changed, sender=Referral, dispatch_uid="summaries-referral-deleted")
post_save.connect(
    _attendance_changed, sender=MonthlyAttendance, dispatch_uid="summaries-attendance-saved"
)
post_delete.connect(
    _attendance_changed, sender=MonthlyAttendance, dispatch_uid="summaries-attendance-deleted"
)
post_save.connect(_learner_saved, sender=Learner, dispatch_uid="summaries-learner-saved")
