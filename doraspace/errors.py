"""The error tree of doraspace.

Every error a user can meet is one of these; only the CLI turns them into a one-line message and an
exit status (``ConfigError`` and other usage errors exit 2, everything else 1). Library exceptions
(PyGithub's ``GithubException``, ``requests`` errors, the PagerDuty client's errors) are translated into
``SourceError`` subclasses in exactly one place per source, inside ``collector/sources/``.

    DoraspaceError
    ├── ConfigError            bad configuration or command line (exit 2)
    ├── InputError             a bad input file: catalog, survey (exit 2)
    │   └── SurveyImportError  names file, row and column
    ├── StoreError             the database cannot be opened or migrated
    └── SourceError            a source failed during a sync
        ├── TransientSourceError   rate limit, 5xx, timeout: retry later, cursor unmoved
        └── FatalSourceError       bad credentials, forbidden: stop the sync

The classes live in ``store.errors`` so that every package may raise them without importing
``doraspace`` (see the import rules in ARCHITECTURE.md); this module re-exports them for the CLI.
"""

from store.errors import (
    ConfigError,
    DoraspaceError,
    FatalSourceError,
    InputError,
    SourceError,
    StoreError,
    SurveyImportError,
    TransientSourceError,
)

__all__ = [
    "ConfigError",
    "DoraspaceError",
    "FatalSourceError",
    "InputError",
    "SourceError",
    "StoreError",
    "SurveyImportError",
    "TransientSourceError",
]
