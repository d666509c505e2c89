"""The spreadsheet of offerings and start moments: its columns, the template and the export.

One row per start moment; the offering's columns repeat on every row of the same offering, and a
row whose start-moment columns are empty describes an offering without a start moment. Column
codes are stable English snake_case and choice values are the stable ``TextChoices`` codes, so a
file made in one language imports in the other. ``providers.imports`` reads these files back.

Every text cell that leaves the portal in a spreadsheet goes through ``formula_escape``
(``portal.core.tabular.formulas``), so that a spreadsheet program never runs it as a formula;
the import removes the escape again, so that a downloaded file uploads unchanged.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise, cached_property
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from portal.core.tabular.writing import (
    drop_down,
    explanation_sheet,
    headings_append,
    template_workbook,
    workbook_bytes,
    xlsx_text,
)
from providers.choices import CefrLevel, Component, EducationLevel, Schedule
from providers.models import (
    Language,
    Location,
    Offering,
    OfferingTranslation,
    Provider,
    StartMoment,
    TranslationLanguage,
)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# WAAR/ONWAAR: what a Dutch Excel writes for TRUE/FALSE when it saves a CSV.
TRUE_WORDS = frozenset({"ja", "yes", "true", "1", "waar"})
FALSE_WORDS = frozenset({"nee", "no", "false", "0", "onwaar"})
LANGUAGE_SEPARATOR = ";"
DATA_SHEET_TITLE = "offerings"


class Part(enum.StrEnum):
    """Which object a column describes."""

    OFFERING = "offering"
    START_MOMENT = "start_moment"


class Kind(enum.StrEnum):
    """How a column's cells are written and read."""

    REFERENCE = "reference"
    TEXT = "text"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    PRICE = "price"
    DATE = "date"
    LANGUAGES = "languages"
    LOCATION = "location"


class Requirement(enum.StrEnum):
    ALWAYS = "always"
    START_MOMENT = "start_moment"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Column:
    """One column of the spreadsheet: its stable code and the model field it fills."""

    code: str
    part: Part
    kind: Kind
    field: str
    label: str | Promise
    requirement: Requirement = Requirement.OPTIONAL
    choices: type[models.TextChoices] | None = None
    note: str | Promise = ""
    language: str = ""
    """For the offering's text in another language (``OfferingTranslation``): that language."""

    @property
    def model(self) -> type[models.Model]:
        if self.language:
            return OfferingTranslation
        return Offering if self.part == Part.OFFERING else StartMoment

    @cached_property
    def model_field(self) -> models.Field:
        return self.model._meta.get_field(self.field)

    @cached_property
    def choice_values(self) -> frozenset[str]:
        return frozenset(self.choices.values) if self.choices else frozenset()

    @property
    def max_length(self) -> int | None:
        return getattr(self.model_field, "max_length", None)

    @property
    def minimum(self) -> int:
        """The smallest whole number the field takes (its ``MinValueValidator``, else 0)."""
        limits = [v.limit_value for v in self.model_field.validators if v.code == "min_value"]
        return max([0, *limits])

    @cached_property
    def default(self) -> object:
        """The value an empty cell stands for (booleans only; other empty cells are empty)."""
        return self.model_field.get_default()


def _verbose(model: type[models.Model], name: str) -> str | Promise:
    return model._meta.get_field(name).verbose_name


_O, _S = Part.OFFERING, Part.START_MOMENT

COLUMNS: tuple[Column, ...] = (
    Column(
        "offering_reference",
        _O,
        Kind.REFERENCE,
        "reference",
        gettext_lazy("own reference of the offering"),
        Requirement.ALWAYS,
        note=gettext_lazy(
            "Rows with the same reference describe the same offering; an upload changes the "
            "offering that has this reference, or adds it."
        ),
    ),
    Column("title", _O, Kind.TEXT, "title", _verbose(Offering, "title"), Requirement.ALWAYS),
    Column(
        "component",
        _O,
        Kind.CHOICE,
        "component",
        _verbose(Offering, "component"),
        Requirement.ALWAYS,
        choices=Component,
    ),
    Column(
        "education_level",
        _O,
        Kind.CHOICE,
        "education_level",
        _verbose(Offering, "education_level"),
        choices=EducationLevel,
        note=gettext_lazy("Required for the education route (ONDERWIJSROUTE), empty otherwise."),
    ),
    Column("summary", _O, Kind.TEXT, "summary", _verbose(Offering, "summary")),
    Column(
        "for_statushouders",
        _O,
        Kind.BOOLEAN,
        "for_statushouders",
        _verbose(Offering, "for_statushouders"),
    ),
    Column(
        "for_gezinsmigranten",
        _O,
        Kind.BOOLEAN,
        "for_gezinsmigranten",
        _verbose(Offering, "for_gezinsmigranten"),
        note=gettext_lazy("At least one of the two target groups."),
    ),
    Column(
        "cefr_from",
        _O,
        Kind.CHOICE,
        "cefr_from",
        _verbose(Offering, "cefr_from"),
        choices=CefrLevel,
    ),
    Column(
        "cefr_to",
        _O,
        Kind.CHOICE,
        "cefr_to",
        _verbose(Offering, "cefr_to"),
        choices=CefrLevel,
        note=gettext_lazy("Not below the language level at start."),
    ),
    Column(
        "hours_total",
        _O,
        Kind.INTEGER,
        "hours_total",
        _verbose(Offering, "hours_total"),
        Requirement.ALWAYS,
    ),
    Column(
        "hours_per_week", _O, Kind.INTEGER, "hours_per_week", _verbose(Offering, "hours_per_week")
    ),
    Column(
        "duration_weeks", _O, Kind.INTEGER, "duration_weeks", _verbose(Offering, "duration_weeks")
    ),
    Column(
        "schedule",
        _O,
        Kind.CHOICE,
        "schedule",
        _verbose(Offering, "schedule"),
        Requirement.ALWAYS,
        choices=Schedule,
    ),
    Column(
        "support_languages",
        _O,
        Kind.LANGUAGES,
        "support_languages",
        _verbose(Offering, "support_languages"),
    ),
    Column("childcare", _O, Kind.BOOLEAN, "childcare", _verbose(Offering, "childcare")),
    Column(
        "price_eur",
        _O,
        Kind.PRICE,
        "price_cents",
        gettext_lazy("price for self-payers (euro)"),
    ),
    Column(
        "price_includes_exams",
        _O,
        Kind.BOOLEAN,
        "price_includes_exams",
        _verbose(Offering, "price_includes_exams"),
    ),
    Column(
        "price_includes_materials",
        _O,
        Kind.BOOLEAN,
        "price_includes_materials",
        _verbose(Offering, "price_includes_materials"),
    ),
    Column(
        "duo_loan_eligible",
        _O,
        Kind.BOOLEAN,
        "duo_loan_eligible",
        _verbose(Offering, "duo_loan_eligible"),
        note=gettext_lazy("Only for providers with a valid Keurmerk Inburgeren."),
    ),
    Column(
        "start_reference",
        _S,
        Kind.REFERENCE,
        "reference",
        gettext_lazy("own reference of the start date"),
        Requirement.START_MOMENT,
        note=gettext_lazy(
            "Unique within the offering; an upload changes the start date that has this "
            "reference, or adds it."
        ),
    ),
    Column(
        "starts_on",
        _S,
        Kind.DATE,
        "starts_on",
        _verbose(StartMoment, "starts_on"),
        Requirement.START_MOMENT,
    ),
    Column(
        "ends_on",
        _S,
        Kind.DATE,
        "ends_on",
        _verbose(StartMoment, "ends_on"),
        Requirement.START_MOMENT,
        note=gettext_lazy("After the start date."),
    ),
    Column(
        "enrolment_deadline",
        _S,
        Kind.DATE,
        "enrolment_deadline",
        _verbose(StartMoment, "enrolment_deadline"),
        note=gettext_lazy("Not after the start date."),
    ),
    Column("location", _S, Kind.LOCATION, "location", _verbose(StartMoment, "location")),
    Column(
        "seats",
        _S,
        Kind.INTEGER,
        "seats",
        _verbose(StartMoment, "seats"),
        Requirement.START_MOMENT,
        note=gettext_lazy("Not lower than the number of seats already taken."),
    ),
)
# The offering's title and summary in the other languages, one column per language
# (``title_en``, ``summary_ar``, ...). Optional in an upload: a file without them (made before
# they existed) leaves the translations as they are; an empty cell means no translation.
TRANSLATED_FIELDS: tuple[str, ...] = ("title", "summary")
TRANSLATION_COLUMNS: tuple[Column, ...] = tuple(
    Column(
        f"{name}_{language.value}",
        _O,
        Kind.TEXT,
        name,
        format_lazy("{} ({})", _verbose(Offering, name), language.label),
        note=gettext_lazy("Optional. Empty: the Dutch text is shown."),
        language=language.value,
    )
    for name in TRANSLATED_FIELDS
    for language in TranslationLanguage
)
TRANSLATION_COLUMN_CODES: tuple[str, ...] = tuple(c.code for c in TRANSLATION_COLUMNS)
REQUIRED_COLUMN_CODES: tuple[str, ...] = tuple(column.code for column in COLUMNS)
COLUMNS = COLUMNS + TRANSLATION_COLUMNS
COLUMNS_BY_CODE: dict[str, Column] = {column.code: column for column in COLUMNS}
COLUMN_CODES: tuple[str, ...] = tuple(COLUMNS_BY_CODE)
OFFERING_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.part == Part.OFFERING)
START_MOMENT_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.part == Part.START_MOMENT)


def column_label(code: str) -> str:
    """The column's label in the active language, or the code itself for other names."""
    column = COLUMNS_BY_CODE.get(code)
    if column is not None:
        return str(column.label)
    if code == "locations":
        return str(_verbose(Offering, "locations"))
    return code


# Cells -----------------------------------------------------------------------------------------


def boolean_text(value: bool) -> str:
    """``ja``/``nee`` for Dutch users, ``yes``/``no`` otherwise; the import reads both."""
    dutch = (get_language() or "nl").startswith("nl")
    if dutch:
        return "ja" if value else "nee"
    return "yes" if value else "no"


def price_text(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{Decimal(cents) / 100:.2f}"


def cell_text(column: Column, value: object, *, location_names: Mapping[int, str]) -> str:
    """A typed value as the text of a CSV cell (and of the import preview's old → new)."""
    if value is None or value == "":
        return ""
    match column.kind:
        case Kind.BOOLEAN:
            return boolean_text(bool(value))
        case Kind.PRICE:
            return price_text(value)
        case Kind.DATE:
            return value.isoformat()
        case Kind.LANGUAGES:
            return LANGUAGE_SEPARATOR.join(value)
        case Kind.LOCATION:
            return location_names.get(value, str(value))
        case _:
            return str(value)


def _xlsx_cell(column: Column, value: object, *, location_names: Mapping[int, str]) -> object:
    """A typed value as an XLSX cell: numbers and dates stay numbers and dates."""
    if value is None or value == "":
        return None
    if column.kind == Kind.INTEGER:
        return value
    if column.kind == Kind.DATE:
        return value
    if column.kind == Kind.PRICE:
        return float(Decimal(value) / 100)
    return xlsx_text(cell_text(column, value, location_names=location_names))


# Allowed values, for the template's explanation sheet ------------------------------------------


def allowed_values(
    column: Column,
    *,
    locations: Sequence[Location] | None = None,
    languages: Sequence[Language] = (),
) -> str:
    """What may go into the column, in the active language."""
    match column.kind:
        case Kind.REFERENCE:
            return _("Your own code, at most %(max)d characters.") % {"max": column.max_length}
        case Kind.TEXT:
            return _("Text, at most %(max)d characters.") % {"max": column.max_length}
        case Kind.CHOICE:
            codes = ", ".join(f"{choice.value} ({choice.label})" for choice in column.choices)
            return _("One of these codes: %(codes)s.") % {"codes": codes}
        case Kind.BOOLEAN:
            return _(
                "ja or nee (yes/no, true/false and 1/0 work too). Empty means %(default)s."
            ) % {"default": boolean_text(bool(column.default))}
        case Kind.INTEGER:
            return _("A whole number, at least %(minimum)d.") % {"minimum": column.minimum}
        case Kind.PRICE:
            return _(
                "An amount in euros with at most two decimals, such as 1250.00 or 1250,00. "
                "Empty: not for sale to self-payers."
            )
        case Kind.DATE:
            return _("A date as YYYY-MM-DD or DD-MM-YYYY, or a date cell.")
        case Kind.LANGUAGES:
            codes = ", ".join(language.code for language in languages)
            return _(
                "Two-letter language codes (ISO 639-1) separated by a semicolon, such as ar;en. "
                "Known codes: %(codes)s."
            ) % {"codes": codes or "—"}
        case Kind.LOCATION:
            if locations:
                names = ", ".join(location.name for location in locations)
                return _("The name of one of your locations: %(names)s. Empty: online.") % {
                    "names": names
                }
            return _("The name of one of your locations, as in the admin. Empty: online.")
    return ""


def requirement_text(column: Column) -> str:
    match column.requirement:
        case Requirement.ALWAYS:
            return _("yes")
        case Requirement.START_MOMENT:
            return _("on rows with a start date")
    return _("no")


# Rows ------------------------------------------------------------------------------------------


def example_row(*, provider: Provider | None = None) -> dict[str, object]:
    """A row that imports cleanly for ``provider``: an offering with one start date.

    It names one of the provider's locations when it has one (else it is an online course) and
    support languages that exist in the database.
    """
    today = timezone.localdate()
    starts_on = today + datetime.timedelta(days=60)
    location = (
        Location.objects.filter(provider=provider).order_by("name").first() if provider else None
    )
    languages = tuple(
        Language.objects.filter(code__in=["ar", "en", "tr", "uk"])
        .order_by("code")
        .values_list("code", flat=True)[:2]
    )
    return {
        "offering_reference": "B1-DAG-01",
        "title": "B1-route overdag",
        "component": Component.B1_ROUTE.value,
        "education_level": "",
        "summary": "Nederlands leren, KNM en oriëntatie op werk in één route.",
        "for_statushouders": True,
        "for_gezinsmigranten": True,
        "cefr_from": CefrLevel.A1.value,
        "cefr_to": CefrLevel.B1.value,
        "hours_total": 600,
        "hours_per_week": 12,
        "duration_weeks": 50,
        "schedule": Schedule.DAYTIME.value,
        "support_languages": languages,
        "childcare": False,
        "price_eur": 650000,
        "price_includes_exams": True,
        "price_includes_materials": True,
        "duo_loan_eligible": False,
        "start_reference": "B1-DAG-01-A",
        "starts_on": starts_on,
        "ends_on": starts_on + datetime.timedelta(weeks=50),
        "enrolment_deadline": starts_on - datetime.timedelta(days=14),
        "location": location.pk if location else None,
        "seats": 16,
        "title_en": "B1 route, daytime",
    }


def export_rows(*, provider: Provider) -> tuple[list[dict[str, object]], dict[int, str]]:
    """The provider's offerings and start moments as typed rows, and the location names they use.

    Offerings show their latest revision (what the provider last saved or submitted, which may
    await approval), so a downloaded file uploads again without changes. Offerings and start
    moments without an own reference are left out: an upload could not match them.
    """
    from providers.imports import catalogue_snapshot_load

    snapshot = catalogue_snapshot_load(provider=provider)
    rows: list[dict[str, object]] = []
    for reference in sorted(snapshot.offerings):
        current = snapshot.offerings[reference]
        offering_cells = {
            column.code: value
            for column, value in zip(
                OFFERING_COLUMNS, current.values_in(OFFERING_COLUMNS), strict=True
            )
        }
        offering_cells["offering_reference"] = reference
        moments = sorted(
            snapshot.start_moments_of(current.offering.pk), key=lambda m: (m.starts_on, m.pk)
        )
        if not moments:
            rows.append({**offering_cells})
        for moment in moments:
            rows.append(
                {
                    **offering_cells,
                    "start_reference": moment.reference,
                    "starts_on": moment.starts_on,
                    "ends_on": moment.ends_on,
                    "enrolment_deadline": moment.enrolment_deadline,
                    "location": moment.location_id,
                    "seats": moment.seats,
                }
            )
    return rows, snapshot.location_names


# Files -----------------------------------------------------------------------------------------


def csv_bytes(
    rows: Iterable[Mapping[str, object]], *, location_names: Mapping[int, str] | None = None
) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, which Excel needs to see UTF-8) with the header
    row and ``rows``; every text cell is formula-escaped."""
    names = location_names or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_CODES)
    for row in rows:
        writer.writerow(
            [
                xlsx_text(cell_text(column, row.get(column.code), location_names=names))
                for column in COLUMNS
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    rows: Iterable[Mapping[str, object]],
    *,
    location_names: Mapping[int, str] | None = None,
    provider: Provider | None = None,
) -> bytes:
    """An XLSX workbook: the data sheet (header row, ``rows``, drop-down lists for codes) and a
    second sheet that explains every column in the active language."""
    names = location_names or {}
    workbook, sheet = template_workbook(title=DATA_SHEET_TITLE, columns=COLUMN_CODES)
    row_count = 0
    for row in rows:
        row_count += 1
        sheet.append(
            [_xlsx_cell(column, row.get(column.code), location_names=names) for column in COLUMNS]
        )
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.code) + 4)
        if column.kind == Kind.DATE:
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        elif column.kind == Kind.PRICE:
            for cell in sheet[letter][1:]:
                cell.number_format = "0.00"
    _add_drop_downs(sheet, last_row=max(row_count + 1, 1000))
    _add_explanation_sheet(workbook, provider=provider)
    return workbook_bytes(workbook)


def _add_drop_downs(sheet, *, last_row: int) -> None:
    """Lists to pick codes from in Excel; typed values are still checked by the import."""
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind == Kind.CHOICE:
            values = [choice.value for choice in column.choices]
        elif column.kind == Kind.BOOLEAN:
            values = [boolean_text(True), boolean_text(False)]
        else:
            continue
        drop_down(sheet, letter=get_column_letter(index), values=values, last_row=last_row)


def _add_explanation_sheet(workbook: Workbook, *, provider: Provider | None) -> None:
    locations = (
        list(Location.objects.filter(provider=provider).order_by("name")) if provider else []
    )
    languages = list(Language.objects.order_by("code"))
    intro = [
        _("How to fill in the sheet “%(sheet)s”") % {"sheet": DATA_SHEET_TITLE},
        _("One row per start date. Repeat the offering's columns unchanged on every row of it."),
        _("A row with empty start date columns describes an offering without a start date."),
        _(
            "Keep the first row (the column codes) as it is. Offerings and start dates that are "
            "not in the file stay as they are: an upload never deletes anything."
        ),
        _(
            "Changes to an offering go through the usual approval; start dates change at once. "
            "Uploading the same file again changes nothing."
        ),
        "",
    ]
    sheet = explanation_sheet(workbook, title=_("explanation"), intro=intro)
    headings_append(
        sheet, [_("Column"), _("Meaning"), _("Required"), _("Allowed values"), _("Example")]
    )
    example = example_row(provider=provider)
    names = {location.pk: location.name for location in locations}
    for column in COLUMNS:
        meaning = str(column.label)
        if column.note:
            meaning = f"{meaning}. {column.note}"
        sheet.append(
            [
                column.code,
                xlsx_text(meaning),
                requirement_text(column),
                xlsx_text(allowed_values(column, locations=locations, languages=languages)),
                xlsx_text(cell_text(column, example.get(column.code), location_names=names)),
            ]
        )
    for letter, width in zip("ABCDE", (26, 50, 22, 70, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=len(intro) + 2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_xlsx(*, provider: Provider | None = None) -> bytes:
    """The empty XLSX template: header, one example row, drop-down lists and the explanation."""
    example = example_row(provider=provider)
    names = _names_of([example])
    return xlsx_bytes([example], location_names=names, provider=provider)


def template_csv(*, provider: Provider | None = None) -> bytes:
    """The CSV template: the header row and one example row."""
    example = example_row(provider=provider)
    return csv_bytes([example], location_names=_names_of([example]))


def export_xlsx(*, provider: Provider) -> bytes:
    rows, names = export_rows(provider=provider)
    return xlsx_bytes(rows, location_names=names, provider=provider)


def export_csv(*, provider: Provider) -> bytes:
    rows, names = export_rows(provider=provider)
    return csv_bytes(rows, location_names=names)


def _names_of(rows: Iterable[Mapping[str, object]]) -> dict[int, str]:
    ids = {row["location"] for row in rows if row.get("location")}
    return dict(Location.objects.filter(pk__in=ids).values_list("pk", "name"))
