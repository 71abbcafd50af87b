"""Fair use: a daily quota of units per user, where each model costs some units.

A user's units today = the units of their jobs that went well today (UTC day, from `usage`)
+ the units of their jobs now 'queued' or 'running' (from `jobs`), so sending many images at
once cannot go past the quota. Failed jobs cost nothing, nor do new looks composed on a kept
cut-out (`JobOptions.recompose`). A model missing from `costs` costs 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from .times import iso, window_start
from .users import JobOptions

PENDING = ("queued", "running")
DEFAULT_COST = 1
_CHARGED = "coalesce(json_extract(options, '$.recompose'), 0) = 0"


@dataclass(frozen=True)
class Quota:
    """At most `limit` units per user per UTC day; `costs` gives the units of each model."""

    limit: int
    costs: Mapping[str, int]

    def __post_init__(self) -> None:
        if self.limit < 0 or any(cost < 0 for cost in self.costs.values()):
            raise ValueError("a quota's limit and costs must not be negative")

    def cost(self, model: str | None) -> int:
        return cost_of(self.costs, model)

    def charge(self, model: str | None, options: JobOptions) -> int:
        """The units a job costs: its model's, or none for a new look on a kept cut-out."""
        return 0 if options.recompose else self.cost(model)


def cost_of(costs: Mapping[str, int], model: str | None) -> int:
    """The units `model` costs; 1 when it is not in `costs`."""
    return costs.get(model, DEFAULT_COST) if model is not None else DEFAULT_COST


def units_used(
    db: sqlite_utils.Database, user_id: int, *, now: datetime, costs: Mapping[str, int]
) -> int:
    """Units of the user's jobs that went well today. The caller holds the database lock."""
    rows = db.execute(
        "SELECT model, count(*) FROM usage WHERE user_id = ? AND status = 'ok'"
        f" AND created_at BETWEEN ? AND ? AND {_CHARGED} GROUP BY model",
        (user_id, iso(window_start(now, 1)), iso(now)),
    ).fetchall()
    return sum(cost_of(costs, model) * count for model, count in rows)


def units_pending(db: sqlite_utils.Database, user_id: int, *, costs: Mapping[str, int]) -> int:
    """Units of the user's queued and running jobs. The caller holds the database lock."""
    rows = db.execute(
        f"SELECT model, count(*) FROM jobs WHERE user_id = ? AND state IN (?, ?) AND {_CHARGED}"
        " GROUP BY model",
        (user_id, *PENDING),
    ).fetchall()
    return sum(cost_of(costs, model) * count for model, count in rows)
