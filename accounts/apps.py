from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from accounts import signals  # noqa: F401 (connects the live-feed access handlers)

        # A token revoked or a user changed in this process stops being remembered at once.
        post_delete.connect(_token_gone, sender=Token, dispatch_uid="accounts.token_gone")
        user = get_user_model()
        post_save.connect(_user_changed, sender=user, dispatch_uid="accounts.user_saved")
        post_delete.connect(_user_changed, sender=user, dispatch_uid="accounts.user_deleted")


def _token_gone(sender, instance, **kwargs) -> None:  # noqa: ANN001, ARG001
    from accounts.authentication import forget_token

    forget_token(instance.key)


def _user_changed(sender, instance, **kwargs) -> None:  # noqa: ANN001, ARG001
    from accounts.authentication import forget_user

    forget_user(instance.pk)
