"""Translate a Wagtail page from a table of strings, the way an editor does with a PO file.

The path is wagtail-localize's own: the page's translation source, the translation into the
locale, its PO file with the translated strings filled in, imported and saved. Saving turns the
page's copy in that language (an alias of the Dutch page, see ``locales_sync``) into a page of
its own, published; from then on editors see it in wagtail-localize's translation screen.
"""

from __future__ import annotations

from collections.abc import Mapping

from wagtail.models import Locale, Page
from wagtail_localize.models import Translation, TranslationSource


def page_translation_save(
    *, page: Page, locale: Locale, strings: Mapping[str, str], user=None
) -> bool:
    """Translate ``page`` into ``locale`` with ``strings`` (source text → translated text);
    a source text missing from ``strings`` stays in the source language. Returns whether
    anything changed: a page already translated with these strings is left alone (no new
    revision)."""
    source, _ = TranslationSource.update_or_create_from_instance(page)
    translation, _ = Translation.objects.get_or_create(source=source, target_locale=locale)
    if not translation.enabled:
        # An editor stopped the translation ("Stop synced translation"): theirs from now on.
        return False
    po = translation.export_po()
    changed = False
    for entry in po:
        wanted = strings.get(entry.msgid)
        if entry.obsolete or not wanted or entry.msgstr == wanted:
            continue
        entry.msgstr = wanted
        changed = True
    target = page.get_translation_or_none(locale)
    if not changed and target is not None and target.alias_of_id is None:
        return False
    translation.import_po(po, user=user, tool_name="Routewijzer")
    translation.save_target(user=user, publish=True)
    return True


def page_translation_missing(*, page: Page, locale: Locale) -> list[str]:
    """The source texts of ``page`` with no translation into ``locale`` yet."""
    source = TranslationSource.objects.get_for_instance_or_none(page)
    if source is None:
        return []
    translation = Translation.objects.filter(source=source, target_locale=locale).first()
    if translation is None:
        return [entry.msgid for entry in source.export_po()]
    po = translation.export_po()
    return [entry.msgid for entry in po if not entry.obsolete and not entry.msgstr]
