"""A process that has imported `doraspace`'s console-script entry point and forks one child per
request to run ``doraspace collect``: the SIGKILL test kills those children, so each of its many runs
costs a fork, not an interpreter start and three seconds of imports.

Protocol (one line each way): the parent writes the arguments as a JSON list; the zygote answers
``{"pid": N}`` once the child runs, then ``{"pid": N, "status": S}`` when it ended (S as
``subprocess`` gives it: the exit code, or minus the signal that killed it). The zygote has no
threads, so forking it is safe.

    python -m tests.collector.collect_zygote
"""

from __future__ import annotations

import json
import os
import sys

import duckdb_engine  # noqa: F401  (SQLAlchemy loads the DuckDB dialect by entry point, at first use)

import doraspace.collect  # noqa: F401  (the CLI imports it at first use: once here, not in each child)
from doraspace.cli import main


def serve() -> None:
    for line in sys.stdin:
        argv = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = main(argv)
            finally:
                os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"pid": pid, "status": code}), flush=True)


if __name__ == "__main__":
    serve()
