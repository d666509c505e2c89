"""Hostile spreadsheets, built in memory: the files of issue 14's denial-of-service probe and their
relatives. Shared by the tests of both uploads (``tests/providers/test_import_limits.py``,
``tests/contracts/test_progress_upload_limits.py``) and
``tests/benchmarks/bench_hostile_uploads.py``.

Every builder takes ``max_bytes`` (the upload's size limit) so that a file meant to pass the size
check stays just under it, as a probe would make it. Workbooks are written part by part with
``zipfile``: openpyxl would take minutes to write the larger ones, and could not write the lies.
"""

from __future__ import annotations

import codecs
import io
import random
import struct
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from portal.core.tabular.limits import SheetLimits

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# What the file should be refused for: the key of its expected message in the tests.
LINE = "line"
COLUMNS = "columns"
ROWS_WITH_EMPTY = "rows_with_empty"
CELLS = "cells"
UNPACKED = "unpacked"
UNUSUAL = "unusual"
NOT_A_WORKBOOK = "not_a_workbook"
BINARY = "binary"
NOT_UTF8 = "not_utf8"


# --- Workbooks ---------------------------------------------------------------------------------


def _content_types(*, shared_strings: bool) -> bytes:
    overrides = [
        (b"/xl/workbook.xml", b"sheet.main+xml"),
        (b"/xl/worksheets/sheet1.xml", b"worksheet+xml"),
    ]
    if shared_strings:
        overrides.append((b"/xl/sharedStrings.xml", b"sharedStrings+xml"))
    return (
        DECLARATION
        + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + b'<Default Extension="rels" '
        + b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + b'<Default Extension="xml" ContentType="application/xml"/>'
        + b"".join(
            b'<Override PartName="%s" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.%s"/>' % (name, kind)
            for name, kind in overrides
        )
        + b"</Types>"
    )


_RELATIONSHIPS = b"http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _root_rels() -> bytes:
    return (
        DECLARATION
        + b'<Relationships xmlns="%s">' % _RELATIONSHIPS
        + b'<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>' % _OFFICE
        + b"</Relationships>"
    )


def _workbook() -> bytes:
    return (
        DECLARATION
        + b'<workbook xmlns="%s" xmlns:r="%s">' % (MAIN_NS, _OFFICE)
        + b'<sheets><sheet name="offerings" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _workbook_rels(*, shared_strings: bool) -> bytes:
    strings = (
        b'<Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % _OFFICE
        if shared_strings
        else b""
    )
    return (
        DECLARATION
        + b'<Relationships xmlns="%s">' % _RELATIONSHIPS
        + b'<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>' % _OFFICE
        + strings
        + b"</Relationships>"
    )


def workbook(sheet: bytes, *, shared_strings: bytes | None = None) -> bytes:
    """A workbook of one sheet whose XML is ``sheet`` (and the shared strings, if given)."""
    parts = {
        "[Content_Types].xml": _content_types(shared_strings=shared_strings is not None),
        "_rels/.rels": _root_rels(),
        "xl/workbook.xml": _workbook(),
        "xl/_rels/workbook.xml.rels": _workbook_rels(shared_strings=shared_strings is not None),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    buffer = io.BytesIO()
    # The fastest compression: the tests build these files over and over.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def sheet(rows: bytes, *, dimension: bytes | None = None) -> bytes:
    """A worksheet's XML around ``rows`` (``<row>`` elements)."""
    declared = b'<dimension ref="%s"/>' % dimension if dimension else b""
    return (
        DECLARATION
        + b'<worksheet xmlns="%s">' % MAIN_NS
        + declared
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def text_row(number: int, values: Iterable[str]) -> bytes:
    """A row of inline-string cells (how a program without a shared-string table writes text)."""
    cells = b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % value.encode() for value in values
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def header_row(columns: Iterable[str]) -> bytes:
    return text_row(1, columns)


def _patched_size(data: bytes, part: str, declared: int) -> bytes:
    """``data`` with the zip directory's uncompressed size of ``part`` set to ``declared``."""
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        (name_length,) = struct.unpack_from("<H", data, position + 28)
        name = bytes(data[position + 46 : position + 46 + name_length]).decode()
        if name == part:
            struct.pack_into("<I", data, position + 24, declared)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 46 + name_length)
    raise LookupError(part)


# --- The hostile files -------------------------------------------------------------------------


def csv_of_commas(max_bytes: int, columns: Iterable[str]) -> bytes:
    """The probe's file: one line of commas just under the size limit (millions of columns)."""
    del columns
    return b"x," * ((max_bytes - 1024) // 2)


def csv_one_long_line(max_bytes: int, columns: Iterable[str]) -> bytes:
    """One line without a line break and without separators, just under the size limit."""
    del columns
    return b"x" * (max_bytes - 1024)


def csv_wide_lines(max_bytes: int, columns: Iterable[str]) -> bytes:
    """Lines just short enough to pass the length limit, each of some 50,000 cells."""
    del columns
    line = b"," * 99_999 + b"\n"
    return line * ((max_bytes - 1024) // len(line))


def csv_utf16(max_bytes: int, columns: Iterable[str]) -> bytes:
    """Excel's "Unicode text": UTF-16 with a byte-order mark."""
    del max_bytes
    return codecs.BOM_UTF16_LE + (",".join(columns) + "\r\n").encode("utf-16-le")


def csv_utf16_without_mark(max_bytes: int, columns: Iterable[str]) -> bytes:
    del max_bytes
    return (",".join(columns) + "\r\n" + "a,b\r\n" * 50).encode("utf-16-le")


def csv_with_nul_bytes(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A CSV file that is fine for its first 10 kB, then holds NUL bytes."""
    del max_bytes
    good = (",".join(columns) + "\r\n").encode() + b"a,b\r\n" * 2_000
    return good + b"a\x00b,c\r\n" * 10


def binary_named_csv(max_bytes: int, columns: Iterable[str]) -> bytes:
    del columns
    return random.Random(14).randbytes(min(max_bytes - 1024, 1024 * 1024))


def pdf_named_spreadsheet(max_bytes: int, columns: Iterable[str]) -> bytes:
    """Not a spreadsheet at all."""
    del max_bytes, columns
    return b"%PDF-1.7\n" + random.Random(14).randbytes(64 * 1024) + b"\n%%EOF\n"


def xlsx_wide(max_bytes: int, columns: Iterable[str]) -> bytes:
    """The probe's second file: 20,000 rows of 110 cells (some 270 kB zipped)."""
    del max_bytes, columns
    row = b"<row>" + b"<c><v>1</v></c>" * 110 + b"</row>"
    return workbook(sheet(row * 20_000))


def xlsx_million_rows(max_bytes: int, columns: Iterable[str]) -> bytes:
    """The probe's third file: a header, then 1,048,575 rows of one cell (Excel's last row)."""
    del max_bytes
    return workbook(sheet(header_row(columns) + b"<row><c><v>1</v></c></row>" * 1_048_575))


def xlsx_million_empty_rows(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A header, then a million empty rows, each written out."""
    del max_bytes
    return workbook(sheet(header_row(columns) + b"<row/>" * 1_048_575))


def xlsx_last_row_far_below(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A header, then one empty row numbered 1,048,576: openpyxl would hand over every row
    between."""
    del max_bytes
    return workbook(sheet(header_row(columns) + b'<row r="1048576"/>'))


def xlsx_zip_bomb(max_bytes: int, columns: Iterable[str], *, unpacked: int = 100 << 20) -> bytes:
    """A sheet that unpacks to ``unpacked`` bytes (100 MB of blanks) from some 100 kB. The
    benchmark makes one of 1 GB."""
    del max_bytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _content_types(shared_strings=False))
        archive.writestr("_rels/.rels", _root_rels())
        archive.writestr("xl/workbook.xml", _workbook())
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(shared_strings=False))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(DECLARATION + b'<worksheet xmlns="%s"><sheetData>' % MAIN_NS)
            part.write(header_row(columns))
            blanks = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                part.write(blanks)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def xlsx_blank_bomb_within_limit(max_bytes: int, columns: Iterable[str]) -> bytes:
    """16 MB of blanks inside the sheet: under the unpacked limit, but one huge "text"."""
    return xlsx_zip_bomb(max_bytes, columns, unpacked=16 << 20)


def xlsx_declares_huge_size(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A small, sound workbook whose zip directory says the sheet unpacks to 4 GB."""
    del max_bytes
    data = workbook(sheet(header_row(columns)))
    return _patched_size(data, "xl/worksheets/sheet1.xml", 0xFFFF_FFF0)


def xlsx_declares_tiny_size(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A workbook whose zip directory says the sheet unpacks to 10 bytes: it is larger."""
    del max_bytes
    data = workbook(sheet(header_row(columns) + b"<row><c><v>1</v></c></row>" * 10_000))
    return _patched_size(data, "xl/worksheets/sheet1.xml", 10)


def xlsx_shared_strings_bomb(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A million shared strings (openpyxl keeps every one in memory) and a small sheet."""
    del max_bytes
    strings = (
        DECLARATION + b'<sst xmlns="%s">' % MAIN_NS + b"<si><t>x</t></si>" * 1_000_000 + b"</sst>"
    )
    return workbook(sheet(header_row(columns)), shared_strings=strings)


def xlsx_shared_string_too_long(max_bytes: int, columns: Iterable[str]) -> bytes:
    """One shared string of 12 million characters."""
    del max_bytes
    strings = (
        DECLARATION + b'<sst xmlns="%s"><si><t>' % MAIN_NS + b"x" * 12_000_000 + b"</t></si></sst>"
    )
    return workbook(sheet(header_row(columns)), shared_strings=strings)


def xlsx_deeply_nested(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A cell whose text sits a million elements deep."""
    del max_bytes
    depth = 1_000_000
    cell = b'<c r="A2" t="inlineStr"><is><t>x</t>' + b"<x>" * depth + b"</x>" * depth + b"</is></c>"
    return workbook(sheet(header_row(columns) + b'<row r="2">' + cell + b"</row>"))


def xlsx_entity_expansion(max_bytes: int, columns: Iterable[str]) -> bytes:
    """The "billion laughs": entities that expand to gigabytes."""
    del max_bytes
    entities = b'<!ENTITY a0 "ha">' + b"".join(
        b'<!ENTITY a%d "%s">' % (level, b"&a%d;" % (level - 1) * 10) for level in range(1, 10)
    )
    xml = (
        DECLARATION
        + b"<!DOCTYPE worksheet ["
        + entities
        + b"]>"
        + b'<worksheet xmlns="%s"><sheetData>' % MAIN_NS
        + header_row(columns)
        + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&a9;</t></is></c></row>'
        + b"</sheetData></worksheet>"
    )
    return workbook(xml)


def xlsx_junk_elements(max_bytes: int, columns: Iterable[str]) -> bytes:
    """Three million unknown elements beside the rows (openpyxl keeps them all)."""
    del max_bytes
    return workbook(sheet(header_row(columns) + b"<x/>" * 3_000_000))


def zip_without_workbook(max_bytes: int, columns: Iterable[str]) -> bytes:
    """A zip archive (as a Word file is) that holds no workbook."""
    del max_bytes, columns
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", DECLARATION + b"<document/>")
    return buffer.getvalue()


@dataclass(frozen=True)
class Hostile:
    """One hostile file: how to build it, under which name it is uploaded, and what it should be
    refused for (one of the constants above)."""

    name: str
    file_name: str
    build: Callable[[int, Iterable[str]], bytes]
    refused_for: str


HOSTILE_FILES: tuple[Hostile, ...] = (
    Hostile("csv_of_commas", "aanbod.csv", csv_of_commas, LINE),
    Hostile("csv_one_long_line", "aanbod.csv", csv_one_long_line, LINE),
    Hostile("csv_wide_lines", "aanbod.csv", csv_wide_lines, COLUMNS),
    Hostile("csv_utf16", "aanbod.csv", csv_utf16, NOT_UTF8),
    Hostile("csv_utf16_without_mark", "aanbod.csv", csv_utf16_without_mark, NOT_UTF8),
    Hostile("csv_with_nul_bytes", "aanbod.csv", csv_with_nul_bytes, BINARY),
    Hostile("binary_named_csv", "aanbod.csv", binary_named_csv, BINARY),
    Hostile("pdf_named_csv", "aanbod.csv", pdf_named_spreadsheet, BINARY),
    Hostile("pdf_named_xlsx", "aanbod.xlsx", pdf_named_spreadsheet, NOT_A_WORKBOOK),
    Hostile("zip_without_workbook", "aanbod.xlsx", zip_without_workbook, NOT_A_WORKBOOK),
    Hostile("xlsx_wide", "aanbod.xlsx", xlsx_wide, COLUMNS),
    Hostile("xlsx_million_rows", "aanbod.xlsx", xlsx_million_rows, ROWS_WITH_EMPTY),
    Hostile("xlsx_million_empty_rows", "aanbod.xlsx", xlsx_million_empty_rows, ROWS_WITH_EMPTY),
    Hostile("xlsx_last_row_far_below", "aanbod.xlsx", xlsx_last_row_far_below, ROWS_WITH_EMPTY),
    Hostile("xlsx_zip_bomb", "aanbod.xlsx", xlsx_zip_bomb, UNPACKED),
    Hostile("xlsx_blank_bomb_within_limit", "aanbod.xlsx", xlsx_blank_bomb_within_limit, UNUSUAL),
    Hostile("xlsx_declares_huge_size", "aanbod.xlsx", xlsx_declares_huge_size, UNPACKED),
    Hostile("xlsx_declares_tiny_size", "aanbod.xlsx", xlsx_declares_tiny_size, NOT_A_WORKBOOK),
    Hostile("xlsx_shared_strings_bomb", "aanbod.xlsx", xlsx_shared_strings_bomb, UNUSUAL),
    Hostile("xlsx_shared_string_too_long", "aanbod.xlsx", xlsx_shared_string_too_long, UNUSUAL),
    Hostile("xlsx_deeply_nested", "aanbod.xlsx", xlsx_deeply_nested, UNUSUAL),
    Hostile("xlsx_entity_expansion", "aanbod.xlsx", xlsx_entity_expansion, UNUSUAL),
    Hostile("xlsx_junk_elements", "aanbod.xlsx", xlsx_junk_elements, UNUSUAL),
)

# The English message of each refusal, as the tests look for it.
MESSAGES = {
    LINE: "longer than 100,000 characters",
    COLUMNS: "more than {max_columns:,} columns",
    ROWS_WITH_EMPTY: "more than {max_row_number:,} rows, counting the empty ones",
    CELLS: "more than {max_cells:,} cells",
    UNPACKED: "too large once unpacked",
    UNUSUAL: "built in a way that spreadsheet programs do not use",
    NOT_A_WORKBOOK: "not an Excel workbook",
    BINARY: "not a CSV file",
    NOT_UTF8: "not saved as UTF-8",
}


def message(refused_for: str, limits: SheetLimits) -> str:
    """The part of the English refusal that names the limit (with its figure)."""
    return MESSAGES[refused_for].format(
        max_columns=limits.max_columns,
        max_row_number=limits.max_row_number,
        max_cells=limits.max_cells,
    )
