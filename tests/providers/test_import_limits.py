"""Spreadsheet uploads as denial of service (issue 14, finding 4), offerings import: every hostile
file is refused through the admin's upload page within seconds, with a message that names the
limit, and nothing is written; files within the limits still import (``providers.imports.reading``
with ``portal.core.tabular``'s ``limits``, ``reading`` and ``workbook_parts``)."""

from __future__ import annotations

import functools
import io
import time

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Revision

from providers import imports
from providers.imports import reading
from providers.models import Offering, OfferingImport, StartMoment
from providers.spreadsheets import COLUMN_CODES
from tests.portal.helpers import login_staff_in_english
from tests.providers import hostile_spreadsheets as hostile
from tests.providers.factories import LocationFactory, ProviderFactory, provider_staff_create

pytestmark = pytest.mark.django_db

URL = reverse("offering_import:upload")
# The target is 2 s; the bound is generous so that a busy CI machine does not fail the test.
SECONDS = 5.0


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
def staff_client(client, provider):
    return login_staff_in_english(client, provider_staff_create(provider=provider))


def good_row(**cells: str) -> dict[str, str]:
    return {
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
        **cells,
    }


def csv_of(rows, header=COLUMN_CODES) -> bytes:
    lines = [",".join(header)]
    lines += [",".join(cells.get(code, "") for code in header) for cells in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_of(rows, header=COLUMN_CODES, *, dimension: bytes | None = None) -> bytes:
    """A workbook of inline-string cells; each row ends at its last cell that has a value."""
    body = hostile.header_row(header) + b"".join(
        hostile.text_row(number, _up_to_last_value([cells.get(code, "") for code in header]))
        for number, cells in enumerate(rows, start=2)
    )
    return hostile.workbook(hostile.sheet(body, dimension=dimension))


def _up_to_last_value(values: list[str]) -> list[str]:
    while values and not values[-1]:
        values.pop()
    return values


def written() -> tuple[int, int, int, int]:
    return (
        Offering.objects.count(),
        StartMoment.objects.count(),
        Revision.objects.count(),
        OfferingImport.objects.count(),
    )


@functools.cache
def built(name: str) -> bytes:
    file = next(file for file in hostile.HOSTILE_FILES if file.name == name)
    return file.build(reading.import_max_bytes(), COLUMN_CODES)


def timed_post(client, provider, data: bytes, file_name: str):
    upload = io.BytesIO(data)
    upload.name = file_name
    started = time.perf_counter()
    response = client.post(URL, {"provider": provider.pk, "file": upload})
    return response, time.perf_counter() - started


def file_errors(response) -> str:
    return " ".join(response.context["form"].errors.get("file", []))


def refused(data: bytes, file_name: str) -> str:
    with pytest.raises(imports.ImportFileError) as refusal:
        imports.sheet_read(file_name=file_name, data=data)
    return refusal.value.message


# Hostile files through the upload page ----------------------------------------------------------


@pytest.mark.parametrize("file", hostile.HOSTILE_FILES, ids=lambda file: file.name)
def test_a_hostile_file_is_refused_quickly_with_its_limit_named_and_nothing_written(
    staff_client, provider, file
):
    data = built(file.name)
    before = written()
    response, seconds = timed_post(staff_client, provider, data, file.file_name)
    assert response.status_code == 200
    assert hostile.message(file.refused_for, reading.offering_limits()) in file_errors(response)
    assert written() == before
    assert seconds < SECONDS, f"{file.name} took {seconds:.1f} s"


def test_the_refusal_is_shown_on_the_page_in_the_users_language(staff_client, provider):
    response, _seconds = timed_post(staff_client, provider, built("csv_of_commas"), "aanbod.csv")
    html = response.content.decode()
    assert "Row 1 of the file is longer than 100,000 characters." in html
    assert "save it again as “CSV UTF-8”" in html


def test_a_workbook_is_not_refused_for_the_size_it_declares(staff_client, provider, location):
    data = xlsx_of([good_row()], dimension=b"A1:XFD1048576")
    response, seconds = timed_post(staff_client, provider, data, "aanbod.xlsx")
    assert response.status_code == 302, file_errors(response)
    batch = OfferingImport.objects.get()
    assert response["Location"] == reverse("offering_import:preview", args=[batch.pk])
    assert seconds < SECONDS


def test_a_workbook_declaring_16384_columns_is_read_at_the_cost_of_its_own_cells():
    # openpyxl would hand over every row padded to the width the <dimension> declares.
    rows = [{"offering_reference": f"B1-{number}"} for number in range(2_000)]
    data = xlsx_of(rows, dimension=b"A1:XFD1048576")
    started = time.perf_counter()
    sheet = imports.sheet_read(file_name="a.xlsx", data=data)
    seconds = time.perf_counter() - started
    assert len(sheet.rows) == 2_000
    assert seconds < SECONDS, f"{seconds:.1f} s"


def test_a_workbook_declaring_fewer_rows_than_it_holds_is_read_whole():
    rows = [good_row(start_reference=letter) for letter in "ABC"]
    sheet = imports.sheet_read(file_name="a.xlsx", data=xlsx_of(rows, dimension=b"A1:Y2"))
    assert [row.cells["start_reference"] for row in sheet.rows] == ["A", "B", "C"]


def test_a_workbook_repeating_one_row_number_a_million_times_is_refused_quickly(
    staff_client, provider
):
    # openpyxl skips a row numbered like the one before without handing it over, so only the
    # scan of the package can count these; with a namespace prefix, as some generators write.
    main = hostile.MAIN_NS
    xml = (
        hostile.DECLARATION
        + b'<x:worksheet xmlns:x="%s"><x:sheetData>' % main
        + b'<x:row r="1"><x:c t="inlineStr"><x:is><x:t>title</x:t></x:is></x:c></x:row>'
        + b'<x:row r="1"/>' * 1_000_000
        + b"</x:sheetData></x:worksheet>"
    )
    response, seconds = timed_post(staff_client, provider, hostile.workbook(xml), "a.xlsx")
    assert "rows, counting the empty ones" in file_errors(response)
    assert seconds < SECONDS


# The limits one by one ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_name", ["a.csv", "a.xlsx"])
def test_the_column_limit_counts_every_column_up_to_the_last(file_name, monkeypatch):
    monkeypatch.setattr(reading, "MAX_COLUMNS", len(COLUMN_CODES) + 2)
    build = csv_of if file_name == "a.csv" else xlsx_of
    at_limit = [*COLUMN_CODES, "notes", "phone"]
    sheet = imports.sheet_read(file_name=file_name, data=build([good_row()], header=at_limit))
    assert sheet.ignored_columns == ["notes", "phone"]
    over = [*at_limit, ""]
    message = refused(build([good_row()], header=over), file_name)
    assert f"more than {len(COLUMN_CODES) + 2} columns" in message


@pytest.mark.parametrize("file_name", ["a.csv", "a.xlsx"])
def test_the_cell_limit_counts_the_cells_of_every_row(file_name, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CELLS", 4 * len(COLUMN_CODES))
    build = csv_of if file_name == "a.csv" else xlsx_of
    # The last column filled too, so that a workbook's rows reach the last column.
    last = {COLUMN_CODES[-1]: "x"}
    rows = [good_row(start_reference=str(number), **last) for number in range(3)]
    assert len(imports.sheet_read(file_name=file_name, data=build(rows)).rows) == 3
    rows.append(good_row(start_reference="X", **last))
    message = refused(build(rows), file_name)
    assert f"more than {4 * len(COLUMN_CODES)} cells" in message


def test_empty_csv_lines_count_toward_the_rows_read(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    data = csv_of([good_row()]) + b"\r\n" * 5
    assert len(imports.sheet_read(file_name="a.csv", data=data).rows) == 1
    message = refused(data + b"\r\n", "a.csv")
    assert "more than 7 rows, counting the empty ones" in message


def test_a_csv_row_up_to_the_length_limit_is_read_and_a_longer_one_refused():
    # A quoted cell with a line break: one record over two lines, counted together.
    summary = "x" * 50_000 + "\n" + "y" * 40_000
    sheet = imports.sheet_read(file_name="a.csv", data=csv_of([good_row(summary=f'"{summary}"')]))
    assert sheet.rows[0].cells["summary"] == summary
    longer = "x" * 50_000 + "\n" + "y" * 50_001
    message = refused(csv_of([good_row(summary=f'"{longer}"')]), "a.csv")
    assert "Row 2 of the file is longer than 100,000 characters" in message


# Files within the limits -----------------------------------------------------------------------


def test_a_csv_with_extra_columns_and_a_long_text_imports(staff_client, provider, location):
    header = [*COLUMN_CODES, "notes"]
    rows = [good_row(summary="Nederlands leren. " * 16, notes="bellen")]
    response, _seconds = timed_post(staff_client, provider, csv_of(rows, header), "a.csv")
    assert response.status_code == 302, file_errors(response)
    assert OfferingImport.objects.get().summary["ignored_columns"] == ["notes"]


def test_a_workbook_written_with_namespace_prefixes_is_read():
    main = hostile.MAIN_NS

    def row(number: int, values: list[str]) -> bytes:
        cells = b"".join(
            b'<x:c t="inlineStr"><x:is><x:t>%s</x:t></x:is></x:c>' % value.encode()
            for value in values
        )
        return b'<x:row r="%d">%s</x:row>' % (number, cells)

    xml = (
        hostile.DECLARATION
        + b'<x:worksheet xmlns:x="%s"><x:sheetData>' % main
        + row(1, list(COLUMN_CODES))
        + row(2, [good_row().get(code, "") for code in COLUMN_CODES])
        + b"</x:sheetData></x:worksheet>"
    )
    sheet = imports.sheet_read(file_name="a.xlsx", data=hostile.workbook(xml))
    assert sheet.rows[0].cells["title"] == "B1-route overdag"


def test_a_workbook_with_shared_strings_is_read():
    strings = [*COLUMN_CODES, *good_row().values()]
    table = (
        hostile.DECLARATION
        + b'<sst xmlns="%s">' % hostile.MAIN_NS
        + b"".join(b"<si><t>%s</t></si>" % text.encode() for text in strings)
        + b"</sst>"
    )
    index = {text: number for number, text in reversed(list(enumerate(strings)))}

    def row(number: int, values: list[str]) -> bytes:
        return b'<row r="%d">%s</row>' % (
            number,
            b"".join(
                b'<c t="s"><v>%d</v></c>' % index[value] if value else b"<c/>" for value in values
            ),
        )

    body = row(1, list(COLUMN_CODES)) + row(2, [good_row().get(c, "") for c in COLUMN_CODES])
    data = hostile.workbook(hostile.sheet(body), shared_strings=table)
    sheet = imports.sheet_read(file_name="a.xlsx", data=data)
    assert sheet.rows[0].cells["seats"] == "12"
