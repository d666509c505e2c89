"""Log lines (portal/core/logs.py): JSON objects in production, readable in development."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.core import request_id
from portal.core.logs import logging_config

ROOT = Path(__file__).resolve().parents[3]


def _formatted(log_format: str, **extra: object) -> str:
    config = logging_config(log_format=log_format, level="INFO")
    configurator = logging.config.DictConfigurator(config)
    formatter = configurator.configure_formatter(config["formatters"][log_format])
    record = logging.makeLogRecord(
        {
            "name": "portal.example",
            "levelname": "WARNING",
            "levelno": 30,
            "msg": "%s happened",
            "args": ("something",),
            **extra,
        }
    )
    request_id.RequestIdFilter().filter(record)
    return formatter.format(record)


def test_a_production_line_is_one_json_object_with_the_request_id():
    token = request_id._current.set("abc-123")
    try:
        line = _formatted("json", seats=3)
    finally:
        request_id._current.reset(token)
    assert "\n" not in line
    fields = json.loads(line)
    assert fields["message"] == "something happened"
    assert fields["level"] == "WARNING"
    assert fields["logger"] == "portal.example"
    assert fields["request_id"] == "abc-123"
    assert fields["seats"] == 3
    assert fields["time"].endswith("+00:00")


def test_a_development_line_is_readable_with_the_request_id():
    token = request_id._current.set("abc-123")
    try:
        line = _formatted("text")
    finally:
        request_id._current.reset(token)
    assert line.endswith("WARNING portal.example [abc-123] something happened")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of json, text"):
        logging_config(log_format="xml", level="INFO")
    clean = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env={**clean, "ROUTEWIJZER_TESTING": "true", "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of json, text, not 'xml'" in result.stderr
