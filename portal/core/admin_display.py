"""Values in the Wagtail admin as people read them: money in euros, yes or no, dates in the
admin's language and time zone, and "—" for nothing.

Wagtail shows a field's raw Python value wherever no one said otherwise: "True" in a listing,
"None" on an inspect page, 780000 (cents) in a comparison of revisions. This module says
otherwise once, for every model:

* ``displays_register()`` (called from ``portal.wagtail_hooks``) registers, through Wagtail's
  own registries, how booleans, dates and ``EuroCentsField`` read on inspect pages
  (``register_display_class``) and in the comparison of two revisions
  (``register_comparison_class``);
* ``ReadableColumn`` is the column the scoped listings make of the names in ``list_display``;
* ``ReadableInspectView`` shows nothing as "—" and moments in the portal's time zone.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from wagtail.admin.compare import FieldComparison, TextDiff, register_comparison_class
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.fields import register_display_class
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import InspectView

from portal.core.fields import EuroCentsField
from portal.core.money import euros

NOTHING = "—"


def display_text(value: object, field: models.Field | None = None) -> object:
    """``value`` as a person reads it: "Yes"/"No", "—" for None or empty text, euros for a
    ``EuroCentsField``, a date or a moment (in the portal's time zone) in the active language's
    format. Anything else comes back unchanged, for the template to show."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, EuroCentsField) and isinstance(value, int):
        return euros(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return value


class TextDisplay(Component):
    """An inspect page's value as text (Wagtail's display classes take the value alone): yes or
    no, a date or a moment."""

    def __init__(self, value: object) -> None:
        self.value = value

    def render_html(self, parent_context=None) -> SafeString:
        return escape(display_text(self.value))


class EurosDisplay(TextDisplay):
    def render_html(self, parent_context=None) -> SafeString:
        return escape(NOTHING if self.value is None else euros(self.value))


class ReadableComparison(FieldComparison):
    """Two revisions' values as people read them, the old one struck through, then an arrow and
    the new one (Wagtail's default writes the two raw values against each other: 780000760000)."""

    def _text(self, value: object) -> str:
        return str(display_text(value, self.field))

    def htmldiff(self) -> SafeString:
        old, new = self._text(self.val_a), self._text(self.val_b)
        if self.val_a == self.val_b:
            return escape(new)
        return TextDiff(
            [("deletion", old), ("equal", " → "), ("addition", new)], separator=""
        ).to_html()


def displays_register() -> None:
    """Teach Wagtail's inspect pages and comparisons to read booleans, dates and money."""
    for field_class, display_class in (
        (models.BooleanField, TextDisplay),
        (models.DateField, TextDisplay),  # and DateTimeField, its subclass
        (EuroCentsField, EurosDisplay),
    ):
        register_display_class(field_class, display_class=display_class)
        register_comparison_class(field_class, comparison_class=ReadableComparison)


class ReadableColumn(Column):
    """A listing column of a model field or method, with the field's value as people read it
    (dates are left to the template, which writes them in the admin's language)."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if isinstance(value, datetime.date):
            return value
        field = None
        if isinstance(self.accessor, str) and "." not in self.accessor:
            try:
                field = instance._meta.get_field(self.accessor)
            except FieldDoesNotExist:  # a method or a property
                field = None
        return display_text(value, field)


class ReadableInspectView(InspectView):
    """Wagtail's inspect view with nothing shown as "—" (not "None") and moments in the portal's
    time zone (its template writes them in UTC)."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, (Component, SafeString)):
            return value
        return display_text(value, field if isinstance(field, models.Field) else None)
