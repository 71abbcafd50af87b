"""After a restart: jobs that were queued or running are picked up again, or given up."""

from __future__ import annotations

import logging

from telegram import Bot

from . import texts
from .context import Deps
from .messages import edit_status
from .runner import MAX_ATTEMPTS

log = logging.getLogger(__name__)


async def resume_unfinished(bot: Bot, deps: Deps) -> None:
    """Choosing jobs keep their buttons; the others run again unless they failed too often."""
    unfinished = await deps.db(deps.jobs.unfinished)
    for job in unfinished:
        if job.state == "choosing":
            continue
        if job.attempts >= MAX_ATTEMPTS:
            log.warning("job %s given up after %d attempts", job.id, job.attempts)
            await deps.runner.give_up(bot, job, texts.LOST, "lost after restarts")
            continue
        log.info("resuming job %s (%s)", job.id, job.state)
        await edit_status(bot, job, texts.RESUMED)
        deps.runner.submit(bot, job)
