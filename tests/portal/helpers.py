"""Signing staff in as they would after passing two-factor authentication."""

from __future__ import annotations

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client


def totp_enable(user) -> str:
    """Give ``user`` an authenticator app; returns the secret (``totp_code(secret)`` for codes)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def login_staff(client: Client, user) -> Client:
    """Log in as after password + TOTP code: the session records the second factor."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        totp_enable(user)
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "type": "totp", "at": 0},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def totp_code(secret: str, *, margin_seconds: float = 4.0) -> str:
    """The code an authenticator app with ``secret`` shows right now; in the last
    ``margin_seconds`` of its period, the next period's code, after waiting for it. The portal
    accepts only the current period's code (allauth's tolerance 0), and a browser test types the
    code a second or two after it is made: near the turn it would be refused."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < margin_seconds:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def login_staff_in_english(client: Client, user) -> Client:
    """``login_staff`` for a user whose admin speaks English (the admin's default is Dutch)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return login_staff(client, user)
