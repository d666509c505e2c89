"""What "since your last visit" means on the admin's start page: since the sign-in before this
one.

Django keeps the time of the latest sign-in in ``User.last_login`` and overwrites it at every
sign-in (``update_last_login``, a receiver of ``user_logged_in``). Just before it does, the
previous value is kept in the new session (``previous_login_remember``, connected first by
``AccountsConfig.ready``), so for the whole session "since your last visit" stays the same
moment: reloading the start page does not empty its list, and the next sign-in moves it on.
Nothing new is stored in the database.

On a first sign-in (no earlier one), or in a session that began before this was kept, it is the
moment the account was made.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

SESSION_KEY = "previous_login"


def previous_login_remember(
    sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """Keep ``user``'s sign-in before this one in the session (a ``user_logged_in`` receiver
    that must run before Django's ``update_last_login``)."""
    if request is None or not hasattr(request, "session"):
        return
    previous = user.last_login
    request.session[SESSION_KEY] = previous.isoformat() if previous else ""


@dataclass(frozen=True)
class LastVisit:
    at: datetime.datetime
    signed_in_before: bool  # False: ``at`` is when the account was made


def last_visit(request: HttpRequest) -> LastVisit:
    """The moment "since your last visit" counts from for the signed-in person."""
    kept = request.session.get(SESSION_KEY)
    if kept:
        return LastVisit(at=datetime.datetime.fromisoformat(kept), signed_in_before=True)
    return LastVisit(at=request.user.date_joined, signed_in_before=False)
