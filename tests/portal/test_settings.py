import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_OURS = {"SECRET_KEY", "DEBUG", "ROUTEWIJZER_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env={**clean, "ROUTEWIJZER_TESTING": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_development_key():
    result = _import_settings(SECRET_KEY="insecure-local-development-key-do-not-use-in-production")
    assert result.returncode != 0


def test_production_starts_with_a_real_secret_key():
    assert _import_settings(SECRET_KEY="a-real-secret-" + "x" * 40).returncode == 0


def test_local_development_needs_no_configuration():
    assert _import_settings(DEBUG="true").returncode == 0


def test_a_malformed_boolean_setting_is_a_clear_error():
    result = _import_settings(DEBUG="perhaps")
    assert "DEBUG must be true or false" in result.stderr


def test_deploy_checks_pass_with_production_settings():
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, "ROUTEWIJZER_TESTING": "false", "SECRET_KEY": "k" * 60 + "-Zq9!"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_trusted_proxies_are_counted_the_same_by_the_log_in_and_the_api_limits():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'])",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in _OURS},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "true",
            "TRUSTED_PROXY_COUNT": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split() == ["1", "1"], shown.stderr


def test_a_negative_number_of_trusted_proxies_is_refused():
    result = _import_settings(DEBUG="true", TRUSTED_PROXY_COUNT="-1")
    assert "TRUSTED_PROXY_COUNT must be 0 or more" in result.stderr
