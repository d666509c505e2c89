"""An offering's text in the reader's language (``providers.offerings.offering_text``): field by
field the provider's translation, else the Dutch text, marked as Dutch."""

import pytest
from django.utils import translation

from providers.models import OfferingTranslation
from providers.offerings import offering_text
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_each_field_falls_back_to_dutch_on_its_own():
    offering = OfferingFactory(title="Avondcursus", summary="Twee avonden per week")
    OfferingTranslation.objects.create(offering=offering, language="en", title="Evening course")
    text = offering_text(offering, "en")
    assert (text.title.text, text.title.language) == ("Evening course", "en")
    assert (text.summary.text, text.summary.language) == ("Twee avonden per week", "nl")
    assert text.fell_back


def test_a_full_translation_does_not_fall_back():
    offering = OfferingFactory(title="Avondcursus", summary="", description="")
    OfferingTranslation.objects.create(offering=offering, language="tr", title="Akşam kursu")
    text = offering_text(offering, "tr")
    assert text.title.text == "Akşam kursu"
    # Empty Dutch fields have nothing to fall back to, so they say nothing about the language.
    assert not text.fell_back


def test_a_translation_into_another_language_is_not_used():
    offering = OfferingFactory(title="Avondcursus")
    OfferingTranslation.objects.create(offering=offering, language="en", title="Evening course")
    text = offering_text(offering, "ar")
    assert (text.title.text, text.title.language) == ("Avondcursus", "nl")


def test_the_active_language_is_the_default_and_dutch_is_never_a_fallback():
    offering = OfferingFactory(title="Avondcursus")
    OfferingTranslation.objects.create(offering=offering, language="en", title="Evening course")
    with translation.override("en"):
        assert offering_text(offering).title.text == "Evening course"
    with translation.override("nl"):
        text = offering_text(offering)
    assert text.title.text == "Avondcursus"
    assert not text.fell_back


def test_a_blank_translated_field_counts_as_none():
    offering = OfferingFactory(title="Avondcursus")
    OfferingTranslation.objects.create(offering=offering, language="en", title="   ")
    assert offering_text(offering, "en").title.language == "nl"
