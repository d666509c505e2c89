from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portal.core.money import euros, euros_input_text, euros_parse
from portal.core.widgets import FALSE_VALUES, TRUE_VALUES, EurosInput, YesCheckbox


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or 1/0, yes/no, on/off); anything else is an error, never ignored."""

    widget = YesCheckbox
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value is True or value is False:
            return value
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class EurosField(forms.Field):
    """An amount typed in euros (``7.800,00``, ``7800``, ``7800.5``, ``€ 7.800``), cleaned to whole
    cents, and shown in the input in the reader's notation (``portal.core.money``)."""

    widget = EurosInput

    def __init__(
        self, *, min_value: int | None = None, max_value: int | None = None, **kwargs
    ) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Cents from the object, or the text as typed when the form comes back with an error.
        if isinstance(value, int) and not isinstance(value, bool):
            return euros_input_text(value)
        return value

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return euros_parse(str(value), grouping=formats.get_format("THOUSAND_SEPARATOR"))

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("The amount must be at least %(limit)s.") % {"limit": euros(self.min_value)},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("The amount can be at most %(limit)s.") % {"limit": euros(self.max_value)},
                code="max_value",
            )
