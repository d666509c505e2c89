"""What a school wrote, in the reader's language: its own translation where it gave one, else
the Dutch text with ``lang="nl"`` on its element and a short note that the school wrote it in
Dutch (offering page, catalogue cards, compare table)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.models import OfferingTranslation
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

NOTE = "offering-language-note"
CARD_NOTE = "offering-card__language"


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def h1(page: str) -> str:
    return re.search(r"<h1[^>]*>.*?</h1>", page, re.S).group(0)


@pytest.fixture
def offering(site_pages):
    location = LocationFactory()
    offering = OfferingFactory(
        title="Avondcursus B1",
        summary="Twee avonden per week",
        price_includes_other="Koffie en thee",
        provider=location.provider,
        locations=[location],
    )
    StartMomentFactory(offering=offering, location=location)
    OfferingTranslation.objects.create(
        offering=offering,
        language="en",
        title="Evening course B1",
        summary="Two evenings a week",
        price_includes_other="Coffee and tea",
    )
    return offering


def test_the_english_page_shows_the_schools_english_text_without_a_note(client, offering):
    page = text(client.get(f"/en/aanbod/cursus/{offering.pk}/"))
    assert h1(page) == "<h1>Evening course B1</h1>"
    assert "<p>Two evenings a week</p>" in page
    assert "<dd>Coffee and tea</dd>" in page
    # The schema.org data describes the Dutch page (its ``url``), so only the visible text counts.
    assert "Avondcursus B1" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert NOTE not in page


def test_a_field_without_translation_shows_the_dutch_text_marked_dutch(client, offering):
    OfferingTranslation.objects.filter(offering=offering).update(summary="")
    page = text(client.get(f"/en/aanbod/cursus/{offering.pk}/"))
    assert h1(page) == "<h1>Evening course B1</h1>"
    assert '<p lang="nl">Twee avonden per week</p>' in page
    assert NOTE in page


def test_the_arabic_page_shows_the_dutch_text_marked_dutch_not_the_english(client, offering):
    page = text(client.get(f"/ar/aanbod/cursus/{offering.pk}/"))
    assert h1(page) == '<h1 lang="nl">Avondcursus B1</h1>'
    assert '<dd lang="nl">Koffie en thee</dd>' in page
    assert "Evening course B1" not in page
    assert NOTE in page


def test_the_dutch_page_needs_no_mark_and_no_note(client, offering):
    page = text(client.get(f"/aanbod/cursus/{offering.pk}/"))
    assert h1(page) == "<h1>Avondcursus B1</h1>"
    assert 'lang="nl">Avondcursus' not in page
    assert NOTE not in page


def test_catalogue_cards_show_the_title_in_the_readers_language(client, offering):
    english = text(client.get("/en/aanbod/"))
    assert f'/en/aanbod/cursus/{offering.pk}/">Evening course B1</a></h3>' in english
    assert CARD_NOTE not in english
    arabic = text(client.get("/ar/aanbod/"))
    assert f'/ar/aanbod/cursus/{offering.pk}/" lang="nl">Avondcursus B1</a></h3>' in arabic
    assert CARD_NOTE in arabic
    assert "Evening course B1" not in arabic


def test_the_compare_table_marks_dutch_titles(client, offering):
    other = OfferingFactory(title="Dagcursus B1")
    page = text(client.get(f"/en/aanbod/vergelijk/?ids={offering.pk},{other.pk}"))
    assert ">Evening course B1</a>" in page
    assert ' lang="nl">Dagcursus B1</a>' in page
    assert '<li lang="nl">' not in page  # the English "also included" is the school's own
    assert "<li>Coffee and tea</li>" in page


def _courses(numbers: range) -> None:
    for number in numbers:
        location = LocationFactory()
        course = OfferingFactory(
            title=f"cursus {number}", provider=location.provider, locations=[location]
        )
        StartMomentFactory(offering=course, location=location)
        OfferingTranslation.objects.create(offering=course, language="en", title=f"course {number}")


def test_the_english_catalogue_reads_translations_in_one_query_for_all_cards(
    client, site_pages, django_assert_max_num_queries
):
    _courses(range(2))
    with CaptureQueriesContext(connection) as few:
        page = text(client.get("/en/aanbod/?component=B1_ROUTE"))
    assert ">course 1</a></h3>" in page
    translation_reads = [q for q in few if "providers_offeringtranslation" in q["sql"]]
    assert len(translation_reads) == 1
    _courses(range(2, 14))
    # Another address, so that no page or result cache answers: every card is rendered again.
    with django_assert_max_num_queries(len(few)):
        page = text(client.get("/en/aanbod/?component=B1_ROUTE&q="))
    assert ">course 13</a></h3>" in page
