"""The municipality's advice on its learner's side, in each of the six languages: the page of
advice and the e-mail link's sign-up step, with ``lang`` and ``dir`` right and no interface
sentence left in another language (as ``test_pages_in_every_language`` checks the other pages)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contracts import advising
from tests.contracts.advice_world import advice_give, gezinsmigrant, world_build
from tests.i18n.test_pages_in_every_language import (
    LANGUAGES,
    RIGHT_TO_LEFT,
    _sentences,
    in_language,
    visible_text,
)
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def advice_pages(site_pages):
    world = world_build()
    bound = advice_give(world, email="amal@example.org")
    account = UserFactory(email="amal@example.org")
    advising.advice_link(advice=bound, user=account)
    world.learner = gezinsmigrant(world.haarlem, first_name="Sara")
    open_link = advice_give(world, email="sara@example.org")
    learner = Client()
    learner.force_login(account)
    with translation.override("nl"):  # the address without a language prefix
        link = reverse("advice_accept", kwargs={"token": advising.advice_token(advice=open_link)})
    return {"learner": learner, "mine": "/mijn-advies/", "link": link}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_advice_pages_speak_the_chosen_language(advice_pages, language):
    dutch = _sentences(language, source="nl") if language != "nl" else set()
    english = _sentences(language, source="en") if language not in ("nl", "en") else set()
    problems = []
    for client, path in (
        (advice_pages["learner"], advice_pages["mine"]),
        (Client(), advice_pages["link"]),
    ):
        address = in_language(language, path)
        response = client.get(address)
        if response.status_code != 200:
            problems.append(f"{address}: {response.status_code}")
            continue
        page = response.content.decode()
        opening = re.search(r"<html[^>]*>", page).group(0)
        direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
        if f'lang="{language}"' not in opening or f'dir="{direction}"' not in opening:
            problems.append(f"{address}: {opening}")
        text = visible_text(page)
        left = sorted(s for s in dutch | english if s in text)
        if left:
            problems.append(f"{address}: not in {language}: {left[:3]}")
    assert not problems, "\n".join(problems)
