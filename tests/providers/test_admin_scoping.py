"""Provider staff in the Wagtail admin see and edit only their own provider's catalogue."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from wagtail.test.utils.form_data import querydict_from_html

from portal.core.tasks import tasks_run_due
from providers.models import Location, Offering, StartMoment
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_providers():
    own, other = ProviderFactory(name="Eigen School"), ProviderFactory(name="Andere School")
    own_location = LocationFactory(provider=own, name="Eigen Lokaal")
    other_location = LocationFactory(
        provider=other, name="Ander Lokaal", municipality=own_location.municipality
    )
    own_offering = OfferingFactory(provider=own, title="Eigen cursus", locations=[own_location])
    own_offering.save_revision().publish()
    other_offering = OfferingFactory(provider=other, title="Andere cursus")
    other_offering.save_revision().publish()
    other_draft = OfferingFactory(provider=other, title="Geheim concept", live=False)
    moments = {
        "own_moment": StartMomentFactory(offering=own_offering, location=own_location),
        "other_moment": StartMomentFactory(offering=other_offering, location=other_location),
    }
    tasks_run_due()  # the worker indexes them for search (Wagtail's task after each save)
    return {
        "own": own,
        "other": other,
        "own_location": own_location,
        "other_location": other_location,
        "own_offering": own_offering,
        "other_offering": other_offering,
        "other_draft": other_draft,
        **moments,
    }


@pytest.fixture
def staff_client(client, two_providers):
    return login_staff(client, provider_staff(two_providers["own"]))


# What the other provider's objects are called: none of it may show.
OTHER_NAMES = ("Andere School", "Ander Lokaal", "Andere cursus", "Geheim concept")


def _assert_names_nothing_of_the_other_provider(response) -> None:
    html = response.content.decode()
    assert [name for name in OTHER_NAMES if name in html] == []


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


LISTS = {
    "offering": ("Eigen cursus", ("Andere cursus", "Geheim concept")),
    "location": ("Eigen Lokaal", ("Ander Lokaal",)),
    "provider": ("Eigen School", ("Andere School",)),
}


@pytest.mark.parametrize("model", LISTS)
def test_listings_show_only_the_own_provider(staff_client, model):
    own, others = LISTS[model]
    html = staff_client.get(f"/admin/snippets/providers/{model}/").content.decode()
    assert own in html
    for name in others:
        assert name not in html


def test_search_and_filters_do_not_reveal_other_providers(staff_client, two_providers):
    html = staff_client.get("/admin/snippets/providers/offering/?q=cursus").content.decode()
    assert "Eigen cursus" in html
    assert "Andere cursus" not in html
    assert "Andere School" not in html  # not even as a filter choice
    other = two_providers["other"].pk
    html = staff_client.get(f"/admin/snippets/providers/offering/?provider={other}").content
    assert b"Andere cursus" not in html


def test_start_moment_listing_is_scoped(staff_client, two_providers):
    response = staff_client.get("/admin/snippets/providers/startmoment/")
    listed = {row.pk for row in response.context["object_list"]}
    assert listed == {two_providers["own_moment"].pk}


GUESSED = [
    ("offering", "other_offering", "edit"),
    ("offering", "other_draft", "edit"),
    ("offering", "other_draft", "history"),
    ("offering", "other_draft", "delete"),
    ("offering", "other_draft", "usage"),
    ("offering", "other_draft", "revisions"),
    ("location", "other_location", "edit"),
    ("startmoment", "other_moment", "edit"),
    ("startmoment", "other_moment", "delete"),
    ("provider", "other", "edit"),
]


def test_comparing_revisions_of_another_providers_offering_is_not_found(
    staff_client, two_providers
):
    other = two_providers["other_draft"]
    revision = other.save_revision()
    url = (
        f"/admin/snippets/providers/offering/history/{other.pk}/revisions/compare/"
        f"earliest...{revision.pk}/"
    )
    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize(("model", "name", "view"), GUESSED)
def test_guessed_urls_of_another_provider_are_not_found(
    staff_client, two_providers, model, name, view
):
    pk = two_providers[name].pk
    url = f"/admin/snippets/providers/{model}/{view}/{pk}/"
    response = staff_client.get(url)
    assert response.status_code == 404
    assert b"Andere" not in response.content and b"Geheim" not in response.content


def test_posting_to_another_providers_object_changes_nothing(staff_client, two_providers):
    moment = two_providers["other_moment"]
    response = staff_client.post(f"/admin/snippets/providers/startmoment/delete/{moment.pk}/", {})
    assert response.status_code == 404
    _assert_names_nothing_of_the_other_provider(response)
    assert StartMoment.objects.filter(pk=moment.pk).exists()


def test_posting_to_an_own_object_deletes_it(staff_client, two_providers):
    # The control of the test above: the same request on the user's own start date.
    moment = two_providers["own_moment"]
    response = staff_client.post(f"/admin/snippets/providers/startmoment/delete/{moment.pk}/", {})
    assert response.status_code == 302
    assert response["Location"] == "/admin/snippets/providers/startmoment/"
    assert any(str(moment) in message for message in _messages(response))
    assert not StartMoment.objects.filter(pk=moment.pk).exists()


def test_choosers_list_only_own_objects(staff_client):
    response = staff_client.get("/admin/snippets/choose/providers/offering/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eigen cursus" in html
    assert "Andere cursus" not in html


def test_the_offering_form_offers_only_own_provider_and_locations(staff_client, two_providers):
    html = staff_client.get("/admin/snippets/providers/offering/add/").content.decode()
    assert "Eigen School" in html and "Eigen Lokaal" in html
    assert "Andere School" not in html and "Ander Lokaal" not in html


def test_an_offering_cannot_be_created_for_another_provider(staff_client, two_providers):
    url = "/admin/snippets/providers/offering/add/"
    data = querydict_from_html(staff_client.get(url).content.decode(), form_id="w-editor-form")
    data.update(
        {
            "provider": str(two_providers["other"].pk),
            "title": "Ingeschoven cursus",
            "component": "B1_ROUTE",
            "schedule": "DAYTIME",
            "hours_total": "100",
            "for_statushouders": "on",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "provider" in response.context["form"].errors
    assert not Offering.objects.filter(title="Ingeschoven cursus").exists()


def test_provider_staff_cannot_publish_only_submit(staff_client, two_providers):
    offering = two_providers["own_offering"]
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = querydict_from_html(staff_client.get(url).content.decode(), form_id="w-editor-form")
    data["title"] = "Eigen cursus, nieuw"
    data["for_statushouders"] = "on"
    data["action-publish"] = "action-publish"
    response = staff_client.post(url, data)
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Eigen cursus"
    assert offering.latest_revision.as_object().title == "Eigen cursus, nieuw"


def test_provider_staff_cannot_change_their_quality_mark(client, two_providers):
    own = two_providers["own"]
    admin = provider_staff(own, admin=True)
    login_staff(client, admin)
    url = f"/admin/snippets/providers/provider/edit/{own.pk}/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data["keurmerk_status"] = "NONE"
    data["description"] = "Nieuwe beschrijving"
    response = client.post(url, data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.description == "Nieuwe beschrijving"
    assert own.keurmerk_status == "CERTIFIED"


def test_a_location_of_another_provider_cannot_be_used_for_a_start_moment(
    staff_client, two_providers
):
    moment = two_providers["own_moment"]
    url = f"/admin/snippets/providers/startmoment/edit/{moment.pk}/"
    data = querydict_from_html(staff_client.get(url).content.decode(), form_id="w-editor-form")
    data["location"] = str(two_providers["other_location"].pk)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    moment.refresh_from_db()
    assert moment.location == two_providers["own_location"]


def test_editors_cannot_delete_a_location_of_another_provider(staff_client, two_providers):
    location = two_providers["other_location"]
    url = f"/admin/snippets/providers/location/delete/{location.pk}/"
    for response in (staff_client.get(url), staff_client.post(url)):
        assert response.status_code == 404
        _assert_names_nothing_of_the_other_provider(response)
    assert Location.objects.filter(pk=location.pk).exists()


def test_editors_delete_a_location_of_their_own(staff_client, two_providers):
    # The control of the test above: the same URL for an own location nothing refers to.
    location = LocationFactory(provider=two_providers["own"], name="Leeg Lokaal")
    url = f"/admin/snippets/providers/location/delete/{location.pk}/"
    confirmation = staff_client.get(url)
    assert confirmation.status_code == 200
    assert "Leeg Lokaal" in confirmation.content.decode()
    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/snippets/providers/location/"
    assert any("Leeg Lokaal" in message for message in _messages(response))
    assert not Location.objects.filter(pk=location.pk).exists()


def _bulk_delete_url(ids: str) -> str:
    return f"/admin/bulk/providers/offering/delete/?next=/admin/&{ids}"


@pytest.fixture
def own_draft(two_providers):
    """A never-published offering of the user's provider: the only kind they may delete."""
    return OfferingFactory(provider=two_providers["own"], title="Eigen concept", live=False)


def _assert_other_providers_offerings_remain(two_providers) -> None:
    others = [two_providers["other_draft"].pk, two_providers["other_offering"].pk]
    assert Offering.objects.filter(pk__in=others).count() == 2


def test_bulk_delete_of_another_providers_offering_is_not_found(
    staff_client, two_providers, own_draft
):
    url = _bulk_delete_url(f"id={two_providers['other_draft'].pk}")
    for response in (staff_client.get(url), staff_client.post(url)):
        assert response.status_code == 404
        _assert_names_nothing_of_the_other_provider(response)
    _assert_other_providers_offerings_remain(two_providers)
    assert Offering.objects.filter(pk=own_draft.pk).exists()


def test_bulk_delete_deletes_an_own_draft(staff_client, two_providers, own_draft):
    # The control of the test above: the same URL with the id of the user's own draft.
    url = _bulk_delete_url(f"id={own_draft.pk}")
    confirmation = staff_client.get(url)
    assert confirmation.status_code == 200
    assert "Eigen concept" in confirmation.content.decode()
    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert any("Eigen concept" in message for message in _messages(response))
    assert not Offering.objects.filter(pk=own_draft.pk).exists()
    _assert_other_providers_offerings_remain(two_providers)


@pytest.mark.parametrize("ids", ["id={other}&id={own}", "id=all"])
def test_bulk_delete_never_names_another_providers_objects(
    staff_client, two_providers, own_draft, ids
):
    url = _bulk_delete_url(ids.format(other=two_providers["other_draft"].pk, own=own_draft.pk))
    confirmation = staff_client.get(url)
    assert confirmation.status_code == 200
    assert "Eigen concept" in confirmation.content.decode()
    _assert_names_nothing_of_the_other_provider(confirmation)
    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    messages = " ".join(_messages(response))
    assert "Eigen concept" in messages
    assert [name for name in OTHER_NAMES if name in messages] == []
    assert not Offering.objects.filter(pk=own_draft.pk).exists()
    _assert_other_providers_offerings_remain(two_providers)
    # A published offering is withdrawn, never deleted, also when "all" are selected.
    assert Offering.objects.filter(pk=two_providers["own_offering"].pk).exists()
