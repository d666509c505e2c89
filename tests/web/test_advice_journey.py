"""Advice end to end, through the real views and the real e-mail: a klantmanager advises a
gezinsmigrant, the learner makes an account from the e-mail, sees the advice, enrols on an
advised course and pays with the DUO loan, and the klantmanager sees where; a klantmanager of
another municipality gets a 404 at every step."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from contracts.models import Advice
from portal.accounts.models import Role
from portal.enrolments.models import Enrolment
from tests.contracts.advice_world import LEARNER_EMAIL, PASSWORD, link_in, world_build
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db


def test_advice_from_the_klantmanager_to_an_enrolment_the_klantmanager_sees(
    site_pages, django_capture_on_commit_callbacks
):
    world = world_build()
    learner_page = f"/admin/snippets/contracts/learner/inspect/{world.learner.pk}/"
    advise = f"/admin/learners/{world.learner.pk}/advice/"
    chosen = [world.courses[0], world.courses[1]]

    # The klantmanager opens the gezinsmigrant's page, then the form, and sends the advice.
    km = login_staff_in_english(Client(), world.klantmanager)
    assert advise in km.get(learner_page).content.decode()
    assert km.get(advise).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = km.post(
            advise,
            {
                "offerings": [course.pk for course in chosen],
                "note": "Beide scholen zijn in Haarlem; de eerste heeft kinderopvang.",
                "email": LEARNER_EMAIL,
                "language": "en",
            },
        )
    assert (response.status_code, response["Location"]) == (302, learner_page)

    # Another municipality's klantmanager finds nothing, whatever they ask.
    stranger = login_staff_in_english(
        Client(), UserFactory(role=Role.CASE_MANAGER, municipality=world.velsen)
    )
    assert stranger.get(learner_page).status_code == 404
    assert stranger.get(advise).status_code == 404
    assert stranger.post(advise, {"offerings": [world.courses[2].pk]}).status_code == 404
    advice = Advice.objects.get()
    assert stranger.post(f"/admin/advice/{advice.pk}/send-again/").status_code == 404

    # The learner makes an account from the e-mail's link and lands on the advice.
    (message,) = mail.outbox
    assert message.to == [LEARNER_EMAIL]
    link = link_in(message)
    learner = Client()
    assert "Make your account" in learner.get(link).content.decode()
    response = learner.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/en/mijn-advies/"
    page = learner.get("/en/mijn-advies/").content.decode()
    assert "de eerste heeft kinderopvang" in page
    moment = world.courses[1].start_moments.get()
    enrol = f"/en/inschrijven/{moment.pk}/"
    assert f'action="{enrol}"' in page

    # "Enrol" goes into the normal enrolment: a held seat, then the DUO loan confirms it.
    response = learner.post(enrol)
    enrolment = Enrolment.objects.get()
    assert response["Location"] == f"/en/mijn-cursussen/{enrolment.reference}/"
    learner.post(f"/en/mijn-cursussen/{enrolment.reference}/duo/", {"declaration": "on"})
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert "You enrolled on this course" in learner.get("/en/mijn-advies/").content.decode()

    # The klantmanager sees whether and where: on the learner's page and on the home panel.
    page = km.get(learner_page).content.decode()
    course = world.courses[1]
    assert f"{course.title} at {course.provider.name}" in page
    assert re.search(r"<strong>Confirmed</strong>\s*— an advised course", page)
    home = km.get("/admin/").content.decode()
    assert "1 advice sent to a gezinsmigrant" in home
    assert "1 led to an enrolment" in home and "1 on an advised course" in home
    assert stranger.get("/admin/").status_code == 200
    assert course.title not in stranger.get("/admin/").content.decode()
