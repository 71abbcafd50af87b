"""All settings, read once from the environment and `.env` by an entry point.

They come in parts, one a program: `engine` (the embedded engine, which the bot, the server
and `removebg` all run), `server` and `bot`, with what every program reads at the top. Each
setting is still read from the variable of its own name in upper case, whatever part holds it:
ENGINE_THREADS is `settings.engine.engine_threads`, PORT (the webhook's) `settings.bot.port`.
`Settings(...)` takes the same names, in lower case.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from .logs import LogFormat

MiB = 1024 * 1024


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


Commas = BeforeValidator(_split)  # "a, b,c" is ["a", "b", "c"]


class EngineSettings(BaseModel):
    """The embedded engine, run by the bot (REMOVEBG_BACKEND=local), the server and `removebg`."""

    models_dir: Path = Field(Path("models"), description="where model weights are cached")
    fast_model_source: str | None = Field(
        None, description="a local .onnx path or https URL#sha256=… tried before the default"
    )
    precise_model_source: str | None = Field(None, description="as fast_model_source")
    engine_threads: int = Field(2, ge=1, description="ONNX Runtime intra-op threads per job")
    engine_concurrency: int = Field(1, ge=1, description="images processed at once")
    engine_providers: Annotated[list[str], NoDecode, Commas] = Field(
        default_factory=lambda: ["cpu"],
        description="comma-separated ONNX Runtime providers in order, e.g. cuda,cpu",
    )
    max_input_bytes: int = Field(50 * MiB, ge=1, description="largest input file")
    max_input_pixels: int = Field(50_000_000, ge=1, description="largest input, in pixels")

    def model_sources(self) -> dict[str, str | None]:
        """FAST_MODEL_SOURCE and PRECISE_MODEL_SOURCE, by model name."""
        return {"fast": self.fast_model_source, "precise": self.precise_model_source}


class ServerSettings(BaseModel):
    """The HTTP server (python -m services.server)."""

    server_host: str = Field("127.0.0.1", description="address the server listens on")
    server_port: int = Field(8000, ge=0, le=65535, description="port the server listens on")
    server_tokens: Annotated[list[SecretStr], NoDecode, Commas] = Field(
        default_factory=list, description="comma-separated API tokens the server accepts"
    )
    public_base_url: str | None = Field(
        None, description="base of output URLs (default: the URL the request came to)"
    )
    trusted_proxies: Annotated[list[str], NoDecode, Commas] = Field(
        default_factory=list,
        description="comma-separated IPs/CIDRs whose X-Forwarded-For/-Proto are believed",
    )
    output_store: str = Field(
        "local", pattern=r"^(local|s3://[^/]+(/.*)?)$", description="local, or s3://BUCKET/PREFIX"
    )
    output_dir: Path = Field(Path("data/outputs"), description="where outputs are kept (local)")
    s3_endpoint_url: str | None = Field(
        None, description="an S3-compatible endpoint (MinIO, R2, Ceph); unset for AWS"
    )
    aws_access_key_id: SecretStr | None = Field(None, description="for OUTPUT_STORE=s3://")
    aws_secret_access_key: SecretStr | None = Field(None, description="for OUTPUT_STORE=s3://")
    aws_region: str | None = Field(None, description="the bucket's region (us-east-1 if unset)")
    output_ttl_seconds: int = Field(24 * 3600, ge=1, description="how long outputs are served")
    sweep_interval_seconds: int = Field(600, ge=1, description="how often expired outputs go")
    max_records: int = Field(10, ge=1, description="records per call")
    max_body_bytes: int = Field(72 * MiB, ge=1, description="largest request body")
    queue_size: int = Field(16, ge=0, description="records that may wait for the engine")
    queue_wait_seconds: float = Field(
        30.0, ge=0, description="longest a call may wait its turn; beyond it, 429 at once"
    )
    body_memory_bytes: int = Field(
        144 * MiB, ge=1, description="request bodies held in memory at once, in bytes"
    )
    body_timeout_seconds: float = Field(
        10.0, gt=0, description="how far a body may fall behind MIN_UPLOAD_BYTES_PER_SECOND"
    )
    min_upload_bytes_per_second: int = Field(
        256 * 1024, ge=1, description="the pace a call's body must keep once admitted"
    )
    max_requests: int = Field(64, ge=1, description="requests served at once (/health apart)")
    header_timeout_seconds: float = Field(
        10.0, gt=0, description="time a connection has to send a whole request head"
    )
    url_timeout_seconds: float = Field(20.0, gt=0, description="time to fetch one _url")
    url_allow_networks: Annotated[list[str], NoDecode, Commas] = Field(
        default_factory=list,
        description="comma-separated CIDRs a _url may reach despite being private or loopback",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item)  # a ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _holds_the_largest_body(self) -> ServerSettings:
        if self.body_memory_bytes < self.max_body_bytes:
            raise ValueError("BODY_MEMORY_BYTES must be at least MAX_BODY_BYTES")
        return self


class BotSettings(BaseModel):
    """The Telegram bot (python -m bot)."""

    telegram_bot_token: SecretStr | None = Field(None, description="from @BotFather; required")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base; a local server or test peer"
    )
    telegram_file_base_url: str = Field(
        "https://api.telegram.org/file/bot", description="Bot API file base"
    )
    telegram_timeout_seconds: float = Field(
        30.0, gt=0, description="read and write timeout of Bot API calls (uploads: twice that)"
    )
    removebg_backend: Literal["local", "api"] = Field(
        "local", description="the embedded engine, or an HTTP server of the contract"
    )
    removebg_api_url: str = Field("https://api.ximilar.com", description="for backend api")
    removebg_api_token: SecretStr | None = Field(None, description="for backend api")
    removebg_timeout_seconds: float = Field(120.0, gt=0, description="one call to the backend")
    database_path: Path = Field(Path("data/bot.sqlite3"), description="settings and usage")
    admin_user_ids: Annotated[list[int], NoDecode, Commas] = Field(
        default_factory=list, description="comma-separated Telegram user ids allowed /stats"
    )
    daily_quota_units: int = Field(
        100, ge=0, description="units a user may spend per UTC day; 0 for no quota"
    )
    precise_cost: int = Field(4, ge=0, description="units a precise cut-out costs")
    fast_cost: int = Field(1, ge=0, description="units a fast cut-out costs")
    rate_limit_per_minute: int = Field(
        20, ge=0, description="jobs a user may start per minute; 0 for no limit"
    )
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="where the bot serves /metrics; unset: not at all"
    )
    metrics_host: str = Field("127.0.0.1", description="the address METRICS_PORT listens on")
    webhook_url: str | None = Field(None, description="public HTTPS URL; unset means polling")
    webhook_secret: SecretStr | None = Field(None, description="secret token for the webhook")
    port: int = Field(8443, ge=1, le=65535, description="webhook listening port")

    def model_costs(self) -> dict[str, int]:
        """FAST_COST and PRECISE_COST, by model name."""
        return {"fast": self.fast_cost, "precise": self.precise_cost}


class Settings(BaseSettings):
    """Every setting: the parts, and what all programs read (see the module's docstring)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    log_format: LogFormat = Field(
        "text", description="text, or json: one JSON object a line, with its request id"
    )
    engine: EngineSettings = Field(default_factory=EngineSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    bot: BotSettings = Field(default_factory=BotSettings)

    @classmethod
    def parts(cls) -> dict[str, type[BaseModel]]:
        """The fields that hold a part, and its model."""
        found = {name: field.annotation for name, field in cls.model_fields.items()}
        return {
            name: kind
            for name, kind in found.items()
            if isinstance(kind, type) and issubclass(kind, BaseModel)
        }

    @classmethod
    def variables(cls) -> Iterator[tuple[str, FieldInfo]]:
        """Each setting's name (its variable's, in lower case) and field, parts' included."""
        parts = cls.parts()
        for name, field in cls.model_fields.items():
            if name in parts:
                yield from parts[name].model_fields.items()
            else:
                yield name, field

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, values: Any) -> Any:
        """Each setting, given by its variable's name, into the part that holds it."""
        if not isinstance(values, dict):
            return values
        nested = {name: values[name] for name in cls.model_fields if name in values}
        for name, part in cls.parts().items():
            given = {key: values[key] for key in part.model_fields if key in values}
            if given:
                nested[name] = {**nested.get(name, {}), **given}
        return nested

    @model_validator(mode="after")
    def _admits_the_largest_call(self) -> Settings:
        if self.engine.engine_concurrency + self.server.queue_size < self.server.max_records:
            raise ValueError(
                "ENGINE_CONCURRENCY + QUEUE_SIZE must be at least MAX_RECORDS, "
                "or a call of MAX_RECORDS records could never be admitted"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _ByName(cls, env_settings), _ByName(cls, dotenv_settings)


class _ByName(PydanticBaseSettingsSource):
    """The environment or `.env`, read for every setting by its own name, parts' included (not
    as ENGINE__ENGINE_THREADS): what `Settings._nest` then puts into the parts."""

    def __init__(self, settings_cls: type[Settings], source: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._settings = settings_cls
        self._source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._source.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self._settings.variables():
            value, key, is_complex = self.get_field_value(field, name)
            value = self._source.prepare_field_value(name, field, value, is_complex)
            if value is not None:
                values[key] = value
        return values
