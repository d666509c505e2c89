"""Every language of the site as a Wagtail locale kept in step with Dutch, and every page with a
copy in each language's tree (a command so a deployment runs it once after adding a language;
pages made later get theirs from wagtail-localize's hook). Idempotent.

The locales also come from ``cms/migrations/0002_locales.py``; this makes them again where the
tables were emptied since (a flushed test database, which ``seed_demo`` then fills)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from wagtail.models import Locale
from wagtail_localize.models import LocaleSynchronization
from wagtail_localize.synctree import synchronize_tree


class Command(BaseCommand):
    help = "Make the site's locales and copy pages not yet in a language's tree into it."

    def handle(self, *args: object, **options: object) -> None:
        dutch, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
            if code != dutch.language_code:
                locale, _ = Locale.objects.get_or_create(language_code=code)
                if not LocaleSynchronization.objects.filter(locale=locale).exists():
                    # Its post_save signal synchronises the tree already; the loop below is
                    # for the locales that had their synchronisation before.
                    LocaleSynchronization.objects.create(locale=locale, sync_from=dutch)
        for sync in LocaleSynchronization.objects.select_related("locale", "sync_from"):
            synchronize_tree(sync.sync_from, sync.locale)
            self.stdout.write(f"{sync.locale.language_code}: in step with {sync.sync_from}")
