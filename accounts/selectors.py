from __future__ import annotations

from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tokens import token_digest


def token_find(*, key: str) -> ApiToken | None:
    """The token with this key, its user loaded, expired or not; None for an unknown key."""
    return ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()


def token_user(*, key: str) -> User | None:
    """The active user this key authenticates now (unexpired token), else None."""
    token = token_find(key=key)
    if token is None or token.expires <= timezone.now() or not token.user.is_active:
        return None
    return token.user


def user_has_live_token(*, user: User) -> bool:
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now()).exists()
