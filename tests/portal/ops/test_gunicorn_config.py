"""deploy/gunicorn.conf.py's values, read the way gunicorn reads it, with and without overrides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
NAMES = [
    "wsgi_app",
    "bind",
    "workers",
    "worker_class",
    "timeout",
    "graceful_timeout",
    "max_requests",
    "max_requests_jitter",
    "forwarded_allow_ips",
    "accesslog",
    "errorlog",
    "control_socket_disable",
]
_OURS = ("GUNICORN_", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "LOG_", "DEBUG")


def _config(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    script = (
        "import json, os, runpy, sys\n"
        f"ns = runpy.run_path({str(CONFIG)!r})\n"
        f"values = {{name: ns[name] for name in {NAMES!r}}}\n"
        "values['cores'] = len(os.sched_getaffinity(0))\n"
        "values['log_format'] = ns['logconfig_dict']['handlers']['console']['formatter']\n"
        "values['log_stream'] = ns['logconfig_dict']['handlers']['console']['stream']\n"
        "print(json.dumps(values))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_defaults_suit_a_proxy_on_the_same_machine():
    config = _config()
    assert config["wsgi_app"] == "portal.wsgi:application"
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["worker_class"] == "sync"
    assert config["workers"] == min(2 * config["cores"] + 1, 8)
    assert config["timeout"] == 60
    assert config["graceful_timeout"] == 30
    assert config["max_requests"] > 0
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert (config["accesslog"], config["errorlog"]) == ("-", "-")
    assert config["control_socket_disable"] is True
    assert (config["log_format"], config["log_stream"]) == ("json", "ext://sys.stdout")


def test_the_environment_overrides_each_value():
    config = _config(
        GUNICORN_BIND="127.0.0.1:9001",
        GUNICORN_WORKERS="12",
        GUNICORN_TIMEOUT="120",
        GUNICORN_GRACEFUL_TIMEOUT="10",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        FORWARDED_ALLOW_IPS="10.0.0.2",
        LOG_FORMAT="text",
    )
    assert config["bind"] == ["127.0.0.1:9001"]
    assert config["workers"] == 12
    assert (config["timeout"], config["graceful_timeout"]) == (120, 10)
    assert (config["max_requests"], config["max_requests_jitter"]) == (500, 50)
    assert config["forwarded_allow_ips"] == "10.0.0.2"
    assert config["log_format"] == "text"


def test_web_concurrency_is_honoured_when_gunicorn_workers_is_not_set():
    assert _config(WEB_CONCURRENCY="3")["workers"] == 3


def test_development_logs_readable_lines():
    assert _config(DEBUG="true")["log_format"] == "text"


def test_a_malformed_number_is_a_clear_error():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    result = subprocess.run(
        [sys.executable, "-c", f"import runpy; runpy.run_path({str(CONFIG)!r})"],
        cwd=ROOT,
        env={**clean, "GUNICORN_WORKERS": "many"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GUNICORN_WORKERS must be a whole number, not 'many'" in result.stderr
