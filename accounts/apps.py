from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        # Remembered tokens follow their token and user (the live feed connects its own).
        from accounts import signals  # noqa: F401
