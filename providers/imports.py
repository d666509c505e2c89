"""Spreadsheet import of a provider's offerings and start moments: read, check, compare, apply.

The steps, each a function that promises one thing:

1. ``sheet_read`` turns an uploaded CSV or XLSX file into rows of text cells, or refuses the whole
   file with an ``ImportFileError`` that says what to do (wrong type, too large, not UTF-8, missing
   columns, no rows, too many rows). Formulas are never evaluated: a formula cell is a row error.
2. ``import_check`` validates every row with the rules of the admin forms (each offering and start
   moment is built as a model instance and ``full_clean()``-ed, which runs
   ``providers.offerings.offering_validate`` and ``StartMoment.clean``), adds the checks across
   rows, collects *all* errors as (row, column, value, reason), and compares a clean file with the
   catalogue: every offering and start moment is new, changed (which fields, old → new) or
   unchanged. Offerings compare with their latest revision, so a file uploaded again while an
   approval is pending changes nothing.
3. ``import_batch_create`` stores a clean file as an ``OfferingImport`` so the preview survives
   between requests and web processes.
4. ``import_apply`` checks the stored rows again against the database as it is now, refuses if the
   outcome differs from the preview, and otherwise writes everything in one transaction: offerings
   through revisions (published at once by users who may publish, else submitted to the approval
   workflow), start moments directly (``seats_taken`` is never written).

Rows are matched on the provider's own references (``Offering.reference``,
``StartMoment.reference``). An import never deletes: offerings and start moments that are not in
the file stay as they are.
"""

from __future__ import annotations

import codecs
import copy
import datetime
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pandas
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Model, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import get_active_log_context
from wagtail.models import (
    GroupApprovalTask,
    ModelLogEntry,
    ReferenceIndex,
    Revision,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
)
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.signals import published, task_submitted, workflow_submitted

from portal import pagecache, permissions
from portal.permissions import Action
from providers.models import (
    Language,
    Location,
    Offering,
    OfferingImport,
    Provider,
    StartMoment,
)
from providers.spreadsheets import (
    COLUMN_CODES,
    COLUMNS_BY_CODE,
    FALSE_WORDS,
    LANGUAGE_SEPARATOR,
    OFFERING_COLUMNS,
    START_MOMENT_COLUMNS,
    TRUE_WORDS,
    Column,
    Kind,
    cell_text,
    formula_unescape,
)

if TYPE_CHECKING:
    from portal.accounts.models import User

MAX_ROWS = 20_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip archive; a small upload may unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# Fields that ``full_clean`` would check with one query each; the import resolves them itself
# (the provider is the one chosen, locations are looked up among the provider's own).
_OFFERING_CLEAN_EXCLUDE = ("provider", "latest_revision", "live_revision", "locked_by")
_START_MOMENT_CLEAN_EXCLUDE = ("offering", "location")
# Kept from the row when an offering is rebuilt from its latest revision (as Wagtail's
# ``with_content_json`` does).
_KEPT_FROM_ROW = frozenset(
    {"id", "provider", "latest_revision", "live", "has_unpublished_changes", "first_published_at"}
)


def import_max_bytes() -> int:
    """The largest file the import reads (setting ``IMPORT_MAX_BYTES``, default 5 MB)."""
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """Applying a checked file was refused; nothing was changed. ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the row as the spreadsheet numbers it (header = 1), the column
    code, the cell's text and the reason in the active language."""

    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, str]


@dataclass
class Sheet:
    """The readable content of an uploaded file: text cells keyed by column code."""

    file_name: str
    rows: list[SheetRow]
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def to_json(self) -> list[dict]:
        return [{"row": row.number, "cells": row.cells} for row in self.rows]

    @classmethod
    def from_json(cls, *, file_name: str, rows: Iterable[dict]) -> Sheet:
        return cls(
            file_name=file_name,
            rows=[SheetRow(number=row["row"], cells=row["cells"]) for row in rows],
        )


# 1. Reading ------------------------------------------------------------------------------------


def sheet_read(*, file_name: str, data: bytes) -> Sheet:
    """Read an uploaded ``.csv`` (UTF-8, with or without byte-order mark, comma, semicolon or tab
    separated) or ``.xlsx`` (first sheet) into text cells by column code.

    Raises ``ImportFileError`` when the file cannot be used at all. Cells that hold formulas (XLSX
    formula cells, CSV text starting with ``=``) are returned as row errors in ``Sheet.errors``.
    Rows that are completely empty are skipped; row numbers stay those of the spreadsheet.
    """
    extension = Path(file_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(
            _(
                "%(name)s cannot be imported: only .xlsx and .csv files can. Save the sheet as "
                "an Excel workbook (.xlsx) or as “CSV UTF-8”."
            )
            % {"name": file_name}
        )
    limit = import_max_bytes()
    if len(data) > limit:
        raise ImportFileError(file_too_large_message(limit))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if extension == ".csv":
        header, rows, formulas = _csv_table(data)
    else:
        header, rows, formulas = _xlsx_table(data)
    return _sheet_from_table(file_name, header, rows, formulas)


def file_too_large_message(limit: int) -> str:
    return _(
        "The file is larger than %(size)s MB. Split it into several files, or leave out the "
        "offerings that did not change."
    ) % {"size": f"{limit / (1024 * 1024):g}"}


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s rows. Split it into several files.")
        % {"max": number_format(MAX_ROWS, force_grouping=True)}
    )


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > len(sample) // 100


def _csv_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], set]:
    not_utf8 = ImportFileError(
        _(
            "The CSV file is not saved as UTF-8, so letters such as ë or ç would be garbled. "
            "In Excel choose Save as → “CSV UTF-8 (comma delimited)” and upload that file, or "
            "upload an Excel workbook (.xlsx)."
        )
    )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": readable, but not what the import takes.
        raise not_utf8
    if _looks_binary(data):
        raise ImportFileError(
            _(
                "This file is not a CSV file (it holds binary data). Upload the sheet saved as "
                "“CSV UTF-8”, or as an Excel workbook (.xlsx)."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8 from None
    first_line = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first_line.count)
    try:
        frame = pandas.read_csv(
            io.StringIO(text),
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pandas.errors.EmptyDataError:
        raise ImportFileError(_("The file is empty.")) from None
    except pandas.errors.ParserError as error:
        if line := re.search(r"Expected \d+ fields in line (\d+)", str(error)):
            raise ImportFileError(
                _("Line %(line)s of the file has more cells than the header row has columns.")
                % {"line": line.group(1)}
            ) from None
        raise ImportFileError(
            _(
                'The CSV file cannot be read: a quotation mark (") is not closed. Open the file '
                "in a spreadsheet program and save it again as “CSV UTF-8”."
            )
        ) from None
    values = frame.to_numpy().tolist()
    if len(values) - 1 > MAX_ROWS:
        raise _too_many_rows()
    header = [str(value) for value in values[0]]
    rows = [
        (index, ["" if value is None else str(value) for value in row])
        for index, row in enumerate(values[1:], start=2)
    ]
    formulas = {
        (number, position)
        for number, row in rows
        for position, value in enumerate(row)
        if value.strip().startswith("=")
    }
    return header, rows, formulas


def _xlsx_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], set]:
    not_a_workbook = ImportFileError(
        _(
            "This file is not an Excel workbook (.xlsx). If it is an older .xls file, open it "
            "and save it as .xlsx first."
        )
    )
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise not_a_workbook
    try:
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise not_a_workbook from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook is too large once unpacked. Split it into several files.")
        )
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged or foreign files
        raise not_a_workbook from None
    try:
        return _xlsx_rows(workbook)
    except ImportFileError:
        raise
    except Exception:
        raise not_a_workbook from None
    finally:
        workbook.close()


def _xlsx_rows(workbook) -> tuple[list[str], list[tuple[int, list[str]]], set]:
    if not workbook.worksheets:
        raise ImportFileError(_("The file is empty."))
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    formulas: set[tuple[int, int]] = set()
    data_rows = 0
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        texts = []
        for position, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                formulas.add((number, position))
                value = getattr(cell.value, "text", cell.value)
                texts.append("" if value is None else str(value))
            else:
                texts.append(_xlsx_text(cell.value))
        if header is None:
            header = texts
            continue
        if any(texts):
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise _too_many_rows()
            rows.append((number, texts))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, rows, formulas


def _xlsx_text(value: object) -> str:
    """An XLSX cell value as text: dates as YYYY-MM-DD, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _sheet_from_table(
    file_name: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    formulas: set[tuple[int, int]],
) -> Sheet:
    codes = [cell.strip().lower() for cell in header]
    seen: set[str] = set()
    for code in codes:
        if code and code in seen:
            raise ImportFileError(
                _("The column %(column)s appears more than once in the header row.")
                % {"column": code}
            )
        seen.add(code)
    missing = [code for code in COLUMN_CODES if code not in seen]
    if missing:
        raise ImportFileError(
            ngettext(
                "This column is missing from the header row (row 1): %(columns)s. The template "
                "shows every column.",
                "These columns are missing from the header row (row 1): %(columns)s. The "
                "template shows every column.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    positions = {code: position for position, code in enumerate(codes) if code in COLUMNS_BY_CODE}
    ignored = [cell for cell in header if cell.strip() and cell.strip().lower() not in positions]
    sheet_rows: list[SheetRow] = []
    errors: list[RowError] = []
    for number, values in rows:
        cells: dict[str, str] = {}
        for code, position in positions.items():
            raw = values[position].strip() if position < len(values) else ""
            if (number, position) in formulas:
                errors.append(
                    RowError(
                        row=number,
                        column=code,
                        value=raw,
                        reason=_(
                            "Formulas are not imported. Type the value itself (in Excel: copy "
                            "the cells and paste them as values)."
                        ),
                    )
                )
            cells[code] = formula_unescape(raw)
        if any(cells.values()):
            sheet_rows.append(SheetRow(number=number, cells=cells))
    if not sheet_rows:
        raise ImportFileError(
            _(
                "The file has no rows below the header row. Fill in one row per start date, as in "
                "the template's example row."
            )
        )
    return Sheet(file_name=file_name, rows=sheet_rows, errors=errors, ignored_columns=ignored)


# 2. The catalogue as it is ---------------------------------------------------------------------


@dataclass
class CurrentOffering:
    """An offering of the provider as its latest revision has it (which may await approval)."""

    offering: Offering
    latest: Offering
    language_codes: tuple[str, ...]
    location_ids: tuple[int, ...]
    workflow_status: str | None = None
    """The status of its active workflow (in progress, or rejected and awaiting changes)."""

    @property
    def workflow_in_progress(self) -> bool:
        return self.workflow_status == WorkflowState.STATUS_IN_PROGRESS

    def values_in(self, columns: Sequence[Column]) -> list[object]:
        return [_offering_value(self.latest, column, self.language_codes) for column in columns]


@dataclass
class CatalogueSnapshot:
    """Everything the import compares with, read in a fixed number of queries."""

    provider: Provider
    offerings: dict[str, CurrentOffering]
    start_moments: dict[tuple[int, str], StartMoment]
    locations: dict[int, Location]
    locations_by_name: dict[str, list[Location]]
    location_names: dict[int, str]
    languages: dict[str, Language]

    def start_moments_of(self, offering_id: int) -> list[StartMoment]:
        return [m for m in self.start_moments.values() if m.offering_id == offering_id]


def catalogue_snapshot_load(*, provider: Provider, lock: bool = False) -> CatalogueSnapshot:
    """The provider's referenced offerings (at their latest revision) and start moments, its
    locations and all languages. With ``lock``, the offerings and start moments stay locked until
    the transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
    offerings_qs = Offering.objects.filter(provider=provider).exclude(reference="")
    moments_qs = StartMoment.objects.filter(offering__provider=provider).exclude(reference="")
    if lock:
        offerings_qs = offerings_qs.select_for_update(of=("self",))
        moments_qs = moments_qs.select_for_update(of=("self",))
    offerings = list(offerings_qs)
    ids = [offering.pk for offering in offerings]
    languages = {language.code: language for language in Language.objects.all()}
    code_of = {language.pk: language.code for language in languages.values()}
    live_languages: dict[int, list[str]] = defaultdict(list)
    for offering_id, language_id in Offering.support_languages.through.objects.filter(
        offering_id__in=ids
    ).values_list("offering_id", "language_id"):
        live_languages[offering_id].append(code_of[language_id])
    live_locations: dict[int, list[int]] = defaultdict(list)
    for offering_id, location_id in Offering.locations.through.objects.filter(
        offering_id__in=ids
    ).values_list("offering_id", "location_id"):
        live_locations[offering_id].append(location_id)
    contents = dict(
        Revision.objects.filter(
            pk__in=[o.latest_revision_id for o in offerings if o.has_unpublished_changes]
        ).values_list("pk", "content")
    )
    workflow_status = dict(
        WorkflowState.objects.active()
        .filter(
            base_content_type=ContentType.objects.get_for_model(Offering),
            object_id__in=[str(pk) for pk in ids],
        )
        .values_list("object_id", "status")
    )
    current: dict[str, CurrentOffering] = {}
    for offering in offerings:
        offering.provider = provider
        content = contents.get(offering.latest_revision_id)
        if content is not None:
            latest = _offering_from_content(offering, content)
            language_codes = [code_of[pk] for pk in content.get("support_languages", [])]
            location_ids = list(content.get("locations", []))
        else:
            latest = offering
            language_codes = live_languages[offering.pk]
            location_ids = live_locations[offering.pk]
        current[offering.reference] = CurrentOffering(
            offering=offering,
            latest=latest,
            language_codes=tuple(sorted(language_codes)),
            location_ids=tuple(sorted(location_ids)),
            workflow_status=workflow_status.get(str(offering.pk)),
        )
    start_moments = {(m.offering_id, m.reference): m for m in moments_qs}
    own_locations = list(Location.objects.filter(provider=provider))
    by_name: dict[str, list[Location]] = defaultdict(list)
    for location in own_locations:
        by_name[location.name.strip().casefold()].append(location)
    names = {location.pk: location.name for location in own_locations}
    other_ids = {i for o in current.values() for i in o.location_ids} - names.keys()
    names.update(Location.objects.filter(pk__in=other_ids).values_list("pk", "name"))
    return CatalogueSnapshot(
        provider=provider,
        offerings=current,
        start_moments=start_moments,
        locations={location.pk: location for location in own_locations},
        locations_by_name=dict(by_name),
        location_names=names,
        languages=languages,
    )


def _offering_from_content(offering: Offering, content: dict) -> Offering:
    """The offering as its revision ``content`` has it, without a query per foreign key (what
    ``offering.with_content_json(content)`` returns, minus its look-ups)."""
    latest = copy.copy(offering)
    for model_field in Offering._meta.concrete_fields:
        if model_field.name in _KEPT_FROM_ROW or model_field.name not in content:
            continue
        value = content[model_field.name]
        if model_field.is_relation:
            setattr(latest, model_field.attname, value)
        else:
            setattr(latest, model_field.attname, model_field.to_python(value))
    return latest


def _offering_value(offering: Offering, column: Column, language_codes: Sequence[str]) -> object:
    if column.kind == Kind.LANGUAGES:
        return tuple(language_codes)
    return getattr(offering, column.field)


# 3. Checking -----------------------------------------------------------------------------------


@dataclass
class Change:
    column: str
    old: str
    new: str


@dataclass
class StartMomentPlan:
    row: int
    reference: str
    instance: StartMoment
    status: str
    changes: list[Change]


@dataclass
class OfferingPlan:
    row: int
    reference: str
    instance: Offering
    current: CurrentOffering | None
    language_codes: tuple[str, ...]
    location_ids: tuple[int, ...]
    status: str
    changes: list[Change]
    start_moments: list[StartMomentPlan] = field(default_factory=list)


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
CONTENT_CHANGING_ACTIONS = frozenset({"wagtail.create", "wagtail.edit", "wagtail.publish"})


@dataclass
class ImportCheck:
    """The outcome of ``import_check``: ``errors`` (sorted by row), or else the ``plan`` of what an
    apply would do and its JSON ``summary`` for the preview."""

    errors: list[RowError]
    plan: list[OfferingPlan]
    snapshot: CatalogueSnapshot
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> dict:
        counts = {
            "offerings": dict.fromkeys((NEW, CHANGED, UNCHANGED), 0),
            "start_moments": dict.fromkeys((NEW, CHANGED, UNCHANGED), 0),
        }
        offerings = []
        for plan in self.plan:
            counts["offerings"][plan.status] += 1
            moments = []
            for moment in plan.start_moments:
                counts["start_moments"][moment.status] += 1
                moments.append(
                    {
                        "reference": moment.reference,
                        "starts_on": moment.instance.starts_on.isoformat(),
                        "status": moment.status,
                        "changes": [[c.column, c.old, c.new] for c in moment.changes],
                    }
                )
            offerings.append(
                {
                    "reference": plan.reference,
                    "title": plan.instance.title,
                    "status": plan.status,
                    "changes": [[c.column, c.old, c.new] for c in plan.changes],
                    "start_moments": moments,
                }
            )
        return {"counts": counts, "offerings": offerings, "ignored_columns": self.ignored_columns}


class _Errors:
    """Collects row errors, one per (row, column): a cell that is wrong is reported once."""

    def __init__(self, initial: Iterable[RowError] = ()) -> None:
        self._by_cell: dict[tuple[int, str], RowError] = {}
        for error in initial:
            self._by_cell.setdefault((error.row, error.column), error)

    def add(self, row: int, column: str, value: str, reason: str) -> None:
        self._by_cell.setdefault((row, column), RowError(row, column, value, str(reason)))

    def has(self, row: int, column: str) -> bool:
        return (row, column) in self._by_cell

    def sorted(self) -> list[RowError]:
        order = {code: index for index, code in enumerate(COLUMN_CODES)}
        return sorted(self._by_cell.values(), key=lambda e: (e.row, order.get(e.column, 99)))


def import_check(
    *,
    provider: Provider,
    user: User,
    sheet: Sheet,
    lock: bool = False,
) -> ImportCheck:
    """Check every row of ``sheet`` for ``provider`` and compare the result with the catalogue.

    Promises: every problem in the file is in ``errors`` (row, column code, cell text, reason in
    the active language), found by the same rules as the admin forms plus the checks across rows;
    with no errors, ``plan`` says per offering and start moment whether it is new, changed (old →
    new per field) or unchanged, against the latest revision of each offering. Writes nothing.
    """
    snapshot = catalogue_snapshot_load(provider=provider, lock=lock)
    errors = _Errors(sheet.errors)
    groups: dict[str, list[SheetRow]] = {}
    for row in sheet.rows:
        reference = row.cells.get("offering_reference", "").strip()
        if not reference:
            errors.add(
                row.number,
                "offering_reference",
                "",
                _("Fill in your own reference for the offering; rows are matched on it."),
            )
            continue
        groups.setdefault(reference, []).append(row)
    plan = [
        _check_offering(reference, rows, snapshot, user, errors)
        for reference, rows in groups.items()
    ]
    return ImportCheck(
        errors=errors.sorted(),
        plan=plan,
        snapshot=snapshot,
        ignored_columns=sheet.ignored_columns,
    )


def _parse_cells(
    row: SheetRow, columns: Sequence[Column], snapshot: CatalogueSnapshot, errors: _Errors
) -> dict[str, object]:
    """The row's cells in ``columns`` as typed values; unreadable cells become errors and are
    left out."""
    values: dict[str, object] = {}
    for column in columns:
        text = row.cells.get(column.code, "")
        try:
            values[column.code] = _parse_cell(column, text, snapshot)
        except ValidationError as error:
            errors.add(row.number, column.code, text, error.messages[0])
    return values


def _parse_cell(column: Column, text: str, snapshot: CatalogueSnapshot) -> object:
    text = text.strip()
    match column.kind:
        case Kind.REFERENCE | Kind.TEXT:
            return text
        case Kind.CHOICE:
            if not text:
                return ""
            code = text.upper()
            if code not in column.choice_values:
                raise ValidationError(
                    _("Unknown value. Use one of these codes: %(codes)s.")
                    % {"codes": ", ".join(column.choices.values)}
                )
            return code
        case Kind.BOOLEAN:
            word = text.casefold()
            if not word:
                return column.default
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValidationError(_("Fill in ja or nee."))
        case Kind.INTEGER:
            return _parse_integer(text)
        case Kind.PRICE:
            return _parse_price(text)
        case Kind.DATE:
            return _parse_date(text)
        case Kind.LANGUAGES:
            return _parse_languages(text, snapshot)
        case Kind.LOCATION:
            return _parse_location(text, snapshot)
    raise AssertionError(column.kind)  # pragma: no cover


_INTEGER = re.compile(r"(\d+)(?:[.,]0+)?")
_PRICE = re.compile(r"(\d+)(?:\.(\d{1,2}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def _parse_integer(text: str) -> int | None:
    if not text:
        return None
    match = _INTEGER.fullmatch(text)
    if match is None:
        raise ValidationError(_("Fill in a whole number, such as 12."))
    return int(match.group(1))


def _parse_price(text: str) -> int | None:
    """Euros (``1250``, ``1250.00``, ``1250,00``, ``€ 1.250,00``) as whole cents."""
    text = text.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    match = _PRICE.fullmatch(text.replace(",", "."))
    if match is None:
        raise ValidationError(
            _("Fill in an amount in euros with at most two decimals, such as 1250.00 or 1250,00.")
        )
    euros, cents = match.groups()
    return int(euros) * 100 + int((cents or "0").ljust(2, "0"))


def _parse_date(text: str) -> datetime.date | None:
    if not text:
        return None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        year = None
    if year is not None:
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            pass
    raise ValidationError(_("Fill in a date as YYYY-MM-DD or DD-MM-YYYY, such as 2027-01-31."))


def _parse_languages(text: str, snapshot: CatalogueSnapshot) -> tuple[str, ...]:
    codes = [part.strip().lower() for part in re.split(r"[;,]", text) if part.strip()]
    unknown = [code for code in codes if code not in snapshot.languages]
    if unknown:
        raise ValidationError(
            _(
                "Unknown language code: %(codes)s. Use two-letter codes (ISO 639-1) separated by "
                "%(separator)s, such as ar%(separator)sen."
            )
            % {"codes": ", ".join(unknown), "separator": LANGUAGE_SEPARATOR}
        )
    return tuple(sorted(set(codes)))


def _parse_location(text: str, snapshot: CatalogueSnapshot) -> int | None:
    if not text:
        return None
    found = snapshot.locations_by_name.get(text.casefold(), [])
    if len(found) > 1:
        raise ValidationError(
            _(
                "%(provider)s has more than one location with this name. Give them different "
                "names in the admin first."
            )
            % {"provider": snapshot.provider.name}
        )
    if not found:
        names = sorted(location.name for location in snapshot.locations.values())
        raise ValidationError(
            _(
                "This is not a location of %(provider)s. Use one of: %(names)s; or leave it "
                "empty for an online course."
            )
            % {"provider": snapshot.provider.name, "names": ", ".join(names) or "—"}
        )
    return found[0].pk


def _has_start_moment(row: SheetRow) -> bool:
    return any(row.cells.get(column.code, "") for column in START_MOMENT_COLUMNS)


def _check_offering(
    reference: str,
    rows: list[SheetRow],
    snapshot: CatalogueSnapshot,
    user: User,
    errors: _Errors,
) -> OfferingPlan:
    first_row = rows[0]
    first = _parse_cells(first_row, OFFERING_COLUMNS, snapshot, errors)
    # The same offering described differently on two rows: which one is meant? Cells written
    # the same way are the same; others are compared by value (1250 and 1.250,00 are equal).
    for row in rows[1:]:
        for column in OFFERING_COLUMNS:
            code = column.code
            text = row.cells.get(code, "")
            if text == first_row.cells.get(code, "") or errors.has(row.number, code):
                continue
            try:
                value = _parse_cell(column, text, snapshot)
            except ValidationError as error:
                errors.add(row.number, code, text, error.messages[0])
                continue
            if code in first and value != first[code]:
                errors.add(
                    row.number,
                    code,
                    text,
                    _(
                        "Differs from row %(row)d, which describes the same offering "
                        "(%(reference)s). Repeat the offering's columns unchanged on each of its "
                        "rows."
                    )
                    % {"row": first_row.number, "reference": reference},
                )

    current = snapshot.offerings.get(reference)
    instance = copy.copy(current.latest) if current else Offering(provider=snapshot.provider)
    instance.provider = snapshot.provider
    instance.reference = reference
    for column in OFFERING_COLUMNS:
        if column.kind not in (Kind.LANGUAGES, Kind.REFERENCE) and column.code in first:
            setattr(instance, column.field, first[column.code])
    _full_clean(instance, _OFFERING_CLEAN_EXCLUDE, first_row, errors, _offering_column_of)
    if current and current.offering.locked and current.offering.locked_by_id != user.pk:
        errors.add(
            first_row.number,
            "offering_reference",
            reference,
            _(
                "This offering is locked in the admin by somebody else. Ask them to unlock it, "
                "or leave its rows out of the file."
            ),
        )

    start_plans: list[StartMomentPlan] = []
    seen: dict[str, int] = {}
    for row in rows:
        if not _has_start_moment(row):
            continue
        values = _parse_cells(row, START_MOMENT_COLUMNS, snapshot, errors)
        start_reference = values.get("start_reference") or ""
        if not start_reference:
            errors.add(
                row.number,
                "start_reference",
                "",
                _("Fill in your own reference for the start date; rows are matched on it."),
            )
            continue
        if start_reference in seen:
            errors.add(
                row.number,
                "start_reference",
                start_reference,
                _(
                    "Row %(row)d already has this start date reference for offering "
                    "%(reference)s. Each start date of an offering needs its own reference."
                )
                % {"row": seen[start_reference], "reference": reference},
            )
            continue
        seen[start_reference] = row.number
        start_plans.append(
            _check_start_moment(row, values, start_reference, instance, current, snapshot, errors)
        )

    languages = first.get("support_languages", ())
    old_locations = current.location_ids if current else ()
    new_locations = tuple(
        sorted(
            set(old_locations)
            | {p.instance.location_id for p in start_plans if p.instance.location_id}
        )
    )
    changes = _offering_changes(current, instance, languages, new_locations, snapshot)
    status = NEW if current is None else (CHANGED if changes else UNCHANGED)
    return OfferingPlan(
        row=first_row.number,
        reference=reference,
        instance=instance,
        current=current,
        language_codes=tuple(languages),
        location_ids=new_locations,
        status=status,
        changes=changes if current else [],
        start_moments=start_plans,
    )


def _check_start_moment(
    row: SheetRow,
    values: dict[str, object],
    reference: str,
    offering: Offering,
    current: CurrentOffering | None,
    snapshot: CatalogueSnapshot,
    errors: _Errors,
) -> StartMomentPlan:
    existing = snapshot.start_moments.get((current.offering.pk, reference)) if current else None
    instance = copy.copy(existing) if existing else StartMoment(reference=reference)
    instance.offering = offering
    for column in START_MOMENT_COLUMNS:
        if column.code in ("start_reference", "location"):
            continue
        if column.code in values:
            setattr(instance, column.field, values[column.code])
    if "location" in values:
        location_id = values["location"]
        instance.location = snapshot.locations[location_id] if location_id else None
    _full_clean(instance, _START_MOMENT_CLEAN_EXCLUDE, row, errors, _start_moment_column_of)
    changes = []
    if existing:
        for column in START_MOMENT_COLUMNS:
            if column.code == "start_reference":
                continue
            attribute = "location_id" if column.kind == Kind.LOCATION else column.field
            old, new = getattr(existing, attribute), getattr(instance, attribute)
            if old != new:
                changes.append(_change(column, old, new, snapshot))
    status = NEW if existing is None else (CHANGED if changes else UNCHANGED)
    return StartMomentPlan(
        row=row.number, reference=reference, instance=instance, status=status, changes=changes
    )


def _offering_column_of(field_name: str) -> str:
    if field_name == "reference":
        return "offering_reference"
    for column in OFFERING_COLUMNS:
        if column.field == field_name:
            return column.code
    return "" if field_name == NON_FIELD_ERRORS else field_name


def _start_moment_column_of(field_name: str) -> str:
    if field_name == "reference":
        return "start_reference"
    for column in START_MOMENT_COLUMNS:
        if column.field == field_name:
            return column.code
    return "" if field_name == NON_FIELD_ERRORS else field_name


def _full_clean(instance, exclude, row: SheetRow, errors: _Errors, column_of) -> None:
    """The admin form's validation of one object: field validators and the model's ``clean``.

    Uniqueness is not asked of the database here: references are unique by construction (a
    reference that exists is matched, not created again; duplicates within the file are row
    errors), and every check constraint of Offering and StartMoment has a matching rule in
    ``clean``/field validators. The constraints still guard the writes in ``import_apply``.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            code = column_of(field_name)
            for message in messages:
                errors.add(row.number, code, row.cells.get(code, ""), message)


def _offering_changes(
    current: CurrentOffering | None,
    instance: Offering,
    language_codes: tuple[str, ...],
    location_ids: tuple[int, ...],
    snapshot: CatalogueSnapshot,
) -> list[Change]:
    if current is None:
        return []
    changes = []
    for column in OFFERING_COLUMNS:
        if column.kind == Kind.REFERENCE:
            continue
        old = _offering_value(current.latest, column, current.language_codes)
        new = _offering_value(instance, column, language_codes)
        if old != new:
            changes.append(_change(column, old, new, snapshot))
    if tuple(current.location_ids) != tuple(location_ids):
        changes.append(
            Change(
                column="locations",
                old=_location_list(current.location_ids, snapshot),
                new=_location_list(location_ids, snapshot),
            )
        )
    return changes


def _change(column: Column, old: object, new: object, snapshot: CatalogueSnapshot) -> Change:
    names = snapshot.location_names
    return Change(
        column=column.code,
        old=cell_text(column, old, location_names=names),
        new=cell_text(column, new, location_names=names),
    )


def _location_list(ids: Iterable[int], snapshot: CatalogueSnapshot) -> str:
    return "; ".join(sorted(snapshot.location_names.get(pk, str(pk)) for pk in ids))


# 4. Storing and applying -----------------------------------------------------------------------


def unreferenced_counts(*, provider: Provider) -> dict[str, int]:
    """How many of the provider's offerings and start moments have no own reference, so that the
    export leaves them out and an upload cannot change them."""
    return {
        "offerings": Offering.objects.filter(provider=provider, reference="").count(),
        "start_moments": StartMoment.objects.filter(
            offering__provider=provider, offering__reference__gt="", reference=""
        ).count(),
    }


def may_import(*, user: User, provider: Provider) -> bool:
    """May ``user`` import offerings for ``provider`` (its staff, contract managers)?"""
    return permissions.providers_for(user, Action.IMPORT).filter(pk=provider.pk).exists()


def import_batch_create(
    *, user: User, provider: Provider, sheet: Sheet, check: ImportCheck
) -> OfferingImport:
    """Store a file that passed ``import_check`` so its uploader can apply it later."""
    if not check.ok:
        raise ValueError("Only a file without errors can be stored for applying.")
    return OfferingImport.objects.create(
        user=user,
        provider=provider,
        file_name=sheet.file_name[:255],
        rows=sheet.to_json(),
        summary=check.summary,
    )


def import_apply(*, batch: OfferingImport, user: User) -> dict[str, int]:
    """Apply a stored batch in one transaction, or change nothing and raise ``ImportRefused``.

    The rows are checked again against the catalogue as it is now (locked against concurrent
    writers on PostgreSQL); if that finds errors or a different outcome than the preview the user
    saw, the apply is refused. Offerings: a new revision per new or changed offering, published at
    once when the user may publish, otherwise submitted to the offering workflow (or left for the
    workflow already in progress). Start moments are created and updated directly; ``seats_taken``
    is never written. Returns the counts of what was written.
    """
    if batch.user_id != user.pk:
        raise ImportRefused(_("Only the person who uploaded the file can apply it."))
    try:
        with transaction.atomic():
            claimed = OfferingImport.objects.filter(
                pk=batch.pk, status=OfferingImport.Status.PENDING
            ).update(status=OfferingImport.Status.APPLIED, applied_at=timezone.now())
            if not claimed:
                raise ImportRefused(_("This file has already been applied."))
            if not may_import(user=user, provider=batch.provider):
                raise ImportRefused(
                    _("You can no longer import offerings for %(provider)s.")
                    % {"provider": batch.provider.name}
                )
            sheet = Sheet.from_json(file_name=batch.file_name, rows=batch.rows)
            check = import_check(provider=batch.provider, user=user, sheet=sheet, lock=True)
            if not check.ok or _outcome(check.summary) != _outcome(batch.summary):
                raise ImportRefused(
                    _(
                        "The catalogue has changed since you checked this file, so it would no "
                        "longer do what the preview showed. Nothing was changed. Upload the file "
                        "again to see what it would do now."
                    )
                )
            result = _write(check.plan, user=user, provider=batch.provider)
            OfferingImport.objects.filter(pk=batch.pk).update(result=result)
            transaction.on_commit(pagecache.catalogue_changed)
    except IntegrityError:
        raise ImportRefused(
            _(
                "The catalogue changed while the file was being applied. Nothing was changed. "
                "Upload the file again to see what it would do now."
            )
        ) from None
    batch.refresh_from_db()
    return result


def _outcome(summary: dict) -> dict:
    return {key: summary.get(key) for key in ("counts", "offerings")}


def _write(plan: list[OfferingPlan], *, user: User, provider: Provider) -> dict[str, int]:
    may_publish = permissions.can_on_model(user, Action.PUBLISH, Offering)
    needed_languages = {code for p in plan for code in p.language_codes}
    languages = {lang.code: lang for lang in Language.objects.filter(code__in=needed_languages)}
    locations = Location.objects.in_bulk({pk for p in plan for pk in p.location_ids})
    new = [p for p in plan if p.status == NEW]
    changed = [p for p in plan if p.status == CHANGED]
    for offering_plan in new + changed:
        instance = offering_plan.instance
        instance.support_languages.set([languages[c] for c in offering_plan.language_codes])
        instance.locations.set([locations[pk] for pk in offering_plan.location_ids])

    # The reference index ("usage" in the admin) is written once per new offering at the end
    # instead of after every save. An import never changes what an existing offering refers to
    # (its provider, its description's links), so changed offerings keep their entries.
    with disable_reference_index_auto_update():
        _offerings_create(new, user=user, may_publish=may_publish)
        revisions = _offerings_revise(changed, user=user)
        if may_publish:
            now = timezone.now()
            together = [(p, r) for p, r in zip(changed, revisions, strict=True) if _plain(p, now)]
            _offerings_publish(together, user=user)
            for offering_plan, revision in zip(changed, revisions, strict=True):
                if not _plain(offering_plan, now):
                    # Wagtail's own publish cancels the running workflow or schedules the revision.
                    revision.publish(user=user)
        submitted = 0 if may_publish else _workflows_start(new + changed, user=user)
        _reference_index_create([offering_plan.instance for offering_plan in new])

    created_moments, changed_moments = _start_moments_write(plan)
    return {
        "offerings_created": len(new),
        "offerings_changed": len(changed),
        "offerings_published": len(new) + len(changed) if may_publish else 0,
        "offerings_submitted": submitted,
        "start_moments_created": created_moments,
        "start_moments_changed": changed_moments,
    }


def _offerings_create(plans: list[OfferingPlan], *, user: User, may_publish: bool) -> None:
    """Write new offerings as Wagtail's create action (and publishing, for ``may_publish``) leaves
    them, in bulk: the row (with its locations and support languages), its first revision, the
    history entries ``wagtail.create`` (and ``wagtail.publish``), the search index and the
    ``published`` signal.

    Why not ``save()`` + ``save_revision()`` + ``publish()`` per offering: that is three saves, each
    re-indexing the offering for search, about 70 ms an offering on a 2-core machine, so a file
    with 1,000 new offerings would take over a minute. ``test_imports`` checks the outcome
    against Wagtail's own (revision, history, search, reference index, approval).
    """
    if not plans:
        return
    offerings = [plan.instance for plan in plans]
    for offering in offerings:
        # As CreateAction saves them before the first revision.
        offering.live = False
        offering.has_unpublished_changes = False
    Offering.objects.bulk_create(offerings, batch_size=500)
    location_link = Offering.locations.through
    language_link = Offering.support_languages.through
    location_link.objects.bulk_create(
        [
            location_link(offering_id=offering.pk, location_id=location.pk)
            for offering in offerings
            for location in offering.locations.all()
        ],
        batch_size=1000,
    )
    language_link.objects.bulk_create(
        [
            language_link(offering_id=offering.pk, language_id=language.pk)
            for offering in offerings
            for language in offering.support_languages.all()
        ],
        batch_size=1000,
    )
    content_type = ContentType.objects.get_for_model(Offering)
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                user=user,
                created_at=now,
                content=offering.serializable_data(),
                object_str=str(offering),
            )
            for offering in offerings
        ],
        batch_size=500,
    )
    for offering, revision in zip(offerings, revisions, strict=True):
        offering.latest_revision = revision
        offering.has_unpublished_changes = not may_publish
        if may_publish:
            offering.live = True
            offering.live_revision = revision
            offering.first_published_at = offering.last_published_at = now
    # One UPDATE for all (bulk_update's CASE per row grows with the square of the batch).
    first_revision = Subquery(
        Revision.objects.filter(
            base_content_type=content_type,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    Offering.objects.filter(pk__in=[offering.pk for offering in offerings]).update(
        latest_revision=first_revision,
        has_unpublished_changes=not may_publish,
        live=may_publish,
        live_revision=first_revision if may_publish else None,
        first_published_at=now if may_publish else None,
        last_published_at=now if may_publish else None,
    )
    actions = ["wagtail.create", "wagtail.publish"] if may_publish else ["wagtail.create"]
    _history_write(
        [
            (offering, revision, action, {})
            for offering, revision in zip(offerings, revisions, strict=True)
            for action in actions
        ],
        user=user,
        timestamp=now,
    )
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(Offering, offerings)
    if may_publish:
        for offering, revision in zip(offerings, revisions, strict=True):
            published.send(sender=Offering, instance=offering, revision=revision)


def _plain(plan: OfferingPlan, now: datetime.datetime) -> bool:
    """Can this changed offering be published together with others: no workflow to cancel and no
    publication date in the future?"""
    go_live_at = plan.instance.go_live_at
    return plan.current.workflow_status is None and not (go_live_at and go_live_at > now)


def _offerings_revise(plans: list[OfferingPlan], *, user: User) -> list[Revision]:
    """A new revision of each changed offering, as ``save_revision(log_action=True)`` writes it:
    the revision, the row's ``latest_revision`` and ``has_unpublished_changes`` (nothing else of
    the row changes, so what is public stays as it is), and a ``wagtail.edit`` history entry."""
    if not plans:
        return []
    offerings = [plan.instance for plan in plans]
    content_type = ContentType.objects.get_for_model(Offering)
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                user=user,
                created_at=now,
                content=offering.serializable_data(),
                object_str=str(offering),
            )
            for offering in offerings
        ],
        batch_size=500,
    )
    for offering, revision in zip(offerings, revisions, strict=True):
        offering.latest_revision = revision
        offering.has_unpublished_changes = True
    _update_each(Offering, offerings, ["latest_revision", "has_unpublished_changes"])
    _history_write(
        [
            (offering, revision, "wagtail.edit", {})
            for offering, revision in zip(offerings, revisions, strict=True)
        ],
        user=user,
        timestamp=now,
    )
    return revisions


def _offerings_publish(revised: list[tuple[OfferingPlan, Revision]], *, user: User) -> None:
    """Publish the new revisions of changed offerings as ``Revision.publish`` does, in bulk: the
    row takes the revision's content (with its locations and support languages) and becomes live,
    older revisions lose a scheduled date, the history gets ``wagtail.rename`` (when the title
    changed) and ``wagtail.publish``, the search index is updated and ``published`` is sent.

    Offerings with a running workflow (publishing cancels it) or a future publication date are
    left to Wagtail's own publish by the caller.
    """
    if not revised:
        return
    now = timezone.now()
    offerings = [plan.instance for plan, _revision in revised]
    history = []
    for plan, revision in revised:
        offering = plan.instance
        live_title = plan.current.offering.title
        data = {}
        # As Wagtail: a rename is logged against the title before, if there was a revision before.
        if plan.current.offering.latest_revision_id and live_title != str(offering):
            data = {"title": {"old": live_title, "new": str(offering)}}
            history.append((offering, revision, "wagtail.rename", data))
        history.append((offering, revision, "wagtail.publish", data))
        offering.live = True
        offering.has_unpublished_changes = False
        offering.expired = False
        offering.live_revision = revision
        offering.last_published_at = now
        offering.first_published_at = offering.first_published_at or now
        offering.updated_at = now
    _update_each(
        Offering,
        offerings,
        [f.name for f in Offering._meta.concrete_fields if f.name not in ("id", "created_at")],
    )
    Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Offering),
        object_id__in=[str(offering.pk) for offering in offerings],
        approved_go_live_at__isnull=False,
    ).update(approved_go_live_at=None)
    _links_sync(offerings)
    _history_write(history, user=user, timestamp=now)
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(Offering, offerings)
    for plan, revision in revised:
        published.send(sender=Offering, instance=plan.instance, revision=revision)


def _links_sync(offerings: Sequence[Offering]) -> None:
    """Make the live locations and support languages those the offerings hold in memory."""
    ids = [offering.pk for offering in offerings]
    for relation, target in (("locations", "location_id"), ("support_languages", "language_id")):
        link = getattr(Offering, relation).through
        wanted = {o.pk: {item.pk for item in getattr(o, relation).all()} for o in offerings}
        present: dict[int, set[int]] = defaultdict(set)
        stale = []
        for pk, offering_id, target_id in link.objects.filter(offering_id__in=ids).values_list(
            "pk", "offering_id", target
        ):
            present[offering_id].add(target_id)
            if target_id not in wanted[offering_id]:
                stale.append(pk)
        link.objects.filter(pk__in=stale).delete()
        link.objects.bulk_create(
            [
                link(offering_id=offering_id, **{target: target_id})
                for offering_id, target_ids in wanted.items()
                for target_id in target_ids - present[offering_id]
            ]
        )


def _history_write(
    entries: Iterable[tuple[Offering, Revision | None, str, dict]],
    *,
    user: User,
    timestamp: datetime.datetime,
) -> None:
    """History entries as ``wagtail.log_actions.log`` writes them, in one insert."""
    content_type = ContentType.objects.get_for_model(Offering)
    uuid = get_active_log_context().uuid
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(offering.pk),
                label=ModelLogEntry.objects.get_instance_title(offering),
                action=action,
                timestamp=timestamp,
                data=data,
                user=user,
                uuid=uuid,
                revision=revision,
                # As Wagtail: only edits, creations and publications change content.
                content_changed=action in CONTENT_CHANGING_ACTIONS,
            )
            for offering, revision, action, data in entries
        ],
        batch_size=500,
    )


def _reference_index_create(offerings: Sequence[Offering]) -> None:
    """The reference index entries (the admin's "usage" of locations, languages, providers) of
    offerings that have none yet, in one insert.

    What ``ReferenceIndex.create_or_update_for_object`` writes, without its two queries per
    offering (about 2 ms each, 2 s for 1,000 offerings); it relies on two of that class's
    underscored helpers, which ``test_imports`` checks against the public method.
    """
    content_type = ContentType.objects.get_for_model(Offering)
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for offering in offerings
            for to_content_type_id, to_object_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(offering)
            )
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _workflows_start(plans: list[OfferingPlan], *, user: User) -> int:
    """Submit each offering's latest revision for approval, as the admin's "Submit" does: start the
    offering workflow, or resume it when it was sent back for changes, or leave it when it is
    running (it reviews the latest revision). Returns how many were submitted."""
    if not plans:
        return 0
    workflow = plans[0].instance.get_workflow()
    if workflow is None:
        return 0
    together, one_by_one, resumed = [], [], 0
    first_task = workflow.tasks.filter(active=True).first()
    for plan in plans:
        status = plan.current.workflow_status if plan.current else None
        if status == WorkflowState.STATUS_IN_PROGRESS:
            continue
        if status == WorkflowState.STATUS_NEEDS_CHANGES:
            plan.current.offering.current_workflow_state.resume(user)
            resumed += 1
        elif _starts_plainly(first_task, plan.instance):
            together.append(plan.instance)
        else:
            one_by_one.append(plan.instance)
    _workflows_start_together(together, workflow=workflow, task=first_task, user=user)
    for offering in one_by_one:
        workflow.start(offering, user)
    return len(together) + len(one_by_one) + resumed


def _starts_plainly(task: Task | None, offering: Offering) -> bool:
    """Would ``Workflow.start`` do no more than open the first task? True for a group approval
    (Wagtail's own and the one ``providers.workflows`` sets up) on an unlocked offering; other
    tasks may approve at once or act on start, so they are left to Wagtail."""
    if task is None or offering.locked:
        return False
    specific = task.specific
    return type(specific) is GroupApprovalTask and specific.get_task_state_class() is TaskState


def _workflows_start_together(
    offerings: list[Offering], *, workflow: Workflow, task: Task | None, user: User
) -> None:
    """``Workflow.start`` for many offerings whose first task is a plain group approval: the
    workflow and task states and the ``wagtail.workflow.start`` history entry, written in bulk
    instead of about 34 queries an offering, and after the commit the ``task_submitted`` and
    ``workflow_submitted`` signals (Wagtail's e-mails to the approvers, about 9 ms a submission
    and approver)."""
    if not offerings:
        return
    content_type = ContentType.objects.get_for_model(Offering)
    states = WorkflowState.objects.bulk_create(
        [
            WorkflowState(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                workflow=workflow,
                status=WorkflowState.STATUS_IN_PROGRESS,
                requested_by=user,
            )
            for offering in offerings
        ],
        batch_size=500,
    )
    task_states = TaskState.objects.bulk_create(
        [
            TaskState(
                workflow_state=state,
                revision=offering.latest_revision,
                task=task,
                status=TaskState.STATUS_IN_PROGRESS,
            )
            for state, offering in zip(states, offerings, strict=True)
        ],
        batch_size=500,
    )
    for state, task_state, offering in zip(states, task_states, offerings, strict=True):
        state.current_task_state = task_state
        state.content_object = offering
    _update_each(WorkflowState, states, ["current_task_state"])
    history = []
    for state, task_state, offering in zip(states, task_states, offerings, strict=True):
        data = {
            "workflow": {
                "id": workflow.pk,
                "title": workflow.name,
                "status": state.status,
                "next": {"id": task.pk, "title": task.name},
                "task_state_id": task_state.pk,
            }
        }
        history.append((offering, offering.latest_revision, "wagtail.workflow.start", data))
    _history_write(history, user=user, timestamp=timezone.now())

    def notify() -> None:
        for state, task_state in zip(states, task_states, strict=True):
            task_submitted.send(sender=TaskState, instance=task_state, user=user)
            workflow_submitted.send(sender=WorkflowState, instance=state, user=user)

    # Only once the submissions are committed: approvers are never told of a rolled-back import.
    transaction.on_commit(notify)


def _start_moments_write(plan: list[OfferingPlan]) -> tuple[int, int]:
    """Create and update start moments in bulk; ``seats_taken`` is never written."""
    now = timezone.now()
    created, changed = [], []
    for offering_plan in plan:
        for moment_plan in offering_plan.start_moments:
            moment = moment_plan.instance
            if moment_plan.status == NEW:
                current = offering_plan.current
                moment.offering = current.offering if current else offering_plan.instance
                moment.seats_taken = 0
                created.append(moment)
            elif moment_plan.status == CHANGED:
                moment.updated_at = now
                changed.append(moment)
    StartMoment.objects.bulk_create(created, batch_size=500)
    _update_each(
        StartMoment,
        changed,
        ["location", "starts_on", "ends_on", "enrolment_deadline", "seats", "updated_at"],
    )
    return len(created), len(changed)


def _update_each(model: type[Model], objects: Sequence[Model], field_names: Sequence[str]) -> None:
    """``UPDATE … WHERE pk = %s`` for each object, sent as one ``executemany``.

    ``QuerySet.bulk_update`` writes one ``CASE WHEN pk = … THEN …`` per object and field, which
    every row then evaluates: 4,500 start moments took 5 s on SQLite. This is linear (a C loop on
    SQLite, pipelined by psycopg on PostgreSQL). No signals, as with ``bulk_update``.
    """
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only names from the model's own metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    parameters = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, parameters)
