"""The shape of the portal's log lines, for Django (``settings.LOGGING``) and gunicorn alike.

Production writes one JSON object per line (python-json-logger: ``time``, ``level``, ``logger``,
``message``, ``request_id`` and whatever a call passes in ``extra``), which a log collector reads
without guessing; development writes the same fields as a readable line. Both carry the id of
the request the line belongs to (``portal/core/request_id.py``).
"""

from __future__ import annotations

from typing import Any

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
STREAMS = {"stdout": "ext://sys.stdout", "stderr": "ext://sys.stderr"}


def logging_config(
    *,
    log_format: str,
    level: str,
    stream: str = "stderr",
    loggers: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary: one handler, on the root logger, writing
    ``log_format`` ("json" or "text") lines to ``stream`` ("stdout" or "stderr")."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    if stream not in STREAMS:
        raise ValueError(f"LOG_STREAM must be one of {', '.join(STREAMS)}, not {stream!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "portal.core.request_id.RequestIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "message", "request_id"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
            },
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": STREAMS[stream],
                "filters": ["request_id"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers or {},
    }
