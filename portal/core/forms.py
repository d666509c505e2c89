from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import FALSE_VALUES, TRUE_VALUES, YesCheckbox


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
