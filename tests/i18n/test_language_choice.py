"""The language a visitor chose is remembered (cookie and account), brings them back from
outside, and the learner's e-mails and Stripe Checkout follow it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from portal.enrolments import emails, rules
from portal.payments import checkout
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME
FROM_OUTSIDE = {"sec-fetch-site": "none", "sec-fetch-mode": "navigate"}
ARABIC = re.compile(r"[\u0600-\u06ff]")


def test_reading_a_page_in_a_language_remembers_it(site_pages):
    client = Client()
    response = client.get("/ar/aanbod/")
    assert response.cookies[COOKIE].value == "ar"
    # A visitor without a choice reading Dutch gets no cookie (Dutch is the default anyway).
    assert COOKIE not in Client().get("/aanbod/").cookies


def test_coming_back_from_outside_goes_to_the_chosen_language(site_pages):
    client = Client()
    client.cookies[COOKIE] = "fa"
    response = client.get("/aanbod/?schedule=EVENING", headers=FROM_OUTSIDE)
    assert response.status_code == 302
    assert response["Location"] == "/fa/aanbod/?schedule=EVENING"
    assert "Cookie" in response["Vary"]


def test_choosing_dutch_in_the_switcher_is_never_redirected(site_pages):
    client = Client()
    client.cookies[COOKIE] = "fa"
    response = client.get("/aanbod/", headers={"sec-fetch-site": "same-origin"})
    assert response.status_code == 200
    assert '<html lang="nl"' in response.content.decode()
    assert response.cookies[COOKIE].value == "nl"
    # …and the next visit from outside stays Dutch.
    assert client.get("/aanbod/", headers=FROM_OUTSIDE).status_code == 200


def test_a_client_that_does_not_say_where_it_comes_from_is_not_redirected(site_pages):
    client = Client()
    client.cookies[COOKIE] = "fa"
    assert client.get("/aanbod/").status_code == 200
    assert client.get("/aanbod/", headers={"sec-fetch-site": "none"}).status_code == 200


def test_the_admin_and_the_api_are_left_alone(site_pages):
    client = Client()
    client.cookies[COOKIE] = "ar"
    assert client.get("/api/v1/offerings/").status_code == 200
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_learner_s_account_keeps_the_language_and_follows_them(site_pages):
    person = learner()
    client = Client()
    client.force_login(person)
    client.get("/tr/aanbod/")
    person.refresh_from_db()
    assert person.language == "tr"
    # The data export names it with the rest of the account.
    assert client.get("/tr/accounts/profile/data/").json()["account"]["language"] == "tr"
    # On another browser (no cookie) the account's language brings them back to Turkish.
    other = Client()
    other.force_login(person)
    response = other.get("/mijn-cursussen/", headers=FROM_OUTSIDE)
    assert response.status_code == 302
    assert response["Location"] == "/tr/mijn-cursussen/"


@pytest.mark.parametrize(
    ("language", "expected"), [("nl", "nl"), ("en", "en"), ("tr", "tr"), ("ar", "en"), ("ti", "en")]
)
def test_checkout_speaks_the_learner_s_language_where_stripe_has_it(language, expected):
    enrolment = held_enrolment(start_moment_for_sale(), user=learner(language=language))
    assert checkout.checkout_locale(enrolment) == expected


def test_every_e_mail_to_a_learner_is_in_their_language():
    enrolment = held_enrolment(start_moment_for_sale(price_cents=125_000), user=learner())
    enrolment.user.language = "ar"
    enrolment.user.save(update_fields=["language"])
    quote = rules.cancellation_quote(enrolment)
    senders = [
        emails.enrolment_confirmed,
        emails.payment_processing,
        emails.payment_failed,
        emails.late_payment_refunded,
        lambda e: emails.enrolment_cancelled(e, quote),
        emails.refund_confirmed,
        emails.waiting_list_offer,
    ]
    for send in senders:
        send(enrolment)
    assert len(mail.outbox) == len(senders)
    for message in mail.outbox:
        subject = message.subject.split("] ", 1)[1]
        assert ARABIC.search(subject), subject
        # Every line of the body that is not a value (a link, a reference) is Arabic.
        for line in filter(None, (line.strip() for line in message.body.splitlines())):
            if not line.startswith("http") and re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", line):
                assert ARABIC.search(line), (subject, line)


def test_the_switcher_names_each_language_in_itself_and_the_head_lists_the_alternates(site_pages):
    page = Client().get("/ar/aanbod/?schedule=EVENING").content.decode()
    switch = re.search(r'<nav class="language-switch".*?</nav>', page, re.S).group(0)
    for code, name in [
        ("nl", "Nederlands"),
        ("en", "English"),
        ("ar", "العربيّة"),
        ("ti", "ትግርኛ"),
        ("tr", "Türkçe"),
        ("fa", "فارسی"),
    ]:
        prefix = "" if code == "nl" else f"/{code}"
        assert f'href="{prefix}/aanbod/?schedule=EVENING" lang="{code}" hreflang="{code}"' in switch
        assert f">{name}</a>" in switch
        assert (
            f'<link rel="alternate" hreflang="{code}" '
            f'href="http://testserver{prefix}/aanbod/?schedule=EVENING">'
        ) in page
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/aanbod/' in page
    assert 'aria-current="true">العربيّة</a>' in switch
