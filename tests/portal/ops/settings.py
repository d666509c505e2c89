"""The portal's settings with the operations tests' extra views: for the gunicorn the tests start."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.portal.ops.urls"
