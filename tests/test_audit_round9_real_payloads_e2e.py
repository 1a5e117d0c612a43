"""Audit round 9: real GitHub and PagerDuty records nobody here wrote, through the collector, into the
metric rules.

Emulated GitHub (REST and GraphQL) and the loopback PagerDuty emulator → ``doraspace collect`` →
``doraspace metrics --format json --as-of …``. The records are copied verbatim from
``tests/fixtures/devlake-e2e`` (Apache DevLake's e2e raw tables of ``panjf2000/ants`` and a PagerDuty test
account, connection 1; see ``tests/fixtures/README.md``): pull requests with their real commits and
reviews, Actions runs, issues, PagerDuty incidents with their embedded log entries. Each test names the
records it uses by id. DevLake does not record the commit graph of the default branch, so where compare
needs one it is built here with the records' own shas and dates (said in each test); nothing else is
made up, except the production deployments of the PagerDuty test's repository.

One organisation, one team per repository (config ``teams:``), collected once per ``github.api`` mode:

* ``reviews``  — ``panjf2000/ants``, ``source: merged_prs``: PRs #41, #48, #51, #53;
* ``codeql``   — ``audit9/ants-codeql``, ``source: workflow_runs, workflow: codeql.yml``: every run;
* ``forkci``   — ``audit9/ants-ci``, ``source: workflow_runs, workflow: ci.yml``: every run;
* ``bugs``     — ``audit9/ants-2018``, ``source: merged_prs``: PR #4 and every issue row;
* ``devservice`` — ``audit9/devservice`` (GitHub Deployments made here) and PagerDuty service PIKL83L
  with its three recorded incidents.

Config: ``github.since: 2018-07-01``, ``incident_labels: [Bug]`` (the real label is ``bug``),
``rework.labels: [Pending Merged]`` (the real label is ``pending merged``),
``incidents.attribution_window: 15d``, ``pagerduty.since: 2022-10-01``, ``urgencies: [high, low]``,
``metrics.windows: [30d, 90d]`` (bands come from 90d, the longest). A window ``Nd`` is ``(as_of − N
days, as_of]``. Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values.
dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium, else low; lead p50 < 24 h elite,
< 168 h high, < 720 h medium; change failure rate ≤ 5 % elite … > 15 % low; recovery < 1 h elite, < 24 h
high, < 168 h medium, else low (``failed_deployment_recovery_hours_p50``, else
``time_to_restore_hours_p50``).
"""

from __future__ import annotations

import copy
import csv
import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.facts import METRIC_KEYS
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, parse_timestamp
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, load_devlake_incidents
from tests.github_scenarios import approx, breakdown, run_cli

Json = dict[str, Any]
Rows = dict[str, dict[str, Json]]  # team → window → row

DEVLAKE = Path(__file__).resolve().parent / "fixtures" / "devlake-e2e"
GH_TOKEN_VARIABLE = "AUDIT_R9_REAL_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R9_REAL_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r9-real-gh-token"
PD_TOKEN = "audit-r9-real-pd-token"
APIS = ("rest", "graphql")

AS_OF_2019 = "2019-10-10T00:00:00Z"  # reviews
AS_OF_2022_RUNS = "2022-09-03T06:00:00Z"  # codeql, forkci
AS_OF_2018 = "2018-09-01T00:00:00Z"  # bugs
AS_OF_2022_PD = "2022-11-04T00:00:00Z"  # devservice
AS_OFS = (AS_OF_2019, AS_OF_2022_RUNS, AS_OF_2018, AS_OF_2022_PD)
COLLECT_NOW = datetime(2022, 11, 5, tzinfo=UTC)  # after every record used here

REPOS = {  # repo → (team, deployments config or None for GitHub Deployments in production)
    "panjf2000/ants": ("reviews", "{source: merged_prs}"),
    "audit9/ants-codeql": ("codeql", "{source: workflow_runs, workflow: codeql.yml}"),
    "audit9/ants-ci": ("forkci", "{source: workflow_runs, workflow: ci.yml}"),
    "audit9/ants-2018": ("bugs", "{source: merged_prs}"),
    "audit9/devservice": ("devservice", None),
}
PD_SERVICE = "PIKL83L"
H = 3600.0  # seconds per hour: the hand arithmetic below is in whole seconds


# ------------------------------------------------------------------------------------- the records


@functools.cache
def devlake(table: str) -> tuple[tuple[Json, Json], ...]:
    """(input, data) of each row of ``_raw_<table>.csv`` of devlake connection 1, in ``id`` order."""
    csv.field_size_limit(2**31 - 1)
    with (DEVLAKE / f"_raw_{table}.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if json.loads(row["params"]).get("ConnectionId") == 1]
    rows.sort(key=lambda row: int(row["id"]))
    return tuple((json.loads(row["input"] or "null") or {}, json.loads(row["data"])) for row in rows)


def real_pull(number: int) -> Json:
    return copy.deepcopy(
        next(data for _, data in devlake("github_api_pull_requests") if data["number"] == number)
    )


def real_pull_commits(number: int) -> list[Json]:
    rows = devlake("github_api_pull_request_commits")
    return [copy.deepcopy(data) for given, data in rows if given["Number"] == number]


def real_reviews(number: int) -> list[Json]:
    rows = devlake("github_api_pull_request_reviews")
    return [copy.deepcopy(data) for given, data in rows if given["Number"] == number]


def real_runs() -> list[Json]:
    return [copy.deepcopy(data) for _, data in devlake("github_api_runs")]


def real_issues() -> list[Json]:
    return [copy.deepcopy(data) for _, data in devlake("github_api_issues")]


def put_commit(
    repo: RepoData, sha: str, message: str, parents: list[str], login: str, date: datetime
) -> None:
    """A commit of the default branch under its real ``sha`` (the graph DevLake does not record)."""
    repo.commits[sha] = repo._commit_json(
        sha,
        message,
        parents,
        author_login=login,
        committer_login="web-flow",
        author_date=date,
        committer_date=date,
    )
    repo.branches[repo.default_branch] = sha


def squash_merged_real_pulls(repo: RepoData, numbers: list[int]) -> None:
    """The real PRs ``numbers`` (in merge order) with their real commits and reviews; each one's real
    ``merge_commit_sha`` becomes a one-parent commit at its ``merged_at`` on top of the previous one (the
    first a root): GitHub's squash merge."""
    tip: list[str] = []
    for number in numbers:
        pull = real_pull(number)
        repo.pulls.append(pull)
        repo.pull_commits[number] = list(real_pull_commits(number))
        for commit in real_pull_commits(number):
            repo.commits.setdefault(commit["sha"], commit)
        repo.reviews[number] = real_reviews(number)
        sha = pull["merge_commit_sha"]
        merged = parse_timestamp(pull["merged_at"])
        put_commit(repo, sha, f"{pull['title']} (#{number})", tip, pull["user"]["login"], merged)
        tip = [sha]


# ------------------------------------------------------------------------------------- the world


def build_github(dataset: GitHubDataset) -> None:
    reviews = dataset.add_repo("panjf2000/ants", default_branch="master")
    squash_merged_real_pulls(reviews, [41, 48, 51, 53])

    runs = real_runs()
    for name in ("audit9/ants-codeql", "audit9/ants-ci"):
        repo = dataset.add_repo(name, default_branch="master")
        repo.workflow_runs = copy.deepcopy(runs)
        # Hosted here under another name: the runs of panjf2000/ants are this repository's own, as
        # GitHub lists them; the fork's run keeps its head repository, hanfezh/ants.
        for run in repo.workflow_runs:
            for field in ("repository", "head_repository"):
                if run[field]["full_name"] == "panjf2000/ants":
                    run[field] = repo.repo_json()
        # The commits of the successful master runs of codeql.yml, from their head_commit: 32664cb1
        # "remove redundancy code" (06-27 01:29:50), then its child (built here) 06e6934c "Update
        # READMEs" (08-24 13:17:54). The fork's fa938334 is not in the repository.
        heads = {
            run["head_sha"]: run["head_commit"]
            for run in runs
            if run["path"].endswith("/codeql.yml")
            and run["head_branch"] == "master"
            and run["conclusion"] == "success"
        }
        parent: list[str] = []
        for sha in sorted(heads, key=lambda sha: heads[sha]["timestamp"]):
            moment = parse_timestamp(heads[sha]["timestamp"])
            put_commit(repo, sha, heads[sha]["message"], parent, "panjf2000", moment)
            parent = [sha]

    old = dataset.add_repo("audit9/ants-2018", default_branch="master")
    squash_merged_real_pulls(old, [4])
    old.issues = real_issues()

    service = dataset.add_repo("audit9/devservice")
    c0 = service.commit("c0", author_date=datetime(2022, 11, 1, 11, tzinfo=UTC))
    service.deployment(c0, created_at=datetime(2022, 11, 1, 12, tzinfo=UTC))  # D0, compare first
    c1 = service.commit("c1", author_date=datetime(2022, 11, 2, 11, tzinfo=UTC))
    service.deployment(c1, created_at=datetime(2022, 11, 2, 12, tzinfo=UTC))  # D1, lead 1 h
    c2 = service.commit("c2", author_date=datetime(2022, 11, 3, 3, tzinfo=UTC))
    service.deployment(c2, created_at=datetime(2022, 11, 3, 5, tzinfo=UTC))  # D2, lead 2 h
    c3 = service.commit("c3", author_date=datetime(2022, 11, 3, 6, 10, tzinfo=UTC))
    service.deployment(c3, created_at=datetime(2022, 11, 3, 7, 10, tzinfo=UTC))  # D3, lead 1 h


def config_text(store: Path, api: str, github_url: str, pd: PagerDutyEmulator) -> str:
    repos = "".join(
        f"    - {name}\n" if source is None else f"    - {{name: {name}, deployments: {source}}}\n"
        for name, (_, source) in REPOS.items()
    )
    teams = "".join(
        f"  - {{name: {team}, repositories: [{name}]"
        + (f", pagerduty_services: [{PD_SERVICE}]}}\n" if team == "devservice" else "}\n")
        for name, (team, _) in REPOS.items()
    )
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  api: {api}\n"
        "  since: 2018-07-01\n  incident_labels: [Bug]\n"
        f"  repositories:\n{repos}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n  since: 2022-10-01\n  urgencies: [high, low]\n"
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 15d}\n"
        "rework: {labels: [Pending Merged]}\n"
        "metrics: {windows: [30d, 90d]}\n"
        f"teams:\n{teams}"
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Rows]]:
    """api → as_of → team → window → row."""
    github = GitHubDataset()
    build_github(github)
    pagerduty = PagerDutyDataset(now=datetime(2022, 11, 5, tzinfo=UTC))
    assert load_devlake_incidents(pagerduty) == ["Q3YON8WNWTZMRQ", "Q3CZAU7Q4008QD", "Q1OHFWFP3GPXOG"]
    result: dict[str, dict[str, Rows]] = {}
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        for api in APIS:
            directory = tmp_path_factory.mktemp(api)
            config = directory / "doraspace.yaml"
            config.write_text(config_text(directory / "store.duckdb", api, gh.base_url, pd))
            run_cli(["collect", "--config", str(config)], now=COLLECT_NOW)
            result[api] = {}
            for as_of in AS_OFS:
                out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", as_of])
                by_team: Rows = {}
                for row in json.loads(out):
                    assert list(row) == METRIC_KEYS
                    by_team.setdefault(row["team"], {})[row["window"]] = row
                result[api][as_of] = by_team
    return result


def number(value: float | None) -> Any:
    return None if value is None else approx(value)


def expect(
    *,
    team: str,
    window: str,
    as_of: str,
    deployments: int,
    lead: tuple[float | None, float | None] = (None, None),
    cfr: float | None = None,
    recovery: float | None = None,
    restore: tuple[float | None, float | None] = (None, None),
    incidents: int = 0,
    rework: float | None = None,
    stages: dict[str, Any] | None = None,
    bands: tuple[str | None, str | None, str | None, str | None],
) -> Json:
    days = int(window.removesuffix("d"))
    return {
        "team": team,
        "window": window,
        "as_of": as_of,
        "deployments": deployments,
        "deployment_frequency_per_day": approx(deployments / days),
        "lead_time_hours_p50": number(lead[0]),
        "lead_time_hours_p90": number(lead[1]),
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
        "lead_time_breakdown_hours_p50": stages or breakdown(),
        "bands": dict(
            zip(("deployment_frequency", "lead_time", "change_failure_rate", "recovery"), bands, strict=True)
        ),
    }


def both_apis(rows: dict[str, dict[str, Rows]], as_of: str, team: str, window: str, expected: Json) -> None:
    actual = {api: rows[api][as_of][team][window] for api in APIS}
    assert actual == {api: expected for api in APIS}


# ------------------------------------------------------------------------------------- scenarios


def test_real_reviews_of_prs_41_51_53_give_the_breakdown_without_the_authors_own_review(
    rows: dict[str, dict[str, Rows]],
) -> None:
    """Team ``reviews``: the real PRs #41, #48, #51, #53 of panjf2000/ants (``source: merged_prs``), each
    squash-merged as its real ``merge_commit_sha`` (a one-parent commit at ``merged_at``, the graph built
    here). SPEC §5.2 (start = earliest author date among the PR's commits, whatever their order), §5.3
    (first review by someone other than the author, any state; the first deployment's PR has no deploy
    stage), §6.2 rework (``rework.labels: [Pending Merged]`` against the real label ``pending merged``).

    The records (UTC; reviews by id):

    * #41 (choleraehyq) commit 58466b12 authored 08-20 03:22:00, opened 03:24:27; review 277027723 at
      09:05:02 is choleraehyq's own (COMMENTED) and does not count; the first review is 277036116 by
      panjf2000, COMMENTED, 09:19:55; merged 10:55:19. Labels: enhancement. The first deployment
      (compare ``first``): no lead time, no deploy stage.
    * #48 (panjf2000) commit bba6c12b 08-27 14:43:43, opened 14:44:03, no review, merged 14:46:22.
    * #51 (choleraehyq) commit 6495acc7 09-11 08:39:55, opened 08:46:23, first review 286687335 by
      panjf2000 COMMENTED 12:07:36, merged 09-12 01:00:32.
    * #53 (KevinBaiSg) 16 commits listed in an order that is not author-date order; the earliest is the
      7th listed, 597f7ea0 by panjf2000, 10-05 18:02:40. Opened 10-07 08:17:20; first review 298229495
      by panjf2000, CHANGES_REQUESTED, 10-07 16:56:26; merged 10-09 16:59:19. Labels: enhancement,
      pending merged.

    Stages (s): coding 41: 147, 48: 20, 51: 388, 53: 10-05 18:02:40 → 10-07 08:17:20 = 137680;
    pickup 41: 03:24:27 → 09:19:55 = 21328, 51: 12073, 53: 31146; review 41: 09:19:55 → 10:55:19 = 5724,
    51: 12:07:36 → 01:00:32 = 46376, 53: 2 d 00:02:53 = 172973; deploy 48, 51, 53: 0 (deployed at their
    own merge).
    Lead times (merged − earliest commit): 48: 159 s, 51: 58837 s, 53: 3 d 22:56:39 = 341799 s.

    90d as of 2019-10-10 = (07-12, 10-10]: 4 deployments; lead p50 58837 s, p90 = 58837 + 0.8 ×
    (341799 − 58837) = 285206.6 s; coding median (147 + 388) / 2 = 267.5 s, pickup 21328 s, review
    46376 s, deploy 0; no incident: change failure rate 0/4; rework: #53's squash commit is a change of a
    ``pending merged`` PR → 1/4. Bands: 4/90 ≥ 1/30 medium; 16.3 h elite; 0 % elite; recovery null.
    30d = (09-10, 10-10]: #51 and #53: lead p50 (58837 + 341799) / 2 = 200318 s, p90 58837 + 0.9 ×
    282962 = 313502.8 s; coding (388 + 137680) / 2 = 69034 s, pickup (12073 + 31146) / 2 = 21609.5 s,
    review (46376 + 172973) / 2 = 109674.5 s, deploy 0; rework 1/2.
    """
    bands = ("medium", "elite", "elite", None)
    for window, deployments, lead, stages, rework in (
        ("90d", 4, (58837 / H, 285206.6 / H), (267.5, 21328, 46376), 0.25),
        ("30d", 2, (200318 / H, 313502.8 / H), (69034, 21609.5, 109674.5), 0.5),
    ):
        coding, pickup, review = (value / H for value in stages)
        expected = expect(
            team="reviews",
            window=window,
            as_of=AS_OF_2019,
            deployments=deployments,
            lead=lead,
            cfr=0.0,
            rework=rework,
            stages=breakdown(coding, pickup, review, 0.0),
            bands=bands,
        )
        both_apis(rows, AS_OF_2019, "reviews", window, expected)


def test_real_codeql_runs_scheduled_reruns_of_one_sha_are_redeploys_and_failed_runs_are_not(
    rows: dict[str, dict[str, Rows]],
) -> None:
    """Team ``codeql``: every recorded run, workflow ``codeql.yml`` (SPEC §5.1 workflow_runs: completed,
    default branch, conclusion success, deployed_at = ``updated_at``, sha = ``head_sha``; §5.2 identical
    redeploys ship nothing; lead time from the change's author date).

    Runs of codeql.yml on master: 2566218976 (push, success, 32664cb1, updated 06-27 01:30:55: the first
    deployment, compare ``first``); eight ``schedule`` runs on the same 32664cb1, each a redeploy
    (``identical``): 2600408985 07-02 05:06:23, 2639945362 07-09, 2680721264 07-16, 2722539966 07-23,
    2764660507 07-30, 2807709308 08-06 05:03:58, 2850801364 08-13, 2893573709 08-20; then 2938072864 on
    06e6934c updated 08-27 05:15:06 and 2983238245 on 06e6934c 09-03 05:16:16 (identical). Not
    deployments: 2559507315 (schedule, ``in_progress``) and 2589885635 (conclusion ``failure``). The graph
    built here: 06e6934c ("Update READMEs", authored at its head_commit timestamp 08-24 13:17:54) is the
    child of 32664cb1, so compare(32664cb1...06e6934c) ships that one change: lead = 08-24 13:17:54 →
    08-27 05:15:06 = 2 d 15:57:12 = 230232 s (63.95 h).

    90d as of 2022-09-03 06:00 = (06-05 06:00, 09-03 06:00]: 11 deployments, lead p50 = p90 = 230232 s,
    no failure (an identical redeploy is no rollback): 0/11, rework 0/11. Bands: 11/90 = 0.122 ≥ 1/30
    (below 1/7) medium; 63.95 h < 1 week high; 0 % elite; recovery null.
    30d = (08-04 06:00, 09-03 06:00]: 08-06, 08-13, 08-20, 08-27, 09-03: 5 deployments, same lead.
    """
    for window, deployments in (("90d", 11), ("30d", 5)):
        expected = expect(
            team="codeql",
            window=window,
            as_of=AS_OF_2022_RUNS,
            deployments=deployments,
            lead=(230232 / H, 230232 / H),
            cfr=0.0,
            rework=0.0,
            bands=("medium", "high", "elite", None),
        )
        both_apis(rows, AS_OF_2022_RUNS, "codeql", window, expected)


def test_a_forks_pull_request_run_from_a_branch_named_master_is_no_deployment(
    rows: dict[str, dict[str, Rows]],
) -> None:
    """Team ``forkci``: every recorded run, workflow ``ci.yml`` (SPEC §5.1: "completed runs of
    ``workflow`` on the default branch with conclusion ``success``").

    The only completed run of ci.yml whose ``head_branch`` says ``master`` is 2589885628: ``event:
    pull_request``, ``head_repository: hanfezh/ants`` (a fork), head_sha fa938334 "Replace any with
    interface{}", conclusion success, updated 2022-07-01 13:40:47. It checked hanfezh's pull request made
    from *their* master; nothing of it is on panjf2000/ants's default branch, and nothing was deployed.
    GitHub's ``branch=master`` filter returns such runs (it matches the head branch's name, whatever the
    repository; ``exclude_pull_requests`` only empties the ``pull_requests`` array), so the filter alone
    does not say "on the default branch". The push run 2566218975 is ``in_progress`` and 2559400714 ran
    on branch Fix_rm_redundancy_code: no deployment either.

    90d and 30d as of 2022-09-03 06:00: 0 deployments, frequency 0 (band low), every ratio and
    percentile null. (The product stores the fork run as a deployment at 07-01 13:40:47: 1 deployment in
    90d, change failure rate 0.0, rework 0.0, change-failure band elite.)
    """
    for window in ("90d", "30d"):
        expected = expect(
            team="forkci",
            window=window,
            as_of=AS_OF_2022_RUNS,
            deployments=0,
            bands=("low", None, None, None),
        )
        both_apis(rows, AS_OF_2022_RUNS, "forkci", window, expected)


def test_real_bug_issues_fail_the_first_deployment_and_a_bug_labelled_pull_request_is_no_incident(
    rows: dict[str, dict[str, Rows]],
) -> None:
    """Team ``bugs``: PR #4 (``source: merged_prs``) and every recorded issue row, ``incident_labels:
    [Bug]`` (SPEC §5.4 GitHub issues: not pull requests; started = created_at, resolved = closed_at;
    §6.1 rule 4 window, ``attribution_window: 15d``; §6.2 recovery and restore; §5.3 / docs a negative
    stage is dropped).

    PR #4 (barryz): opened 2018-07-25 08:19:30, its one commit 83042d70 authored 14:28:11 (after the PR
    was opened: coding −6:08:41, dropped), no review, merged 07-26 02:32:41 as 3ddd58c3: the first
    deployment F (compare ``first``: no lead time, no deploy stage). Every stage is null.
    Issues labelled ``bug``: #6 opened 08-03 04:32:28, closed 08-04 10:18:41 (107173 s); #7 opened 08-08
    08:43:15, closed 08-10 04:06:04 (156169 s). #8 is labelled ``bug`` too and is listed by the issues
    API, but it is a pull request (``pull_request`` key): no incident. #5 (``question``) is no incident.
    Both incidents start within 15 days after F (8 d 2 h and 13 d 6 h), F the latest deployment before
    them: F failed; recovery = F → #6 closed = 07-26 02:32:41 → 08-04 10:18:41 = 9 d 07:46:00 = 805560 s
    (223.77 h). No incident was open at F: rework 0/1.

    90d as of 2018-09-01 = (06-03, 09-01]: 1 deployment (1/90, low); change failure rate 1/1 (low);
    recovery 805560 s (≥ 1 week: low); restore over #6 and #7 (both resolved in it): p50 (107173 +
    156169) / 2 = 131671 s, p90 107173 + 0.9 × 48996 = 151269.4 s; incidents 2 (not 3: #8, opened
    08-29, is a PR).
    30d = (08-02, 09-01]: no deployment (F is 07-26): ratios null; the same two incidents and restore.
    """
    restore = (131671 / H, 151269.4 / H)
    bands = ("low", None, "low", "low")
    expected_90 = expect(
        team="bugs",
        window="90d",
        as_of=AS_OF_2018,
        deployments=1,
        cfr=1.0,
        recovery=805560 / H,
        restore=restore,
        incidents=2,
        rework=0.0,
        bands=bands,
    )
    expected_30 = expect(
        team="bugs", window="30d", as_of=AS_OF_2018, deployments=0, restore=restore, incidents=2, bands=bands
    )
    both_apis(rows, AS_OF_2018, "bugs", "90d", expected_90)
    both_apis(rows, AS_OF_2018, "bugs", "30d", expected_30)


def test_real_pagerduty_incidents_restore_from_the_resolve_log_and_open_ones_make_rework(
    rows: dict[str, dict[str, Rows]],
) -> None:
    """Team ``devservice``: repo audit9/devservice (GitHub Deployments made here) and PagerDuty service
    PIKL83L with its three recorded incidents, urgencies [high, low] (SPEC §5.4 resolved_at fallbacks;
    §6.1 rule 4 window; §6.2 recovery = earliest resolution of an incident that failed F, restore over
    incidents resolved in the window, rework while an incident of the service is open).

    Deployments: D0 11-01 12:00 (first), D1 11-02 12:00 (its commit authored 11:00: lead 1 h), D2 11-03
    05:00 (commit 03:00: 2 h), D3 11-03 07:10 (commit 06:10: 1 h).
    Incidents (timestamps with six-digit fractions, no ``resolved_at`` and no ``description`` key):

    * Q3YON8WNWTZMRQ "Crash reported", high, created 06:23:06, status ``triggered`` — open, although its
      ``last_status_change_at`` (07:02:36, an escalation) is before D3;
    * Q3CZAU7Q4008QD "Slow startup", high, created 06:44:28, ``acknowledged`` — open;
    * Q1OHFWFP3GPXOG "Spamming logs", low, created 06:45:36, ``resolved``: resolved at its resolve log
      entry, 06:51:44 → restore 368 s.

    All three start within 15 d after D2, the latest deployment before them: D2 failed; recovery = D2 →
    06:51:44 = 1:51:44 = 6704 s (the two open ones have not recovered it). D3 is deployed while Crash
    and Slow startup are open: rework. Nothing starts after D3.
    90d as of 2022-11-04 = (08-06, 11-04] and 30d = (10-05, 11-04] hold everything: 4 deployments,
    leads [1, 1, 2] h → p50 1, p90 1 + 0.8 × 1 = 1.8; change failure rate 1/4; recovery 6704 s;
    restore p50 = p90 = 368 s; incidents 3; rework 1/4. Bands: 4/90 = 0.044 medium; 1 h elite; 25 %
    low; recovery 1.86 h < 1 day high.
    """
    for window in ("90d", "30d"):
        expected = expect(
            team="devservice",
            window=window,
            as_of=AS_OF_2022_PD,
            deployments=4,
            lead=(1.0, 1.8),
            cfr=0.25,
            recovery=6704 / H,
            restore=(368 / H, 368 / H),
            incidents=3,
            rework=0.25,
            bands=("medium", "elite", "low", "high"),
        )
        both_apis(rows, AS_OF_2022_PD, "devservice", window, expected)
