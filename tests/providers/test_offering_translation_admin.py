"""Provider staff write an offering's text in other languages in the offering's own admin form;
the translation is part of the revision and waits for approval like the Dutch text."""

import pytest
from wagtail.test.utils.form_data import querydict_from_html

from providers.models import OfferingTranslation
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    offering = OfferingFactory(title="Avondcursus", reference="AV-1")
    offering.save_revision().publish()
    return offering


def _form(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_translations-TOTAL_FORMS"' in page
    data = querydict_from_html(page, form_id="w-editor-form")
    data["for_statushouders"] = "on"
    data["for_gezinsmigranten"] = "on"
    return data


def test_provider_staff_add_an_english_translation_that_waits_for_approval(client, offering):
    login_staff(client, provider_staff(offering.provider))
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = _form(client, url)
    data.update(
        {
            "translations-TOTAL_FORMS": "1",
            "translations-0-id": "",
            "translations-0-language": "en",
            "translations-0-title": "Evening course",
            "translations-0-summary": "",
            "translations-0-price_includes_other": "",
            "action-submit": "action-submit",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    # Not public before approval: the live row has no translation yet, the revision has it.
    assert not OfferingTranslation.objects.filter(offering=offering).exists()
    offering.refresh_from_db()
    latest = offering.latest_revision.as_object()
    assert [(t.language, t.title) for t in latest.translations.all()] == [("en", "Evening course")]
    offering.latest_revision.publish()
    translation = OfferingTranslation.objects.get(offering=offering)
    assert (translation.language, translation.title) == ("en", "Evening course")


def test_two_translations_into_one_language_are_refused(client, offering):
    login_staff(client, provider_staff(offering.provider))
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = _form(client, url)
    data["translations-TOTAL_FORMS"] = "2"
    for number, title in enumerate(("Evening course", "Night course")):
        data.update(
            {
                f"translations-{number}-id": "",
                f"translations-{number}-language": "en",
                f"translations-{number}-title": title,
            }
        )
    response = client.post(url, data)
    assert response.status_code == 200
    assert offering.revisions.count() == 1
