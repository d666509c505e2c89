"""The contract manager's figures (issue 6): plain functions that return pandas DataFrames.

Each function lets the database aggregate first (``values()`` + ``annotate()`` with ``Count``,
``Sum``, ``TruncMonth``…), so only grouped rows reach Python, and finishes in pandas (merges,
rates, percentiles). The number of queries per function is fixed; it does not grow with the data.
Views only render the frames (``frame_rows`` turns one into plain dicts for templates and
exports); no function here knows about requests or templates.

At national scale the largest groupings are kept ready in monthly summary tables
(``contracts.summaries``): the funnel, the SLA, placements per municipality and month and the
attendance add those up when the period is made of whole months (``uses_summaries``; the
dashboard's default is a calendar year) and group the referrals themselves otherwise, with the
same definitions. Lead times on PostgreSQL are its ``percentile_cont``; elsewhere a histogram.

Filters (``ReportFilter``, parsed from the page's GET parameters) apply to each report as follows:

=====================  ========================================  ===============================
report                 the period applies to                     the municipality is
=====================  ========================================  ===============================
utilisation            capacity periods overlapping it (default  the lots covering it; placements
                       the current calendar year)                of its learners
utilisation_by_month   the day a referral was sent (idem)        the learner's municipality
referral_funnel,       the day a referral was sent: the figures  the learner's municipality
lead_times,            follow that cohort of referrals to today
sla_breaches
attendance             the reported month                        the learner's municipality
late_reporters         not used: the last month whose deadline   the learner's municipality
                       has passed
outcomes               the day a placement ended, the day an     the learner's municipality
                       exam was taken
self_paid_market       the day of each event (confirmed, paid,   the municipality of the course's
                       refunded, cancelled, joined the list)     location
waiting_lists          the start date                            idem
forecast               not used: the year asked                  demand of that municipality;
                                                                 the lots covering it
=====================  ========================================  ===============================

The component is the lot's component (for self-paid figures the offering's), the provider the
contract's (the offering's). Learners' municipality is their current one (after a warm transfer,
the receiving municipality's). A klantmanager's filter is locked to their municipality
(``ReportFilter.from_query(..., user=...)``): they see the same figures, narrowed to it. Lot-wide
figures (a lot's capacity and its placements over all municipalities) are contract information,
not personal data, and stay visible to them.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import contracting, summaries
from contracts.models import (
    AttendanceMonth,
    Contract,
    ContractStatus,
    ExamResult,
    Lot,
    LotPeriodUse,
    LotStatus,
    MonthlyAttendance,
    Municipality,
    Referral,
    ReferralMonth,
    ReferralState,
)
from contracts.referrals import (
    COUNTS_AGAINST_CAPACITY,
    referral_declines,
    referral_sla_conditions,
)
from portal.accounts.models import Role
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import Payment
from portal.payments.selectors import RECEIPT_STATUSES
from providers.choices import Component, EducationLevel
from providers.models import Provider

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

MIN_GROUP = 10
"""Rates (completion, exam pass rate) are shown only for groups of at least this many learners;
below it the rate is None and ``too_few`` is True. Small groups make a percentage swing wildly
and can point at individual learners."""

ATTENDANCE_REPORT_WORKING_DAYS = 10
"""A month's attendance must be reported by the 10th working day of the next month (Monday to
Friday, counted as ``contracting.working_days_after`` counts the SLA days; public holidays are
not skipped). Divosa's guidance on managing the routes asks for monthly attendance; the contracts
set no day, so this gives providers two working weeks to collect the registers. A provider is
late from the day after the deadline."""

DEFAULT_ROUTE_SPLIT = (60, 25, 15)
"""The expected split of statushouders over the routes, in percent, in the order (B1-route,
onderwijsroute, Z-route): 60 % B1, 25 % onderwijsroute, 15 % Z (domain notes, "Volumes")."""

MAP_EXEMPT_ROUTES = frozenset({Component.ONDERWIJSROUTE})
"""Learners in these routes are exempt from the MAP (domain notes, "Route contents": "MAP …
the onderwijsroute is exempt"), so the forecast expects no MAP place for them."""

_MIN_YEAR, _MAX_YEAR = 1900, 2100
State = ReferralState


# --- The filter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What the figures are narrowed to; every part optional.

    ``date_from``/``date_until`` are inclusive days. ``locked_municipality_id`` restricts the
    figures to one municipality whatever ``municipality_id`` says (a klantmanager's own; ``0``
    for a klantmanager without one, which matches nothing). ``errors`` lists what
    ``from_query`` could not use, as ``(parameter, message)`` pairs: a bad value is left out and
    the page says so beside the field, rather than failing.
    """

    date_from: datetime.date | None = None
    date_until: datetime.date | None = None
    municipality_id: int | None = None
    component: str | None = None
    provider_id: int | None = None
    locked_municipality_id: int | None = None
    errors: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    PARAMETERS = ("from", "until", "municipality", "component", "provider")

    def __post_init__(self) -> None:
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError("date_from must not be after date_until")
        if self.component is not None and self.component not in Component.values:
            raise ValueError(f"Unknown component: {self.component!r}")

    @property
    def municipality(self) -> int | None:
        """The municipality the figures are narrowed to: the locked one, else the chosen one."""
        if self.locked_municipality_id is not None:
            return self.locked_municipality_id
        return self.municipality_id

    @property
    def error_messages(self) -> dict[str, str]:
        return dict(self.errors)

    def restricted_to(self, municipality_id: int | None) -> ReportFilter:
        """This filter locked to one municipality (``None`` or ``0``: to none at all)."""
        locked = municipality_id or 0
        chosen = self.municipality_id if self.municipality_id == locked else None
        return replace(self, municipality_id=chosen, locked_municipality_id=locked)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, user: User | None = None) -> ReportFilter:
        """Read ``from``, ``until`` (YYYY-MM-DD), ``municipality``, ``provider`` (ids) and
        ``component`` (a ``Component`` code) from GET parameters.

        Bad values are left out, each with a message in ``errors``; a period whose end is before
        its start loses its end. A klantmanager (``user``) is locked to their own municipality;
        asking for another one is left out with a message.
        """
        errors: list[tuple[str, str]] = []
        values: dict[str, object] = {}

        def text(name: str) -> str:
            return (query.get(name) or "").strip()

        for name, attribute in (("from", "date_from"), ("until", "date_until")):
            if raw := text(name):
                try:
                    day = datetime.date.fromisoformat(raw)
                except ValueError:
                    errors.append((name, _("Enter a date as YYYY-MM-DD, e.g. 2026-01-31.")))
                    continue
                if _MIN_YEAR <= day.year <= _MAX_YEAR:
                    values[attribute] = day
                else:
                    message = _("Enter a date between %(first)s and %(last)s.")
                    errors.append((name, message % {"first": _MIN_YEAR, "last": _MAX_YEAR}))
        if (
            "date_from" in values
            and "date_until" in values
            and values["date_from"] > values["date_until"]
        ):
            del values["date_until"]
            errors.append(
                ("until", _("The end of the period is before its start; it was left out."))
            )
        for name, attribute, message in (
            ("municipality", "municipality_id", _("Choose a municipality from the list.")),
            ("provider", "provider_id", _("Choose a provider from the list.")),
        ):
            if raw := text(name):
                number = _parse_id(raw)
                if number is None:
                    errors.append((name, message))
                else:
                    values[attribute] = number
        if raw := text("component"):
            if raw in Component.values:
                values["component"] = raw
            else:
                errors.append(("component", _("Choose a component from the list.")))

        report_filter = cls(**values)
        if user is not None and user.role == Role.CASE_MANAGER and not user.is_superuser:
            asked = report_filter.municipality_id
            report_filter = report_filter.restricted_to(user.municipality_id)
            if asked is not None and asked != user.municipality_id:
                errors.append(
                    ("municipality", _("You see the figures of your own municipality only."))
                )
        return replace(report_filter, errors=tuple(errors))

    def to_query(self) -> str:
        """The filter as GET parameters (without ``?``), for links that keep it; the locked
        municipality is left out (it comes from the user)."""
        pairs = [
            ("from", self.date_from.isoformat() if self.date_from else None),
            ("until", self.date_until.isoformat() if self.date_until else None),
            ("municipality", self.municipality_id),
            ("component", self.component),
            ("provider", self.provider_id),
        ]
        return urlencode([(name, value) for name, value in pairs if value is not None])


def _parse_id(raw: str) -> int | None:
    if not raw.isascii() or not raw.isdigit():
        return None
    number = int(raw)
    return number if 0 < number < 2**63 else None


def dashboard_viewer(user: User | AnonymousUser) -> bool:
    """May ``user`` see the contract dashboard and its forecast? Contract managers and
    superusers see every municipality; klantmanagers see theirs only, because
    ``ReportFilter.from_query(..., user=user)`` locks the filter to it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in {Role.CONTRACT_MANAGER, Role.CASE_MANAGER})
    )


# --- Shared pieces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paths:
    """Where municipality, component and provider are found from a report's model."""

    municipality: str
    component: str
    provider: str


_REFERRAL = _Paths("learner__municipality_id", "lot__component", "lot__contract__provider_id")
_LOT = _Paths("contract__municipalities", "component", "contract__provider_id")
_START_MOMENT = _Paths("location__municipality_id", "offering__component", "offering__provider_id")
_SUMMARY = _Paths("municipality_id", "lot__component", "lot__contract__provider_id")

# Lot fields (from ``Lot``) → DataFrame column.
_LOT_COLUMNS = {
    "contract_id": "contract_id",
    "contract__reference": "contract_reference",
    "contract__ends_on": "contract_ends_on",
    "contract__provider_id": "provider_id",
    "contract__provider__name": "provider_name",
    "id": "lot_id",
    "name": "lot_name",
    "component": "component",
    "education_level": "education_level",
}


def _dimension_q(report_filter: ReportFilter, paths: _Paths, prefix: str = "") -> Q:
    condition = Q()
    if report_filter.municipality is not None:
        condition &= Q(**{prefix + paths.municipality: report_filter.municipality})
    if report_filter.component is not None:
        condition &= Q(**{prefix + paths.component: report_filter.component})
    if report_filter.provider_id is not None:
        condition &= Q(**{prefix + paths.provider: report_filter.provider_id})
    return condition


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _moment_q(name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """``name`` (a datetime) falls on a day from ``start`` to ``end`` in the portal's time zone;
    compared with the day boundaries, so an index on the column can be used."""
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{name}__gte": _day_start(start)})
    if end is not None:
        condition &= Q(**{f"{name}__lt": _day_start(end + datetime.timedelta(days=1))})
    return condition


def _day_q(name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{name}__gte": start})
    if end is not None:
        condition &= Q(**{f"{name}__lte": end})
    return condition


def _year_bounds(
    report_filter: ReportFilter, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The filter's period; a missing start is 1 January of the end's year (or this year), a
    missing end 31 December of this year (or of the start's year, if later)."""
    end = report_filter.date_until
    start = report_filter.date_from or datetime.date((end or today).year, 1, 1)
    if end is None:
        end = datetime.date(max(today.year, start.year), 12, 31)
    return start, end


def uses_summaries(start: datetime.date | None, end: datetime.date | None) -> bool:
    """Can a period from ``start`` to ``end`` (either open) be added up from the monthly
    summaries of ``contracts.summaries``? Only when it is made of whole months; other periods
    are grouped from the referrals themselves, to the day."""
    return (start is None or start.day == 1) and (end is None or end == _month_end(end))


def _referral_months(
    report_filter: ReportFilter, start: datetime.date | None, end: datetime.date | None
) -> QuerySet[ReferralMonth]:
    return ReferralMonth.objects.filter(
        _dimension_q(report_filter, _SUMMARY), _day_q("month", start, end)
    )


def _referral_counts_per_lot(report_filter: ReportFilter, counts: Sequence[str]) -> pd.DataFrame:
    """Per lot (``lot_id``), the ``counts`` (columns of ``summaries.referral_counts``) of the
    referrals sent in the filter's period: from the summaries when it is made of whole months,
    else from the referrals."""
    period = (report_filter.date_from, report_filter.date_until)
    if uses_summaries(*period):
        rows = _referral_months(report_filter, *period).values("lot_id")
        rows = rows.annotate(**{name: Sum(name) for name in counts})
    else:
        aggregates = summaries.referral_counts()
        rows = Referral.objects.filter(_sent_referrals(report_filter)).values("lot_id")
        rows = rows.annotate(**{name: aggregates[name] for name in counts})
    return _int_columns(pd.DataFrame(list(rows.order_by())), counts)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _lot_label(name: str, component: str, education_level: str) -> str:
    if name:
        return name
    label = str(Component(component).label) if component in Component.values else component
    if education_level in EducationLevel.values:
        return f"{label} ({EducationLevel(education_level).label})"
    return label


def _lots(queryset: QuerySet[Lot] | None = None, *extra: str) -> pd.DataFrame:
    """Lots with their contract, provider and ``lot_label`` (the lot's name, or its component),
    one row per lot; ``extra`` lot fields are added under their own names.

    One small query (a few thousand lots nationally). The reports let the database group on lot
    ids and join these details in pandas: grouping a million rows on names and references makes
    PostgreSQL sort them on disk.
    """
    queryset = Lot.objects.all() if queryset is None else queryset
    rows = queryset.values(*_LOT_COLUMNS, *extra).order_by()
    frame = pd.DataFrame(list(rows), columns=[*_LOT_COLUMNS, *extra]).rename(columns=_LOT_COLUMNS)
    frame["lot_label"] = [
        _lot_label(name or "", component, level or "")
        for name, component, level in zip(
            frame["lot_name"], frame["component"], frame["education_level"], strict=True
        )
    ]
    return frame


def _provider_names() -> dict[int, str]:
    return dict(Provider.objects.values_list("pk", "name"))


def _frame(rows: Sequence[Mapping] | pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``rows`` as a frame with exactly ``columns``, in that order (an empty frame keeps them)."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return frame.reindex(columns=list(columns)).reset_index(drop=True)


def _renamed(queryset: QuerySet, columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(queryset)).rename(columns=dict(columns))


def _per_provider(per_lot: pd.DataFrame, counts: Sequence[str]) -> pd.DataFrame:
    """Counts per lot (``lot_id`` and ``counts``) added up per provider, the providers by name,
    and a total row last (``provider_id`` missing)."""
    lots = _lots()[["lot_id", "provider_id", "provider_name"]]
    frame = (
        per_lot.merge(lots, on="lot_id")
        .groupby(["provider_id", "provider_name"], as_index=False)[list(counts)]
        .sum()
        .sort_values(["provider_name", "provider_id"])
    )
    return _add_total_row(_int_columns(frame, counts), counts)


def _add_total_row(frame: pd.DataFrame, counts: Sequence[str]) -> pd.DataFrame:
    """The providers' rows and, at the end, a total row (``provider_id`` missing)."""
    if frame.empty:
        return frame
    total = {column: int(frame[column].sum()) for column in counts}
    total |= {"provider_id": pd.NA, "provider_name": _all_providers()}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["provider_id"] = frame["provider_id"].astype("Int64")
    return frame


def _all_providers() -> str:
    return _("All providers")


def _none_for_missing(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` as Python objects with None, not NaN, where a figure is missing."""
    return frame.assign(
        **{
            column: frame[column].astype(object).where(frame[column].notna(), None)
            for column in columns
        }
    )


def _int_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.assign(**{column: frame[column].fillna(0).astype(int) for column in columns})


def _periods(
    kind: str, start: datetime.date, end: datetime.date
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """The calendar capacity periods of ``kind`` that overlap ``start`` to ``end``."""
    if start > end:
        return
    period = contracting.period_containing(kind=kind, on=start)
    while period[0] <= end:
        yield period
        period = contracting.period_containing(kind=kind, on=period[1] + datetime.timedelta(days=1))


def frame_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The frame's rows as plain dicts for templates and exports: missing values (NaN, NA,
    NaT) become None, numpy numbers become Python ones."""
    if frame.empty:
        return []
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in row.items()
        }
        for row in plain.to_dict("records")
    ]


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


# --- Referrals: funnel, lead times, SLA ---------------------------------------------------------


def _sent_referrals(report_filter: ReportFilter, prefix: str = "") -> Q:
    """The cohort: referrals sent in the period (drafts never sent are not in it)."""
    return (
        _dimension_q(report_filter, _REFERRAL, prefix=prefix)
        & Q(**{f"{prefix}sent_at__isnull": False})
        & _moment_q(f"{prefix}sent_at", report_filter.date_from, report_filter.date_until)
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
            _dimension_q(report_filter, _REFERRAL),
            Q(ended_on__isnull=True) | Q(ended_on__gte=month),
            state__in=(State.STARTED, State.COMPLETED, State.STOPPED),
            started_on__lte=_month_end(month),
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


# --- Outcomes -----------------------------------------------------------------------------------

COMPLETION = "COMPLETION"
OUTCOME_COLUMNS = (
    "provider_id",
    "provider_name",
    "component",
    "measure",
    "measure_label",
    "learners",
    "succeeded",
    "failed",
    "rate",
    "too_few",
)


def outcomes(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """Completions and exam results per provider and route (the lot's component), one row per
    measure, with the number of learners behind each figure.

    ``measure`` is ``COMPLETION`` (placements that ended in the period: ``succeeded`` completed,
    ``failed`` stopped) or an exam code (``ExamResult.Exam``, exams taken in the period:
    ``succeeded`` passed, ``failed`` not passed; a retake counts as another exam).
    ``measure_label`` names it. ``learners`` is the number of different learners behind the row.
    ``rate`` is ``succeeded / (succeeded + failed)`` when ``learners`` is at least ``MIN_GROUP``,
    else None with ``too_few`` True.
    """
    report_filter = report_filter or ReportFilter()
    period = (report_filter.date_from, report_filter.date_until)
    endings = (
        Referral.objects.filter(
            _dimension_q(report_filter, _REFERRAL),
            _day_q("ended_on", *period),
            state__in=(State.COMPLETED, State.STOPPED),
        )
        .values("lot__contract__provider_id", "lot__component")
        .annotate(
            succeeded=Count("pk", filter=Q(state=State.COMPLETED)),
            failed=Count("pk", filter=Q(state=State.STOPPED)),
            learners=Count("learner_id", distinct=True),
        )
        .order_by()
    )
    exams = (
        ExamResult.objects.filter(
            _dimension_q(report_filter, _REFERRAL, prefix="referral__"),
            _day_q("taken_on", *period),
        )
        .values("referral__lot__contract__provider_id", "referral__lot__component", "exam")
        .annotate(
            succeeded=Count("pk", filter=Q(passed=True)),
            failed=Count("pk", filter=Q(passed=False)),
            learners=Count("referral__learner_id", distinct=True),
        )
        .order_by()
    )
    completion = _renamed(
        endings, {"lot__contract__provider_id": "provider_id", "lot__component": "component"}
    ).assign(measure=COMPLETION)
    exam = _renamed(
        exams,
        {
            "referral__lot__contract__provider_id": "provider_id",
            "referral__lot__component": "component",
            "exam": "measure",
        },
    )
    frame = pd.concat([part for part in (completion, exam) if not part.empty] or [completion])
    if frame.empty:
        return _frame(frame, OUTCOME_COLUMNS)
    frame = _int_columns(frame.reset_index(drop=True), ["succeeded", "failed", "learners"])
    labels = {COMPLETION: _("Completed")} | {
        code: str(label) for code, label in ExamResult.Exam.choices
    }
    order = {code: position for position, code in enumerate(labels)}
    total = frame["succeeded"] + frame["failed"]
    enough = frame["learners"] >= MIN_GROUP
    frame = frame.assign(
        provider_name=frame["provider_id"].map(_provider_names()),
        measure_label=frame["measure"].map(labels),
        rate=[
            float(succeeded / count) if ok and count else None
            for succeeded, count, ok in zip(frame["succeeded"], total, enough, strict=True)
        ],
        too_few=~enough,
        measure_order=frame["measure"].map(order),
    )
    frame = _none_for_missing(frame, ["rate"])
    frame = frame.sort_values(["provider_name", "provider_id", "component", "measure_order"])
    return _frame(frame, OUTCOME_COLUMNS)


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


# --- Forecast -----------------------------------------------------------------------------------


def component_shares(
    route_split: Sequence[float] = DEFAULT_ROUTE_SPLIT,
) -> dict[str, tuple[float, float]]:
    """Per component, the share of statushouders and of gezinsmigranten expected to need it.

    Table 1 of the seed (domain notes) and ``referrals.REFERABLE``: every statushouder follows
    one route (split by ``route_split``: B1-route, onderwijsroute, Z-route, in percent), the
    brugklas, the PVT and the MAP, except that the onderwijsroute is exempt from the MAP
    (``MAP_EXEMPT_ROUTES``); KNM and literacy are part of each route, not places of their own.
    Gezinsmigranten choose and pay their own course: the municipality offers them the PVT and
    the MAP.
    """
    b1, onderwijs, z = (part / 100 for part in route_split)
    routes = {Component.B1_ROUTE: b1, Component.ONDERWIJSROUTE: onderwijs, Component.Z_ROUTE: z}
    map_share = sum(share for route, share in routes.items() if route not in MAP_EXEMPT_ROUTES)
    return {
        Component.B1_ROUTE: (b1, 0.0),
        Component.ONDERWIJSROUTE: (onderwijs, 0.0),
        Component.Z_ROUTE: (z, 0.0),
        Component.BRUGKLAS: (1.0, 0.0),
        Component.PVT: (1.0, 1.0),
        Component.MAP: (map_share, 1.0),
    }


def route_split_validate(route_split: Sequence[object]) -> tuple[int, int, int]:
    """``route_split`` as three whole percentages that add up to 100, or ``ValueError`` with a
    message for the person who typed it."""
    message = _(
        "Give three whole percentages (B1-route, onderwijsroute, Z-route) that add up to 100, "
        "e.g. 60, 25 and 15."
    )
    try:
        parts = tuple(int(str(part).strip()) for part in route_split)
    except ValueError:
        raise ValueError(message) from None
    if len(parts) != 3 or any(part < 0 for part in parts) or sum(parts) != 100:
        raise ValueError(message)
    return parts  # type: ignore[return-value]


VOLUME_GROUPS = ("statushouders", "gezinsmigranten")
"""The groups whose intake volumes the forecast reads, as named in ``IntakeVolume``."""


@dataclass(frozen=True)
class VolumeYears:
    """For one municipality, per group, the year whose figure the forecast used; ``None`` when
    the group has no figure in any year, so it counts as 0 (the rule is ``_volumes``')."""

    statushouders: int | None
    gezinsmigranten: int | None

    def from_another_year(self, year: int) -> bool:
        """Did a group's figure come from another year than ``year``, or is there none?"""
        return any(getattr(self, group) != year for group in VOLUME_GROUPS)

    @property
    def any_figure(self) -> bool:
        """Has at least one group a figure in some year?"""
        return any(getattr(self, group) is not None for group in VOLUME_GROUPS)


@dataclass(frozen=True)
class Forecast:
    """Expected learners for ``year`` against the capacity contracted for it.

    ``demand``: one row per municipality and component, columns ``municipality_id``,
    ``municipality_name``, ``cbs_code``, ``statushouders`` and ``gezinsmigranten`` (the volumes
    used), ``statushouders_year`` and ``gezinsmigranten_year`` (the year each figure came from:
    ``year`` itself, or another year when ``year`` has no figure for that group; missing (NA)
    when the group has no figure in any year, and then its volume is 0), ``component``,
    ``expected_learners`` (``component_shares`` applied to the volumes; not rounded),
    ``covering_lots`` (active lots covering the municipality in that component) and
    ``uncovered`` (no lot does). Every municipality has its rows, also one with no figures at
    all. Which year is used for a group is decided per municipality and group (``_volumes``).

    ``lots``: one row per active lot of an active contract in force in ``year``, columns
    ``contract_id``, ``contract_reference``, ``provider_id``, ``provider_name``, ``lot_id``,
    ``lot_label``, ``component``, ``education_level``, ``municipalities`` (how many it covers),
    ``capacity_per_period``, ``capacity_period``, ``capacity_year`` (the places of the capacity
    periods of ``year`` that fall in the contract's term), ``expected_learners`` (the demand
    attributed to it), ``balance`` (capacity minus expected: positive is a surplus),
    ``shortfall`` and ``surplus`` (the balance's negative and positive parts).

    ``volume_years``: per municipality shown (id), the ``VolumeYears`` used; kept apart from
    ``demand`` so that it is there also when a component filter leaves no demand rows.

    Attribution: a lot's capacity is compared with the demand of all the municipalities it
    covers, at lot level. Where several lots of a component cover one municipality (two
    providers, or onderwijsroute lots for different levels), that municipality's demand is
    shared among them in proportion to their capacity for the year, so no learner is counted
    twice. Filters only choose which rows are shown; the attribution always uses all
    municipalities and lots.
    """

    year: int
    route_split: tuple[int, int, int]
    demand: pd.DataFrame
    lots: pd.DataFrame
    volume_years: Mapping[int, VolumeYears]

    @property
    def other_volume_years(self) -> dict[int, VolumeYears]:
        """Municipalities where a group's figure came from another year than the one asked, or
        where a group has no figure at all: id → ``VolumeYears``."""
        return {
            key: years
            for key, years in self.volume_years.items()
            if years.from_another_year(self.year)
        }

    @property
    def has_volumes(self) -> bool:
        """Has any municipality shown a figure for any group in any year?"""
        return any(years.any_figure for years in self.volume_years.values())


FORECAST_DEMAND_COLUMNS = (
    "municipality_id",
    "municipality_name",
    "cbs_code",
    "statushouders",
    "statushouders_year",
    "gezinsmigranten",
    "gezinsmigranten_year",
    "component",
    "expected_learners",
    "covering_lots",
    "uncovered",
)
FORECAST_LOT_COLUMNS = (
    "contract_id",
    "contract_reference",
    "provider_id",
    "provider_name",
    "lot_id",
    "lot_label",
    "component",
    "education_level",
    "municipalities",
    "capacity_per_period",
    "capacity_period",
    "capacity_year",
    "expected_learners",
    "balance",
    "shortfall",
    "surplus",
)


def _volumes(year: int) -> pd.DataFrame:
    """Per municipality, the figure of each group (``VOLUME_GROUPS``) that the forecast for
    ``year`` uses, and the year it came from (``<group>_year``).

    The rule, for each municipality and each group separately:

    1. the group's figure of ``year``, if one was entered;
    2. else the figure of the latest year before ``year`` that has one for that group (the
       most recent count known; a later year is not preferred even when it is nearer);
    3. else, when the group only has figures for years after ``year``, the earliest of those
       (the nearest expectation);
    4. else, when the group has no figure in any year, 0, and ``<group>_year`` is missing (NA),
       so that the page can say so.

    So when statushouders were entered for 2021 and gezinsmigranten only for 2020, the forecast
    for 2021 uses both. Every municipality has a row, also one with no figures at all. One
    query, whatever the number of municipalities and years.
    """
    columns = ["municipality_id", "municipality_name", "cbs_code", "year", *VOLUME_GROUPS]
    rows = Municipality.objects.order_by().values(
        "cbs_code",
        municipality_id=F("pk"),
        municipality_name=F("name"),
        year=F("intake_volumes__year"),
        statushouders=F("intake_volumes__statushouders"),
        gezinsmigranten=F("intake_volumes__gezinsmigranten"),
    )
    entered = pd.DataFrame(list(rows), columns=columns)
    volumes = entered[columns[:3]].drop_duplicates("municipality_id")
    for group in VOLUME_GROUPS:
        figures = entered.loc[entered[group].notna(), ["municipality_id", "year", group]]
        figures = (
            figures.assign(after=figures["year"] > year, distance=(figures["year"] - year).abs())
            .sort_values(["municipality_id", "after", "distance"])
            .drop_duplicates("municipality_id")
        )
        volumes = volumes.merge(
            figures[["municipality_id", group, "year"]].rename(columns={"year": f"{group}_year"}),
            on="municipality_id",
            how="left",
        )
        volumes[f"{group}_year"] = volumes[f"{group}_year"].astype("Int64")
    return _int_columns(volumes, VOLUME_GROUPS)


def forecast(
    year: int,
    route_split: Sequence[int] = DEFAULT_ROUTE_SPLIT,
    report_filter: ReportFilter | None = None,
) -> Forecast:
    """Expected learners per municipality and component for ``year``, from the volumes entered
    per municipality (``IntakeVolume``) and ``route_split`` (B1-route, onderwijsroute, Z-route in
    percent; ``route_split_validate``), against the capacity of the lots contracted for that
    year. See ``Forecast`` for the two tables and how a lot's capacity is attributed.
    """
    report_filter = report_filter or ReportFilter()
    split = route_split_validate(route_split)
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)

    volumes = _volumes(year)
    shares = component_shares(split)
    demand_rows = []
    for volume in volumes.itertuples(index=False):
        for component, (statushouder_share, gezinsmigrant_share) in shares.items():
            demand_rows.append(
                {
                    "municipality_id": volume.municipality_id,
                    "municipality_name": volume.municipality_name,
                    "cbs_code": volume.cbs_code,
                    "statushouders": volume.statushouders,
                    "statushouders_year": volume.statushouders_year,
                    "gezinsmigranten": volume.gezinsmigranten,
                    "gezinsmigranten_year": volume.gezinsmigranten_year,
                    "component": str(component),
                    "expected_learners": volume.statushouders * statushouder_share
                    + volume.gezinsmigranten * gezinsmigrant_share,
                }
            )
    demand = pd.DataFrame(demand_rows, columns=[*FORECAST_DEMAND_COLUMNS[:8], "expected_learners"])
    for group in VOLUME_GROUPS:
        demand[f"{group}_year"] = demand[f"{group}_year"].astype("Int64")

    in_force = {
        "contract__status": ContractStatus.ACTIVE,
        "contract__starts_on__lte": last_day,
        "contract__ends_on__gte": first_day,
    }
    lots = _lots(
        Lot.objects.filter(status=LotStatus.ACTIVE, **in_force),
        "capacity",
        "capacity_period",
        "contract__starts_on",
    ).rename(columns={"capacity": "capacity_per_period"})
    lots["capacity_year"] = [
        capacity * sum(1 for _period in _periods(kind, max(first_day, starts), min(last_day, ends)))
        for capacity, kind, starts, ends in zip(
            lots["capacity_per_period"],
            lots["capacity_period"],
            lots["contract__starts_on"],
            lots["contract_ends_on"],
            strict=True,
        )
    ]
    covered = pd.DataFrame(
        list(
            Contract.municipalities.through.objects.filter(**in_force).values(
                "contract_id", "municipality_id"
            )
        ),
        columns=["contract_id", "municipality_id"],
    )

    pairs = lots[["lot_id", "contract_id", "component", "capacity_year"]].merge(
        covered, on="contract_id"
    )
    pairs["covering_capacity"] = pairs.groupby(["municipality_id", "component"])[
        "capacity_year"
    ].transform("sum")
    pairs = pairs.merge(
        demand[["municipality_id", "component", "expected_learners"]],
        on=["municipality_id", "component"],
        how="left",
    )
    pairs["expected_learners"] = pairs["expected_learners"].fillna(0.0)
    pairs["attributed"] = (
        pairs["expected_learners"]
        * pairs["capacity_year"]
        / pairs["covering_capacity"].where(pairs["covering_capacity"] > 0)
    ).fillna(0.0)

    lots = lots.merge(
        pairs.groupby("lot_id").agg(
            expected_learners=("attributed", "sum"), municipalities=("municipality_id", "nunique")
        ),
        left_on="lot_id",
        right_index=True,
        how="left",
    )
    lots = lots.assign(
        expected_learners=lots["expected_learners"].fillna(0.0).astype(float),
        municipalities=lots["municipalities"].fillna(0).astype(int),
    )
    lots["balance"] = lots["capacity_year"] - lots["expected_learners"]
    lots["shortfall"] = (-lots["balance"]).clip(lower=0)
    lots["surplus"] = lots["balance"].clip(lower=0)

    coverage = pairs.groupby(["municipality_id", "component"]).size().rename("covering_lots")
    demand = demand.merge(
        coverage, left_on=["municipality_id", "component"], right_index=True, how="left"
    )
    demand["covering_lots"] = demand["covering_lots"].fillna(0).astype(int)
    demand["uncovered"] = demand["covering_lots"] == 0

    municipality = report_filter.municipality
    if municipality is not None:
        demand = demand[demand["municipality_id"] == municipality]
        covering = set(pairs.loc[pairs["municipality_id"] == municipality, "lot_id"])
        lots = lots[lots["lot_id"].isin(covering)]
    if report_filter.component is not None:
        demand = demand[demand["component"] == report_filter.component]
        lots = lots[lots["component"] == report_filter.component]
    if report_filter.provider_id is not None:
        lots = lots[lots["provider_id"] == report_filter.provider_id]

    component_order = {code: position for position, code in enumerate(Component.values)}
    demand = demand.assign(order=demand["component"].map(component_order)).sort_values(
        ["municipality_name", "municipality_id", "order"]
    )
    lots = lots.sort_values(["contract_reference", "lot_id"])
    if municipality is not None:
        volumes = volumes[volumes["municipality_id"] == municipality]
    volume_years = {
        int(row["municipality_id"]): VolumeYears(
            **{group: row[f"{group}_year"] for group in VOLUME_GROUPS}
        )
        for row in frame_rows(volumes)
    }
    return Forecast(
        year=year,
        route_split=split,
        demand=_frame(demand, FORECAST_DEMAND_COLUMNS),
        lots=_frame(lots, FORECAST_LOT_COLUMNS),
        volume_years=volume_years,
    )


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
