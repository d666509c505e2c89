"""Print the connected-account ids the local Stripe stand-in should know (development only).

`make run` starts the stand-in with these as ready accounts, so the demo providers (and any
provider onboarded in an earlier session, whose stand-in state is gone) can sell test places.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.payments.models import ConnectedAccount


class Command(BaseCommand):
    help = "Print the Stripe account ids of connected providers, for the stand-in (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Only for the local Stripe stand-in (DEBUG=true).")
        ids = ConnectedAccount.objects.order_by("pk").values_list("stripe_account_id", flat=True)
        self.stdout.write(" ".join(ids))
