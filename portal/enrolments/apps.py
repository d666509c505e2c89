from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentsConfig(AppConfig):
    name = "portal.enrolments"
    label = "enrolments"
    verbose_name = _("Enrolments")

    def ready(self) -> None:
        from portal.enrolments import permissions, signals  # noqa: F401

        permissions.register()
