"""The dashboard's tables: which report each shows, its columns with their labels and kinds, and
the few roll-ups of a report's frame that a table needs (per contract, component, municipality,
month, provider).

Each ``Table`` builds its DataFrame from ``contracts.reporting`` for a ``ReportFilter``; the page
renders the first rows and a chart, the download (``contracts.reporting.exports``) streams them
all with the same columns. Values stay raw here (cents, fractions); ``cell_text`` formats them for
the page, and downloads give euros and fractions as numbers.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import numberformat, timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import reporting
from contracts.reporting import ReportFilter
from providers.choices import Component

TEXT, NUMBER, PERCENT, MONEY, DATE, MONTH, FLAG, DAYS, COMPONENT = (
    "text",
    "number",
    "percent",
    "money",
    "date",
    "month",
    "flag",
    "days",
    "component",
)
CACHE_VERSION = 1
"""Raise when a report's columns change, so no frame of the old shape is read back."""
PAGE_ROWS = 50
"""Rows shown per table on the page; the download has them all."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = TEXT


BASE_REPORTS: dict[str, Callable[[ReportFilter, datetime.date], pd.DataFrame]] = {
    "utilisation": lambda f, today: reporting.utilisation(f, today=today),
    "placements_by_month": lambda f, today: reporting.placements_by_municipality_month(
        f, today=today
    ),
    "funnel": lambda f, today: reporting.referral_funnel(f),
    "lead_times": lambda f, today: reporting.lead_times(f),
    "sla_breaches": lambda f, today: reporting.sla_breaches(f, today=today),
    "attendance": lambda f, today: reporting.attendance(f),
    "late_reporters": lambda f, today: reporting.late_reporters(f, today=today),
    "outcomes": lambda f, today: reporting.outcomes(f),
    "self_paid_market": lambda f, today: reporting.self_paid_market(f),
    "waiting_lists": lambda f, today: reporting.waiting_lists(f, today=today),
}
"""The reports behind the tables, by name; each table reads one and may roll it up."""


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dashboard's period when the URL names none: this calendar year."""
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def default_filter(today: datetime.date, *, municipality_id: int | None = None) -> ReportFilter:
    """The filter of the dashboard opened without parameters: the region's (a contract manager)
    or, with ``municipality_id``, a klantmanager's of that municipality."""
    start, end = default_period(today)
    report_filter = ReportFilter(date_from=start, date_until=end)
    if municipality_id is not None:
        report_filter = report_filter.restricted_to(municipality_id)
    return report_filter


class ReportSet:
    """The reports for one filter, each computed once however many tables show it, and kept in
    the cache for ``DASHBOARD_CACHE_SECONDS`` (five minutes by default).

    At national scale the reports aggregate hundreds of thousands of rows (seconds of database
    work for the whole page); contract-management figures a few minutes old are fine, and the
    page says how old they are. ``refresh=True`` computes them again (the page's "Refresh").
    """

    def __init__(
        self,
        report_filter: ReportFilter,
        *,
        today: datetime.date | None = None,
        refresh: bool = False,
    ):
        self.filter = report_filter
        self.today = today or timezone.localdate()
        self.refresh = refresh
        self.computed_at: datetime.datetime | None = None
        self._frames: dict[str, pd.DataFrame] = {}

    def compute_all(self) -> None:
        """Every report, from the cache or computed, the computed ones side by side on
        PostgreSQL (``concurrently``); the page and ``manage.py dashboard_warm`` call it."""
        missing = [name for name in BASE_REPORTS if name not in self._frames]
        keys = {name: self._key(name) for name in missing}
        found = {} if self.refresh else cache.get_many(list(keys.values()))
        to_compute = [name for name in missing if keys[name] not in found]
        computed = concurrently(
            {
                name: functools.partial(BASE_REPORTS[name], self.filter, self.today)
                for name in to_compute
            }
        )
        now = timezone.now()
        fresh = {keys[name]: (now, frame) for name, frame in computed.items()}
        if fresh:
            cache.set_many(fresh, settings.DASHBOARD_CACHE_SECONDS)
        for name in missing:
            self._keep(name, found.get(keys[name]) or fresh[keys[name]])

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._load(name)
        return self._frames[name]

    def _key(self, name: str) -> str:
        parts = (
            name,
            translation.get_language(),  # the frames hold translated labels ("All providers")
            self.today,
            self.filter.date_from,
            self.filter.date_until,
            self.filter.municipality_id,
            self.filter.locked_municipality_id,
            self.filter.component,
            self.filter.provider_id,
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
        return f"dashboard:{CACHE_VERSION}:{digest}"

    def _load(self, name: str) -> pd.DataFrame:
        key = self._key(name)
        cached = None if self.refresh else cache.get(key)
        if cached is None:
            with timezone.override(timezone.get_default_timezone()):
                frame = BASE_REPORTS[name](self.filter, self.today)
            cached = (timezone.now(), frame)
            cache.set(key, cached, settings.DASHBOARD_CACHE_SECONDS)
        return self._keep(name, cached)

    def _keep(self, name: str, cached: tuple[datetime.datetime, pd.DataFrame]) -> pd.DataFrame:
        computed_at, frame = cached
        if self.computed_at is None or computed_at < self.computed_at:
            self.computed_at = computed_at
        self._frames[name] = frame
        return frame


def concurrently[T](jobs: dict[str, Callable[[], T]]) -> dict[str, T]:
    """Run ``jobs`` (database work) side by side in ``DASHBOARD_WORKERS`` threads, each on its
    own database connection, in the caller's language and the portal's time zone (the figures'
    days and months are the portal's, whatever time zone a user chose for the admin); results by
    job name.

    Only on PostgreSQL outside a transaction: other connections could not see what the caller's
    open transaction wrote (a test's, say), and SQLite lets one connection work at a time.
    Elsewhere, and for a single job, one after the other in this thread.
    """
    workers = min(settings.DASHBOARD_WORKERS, len(jobs))
    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        with timezone.override(timezone.get_default_timezone()):
            return {name: job() for name, job in jobs.items()}
    language = translation.get_language()
    zone = timezone.get_default_timezone()

    def run(job: Callable[[], T]) -> T:
        try:
            with translation.override(language), timezone.override(zone):
                return job()
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashboard") as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@dataclass(frozen=True)
class Table:
    name: str
    title: str | Promise
    columns: tuple[Column, ...]
    build: Callable[[ReportSet], pd.DataFrame]

    def frame(self, report_set: ReportSet) -> pd.DataFrame:
        return self.build(report_set)

    def label_of(self, key: str) -> str | Promise:
        return next(column.label for column in self.columns if column.key == key)

    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def export_rows(self, frame: pd.DataFrame) -> Iterator[list[object]]:
        """Raw values per column, money in euros, for ``contracts.reporting.exports``."""
        keys = [column.key for column in self.columns]
        kinds = [column.kind for column in self.columns]
        for record in reporting.frame_rows(frame.reindex(columns=keys)):
            yield [_export_value(record[key], kind) for key, kind in zip(keys, kinds, strict=True)]

    def page_rows(
        self, frame: pd.DataFrame, limit: int = PAGE_ROWS, *, texts: CellTexts | None = None
    ) -> list[list[str]]:
        """The first ``limit`` rows as display texts, in the column order; ``texts`` may be
        shared by the tables of a page."""
        head = frame.head(limit)
        texts = texts or CellTexts()
        too_few = (
            _plain_values(head, "too_few")
            if any(column.key == "too_few" for column in self.columns)
            else None
        )
        columns = []
        for column in self.columns:
            cells = texts.column(_plain_values(head, column.key), column.kind)
            if column.kind == PERCENT and too_few is not None:
                cells = [
                    texts.too_few if few else cell for cell, few in zip(cells, too_few, strict=True)
                ]
            columns.append(cells)
        return [list(row) for row in zip(*columns, strict=True)]


def _plain_values(frame: pd.DataFrame, key: str) -> list[object]:
    """A column as ``reporting.frame_rows`` gives its values (None for missing ones, Python
    numbers), without turning the whole frame into dicts; a column the frame lacks is all None."""
    if key not in frame.columns:
        return [None] * len(frame)
    column = frame[key]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return column.to_numpy().tolist()
    values = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values.tolist()


def _export_value(value: object, kind: str) -> object:
    if value is None:
        return None
    if kind == MONEY:
        return Decimal(int(value)) / 100
    if kind == COMPONENT:
        return _component_label(value)
    if kind == FLAG:
        return _("yes") if value else ""
    return value


def _component_label(value: object) -> str:
    try:
        return str(Component(value).label)
    except ValueError:
        return str(value)


def cell_text(value: object, kind: str) -> str:
    """A value as the page shows it, in the active language's number and date formats."""
    return CellTexts()(value, kind)


class CellTexts:
    """``cell_text`` for the thousands of cells of one page: the language's formats are looked up
    once, not per cell, and dates, flags and components are formatted once per distinct value.

    Numbers go straight to Django's ``numberformat.format`` with those formats, as
    ``number_format`` would pass them.
    """

    def __init__(self) -> None:
        language = translation.get_language()
        self.decimal_separator = get_format("DECIMAL_SEPARATOR", language)
        self.thousand_separator = get_format("THOUSAND_SEPARATOR", language)
        self.grouping = get_format("NUMBER_GROUPING", language)
        self.yes = _("yes")
        self.too_few = _("too few")
        self._remembered: dict[tuple[str, type, object], str] = {}

    def __call__(self, value: Any, kind: str) -> str:
        if isinstance(value, np.generic):
            value = value.item()
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "—"
        match kind:
            case "number":
                decimal_pos = 0 if float(value).is_integer() else 1
                return self.number(value, decimal_pos, force_grouping=True)
            case "days":
                return self.number(value, 1, force_grouping=True)
            case "percent":
                return self.number(float(value) * 100, 0) + " %"
            case "money":
                return "€ " + self.money(int(value))
            case "flag":
                return self.yes if value else ""
            case "date" | "month" | "component":
                key = (kind, type(value), value)
                if key not in self._remembered:
                    self._remembered[key] = self._text(value, kind)
                return self._remembered[key]
        return str(value)

    def column(self, values: list[object], kind: str) -> list[str]:
        """The texts of a column's values."""
        if kind == TEXT:
            return [value if type(value) is str else self(value, kind) for value in values]
        return [self(value, kind) for value in values]

    def _text(self, value: object, kind: str) -> str:
        if kind == "component":
            return _component_label(value)
        return date_format(
            _as_date(value), "DATE_FORMAT" if kind == "date" else "YEAR_MONTH_FORMAT"
        )

    def number(self, value: object, decimal_pos: int, *, force_grouping: bool = False) -> str:
        """``django.utils.formats.number_format(value, decimal_pos, force_grouping=…)``."""
        return numberformat.format(
            value,
            self.decimal_separator,
            decimal_pos,
            self.grouping,
            self.thousand_separator,
            force_grouping=force_grouping,
            use_l10n=True,
        )

    def money(self, cents: int) -> str:
        """``number_format(Decimal(cents) / 100, decimal_pos=2, force_grouping=True)``."""
        return self.number(Decimal(cents) / 100, 2, force_grouping=True)


def _as_date(value: object) -> datetime.date:
    if isinstance(value, pd.Timestamp | datetime.datetime):
        return value.date()
    return value  # type: ignore[return-value]


# --- Roll-ups ----------------------------------------------------------------------------------


def _share(frame: pd.DataFrame, used: str = "placements", whole: str = "capacity") -> pd.Series:
    return (
        (frame[used] / frame[whole].where(frame[whole] > 0))
        .astype(object)
        .where(frame[whole] > 0, None)
    )


def utilisation_per_contract(frame: pd.DataFrame) -> pd.DataFrame:
    """Capacity and placements of each contract's lots in the period, summed."""
    columns = ["contract_reference", "provider_name", "contract_ends_on", "contract_ending_soon"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "capacity", "placements", "share"])
    grouped = (
        frame.groupby(["contract_id", *columns], dropna=False)[["capacity", "lot_placements"]]
        .sum()
        .reset_index()
        .rename(columns={"lot_placements": "placements"})
    )
    grouped["share"] = _share(grouped)
    return grouped.sort_values("contract_reference")


def utilisation_per_component(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["component", "lots", "capacity", "placements", "share"])
    by_component = frame.groupby("component")
    sums = by_component[["capacity", "lot_placements"]].sum()  # half the time of named .agg()
    grouped = pd.DataFrame(
        {
            "lots": by_component["lot_id"].nunique(),
            "capacity": sums["capacity"],
            "placements": sums["lot_placements"],
        }
    ).reset_index()
    grouped["share"] = _share(grouped)
    return grouped


def placements_per_municipality(by_month: pd.DataFrame) -> pd.DataFrame:
    if by_month.empty:
        return pd.DataFrame(columns=["municipality_name", "placements"])
    return (
        by_month.groupby("municipality_name")["placements"]
        .sum()
        .reset_index()
        .sort_values(["placements", "municipality_name"], ascending=[False, True])
    )


def placements_per_month(by_month: pd.DataFrame) -> pd.DataFrame:
    if by_month.empty:
        return pd.DataFrame(columns=["month", "placements"])
    return by_month.groupby("month")["placements"].sum().reset_index().sort_values("month")


def attendance_per_provider(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["provider_name", "hours_offered", "hours_attended", "absence_hours"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "attendance_rate"])
    grouped = (
        frame.groupby(["provider_id", "provider_name"])[columns[1:]]
        .sum()
        .reset_index()
        .sort_values("provider_name")
    )
    grouped["attendance_rate"] = _share(grouped, "hours_attended", "hours_offered")
    return grouped


def revenue_per_provider(market: pd.DataFrame) -> pd.DataFrame:
    """Self-paid revenue summed over the months, per provider."""
    if market.empty:
        return pd.DataFrame(columns=["provider_name", "revenue_cents"])
    return market.groupby("provider_name")["revenue_cents"].sum().reset_index()


# --- The tables --------------------------------------------------------------------------------

PROVIDER = Column("provider_name", gettext_lazy("Provider"))
CONTRACT = Column("contract_reference", gettext_lazy("Contract"))
LOT = Column("lot_label", gettext_lazy("Lot"))

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "utilisation-lots",
            gettext_lazy("Placements against capacity per lot"),
            (
                CONTRACT,
                PROVIDER,
                LOT,
                Column("period_start", gettext_lazy("Period from"), DATE),
                Column("period_end", gettext_lazy("Period until"), DATE),
                Column("capacity", gettext_lazy("Capacity"), NUMBER),
                Column("overrides", gettext_lazy("Added by override"), NUMBER),
                Column("lot_placements", gettext_lazy("Placements"), NUMBER),
                Column("placements", gettext_lazy("Of the chosen municipality"), NUMBER),
                Column("share", gettext_lazy("Used"), PERCENT),
                Column("above_threshold", gettext_lazy("Above 80 %"), FLAG),
                Column("contract_ending_soon", gettext_lazy("Contract ends within 90 days"), FLAG),
            ),
            lambda r: r["utilisation"],
        ),
        Table(
            "utilisation-contracts",
            gettext_lazy("Placements against capacity per contract"),
            (
                CONTRACT,
                PROVIDER,
                Column("contract_ends_on", gettext_lazy("Ends on"), DATE),
                Column("contract_ending_soon", gettext_lazy("Ends within 90 days"), FLAG),
                Column("capacity", gettext_lazy("Capacity"), NUMBER),
                Column("placements", gettext_lazy("Placements"), NUMBER),
                Column("share", gettext_lazy("Used"), PERCENT),
            ),
            lambda r: utilisation_per_contract(r["utilisation"]),
        ),
        Table(
            "utilisation-components",
            gettext_lazy("Placements against capacity per component"),
            (
                Column("component", gettext_lazy("Component"), COMPONENT),
                Column("lots", gettext_lazy("Lots"), NUMBER),
                Column("capacity", gettext_lazy("Capacity"), NUMBER),
                Column("placements", gettext_lazy("Placements"), NUMBER),
                Column("share", gettext_lazy("Used"), PERCENT),
            ),
            lambda r: utilisation_per_component(r["utilisation"]),
        ),
        Table(
            "placements-municipalities",
            gettext_lazy("Placements per municipality"),
            (
                Column("municipality_name", gettext_lazy("Municipality")),
                Column("placements", gettext_lazy("Placements"), NUMBER),
            ),
            lambda r: placements_per_municipality(r["placements_by_month"]),
        ),
        Table(
            "placements-months",
            gettext_lazy("Placements per month"),
            (
                Column("month", gettext_lazy("Month"), MONTH),
                Column("placements", gettext_lazy("Placements"), NUMBER),
            ),
            lambda r: placements_per_month(r["placements_by_month"]),
        ),
        Table(
            "funnel",
            gettext_lazy("Referral funnel per provider"),
            (
                PROVIDER,
                Column("sent", gettext_lazy("Sent"), NUMBER),
                Column("accepted", gettext_lazy("Accepted"), NUMBER),
                Column("declined", gettext_lazy("Declined"), NUMBER),
                Column("withdrawn", gettext_lazy("Withdrawn"), NUMBER),
                Column("started", gettext_lazy("Started"), NUMBER),
                Column("completed", gettext_lazy("Completed"), NUMBER),
                Column("stopped", gettext_lazy("Stopped"), NUMBER),
                Column("awaiting_answer", gettext_lazy("Awaiting an answer"), NUMBER),
                Column("awaiting_start", gettext_lazy("Awaiting the start"), NUMBER),
            ),
            lambda r: r["funnel"],
        ),
        Table(
            "lead-times",
            gettext_lazy("Lead times in days per provider"),
            (
                PROVIDER,
                Column("accepted", gettext_lazy("Accepted"), NUMBER),
                Column("median_days_to_accept", gettext_lazy("Median days to acceptance"), DAYS),
                Column("p90_days_to_accept", gettext_lazy("90th percentile to acceptance"), DAYS),
                Column("started", gettext_lazy("Started"), NUMBER),
                Column("median_days_to_start", gettext_lazy("Median days to start"), DAYS),
                Column("p90_days_to_start", gettext_lazy("90th percentile to start"), DAYS),
            ),
            lambda r: r["lead_times"],
        ),
        Table(
            "sla-breaches",
            gettext_lazy("SLA breaches per provider"),
            (
                PROVIDER,
                Column("sent", gettext_lazy("Sent"), NUMBER),
                Column("answered_late", gettext_lazy("Answered late"), NUMBER),
                Column("answer_overdue", gettext_lazy("Answer overdue now"), NUMBER),
                Column("started_late", gettext_lazy("Started late"), NUMBER),
                Column("start_overdue", gettext_lazy("Start overdue now"), NUMBER),
                Column("breaches", gettext_lazy("Breaches"), NUMBER),
            ),
            lambda r: r["sla_breaches"],
        ),
        Table(
            "attendance-providers",
            gettext_lazy("Attendance per provider"),
            (
                PROVIDER,
                Column("hours_offered", gettext_lazy("Hours offered"), NUMBER),
                Column("hours_attended", gettext_lazy("Hours attended"), NUMBER),
                Column("absence_hours", gettext_lazy("Hours absent"), NUMBER),
                Column("attendance_rate", gettext_lazy("Attended"), PERCENT),
            ),
            lambda r: attendance_per_provider(r["attendance"]),
        ),
        Table(
            "attendance",
            gettext_lazy("Attendance per provider, lot and month"),
            (
                PROVIDER,
                LOT,
                Column("month", gettext_lazy("Month"), MONTH),
                Column("placements", gettext_lazy("Placements"), NUMBER),
                Column("hours_offered", gettext_lazy("Hours offered"), NUMBER),
                Column("hours_attended", gettext_lazy("Hours attended"), NUMBER),
                Column("absence_hours", gettext_lazy("Hours absent"), NUMBER),
                Column("attendance_rate", gettext_lazy("Attended"), PERCENT),
            ),
            lambda r: r["attendance"],
        ),
        Table(
            "late-reporters",
            gettext_lazy("Providers late with attendance"),
            (
                PROVIDER,
                Column("month", gettext_lazy("Month"), MONTH),
                Column("deadline", gettext_lazy("Due by"), DATE),
                Column("placements_due", gettext_lazy("Placements to report"), NUMBER),
                Column("reported", gettext_lazy("Reported"), NUMBER),
                Column("missing", gettext_lazy("Missing"), NUMBER),
            ),
            lambda r: r["late_reporters"],
        ),
        Table(
            "outcomes",
            gettext_lazy("Outcomes per provider and route"),
            (
                PROVIDER,
                Column("component", gettext_lazy("Component"), COMPONENT),
                Column("measure_label", gettext_lazy("Measure")),
                Column("learners", gettext_lazy("Learners"), NUMBER),
                Column("succeeded", gettext_lazy("Completed or passed"), NUMBER),
                Column("failed", gettext_lazy("Stopped or failed"), NUMBER),
                Column("rate", gettext_lazy("Rate"), PERCENT),
                Column("too_few", gettext_lazy("Too few to show a rate"), FLAG),
            ),
            lambda r: r["outcomes"],
        ),
        Table(
            "self-paid",
            gettext_lazy("Self-paid enrolments per provider and month"),
            (
                PROVIDER,
                Column("month", gettext_lazy("Month"), MONTH),
                Column("enrolments", gettext_lazy("Enrolments"), NUMBER),
                Column("duo_loan_enrolments", gettext_lazy("With a DUO loan"), NUMBER),
                Column("cancellations", gettext_lazy("Cancellations"), NUMBER),
                Column("paid_cents", gettext_lazy("Paid"), MONEY),
                Column("refunded_cents", gettext_lazy("Refunded"), MONEY),
                Column("revenue_cents", gettext_lazy("Revenue"), MONEY),
                Column("waiting_list_joined", gettext_lazy("Joined a waiting list"), NUMBER),
            ),
            lambda r: r["self_paid_market"],
        ),
        Table(
            "waiting-lists",
            gettext_lazy("Waiting lists"),
            (
                PROVIDER,
                Column("offering_title", gettext_lazy("Course")),
                Column("starts_on", gettext_lazy("Starts on"), DATE),
                Column("seats", gettext_lazy("Seats"), NUMBER),
                Column("waiting", gettext_lazy("Waiting"), NUMBER),
            ),
            lambda r: r["waiting_lists"],
        ),
    )
}
