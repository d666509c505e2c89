"""Start dates and seats are edited directly, within the rules that protect taken seats."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from providers.models import StartMoment
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment():
    location = LocationFactory()
    offering = OfferingFactory(provider=location.provider, locations=[location])
    return StartMomentFactory(offering=offering, location=location, seats=12, seats_taken=5)


@pytest.fixture
def staff_client(client, moment):
    user = provider_staff(moment.offering.provider)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return login_staff(client, user)


def _edit(client, moment, **changes):
    url = f"/admin/snippets/providers/startmoment/edit/{moment.pk}/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data.update(changes)
    return client.post(url, data)


def test_seats_change_at_once_without_approval(staff_client, moment):
    response = _edit(staff_client, moment, seats="15")
    assert response.status_code == 302
    moment.refresh_from_db()
    assert moment.seats == 15


def test_seats_cannot_go_below_the_seats_taken(staff_client, moment):
    response = _edit(staff_client, moment, seats="4")
    assert response.status_code == 200
    assert "5 seats are already taken" in str(response.context["form"].errors["seats"])
    moment.refresh_from_db()
    assert moment.seats == 12


def _delete_url(moment: StartMoment) -> str:
    return f"/admin/snippets/providers/startmoment/delete/{moment.pk}/"


def _bulk_delete_url(*moments: StartMoment) -> str:
    ids = "&".join(f"id={moment.pk}" for moment in moments)
    return f"/admin/bulk/providers/startmoment/delete/?next=/admin/&{ids}"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_start_moment_with_taken_seats_cannot_be_deleted(staff_client, moment):
    response = staff_client.post(_delete_url(moment))
    assert response.status_code == 403
    html = response.content.decode()
    assert "cannot be deleted: 5 seats are taken" in html
    assert "Yes, delete" not in html
    assert StartMoment.objects.filter(pk=moment.pk).exists()


def test_a_start_moment_without_taken_seats_can_be_deleted(staff_client, moment):
    # The control of the refusals above and below: the same request on a free start moment.
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=0)
    confirmation = staff_client.get(_delete_url(moment))
    assert confirmation.status_code == 200
    assert "Yes, delete" in confirmation.content.decode()
    response = staff_client.post(_delete_url(moment))
    assert response.status_code == 302
    assert response["Location"] == "/admin/snippets/providers/startmoment/"
    assert any(str(moment) in message and "deleted" in message for message in _messages(response))
    assert not StartMoment.objects.filter(pk=moment.pk).exists()


def test_a_start_moment_with_enrolment_history_cannot_be_deleted(staff_client, moment):
    from providers import seats

    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=0)
    seats.seat_release(seats.seat_take(start_moment_id=moment.pk, purpose="enrolment"))
    response = staff_client.post(_delete_url(moment))
    assert response.status_code == 403
    html = response.content.decode()
    assert "learners enrolled on it before" in html
    assert "Yes, delete" not in html
    assert StartMoment.objects.filter(pk=moment.pk).exists()


def test_bulk_delete_refuses_when_any_start_moment_is_in_use(staff_client, moment):
    free = StartMomentFactory(offering=moment.offering, location=moment.location, seats_taken=0)
    url = _bulk_delete_url(moment, free)
    for response in (staff_client.get(url), staff_client.post(url)):
        assert response.status_code == 403
        html = response.content.decode()
        assert f"{moment} cannot be deleted: 5 seats are taken" in html
        assert "Yes, delete" not in html
    assert StartMoment.objects.filter(pk__in=[moment.pk, free.pk]).count() == 2


def test_bulk_delete_deletes_start_moments_that_are_free(staff_client, moment):
    # The control of the refusal above: the same request when no seat is taken.
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=0)
    free = StartMomentFactory(offering=moment.offering, location=moment.location, seats_taken=0)
    url = _bulk_delete_url(moment, free)
    confirmation = staff_client.get(url)
    assert confirmation.status_code == 200
    assert "Are you sure you want to delete 2 start moments?" in confirmation.content.decode()
    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "2 Start moments deleted." in " ".join(_messages(response))
    assert not StartMoment.objects.filter(pk__in=[moment.pk, free.pk]).exists()


def test_a_seat_taken_between_checking_and_saving_gives_a_clear_error(
    staff_client, moment, monkeypatch
):
    url = f"/admin/snippets/providers/startmoment/edit/{moment.pk}/"
    data = querydict_from_html(staff_client.get(url).content.decode(), form_id="w-editor-form")
    data["seats"] = "5"  # valid when the form was read: 5 seats taken
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=6)  # someone enrols meanwhile
    # The form's check passed just before the seat was taken; only the database can still refuse.
    monkeypatch.setattr(StartMoment, "clean", lambda self: None)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "6 seats are already taken" in str(response.context["form"].errors["seats"])
    moment.refresh_from_db()
    assert (moment.seats, moment.seats_taken) == (12, 6)
