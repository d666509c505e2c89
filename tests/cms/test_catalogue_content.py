"""The catalogue list's content kept whole (``cms/catalogue_content.py``): the second request for
an address runs neither the FilterSet nor a query on offerings; the personal parts (compare
list, CSRF tokens) are the requester's own; an invalid query is never kept nor ever hits; the
controls filled in from the stand-in render are exactly what the template renders.

Most visitors here have a session, so the whole-page cache is out of play."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cms import catalogue_content, catalogue_views
from cms.catalogue_content import (
    CARD_CONTROLS_TEMPLATE,
    CardRow,
    KeptContent,
    content_fill,
    content_name,
    personal_parts,
    slot,
)
from cms.models import CataloguePage
from tests.cms.test_catalogue_fragments import TOKEN, card, learner_client, text
from tests.cms.test_catalogue_result_cache import offering_add, offering_queries
from tests.cms.test_compare_basket import csrf_client, post
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

FOUND = re.compile(r'id="results-heading" aria-live="polite">(\d+) ')


def enrol_form(html: str) -> str:
    return re.search(r"<form[^>]*offering-card__enrol.*?</form>", html).group()


@pytest.fixture
def offering(site_pages):
    return offering_add("Avond B1")


@pytest.fixture
def no_filterset(monkeypatch):
    """Call to make any further use of the catalogue's FilterSet fail the test."""

    def refuse() -> None:
        def filterset(*args, **kwargs):
            raise AssertionError("the FilterSet ran for a kept address")

        monkeypatch.setattr(catalogue_views, "OfferingFilterSet", filterset)

    return refuse


@pytest.mark.parametrize("near", ["", "&near=2011&ordering=distance"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_kept_address_needs_no_filterset_and_no_query_of_its_own(
    offering, near, signed_in, no_filterset, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False  # a visitor without a session too goes to the view
    postcode_areas_ensure()
    client = learner_client() if signed_in else Client()
    url = f"/en/aanbod/?component=B1_ROUTE{near}"
    first_page = text(client.get(url))
    no_filterset()
    with CaptureQueriesContext(connection) as second:
        second_page = text(client.get(url))
    assert not offering_queries(second)
    assert not [query for query in second if "postcode" in query["sql"]]  # near: no lookup
    # Wagtail's routing and menu only (10), and a learner's session and user (2).
    with django_assert_max_num_queries(10 + (2 if signed_in else 0)):
        client.get(url)
    # The same page, but for the token, which Django masks afresh for every response.
    assert TOKEN.sub("", second_page) == TOKEN.sub("", first_page)
    assert "1 course found" in second_page


def test_the_content_is_kept_by_address_as_typed_language_and_day(site_pages, monkeypatch):
    page = CataloguePage.objects.get()
    factory = RequestFactory()

    def name(path: str, language: str = "nl") -> str:
        with translation.override(language):
            return content_name(factory.get(path), page)

    assert name("/aanbod/?a=1&b=2") == name("/aanbod/?a=1&b=2")
    # Another order is another address: its links (pagination, chips) keep the order typed.
    assert name("/aanbod/?a=1&b=2") != name("/aanbod/?b=2&a=1")
    assert name("/aanbod/?a=1") != name("/aanbod/?a=1&page=2")
    assert name("/aanbod/?a=1") != name("/aanbod/?a=1", "en")
    # Any language code is a part of the key as it is.
    assert name("/aanbod/?a=1", "zh-hans") != name("/aanbod/?a=1", "pt-br")
    today = name("/aanbod/?a=1")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(catalogue_content.timezone, "localdate", lambda: tomorrow)
    assert name("/aanbod/?a=1") != today


def test_an_invalid_query_is_never_kept_and_answers_400_each_time(offering, monkeypatch):
    kept = []
    keep = catalogue_views.content_keep
    monkeypatch.setattr(
        catalogue_views, "content_keep", lambda *args: (kept.append(args[0]), keep(*args))
    )
    client = learner_client()
    url = "/en/aanbod/?component=B1_ROUTE&starts_after=not-a-date"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 400
        assert "Some filters could not be used" in text(response)
    assert kept == []
    assert client.get("/en/aanbod/?component=B1_ROUTE").status_code == 200
    assert len(kept) == 1


def test_a_query_valid_in_one_language_only_is_an_error_in_the_other(offering):
    """Dutch reads 13-12-2027 as a date, English does not: the Dutch page kept must not answer
    the English one (nor the other way round)."""
    client = learner_client()
    query = "?component=B1_ROUTE&starts_after=13-12-2027"
    assert client.get(f"/aanbod/{query}").status_code == 200
    assert client.get(f"/aanbod/{query}").status_code == 200  # kept
    assert client.get(f"/en/aanbod/{query}").status_code == 400
    assert client.get(f"/en/aanbod/{query}").status_code == 400


def test_the_kept_result_is_by_language_since_a_date_reads_differently(site_pages):
    """03/02 is 3 February in Dutch and 2 March in English (``result_name``)."""
    year = datetime.date.today().year + 1
    location = LocationFactory(city="Haarlem", postcode="2011 RD")
    course = OfferingFactory(title="Februari", provider=location.provider, locations=[location])
    StartMomentFactory(offering=course, location=location, starts_on=datetime.date(year, 2, 20))
    client = learner_client()
    query = f"?starts_before=03/02/{year}"
    dutch = FOUND.search(text(client.get(f"/aanbod/{query}"))).group(1)
    english = FOUND.search(text(client.get(f"/en/aanbod/{query}"))).group(1)
    assert dutch == "0"  # none starts by 3 February
    assert english == "1"  # it starts by 2 March


def test_every_token_on_a_kept_page_is_the_requesters_own(offering):
    visitor_a = csrf_client()
    visitor_b = csrf_client()
    for visitor in (visitor_a, visitor_b):
        post(visitor, add=str(offering.pk), next="/en/aanbod/")
        post(visitor, remove=str(offering.pk), next="/en/aanbod/")
    a_page = text(visitor_a.get("/en/aanbod/"))  # made the long way, now kept
    b_page = text(visitor_b.get("/en/aanbod/"))  # from the kept content
    b_tokens = TOKEN.findall(b_page)
    assert b_tokens and not set(b_tokens) & set(TOKEN.findall(a_page))
    # B's token works for B: the card's form adds the course to B's list …
    response = visitor_b.post(
        "/en/aanbod/vergelijk/lijst/",
        {"csrfmiddlewaretoken": b_tokens[0], "add": str(offering.pk), "next": "/en/aanbod/"},
    )
    assert response.status_code == 303
    # … and A's token is refused with B's cookie.
    response = visitor_b.post(
        "/en/aanbod/vergelijk/lijst/",
        {"csrfmiddlewaretoken": TOKEN.findall(a_page)[0], "remove": str(offering.pk)},
    )
    assert response.status_code == 403


def test_the_compare_state_on_a_kept_page_is_each_visitors_own(offering, site_pages):
    other = offering_add("Ochtend B1")
    listing = learner_client()
    post(listing, add=str(offering.pk), next="/en/aanbod/")
    with_session = csrf_client()
    post(with_session, add=str(other.pk), next="/en/aanbod/")
    Client().get("/en/aanbod/")  # kept, for nobody in particular

    page = text(listing.get("/en/aanbod/"))
    assert "On your compare list" in card(page, offering)
    assert "On your compare list" not in card(page, other)
    assert "1 of " in page.split('class="compare-bar')[1]
    assert TOKEN.search(enrol_form(card(page, offering)))  # signed in: the token

    page = text(with_session.get("/en/aanbod/"))
    assert "On your compare list" in card(page, other)
    assert f'name="add" value="{offering.pk}"' in card(page, offering)
    # Not signed in: the Enrol form carries no token, the compare form does.
    assert not TOKEN.search(enrol_form(card(page, offering)))
    assert TOKEN.search(card(page, offering).split("offering-card__compare")[1])

    response = Client().get("/en/aanbod/")
    assert "On your compare list" not in text(response)
    assert f"?add={offering.pk}&amp;next=" in card(text(response), offering)
    assert "csrfmiddlewaretoken" not in text(response)
    assert "csrftoken" not in response.cookies  # no token asked for: the page stays cacheable


def test_a_change_to_the_catalogue_page_shows_on_the_next_request(offering):
    client = learner_client()
    assert "Cursusaanbod</h1>" in text(client.get("/aanbod/"))
    page = CataloguePage.objects.get()
    page.title = "Alle cursussen"
    page.intro = "Kies uw cursus."
    page.save_revision().publish()
    shown = text(client.get("/aanbod/"))
    assert ">Alle cursussen</h1>" in shown
    assert "Kies uw cursus." in shown


def test_the_catalogue_page_is_found_with_one_query(offering):
    client = learner_client()
    with CaptureQueriesContext(connection) as queries:
        client.get("/en/aanbod/?component=B1_ROUTE")
    found = [query["sql"] for query in queries if "'aanbod'" in query["sql"]]
    assert len(found) == 1
    assert 'JOIN "cms_cataloguepage"' in found[0]
    assert not [query for query in queries if 'FROM "cms_cataloguepage"' in query["sql"]]


# --- The controls filled in are what the template renders -------------------------------------


class Visitor:
    def __init__(self, *, is_authenticated: bool) -> None:
        self.is_authenticated = is_authenticated


class FakeOffering:
    def __init__(self, pk, title, enrol_start_id, next_start) -> None:
        self.pk, self.title = pk, title
        self.enrol_start_id, self.next_start = enrol_start_id, next_start


STRANGE_TITLE = "B1 <b>&amp; \"avond\"</b> 'ZzRwTitleZz' 918273645501 2 februari 0002"
"""A title with markup, quotes and the stand-ins' own texts: each must come out escaped, once."""


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("page_is_personal", "is_authenticated"), [(False, False), (True, False), (True, True)]
)
@pytest.mark.parametrize(
    "here",
    [
        "/en/aanbod/?component=B1_ROUTE&q=a%20b",
        # An address holding every stand-in's text, as typed, escaped and URL-encoded.
        "/aanbod/?q=ZzRwHere%26Zz&x=ZzRwHere&amp;Zz&y=918273645502&z=ZzRwTokenZz&t=ZzRwTitleZz",
    ],
)
def test_the_controls_filled_in_are_what_the_template_renders(
    language, page_is_personal, is_authenticated, here
):
    listed, enrol_start = 41, 7
    offerings = [
        FakeOffering(41, STRANGE_TITLE, enrol_start, datetime.date(2027, 3, 4)),
        FakeOffering(42, "Ochtend", None, None),
        FakeOffering(43, "Middag", enrol_start + 1, datetime.date(2027, 5, 6)),
    ]
    compare_ids = [listed] if page_is_personal else []
    common = {
        "compare_ids": compare_ids,
        "page_is_personal": page_is_personal,
        "compare_list_url": "/en/aanbod/vergelijk/lijst/",
        "here": here,
        "max_compare": 4,
        "min_compare": 2,
    }
    with translation.override(language):
        expected = {
            f"card:{offering.pk}": get_template(CARD_CONTROLS_TEMPLATE).render(
                {
                    **common,
                    "offering": offering,
                    "user": Visitor(is_authenticated=is_authenticated),
                    "csrf_token": "tok3n",
                }
            )
            for offering in offerings
        }
        content = KeptContent(
            pieces=("", "card:41", "", "card:42", "", "card:43", ""),
            cards=tuple(catalogue_content.card_row(offering) for offering in offerings),
            has_map=False,
        )
        personal = catalogue_content.PersonalContext(
            **common, is_authenticated=is_authenticated, csrf_token=lambda: "tok3n"
        )
        assert personal_parts(content, personal) == expected
    assert "&lt;b&gt;&amp;amp;" in expected["card:41"]  # the title, escaped once


def test_the_kept_content_is_filled_at_its_slots_only():
    html = f"<p>a</p>{slot('compare_form')}<p>&lt;!--rw-slot:card:1--&gt;</p>{slot('card:1')}."
    content = catalogue_content.content_make(html, cards=[CardRow(1, "t", None, "")], has_map=False)
    filled = content_fill(content, {"compare_form": "[form]", "card:1": "[card]"})
    assert filled == "<p>a</p>[form]<p>&lt;!--rw-slot:card:1--&gt;</p>[card]."
