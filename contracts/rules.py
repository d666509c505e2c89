"""The time rules of the Wet inburgering 2021 that the portal tracks per learner, in one module.

Source: Haarlem's annex on carrying out the law (``shared/domain``), summarised in the domain
notes:
- the brede intake up to the PIP takes at most 10 weeks from housing (statushouders);
- the brugklas (6 weeks) falls inside those 10 weeks;
- the inburgeringstermijn of 3 years starts when the PIP is set;
- maatschappelijke begeleiding lasts 12 months from housing;
- financieel ontzorgen lasts at least 6 months (from the start of social assistance, which for a
  statushouder is the housing date);
- a statushouder's route that has not started within 3 months of the PIP is a legal ground for DUO
  to extend the term, so it is flagged.

A deadline is met when the thing happens on or before its due date; it is "due soon" from
``DUE_SOON_DAYS`` before the due date, and overdue from the day after.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from providers.choices import TargetGroup

PIP_WITHIN = datetime.timedelta(weeks=10)
BRUGKLAS_LENGTH = datetime.timedelta(weeks=6)
INBURGERINGSTERMIJN_YEARS = 3
BEGELEIDING_MONTHS = 12
ONTZORGEN_MINIMUM_MONTHS = 6
ROUTE_START_WITHIN_MONTHS = 3
DUE_SOON_DAYS = 14


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 → 28/29
    Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def pip_deadline(*, housing_date: datetime.date) -> datetime.date:
    return housing_date + PIP_WITHIN


def brugklas_latest_start(*, housing_date: datetime.date) -> datetime.date:
    """The brugklas must end before the PIP deadline: it starts 6 weeks before it at the latest."""
    return pip_deadline(housing_date=housing_date) - BRUGKLAS_LENGTH


def inburgeringstermijn_end(*, pip_date: datetime.date) -> datetime.date:
    return add_months(pip_date, 12 * INBURGERINGSTERMIJN_YEARS)


def begeleiding_end(*, housing_date: datetime.date) -> datetime.date:
    return add_months(housing_date, BEGELEIDING_MONTHS)


def ontzorgen_earliest_end(*, housing_date: datetime.date) -> datetime.date:
    return add_months(housing_date, ONTZORGEN_MINIMUM_MONTHS)


def route_start_deadline(*, pip_date: datetime.date) -> datetime.date:
    return add_months(pip_date, ROUTE_START_WITHIN_MONTHS)


class DeadlineStatus(enum.StrEnum):
    MET = "met"
    MET_LATE = "met_late"
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    RUNNING = "running"
    ENDED = "ended"


STATUS_LABELS = {
    DeadlineStatus.MET: _("done in time"),
    DeadlineStatus.MET_LATE: _("done late"),
    DeadlineStatus.OPEN: _("open"),
    DeadlineStatus.DUE_SOON: _("due soon"),
    DeadlineStatus.OVERDUE: _("overdue"),
    DeadlineStatus.RUNNING: _("running"),
    DeadlineStatus.ENDED: _("ended"),
}


def deadline_status(
    *, due: datetime.date, done_on: datetime.date | None, today: datetime.date
) -> DeadlineStatus:
    """Something that must happen by ``due`` (inclusive)."""
    if done_on is not None:
        return DeadlineStatus.MET if done_on <= due else DeadlineStatus.MET_LATE
    if today > due:
        return DeadlineStatus.OVERDUE
    if today >= due - datetime.timedelta(days=DUE_SOON_DAYS):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.OPEN


def period_status(*, ends: datetime.date, today: datetime.date) -> DeadlineStatus:
    """Something that runs until ``ends`` (inclusive): a term or a period of support."""
    if today > ends:
        return DeadlineStatus.ENDED
    if today >= ends - datetime.timedelta(days=DUE_SOON_DAYS):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.RUNNING


class Rule(enum.StrEnum):
    PIP = "pip"
    BRUGKLAS = "brugklas"
    ROUTE_START = "route_start"
    INBURGERINGSTERMIJN = "inburgeringstermijn"
    BEGELEIDING = "begeleiding"
    ONTZORGEN = "ontzorgen"


RULE_LABELS = {
    Rule.PIP: _("PIP set (within 10 weeks of housing)"),
    Rule.BRUGKLAS: _("Brugklas started (ends within the 10 weeks)"),
    Rule.ROUTE_START: _("Route started (within 3 months of the PIP)"),
    Rule.INBURGERINGSTERMIJN: _("Inburgeringstermijn (3 years from the PIP)"),
    Rule.BEGELEIDING: _("Maatschappelijke begeleiding (12 months from housing)"),
    Rule.ONTZORGEN: _("Financieel ontzorgen (at least 6 months from housing)"),
}
# Deadlines the municipality must meet; the others are periods that run out.
DEADLINE_RULES = frozenset({Rule.PIP, Rule.BRUGKLAS, Rule.ROUTE_START})


@dataclass(frozen=True)
class Deadline:
    rule: Rule
    due: datetime.date
    done_on: datetime.date | None
    status: DeadlineStatus

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def needs_attention(self) -> bool:
        return self.status in {DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE}


def learner_deadlines(
    *,
    target_group: str,
    today: datetime.date,
    housing_date: datetime.date | None = None,
    pip_date: datetime.date | None = None,
    brugklas_started_on: datetime.date | None = None,
    route_started_on: datetime.date | None = None,
) -> list[Deadline]:
    """The law's dates for one learner, as far as the known dates allow.

    Housing, brugklas, begeleiding and ontzorgen concern statushouders only (table 1 of the seed);
    the 3-year term applies to everybody with a PIP; the route-start flag to statushouders.
    """
    statushouder = target_group == TargetGroup.STATUSHOUDER
    deadlines: list[Deadline] = []

    def deadline(rule: Rule, due: datetime.date, done_on: datetime.date | None) -> None:
        status = deadline_status(due=due, done_on=done_on, today=today)
        deadlines.append(Deadline(rule, due, done_on, status))

    def period(rule: Rule, ends: datetime.date) -> None:
        deadlines.append(Deadline(rule, ends, None, period_status(ends=ends, today=today)))

    if statushouder and housing_date is not None:
        deadline(Rule.PIP, pip_deadline(housing_date=housing_date), pip_date)
        if brugklas_started_on is not None or pip_date is None:
            deadline(
                Rule.BRUGKLAS,
                brugklas_latest_start(housing_date=housing_date),
                brugklas_started_on,
            )
    if statushouder and pip_date is not None:
        deadline(Rule.ROUTE_START, route_start_deadline(pip_date=pip_date), route_started_on)
    if pip_date is not None:
        period(Rule.INBURGERINGSTERMIJN, inburgeringstermijn_end(pip_date=pip_date))
    if statushouder and housing_date is not None:
        period(Rule.BEGELEIDING, begeleiding_end(housing_date=housing_date))
        period(Rule.ONTZORGEN, ontzorgen_earliest_end(housing_date=housing_date))
    return sorted(deadlines, key=lambda item: item.due)
