"""Monthly attendance by spreadsheet (contracts.progress_upload, contracts.admin.progress_upload):
every row is saved or none, each problem named by row, column and reason; the template shows
providers only what the referral needs; only provider staff upload, and only for their lots."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from contracts import progress, progress_upload, referrals
from contracts.models import AuditEntry, Learner, MonthlyAttendance, Referral
from portal.accounts.models import Role
from portal.core.tabular.reading import ImportFileError
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

# The day the code under test is given as ``today=``, never read from the clock: the last day of
# a year, so "this month" ends tonight and the month after it is in the next year. The helpers
# that set up referrals read the clock, and accept this day because it lies in the past. The
# admin's views read the clock too: their tests read it themselves, inside the test.
TODAY = datetime.date(2025, 12, 31)
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = progress_upload.previous_month(TODAY)
TWO_MONTHS_AGO = progress_upload.previous_month(LAST_MONTH)
THREE_MONTHS_AGO = progress_upload.previous_month(TWO_MONTHS_AGO)
NEXT_MONTH = (THIS_MONTH + datetime.timedelta(days=32)).replace(day=1)
UPLOAD = "/admin/referrals/attendance-upload/"
TEMPLATE = "/admin/referrals/attendance-upload/template.xlsx"
INBOX = "/admin/referrals/"


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


def _learner(municipality, **fields) -> Learner:
    values = {
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "target_group": "STATUSHOUDER",
        "client_number": "HLM-98765",
        "route": "B1_ROUTE",
        "pip_date": TODAY - datetime.timedelta(days=120),
    }
    return Learner.objects.create(municipality=municipality, **(values | fields))


def _referral(lot, klantmanager, *, state: str = "started", started_on=LAST_MONTH, **learner):
    """A referral of a new learner to ``lot``, moved on to ``state`` by the lot's provider."""
    municipality = klantmanager.municipality
    referral = referrals.referral_create(
        learner=_learner(municipality, **learner), lot=lot, actor=klantmanager
    )
    referrals.referral_send(referral=referral, actor=klantmanager)
    actor = provider_staff(lot.contract.provider)
    if state in {"accepted", "started", "stopped"}:
        referrals.referral_accept(referral=referral, actor=actor)
    if state in {"started", "stopped"}:
        referrals.referral_start(referral=referral, actor=actor, started_on=started_on)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def placement(lot, klantmanager):
    return _referral(lot, klantmanager)


@pytest.fixture
def second(lot, klantmanager):
    return _referral(lot, klantmanager, first_name="Bilal", last_name="Yilmaz")


def row(referral, month=LAST_MONTH, offered="32", attended="28", reason="ILLNESS", **cells):
    number = referral if isinstance(referral, str) else str(referral.pk)
    month_text = month if isinstance(month, str) else f"{month:%Y-%m}"
    return {
        "referral_number": number,
        "month": month_text,
        "hours_offered": offered,
        "hours_attended": attended,
        "absence_reason": reason,
        **cells,
    }


def csv_of(rows, header=progress_upload.COLUMNS, separator=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells.get(code, "") for code in header])
    return buffer.getvalue().encode("utf-8")


def xlsx_of(rows, header=progress_upload.COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for cells in rows:
        sheet.append([cells.get(code) for code in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(user, data: bytes, file_name: str = "aanwezigheid.csv"):
    return progress_upload.attendance_upload(user=user, file_name=file_name, data=data, today=TODAY)


def problems(result) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.reason) for error in result.errors]


def workbook_of(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def all_text(workbook: openpyxl.Workbook) -> str:
    return "\n".join(
        str(cell.value)
        for sheet in workbook.worksheets
        for cells in sheet.iter_rows()
        for cell in cells
        if cell.value is not None
    )


# --- Saving -----------------------------------------------------------------------------------


def test_a_valid_csv_saves_every_row(staff, placement, second):
    result = upload(
        staff,
        csv_of(
            [
                row(placement),
                row(placement, month=THIS_MONTH, offered="12,5", attended="12.5", reason=""),
                row(second, offered="30", attended="30", reason="NONE"),
            ]
        ),
    )
    assert result.saved and (result.created, result.updated) == (3, 0)
    saved = {
        (record.referral_id, record.month): (
            record.hours_offered,
            record.hours_attended,
            record.absence_reason,
            record.reported_by_id,
        )
        for record in MonthlyAttendance.objects.all()
    }
    assert saved == {
        (placement.pk, LAST_MONTH): (Decimal(32), Decimal(28), "ILLNESS", staff.pk),
        (placement.pk, THIS_MONTH): (Decimal("12.5"), Decimal("12.5"), "NONE", staff.pk),
        (second.pk, LAST_MONTH): (Decimal(30), Decimal(30), "NONE", staff.pk),
    }
    audited = AuditEntry.objects.filter(actor=staff, action=AuditEntry.Action.CHANGE)
    assert sorted(audited.values_list("learner_id", "what")) == sorted(
        [
            (placement.learner_id, f"attendance {LAST_MONTH:%Y-%m}"),
            (placement.learner_id, f"attendance {THIS_MONTH:%Y-%m}"),
            (second.learner_id, f"attendance {LAST_MONTH:%Y-%m}"),
        ]
    )


def test_a_valid_workbook_saves_every_row_with_number_and_date_cells(staff, placement):
    data = xlsx_of(
        [
            {
                "referral_number": placement.pk,
                "month": datetime.datetime.combine(LAST_MONTH, datetime.time()),
                "hours_offered": 32,
                "hours_attended": 27.5,
                "absence_reason": "Ziekte",
            }
        ]
    )
    result = upload(staff, data, "aanwezigheid.xlsx")
    assert result.saved and result.created == 1
    record = MonthlyAttendance.objects.get()
    assert (record.month, record.hours_attended, record.absence_reason) == (
        LAST_MONTH,
        Decimal("27.5"),
        "ILLNESS",
    )


@pytest.mark.parametrize("reason", ["ILLNESS", "illness", "Illness", "Ziekte", "ziekte"])
def test_a_reason_may_be_a_code_or_its_dutch_or_english_name(staff, placement, reason):
    assert upload(staff, csv_of([row(placement, reason=reason)])).saved
    assert MonthlyAttendance.objects.get().absence_reason == "ILLNESS"


def test_an_upload_corrects_a_month_recorded_before_in_place(staff, placement, second):
    progress.attendance_record(
        referral=placement,
        actor=staff,
        month=LAST_MONTH,
        hours_offered=Decimal(20),
        hours_attended=Decimal(20),
    )
    result = upload(staff, csv_of([row(placement, attended="18"), row(second)]))
    assert (result.created, result.updated) == (1, 1)
    assert MonthlyAttendance.objects.count() == 2
    corrected = MonthlyAttendance.objects.get(referral=placement)
    assert (corrected.hours_offered, corrected.hours_attended) == (Decimal(32), Decimal(18))


def test_a_placement_that_ended_can_still_be_recorded(lot, klantmanager, staff):
    stopped = _referral(lot, klantmanager, state="started", started_on=TWO_MONTHS_AGO)
    referrals.referral_end(
        referral=stopped, actor=staff, completed=False, ended_on=LAST_MONTH, reason="Moved"
    )
    assert upload(staff, csv_of([row(stopped)])).saved


# --- One bad row: nothing is saved ------------------------------------------------------------


def _another_providers(lot, klantmanager, haarlem):
    other_lot = LotFactory(contract__municipalities=[haarlem])
    return _referral(other_lot, klantmanager, first_name="Elders")


BAD_ROWS = {
    "unknown referral": (
        lambda c: row("999999"),
        "referral_number",
        "None of the referrals to your lots has this number.",
    ),
    "another provider's referral": (
        lambda c: row(_another_providers(c["lot"], c["klantmanager"], c["haarlem"])),
        "referral_number",
        "None of the referrals to your lots has this number.",
    ),
    "not started": (
        lambda c: row(_referral(c["lot"], c["klantmanager"], state="accepted")),
        "referral_number",
        "Record this once the learner has started.",
    ),
    "month in the future": (
        lambda c: row(c["placement"], month=NEXT_MONTH),
        "month",
        "This month has not begun yet.",
    ),
    "month before the start": (
        lambda c: row(c["placement"], month=TWO_MONTHS_AGO),
        "month",
        "The learner had not started yet in this month.",
    ),
    "attended more than offered": (
        lambda c: row(c["placement"], offered="20", attended="21"),
        "hours_attended",
        "Hours attended cannot be more than the hours offered.",
    ),
    "missing absence reason": (
        lambda c: row(c["placement"], reason=""),
        "absence_reason",
        "Give the main reason for the hours missed.",
    ),
    "unknown absence reason": (
        lambda c: row(c["placement"], reason="flu"),
        "absence_reason",
        "Unknown reason. Use one of these codes: NONE (No absence), ILLNESS (Illness),",
    ),
    "duplicate row": (
        lambda c: row(c["placement"], attended="30"),
        "month",
        "Row 2 already gives this month of this referral. Give each month once.",
    ),
    "bad number": (
        lambda c: row(c["placement"], offered="twelve"),
        "hours_offered",
        "Fill in a number of hours, such as 32 or 12.5.",
    ),
    "too many decimals": (
        lambda c: row(c["placement"], offered="32", attended="12.25"),
        "hours_attended",
        "Give the hours with at most one decimal, such as 12.5.",
    ),
    "too many hours": (
        lambda c: row(c["placement"], offered="800", attended="800", reason=""),
        "hours_offered",
        "Give the hours offered in this month (0 to 744).",
    ),
    "bad month": (
        lambda c: row(c["placement"], month="March"),
        "month",
        "Fill in the month as YYYY-MM, such as 2026-03.",
    ),
    "month thirteen": (
        lambda c: row(c["placement"], month="2025-13"),
        "month",
        "Fill in the month as YYYY-MM, such as 2026-03.",
    ),
    "bad referral number": (
        lambda c: row("R-12"),
        "referral_number",
        "Fill in a whole number, such as 12.",
    ),
    "missing referral number": (
        lambda c: row(""),
        "referral_number",
        "Fill in the referral number.",
    ),
}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_one_bad_row_saves_nothing_and_names_row_column_and_reason(
    staff, placement, second, lot, klantmanager, haarlem, kind, file_format
):
    make, column, reason = BAD_ROWS[kind]
    context = {"placement": placement, "lot": lot, "klantmanager": klantmanager, "haarlem": haarlem}
    rows = [row(placement), make(context), row(second)]
    data = csv_of(rows) if file_format == "csv" else xlsx_of(rows)
    result = upload(staff, data, f"aanwezigheid.{file_format}")
    assert not result.saved
    [(number, error_column, error_reason)] = problems(result)
    assert (number, error_column) == (3, column)
    assert error_reason.startswith(reason)
    assert not MonthlyAttendance.objects.exists()
    assert not AuditEntry.objects.filter(what__startswith="attendance").exists()


def test_every_problem_of_the_file_is_reported_at_once(staff, placement, second):
    result = upload(
        staff,
        csv_of(
            [
                row(placement, month="2026/03", offered="x"),
                row(second),
                row("999999", month=NEXT_MONTH, offered="10", attended="11"),
            ]
        ),
    )
    assert [(number, column) for number, column, _reason in problems(result)] == [
        (2, "month"),
        (2, "hours_offered"),
        (4, "referral_number"),
        (4, "month"),
        (4, "hours_attended"),
    ]
    assert not MonthlyAttendance.objects.exists()


def test_the_reasons_speak_the_users_language(staff, placement):
    data = csv_of([row(placement, reason="")])
    with translation.override("nl"):
        dutch = upload(staff, data)
    with translation.override("en"):
        english = upload(staff, data)
    assert problems(dutch) == [
        (2, "absence_reason", "Vul de belangrijkste reden voor de gemiste uren in.")
    ]
    assert problems(english) == [
        (2, "absence_reason", "Give the main reason for the hours missed.")
    ]


# --- Formulas and files -----------------------------------------------------------------------


def test_a_formula_in_a_csv_cell_is_refused_not_evaluated(staff, placement):
    result = upload(staff, csv_of([row(placement, offered="=40-8")]))
    [(number, column, reason)] = problems(result)
    assert (number, column) == (2, "hours_offered")
    assert reason.startswith("Formulas are not imported.")
    assert not MonthlyAttendance.objects.exists()


def test_a_formula_cell_in_a_workbook_is_refused(staff, placement):
    cells = row(placement)
    cells["hours_attended"] = "=B2-4"
    result = upload(staff, xlsx_of([cells]), "a.xlsx")
    assert [(n, c) for n, c, _r in problems(result)] == [(2, "hours_attended")]
    assert not MonthlyAttendance.objects.exists()


def test_an_escaped_cell_is_read_as_its_text(staff, placement):
    # '-5 is how the template writes a cell that starts like a formula; it means -5.
    result = upload(staff, csv_of([row(placement, offered="'-5", attended="'-5")]))
    assert problems(result) == [
        (2, "hours_offered", "Give the hours offered in this month (0 to 744)."),
        (2, "hours_attended", "Hours attended cannot be negative."),
    ]


def test_a_missing_column_refuses_the_file(staff, placement):
    header = [code for code in progress_upload.COLUMNS if code != "absence_reason"]
    with pytest.raises(ImportFileError, match="missing from the header row"):
        upload(staff, csv_of([row(placement)], header=header))


def test_a_file_too_large_is_refused(staff, placement, monkeypatch):
    monkeypatch.setattr(progress_upload, "MAX_BYTES", 100)
    with pytest.raises(ImportFileError, match="larger than"):
        upload(staff, csv_of([row(placement)] * 5))


def test_a_file_with_too_many_rows_is_refused(staff, placement, monkeypatch):
    monkeypatch.setattr(progress_upload, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        upload(staff, csv_of([row(placement)] * 3))


def test_other_file_types_are_refused(staff):
    with pytest.raises(ImportFileError, match=r"only \.xlsx and \.csv"):
        upload(staff, b"referral_number\n1\n", "attendance.txt")


def test_only_provider_staff_record(klantmanager, placement):
    with pytest.raises(referrals.ReferralRefused):
        upload(klantmanager, csv_of([row(placement)]))


# --- The template -----------------------------------------------------------------------------


def test_the_template_lists_last_months_placements_with_only_what_the_referral_needs(
    lot, klantmanager, haarlem, staff, placement
):
    progress.attendance_record(
        referral=placement,
        actor=staff,
        month=LAST_MONTH,
        hours_offered=Decimal(32),
        hours_attended=Decimal("30.5"),
        absence_reason="WORK",
    )
    not_started = _referral(lot, klantmanager, state="accepted", first_name="Wachtend")
    ended = _referral(lot, klantmanager, started_on=THREE_MONTHS_AGO, first_name="Klaar")
    referrals.referral_end(referral=ended, actor=staff, completed=True, ended_on=THREE_MONTHS_AGO)
    elsewhere = _another_providers(lot, klantmanager, haarlem)

    workbook = workbook_of(progress_upload.attendance_template_xlsx(user=staff, today=TODAY))
    data = workbook.worksheets[0]
    values = [[cell.value for cell in cells] for cells in data.iter_rows()]
    assert values[0] == list(progress_upload.TEMPLATE_COLUMNS)
    assert values[1:] == [
        [
            placement.pk,
            "Amal H.",
            f"{lot.contract.provider.name}: {lot.component_display} ({lot.contract.reference})",
            f"{LAST_MONTH:%Y-%m}",
            32,
            30.5,
            "WORK",
        ]
    ]
    text = all_text(workbook)
    for personal in ("Haddad", "HLM-98765", "1990", "17-05", "05-17"):
        assert personal not in text
    for absent in (not_started, ended, elsewhere):
        assert str(absent.learner.first_name) not in text
    explanation = workbook.worksheets[1]
    assert explanation.title == "explanation"
    codes = {cells[0].value for cells in explanation.iter_rows()}
    assert set(progress_upload.TEMPLATE_COLUMNS) <= codes


def test_names_in_the_template_cannot_run_as_formulas(lot, klantmanager, staff):
    _referral(lot, klantmanager, first_name='=HYPERLINK("http://evil.example","x")')
    workbook = workbook_of(progress_upload.attendance_template_xlsx(user=staff, today=TODAY))
    learner_cell = workbook.worksheets[0]["B2"]
    assert learner_cell.value.startswith("'=HYPERLINK(")
    assert learner_cell.data_type == "s"


def test_a_filled_in_template_uploads(staff, placement, second):
    workbook = workbook_of(progress_upload.attendance_template_xlsx(user=staff, today=TODAY))
    sheet = workbook.worksheets[0]
    for number in (2, 3):
        sheet[f"E{number}"] = 40
        sheet[f"F{number}"] = 36
        sheet[f"G{number}"] = "APPOINTMENT"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(staff, buffer.getvalue(), "routewijzer-attendance.xlsx")
    assert result.saved and result.created == 2
    assert set(MonthlyAttendance.objects.values_list("referral_id", "month")) == {
        (placement.pk, LAST_MONTH),
        (second.pk, LAST_MONTH),
    }


def test_rows_of_the_template_left_without_hours_are_skipped(staff, placement, second):
    workbook = workbook_of(progress_upload.attendance_template_xlsx(user=staff, today=TODAY))
    sheet = workbook.worksheets[0]
    sheet["E2"], sheet["F2"] = 40, 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(staff, buffer.getvalue(), "a.xlsx")
    assert (result.created, result.skipped) == (1, 1)
    assert MonthlyAttendance.objects.get().referral_id == placement.pk


def test_a_file_without_any_hours_is_refused(staff, placement):
    data = progress_upload.attendance_template_xlsx(user=staff, today=TODAY)
    with pytest.raises(ImportFileError, match=r"No row gives hours\."):
        upload(staff, data, "a.xlsx")


def test_an_upload_takes_the_same_queries_for_one_row_and_many(staff, placement, lot, klantmanager):
    more = [_referral(lot, klantmanager, last_name=f"N{n}") for n in range(4)]
    upload(staff, csv_of([row(placement)]))  # the user's providers are looked up once
    MonthlyAttendance.objects.all().delete()
    with CaptureQueriesContext(connection) as one:
        upload(staff, csv_of([row(placement)]))
    MonthlyAttendance.objects.all().delete()
    with CaptureQueriesContext(connection) as five:
        upload(staff, csv_of([row(referral) for referral in [placement, *more]]))
    assert MonthlyAttendance.objects.count() == 5
    # Six to read and save, three (four with PostgreSQL's lock) to refresh the summary.
    assert len(five.captured_queries) == len(one.captured_queries) <= 10


# --- The admin pages --------------------------------------------------------------------------


def as_user(user) -> Client:
    return login_staff_in_english(Client(), user)


def test_the_inbox_links_to_the_upload_for_providers_only(staff, klantmanager):
    assert UPLOAD in as_user(staff).get(INBOX).content.decode()
    assert UPLOAD not in as_user(klantmanager).get(INBOX).content.decode()


def test_the_provider_uploads_a_file_and_sees_the_counts(staff, placement, second):
    client = as_user(staff)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert TEMPLATE in page.content.decode()
    progress.attendance_record(
        referral=placement,
        actor=staff,
        month=LAST_MONTH,
        hours_offered=Decimal(20),
        hours_attended=Decimal(20),
    )
    unfilled = row(placement, month=THIS_MONTH, offered="", attended="", reason="")
    data = io.BytesIO(csv_of([row(placement), row(second), unfilled]))
    data.name = "aanwezigheid.csv"
    response = client.post(UPLOAD, {"file": data}, follow=True)
    assert response.redirect_chain == [(UPLOAD, 302)]
    assert (
        "aanwezigheid.csv is saved: 2 months of attendance (1 new, 1 corrected). "
        "1 row without hours was left out." in response.content.decode()
    )
    assert MonthlyAttendance.objects.count() == 2


def test_the_page_shows_every_problem_and_saves_nothing(staff, placement):
    # The view reads the clock: two months on from it has not begun, even past midnight.
    not_begun = (timezone.localdate().replace(day=1) + datetime.timedelta(days=62)).replace(day=1)
    data = io.BytesIO(csv_of([row(placement), row(placement, month=not_begun, reason="")]))
    data.name = "aanwezigheid.csv"
    response = as_user(staff).post(UPLOAD, {"file": data})
    assert response.status_code == 200
    html = response.content.decode()
    assert "aanwezigheid.csv: 2 problems" in html
    assert "Nothing has been saved." in html
    assert "<code>month</code>" in html and "This month has not begun yet." in html
    assert "<code>absence_reason</code> (main reason for absence)" in html
    assert "Give the main reason for the hours missed." in html
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [
        (3, "month"),
        (3, "absence_reason"),
    ]
    assert not MonthlyAttendance.objects.exists()


def test_an_unreadable_file_is_shown_on_the_form(staff):
    data = io.BytesIO(b"hello")
    data.name = "notes.txt"
    response = as_user(staff).post(UPLOAD, {"file": data})
    assert response.status_code == 200
    assert "only .xlsx and .csv files can" in str(response.context["form"].errors["file"])


def test_the_template_download_is_a_workbook(staff, placement):
    client = as_user(staff)
    before = timezone.localdate()
    response = client.get(TEMPLATE)
    after = timezone.localdate()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    # The view reads the clock: the month before the day it read, during the request.
    names = {
        f"routewijzer-attendance-{progress_upload.previous_month(day):%Y-%m}.xlsx"
        for day in (before, after)
    }
    assert any(name in response["Content-Disposition"] for name in names)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert workbook_of(response.content).worksheets[0]["A2"].value == placement.pk


@pytest.mark.parametrize("role", ["klantmanager", "contract manager", "auditor"])
def test_others_than_provider_staff_are_turned_away(klantmanager, placement, role):
    user = {
        "klantmanager": klantmanager,
        "contract manager": UserFactory(role=Role.CONTRACT_MANAGER),
        "auditor": UserFactory(role=Role.AUDITOR),
    }[role]
    client = as_user(user)
    for address in (UPLOAD, TEMPLATE):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    data = io.BytesIO(csv_of([row(placement)]))
    data.name = "a.csv"
    assert client.post(UPLOAD, {"file": data}).status_code == 302
    assert not MonthlyAttendance.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "login" in response["Location"]


def test_another_provider_neither_sees_nor_records_our_placements(
    lot, klantmanager, haarlem, placement
):
    elsewhere = _another_providers(lot, klantmanager, haarlem)
    stranger = provider_staff(elsewhere.lot.contract.provider)
    client = as_user(stranger)
    template = workbook_of(client.get(TEMPLATE).content)
    assert "Amal" not in all_text(template) and "Elders H." in all_text(template)
    data = io.BytesIO(csv_of([row(placement), row(elsewhere)]))
    data.name = "a.csv"
    response = client.post(UPLOAD, {"file": data})
    assert "None of the referrals to your lots has this number." in response.content.decode()
    assert not MonthlyAttendance.objects.exists()
    assert Referral.objects.get(pk=placement.pk).attendance.count() == 0
