"""Helpers for the storage tests: a fixed clock, and rows with sensible defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from storage import JobOptions, JobSource, UsageRow

NOW = datetime(2025, 3, 14, 12, 30, 0, tzinfo=UTC)

_SOURCE = JobSource(
    user_id=42,
    username="ada",
    chat_id=42,
    chat_type="private",
    source_message_id=7,
    file_id="AgACAgQAAxkBAAIB",
    file_unique_id="AQADq8Ex",
    file_name="cat.jpg",
    file_size=123_456,
    kind="document",
)

_USAGE = UsageRow(
    created_at=NOW,
    user_id=42,
    username="ada",
    chat_id=42,
    chat_type="private",
    model="fast",
    options=JobOptions(binary_mask=True, image_format="webp"),
    input_bytes=123_456,
    width=640,
    height=480,
    outputs=("cutout",),
    processing_s=0.8,
    total_s=1.5,
)


def source(**changes: Any) -> JobSource:
    """A document sent in a private chat, with `changes`."""
    return replace(_SOURCE, **changes)


def usage_row(**changes: Any) -> UsageRow:
    """A successful fast job at NOW, with `changes`."""
    return replace(_USAGE, **changes)


def failed_row(**changes: Any) -> UsageRow:
    """A job that failed at NOW, with `changes`."""
    return usage_row(
        status="error", error="backend down", processing_s=None, outputs=(), **changes
    )
