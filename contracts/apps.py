from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts and municipalities")

    def ready(self) -> None:
        from contracts import signals, summaries  # noqa: F401
