"""SQLite storage for the bot (sqlite-utils): user settings, jobs and the usage log.

Open one `SharedDatabase` with `open_database` at start-up, hand it to `Users`, `Jobs` and
`UsageLog`, and close it at shutdown. Every method may be called from worker threads.
"""

from .database import SharedDatabase, open_database
from .errors import JobNotFoundError, JobStateError, StorageError, UserNotFoundError
from .jobs import Job, Jobs, JobSource
from .migrations import MIGRATIONS
from .usage import DayModelCount, Stats, TopUser, UsageCounts, UsageLog, UsageRow, UserUsage
from .users import IMAGE_FORMATS, MODELS, Users, UserSettings

__all__ = [
    "IMAGE_FORMATS",
    "MIGRATIONS",
    "MODELS",
    "DayModelCount",
    "Job",
    "JobNotFoundError",
    "JobSource",
    "JobStateError",
    "Jobs",
    "SharedDatabase",
    "Stats",
    "StorageError",
    "TopUser",
    "UsageCounts",
    "UsageLog",
    "UsageRow",
    "UserNotFoundError",
    "UserSettings",
    "UserUsage",
    "Users",
    "open_database",
]
