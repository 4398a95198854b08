from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Temps réel"

    def ready(self) -> None:
        # Open sockets follow their user's access changes (logout, token, role, scope).
        from realtime import signals  # noqa: F401
