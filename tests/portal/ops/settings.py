"""The portal's settings plus the operations tests' views, for the gunicorn the tests start."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.portal.ops.urls"
