"""Money as people read it: amounts are stored in euro cents and always shown in euros."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import formats, numberformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def euros(cents: int | None) -> str:
    """Euro cents in the reader's language's number format: Dutch € 1.234,50 (€ 1.234,- for
    whole euros, as Dutch prices are written), English € 1,234.50, Turkish € 1.234,50, and so
    on from Django's locale formats (``portal/formats`` for Tigrinya). Digits stay Latin."""
    if cents is None:
        return ""
    sign = "-" if int(cents) < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    language = get_language() or "nl"
    if language.startswith("nl"):
        grouped = f"{whole:,}".replace(",", ".")
        return f"€ {sign}{grouped},{rest:02d}" if rest else f"€ {sign}{grouped},-"
    number = numberformat.format(
        f"{whole}.{rest:02d}",
        formats.get_format("DECIMAL_SEPARATOR", language),
        decimal_pos=2 if rest else 0,
        grouping=formats.get_format("NUMBER_GROUPING", language),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR", language),
        force_grouping=True,
    )
    return f"€\u00a0{sign}{number}"


def euros_input_text(cents: int | None) -> str:
    """Euro cents as the text of a form's input in the reader's language, without the euro sign
    and always with two decimals: Dutch 7.800,00, English 7,800.00. ``euros_parse`` reads it
    back in the same language."""
    if cents is None:
        return ""
    language = get_language() or "nl"
    whole, rest = divmod(int(cents), 100)
    return numberformat.format(
        f"{whole}.{rest:02d}",
        formats.get_format("DECIMAL_SEPARATOR", language),
        decimal_pos=2,
        grouping=formats.get_format("NUMBER_GROUPING", language),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR", language),
        force_grouping=True,
    )


_CURRENCY = re.compile(r"€|\beur(?:os?)?\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")  # also the no-break spaces that formatted amounts carry
# € 1.250,- as Dutch prices are written (a hyphen, an en dash or an em dash)
_WHOLE_EUROS = re.compile(r"[.,][-\u2013\u2014]{1,2}$")
_NUMBER = re.compile(r"[0-9][0-9.,]*")
_DIGITS = re.compile(r"[0-9]+")
_DECIMALS = re.compile(r"[0-9]{1,2}")
MAX_LENGTH = 40


def euros_parse(text: str, *, grouping: str | None) -> int | None:
    """An amount in euros as people type it, as whole cents; None for empty text.

    Reads ``7800``, ``7800.5``, ``7800,50``, ``7.800,00``, ``7,800.00``, ``€ 7.800,-`` and
    ``7800 EUR``: the last of two different separators is the decimal one, and a separator
    used more than once groups thousands. One separator followed by exactly three digits
    (``7.800``) is ambiguous: it groups thousands only when it is ``grouping`` (a form passes
    its language's thousands separator: Dutch ``.``, English ``,``), and is refused otherwise,
    as an amount has at most two decimals. Spreadsheets pass None: a number cell with three
    decimals arrives as ``7.875`` whatever the language, and must not become € 7,875.

    Raises ``ValidationError`` (code ``negative`` or ``invalid``) with the reason in the active
    language.
    """
    cleaned = _SPACE.sub("", _CURRENCY.sub("", text or ""))
    if not cleaned:
        return None
    if cleaned[0] in "-\u2212\u2013":  # hyphen, minus sign, en dash
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    invalid = ValidationError(
        _("Fill in an amount in euros with at most two decimals, such as 1250.00 or 1250,00."),
        code="invalid",
    )
    cleaned = _WHOLE_EUROS.sub(lambda match: f"{match.group()[0]}00", cleaned)
    if len(cleaned) > MAX_LENGTH or not _NUMBER.fullmatch(cleaned) or cleaned[-1] in ".,":
        raise invalid
    separators = [char for char in cleaned if char in ".,"]
    thousands, decimal = "", ""
    if len(set(separators)) == 2:
        decimal = separators[-1]
        thousands = "," if decimal == "." else "."
        if cleaned.count(decimal) > 1:
            raise invalid
    elif separators and len(separators) > 1:
        thousands = separators[0]
    elif separators:
        separator = separators[0]
        three_digits_after = len(cleaned) - cleaned.index(separator) - 1 == 3
        if three_digits_after and separator == grouping:
            thousands = separator
        else:
            decimal = separator
    whole, _separator, cents = cleaned.partition(decimal) if decimal else (cleaned, "", "")
    if decimal and not _DECIMALS.fullmatch(cents):
        raise invalid
    if thousands:
        first, *groups = whole.split(thousands)
        if not (1 <= len(first) <= 3 and all(len(group) == 3 for group in groups)):
            raise invalid
        whole = "".join([first, *groups])
    if not _DIGITS.fullmatch(whole):
        raise invalid
    return int(whole) * 100 + int(cents.ljust(2, "0") or "0")
