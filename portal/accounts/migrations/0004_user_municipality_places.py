# Municipality moved from contracts to places (#16): the foreign key points at the new label.
# State only: the column and its constraint refer to the same table (contracts_municipality).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_role_auditor'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='municipality',
                    field=models.ForeignKey(blank=True, help_text='For klantmanagers: the municipality they work for.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='places.municipality', verbose_name='municipality'),
                ),
            ],
        ),
    ]
