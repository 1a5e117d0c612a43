"""A full analytics snapshot over a large organisation, on DuckDB and PostgreSQL, checked against pandas.

A generator writes, through the store's own migrations, an organisation of 200 teams and 2,000
repositories over two years: N production deployments (5 changes each, a rollback every 50th, a
redeploy every 97th, a revert every 200th), a merged PR with reviews and labels for every 10th
deployment (some labelled ``hotfix``) and an incident for every 20th (a third naming a change's sha,
the rest found by the attribution window). A child process then builds the snapshot the daemon builds
(every team, every window, bands, breakdown, failures and rework, previous window, 26 weekly points)
and reports wall time and peak RSS, three times: first on the fresh store (deriving the first
shipments of every repository), then again with nothing changed (the steady state between syncs,
``snapshot_s``), then after a sync added a deployment to every 10th repository (``after_sync``); the
three must give the same rows. An independent pandas implementation computes the current window rows
from the same rows; every number must be equal (floats to 1e-9 relative).

    .venv/bin/python bench/bench_analytics.py [--deployments 10000 100000 1000000] [--postgres 1000000]
        [--pandas-max 100000] [--no-pandas]

pandas comes from the ``bench`` dependency group, which ``make bench`` syncs (``uv sync --group bench``).

Targets (issue 12): DuckDB at 1,000,000 deployments ≤ 2 s and ≤ 1 GB; PostgreSQL ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.engine import open_store

AS_OF = datetime(2026, 6, 30, 12, tzinfo=UTC)
START = AS_OF - timedelta(days=730)
SPAN_SECONDS = 730 * 86400
REPOS = 2000
TEAMS = 200
WINDOWS = (("7d", 7), ("30d", 30), ("90d", 90))
TARGET_DUCKDB_SECONDS, TARGET_DUCKDB_RSS_MB, TARGET_POSTGRES_SECONDS = 2.0, 1024, 10.0


def repo_name(index: int) -> str:
    return f"org/r{index:04d}"


def _ts(seconds: str) -> str:
    """A portable timestamp ``seconds`` after START (DuckDB and PostgreSQL read it alike)."""
    return (
        f"(TIMESTAMP '{START.replace(tzinfo=None).isoformat(sep=' ')}' + ({seconds}) * INTERVAL '1 second')"
    )


def generate(engine: Engine, deployments: int) -> dict[str, int]:
    """Fill an empty, migrated store; returns the row count of each table."""
    per_repo = max(deployments // REPOS, 1)
    step = SPAN_SECONDS // per_repo
    # i = repo × per_repo + k: k-th deployment of the repo, at k × step plus a deterministic jitter.
    deploy_rows = f"""
        SELECT r, k, r * {per_repo} + k AS i,
               'org/r' || lpad(CAST(r AS VARCHAR), 4, '0') AS repo,
               (k * {step} + ((r * {per_repo} + k) * 7919) % {max(step // 2, 1)}) AS offset_s
        FROM generate_series(CAST(0 AS BIGINT), {REPOS - 1}) AS rs(r),
             generate_series(CAST(0 AS BIGINT), {per_repo - 1}) AS ks(k)
    """  # noqa: S608 - SQL built from integer constants only, no outside input
    status = (
        "CASE WHEN k = 0 THEN 'first' WHEN i % 50 = 7 THEN 'behind' "
        "WHEN i % 97 = 3 THEN 'identical' ELSE 'ahead' END"
    )
    deployed = _ts("offset_s + 300")
    statements = [
        f"""INSERT INTO repositories (full_name, default_branch, discovered_from, synced_at)
            SELECT 'org/r' || lpad(CAST(r AS VARCHAR), 4, '0'), 'main', 'config',
            TIMESTAMP '2026-06-30 12:00:00' FROM generate_series(0, {REPOS - 1}) AS rs(r)""",  # noqa: S608
        f"""INSERT INTO deployments (repo, source, deployment_id, environment, sha, ref, created_at,
                deployed_at, last_state)
            SELECT repo, 'deployments', i + 1, 'production', md5('d' || CAST(i AS VARCHAR)), 'main',
                   {_ts("offset_s")}, {deployed}, 'success' FROM ({deploy_rows}) AS d""",  # noqa: S608
        f"""INSERT INTO deployment_compares
            SELECT repo, 'deployments', i + 1, CASE WHEN k = 0 THEN NULL ELSE i END,
                   CASE WHEN k = 0 THEN NULL ELSE md5('d' || CAST(i - 1 AS VARCHAR)) END,
                   md5('d' || CAST(i AS VARCHAR)), {status},
                   CASE WHEN {status} = 'ahead' THEN 5 ELSE 0 END
            FROM ({deploy_rows}) AS d""",  # noqa: S608
        f"""INSERT INTO deployment_commits
            SELECT repo, 'deployments', i + 1, md5('c' || CAST(i AS VARCHAR) || '-' || CAST(j AS VARCHAR)), j
            FROM ({deploy_rows}) AS d, generate_series(0, 4) AS js(j) WHERE {status} = 'ahead'""",  # noqa: S608
        f"""INSERT INTO commits
            SELECT repo, md5('c' || CAST(i AS VARCHAR) || '-' || CAST(j AS VARCHAR)),
                   md5('c' || CAST(i - 1 AS VARCHAR) || '-4'), 1,
                   {_ts("offset_s - 60 - (i * 31 + j * 17) % 400000")},
                   {_ts("offset_s - 60 - (i * 31 + j * 17) % 400000")},
                   CASE WHEN i % 200 = 11 AND j = 0
                        THEN 'Revert "change"' || chr(10) || chr(10) || 'This reverts commit '
                             || md5('c' || CAST(i - 1 AS VARCHAR) || '-2') || '.'
                        ELSE 'change ' || CAST(i AS VARCHAR) END
            FROM ({deploy_rows}) AS d, generate_series(0, 4) AS js(j) WHERE {status} = 'ahead'""",  # noqa: S608
        f"""INSERT INTO pull_requests
            SELECT repo, k, 'change ' || CAST(i AS VARCHAR), 'dev' || CAST(i % 50 AS VARCHAR), 'closed',
                   'main',
                   {_ts("offset_s - 259200")}, {_ts("offset_s - 7200")}, {_ts("offset_s - 7200")},
                   {_ts("offset_s - 7200")}, md5('c' || CAST(i AS VARCHAR) || '-0')
            FROM ({deploy_rows}) AS d WHERE i % 10 = 0""",  # noqa: S608
        f"""INSERT INTO pull_request_commits
            SELECT repo, k, md5('p' || CAST(i AS VARCHAR) || '-' || CAST(j AS VARCHAR)),
                   {_ts("offset_s - 259200 - (j + 1) * 3600 - (i % 7) * 86400")}, j
            FROM ({deploy_rows}) AS d, generate_series(0, 1) AS js(j) WHERE i % 10 = 0""",  # noqa: S608
        f"""INSERT INTO pull_request_reviews
            SELECT repo, k, i * 2 + j, 'dev' || CAST((i + 1 + j) % 50 AS VARCHAR),
                   CASE WHEN j = 0 THEN 'COMMENTED' ELSE 'APPROVED' END,
                   {_ts("offset_s - 259200 + 600 + (i * 13 + j * 5000) % 200000")}
            FROM ({deploy_rows}) AS d, generate_series(0, 1) AS js(j)
            WHERE i % 10 = 0 AND (j = 1 OR i % 20 = 0)""",  # noqa: S608
        f"""INSERT INTO pull_request_labels
            SELECT repo, k, CASE WHEN i % 100 = 0 THEN 'hotfix' ELSE 'feature' END
            FROM ({deploy_rows}) AS d WHERE i % 10 = 0""",  # noqa: S608
        f"""INSERT INTO incidents
            SELECT 'github', repo || '#' || CAST(i AS VARCHAR), repo,
                   CASE WHEN i % 60 = 5
                        THEN 'Errors after deploy, root cause '
                             || substr(md5('c' || CAST(i - 5 AS VARCHAR) || '-1'), 1, 10)
                        ELSE 'Errors on ' || repo END,
                   CASE WHEN i % 3 = 0 THEN 'Paged at night' ELSE NULL END,
                   'high', CASE WHEN i % 1000 = 5 THEN 'triggered' ELSE 'resolved' END,
                   {_ts("offset_s + 300 + (i * 37) % 129600")},
                   CASE WHEN i % 1000 = 5 THEN NULL
                        ELSE {_ts("offset_s + 300 + (i * 37) % 129600 + (i * 53) % 36000 + 600")} END,
                   NULL
            FROM ({deploy_rows}) AS d WHERE i % 20 = 5""",  # noqa: S608
    ]
    with engine.begin() as conn:
        if engine.dialect.name == "duckdb":
            conn.execute(text("SET enable_progress_bar = false"))
        for statement in statements:
            conn.execute(text(statement))
    counts = {}
    with engine.connect() as conn:
        for table in (
            "deployments",
            "deployment_commits",
            "commits",
            "pull_requests",
            "pull_request_reviews",
            "incidents",
        ):
            counts[table] = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return counts


def write_config(directory: Path, url: str) -> Path:
    teams = [
        {"name": f"team-{t:03d}", "repositories": [repo_name(r) for r in range(t, REPOS, TEAMS)]}
        for t in range(TEAMS)
    ]
    config = {
        "database": {"url": url},
        "github": {"deployments": {"source": "deployments", "environment": "production"}},
        "catalog": {"discover": False},
        "teams": teams,
        "incidents": {"attribution_window": "24h"},
        "rework": {"labels": ["hotfix"]},
        "metrics": {"windows": [label for label, _ in WINDOWS], "benchmarks": "dora-2023"},
    }
    path = directory / "doraspace.yaml"
    path.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return path


# -- the snapshot, in a child process so that its peak RSS is its own ------------------------------


def child(config_path: str, out: str) -> None:
    from doraspace.config import load_config
    from doraspace.pipeline import build_snapshot

    config = load_config(Path(config_path))
    engine = open_store(config.database_url)
    started = time.perf_counter()
    snapshot = build_snapshot(config, engine, now=AS_OF)
    seconds = time.perf_counter() - started
    rss_mb = peak_rss_mb()
    rows = [row.to_json_dict() for row in snapshot.metrics]
    Path(out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": rss_mb,
                "rows": rows,
                "weekly": len(snapshot.weekly),
                "failed": len(snapshot.failed_deployments),
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux keeps ru_maxrss across exec (a child forked from a big parent
    would report the parent's size), so VmHWM of the new address space comes first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_snapshot(config_path: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [sys.executable, __file__, "--child", str(config_path), out.name],
            check=True,
        )
        return json.loads(Path(out.name).read_text())  # type: ignore[no-any-return]


# -- the pandas reference -----------------------------------------------------------------------------


def read_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    tables = (
        "deployments",
        "deployment_compares",
        "deployment_commits",
        "commits",
        "pull_requests",
        "pull_request_commits",
        "pull_request_reviews",
        "pull_request_labels",
        "incidents",
    )
    frames = {}
    with engine.connect() as conn:
        for table in tables:
            columns = "*" if table != "commits" else "repo, sha, parent_count, author_date, message"
            frames[table] = pd.read_sql_query(text(f"SELECT {columns} FROM {table}"), conn)  # noqa: S608
    return frames


def _pct(values: pd.Series, fraction: float) -> float | None:
    ordered = np.sort(values.dropna().to_numpy(dtype=float))
    if len(ordered) == 0:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600.0


def pandas_metrics(frames: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The SPEC §6 rows of every team and window as of AS_OF, from the raw rows, in pandas."""
    as_of = pd.Timestamp(AS_OF.replace(tzinfo=None))
    team_of = {repo_name(r): f"team-{r % TEAMS:03d}" for r in range(REPOS)}
    d = frames["deployments"]
    d = d[d.deployed_at.notna() & (d.deployed_at <= as_of) & (d.environment == "production")]
    d = d.merge(
        frames["deployment_compares"][["repo", "source", "deployment_id", "status", "base_deployment_id"]],
        on=["repo", "source", "deployment_id"],
        how="left",
    )
    d["team"] = d.repo.map(team_of)
    key = ["repo", "source", "deployment_id"]
    # Changes: non-merge commits first shipped by a deployment that moved forward.
    ship = frames["deployment_commits"].merge(d[[*key, "deployed_at", "status"]], on=key)
    ship = ship[ship.status.isin(["ahead", "behind", "identical", "diverged"])]
    ship = ship.sort_values(["deployed_at", "deployment_id"]).drop_duplicates(["repo", "source", "sha"])
    commits = frames["commits"]
    changes = ship[ship.status.isin(["ahead", "diverged"])].merge(commits, on=["repo", "sha"])
    changes = changes[changes.parent_count <= 1]
    pr = frames["pull_requests"]
    pr = pr[pr.merged_at.notna() & (pr.merged_at <= as_of) & pr.merge_commit_sha.notna()]
    first_commit = (
        frames["pull_request_commits"].groupby(["repo", "number"]).author_date.min().rename("first_commit_at")
    )
    pr = pr.merge(first_commit, on=["repo", "number"], how="left")
    starts = pr.groupby(["repo", "merge_commit_sha"]).first_commit_at.min().rename("pr_start").reset_index()
    changes = changes.merge(
        starts, left_on=["repo", "sha"], right_on=["repo", "merge_commit_sha"], how="left"
    )
    changes["start"] = changes.pr_start.fillna(changes.author_date)
    changes["lead"] = _hours(changes.deployed_at, changes.start)
    changes = changes[changes.deployed_at > changes.start]
    changes["team"] = changes.repo.map(team_of)
    # Breakdown: PRs deployed by the first shipment of their merge commit, and the PR whose merge commit
    # is a first deployment's own sha, which has no deploy stage (SPEC §5.2).
    reviews = frames["pull_request_reviews"].merge(
        pr[["repo", "number", "author", "merged_at"]], on=["repo", "number"]
    )
    reviews = reviews[
        (reviews.state.str.upper() != "PENDING")
        & reviews.submitted_at.notna()
        & (reviews.submitted_at <= reviews.merged_at)
        & (reviews.reviewer != reviews.author)
    ]
    first_review = reviews.groupby(["repo", "number"]).submitted_at.min().rename("first_review_at")
    firsts = d[d.status == "first"][["repo", "sha", "deployed_at"]].assign(first=True)
    shipped = pd.concat([ship[["repo", "sha", "deployed_at"]].assign(first=False), firsts])
    stages = pr.merge(first_review, on=["repo", "number"], how="left").merge(
        shipped, left_on=["repo", "merge_commit_sha"], right_on=["repo", "sha"]
    )

    def stage(later: pd.Series, earlier: pd.Series) -> pd.Series:
        hours = _hours(later, earlier)
        return hours.where(later >= earlier)

    stages["coding"] = stage(stages.created_at, stages.first_commit_at)
    stages["pickup"] = stage(stages.first_review_at, stages.created_at)
    stages["review"] = stage(stages.merged_at, stages.first_review_at)
    stages["deploy"] = stage(stages.deployed_at, stages.merged_at).where(~stages["first"])
    stages["team"] = stages.repo.map(team_of)

    # Failures, rule by rule.
    inc = frames["incidents"]
    inc = inc[inc.started_at <= as_of].copy()
    inc["team"] = inc.service.map(team_of)
    inc = inc[inc.team.notna()]
    inc["key"] = inc.source + ":" + inc.incident_id
    inc["resolved"] = inc.resolved_at.where(inc.resolved_at <= as_of)
    sha_index = changes[["sha", "repo", "source", "deployment_id", "deployed_at"]].copy()
    sha_index["sha"] = sha_index.sha.str.lower()
    sha_index = sha_index.sort_values("sha").reset_index(drop=True)
    shas = sha_index.sha.to_numpy(dtype=str)

    def prefixed(token: str) -> pd.DataFrame:
        low = np.searchsorted(shas, token, side="left")
        high = np.searchsorted(shas, token + "g", side="left")
        return sha_index.iloc[low:high]

    evidence = []  # (repo, source, id, rule, incident key, recovery)
    explicit_ids = set()
    hex_word = re.compile(r"(?<![0-9a-z])[0-9a-f]{7,40}(?![0-9a-z])")
    for row in inc.itertuples():
        words = set(hex_word.findall(f"{row.title}\n{row.description or ''}".lower()))
        for word in words:
            for hit in prefixed(word).itertuples():
                evidence.append((hit.repo, hit.source, hit.deployment_id, "explicit", row.key, row.resolved))
                explicit_ids.add(row.key)
    rollbacks = d[(d.status == "behind") & d.base_deployment_id.notna()]
    rolled = rollbacks.merge(
        d[key],
        left_on=["repo", "source", "base_deployment_id"],
        right_on=["repo", "source", "deployment_id"],
        suffixes=("", "_f"),
    )
    for row in rolled.itertuples():
        evidence.append((row.repo, row.source, row.deployment_id_f, "rollback", None, row.deployed_at))
    reverts = changes[changes.message.str.contains("This reverts commit", regex=False)]
    revert_re = re.compile(r"this reverts commit ([0-9a-f]{7,40})")
    for row in reverts.itertuples():
        for word in revert_re.findall(row.message.lower()):
            for hit in prefixed(word).itertuples():
                if hit.repo == row.repo and (hit.deployed_at, hit.deployment_id) < (
                    row.deployed_at,
                    row.deployment_id,
                ):
                    evidence.append(
                        (hit.repo, hit.source, hit.deployment_id, "revert", None, row.deployed_at)
                    )
    # Window: the latest deployment of the incident's repo strictly before it started.
    unlinked = inc[~inc.key.isin(explicit_ids)].sort_values("started_at")
    by_time = d.sort_values(["deployed_at", "deployment_id"])[[*key, "deployed_at"]].rename(
        columns={"repo": "service"}
    )
    latest = pd.merge_asof(
        unlinked,
        by_time,
        left_on="started_at",
        right_on="deployed_at",
        by="service",
        allow_exact_matches=False,
    )
    latest = latest[
        latest.deployed_at.notna() & ((latest.started_at - latest.deployed_at) <= pd.Timedelta(hours=24))
    ]
    for row in latest.itertuples():
        evidence.append((row.service, row.source_y, int(row.deployment_id), "window", row.key, row.resolved))
    ev = pd.DataFrame(evidence, columns=["repo", "source", "deployment_id", "rule", "incident", "recovery"])
    ev["deployment_id"] = ev.deployment_id.astype("int64")
    ev["recovery"] = pd.to_datetime(ev.recovery)
    failed = ev.merge(d[[*key, "deployed_at", "team"]], on=key)
    # A recovery before the deployment (an incident resolved before it shipped) ended nothing of it.
    failed["recovery"] = failed.recovery.where(
        (failed.recovery <= as_of) & (failed.recovery >= failed.deployed_at)
    )
    failed = (
        failed.groupby(key)
        .agg(deployed_at=("deployed_at", "first"), team=("team", "first"), recovered=("recovery", "min"))
        .reset_index()
    )
    failed["recovery_hours"] = _hours(failed.recovered, failed.deployed_at)
    # Rework: rollbacks, revert shippers, labelled PRs' changes, deployments during an open incident.
    rework = set(map(tuple, rollbacks[key].to_numpy().tolist()))
    rework |= set(map(tuple, reverts[key].to_numpy().tolist()))
    labels = frames["pull_request_labels"]
    hot = pr.merge(labels[labels.label.str.lower() == "hotfix"], on=["repo", "number"])[
        ["repo", "number", "merge_commit_sha"]
    ]
    pr_commit_changes = (
        frames["pull_request_commits"]
        .merge(hot, on=["repo", "number"])
        .merge(changes[[*key, "sha"]], on=["repo", "sha"])
    )
    squash_changes = hot.merge(
        changes[[*key, "sha"]], left_on=["repo", "merge_commit_sha"], right_on=["repo", "sha"]
    )
    for frame in (pr_commit_changes, squash_changes):
        rework |= set(map(tuple, frame[key].to_numpy().tolist()))
    pairs = inc[["service", "started_at", "resolved"]].merge(
        d[[*key, "deployed_at"]].rename(columns={"repo": "service"}), on="service"
    )
    during = pairs[
        (pairs.started_at < pairs.deployed_at)
        & (pairs.resolved.isna() | (pairs.deployed_at < pairs.resolved))
    ]
    rework |= set(map(tuple, during.rename(columns={"service": "repo"})[key].to_numpy().tolist()))
    d["rework"] = [tuple(k) in rework for k in d[key].to_numpy().tolist()]
    d["failed"] = pd.MultiIndex.from_frame(d[key]).isin(pd.MultiIndex.from_frame(failed[key]))

    rows = []
    recent = as_of - pd.Timedelta(days=max(days for _, days in WINDOWS))
    split: dict[int, dict[str, pd.DataFrame]] = {}
    for frame, column in (
        (d, "deployed_at"),
        (changes, "deployed_at"),
        (stages, "deployed_at"),
        (failed, "deployed_at"),
        (inc, "started_at"),
    ):
        near = frame[frame[column] > recent] if column == "deployed_at" else frame
        split[id(frame)] = {"*": near, **dict(iter(near.groupby("team")))}
    empty = {id(frame): frame.iloc[0:0] for frame in (d, changes, stages, failed, inc)}

    def mine(frame: pd.DataFrame, team: str) -> pd.DataFrame:
        return split[id(frame)].get(team, empty[id(frame)])

    for team in ["*", *sorted(set(team_of.values()))]:
        for label, days in WINDOWS:
            start = as_of - pd.Timedelta(days=days)

            def window(
                frame: pd.DataFrame, column: str = "deployed_at", start: pd.Timestamp = start
            ) -> pd.DataFrame:
                return frame[(frame[column] > start) & (frame[column] <= as_of)]

            deployed = window(mine(d, team))
            n = len(deployed)
            leads = window(mine(changes, team)).lead
            st = window(mine(stages, team))
            restored = mine(inc, team)
            restored = restored[
                restored.resolved.notna() & (restored.resolved > start) & (restored.resolved <= as_of)
            ]
            restore_hours = _hours(restored.resolved, restored.started_at)
            rows.append(
                {
                    "team": team,
                    "window": label,
                    "deployments": n,
                    "lead_time_hours_p50": _pct(leads, 0.5),
                    "lead_time_hours_p90": _pct(leads, 0.9),
                    "change_failure_rate": int(deployed.failed.sum()) / n if n else None,
                    "failed_deployment_recovery_hours_p50": _pct(
                        window(mine(failed, team)).recovery_hours, 0.5
                    ),
                    "time_to_restore_hours_p50": _pct(restore_hours, 0.5),
                    "time_to_restore_hours_p90": _pct(restore_hours, 0.9),
                    "incidents": len(window(mine(inc, team), "started_at")),
                    "rework_rate": int(deployed.rework.sum()) / n if n else None,
                    "lead_time_breakdown_hours_p50": {
                        s: _pct(st[s], 0.5) for s in ("coding", "pickup", "review", "deploy")
                    },
                }
            )
    return rows


def compare(product: list[dict[str, Any]], reference: list[dict[str, Any]]) -> int:
    """Asserts every reference number equals the product's; returns how many numbers were compared."""
    by_key = {(row["team"], row["window"]): row for row in product}
    compared = 0
    for expected in reference:
        actual = by_key[(expected["team"], expected["window"])]
        for name, value in expected.items():
            pairs = value.items() if isinstance(value, dict) else [(None, value)]
            for sub, number in pairs:
                got = actual[name] if sub is None else actual[name][sub]
                where = f"{expected['team']} {expected['window']} {name}{'.' + sub if sub else ''}"
                if isinstance(number, float) and got is not None:
                    assert math.isclose(got, number, rel_tol=1e-9, abs_tol=1e-12), (where, got, number)
                else:
                    assert got == number, (where, got, number)
                compared += 1
    return compared


# -- PostgreSQL, as the tests start it -----------------------------------------------------------------


def start_postgres() -> tuple[Any, str] | None:
    try:
        from tests.postgres import PostgresServer, _bin_dir
    except ImportError:
        return None
    if _bin_dir() is None:
        return None
    server = PostgresServer()
    return server, server.new_database()


def add_sync(engine: Engine, deployments: int, every: int = 10) -> int:
    """What a sync adds between two snapshots: one deployment (one new change) for every ``every``-th
    repository, an hour after AS_OF, so the metrics as of AS_OF stay the same while the derived first
    shipments of those repositories must be derived again. Returns how many repositories."""
    per_repo = max(deployments // REPOS, 1)
    rows = f"""
        SELECT r, 'org/r' || lpad(CAST(r AS VARCHAR), 4, '0') AS repo, 10000000 + r AS id,
               (r + 1) * {per_repo} AS base, md5('s' || CAST(r AS VARCHAR)) AS sha
        FROM generate_series(CAST(0 AS BIGINT), {REPOS - 1}) AS rs(r) WHERE r % {every} = 0
    """  # noqa: S608 - SQL built from integer constants only
    at = _ts(f"{SPAN_SECONDS} + 3600")
    statements = [
        f"""INSERT INTO deployments (repo, source, deployment_id, environment, sha, ref, created_at,
                deployed_at, last_state)
            SELECT repo, 'deployments', id, 'production', sha, 'main', {at}, {at}, 'success'
            FROM ({rows}) AS n""",  # noqa: S608
        f"""INSERT INTO deployment_compares
            SELECT repo, 'deployments', id, base, md5('d' || CAST(base - 1 AS VARCHAR)), sha, 'ahead', 1
            FROM ({rows}) AS n""",  # noqa: S608
        f"""INSERT INTO deployment_commits SELECT repo, 'deployments', id, sha, 0 FROM ({rows}) AS n""",  # noqa: S608
        f"""INSERT INTO commits SELECT repo, sha, '', 1, {_ts(str(SPAN_SECONDS))}, {_ts(str(SPAN_SECONDS))},
                'sync ' || CAST(r AS VARCHAR) FROM ({rows}) AS n""",  # noqa: S608
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return len(range(0, REPOS, every))


def bench(label: str, url: str, deployments: int, directory: Path, *, reference: bool) -> dict[str, Any]:
    engine = open_store(url)
    started = time.perf_counter()
    counts = generate(engine, deployments)
    generated = time.perf_counter() - started
    engine.dispose()
    config = write_config(directory, url)
    # The first snapshot derives the first shipments of every repository; the second finds nothing
    # changed (the steady state between two syncs); the third follows a sync that touched a tenth of
    # the repositories. All three give the same rows.
    cold = run_snapshot(config)
    result = run_snapshot(config)
    assert result["rows"] == cold["rows"], "a snapshot after an unchanged store differs from the first"
    line = {
        "backend": label,
        "deployments": counts["deployments"],
        "changes": counts["deployment_commits"],
        "pull_requests": counts["pull_requests"],
        "incidents": counts["incidents"],
        "generate_s": round(generated, 1),
        "snapshot_s": round(result["seconds"], 2),
        "peak_rss_mb": round(result["rss_mb"]),
        "first_snapshot_s": round(cold["seconds"], 2),
        "first_snapshot_rss_mb": round(cold["rss_mb"]),
        "failed_deployments": result["failed"],
    }
    if reference:
        engine = open_store(url)
        started = time.perf_counter()
        expected = pandas_metrics(read_frames(engine))
        pandas_seconds = time.perf_counter() - started
        engine.dispose()
        line["numbers_equal"] = compare(result["rows"], expected)
        line["pandas_s"] = round(pandas_seconds, 2)
        line["pandas_over_snapshot"] = round(pandas_seconds / result["seconds"], 1)
    engine = open_store(url)
    synced_repos = add_sync(engine, deployments)
    engine.dispose()
    synced = run_snapshot(config)
    assert synced["rows"] == cold["rows"], "a snapshot after a sync past as_of differs from the first"
    line["after_sync_repos"] = synced_repos
    line["after_sync_snapshot_s"] = round(synced["seconds"], 2)
    print(json.dumps(line), flush=True)
    return line


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--postgres", type=int, nargs="*", default=[1_000_000], help="sizes on PostgreSQL")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    parser.add_argument(
        "--pandas-max",
        type=int,
        default=100_000,
        help="largest size checked against pandas (it takes about 40 minutes at 1,000,000)",
    )
    args = parser.parse_args()
    failures = []

    def checked(size: int) -> bool:
        return not args.no_pandas and size <= args.pandas_max

    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        for size in args.deployments:
            directory = Path(tmp) / f"duckdb-{size}"
            directory.mkdir()
            line = bench(
                "duckdb", f"duckdb:///{directory}/store.duckdb", size, directory, reference=checked(size)
            )
            if size >= 1_000_000 and (
                line["snapshot_s"] > TARGET_DUCKDB_SECONDS or line["peak_rss_mb"] > TARGET_DUCKDB_RSS_MB
            ):
                failures.append(f"duckdb {size}: {line['snapshot_s']} s, {line['peak_rss_mb']} MB")
            os.remove(directory / "store.duckdb")
        if args.postgres:
            started = start_postgres()
            if started is None:
                print("postgresql: server binaries not found, skipped")
            else:
                server, _ = started
                try:
                    for size in args.postgres:
                        directory = Path(tmp) / f"postgres-{size}"
                        directory.mkdir()
                        line = bench(
                            "postgresql", server.new_database(), size, directory, reference=checked(size)
                        )
                        if size >= 1_000_000 and line["snapshot_s"] > TARGET_POSTGRES_SECONDS:
                            failures.append(f"postgresql {size}: {line['snapshot_s']} s")
                finally:
                    server.stop()
    for failure in failures:
        print(f"over target: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
