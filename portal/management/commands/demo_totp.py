"""Print the current authenticator-app code of the demo staff logins (development only)."""

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import data


class Command(BaseCommand):
    help = "Print the two-factor code the demo staff logins accept right now (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo codes exist only in development (DEBUG=true).")
        counter = next(yield_hotp_counters_from_time())
        code = format_hotp_value(hotp_value(data.DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{code}  (valid for about 30 seconds; secret {data.DEMO_TOTP_SECRET})")
