"""The municipality's advice on its learner's side, in each of the six languages: the page of
advice and the e-mail link's sign-up step, with ``lang`` and ``dir`` right and no interface
sentence left in another language (as ``test_pages_in_every_language`` checks the other pages)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contracts import advising
from tests.contracts.advice_world import advice_give, gezinsmigrant, world_build
from tests.i18n.test_pages_in_every_language import (
    LANGUAGES,
    _sentences,
    in_language,
    page_problems,
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
        problems += page_problems(client, in_language(language, path), language, dutch | english)
    assert not problems, "\n".join(problems)
