"""The periodic jobs and what runs them (docs/alerts.md): `run_scheduler --once` runs one round
of each and exits; without it APScheduler runs them forever (the Procfile's `clock:`), with
the alerts' sweep between rounds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from alerts import selectors, services

logger = logging.getLogger(__name__)


def _jobs() -> dict[str, tuple[int, Callable[..., object]]]:
    """name → (period in seconds, function of `now`)."""
    every = settings.BEDWATCH_SCHEDULER_SECONDS
    return {
        "reminders": (every, services.reminders_round),
        "alerts": (every, services.alerts_round),
        "alert_digest": (settings.BEDWATCH_ALERT_DIGEST_MINUTES * 60, services.alert_digest_round),
    }


def slot_of(now: datetime, period: int) -> datetime:
    """The start of the period `now` falls in: the round's name, the same in every runner."""
    seconds = int(now.timestamp()) // period * period
    return datetime.fromtimestamp(seconds, tz=UTC)


def run_job(name: str, *, now: datetime | None = None) -> object | None:
    """One round of a job unless another runner already has this period's; its result, or
    None when skipped."""
    period, job = _jobs()[name]
    now = now or timezone.now()
    run = services.job_round_claim(job=name, slot=slot_of(now, period))
    if run is None:
        logger.info("scheduler: %s of this period already run elsewhere", name)
        return None
    result = job(now=now)
    services.job_round_finish(run=run)
    logger.info("scheduler: %s done: %s", name, result)
    return result


FAILED = "failed"


def run_once(*, now: datetime | None = None) -> dict[str, object | None]:
    """One round of every job, in order; a failing job (FAILED) does not stop the others."""
    results: dict[str, object | None] = {}
    for name in _jobs():
        try:
            results[name] = run_job(name, now=now)
        except Exception:
            logger.exception("scheduler: %s failed", name)
            results[name] = FAILED
    return results


class AlertsSweep:
    """Judges the alerts of the régions that received reports since the sweep before last
    (`services.reported_regions_alerts_evaluate`); call it every
    BEDWATCH_ALERTS_SWEEP_SECONDS. The reports themselves judge nothing (docs/alerts.md).

    Looking back over two sweeps takes in a report whose transaction committed after a newer
    one had been seen; one that commits later still is judged by the next `alerts` round,
    which judges every région. Several sweeps at once (several schedulers) are safe: judging
    twice changes nothing more."""

    def __init__(self, *, after_report_id: int | None = None) -> None:
        start = selectors.newest_report_id() if after_report_id is None else after_report_id
        self.marks = (start, start)  # the newest report seen by the sweep before last, by the last

    def __call__(self, *, now: datetime | None = None) -> int:
        """One sweep; how many alerts changed."""
        newest, changed = services.reported_regions_alerts_evaluate(
            after_report_id=self.marks[0], now=now
        )
        self.marks = (self.marks[1], max(self.marks[1], newest or 0))
        return changed


def run_forever() -> None:
    """Every job at its period, forever, each starting at once, and the alerts' sweep between
    them (`_scheduled`): the Procfile's `clock:`."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    _scheduled(BlockingScheduler(timezone=UTC)).start()


def run_in_background():  # noqa: ANN201
    """The same jobs in threads of this process (`make run`: beside Daphne, so that the alerts
    reach its sockets through the in-memory live feed). Returns the started scheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = _scheduled(BackgroundScheduler(timezone=UTC))
    scheduler.start()
    return scheduler


def _scheduled(scheduler):  # noqa: ANN001, ANN202
    """`scheduler` with every job. A run that overlaps its next one is skipped
    (max_instances=1), missed runs are merged into one (coalesce): the jobs work from the
    state of the database, so one late round catches up everything."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_job(
        _safe_sweep,
        IntervalTrigger(seconds=settings.BEDWATCH_ALERTS_SWEEP_SECONDS, timezone=UTC),
        args=[AlertsSweep()],
        id="alerts_sweep",
        name="alerts_sweep",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    for name, (period, _job) in _jobs().items():
        scheduler.add_job(
            _safe_run,
            IntervalTrigger(seconds=period, timezone=UTC),
            args=[name],
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    return scheduler


def _safe_sweep(sweep: AlertsSweep) -> None:
    close_old_connections()
    try:
        changed = sweep()
        if changed:
            logger.info("scheduler: alerts sweep changed %s alert(s)", changed)
    except Exception:
        logger.exception("scheduler: alerts sweep failed")
    finally:
        close_old_connections()


def _safe_run(name: str) -> None:
    # A long-lived process: connections the database dropped meanwhile are not reused.
    close_old_connections()
    try:
        run_job(name)
    except Exception:
        logger.exception("scheduler: %s failed", name)
    finally:
        close_old_connections()
