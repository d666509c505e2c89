"""Error reports (portal/core/sentry.py): off without SENTRY_DSN, and what an event may carry.

An error in a view reaching a Sentry stand-in through gunicorn is in
tests/portal/ops/test_gunicorn.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sentry_sdk

from portal.core import request_id
from portal.core.sentry import EMAIL_REPLACEMENT, event_scrub

ROOT = Path(__file__).resolve().parents[3]
_OURS = {"SENTRY_DSN", "SENTRY_TRACES_SAMPLE_RATE", "ROUTEWIJZER_TESTING", "DEBUG"}


def _settings_then(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    return subprocess.run(
        [sys.executable, "-c", f"import portal.settings, sentry_sdk\n{code}"],
        cwd=ROOT,
        env={**clean, "ROUTEWIJZER_TESTING": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_dsn_nothing_reports():
    assert not sentry_sdk.get_client().is_active()
    result = _settings_then("print(sentry_sdk.get_client().is_active())")
    assert result.stdout.strip() == "False", result.stderr


def test_with_a_dsn_the_settings_start_it_without_personal_data_or_traces():
    result = _settings_then(
        "client = sentry_sdk.get_client()\n"
        "print(client.is_active(), client.options['send_default_pii'],"
        " client.options['traces_sample_rate'], client.options['include_local_variables'])",
        SENTRY_DSN="http://key@127.0.0.1:9/1",
    )
    assert result.stdout.strip() == "True False None False", result.stderr


def test_a_bad_traces_sample_rate_is_a_clear_error():
    for rate in ("often", "1.5"):
        result = _settings_then(
            "", SENTRY_DSN="http://key@127.0.0.1:9/1", SENTRY_TRACES_SAMPLE_RATE=rate
        )
        assert result.returncode != 0
        assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1" in result.stderr


def test_an_event_loses_cookies_bodies_and_e_mail_addresses():
    event = {
        "message": "Mail to leerling@example.org failed",
        "request": {
            "url": "https://routewijzer.test/aanbod/",
            "query_string": "email=iemand%40example.nl&page=2",
            "cookies": {"sessionid": "secret"},
            "data": {"email": "iemand@example.nl"},
            "headers": {"Cookie": "sessionid=secret", "Authorization": "Bearer t", "Accept": "*/*"},
        },
        "breadcrumbs": {"values": [{"message": "sent to A.B@Example.COM"}]},
        "exception": {"values": [{"type": "ValueError", "value": "no user x@y.nl"}]},
    }
    scrubbed = event_scrub(event)
    request = scrubbed["request"]
    assert "cookies" not in request
    assert "data" not in request
    assert request["headers"] == {"Accept": "*/*"}
    assert request["query_string"] == f"email={EMAIL_REPLACEMENT}&page=2"
    assert scrubbed["message"] == f"Mail to {EMAIL_REPLACEMENT} failed"
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == f"sent to {EMAIL_REPLACEMENT}"
    assert scrubbed["exception"]["values"][0]["value"] == f"no user {EMAIL_REPLACEMENT}"


def test_an_event_inside_a_request_is_tagged_with_its_id():
    token = request_id._current.set("the-request-id")
    try:
        assert event_scrub({})["tags"] == {"request_id": "the-request-id"}
    finally:
        request_id._current.reset(token)
    assert "tags" not in event_scrub({})
