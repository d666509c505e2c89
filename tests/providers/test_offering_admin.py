"""Offerings are edited in the Wagtail admin as drafts; the public reads only what is published."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import querydict_from_html

from providers.models import Offering
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory

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
