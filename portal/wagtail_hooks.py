"""Admin hooks of the project as a whole (each app registers its own screens)."""

from wagtail import hooks

from portal.permissions.wagtail import ScopedDeleteBulkAction

# One bulk delete for every snippet with a scoped viewset, replacing Wagtail's own (order 0);
# a viewset that must have none registers its own later (``portal.enrolments``, order 100).
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=90)
