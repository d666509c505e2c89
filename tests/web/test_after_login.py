"""A visitor presses "Enrol" (or "Join the waiting list") while logged out, logs in, and lands on
the seat they chose: ``portal.web.after_login`` with the two views in ``portal.web.courses``."""

from __future__ import annotations

import datetime
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.web import after_login
from providers.models import StartMoment
from tests.enrolments.factories import start_moment_for_sale
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def moment() -> StartMoment:
    return start_moment_for_sale(seats=2)


@pytest.fixture
def person():
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def visitor() -> Client:
    """A browser without a session or a CSRF cookie, as on a cached page."""
    return Client(enforce_csrf_checks=True)


def press(client: Client, name: str, moment: StartMoment):
    return client.post(url(name, start_moment_id=moment.pk))


def log_in(client: Client, person, next_url: str):
    """allauth's log-in form, token and all, as the browser sends it."""
    page = client.get(f"/en/accounts/login/?next={next_url}")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    return client.post(
        "/en/accounts/login/",
        {
            "login": person.email,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": token,
        },
    )


def next_of(response) -> str:
    return parse_qs(urlsplit(response.url).query)["next"][0]


def test_a_visitor_who_logs_in_lands_on_the_seat_they_chose(visitor, person, moment):
    response = press(visitor, "enrolment_start", moment)
    assert response.status_code == 302
    assert urlsplit(response.url).path == "/en/accounts/login/"
    assert next_of(response) == url("enrolment_start", start_moment_id=moment.pk)
    assert after_login.COOKIE_NAME in response.cookies
    assert not Enrolment.objects.exists()

    back = log_in(visitor, person, next_of(response))
    assert back.status_code == 302
    assert back.url == url("enrolment_start", start_moment_id=moment.pk)

    response = visitor.get(back.url)
    enrolment = Enrolment.objects.get(user=person)
    assert enrolment.start_moment_id == moment.pk
    assert enrolment.state == Enrolment.State.HELD
    assert response.status_code == 302
    assert response.url == url("enrolment_detail", reference=enrolment.reference)
    assert response.cookies[after_login.COOKIE_NAME]["max-age"] == 0  # used up

    again = visitor.get(back.url)  # Back, or a reload: asks, takes nothing more
    assert again.status_code == 200
    assert "Enrol on this start date?" in again.content.decode()
    assert Enrolment.objects.filter(user=person).count() == 1


def test_a_visitor_who_logs_in_joins_the_waiting_list_they_chose(visitor, person):
    full = start_moment_for_sale(seats=1)
    StartMoment.objects.filter(pk=full.pk).update(seats_taken=1)
    response = press(visitor, "waiting_list_join", full)
    assert next_of(response) == url("waiting_list_join", start_moment_id=full.pk)

    back = log_in(visitor, person, next_of(response))
    response = visitor.get(back.url)
    assert response.status_code == 302
    assert response.url == url("my_courses")
    assert WaitingListEntry.objects.get(user=person).start_moment_id == full.pk


def test_a_learner_logged_in_before_the_press_is_asked_first(visitor, person, moment):
    """Another site can make a logged-in browser post the form (without the session cookie,
    which is SameSite=Lax), but cannot log it in: the learner is asked, nothing is held."""
    press(visitor, "enrolment_start", moment)
    visitor.force_login(person)
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    type(person).objects.filter(pk=person.pk).update(last_login=earlier)

    response = visitor.get(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 200
    assert "Enrol on this start date?" in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
def test_another_site_cannot_send_a_logged_in_learner_to_the_address(
    visitor, person, moment, fetch_site
):
    """The press was remembered, the learner logged in afterwards, but the GET comes from a link
    on another site: asked first, nothing held. Our own log-in redirect is same-origin."""
    press(visitor, "enrolment_start", moment)
    log_in(visitor, person, "/en/")
    address = url("enrolment_start", start_moment_id=moment.pk)
    response = visitor.get(address, headers={"Sec-Fetch-Site": fetch_site})
    assert response.status_code == 200
    assert "Enrol on this start date?" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_same_origin_redirect_after_logging_in_still_holds_the_seat(visitor, person, moment):
    response = press(visitor, "enrolment_start", moment)
    back = log_in(visitor, person, next_of(response))
    response = visitor.get(back.url, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302
    assert Enrolment.objects.get(user=person).start_moment_id == moment.pk


def test_the_press_counts_only_for_the_start_date_and_action_it_was_for(visitor, person, moment):
    other = start_moment_for_sale(seats=2)
    press(visitor, "enrolment_start", moment)
    back = log_in(visitor, person, url("enrolment_start", start_moment_id=moment.pk))
    assert back.status_code == 302

    assert visitor.get(url("enrolment_start", start_moment_id=other.pk)).status_code == 200
    assert visitor.get(url("waiting_list_join", start_moment_id=moment.pk)).status_code == 200
    assert not Enrolment.objects.exists()
    assert not WaitingListEntry.objects.exists()


def test_a_press_older_than_the_limit_is_forgotten(visitor, person, moment, monkeypatch):
    long_ago = time.time() - after_login.MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(time, "time", lambda: long_ago)
    press(visitor, "enrolment_start", moment)
    monkeypatch.undo()
    log_in(visitor, person, url("enrolment_start", start_moment_id=moment.pk))

    response = visitor.get(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_a_forged_cookie_takes_nothing(visitor, person, moment):
    log_in(visitor, person, "/en/")
    forged = f"enrolment_start:{moment.pk}:{int(time.time()) - 60}"
    visitor.cookies[after_login.COOKIE_NAME] = forged  # unsigned
    assert visitor.get(url("enrolment_start", start_moment_id=moment.pk)).status_code == 200
    visitor.cookies[after_login.COOKIE_NAME] = forged + ":" + "x" * 27  # a made-up signature
    assert visitor.get(url("enrolment_start", start_moment_id=moment.pk)).status_code == 200
    assert not Enrolment.objects.exists()


def test_a_start_date_that_is_not_published_sends_the_visitor_to_my_courses(visitor, moment):
    moment.offering.live = False
    moment.offering.save()
    response = press(visitor, "enrolment_start", moment)
    assert next_of(response) == url("my_courses")
    assert after_login.COOKIE_NAME not in response.cookies


def test_the_log_in_and_sign_up_pages_say_what_logging_in_will_do(visitor, moment):
    response = press(visitor, "enrolment_start", moment)
    said = (
        f"You are enrolling on {moment.offering.title}, starting {moment.starts_on:%-d %B %Y}. "
        "After you log in, we hold your seat and you choose how you pay."
    )
    next_url = next_of(response)
    assert said in visitor.get(f"/en/accounts/login/?next={next_url}").content.decode()
    assert said in visitor.get(f"/en/accounts/signup/?next={next_url}").content.decode()
    # The language switch keeps the English ``next``; the Dutch page says it too.
    dutch = visitor.get(f"/accounts/login/?next={next_url}").content.decode()
    assert re.search(rf'<p class="alert after-login">[^<]*{moment.offering.title}', dutch)
    # Not on a log-in page that leads elsewhere: logging in there does not take the seat.
    assert "You are enrolling" not in visitor.get("/en/accounts/login/").content.decode()
    assert "You are enrolling" not in visitor.get("/en/accounts/login/?next=/en/").content.decode()


def test_the_log_in_page_says_so_for_the_waiting_list_too(visitor):
    full = start_moment_for_sale(seats=1)
    StartMoment.objects.filter(pk=full.pk).update(seats_taken=1)
    next_url = next_of(press(visitor, "waiting_list_join", full))
    page = visitor.get(f"/en/accounts/login/?next={next_url}").content.decode()
    assert f"You are joining the waiting list for {full.offering.title}" in page
