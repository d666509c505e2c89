"""The six languages of the public site as Wagtail locales, each kept in step with the Dutch
tree by wagtail-localize (a page not yet translated is shown from a copy of the Dutch page).

The copies themselves are made by ``manage.py locales_sync`` (run by ``seed_demo``) for pages
that exist already, and by wagtail-localize's hook for every page created afterwards."""

from django.conf import settings
from django.db import migrations


def add_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    LocaleSynchronization = apps.get_model("wagtail_localize", "LocaleSynchronization")
    dutch, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        if code == dutch.language_code:
            continue
        locale, _ = Locale.objects.get_or_create(language_code=code)
        LocaleSynchronization.objects.get_or_create(locale=locale, defaults={"sync_from": dutch})


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(add_locales, migrations.RunPython.noop)]
