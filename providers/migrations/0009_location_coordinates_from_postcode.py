# Locations saved without coordinates get their postcode area's centre (Location.save does it from
# now on); this fills the ones saved before. Coordinates someone gave are left alone.

from decimal import Decimal

from django.db import migrations


def fill(apps, schema_editor):
    db = schema_editor.connection.alias
    Location = apps.get_model('providers', 'Location')
    PostcodeArea = apps.get_model('places', 'PostcodeArea')
    centres = {
        pc4: (latitude, longitude)
        for pc4, latitude, longitude in PostcodeArea.objects.using(db).values_list(
            'pc4', 'latitude', 'longitude'
        )
    }
    missing = Location.objects.using(db).filter(latitude__isnull=True, longitude__isnull=True)
    changed = []
    for location in missing.only('pk', 'postcode'):
        centre = centres.get((location.postcode or '').strip()[:4])
        if centre is None:
            continue
        location.latitude, location.longitude = (Decimal(str(round(c, 6))) for c in centre)
        changed.append(location)
    Location.objects.using(db).bulk_update(changed, ['latitude', 'longitude'], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0004_load_postcode_areas'),
        ('providers', '0008_location_municipality_places'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
