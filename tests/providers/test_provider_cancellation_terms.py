"""A provider's cancellation terms in the reader's language
(``providers.offerings.provider_cancellation_terms``): its translation, else the Dutch terms,
each with the language it is in."""

import pytest
from django.utils import translation

from providers.models import ProviderTranslation
from providers.offerings import provider_cancellation_terms
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

DUTCH = "Annuleren kan tot twee weken voor de start."
ARABIC = "يمكنك الإلغاء حتى أسبوعين قبل البداية."


@pytest.fixture
def provider():
    provider = ProviderFactory(cancellation_terms=DUTCH)
    ProviderTranslation.objects.create(provider=provider, language="ar", cancellation_terms=ARABIC)
    return provider


def test_the_terms_in_a_language_the_provider_wrote_them_in(provider):
    terms = provider_cancellation_terms(provider=provider, language="ar")
    assert (terms.text, terms.language) == (ARABIC, "ar")


def test_without_a_translation_the_dutch_terms_come_marked_dutch(provider):
    terms = provider_cancellation_terms(provider=provider, language="tr")
    assert (terms.text, terms.language) == (DUTCH, "nl")


def test_blank_translated_terms_count_as_none(provider):
    ProviderTranslation.objects.create(provider=provider, language="en", cancellation_terms="  ")
    terms = provider_cancellation_terms(provider=provider, language="en")
    assert (terms.text, terms.language) == (DUTCH, "nl")


def test_the_active_language_is_the_default(provider):
    with translation.override("ar"):
        assert provider_cancellation_terms(provider=provider).language == "ar"
    with translation.override("nl"):
        terms = provider_cancellation_terms(provider=provider)
    assert (terms.text, terms.language) == (DUTCH, "nl")


def test_a_provider_without_terms_has_none_in_any_language():
    terms = provider_cancellation_terms(
        provider=ProviderFactory(cancellation_terms=""), language="ar"
    )
    assert not terms
    assert terms.language == "nl"
