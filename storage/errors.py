"""The storage error tree.

    StorageError
    ├── UserNotFoundError   (also a LookupError)
    ├── JobNotFoundError    (also a LookupError)
    └── JobStateError       the job is not in a state that allows the change

Invalid values (an unknown model, state or format, a quality outside 1..100) raise ValueError.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of the errors the storage layer raises on purpose."""


class UserNotFoundError(StorageError, LookupError):
    """No row for this user id: call `Users.touch` first."""


class JobNotFoundError(StorageError, LookupError):
    """No job with this id (never created, or pruned)."""


class JobStateError(StorageError):
    """The job's state does not allow this change, e.g. finishing a job that is already done."""
