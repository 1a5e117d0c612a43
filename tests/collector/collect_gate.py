"""``doraspace collect`` behind a start gate, so that two real processes start their sync at the same
instant: the interpreter start and imports (seconds here, and uneven between two processes) happen
before the gate.

Protocol: the process prints ``ready`` once ``doraspace``'s console-script entry point and the PostgreSQL
driver are imported, then runs ``main`` with its own arguments when a line arrives on stdin, and exits
with main's status.

    python -m tests.collector.collect_gate collect --config doraspace.yaml
"""

from __future__ import annotations

import sys

# What the first connection to PostgreSQL would import (a few hundred ms, unevenly): before the gate.
import psycopg  # noqa: F401
import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

from doraspace.cli import main


def gated() -> int:
    print("ready", flush=True)
    sys.stdin.readline()
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(gated())
