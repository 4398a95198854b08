from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 (connects the live-feed access handlers)
