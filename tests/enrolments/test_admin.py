"""Enrolments and waiting lists in the Wagtail admin: read only, and provider staff see only
their own providers' learners (listing, search, filters, object URLs)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Role
from portal.enrolments.models import Enrolment, WaitingListEntry
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english as login_staff

pytestmark = pytest.mark.django_db

ENROLMENTS = "/admin/snippets/enrolments/enrolment/"
WAITING = "/admin/snippets/enrolments/waitinglistentry/"


@pytest.fixture
def world():
    own_moment = start_moment_for_sale(title="Eigen cursus")
    other_moment = start_moment_for_sale(title="Andere cursus")
    for moment, name in ((own_moment, "Eigen School"), (other_moment, "Andere School")):
        moment.offering.provider.name = name
        moment.offering.provider.save()
    own_learner = learner(username="eigen.leerling@example.org", email="eigen.leerling@example.org")
    other_learner = learner(
        username="andere.leerling@example.org", email="andere.leerling@example.org"
    )
    own = held_enrolment(own_moment, user=own_learner)
    other = held_enrolment(other_moment, user=other_learner)
    waiting_own = WaitingListEntry.objects.create(
        user=learner(username="wacht.eigen@example.org", email="wacht.eigen@example.org"),
        start_moment=own_moment,
    )
    waiting_other = WaitingListEntry.objects.create(
        user=learner(username="wacht.ander@example.org", email="wacht.ander@example.org"),
        start_moment=other_moment,
    )
    return {
        "own_provider": own_moment.offering.provider,
        "other_provider": other_moment.offering.provider,
        "own_moment": own_moment,
        "other_moment": other_moment,
        "own": own,
        "other": other,
        "waiting_own": waiting_own,
        "waiting_other": waiting_other,
    }


@pytest.fixture
def staff_client(client, world):
    return login_staff(client, provider_staff(world["own_provider"]))


def _secrets(world) -> list[str]:
    """What provider staff of the own provider must never see of the other provider."""
    other = world["other"]
    return [
        other.reference,
        other.learner_email,
        "Andere cursus",
        world["other_provider"].name,
        "wacht.ander@example.org",
    ]


def _assert_nothing_of_the_other_provider(html: str, world) -> None:
    for secret in _secrets(world):
        assert secret not in html, secret


# Listing ---------------------------------------------------------------------------------------


def test_provider_staff_see_their_own_providers_enrolments_only(staff_client, world):
    response = staff_client.get(ENROLMENTS)
    assert response.status_code == 200
    assert {row.pk for row in response.context["object_list"]} == {world["own"].pk}
    html = response.content.decode()
    own = world["own"]
    for shown in (own.reference, own.learner_email, "Eigen cursus", "Seat held", "€\u00a01,250"):
        assert shown in html, shown
    _assert_nothing_of_the_other_provider(html, world)


def test_contract_managers_and_superusers_see_all_enrolments(client, world):
    for user in (UserFactory(role=Role.CONTRACT_MANAGER), UserFactory(is_superuser=True)):
        login_staff(client, user)
        response = client.get(ENROLMENTS)
        assert {row.pk for row in response.context["object_list"]} == {
            world["own"].pk,
            world["other"].pk,
        }


def test_search_finds_by_reference_and_e_mail_within_the_own_provider_only(staff_client, world):
    own, other = world["own"], world["other"]
    for query in (own.reference, "eigen.leerling"):
        response = staff_client.get(ENROLMENTS, {"q": query})
        assert [row.pk for row in response.context["object_list"]] == [own.pk]
    for query in (other.reference, "andere.leerling", "leerling"):
        response = staff_client.get(ENROLMENTS, {"q": query})
        assert other.pk not in {row.pk for row in response.context["object_list"]}
        # The search box shows the query itself; nothing else of the other provider appears.
        html = response.content.decode().replace(f'value="{query}"', "")
        _assert_nothing_of_the_other_provider(html, world)


def test_filters_narrow_the_listing(staff_client, world):
    own = world["own"]
    response = staff_client.get(ENROLMENTS, {"state": "held"})
    assert [row.pk for row in response.context["object_list"]] == [own.pk]
    response = staff_client.get(ENROLMENTS, {"state": "confirmed"})
    assert list(response.context["object_list"]) == []
    response = staff_client.get(ENROLMENTS, {"payment_method": "duo_loan"})
    assert list(response.context["object_list"]) == []
    day = own.starts_on.isoformat()
    response = staff_client.get(ENROLMENTS, {"starts_on_after": day, "starts_on_before": day})
    assert [row.pk for row in response.context["object_list"]] == [own.pk]


def test_the_provider_filter_offers_only_the_own_provider(staff_client, world):
    response = staff_client.get(ENROLMENTS)
    choices = response.context["filters"].form.fields["provider"].queryset
    assert list(choices) == [world["own_provider"]]
    # Another provider's id is not a valid choice: the filter is ignored, the scope still holds.
    response = staff_client.get(ENROLMENTS, {"provider": world["other_provider"].pk})
    assert world["other"].pk not in {row.pk for row in response.context["object_list"]}
    _assert_nothing_of_the_other_provider(response.content.decode(), world)


def test_contract_managers_filter_by_provider(client, world):
    login_staff(client, UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get(ENROLMENTS, {"provider": world["other_provider"].pk})
    assert [row.pk for row in response.context["object_list"]] == [world["other"].pk]


def test_the_listing_has_no_add_edit_copy_or_delete(client, world):
    """Not even for a superuser, whom the role table gives CHANGE (the learners' action)."""
    own = world["own"]
    for user in (provider_staff(world["own_provider"]), UserFactory(is_superuser=True)):
        login_staff(client, user)
        html = client.get(ENROLMENTS).content.decode()
        assert f"{ENROLMENTS}inspect/{own.pk}/" in html
        for absent in ("add/", f"edit/{own.pk}/", f"copy/{own.pk}/", f"delete/{own.pk}/"):
            assert f"{ENROLMENTS}{absent}" not in html, absent
        assert "bulk-actions-footer" not in html
        inspect = client.get(f"{ENROLMENTS}inspect/{own.pk}/").content.decode()
        assert f"{ENROLMENTS}edit/{own.pk}/" not in inspect
        assert f"{ENROLMENTS}delete/{own.pk}/" not in inspect


def test_the_listing_costs_the_same_queries_for_many_enrolments(
    client, django_assert_max_num_queries
):
    moment = start_moment_for_sale(seats=40)
    login_staff(client, provider_staff(moment.offering.provider))
    for _ in range(3):
        held_enrolment(moment)
    with CaptureQueriesContext(connection) as few:
        assert client.get(ENROLMENTS).status_code == 200
    for _ in range(17):
        held_enrolment(moment)
    with django_assert_max_num_queries(len(few)):
        response = client.get(ENROLMENTS)
    assert len(response.context["object_list"]) == 20


def test_the_waiting_list_listing_costs_the_same_queries_for_many_entries(
    client, django_assert_max_num_queries
):
    moment = start_moment_for_sale(seats=40)
    login_staff(client, provider_staff(moment.offering.provider))
    for _ in range(3):
        WaitingListEntry.objects.create(user=learner(), start_moment=moment)
    with CaptureQueriesContext(connection) as few:
        assert client.get(WAITING).status_code == 200
    for _ in range(17):
        WaitingListEntry.objects.create(user=learner(), start_moment=moment)
    with django_assert_max_num_queries(len(few)):
        response = client.get(WAITING)
    assert len(response.context["object_list"]) == 20


# Object URLs -----------------------------------------------------------------------------------


def test_the_inspect_view_shows_the_details(staff_client, world):
    own = world["own"]
    response = staff_client.get(f"{ENROLMENTS}inspect/{own.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (
        own.reference,
        own.learner_email,
        "Eigen cursus",
        "€\u00a01,250",
        own.location_text,
    ):
        assert shown in html, shown
    assert "History" in html
    assert "(Enrolled)" in html  # the state change that opened it, with its reason in words


@pytest.mark.parametrize("view", ["inspect", "edit", "delete", "copy", "history", "usage"])
def test_another_providers_enrolment_is_not_found(staff_client, world, view):
    response = staff_client.get(f"{ENROLMENTS}{view}/{world['other'].pk}/")
    assert response.status_code == 404
    _assert_nothing_of_the_other_provider(response.content.decode(), world)


@pytest.mark.parametrize("view", ["inspect", "edit", "delete", "copy", "history", "usage"])
def test_another_providers_waiting_list_entry_is_not_found(staff_client, world, view):
    response = staff_client.get(f"{WAITING}{view}/{world['waiting_other'].pk}/")
    assert response.status_code == 404
    _assert_nothing_of_the_other_provider(response.content.decode(), world)


@pytest.mark.parametrize("path", ["add/", "edit/{pk}/", "delete/{pk}/", "history/{pk}/"])
def test_the_own_enrolment_cannot_be_added_edited_or_deleted(client, world, path):
    own = world["own"]
    for user in (provider_staff(world["own_provider"]), UserFactory(is_superuser=True)):
        login_staff(client, user)
        url = ENROLMENTS + path.format(pk=own.pk)
        # Wagtail answers a missing permission with a redirect to the dashboard.
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
        response = client.post(url, {"reference": "RW-HACKED", "state": "cancelled"})
        assert response.status_code == 302
        own.refresh_from_db()
        assert own.state == Enrolment.State.HELD
        assert Enrolment.objects.count() == 2


def test_there_is_no_copy_url(staff_client, world):
    assert staff_client.get(f"{ENROLMENTS}copy/{world['own'].pk}/").status_code == 404


def test_bulk_delete_is_not_there_for_own_or_other_enrolments(staff_client, world):
    for name in ("own", "other"):
        url = reverse("wagtail_bulk_action", args=("enrolments", "enrolment", "delete"))
        response = staff_client.get(url, {"id": world[name].pk})
        assert response.status_code == 404
        response = staff_client.post(f"{url}?id={world[name].pk}")
        assert response.status_code == 404
        _assert_nothing_of_the_other_provider(response.content.decode(), world)
    assert Enrolment.objects.count() == 2


# Waiting list ----------------------------------------------------------------------------------


def test_provider_staff_see_their_own_waiting_lists_only(staff_client, world):
    response = staff_client.get(WAITING)
    assert response.status_code == 200
    assert {row.pk for row in response.context["object_list"]} == {world["waiting_own"].pk}
    html = response.content.decode()
    assert "wacht.eigen@example.org" in html and "Eigen cursus" in html
    _assert_nothing_of_the_other_provider(html, world)
    response = staff_client.get(WAITING, {"q": "wacht"})
    assert {row.pk for row in response.context["object_list"]} == {world["waiting_own"].pk}
    assert f"{WAITING}inspect/{world['waiting_own'].pk}/" in html
    assert f"{WAITING}edit/" not in html and f"{WAITING}add/" not in html


def test_the_waiting_list_entry_can_be_inspected(staff_client, world):
    entry = world["waiting_own"]
    response = staff_client.get(f"{WAITING}inspect/{entry.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert str(entry.user) in html and "Eigen cursus" in html and "Waiting" in html


# Menu ------------------------------------------------------------------------------------------


def test_the_enrolments_menu_is_shown_to_staff_who_may_see_enrolments(client, world):
    login_staff(client, provider_staff(world["own_provider"]))
    html = client.get("/admin/").content.decode()
    assert ENROLMENTS in html and WAITING in html
    login_staff(client, UserFactory(role=Role.SITE_EDITOR))
    html = client.get("/admin/").content.decode()
    assert ENROLMENTS not in html


def test_staff_without_enrolment_rights_are_turned_away(client, world):
    login_staff(client, UserFactory(role=Role.SITE_EDITOR))
    response = client.get(ENROLMENTS)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    response = client.get(f"{ENROLMENTS}inspect/{world['own'].pk}/")
    assert response.status_code == 404
