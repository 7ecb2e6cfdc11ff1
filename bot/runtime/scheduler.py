"""The ticker: one APScheduler interval job per process that runs the reminder sweep.

Reminders are rows, not jobs, so the scheduler keeps nothing: several replicas may
tick at once and the sweep's leases keep them from sending the same nag twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import SweepReport

log = logging.getLogger(__name__)


Sweep = Callable[[], SweepReport]


def tick(sweep: Sweep) -> None:
    """One sweep; failures are logged and the next tick tries again."""
    try:
        report = sweep()
    except Exception as error:
        log.error("reminder sweep failed: %s", describe(error))
        return
    if report.kinds:
        for line in report.lines():
            log.info("sweep %s", line)


def start_scheduler(sweep: Sweep, every_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        args=[sweep],
        seconds=every_seconds,
        id="carebot-sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=every_seconds,
    )
    scheduler.start()
    log.info("reminder sweep runs every %d s", every_seconds)
    return scheduler
