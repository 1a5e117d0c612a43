"""SQLAlchemy Core tables of raw facts.

Every table has a natural primary key so that a re-sync updates rows in place (``store.upsert``).
Instants are stored as naive UTC ``TIMESTAMP``: DuckDB and PostgreSQL then compare and subtract them
the same way, with no session time zone involved. Durations and ratios are never stored: analytics
computes them from timestamps (and would use ``Double``, never ``Float``, which is 32-bit in DuckDB).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()

repositories = Table(
    "repositories",
    metadata,
    Column("full_name", String, primary_key=True),
    Column("default_branch", String, nullable=False),
    Column("discovered_from", String, nullable=False),  # "config" or "org:<login>"
    Column("synced_at", DateTime, nullable=False),
    # GitHub's id, the same across renames (null where none was read: rows of an earlier version, the
    # demo). Added by migration 10.
    Column("github_id", BigInteger),
)

# One row per deployment as the source reports it: a GitHub Deployment, a workflow run, a release or
# a merged PR. ``deployed_at`` is null for a failed attempt (never reached success).
deployments = Table(
    "deployments",
    metadata,
    Column("repo", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("deployment_id", BigInteger, primary_key=True),
    Column("environment", String, nullable=False),
    Column("sha", String, nullable=False),
    Column("ref", String),
    Column("created_at", DateTime, nullable=False),
    Column("deployed_at", DateTime),
    Column("last_state", String),
)

deployment_statuses = Table(
    "deployment_statuses",
    metadata,
    Column("repo", String, primary_key=True),
    Column("deployment_id", BigInteger, primary_key=True),
    Column("status_id", BigInteger, primary_key=True),
    Column("state", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

commits = Table(
    "commits",
    metadata,
    Column("repo", String, primary_key=True),
    Column("sha", String, primary_key=True),
    Column("parent_shas", Text, nullable=False),  # space-separated, in parent order
    Column("parent_count", Integer, nullable=False),
    Column("author_date", DateTime, nullable=False),
    Column("committed_date", DateTime),
    Column("message", Text, nullable=False),
)

# The compare between a deployment and the deployment before it (same repo, source, environment),
# as GitHub answered it. Its commits are in ``deployment_commits``.
# The status of the first deployment of the collected history: nothing before it to compare with.
FIRST_COMPARE = "first"
# The status of a deployment GitHub could not compare with the previous one (its base force-pushed
# away): not an answer, so neither a compare to reuse for the same pair nor a list of changes.
UNKNOWN_COMPARE = "unknown"
deployment_compares = Table(
    "deployment_compares",
    metadata,
    Column("repo", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("deployment_id", BigInteger, primary_key=True),
    Column("base_deployment_id", BigInteger),  # null: first deployment of the collected history
    Column("base_sha", String),
    Column("head_sha", String, nullable=False),
    Column("status", String, nullable=False),  # ahead | behind | identical | diverged | first | unknown
    Column("total_commits", Integer, nullable=False),
)

deployment_commits = Table(
    "deployment_commits",
    metadata,
    Column("repo", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("deployment_id", BigInteger, primary_key=True),
    Column("sha", String, primary_key=True),
    Column("position", Integer, nullable=False),
)

pull_requests = Table(
    "pull_requests",
    metadata,
    Column("repo", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("author", String),  # only to tell the author's own reviews apart; never reported
    Column("state", String, nullable=False),
    Column("base_ref", String),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("merged_at", DateTime),
    Column("closed_at", DateTime),
    Column("merge_commit_sha", String),
)

pull_request_commits = Table(
    "pull_request_commits",
    metadata,
    Column("repo", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("sha", String, primary_key=True),
    Column("author_date", DateTime, nullable=False),
    Column("position", Integer, nullable=False),
)

pull_request_reviews = Table(
    "pull_request_reviews",
    metadata,
    Column("repo", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("review_id", BigInteger, primary_key=True),
    Column("reviewer", String),
    Column("state", String, nullable=False),
    Column("submitted_at", DateTime),
)

pull_request_labels = Table(
    "pull_request_labels",
    metadata,
    Column("repo", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("label", String, primary_key=True),
)

# Incidents from PagerDuty (``source`` "pagerduty", ``service`` the PagerDuty service id) and from
# GitHub issues carrying an incident label (``source`` "github", ``service`` the repository).
incidents = Table(
    "incidents",
    metadata,
    Column("source", String, primary_key=True),
    Column("incident_id", String, primary_key=True),
    Column("service", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),  # kept only for explicit sha links (SPEC §6.1 rule 1)
    Column("urgency", String),
    Column("status", String, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("updated_at", DateTime),
)

# Backstage Components read from each repository's catalog-info.yaml (SPEC §4), one row per
# ``kind: Component`` document in file order. Replaced whole on every read of the file.
catalog_components = Table(
    "catalog_components",
    metadata,
    Column("file_repo", String, primary_key=True),  # the repository holding catalog-info.yaml
    Column("position", Integer, primary_key=True, autoincrement=False),  # document index in the file
    Column("name", String, nullable=False),
    Column("owner", String),  # the team, normalised from group:x, group:default/x or x
    Column("repo", String, nullable=False),  # github.com/project-slug, else file_repo
    Column("pagerduty_service", String),  # pagerduty.com/service-id
)

# SPACE survey answers (SPEC §7). A respondent is only an HMAC pseudonym; no name, e-mail or free
# text is ever stored. A missing answer is no row (it leaves the denominator).
survey_items = Table(
    "survey_items",
    metadata,
    Column("survey", String, primary_key=True),
    Column("quarter", String, primary_key=True),  # 2026-Q3
    Column("item_id", String, primary_key=True),
    Column(
        "dimension", String, nullable=False
    ),  # satisfaction | performance | activity | communication | efficiency
    Column("points", Integer, nullable=False),
    Column("favourable", String, nullable=False),  # comma-separated scale points, e.g. "4,5"
    Column("reverse", Boolean, nullable=False),
    Column("wording_fingerprint", String, nullable=False),  # sha256 of the item text as asked
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("survey", String, primary_key=True),
    Column("quarter", String, primary_key=True),
    Column("respondent", String, primary_key=True),  # HMAC-SHA256(respondent_secret, identifier), hex
    Column("team", String, nullable=False),
    Column("submitted_at", DateTime),
)

survey_answers = Table(
    "survey_answers",
    metadata,
    Column("survey", String, primary_key=True),
    Column("quarter", String, primary_key=True),
    Column("respondent", String, primary_key=True),
    Column("item_id", String, primary_key=True),
    Column("value", Integer, nullable=False),  # the scale point answered, 1..points, before reversing
)

# Where each stream of each scope (usually a repo) has got to. Moved only in the transaction that
# commits the data behind it.
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("source", String, primary_key=True),
    Column("stream", String, primary_key=True),
    Column("scope", String, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# The validator GitHub gave for each URL a sync re-asks, and what the collector needs to act on a 304
# (``memo``: e.g. the repository's default branch, or the repositories an organisation page listed).
# Written in the transaction that commits the facts behind the answer, so a 304 never hides data that
# was fetched but not stored. Not a fact table: a lost row only costs one billed request.
http_etags = Table(
    "http_etags",
    metadata,
    Column("source", String, primary_key=True),
    Column("url", Text, primary_key=True),
    Column("etag", Text, nullable=False),
    Column("memo", Text),
    Column("updated_at", DateTime, nullable=False),
)

# -- derived tables: written by analytics only, recomputable from the facts above at any time -----

# The deployment that first shipped each commit, per repo + source + environment (SPEC §5.2), over the
# whole collected history of every deployment that reached success with a known compare. It does not
# depend on as_of: the first shipment as of any instant is this row when it happened by then, else none
# (deployments are ordered by deployed_at first). ``analytics.shipments`` refreshes the rows of every
# repository whose facts changed; ``derived_fingerprints`` holds what the facts were when it did.
derived_first_shipments = Table(
    "derived_first_shipments",
    metadata,
    # No primary key: a DuckDB key is an in-memory index over millions of rows that nothing reads; rows
    # are only ever replaced a whole repository at a time.
    Column("repo", String, nullable=False),
    Column("source", String, nullable=False),
    Column("environment", String, nullable=False),
    Column("sha", String, nullable=False),
    Column("deployment_id", BigInteger, nullable=False),
    Column("deployed_at", DateTime, nullable=False),
    Column("compare_status", String, nullable=False),
    Column("author_date", DateTime),  # null: the commit itself was not collected
    Column("is_change", Boolean, nullable=False),  # a non-merge commit shipped by ahead or diverged
    Column("revert_message", Text),  # the commit's message when it says "This reverts commit", else null
    # The sha's first 7 hex digits as an integer (analytics.shipments.sha_head_sql): prefixes named by
    # incidents and reverts find their changes by it. Added by migration 7.
    Column("head", Integer),
)

derived_fingerprints = Table(
    "derived_fingerprints",
    metadata,
    Column("repo", String, primary_key=True),
    Column("facts", String, primary_key=True),  # the fact table summed up
    Column("fingerprint", String, nullable=False),  # row count and sum of row hashes
)

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

FACT_TABLES: tuple[Table, ...] = (
    repositories,
    deployments,
    deployment_statuses,
    commits,
    deployment_compares,
    deployment_commits,
    pull_requests,
    pull_request_commits,
    pull_request_reviews,
    pull_request_labels,
    incidents,
    catalog_components,
    survey_items,
    survey_responses,
    survey_answers,
    sync_cursors,
)
