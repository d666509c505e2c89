"""Which language a Wagtail page's own text is in.

With wagtail-localize every language has its own page tree; a page not yet translated is an
alias (a copy kept in step) of the Dutch page, so its title and text are Dutch. The templates
ask this to mark such text ``lang="nl"`` and to tell the reader why it is in Dutch.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate, post_save
from wagtail.models import Locale, Page

_LANGUAGE_BY_LOCALE: dict[int, str] = {}


def _locale_language(locale_id: int) -> str:
    """A locale's language code, read once per process: locales are a handful of rows that
    change almost never (a change clears the table through the signals below)."""
    if locale_id not in _LANGUAGE_BY_LOCALE:
        _LANGUAGE_BY_LOCALE.update(Locale.objects.values_list("pk", "language_code"))
    return _LANGUAGE_BY_LOCALE.get(locale_id, "")


def _forget_locales(**kwargs: object) -> None:
    _LANGUAGE_BY_LOCALE.clear()


post_save.connect(_forget_locales, sender=Locale, dispatch_uid="page_language_locales")
# A flushed database (tests) sends no delete signals, but ``flush`` ends with post_migrate.
post_migrate.connect(_forget_locales, dispatch_uid="page_language_locales_flush")
post_delete.connect(_forget_locales, sender=Locale, dispatch_uid="page_language_locales_del")


def page_content_language(page: Page) -> str:
    """The language of the page's title and text (see the module's docstring)."""
    cached = getattr(page, "_content_language", None)
    if cached is not None:
        return cached
    locale_id = page.locale_id
    if page.alias_of_id is not None:
        # An alias shows its original's content: the original's locale is the text's language.
        locale_id = (
            Page.objects.filter(pk=page.alias_of_id).values_list("locale_id", flat=True).first()
            or locale_id
        )
    language = _locale_language(locale_id)
    page._content_language = language
    return language
