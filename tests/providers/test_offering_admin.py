"""Offerings are edited in the Wagtail admin as drafts; the public reads only what is published."""

import re

import pytest
from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from providers.models import Offering
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
    return login_staff(client, admin)


def _edit(admin_client, offering: Offering, **changes):
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = querydict_from_html(admin_client.get(url).content.decode(), form_id="w-editor-form")
    for name in ("for_statushouders", "for_gezinsmigranten", "childcare", "duo_loan_eligible"):
        if data.get(name) == "":  # a ticked box without a value attribute; browsers send "on"
            data[name] = "on"
    for name, value in changes.items():
        data[name] = value
    return admin_client.post(url, data)


def test_saving_a_draft_keeps_the_published_version_public(admin_client, site_pages):
    offering = OfferingFactory(title="Gepubliceerd")
    offering.save_revision().publish()
    response = _edit(admin_client, offering, title="Nog niet goedgekeurd")
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Gepubliceerd"
    assert offering.has_unpublished_changes
    assert offering.latest_revision.as_object().title == "Nog niet goedgekeurd"
    assert "Nog niet goedgekeurd" not in admin_client.get("/api/v1/offerings/").content.decode()


def test_publishing_from_the_admin_makes_the_change_public_and_keeps_history(admin_client):
    offering = OfferingFactory(title="Oud")
    offering.save_revision().publish()
    response = _edit(admin_client, offering, title="Nieuw", **{"action-publish": "action-publish"})
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Nieuw"
    assert offering.revisions.count() == 2


def test_admin_form_refuses_a_duo_loan_without_a_valid_quality_mark(admin_client):
    offering = OfferingFactory(
        provider__keurmerk_status="NONE", provider__keurmerk_valid_until=None
    )
    offering.save_revision().publish()
    response = _edit(admin_client, offering, duo_loan_eligible="on")
    assert response.status_code == 200
    assert "Keurmerk Inburgeren" in response.content.decode()
    offering.refresh_from_db()
    assert not offering.duo_loan_eligible
    assert offering.revisions.count() == 1


# Money is typed and read in euros, stored in cents ---------------------------------------------


def test_the_price_is_shown_in_euros_and_a_price_typed_in_euros_is_stored_in_cents(admin_client):
    offering = OfferingFactory(price_cents=780000)
    offering.save_revision().publish()
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    page = admin_client.get(url).content.decode()
    assert 'name="price_cents" value="7.800,00"' in page  # the admin speaks Dutch by default
    assert "(in centen)" not in page

    response = _edit(admin_client, offering, price_cents="€ 7.600,50")
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.latest_revision.as_object().price_cents == 760050


def test_a_price_that_is_not_an_amount_is_refused_in_the_admins_language(admin_client):
    offering = OfferingFactory(price_cents=780000)
    offering.save_revision().publish()
    response = _edit(admin_client, offering, price_cents="zeven")
    assert response.status_code == 200
    dutch = "Vul een bedrag in euro\u2019s in met hoogstens twee decimalen"
    assert dutch in response.content.decode()

    profile = UserProfile.get_for_user(get_user_model().objects.get(username="admin"))
    profile.preferred_language = "en"
    profile.save()
    response = _edit(admin_client, offering, price_cents="-100")
    assert response.status_code == 200
    assert "The amount cannot be negative." in response.content.decode()
    assert offering.revisions.count() == 1


def test_the_comparison_of_two_revisions_shows_the_prices_in_euros(admin_client):
    offering = OfferingFactory(price_cents=780000, childcare=False)
    first = offering.save_revision()
    first.publish()
    _edit(admin_client, offering, price_cents="7600", childcare="on")
    offering.refresh_from_db()
    second = offering.latest_revision
    url = (
        f"/admin/snippets/providers/offering/history/{offering.pk}/revisions/compare/"
        f"{first.pk}...{second.pk}/"
    )
    page = admin_client.get(url).content.decode()
    assert '<span class="deletion">€ 7.800,-</span> → <span class="addition">€ 7.600,-</span>' in (
        page
    )
    assert '<span class="deletion">Nee</span> → <span class="addition">Ja</span>' in page
    assert "780000" not in page


def test_the_listing_and_the_inspect_page_say_yes_no_and_nothing_in_words(admin_client):
    OfferingFactory(title="Gepubliceerd").save_revision().publish()
    OfferingFactory(title="Concept", live=False)
    listing = admin_client.get("/admin/snippets/providers/offering/").content.decode()
    cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", listing)
    assert "Ja" in cells and "Nee" in cells
    assert "True" not in cells and "False" not in cells

    provider = ProviderFactory(keurmerk_status="NONE", keurmerk_valid_until=None, is_active=True)
    page = admin_client.get(f"/admin/snippets/providers/provider/inspect/{provider.pk}/")
    values = re.findall(r"<dd>\s*(.*?)\s*</dd>", page.content.decode(), flags=re.S)
    assert "Ja" in values and "—" in values
    assert "None" not in values and "True" not in values
