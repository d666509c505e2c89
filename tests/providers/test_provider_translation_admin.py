"""Provider staff write their cancellation terms in other languages in the provider's own
admin form (``ProviderViewSet``, an inline of ``ProviderTranslation``)."""

import pytest
from wagtail.test.utils.form_data import querydict_from_html

from providers.models import ProviderTranslation
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

ARABIC = "يمكنك الإلغاء حتى أسبوعين قبل البداية."


@pytest.fixture
def provider():
    return ProviderFactory(cancellation_terms="Annuleren kan tot twee weken voor de start.")


def _form(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_translations-TOTAL_FORMS"' in page
    return querydict_from_html(page, form_id="w-editor-form")


def _url(provider) -> str:
    return f"/admin/snippets/providers/provider/edit/{provider.pk}/"


def test_a_provider_administrator_adds_and_changes_arabic_terms(client, provider):
    login_staff(client, provider_staff(provider, admin=True))
    data = _form(client, _url(provider))
    data.update(
        {
            "translations-TOTAL_FORMS": "1",
            "translations-0-id": "",
            "translations-0-language": "ar",
            "translations-0-cancellation_terms": ARABIC,
        }
    )
    response = client.post(_url(provider), data)
    assert response.status_code == 302
    translation = ProviderTranslation.objects.get(provider=provider)
    assert (translation.language, translation.cancellation_terms) == ("ar", ARABIC)

    # The form shows the saved translation; changing it changes the one row.
    data = _form(client, _url(provider))
    assert data["translations-0-cancellation_terms"].strip() == ARABIC
    data["translations-0-cancellation_terms"] = "شروط جديدة"
    assert client.post(_url(provider), data).status_code == 302
    assert list(
        ProviderTranslation.objects.filter(provider=provider).values_list(
            "language", "cancellation_terms"
        )
    ) == [("ar", "شروط جديدة")]


def test_two_translations_into_one_language_are_refused(client, provider):
    login_staff(client, provider_staff(provider, admin=True))
    data = _form(client, _url(provider))
    data["translations-TOTAL_FORMS"] = "2"
    for number, terms in enumerate((ARABIC, "شروط أخرى")):
        data.update(
            {
                f"translations-{number}-id": "",
                f"translations-{number}-language": "ar",
                f"translations-{number}-cancellation_terms": terms,
            }
        )
    response = client.post(_url(provider), data)
    assert response.status_code == 200
    assert not ProviderTranslation.objects.exists()


def test_staff_of_another_provider_cannot_reach_the_form(client, provider):
    login_staff(client, provider_staff(ProviderFactory(), admin=True))
    assert client.get(_url(provider)).status_code in (403, 404)
    assert client.post(_url(provider), {"translations-TOTAL_FORMS": "0"}).status_code in (403, 404)
    assert not ProviderTranslation.objects.exists()
