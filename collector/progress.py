"""How `doraspace collect` shows its progress: per source and per repository.

On a terminal (text logs), a ``rich`` progress bar per source with the repository being synced; when
stderr is not a terminal, one plain log line per repository; with ``--log-format json`` (daemons), one
JSON object per line for every log record, progress included, with its fields (``source``,
``repository``, ``index``, ``total``) as keys.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

LOG_FORMATS = ("text", "json")
PROGRESS_LOGGER = "doraspace.progress"
_FIELDS = ("source", "repository", "index", "total")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message and known fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _FIELDS:
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class CollectProgress:
    """Plain progress: log records (text or JSON, as the root handler formats them)."""

    def __init__(self) -> None:
        self._log = logging.getLogger(PROGRESS_LOGGER)
        # Other commands stay quiet below warnings; a collect's progress is what the user asked for.
        self._log.setLevel(logging.INFO)

    def message(self, text: str) -> None:
        self._log.info("%s", text)

    def repository(self, source: str, index: int, total: int, name: str) -> None:
        if index < total or name:
            extra = {"source": source, "repository": name, "index": index, "total": total}
            self._log.info("%s [%d/%d] %s", source, index, total, name, extra=extra)

    def close(self) -> None:
        pass


class BarProgress(CollectProgress):
    """A progress bar per source on a terminal; messages (warnings, stages) print above the bars."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._bars = Progress(
            TextColumn("{task.fields[source]:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(file=stream),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._bars.start()

    def message(self, text: str) -> None:
        self._bars.console.print(text, markup=False, highlight=False)

    def repository(self, source: str, index: int, total: int, name: str) -> None:
        task = self._tasks.get(source)
        if task is None:
            task = self._tasks[source] = self._bars.add_task(name, total=total, source=source)
        # ``index`` is the repository being synced: the ones before it are done.
        self._bars.update(task, total=total, completed=max(0, index - 1) if name else total, description=name)

    def close(self) -> None:
        self._bars.stop()


def progress_for(stream: TextIO, log_format: str) -> CollectProgress:
    if log_format == "text" and stream.isatty():
        return BarProgress(stream)
    return CollectProgress()


def configure_logging(log_format: str, level: int, stream: TextIO) -> None:
    """The root handler: ``text`` as before (``LEVEL logger: message``), or ``json`` lines."""
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
