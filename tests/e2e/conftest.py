"""Browser tests: Playwright for Python driving Debian's Chromium, with axe-core from npm."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.axe import AXE_SCRIPT
from tests.snapshots import seed_demo_kept
from tests.stripe_standin.pytest_plugin import WEBHOOK_PATH

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
SETTLED = """document.getAnimations()
    .filter(a => a instanceof CSSTransition).every(a => a.playState !== 'running')"""


def transitions_settled(page: Page) -> None:
    """Wait until no CSS transition runs: the admin's sidebar slides shut below 800 px, and a
    page measured while it slides is as wide as before (on a busy machine, for a while)."""
    # page.wait_for_function would evaluate the test in the page, which the CSP refuses.
    for _attempt in range(100):
        if page.evaluate(SETTLED):
            return
        page.wait_for_timeout(50)


TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    # Playwright's sync API keeps an event loop in this thread while it runs; the ORM calls the
    # tests make between browser steps are still plain synchronous calls, so Django's guard can
    # stand down for these tests only.
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


class OneRequestAtATime:
    """The live server's WSGI application, answering one request at a time.

    On the in-memory SQLite test database every request thread of the live server shares the
    test's one connection (pytest-django hands it over: another connection would see another,
    empty database). An admin page loads ``/admin/jsi18n/`` and ``/admin/sprite/`` beside the
    page itself, so two requests ran transactions on that one connection at once, and about one
    run in eight a signed-in browser found its session gone on the next screen. PostgreSQL gives
    each thread a connection of its own and needs none of this.

    The Stripe stand-in's webhooks pass without waiting: the stand-in posts them while a portal
    view still waits for its API answer, and that view holds the lock.
    """

    def __init__(self, application: Callable) -> None:
        self.application = application
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == WEBHOOK_PATH:
            return self.application(environ, start_response)
        with self.lock:
            response = self.application(environ, start_response)
            try:
                return list(response)  # a streamed body reads the database too
            finally:
                if hasattr(response, "close"):
                    response.close()


@pytest.fixture
def demo_site(transactional_db, live_server) -> str:
    """The demo catalogue in the test database, served by the live server; returns its base URL.

    ``transactional_db`` is set up before the seed and flushes the tables after the test, so
    every test starts from a fresh seed that the live server's thread can see: the first test of
    a process seeds, the others get its rows back (``tests.snapshots``). Look ids up
    (``demo_paths``), never write them down.

    seed_demo's Wagtail Site is localhost:80 and the live server listens on a random port; that
    is fine because Wagtail falls back to the ``is_default_site`` Site when no hostname and port
    match exactly.
    """
    if live_server.thread.connections_override:
        server = live_server.thread.httpd
        if not isinstance(server.get_app(), OneRequestAtATime):
            server.set_app(OneRequestAtATime(server.get_app()))
    seed_demo_kept(users=False)
    return live_server.url


@pytest.fixture
def paying_site(demo_site, stripe_standin, settings):
    """The demo site with its providers' accounts at the stand-in, which delivers its webhooks to
    the live server; the CSP lets the browser go on to the stand-in's pages."""
    from portal.payments.models import ConnectedAccount

    seed_demo_kept(users=True)
    for account in ConnectedAccount.objects.all():
        stripe_standin.create_account(onboarded=True, account_id=account.stripe_account_id)
    stripe_standin.webhook_url = f"{demo_site}/payments/stripe/webhook/"
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": [*settings.SECURE_CSP["form-action"], stripe_standin.base_url],
    }
    return demo_site


@pytest.fixture
def demo_paths(demo_site) -> dict[str, str]:
    """Paths that depend on this test's ids, for ``str.format`` in parametrised paths."""
    from providers.selectors import offering_public_queryset

    published = offering_public_queryset().order_by("pk")
    compare_ids = list(published.values_list("pk", flat=True)[:4])
    with_start_dates = published.filter(next_start__isnull=False).first()
    return {
        "compare_two": f"ids={compare_ids[0]}&ids={compare_ids[1]}",
        "compare_four": "&".join(f"ids={pk}" for pk in compare_ids),
        "offering": str(with_start_dates.pk),
    }


@pytest.fixture
def new_page(browser, demo_site) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (``new_context`` keywords); closes them all after."""
    contexts = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(**{"viewport": DESKTOP, **context_options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def axe_page(new_page) -> Page:
    """A page where axe-core can be injected.

    The site's Content-Security-Policy (``script-src 'self' 'nonce-…'``) rightly refuses scripts
    the site did not send itself, and axe is test tooling, not part of the site; bypassing the
    CSP in this context only lets the tool in, it does not change the page under test.
    """
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core not found at {AXE_SCRIPT}: run `npm ci` in the project root")
    return new_page(bypass_csp=True)
