from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        # Connects the handlers that follow access changes: live sockets, remembered tokens.
        from accounts import signals  # noqa: F401
