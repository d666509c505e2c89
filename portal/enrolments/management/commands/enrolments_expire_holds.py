"""Let lapsed seat holds go and offer the freed seats to the waiting lists.

The worker (`manage.py worker`) does this every minute on its schedule (``portal.background``);
this command does it by hand. The seat invariant does not depend on it (an expired hold is free by
its timestamp); it makes the freed seats show in the catalogue and reach the people on the waiting
list without waiting for the next enrolment.
"""

from django.core.management.base import BaseCommand

from portal.enrolments.enrolling import holds_expire


class Command(BaseCommand):
    help = "Expire lapsed seat holds and offer the freed seats to the waiting lists."

    def handle(self, *args, **options) -> None:
        expired = holds_expire()
        self.stdout.write(f"{expired} hold(s) expired")
