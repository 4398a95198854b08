"""`{% load accounts %}`: what the navigation offers a user, asked of the same rules as the
views (accounts/selectors.py)."""

from __future__ import annotations

from django import template

from accounts.selectors import lockouts_can_lift

register = template.Library()


@register.filter
def can_lift_lockouts(user) -> bool:  # noqa: ANN001
    """`{% if user|can_lift_lockouts %}`: whether `/accounts/lockouts/` is theirs to use."""
    return lockouts_can_lift(user)
