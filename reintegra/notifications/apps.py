from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "reintegra.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
