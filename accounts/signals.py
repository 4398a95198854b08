"""A token deleted, or its user saved or deleted, is forgotten at once by this process's token
memory (accounts/authentication.py); other workers forget it within its TTL.

Signals rather than services: these changes also come from the admin and the token model, which
call no service of ours. The live feed follows the same changes on its side (realtime/signals.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.authentication import forget_token, forget_user
from accounts.models import ApiToken, User


@receiver(post_delete, sender=ApiToken)
def forget_the_token(sender: type, instance: ApiToken, **kwargs: Any) -> None:
    forget_token(instance.digest)


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def forget_the_users_tokens(sender: type, instance: User, **kwargs: Any) -> None:
    forget_user(instance.pk)
