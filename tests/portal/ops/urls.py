"""The portal's URLs plus a few views the operations tests need (never in the real URLs).

Used with ``@pytest.mark.urls`` in-process, and as ``ROOT_URLCONF`` of the gunicorn the tests
start (``tests/portal/ops/settings.py``).
"""

from __future__ import annotations

import logging
import os
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from portal.core.request_id import current_request_id
from portal.urls import urlpatterns as portal_urlpatterns

logger = logging.getLogger("tests.ops")


def log_a_line(request: HttpRequest) -> JsonResponse:
    """Writes one log line while the request runs and says which id it saw."""
    logger.warning("a line written inside the view")
    return JsonResponse({"request_id": current_request_id()})


def slow(request: HttpRequest) -> HttpResponse:
    """Keeps its worker busy for a moment and says which process answered."""
    time.sleep(float(request.GET.get("seconds", "0.5")))
    return HttpResponse(str(os.getpid()), content_type="text/plain")


def fail(request: HttpRequest) -> HttpResponse:
    """An error in a view, with an e-mail address from the query string in its message."""
    raise RuntimeError(f"No course found for {request.GET.get('email', '')}")


urlpatterns = [
    path("ops-test/log/", log_a_line, name="ops-test-log"),
    path("ops-test/slow/", slow, name="ops-test-slow"),
    path("ops-test/fail/", fail, name="ops-test-fail"),
    *portal_urlpatterns,
]
