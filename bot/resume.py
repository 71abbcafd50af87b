"""After a restart: jobs that were queued or running are picked up again, or given up."""

from __future__ import annotations

import logging

from telegram import Bot

from storage import Batch, Job

from . import texts
from .clock import utcnow
from .context import Deps
from .i18n import words
from .runner import MAX_ATTEMPTS
from .status import edit_status

log = logging.getLogger(__name__)


async def resume_unfinished(bot: Bot, deps: Deps) -> None:
    """Choosing jobs keep their buttons; the others run again unless they failed too often."""
    unfinished = await deps.db(deps.jobs.unfinished)
    for batch in _batches([job for job in unfinished if job.state != "choosing"]):
        if max(job.attempts for job in batch.jobs) >= MAX_ATTEMPTS:
            log.warning("job %s given up after %d attempts", batch.id, batch.lead.attempts)
            await deps.runner.give_up(bot, batch, texts.LOST, "lost after restarts")
            continue
        log.info("resuming job %s (%s)", batch.id, batch.lead.state)
        # running again counts an attempt
        queued = await deps.db(deps.jobs.change, batch.id, state="queued", now=utcnow())
        await edit_status(bot, queued.lead, words(queued.lead.options.language)(texts.RESUMED))
        deps.runner.submit(bot, queued)


def _batches(jobs: list[Job]) -> list[Batch]:
    """The unfinished jobs of each batch, together, in the order of their messages."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.batch_id, []).append(job)
    return [
        Batch(batch_id, tuple(sorted(group, key=lambda job: job.source_message_id)))
        for batch_id, group in groups.items()
    ]
