"""All settings, read once from the environment and `.env` by an entry point."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    models_dir: Path = Field(Path("models"), description="where model weights are cached")
    fast_model_source: str | None = Field(
        None, description="a local .onnx path or https URL#sha256=… tried before the default"
    )
    precise_model_source: str | None = Field(None, description="as fast_model_source")
    engine_threads: int = Field(2, ge=1, description="ONNX Runtime intra-op threads per job")
    engine_concurrency: int = Field(1, ge=1, description="images processed at once")
    max_input_bytes: int = Field(50 * 1024 * 1024, ge=1, description="largest input file")
    max_input_pixels: int = Field(50_000_000, ge=1, description="largest input, in pixels")

    def model_sources(self) -> dict[str, str | None]:
        return {"fast": self.fast_model_source, "precise": self.precise_model_source}
