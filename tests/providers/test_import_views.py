"""The spreadsheet import in the Wagtail admin (providers/import_views.py)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from wagtail.models import Revision

from portal.accounts.models import Role, User
from providers.models import Offering, OfferingImport, StartMoment
from providers.spreadsheets import COLUMN_CODES
from tests.portal.helpers import login_staff
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    contract_manager_create,
    provider_staff_create,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"offering_import:{name}", args=args)


@pytest.fixture
def provider():
    return ProviderFactory(name="Taalhuis Haarlem")


@pytest.fixture
def location(provider):
    return LocationFactory(provider=provider, name="Centrum")


@pytest.fixture
def staff_client(client, provider):
    return login_staff(client, provider_staff_create(provider=provider))


@pytest.fixture
def manager_client(client):
    return login_staff(client, contract_manager_create())


def row(**cells: str) -> dict[str, str]:
    base = {
        "offering_reference": "B1-01",
        "title": "B1-route overdag",
        "component": "B1_ROUTE",
        "for_statushouders": "ja",
        "for_gezinsmigranten": "ja",
        "hours_total": "400",
        "schedule": "DAYTIME",
        "start_reference": "A",
        "starts_on": "2027-02-01",
        "ends_on": "2027-07-01",
        "location": "Centrum",
        "seats": "12",
    }
    base.update(cells)
    return base


def csv_file(rows, name: str = "aanbod.csv") -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_CODES)
    for cells in rows:
        writer.writerow([cells.get(code, "") for code in COLUMN_CODES])
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = name
    return upload


def written() -> tuple[int, int, int, int]:
    return (
        Offering.objects.count(),
        StartMoment.objects.count(),
        Revision.objects.count(),
        OfferingImport.objects.count(),
    )


def post_file(client, provider, upload, follow: bool = False):
    return client.post(url("upload"), {"provider": provider.pk, "file": upload}, follow=follow)


# Who may use it --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(url("upload"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_import_rights_are_turned_away(client):
    editor = User.objects.create_user(
        username="editor", email="editor@example.org", password="x", role=Role.SITE_EDITOR
    )
    login_staff(client, editor)
    for address in (url("upload"), url("template", "csv")):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")


def test_staff_with_one_provider_get_no_provider_choice(staff_client, provider):
    response = staff_client.get(url("upload"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["provider"].widget.is_hidden
    html = response.content.decode()
    assert url("export", provider.pk, "xlsx") in html
    assert url("export", provider.pk, "csv") in html
    assert f"{url('template', 'xlsx')}?provider={provider.pk}" in html


def test_contract_managers_choose_the_provider(manager_client, provider):
    other = ProviderFactory(name="Anders Leren")
    response = manager_client.get(url("upload"))
    html = response.content.decode()
    assert not response.context["form"].fields["provider"].widget.is_hidden
    assert "Anders Leren" in html
    assert url("export", other.pk, "csv") not in html  # no provider chosen yet
    response = manager_client.get(url("upload"), {"provider": other.pk})
    assert url("export", other.pk, "csv") in response.content.decode()


def test_another_providers_id_is_not_found(staff_client, provider):
    other = ProviderFactory()
    assert staff_client.get(url("upload"), {"provider": other.pk}).status_code == 404
    assert staff_client.get(url("export", other.pk, "csv")).status_code == 404
    assert staff_client.get(url("template", "csv"), {"provider": other.pk}).status_code == 404
    before = written()
    response = post_file(staff_client, other, csv_file([row()]))
    assert response.status_code == 404
    assert written() == before


def test_another_users_batch_is_not_found(client, staff_client, provider, location):
    post_file(staff_client, provider, csv_file([row()]))
    batch = OfferingImport.objects.get()
    colleague = provider_staff_create(provider=provider, username="colleague")
    client.logout()
    login_staff(client, colleague)
    assert client.get(url("preview", batch.pk)).status_code == 404
    assert client.post(url("apply", batch.pk)).status_code == 404
    assert not Offering.objects.exists()


# Downloads -------------------------------------------------------------------------------------


def test_template_downloads(staff_client, provider, location):
    response = staff_client.get(url("template", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == list(COLUMN_CODES)
    assert workbook.worksheets[0].cell(row=2, column=COLUMN_CODES.index("location") + 1).value == (
        "Centrum"
    )

    response = staff_client.get(url("template", "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMN_CODES)


def test_an_unknown_file_format_is_not_found(staff_client, provider):
    assert staff_client.get(url("template", "ods")).status_code == 404
    assert staff_client.get(url("export", provider.pk, "pdf")).status_code == 404


def test_export_escapes_formulas(staff_client, provider):
    OfferingFactory(provider=provider, reference="R1", title='=HYPERLINK("http://x")')
    response = staff_client.get(url("export", provider.pk, "csv"))
    assert response.status_code == 200
    assert provider.slug in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


# Upload, errors, preview, apply ----------------------------------------------------------------


def test_a_file_with_errors_shows_every_error_and_changes_nothing(staff_client, provider, location):
    before = written()
    response = post_file(
        staff_client,
        provider,
        csv_file([row(component="B3"), row(start_reference="B", seats="veel")]),
    )
    assert response.status_code == 200
    assert written() == before
    errors = [(e["row"], e["column"], e["value"]) for e in response.context["errors"]]
    assert errors == [(2, "component", "B3"), (3, "seats", "veel")]
    html = response.content.decode()
    assert "<td>veel</td>" in html


def test_html_in_cells_is_shown_escaped_on_the_error_page(staff_client, provider, location):
    response = post_file(staff_client, provider, csv_file([row(seats="<script>alert(2)</script>")]))
    html = response.content.decode()
    assert "<script>alert(2)</script>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("aanbod.xls", b"a,b\n", "alleen met .xlsx- en .csv-bestanden"),
        ("aanbod.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "geen Excel-werkmap"),
        ("aanbod.csv", b"\x00\x01\x02\x03" * 100, "geen CSV-bestand"),
        ("aanbod.csv", "titel;café\n".encode("cp1252"), "CSV UTF-8"),
        (
            "aanbod.csv",
            b"offering_reference,title\nA,B\n",
            "ontbreken in de kopregel (rij 1): component",
        ),
        ("aanbod.csv", b"", "leeg"),
        ("aanbod.csv", ",".join(COLUMN_CODES).encode() + b"\n", "geen rijen"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(staff_client, provider, name, content, message):
    upload = io.BytesIO(content)
    upload.name = name
    before = written()
    response = post_file(staff_client, provider, upload)
    assert response.status_code == 200
    assert written() == before
    assert message in " ".join(response.context["form"].errors["file"])


def test_a_file_over_the_size_limit_is_refused(staff_client, provider, settings):
    settings.IMPORT_MAX_BYTES = 100
    before = written()
    response = post_file(staff_client, provider, csv_file([row()]))
    assert written() == before
    assert "MB" in " ".join(response.context["form"].errors["file"])


def test_preview_then_apply_as_provider_staff(staff_client, provider, location):
    existing = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    existing.save_revision().publish()
    response = post_file(
        staff_client,
        provider,
        csv_file([row(title="<script>alert(1)</script>"), row(offering_reference="NEW-1")]),
    )
    batch = OfferingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("preview", batch.pk)

    response = staff_client.get(url("preview", batch.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert response.context["counts"]["offerings"] == {"new": 1, "changed": 1, "unchanged": 0}
    assert url("apply", batch.pk) in html
    assert "csrfmiddlewaretoken" in html
    assert not Offering.objects.filter(reference="NEW-1").exists()

    assert staff_client.get(url("apply", batch.pk)).status_code == 405
    response = staff_client.post(url("apply", batch.pk))
    assert response.status_code == 302
    assert response["Location"] == url("applied", batch.pk)
    response = staff_client.get(url("applied", batch.pk))
    assert response.context["result"]["offerings_created"] == 1
    assert response.context["result"]["offerings_changed"] == 1
    existing.refresh_from_db()
    assert existing.title == "Oud"  # waits for approval
    assert existing.get_latest_revision_as_object().title == "<script>alert(1)</script>"
    assert StartMoment.objects.filter(offering=existing, reference="A").exists()
    # The preview of an applied batch shows what was done.
    assert staff_client.get(url("preview", batch.pk))["Location"] == url("applied", batch.pk)


def test_apply_as_contract_manager_publishes(manager_client, provider, location):
    post_file(manager_client, provider, csv_file([row()]))
    batch = OfferingImport.objects.get()
    manager_client.post(url("apply", batch.pk))
    offering = Offering.objects.get()
    assert offering.live
    assert offering.title == "B1-route overdag"


def test_applying_twice_changes_nothing(manager_client, provider, location):
    post_file(manager_client, provider, csv_file([row()]))
    batch = OfferingImport.objects.get()
    manager_client.post(url("apply", batch.pk))
    before = written()
    response = manager_client.post(url("apply", batch.pk))
    assert response["Location"] == url("applied", batch.pk)
    assert written() == before


def test_uploading_the_same_file_again_shows_nothing_to_do(manager_client, provider, location):
    for _ in range(2):
        post_file(manager_client, provider, csv_file([row()]))
        batch = OfferingImport.objects.latest("pk")
        response = manager_client.get(url("preview", batch.pk))
        manager_client.post(url("apply", batch.pk))
    assert response.context["nothing_to_do"]
    assert "verwerken zou niets veranderen" in response.content.decode()


def test_a_stale_preview_is_refused_with_a_message(manager_client, provider, location):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    post_file(manager_client, provider, csv_file([row(title="Nieuw")]))
    batch = OfferingImport.objects.get()
    offering.title = "Intussen"
    offering.save()
    response = manager_client.post(url("apply", batch.pk), follow=True)
    offering.refresh_from_db()
    assert offering.title == "Intussen"
    assert not StartMoment.objects.exists()
    assert any("veranderd sinds u dit bestand" in str(m) for m in response.context["messages"])
