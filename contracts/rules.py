"""The time rules of the Wet inburgering 2021 that the portal tracks per learner, in one module.

Source: Haarlem's annex on carrying out the law (``shared/domain``), summarised in the domain
notes:
- the integration duty starts at 18 (§2.3: statushouders "boven de 18 jaar en dus
  inburgeringsplichtig"), so for a learner housed before their 18th birthday the law's clocks
  below run from that birthday, not from housing (``duty_start``);
- the brede intake up to the PIP takes at most 10 weeks from housing (statushouders);
- the brugklas (6 weeks) falls inside those 10 weeks;
- the inburgeringstermijn of 3 years starts when the PIP is set;
- maatschappelijke begeleiding lasts 12 months from housing;
- financieel ontzorgen lasts at least 6 months and starts when the right to social assistance
  starts (§1.4: "gaat in op het moment dat het recht op bijstand ontstaat"); §5 counts it from
  housing, which is when a statushouder's social assistance usually starts, so the housing date
  (or the 18th birthday) is the fallback while the social-assistance date is not entered;
- a statushouder's route that has not started within 3 months of the PIP is a legal ground for DUO
  to extend the term, so it is flagged.

Every date says what it was counted from (``Deadline.basis``), so a klantmanager sees whether the
ontzorgen date rests on the social-assistance date or on the housing date.

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
DUTY_AGE_YEARS = 18
"""The age at which the integration duty starts (seed §2.3). The portal may register a learner
before it (``contracts.learners.MINIMUM_AGE_YEARS``), but no clock of the law runs before it."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 → 28/29
    Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def birthday(*, date_of_birth: datetime.date, years: int) -> datetime.date:
    """The day someone turns ``years`` old (born on 29 February: 1 March in a common year)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return datetime.date(date_of_birth.year + years, 3, 1)


def age_on(*, date_of_birth: datetime.date, day: datetime.date) -> int:
    """Whole years of age on ``day``: the birthdays that have come (``birthday``)."""
    years = day.year - date_of_birth.year
    return years - 1 if birthday(date_of_birth=date_of_birth, years=years) > day else years


def duty_start(
    *, housing_date: datetime.date, date_of_birth: datetime.date | None = None
) -> datetime.date:
    """When a statushouder's duty, and the municipality's clocks tied to housing, start: the
    housing date, or the 18th birthday when that comes later."""
    if date_of_birth is None:
        return housing_date
    return max(housing_date, birthday(date_of_birth=date_of_birth, years=DUTY_AGE_YEARS))


def pip_deadline(*, housing_date: datetime.date) -> datetime.date:
    """``housing_date``: the day the duty started (``duty_start``)."""
    return housing_date + PIP_WITHIN


def brugklas_latest_start(*, housing_date: datetime.date) -> datetime.date:
    """The brugklas must end before the PIP deadline: it starts 6 weeks before it at the latest."""
    return pip_deadline(housing_date=housing_date) - BRUGKLAS_LENGTH


def inburgeringstermijn_end(*, pip_date: datetime.date) -> datetime.date:
    return add_months(pip_date, 12 * INBURGERINGSTERMIJN_YEARS)


def begeleiding_end(*, housing_date: datetime.date) -> datetime.date:
    return add_months(housing_date, BEGELEIDING_MONTHS)


def ontzorgen_earliest_end(*, starts_on: datetime.date) -> datetime.date:
    """``starts_on``: the start of social assistance (else housing, see the module's notes)."""
    return add_months(starts_on, ONTZORGEN_MINIMUM_MONTHS)


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
    Rule.PIP: _("PIP set (within 10 weeks)"),
    Rule.BRUGKLAS: _("Brugklas started (ends within the 10 weeks)"),
    Rule.ROUTE_START: _("Route started (within 3 months of the PIP)"),
    Rule.INBURGERINGSTERMIJN: _("Inburgeringstermijn (3 years from the PIP)"),
    Rule.BEGELEIDING: _("Maatschappelijke begeleiding (12 months)"),
    Rule.ONTZORGEN: _("Financieel ontzorgen (at least 6 months)"),
}


class Basis(enum.StrEnum):
    """What a date of the law was counted from."""

    HOUSING = "housing"
    EIGHTEENTH_BIRTHDAY = "eighteenth_birthday"
    SOCIAL_ASSISTANCE = "social_assistance"
    PIP = "pip"


BASIS_LABELS = {
    Basis.HOUSING: _("housing date"),
    Basis.EIGHTEENTH_BIRTHDAY: _("18th birthday (the duty starts at 18)"),
    Basis.SOCIAL_ASSISTANCE: _("start of social assistance"),
    Basis.PIP: _("PIP date"),
}
# Deadlines the municipality must meet; the others are periods that run out.
DEADLINE_RULES = frozenset({Rule.PIP, Rule.BRUGKLAS, Rule.ROUTE_START})


@dataclass(frozen=True)
class Deadline:
    rule: Rule
    due: datetime.date
    done_on: datetime.date | None
    status: DeadlineStatus
    basis: Basis
    basis_date: datetime.date

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

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
    date_of_birth: datetime.date | None = None,
    social_assistance_date: datetime.date | None = None,
) -> list[Deadline]:
    """The law's dates for one learner, as far as the known dates allow.

    Housing, brugklas, begeleiding and ontzorgen concern statushouders only (table 1 of the seed);
    the 3-year term applies to everybody with a PIP; the route-start flag to statushouders. The
    clocks tied to housing start at the 18th birthday when that comes later (``duty_start``);
    ontzorgen starts with social assistance when its date is known.
    """
    statushouder = target_group == TargetGroup.STATUSHOUDER
    deadlines: list[Deadline] = []

    def deadline(
        rule: Rule,
        due: datetime.date,
        done_on: datetime.date | None,
        basis: Basis,
        since: datetime.date,
    ) -> None:
        status = deadline_status(due=due, done_on=done_on, today=today)
        deadlines.append(Deadline(rule, due, done_on, status, basis, since))

    def period(rule: Rule, ends: datetime.date, basis: Basis, since: datetime.date) -> None:
        status = period_status(ends=ends, today=today)
        deadlines.append(Deadline(rule, ends, None, status, basis, since))

    if statushouder and housing_date is not None:
        started = duty_start(housing_date=housing_date, date_of_birth=date_of_birth)
        basis = Basis.HOUSING if started == housing_date else Basis.EIGHTEENTH_BIRTHDAY
        deadline(Rule.PIP, pip_deadline(housing_date=started), pip_date, basis, started)
        if brugklas_started_on is not None or pip_date is None:
            deadline(
                Rule.BRUGKLAS,
                brugklas_latest_start(housing_date=started),
                brugklas_started_on,
                basis,
                started,
            )
        period(Rule.BEGELEIDING, begeleiding_end(housing_date=started), basis, started)
        if social_assistance_date is not None:
            ontzorgen_basis, ontzorgen_from = Basis.SOCIAL_ASSISTANCE, social_assistance_date
        else:
            ontzorgen_basis, ontzorgen_from = basis, started
        period(
            Rule.ONTZORGEN,
            ontzorgen_earliest_end(starts_on=ontzorgen_from),
            ontzorgen_basis,
            ontzorgen_from,
        )
    if statushouder and pip_date is not None:
        deadline(
            Rule.ROUTE_START,
            route_start_deadline(pip_date=pip_date),
            route_started_on,
            Basis.PIP,
            pip_date,
        )
    if pip_date is not None:
        period(
            Rule.INBURGERINGSTERMIJN,
            inburgeringstermijn_end(pip_date=pip_date),
            Basis.PIP,
            pip_date,
        )
    return sorted(deadlines, key=lambda item: item.due)
