from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Hospital staff")
    COORDINATOR = "coordinator", _("Regional coordinator")
    DISPATCHER = "dispatcher", _("SAMU dispatcher")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person or a machine, with one role and the scope that role applies to.

    Staff are scoped by `hospitals` (declared by `beds.Hospital.staff`: accounts knows
    nothing of beds), coordinators and dispatchers by `regions` (dispatchers also read the
    whole country); admins see everything.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    regions = models.ManyToManyField(
        "regions.Region", blank=True, related_name="members", verbose_name=_("regions")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def effective_role(self) -> str | None:
        """The role the access rules apply (admin for superusers); None for an inactive
        account. Other apps read it through AUTH_USER_MODEL, without importing accounts."""
        if not self.is_active:
            return None
        return Role.ADMIN if self.is_admin else self.role
