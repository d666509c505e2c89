import datetime
import json
import re

import pytest
from django.utils import timezone

from providers.models import OfferingTranslation
from tests.contracts.factories import MunicipalityFactory
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def text(response) -> str:
    return response.content.decode()


def result_titles(response) -> list[str]:
    return [offering.title for offering in response.context["offerings"]]


def test_catalogue_lists_published_offerings_with_their_key_facts(client, site_pages):
    provider = ProviderFactory(name="Taalhuis Spaarne", keurmerk_stars=4)
    offering = OfferingFactory(
        provider=provider,
        title="B1-route avond",
        schedule="EVENING",
        hours_total=480,
        price_cents=612000,
        pass_rate_percent=71,
        pass_rate_year=2025,
        pass_rate_sample_size=34,
    )
    StartMomentFactory(
        offering=offering, starts_on=TODAY + datetime.timedelta(days=12), seats=10, seats_taken=7
    )
    response = client.get("/en/aanbod/")
    assert response.status_code == 200
    page = text(response)
    for expected in [
        "B1-route avond",
        "Taalhuis Spaarne",
        "480 hours",
        "Evening",
        "€\u00a06,120",
        "3 seats free",
        "71%",
        "2025, 34 learners",
        "Keurmerk Inburgeren, 4 stars",
    ]:
        assert expected in page, expected


def test_unpublished_drafts_are_invisible_everywhere(client, site_pages):
    draft = OfferingFactory(live=False, title="Geheim concept")
    StartMomentFactory(offering=draft)
    assert "Geheim concept" not in text(client.get("/aanbod/"))
    assert client.get(f"/aanbod/cursus/{draft.pk}/").status_code == 404
    assert "Geheim concept" not in text(client.get(f"/aanbod/aanbieder/{draft.provider.slug}/"))
    assert client.get(f"/aanbod/vergelijk/?ids={draft.pk}").status_code == 400


def test_unapproved_changes_to_a_published_offering_stay_out_of_sight(client, site_pages):
    offering = OfferingFactory(title="Gepubliceerde titel")
    offering.save_revision().publish()
    offering.title = "Nieuwe titel wacht op goedkeuring"
    offering.save_revision()
    page = text(client.get("/aanbod/"))
    assert "Gepubliceerde titel" in page
    assert "wacht op goedkeuring" not in page


def test_filters_live_in_the_url_and_stay_filled_in(client, site_pages):
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    provider = ProviderFactory()
    OfferingFactory(
        title="In Haarlem",
        provider=provider,
        locations=[LocationFactory(provider=provider, municipality=haarlem)],
    )
    OfferingFactory(title="Elders")
    response = client.get("/aanbod/?municipality=GM0392&component=B1_ROUTE&keurmerk=true")
    assert result_titles(response) == ["In Haarlem"]
    page = text(response)
    assert re.search(r'<option value="GM0392" selected>', page)
    assert re.search(r'value="B1_ROUTE"[^>]*checked', page)
    assert re.search(
        r'<input type="checkbox" value="true" id="id_keurmerk" name="keurmerk" checked>', page
    )
    assert not re.search(r'name="childcare"[^>]*checked', page)


def test_catalogue_paginates_and_keeps_filters_in_page_links(client, site_pages):
    site_pages["catalogue"].page_size = 5
    site_pages["catalogue"].save_revision().publish()
    OfferingFactory.create_batch(12, component="MAP")
    first = client.get("/aanbod/?component=MAP")
    assert len(result_titles(first)) == 5
    assert "?component=MAP&amp;page=2" in text(first)
    third = client.get("/aanbod/?component=MAP&page=3")
    assert len(result_titles(third)) == 2
    assert len(result_titles(client.get("/aanbod/?component=MAP&page=99"))) == 2


def test_bad_filters_show_which_field_is_wrong_and_no_results(client, site_pages):
    OfferingFactory(title="Zichtbaar")
    response = client.get("/en/aanbod/?max_price=veel&childcare=misschien")
    assert response.status_code == 400
    page = text(response)
    assert "Some filters could not be used" in page
    assert 'href="#id_max_price">Maximum price (euro)</a>: Enter a whole number.' in page
    assert "Use true or false." in page
    assert "Zichtbaar" not in page


def test_empty_result_says_what_to_do(client, site_pages):
    response = client.get("/en/aanbod/?component=PVT")
    assert "0 courses found" in text(response)
    assert "Try fewer filters" in text(response)


def test_catalogue_is_dutch_by_default_and_english_under_en(client, site_pages):
    dutch = client.get("/aanbod/")
    english = client.get("/en/aanbod/")
    assert '<html lang="nl" dir="ltr">' in text(dutch)
    assert '<html lang="en" dir="ltr">' in text(english)
    assert "Filter courses" in text(english)
    assert "Filter courses" not in text(dutch)


def test_language_switch_links_to_the_same_page_in_the_other_language(client, site_pages):
    page = text(client.get("/aanbod/?component=MAP"))
    assert 'href="/en/aanbod/?component=MAP"' in page


@pytest.mark.parametrize("count", [2, 25])
def test_catalogue_query_count_does_not_grow_with_the_number_of_offerings(
    client, site_pages, django_assert_max_num_queries, count
):
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    arabic = LanguageFactory(code="ar")
    for _ in range(count):
        provider = ProviderFactory()
        location = LocationFactory(provider=provider, municipality=haarlem)
        offering = OfferingFactory(
            provider=provider, locations=[location], support_languages=[arabic]
        )
        StartMomentFactory(offering=offering, location=location)
    # Wagtail routing and the menu take 10 of these; none depends on the number of offerings.
    with django_assert_max_num_queries(17):
        response = client.get("/aanbod/?municipality=GM0392&ordering=price")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == count


def test_offering_detail_shows_every_upcoming_start_moment_with_free_seats(client, site_pages):
    offering = OfferingFactory(title="B1-route dag")
    StartMomentFactory(
        offering=offering, starts_on=TODAY + datetime.timedelta(days=10), seats=12, seats_taken=2
    )
    StartMomentFactory(
        offering=offering, starts_on=TODAY + datetime.timedelta(days=50), seats=8, seats_taken=8
    )
    StartMomentFactory(offering=offering, starts_on=TODAY - datetime.timedelta(days=10))
    response = client.get(f"/en/aanbod/cursus/{offering.pk}/")
    assert response.status_code == 200
    assert [m.free for m in response.context["start_moments"]] == [10, 0]
    page = text(response)
    assert "10 of 12 free" in page
    assert "Full" in page


def test_offering_detail_carries_schema_org_course_json_ld(client, site_pages):
    location = LocationFactory(city="Haarlem", postcode="2011 AB")
    offering = OfferingFactory(
        provider=location.provider,
        title="B1 </script> route",
        price_cents=50000,
        locations=[location],
    )
    StartMomentFactory(
        offering=offering, location=location, starts_on=TODAY + datetime.timedelta(days=7)
    )
    page = text(client.get(f"/aanbod/cursus/{offering.pk}/"))
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Course"
    assert data["name"] == "B1 </script> route"
    assert data["provider"]["name"] == location.provider.name
    assert data["offers"] == {
        "@type": "Offer",
        "category": "Paid",
        "price": "500.00",
        "priceCurrency": "EUR",
    }
    instance = data["hasCourseInstance"][0]
    assert instance["@type"] == "CourseInstance"
    assert instance["startDate"] == (TODAY + datetime.timedelta(days=7)).isoformat()
    assert instance["location"]["address"]["postalCode"] == "2011 AB"


def _json_ld(page: str) -> dict:
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


def test_the_json_ld_on_a_page_in_another_language_gives_that_page_and_its_text(client, site_pages):
    """A search engine reading /ar/… learns the Arabic address and the text the page shows:
    the school's Arabic title where it gave one, else the Dutch text."""
    translated = OfferingFactory(title="Avondcursus", summary="In de avond")
    OfferingTranslation.objects.create(
        offering=translated, language="ar", title="دورة مسائية", summary="في المساء"
    )
    dutch_only = OfferingFactory(title="Dagcursus", summary="")

    data = _json_ld(text(client.get(f"/ar/aanbod/cursus/{translated.pk}/")))
    assert data["url"] == data["@id"] == f"http://testserver/ar/aanbod/cursus/{translated.pk}/"
    assert data["provider"]["url"] == (
        f"http://testserver/ar/aanbod/aanbieder/{translated.provider.slug}/"
    )
    assert (data["name"], data["description"]) == ("دورة مسائية", "في المساء")

    data = _json_ld(text(client.get(f"/ar/aanbod/cursus/{dutch_only.pk}/")))
    assert data["url"] == f"http://testserver/ar/aanbod/cursus/{dutch_only.pk}/"
    assert (data["name"], data["description"]) == ("Dagcursus", "Dagcursus")

    data = _json_ld(text(client.get(f"/aanbod/cursus/{translated.pk}/")))
    assert data["url"] == f"http://testserver/aanbod/cursus/{translated.pk}/"
    assert data["name"] == "Avondcursus"


def test_unknown_offering_is_a_404(client, site_pages):
    assert client.get("/aanbod/cursus/999999/").status_code == 404


def test_provider_profile_lists_its_locations_and_published_offerings(client, site_pages):
    provider = ProviderFactory(name="De Duinrand", slug="de-duinrand")
    LocationFactory(provider=provider, name="Leslocatie Noord", city="Beverwijk")
    OfferingFactory(provider=provider, title="Avond B1")
    OfferingFactory(provider=provider, title="Concept", live=False)
    OfferingFactory(title="Van een ander")
    response = client.get("/aanbod/aanbieder/de-duinrand/")
    page = text(response)
    assert "Leslocatie Noord" in page
    assert "Avond B1" in page
    assert "Concept" not in page
    assert "Van een ander" not in page
    assert client.get("/aanbod/aanbieder/bestaat-niet/").status_code == 404


def test_expired_quality_mark_is_shown_honestly(client, site_pages):
    provider = ProviderFactory(keurmerk_valid_until=TODAY - datetime.timedelta(days=1))
    OfferingFactory(provider=provider)
    provider_line = "Quality mark expired (valid until"
    assert provider_line in text(client.get("/en/aanbod/"))
    assert "Keurmerk verlopen (was geldig tot en met" in text(client.get("/aanbod/"))


@pytest.mark.parametrize("moments", [1, 12])
def test_detail_and_provider_pages_query_count_does_not_grow(
    client, site_pages, django_assert_max_num_queries, moments
):
    provider = ProviderFactory(slug="vaste-aanbieder")
    locations = [LocationFactory(provider=provider) for _ in range(3)]
    for _ in range(4):
        offering = OfferingFactory(provider=provider, locations=locations)
        for day in range(moments):
            StartMomentFactory(
                offering=offering,
                location=locations[day % 3],
                starts_on=TODAY + datetime.timedelta(days=5 + day),
            )
    # Wagtail routing and the menu take 10; the rest is one query per kind of row shown.
    with django_assert_max_num_queries(14):
        assert client.get(f"/aanbod/cursus/{offering.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/aanbod/aanbieder/vaste-aanbieder/").status_code == 200
