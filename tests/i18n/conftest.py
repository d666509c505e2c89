"""The pages every language test renders."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.enrolments.models import Enrolment
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.web.test_courses import paid_online


@pytest.fixture
def pages(site_pages):
    """Every public and learner page, by who may see it, and a signed-in learner's client."""
    moment = start_moment_for_sale(seats=3, price_cents=125_000)
    person = learner()
    enrolment = held_enrolment(moment, user=person)
    paid = held_enrolment(start_moment_for_sale(seats=3, price_cents=99_000), user=person)
    paid_online(paid)
    Enrolment.objects.filter(pk=paid.pk).update(state=Enrolment.State.CONFIRMED)
    offering = moment.offering
    client = Client()
    client.force_login(person)
    return {
        "anonymous": [
            "/",
            "/aanbod/",
            "/aanbod/?component=B1_ROUTE&schedule=EVENING&ordering=price",
            "/aanbod/?near=2011&ordering=distance",
            f"/aanbod/cursus/{offering.pk}/",
            f"/aanbod/aanbieder/{offering.provider.slug}/",
            f"/aanbod/vergelijk/?ids={offering.pk}&ids={paid.start_moment.offering_id}",
            "/kies/",
            "/kies/?step=route",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
        ],
        "learner": [
            "/mijn-cursussen/",
            f"/mijn-cursussen/{enrolment.reference}/",
            f"/mijn-cursussen/{enrolment.reference}/annuleren/",
            f"/mijn-cursussen/{paid.reference}/",
            f"/mijn-cursussen/{paid.reference}/bon/",
            "/accounts/profile/",
            "/accounts/email/",
            "/accounts/password/change/",
        ],
        "client": client,
        "start_moment": moment,
    }
