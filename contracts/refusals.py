"""Refusals of the referral rules: the one base class every refusal of a referral or its change
subclasses, so a view catches all of them with one ``except`` and shows ``message`` beside
``field``.

It sits below ``referrals`` and ``capacity`` so both can raise a refusal (``capacity.LotFull``)
without importing each other; ``contracts.referrals`` re-exports it by name.
"""

from __future__ import annotations


class ReferralRefused(Exception):
    """The referral or its change is not possible; ``message`` says why, for the person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
