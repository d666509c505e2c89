"""Which texts each language's catalogue must translate.

The public site and the learner's pages speak six languages; staff screens (the Wagtail admin,
dashboards, imports, referrals) speak Dutch and English only (issue 18). A text is *public* when
at least one place it is used is outside the staff-only modules below; Dutch and English
translate every text, Arabic, Tigrinya, Turkish and Persian every public one. Used by
``scripts/messages.py`` and ``tests/i18n/test_catalogues.py``.
"""

from __future__ import annotations

import re

LANGUAGES = ["nl", "en", "ar", "ti", "tr", "fa"]
ALL_TEXTS = {"nl", "en"}
STAFF_ONLY = re.compile(
    r"^(contracts/"
    r"|providers/(wagtail_hooks|admin_forms|import_views|imports/|invitation|spreadsheets"
    r"|admin_home|workflows|templates/providers/admin_home"
    r"|templates/providers/import|templates/providers/offering_preview)"
    r"|portal/(permissions/|.*wagtail_hooks|.*admin_views"
    r"|templates/(accounts/admin|payments/admin|portal/admin|accounts/email/invitation|wagtail)"
    r"|accounts/(user_admin|middleware)|core/tabular|core/transitions"
    # Background tasks: their names and the failures list are for contract managers.
    r"|background|enrolments/tasks\.py)"
    r"|tests/)"
)


def is_public(occurrences: list[tuple[str, str]]) -> bool:
    """True when one of the places (``#:`` references) is outside the staff-only modules."""
    return any(not STAFF_ONLY.match(path) for path, _line in occurrences)


def must_translate(language: str, occurrences: list[tuple[str, str]]) -> bool:
    return language in ALL_TEXTS or is_public(occurrences)
