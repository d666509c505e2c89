"""The spreadsheet's language columns (``title_en``, ``summary_ar``, ...): optional, one per
language and field; export and upload round trip; an odd value is a row error, not a crash."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation

from providers import spreadsheets
from providers.imports import import_apply, import_check, sheet_read
from providers.models import OfferingImport, OfferingTranslation
from providers.spreadsheets import COLUMN_CODES, REQUIRED_COLUMN_CODES
from tests.portal.helpers import login_staff
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    contract_manager_create,
    provider_staff_create,
)
from tests.providers.test_imports import csv_of, only_error, row, upload, without_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def provider():
    return ProviderFactory(name="Taalhuis Haarlem")


@pytest.fixture
def location(provider):
    return LocationFactory(provider=provider, name="Centrum")


@pytest.fixture
def manager():
    return contract_manager_create()


@pytest.fixture
def staff(provider):
    return provider_staff_create(provider=provider)


def test_the_template_has_a_column_per_language_for_title_and_summary():
    for code in ("title_en", "title_ar", "title_ti", "title_tr", "title_fa", "summary_fa"):
        assert code in COLUMN_CODES
        assert code not in REQUIRED_COLUMN_CODES
    assert "title_nl" not in COLUMN_CODES


def test_language_columns_are_written_and_shown_per_language(provider, location, manager):
    batch = upload(
        provider,
        manager,
        csv_of([row(title_en="B1 route, daytime", summary_ar="اللغة والعمل")]),
    )
    import_apply(batch=batch, user=manager)
    texts = {
        t.language: (t.title, t.summary)
        for t in OfferingTranslation.objects.filter(offering__reference="B1-01")
    }
    assert texts == {"en": ("B1 route, daytime", ""), "ar": ("", "اللغة والعمل")}


def test_export_carries_the_translations_and_uploads_again_without_changes(provider, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01")
    OfferingTranslation.objects.create(
        offering=offering, language="tr", title="B1 kursu", description="<p>Uzun metin</p>"
    )
    exported = spreadsheets.export_csv(provider=provider)
    assert "B1 kursu" in exported.decode("utf-8-sig")
    for data, name in (
        (exported, "e.csv"),
        (spreadsheets.export_xlsx(provider=provider), "e.xlsx"),
    ):
        result = import_check(
            provider=provider, user=manager, sheet=sheet_read(file_name=name, data=data)
        )
        assert result.errors == []
        assert [plan.status for plan in result.plan] == ["unchanged"]


def test_a_changed_translation_is_a_change_and_keeps_what_the_sheet_has_not(provider, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="B1-route overdag")
    offering.save_revision().publish()
    OfferingTranslation.objects.create(
        offering=offering, language="en", title="Old", description="<p>Long text</p>"
    )
    rows = [without_start(title_en="New", hours_per_week="8", summary="Taal en werk")]
    rows[0].update(hours_total=str(offering.hours_total), cefr_from="A1", cefr_to="B1")
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="a.csv", data=csv_of(rows))
    )
    assert result.errors == []
    changes = {c.column: (c.old, c.new) for c in result.plan[0].changes}
    assert changes["title_en"] == ("Old", "New")
    batch = upload(provider, manager, csv_of(rows))
    import_apply(batch=batch, user=manager)
    translation = OfferingTranslation.objects.get(offering=offering, language="en")
    assert (translation.title, translation.description) == ("New", "<p>Long text</p>")


def test_a_file_without_language_columns_leaves_translations_alone(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01")
    OfferingTranslation.objects.create(offering=offering, language="en", title="Kept")
    data = csv_of([row()], header=REQUIRED_COLUMN_CODES)
    batch = upload(provider, manager, data)
    import_apply(batch=batch, user=manager)
    assert OfferingTranslation.objects.get(offering=offering).title == "Kept"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("x" * 201, "at most 200 characters"), ('=HYPERLINK("http://x.test")', "Formulas")],
)
def test_an_odd_value_in_a_language_column_is_a_row_error(
    provider, location, manager, value, reason
):
    result = import_check(
        provider=provider,
        user=manager,
        sheet=sheet_read(file_name="a.csv", data=csv_of([row(title_en=value)])),
    )
    error = only_error(result)
    assert (error.row, error.column) == (2, "title_en")
    assert reason in error.reason


def test_the_upload_page_shows_a_language_column_error_without_a_crash(
    client, provider, location, staff
):
    login_staff(client, staff)
    upload = io.BytesIO(csv_of([row(title_ar="x" * 500)]))
    upload.name = "aanbod.csv"
    response = client.post(
        reverse("offering_import:upload"), {"provider": provider.pk, "file": upload}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "title_ar" in page
    assert "200" in page  # the limit, in the staff member's admin language
    assert not OfferingImport.objects.exists()


def test_provider_staffs_translations_wait_in_the_revision_for_approval(
    provider, location, manager, staff
):
    import_apply(batch=upload(provider, manager, csv_of([row()])), user=manager)
    offering = provider.offerings.get(reference="B1-01")
    assert offering.live
    import_apply(batch=upload(provider, staff, csv_of([row(title_en="Daytime")])), user=staff)
    assert not OfferingTranslation.objects.exists()  # not public before approval
    offering.refresh_from_db()
    offering.latest_revision.publish()
    assert OfferingTranslation.objects.get(offering=offering).title == "Daytime"
