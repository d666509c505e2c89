# Region and Municipality moved to places (#16; places 0001). Every foreign key of contracts
# points at the new label, and the models leave contracts' state. State only: the tables
# (contracts_region, contracts_municipality), their rows, columns and constraints stay.
# Runs after providers and accounts have moved their keys too, so nothing refers to
# contracts.Municipality when it is deleted from the state.

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_user_municipality_places'),
        ('contracts', '0008_transition_record_states'),
        ('places', '0001_initial'),
        ('providers', '0008_location_municipality_places'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='intakevolume',
                    name='municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='intake_volumes', to='places.municipality'),
                ),
                migrations.AlterField(
                    model_name='contract',
                    name='contracting_municipality',
                    field=models.ForeignKey(help_text="The region's central municipality, which signs on behalf of the others.", on_delete=django.db.models.deletion.PROTECT, related_name='contracts_made', to='places.municipality', verbose_name='contracting municipality'),
                ),
                migrations.AlterField(
                    model_name='contract',
                    name='municipalities',
                    field=modelcluster.fields.ParentalManyToManyField(help_text='The municipalities whose learners may be placed under this contract.', related_name='contracts', to='places.municipality', verbose_name='municipalities covered'),
                ),
                migrations.AlterField(
                    model_name='learner',
                    name='municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='learners', to='places.municipality', verbose_name='municipality'),
                ),
                migrations.AlterField(
                    model_name='casetransfer',
                    name='from_municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.municipality', verbose_name='from'),
                ),
                migrations.AlterField(
                    model_name='casetransfer',
                    name='to_municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.municipality', verbose_name='to'),
                ),
                migrations.AlterField(
                    model_name='attendancemonth',
                    name='municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='places.municipality'),
                ),
                migrations.AlterField(
                    model_name='referralmonth',
                    name='municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='places.municipality'),
                ),
                # The two models point at each other; unlink them, then delete them (state only).
                migrations.RemoveField(
                    model_name='region',
                    name='central_municipality',
                ),
                migrations.RemoveField(
                    model_name='municipality',
                    name='region',
                ),
                migrations.DeleteModel(
                    name='Region',
                ),
                migrations.DeleteModel(
                    name='Municipality',
                ),
            ],
        ),
    ]
