"""Admin hooks of the project as a whole (each app registers its own screens)."""

from django.urls import path
from wagtail import hooks

from portal import media
from portal.permissions.wagtail import ScopedDeleteBulkAction

# One bulk delete for every snippet with a scoped viewset, replacing Wagtail's own (order 0);
# a viewset that must have none registers its own later (``portal.enrolments``, order 100).
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=90)


# Profile pictures are private files (portal/media.py): the admin shows them from its own
# address, never from the storage's.
@hooks.register("register_admin_urls")
def _avatar_urls() -> list:
    return [path("avatars/<int:user_id>/<str:file_name>", media.avatar, name="portal_avatar")]


@hooks.register("get_avatar_url")
def _avatar_url(user, size: int) -> str | None:
    return media.avatar_url(user)
