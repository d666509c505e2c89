"""Money as people read it: amounts are stored in euro cents and always shown in euros."""

from __future__ import annotations

from django.utils import formats, numberformat
from django.utils.translation import get_language


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
