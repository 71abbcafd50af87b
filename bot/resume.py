"""After a restart: jobs that were queued or running are picked up again, or given up."""

from __future__ import annotations

import logging

from telegram import Bot

from storage import Job

from . import texts, units
from .context import Deps
from .runner import MAX_ATTEMPTS
from .status import edit_status
from .units import Unit

log = logging.getLogger(__name__)


async def resume_unfinished(bot: Bot, deps: Deps) -> None:
    """Choosing jobs keep their buttons; the others run again unless they failed too often."""
    unfinished = await deps.db(deps.jobs.unfinished)
    for unit in _units([job for job in unfinished if job.state != "choosing"]):
        if max(job.attempts for job in unit.jobs) >= MAX_ATTEMPTS:
            log.warning("job %s given up after %d attempts", unit.id, unit.lead.attempts)
            await deps.runner.give_up(bot, unit, texts.LOST, "lost after restarts")
            continue
        log.info("resuming job %s (%s)", unit.id, unit.lead.state)
        queued = await units.set_state(deps.jobs, unit, "queued")  # running again counts
        await edit_status(bot, queued.lead, texts.RESUMED)
        deps.runner.submit(bot, queued)


def _units(jobs: list[Job]) -> list[Unit]:
    """Jobs grouped as they were accepted: alone, or with their album."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.batch_id or job.id, []).append(job)
    return [Unit.of(group) for group in groups.values()]
