"""Addresses that leave the site, in e-mails: every one on ``settings.SITE_URL``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def site_url(path: str) -> str:
    """``path`` (``/…``) on the site's public address, for a link in an e-mail."""
    return settings.SITE_URL + path


def site_reverse(viewname: str, *args: object, **kwargs: object) -> str:
    """``reverse`` on the site's public address."""
    return site_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
