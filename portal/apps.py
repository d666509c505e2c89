from django.apps import AppConfig

from portal.core.metrics import TaskQueueFigures


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        from portal.core import media, metrics
        from portal.core.admin_display import displays_register

        metrics.task_queue_source_register(task_queue_figures)
        media.renditions_without_metadata()
        # Yes/no, dates and euros on every inspect page and comparison of revisions.
        displays_register()


def task_queue_figures() -> TaskQueueFigures:
    """The task queue's figures for ``/metrics``: waiting (due and scheduled) and failing."""
    from portal.core.tasks import queue_status

    status = queue_status()
    return TaskQueueFigures(
        waiting={"default": status.due + status.scheduled}, failed={"default": status.failing}
    )
