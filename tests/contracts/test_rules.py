"""The law's time rules (contracts.rules), each at its boundaries: the day before, on and after."""

from __future__ import annotations

import datetime

import pytest

from contracts import rules
from contracts.rules import DeadlineStatus, Rule
from providers.choices import TargetGroup

D = datetime.date
DAY = datetime.timedelta(days=1)
HOUSED = D(2026, 1, 5)


def test_the_pip_is_due_ten_weeks_after_housing():
    assert rules.pip_deadline(housing_date=HOUSED) == D(2026, 3, 16)


def test_the_brugklas_starts_six_weeks_before_the_pip_deadline_at_the_latest():
    assert rules.brugklas_latest_start(housing_date=HOUSED) == D(2026, 2, 2)


@pytest.mark.parametrize(
    ("pip", "end"),
    [
        (D(2026, 3, 16), D(2029, 3, 16)),
        (D(2024, 2, 29), D(2027, 2, 28)),  # a leap day: the term ends on the last day of February
    ],
)
def test_the_inburgeringstermijn_is_three_years_from_the_pip(pip, end):
    assert rules.inburgeringstermijn_end(pip_date=pip) == end


def test_begeleiding_lasts_twelve_months_and_ontzorgen_at_least_six():
    assert rules.begeleiding_end(housing_date=HOUSED) == D(2027, 1, 5)
    assert rules.ontzorgen_earliest_end(housing_date=HOUSED) == D(2026, 7, 5)


@pytest.mark.parametrize(
    ("pip", "due"),
    [(D(2026, 3, 16), D(2026, 6, 16)), (D(2026, 11, 30), D(2027, 2, 28))],
)
def test_the_route_must_start_within_three_months_of_the_pip(pip, due):
    assert rules.route_start_deadline(pip_date=pip) == due


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 31), 13, D(2027, 6, 30)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert rules.add_months(start, months) == expected


DUE = D(2026, 3, 16)


@pytest.mark.parametrize(
    ("done_on", "today", "status"),
    [
        (DUE - DAY, DUE + DAY, DeadlineStatus.MET),
        (DUE, DUE + DAY, DeadlineStatus.MET),
        (DUE + DAY, DUE + DAY, DeadlineStatus.MET_LATE),
        (None, DUE - datetime.timedelta(days=rules.DUE_SOON_DAYS + 1), DeadlineStatus.OPEN),
        (None, DUE - datetime.timedelta(days=rules.DUE_SOON_DAYS), DeadlineStatus.DUE_SOON),
        (None, DUE - DAY, DeadlineStatus.DUE_SOON),
        (None, DUE, DeadlineStatus.DUE_SOON),
        (None, DUE + DAY, DeadlineStatus.OVERDUE),
    ],
)
def test_a_deadline_is_met_on_its_day_and_overdue_the_day_after(done_on, today, status):
    assert rules.deadline_status(due=DUE, done_on=done_on, today=today) is status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (DUE - datetime.timedelta(days=rules.DUE_SOON_DAYS + 1), DeadlineStatus.RUNNING),
        (DUE - DAY, DeadlineStatus.DUE_SOON),
        (DUE, DeadlineStatus.DUE_SOON),
        (DUE + DAY, DeadlineStatus.ENDED),
    ],
)
def test_a_period_runs_through_its_last_day(today, status):
    assert rules.period_status(ends=DUE, today=today) is status


def _by_rule(deadlines):
    return {deadline.rule: deadline for deadline in deadlines}


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 3, 15), DeadlineStatus.DUE_SOON),
        (D(2026, 3, 16), DeadlineStatus.DUE_SOON),
        (D(2026, 3, 17), DeadlineStatus.OVERDUE),
    ],
)
def test_a_statushouder_without_a_pip_ten_weeks_after_housing_is_overdue(today, status):
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER, housing_date=HOUSED, today=today
        )
    )
    assert deadlines[Rule.PIP].status is status
    assert deadlines[Rule.PIP].needs_attention
    assert Rule.INBURGERINGSTERMIJN not in deadlines  # no PIP, no term yet


@pytest.mark.parametrize(
    ("route_started_on", "today", "status"),
    [
        (None, D(2026, 6, 16), DeadlineStatus.DUE_SOON),
        (None, D(2026, 6, 17), DeadlineStatus.OVERDUE),
        (D(2026, 6, 16), D(2026, 9, 1), DeadlineStatus.MET),
        (D(2026, 6, 17), D(2026, 9, 1), DeadlineStatus.MET_LATE),
    ],
)
def test_a_route_not_started_three_months_after_the_pip_is_flagged(route_started_on, today, status):
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER,
            housing_date=HOUSED,
            pip_date=D(2026, 3, 16),
            route_started_on=route_started_on,
            today=today,
        )
    )
    assert deadlines[Rule.ROUTE_START].status is status
    assert deadlines[Rule.PIP].status is DeadlineStatus.MET
    assert deadlines[Rule.INBURGERINGSTERMIJN].due == D(2029, 3, 16)


def test_gezinsmigranten_have_the_term_but_no_statushouder_deadlines():
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.GEZINSMIGRANT,
            housing_date=HOUSED,
            pip_date=D(2026, 4, 1),
            today=D(2026, 5, 1),
        )
    )
    assert set(deadlines) == {Rule.INBURGERINGSTERMIJN}
    assert deadlines[Rule.INBURGERINGSTERMIJN].status is DeadlineStatus.RUNNING


def test_deadlines_come_in_date_order_with_labels():
    deadlines = rules.learner_deadlines(
        target_group=TargetGroup.STATUSHOUDER,
        housing_date=HOUSED,
        pip_date=D(2026, 3, 1),
        today=D(2026, 3, 2),
    )
    assert [deadline.due for deadline in deadlines] == sorted(d.due for d in deadlines)
    assert {deadline.rule for deadline in deadlines} == {
        Rule.PIP,
        Rule.ROUTE_START,
        Rule.INBURGERINGSTERMIJN,
        Rule.BEGELEIDING,
        Rule.ONTZORGEN,
    }
    assert all(deadline.label and deadline.status_label for deadline in deadlines)
