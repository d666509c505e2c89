"""Public media from local disk, served by the portal (``MEDIA_SERVE``).

Only the public storage's folder is served (image renditions): the private files beside it
(documents, original images) have no address here; documents go out through Wagtail's
``/documents/`` view, which checks their collection's privacy. From a bucket
(``MEDIA_STORAGE=s3``) public files have the bucket's or the CDN's address and this view is off.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.http import Http404, HttpRequest, HttpResponse
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
