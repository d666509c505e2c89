"""Money as people read it: amounts are stored in euro cents."""

from __future__ import annotations


def euros(cents: int | None) -> str:
    """Format euro cents the Dutch way: € 1.234,50."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"€ {grouped},{rest:02d}" if rest else f"€ {grouped},-"
