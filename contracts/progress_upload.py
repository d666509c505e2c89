"""Monthly attendance by spreadsheet: the template, and an upload that saves every row or none.

Issue 5 asks providers to record attendance per month "by form or by spreadsheet upload with the
same all-or-nothing validation as the offerings import". The columns follow the attendance that
municipalities and providers exchange under the Wi2021 (see ``MonthlyAttendance``): per placement
and month the hours offered, the hours attended and the main reason for absence.

Promises:

* ``attendance_upload`` reads an ``.xlsx`` or ``.csv`` file within ``attendance_limits()``
  (``MAX_BYTES``, ``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns, ``MAX_CELLS`` cells, checked while
  the file is read) with the reading steps of the offerings import (``portal.core.tabular``),
  checks every row with the rules of the form (``contracts.progress.attendance_errors``) plus:
  the referral is one of the uploading provider's (others are reported as unknown, as the admin
  answers 404 for them), the learner has started, and no referral and month appear twice.
  It returns every problem as (row, column, value, reason) and then saves nothing; a clean file
  is saved in one transaction, one row per referral and month, created or corrected in place.
  A file that cannot be read at all raises ``ImportFileError``.
* ``attendance_template_xlsx`` is a workbook with the columns, an explanation sheet and one row
  per placement of the user's providers that ran in the previous month. Of the learner it shows
  only the first name and the initial of the last name: what the provider needs to recognise the
  row (never the client number or the date of birth).

Column codes are stable English snake_case and reasons may be given as codes or by their Dutch
or English names, so a file made in one language uploads in the other.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from contracts import progress, referrals, summaries
from contracts.models import AuditEntry, MonthlyAttendance, Referral
from contracts.progress import attendance_audit_what
from portal import permissions
from portal.accounts.models import User
from portal.core.tabular.cells import date_parse, integer_parse
from portal.core.tabular.reading import (
    ImportFileError,
    RowError,
    RowErrors,
    Sheet,
    SheetLimits,
    sheet_from_table,
    table_read,
)
from portal.core.tabular.writing import (
    drop_down,
    explanation_sheet,
    headings_append,
    template_workbook,
    workbook_bytes,
    xlsx_text,
)
from portal.permissions import Action

MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024
# The template has 7 columns; room for a few of the provider's own.
MAX_COLUMNS = 30
MAX_CELLS = 100_000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
DATA_SHEET_TITLE = "attendance"
AbsenceReason = MonthlyAttendance.AbsenceReason

# The columns an upload reads, and those the template adds to help the provider fill it in.
COLUMNS: tuple[str, ...] = (
    "referral_number",
    "month",
    "hours_offered",
    "hours_attended",
    "absence_reason",
)
TEMPLATE_COLUMNS: tuple[str, ...] = (
    "referral_number",
    "learner",
    "lot",
    "month",
    "hours_offered",
    "hours_attended",
    "absence_reason",
)
COLUMN_LABELS = {
    "referral_number": gettext_lazy("referral number"),
    "learner": gettext_lazy("learner"),
    "lot": gettext_lazy("lot"),
    "month": gettext_lazy("month"),
    "hours_offered": gettext_lazy("hours offered"),
    "hours_attended": gettext_lazy("hours attended"),
    "absence_reason": gettext_lazy("main reason for absence"),
}
_HOUR_COLUMNS = ("hours_offered", "hours_attended", "absence_reason")
# Postgres refuses numbers beyond a bigint in a lookup; no referral has such a number.
_LARGEST_ID = 2**63 - 1


def column_label(code: str) -> str:
    """The column's label in the active language (the code itself for unknown columns)."""
    return str(COLUMN_LABELS.get(code, code))


def attendance_limits() -> SheetLimits:
    """What one attendance file may hold (read when called, so tests can change it)."""
    return SheetLimits(
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        max_columns=MAX_COLUMNS,
        max_cells=MAX_CELLS,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
    )


def too_large_message() -> str:
    return _("The file is larger than %(size)s MB. Split it into several files.") % {
        "size": f"{MAX_BYTES / (1024 * 1024):g}"
    }


# --- Uploading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One checked row: a month of ``referral`` as it will be saved."""

    row: int
    referral: Referral
    month: datetime.date
    hours_offered: Decimal
    hours_attended: Decimal
    absence_reason: str


@dataclass(frozen=True)
class AttendanceCheck:
    """The outcome of ``attendance_sheet_check``: the rows ready to save, every problem (sorted by
    row and column), and how many rows were left out because they give no hours at all."""

    rows: list[AttendanceRow]
    errors: list[RowError]
    skipped: int


@dataclass(frozen=True)
class AttendanceUpload:
    """The outcome of ``attendance_upload``: the problems (and nothing saved), or the counts."""

    file_name: str
    errors: list[RowError]
    created: int = 0
    updated: int = 0
    skipped: int = 0

    @property
    def saved(self) -> bool:
        return not self.errors

    @property
    def count(self) -> int:
        return self.created + self.updated


def attendance_upload(
    *, user: User, file_name: str, data: bytes, today: datetime.date | None = None
) -> AttendanceUpload:
    """Check every row of the file and save them all, or nothing when any row is wrong.

    Raises ``ImportFileError`` when the file cannot be read at all and ``ReferralRefused`` when
    ``user`` does not record for a provider.
    """
    if not referrals.is_provider_side(user=user):
        raise referrals.ReferralRefused(
            _("Only the provider a learner was referred to records attendance.")
        )
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_large_message())
    sheet = sheet_from_table(
        file_name=file_name,
        table=table_read(file_name=file_name, data=data, limits=attendance_limits()),
        column_codes=COLUMNS,
        no_rows_message=_(
            "The file has no rows below the header row. Fill in one row per learner and month, "
            "as in the template."
        ),
    )
    today = today or timezone.localdate()
    with transaction.atomic():
        check = attendance_sheet_check(user=user, sheet=sheet, today=today)
        if check.errors:
            return AttendanceUpload(file_name=file_name, errors=check.errors)
        if not check.rows:
            raise ImportFileError(
                _(
                    "No row gives hours. Fill in the hours offered and attended (and the reason "
                    "for hours missed) of each learner and month."
                )
            )
        created, updated = _save(check.rows, actor=user)
    return AttendanceUpload(
        file_name=file_name,
        errors=[],
        created=created,
        updated=updated,
        skipped=check.skipped,
    )


def attendance_sheet_check(*, user: User, sheet: Sheet, today: datetime.date) -> AttendanceCheck:
    """Check every row of ``sheet``; writes nothing.

    A row without hours offered, hours attended and reason is left out (``skipped``): the
    template lists every placement, and a provider may fill in only some of them. The rules of a
    row run on what could be read: a row whose referral is unknown is still checked for its month
    and hours.
    """
    errors = RowErrors(sheet.errors, columns=COLUMNS)
    filled = [row for row in sheet.rows if any(_cell(row.cells, code) for code in _HOUR_COLUMNS)]
    numbers = {row.number: _cell(row.cells, "referral_number") for row in filled}
    wanted = set()
    for text in numbers.values():
        try:
            number = integer_parse(text)
        except ValidationError:
            continue  # reported with its row by ``_referral``
        if number is not None and number <= _LARGEST_ID:
            wanted.add(number)
    # With the learners: ``progress.recordable_refusal`` looks at each one (anonymised or not).
    known = _recordable_by(user).select_related("learner").in_bulk(wanted)
    reasons = _absence_reasons()
    rows: list[AttendanceRow] = []
    seen: dict[tuple[int, datetime.date], int] = {}
    for sheet_row in filled:
        number, cells = sheet_row.number, sheet_row.cells
        referral = _referral(numbers[number], known, number, errors)
        month = _parsed(number, "month", cells, _month_parse, errors)
        offered = _parsed(number, "hours_offered", cells, _hours_parse, errors)
        attended = _parsed(number, "hours_attended", cells, _hours_parse, errors)
        reason = _parsed(number, "absence_reason", cells, reasons.parse, errors)
        if None in (month, offered, attended, reason):
            continue
        rule_errors = progress.attendance_errors(
            referral=referral or Referral(),
            month=month,
            hours_offered=offered,
            hours_attended=attended,
            absence_reason=reason,
            today=today,
        )
        for column, message in rule_errors.items():
            errors.add(number, column, _cell(cells, column), message)
        if referral is None or rule_errors:
            continue
        key = (referral.pk, month)
        if key in seen:
            errors.add(
                number,
                "month",
                _cell(cells, "month"),
                _("Row %(row)d already gives this month of this referral. Give each month once.")
                % {"row": seen[key]},
            )
            continue
        seen[key] = number
        rows.append(
            AttendanceRow(
                row=number,
                referral=referral,
                month=month,
                hours_offered=offered,
                hours_attended=attended,
                absence_reason=reason,
            )
        )
    return AttendanceCheck(rows=rows, errors=errors.sorted(), skipped=len(sheet.rows) - len(filled))


def _recordable_by(user: User) -> QuerySet[Referral]:
    """The referrals ``user`` may record on, whatever their state (``permissions.scope``)."""
    return permissions.scope(user, Action.CHANGE, Referral.objects.all())


def _referral(
    text: str, known: dict[int, Referral], row: int, errors: RowErrors
) -> Referral | None:
    if not text:
        errors.add(row, "referral_number", text, _("Fill in the referral number."))
        return None
    try:
        number = integer_parse(text)
    except ValidationError as error:
        errors.add(row, "referral_number", text, error.messages[0])
        return None
    referral = known.get(number)
    if referral is None:
        # Unknown and somebody else's are the same answer, as the admin's 404 is.
        errors.add(
            row, "referral_number", text, _("None of the referrals to your lots has this number.")
        )
        return None
    if refusal := progress.recordable_refusal(referral):
        errors.add(row, "referral_number", text, refusal)
        return None
    return referral


def _parsed(row: int, column: str, cells: dict[str, str], parse, errors: RowErrors):
    text = _cell(cells, column)
    try:
        return parse(text)
    except ValidationError as error:
        errors.add(row, column, text, error.messages[0])
        return None


def _cell(cells: dict[str, str], column: str) -> str:
    return cells.get(column, "").strip()


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_HOURS = re.compile(r"(-?\d+)(?:[.,](\d+))?")


def _month_parse(text: str) -> datetime.date:
    """``YYYY-MM``, or a date in the month (a date cell, ``YYYY-MM-DD``, ``DD-MM-YYYY``)."""
    problem = ValidationError(_("Fill in the month as YYYY-MM, such as 2026-03."))
    if not text:
        raise problem
    if match := _MONTH.fullmatch(text):
        year, month = (int(part) for part in match.groups())
        if 1 <= month <= 12 and year >= 1:
            return datetime.date(year, month, 1)
        raise problem
    try:
        day = date_parse(text)
    except ValidationError:
        raise problem from None
    return day.replace(day=1)


def _hours_parse(text: str) -> Decimal:
    match = _HOURS.fullmatch(text.replace(" ", ""))
    if match is None:
        raise ValidationError(_("Fill in a number of hours, such as 32 or 12.5."))
    whole, fraction = match.groups()
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


@dataclass(frozen=True)
class _AbsenceReasons:
    by_word: dict[str, str]

    def parse(self, text: str) -> str:
        """A code, or the reason's Dutch or English name (any case); empty means no absence."""
        if not text:
            return AbsenceReason.NONE
        code = self.by_word.get(text.casefold())
        if code is None:
            choices = ", ".join(f"{choice.value} ({choice.label})" for choice in AbsenceReason)
            raise ValidationError(
                _("Unknown reason. Use one of these codes: %(codes)s.") % {"codes": choices}
            )
        return code


def _absence_reasons() -> _AbsenceReasons:
    words: dict[str, str] = {}
    for language in ("nl", "en", translation.get_language() or "nl"):
        with translation.override(language):
            for choice in AbsenceReason:
                words.setdefault(str(choice.label).casefold(), choice.value)
    for choice in AbsenceReason:
        words[choice.value.casefold()] = choice.value
    return _AbsenceReasons(by_word=words)


def _save(rows: list[AttendanceRow], *, actor: User) -> tuple[int, int]:
    """Create or correct one ``MonthlyAttendance`` per row, as ``attendance_record`` does, in one
    statement per batch (an upsert on the referral and month, so a month recorded by the form
    meanwhile is corrected, not duplicated). Returns (created, updated)."""
    existing = set(
        MonthlyAttendance.objects.filter(
            referral_id__in={row.referral.pk for row in rows},
            month__in={row.month for row in rows},
        ).values_list("referral_id", "month")
    )
    records = [
        MonthlyAttendance(
            referral=row.referral,
            month=row.month,
            hours_offered=row.hours_offered,
            hours_attended=row.hours_attended,
            absence_reason=row.absence_reason,
            reported_by=actor,
        )
        for row in rows
    ]
    MonthlyAttendance.objects.bulk_create(
        records,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["referral", "month"],
        update_fields=[
            "hours_offered",
            "hours_attended",
            "absence_reason",
            "reported_by",
            "reported_at",
        ],
    )
    summaries.summaries_mark(attendance_keys={(row.referral.lot_id, row.month) for row in rows})
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                learner_id=row.referral.learner_id,
                action=AuditEntry.Action.CHANGE,
                what=attendance_audit_what(row.month),
            )
            for row in rows
        ],
        batch_size=500,
    )
    updated = sum(1 for row in rows if (row.referral.pk, row.month) in existing)
    return len(rows) - updated, updated


# --- The template -----------------------------------------------------------------------------


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def attendance_template_rows(*, user: User, month: datetime.date) -> list[dict[str, object]]:
    """One row per placement of the user's providers that ran in ``month`` (started by its end,
    not ended before it), with what was recorded for that month already. Three queries."""
    month = month.replace(day=1)
    placements = list(
        _recordable_by(user)
        .filter(progress.attendance_due_q(month=month))
        .select_related("learner", "lot__contract__provider")
        .order_by("lot__contract__provider__name", "lot__contract__reference", "lot_id", "pk")
    )
    recorded = {
        record.referral_id: record
        for record in MonthlyAttendance.objects.filter(
            referral__in=[referral.pk for referral in placements], month=month
        )
    }
    rows = []
    for referral in placements:
        record = recorded.get(referral.pk)
        rows.append(
            {
                "referral_number": referral.pk,
                "learner": learner_short_name(referral.learner),
                "lot": lot_label(referral.lot),
                "month": f"{month:%Y-%m}",
                "hours_offered": record.hours_offered if record else None,
                "hours_attended": record.hours_attended if record else None,
                "absence_reason": record.absence_reason if record else "",
            }
        )
    return rows


def learner_short_name(learner) -> str:
    """First name and the initial of the last name: enough to recognise the row."""
    initial = learner.last_name.strip()[:1]
    return f"{learner.first_name} {initial}." if initial else learner.first_name


def lot_label(lot) -> str:
    label = f"{lot.contract.provider.name}: {lot.component_display}"
    if lot.name:
        label += f" — {lot.name}"
    return f"{label} ({lot.contract.reference})"


def attendance_template_xlsx(*, user: User, today: datetime.date | None = None) -> bytes:
    """The template workbook: the data sheet (column codes, the previous month's placements, a
    drop-down list of reasons) and a sheet that explains every column in the active language."""
    month = previous_month(today or timezone.localdate())
    rows = attendance_template_rows(user=user, month=month)
    workbook, sheet = template_workbook(title=DATA_SHEET_TITLE, columns=TEMPLATE_COLUMNS)
    for row in rows:
        sheet.append([_xlsx_value(row.get(code)) for code in TEMPLATE_COLUMNS])
    last_row = max(len(rows) + 1, 1000)
    for code, width in zip(TEMPLATE_COLUMNS, (18, 24, 50, 12, 16, 16, 18), strict=True):
        letter = _letter(code)
        sheet.column_dimensions[letter].width = width
    month_letter = _letter("month")
    for number in range(2, len(rows) + 2):
        # Text, so that Excel keeps an edited month as typed (a date cell would be read too).
        sheet[f"{month_letter}{number}"].number_format = "@"
    drop_down(
        sheet, letter=_letter("absence_reason"), values=AbsenceReason.values, last_row=last_row
    )
    _add_explanation_sheet(workbook, month=month)
    return workbook_bytes(workbook)


def _letter(code: str) -> str:
    return get_column_letter(TEMPLATE_COLUMNS.index(code) + 1)


def _xlsx_value(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return value
    return xlsx_text(str(value))


def _add_explanation_sheet(workbook: Workbook, *, month: datetime.date) -> None:
    month_text = f"{month:%Y-%m}"
    intro = [
        _("How to fill in the sheet “%(sheet)s”") % {"sheet": DATA_SHEET_TITLE},
        _(
            "One row per learner and month. The template lists your placements that ran in "
            "%(month)s; fill in the hours and, where hours were missed, the main reason."
        )
        % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
        _(
            "Keep the first row (the column codes) as it is. The columns learner and lot help "
            "you recognise the row; the upload does not read them."
        ),
        _(
            "The file is saved only when every row is right; otherwise nothing is saved and you "
            "see every problem with its row and column. A month recorded before is corrected."
        ),
        _("At most %(rows)s rows and %(size)s MB per file.")
        % {
            "rows": number_format(MAX_ROWS, force_grouping=True),
            "size": f"{MAX_BYTES / (1024 * 1024):g}",
        },
        "",
    ]
    sheet = explanation_sheet(workbook, title=_("explanation"), intro=intro)
    headings_append(
        sheet, [_("Column"), _("Meaning"), _("Required"), _("Allowed values"), _("Example")]
    )
    reasons = ", ".join(f"{choice.value} ({choice.label})" for choice in AbsenceReason)
    not_read = _("Not read by the upload.")
    explained = {
        "referral_number": (
            _("The number of the referral, as in the address of its page: /admin/referrals/…/."),
            _("yes"),
            _("A referral to one of your lots whose learner has started."),
        ),
        "learner": (
            _("The learner's first name and the initial of the last name."),
            _("no"),
            not_read,
        ),
        "lot": (_("The lot the learner was referred to."), _("no"), not_read),
        "month": (
            _("The month the row is about."),
            _("yes"),
            _(
                "YYYY-MM, such as %(month)s, or a date in that month. Not a month that has not "
                "begun, nor one before the learner started."
            )
            % {"month": month_text},
        ),
        "hours_offered": (
            _("The hours of the course offered to the learner in the month."),
            _("yes"),
            _("A number from 0 to 744 with at most one decimal, such as 32 or 12.5."),
        ),
        "hours_attended": (
            _("The hours the learner attended."),
            _("yes"),
            _("A number with at most one decimal, not more than the hours offered."),
        ),
        "absence_reason": (
            _("The main reason for the hours missed."),
            _("when hours were missed"),
            _("One of these codes: %(codes)s. The Dutch names work too; empty means no absence.")
            % {"codes": reasons},
        ),
    }
    sample = {
        "referral_number": 1234,
        "learner": "Sara K.",
        "lot": "Taalschool: B1-route (RIJZK-2026-001)",
        "month": month_text,
        "hours_offered": 32,
        "hours_attended": 28,
        "absence_reason": AbsenceReason.ILLNESS.value,
    }
    for code in TEMPLATE_COLUMNS:
        meaning, required, allowed = explained[code]
        sheet.append(
            [
                code,
                xlsx_text(f"{COLUMN_LABELS[code]}: {meaning}"),
                required,
                xlsx_text(allowed),
                xlsx_text(str(sample.get(code, ""))),
            ]
        )
    for letter, width in zip("ABCDE", (20, 60, 22, 70, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=len(intro) + 2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
