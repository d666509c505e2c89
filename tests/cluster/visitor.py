"""A visitor of the cluster: a browser's cookies and forms over plain HTTP, from an address of its
own on loopback."""

from __future__ import annotations

import html
import re

import requests
from requests.adapters import HTTPAdapter

LOGIN = "/en/accounts/login/"
LOGOUT = "/en/accounts/logout/"
ACCOUNT = "/en/accounts/profile/"
TOO_MANY_FAILED_LOGINS = "Too many failed login attempts"

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _FromAddress(HTTPAdapter):
    """Connections from ``address`` (any of 127.0.0.0/8 is this machine's loopback), so that
    visitors are told apart by their address, as on the internet."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    """One browser: its own cookies, its own address; no redirect is followed by itself.

    ``host``: the ``Host`` it sends, whichever port it connects to: the site's one public
    address, as HAProxy passes it on to every instance."""

    def __init__(self, address: str = "127.0.0.1", *, host: str | None = None) -> None:
        self.address = address
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment
        if host:
            self.session.headers["Host"] = host
        self.session.mount("http://", _FromAddress(address))

    def get(self, url: str, **kwargs) -> requests.Response:
        return self._kept(self.session.get(url, allow_redirects=False, timeout=30, **kwargs))

    def post(self, url: str, data: dict[str, str], **kwargs) -> requests.Response:
        return self._kept(
            self.session.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)
        )

    def _kept(self, response: requests.Response) -> requests.Response:
        """The portal's cookies are ``Secure``: in production HAProxy ends TLS and the browser
        sends them back over it. Plain HTTP on loopback stands in for that connection here, so
        they are sent back over it."""
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def log_in(self, base: str, email: str, password: str) -> requests.Response:
        """allauth's log-in form at ``base``, as a browser fills it in (its CSRF token first)."""
        token = csrf_token(self.get(base + LOGIN).text)
        return self.post(
            base + LOGIN, {"login": email, "password": password, "csrfmiddlewaretoken": token}
        )


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    match = _CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def form_token(page: str, action: str) -> str:
    """The CSRF token of the form that posts to ``action``."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert match, f"the page has no form that posts to {action}"
    return csrf_token(match.group(1))


def text(fragment: str) -> str:
    """The text of an HTML fragment, tags left out."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
