"""Retrying a source call: every failure is sorted into retry-after-a-wait or give-up in one place.

The waits are computed by the source's classifier (it knows ``retry-after`` and rate-limit headers);
this module only loops, sleeps through an injected ``sleep`` (tests pass a recorder, never wait) and
gives up after ``max_attempts``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from store.errors import TransientSourceError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    # A rate-limit reset further away than this is not waited for: the sync stops and resumes later.
    max_wait: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)  # every wait taken, for progress and tests

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def call_with_retries(
    policy: RetryPolicy,
    what: str,
    operation: Callable[[], T],
    classify: Callable[[BaseException, int], TransientSourceError | BaseException],
) -> T:
    """Run ``operation``; on a transient failure wait as ``classify`` says and try again.

    ``classify(exc, attempt)`` returns a ``TransientSourceError`` (its ``retry_after`` is the wait) or
    any other exception, which is raised at once.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except Exception as exc:
            verdict = classify(exc, attempt)
            if not isinstance(verdict, TransientSourceError):
                raise verdict from exc
            wait = verdict.retry_after if verdict.retry_after is not None else policy.backoff(attempt)
            if attempt >= policy.max_attempts or wait > policy.max_wait:
                raise verdict from exc
            log.warning("%s: %s; retrying in %.0f s", what, verdict, wait)
            policy.waits.append(wait)
            policy.sleep(wait)
