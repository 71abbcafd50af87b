"""/usage for everyone, /stats for the admins."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from storage import Stats, UsageCounts

from . import texts
from .clock import utcnow
from .context import deps_of
from .i18n import Words
from .speech import speaking_to


async def usage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user's own jobs today and in the last 30 days, by model."""
    deps = deps_of(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await speaking_to(update, context)
    now = utcnow()
    summary = await deps.db(deps.usage.user_summary, user.id, now=now)
    text = t(texts.USAGE, today=_counts(t, summary.today), month=_counts(t, summary.last_30_days))
    fair = deps.fair
    if fair.quota(user.id) is not None:
        used = await deps.db(deps.usage.units_used, user.id, now=now, costs=fair.costs)
        pending = await deps.db(deps.jobs.units_pending, user.id, fair.costs)
        left = max(0, fair.daily_units - used - pending)
        units = t(texts.UNITS, count=fair.daily_units)
        text += "\n" + t(texts.USAGE_LEFT, left=left, units=units, **fair.prices())
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Totals for the bot's admins; a polite no for everyone else."""
    deps = deps_of(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = await speaking_to(update, context)
    if user.id not in deps.admins:
        await message.reply_text(t(texts.STATS_REFUSED))
        return
    report = await deps.db(deps.usage.stats, now=utcnow())
    await message.reply_text(render_stats(t, report), parse_mode=ParseMode.HTML)


def _counts(t: Words, counts: UsageCounts) -> str:
    if not counts.jobs:
        return t(texts.NO_USAGE)
    models = ", ".join(f"{_model(t, model)} {n}" for model, n in sorted(counts.by_model.items()))
    said = t(texts.USED, count=counts.jobs, models=models)
    return said + (f" ({t(texts.FAILED, count=counts.errors)})" if counts.errors else "")


def render_stats(t: Words, report: Stats) -> str:
    lines = [
        t(texts.STATS_HEADING, date=f"{report.since:%Y-%m-%d}"),
        t(
            texts.STATS_JOBS,
            jobs=report.jobs,
            errors=report.errors,
            rate=t.percent(report.error_rate, 1),
        ),
        t(texts.STATS_GROUPS, jobs=report.group_jobs, share=t.percent(report.group_share)),
        t(texts.STATS_TIMES, p50=_time(t, report.p50_total_s), p95=_time(t, report.p95_total_s)),
        "",
        t(texts.STATS_PER_DAY),
    ]
    lines += [
        f"{row.day:%m-%d} {_model(t, row.model)}: {row.jobs}"
        + (f" ({t(texts.FAILED, count=row.errors)})" if row.errors else "")
        for row in report.per_day_model
    ] or [t(texts.STATS_NONE)]
    lines += ["", t(texts.STATS_TOP_USERS)]
    lines += [
        f"{html.escape('@' + top.username) if top.username else top.user_id}: {top.jobs}"
        for top in report.top_users
    ] or [t(texts.STATS_NONE)]
    return "\n".join(lines)


def _model(t: Words, model: str) -> str:
    return t(texts.MODEL_NAMES[model]) if model in texts.MODEL_NAMES else model


def _time(t: Words, value: float | None) -> str:
    return "–" if value is None else texts.seconds(t, value)
