"""The spreadsheet import of offerings and start moments (providers/imports/, spreadsheets.py)."""

from __future__ import annotations

import csv
import datetime
import io
import os

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from wagtail.models import (
    GroupApprovalTask,
    ModelLogEntry,
    ReferenceIndex,
    Revision,
    Workflow,
    WorkflowContentType,
    WorkflowState,
)
from wagtail.search.backends import get_search_backend

from providers import imports, spreadsheets
from providers.imports import (
    ImportFileError,
    ImportRefused,
    import_apply,
    import_batch_create,
    import_check,
    notifying,
    sheet_read,
)
from providers.models import Offering, OfferingImport, StartMoment
from providers.spreadsheets import COLUMN_CODES
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
    contract_manager_create,
    provider_staff_create,
)

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
def languages():
    return [
        LanguageFactory(code="ar", name_en="Arabic", name_nl="Arabisch"),
        LanguageFactory(code="tr", name_en="Turkish", name_nl="Turks"),
    ]


@pytest.fixture
def manager():
    return contract_manager_create()


@pytest.fixture
def staff(provider):
    return provider_staff_create(provider=provider)


@pytest.fixture
def offering_workflow():
    """The approval workflow for offerings: the one assigned already, or a new one."""
    content_type = ContentType.objects.get_for_model(Offering)
    assigned = WorkflowContentType.objects.filter(content_type=content_type).first()
    if assigned is not None:
        return assigned.workflow
    task = GroupApprovalTask.objects.create(name="Approval")
    workflow = Workflow.objects.create(name="Offerings")
    workflow.workflow_tasks.create(task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=content_type)
    return workflow


def row(**cells: str) -> dict[str, str]:
    """A valid row: offering B1-01 with start date A at location Centrum; override any cell."""
    base = {
        "offering_reference": "B1-01",
        "title": "B1-route overdag",
        "component": "B1_ROUTE",
        "education_level": "",
        "summary": "Taal en werk",
        "for_statushouders": "ja",
        "for_gezinsmigranten": "ja",
        "cefr_from": "A1",
        "cefr_to": "B1",
        "hours_total": "400",
        "hours_per_week": "8",
        "duration_weeks": "50",
        "schedule": "DAYTIME",
        "support_languages": "",
        "childcare": "nee",
        "price_eur": "5000,00",
        "price_includes_exams": "nee",
        "price_includes_materials": "nee",
        "duo_loan_eligible": "nee",
        "start_reference": "A",
        "starts_on": "2027-02-01",
        "ends_on": "2027-07-01",
        "enrolment_deadline": "",
        "location": "Centrum",
        "seats": "12",
    }
    base.update(cells)
    return base


def without_start(**cells: str) -> dict[str, str]:
    return row(
        start_reference="",
        starts_on="",
        ends_on="",
        enrolment_deadline="",
        location="",
        seats="",
        **cells,
    )


def csv_of(rows, *, header=COLUMN_CODES, separator=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells.get(code, "") for code in header])
    return buffer.getvalue().encode(encoding)


def xlsx_of(rows, *, header=COLUMN_CODES) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for cells in rows:
        sheet.append([cells.get(code) for code in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(provider, user, rows):
    sheet = sheet_read(file_name="aanbod.csv", data=csv_of(rows))
    return import_check(provider=provider, user=user, sheet=sheet)


def upload(provider, user, data: bytes, file_name: str = "aanbod.csv") -> OfferingImport:
    sheet = sheet_read(file_name=file_name, data=data)
    result = import_check(provider=provider, user=user, sheet=sheet)
    assert result.errors == []
    return import_batch_create(user=user, provider=provider, sheet=sheet, check=result)


def apply(provider, user, rows) -> dict[str, int]:
    batch = upload(provider, user, csv_of(rows))
    return import_apply(batch=batch, user=user)


def written() -> tuple[int, int, int]:
    return Offering.objects.count(), StartMoment.objects.count(), Revision.objects.count()


def only_error(result) -> imports.RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# Template and export ---------------------------------------------------------------------------


def test_xlsx_template_has_every_column_and_an_example_row_that_imports_cleanly(
    provider, location, languages, manager
):
    data = spreadsheets.template_xlsx(provider=provider)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header == list(COLUMN_CODES)

    batch = upload(provider, manager, data, "template.xlsx")
    assert batch.summary["counts"]["offerings"]["new"] == 1
    import_apply(batch=batch, user=manager)
    moment = StartMoment.objects.get()
    assert moment.location == location
    assert moment.offering.live
    assert sorted(moment.offering.support_languages.values_list("code", flat=True)) == ["ar", "tr"]


def test_csv_template_has_the_header_and_an_example_row_that_imports_cleanly(
    provider, location, manager
):
    data = spreadsheets.template_csv(provider=provider)
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == list(COLUMN_CODES)
    assert len(lines) == 2
    upload(provider, manager, data)


def test_template_explains_every_column_in_the_users_language(provider, location):
    with translation.override("nl"):
        data = spreadsheets.template_xlsx(provider=provider)
    explanation = openpyxl.load_workbook(io.BytesIO(data)).worksheets[1]
    rows = {row[0]: row for row in explanation.iter_rows(values_only=True) if row[0]}
    for code in COLUMN_CODES:
        assert code in rows
    _code, meaning, required, allowed, example = rows["component"]
    assert meaning == "onderdeel"
    assert required == "ja"
    assert "B1_ROUTE" in allowed
    assert example == "B1_ROUTE"
    assert rows["location"][3].count("Centrum") == 1
    assert rows["starts_on"][4]  # an example value


def test_export_uploads_again_without_changes(provider, location, languages, manager):
    offering = OfferingFactory(
        provider=provider, reference="B1-01", locations=[location], support_languages=languages
    )
    StartMomentFactory(offering=offering, reference="A", location=location)
    StartMomentFactory(offering=offering, reference="B", location=None)
    OfferingFactory(provider=provider, reference="KNM-1", component="KNM", price_cents=None)
    for exported in (spreadsheets.export_csv(provider=provider),):
        result = import_check(
            provider=provider,
            user=manager,
            sheet=sheet_read(file_name="export.csv", data=exported),
        )
        assert result.errors == []
        assert {plan.status for plan in result.plan} == {"unchanged"}
        assert {m.status for plan in result.plan for m in plan.start_moments} == {"unchanged"}
    exported = spreadsheets.export_xlsx(provider=provider)
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="export.xlsx", data=exported)
    )
    assert result.errors == []
    assert result.summary["counts"] == {
        "offerings": {"new": 0, "changed": 0, "unchanged": 2},
        "start_moments": {"new": 0, "changed": 0, "unchanged": 2},
    }


def test_export_leaves_out_offerings_without_reference(provider):
    OfferingFactory(provider=provider, reference="", title="Zonder kenmerk")
    exported = spreadsheets.export_csv(provider=provider).decode("utf-8-sig")
    assert "Zonder kenmerk" not in exported


def test_csv_export_escapes_formulas(provider):
    OfferingFactory(provider=provider, reference="=1+1", title='=HYPERLINK("http://x")')
    OfferingFactory(provider=provider, reference="R2", title="-Taal", summary="@SUM(A1)")
    lines = list(
        csv.DictReader(io.StringIO(spreadsheets.export_csv(provider=provider).decode("utf-8-sig")))
    )
    by_reference = {line["offering_reference"]: line for line in lines}
    assert by_reference["'=1+1"]["title"] == '\'=HYPERLINK("http://x")'
    assert by_reference["R2"]["title"] == "'-Taal"
    assert by_reference["R2"]["summary"] == "'@SUM(A1)"
    assert by_reference["R2"]["hours_total"] == "400"


def test_xlsx_export_writes_formula_like_text_as_escaped_text(provider):
    OfferingFactory(provider=provider, reference="R1", title="=cmd|' /C calc'!A0")
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.export_xlsx(provider=provider))).active
    title = sheet.cell(row=2, column=COLUMN_CODES.index("title") + 1)
    assert title.data_type == "s"
    assert title.value == "'=cmd|' /C calc'!A0"


def test_escaped_export_reads_back_as_the_original_text(provider, manager):
    OfferingFactory(provider=provider, reference="R1", title="+31 taalcafé")
    result = import_check(
        provider=provider,
        user=manager,
        sheet=sheet_read(file_name="e.csv", data=spreadsheets.export_csv(provider=provider)),
    )
    assert result.errors == []
    assert result.plan[0].status == "unchanged"


# Bad files -------------------------------------------------------------------------------------


def _refused(file_name: str, data: bytes) -> str:
    before = written()
    with pytest.raises(ImportFileError) as refused:
        sheet_read(file_name=file_name, data=data)
    assert written() == before
    return refused.value.message


@pytest.mark.parametrize("file_name", ["aanbod.xls", "aanbod.txt", "aanbod", "aanbod.csv.exe"])
def test_only_csv_and_xlsx_files_are_read(file_name):
    assert ".xlsx" in _refused(file_name, csv_of([row()]))


def test_a_png_renamed_to_xlsx_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200)
    assert "not an Excel workbook" in _refused("aanbod.xlsx", png)


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "not an Excel workbook" in _refused("aanbod.xlsx", buffer.getvalue())


def test_binary_junk_named_csv_is_refused():
    assert "not a CSV file" in _refused("aanbod.csv", os.urandom(2000))


def test_a_csv_that_is_not_utf8_says_to_save_as_csv_utf8():
    data = csv_of([row(title="Cursus café")], encoding="cp1252")
    assert "CSV UTF-8" in _refused("aanbod.csv", data)


def test_a_csv_saved_as_unicode_text_says_to_save_as_csv_utf8():
    data = "\ufeff".encode("utf-16-le") + ",".join(COLUMN_CODES).encode("utf-16-le")
    assert "CSV UTF-8" in _refused("aanbod.csv", data)


def test_a_csv_with_an_unclosed_quote_is_refused():
    data = csv_of([row()]) + b'"B1-02,Taal\r\n'
    assert "quotation mark" in _refused("aanbod.csv", data)


def test_missing_columns_are_named():
    header = [c for c in COLUMN_CODES if c not in ("seats", "schedule")]
    message = _refused("aanbod.csv", csv_of([row()], header=header))
    assert "schedule" in message
    assert "seats" in message


def test_missing_columns_in_a_workbook_are_named():
    header = [c for c in COLUMN_CODES if c != "title"]
    assert "title" in _refused("aanbod.xlsx", xlsx_of([row()], header=header))


def test_a_duplicate_column_is_refused():
    header = [*COLUMN_CODES, "title"]
    assert "more than once" in _refused("aanbod.csv", csv_of([row()], header=header))


@pytest.mark.parametrize(
    ("file_name", "data"), [("a.csv", b""), ("a.csv", b"\r\n"), ("a.xlsx", b"")]
)
def test_an_empty_file_is_refused(file_name, data):
    assert "empty" in _refused(file_name, data)


def test_a_csv_with_only_the_header_is_refused():
    assert "no rows below the header" in _refused("a.csv", csv_of([]))


def test_a_workbook_with_only_the_header_is_refused():
    assert "no rows below the header" in _refused("a.xlsx", xlsx_of([]))


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert "larger than" in _refused("a.csv", csv_of([row()] * 10))


def test_a_file_with_too_many_rows_is_refused():
    data = csv_of([{"offering_reference": "X"}] * (imports.MAX_ROWS + 1))
    assert "more than 20,000 rows" in _refused("a.csv", data)


def test_a_workbook_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(imports.reading, "MAX_ROWS", 3)
    assert "more than 3 rows" in _refused("a.xlsx", xlsx_of([row()] * 4))


def test_a_csv_row_with_more_cells_than_columns_is_refused():
    data = csv_of([row()]) + b"a," * (len(COLUMN_CODES) + 2) + b"\r\n"
    assert "more cells than the header" in _refused("a.csv", data)


# Reading good files ----------------------------------------------------------------------------


def test_csv_with_byte_order_mark_and_semicolons_is_read(provider, location, manager):
    data = "\ufeff".encode() + csv_of([row(price_eur="1.250,50")], separator=";")
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="a.CSV", data=data)
    )
    assert result.errors == []
    assert result.plan[0].instance.price_cents == 125050


def test_workbook_with_real_dates_and_numbers_is_read(provider, location, manager):
    cells = row(
        starts_on=datetime.datetime(2027, 2, 1),
        ends_on=datetime.date(2027, 7, 1),
        hours_total=400,
        seats=12.0,
        price_eur=1250.5,
    )
    batch = upload(provider, manager, xlsx_of([cells]), "a.xlsx")
    import_apply(batch=batch, user=manager)
    moment = StartMoment.objects.get()
    assert moment.starts_on == datetime.date(2027, 2, 1)
    assert moment.seats == 12
    assert moment.offering.price_cents == 125050


def test_rows_are_numbered_as_in_the_spreadsheet_and_empty_rows_skipped(
    provider, location, manager
):
    data = csv_of([row(), {}, row(start_reference="B", seats="x")])
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="a.csv", data=data)
    )
    error = only_error(result)
    assert (error.row, error.column, error.value) == (4, "seats", "x")


def test_unknown_columns_are_ignored_and_reported(provider, location, manager):
    data = csv_of([row(notes="bellen")], header=[*COLUMN_CODES, "notes"])
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="a.csv", data=data)
    )
    assert result.errors == []
    assert result.summary["ignored_columns"] == ["notes"]


def test_formula_cells_in_a_workbook_are_errors(provider, location, manager):
    data = xlsx_of([row(hours_total="=200*2"), row(start_reference="B", title="=A1")])
    before = written()
    result = import_check(
        provider=provider, user=manager, sheet=sheet_read(file_name="a.xlsx", data=data)
    )
    found = {(e.row, e.column, e.value) for e in result.errors if "Formulas" in e.reason}
    assert found == {(2, "hours_total", "=200*2"), (3, "title", "=A1")}
    assert written() == before


def test_csv_text_starting_with_equals_is_an_error(provider, location, manager):
    result = check(provider, manager, [row(summary="=HYPERLINK(1)")])
    error = only_error(result)
    assert (error.row, error.column, error.value) == (2, "summary", "=HYPERLINK(1)")
    assert "Formulas are not imported" in error.reason


def test_csv_text_with_the_escape_apostrophe_is_text(provider, location, manager):
    apply(provider, manager, [row(title="'=Taal & werk")])
    assert Offering.objects.get().title == "=Taal & werk"


# Validation errors: row, column, value, reason -------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"component": "B3_ROUTE"}, "component", "Use one of these codes"),
        ({"schedule": "night"}, "schedule", "Use one of these codes"),
        ({"childcare": "misschien"}, "childcare", "ja or nee"),
        ({"hours_total": "veel"}, "hours_total", "whole number"),
        ({"hours_total": "12.5"}, "hours_total", "whole number"),
        ({"hours_total": "0"}, "hours_total", "greater than or equal to 1"),
        ({"hours_total": ""}, "hours_total", "cannot be null"),
        ({"seats": "-3"}, "seats", "The number cannot be negative. Fill in 0 or more."),
        ({"hours_total": "-12"}, "hours_total", "cannot be negative. Fill in 1 or more."),
        ({"price_eur": "1.250"}, "price_eur", "at most two decimals"),
        ({"price_eur": "gratis"}, "price_eur", "amount in euros"),
        ({"starts_on": "1 februari"}, "starts_on", "YYYY-MM-DD"),
        ({"starts_on": "2027-02-30"}, "starts_on", "YYYY-MM-DD"),
        ({"starts_on": ""}, "starts_on", "cannot be null"),
        ({"support_languages": "ar;xx"}, "support_languages", "Unknown language code: xx"),
        ({"location": "Elders"}, "location", "not a location of Taalhuis Haarlem"),
        ({"title": ""}, "title", "cannot be blank"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"start_reference": "x" * 41}, "start_reference", "at most 40 characters"),
        ({"education_level": "MBO2"}, "education_level", "Only an education route"),
        ({"component": "ONDERWIJSROUTE"}, "education_level", "which level of education"),
        ({"cefr_from": "B1", "cefr_to": "A2"}, "cefr_to", "cannot be below"),
        (
            {"for_statushouders": "nee", "for_gezinsmigranten": "nee"},
            "for_gezinsmigranten",
            "at least one target group",
        ),
        ({"ends_on": "2027-01-01"}, "ends_on", "must be after the start date"),
        ({"enrolment_deadline": "2027-03-01"}, "enrolment_deadline", "cannot be after"),
        ({"start_reference": ""}, "start_reference", "own reference for the start date"),
        ({"offering_reference": ""}, "offering_reference", "own reference for the offering"),
    ],
)
def test_a_wrong_cell_is_reported_with_row_column_value_and_reason(
    provider, location, languages, manager, cells, column, reason
):
    before = written()
    result = check(provider, manager, [row(**cells)])
    error = only_error(result)
    assert (error.row, error.column) == (2, column)
    assert error.value == row(**cells)[column]
    assert reason in error.reason
    assert written() == before


def test_duo_loan_needs_a_valid_quality_mark(location, manager):
    provider = location.provider
    provider.keurmerk_status = "NONE"
    provider.keurmerk_valid_until = None
    provider.save()
    error = only_error(check(provider, manager, [row(duo_loan_eligible="ja")]))
    assert (error.row, error.column, error.value) == (2, "duo_loan_eligible", "ja")
    assert "Keurmerk Inburgeren" in error.reason


def test_a_location_of_another_provider_is_refused(provider, location, manager):
    LocationFactory(name="Elders")  # another provider's
    error = only_error(check(provider, manager, [row(location="Elders")]))
    assert (error.row, error.column, error.value) == (2, "location", "Elders")
    assert "Centrum" in error.reason


def test_location_names_match_without_regard_to_case(provider, location, manager):
    result = check(provider, manager, [row(location="  centrum ")])
    assert result.errors == []
    assert result.plan[0].start_moments[0].instance.location == location


def test_rows_of_one_offering_that_differ_are_errors(provider, location, manager):
    rows = [row(), row(start_reference="B", title="Anders", hours_total="401")]
    result = check(provider, manager, rows)
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (3, "title", "Anders"),
        (3, "hours_total", "401"),
    ]
    assert "Differs from row 2" in result.errors[0].reason


def test_the_same_values_written_differently_are_not_a_difference(provider, location, manager):
    rows = [row(price_eur="1250"), row(start_reference="B", price_eur="1.250,00", childcare="no")]
    assert check(provider, manager, rows).errors == []


def test_a_duplicate_start_reference_within_an_offering_is_an_error(provider, location, manager):
    rows = [row(), row(starts_on="2027-03-01")]
    error = only_error(check(provider, manager, rows))
    assert (error.row, error.column, error.value) == (3, "start_reference", "A")
    assert "Row 2 already has" in error.reason


def test_the_same_start_reference_in_two_offerings_is_fine(provider, location, manager):
    rows = [row(), row(offering_reference="B1-02")]
    assert check(provider, manager, rows).errors == []


def test_every_error_in_the_file_is_reported(provider, location, manager):
    rows = [
        row(component="X"),
        row(offering_reference="B", seats="veel"),
        row(offering_reference="C", starts_on="morgen"),
    ]
    result = check(provider, manager, rows)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "component"),
        (3, "seats"),
        (4, "starts_on"),
    ]


def test_seats_cannot_go_below_the_seats_taken(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01")
    StartMomentFactory(offering=offering, reference="A", seats=12, seats_taken=10)
    error = only_error(check(provider, manager, [row(seats="8")]))
    assert (error.row, error.column, error.value) == (2, "seats", "8")
    assert "10 seats are already taken" in error.reason


def test_an_offering_locked_by_somebody_else_is_refused(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    other = contract_manager_create(username="other")
    offering.locked, offering.locked_by = True, other
    offering.save()
    error = only_error(check(provider, manager, [row()]))
    assert (error.row, error.column) == (2, "offering_reference")
    assert "locked" in error.reason


def test_errors_read_in_dutch_for_dutch_users(provider, location, manager):
    with translation.override("nl"):
        result = check(provider, manager, [row(childcare="misschien", hours_total="")])
    reasons = {error.column: error.reason for error in result.errors}
    assert reasons["childcare"] == "Vul ja of nee in."
    assert reasons["hours_total"] == "Dit veld mag niet leeg zijn."


# Preview ---------------------------------------------------------------------------------------


def test_preview_says_new_changed_and_unchanged_with_old_and_new_values(
    provider, location, manager
):
    changed = OfferingFactory(
        provider=provider,
        reference="B1-01",
        title="Oud",
        summary="Taal en werk",
        locations=[location],
    )
    StartMomentFactory(
        offering=changed,
        reference="A",
        location=location,
        starts_on=datetime.date(2027, 2, 1),
        ends_on=datetime.date(2027, 7, 1),
        seats=12,
    )
    StartMomentFactory(
        offering=changed,
        reference="B",
        location=location,
        starts_on=datetime.date(2027, 2, 1),
        ends_on=datetime.date(2027, 7, 1),
        seats=10,
    )
    same = OfferingFactory(
        provider=provider,
        reference="KNM",
        title="KNM",
        component="KNM",
        summary="",
        cefr_from="",
        cefr_to="",
        hours_total=40,
        hours_per_week=None,
        duration_weeks=None,
        price_cents=None,
    )
    assert same
    rows = [
        row(title="Nieuw"),
        row(title="Nieuw", start_reference="B", seats="14"),
        row(title="Nieuw", start_reference="C"),
        without_start(
            offering_reference="KNM",
            title="KNM",
            component="KNM",
            summary="",
            cefr_from="",
            cefr_to="",
            hours_total="40",
            hours_per_week="",
            duration_weeks="",
            price_eur="",
        ),
        row(offering_reference="NEW-1"),
    ]
    summary = check(provider, manager, rows).summary
    assert summary["counts"] == {
        "offerings": {"new": 1, "changed": 1, "unchanged": 1},
        "start_moments": {"new": 2, "changed": 1, "unchanged": 1},
    }
    by_reference = {o["reference"]: o for o in summary["offerings"]}
    assert by_reference["B1-01"]["status"] == "changed"
    assert by_reference["B1-01"]["changes"] == [["title", "Oud", "Nieuw"]]
    moments = {m["reference"]: m for m in by_reference["B1-01"]["start_moments"]}
    assert moments["A"]["status"] == "unchanged"
    assert moments["B"]["status"] == "changed"
    assert moments["B"]["changes"] == [["seats", "10", "14"]]
    assert moments["C"]["status"] == "new"
    assert by_reference["KNM"]["status"] == "unchanged"
    assert by_reference["NEW-1"]["status"] == "new"


def test_preview_shows_locations_gained_from_start_moments(provider, location, manager):
    OfferingFactory(
        provider=provider,
        reference="B1-01",
        title="B1-route overdag",
        summary="Taal en werk",
        price_cents=500000,
    )
    summary = check(provider, manager, [row()]).summary
    assert summary["offerings"][0]["changes"] == [["locations", "", "Centrum"]]


# Applying --------------------------------------------------------------------------------------


def test_contract_manager_import_is_published(provider, location, languages, manager):
    rows = [
        row(support_languages="tr;ar"),
        row(support_languages="ar;tr", start_reference="B", seats="8"),
    ]
    result = apply(provider, manager, rows)
    assert result["offerings_created"] == 1
    assert result["offerings_published"] == 1
    assert result["start_moments_created"] == 2
    offering = Offering.objects.get()
    assert offering.live
    assert not offering.has_unpublished_changes
    assert offering.title == "B1-route overdag"
    assert offering.price_cents == 500000
    assert list(offering.locations.all()) == [location]
    assert sorted(offering.support_languages.values_list("code", flat=True)) == ["ar", "tr"]
    assert offering.live_revision == offering.latest_revision
    assert sorted(offering.start_moments.values_list("reference", "seats")) == [("A", 12), ("B", 8)]
    assert not WorkflowState.objects.exists()


def test_contract_manager_changes_an_existing_offering_live(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    apply(provider, manager, [row(title="Nieuw")])
    offering.refresh_from_db()
    assert offering.title == "Nieuw"
    assert offering.revisions.count() == 2


def test_provider_staff_import_is_submitted_for_approval_and_live_data_stays(
    provider, location, staff, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    result = apply(provider, staff, [row(title="Nieuw"), row(offering_reference="NEW-1")])
    assert result["offerings_submitted"] == 2
    assert result["offerings_published"] == 0

    offering.refresh_from_db()
    assert offering.title == "Oud"
    assert offering.live
    assert offering.has_unpublished_changes
    assert offering.get_latest_revision_as_object().title == "Nieuw"
    assert offering.workflow_in_progress
    assert offering.current_workflow_state.workflow == offering_workflow

    new = Offering.objects.get(reference="NEW-1")
    assert not new.live
    assert new.workflow_in_progress
    # Start moments need no approval.
    assert offering.start_moments.filter(reference="A").exists()


def test_staff_reupload_while_approval_is_pending_changes_nothing(
    provider, location, staff, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    rows = [row(title="Nieuw")]
    apply(provider, staff, rows)
    before = written(), WorkflowState.objects.count()
    again = check(provider, staff, rows)
    assert {plan.status for plan in again.plan} == {"unchanged"}
    apply(provider, staff, rows)
    assert (written(), WorkflowState.objects.count()) == before


def test_staff_change_during_a_running_workflow_only_saves_a_revision(
    provider, location, staff, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    apply(provider, staff, [row(title="Nieuw")])
    states = WorkflowState.objects.count()
    apply(provider, staff, [row(title="Nieuwer")])
    offering.refresh_from_db()
    assert WorkflowState.objects.count() == states
    assert offering.get_latest_revision_as_object().title == "Nieuwer"
    assert offering.title == "Oud"


def test_uploading_the_same_file_twice_changes_nothing(provider, location, languages, manager):
    rows = [
        row(support_languages="ar"),
        row(support_languages="ar", start_reference="B"),
        without_start(offering_reference="C"),
    ]
    apply(provider, manager, rows)
    before = written()
    updated = list(StartMoment.objects.values_list("updated_at", flat=True))
    second = check(provider, manager, rows)
    assert second.summary["counts"] == {
        "offerings": {"new": 0, "changed": 0, "unchanged": 2},
        "start_moments": {"new": 0, "changed": 0, "unchanged": 2},
    }
    result = apply(provider, manager, rows)
    assert result == dict.fromkeys(result, 0)
    assert written() == before
    assert list(StartMoment.objects.values_list("updated_at", flat=True)) == updated


def test_apply_never_changes_seats_taken(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01")
    moment = StartMomentFactory(offering=offering, reference="A", seats=12, seats_taken=5)
    apply(provider, manager, [row(seats="20")])
    moment.refresh_from_db()
    assert (moment.seats, moment.seats_taken) == (20, 5)


def test_apply_is_one_transaction(provider, location, manager, monkeypatch):
    batch = upload(provider, manager, csv_of([row(), row(offering_reference="B")]))
    before = written()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StartMoment.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        import_apply(batch=batch, user=manager)
    assert written() == before
    batch.refresh_from_db()
    assert batch.status == OfferingImport.Status.PENDING


def test_apply_is_refused_when_the_catalogue_changed_since_the_preview(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    batch = upload(provider, manager, csv_of([row(title="Nieuw")]))
    offering.title = "Intussen veranderd"
    offering.save()
    before = written()
    with pytest.raises(ImportRefused) as refused:
        import_apply(batch=batch, user=manager)
    assert "changed since you checked" in refused.value.message
    assert written() == before
    offering.refresh_from_db()
    assert offering.title == "Intussen veranderd"


def test_apply_is_refused_when_seats_were_taken_in_between(provider, location, manager):
    offering = OfferingFactory(provider=provider, reference="B1-01")
    moment = StartMomentFactory(offering=offering, reference="A", seats=12, seats_taken=0)
    batch = upload(provider, manager, csv_of([row(seats="4")]))
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=6)
    with pytest.raises(ImportRefused):
        import_apply(batch=batch, user=manager)
    moment.refresh_from_db()
    assert (moment.seats, moment.seats_taken) == (12, 6)


def test_a_batch_is_applied_once(provider, location, manager):
    batch = upload(provider, manager, csv_of([row()]))
    import_apply(batch=batch, user=manager)
    with pytest.raises(ImportRefused):
        import_apply(batch=batch, user=manager)
    assert Offering.objects.count() == 1


def test_only_the_uploader_applies_a_batch(provider, location, manager):
    batch = upload(provider, manager, csv_of([row()]))
    with pytest.raises(ImportRefused):
        import_apply(batch=batch, user=contract_manager_create(username="other"))
    assert not Offering.objects.exists()


def test_staff_of_another_provider_cannot_apply(provider, location, manager):
    batch = upload(provider, manager, csv_of([row()]))
    outsider = provider_staff_create(provider=ProviderFactory(), username="outsider")
    batch.user = outsider
    batch.save()
    with pytest.raises(ImportRefused):
        import_apply(batch=batch, user=outsider)
    assert not Offering.objects.exists()


def test_html_in_cells_is_stored_as_text(provider, location, manager):
    apply(provider, manager, [row(title="<script>alert(1)</script>")])
    assert Offering.objects.get().title == "<script>alert(1)</script>"


def test_new_offerings_are_written_as_wagtail_writes_them(provider, location, languages, manager):
    apply(provider, manager, [row(title="Taalcafé plus", support_languages="ar")])
    offering = Offering.objects.get()
    revision = offering.latest_revision
    assert offering.revisions.get() == revision == offering.live_revision
    assert revision.user == manager
    assert revision.as_object().title == "Taalcafé plus"
    assert revision.content["locations"] == [location.pk]
    assert offering.first_published_at is not None
    assert sorted(
        ModelLogEntry.objects.for_instance(offering).values_list("action", flat=True)
    ) == [
        "wagtail.create",
        "wagtail.publish",
    ]
    assert list(get_search_backend().search("Taalcafé", Offering)) == [offering]


def test_new_offerings_get_the_reference_index_entries_wagtail_would_make(
    provider, location, languages, manager
):
    apply(provider, manager, [row(support_languages="ar;tr")])
    offering = Offering.objects.get()

    def entries():
        return set(
            ReferenceIndex.get_references_for_object(offering).values_list(
                "to_content_type", "to_object_id", "model_path", "content_path"
            )
        )

    written_by_import = entries()
    assert ("provider", "provider") in {entry[2:] for entry in written_by_import}
    with transaction.atomic():
        ReferenceIndex.create_or_update_for_object(offering)
    assert entries() == written_by_import


def test_approving_a_submitted_new_offering_publishes_it(
    provider, location, staff, manager, offering_workflow
):
    apply(provider, staff, [row(title="Nieuw aanbod")])
    offering = Offering.objects.get()
    assert not offering.live
    offering.current_workflow_task_state.approve(user=manager)
    offering.refresh_from_db()
    assert offering.live
    assert offering.title == "Nieuw aanbod"
    assert not offering.workflow_in_progress


def test_changed_offerings_are_published_as_wagtail_publishes_them(
    provider, location, languages, manager
):
    arabic, turkish = languages
    offering = OfferingFactory(
        provider=provider,
        reference="B1-01",
        title="Oud",
        summary="Taal en werk",
        price_cents=500000,
        support_languages=[arabic],
    )
    first = offering.save_revision()
    first.publish()
    apply(provider, manager, [row(title="Nieuw", support_languages="tr")])

    offering.refresh_from_db()
    revision = offering.latest_revision
    assert revision != first
    assert offering.live_revision == revision
    assert not offering.has_unpublished_changes
    assert offering.title == "Nieuw"
    assert list(offering.support_languages.all()) == [turkish]
    assert list(offering.locations.all()) == [location]
    assert revision.as_object().title == "Nieuw"
    actions = list(
        ModelLogEntry.objects.for_instance(offering)
        .filter(revision=revision)
        .order_by("pk")
        .values_list("action", "data", "content_changed")
    )
    # What offering.save_revision(log_action=True) + revision.publish() write.
    assert actions == [
        ("wagtail.edit", {}, True),
        ("wagtail.rename", {"title": {"old": "Oud", "new": "Nieuw"}}, False),
        ("wagtail.publish", {"title": {"old": "Oud", "new": "Nieuw"}}, True),
    ]
    assert list(get_search_backend().search("Nieuw", Offering)) == [offering]


def test_publishing_over_a_running_workflow_cancels_it(
    provider, location, staff, manager, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    apply(provider, staff, [row(title="Voorstel")])
    state = WorkflowState.objects.get()
    apply(provider, manager, [row(title="Besluit")])
    offering.refresh_from_db()
    state.refresh_from_db()
    assert offering.title == "Besluit"
    assert state.status == WorkflowState.STATUS_CANCELLED


def test_staff_upload_sends_one_summary_to_each_approver_and_none_per_offering(
    provider,
    location,
    staff,
    offering_workflow,
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
):
    approvers = [contract_manager_create(username=f"approver{number}") for number in range(2)]
    rows = [
        row(offering_reference=f"NEW-{number}", title=f"Nieuwe cursus {number}")
        for number in range(3)
    ]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = apply(provider, staff, rows)
    assert result["offerings_submitted"] == 3
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert sorted(message.to[0] for message in mailoutbox) == sorted(a.email for a in approvers)
    assert all(len(message.to) == 1 for message in mailoutbox)
    message = mailoutbox[0]
    assert "3" in message.subject and "Taalhuis Haarlem" in message.subject
    assert message.subject.startswith("[Routewijzer] ")
    assert "Taalhuis Haarlem" in message.body
    assert "staff@example.org" in message.body
    for number in range(3):
        assert f"Nieuwe cursus {number}" in message.body
    assert settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("wagtailadmin_home") in message.body


def test_staff_upload_submits_every_offering_as_the_admin_does(
    provider, location, staff, offering_workflow
):
    apply(provider, staff, [row(), row(offering_reference="NEW-2")])
    offering = Offering.objects.get(reference="B1-01")
    state = offering.current_workflow_state
    assert state.requested_by == staff
    assert state.current_task_state.revision == offering.latest_revision
    start = ModelLogEntry.objects.for_instance(offering).get(action="wagtail.workflow.start")
    assert start.data["workflow"]["task_state_id"] == state.current_task_state.pk
    assert start.revision == offering.latest_revision
    assert WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).count() == 2


def test_approver_summary_counts_new_and_changed_offerings_and_lists_twenty_titles(
    provider, location, staff, offering_workflow, mailoutbox, django_capture_on_commit_callbacks
):
    contract_manager_create(username="approver")
    OfferingFactory(provider=provider, reference="OLD", title="Oude titel")
    rows = [row(offering_reference="OLD", title="Nieuwe titel")] + [
        row(offering_reference=f"NEW-{number:02d}", title=f"Cursus {number:02d}")
        for number in range(24)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        apply(provider, staff, rows)

    [message] = mailoutbox
    assert message.subject == (
        "[Routewijzer] 25 cursuswijzigingen van Taalhuis Haarlem wachten op uw goedkeuring"
    )
    assert "24 nieuwe cursussen" in message.body
    assert "1 gewijzigde cursus" in message.body
    assert "Cursus 19" in message.body
    assert "Cursus 20" not in message.body  # 24 new + 1 changed: the first 20 titles are listed
    assert "en nog 5" in message.body


def test_approver_summary_is_in_the_language_of_the_approvers_account(
    provider, location, staff, offering_workflow, mailoutbox, django_capture_on_commit_callbacks
):
    from wagtail.users.models import UserProfile

    english = contract_manager_create(username="english")
    UserProfile.objects.create(user=english, preferred_language="en")
    contract_manager_create(username="dutch")
    with django_capture_on_commit_callbacks(execute=True):
        apply(provider, staff, [row()])

    subjects = {message.to[0]: message.subject for message in mailoutbox}
    assert subjects == {
        "english@example.org": (
            "[Routewijzer] 1 course change from Taalhuis Haarlem awaits your approval"
        ),
        "dutch@example.org": (
            "[Routewijzer] 1 cursuswijziging van Taalhuis Haarlem wacht op uw goedkeuring"
        ),
    }


def test_approvers_who_turned_off_submission_emails_get_no_summary(
    provider, location, staff, offering_workflow, mailoutbox, django_capture_on_commit_callbacks
):
    from wagtail.users.models import UserProfile

    quiet = contract_manager_create(username="quiet")
    UserProfile.objects.create(user=quiet, submitted_notifications=False)
    contract_manager_create(username="inactive").__class__.objects.filter(
        username="inactive"
    ).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        apply(provider, staff, [row()])
    assert mailoutbox == []


def test_the_uploader_is_never_among_the_approvers(offering_workflow, manager):
    first_task = offering_workflow.tasks.filter(active=True).first()
    other = contract_manager_create(username="other")
    assert notifying.approvers_of(task=first_task, uploader=manager) == [other]


def test_a_rolled_back_import_notifies_nobody(
    provider, location, staff, offering_workflow, mailoutbox, django_capture_on_commit_callbacks
):
    contract_manager_create(username="approver")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        apply(provider, staff, [row()])
        raise RuntimeError("rolled back")
    assert mailoutbox == []


def test_only_wagtails_per_offering_emails_listen_to_the_submission_signals():
    """The import's bulk submission sends no ``task_submitted``/``workflow_submitted`` (it
    replaces their e-mails with one summary): a new receiver of these signals must be told of
    imported submissions too, and this test says where."""
    from wagtail.signals import task_submitted, workflow_submitted

    def dispatch_uids(signal):
        return {lookup_key[0] for lookup_key, *_rest in signal.receivers}

    assert dispatch_uids(task_submitted) == {"group_approval_task_submitted_email_notification"}
    assert dispatch_uids(workflow_submitted) == {"workflow_state_submitted_email_notification"}


def test_staff_import_resumes_a_workflow_sent_back_for_changes(
    provider, location, staff, manager, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    apply(provider, staff, [row(title="Voorstel")])
    offering.current_workflow_task_state.reject(user=manager)
    state = WorkflowState.objects.get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES

    result = apply(provider, staff, [row(title="Verbeterd voorstel")])
    state.refresh_from_db()
    assert result["offerings_submitted"] == 1
    assert WorkflowState.objects.count() == 1
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    offering.refresh_from_db()
    assert offering.get_latest_revision_as_object().title == "Verbeterd voorstel"


def test_publishing_over_a_workflow_sent_back_for_changes_cancels_it(
    provider, location, staff, manager, offering_workflow
):
    offering = OfferingFactory(provider=provider, reference="B1-01", title="Oud")
    offering.save_revision().publish()
    apply(provider, staff, [row(title="Voorstel")])
    offering.current_workflow_task_state.reject(user=manager)
    apply(provider, manager, [row(title="Besluit")])
    offering.refresh_from_db()
    assert offering.title == "Besluit"
    assert WorkflowState.objects.get().status == WorkflowState.STATUS_CANCELLED
