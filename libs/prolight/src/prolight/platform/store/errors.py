"""The exceptions the run store raises; driver errors (sqlite3, PyMongo) never cross it.

ProLightError
└── StoreError                 anything the run store could not do
    ├── StoreUnavailableError  the database cannot be reached or opened (retry later)
    ├── ConcurrencyConflict    the run's version moved since you read it (re-read, re-apply)
    ├── RecordNotFoundError    the run or task to change does not exist
    ├── AlreadyExistsError     create_run with a run id that is taken
    ├── InvalidTransitionError a task status change the lifecycle forbids
    └── InvalidCursorError     a list cursor that this store did not hand out
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "ConcurrencyConflict",
    "InvalidCursorError",
    "InvalidTransitionError",
    "RecordNotFoundError",
    "StoreError",
    "StoreUnavailableError",
]

from prolight.domain.errors import ProLightError


class StoreError(ProLightError):
    """Root of every run-store error."""


class StoreUnavailableError(StoreError):
    """Raised when the database cannot be reached, opened or is locked for too long."""


class ConcurrencyConflict(StoreError):
    """Raised by `update_run` when the stored version is not the one the caller read."""

    def __init__(self, run_id: str, expected: int, actual: int) -> None:
        self.run_id, self.expected, self.actual = run_id, expected, actual
        super().__init__(f"run {run_id} is at version {actual}, not {expected}")


class RecordNotFoundError(StoreError, KeyError):
    """Raised when the run or task to change does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class AlreadyExistsError(StoreError):
    """Raised by `create_run` when the run id is already taken."""


class InvalidTransitionError(StoreError):
    """Raised when a task would move between statuses the lifecycle does not allow."""


class InvalidCursorError(StoreError, ValueError):
    """Raised when a pagination cursor is malformed."""
