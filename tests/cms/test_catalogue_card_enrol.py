"""The catalogue card's "Enrol": one tap from the list to a seat on the next start date."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.enrolments.models import Enrolment
from providers.models import StartMoment
from tests.enrolments.factories import learner, start_moment_for_sale

pytestmark = pytest.mark.django_db


def enrol_url(moment: StartMoment) -> str:
    with translation.override("en"):
        return reverse("enrolment_start", kwargs={"start_moment_id": moment.pk})


def card_forms(html: str) -> list[str]:
    return re.findall(r'<form [^>]*class="[^"]*offering-card__enrol[^"]*".*?</form>', html, re.S)


def later(moment: StartMoment, *, days: int, **fields) -> StartMoment:
    starts_on = moment.starts_on + datetime.timedelta(days=days)
    return StartMoment.objects.create(
        offering=moment.offering,
        location=moment.location,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=90),
        **{"seats": 5, **fields},
    )


def test_the_card_offers_its_next_start_date_with_free_seats(client, site_pages):
    full = start_moment_for_sale(seats=2)
    StartMoment.objects.filter(pk=full.pk).update(seats_taken=2)
    next_open = later(full, days=7)
    later(full, days=14)

    response = client.get("/en/aanbod/")
    forms = card_forms(response.content.decode())
    assert len(forms) == 1
    assert f'method="post" action="{enrol_url(next_open)}"' in forms[0]
    assert f"Enrol: starts {next_open.starts_on:%-d %B %Y}" in forms[0]
    assert "csrfmiddlewaretoken" not in forms[0]  # the same for every visitor: cached
    assert response["X-Page-Cache"] == "miss"
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"


def test_a_card_of_a_course_not_sold_online_has_no_enrol(client, site_pages):
    start_moment_for_sale(price_cents=None)
    closed = start_moment_for_sale()
    closed.offering.for_gezinsmigranten = False
    closed.offering.save()
    page = client.get("/en/aanbod/").content.decode()
    assert page.count('class="offering-card"') == 2
    assert card_forms(page) == []


def test_a_card_without_an_open_start_date_has_no_enrol(client, site_pages):
    full = start_moment_for_sale(seats=1)
    StartMoment.objects.filter(pk=full.pk).update(seats_taken=1)
    page = client.get("/en/aanbod/").content.decode()
    assert "No start date with free seats" in page
    assert card_forms(page) == []


def test_a_signed_in_learner_takes_the_seat_from_the_card_in_one_tap(site_pages):
    moment = start_moment_for_sale()
    person = learner()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    form = card_forms(strict.get("/en/aanbod/").content.decode())[0]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = strict.post(enrol_url(moment), {"csrfmiddlewaretoken": token})
    enrolment = Enrolment.objects.get(user=person)
    assert enrolment.start_moment_id == moment.pk
    assert enrolment.state == Enrolment.State.HELD
    assert response.status_code == 302
    assert response.url == f"/en/mijn-cursussen/{enrolment.reference}/"
