from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "portal.core.tasks"
    label = "tasks"
    verbose_name = "Background tasks"
