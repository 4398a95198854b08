"""Reminders of overdue units, their one-time links, coordinators' alerts and the audit of all
of it (docs/alerts.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderSettings(models.Model):
    """Who is reminded for a hospital's units, and when not to (local time, may wrap midnight).
    A hospital without settings reminds all its active staff, at any hour."""

    hospital = models.OneToOneField(
        "beds.Hospital", on_delete=models.CASCADE, related_name="reminder_settings"
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    language = models.CharField(
        _("language of the reminders"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    # Empty: every active staff member of the hospital who has an email address.
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("people to remind")
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="reminder_settings_quiet_hours_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return str(self.hospital)


class Reminder(models.Model):
    """One stage of the reminders of one overdue period of a unit (the period is the unit's
    version when it went overdue: a report ends it). Unique, so that several schedulers never
    send the same stage twice: the one whose insert succeeds sends."""

    class Stage(models.IntegerChoices):
        FIRST = 1, _("first reminder")
        SECOND = 2, _("second reminder")
        COORDINATOR = 3, _("coordinators told")

    unit = models.ForeignKey("beds.Unit", on_delete=models.CASCADE, related_name="reminders")
    unit_version = models.PositiveIntegerField(_("unit version"))
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(_("people told"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "unit_version", "stage"], name="reminder_once_per_period_stage"
            )
        ]

    def __str__(self) -> str:
        return f"unit {self.unit_id} v{self.unit_version} stage {self.stage}"


class UnitLink(models.Model):
    """A one-time link to one unit's update card for one person. Only a hash of its secret is
    kept: the link itself exists only in the email."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("beds.Unit", on_delete=models.CASCADE, related_name="+")
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("one-time link")
        verbose_name_plural = _("one-time links")
        indexes = [models.Index(fields=["user", "unit"], name="unit_link_user_unit")]

    def __str__(self) -> str:
        return f"link {self.pk} for unit {self.unit_id}"


class Alert(models.Model):
    """A région's or département's alert about one kind of bed (tension) or about its units'
    figures being old (stale). At most one unresolved alert per subject."""

    class Kind(models.TextChoices):
        TENSION = "tension", _("tension")
        STALE = "stale", _("stale figures")

    class Level(models.TextChoices):
        TENSION = "tension", _("tension")
        SATURATED = "saturated", _("saturated")
        STALE = "stale", _("stale")

    class Scope(models.TextChoices):
        REGION = "region", _("région")
        DEPARTMENT = "department", _("département")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="alerts")
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    scope_code = models.CharField(_("scope code"), max_length=3)
    # The kind of bed (UnitKind) of a tension alert; blank for stale figures (every kind).
    unit_kind = models.CharField(_("kind of bed"), max_length=16, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default="open")
    # The figures that opened (then last changed) it: available, open beds, units, stale units.
    figures = models.JSONField(_("figures"), default=dict)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_username = models.CharField(_("acknowledged by"), max_length=150, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # When a digest told the coordinators of it (null: not yet).
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "scope", "scope_code", "unit_kind", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_unresolved_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(state="resolved", resolved_at__isnull=False)
                | (~Q(state="resolved") & Q(resolved_at__isnull=True)),
                name="alert_resolved_state_has_time",
            ),
        ]
        indexes = [models.Index(fields=["region", "resolved_at"], name="alert_region_unresolved")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.scope_code} {self.unit_kind} ({self.state})"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003
        raise TypeError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """Every reminder sent, every use (or refused use) of a link, every alert's change:
    append-only. Never holds a link's secret."""

    class Kind(models.TextChoices):
        REMINDER_SENT = "reminder_sent", _("reminder sent")
        ESCALATION_SENT = "escalation_sent", _("coordinators told of an overdue unit")
        LINK_OPENED = "link_opened", _("link opened")
        LINK_REPORTED = "link_reported", _("report through a link")
        LINK_REFUSED = "link_refused", _("link refused")
        ALERT_OPENED = "alert_opened", _("alert opened")
        ALERT_ACKNOWLEDGED = "alert_acknowledged", _("alert acknowledged")
        ALERT_RESOLVED = "alert_resolved", _("alert resolved")
        DIGEST_SENT = "digest_sent", _("alert digest sent")

    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the account is deleted later.
    username = models.CharField(_("user"), max_length=150, blank=True)
    unit = models.ForeignKey(
        "beds.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link = models.ForeignKey(
        UnitLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["kind", "-at"], name="alerts_audit_kind_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003
        if not self._state.adding:
            raise TypeError("Audit events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class JobRun(models.Model):
    """One scheduler round of one job: unique per (job, slot), so that of several schedulers
    started together exactly one runs each round."""

    job = models.CharField(_("job"), max_length=32)
    slot = models.DateTimeField(_("slot"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-slot"]
        verbose_name = _("scheduler round")
        verbose_name_plural = _("scheduler rounds")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="job_run_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M:%S}"
