"""The admin's start page for the catalogue (``providers.admin_home``): provider staff see their
start dates nearly full or still empty and their changes waiting or sent back with the comment;
contract managers see the changes to approve with the provider, the kind of change and a link to
the comparison, in the same number of queries for one change and for many."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.models import Role
from providers import start_moments, workflows
from providers.models import Offering, StartMoment
from providers.workflows import ChangeKind, change_kind, offering_workflow_ensure
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import OfferingFactory, ProviderFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"
DAY = datetime.timedelta(days=1)


def _client(user) -> Client:
    return login_staff_in_english(Client(), user)


def _published(**fields) -> Offering:
    offering = OfferingFactory(live=False, **fields)
    offering.save_revision().publish()
    return Offering.objects.get(pk=offering.pk)


def _submit(offering: Offering, user, **changes) -> None:
    for name, value in changes.items():
        setattr(offering, name, value)
    offering.save_revision(user=user)
    offering_workflow_ensure().start(offering, user)


def _reject(offering: Offering, reviewer, comment: str) -> None:
    state = offering.current_workflow_state
    state.current_task_state.reject(user=reviewer, comment=comment)


@pytest.fixture
def manager():
    return UserFactory(role=Role.CONTRACT_MANAGER, first_name="Chris", last_name="Contract")


# --- The rules ------------------------------------------------------------------------------


def test_the_kind_of_change_follows_what_is_public():
    assert change_kind(OfferingFactory.build(live=False)) == ChangeKind.NEW
    assert change_kind(OfferingFactory.build(live=True)) == ChangeKind.EDIT
    withdrawn = OfferingFactory.build(live=False, first_published_at=timezone.now())
    assert change_kind(withdrawn) == ChangeKind.BACK


@pytest.mark.parametrize(
    ("seats", "taken", "nearly_full"),
    [(10, 8, True), (10, 7, False), (9, 7, False), (9, 8, True), (12, 12, True), (5, 4, True)],
)
def test_a_start_date_is_nearly_full_from_80_percent_exactly(seats, taken, nearly_full):
    moment = StartMomentFactory(seats=seats, seats_taken=taken)
    found = StartMoment.objects.filter(start_moments.start_moment_nearly_full_q(), pk=moment.pk)
    assert found.exists() == nearly_full


def test_a_start_date_is_empty_soon_within_28_days_with_no_one():
    today = timezone.localdate()
    soon = StartMomentFactory(starts_on=today + 28 * DAY)
    later = StartMomentFactory(starts_on=today + 29 * DAY)
    taken = StartMomentFactory(starts_on=today + 3 * DAY, seats_taken=1)
    found = set(
        StartMoment.objects.filter(
            start_moments.start_moment_empty_soon_q(today=today)
        ).values_list("pk", flat=True)
    )
    assert soon.pk in found
    assert not {later.pk, taken.pk} & found


# --- Provider staff -----------------------------------------------------------------------------


def test_provider_staff_see_their_start_dates_nearly_full_or_empty_soon():
    provider = ProviderFactory()
    offering = OfferingFactory(provider=provider, title="B1-route overdag")
    today = timezone.localdate()
    full = StartMomentFactory(offering=offering, seats=10, seats_taken=9)
    StartMomentFactory(offering=offering, starts_on=today + 7 * DAY)
    StartMomentFactory(offering=offering, seats=10, seats_taken=3)  # neither
    StartMomentFactory(seats=10, seats_taken=10)  # another provider's
    html = _client(provider_staff(provider)).get(HOME).content.decode()
    assert "Start dates to look at" in html
    assert "1 start date is 80 % full or more" in html
    assert "1 start date within 28 days has no one yet" in html
    assert f'href="/admin/snippets/providers/startmoment/edit/{full.pk}/"' in html
    assert "9 of 10 seats taken" in html
    assert 'href="/admin/snippets/providers/startmoment/?attention=nearly_full"' in html


def test_the_start_date_list_filters_as_the_start_page_counts():
    provider = ProviderFactory()
    offering = OfferingFactory(provider=provider)
    full = StartMomentFactory(offering=offering, seats=10, seats_taken=9)
    roomy = StartMomentFactory(offering=offering, seats=10, seats_taken=1)
    client = _client(provider_staff(provider))
    listing = "/admin/snippets/providers/startmoment/"
    html = client.get(f"{listing}?attention=nearly_full").content.decode()
    assert f"{listing}edit/{full.pk}/" in html
    assert f"{listing}edit/{roomy.pk}/" not in html
    assert f"{listing}edit/{roomy.pk}/" in client.get(listing).content.decode()


def test_provider_staff_see_their_changes_waiting_and_sent_back_with_the_comment(manager):
    provider = ProviderFactory()
    editor = provider_staff(provider)
    waiting = _published(provider=provider, title="B1-route overdag")
    sent_back = _published(provider=provider, title="B1-route 's avonds")
    _submit(waiting, editor, summary="Nu ook op vrijdag")
    _submit(sent_back, editor, summary="Goedkoper")
    _reject(sent_back, manager, "De prijs ontbreekt in de omschrijving.")
    other = _published(title="Niet van ons")
    _submit(other, provider_staff(other.provider), summary="x")
    html = _client(editor).get(HOME).content.decode()
    assert "Your course changes" in html
    assert "1 change was sent back" in html
    assert "1 change waits for approval" in html
    assert "De prijs ontbreekt in de omschrijving." in html
    assert "by Chris Contract" in html
    assert "Niet van ons" not in html
    assert 'href="/admin/snippets/providers/offering/?change=rejected"' in html
    # Wagtail's own "Your pages and snippets in a workflow" is left out: this panel says more.
    assert "Your pages and snippets in a workflow" not in html


def test_the_offering_list_filters_the_changes_as_the_start_page_counts(manager):
    provider = ProviderFactory()
    editor = provider_staff(provider)
    waiting = _published(provider=provider, title="Wacht op akkoord")
    _published(provider=provider, title="Geen wijziging")
    _submit(waiting, editor, summary="x")
    html = _client(editor).get("/admin/snippets/providers/offering/?change=awaiting").content
    assert "Wacht op akkoord" in html.decode()
    assert "Geen wijziging" not in html.decode()


def test_with_nothing_to_look_at_the_provider_home_says_so():
    html = _client(provider_staff(ProviderFactory())).get(HOME).content.decode()
    assert "No start date is 80 % full" in html
    assert "None of your course changes is waiting for approval or was sent back." in html


# --- Contract managers --------------------------------------------------------------------------


def test_two_changes_with_the_same_title_show_their_provider_and_kind(manager):
    first = _published(provider=ProviderFactory(name="Taalhuis Spaarnestad"), title="B1-route")
    second = OfferingFactory(
        provider=ProviderFactory(name="Talenschool De Duinrand"), title="B1-route", live=False
    )
    _submit(first, provider_staff(first.provider), summary="Nu ook op vrijdag")
    second.save_revision()
    _submit(second, provider_staff(second.provider), summary="Nieuw")
    html = _client(manager).get(HOME).content.decode()
    assert "Changes to approve" in html
    assert "2 course changes wait for your approval" in html
    assert "Taalhuis Spaarnestad" in html and "Talenschool De Duinrand" in html
    assert "rw-home-kind--edit" in html and "rw-home-kind--new" in html
    compare = f"/admin/snippets/providers/offering/history/{first.pk}/revisions/compare/live..."
    assert compare in html
    assert "Compare with the public version" in html
    # Wagtail's "Awaiting your review" (title and editor only) is replaced.
    assert 'id="awaiting-review"' not in html
    assert "<th></th>" not in html


def test_the_changes_to_approve_cost_the_same_queries_for_one_change_and_many(manager):
    client = _client(manager)
    editor_of = {}

    def submit(count: int) -> None:
        for _ in range(count):
            offering = _published()
            editor = editor_of.setdefault(offering.provider_id, provider_staff(offering.provider))
            _submit(offering, editor, summary="x")

    submit(1)
    client.get(HOME)
    with CaptureQueriesContext(connection) as one:
        client.get(HOME)
    submit(12)
    with CaptureQueriesContext(connection) as many:
        html = client.get(HOME).content.decode()
    assert len(many) == len(one)
    assert "13 course changes wait for your approval" in html
    assert "The 10 that have waited longest are shown, of 13." in html


def test_with_nothing_to_approve_the_contract_manager_home_says_so(manager):
    html = _client(manager).get(HOME).content.decode()
    assert "No change is waiting for your approval." in html


def test_changes_to_review_counts_only_what_the_user_may_review(manager):
    offering = _published()
    _submit(offering, provider_staff(offering.provider), summary="x")
    assert workflows.changes_to_review(user=manager, limit=5).offerings == 1
    klantmanager = UserFactory(role=Role.CASE_MANAGER)
    assert workflows.changes_to_review(user=klantmanager, limit=5).total == 0
