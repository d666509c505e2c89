# Region and Municipality move here from contracts (#16). Their tables stay as they are
# (contracts_region, contracts_municipality, same columns and constraints): this migration only
# tells Django's state that the models are now this app's. contracts 0009 removes them from
# contracts' state once every foreign key (contracts, providers, accounts) points here.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables exist (created by contracts 0001) and have their last shape.
        ('contracts', '0008_transition_record_states'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Municipality',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('cbs_code', models.CharField(max_length=6, unique=True, validators=[django.core.validators.RegexValidator('^GM\\d{4}$', 'A CBS municipality code is GM followed by four digits, e.g. GM0392.')], verbose_name='CBS code')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                    ],
                    options={
                        'verbose_name': 'municipality',
                        'verbose_name_plural': 'municipalities',
                        'db_table': 'contracts_municipality',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('cbs_code__regex', '^GM[0-9]{4}$')), name='municipality_cbs_code_format')],
                    },
                ),
                migrations.CreateModel(
                    name='Region',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('central_municipality', models.ForeignKey(blank=True, help_text='The municipality that contracts on behalf of the region.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.municipality', verbose_name='central municipality')),
                    ],
                    options={
                        'verbose_name': 'region',
                        'verbose_name_plural': 'regions',
                        'db_table': 'contracts_region',
                        'ordering': ['name'],
                    },
                ),
                migrations.AddField(
                    model_name='municipality',
                    name='region',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='municipalities', to='places.region', verbose_name='region'),
                ),
            ],
        ),
    ]
