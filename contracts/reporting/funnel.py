"""Referrals: the funnel (sent, accepted, declined, started…), the lead times to an answer and
to a start (median and 90th percentile), and the SLA breaches, per provider."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from contracts.models import Referral
from contracts.referrals import referral_declines, referral_sla_conditions
from contracts.reporting.frames import (
    ReportFilter,
    State,
    _all_providers,
    _frame,
    _int_columns,
    _none_for_missing,
    _per_provider,
    _provider_names,
    _referral_counts_per_lot,
    _renamed,
    _sent_referrals,
)

FUNNEL_COUNTS = (
    "sent",
    "accepted",
    "declined",
    "withdrawn",
    "started",
    "completed",
    "stopped",
    "awaiting_answer",
    "awaiting_start",
)
FUNNEL_COLUMNS = ("provider_id", "provider_name", *FUNNEL_COUNTS)


def referral_funnel(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """How far the referrals sent in the period got, per provider, with a total row last
    (``provider_id`` missing).

    Columns: ``provider_id``, ``provider_name``; ``sent`` (all of them), ``accepted`` (accepted
    at some time, including those started, ended or withdrawn since), ``declined``,
    ``withdrawn`` (by the municipality, after sending), ``started`` (including those ended
    since), ``completed``, ``stopped``; and where the others are now: ``awaiting_answer`` (still
    sent), ``awaiting_start`` (accepted, not started). So ``sent = accepted + declined +
    awaiting_answer + withdrawn before an answer``, and ``started = completed + stopped + those
    still running``.
    """
    per_lot = _referral_counts_per_lot(report_filter or ReportFilter(), FUNNEL_COUNTS)
    if per_lot.empty:
        return _frame(per_lot, FUNNEL_COLUMNS)
    return _frame(_per_provider(per_lot, FUNNEL_COUNTS), FUNNEL_COLUMNS)


def histogram_quantile(values: Sequence[float], counts: Sequence[int], q: float) -> float | None:
    """The ``q``-quantile of ``values`` each repeated ``counts`` times, with linear
    interpolation between the two nearest ranks (numpy's default and PostgreSQL's
    ``percentile_cont``), without building the repeated list. None when the counts are all 0.
    """
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    sorted_values = np.asarray(values, dtype=float)[order]
    cumulative = np.cumsum(np.asarray(counts, dtype=np.int64)[order])
    if not len(cumulative) or cumulative[-1] == 0:
        return None
    position = (int(cumulative[-1]) - 1) * q
    lower, upper = math.floor(position), math.ceil(position)
    low = sorted_values[np.searchsorted(cumulative, lower, side="right")]
    high = sorted_values[np.searchsorted(cumulative, upper, side="right")]
    return float(low + (high - low) * (position - lower))


LEAD_TIME_COLUMNS = (
    "provider_id",
    "provider_name",
    "accepted",
    "median_days_to_accept",
    "p90_days_to_accept",
    "started",
    "median_days_to_start",
    "p90_days_to_start",
)


def _lead_time_histogram(queryset: QuerySet, days: object) -> pd.DataFrame:
    """Referrals per provider and number of days: a few thousand rows however many referrals."""
    rows = (
        queryset.annotate(days=days)
        .values("lot__contract__provider_id", "days")
        .annotate(referrals=Count("pk"))
        .order_by()
    )
    frame = _renamed(rows, {"lot__contract__provider_id": "provider_id"})
    if frame.empty:
        return pd.DataFrame(columns=["provider_id", "days", "referrals"])
    frame["days"] = [value.days for value in frame["days"]]
    return frame


def _lead_time_summary(histogram: pd.DataFrame, what: str) -> dict[object, dict[str, object]]:
    """Per provider id (and ``None`` for all together): count, median and 90th percentile."""
    found: dict[object, dict[str, object]] = {}
    suffix = {"accepted": "accept", "started": "start"}[what]
    groups = [(provider_id, group) for provider_id, group in histogram.groupby("provider_id")]
    groups.append((None, histogram))
    for provider_id, group in groups:
        days, counts = group["days"].to_numpy(), group["referrals"].to_numpy()
        found[provider_id] = {
            what: int(counts.sum()),
            f"median_days_to_{suffix}": histogram_quantile(days, counts, 0.5),
            f"p90_days_to_{suffix}": histogram_quantile(days, counts, 0.9),
        }
    return found


class _PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont``: the quantile ``fraction`` with linear interpolation."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: object, fraction: float, **extra: object) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class _DaysBetween(Func):
    """Whole days from the second date to the first (PostgreSQL: date minus date)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _lead_time_percentiles(
    cohort: QuerySet[Referral],
) -> tuple[dict[object, dict[str, object]], dict[object, dict[str, object]]]:
    """``_lead_time_summary`` of both lead times, computed by PostgreSQL in two queries (per
    provider, and all together) instead of from histograms in Python: the same figures."""
    sent = TruncDate("sent_at")
    steps = {
        "accept": (Q(accepted_at__isnull=False), _DaysBetween(TruncDate("accepted_at"), sent)),
        "start": (Q(started_on__isnull=False), _DaysBetween(F("started_on"), sent)),
    }
    counts = {"accept": "accepted", "start": "started"}
    aggregates = {}
    for step, (reached, days) in steps.items():
        aggregates[counts[step]] = Count("pk", filter=reached)
        aggregates[f"median_days_to_{step}"] = _PercentileCont(days, 0.5, filter=reached)
        aggregates[f"p90_days_to_{step}"] = _PercentileCont(days, 0.9, filter=reached)
    rows = [
        *cohort.values(provider_id=F("lot__contract__provider_id"))
        .annotate(**aggregates)
        .order_by(),
        {"provider_id": None} | cohort.aggregate(**aggregates),
    ]
    found: tuple[dict, dict] = ({}, {})
    for row in rows:
        for kept, step in zip(found, steps, strict=True):
            if row[counts[step]]:
                kept[row["provider_id"]] = {
                    name: row[name]
                    for name in (counts[step], f"median_days_to_{step}", f"p90_days_to_{step}")
                }
    return found


def lead_times(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """Days from sending a referral to its acceptance and to the learner's start, per provider,
    with a row for all providers together last (``provider_id`` missing).

    For the referrals sent in the period. Days are calendar days between the day sent and the
    day accepted (both in the portal's time zone) or ``started_on``. The database groups the
    referrals by provider and number of days (a small histogram, the same on SQLite and
    PostgreSQL); the median and 90th percentile are read from it with linear interpolation
    (``histogram_quantile``, as PostgreSQL's ``percentile_cont``).

    Columns: ``provider_id``, ``provider_name``, ``accepted`` (referrals accepted),
    ``median_days_to_accept``, ``p90_days_to_accept``, ``started`` (referrals started),
    ``median_days_to_start``, ``p90_days_to_start``; a median or percentile is None when no
    referral got that far.
    """
    report_filter = report_filter or ReportFilter()
    cohort = Referral.objects.filter(_sent_referrals(report_filter))
    if connection.vendor == "postgresql":
        to_accept, to_start = _lead_time_percentiles(cohort)
    else:
        accepted = _lead_time_histogram(
            cohort.filter(accepted_at__isnull=False),
            TruncDate("accepted_at") - TruncDate("sent_at"),
        )
        started = _lead_time_histogram(
            cohort.filter(started_on__isnull=False), F("started_on") - TruncDate("sent_at")
        )
        to_accept = _lead_time_summary(accepted, "accepted")
        to_start = _lead_time_summary(started, "started")
    provider_ids = {pk for pk in [*to_accept, *to_start] if pk is not None}
    if not provider_ids:
        return _frame([], LEAD_TIME_COLUMNS)
    names = _provider_names()
    empty_accept = {"accepted": 0, "median_days_to_accept": None, "p90_days_to_accept": None}
    empty_start = {"started": 0, "median_days_to_start": None, "p90_days_to_start": None}
    rows = [
        {"provider_id": provider_id, "provider_name": names.get(provider_id, "")}
        | to_accept.get(provider_id, empty_accept)
        | to_start.get(provider_id, empty_start)
        for provider_id in sorted(provider_ids, key=lambda pk: (names.get(pk, ""), pk))
    ]
    rows.append(
        {"provider_id": pd.NA, "provider_name": _all_providers()}
        | to_accept.get(None, empty_accept)
        | to_start.get(None, empty_start)
    )
    frame = pd.DataFrame(rows)
    frame["provider_id"] = frame["provider_id"].astype("Int64")
    quantiles = [column for column in LEAD_TIME_COLUMNS if column.startswith(("median", "p90"))]
    return _frame(_none_for_missing(frame, quantiles), LEAD_TIME_COLUMNS)


SLA_COUNTS = (
    "sent",
    "answered",
    "answered_late",
    "answer_overdue",
    "started",
    "started_late",
    "start_overdue",
    "breaches",
)
SLA_COLUMNS = ("provider_id", "provider_name", *SLA_COUNTS)


def sla_breaches(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """The providers' SLA per provider, for the referrals sent in the period, with a total row
    last (``provider_id`` missing). The rules are those of ``contracts.referrals``
    (``referral_sla``, ``referral_sla_history`` and their queryset form
    ``referral_sla_conditions``).

    Columns: ``provider_id``, ``provider_name``, ``sent``; ``answered`` (accepted or declined)
    and ``answered_late`` (on a day after ``answer_due``: accepted by ``accepted_at``, declined
    by the time of declining in the referral's history); ``answer_overdue`` (still unanswered
    and ``answer_due`` passed before ``today``); ``started`` and ``started_late`` (``started_on``
    after ``start_due``); ``start_overdue`` (accepted, not started, ``start_due`` passed);
    ``breaches`` (the sum of the four kinds of breach).
    """
    report_filter = report_filter or ReportFilter()
    rules = referral_sla_conditions(today=today or timezone.localdate())
    per_lot = _referral_counts_per_lot(
        report_filter, ["sent", "answered", "accepted_late", "started", "started_late"]
    )
    if per_lot.empty:
        return _frame(per_lot, SLA_COLUMNS)
    # Overdue depends on today, so it is counted from the referrals still waiting (few, found by
    # the index on their state) rather than kept in the summaries.
    overdue_rows = (
        Referral.objects.filter(
            _sent_referrals(report_filter), state__in=(State.SENT, State.ACCEPTED)
        )
        .values("lot_id")
        .annotate(
            answer_overdue=Count("pk", filter=rules.answer_overdue),
            start_overdue=Count("pk", filter=rules.start_overdue),
        )
        .order_by()
    )
    overdue = pd.DataFrame(list(overdue_rows)).reindex(
        columns=["lot_id", "answer_overdue", "start_overdue"]
    )
    declined_rows = (
        referral_declines()
        .filter(_sent_referrals(report_filter, prefix="referral__"), rules.declined_late)
        .values("referral__lot_id")
        .annotate(declined_late=Count("pk"))
        .order_by()
    )
    declined = _renamed(declined_rows, {"referral__lot_id": "lot_id"})
    per_lot = per_lot.merge(overdue, on="lot_id", how="left")
    per_lot = per_lot.merge(
        declined.reindex(columns=["lot_id", "declined_late"]), on="lot_id", how="left"
    )
    per_lot = _int_columns(per_lot, ["accepted_late", "declined_late"])
    per_lot["answered_late"] = per_lot["accepted_late"] + per_lot["declined_late"]
    per_lot = _int_columns(per_lot, SLA_COUNTS[:-1])
    per_lot["breaches"] = per_lot[
        ["answered_late", "answer_overdue", "started_late", "start_overdue"]
    ].sum(axis=1)
    return _frame(_per_provider(per_lot, SLA_COUNTS), SLA_COLUMNS)
