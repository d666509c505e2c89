"""The learner's enrolment and cancel pages show the copied cancellation terms in the language
they were copied in: the provider's Arabic terms as they are, Dutch terms with ``lang="nl"`` and
a note that the school wrote them in Dutch."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from portal.enrolments.models import Enrolment
from providers.models import ProviderTranslation
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale

pytestmark = pytest.mark.django_db

DUTCH = "Annuleren kan tot twee weken voor de start."
ARABIC = "يمكنك الإلغاء حتى أسبوعين قبل البداية."


def _note() -> str:
    with translation.override("ar"):
        return translation.gettext("The school wrote this in Dutch.")


def _terms_block(page: str) -> str:
    return re.search(r'<div class="terms"[^>]*>.*?</div>', page, re.S).group(0)


@pytest.fixture
def person():
    return learner()


@pytest.fixture
def moment():
    moment = start_moment_for_sale(seats=2)
    provider = moment.offering.provider
    provider.cancellation_terms = DUTCH
    provider.save()
    return moment


def _enrol_in_arabic(moment, person) -> Enrolment:
    with translation.override("ar"):
        return held_enrolment(moment, user=person)


def _page(client, person, name: str, enrolment: Enrolment) -> str:
    client.force_login(person)
    with translation.override("ar"):
        url = reverse(name, kwargs={"reference": enrolment.reference})
    assert url.startswith("/ar/")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("name", ["enrolment_detail", "enrolment_cancel"])
def test_arabic_terms_show_in_arabic_without_a_note(client, moment, person, name):
    ProviderTranslation.objects.create(
        provider=moment.offering.provider, language="ar", cancellation_terms=ARABIC
    )
    page = _page(client, person, name, _enrol_in_arabic(moment, person))
    assert _terms_block(page) == f'<div class="terms"><p>{ARABIC}</p></div>'
    assert DUTCH not in page
    assert _note() not in page


@pytest.mark.parametrize("name", ["enrolment_detail", "enrolment_cancel"])
def test_dutch_terms_are_marked_dutch_with_a_note(client, moment, person, name):
    page = _page(client, person, name, _enrol_in_arabic(moment, person))
    assert _terms_block(page) == f'<div class="terms" lang="nl"><p>{DUTCH}</p></div>'
    assert _note() in page


def test_the_page_shows_the_copy_not_terms_the_provider_added_later(client, moment, person):
    enrolment = _enrol_in_arabic(moment, person)
    ProviderTranslation.objects.create(
        provider=moment.offering.provider, language="ar", cancellation_terms=ARABIC
    )
    page = _page(client, person, "enrolment_detail", enrolment)
    assert _terms_block(page) == f'<div class="terms" lang="nl"><p>{DUTCH}</p></div>'
    assert ARABIC not in page
