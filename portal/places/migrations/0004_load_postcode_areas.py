# The Dutch postcode areas (portal/places/data/pc4-nl.csv, MIT) are data the code ships: loading
# them here gives every database (`make run`, the tests, CI) the near-me search without an extra
# command. Delete and insert in bulk (about 4,700 rows, well under a second): running it again
# leaves the same rows.

from django.db import migrations


def load(apps, schema_editor):
    from portal.places.postcodes import postcode_areas_load

    postcode_areas_load(
        apps.get_model('places', 'PostcodeArea'), using=schema_editor.connection.alias
    )


def unload(apps, schema_editor):
    apps.get_model('places', 'PostcodeArea').objects.using(
        schema_editor.connection.alias
    ).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0003_postcodearea'),
    ]

    operations = [
        migrations.RunPython(load, unload, elidable=False),
    ]
