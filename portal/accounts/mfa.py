"""Two-factor authentication for staff: who must use it, and whether this session did."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from portal import permissions


def mfa_required(user) -> bool:
    """Everybody who works behind the admin or the staff area: provider staff, klantmanagers,
    contract managers, site editors and superusers."""
    return permissions.is_staff_member(user)


def mfa_enabled(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_used_mfa(request: HttpRequest) -> bool:
    """Did this session prove a second factor (at login, on reauthentication, or by setting up
    the authenticator app just now)?"""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)
