from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_offering_workflow(sender, **kwargs) -> None:
    from providers.workflows import offering_workflow_ensure

    offering_workflow_ensure()


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Providers and offerings")

    def ready(self) -> None:
        from providers import permissions, signals, workflows  # noqa: F401 (signals)

        permissions.register()
        workflows.names_translate_connect()

        post_migrate.connect(
            _ensure_offering_workflow, sender=self, dispatch_uid="offering-workflow"
        )
