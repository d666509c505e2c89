"""The API reference at /api/v1/docs/ renders in a real browser under the site's CSP."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.e2e.conftest import DESKTOP, TIMEOUT_MS


def expect(target):
    """Playwright's ``expect``, imported as the test runs, so a missing Playwright is a skip
    the no-skip hook sees (see tests/README.md)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every CSP violation the page reports, also those the console does not word the same way.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_api_docs_render_the_api_title_with_no_csp_violation(browser, live_server):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))

        response = page.goto(f"{live_server.url}/api/v1/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator("h1")).to_contain_text(settings.SPECTACULAR_SETTINGS["TITLE"])
        expect(page.get_by_text("/api/v1/offerings/").first).to_be_visible()

        assert page.evaluate("window.cspViolations") == []
        assert [line for line in console if "Content Security Policy" in line] == []
        assert [line for line in console if line.startswith("error")] == []
        assert failed == []
    finally:
        context.close()
