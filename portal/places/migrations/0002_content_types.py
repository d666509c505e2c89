# The content types of the moved models change app (contracts → places) rather than being made
# anew, so their permissions (and the role groups holding them), Wagtail's log entries and
# revisions keep pointing at them. On a new database there is nothing to change yet: the content
# types are made after migrate, under places.

from django.db import migrations

MODELS = ('municipality', 'region')


def _move(apps, schema_editor, old_app, new_app):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=new_app, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old_app, model=model).update(app_label=new_app)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, 'contracts', 'places')


def backwards(apps, schema_editor):
    _move(apps, schema_editor, 'places', 'contracts')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
