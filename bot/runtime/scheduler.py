"""The ticker: one APScheduler interval job per process that runs the reminder sweep.

Reminders are rows, not jobs, so the scheduler keeps nothing: several replicas may
tick at once and the sweep's leases keep them from sending the same nag twice.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime.services import Care
from bot.shared.rules.failures import describe

log = logging.getLogger(__name__)


def tick(care: Care) -> None:
    """One sweep; failures are logged and the next tick tries again."""
    try:
        report = care.sweep()
    except Exception as error:
        log.error("reminder sweep failed: %s", describe(error))
        return
    if report.kinds:
        for line in report.lines():
            log.info("sweep %s", line)


def start_scheduler(care: Care, every_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        args=[care],
        seconds=every_seconds,
        id="carebot-sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=every_seconds,
    )
    scheduler.start()
    log.info("reminder sweep runs every %d s", every_seconds)
    return scheduler
