"""`python -m bot`: polling, or a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import secrets
import sys
from urllib.parse import urlsplit

from telegram import Update

from services.config import Settings
from services.engine.allocator import restart_with_huge_pages
from services.logs import configure_logging

from .app import build_application


def main() -> int:
    restart_with_huge_pages()
    settings = Settings()
    configure_logging(settings.log_format)  # keeps httpx quiet: its lines carry the bot token
    token = settings.bot.telegram_bot_token
    if not token or not token.get_secret_value():
        print(
            "error: TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and put it in "
            "the environment or in .env (see .env.example).",
            file=sys.stderr,
        )
        return 2
    app = build_application(settings)
    if settings.bot.webhook_url:
        # Telegram echoes the secret on every call, so a random one per start works too.
        secret = (
            settings.bot.webhook_secret.get_secret_value()
            if settings.bot.webhook_secret
            else secrets.token_urlsafe(32)
        )
        app.run_webhook(
            listen="0.0.0.0",
            port=settings.bot.port,
            url_path=urlsplit(settings.bot.webhook_url).path.lstrip("/"),
            webhook_url=settings.bot.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
