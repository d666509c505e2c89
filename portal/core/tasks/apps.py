from asgiref.local import Local
from django.apps import AppConfig
from django.test.signals import setting_changed


def _task_backends_reset(*, setting: str, **kwargs) -> None:
    """A changed ``TASKS`` (``override_settings``, pytest's ``settings``) takes effect at once,
    for Django's handler and the ``django_tasks`` backport's (Wagtail's), as Django does for
    ``CACHES``."""
    if setting != "TASKS":
        return
    from django.tasks import task_backends

    handlers = [task_backends]
    try:
        from django_tasks import task_backends as backport_backends
    except ImportError:
        pass
    else:
        handlers.append(backport_backends)
    for handler in handlers:
        handler.__dict__.pop("settings", None)
        handler._settings = None
        handler._connections = Local(handler.thread_critical)


class TasksConfig(AppConfig):
    name = "portal.core.tasks"
    label = "tasks"
    verbose_name = "Background tasks"

    def ready(self) -> None:
        setting_changed.connect(_task_backends_reset, dispatch_uid="portal.core.tasks.reset")
