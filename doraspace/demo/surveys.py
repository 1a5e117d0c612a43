"""Two quarters of the demo organisation's developer-experience survey, imported through the real
importer from the `long` export format, with the shipped SPACE definition.

Like the rest of the demo it is generated from a seed: answer levels per team and dimension (the
struggling team is unhappier and less efficient, the elite team the other way round), a few "I don't
know" answers, and response counts that leave two small teams under the anonymity threshold so the
demo shows suppression at work. Respondents are made-up ids that only ever reach the store as HMAC
pseudonyms.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analytics.space import previous_quarter
from doraspace.demo.facts import DemoOrganisation, DemoTeam
from store.engine import Engine
from surveys.definition import DEFAULT_DEFINITION, SurveyDefinition, load_definition
from surveys.importer import ImportReport, import_survey, team_spellings

# Not a secret: the demo's respondents are invented. A real deployment sets surveys.respondent_secret.
DEMO_SECRET = "doraspace-demo-only"  # noqa: S105
# Respondents per team (of its headcount) in the two quarters; search and data stay under 5.
RESPONDENTS = {
    "checkout": (7, 8),
    "payments": (6, 6),
    "platform": (5, 6),
    "search": (3, 4),
    "billing": (5, 6),
    "mobile": (6, 6),
    "data": (4, 3),
}
# Where each team's answers sit on a 1–5 scale, by shape; reverse items are answered the other way.
LEVEL = {"elite": 4.1, "struggling": 2.6}
LEVEL_SHIFT = {"struggling": 0.5, "elite": -0.1}  # the second quarter: billing improves


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _answer(rng: random.Random, level: float, item_reverse: bool, labels: Sequence[str]) -> str:
    if rng.random() < 0.04:
        return "I don't know"
    target = (len(labels) + 1 - level) if item_reverse else level
    point = min(len(labels), max(1, round(rng.gauss(target, 0.9))))
    return labels[point - 1]


def write_export(
    path: Path,
    definition: SurveyDefinition,
    teams: Sequence[DemoTeam],
    *,
    quarter_index: int,
    submitted: datetime,
    rng: random.Random,
) -> None:
    """One quarter's answers as a `long` export (respondent_id, team, submitted_at, item_id, answer)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
        for team in teams:
            count = RESPONDENTS.get(team.name, (5, 5))[quarter_index]
            level = LEVEL.get(team.shape, 3.6) + (LEVEL_SHIFT.get(team.shape, 0.0) if quarter_index else 0.0)
            for n in range(count):
                respondent = f"resp-{team.name}-{n}"
                spelling = team.survey_names[n % len(team.survey_names)] if team.survey_names else team.name
                when = (submitted + timedelta(hours=rng.uniform(0, 96))).strftime("%Y-%m-%d %H:%M:%S")
                for item in definition.items:
                    answer = _answer(rng, level, item.reverse, item.scale.labels)
                    writer.writerow([respondent, spelling, when, item.id, answer])


def import_demo_surveys(
    organisation: DemoOrganisation, engine: Engine, folder: Path, *, seed: int
) -> list[ImportReport]:
    """Write and import the last two whole-or-current quarters' surveys; returns the import reports."""
    definition = load_definition(DEFAULT_DEFINITION)
    folder.mkdir(parents=True, exist_ok=True)
    current = quarter_of(organisation.end)
    quarters = [previous_quarter(current), current]
    rng = random.Random(seed)
    names = team_spellings({team.name: team.survey_names for team in organisation.teams})
    reports = []
    for index, quarter in enumerate(quarters):
        year, number = int(quarter[:4]), int(quarter[-1])
        submitted = datetime(year, 3 * number - 2, 10, 9, tzinfo=UTC)
        path = folder / f"devex-{quarter}.csv"
        write_export(path, definition, organisation.teams, quarter_index=index, submitted=submitted, rng=rng)
        reports.append(
            import_survey(
                engine, path, definition, quarter=quarter, fmt="long", secret=DEMO_SECRET, team_names=names
            )
        )
    return reports
