from django.db import migrations, models


class Migration(migrations.Migration):
    """An index on ``OfferingImport.created_at``: batches older than ``IMPORT_BATCH_MAX_AGE_HOURS``
    are deleted by age each time a batch is stored."""

    dependencies = [
        ("providers", "0004_offeringimport"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="offeringimport",
            index=models.Index(fields=["created_at"], name="offeringimport_created_at"),
        ),
    ]
