"""The learner's side of the municipality's advice (``portal.web.advice``): the link in the
e-mail, making an account or logging in with the one that has the address, the page "Advice from
your municipality" with its enrol buttons, and the advice in the learner's data."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import advising
from contracts.models import Advice
from portal.accounts.models import Role, User
from portal.enrolments.models import Enrolment
from tests.contracts.advice_world import (
    LEARNER_EMAIL,
    PASSWORD,
    advice_give,
    last_link,
    world_build,
)
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
MY_ADVICE = "/en/mijn-advies/"  # the tests read the English pages (the e-mail's language)


@pytest.fixture
def world(site_pages):
    return world_build()


def _give(world, **kwargs):
    return advice_give(world, language="en", **kwargs)


def _sign_up(client, link):
    return client.post(link, {"password1": PASSWORD, "password2": PASSWORD})


def test_a_visitor_makes_an_account_from_the_link_and_sees_the_advice(client, world):
    _give(world, note="Kies de ochtendles.")
    link = last_link()
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Advice from <bdi>Haarlem</bdi>" in text
    assert LEARNER_EMAIL in text
    assert "your municipality sees whether and where you enrol" in text
    response = _sign_up(client, link)
    assert response["Location"] == MY_ADVICE
    user = get_user(client)
    assert (user.email, user.role) == (LEARNER_EMAIL, Role.LEARNER)
    assert EmailAddress.objects.get(user=user).verified
    text = client.get(MY_ADVICE).content.decode()
    assert "Advice from your municipality" in text and "Kies de ochtendles." in text
    for course in world.courses[:2]:
        assert course.title in text
        moment = course.start_moments.get()
        assert f'action="/en/inschrijven/{moment.pk}/"' in text
    assert world.courses[2].title not in text


def test_a_password_the_rules_refuse_keeps_the_link_open(client, world):
    _give(world)
    response = client.post(last_link(), {"password1": "kort", "password2": "kort"})
    assert response.status_code == 400
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email=LEARNER_EMAIL).exists()


def test_an_existing_account_logs_in_first_and_then_adds_the_advice(client, world):
    owner = UserFactory(email=LEARNER_EMAIL, username=LEARNER_EMAIL)
    advice = _give(world)
    link = last_link()
    page = client.get(link)
    assert page.status_code == 200
    assert "There is already an account" in page.content.decode()
    assert f"/en/accounts/login/?next={link}" in unquote(page.content.decode())
    assert client.post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 200
    assert User.objects.filter(email__iexact=LEARNER_EMAIL).count() == 1

    client.force_login(owner)
    assert "Add the advice to my account" in client.get(link).content.decode()
    assert Advice.objects.get(pk=advice.pk).user is None  # a GET binds nothing
    assert client.post(link)["Location"] == MY_ADVICE
    assert Advice.objects.get(pk=advice.pk).user == owner
    # The link goes on working, for its own account only.
    assert client.get(link)["Location"] == MY_ADVICE
    client.logout()
    assert client.get(link)["Location"].startswith("/en/accounts/login/?next=/en/mijn-advies/")


def test_another_account_cannot_take_the_advice(client, world):
    advice = _give(world)
    client.force_login(UserFactory(email="iemand.anders@example.org"))
    response = client.post(last_link())
    assert response.status_code == 403
    assert f"This advice was sent to {LEARNER_EMAIL}" in response.content.decode()
    assert Advice.objects.get(pk=advice.pk).user is None


def test_an_altered_link_is_a_404_that_says_what_to_do(client, world):
    _give(world)
    response = client.get(last_link()[:-3] + "xx/")
    assert response.status_code == 404
    assert "Ask your klantmanager to send the advice again" in response.content.decode()


def _bound(world, client):
    advice = _give(world)
    _sign_up(client, last_link())
    return advice, get_user(client)


def test_enrolling_from_the_advice_goes_into_the_normal_enrolment(client, world):
    _advice, user = _bound(world, client)
    moment = world.courses[0].start_moments.get()
    response = client.post(f"/en/inschrijven/{moment.pk}/")
    enrolment = Enrolment.objects.get(user=user)
    assert response["Location"] == f"/en/mijn-cursussen/{enrolment.reference}/"
    assert (enrolment.start_moment, enrolment.state) == (moment, Enrolment.State.HELD)
    text = client.get(MY_ADVICE).content.decode()
    assert "You enrolled on this course" in text and "You are enrolled" in text
    assert f'action="/en/inschrijven/{moment.pk}/"' not in text


def test_a_course_withdrawn_since_is_said_so_without_an_enrol_button(client, world):
    _bound(world, client)
    course = world.courses[1]
    course.live = False
    course.save()
    text = client.get(MY_ADVICE).content.decode()
    assert "This course is not offered at the moment." in text
    assert f'action="/en/inschrijven/{course.start_moments.get().pk}/"' not in text


def test_the_page_is_the_learners_own(client, world):
    _bound(world, client)
    client.force_login(UserFactory())
    text = client.get(MY_ADVICE).content.decode()
    assert "Your municipality has not sent you advice on courses." in text
    assert world.courses[0].title not in text
    client.force_login(world.klantmanager)
    assert client.get(MY_ADVICE).status_code == 403


def test_the_page_is_right_to_left_in_arabic_and_in_persian(client, world):
    _bound(world, client)
    for language in ("ar", "fa"):
        text = client.get(MY_ADVICE.replace("/en/", f"/{language}/")).content.decode()
        assert f'<html lang="{language}" dir="rtl">' in text


def test_the_account_pages_show_the_advice_only_to_whom_has_it(client, world):
    person = UserFactory()
    client.force_login(person)
    assert "mijn-advies" not in client.get("/en/accounts/profile/").content.decode()
    client.logout()
    _bound(world, client)
    overview = client.get("/en/accounts/profile/").content.decode()
    assert f'href="{MY_ADVICE}"' in overview


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_ADVICE).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_queries_however_much_advice(client, world):
    _advice, user = _bound(world, client)
    _queries(client)  # the first English page saves the language
    one = _queries(client)
    for n in range(3):
        more = _give(world, courses=world.courses[n % 2 : n % 2 + 2])
        advising.advice_link(advice=more, user=user)
    assert len(advising.advices_for_account(user=user)) == 4
    assert _queries(client) == one


def test_the_data_download_holds_the_advice(client, world):
    _bound(world, client)
    data = json.loads(client.get("/en/accounts/profile/data/").content)
    (advice,) = data["advice_from_your_municipality"]
    assert advice["municipality"] == "Haarlem"
    assert advice["sent_to"] == LEARNER_EMAIL
    assert [c["course"] for c in advice["courses"]] == [c.title for c in world.courses[:2]]


def test_deleting_the_account_unbinds_the_advice_and_keeps_the_case(client, world):
    advice, _user = _bound(world, client)
    response = client.post("/en/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    advice.refresh_from_db()
    assert advice.user is None and advice.learner == world.learner
