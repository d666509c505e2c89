"""The demo pages in six languages through wagtail-localize (``cms/translations.py``, the data in
``portal/demo/page_translations.py``): each language's tree holds real translated pages at the
same addresses, the menu and links stay in the visitor's language, a page not yet translated
shows the Dutch text with a note, and site editors translate through wagtail-localize's screens
and PO files."""

from __future__ import annotations

import re
from io import StringIO

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Page, Revision
from wagtail_localize.models import Translation, TranslationLog, TranslationSource

from cms.links import CatalogueLinks, catalogue_url
from cms.models import CataloguePage, ContentPage, HomePage
from cms.translations import page_translation_missing
from portal.accounts.models import Role
from portal.demo import page_translations as pt
from portal.management.commands.seed_demo import Command as SeedDemo
from tests.enrolments.factories import start_moment_for_sale
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff

pytestmark = pytest.mark.django_db

OTHER_LANGUAGES = ["en", "ar", "ti", "tr", "fa"]
NOTE = "notice--language"


@pytest.fixture
def demo_pages(django_capture_on_commit_callbacks) -> dict[str, Page]:
    """seed_demo's pages, their copies in every language and their translations, published as
    after seed_demo's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        SeedDemo()._pages()
        call_command("locales_sync", stdout=StringIO())
        made = SeedDemo._page_translations()
    assert made == len(OTHER_LANGUAGES) * 4
    return {
        "home": HomePage.objects.get(locale__language_code="nl"),
        "catalogue": CataloguePage.objects.get(locale__language_code="nl"),
        "about": ContentPage.objects.get(slug="inburgering", locale__language_code="nl"),
        "statement": ContentPage.objects.get(slug="toegankelijkheid", locale__language_code="nl"),
    }


def _h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def _menu(html: str) -> list[tuple[str, str]]:
    """(address, text) of the main menu's links."""
    nav = re.search(r'<nav class="(?!language-switch)[^"]*".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)


# The translated pages


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_demo_page_is_a_published_translation_with_every_string_translated(demo_pages, code):
    locale = Locale.objects.get(language_code=code)
    for dutch in demo_pages.values():
        page = dutch.get_translation(locale)
        assert page.alias_of_id is None, (code, dutch.slug)
        assert page.live and not page.has_unpublished_changes, (code, dutch.slug)
        assert page.live_revision_id == page.latest_revision_id
        assert page.slug == dutch.slug or dutch.depth == 2  # home pages share no parent
        assert page.title == pt.PAGE_TRANSLATIONS[code][dutch.title]
        assert page_translation_missing(page=dutch, locale=locale) == []


def test_the_translations_are_the_data_word_for_word_body_included(demo_pages):
    about = demo_pages["about"].get_translation(Locale.objects.get(language_code="ar")).specific
    strings = pt.PAGE_TRANSLATIONS["ar"]
    assert about.intro == strings[pt.ABOUT_INTRO]
    assert [block.value for block in about.body if block.block_type == "heading"] == [
        strings[pt.ABOUT_ROUTES_HEADING],
        strings[pt.ABOUT_PAYING_HEADING],
    ]
    paragraphs = [block.value.source for block in about.body if block.block_type == "paragraph"]
    assert paragraphs == [
        f"<p>{strings[pt.ABOUT_ROUTES]}</p>",
        f"<p>{strings[pt.ABOUT_PAYING]}</p>",
    ]


def test_every_dutch_text_of_the_demo_pages_has_a_translation_in_every_language():
    dutch = {value for name, value in vars(pt).items() if name.isupper() and isinstance(value, str)}
    for code in OTHER_LANGUAGES:
        assert set(pt.PAGE_TRANSLATIONS[code]) == dutch, code
        assert all(pt.PAGE_TRANSLATIONS[code].values()), code


def test_a_second_seed_run_makes_no_revision_and_no_translation(demo_pages):
    revisions, logs = Revision.objects.count(), TranslationLog.objects.count()
    assert SeedDemo._page_translations() == 0
    assert (Revision.objects.count(), TranslationLog.objects.count()) == (revisions, logs)


def test_a_changed_translation_in_the_data_updates_the_page(demo_pages, monkeypatch):
    strings = dict(pt.PAGE_TRANSLATIONS["en"]) | {pt.CATALOGUE_TITLE: "Course finder"}
    monkeypatch.setitem(pt.PAGE_TRANSLATIONS, "en", strings)
    assert SeedDemo._page_translations() == 1
    english = demo_pages["catalogue"].get_translation(Locale.objects.get(language_code="en"))
    assert english.title == "Course finder"


# Addresses, menu and the note


@pytest.mark.parametrize(
    ("path", "lang", "direction", "title"),
    [
        ("/ar/", "ar", "rtl", pt.PAGE_TRANSLATIONS["ar"][pt.HOME_TITLE]),
        ("/ar/aanbod/", "ar", "rtl", pt.PAGE_TRANSLATIONS["ar"][pt.CATALOGUE_TITLE]),
        ("/ar/inburgering/", "ar", "rtl", pt.PAGE_TRANSLATIONS["ar"][pt.ABOUT_TITLE]),
        ("/ti/toegankelijkheid/", "ti", "ltr", pt.PAGE_TRANSLATIONS["ti"][pt.STATEMENT_TITLE]),
        ("/fa/inburgering/", "fa", "rtl", pt.PAGE_TRANSLATIONS["fa"][pt.ABOUT_TITLE]),
        ("/inburgering/", "nl", "ltr", pt.ABOUT_TITLE),
    ],
)
def test_each_language_serves_its_translated_page_at_the_dutch_address(
    client, demo_pages, path, lang, direction, title
):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert title in _h1(html)
    assert NOTE not in html


def test_the_menu_shows_the_translated_titles_with_the_language_prefix(client, demo_pages):
    html = client.get("/ar/").content.decode()
    strings = pt.PAGE_TRANSLATIONS["ar"]
    menu = _menu(html)
    assert ("/ar/aanbod/", strings[pt.CATALOGUE_TITLE]) in menu
    assert ("/ar/inburgering/", strings[pt.ABOUT_TITLE]) in menu
    assert not [text for _url, text in menu if text in (pt.CATALOGUE_TITLE, pt.ABOUT_TITLE)]


def test_the_arabic_catalogue_serves_its_course_and_provider_pages(client, demo_pages):
    offering = start_moment_for_sale().offering
    arabic = pt.PAGE_TRANSLATIONS["ar"][pt.CATALOGUE_TITLE]
    for path in (
        f"/ar/aanbod/cursus/{offering.pk}/",
        f"/ar/aanbod/aanbieder/{offering.provider.slug}/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert '<html lang="ar" dir="rtl">' in html
        assert offering.provider.name in html
        # The way back to the catalogue is the Arabic one, named in Arabic.
        assert re.search(rf'href="/ar/aanbod/"[^>]*>\s*{re.escape(arabic)}', html), path


def test_catalogue_links_give_each_languages_address(demo_pages):
    offering = start_moment_for_sale().offering
    for code, prefix in [("nl", ""), ("ar", "/ar"), ("fa", "/fa"), ("en", "/en")]:
        with translation.override(code):
            assert catalogue_url() == f"{prefix}/aanbod/"
            course = CatalogueLinks().offering(offering.pk)
            assert course == f"{prefix}/aanbod/cursus/{offering.pk}/"


def _admin_add_content_page(client, parent: Page, *, title: str, slug: str) -> ContentPage:
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["cms", "contentpage", parent.pk]),
        {
            "title": title,
            "slug": slug,
            "intro": "Een nieuwe pagina, nog alleen in het Nederlands.",
            "body-count": "0",
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ContentPage.objects.get(slug=slug, locale__language_code="nl")


@pytest.fixture
def site_editor(client):
    return login_staff(client, UserFactory(role=Role.SITE_EDITOR, is_staff=True))


def test_a_new_page_not_yet_translated_shows_dutch_marked_with_the_note(
    client, demo_pages, site_editor
):
    page = _admin_add_content_page(
        client, demo_pages["home"], title="Nieuws uit de regio", slug="nieuws"
    )
    arabic = page.get_translation(Locale.objects.get(language_code="ar"))
    assert arabic.alias_of_id == page.pk  # wagtail-localize's hook made the copy
    client.logout()
    html = client.get("/ar/nieuws/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert NOTE in html
    assert re.search(r'<h1[^>]*lang="nl"[^>]*>\s*Nieuws uit de regio', html)
    assert NOTE not in client.get("/ar/inburgering/").content.decode()


# Editors


def test_a_site_editor_translates_a_page_by_po_file_in_wagtail_localizes_screens(
    client, demo_pages, site_editor
):
    arabic = Locale.objects.get(language_code="ar")
    page = demo_pages["statement"].get_translation(arabic)
    source = TranslationSource.objects.get_for_instance(demo_pages["statement"])
    job = Translation.objects.get(source=source, target_locale=arabic)

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.status_code == 200
    download_url = reverse("wagtail_localize:download_pofile", args=[job.pk])
    assert download_url in edit.content.decode()  # the translation screen, not the plain editor

    download = client.get(download_url)
    assert download.status_code == 200
    po = polib.pofile(download.content.decode())
    entry = next(e for e in po if e.msgid == pt.STATEMENT_INTRO)
    assert entry.msgstr == pt.PAGE_TRANSLATIONS["ar"][pt.STATEMENT_INTRO]
    entry.msgstr = "Routewijzer للجميع."

    upload = client.post(
        reverse("wagtail_localize:upload_pofile", args=[job.pk]),
        {"file": SimpleUploadedFile("ar.po", str(po).encode(), "text/x-gettext-translation")},
    )
    assert upload.status_code == 302
    publish = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), {"action": "publish"})
    assert publish.status_code in (200, 302)
    page.refresh_from_db()
    assert page.specific.intro == "Routewijzer للجميع."
    assert "Routewijzer للجميع." in client.get("/ar/toegankelijkheid/").content.decode()


def test_a_site_editor_starts_the_translation_of_a_new_page(client, demo_pages, site_editor):
    page = _admin_add_content_page(client, demo_pages["home"], title="Vakantie", slug="vakantie")
    turkish = Locale.objects.get(language_code="tr")
    alias = page.get_translation(turkish)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[alias.pk]))
    submit_url = reverse("wagtail_localize:submit_page_translation", args=[page.pk])
    assert submit_url in edit.content.decode()
    assert client.get(submit_url).status_code == 200
    response = client.post(submit_url, {"locales": [turkish.pk]})
    assert response.status_code == 302
    assert Translation.objects.filter(
        source__object_id=page.translation_key, target_locale=turkish
    ).exists()
    assert page.get_translation(turkish).alias_of_id is None


@pytest.mark.parametrize("admin_language", ["nl", "en"])
def test_the_page_explorer_lists_each_languages_pages(client, demo_pages, admin_language):
    from wagtail.users.models import UserProfile

    editor = UserFactory(role=Role.SITE_EDITOR, is_staff=True)
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = admin_language
    profile.save()
    login_staff(client, editor)
    for code in ["nl", *OTHER_LANGUAGES]:
        home = demo_pages["home"].get_translation(Locale.objects.get(language_code=code))
        response = client.get(reverse("wagtailadmin_explore", args=[home.pk]))
        assert response.status_code == 200, code
        assert home.get_children().get(slug="aanbod").title in response.content.decode()
    root = client.get(reverse("wagtailadmin_explore_root") + "?locale=fa")
    assert root.status_code == 200
    assert f'<html lang="{admin_language}"' in root.content.decode()
