# Advice to gezinsmigranten on courses (contracts.advising): the advice and its courses.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0011_report_exports'),
        ('providers', '0012_provider_translation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Advice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('note', models.TextField(blank=True, max_length=1000, verbose_name='note for the learner')),
                ('email', models.EmailField(max_length=254, verbose_name='sent to')),
                ('language', models.CharField(choices=[('nl', 'Dutch'), ('en', 'English'), ('ar', 'Arabic'), ('ti', 'Tigrinya'), ('tr', 'Turkish'), ('fa', 'Persian')], default='nl', max_length=8, verbose_name='language of the e-mail')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='advised at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='e-mail sent at')),
                ('linked_at', models.DateTimeField(blank=True, null=True, verbose_name='opened by the learner at')),
                ('klantmanager', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='advised by')),
                ('learner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='advices', to='contracts.learner', verbose_name='learner')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='advices', to=settings.AUTH_USER_MODEL, verbose_name="learner's account")),
            ],
            options={
                'verbose_name': 'advice',
                'verbose_name_plural': 'advice',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='AdviceOffering',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                ('advice', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='advised', to='contracts.advice', verbose_name='advice')),
                ('offering', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='providers.offering', verbose_name='course')),
            ],
            options={
                'verbose_name': 'advised course',
                'verbose_name_plural': 'advised courses',
                'ordering': ['advice', 'position', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('advice', 'offering'), name='adviceoffering_once_per_advice')],
            },
        ),
    ]
