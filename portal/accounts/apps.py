from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs) -> None:
    from portal.accounts.roles import role_groups_sync

    role_groups_sync()


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from portal.accounts import signals  # noqa: F401
        from portal.accounts.visits import previous_login_remember

        # Keep the previous sign-in before Django overwrites it (``portal.accounts.visits``):
        # receivers run in the order they were connected.
        was_connected = user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(previous_login_remember, dispatch_uid="previous-login-remember")
        if was_connected:
            user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")

        # After every app has migrated (the last app's signal), so all permissions exist.
        post_migrate.connect(_sync_role_groups, dispatch_uid="role-groups-sync")
