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
    assert rules.ontzorgen_earliest_end(starts_on=HOUSED) == D(2026, 7, 5)


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


# --- The duty starts at 18; ontzorgen starts with social assistance ------------------------------

EIGHTEEN_ON = D(2026, 3, 1)  # born 1 March 2008
WEEK = datetime.timedelta(weeks=1)


@pytest.mark.parametrize(
    ("born", "start", "basis"),
    [
        (D(2008, 1, 4), HOUSED, rules.Basis.HOUSING),  # 18 the day before housing
        (D(2008, 1, 5), HOUSED, rules.Basis.HOUSING),  # 18 on the housing day
        (D(2008, 1, 6), D(2026, 1, 6), rules.Basis.EIGHTEENTH_BIRTHDAY),  # 18 the day after
        (D(2008, 3, 1), EIGHTEEN_ON, rules.Basis.EIGHTEENTH_BIRTHDAY),
    ],
)
def test_the_clocks_tied_to_housing_start_at_the_18th_birthday_when_that_is_later(
    born, start, basis
):
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER,
            housing_date=HOUSED,
            date_of_birth=born,
            today=D(2026, 1, 10),
        )
    )
    assert deadlines[Rule.PIP].due == start + 10 * WEEK
    assert deadlines[Rule.BRUGKLAS].due == start + 4 * WEEK
    assert deadlines[Rule.BEGELEIDING].due == rules.add_months(start, 12)
    assert deadlines[Rule.ONTZORGEN].due == rules.add_months(start, 6)
    for rule in (Rule.PIP, Rule.BRUGKLAS, Rule.BEGELEIDING, Rule.ONTZORGEN):
        assert (deadlines[rule].basis, deadlines[rule].basis_date) == (basis, start)


def test_a_17_year_old_housed_today_is_not_overdue_before_the_duty_started():
    """Housed at 17 with 14 months to go: ten weeks after housing, nothing is overdue."""
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER,
            housing_date=HOUSED,
            date_of_birth=D(2009, 3, 5),  # 18 on 5 March 2027
            today=HOUSED + 11 * WEEK,
        )
    )
    assert deadlines[Rule.PIP].due == D(2027, 5, 14)
    assert deadlines[Rule.PIP].status is DeadlineStatus.OPEN


def test_a_birthday_on_29_february_counts_from_1_march_in_a_common_year():
    assert rules.birthday(date_of_birth=D(2008, 2, 29), years=18) == D(2026, 3, 1)
    assert rules.birthday(date_of_birth=D(2006, 2, 28), years=18) == D(2024, 2, 28)
    assert rules.duty_start(housing_date=D(2026, 2, 28), date_of_birth=D(2008, 2, 29)) == D(
        2026, 3, 1
    )


@pytest.mark.parametrize(
    ("social_assistance", "ends", "basis", "since"),
    [
        (None, D(2026, 7, 5), rules.Basis.HOUSING, HOUSED),
        (HOUSED - DAY, D(2026, 7, 4), rules.Basis.SOCIAL_ASSISTANCE, HOUSED - DAY),
        (HOUSED, D(2026, 7, 5), rules.Basis.SOCIAL_ASSISTANCE, HOUSED),
        (HOUSED + DAY, D(2026, 7, 6), rules.Basis.SOCIAL_ASSISTANCE, HOUSED + DAY),
        (D(2026, 2, 20), D(2026, 8, 20), rules.Basis.SOCIAL_ASSISTANCE, D(2026, 2, 20)),
    ],
)
def test_ontzorgen_runs_six_months_from_social_assistance_else_from_housing(
    social_assistance, ends, basis, since
):
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER,
            housing_date=HOUSED,
            social_assistance_date=social_assistance,
            today=D(2026, 2, 1),
        )
    )
    ontzorgen = deadlines[Rule.ONTZORGEN]
    assert (ontzorgen.due, ontzorgen.basis, ontzorgen.basis_date) == (ends, basis, since)
    # The other clocks stay tied to housing.
    assert deadlines[Rule.BEGELEIDING].basis_date == HOUSED


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 8, 5), DeadlineStatus.RUNNING),
        (D(2026, 8, 6), DeadlineStatus.DUE_SOON),
        (D(2026, 8, 20), DeadlineStatus.DUE_SOON),
        (D(2026, 8, 21), DeadlineStatus.ENDED),
    ],
)
def test_ontzorgen_from_a_later_social_assistance_date_ends_later(today, status):
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.STATUSHOUDER,
            housing_date=HOUSED,
            social_assistance_date=D(2026, 2, 20),
            today=today,
        )
    )
    assert deadlines[Rule.ONTZORGEN].status is status


def test_gezinsmigranten_get_no_ontzorgen_even_with_social_assistance():
    deadlines = _by_rule(
        rules.learner_deadlines(
            target_group=TargetGroup.GEZINSMIGRANT,
            social_assistance_date=HOUSED,
            date_of_birth=D(1990, 1, 1),
            today=D(2026, 2, 1),
        )
    )
    assert Rule.ONTZORGEN not in deadlines
