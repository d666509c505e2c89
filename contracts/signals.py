"""A lot's capacity is copied into its capacity periods when they open (``contracts.capacity``);
when a contract manager changes it later, the current and future periods follow."""

from django.db.models.signals import post_save
from django.utils import timezone

from contracts.capacity import lot_capacity_sync
from contracts.models import Lot


def _lot_saved(sender, instance: Lot, created: bool, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and "capacity" not in update_fields):
        return
    lot_capacity_sync(lot=instance, today=timezone.localdate())


post_save.connect(_lot_saved, sender=Lot, dispatch_uid="contracts-lot-capacity-sync")
