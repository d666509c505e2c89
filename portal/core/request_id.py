"""Every request has an id: on its response, in each log line written while it runs, in Sentry.

The proxy in front (HAProxy's ``unique-id``, nginx's ``$request_id``) may send one in
``X-Request-ID``; it is taken only when it is short and made of safe characters (letters,
digits, ``.``, ``_``, ``:``, ``-``), so a client cannot put line breaks, quotes or a megabyte into
our logs. Otherwise, or without one, the portal makes its own. The id is kept in a context
variable while the request runs; ``RequestIdFilter`` copies it onto each log record, and the
response carries it back in ``X-Request-ID`` (gunicorn's access log reads it from there).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
MAX_LENGTH = 128
# The first character is a letter or digit, so an id never starts like an option or a sign.
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
# In a log record outside any request (a command, a worker starting).
NO_REQUEST = "-"

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from_header(value: str | None) -> str | None:
    """``value`` when it is a safe request id, else None."""
    if not value or len(value) > MAX_LENGTH or not _SAFE.fullmatch(value):
        return None
    return value


def request_id_new() -> str:
    """A fresh id: 32 hexadecimal characters."""
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being answered in this context, or None outside one."""
    return _current.get()


class RequestIdMiddleware:
    """Gives each request its id (the proxy's when safe, else a new one) for logs and the answer.

    First in ``MIDDLEWARE``, so every other layer, the view and any error logged on the way out
    carry the id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(HEADER)) or request_id_new()
        request.request_id = request_id
        # Kept until the answer is closed (``request_finished``), not only while the layers
        # below run: Django logs a 4xx answer ("Not Found: ...") after the last middleware.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="portal.core.request_id.forget")
def _forget(**kwargs: object) -> None:
    """The answer is closed: what is logged from now on belongs to no request."""
    _current.set(None)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (``-`` outside a request); filters nothing out.

    A record that already carries one (gunicorn's access line, written after the request's
    context ended, passes it in ``extra``) keeps it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or NO_REQUEST
        return True
