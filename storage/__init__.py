"""SQLite storage for the bot (sqlite-utils): users and chats with their settings, jobs (and
albums of them), the usage log with the daily quota, the files sent, and sticker sets.

Open one `SharedDatabase` with `open_database` at start-up, hand it to `Users`, `Chats`,
`Jobs`, `UsageLog`, `Results` and `StickerSets`, and close it at shutdown. Every method may be
called from worker threads.
"""

from .chats import CHAT_STATUSES, Chats
from .database import SharedDatabase, open_database
from .errors import (
    ChatNotFoundError,
    JobNotFoundError,
    JobStateError,
    QuotaExceededError,
    StickerSetNotFoundError,
    StorageError,
    UserNotFoundError,
)
from .job_states import Batch, Job, JobSource
from .jobs import Jobs
from .kept import KeptCutouts
from .migrations import MIGRATIONS
from .quota import Quota
from .results import RESULT_KINDS, Result, Results
from .stickers import StickerSet, StickerSets
from .usage import DayModelCount, Stats, TopUser, UsageCounts, UsageLog, UsageRow, UserUsage
from .users import CROPS, IMAGE_FORMATS, MODELS, JobOptions, Users, UserSettings

__all__ = [
    "CROPS",
    "CHAT_STATUSES",
    "IMAGE_FORMATS",
    "MIGRATIONS",
    "MODELS",
    "RESULT_KINDS",
    "Batch",
    "ChatNotFoundError",
    "Chats",
    "DayModelCount",
    "Job",
    "JobNotFoundError",
    "JobOptions",
    "JobSource",
    "JobStateError",
    "Jobs",
    "KeptCutouts",
    "Quota",
    "QuotaExceededError",
    "Result",
    "Results",
    "SharedDatabase",
    "Stats",
    "StickerSet",
    "StickerSetNotFoundError",
    "StickerSets",
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
