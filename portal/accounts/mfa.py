"""Two-factor authentication for staff: who must use it, whether this session did, and which
pages wait for it."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.utils.translation import get_language_from_path

from portal import permissions

# The admin, the staff pages and everything under /accounts/ (in every language) wait for the
# second factor, so a page allauth adds in a later version is closed until it is listed below.
# /documents/: contract documents are downloaded there (Wagtail checks the collection first).
AREAS_AFTER_SECOND_FACTOR = ("/admin/", "/staff/", "/accounts/", "/documents/")

# The way in and out, by URL name: signing in and out, setting up the app and confirming it is
# you, and the links from e-mails that work without a session. Nothing here shows, changes or
# exports the account.
PAGES_BEFORE_SECOND_FACTOR = frozenset(
    {
        "account_login",
        "account_logout",
        "account_signup",
        "account_inactive",
        "account_confirm_login_code",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "invitation_accept",
        "wagtailadmin_logout",
    }
)


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


def page_needs_second_factor(*, path: str, url_name: str | None) -> bool:
    """The admin, staff pages and the account pages (the account itself, its data download and
    deletion, e-mail addresses, password, authenticator app and recovery codes) wait for the
    second factor; a stolen password alone must not change or take away a staff account."""
    language = get_language_from_path(path)
    if language:
        path = path.removeprefix(f"/{language}")
    return path.startswith(AREAS_AFTER_SECOND_FACTOR) and url_name not in PAGES_BEFORE_SECOND_FACTOR


def second_factor_missing(request: HttpRequest, *, url_name: str | None) -> bool:
    """A staff member who has not used the second factor in this session asks for a page that
    waits for it. Learners need no second factor."""
    return (
        request.user.is_authenticated
        and page_needs_second_factor(path=request.path, url_name=url_name)
        and mfa_required(request.user)
        and not session_used_mfa(request)
    )
