"""The admin's start page per role (``contracts.admin.home``): provider staff see the referrals
waiting for their answer and last month's attendance to report; klantmanagers their caseload's
deadlines, the answers since their previous sign-in and the cases handed over to them; contract
managers the providers late with attendance. Each panel counts, links to its list and says so
when there is nothing, in the same number of queries for one item and for many."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts import learners, progress, referrals, transfers
from contracts.models import Learner, MonthlyAttendance, Referral, ReferralState
from portal.accounts.models import Role
from portal.accounts.visits import SESSION_KEY
from tests.contracts.factories import LearnerFactory, LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

State = ReferralState
HOME = "/admin/"
DAY = datetime.timedelta(days=1)


def _today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=500, contract__municipalities=[haarlem])


@pytest.fixture
def provider_user(lot):
    return provider_staff(lot.contract.provider, email="sam@school.example")


def _client(user) -> Client:
    return login_staff_in_english(Client(), user)


def _learner(municipality, **fields) -> Learner:
    today = _today()
    values = {
        "housing_date": today - 60 * DAY,
        "intake_date": today - 50 * DAY,
        "pip_date": today - 10 * DAY,
        "route": "B1_ROUTE",
    }
    return LearnerFactory(municipality=municipality, **(values | fields))


def _sent(lot, klantmanager, **learner_fields) -> Referral:
    learner = _learner(klantmanager.municipality, **learner_fields)
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    return referrals.referral_send(referral=referral, actor=klantmanager)


def _queries(client, path: str = HOME) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _same_queries_for_one_and_many(client, add_one, add_many) -> str:
    """The start page costs the same number of queries with one item as with many."""
    add_one()
    client.get(HOME)  # the first request warms per-process caches (content types, sites)
    one, _html = _queries(client)
    add_many()
    many, html = _queries(client)
    assert many == one, f"{one} queries with one item, {many} with many"
    return html


# --- Provider staff -----------------------------------------------------------------------------


def test_provider_staff_see_the_referrals_waiting_with_their_deadline(
    lot, klantmanager, provider_user
):
    waiting = _sent(lot, klantmanager, first_name="Amal")
    late = _sent(lot, klantmanager, first_name="Bashir")
    Referral.objects.filter(pk=late.pk).update(answer_due=_today() - DAY)
    html = _client(provider_user).get(HOME).content.decode()
    assert "Referrals waiting for your answer" in html
    assert "2 referrals wait for your answer" in html
    assert "1 is past its answer date" in html
    assert 'href="/admin/referrals/?needs_answer=on"' in html
    assert 'href="/admin/referrals/?needs_answer=on&amp;sla=on"' in html
    assert f'href="/admin/referrals/{waiting.pk}/"' in html
    assert "Answer was due on" in html
    assert "Answer by" in html


def test_provider_staff_of_another_provider_see_none_of_them(lot, klantmanager):
    _sent(lot, klantmanager)
    other = provider_staff(LotFactory().contract.provider)
    html = _client(other).get(HOME).content.decode()
    assert "No referral is waiting for your answer." in html


def test_the_provider_home_costs_the_same_queries_for_one_referral_and_many(
    lot, klantmanager, provider_user
):
    client = _client(provider_user)
    html = _same_queries_for_one_and_many(
        client,
        lambda: _sent(lot, klantmanager),
        lambda: [_sent(lot, klantmanager) for _ in range(8)],
    )
    assert "9 referrals wait for your answer" in html
    assert html.count('href="/admin/referrals/') >= 5


def _started_last_month(lot, klantmanager, provider_user) -> Referral:
    referral = _sent(lot, klantmanager)
    referrals.referral_accept(referral=referral, actor=provider_user)
    first_of_month = _today().replace(day=1)
    started_on = (first_of_month - DAY).replace(day=1)
    return referrals.referral_start(referral=referral, actor=provider_user, started_on=started_on)


def test_provider_staff_see_last_months_attendance_still_to_report(
    lot, klantmanager, provider_user
):
    reported = _started_last_month(lot, klantmanager, provider_user)
    _started_last_month(lot, klantmanager, provider_user)
    month = (_today().replace(day=1) - DAY).replace(day=1)
    MonthlyAttendance.objects.create(
        referral=reported, month=month, hours_offered=10, hours_attended=10
    )
    html = _client(provider_user).get(HOME).content.decode()
    assert "1 placement still needs its attendance of" in html
    assert "Reported: 1 of 2." in html
    assert 'href="/admin/referrals/attendance-upload/"' in html


def test_attendance_due_counts_the_placements_that_ran_in_the_month(
    lot, klantmanager, provider_user
):
    month = (_today().replace(day=1) - DAY).replace(day=1)
    assert progress.attendance_due(user=provider_user, month=month).due == 0
    referral = _started_last_month(lot, klantmanager, provider_user)
    due = progress.attendance_due(user=provider_user, month=month)
    assert (due.due, due.reported, due.missing) == (1, 0, 1)
    # Ended before the month began: nothing due for it.
    Referral.objects.filter(pk=referral.pk).update(
        state=State.COMPLETED, started_on=month - 60 * DAY, ended_on=month - DAY
    )
    assert progress.attendance_due(user=provider_user, month=month).due == 0


def test_with_nothing_to_answer_or_report_the_provider_home_says_so(provider_user):
    html = _client(provider_user).get(HOME).content.decode()
    assert "No referral is waiting for your answer." in html
    assert "there is no attendance to report" in html


# --- Klantmanagers ------------------------------------------------------------------------------


def test_a_klantmanager_sees_deadlines_overdue_and_due_soon(klantmanager):
    today = _today()
    # No PIP 80 days after housing: past its 10 weeks.
    _learner(klantmanager.municipality, pip_date=None, route="", housing_date=today - 80 * DAY)
    # The route must start within 3 months of the PIP: 85 days after it, that is within 14 days.
    _learner(klantmanager.municipality, housing_date=today - 120 * DAY, pip_date=today - 85 * DAY)
    summary = learners.caseload_summary(user=klantmanager, today=today, limit=5)
    assert (summary.overdue, summary.due_soon) == (1, 1)
    html = _client(klantmanager).get(HOME).content.decode()
    assert "Deadlines in the caseload" in html
    assert "1 case has a date that has passed" in html
    assert "1 case has a date within 14 days" in html
    assert 'href="/admin/caseload/"' in html


def test_a_klantmanager_sees_the_answers_since_the_previous_sign_in(
    lot, klantmanager, provider_user
):
    accepted = _sent(lot, klantmanager, first_name="Amal")
    declined = _sent(lot, klantmanager, first_name="Bashir")
    before = _sent(lot, klantmanager, first_name="Chaya")
    referrals.referral_decline(referral=before, actor=provider_user, reason="Te vroeg")
    previous = timezone.now()
    klantmanager.last_login = previous
    klantmanager.save(update_fields=["last_login"])
    referrals.referral_accept(referral=accepted, actor=provider_user)
    referrals.referral_decline(referral=declined, actor=provider_user, reason="Vol")
    client = _client(klantmanager)  # signs in: the sign-in before this one is ``previous``
    assert client.session[SESSION_KEY] == previous.isoformat()
    html = client.get(HOME).content.decode()
    assert "Since your previous sign-in" in html
    assert "1 referral accepted" in html
    assert "1 referral declined" in html
    assert "Declined on" in html and ": Vol" in html
    assert "Te vroeg" not in html  # answered before the previous sign-in
    assert 'href="/admin/referrals/?state=declined"' in html


def test_without_an_earlier_sign_in_the_answers_count_from_the_account_being_made(klantmanager):
    html = _client(klantmanager).get(HOME).content.decode()
    assert "Since your account was made" in html
    assert "No provider has answered a referral since then." in html


def test_a_klantmanager_sees_the_cases_handed_over_to_the_municipality(haarlem, klantmanager):
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    colleague = UserFactory(role=Role.CASE_MANAGER, municipality=velsen)
    learner = _learner(velsen, first_name="Dawit")
    transfers.transfer_request(learner=learner, to_municipality=haarlem, actor=colleague)
    html = _client(klantmanager).get(HOME).content.decode()
    assert "1 case waits for you to accept it" in html
    assert "From Velsen" in html
    assert 'href="/admin/transfers/"' in html
    assert "No case is waiting" in _client(colleague).get(HOME).content.decode()


def test_the_klantmanager_home_costs_the_same_queries_for_one_case_and_many(
    lot, klantmanager, provider_user
):
    klantmanager.last_login = timezone.now() - DAY
    klantmanager.save(update_fields=["last_login"])
    client = _client(klantmanager)
    housed = _today() - 80 * DAY

    def add(count: int) -> None:
        for _ in range(count):
            _learner(klantmanager.municipality, pip_date=None, route="", housing_date=housed)
            referrals.referral_accept(referral=_sent(lot, klantmanager), actor=provider_user)

    html = _same_queries_for_one_and_many(client, lambda: add(1), lambda: add(8))
    assert "9 referrals accepted" in html


# --- Contract managers --------------------------------------------------------------------------


def test_a_contract_manager_sees_the_providers_late_with_attendance(
    lot, klantmanager, provider_user
):
    referral = _sent(lot, klantmanager)
    referrals.referral_accept(referral=referral, actor=provider_user)
    started = _today() - 120 * DAY
    referrals.referral_start(referral=referral, actor=provider_user, started_on=started)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    html = _client(manager).get(HOME).content.decode()
    assert "Providers late with attendance" in html
    assert "1 provider has not reported" in html
    assert lot.contract.provider.name in html
    assert 'href="/admin/dashboard/#table-late-reporters"' in html


def test_the_role_panels_are_for_their_roles_only(lot, klantmanager, provider_user):
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    provider_html = _client(provider_user).get(HOME).content.decode()
    klantmanager_html = _client(klantmanager).get(HOME).content.decode()
    manager_html = _client(manager).get(HOME).content.decode()
    assert "Deadlines in the caseload" not in provider_html
    assert "Referrals waiting for your answer" not in klantmanager_html
    assert "Providers late with attendance" not in klantmanager_html
    assert "Referrals waiting for your answer" not in manager_html
    assert "Deadlines in the caseload" not in manager_html
    site_editor = UserFactory(role=Role.SITE_EDITOR)
    editor_html = _client(site_editor).get(HOME).content.decode()
    assert "rw-home" not in editor_html


def test_the_contracts_ending_link_lists_the_contracts_the_panel_counts():
    from tests.contracts.factories import ContractFactory

    today = _today()
    ContractFactory(reference="RIJZK-EINDE", ends_on=today + 30 * DAY)
    ContractFactory(reference="RIJZK-LATER", ends_on=today + 200 * DAY)
    client = _client(UserFactory(role=Role.CONTRACT_MANAGER))
    html = client.get(HOME).content.decode()
    assert "1 contract ending soon" in html
    link = html.split('id="contract-watch-ending-list" href="', 1)[1].split('"', 1)[0]
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert "RIJZK-EINDE" in listed
    assert "RIJZK-LATER" not in listed
