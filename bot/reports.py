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


async def usage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user's own jobs today and in the last 30 days, by model."""
    deps = deps_of(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    now = utcnow()
    summary = await deps.db(deps.usage.user_summary, user.id, now=now)
    text = texts.USAGE.format(today=_counts(summary.today), month=_counts(summary.last_30_days))
    fair = deps.fair
    if fair.quota(user.id) is not None:
        used = await deps.db(deps.usage.units_used, user.id, now=now, costs=fair.costs)
        pending = await deps.db(deps.jobs.units_pending, user.id, fair.costs)
        left = max(0, fair.daily_units - used - pending)
        text += "\n" + texts.USAGE_LEFT.format(left=left, limit=fair.daily_units, **fair.prices())
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Totals for the bot's admins; a polite no for everyone else."""
    deps = deps_of(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if user.id not in deps.admins:
        await message.reply_text(texts.STATS_REFUSED)
        return
    report = await deps.db(deps.usage.stats, now=utcnow())
    await message.reply_text(render_stats(report), parse_mode=ParseMode.HTML)


def _counts(counts: UsageCounts) -> str:
    if not counts.jobs:
        return texts.NO_USAGE
    models = ", ".join(
        f"{texts.MODEL_NAMES.get(model, model)} {n}"
        for model, n in sorted(counts.by_model.items())
    )
    failed = f" ({counts.errors} failed)" if counts.errors else ""
    return f"{counts.jobs} images: {models}{failed}"


def render_stats(report: Stats) -> str:
    lines = [
        f"<b>Last 30 days</b> (since {report.since:%Y-%m-%d})",
        f"Jobs: {report.jobs} · errors: {report.errors} ({report.error_rate:.1%})",
        f"In groups: {report.group_jobs} ({report.group_share:.0%})",
        f"Total time p50 {_seconds(report.p50_total_s)} · p95 {_seconds(report.p95_total_s)}",
        "",
        "<b>Per day and model</b>",
    ]
    lines += [
        f"{row.day:%m-%d} {texts.MODEL_NAMES.get(row.model, row.model)}: {row.jobs}"
        + (f" ({row.errors} failed)" if row.errors else "")
        for row in report.per_day_model
    ] or ["none"]
    lines += ["", "<b>Top users</b>"]
    lines += [
        f"{html.escape('@' + top.username) if top.username else top.user_id}: {top.jobs}"
        for top in report.top_users
    ] or ["none"]
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"
