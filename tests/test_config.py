"""Settings in parts, each setting still read from the variable of its own name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.config import Settings

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = [name.upper() for name, _ in Settings.variables()]
NOT_OURS = {"GLIBC_TUNABLES"}  # read by glibc at start-up, not by Settings


@pytest.fixture(autouse=True)
def no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_every_variable_names_one_setting() -> None:
    assert len(VARIABLES) == len(set(VARIABLES))
    assert {"TELEGRAM_BOT_TOKEN", "PORT", "SERVER_PORT", "ENGINE_THREADS"} <= set(VARIABLES)


def test_each_variable_goes_to_its_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8555")
    monkeypatch.setenv("SERVER_PORT", "9000")
    monkeypatch.setenv("ENGINE_THREADS", "3")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("SERVER_TOKENS", "one, two")
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = Settings(_env_file=None)
    assert (settings.bot.port, settings.server.server_port) == (8555, 9000)
    assert settings.engine.engine_threads == 3
    assert settings.bot.telegram_bot_token is not None
    assert settings.bot.telegram_bot_token.get_secret_value() == "123:abc"
    assert [t.get_secret_value() for t in settings.server.server_tokens] == ["one", "two"]
    assert settings.log_format == "json"


def test_the_environment_beats_dotenv_and_arguments_beat_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SERVER_PORT=9001\nQUEUE_SIZE=20\nadmin_user_ids=1,2\nUNRELATED=x\n")
    monkeypatch.setenv("SERVER_PORT", "9002")
    settings = Settings(_env_file=dotenv, max_records=12)
    assert settings.server.server_port == 9002
    assert (settings.server.queue_size, settings.server.max_records) == (20, 12)
    assert settings.bot.admin_user_ids == [1, 2]
    assert Settings(_env_file=dotenv, server_port=0).server.server_port == 0


@pytest.mark.parametrize("name", ["ENGINE", "SERVER", "BOT"])
def test_a_variable_named_like_a_part_is_not_read(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "not json")
    assert Settings(_env_file=None).server.server_port == 8000


def test_the_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row)}
    assert listed - NOT_OURS == set(VARIABLES)


def test_the_example_env_names_only_settings() -> None:
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^(?:# ?)?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert named
    assert named <= set(VARIABLES), sorted(named - set(VARIABLES))
