"""Start dates and seats are edited directly, within the rules that protect taken seats."""

from __future__ import annotations

import pytest
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


def test_a_start_moment_with_taken_seats_cannot_be_deleted(staff_client, moment):
    url = f"/admin/snippets/providers/startmoment/delete/{moment.pk}/"
    response = staff_client.post(url, follow=True)
    assert StartMoment.objects.filter(pk=moment.pk).exists()
    assert "cannot be deleted: 5 seats are taken" in response.content.decode()


def test_a_start_moment_without_taken_seats_can_be_deleted(staff_client, moment):
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=0)
    url = f"/admin/snippets/providers/startmoment/delete/{moment.pk}/"
    assert staff_client.post(url).status_code == 302
    assert not StartMoment.objects.filter(pk=moment.pk).exists()


def test_a_start_moment_with_enrolment_history_cannot_be_deleted(staff_client, moment):
    from providers import seats

    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=0)
    seats.seat_release(seats.seat_take(start_moment_id=moment.pk, purpose="enrolment"))
    url = f"/admin/snippets/providers/startmoment/delete/{moment.pk}/"
    response = staff_client.post(url, follow=True)
    assert StartMoment.objects.filter(pk=moment.pk).exists()
    assert "learners enrolled on it before" in response.content.decode()


def test_bulk_delete_refuses_when_any_start_moment_is_in_use(staff_client, moment):
    free = StartMomentFactory(offering=moment.offering, location=moment.location, seats_taken=0)
    url = f"/admin/bulk/providers/startmoment/delete/?next=/admin/&id={moment.pk}&id={free.pk}"
    staff_client.post(url)
    assert StartMoment.objects.filter(pk__in=[moment.pk, free.pk]).count() == 2


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
