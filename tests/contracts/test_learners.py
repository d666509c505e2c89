"""``contracts.learners``: the registration rules, closing a case, and the caseload's rows at the
boundaries of the law's time rules (``contracts.rules``)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import formats, translation
from hypothesis import given
from hypothesis import strategies as st

from contracts import learners, rules
from contracts.models import AuditEntry, Learner
from portal.accounts.models import Role
from tests.contracts.factories import LearnerFactory, MunicipalityFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The rules' messages are asserted in the source language."""
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


def _learner(**fields) -> Learner:
    values = {
        "municipality": MunicipalityFactory(),
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "target_group": "STATUSHOUDER",
        "housing_date": TODAY - 28 * DAY,
        "intake_date": TODAY - 21 * DAY,
    }
    values.update(fields)
    return Learner(**values)


def _errors(learner: Learner) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        learners.learner_validate(learner=learner, today=TODAY)
    return caught.value.message_dict


def test_a_complete_statushouder_is_valid():
    learners.learner_validate(learner=_learner(pip_date=TODAY), today=TODAY)


def test_a_date_of_birth_today_or_later_is_refused():
    assert "past" in _errors(_learner(date_of_birth=TODAY))["date_of_birth"][0]


def test_a_learner_turning_16_tomorrow_is_refused_and_one_turning_16_today_is_not():
    sixteen_today = TODAY.replace(year=TODAY.year - 16)
    assert "16" in _errors(_learner(date_of_birth=sixteen_today + DAY))["date_of_birth"][0]
    learners.learner_validate(learner=_learner(date_of_birth=sixteen_today), today=TODAY)


def test_age_counts_a_29_february_birthday_from_1_march_in_a_common_year():
    born = datetime.date(2008, 2, 29)
    assert learners.age_on(date_of_birth=born, day=datetime.date(2024, 2, 28)) == 15
    assert learners.age_on(date_of_birth=born, day=datetime.date(2024, 2, 29)) == 16
    assert learners.age_on(date_of_birth=born, day=datetime.date(2025, 2, 28)) == 16
    assert learners.age_on(date_of_birth=born, day=datetime.date(2026, 3, 1)) == 18


def test_a_statushouder_needs_a_housing_date():
    errors = _errors(_learner(housing_date=None))
    assert list(errors) == ["housing_date"]


def test_a_gezinsmigrant_needs_no_housing_date():
    learners.learner_validate(
        learner=_learner(target_group="GEZINSMIGRANT", housing_date=None), today=TODAY
    )


def test_the_intake_cannot_be_before_housing():
    errors = _errors(_learner(intake_date=TODAY - 29 * DAY))
    assert list(errors) == ["intake_date"]


def test_the_pip_cannot_be_before_the_intake_but_may_be_on_the_same_day():
    errors = _errors(_learner(pip_date=TODAY - 22 * DAY))
    assert list(errors) == ["pip_date"]
    learners.learner_validate(learner=_learner(pip_date=TODAY - 21 * DAY), today=TODAY)


def test_a_pip_without_an_intake_is_refused_on_the_intake_field():
    errors = _errors(_learner(intake_date=None, pip_date=TODAY))
    assert list(errors) == ["intake_date"]


def test_every_wrong_field_gets_its_own_error():
    errors = _errors(
        _learner(date_of_birth=TODAY + DAY, housing_date=None, intake_date=None, pip_date=TODAY)
    )
    assert set(errors) == {"date_of_birth", "housing_date", "intake_date"}


def test_the_klantmanager_must_work_for_the_learners_municipality():
    municipality = MunicipalityFactory()
    other = UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    errors = _errors(_learner(municipality=municipality, klantmanager=other))
    assert list(errors) == ["klantmanager"]
    own = UserFactory(role=Role.CASE_MANAGER, municipality=municipality)
    learners.learner_validate(
        learner=_learner(municipality=municipality, klantmanager=own), today=TODAY
    )


# --- Closing --------------------------------------------------------------------------------


def test_closing_a_case_sets_the_time_and_writes_an_audit_entry():
    learner = LearnerFactory()
    actor = UserFactory(role=Role.CASE_MANAGER, municipality=learner.municipality)
    learners.learner_close(learner=learner, actor=actor)
    learner.refresh_from_db()
    assert learner.closed_at is not None
    entry = AuditEntry.objects.get(learner=learner)
    assert (entry.actor, entry.action, entry.what) == (actor, "change", "closed_at")


def test_a_closed_case_cannot_be_closed_again():
    learner = LearnerFactory()
    actor = UserFactory(role=Role.CASE_MANAGER, municipality=learner.municipality)
    learners.learner_close(learner=learner, actor=actor)
    with pytest.raises(learners.LearnerAlreadyClosed):
        learners.learner_close(learner=learner, actor=actor)
    assert AuditEntry.objects.filter(learner=learner).count() == 1


# --- Deadlines and the caseload ---------------------------------------------------------------


def test_the_deadlines_are_the_rules_with_route_and_brugklas_not_started():
    learner = _learner(pip_date=None)
    deadlines = learners.learner_deadline_list(learner=learner, today=TODAY)
    assert deadlines == rules.learner_deadlines(
        target_group="STATUSHOUDER", today=TODAY, housing_date=learner.housing_date
    )


@pytest.fixture
def klantmanager():
    return UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())


def _housed(klantmanager, *, days_ago: int, **fields) -> Learner:
    housed = TODAY - days_ago * DAY
    return LearnerFactory(
        municipality=klantmanager.municipality,
        housing_date=housed,
        intake_date=housed,
        **fields,
    )


def _caseload(user) -> dict[str, list[str]]:
    return {
        row.learner.last_name: [d.rule.value for d in row.deadlines]
        for row in learners.caseload_attention(user=user, today=TODAY)
    }


def test_the_pip_deadline_enters_the_caseload_exactly_when_it_is_due_soon(klantmanager):
    pip_due_in = rules.DUE_SOON_DAYS
    weeks10 = rules.PIP_WITHIN.days
    _housed(klantmanager, days_ago=weeks10 - pip_due_in, last_name="Op de grens")
    _housed(klantmanager, days_ago=weeks10 - pip_due_in - 1, last_name="Net niet")
    # With a PIP set, the PIP deadline is met and does not count.
    _housed(klantmanager, days_ago=weeks10, last_name="Klaar", pip_date=TODAY - DAY)
    rows = _caseload(klantmanager)
    assert "pip" in rows["Op de grens"]
    # (Its brugklas, 4 weeks in and not known to have started, is overdue: that one counts.)
    assert rows["Net niet"] == ["brugklas"]
    assert "pip" not in rows.get("Klaar", [])


def test_an_overdue_pip_stays_in_the_caseload(klantmanager):
    _housed(klantmanager, days_ago=rules.PIP_WITHIN.days + 1, last_name="Te laat")
    row = learners.caseload_attention(user=klantmanager, today=TODAY)[0]
    pip = next(d for d in row.deadlines if d.rule == rules.Rule.PIP)
    assert pip.status == rules.DeadlineStatus.OVERDUE
    assert row.overdue


def test_the_route_start_is_flagged_when_three_months_after_the_pip_come_near(klantmanager):
    pip_date = rules.add_months(TODAY, -rules.ROUTE_START_WITHIN_MONTHS)  # due today
    _housed(klantmanager, days_ago=200, last_name="Route", pip_date=pip_date)
    assert "route_start" in _caseload(klantmanager)["Route"]


def test_the_caseload_is_sorted_by_the_first_due_date(klantmanager):
    weeks10 = rules.PIP_WITHIN.days
    _housed(klantmanager, days_ago=weeks10 - 3, last_name="A later")
    _housed(klantmanager, days_ago=weeks10 + 5, last_name="Z overdue")
    _housed(klantmanager, days_ago=weeks10, last_name="M today")
    assert list(_caseload(klantmanager)) == ["Z overdue", "M today", "A later"]


def test_closed_and_other_municipalities_cases_are_not_in_the_caseload(klantmanager):
    overdue = rules.PIP_WITHIN.days + 1
    _housed(
        klantmanager,
        days_ago=overdue,
        last_name="Gesloten",
        closed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    LearnerFactory(
        housing_date=TODAY - overdue * DAY, intake_date=TODAY - overdue * DAY, last_name="Elders"
    )
    _housed(klantmanager, days_ago=overdue, last_name="Eigen")
    assert list(_caseload(klantmanager)) == ["Eigen"]


def test_a_klantmanager_without_a_municipality_has_an_empty_caseload():
    LearnerFactory(housing_date=TODAY - 100 * DAY, intake_date=TODAY - 100 * DAY)
    assert learners.caseload_attention(user=UserFactory(role=Role.CASE_MANAGER), today=TODAY) == []


def test_a_contract_manager_sees_every_municipalitys_caseload():
    LearnerFactory(housing_date=TODAY - 100 * DAY, intake_date=TODAY - 100 * DAY)
    LearnerFactory(housing_date=TODAY - 100 * DAY, intake_date=TODAY - 100 * DAY)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    assert len(learners.caseload_attention(user=manager, today=TODAY)) == 2


def test_the_client_number_is_for_the_learners_own_municipality_only(klantmanager):
    own = LearnerFactory(municipality=klantmanager.municipality)
    other = LearnerFactory()
    assert learners.learner_client_number_visible(user=klantmanager, learner=own)
    assert not learners.learner_client_number_visible(user=klantmanager, learner=other)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    assert not learners.learner_client_number_visible(user=manager, learner=own)


# --- The duty starts at 18 ----------------------------------------------------------------------


def test_a_pip_is_refused_the_day_before_the_18th_birthday_and_allowed_on_it():
    born = (TODAY - 10 * DAY).replace(year=TODAY.year - 18)  # 18 ten days ago
    eighteen_on = TODAY - 10 * DAY
    too_early = _learner(
        date_of_birth=born, intake_date=TODAY - 21 * DAY, pip_date=eighteen_on - DAY
    )
    [message] = _errors(too_early)["pip_date"]
    day = formats.date_format(eighteen_on, "DATE_FORMAT")
    assert message == f"The duty starts at 18: the PIP can be set from {day}."
    for pip in (eighteen_on, eighteen_on + DAY):
        learners.learner_validate(
            learner=_learner(date_of_birth=born, intake_date=TODAY - 21 * DAY, pip_date=pip),
            today=TODAY,
        )


def test_social_assistance_before_the_18th_birthday_is_refused():
    born = datetime.date(2008, 6, 20)  # 18 on 20 June 2026, five days after TODAY
    learner = _learner(date_of_birth=born, social_assistance_date=datetime.date(2026, 6, 19))
    assert "18" in _errors(learner)["social_assistance_date"][0]
    learner.social_assistance_date = datetime.date(2026, 6, 20)
    learners.learner_validate(learner=learner, today=TODAY)


def test_a_17_year_old_can_be_registered_and_the_clocks_wait_for_the_birthday():
    born = datetime.date(2009, 1, 10)  # 17 on TODAY, 18 on 10 January 2027
    learner = _learner(date_of_birth=born, housing_date=TODAY - 80 * DAY, intake_date=None)
    learners.learner_validate(learner=learner, today=TODAY)
    [pip] = [
        d
        for d in learners.learner_deadline_list(learner=learner, today=TODAY)
        if d.rule == rules.Rule.PIP
    ]
    assert (pip.basis, pip.basis_date) == (
        rules.Basis.EIGHTEENTH_BIRTHDAY,
        datetime.date(2027, 1, 10),
    )
    assert pip.status is rules.DeadlineStatus.OPEN  # 80 days after housing, not overdue


def test_the_caseload_reads_the_birthday_and_social_assistance_in_its_one_query(
    klantmanager, django_assert_max_num_queries
):
    """Housed 80 days ago at 17: not in the caseload. The ontzorgen of another is due soon,
    counted from the social-assistance date."""
    _housed(klantmanager, days_ago=80, last_name="Young", date_of_birth=datetime.date(2009, 1, 10))
    _housed(klantmanager, days_ago=80, last_name="Adult", date_of_birth=datetime.date(1996, 1, 10))
    _housed(
        klantmanager,
        days_ago=200,
        last_name="Assisted",
        pip_date=TODAY - 140 * DAY,
        date_of_birth=datetime.date(1990, 1, 10),
        social_assistance_date=TODAY - 175 * DAY,
    )
    with django_assert_max_num_queries(1):
        rows = {
            row.learner.last_name: row
            for row in learners.caseload_attention(user=klantmanager, today=TODAY)
        }
    assert set(rows) == {"Adult", "Assisted"}
    [ontzorgen] = [d for d in rows["Assisted"].deadlines if d.rule == rules.Rule.ONTZORGEN]
    assert ontzorgen.basis is rules.Basis.SOCIAL_ASSISTANCE
    assert ontzorgen.due == rules.add_months(TODAY - 175 * DAY, 6)


@given(
    born=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2090, 12, 31)),
    offset=st.integers(min_value=0, max_value=365 * 100),
)
def test_age_counts_the_birthdays_the_deadlines_count(born, offset):
    """One rule for birthdays: the age on a day is the number of ``rules.birthday``s that came,
    so a learner is 18 exactly from the day the duty can start."""
    day = born + datetime.timedelta(days=offset)
    age = learners.age_on(date_of_birth=born, day=day)
    assert rules.birthday(date_of_birth=born, years=age) <= day
    assert day < rules.birthday(date_of_birth=born, years=age + 1)
