"""The compare list (basket): kept in the session across result pages, changed by POST with a
CSRF token, never shown to another visitor, never baked into the anonymous page cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from providers.compare import MAX_OFFERINGS
from providers.models import Offering
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/en/aanbod/vergelijk/lijst/"


def text(response) -> str:
    return response.content.decode()


def csrf_client() -> Client:
    """A browser that sends the CSRF token as real forms do (Django's check is on)."""
    return Client(enforce_csrf_checks=True)


def token_of(client: Client) -> str:
    """The form token from the compare-list page asking to add a course (which also sets the
    CSRF cookie), as a browser gets it."""
    published = Offering.objects.filter(live=True).first()
    page = text(client.get(LIST_URL, {"add": published.pk}))
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def post(client: Client, **data) -> object:
    return client.post(LIST_URL, {"csrfmiddlewaretoken": token_of(client), **data})


def on_list(client: Client) -> list[int]:
    return client.session.get("compare_list", [])


def test_adding_keeps_the_offering_and_goes_back_to_its_card_with_a_303(site_pages):
    offering = OfferingFactory()
    client = csrf_client()
    response = post(client, add=str(offering.pk), next="/en/aanbod/?component=MAP&page=2")
    assert response.status_code == 303
    assert response["Location"] == f"/en/aanbod/?component=MAP&page=2#offering-{offering.pk}"
    assert on_list(client) == [offering.pk]


def test_removing_takes_only_that_offering_off_the_list(site_pages):
    first, second = OfferingFactory(), OfferingFactory()
    client = csrf_client()
    post(client, add=str(first.pk))
    post(client, add=str(second.pk))
    response = post(client, remove=str(first.pk), next="/en/aanbod/")
    assert response.status_code == 303
    assert response["Location"] == f"/en/aanbod/#offering-{first.pk}"
    assert on_list(client) == [second.pk]


def test_adding_twice_keeps_one_and_clear_empties_the_list(site_pages):
    offering = OfferingFactory()
    client = csrf_client()
    post(client, add=str(offering.pk))
    post(client, add=str(offering.pk))
    assert on_list(client) == [offering.pk]
    assert post(client, clear="1").status_code == 303
    assert on_list(client) == []


def test_the_list_holds_at_most_the_compare_maximum_and_says_so(site_pages):
    offerings = [OfferingFactory() for _ in range(MAX_OFFERINGS + 1)]
    client = csrf_client()
    for offering in offerings:
        response = post(client, add=str(offering.pk), next="/en/aanbod/")
        assert response.status_code == 303
    assert on_list(client) == [offering.pk for offering in offerings[:MAX_OFFERINGS]]
    page = text(client.get(response["Location"]))
    assert f"You can compare at most {MAX_OFFERINGS} courses. Remove one first." in page


def test_a_post_without_the_csrf_token_changes_nothing(site_pages):
    offering = OfferingFactory()
    client = csrf_client()
    token_of(client)  # the cookie alone is not enough: the form must carry the token
    assert client.post(LIST_URL, {"add": str(offering.pk)}).status_code == 403
    assert on_list(client) == []


@pytest.mark.parametrize(
    "value",
    ["", "abc", "-1", "0", "1.5", "²", "١٢", "9" * 30, "1,2", "<script>", " ", "99999999"],
)
@pytest.mark.parametrize("action", ["add", "remove"])
def test_any_string_as_an_id_is_a_clear_400_and_changes_nothing(site_pages, action, value):
    kept = OfferingFactory()
    client = csrf_client()
    post(client, add=str(kept.pk))
    response = post(client, **{action: value})
    if action == "remove" and value == "99999999":
        # A well-formed id that is not on the list: removing it is simply nothing to do.
        assert response.status_code == 303
    else:
        assert response.status_code == 400
        assert "This course does not exist." in text(response)
    assert on_list(client) == [kept.pk]


@pytest.mark.parametrize("value", ["abc", "9" * 30, "99999999", "²"])
def test_asking_to_add_a_bad_id_by_link_is_a_400(client, site_pages, value):
    response = client.get(LIST_URL, {"add": value})
    assert response.status_code == 400
    assert "This course does not exist." in text(response)


def test_a_draft_cannot_be_added(site_pages):
    draft = OfferingFactory(live=False)
    OfferingFactory()  # a published one, for the page the token comes from
    client = csrf_client()
    assert post(client, add=str(draft.pk)).status_code == 400
    assert on_list(client) == []


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/aanbod/",
        "//evil.example/aanbod/",
        "/admin/",
        "javascript:alert(1)",
        "/en/aanbod/\r\nSet-Cookie: x=1",
    ],
)
def test_next_never_leaves_the_catalogue(site_pages, next_url):
    offering = OfferingFactory()
    client = csrf_client()
    response = post(client, add=str(offering.pk), next=next_url)
    assert response["Location"] == f"/en/aanbod/#offering-{offering.pk}"


def test_a_visitor_without_a_session_is_asked_once_by_a_form_with_a_token(client, site_pages):
    offering = OfferingFactory(title="Avond B1")
    catalogue = text(client.get("/en/aanbod/"))
    link = f"{LIST_URL}?add={offering.pk}&amp;next=/en/aanbod/"
    assert link in catalogue
    assert "csrfmiddlewaretoken" not in catalogue  # the page is cached for everyone like it
    question = client.get(LIST_URL, {"add": offering.pk, "next": "/en/aanbod/"})
    assert question.status_code == 200
    page = text(question)
    assert "Avond B1" in page
    assert "csrfmiddlewaretoken" in page
    assert f'name="add" value="{offering.pk}"' in page


def test_the_list_is_kept_across_result_pages(site_pages):
    for _ in range(5):
        OfferingFactory(component="MAP")
    catalogue = site_pages["catalogue"]
    catalogue.page_size = 2
    catalogue.save()
    client = csrf_client()
    first_page = client.get("/en/aanbod/?component=MAP")
    chosen = first_page.context["offerings"][0]
    post(client, add=str(chosen.pk), next="/en/aanbod/?component=MAP")
    second_page = client.get("/en/aanbod/?component=MAP&page=2")
    page = text(second_page)
    assert chosen not in second_page.context["offerings"]
    # The compare form sends the offering from page 1 along, and the bar counts it.
    assert f'<input type="hidden" name="ids" value="{chosen.pk}">' in page
    assert "1 of 4 on your compare list" in page
    assert "Add one more to compare." in page
    assert 'form="compare-form"' not in page  # no Compare button for one course
    second = second_page.context["offerings"][0]
    post(client, add=str(second.pk), next="/en/aanbod/?component=MAP&page=2")
    back = text(client.get("/en/aanbod/?component=MAP"))
    bar_button = r'<button type="submit" form="compare-form" class="button">Compare \(2\)'
    assert re.search(bar_button, back)
    assert back.count('<input type="hidden" name="ids"') == 2
    assert 'type="checkbox" name="ids"' not in back  # one control per card: the list


def test_another_visitor_never_sees_the_list_even_through_the_page_cache(site_pages):
    offering = OfferingFactory(title="Avond B1")
    visitor_b = Client()
    assert visitor_b.get("/en/aanbod/")["X-Page-Cache"] == "miss"  # now cached, list-less

    visitor_a = csrf_client()
    post(visitor_a, add=str(offering.pk), next="/en/aanbod/")
    a_page = visitor_a.get("/en/aanbod/")
    assert "X-Page-Cache" not in a_page  # A's page is A's own: neither served nor stored
    assert "1 of 4 on your compare list" in text(a_page)
    assert "On your compare list" in text(a_page)

    for _ in range(2):
        b_page = visitor_b.get("/en/aanbod/")
        assert b_page["X-Page-Cache"] == "hit"
        assert "on your compare list" not in text(b_page).lower()
    visitor_c = Client()
    visitor_c.cookies["sessionid"] = "someone-elses-guess"
    c_page = visitor_c.get("/en/aanbod/")
    assert "on your compare list" not in text(c_page).lower()


def test_the_compare_list_page_links_to_the_compare_route(site_pages):
    first, second = OfferingFactory(title="Eerste"), OfferingFactory(title="Tweede")
    client = csrf_client()
    post(client, add=str(first.pk))
    post(client, add=str(second.pk))
    page = text(client.get(LIST_URL))
    assert f'href="/en/aanbod/vergelijk/?ids={first.pk}&amp;ids={second.pk}"' in page
    assert "Compare (2)" in page
    compare = client.get(f"/en/aanbod/vergelijk/?ids={first.pk}&ids={second.pk}")
    assert compare.status_code == 200
