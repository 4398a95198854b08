"""The only code that writes reminders, links and alerts (docs/alerts.md). Live messages and
emails leave after commit."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from alerts import emails, rules, selectors
from alerts.models import Alert, AuditEvent, JobRun, Reminder, UnitLink
from beds import services as beds_services
from beds.models import CapacityReport, Source, Unit
from beds.scopes import unit_can_write
from realtime.publisher import publish, region_audience
from regions.models import Region

logger = logging.getLogger(__name__)

LINK_SALT = "alerts.unit-link"


def audit(
    kind: str,
    *,
    user: User | None = None,
    unit_id: int | None = None,
    link: UnitLink | None = None,
    alert: Alert | None = None,
    at: datetime | None = None,
    **detail: object,
) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind,
        at=at or timezone.now(),
        user=user,
        username=user.get_username() if user else "",
        unit_id=unit_id,
        link=link,
        alert=alert,
        detail=detail,
    )


# --- One-time links --------------------------------------------------------------------------


class LinkRefused(Exception):
    """A link that gives no access: `reason` is tampered, expired, used or revoked."""

    def __init__(self, reason: str, link: UnitLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def unit_link_issue(
    *, user: User, unit: Unit, reminder: Reminder | None = None, now: datetime | None = None
) -> str:
    """A new one-time link for `user` to report for `unit`; the user's earlier links to that
    unit stop working. Returns the token (signed link id and secret): only its hash is kept."""
    now = now or timezone.now()
    with transaction.atomic():
        UnitLink.objects.filter(
            user=user, unit=unit, revoked_at__isnull=True, used_at__isnull=True
        ).update(revoked_at=now)
        secret = secrets.token_urlsafe(24)
        link = UnitLink.objects.create(
            user=user,
            unit=unit,
            reminder=reminder,
            secret_hash=_secret_hash(secret),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.BEDWATCH_LINK_MINUTES),
        )
    return signing.Signer(salt=LINK_SALT).sign(f"{link.pk}.{secret}")


def unit_link_url(token: str) -> str:
    return settings.BEDWATCH_SITE_URL + reverse("alerts:link-open", kwargs={"token": token})


def _link_from_token(token: str) -> UnitLink:
    try:
        value = signing.Signer(salt=LINK_SALT).unsign(token)
        link_id, secret = value.split(".", 1)
        link = UnitLink.objects.select_related("user", "unit").get(pk=int(link_id))
    except (signing.BadSignature, ValueError, UnitLink.DoesNotExist):
        raise LinkRefused("tampered") from None
    if not hmac.compare_digest(link.secret_hash, _secret_hash(secret)):
        raise LinkRefused("tampered")
    return link


def _link_usable(link: UnitLink, *, now: datetime) -> None:
    """Raise LinkRefused unless the link may still report: not revoked (by a newer link),
    not past its time, its account active and still allowed to report for the unit."""
    if link.revoked_at is not None:
        raise LinkRefused("revoked", link)
    if link.expires_at <= now:
        raise LinkRefused("expired", link)
    if not link.user.is_active or not unit_can_write(link.user, link.unit):
        raise LinkRefused("revoked", link)


def unit_link_open(*, token: str, now: datetime | None = None) -> UnitLink:
    """Spend a link's single opening; the caller then grants its session that unit's card.
    Every opening and every refusal is audited."""
    now = now or timezone.now()
    link = None
    try:
        link = _link_from_token(token)
        if link.opened_at is not None:
            raise LinkRefused("used", link)
        _link_usable(link, now=now)
        # The conditional update is the single use: of two openings at once, one wins.
        if not UnitLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now):
            raise LinkRefused("used", link)
    except LinkRefused as refused:
        # The link's id at most: never its token.
        logger.info(
            "alerts: link %s refused: %s",
            refused.link.pk if refused.link else "?",
            refused.reason,
        )
        audit(
            AuditEvent.Kind.LINK_REFUSED,
            user=refused.link.user if refused.link else None,
            unit_id=refused.link.unit_id if refused.link else None,
            link=refused.link,
            at=now,
            reason=refused.reason,
        )
        raise
    link.opened_at = now
    logger.info("alerts: link %s opened for unit %s", link.pk, link.unit_id)
    audit(AuditEvent.Kind.LINK_OPENED, user=link.user, unit_id=link.unit_id, link=link, at=now)
    return link


def unit_link_granted(*, link_id: int, now: datetime | None = None) -> UnitLink:
    """The opened link a session holds, if it may still report (else LinkRefused)."""
    now = now or timezone.now()
    link = UnitLink.objects.select_related("user", "unit__hospital").filter(pk=link_id).first()
    if link is None or link.opened_at is None:
        raise LinkRefused("tampered", link)
    if link.used_at is not None:
        raise LinkRefused("used", link)
    _link_usable(link, now=now)
    return link


def unit_link_report(
    *,
    link_id: int,
    figures: Mapping[str, int],
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> CapacityReport:
    """Report for the link's unit, as its user, through `beds.services.unit_report_create`;
    the link is then spent. A refused report (conflict, invalid figures) spends nothing."""
    now = now or timezone.now()
    link = unit_link_granted(link_id=link_id, now=now)
    with transaction.atomic():
        if not UnitLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
            raise LinkRefused("used", link)
        report = beds_services.unit_report_create(
            unit_id=link.unit_id,
            user=link.user,
            figures=figures,
            source=Source.WEB,
            version=version,
            note=note,
        )
        audit(
            AuditEvent.Kind.LINK_REPORTED,
            user=link.user,
            unit_id=link.unit_id,
            link=link,
            at=now,
            version=report.version,
        )
    return report


# --- Reminders ---------------------------------------------------------------------------------


@dataclass
class RoundResult:
    reminders: int = 0
    emails: int = 0
    failed: int = 0
    quiet: int = 0
    taken: list[str] = field(default_factory=list)


def _claim_reminder(unit: Unit, stage: int, now: datetime) -> Reminder | None:
    """The reminder of this stage of the unit's overdue period, if this runner creates it;
    None when another runner already did (the database's uniqueness decides)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                unit=unit, unit_version=unit.version, stage=stage, created_at=now
            )
    except IntegrityError:
        return None


def _local_time(now: datetime):  # noqa: ANN202
    return now.astimezone(ZoneInfo(settings.TIME_ZONE)).time()


def reminders_round(*, now: datetime | None = None) -> RoundResult:
    """One round of overdue reminders: each overdue unit's next stage (first and second
    reminders to its hospital's people, outside its quiet hours; then its région's
    coordinators), one email per person listing all their units. Safe with several runners."""
    now = now or timezone.now()
    result = RoundResult()
    overdue = selectors.overdue_units(now=now)
    stages = selectors.reminders_of_periods(o.unit for o in overdue)
    hospital_settings = selectors.reminder_settings_of({o.unit.hospital_id for o in overdue})
    staff_items: dict[int, list[tuple[Unit, Reminder]]] = defaultdict(list)
    coordinator_items: dict[str, list[tuple[Unit, Reminder]]] = defaultdict(list)
    for item in overdue:
        unit = item.unit
        stage = rules.reminder_stage_due(
            sent=stages.get(unit.pk, {}), now=now, overdue_from=item.overdue_from
        )
        if stage is None:
            continue
        prefs = hospital_settings.get(unit.hospital_id)
        if (
            stage != Reminder.Stage.COORDINATOR
            and prefs is not None
            and rules.in_quiet_hours(
                start=prefs.quiet_start, end=prefs.quiet_end, local=_local_time(now)
            )
        ):
            result.quiet += 1
            continue  # sent when the quiet hours end: the round after finds it still due
        reminder = _claim_reminder(unit, stage, now)
        if reminder is None:
            result.taken.append(f"{unit.pk}:{stage}")
            continue
        result.reminders += 1
        if stage == Reminder.Stage.COORDINATOR:
            coordinator_items[unit.hospital.department.region_id].append((unit, reminder))
        else:
            staff_items[unit.hospital_id].append((unit, reminder))

    outgoing = _staff_messages(staff_items, hospital_settings, now=now)
    outgoing += _coordinator_messages(coordinator_items, now=now)
    sent = emails.send_each([mail for mail, _user, _items, _kind in outgoing])
    for went, (_mail, user, items, kind) in zip(sent, outgoing, strict=True):
        if not went:
            result.failed += 1
            continue
        result.emails += 1
        for unit, reminder in items:
            audit(
                kind,
                user=user,
                unit_id=unit.pk,
                at=now,
                stage=reminder.stage,
                unit_version=reminder.unit_version,
            )
    reminders = {r.pk: r for items in staff_items.values() for _u, r in items}
    reminders |= {r.pk: r for items in coordinator_items.values() for _u, r in items}
    counts: dict[int, int] = defaultdict(int)
    failures: dict[int, int] = defaultdict(int)
    for went, (_mail, _user, items, _kind) in zip(sent, outgoing, strict=True):
        for _unit, reminder in items:
            counts[reminder.pk] += int(went)
            failures[reminder.pk] += int(not went)
    for pk in reminders:
        if failures[pk] and not counts[pk]:
            # Nobody could be told (mail server down): the next round tries this stage again.
            Reminder.objects.filter(pk=pk).delete()
            continue
        Reminder.objects.filter(pk=pk).update(
            sent_at=now if counts[pk] else None, recipients=counts[pk]
        )
    return result


def _staff_messages(
    staff_items: Mapping[int, list[tuple[Unit, Reminder]]],
    hospital_settings: Mapping,
    *,
    now: datetime,
) -> list[tuple]:
    """One email per person for every unit of theirs reminded this round, each unit with its
    own one-time link."""
    recipients = selectors.hospital_recipients(staff_items)
    per_user: dict[int, tuple[User, list[tuple[Unit, Reminder]], str]] = {}
    for hospital_id, items in staff_items.items():
        prefs = hospital_settings.get(hospital_id)
        language = prefs.language if prefs else settings.LANGUAGE_CODE
        for user in recipients.get(hospital_id, []):
            entry = per_user.setdefault(user.pk, (user, [], language))
            entry[1].extend(items)
    messages = []
    for user, items, language in per_user.values():
        lines = []
        for unit, reminder in sorted(items, key=lambda i: (i[0].hospital.name, i[0].label)):
            token = unit_link_issue(user=user, unit=unit, reminder=reminder, now=now)
            lines.append(
                {
                    "unit": unit,
                    "hospital": unit.hospital,
                    "second": reminder.stage == Reminder.Stage.SECOND,
                    "link": unit_link_url(token),
                }
            )
        mail = emails.message(
            template="reminder",
            context={
                "user": user,
                "lines": lines,
                "expires_at": now + timedelta(minutes=settings.BEDWATCH_LINK_MINUTES),
                "second": any(line["second"] for line in lines),
            },
            to=user.email,
            language=language,
        )
        messages.append((mail, user, items, AuditEvent.Kind.REMINDER_SENT))
    return messages


def _coordinator_messages(
    coordinator_items: Mapping[str, list[tuple[Unit, Reminder]]], *, now: datetime
) -> list[tuple]:
    """One email per coordinator listing the units of their régions still overdue after two
    reminders."""
    coordinators = selectors.region_coordinators(coordinator_items)
    per_user: dict[int, tuple[User, list[tuple[Unit, Reminder]]]] = {}
    for region, items in coordinator_items.items():
        for user in coordinators.get(region, []):
            per_user.setdefault(user.pk, (user, []))[1].extend(items)
    messages = []
    for user, items in per_user.values():
        mail = emails.message(
            template="escalation",
            context={"user": user, "units": [unit for unit, _r in items], "now": now},
            to=user.email,
        )
        messages.append((mail, user, items, AuditEvent.Kind.ESCALATION_SENT))
    return messages


# --- Alerts ------------------------------------------------------------------------------------


def _publish_alerts(region_code: str, alerts: list[Alert]) -> None:
    if alerts:
        publish(
            [region_audience(region_code)],
            {
                "type": "alerts.changed",
                "region": region_code,
                "alerts": selectors.alerts_to_dicts(alerts),
            },
        )


def region_alerts_evaluate(
    *, region_code: str = "", region: Region | None = None, now: datetime | None = None
) -> list[Alert]:
    """Open, raise, lower or resolve the région's alerts from its current figures; the alerts
    that changed are published to the région's live feed after commit. Give the région by
    `region_code`, or as `region` when it is loaded already (a report's unit carries it).
    Safe to run from several processes at once (one unresolved alert per subject, conditional
    updates)."""
    now = now or timezone.now()
    if region is None:
        region = Region.objects.filter(pk=region_code).first()
        if region is None:
            return []
    judgements = rules.region_judgements(
        region_code=region.code,
        departments=selectors.region_department_totals(region_code=region.code, now=now),
        occupancy_pct=region.tension_occupancy_pct,
        available_max=region.tension_available_max,
    )
    unresolved = selectors.region_unresolved_alert_levels(region_code=region.code)
    # What the judgements call for, in their order, as (judgement, unresolved alert's id):
    # most reports call for nothing, and then nothing more is read or written.
    steps: list[tuple[rules.Judgement | None, int | None]] = []
    for judgement in judgements:
        pk, level = unresolved.pop(judgement.subject, (None, None))
        if judgement.level is None:
            if pk is not None:
                steps.append((judgement, pk))
        elif pk is None or level != judgement.level:
            steps.append((judgement, pk))
    steps += [(None, pk) for pk, _level in unresolved.values()]  # the area has no such units
    if not steps:
        return []
    changed: list[Alert] = []
    with transaction.atomic():
        # Each step re-checks the alert's state as it writes (another process may be judging).
        alerts = Alert.objects.in_bulk([pk for _judgement, pk in steps if pk is not None])
        for judgement, pk in steps:
            alert = alerts.get(pk) if pk is not None else None
            if judgement is None or judgement.level is None:
                if alert is not None and _alert_resolve(alert, now):
                    changed.append(alert)
            elif pk is None:
                alert = _alert_open(region, judgement, now)
                if alert is not None:
                    changed.append(alert)
            elif alert is not None and (
                Alert.objects.filter(pk=pk, resolved_at__isnull=True).update(
                    level=judgement.level, figures=judgement.figures
                )
            ):
                alert.level, alert.figures = judgement.level, judgement.figures
                changed.append(alert)
        transaction.on_commit(lambda: _publish_alerts(region.code, changed))
    return changed


def reported_regions_alerts_evaluate(
    *, after_report_id: int, now: datetime | None = None
) -> tuple[int | None, int]:
    """Judge the alerts of every région whose units received a report stored after
    `after_report_id` (the scheduler's sweep, docs/alerts.md). Returns the id of the newest
    report seen (None when there is none) and how many alerts changed."""
    now = now or timezone.now()
    regions = selectors.regions_reported_after(report_id=after_report_id)
    changed = 0
    for code in sorted(regions):
        changed += len(region_alerts_evaluate(region_code=code, now=now))
    return max(regions.values(), default=None), changed


def _alert_open(region: Region, judgement: rules.Judgement, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                region=region,
                scope=judgement.scope,
                scope_code=judgement.scope_code,
                unit_kind=judgement.unit_kind,
                kind=judgement.kind,
                level=judgement.level,
                figures=judgement.figures,
                opened_at=now,
            )
    except IntegrityError:  # another process opened it at the same moment
        return None
    audit(AuditEvent.Kind.ALERT_OPENED, alert=alert, at=now, level=alert.level)
    return alert


def _alert_resolve(alert: Alert, now: datetime) -> bool:
    if not Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
        state=Alert.State.RESOLVED, resolved_at=now
    ):
        return False
    alert.state, alert.resolved_at = Alert.State.RESOLVED, now
    audit(AuditEvent.Kind.ALERT_RESOLVED, alert=alert, at=now)
    return True


def alerts_round(*, now: datetime | None = None) -> int:
    """Evaluate every région's alerts (figures age without any report: staleness)."""
    now = now or timezone.now()
    changed = 0
    for region in Region.objects.all():
        changed += len(region_alerts_evaluate(region=region, now=now))
    return changed


def alert_acknowledge(*, alert: Alert, user: User, now: datetime | None = None) -> Alert:
    """Mark an open alert as seen by `user` (access checks are the caller's); the région's
    other coordinators see it live. Acknowledging twice changes nothing; a resolved alert
    cannot be acknowledged (ValidationError)."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(
            state=Alert.State.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user,
            acknowledged_by_username=user.get_username(),
        )
        alert.refresh_from_db()
        if not done:
            if alert.state == Alert.State.RESOLVED:
                raise ValidationError(
                    {
                        "state": [
                            _("This alert is already resolved: there is nothing to acknowledge.")
                        ]
                    }
                )
            return alert
        audit(AuditEvent.Kind.ALERT_ACKNOWLEDGED, user=user, alert=alert, at=now)
        transaction.on_commit(lambda: _publish_alerts(alert.region_id, [alert]))
    return alert


def alert_digest_round(*, now: datetime | None = None) -> int:
    """One email per coordinator listing the alerts of their régions opened since the last
    digest (not one per change). Returns the emails sent."""
    now = now or timezone.now()
    pending = list(Alert.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True))
    if not pending:
        return 0
    # Claim them: a concurrent runner's `now` differs, so each alert is claimed by one.
    Alert.objects.filter(pk__in=pending, emailed_at__isnull=True).update(emailed_at=now)
    claimed = list(Alert.objects.filter(pk__in=pending, emailed_at=now).select_related("region"))
    by_region: dict[str, list[Alert]] = defaultdict(list)
    for alert in claimed:
        by_region[alert.region_id].append(alert)
    coordinators = selectors.region_coordinators(by_region)
    per_user: dict[int, tuple[User, list[Alert]]] = {}
    for region, alerts in by_region.items():
        for user in coordinators.get(region, []):
            per_user.setdefault(user.pk, (user, []))[1].extend(alerts)
    outgoing = []
    for user, alerts in per_user.values():
        rows = selectors.alerts_to_dicts(alerts)
        for row in rows:
            row["unit_kind_label"] = selectors.unit_kind_label(row["unit_kind"] or "")
        regions = sorted({a.region for a in alerts}, key=lambda r: r.code)
        mail = emails.message(
            template="digest",
            context={"user": user, "alerts": rows, "regions": regions},
            to=user.email,
        )
        outgoing.append((mail, user, alerts))
    sent = emails.send_each([m for m, _u, _a in outgoing])
    for went, (_mail, user, alerts) in zip(sent, outgoing, strict=True):
        if went:
            audit(AuditEvent.Kind.DIGEST_SENT, user=user, at=now, alerts=[a.pk for a in alerts])
    if outgoing and not any(sent):  # nobody got them: try again at the next digest
        Alert.objects.filter(pk__in=[a.pk for a in claimed], emailed_at=now).update(emailed_at=None)
    return sum(sent)


# --- Scheduler rounds --------------------------------------------------------------------------


def job_round_claim(*, job: str, slot: datetime) -> JobRun | None:
    """This runner's round of `job` for `slot`, or None when another runner has it."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, slot=slot)
    except IntegrityError:
        return None


def job_round_finish(*, run: JobRun) -> None:
    JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
