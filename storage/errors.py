"""The storage error tree.

    StorageError
    ├── UserNotFoundError        (also a LookupError)
    ├── ChatNotFoundError        (also a LookupError)
    ├── JobNotFoundError         (also a LookupError)
    ├── StickerSetNotFoundError  (also a LookupError)
    ├── JobStateError            the job is not in a state that allows the change
    └── QuotaExceededError       queueing the job would take the user past today's quota

Invalid values (an unknown model, state, status, kind or format, a quality outside 1..100)
raise ValueError.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of the errors the storage layer raises on purpose."""


class UserNotFoundError(StorageError, LookupError):
    """No row for this user id: call `Users.touch` first."""


class ChatNotFoundError(StorageError, LookupError):
    """No row for this chat id: call `Chats.touch` or `Chats.record_membership` first."""


class JobNotFoundError(StorageError, LookupError):
    """No job with this id, or no job in this batch (never created, or pruned)."""


class StickerSetNotFoundError(StorageError, LookupError):
    """The user has no sticker set yet: call `StickerSets.created` first."""


class JobStateError(StorageError):
    """The job's state does not allow this change, e.g. finishing a job that is already done."""


class QuotaExceededError(StorageError):
    """The change needs `needed` units, but the user already used (or has pending) `used`
    of today's `limit`. Nothing was changed."""

    def __init__(self, *, user_id: int, used: int, needed: int, limit: int) -> None:
        super().__init__(
            f"user {user_id} has {used} of {limit} units used or pending today;"
            f" this needs {needed} more"
        )
        self.user_id = user_id
        self.used = used
        self.needed = needed
        self.limit = limit
