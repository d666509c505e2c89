"""What a visitor asked for before logging in, done once they have: "Enrol" or "Join the
waiting list" on a start date, pressed while logged out.

The log-in page sends the browser back with a GET, so the form's POST is lost on the way. The
view that got it remembers the request in a signed cookie of this browser (the action, the start
date, the time) and sends the visitor to log in with ``next`` at that start date's address. There
the GET acts as the POST would have, once, only when:

- the cookie is this server's, for this action and this start date, and at most
  ``MAX_AGE`` old (long enough to create an account on the way and confirm its e-mail address);
- the person logged in after the cookie was set (``last_login``): the log-in form, which carries
  a CSRF token and the password, is then the visitor's own confirmation. Another site can make a
  logged-in browser post a form, but never log it in, so a learner who was already logged in
  gets the page that asks "Enrol on this start date?" instead;
- the browser says the GET is not another site's doing (``Sec-Fetch-Site`` same-origin, as after
  our own log-in page's redirect, or none, typed or bookmarked): a learner who logged in some
  other way with the cookie still there must not be sent to the address by another site and
  have a seat held.

The cookie is no session: a visitor's catalogue pages stay cached (``portal.core.pagecache``).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from portal.enrolments import selectors
from providers.models import StartMoment

COOKIE_NAME = "rw_after_login"
MAX_AGE = datetime.timedelta(hours=1)
_SALT = "portal.web.after_login"


ACTIONS = ("enrolment_start", "waiting_list_join")


@dataclass(frozen=True)
class Request:
    """What the visitor asked for: ``action`` (a URL name in ``ACTIONS``) on ``start_moment``."""

    action: str
    start_moment: StartMoment


def _value(action: str, start_moment_id: int) -> str:
    return f"{action}:{start_moment_id}"


def remember(response: HttpResponse, *, action: str, start_moment_id: int) -> None:
    """Keep ``action`` on this start moment in the browser until the visitor has logged in."""
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{_value(action, start_moment_id)}:{int(time.time())}",
        salt=_SALT,
        max_age=int(MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, samesite="Lax")


def asked_before_login(request: HttpRequest, *, action: str, start_moment_id: int) -> bool:
    """Whether this browser asked for ``action`` on this start moment while logged out, at most
    ``MAX_AGE`` ago, and the signed-in person logged in after that."""
    raw = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=_SALT, max_age=MAX_AGE.total_seconds()
    )
    if raw is None:
        return False
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    asked, _separator, issued = raw.rpartition(":")
    if asked != _value(action, start_moment_id) or not issued.isdigit():
        return False
    last_login = request.user.last_login
    return last_login is not None and last_login.timestamp() >= int(issued)


def _addresses(action: str, start_moment_id: int) -> set[str]:
    """The start date's address in every language (the page's language switch keeps ``next``)."""
    addresses = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            addresses.add(reverse(action, kwargs={"start_moment_id": start_moment_id}))
    return addresses


def waiting_for_login(request: HttpRequest) -> Request | None:
    """What this browser asked for while logged out, when the log-in (or sign-up) page it is on
    leads back to it (its ``next``): the page says what logging in will do."""
    raw = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=_SALT, max_age=MAX_AGE.total_seconds()
    )
    if raw is None or request.user.is_authenticated:
        return None
    action, _separator, rest = raw.partition(":")
    start_moment_id = rest.partition(":")[0]
    if action not in ACTIONS or not start_moment_id.isdigit():
        return None
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url not in _addresses(action, int(start_moment_id)):
        return None
    try:
        moment = selectors.start_moment_public_get(start_moment_id=int(start_moment_id))
    except StartMoment.DoesNotExist:
        return None
    return Request(action=action, start_moment=moment)
