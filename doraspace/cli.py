"""The ``doraspace`` console script: parses arguments, wires the packages, maps errors to exit codes.

Only this module turns errors into messages: one line on stderr, exit 2 for usage and configuration
errors, 1 for runtime failures, and a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from analytics.ownership import (
    CatalogComponent,
    WindowSpec,
    collected_repositories,
    load_components,
    resolve_ownership,
)
from analytics.space import QUARTER, SCORE_FIELDS
from analytics.windows import band_window, parse_instant, parse_window
from collector.progress import LOG_FORMATS, configure_logging, progress_for
from doraspace.config import DEFAULT_CONFIG_PATH, Config, Secret, load_config, repository_source
from doraspace.errors import ConfigError, DoraspaceError
from doraspace.pipeline import build_snapshot, compute_all, compute_survey_scores, known_teams
from doraspace.settings import SOURCES, ownership_settings
from store.engine import STORE_FAILURES, DeferredStore, Engine, open_store, store_exists
from surveys.definition import load_definition
from surveys.importer import prepare_import, team_spellings, write_import

log = logging.getLogger("doraspace")


class _Parser(argparse.ArgumentParser):
    """A usage error is one line and exit status 2 (SPEC §2), not argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# The options every command (and ``survey``, before its subcommand) takes; absent ones get these
# defaults after parsing: a subcommand's own default would overwrite what was given before it.
_COMMON_DEFAULTS = {"config": None, "debug": False, "log_format": "text"}


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $DORASPACE_CONFIG, else ./doraspace.yaml)",
    )
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and debug logs"
    )
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=argparse.SUPPRESS,
        help="text (default) or json lines, for daemons",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="doraspace", description="Per-team DORA metrics from GitHub: collect, compute, report."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo", help="a synthetic organisation through the real pipeline (no config, no network)"
    )
    demo.add_argument("--port", type=int, default=9464, help="HTTP port on 127.0.0.1 (default 9464)")
    demo.add_argument(
        "--dir", default="./demo", metavar="DIR", help="where the store, dashboards and reports go"
    )
    demo.add_argument("--once", action="store_true", help="write everything and exit instead of serving")
    demo.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and debug logs"
    )

    collect = sub.add_parser("collect", help="one incremental sync of the sources into the store")
    _add_common(collect)
    collect.add_argument("--source", choices=[*SOURCES, "all"], default="all", help="which source to sync")
    collect.add_argument("--since", metavar="DATE", help="backfill from this date (ISO 8601)")

    metrics = sub.add_parser("metrics", help="per-team DORA metrics from the store")
    _add_common(metrics)
    metrics.add_argument("--team", help="only this team ('*' for the organisation)")
    metrics.add_argument("--window", help="only this window, e.g. 30d (default: every configured window)")
    metrics.add_argument(
        "--as-of", dest="as_of", metavar="TIMESTAMP", help="evaluate as of this instant (UTC if no offset)"
    )
    metrics.add_argument("--format", choices=["table", "json", "csv"], default="table")

    check = sub.add_parser("check-config", help="validate the config and print the ownership map")
    _add_common(check)

    survey = sub.add_parser("survey", help="SPACE developer-experience surveys")
    _add_common(survey)  # survey --config C scores, as well as survey scores --config C
    survey_sub = survey.add_subparsers(dest="survey_command", metavar="SUBCOMMAND", required=True)
    survey_import = survey_sub.add_parser("import", help="import one survey export, all or nothing")
    _add_common(survey_import)
    survey_import.add_argument("file", metavar="FILE", help="the export: CSV, or .xlsx for Microsoft Forms")
    survey_import.add_argument(
        "--definition", required=True, metavar="DEF.yaml", help="the survey definition"
    )
    survey_import.add_argument(
        "--quarter", required=True, help="the quarter the answers belong to, e.g. 2026-Q3"
    )
    survey_import.add_argument(
        "--format",
        choices=["auto", "long", "google-forms", "microsoft-forms", "typeform", "qualtrics"],
        default="auto",
    )
    scores = survey_sub.add_parser("scores", help="SPACE scores per team, quarter and dimension")
    _add_common(scores)
    scores.add_argument("--team", help="only this team ('*' for the organisation)")
    scores.add_argument("--quarter", help="only this quarter, e.g. 2026-Q3")
    scores.add_argument("--format", choices=["table", "json", "csv"], default="table")

    dashboards = sub.add_parser("dashboards", help="write the Grafana dashboards and a provisioning file")
    _add_common(dashboards)
    dashboards.add_argument("--out", required=True, metavar="DIR", help="folder to write into")

    report = sub.add_parser("report", help="write the per-team HTML reports")
    _add_common(report)
    report.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    report.add_argument("--team", help="only this team's page (the index lists every team)")

    serve = sub.add_parser("serve", help="the daemon: scheduled syncs, analytics refresh, /metrics over HTTP")
    _add_common(serve)
    return parser


def parse_instant_arg(value: str, option: str) -> datetime:
    try:
        return parse_instant(value)  # the same words as github.since in the configuration
    except ValueError as exc:
        raise ConfigError(f"{option}: not an ISO 8601 date or instant: {value!r}") from exc


def parse_window_arg(value: str) -> WindowSpec:
    try:
        return parse_window(value)  # the same words as metrics.windows in the configuration
    except ValueError:
        message = f"--window: expected a whole number of days like 30d or 2w, got {value!r}"
        raise ConfigError(message) from None


def cmd_collect(args: argparse.Namespace, config: Config, now: datetime) -> int:
    # Imported by the commands that use them, as serve and demo are: every other command starts
    # without loading PyGithub, the PagerDuty client, Jinja2, plotly and the Grafana SDK.
    from doraspace.collect import check_sections, collect

    backfill = parse_instant_arg(args.since, "--since") if args.since is not None else None
    # An unset token of a source this run syncs is a configuration error before anything is stored
    # (SPEC §3, §9), not after the other source's sync.
    for secret in _secrets(config, args.source):
        secret.value()
    check_sections(config, args.source)  # before the store is made: bad input changes nothing
    engine = open_store(config.database_url)
    progress = progress_for(sys.stderr, args.log_format)
    try:
        result = collect(
            config,
            engine,
            source=args.source,
            now=now,
            backfill_since=backfill,
            progress=progress.message,
            repository_progress=progress.repository,
        )
    finally:
        progress.close()
        engine.dispose()
    if args.log_format == "json":  # every line of stderr a JSON object; the warnings were logged
        summaries = logging.getLogger("doraspace.collect")
        summaries.setLevel(logging.INFO)  # what the user asked for, as the progress is
        for summary in result.summaries:
            summaries.info("%s", summary)
    else:
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for summary in result.summaries:
            print(summary, file=sys.stderr)
    result.raise_if_incomplete()  # after the rest was collected and reported
    return 0


def _metric_rows(args: argparse.Namespace, config: Config, now: datetime) -> list[dict[str, Any]]:
    as_of = parse_instant_arg(args.as_of, "--as-of") if args.as_of is not None else now
    windows = [parse_window_arg(args.window)] if args.window is not None else None
    longest = max(window.days for window in [*config.windows, *(windows or [])])
    if as_of - datetime.min.replace(tzinfo=UTC) <= timedelta(days=longest):
        raise ConfigError(f"--as-of: {args.as_of!r} is too early: a {longest}-day window starts before 0001")
    with DeferredStore(config.database_url) as store:
        _refuse_unknown_team(args.team, config, store.existing)
        results = compute_all(config, store.open(), as_of=as_of, windows=windows).rows
    rows = [result.to_json_dict() for result in results]
    if args.team is not None:
        rows = [row for row in rows if row["team"] == args.team]
    return rows


def _refuse_unknown_team(team: str | None, config: Config, engine: Engine | None) -> None:
    """An unknown --team is refused before anything is computed or a store created (``engine`` None:
    none exists yet): bad input changes nothing."""
    if team is not None and team not in (known := known_teams(config, engine)):
        raise ConfigError(f"--team: unknown team {team!r} (known: {', '.join(sorted(known))})")


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


def format_table(rows: Sequence[dict[str, Any]], *, title: str | None = None) -> str:
    if not rows:
        return "no teams\n"
    flat = [_flatten(row) for row in rows]
    columns = [column for column in flat[0] if column != "as_of"]
    headers = [column.replace("lead_time_breakdown_hours_p50.", "") for column in columns]

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.2f}"
        # A name's line feed would split its row, and a control character (an escape sequence) would
        # reach the terminal: both are shown escaped, as Python writes them (\n, \x1b).
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(value))

    table = [headers] + [[cell(row[column]) for column in columns] for row in flat]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    heading = title or f"as of {rows[0]['as_of']} (hours; '-' = nothing to measure)"
    return heading + "\n" + "\n".join(lines) + "\n"


def format_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] = ()) -> str:
    """``rows`` under a header; ``columns`` is the header when there is no row (a reader of the file
    then still finds its columns)."""
    flat = [_flatten(row) for row in rows]
    out = io.StringIO()
    # RFC 4180 line ends: with "\n", a bare "\r" in a name would go unquoted and split its record.
    writer = csv.DictWriter(out, fieldnames=list(flat[0]) if flat else list(columns), lineterminator="\r\n")
    if writer.fieldnames:
        writer.writeheader()
        writer.writerows(flat)
    return out.getvalue()


def cmd_metrics(args: argparse.Namespace, config: Config, now: datetime) -> int:
    rows = _metric_rows(args, config, now)
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(format_csv(rows))
    else:
        sys.stdout.write(format_table(rows))
    return 0


def cmd_check_config(args: argparse.Namespace, config: Config, now: datetime) -> int:
    print(f"{config.path}: OK")
    print(f"database: {config.redacted_database_url}")
    for secret in _secrets(config):
        problem = secret.problem()
        print(f"{secret.key}: {problem or 'set'}")
    # Only `survey import` reads it, so an unset one is said here but is not an error anywhere else.
    problem = config.surveys.respondent_secret.problem()
    print(f"surveys.respondent_secret: {problem + ' (only survey import needs it)' if problem else 'set'}")

    # The catalog and the collected repositories come from the store, if a collect has filled one.
    # Checking a config must not create a database, so a DuckDB file that does not exist is not opened.
    url = config.database_url
    collected: list[str] = []
    components: list[CatalogComponent] = []
    if url.startswith("duckdb:///:memory:") or not store_exists(url):
        print("store: not created yet; the catalog is read by `doraspace collect`")
    else:
        try:
            engine = open_store(url, migrate_schema=False)  # waits its turn, as every command
            try:
                collected = collected_repositories(engine)
                components = load_components(engine)
            finally:
                engine.dispose()
            print(f"store: {len(collected)} repositories collected, {len(components)} catalog components")
        except STORE_FAILURES as exc:
            first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
            print(f"store: not read ({first_line}); showing the config alone")

    configured = [repo.name for repo in (config.github.repositories if config.github else ())]
    ownership = resolve_ownership(ownership_settings(config), [*collected, *configured], components)
    print("ownership (repository/PagerDuty service → team):")
    if not ownership.repo_team and not ownership.service_team:
        print("  (no repositories or PagerDuty services)")
    for repo, team in ownership.repo_team.items():
        print(f"  repo {repo} → {team} ({ownership.repo_origin[repo]})")
    for service_id, team in ownership.service_team.items():
        print(f"  pagerduty {service_id} → {team} ({ownership.service_origin[service_id]})")
    if config.github and config.github.organizations:
        print(
            f"  + every repository of {', '.join(config.github.organizations)} → unowned "
            "unless a team or the catalog has it"
        )
    for warning in ownership.warnings:
        print(f"warning: {warning}")
    if configured:
        print("deployments (repository → source):")
        for repo in configured:
            source = repository_source(config, repo)
            detail = source.source + (f" {source.environment}" if source.source == "deployments" else "")
            print(f"  {repo}: {detail}")
    return 0


def _secrets(config: Config, source: str = "all") -> list[Secret]:
    """The tokens of the configured sources (``source``: only that one's)."""
    sections = {"github": config.github, "pagerduty": config.pagerduty}
    return [
        section.token for name, section in sections.items() if section is not None and source in (name, "all")
    ]


def cmd_survey(args: argparse.Namespace, config: Config, now: datetime) -> int:
    if args.survey_command == "import":
        return cmd_survey_import(args, config)
    if args.quarter is not None and not QUARTER.fullmatch(args.quarter):
        raise ConfigError(f"--quarter: expected a quarter like 2026-Q3, got {args.quarter!r}")
    # Reading scores creates no store: none yet means no survey imported.
    with DeferredStore(config.database_url) as store:
        quarters = [args.quarter] if args.quarter else None
        engine = store.existing
        scores = compute_survey_scores(config, engine, quarters=quarters) if engine else []
        # A team whose every group is hidden is known, and shows nothing; an unknown one is refused.
        if args.team is not None and args.team not in {score.team for score in scores}:
            _refuse_unknown_team(args.team, config, engine)
    rows = [score.to_json_dict() for score in scores]
    if args.team is not None:
        rows = [row for row in rows if row["team"] == args.team]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(format_csv(rows, SCORE_FIELDS))
    elif rows:
        sys.stdout.write(format_table(rows, title="SPACE scores (0-100; suppressed groups are not shown)"))
    else:
        sys.stdout.write("no SPACE scores to show (no survey imported, or every group is too small)\n")
    return 0


def cmd_survey_import(args: argparse.Namespace, config: Config) -> int:
    if not QUARTER.fullmatch(args.quarter):
        raise ConfigError(f"--quarter: expected a quarter like 2026-Q3, got {args.quarter!r}")
    definition = load_definition(args.definition)
    secret = config.surveys.respondent_secret.value()
    # The file is checked in full before the store is written, and a store that does not exist yet
    # is created only for a good file: a bad one changes nothing, on the first run too (SPEC §9).
    with DeferredStore(config.database_url) as store:
        # Teams as the ownership map knows them (config and catalog), with the config's spellings.
        engine = store.existing
        known = (collected_repositories(engine), load_components(engine)) if engine else ([], [])
        owners = resolve_ownership(ownership_settings(config), *known)
        spellings: dict[str, tuple[str, ...]] = {team: () for team in owners.teams}
        spellings.update({team.name: team.survey_names for team in config.teams})
        prepared = prepare_import(
            Path(args.file),
            definition,
            quarter=args.quarter,
            fmt=args.format,
            secret=secret,
            team_names=team_spellings(spellings),
        )
        report = write_import(store.open(), prepared)
    # Totals only: per-team counts of a small team would be a figure the anonymity rules hide.
    print(
        f"{report.file}: {report.format}, {report.survey} {report.quarter}: {report.responses} respondents "
        f"({report.new_responses} new), {report.answers} answers, {report.missing_answers} missing answers, "
        f"{report.skipped} unfinished responses skipped",
        file=sys.stderr,
    )
    if report.ignored_columns:
        print(f"not imported (no matching item): {len(report.ignored_columns)} columns", file=sys.stderr)
    if report.kept_later:
        print(
            f"kept as stored: {report.kept_later} respondents, whose stored submission is later",
            file=sys.stderr,
        )
    return 0


def cmd_dashboards(args: argparse.Namespace, config: Config, now: datetime) -> int:
    from dashboards.grafana import write_dashboards

    for path in write_dashboards(
        Path(args.out), benchmarks=config.benchmarks, band=band_window(config.windows)
    ):
        print(path)
    return 0


def cmd_report(args: argparse.Namespace, config: Config, now: datetime) -> int:
    from dashboards.reports import write_reports

    with DeferredStore(config.database_url) as store:
        _refuse_unknown_team(args.team, config, store.existing)
        snapshot = build_snapshot(config, store.open(), now=now)
    if args.team is not None and args.team not in snapshot.teams:
        # A known team (configured, or owning in the catalog) with no row yet, as `metrics --team` gives []:
        # nothing to write, which is no error.
        print(
            f"team {args.team!r} has nothing to report yet (no deployments or incidents it owns, "
            "no survey group shown); no page written",
            file=sys.stderr,
        )
        return 0
    teams = [args.team] if args.team is not None else None
    for path in write_reports(snapshot, Path(args.out), previous=snapshot.previous, teams=teams):
        print(path)
    return 0


def cmd_serve(args: argparse.Namespace, config: Config, now: datetime) -> int:
    # Imported here: the scheduler and HTTP server are only needed by this command.
    from doraspace.daemon import serve

    for secret in _secrets(config):
        secret.value()  # an unset token fails the start (exit 2), not every scheduled sync
    if not args.debug:
        # Job summaries and failures are the daemon's log; other commands stay quiet below warnings.
        logging.getLogger("doraspace").setLevel(logging.INFO)
    return serve(config)


COMMANDS: dict[str, Callable[[argparse.Namespace, Config, datetime], int]] = {
    "collect": cmd_collect,
    "metrics": cmd_metrics,
    "check-config": cmd_check_config,
    "survey": cmd_survey,
    "dashboards": cmd_dashboards,
    "report": cmd_report,
    "serve": cmd_serve,
}


def resolve_config_path(cli_value: str | None, environ: Mapping[str, str]) -> str:
    """``--config`` if given, else ``$DORASPACE_CONFIG`` if set and non-empty, else ``./doraspace.yaml``."""
    if cli_value is not None and not cli_value.strip():
        raise ConfigError("--config: empty path")
    from_env = environ.get("DORASPACE_CONFIG", "")
    return cli_value if cli_value is not None else from_env if from_env.strip() else DEFAULT_CONFIG_PATH


def main(argv: Sequence[str] | None = None, *, now: datetime | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in _COMMON_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    configure_logging(args.log_format, logging.DEBUG if args.debug else logging.WARNING, sys.stderr)
    try:
        now = now or datetime.now(UTC)
        if args.command == "demo":
            from doraspace.demo import run_demo  # the generator is only needed by the demo

            return run_demo(port=args.port, out_dir=Path(args.dir), once=args.once, now=now)
        config = load_config(resolve_config_path(args.config, os.environ), environ=os.environ, now=now)
        return COMMANDS[args.command](args, config, now)
    except DoraspaceError as exc:
        return _failed(str(exc), exc.exit_status, args)
    except KeyboardInterrupt:
        print("doraspace: interrupted; the next run resumes where this one stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        return _failed(f"{type(exc).__name__}: {exc} (run with --debug for a traceback)", 1, args)


def _failed(message: str, status: int, args: argparse.Namespace) -> int:
    """One line on stderr (a driver's multi-line message folded), after the traceback with --debug; a
    JSON object with ``--log-format json``."""
    if args.debug:
        traceback.print_exc()
    line = " ".join(message.split())
    if args.log_format == "json":
        logging.getLogger("doraspace").error("%s", line)
    else:
        print(f"doraspace: error: {line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
