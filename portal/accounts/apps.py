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
        from portal.accounts import signals  # noqa: F401

        # After every app has migrated (the last app's signal), so all permissions exist.
        post_migrate.connect(_sync_role_groups, dispatch_uid="role-groups-sync")
