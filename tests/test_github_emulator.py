"""The GitHub emulator, driven through the real PyGithub client (and raw ``requests`` for the wire)."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import github
import pytest
import requests

from tests.emulators.github import (
    COMPARE_PER_PAGE_DEFAULT,
    Fault,
    GitHubDataset,
    GitHubEmulator,
    RepoData,
    created_filter,
    rewrite_urls,
)
from tests.emulators.github_fixtures import load_api_examples, load_devlake_repo

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TOKEN = "test-token"
AUTH = {"Authorization": f"token {TOKEN}"}


def make_client(emulator: GitHubEmulator, **overrides: Any) -> github.Github:
    options: dict[str, Any] = {
        "base_url": emulator.base_url,
        "auth": github.Auth.Token(TOKEN),
        "per_page": 100,
        "retry": None,
        "seconds_between_requests": None,
        "seconds_between_writes": None,
    }
    options.update(overrides)
    return github.Github(**options)


@pytest.fixture
def dataset() -> GitHubDataset:
    return GitHubDataset()


@pytest.fixture
def repo(dataset: GitHubDataset) -> RepoData:
    return dataset.add_repo("acme/api")


@pytest.fixture
def emulator(dataset: GitHubDataset) -> Iterator[GitHubEmulator]:
    with GitHubEmulator(dataset) as running:
        yield running
    assert running.errors == []


@pytest.fixture
def client(emulator: GitHubEmulator) -> Iterator[github.Github]:
    with make_client(emulator) as gh:
        yield gh


def raw_get(emulator: GitHubEmulator, path: str, **headers: str) -> requests.Response:
    return requests.get(emulator.base_url + path, headers={**AUTH, **headers}, timeout=5)


def linear_history(repo: RepoData, count: int, *, start: datetime = T0) -> list[str]:
    return [repo.commit(f"change {i}", author_date=start + timedelta(minutes=i)) for i in range(count)]


# ------------------------------------------------------------------------------------- pagination


def test_lists_default_to_30_per_page_and_link_in_githubs_exact_format(
    emulator: GitHubEmulator, repo: RepoData
) -> None:
    shas = linear_history(repo, 1)
    for i in range(75):
        repo.deployment(shas[0], created_at=T0 + timedelta(minutes=i))
    base = f"{emulator.base_url}/repos/acme/api/deployments"

    first = raw_get(emulator, "/repos/acme/api/deployments")
    assert len(first.json()) == 30
    assert first.headers["Link"] == f'<{base}?page=2>; rel="next", <{base}?page=3>; rel="last"'

    middle = raw_get(emulator, "/repos/acme/api/deployments?page=2")
    assert middle.headers["Link"] == (
        f'<{base}?page=1>; rel="prev", <{base}?page=3>; rel="next", '
        f'<{base}?page=3>; rel="last", <{base}?page=1>; rel="first"'
    )
    last = raw_get(emulator, "/repos/acme/api/deployments?page=3")
    assert len(last.json()) == 15
    assert last.headers["Link"] == f'<{base}?page=2>; rel="prev", <{base}?page=1>; rel="first"'

    # Other parameters are kept in place, page is set, per_page is capped at 100.
    filtered = raw_get(emulator, "/repos/acme/api/deployments?environment=production&per_page=20&page=2")
    assert filtered.headers["Link"].split(", ")[1] == (
        f'<{base}?environment=production&per_page=20&page=3>; rel="next"'
    )
    capped = raw_get(emulator, "/repos/acme/api/deployments?per_page=500")
    assert len(capped.json()) == 75
    assert "Link" not in capped.headers


def test_pygithub_walks_every_page_newest_first(emulator: GitHubEmulator, repo: RepoData) -> None:
    shas = linear_history(repo, 1)
    ids = [repo.deployment(shas[0], created_at=T0 + timedelta(minutes=i)) for i in range(75)]

    with make_client(emulator, per_page=30) as default_client:
        listed = [d.id for d in default_client.get_repo("acme/api").get_deployments()]
    assert listed == ids[::-1]
    pages = [r.query for r in emulator.requests if r.path.endswith("/deployments")]
    assert pages == [{}, {"page": "2"}, {"page": "3"}]

    emulator.requests.clear()
    with make_client(emulator) as per_page_100:
        assert len(list(per_page_100.get_repo("acme/api").get_deployments())) == 75
    assert [r.query for r in emulator.requests if r.path.endswith("/deployments")] == [{"per_page": "100"}]


def test_closed_pulls_link_matches_github(emulator: GitHubEmulator, repo: RepoData) -> None:
    shas = linear_history(repo, 1)
    for i in range(150):
        repo.pull(
            title=f"pr {i}",
            author="ana",
            created_at=T0 + timedelta(hours=i),
            commits=shas,
            merged_at=T0 + timedelta(hours=i, minutes=30),
            merge_commit_sha=shas[0],
        )
    response = raw_get(emulator, "/repos/acme/api/pulls?state=closed&per_page=100")
    base = f"{emulator.base_url}/repos/acme/api/pulls"
    assert response.headers["Link"] == (
        f'<{base}?state=closed&per_page=100&page=2>; rel="next", '
        f'<{base}?state=closed&per_page=100&page=2>; rel="last"'
    )


# ------------------------------------------------------------------------------------ URLs, ETag


def _url_fields(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [url for k, v in value.items() for url in _url_fields(v, k)]
    if isinstance(value, list):
        return [url for v in value for url in _url_fields(v, key)]
    if isinstance(value, str) and (key in ("url", "href") or key.endswith("_url")):
        return [value]
    return []


def test_url_fields_point_at_the_emulator(
    emulator: GitHubEmulator, dataset: GitHubDataset, repo: RepoData, client: github.Github
) -> None:
    shas = linear_history(repo, 3)
    deployment_id = repo.deployment(shas[2], created_at=T0)
    repo.pull(
        title="t", author="ana", created_at=T0, commits=shas[1:], merged_at=T0, merge_commit_sha=shas[2]
    )
    load_devlake_repo(dataset)
    paths = [
        "/repos/acme/api",
        "/repos/acme/api/deployments",
        f"/repos/acme/api/deployments/{deployment_id}/statuses",
        "/repos/acme/api/pulls/1",
        f"/repos/acme/api/compare/{shas[0]}...{shas[2]}",
        "/repos/panjf2000/ants/pulls?state=all",
        "/repos/panjf2000/ants/actions/runs",
        "/repos/panjf2000/ants/pulls/53/commits",
    ]
    for path in paths:
        urls = _url_fields(raw_get(emulator, path).json())
        assert any(u.startswith(f"{emulator.base_url}/repos/") for u in urls), path
        assert [u for u in urls if "api.github.com" in u] == [], path

    deployment = client.get_repo("acme/api").get_deployment(deployment_id)
    assert (
        deployment.statuses_url == f"{emulator.base_url}/repos/acme/api/deployments/{deployment_id}/statuses"
    )
    assert deployment.repository_url == f"{emulator.base_url}/repos/acme/api"
    assert [s.state for s in deployment.get_statuses()] == ["success"]


def test_rewrite_touches_url_fields_only() -> None:
    payload = {
        "url": "https://api.github.com/repos/o/r/contents/a",
        "html_url": "https://github.com/o/r/blob/main/a",
        "body": "see https://api.github.com/repos/o/r",
        "_links": {
            "self": "https://api.github.com/repos/o/r/contents/a",
            "html": {"href": "https://github.com/o/r"},
        },
        "items": [{"statuses_url": "https://api.github.com/repos/o/r/statuses/x"}],
    }
    assert rewrite_urls(payload, "http://127.0.0.1:1") == {
        "url": "http://127.0.0.1:1/repos/o/r/contents/a",
        "html_url": "https://github.com/o/r/blob/main/a",
        "body": "see https://api.github.com/repos/o/r",
        "_links": {
            "self": "http://127.0.0.1:1/repos/o/r/contents/a",
            "html": {"href": "https://github.com/o/r"},
        },
        "items": [{"statuses_url": "http://127.0.0.1:1/repos/o/r/statuses/x"}],
    }


@pytest.mark.parametrize(
    ("expression", "inside", "outside"),
    [
        (">=2022-06-27", "2022-06-27T00:00:00Z", "2022-06-26T23:59:59Z"),
        (">2022-06-27", "2022-06-28T00:00:00Z", "2022-06-27T23:59:59Z"),
        ("<=2022-06-27", "2022-06-27T23:59:59Z", "2022-06-28T00:00:00Z"),
        ("<2022-06-27T12:00:00Z", "2022-06-27T11:59:59Z", "2022-06-27T12:00:00Z"),
        ("2022-06-26..2022-06-30", "2022-06-30T23:00:00Z", "2022-07-01T00:00:00Z"),
        ("2022-06-26..*", "2030-01-01T00:00:00Z", "2022-06-25T23:59:59Z"),
        ("2022-06-27", "2022-06-27T08:00:00Z", "2022-06-28T08:00:00Z"),
    ],
)
def test_created_filter_reads_search_date_syntax(expression: str, inside: str, outside: str) -> None:
    keep = created_filter(expression)
    assert keep(datetime.fromisoformat(inside))
    assert not keep(datetime.fromisoformat(outside))


def test_etag_and_if_none_match_give_a_free_304(emulator: GitHubEmulator, repo: RepoData) -> None:
    linear_history(repo, 2)
    first = raw_get(emulator, "/repos/acme/api/commits")
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert etag.startswith('W/"') and etag.endswith('"')
    remaining = int(first.headers["x-ratelimit-remaining"])

    cached = raw_get(emulator, "/repos/acme/api/commits", **{"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == etag
    assert int(cached.headers["x-ratelimit-remaining"]) == remaining
    assert emulator.rate_remaining == remaining

    repo.commit("one more", author_date=T0 + timedelta(days=1))
    changed = raw_get(emulator, "/repos/acme/api/commits", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1


def test_pygithub_update_uses_the_etag(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    gh_repo = client.get_repo("acme/api")
    assert gh_repo.update() is False
    repo.archived = True
    assert gh_repo.update() is True
    assert gh_repo.archived is True


def test_every_response_carries_rate_limit_headers(emulator: GitHubEmulator, repo: RepoData) -> None:
    first = raw_get(emulator, "/repos/acme/api")
    second = raw_get(emulator, "/repos/acme/api/missing")
    assert second.status_code == 404
    assert second.json()["message"] == "Not Found"
    for response in (first, second):
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(first.headers["x-ratelimit-remaining"]) == 4999
    assert int(second.headers["x-ratelimit-remaining"]) == 4998
    assert second.headers["x-ratelimit-used"] == "2"
    assert first.headers["x-ratelimit-reset"] == second.headers["x-ratelimit-reset"]


# ---------------------------------------------------------------------------------------- compare


def test_compare_returns_all_commits_over_250_in_chronological_order(
    emulator: GitHubEmulator, repo: RepoData
) -> None:
    shas = linear_history(repo, 320)
    expected = shas[10:]

    with make_client(emulator, per_page=30) as default_client:
        comparison = default_client.get_repo("acme/api").compare(shas[9], shas[-1])
        assert [c.sha for c in comparison.commits] == expected
    sizes = [r.query.get("per_page") for r in emulator.requests if "/compare/" in r.path]
    assert sizes == [None, None]  # the server's own page size of 250

    with make_client(emulator) as per_page_100:
        comparison = per_page_100.get_repo("acme/api").compare(shas[9], shas[-1])
        assert comparison.total_commits == 310
        assert comparison.status == "ahead"
        assert [c.sha for c in comparison.commits] == expected
        dates = [c.commit.author.date for c in comparison.commits]
        assert dates == sorted(dates)


def test_compare_pages_and_total_on_the_wire(emulator: GitHubEmulator, repo: RepoData) -> None:
    shas = linear_history(repo, 260)
    path = f"/repos/acme/api/compare/{shas[0]}...{shas[-1]}"
    first = raw_get(emulator, path)
    assert len(first.json()["commits"]) == COMPARE_PER_PAGE_DEFAULT
    assert first.json()["total_commits"] == 259
    assert first.headers["Link"] == (
        f'<{emulator.base_url}{path}?page=2>; rel="next", <{emulator.base_url}{path}?page=2>; rel="last"'
    )
    second = raw_get(emulator, f"{path}?page=2")
    assert [c["sha"] for c in second.json()["commits"]] == shas[251:]
    big = raw_get(emulator, f"{path}?per_page=5000")
    assert len(big.json()["commits"]) == 259


def test_compare_status_ahead_behind_identical_diverged(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    root, a1, a2 = linear_history(repo, 3)
    feature = repo.commit("feature", parents=[a1], author_date=T0 + timedelta(hours=1), branch="feature")
    gh_repo = client.get_repo("acme/api")

    ahead = gh_repo.compare(root, a2)
    assert (ahead.status, ahead.ahead_by, ahead.behind_by) == ("ahead", 2, 0)
    assert [c.sha for c in ahead.commits] == [a1, a2]

    behind = gh_repo.compare(a2, root)
    assert (behind.status, behind.ahead_by, behind.behind_by, behind.total_commits) == ("behind", 0, 2, 0)
    assert list(behind.commits) == []

    identical = gh_repo.compare(a2, a2)
    assert (identical.status, identical.ahead_by, identical.behind_by) == ("identical", 0, 0)

    diverged = gh_repo.compare("main", "feature")
    assert (diverged.status, diverged.ahead_by, diverged.behind_by) == ("diverged", 1, 1)
    assert diverged.merge_base_commit.sha == a1
    assert diverged.base_commit.sha == a2
    assert [c.sha for c in diverged.commits] == [feature]


def test_compare_orders_parents_before_children_despite_clock_skew(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    root = repo.commit("root", author_date=T0)
    # The child's clock ran behind its parent's: topology wins over dates.
    parent = repo.commit("parent", author_date=T0 + timedelta(hours=2))
    child = repo.commit("child", author_date=T0 + timedelta(hours=1))
    side = repo.commit("side", parents=[root], author_date=T0 + timedelta(minutes=30))
    merge = repo.merge_commit(child, side, "Merge side", T0 + timedelta(hours=3))
    commits = [c.sha for c in client.get_repo("acme/api").compare(root, merge).commits]
    assert commits == [side, parent, child, merge]


def test_merge_helpers_shape_the_graph_like_github(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    base = repo.commit("base", author_date=T0)
    work = [
        repo.commit("w1", parents=[base], author_date=T0 + timedelta(hours=1), author_login="ana"),
    ]
    work.append(repo.commit("w2", parents=[work[0]], author_date=T0 + timedelta(hours=2), author_login="ana"))

    squash = repo.squash_merge(work, base, "Squash (#1)", T0 + timedelta(hours=3))
    assert [p["sha"] for p in repo.commits[squash]["parents"]] == [base]
    assert repo.branches["main"] == squash

    merge = repo.merge_commit(squash, work[1], "Merge pull request #2", T0 + timedelta(hours=4))
    assert [p["sha"] for p in repo.commits[merge]["parents"]] == [squash, work[1]]

    merged_at = T0 + timedelta(hours=5)
    copies = repo.rebase_merge(work, merge, date=merged_at)
    assert repo.branches["main"] == copies[-1]
    gh_repo = client.get_repo("acme/api")
    shipped = list(gh_repo.compare(merge, "main").commits)
    assert [c.sha for c in shipped] == copies
    assert [c.commit.author.date for c in shipped] == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert {c.commit.committer.date for c in shipped} == {merged_at}
    assert [c.sha for c in gh_repo.compare(base, squash).commits] == [squash]


def test_compare_errors(emulator: GitHubEmulator, repo: RepoData, client: github.Github) -> None:
    (main,) = linear_history(repo, 1)
    orphan = repo.commit("orphan", parents=[], author_date=T0)
    gh_repo = client.get_repo("acme/api")
    with pytest.raises(github.UnknownObjectException):
        gh_repo.compare(main, "f" * 40).status  # noqa: B018 - the property makes the request
    with pytest.raises(github.GithubException) as unrelated:
        gh_repo.compare(main, orphan).status  # noqa: B018
    assert unrelated.value.status == 404
    assert not isinstance(unrelated.value, github.UnknownObjectException)
    assert unrelated.value.data["message"] == f"No common ancestor between {main} and {orphan}."
    with pytest.raises(github.GithubException) as missing:
        gh_repo.get_commit("f" * 40)
    assert missing.value.status == 422


# ------------------------------------------------------------------------------------------ faults


@pytest.mark.parametrize(
    ("fault", "exception", "status", "headers"),
    [
        (
            Fault.secondary_rate_limit(retry_after=1),
            github.RateLimitExceededException,
            403,
            {"retry-after": "1"},
        ),
        (Fault.secondary_rate_limit(), github.RateLimitExceededException, 403, {}),
        (Fault.too_many_requests(), github.GithubException, 429, {}),
        (Fault.too_many_requests(retry_after=7), github.GithubException, 429, {"retry-after": "7"}),
        (Fault.server_error(), github.GithubException, 502, {}),
        (Fault.server_error(status=503), github.GithubException, 503, {}),
        (Fault.bad_credentials(), github.BadCredentialsException, 401, {}),
        (Fault.not_found(), github.UnknownObjectException, 404, {}),
    ],
)
def test_each_fault_becomes_the_pygithub_exception(
    emulator: GitHubEmulator,
    repo: RepoData,
    client: github.Github,
    fault: Fault,
    exception: type[github.GithubException],
    status: int,
    headers: dict[str, str],
) -> None:
    emulator.inject(r"^/repos/acme/api$", fault)
    with pytest.raises(exception) as raised:
        client.get_repo("acme/api")
    assert type(raised.value) is exception
    assert raised.value.status == status
    for name, value in headers.items():
        assert raised.value.headers[name] == value
    if fault.retry_after is None:
        assert "retry-after" not in raised.value.headers
    assert client.get_repo("acme/api").full_name == "acme/api"  # the fault was used up
    assert [r.status for r in emulator.requests] == [status, 200]


def test_fault_bodies_say_what_github_says(emulator: GitHubEmulator, repo: RepoData) -> None:
    emulator.inject("/repos/acme/api", Fault.secondary_rate_limit(retry_after=1))
    emulator.inject("/repos/acme/api", Fault.primary_rate_limit(reset_in=1))
    emulator.inject("/repos/acme/api", Fault.bad_credentials())
    emulator.inject("/repos/acme/api", Fault.server_error())
    secondary, primary, credentials, server = (raw_get(emulator, "/repos/acme/api").json() for _ in range(4))
    assert secondary["message"].startswith("You have exceeded a secondary rate limit.")
    assert secondary["documentation_url"].endswith("#about-secondary-rate-limits")
    assert primary["message"].startswith("API rate limit exceeded for user ID ")
    assert credentials == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert server == {"message": "Server Error"}


def test_primary_rate_limit_fault_reports_remaining_zero_and_reset(dataset: GitHubDataset) -> None:
    dataset.add_repo("acme/api")
    now = [1_700_000_000.25]
    with GitHubEmulator(dataset, clock=lambda: now[0]) as emulator, make_client(emulator) as client:
        emulator.inject("/repos/", Fault.primary_rate_limit(reset_in=1), times=2)
        for _ in range(2):
            with pytest.raises(github.RateLimitExceededException) as raised:
                client.get_repo("acme/api")
            assert raised.value.headers["x-ratelimit-remaining"] == "0"
            assert raised.value.headers["x-ratelimit-reset"] == str(math.ceil(now[0] + 1))
        assert client.get_repo("acme/api").name == "api"


def test_connection_reset_fault_drops_the_connection(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    emulator.inject("/repos/acme/api", Fault.connection_reset())
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get_repo("acme/api")
    assert client.get_repo("acme/api").name == "api"


def test_wrong_or_missing_token_is_bad_credentials(emulator: GitHubEmulator, repo: RepoData) -> None:
    with (
        make_client(emulator, auth=github.Auth.Token("stolen")) as intruder,
        pytest.raises(github.BadCredentialsException),
    ):
        intruder.get_repo("acme/api")
    anonymous = requests.get(f"{emulator.base_url}/repos/acme/api", timeout=5)
    assert anonymous.status_code == 401
    bearer = requests.get(
        f"{emulator.base_url}/repos/acme/api", headers={"Authorization": "Bearer test-token"}, timeout=5
    )
    assert bearer.status_code == 200


def test_spent_rate_limit_refuses_until_the_window_resets(dataset: GitHubDataset) -> None:
    dataset.add_repo("acme/api")
    now = [1_700_000_000.0]
    with (
        GitHubEmulator(dataset, rate_limit=2, clock=lambda: now[0]) as emulator,
        make_client(emulator) as client,
    ):
        client.get_repo("acme/api")
        client.get_repo("acme/api")
        assert client.get_rate_limit().resources.core.remaining == 0  # /rate_limit itself is free
        with pytest.raises(github.RateLimitExceededException) as raised:
            client.get_repo("acme/api")
        assert raised.value.headers["x-ratelimit-remaining"] == "0"
        assert int(raised.value.headers["x-ratelimit-reset"]) == 1_700_003_600
        now[0] += 3600
        assert client.get_repo("acme/api").name == "api"
        assert emulator.rate_remaining == 1


# ---------------------------------------------------------------------------------- real payloads


def test_devlake_repo_serves_its_pull_requests_through_pygithub(
    emulator: GitHubEmulator, dataset: GitHubDataset, client: github.Github
) -> None:
    load_devlake_repo(dataset)
    ants = client.get_repo("panjf2000/ants")
    pulls = {p.number: p for p in ants.get_pulls(state="all", sort="created", direction="asc")}
    assert len(pulls) == 49  # 50 rows, one of them PR #4 again from devlake's second connection
    assert pulls[4].created_at == datetime(2018, 7, 25, 8, 19, 30, tzinfo=UTC)
    assert pulls[4].merged_at == datetime(2018, 7, 26, 2, 32, 41, tzinfo=UTC)
    assert pulls[4].labels[0].name == "enhancement"
    assert pulls[53].merged_at == datetime(2019, 10, 9, 16, 59, 19, tzinfo=UTC)
    assert pulls[53].merge_commit_sha == "f0e23928f4388661a8e0f6f5ff93f8f9514a1762"
    assert pulls[8].merged_at is None
    assert len([p for p in pulls.values() if p.state == "open"]) == 4
    assert [p.number for p in ants.get_pulls()] == [211, 176, 167, 158]  # open, newest first

    pr53 = ants.get_pull(53)
    assert pr53.merged is True
    commit_dates = [c.commit.author.date for c in pr53.get_commits()]
    assert len(commit_dates) == 16
    assert commit_dates != sorted(commit_dates)
    assert min(commit_dates) == datetime(2019, 10, 5, 18, 2, 40, tzinfo=UTC)
    reviews = list(pr53.get_reviews())
    assert len(reviews) == 15
    assert reviews[0].state == "CHANGES_REQUESTED"
    assert reviews[0].submitted_at == datetime(2019, 10, 7, 16, 56, 26, tzinfo=UTC)


def test_devlake_runs_and_issues(
    emulator: GitHubEmulator, dataset: GitHubDataset, client: github.Github
) -> None:
    load_devlake_repo(dataset)
    ants = client.get_repo("panjf2000/ants")
    runs = ants.get_workflow_runs()
    assert runs.totalCount == 35
    codeql = ants.get_workflow("codeql.yml")
    assert codeql.id == 5904664
    successful = list(codeql.get_runs(branch="master", status="success"))
    assert len(successful) == 11
    assert all(r.conclusion == "success" and r.head_branch == "master" for r in successful)
    window = list(ants.get_workflow(5904663).get_runs(created="2022-06-26..2022-06-30"))
    assert [r.id for r in window] == [2589885628, 2566218975]

    issues = list(ants.get_issues(state="all"))
    assert len(issues) == 41
    emulator.requests.clear()
    pull_requests = [i.number for i in issues if i.pull_request is not None]
    # A list item without ``pull_request`` is incomplete to PyGithub: reading it fetches the issue.
    assert len(emulator.requests) == len(issues) - len(pull_requests)
    bugs = list(ants.get_issues(state="closed", labels=["bug"]))
    assert {i.number for i in bugs} == {6, 7, 8}


def test_api_examples_parse_through_pygithub(
    emulator: GitHubEmulator, dataset: GitHubDataset, client: github.Github
) -> None:
    load_api_examples(dataset)
    example = client.get_repo("octocat/example")
    (deployment,) = list(example.get_deployments(environment="production"))
    assert deployment.sha == "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d"
    assert [s.state for s in deployment.get_statuses()] == ["success"]

    hello = client.get_repo("octocat/Hello-World")
    comparison = hello.compare("master", "topic")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("behind", 1, 2)
    assert [c.sha for c in comparison.commits] == ["6dcb09b5b57875f334f61aebed695e2e4193db5e"]
    (pull,) = list(hello.get_pulls(state="all"))
    assert pull.number == 1347
    assert [r.state for r in pull.get_reviews()] == ["APPROVED"]
    (release,) = list(hello.get_releases())
    assert release.tag_name == "v1.0.0"

    octo = client.get_repo("octo-org/octo-repo")
    (run,) = list(octo.get_workflow("build.yml").get_runs())
    assert run.id == 30433642


# ----------------------------------------------------------------------------- endpoints, builders


def test_pulls_sort_direction_defaults_follow_github(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    shas = linear_history(repo, 1)
    for i, updated in enumerate([5, 1, 3]):
        repo.pull(
            title=f"pr {i}",
            author="ana",
            created_at=T0 + timedelta(hours=i),
            commits=shas,
            merged_at=None,
            merge_commit_sha=None,
            updated_at=T0 + timedelta(days=updated),
        )
    gh_repo = client.get_repo("acme/api")
    assert [p.number for p in gh_repo.get_pulls()] == [3, 2, 1]  # created, desc
    assert [p.number for p in gh_repo.get_pulls(sort="updated")] == [2, 3, 1]  # updated, asc by default
    assert [p.number for p in gh_repo.get_pulls(sort="updated", direction="desc")] == [1, 3, 2]
    assert list(gh_repo.get_pulls(state="closed")) == []


def test_pull_builder_commits_reviews_and_detail_fields(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    base = repo.commit("base", author_date=T0)
    late = repo.commit("late", parents=[base], author_date=T0 + timedelta(hours=5), branch="topic")
    early = repo.commit("early", parents=[late], author_date=T0 + timedelta(hours=1), branch="topic")
    merge = repo.squash_merge([late, early], base, "Topic (#7)", T0 + timedelta(days=1))
    number = repo.pull(
        number=7,
        title="Topic",
        author="ana",
        created_at=T0 + timedelta(hours=6),
        commits=[late, early],
        merged_at=T0 + timedelta(days=1),
        merge_commit_sha=merge,
        labels=["hotfix"],
        reviews=[
            ("ana", "COMMENTED", T0 + timedelta(hours=7)),
            ("bo", "APPROVED", T0 + timedelta(hours=8)),
            ("cy", "PENDING", T0 + timedelta(hours=9)),
        ],
    )
    pull = client.get_repo("acme/api").get_pull(number)
    assert pull.merged is True
    assert pull.state == "closed"
    assert pull.closed_at == pull.merged_at == T0 + timedelta(days=1)
    assert pull.merge_commit_sha == merge
    assert [label.name for label in pull.labels] == ["hotfix"]
    assert [c.sha for c in pull.get_commits()] == [late, early]  # as stored, not by date
    reviews = list(pull.get_reviews())
    assert [(r.user.login, r.state) for r in reviews] == [
        ("ana", "COMMENTED"),
        ("bo", "APPROVED"),
        ("cy", "PENDING"),
    ]
    assert reviews[2].submitted_at is None
    listed = raw_get(emulator, "/repos/acme/api/pulls?state=closed").json()
    assert "merged" not in listed[0]  # list items are GitHub's "simple" pulls


def test_commits_issues_contents_releases_and_orgs(
    emulator: GitHubEmulator, dataset: GitHubDataset, repo: RepoData, client: github.Github
) -> None:
    shas = linear_history(repo, 5)
    repo.issue(title="outage", created_at=T0, closed_at=T0 + timedelta(hours=2), labels=["incident"])
    repo.issue(title="question", created_at=T0 + timedelta(days=1), labels=["question"])
    repo.files["deploy/config.yaml"] = "team: payments\n" * 10
    repo.release("v1", published_at=T0 + timedelta(days=2))
    repo.release("v2-draft", published_at=None, created_at=T0 + timedelta(days=3), draft=True)
    dataset.add_repo("acme/web")
    dataset.orgs["acme"].append("acme/web")
    gh_repo = client.get_repo("acme/api")

    assert [c.sha for c in gh_repo.get_commits()] == shas[::-1]
    assert [c.sha for c in gh_repo.get_commits(since=T0 + timedelta(minutes=3))] == shas[:2:-1]
    assert gh_repo.get_commit(shas[1][:10]).sha == shas[1]

    incidents = list(gh_repo.get_issues(state="all", labels=["incident"]))
    assert [i.title for i in incidents] == ["outage"]
    assert incidents[0].closed_at == T0 + timedelta(hours=2)
    assert [i.title for i in gh_repo.get_issues(state="all", since=T0 + timedelta(hours=3))] == ["question"]

    content = gh_repo.get_contents("deploy/config.yaml")
    assert not isinstance(content, list)
    assert content.decoded_content == repo.files["deploy/config.yaml"].encode()
    assert all(len(line) <= 60 for line in content.content.splitlines())
    assert base64.b64decode(content.content) == content.decoded_content
    with pytest.raises(github.UnknownObjectException):
        gh_repo.get_contents("missing.yaml")
    with pytest.raises(github.GithubException) as unknown_ref:
        gh_repo.get_contents("deploy/config.yaml", ref="no-such-branch")
    assert unknown_ref.value.status == 404
    assert unknown_ref.value.data["message"] == "No commit found for the ref no-such-branch"
    listing = gh_repo.get_contents("deploy")
    assert isinstance(listing, list)
    assert [c.path for c in listing] == ["deploy/config.yaml"]

    assert [r.tag_name for r in gh_repo.get_releases()] == ["v2-draft", "v1"]

    org = client.get_organization("acme")
    assert org.login == "acme"
    assert [r.full_name for r in org.get_repos(type="all", sort="full_name")] == ["acme/api", "acme/web"]
    with pytest.raises(github.UnknownObjectException):
        client.get_organization("nobody")


def test_removed_repo_is_gone_everywhere(
    emulator: GitHubEmulator, dataset: GitHubDataset, repo: RepoData, client: github.Github
) -> None:
    shas = linear_history(repo, 1)
    repo.deployment(shas[0], created_at=T0)
    gh_repo = client.get_repo("acme/api")
    dataset.remove_repo("acme/api")
    with pytest.raises(github.UnknownObjectException):
        list(gh_repo.get_deployments())
    with pytest.raises(github.UnknownObjectException):
        client.get_repo("ACME/API")
    assert list(client.get_organization("acme").get_repos()) == []


def test_deployment_filters_and_status_order(
    emulator: GitHubEmulator, repo: RepoData, client: github.Github
) -> None:
    shas = linear_history(repo, 2)
    failed = repo.deployment(
        shas[0], created_at=T0, statuses=[("in_progress", T0), ("failure", T0 + timedelta(minutes=5))]
    )
    ok = repo.deployment(shas[1], created_at=T0 + timedelta(hours=1))
    repo.deployment(shas[1], environment="staging", created_at=T0 + timedelta(hours=2))
    repo.add_status(ok, "inactive", T0 + timedelta(hours=3))
    gh_repo = client.get_repo("acme/api")
    assert [d.id for d in gh_repo.get_deployments(environment="production")] == [ok, failed]
    assert [d.id for d in gh_repo.get_deployments(sha=shas[0])] == [failed]
    assert [s.state for s in gh_repo.get_deployment(failed).get_statuses()] == ["failure", "in_progress"]
    assert [s.state for s in gh_repo.get_deployment(ok).get_statuses()] == ["inactive", "success"]


def test_bad_parameters_get_422_and_emulator_failures_500(emulator: GitHubEmulator, repo: RepoData) -> None:
    linear_history(repo, 1)
    refused = raw_get(emulator, "/repos/acme/api/commits?since=yesterday")
    assert refused.status_code == 422
    assert emulator.errors == []

    repo.releases.append({"id": 1, "created_at": T0})  # a datetime is not JSON: a broken dataset
    broken = raw_get(emulator, "/repos/acme/api/releases")
    assert broken.status_code == 500
    assert [type(e) for e in emulator.errors] == [TypeError]
    emulator.errors.clear()


def test_stop_closes_keepalive_connections(dataset: GitHubDataset) -> None:
    dataset.add_repo("acme/api")
    emulator = GitHubEmulator(dataset).start()
    session = requests.Session()
    try:
        assert session.get(f"{emulator.base_url}/repos/acme/api", headers=AUTH, timeout=5).status_code == 200
        emulator.stop()  # must not hang on the idle keep-alive connection
    finally:
        session.close()
        emulator.stop()


def test_304s_are_counted_apart_from_billed_requests(emulator: GitHubEmulator, repo: RepoData) -> None:
    linear_history(repo, 2)
    etag = raw_get(emulator, "/repos/acme/api/commits").headers["ETag"]
    raw_get(emulator, "/repos/acme/api/commits", **{"If-None-Match": etag})
    raw_get(emulator, "/repos/acme/api/commits", **{"If-None-Match": etag})
    raw_get(emulator, "/repos/acme/api/commits", **{"If-None-Match": 'W/"stale"'})
    assert (emulator.billed_requests, emulator.not_modified, emulator.points_spent) == (2, 2, 2)
