import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms.models import CataloguePage, ContentPage, HomePage


class TestPageTree(WagtailPageTestCase):
    def test_home_page_lives_at_the_root_and_holds_content_and_catalogue(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(HomePage, {ContentPage, CataloguePage})

    def test_catalogue_has_no_children_and_sits_under_home(self):
        self.assertAllowedSubpageTypes(CataloguePage, {})
        self.assertAllowedParentPageTypes(CataloguePage, {HomePage})


@pytest.mark.django_db
def test_home_page_renders_its_body_and_links_search_to_the_catalogue(client, site_pages):
    home = site_pages["home"]
    home.intro = "Welkom bij Routewijzer"
    home.body = [("heading", "Zo werkt het"), ("paragraph", "<p>Kies een cursus.</p>")]
    home.save_revision().publish()
    page = client.get("/").content.decode()
    assert "Welkom bij Routewijzer" in page
    assert "<h2>Zo werkt het</h2>" in page
    assert 'action="/aanbod/"' in page


@pytest.mark.django_db
def test_content_page_with_streamfield_body(client, site_pages):
    page = ContentPage(
        title="Toegankelijkheid",
        slug="toegankelijkheid",
        body=[
            ("paragraph", "<p>WCAG 2.1 AA</p>"),
            ("faq", {"question": "Vraag?", "answer": "<p>Antwoord.</p>"}),
        ],
    )
    site_pages["home"].add_child(instance=page)
    page.save_revision().publish()
    html = client.get("/toegankelijkheid/").content.decode()
    assert "<h1>Toegankelijkheid</h1>" in html
    assert "WCAG 2.1 AA" in html
    assert "<summary>Vraag?</summary>" in html


@pytest.mark.django_db
def test_pages_in_the_menu_are_listed_in_the_header(client, site_pages):
    page = ContentPage(title="Over inburgering", slug="inburgering", show_in_menus=True)
    site_pages["home"].add_child(instance=page)
    page.save_revision().publish()
    assert 'href="/inburgering/"' in client.get("/aanbod/").content.decode()


@pytest.mark.django_db
def test_healthz_is_a_plain_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
