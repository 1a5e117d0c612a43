"""Errors shared by every package; documented in ``doraspace/errors.py``.

They sit at the bottom of the import graph (``store`` imports nothing of ours) so that collector,
surveys and analytics can raise them while never importing ``doraspace``.
"""

from __future__ import annotations


class DoraspaceError(Exception):
    """Base of every error doraspace reports to a user."""

    exit_status = 1


class ConfigError(DoraspaceError):
    """The configuration or the command line is wrong; the message names the key (and line)."""

    exit_status = 2


class InputError(DoraspaceError):
    """An input file (catalog, survey export, definition) is malformed; the message names where."""

    exit_status = 2


class SurveyImportError(InputError):
    """A survey export cannot be imported; names the file, row and column."""

    def __init__(
        self, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.row = row
        self.column = column


class StoreError(DoraspaceError):
    """The store cannot be opened, locked or migrated."""


class SourceError(DoraspaceError):
    """A source (GitHub, PagerDuty) failed during a sync."""

    def __init__(self, message: str, *, source: str, status: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.status = status


class TransientSourceError(SourceError):
    """Worth retrying later: a rate limit, a 5xx, a timeout. ``retry_after`` is in seconds, if known."""

    def __init__(
        self, message: str, *, source: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, source=source, status=status)
        self.retry_after = retry_after


class FatalSourceError(SourceError):
    """Retrying will not help: bad credentials, no permission. The sync stops."""
