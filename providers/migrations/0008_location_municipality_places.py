# Municipality moved from contracts to places (#16): the foreign key points at the new label.
# State only: the column and its constraint refer to the same table (contracts_municipality).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0001_initial'),
        ('providers', '0007_provider_cancellation_terms'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='location',
                    name='municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='locations', to='places.municipality', verbose_name='municipality'),
                ),
            ],
        ),
    ]
