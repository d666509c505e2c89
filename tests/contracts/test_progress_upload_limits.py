"""Spreadsheet uploads as denial of service (issue 14, finding 4), attendance upload: every hostile
file is refused through the admin's upload page within seconds, with a message that names the
limit, and nothing is saved; files within ``progress_upload.attendance_limits()`` still upload.
The limits and readers are those of the offerings import (``portal.core.tabular``)."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import time

import pytest
from django.test import Client
from django.utils import timezone, translation

from contracts import progress_upload, referrals
from contracts.models import AuditEntry, MonthlyAttendance
from tests.contracts.factories import LearnerFactory, LotFactory
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers import hostile_spreadsheets as hostile

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/referrals/attendance-upload/"
# The target is 2 s; the bound is generous so that a busy CI machine does not fail the test.
SECONDS = 5.0
LAST_MONTH = progress_upload.previous_month(timezone.localdate())
# These two unpack to more than the attendance upload's 20 MB before their rows or columns count.
REFUSED_HERE_FOR = {"xlsx_wide": hostile.UNPACKED, "xlsx_million_rows": hostile.UNPACKED}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def lot(haarlem):
    return LotFactory(contract__municipalities=[haarlem])


@pytest.fixture
def staff(lot):
    return provider_staff(lot.contract.provider)


@pytest.fixture
def placement(lot, klantmanager):
    learner = LearnerFactory(
        municipality=klantmanager.municipality,
        route="B1_ROUTE",
        pip_date=timezone.localdate() - datetime.timedelta(days=120),
    )
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    referrals.referral_send(referral=referral, actor=klantmanager)
    provider = provider_staff(lot.contract.provider)
    referrals.referral_accept(referral=referral, actor=provider)
    referrals.referral_start(referral=referral, actor=provider, started_on=LAST_MONTH)
    referral.refresh_from_db()
    return referral


def csv_of(rows, header=progress_upload.COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells.get(code, "") for code in header])
    return buffer.getvalue().encode()


def month_row(referral) -> dict[str, str]:
    return {
        "referral_number": str(referral.pk),
        "month": f"{LAST_MONTH:%Y-%m}",
        "hours_offered": "32",
        "hours_attended": "28",
        "absence_reason": "ILLNESS",
    }


def saved() -> tuple[int, int]:
    return MonthlyAttendance.objects.count(), AuditEntry.objects.count()


@functools.cache
def built(name: str) -> bytes:
    file = next(file for file in hostile.HOSTILE_FILES if file.name == name)
    return file.build(progress_upload.MAX_BYTES, progress_upload.COLUMNS)


def timed_post(user, data: bytes, file_name: str):
    client = login_staff_in_english(Client(), user)
    upload = io.BytesIO(data)
    upload.name = file_name
    started = time.perf_counter()
    response = client.post(UPLOAD, {"file": upload})
    return response, time.perf_counter() - started


def file_errors(response) -> str:
    return " ".join(response.context["form"].errors.get("file", []))


@pytest.mark.parametrize("file", hostile.HOSTILE_FILES, ids=lambda file: file.name)
def test_a_hostile_file_is_refused_quickly_with_its_limit_named_and_nothing_saved(
    staff, placement, file
):
    before = saved()
    response, seconds = timed_post(staff, built(file.name), file.file_name)
    assert response.status_code == 200
    refused_for = REFUSED_HERE_FOR.get(file.name, file.refused_for)
    limits = progress_upload.attendance_limits()
    assert hostile.message(refused_for, limits) in file_errors(response)
    assert saved() == before
    assert seconds < SECONDS, f"{file.name} took {seconds:.1f} s"


def test_the_attendance_upload_has_its_own_column_limit(staff, placement):
    at_limit = [*progress_upload.COLUMNS, *(f"notes_{n}" for n in range(25))]
    assert len(at_limit) == progress_upload.MAX_COLUMNS
    response, _seconds = timed_post(staff, csv_of([month_row(placement)], at_limit), "a.csv")
    assert response.status_code == 302, file_errors(response)
    assert MonthlyAttendance.objects.count() == 1
    over = [*at_limit, "one_more"]
    response, _seconds = timed_post(staff, csv_of([month_row(placement)], over), "a.csv")
    assert "more than 30 columns" in file_errors(response)


def test_a_workbook_declaring_a_million_rows_but_holding_one_uploads_quickly(staff, placement):
    values = month_row(placement)
    body = hostile.header_row(progress_upload.COLUMNS) + hostile.text_row(
        2, [values[code] for code in progress_upload.COLUMNS]
    )
    data = hostile.workbook(hostile.sheet(body, dimension=b"A1:XFD1048576"))
    response, seconds = timed_post(staff, data, "a.xlsx")
    assert response.status_code == 302, file_errors(response)
    assert MonthlyAttendance.objects.get().referral == placement
    assert seconds < SECONDS
