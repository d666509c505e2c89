from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language

from portal import permissions
from portal.core.links import site_url


@dataclass(frozen=True)
class _SiteOfTheLinks:
    """What allauth's e-mails say of the site (``current_site``): its name and its address."""

    name: str
    domain: str


def _on_site_url(url: str) -> str:
    """``url``'s path (and query) on ``settings.SITE_URL`` instead of the host it was built on."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    return site_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Staff start in the admin, learners on their own page (unless ``next`` says otherwise)."""
        if permissions.is_staff_member(request.user):
            return reverse("wagtailadmin_home")
        return reverse("account_overview")

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """A new account speaks the language it was made in (its e-mails, Stripe Checkout)."""
        language = (get_language() or "")[:8]
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails with their links on ``SITE_URL``, like every other e-mail's.

        allauth builds its links (``activate_url``, ``password_reset_url``, ``signup_url``) from
        the request, whose host may be a proxy's or whatever port the server runs on; and without
        ``django.contrib.sites`` it would greet the reader from that host instead of the site.
        """
        context = {
            key: _on_site_url(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context["current_site"] = _SiteOfTheLinks(
            name=settings.WAGTAIL_SITE_NAME, domain=settings.SITE_URL
        )
        super().send_mail(template_prefix, email, context)
