"""Utilisation: places used against the capacity of each lot and capacity period, per month, per
municipality and month; and every placement, row by row, for the download."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pandas as pd
from django.db.models import Count, DateField, F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy

from contracts import contracting
from contracts.models import ContractStatus, Lot, LotPeriodUse, LotStatus, Referral
from contracts.referrals import COUNTS_AGAINST_CAPACITY
from contracts.reporting.frames import (
    _LOT,
    _REFERRAL,
    ReportFilter,
    State,
    _dimension_q,
    _frame,
    _int_columns,
    _lots,
    _moment_q,
    _periods,
    _referral_months,
    _renamed,
    _sent_referrals,
    _year_bounds,
    uses_summaries,
)
from portal.places.models import Municipality
from providers.choices import Component

# --- Utilisation --------------------------------------------------------------------------------

UTILISATION_COLUMNS = (
    "contract_id",
    "contract_reference",
    "contract_ends_on",
    "contract_ending_soon",
    "provider_id",
    "provider_name",
    "lot_id",
    "lot_label",
    "component",
    "period_start",
    "period_end",
    "capacity",
    "overrides",
    "lot_placements",
    "placements",
    "share",
    "above_threshold",
)


def utilisation(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """Placements against capacity, one row per lot and capacity period in the report period.

    The lots are those with capacity counted in the period (``LotPeriodUse``) and the active lots
    of active contracts in force in it; a period in which nothing was placed shows 0 placements.
    Without a period, the current calendar year.

    Columns: ``contract_id``, ``contract_reference``, ``contract_ends_on``,
    ``contract_ending_soon`` (``contracting.contracts_ending_soon``: active and ending within 90
    days of ``today``), ``provider_id``, ``provider_name``, ``lot_id``, ``lot_label`` (its name,
    or its component), ``component``, ``period_start``/``period_end`` (the capacity period, both
    days included), ``capacity`` (agreed places in the period), ``overrides`` (places contract
    managers added over capacity), ``lot_placements`` (placements counted in the period, all
    municipalities), ``placements`` (those of the filter's municipality; equal to
    ``lot_placements`` without one), ``share`` (``lot_placements / capacity``) and
    ``above_threshold`` (``contracting.utilisation_reaches_threshold``: at least 80 %).
    """
    report_filter = report_filter or ReportFilter()
    today = today or timezone.localdate()
    start, end = _year_bounds(report_filter, today)

    counted = pd.DataFrame(
        list(
            LotPeriodUse.objects.filter(
                _dimension_q(report_filter, _LOT, prefix="lot__"),
                period_start__lte=end,
                period_end__gte=start,
            )
            .values("lot_id", "period_start", "period_end", "capacity", "overrides", "used")
            .order_by()
        ),
        columns=["lot_id", "period_start", "period_end", "capacity", "overrides", "used"],
    ).rename(columns={"used": "lot_placements"})
    lots = _lots(
        Lot.objects.filter(_dimension_q(report_filter, _LOT)),
        "status",
        "capacity",
        "capacity_period",
        "contract__status",
        "contract__starts_on",
    )
    in_force = lots[
        (lots["status"] == LotStatus.ACTIVE)
        & (lots["contract__status"] == ContractStatus.ACTIVE)
        & (lots["contract__starts_on"] <= end)
        & (lots["contract_ends_on"] >= start)
    ]
    seen = set(zip(counted["lot_id"], counted["period_start"], strict=True))
    uncounted = [
        {
            "lot_id": lot_id,
            "period_start": period_start,
            "period_end": period_end,
            "capacity": capacity,
            "overrides": 0,
            "lot_placements": 0,
        }
        for lot_id, capacity, kind, starts_on, ends_on in in_force[
            ["lot_id", "capacity", "capacity_period", "contract__starts_on", "contract_ends_on"]
        ].itertuples(index=False)
        for period_start, period_end in _periods(kind, max(start, starts_on), min(end, ends_on))
        if (lot_id, period_start) not in seen
    ]
    frame = pd.concat(
        [part for part in (counted, pd.DataFrame(uncounted)) if not part.empty]
        or [pd.DataFrame(columns=counted.columns)],
        ignore_index=True,
    )
    if frame.empty:
        return _frame(frame, UTILISATION_COLUMNS)
    frame = _int_columns(frame, ["capacity", "overrides", "lot_placements"]).merge(
        lots.drop(columns=["capacity"]), on="lot_id"
    )

    if report_filter.municipality is None:
        frame["placements"] = frame["lot_placements"]
    else:
        local = (
            Referral.objects.filter(
                _dimension_q(report_filter, _REFERRAL),
                state__in=COUNTS_AGAINST_CAPACITY,
                period_use__period_start__lte=end,
                period_use__period_end__gte=start,
            )
            .values("lot_id", "period_use__period_start")
            .annotate(placements=Count("pk"))
            .order_by()
        )
        placed = {
            (row["lot_id"], row["period_use__period_start"]): row["placements"] for row in local
        }
        frame["placements"] = [
            placed.get(key, 0) for key in zip(frame["lot_id"], frame["period_start"], strict=True)
        ]

    ending = set(contracting.contracts_ending_soon(today=today).values_list("pk", flat=True))
    frame["contract_ending_soon"] = frame["contract_id"].isin(ending)
    frame["share"] = frame["lot_placements"] / frame["capacity"].where(frame["capacity"] > 0)
    frame["above_threshold"] = [
        contracting.utilisation_reaches_threshold(used=int(used), capacity=int(capacity))
        for used, capacity in zip(frame["lot_placements"], frame["capacity"], strict=True)
    ]
    frame = frame.sort_values(["contract_reference", "lot_id", "period_start"])
    return _frame(frame, UTILISATION_COLUMNS)


UTILISATION_MONTH_COLUMNS = (
    "month",
    "contract_id",
    "contract_reference",
    "provider_id",
    "provider_name",
    "lot_id",
    "lot_label",
    "component",
    "municipality_id",
    "municipality_name",
    "period_start",
    "period_capacity",
    "placements",
)


def _placements_sent(
    report_filter: ReportFilter, start: datetime.date, end: datetime.date
) -> QuerySet[Referral]:
    """Referrals counted in their lot's capacity, sent from ``start`` to ``end``, with the
    ``month`` they were sent (when they took their place)."""
    return Referral.objects.filter(
        _dimension_q(report_filter, _REFERRAL),
        _moment_q("sent_at", start, end),
        state__in=COUNTS_AGAINST_CAPACITY,
        period_use__isnull=False,
    ).annotate(month=TruncMonth("sent_at", output_field=DateField()))


def utilisation_by_month(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """Placements per month, lot and municipality: referrals counted in their lot's capacity
    (``referrals.COUNTS_AGAINST_CAPACITY``) by the month they were sent, which is when they took
    their place. Without a period, the current calendar year. Months without placements have no
    row.

    Columns: ``month`` (its first day), ``contract_id``, ``contract_reference``,
    ``provider_id``, ``provider_name``, ``lot_id``, ``lot_label``, ``component``,
    ``municipality_id``/``municipality_name`` (the learners'), ``period_start`` and
    ``period_capacity`` (the capacity period the placements count in, and its agreed capacity)
    and ``placements``.
    """
    report_filter = report_filter or ReportFilter()
    start, end = _year_bounds(report_filter, today or timezone.localdate())
    rows = (
        _placements_sent(report_filter, start, end)
        .values(
            "lot_id",
            "learner__municipality_id",
            "period_use__period_start",
            "period_use__capacity",
            "month",
        )
        .annotate(placements=Count("pk"))
        .order_by()
    )
    frame = _renamed(
        rows,
        {
            "learner__municipality_id": "municipality_id",
            "period_use__period_start": "period_start",
            "period_use__capacity": "period_capacity",
        },
    )
    if frame.empty:
        return _frame(frame, UTILISATION_MONTH_COLUMNS)
    names = dict(Municipality.objects.values_list("pk", "name"))
    frame = frame.merge(_lots(), on="lot_id").assign(
        municipality_name=lambda rows: rows["municipality_id"].map(names)
    )
    frame = frame.sort_values(["month", "contract_reference", "lot_id", "municipality_name"])
    return _frame(frame, UTILISATION_MONTH_COLUMNS)


PLACEMENT_MONTH_COLUMNS = ("month", "municipality_id", "municipality_name", "placements")


def placements_by_municipality_month(
    report_filter: ReportFilter | None = None, *, today: datetime.date | None = None
) -> pd.DataFrame:
    """The placements of ``utilisation_by_month`` summed per month and municipality only: the
    same referrals, grouped by the database into a few thousand rows at national scale instead
    of one per lot as well (for the totals per municipality and per month)."""
    report_filter = report_filter or ReportFilter()
    start, end = _year_bounds(report_filter, today or timezone.localdate())
    if uses_summaries(start, end):
        rows = (
            _referral_months(report_filter, start, end)
            .filter(placements__gt=0)
            .values("municipality_id", "month")
            .annotate(placements=Sum("placements"))
            .order_by()
        )
    else:
        rows = (
            _placements_sent(report_filter, start, end)
            .values(municipality_id=F("learner__municipality_id"), month=F("month"))
            .annotate(placements=Count("pk"))
            .order_by()
        )
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return _frame(frame, PLACEMENT_MONTH_COLUMNS)
    names = dict(Municipality.objects.values_list("pk", "name"))
    frame["municipality_name"] = frame["municipality_id"].map(names)
    return _frame(frame.sort_values(["month", "municipality_name"]), PLACEMENT_MONTH_COLUMNS)


# --- All placements, for the download -----------------------------------------------------------

PLACEMENT_EXPORT_LABELS = {
    "pk": gettext_lazy("Referral number"),
    "learner__municipality__name": gettext_lazy("Municipality"),
    "lot__contract__provider__name": gettext_lazy("Provider"),
    "lot__contract__reference": gettext_lazy("Contract"),
    "lot__name": gettext_lazy("Lot"),
    "lot__component": gettext_lazy("Component"),
    "state": gettext_lazy("State"),
    "sent_at": gettext_lazy("Sent at"),
    "answer_due": gettext_lazy("Answer due"),
    "accepted_at": gettext_lazy("Accepted at"),
    "start_due": gettext_lazy("Start due"),
    "started_on": gettext_lazy("Started on"),
    "ended_on": gettext_lazy("Ended on"),
}
"""The columns of the placements download. The learner appears only through their municipality:
the download is for contract management, and names stay behind the referral's own page."""


def placement_count(report_filter: ReportFilter | None = None) -> int:
    """How many rows ``placement_rows`` gives for the filter (one COUNT)."""
    return Referral.objects.filter(_sent_referrals(report_filter or ReportFilter())).count()


def placement_rows(report_filter: ReportFilter | None = None) -> Iterator[list[object]]:
    """Every referral sent in the period (the funnel's cohort), one list per row in the order of
    ``PLACEMENT_EXPORT_LABELS``, read from the database in chunks so that memory stays flat
    however many there are (a server-side cursor on PostgreSQL)."""
    report_filter = report_filter or ReportFilter()
    components = dict(Component.choices)
    states = dict(State.choices)
    rows = (
        Referral.objects.filter(_sent_referrals(report_filter))
        .order_by("pk")
        .values_list(*PLACEMENT_EXPORT_LABELS)
    )
    component_at = list(PLACEMENT_EXPORT_LABELS).index("lot__component")
    state_at = list(PLACEMENT_EXPORT_LABELS).index("state")
    for row in rows.iterator(chunk_size=2000):
        values = list(row)
        values[component_at] = str(components.get(values[component_at], values[component_at]))
        values[state_at] = str(states.get(values[state_at], values[state_at]))
        yield values
