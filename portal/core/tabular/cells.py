"""One spreadsheet cell's text as a whole number or a date, or a ``ValidationError``.

Promises: the spellings people type in Dutch and English spreadsheets (``12`` and ``12,0``,
``2027-01-31`` and ``31-01-2027``) are read, anything else is refused with a reason in the active
language, and an empty cell is None. The offerings import (``providers.imports.cells``) and the
attendance upload (``contracts.progress_upload``) read their cells with these.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_INTEGER = re.compile(r"(\d+)(?:[.,]0+)?")
_NEGATIVE = re.compile(r"[-\u2212\u2013]\s*\d+(?:[.,]\d+)?")  # hyphen, minus sign, en dash
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def integer_parse(text: str, *, minimum: int = 0) -> int | None:
    """A whole number (``12``, also ``12,0`` as spreadsheets write it), None for an empty cell.
    A negative number is refused as negative, saying the column's ``minimum`` (the check of the
    minimum itself is the model field's)."""
    if not text:
        return None
    match = _INTEGER.fullmatch(text)
    if match is None:
        if _NEGATIVE.fullmatch(text):
            raise ValidationError(
                _("The number cannot be negative. Fill in %(minimum)d or more.")
                % {"minimum": minimum},
                code="negative",
            )
        raise ValidationError(_("Fill in a whole number, such as 12."))
    return int(match.group(1))


def date_parse(text: str) -> datetime.date | None:
    """A date as ``YYYY-MM-DD`` or ``DD-MM-YYYY``, None for an empty cell."""
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
