"""The dashboard's downloads through the admin's own views (``contracts.admin.exports``): small
ones at once, large ones asked for by POST and made in the background, the page of one's own
exports, and the file for the person who asked and for nobody else."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from contracts.models import ExportState, Referral, ReferralState, ReportExport
from contracts.reporting import ReportFilter, large_exports
from portal.accounts.models import Role
from portal.core.media import media_storages
from tests.contracts.factories import LearnerFactory, LotFactory
from tests.contracts.reporting.test_report_filter_form import fuzz, queries
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.portal.s3 import anonymous_get
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

EXPORT = "/admin/dashboard/export/"
LIST = "/admin/dashboard/exports/"
ALL_YEARS = {"from": "2000-01-01", "until": "2100-01-01"}


def download_url(export: ReportExport) -> str:
    return f"{LIST}{export.pk}/download/"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, **media_storages(media="local")}


@pytest.fixture
def small_limits(monkeypatch):
    """Downloads of more than 2 rows go to the background (5,000 and 20,000 in earnest)."""
    monkeypatch.setattr(large_exports, "DIRECT_ROWS_MAX", {"csv": 2, "xlsx": 2})


@pytest.fixture
def placements(haarlem, velsen) -> list[Referral]:
    """Four referrals sent today, three of Haarlem, one of Velsen."""
    lot = LotFactory(contract__provider=ProviderFactory(name="=Evil Taal"))
    now = timezone.now()
    return [
        Referral.objects.create(
            learner=LearnerFactory(municipality=municipality),
            lot=lot,
            state=ReferralState.SENT,
            sent_at=now,
            answer_due=timezone.localdate() + datetime.timedelta(days=7),
        )
        for municipality in (haarlem, haarlem, haarlem, velsen)
    ]


def as_user(user, **kwargs) -> Client:
    return login_staff_in_english(Client(**kwargs), user)


@pytest.fixture
def manager() -> Client:
    return as_user(UserFactory(role=Role.CONTRACT_MANAGER))


def ask_for(client: Client, capture, *, name="placements", file_format="xlsx", query=None):
    """POST the download's form as the page's button does; the task runs after the commit."""
    query = ALL_YEARS if query is None else query
    with capture(execute=True):
        return client.post(f"{EXPORT}{name}.{file_format}?" + _encode(query))


def _encode(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


# --- Small and large ---------------------------------------------------------------------------


def test_a_small_download_still_comes_at_once(media, placements, manager):
    response = manager.get(f"{EXPORT}placements.csv", ALL_YEARS)
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert len(rows) == 5
    assert not ReportExport.objects.exists()


def test_a_large_download_offers_to_be_made_in_the_background_by_a_post_with_csrf(
    media, small_limits, placements
):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    client = as_user(user, enforce_csrf_checks=True)
    response = client.get(f"{EXPORT}placements.xlsx", ALL_YEARS)
    assert response.status_code == 200 and not response.streaming
    page = response.content.decode()
    assert "has 4 rows with this selection" in page
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert "Make the XLSX file" in page and "Make a CSV file instead" in page
    assert f'formaction="{EXPORT}placements.csv?from=2000-01-01&amp;until=2100-01-01"' in page
    # A GET asks for nothing; a POST without the form's token is refused.
    assert not ReportExport.objects.exists()
    assert client.post(f"{EXPORT}placements.xlsx?from=2000-01-01").status_code == 403
    assert not ReportExport.objects.exists()


def test_beyond_a_sheet_only_csv_is_offered(media, small_limits, placements, manager, monkeypatch):
    from contracts.reporting import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 4)  # the header and 3 rows
    page = manager.get(f"{EXPORT}placements.xlsx", ALL_YEARS).content.decode()
    assert 'id="export-csv-only"' in page
    assert "Make the CSV file" in page and "XLSX file" not in page


def test_the_asker_gets_the_file_from_the_list_of_their_exports(
    media, small_limits, placements, manager, django_capture_on_commit_callbacks
):
    response = ask_for(manager, django_capture_on_commit_callbacks)
    export = ReportExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#export-{export.pk}"
    assert export.state == ExportState.DONE
    listing = manager.get(LIST).content.decode()
    assert f'id="export-{export.pk}"' in listing and 'data-state="done"' in listing
    assert "The file is being made." in listing  # the message of the POST
    assert f'href="{download_url(export)}"' in listing
    file = manager.get(download_url(export))
    assert file.status_code == 200
    assert file["Content-Disposition"].startswith('attachment; filename="placements-')
    assert "private" in file["Cache-Control"] and "no-store" in file["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(body(file))).active.iter_rows(values_only=True))
    assert len(rows) == 5 and rows[1][2] == "'=Evil Taal"


def test_a_table_of_the_dashboard_too(
    media, small_limits, placements, manager, django_capture_on_commit_callbacks
):
    ask_for(manager, django_capture_on_commit_callbacks, name="funnel", file_format="csv")
    export = ReportExport.objects.get()
    text = body(manager.get(download_url(export))).decode("utf-8-sig")
    assert text.startswith("Provider,Sent,Accepted")


def test_a_waiting_export_shows_its_progress_and_a_way_to_check_again(media, manager):
    user = manager.session["_auth_user_id"]
    ReportExport.objects.create(
        user_id=user,
        table="placements",
        title="All placements",
        file_format="xlsx",
        figures_on=timezone.localdate(),
        language="en",
        download_name="placements.xlsx",
        state=ExportState.RUNNING,
        rows_total=300_000,
        rows_written=75_000,
    )
    page = manager.get(LIST).content.decode()
    assert 'value="25"' in page and "75,000 of 300,000 rows" in page
    assert "data-unfinished" in page and "Check again" in page
    assert "contracts/exports.js" in page
    # The script fetches the list alone.
    fragment = manager.get(LIST, {"list": "1"}).content.decode()
    assert fragment.lstrip().startswith('<div id="exports-list"')


def test_a_failed_export_says_why_in_plain_words(media, manager):
    ReportExport.objects.create(
        user_id=manager.session["_auth_user_id"],
        table="placements",
        title="All placements",
        file_format="xlsx",
        figures_on=timezone.localdate(),
        language="en",
        download_name="placements.xlsx",
        state=ExportState.FAILED,
        error="storage",
        error_detail="NotADirectoryError: [Errno 20]",
    )
    page = manager.get(LIST).content.decode()
    assert "The file could not be stored." in page
    assert "Ask for the download again" in page and "NotADirectoryError" in page
    assert "data-unfinished" not in page


# --- Who gets what -----------------------------------------------------------------------------


@pytest.fixture
def made_export(media, small_limits, placements, manager, django_capture_on_commit_callbacks):
    ask_for(manager, django_capture_on_commit_callbacks)
    export = ReportExport.objects.get()
    assert manager.get(download_url(export)).status_code == 200
    return export


@pytest.mark.parametrize(
    "who", ["another contract manager", "klantmanager", "provider", "superuser", "site editor"]
)
def test_nobody_else_gets_the_file_or_sees_it_listed(made_export, placements, haarlem, who):
    user = {
        "another contract manager": lambda: UserFactory(role=Role.CONTRACT_MANAGER),
        "klantmanager": lambda: UserFactory(role=Role.CASE_MANAGER, municipality=haarlem),
        "provider": lambda: provider_staff(placements[0].lot.contract.provider),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "site editor": lambda: UserFactory(role=Role.SITE_EDITOR),
    }[who]()
    client = as_user(user)
    for method in (client.get, client.post):
        response = method(download_url(made_export))
        assert response.status_code == 404, method
        assert b"PK" not in body(response)[:2]
    listing = client.get(LIST)
    if who in ("provider", "site editor"):
        assert listing.status_code in (302, 403)
    else:
        assert listing.status_code == 200
        assert f"export-{made_export.pk}" not in listing.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(made_export):
    client = Client()
    for url in (download_url(made_export), LIST, f"{EXPORT}placements.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    assert client.post(f"{EXPORT}placements.xlsx").status_code == 302


def test_the_asker_who_lost_the_dashboard_no_longer_gets_the_file(made_export, manager):
    made_export.user.role = Role.SITE_EDITOR
    made_export.user.save()
    assert manager.get(download_url(made_export)).status_code in (302, 403, 404)


def test_a_file_that_is_gone_is_not_found(made_export, manager):
    from django.core.files.storage import default_storage

    default_storage.delete(made_export.file_name)
    assert manager.get(download_url(made_export)).status_code == 404


def test_an_unknown_or_unready_export_is_not_found(media, manager):
    export = ReportExport.objects.create(
        user_id=manager.session["_auth_user_id"],
        table="placements",
        title="All placements",
        file_format="csv",
        figures_on=timezone.localdate(),
        language="en",
        download_name="placements.csv",
    )
    assert manager.get(download_url(export)).status_code == 404
    assert manager.get(f"{LIST}{export.pk + 1}/download/").status_code == 404
    assert manager.get(f"{LIST}{'9' * 30}/download/").status_code == 404


@pytest.mark.parametrize("role", ["provider", "site editor", "auditor"])
def test_who_may_not_see_the_dashboard_cannot_start_an_export(
    media, small_limits, placements, django_capture_on_commit_callbacks, role
):
    user = {
        "provider": lambda: provider_staff(placements[0].lot.contract.provider),
        "site editor": lambda: UserFactory(role=Role.SITE_EDITOR),
        "auditor": lambda: UserFactory(role=Role.AUDITOR),
    }[role]()
    client = as_user(user)
    assert client.get(f"{EXPORT}placements.xlsx", ALL_YEARS).status_code in (302, 403)
    response = ask_for(client, django_capture_on_commit_callbacks)
    assert response.status_code in (302, 403)
    assert not ReportExport.objects.exists()


def test_a_klantmanager_asks_for_their_own_municipality_only(
    media, small_limits, placements, haarlem, velsen, django_capture_on_commit_callbacks
):
    client = as_user(UserFactory(role=Role.CASE_MANAGER, municipality=haarlem))
    refused = ask_for(
        client,
        django_capture_on_commit_callbacks,
        file_format="csv",
        query={**ALL_YEARS, "municipality": velsen.pk},
    )
    assert refused.status_code == 400
    assert "You see the figures of your own municipality only." in refused.content.decode()
    ask_for(client, django_capture_on_commit_callbacks, file_format="csv")
    export = ReportExport.objects.get()
    rows = list(csv.reader(io.StringIO(body(client.get(download_url(export))).decode("utf-8-sig"))))
    assert {row[1] for row in rows[1:]} == {"Haarlem"}


def test_a_fourth_export_at_once_is_refused_with_the_reason(
    media, small_limits, placements, manager
):
    # Without the commit's callbacks the tasks never run: the exports stay waiting.
    for name in ("placements", "funnel", "outcomes"):
        assert manager.post(f"{EXPORT}{name}.xlsx?from=2000-01-01").status_code == 302
    response = manager.post(f"{EXPORT}attendance.xlsx?from=2000-01-01")
    assert response.status_code == 400
    assert "You have 3 exports being made." in response.content.decode()
    assert ReportExport.objects.count() == 3


# --- The list ----------------------------------------------------------------------------------


def _exports(user, count: int, haarlem) -> None:
    ReportExport.objects.bulk_create(
        ReportExport(
            user=user,
            table="placements",
            title="All placements",
            file_format="csv",
            query=ReportFilter(municipality_id=haarlem.pk, component="PVT").to_query(),
            figures_on=timezone.localdate(),
            language="en",
            download_name="placements.csv",
            state=ExportState.DONE,
            file_name=f"exports/{number}.csv",
            file_size=10,
            rows_total=3,
            rows_written=3,
        )
        for number in range(count)
    )


def test_the_list_is_newest_first_paginated_and_takes_the_same_queries_for_more(
    media, manager, haarlem, django_assert_max_num_queries
):
    user = ReportExport(user_id=manager.session["_auth_user_id"]).user
    _exports(user, 1, haarlem)
    # The admin's own (session, user, menus: 11), the count, the page, the municipalities.
    with django_assert_max_num_queries(14) as few:
        assert manager.get(LIST).status_code == 200
    _exports(user, 44, haarlem)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = manager.get(LIST)
    assert len(page.context["exports"]) == 20
    assert page.context["exports"][0]["selection"] == "Haarlem · Participation statement (PVT)"
    pks = [item["export"].pk for item in page.context["exports"]]
    assert pks == sorted(pks, reverse=True)
    assert "Page 1 of 3" in page.content.decode()
    assert len(manager.get(LIST, {"p": "3"}).context["exports"]) == 5


def test_the_list_is_reachable_from_the_dashboard_and_the_reports_menu(media, manager):
    assert f'href="{LIST}"' in manager.get("/admin/dashboard/").content.decode()
    assert LIST in manager.get("/admin/").content.decode()


# --- Any text ----------------------------------------------------------------------------------


@fuzz(max_examples=40)
@given(
    query=queries,
    method=st.sampled_from(["get", "post"]),
    name=st.sampled_from(["placements", "funnel"]),
    file_format=st.sampled_from(["csv", "xlsx"]),
)
@example(
    query={"municipality": "9" * 5_000, "provider": "\x00"},
    method="post",
    name="placements",
    file_format="xlsx",
)
def test_any_filter_on_an_export_gives_a_file_a_page_or_a_clear_error_never_a_500(
    media,
    small_limits,
    placements,
    manager,
    django_capture_on_commit_callbacks,
    query,
    method,
    name,
    file_format,
):
    ReportExport.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(manager, method)(f"{EXPORT}{name}.{file_format}?" + _encode(query))
    errors = ReportFilter.from_query(query).error_messages
    text = body(response)
    if method == "post":
        if errors:
            assert response.status_code == 400
            assert b"Some values of the selection cannot be used" in text
            assert not ReportExport.objects.exists()
        else:
            assert response.status_code == 302
            assert ReportExport.objects.get().state == ExportState.DONE
    else:
        assert response.status_code == 200
        if errors:  # a large one: the page names what cannot be used
            assert response.streaming or b"Some values of the selection cannot be used" in text


# --- In an S3 bucket ---------------------------------------------------------------------------


def test_an_export_is_stored_in_the_private_part_of_the_bucket_and_downloaded_through_the_portal(
    s3_bucket, small_limits, placements, manager, django_capture_on_commit_callbacks
):
    ask_for(manager, django_capture_on_commit_callbacks, file_format="csv")
    export = ReportExport.objects.get()
    assert export.state == ExportState.DONE
    key = f"private/{export.file_name}"
    assert s3_bucket.keys() == [key] and key.startswith("private/exports/")
    status, _body = anonymous_get(s3_bucket.object_url(key))
    assert status == 403  # the bucket never hands it out by its address
    response = manager.get(download_url(export))
    assert response.status_code == 200
    data = body(response)
    assert data == s3_bucket.read(key) and len(data) == export.file_size
    assert data.decode("utf-8-sig").count("\n") == 5
    other = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    assert other.get(download_url(export)).status_code == 404
