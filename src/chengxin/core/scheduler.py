"""Periodic sweeps. Deadlines and expiries are data on the records; these
idempotent sweeps advance them. The worker enqueues each sweep on its
interval; running one twice or late is harmless."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("chengxin.scheduler")


@dataclass
class Periodic:
    name: str
    every_seconds: int
    enqueue: Callable[[], object]


def periodic_jobs() -> list[Periodic]:
    from chengxin.certs.tasks import certificate_sweep
    from chengxin.complaints.tasks import complaint_staff_alert, complaint_sweep
    from chengxin.core.tasks import deliver_outbox, prune_task_results
    from chengxin.credit.tasks import credit_sweep
    from chengxin.membership.tasks import membership_sweep
    from chengxin.registry.tasks import expire_site_verifications

    return [
        Periodic("deliver_outbox", 30, deliver_outbox.enqueue),
        Periodic("expire_site_verifications", 3600, expire_site_verifications.enqueue),
        Periodic("membership_sweep", 300, membership_sweep.enqueue),
        Periodic("certificate_sweep", 60, certificate_sweep.enqueue),
        Periodic("complaint_sweep", 300, complaint_sweep.enqueue),
        Periodic("complaint_staff_alert", 60, complaint_staff_alert.enqueue),
        Periodic("credit_sweep", 30, credit_sweep.enqueue),
        Periodic("prune_task_results", 6 * 3600, prune_task_results.enqueue),
    ]


def run_forever(stop: threading.Event, tick: float = 5.0) -> None:
    import time

    jobs = periodic_jobs()
    last: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if now - last.get(job.name, -1e9) >= job.every_seconds:
                try:
                    job.enqueue()
                    last[job.name] = now
                except Exception:  # noqa: BLE001 - keep the scheduler alive
                    log.exception("could not enqueue %s", job.name)
        stop.wait(tick)
