"""Give every page a copy in each language's tree that is kept in step with Dutch (a command
so a deployment runs it once after adding a language; pages made later get theirs from
wagtail-localize's hook)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from wagtail_localize.models import LocaleSynchronization
from wagtail_localize.synctree import synchronize_tree


class Command(BaseCommand):
    help = "Copy pages not yet in a language's page tree into it (wagtail-localize's sync)."

    def handle(self, *args: object, **options: object) -> None:
        for sync in LocaleSynchronization.objects.select_related("locale", "sync_from"):
            synchronize_tree(sync.sync_from, sync.locale)
            self.stdout.write(f"{sync.locale.language_code}: in step with {sync.sync_from}")
