from __future__ import annotations

from django import template
from django.utils import timezone

from maps.builders import age_text

register = template.Library()


@register.simple_tag
def age(updated_at: str | None) -> str:
    """The short age of figures ("12 min", "3 h 05"), as the map's popups show it."""
    return age_text(updated_at, now=timezone.now())
