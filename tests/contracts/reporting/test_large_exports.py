"""Large downloads made in the background (``contracts.reporting.large_exports``): the rules,
the task that writes the file with its progress, its retries when the storage fails, and the
weekly purge. The views are tested in ``tests/contracts/admin/test_exports.py``."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from contracts.models import (
    ExportError,
    ExportState,
    Referral,
    ReferralState,
    ReportExport,
)
from contracts.reporting import ReportFilter, exports, large_exports
from contracts.reporting.large_exports import (
    ExportRefused,
    export_in_background,
    formats_offered,
    report_export_request,
    report_exports_purge,
    xlsx_possible,
)
from portal.accounts.models import Role
from portal.core.media import media_storages
from portal.core.tasks import failures_listed, tasks_run_due
from tests.contracts.factories import LearnerFactory, LotFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

ALL_YEARS = ReportFilter(date_from=datetime.date(2000, 1, 1), date_until=datetime.date(2100, 1, 1))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """The private storage on a local folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, **media_storages(media="local")}
    return settings.MEDIA_ROOT


def referrals_sent(count: int, *, municipality, lot=None) -> list[Referral]:
    """``count`` referrals sent today (answer due in a week) for learners of ``municipality``."""
    lot = lot or LotFactory(contract__provider=ProviderFactory(name="=HYPERLINK(1)"))
    now = timezone.now()
    return [
        Referral.objects.create(
            learner=LearnerFactory(municipality=municipality),
            lot=lot,
            state=ReferralState.SENT,
            sent_at=now,
            answer_due=timezone.localdate() + datetime.timedelta(days=7),
        )
        for _ in range(count)
    ]


def ask(user, *, name="placements", file_format="xlsx", report_filter=ALL_YEARS, **kwargs):
    return report_export_request(
        user=user,
        name=name,
        file_format=file_format,
        report_filter=report_filter,
        today=timezone.localdate(),
        **kwargs,
    )


def made(export: ReportExport) -> ReportExport:
    export.refresh_from_db()
    return export


def stored(export: ReportExport) -> bytes:
    with default_storage.open(export.file_name, "rb") as opened:
        return opened.read()


# --- The rules ---------------------------------------------------------------------------------


def test_downloads_above_the_direct_limit_of_their_format_go_to_the_background():
    assert not export_in_background(file_format="xlsx", rows=5_000)
    assert export_in_background(file_format="xlsx", rows=5_001)
    assert not export_in_background(file_format="csv", rows=20_000)
    assert export_in_background(file_format="csv", rows=20_001)


def test_xlsx_is_offered_while_the_rows_and_header_fit_in_a_sheet_and_csv_beyond():
    assert xlsx_possible(1_048_575) and not xlsx_possible(1_048_576)
    assert formats_offered(1_048_575) == ["xlsx", "csv"]
    assert formats_offered(1_048_576) == ["csv"]


def test_the_xlsx_writer_refuses_more_rows_than_a_sheet_holds(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    output = io.BytesIO()
    exports.xlsx_write(output, title="t", headers=["a"], rows=[[1], [2]])
    with pytest.raises(exports.TooManyRows):
        exports.xlsx_write(io.BytesIO(), title="t", headers=["a"], rows=[[1], [2], [3]])


# --- Asking and making -------------------------------------------------------------------------


def test_the_task_writes_the_xlsx_with_progress_every_few_rows_not_every_row(
    media, haarlem, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 5)
    sent = referrals_sent(12, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        export, created = ask(manager)
    assert created
    export = made(export)
    assert export.state == ExportState.DONE
    assert (export.rows_total, export.rows_written, export.percent_done) == (12, 12, 100)
    assert export.file_name.startswith("exports/") and export.file_name.endswith(".xlsx")
    assert export.download_name == f"placements-{timezone.localdate():%Y-%m-%d}.xlsx"
    assert export.finished_at and export.attempts == 1 and export.error == ""
    # Running, the total, progress at 5, 10 and the last 12, done: six UPDATEs for 12 rows.
    updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "contracts_reportexport"')
    ]
    assert len(updates) == 6
    data = stored(export)
    assert export.file_size == len(data)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Referral number", "Municipality", "Provider")
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sorted(row[0] for row in rows[1:]) == sorted(referral.pk for referral in sent)
    assert {row[2] for row in rows[1:]} == {"'=HYPERLINK(1)"}  # a formula arrives as text
    assert isinstance(rows[1][7], datetime.datetime)  # sent at: a moment, not a text
    assert isinstance(rows[1][8], datetime.datetime)  # answer due: a date cell


def test_the_csv_made_in_the_background_is_the_csv_downloaded_at_once(
    media, haarlem, django_capture_on_commit_callbacks
):
    referrals_sent(3, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        export, _created = ask(manager, file_format="csv")
    direct = b"".join(
        line.encode()
        for line in exports.csv_lines(
            [str(label) for label in large_exports.reporting.PLACEMENT_EXPORT_LABELS.values()],
            large_exports.reporting.placement_rows(ALL_YEARS),
        )
    )
    assert stored(made(export)) == direct
    assert made(export).rows_written == 3


def test_a_dashboard_table_is_made_in_the_background_with_the_columns_of_its_download(
    media, haarlem, django_capture_on_commit_callbacks
):
    referrals_sent(2, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        export, _created = ask(manager, name="funnel", file_format="csv")
    export = made(export)
    assert export.title == "Referral funnel per provider"
    rows = list(csv.reader(io.StringIO(stored(export).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Provider", "Sent", "Accepted"]
    assert ["'=HYPERLINK(1)", "2"] in [row[:2] for row in rows[1:]]
    assert export.rows_total == len(rows) - 1


def test_a_klantmanagers_export_is_locked_to_their_municipality_when_it_is_made(
    media, haarlem, velsen, django_capture_on_commit_callbacks
):
    lot = LotFactory()
    own = referrals_sent(2, municipality=haarlem, lot=lot)
    referrals_sent(3, municipality=velsen, lot=lot)
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    locked = ReportFilter.from_query(
        {"from": "2000-01-01", "until": "2100-01-01"}, user=klantmanager
    )
    with django_capture_on_commit_callbacks(execute=True):
        export, _created = ask(klantmanager, file_format="csv", report_filter=locked)
    rows = list(csv.reader(io.StringIO(stored(made(export)).decode("utf-8-sig"))))
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(referral.pk for referral in own)


def test_asking_again_while_it_is_made_gives_the_same_export_and_three_at_most(media):
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    first, created = ask(manager)  # the test's transaction never commits: it stays waiting
    again, created_again = ask(manager)
    assert created and not created_again and again.pk == first.pk
    ask(manager, file_format="csv")
    ask(manager, name="funnel")
    with pytest.raises(ExportRefused, match="3 exports being made"):
        ask(manager, name="outcomes")
    assert ReportExport.objects.filter(user=manager).count() == 3
    # Another person is not held up by them.
    assert ask(UserFactory(role=Role.CONTRACT_MANAGER))[1]


def test_who_may_not_see_the_dashboard_cannot_ask_and_nothing_is_enqueued(media):
    for user in (provider_staff(ProviderFactory()), UserFactory(role=Role.SITE_EDITOR)):
        with pytest.raises(ExportRefused):
            ask(user)
    with pytest.raises(ExportRefused):
        ask(UserFactory(role=Role.CONTRACT_MANAGER), name="salaries")
    assert not ReportExport.objects.exists()
    assert not DBTaskResult.objects.filter(task_path__contains="report_export").exists()


def test_a_person_who_lost_the_dashboard_before_the_file_was_made_gets_no_file(
    media, haarlem, django_capture_on_commit_callbacks
):
    referrals_sent(1, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    export, _created = ask(manager)
    manager.role = Role.SITE_EDITOR
    manager.save()
    tasks_run_due()
    export = made(export)
    assert (export.state, export.error, export.file_name) == (
        ExportState.FAILED,
        ExportError.NOT_ALLOWED,
        "",
    )


# --- Failures ----------------------------------------------------------------------------------


def _storage_down(settings, tmp_path) -> None:
    """The private storage's folder cannot be made (a file stands where it should be)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    settings.STORAGES = {**settings.STORAGES, **media_storages(media="local")}


def test_a_storage_that_is_down_is_retried_and_the_export_fails_with_the_reason_after_the_last(
    settings, tmp_path, haarlem, django_capture_on_commit_callbacks
):
    _storage_down(settings, tmp_path)
    referrals_sent(2, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        export, _created = ask(manager)
    export = made(export)
    # The first attempt failed: waiting for the next, with the reason.
    assert (export.state, export.error, export.attempts) == (
        ExportState.WAITING,
        ExportError.STORAGE,
        1,
    )
    assert "NotADirectoryError" in export.error_detail
    tasks_run_due(now=timezone.now() + datetime.timedelta(hours=1))
    export = made(export)
    assert (export.state, export.error, export.attempts) == (
        ExportState.FAILED,
        ExportError.STORAGE,
        large_exports.EXPORT_RETRY.attempts,
    )
    assert export.finished_at is not None and export.file_name == ""
    # ... and the task is in the list of tasks that keep failing, with nothing planned.
    (failure,) = failures_listed().filter(task_path__endswith="report_export_make")
    assert failure.failures == large_exports.EXPORT_RETRY.attempts
    assert failure.next_attempt_at is None


def test_an_export_whose_storage_comes_back_is_made_at_the_next_attempt(
    settings, tmp_path, haarlem, django_capture_on_commit_callbacks
):
    _storage_down(settings, tmp_path)
    referrals_sent(2, municipality=haarlem)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    tasks_run_due()  # what making the test's objects enqueued
    with django_capture_on_commit_callbacks(execute=True):
        export, _created = ask(manager)
    assert made(export).state == ExportState.WAITING
    settings.MEDIA_ROOT = tmp_path / "media"
    assert tasks_run_due(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    export = made(export)
    assert (export.state, export.error, export.attempts, export.rows_written) == (
        ExportState.DONE,
        "",
        2,
        2,
    )
    assert stored(export)[:2] == b"PK"  # a zip: the workbook


# --- Forgetting --------------------------------------------------------------------------------


def _export(user, *, age: datetime.timedelta, state=ExportState.DONE, **fields) -> ReportExport:
    now = timezone.now()
    return ReportExport.objects.create(
        user=user,
        table="placements",
        title="All placements",
        file_format="csv",
        figures_on=timezone.localdate(),
        language="en",
        download_name="placements.csv",
        state=state,
        created_at=now - age,
        **fields,
    )


def test_exports_and_their_files_are_deleted_a_week_after_they_were_asked_for(media):
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    day = datetime.timedelta(days=1)
    old_name = default_storage.save("exports/old.csv", ContentFile(b"a"))
    new_name = default_storage.save("exports/new.csv", ContentFile(b"b"))
    old = _export(manager, age=7 * day + datetime.timedelta(minutes=1), file_name=old_name)
    new = _export(manager, age=7 * day - datetime.timedelta(minutes=1), file_name=new_name)
    # A file an attempt stored before it failed: no export names it.
    orphan = default_storage.save("exports/orphan.xlsx", ContentFile(b"c"))
    eight_days_ago = (timezone.now() - 8 * day).timestamp()
    import os

    os.utime(default_storage.path(orphan), (eight_days_ago, eight_days_ago))
    assert report_exports_purge() == 1
    assert list(ReportExport.objects.values_list("pk", flat=True)) == [new.pk]
    assert not default_storage.exists(old_name) and not default_storage.exists(orphan)
    assert default_storage.exists(new_name)
    assert old.pk not in ReportExport.objects.values_list("pk", flat=True)


def test_an_export_that_stopped_moving_for_hours_shows_as_failed(media):
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    hours = datetime.timedelta(hours=1)
    now = timezone.now()
    stalled = _export(
        manager, age=3 * hours, state=ExportState.RUNNING, progress_at=now - 3 * hours
    )
    moving = _export(manager, age=3 * hours, state=ExportState.RUNNING, progress_at=now - hours)
    waiting = _export(manager, age=hours, state=ExportState.WAITING)
    report_exports_purge(now=now)
    assert (made(stalled).state, made(stalled).error) == (ExportState.FAILED, ExportError.STOPPED)
    assert made(moving).state == ExportState.RUNNING
    assert made(waiting).state == ExportState.WAITING
