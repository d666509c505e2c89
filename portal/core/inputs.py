"""Row ids typed by strangers (query strings, paths): what one looks like, checked in one place.

Python's ``int()`` and ``str.isdigit()`` take far more than the digits 0-9 ("²", "١٢", "1_000",
" 7 "), and the databases take less: SQLite and PostgreSQL both stop at a signed 64-bit integer
(``BigAutoField``), and a larger number in a query is an ``OverflowError`` (SQLite) instead of "no
such row". So an id from outside is ASCII digits between 1 and ``ID_MAX``, or it is not an id.

Bottom layer: imports none of our apps. Importing it registers the ``<id:…>`` URL converter.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

ID_MAX = 2**63 - 1
"""The largest ``BigAutoField`` value on SQLite and PostgreSQL alike."""

_ID_MAX_DIGITS = len(str(ID_MAX))


class IdField(forms.IntegerField):
    """A form field for a row id: ASCII digits only (surrounding spaces allowed), 1 to ``ID_MAX``.

    Django's ``IntegerField`` would read "١٢" as 12 and "1_000" as 1000; an id is only ever
    written in ASCII digits, so anything else is refused as ``invalid``.
    """

    default_error_messages = {"invalid": _("Enter a number made of the digits 0 to 9.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        # Longer than ID_MAX the number is too large whatever its digits: say so without parsing
        # thousands of them (Python refuses over 4,300 anyway).
        significant = text.lstrip("0") or "0"
        return super().to_python(significant[: _ID_MAX_DIGITS + 1])


class IdConverter:
    """``<id:name>`` in a URL: a row id, or the URL does not match (a 404, never a query)."""

    regex = f"[1-9][0-9]{{0,{_ID_MAX_DIGITS - 1}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # Django's resolver reads a ValueError as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(IdConverter, "id")
