from __future__ import annotations

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    """A select that renders its options in Python instead of one template per option.

    The catalogue's municipality list has a few hundred options; through the template engine they
    cost more than the rest of the page.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = {str(v) for v in values if v is not None}
        options = "".join(
            f'<option value="{escape(str(option_value))}"'
            f"{' selected' if str(option_value) in chosen else ''}>{escape(str(label))}</option>"
            for option_value, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes in a list, rendered in Python (one template per option is slow on every page)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = {**self.attrs, **(attrs or {})}
        base_id = attrs.pop("id", f"id_{name}")
        chosen = {str(v) for v in (value or [])}
        checked = mark_safe(" checked")
        items = format_html_join(
            "",
            '<li><label for="{0}_{1}"><input type="checkbox" name="{2}" value="{3}" '
            'id="{0}_{1}"{4}{5}> <span>{6}</span></label></li>',
            (
                (
                    base_id,
                    index,
                    name,
                    option_value,
                    checked if str(option_value) in chosen else "",
                    flatatt(attrs),
                    label,
                )
                for index, (option_value, label) in enumerate(self.choices)
            ),
        )
        return format_html("<ul>{}</ul>", items)

    def id_for_label(self, id_, index=None):
        return f"{id_}_0" if id_ else id_


TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off"}


class YesCheckbox(forms.CheckboxInput):
    """A checkbox that sends ``true`` and passes any other value on for the field to judge."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        ticked = value is True or (isinstance(value, str) and value in TRUE_VALUES)
        checked = mark_safe(" checked") if ticked else ""
        return format_html(
            '<input type="checkbox" value="true"{}{}>', flatatt(final_attrs), checked
        )

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return value.strip().lower() if isinstance(value, str) else value

    def format_value(self, value):
        return "true"


class EurosInput(forms.TextInput):
    """An amount in euros: a text box (a number box would refuse 7.800,00) that asks phones for
    the keypad with a decimal separator."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
