"""The self-paid market: enrolments, DUO loans, payments, refunds and cancellations per provider
and month, and who waits on a waiting list for a start to come."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from contracts.reporting.frames import (
    _START_MOMENT,
    ReportFilter,
    _day_q,
    _dimension_q,
    _frame,
    _int_columns,
    _moment_q,
    _provider_names,
    _renamed,
)
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import Payment
from portal.payments.selectors import RECEIPT_STATUSES

# --- The self-paid market -----------------------------------------------------------------------

MARKET_COUNTS = (
    "enrolments",
    "duo_loan_enrolments",
    "cancellations",
    "paid_cents",
    "refunded_cents",
    "revenue_cents",
    "waiting_list_joined",
)
MARKET_COLUMNS = ("provider_id", "provider_name", "month", *MARKET_COUNTS)


def _by_provider_and_month(
    queryset: QuerySet, *, prefix: str, moment: str, **aggregates: object
) -> pd.DataFrame:
    provider = f"{prefix}offering__provider_id"
    rows = (
        queryset.annotate(month=TruncMonth(moment, output_field=DateField()))
        .values(provider, "month")
        .annotate(**aggregates)
        .order_by()
    )
    frame = _renamed(rows, {provider: "provider_id"})
    return frame.reindex(columns=["provider_id", "month", *aggregates])


def self_paid_market(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """Gezinsmigranten's self-paid courses per provider and month; each event counts in the
    month it happened.

    Columns: ``provider_id``, ``provider_name``, ``month`` (first day); ``enrolments``
    (confirmed that month: paid online or by DUO loan), of which ``duo_loan_enrolments``;
    ``cancellations`` (confirmed enrolments cancelled that month; a held place given up before
    paying is not a sale and not counted); ``paid_cents`` (payments received: those with a
    receipt, ``selectors.RECEIPT_STATUSES``, by the day paid), ``refunded_cents`` (refunded that
    month), ``revenue_cents`` (paid minus refunded); ``waiting_list_joined`` (learners who joined
    a waiting list). DUO-loan places bring no payment through the portal: DUO pays the provider
    after the lessons.
    """
    report_filter = report_filter or ReportFilter()
    period = (report_filter.date_from, report_filter.date_until)
    enrolments = Enrolment.objects.filter(
        _dimension_q(report_filter, _START_MOMENT, prefix="start_moment__")
    )
    payments = Payment.objects.filter(
        _dimension_q(report_filter, _START_MOMENT, prefix="enrolment__start_moment__")
    )
    frames = [
        _by_provider_and_month(
            enrolments.filter(_moment_q("confirmed_at", *period), confirmed_at__isnull=False),
            prefix="start_moment__",
            moment="confirmed_at",
            enrolments=Count("pk"),
            duo_loan_enrolments=Count(
                "pk", filter=Q(payment_method=Enrolment.PaymentMethod.DUO_LOAN)
            ),
        ),
        _by_provider_and_month(
            enrolments.filter(
                _moment_q("cancelled_at", *period),
                cancelled_at__isnull=False,
                confirmed_at__isnull=False,
            ),
            prefix="start_moment__",
            moment="cancelled_at",
            cancellations=Count("pk"),
        ),
        _by_provider_and_month(
            payments.filter(
                _moment_q("paid_at", *period), status__in=RECEIPT_STATUSES, paid_at__isnull=False
            ),
            prefix="enrolment__start_moment__",
            moment="paid_at",
            paid_cents=Sum("amount_cents"),
        ),
        _by_provider_and_month(
            payments.filter(
                _moment_q("refunded_at", *period),
                refunded_at__isnull=False,
                amount_refunded_cents__gt=0,
            ),
            prefix="enrolment__start_moment__",
            moment="refunded_at",
            refunded_cents=Sum("amount_refunded_cents"),
        ),
        _by_provider_and_month(
            WaitingListEntry.objects.filter(
                _dimension_q(report_filter, _START_MOMENT, prefix="start_moment__"),
                _moment_q("created_at", *period),
            ),
            prefix="start_moment__",
            moment="created_at",
            waiting_list_joined=Count("pk"),
        ),
    ]
    keys = ["provider_id", "month"]
    present = [frame for frame in frames if not frame.empty]
    if not present:
        return _frame([], MARKET_COLUMNS)
    merged = present[0]
    for frame in present[1:]:
        merged = merged.merge(frame, on=keys, how="outer")
    merged = merged.reindex(columns=[*keys, *MARKET_COUNTS])
    merged = _int_columns(merged, [column for column in MARKET_COUNTS if column != "revenue_cents"])
    merged["revenue_cents"] = merged["paid_cents"] - merged["refunded_cents"]
    merged["provider_name"] = merged["provider_id"].map(_provider_names())
    return _frame(merged.sort_values(["provider_name", "provider_id", "month"]), MARKET_COLUMNS)


WAITING_LIST_COLUMNS = (
    "provider_id",
    "provider_name",
    "offering_id",
    "offering_title",
    "start_moment_id",
    "starts_on",
    "seats",
    "waiting",
)


def waiting_lists(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """Learners waiting now for a seat on a start date that is still to come (from ``today``),
    per start date; the period narrows the start dates.

    Columns: ``provider_id``, ``provider_name``, ``offering_id``, ``offering_title``,
    ``start_moment_id``, ``starts_on``, ``seats`` (of the start date) and ``waiting``.
    """
    report_filter = report_filter or ReportFilter()
    today = today or timezone.localdate()
    rows = (
        WaitingListEntry.objects.filter(
            _dimension_q(report_filter, _START_MOMENT, prefix="start_moment__"),
            _day_q("start_moment__starts_on", report_filter.date_from, report_filter.date_until),
            state=WaitingListEntry.State.WAITING,
            start_moment__starts_on__gte=today,
        )
        .values(
            "start_moment_id",
            provider_id=F("start_moment__offering__provider_id"),
            provider_name=F("start_moment__offering__provider__name"),
            offering_id=F("start_moment__offering_id"),
            offering_title=F("start_moment__offering__title"),
            starts_on=F("start_moment__starts_on"),
            seats=F("start_moment__seats"),
        )
        .annotate(waiting=Count("pk"))
        .order_by()
    )
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return _frame(frame, WAITING_LIST_COLUMNS)
    frame = frame.sort_values(["provider_name", "starts_on", "start_moment_id"])
    return _frame(frame, WAITING_LIST_COLUMNS)
