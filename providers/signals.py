"""Any change to what the public catalogue shows makes its cached pages stale."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import published, unpublished

from portal.core.pagecache import catalogue_changed
from portal.places.models import Municipality
from providers.models import Language, Location, Offering, Provider, StartMoment

for model in (Provider, Location, Offering, StartMoment, Municipality, Language):
    post_save.connect(
        catalogue_changed, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}"
    )
    post_delete.connect(
        catalogue_changed, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}"
    )
for through in (Offering.locations.through, Offering.support_languages.through):
    m2m_changed.connect(catalogue_changed, sender=through, dispatch_uid=f"catalogue-m2m-{through}")
published.connect(catalogue_changed, sender=Offering, dispatch_uid="catalogue-published")
unpublished.connect(catalogue_changed, sender=Offering, dispatch_uid="catalogue-unpublished")
