"""The application: builder, handlers, and the services it opens and closes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from services.config import BotSettings, Settings
from services.contract import Backend
from services.factory import build_backend
from storage import (
    Chats,
    Jobs,
    KeptCutouts,
    Results,
    SharedDatabase,
    StickerSets,
    UsageLog,
    Users,
    open_database,
)

from . import (
    choices,
    intake,
    jobflow,
    keyboards,
    languages,
    membership,
    preferences,
    reports,
    sharing,
    texts,
)
from .albums import AlbumCollector
from .clock import utcnow
from .context import KEY, Deps
from .fairuse import FairUse
from .filetypes import FileSniffer
from .flood import FloodLimiter
from .i18n import DEFAULT, words
from .logs import redact
from .metrics import BotMetrics
from .resume import resume_unfinished
from .runner import JobRunner
from .speech import answering, speaking_to

log = logging.getLogger(__name__)
DB_KEY = "database"
KEEP_JOBS = timedelta(days=7)  # result buttons work this long


def build_application(settings: Settings, *, backend: Backend | None = None) -> Application:
    """Everything wired; services open in post_init and close in post_shutdown."""
    assert settings.bot.telegram_bot_token is not None
    token = settings.bot.telegram_bot_token.get_secret_value()
    redact(token)
    metrics = BotMetrics()

    async def post_init(app: Application) -> None:
        used = backend or build_backend(settings)
        db = open_database(settings.bot.database_path)
        jobs, results = Jobs(db), Results(db)
        runner = JobRunner(
            used,
            jobs,
            results,
            timeout=settings.bot.removebg_timeout_seconds,
            slots=settings.engine.engine_concurrency,
            metrics=metrics,
            kept=KeptCutouts(settings.bot.database_path.parent / "kept"),
        )
        metrics.watch_jobs(jobs)
        if settings.bot.metrics_port:
            metrics.serve(settings.bot.metrics_host, settings.bot.metrics_port)
        admins = frozenset(settings.bot.admin_user_ids)
        app.bot_data[KEY] = Deps(
            backend=used,
            users=Users(db),
            jobs=jobs,
            usage=UsageLog(db),
            chats=Chats(db),
            results=results,
            sticker_sets=StickerSets(db),
            fair=fair_use(settings.bot, admins),
            albums=AlbumCollector(jobflow.accept),
            sniffer=FileSniffer(timeout=settings.bot.telegram_timeout_seconds),
            runner=runner,
            admins=admins,
        )
        app.bot_data[DB_KEY] = db
        await used.initialize()
        await languages.set_commands(app.bot)
        await resume_unfinished(app.bot, app.bot_data[KEY])
        pruned = await asyncio.to_thread(jobs.prune, older_than=utcnow() - KEEP_JOBS)
        log.info(
            "bot ready: %s backend, %d old jobs pruned", settings.bot.removebg_backend, pruned
        )

    async def post_stop(app: Application) -> None:
        """Still able to talk to Telegram: gathered albums become jobs, sends finish."""
        deps = app.bot_data.get(KEY)
        if isinstance(deps, Deps):
            await deps.albums.flush()
            await deps.runner.stop()

    async def post_shutdown(app: Application) -> None:
        metrics.close()
        deps = app.bot_data.get(KEY)
        if isinstance(deps, Deps):
            await deps.sniffer.aclose()
            await deps.backend.shutdown()
        db = app.bot_data.get(DB_KEY)
        if isinstance(db, SharedDatabase):
            db.close()

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot.telegram_api_base_url)
        .base_file_url(settings.bot.telegram_file_base_url)
        .concurrent_updates(True)
        .rate_limiter(FloodLimiter(max_retries=3, on_error=metrics.telegram_error))
        .read_timeout(settings.bot.telegram_timeout_seconds)
        .write_timeout(settings.bot.telegram_timeout_seconds)
        .media_write_timeout(2 * settings.bot.telegram_timeout_seconds)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    app.add_handler(CommandHandler(["start", "help"], intake.start))
    app.add_handler(CommandHandler("settings", preferences.show_settings))
    app.add_handler(CommandHandler("usage", reports.usage))
    app.add_handler(CommandHandler("language", languages.show_languages))
    app.add_handler(CommandHandler("stats", reports.stats))
    app.add_handler(CommandHandler("removebg", intake.removebg))
    images = filters.PHOTO | filters.Document.ALL
    captioned = images & filters.CaptionRegex(r"^/removebg(@\w+)?(\s|$)")
    app.add_handler(MessageHandler(captioned, intake.removebg))
    app.add_handler(MessageHandler(images & filters.ChatType.PRIVATE, intake.receive_image))
    in_albums = images & filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(in_albums, intake.observe_album))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, intake.receive_text))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(InlineQueryHandler(sharing.share))
    app.add_handler(
        ChatMemberHandler(membership.on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    app.add_error_handler(on_error)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every inline button: settings, or an action on a job."""
    query = update.callback_query
    if query is None:
        return
    action = keyboards.parse(query.data)
    if action is None:
        t = await answering(query, context)
        await query.answer(t(texts.STALE_BUTTON), show_alert=True)
    elif action.kind == "stick":
        await sharing.add_sticker(update, context, action.target)
    elif action.kind == "album":
        await intake.choose_from_album(query, context, action)
    elif action.kind in ("set", "gset"):
        await preferences.change_setting(query, context, action)
    elif action.kind in ("lang", "glang"):
        await languages.choose_language(query, context, action)
    elif action.kind in ("opt", "look"):
        await choices.on_choice_button(query, context, action)
    else:
        await jobflow.on_job_button(query, context, action)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback; tell the user something went wrong when we know who they are."""
    log.error("an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            t = await speaking_to(update, context)
        except Exception:  # the failure may be the database's: say it in English
            t = words(DEFAULT)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, t(texts.UNEXPECTED))


def fair_use(settings: BotSettings, admins: frozenset[int]) -> FairUse:
    return FairUse(
        settings.daily_quota_units, settings.model_costs(), settings.rate_limit_per_minute, admins
    )
