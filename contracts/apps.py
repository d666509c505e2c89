from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts and municipalities")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from contracts import permissions, signals, summaries  # noqa: F401

        permissions.register()

        post_migrate.connect(
            summaries.summaries_fill_if_empty, sender=self, dispatch_uid="summaries-fill"
        )
