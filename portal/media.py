"""Uploaded files the portal itself sends (README "Media files").

``public_file``: public media from local disk (``MEDIA_SERVE``). Only the public storage's
folder is served (image renditions): the private files beside it (documents, original images)
have no address here; documents go out through Wagtail's ``/documents/`` view, which checks their
collection's privacy. From a bucket (``MEDIA_STORAGE=s3``) public files have the bucket's or the
CDN's address and this view is off.

``avatar``: a staff member's profile picture, a private file, for people in the admin only.
"""

from __future__ import annotations

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.static import serve

from portal.core.media import PUBLIC_CACHE_SECONDS, PUBLIC_MEDIA


@require_safe
def public_file(request: HttpRequest, path: str) -> HttpResponse:
    """A file of the public storage, with the caching a web server would give it."""
    storage = storages[PUBLIC_MEDIA]
    if not isinstance(storage, FileSystemStorage):
        raise Http404
    # Django's static ``serve`` answers If-Modified-Since and refuses folders and missing files
    # (404) and paths that lead out of the folder (404 here too: nothing to report).
    try:
        response = serve(request, path, document_root=storage.location)
    except SuspiciousFileOperation as error:
        raise Http404 from error
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    # An image is never a page: nothing in it may run, whatever its bytes say.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def avatar_url(user: object) -> str | None:
    """The address of ``user``'s profile picture in the admin (Wagtail's ``get_avatar_url``
    hook), or ``None`` for none. It ends in the picture's file name, which holds a random UUID:
    only someone shown the picture knows it, so nobody collects colleagues' faces by counting
    user ids, and a new picture has a new address."""
    profile = getattr(user, "wagtail_userprofile", None)
    if profile is None or not profile.avatar:
        return None
    return reverse("portal_avatar", args=[profile.user_id, _file_name(profile.avatar.name)])


def _file_name(name: str) -> str:
    return name.rsplit("/", 1)[-1]


@require_safe
def avatar(request: HttpRequest, user_id: int, file_name: str) -> HttpResponse:
    """A profile picture from the private storage. Registered among the admin's URLs, so only
    people who may use the admin (after their second factor) get it, as Wagtail shows it to
    them beside a colleague's name."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user_id=user_id).exclude(avatar="").first()
    if profile is None or _file_name(profile.avatar.name) != file_name:
        raise Http404
    try:
        file = profile.avatar.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
