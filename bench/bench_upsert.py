"""What an upsert costs by batch size: one array per column (``unnest``) against a VALUES row per row.

``store.upsert`` sends batches of ``_ARRAYS_FROM`` rows or more as arrays; the baseline is the same
function with that threshold out of reach, so every batch goes as a VALUES list (what it did before).
Each size is upserted ``--repeat`` times, a transaction each, half the keys new and half already
stored, into pull_requests; then a survey import's worth of answers (``--respondents`` × 20 items)
goes in as one upsert, twice (inserted, then updated). Both shapes must leave the same rows.

    .venv/bin/python -m bench.bench_upsert [--sizes 1 10 100 1000] [--repeat 10] [--respondents 2000]
                                           [--postgres]

Target (2a2143a): at least 2 x quicker than the baseline from 100 rows on and for the survey answers.
Below the threshold both are the same VALUES statement: the ratio there shows the noise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, func, select

import store.upsert as upserts
from store import schema
from store.engine import open_store


@contextmanager
def values_only() -> Iterator[None]:
    """The baseline: every batch as a VALUES list."""
    threshold = upserts._ARRAYS_FROM
    upserts._ARRAYS_FROM = sys.maxsize
    try:
        yield
    finally:
        upserts._ARRAYS_FROM = threshold


def pull_request(number: int, edit: int) -> dict[str, Any]:
    created = datetime(2026, 1, 1) + timedelta(minutes=number)
    return {
        "repo": "acme/api",
        "number": number,
        "title": f"Change {number} (edit {edit})",
        "author": f"dev{number % 40}",
        "state": "closed",
        "base_ref": "main",
        "created_at": created,
        "updated_at": created + timedelta(hours=edit),
        "merged_at": created + timedelta(hours=2) if number % 3 else None,
        "closed_at": created + timedelta(hours=2),
        "merge_commit_sha": f"{number:040x}",
    }


def answer(respondent: int, item: int, edit: int) -> dict[str, Any]:
    return {
        "survey": "dx",
        "quarter": "2026-Q3",
        "respondent": f"r{respondent:06d}",
        "item_id": f"q{item:02d}",
        "value": (respondent + item + edit) % 5 + 1,
    }


def timed(engine: Engine, table: Table, batch: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        upserts.upsert(conn, table, batch)
    return time.perf_counter() - start


def contents(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]


def compare(
    label: str, make: Callable[[str], Engine], table: Table, batches: list[list[dict[str, Any]]]
) -> float:
    """Median seconds of the arrays and of the baseline, each on a fresh store, batch by batch in
    turn (the first batch of each is the first statement on its engine); the rows must be equal."""
    arrays_engine, values_engine = make(f"{label}-arrays"), make(f"{label}-values")
    try:
        arrays_seconds, values_seconds = [], []
        for index, batch in enumerate(batches):
            # Which goes first alternates, so neither always finds the machine's caches warm.
            for shape in ("arrays", "values") if index % 2 == 0 else ("values", "arrays"):
                if shape == "arrays":
                    arrays_seconds.append(timed(arrays_engine, table, batch))
                    continue
                with values_only():
                    values_seconds.append(timed(values_engine, table, batch))
        arrays, values = statistics.median(arrays_seconds), statistics.median(values_seconds)
        if contents(arrays_engine, table) != contents(values_engine, table):
            raise SystemExit(f"{label}: the two shapes stored different rows")
        with arrays_engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        arrays_engine.dispose()
        values_engine.dispose()
    ratio = values / arrays
    print(f"{label:<34} {stored:>8} {values * 1000:>11.1f} {arrays * 1000:>11.1f} {ratio:>8.2f}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument(
        "--postgres", action="store_true", help="also on a PostgreSQL the tests' helper starts"
    )
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        backends: list[tuple[str, Callable[[str], Engine], Callable[[], None]]] = [
            ("duckdb", lambda name: open_store(f"duckdb:///{tmp}/{name}.duckdb"), lambda: None)
        ]
        if args.postgres:
            from bench.bench_analytics import start_postgres

            started = start_postgres()
            if started is None:
                print("postgresql: server binaries not found, skipped")
            else:
                server = started[0]
                backends.append(("postgresql", lambda _name: open_store(server.new_database()), server.stop))
        for backend, make, stop in backends:
            print(f"\n{backend}: {args.repeat} upserts per size, half new keys; median ms per upsert")
            print(f"{'batch':<34} {'rows':>8} {'before ms':>11} {'now ms':>11} {'ratio':>8}")
            try:
                for size in args.sizes:
                    batches = [
                        [
                            pull_request(number, edit)
                            for number in range(edit * size // 2, edit * size // 2 + size)
                        ]
                        for edit in range(args.repeat)
                    ]
                    ratio = compare(f"pull_requests x {size}", make, schema.pull_requests, batches)
                    if size >= 100 and ratio < 2:
                        failures.append(f"{backend} {size} rows: arrays only {ratio:.2f} x quicker")
                answers = [
                    [
                        answer(respondent, item, edit)
                        for respondent in range(args.respondents)
                        for item in range(20)
                    ]
                    for edit in range(2)
                ]
                label = f"survey answers ({args.respondents} x 20)"
                ratio = compare(label, make, schema.survey_answers, answers)
                if ratio < 2:
                    failures.append(f"{backend} survey answers: arrays only {ratio:.2f} x quicker")
            finally:
                stop()
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
