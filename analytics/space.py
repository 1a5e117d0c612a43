"""SPACE survey scores per team, quarter and dimension, with the anonymity rules of SPEC §7.4.

For a group (a team, or the organisation ``"*"``), a quarter and a dimension:

* ``favourable`` = favourable answers ÷ valid answers over the dimension's items;
* ``score`` = mean over the dimension's items (those with at least one valid answer in the group) of
  ``(item mean answer − 1) / (points − 1) × 100``;
* ``respondents`` = distinct respondents with at least one valid answer on the dimension.

Answers are stored as the scale point chosen (``1..points``); a reverse item scores
``points + 1 − value`` and is favourable when that reversed score is in the scale's favourable set. A
missing answer is no row, and an out-of-range value is treated the same way, so both leave every
denominator. Answers to items the quarter does not define are ignored.

**Anonymity.** Suppressed groups produce no row at all, so no caller (CLI, exporter, reports) can leak
them by accident:

1. a team-quarter with fewer than ``min_group_size`` respondents (distinct respondents of the team in
   that quarter, whether or not they answered anything valid) is suppressed with all its dimensions;
2. the organisation row counts every respondent (suppressed teams included) and is shown when it has at
   least ``min_group_size``;
3. differencing: while the organisation row is shown and the suppressed teams of the quarter together
   have more than zero but fewer than ``min_group_size`` respondents, the smallest shown team (ties: the
   first by name) is suppressed too — otherwise the organisation minus the shown teams would give the
   hidden teams' figures;
4. a single dimension with fewer than ``min_group_size`` respondents is suppressed, and the differencing
   rule is applied again per dimension, over the dimension's respondents: the organisation's dimension
   row minus the shown teams' rows of that dimension would otherwise reveal the teams whose dimension
   (alone, or with their whole quarter) is hidden.

**Change** (quarter over quarter) compares a shown row with the same group's row of the calendar
quarter before (2026-Q4 ← 2026-Q3; a skipped quarter gives no comparison, so "quarter over quarter"
keeps its meaning). It is null unless that row is shown too and the dimension asked exactly the same
items with the same wording (fingerprints) in both quarters. Otherwise: ``rising``/``falling`` when the
score moved by at least 5 points and by more than 1.96 × √(SE₁² + SE₂²), else ``stable``; SE is the
standard error of the mean of the respondents' own dimension scores (each respondent's mean over their
answers on the dimension mapped to 0–100; sample standard deviation ÷ √n).

**Respondent identity.** A respondent is the stored pseudonym; within a quarter the same pseudonym in
two surveys is one person (the HMAC of an e-mail is stable), which can only make groups count smaller —
the safe side for anonymity; the suppressed teams' people are counted together the same way, once each.

The store is read once per call; the scores are computed in Python because the suppression rules are
iterative and the standard errors need every respondent's own score. Surveys are small (a 1,000-person
organisation answering 20 items is 20,000 rows a quarter).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine, select

from analytics.ownership import ORGANISATION
from store import schema
from store.folding import fold

__all__ = [
    "CHANGE_MIN_POINTS",
    "CHANGE_Z",
    "MIN_GROUP_SIZE_FLOOR",
    "Change",
    "SpaceScore",
    "compute_space",
    "previous_quarter",
    "quarter_key",
]

MIN_GROUP_SIZE_FLOOR = 3
"""No group smaller than this is ever shown, whatever the configuration says (SPEC §7.4)."""
CHANGE_MIN_POINTS = 5.0
"""A score must move at least this many points (0–100) to be rising or falling."""
CHANGE_Z = 1.96
"""…and by more than this many standard errors of the difference (a two-sided 95 % test)."""
# Scores are means of fractions × 100: a move of exactly 5 points can come out as 4.999999999999, and
# one of exactly 1.96 standard errors a hair above them (34.027777777777786 against 34.02777777777778).
_POINTS_TOLERANCE = 1e-9

Change = Literal["rising", "stable", "falling"]

QUARTER = re.compile(r"(?P<year>[0-9]{4})-Q(?P<quarter>[1-4])")
"""A calendar quarter as written everywhere: ``2026-Q3`` (use ``fullmatch``)."""


def quarter_key(quarter: str) -> tuple[int, int]:
    """``"2026-Q3"`` → ``(2026, 3)``: sorts quarters chronologically. Anything else is a ValueError."""
    match = QUARTER.fullmatch(quarter)
    if match is None:
        raise ValueError(f"quarter {quarter!r}: expected YYYY-Qn, e.g. 2026-Q3")
    return int(match["year"]), int(match["quarter"])


def previous_quarter(quarter: str) -> str:
    """The calendar quarter before: ``"2027-Q1"`` → ``"2026-Q4"``."""
    year, number = quarter_key(quarter)
    return f"{year - 1}-Q4" if number == 1 else f"{year}-Q{number - 1}"


# The SPEC §7.5 object's keys, in the SPEC's order (also the CSV header, with or without rows).
SCORE_FIELDS = (
    *("team", "quarter", "dimension"),
    *("score", "favourable", "respondents", "response_rate", "change"),
)


@dataclass(frozen=True)
class SpaceScore:
    """One shown (not suppressed) team (``"*"``: the organisation), quarter and dimension (SPEC §7.5)."""

    team: str
    quarter: str
    dimension: str
    score: float
    """Mean over the dimension's items of the item's mean answer mapped to 0–100 (after reversing)."""
    favourable: float
    """Favourable answers ÷ valid answers, 0–1."""
    respondents: int
    """Distinct respondents with at least one valid answer on this dimension."""
    response_rate: float | None
    """The team-quarter's respondents ÷ headcount (organisation: ÷ the sum of headcounts); None unknown."""
    change: Change | None
    """Against the previous quarter; None where there is no comparable shown previous quarter."""
    quarter_respondents: int = 0
    """Distinct respondents of the team in the quarter (``space_respondents``); not in the JSON."""

    def to_json_dict(self) -> dict[str, Any]:
        """The SPEC §7.5 object, keys in the SPEC's order."""
        return {name: getattr(self, name) for name in SCORE_FIELDS}


@dataclass(frozen=True)
class SpaceQuarter:
    """A shown team-quarter's own figures (``space_respondents``, ``space_response_rate``): there even
    when every dimension of it is hidden, since only fewer respondents than the threshold suppress it."""

    team: str
    quarter: str
    respondents: int
    response_rate: float | None


# -- reading the store -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    dimension: str
    points: int
    favourable: frozenset[int]
    reverse: bool
    fingerprint: str

    def scored(self, value: int) -> int | None:
        """The answer after reversing, or None when it is not a point of the scale."""
        if not 1 <= value <= self.points:
            return None
        return self.points + 1 - value if self.reverse else value

    def normalised(self, scored: int) -> float:
        """A (reversed) answer on 0–100."""
        return (scored - 1) / (self.points - 1) * 100


# (survey, wording fingerprint): within a survey's quarter an item is its question, whatever id it was
# imported under (an id renamed between two imports of a quarter, its wording kept, is one item).
ItemKey = tuple[str, str]


@dataclass
class _Quarter:
    """What the store holds for one quarter."""

    items: dict[ItemKey, _Item] = field(default_factory=dict)
    respondents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # team → pseudonyms
    # (team, pseudonym, item, reversed answer) per valid answer
    answers: list[tuple[str, str, ItemKey, int]] = field(default_factory=list)


def _favourable_points(text: str) -> frozenset[int]:
    return frozenset(int(point) for point in text.split(",") if point.strip())


def _read(
    engine: Engine, quarters: Sequence[str] | None, spelling: Mapping[str, str] | None = None
) -> dict[str, _Quarter]:
    """The stored items, respondents and answers of ``quarters`` (None: all). A stored team name is read
    in the configured spelling (``spelling``: folded name → name) whatever its letter case and Unicode
    form, as the import matches answers: a team renamed only so keeps its history."""
    spelling = spelling or {}
    items_t, responses_t, answers_t = schema.survey_items, schema.survey_responses, schema.survey_answers
    items_q = select(
        items_t.c.survey,
        items_t.c.quarter,
        items_t.c.item_id,
        items_t.c.dimension,
        items_t.c.points,
        items_t.c.favourable,
        items_t.c.reverse,
        items_t.c.wording_fingerprint,
    )
    responses_q = select(
        responses_t.c.survey, responses_t.c.quarter, responses_t.c.respondent, responses_t.c.team
    )
    answers_q = select(
        answers_t.c.survey,
        answers_t.c.quarter,
        answers_t.c.respondent,
        answers_t.c.item_id,
        answers_t.c.value,
    )
    if quarters is not None:
        items_q = items_q.where(items_t.c.quarter.in_(quarters))
        responses_q = responses_q.where(responses_t.c.quarter.in_(quarters))
        answers_q = answers_q.where(answers_t.c.quarter.in_(quarters))
    found: dict[str, _Quarter] = defaultdict(_Quarter)
    question: dict[tuple[str, str, str], ItemKey] = {}  # (quarter, survey, item id) → the item's key
    with engine.connect() as conn:
        for survey, quarter, item_id, dimension, points, favourable, reverse, fingerprint in conn.execute(
            items_q
        ):
            question[(quarter, survey, item_id)] = (survey, fingerprint)
            found[quarter].items[(survey, fingerprint)] = _Item(
                dimension=dimension,
                points=int(points),
                favourable=_favourable_points(favourable),
                reverse=bool(reverse),
                fingerprint=fingerprint,
            )
        team_of: dict[tuple[str, str, str], str] = {}
        for survey, quarter, respondent, stored_team in conn.execute(responses_q):
            team = spelling.get(fold(stored_team), stored_team)
            found[quarter].respondents[team].add(respondent)
            team_of[(survey, quarter, respondent)] = team
        for survey, quarter, respondent, item_id, value in conn.execute(answers_q):
            answered = found[quarter]
            key = question.get((quarter, survey, item_id))
            team = team_of.get((survey, quarter, respondent))
            if key is None or team is None or answered.items[key].points < 2:
                # Not an item of this quarter, an answer without a response, or a one-point scale (no
                # 0–100 mapping exists): nothing to score.
                continue
            scored = answered.items[key].scored(int(value))
            if scored is not None:
                answered.answers.append((team, respondent, key, scored))
    for quarter in found:
        quarter_key(quarter)  # a malformed quarter label is an error, not a silently unsorted row
    return found


# -- aggregation -----------------------------------------------------------------------------------


@dataclass
class _Cell:
    """Running sums of one group, quarter and dimension."""

    # item → [sum of reversed answers, valid answers]
    items: dict[ItemKey, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    favourable: int = 0
    valid: int = 0
    # respondent → normalised (0–100) answers on the dimension
    respondents: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, respondent: str, key: ItemKey, item: _Item, scored: int) -> None:
        sums = self.items[key]
        sums[0] += scored
        sums[1] += 1
        self.valid += 1
        self.favourable += scored in item.favourable
        self.respondents[respondent].append(item.normalised(scored))

    def score(self, items: Mapping[ItemKey, _Item]) -> float:
        per_item = [
            (total / count - 1) / (items[key].points - 1) * 100 for key, (total, count) in self.items.items()
        ]
        return math.fsum(per_item) / len(per_item)

    def standard_error(self) -> float:
        """Of the mean of the respondents' own dimension scores; needs at least two respondents."""
        own = [math.fsum(scores) / len(scores) for scores in self.respondents.values()]
        return statistics.stdev(own) / math.sqrt(len(own))


@dataclass
class _Shown:
    """A quarter after suppression: the shown cells and what they need."""

    cells: dict[tuple[str, str], _Cell]  # (group, dimension) → sums, shown cells only
    quarter_respondents: dict[str, int]  # group → distinct respondents, shown groups only
    response_rates: dict[str, float | None]


def _protect(
    people: Mapping[str, Collection[str]], eligible: Iterable[str], org_shown: bool, minimum: int
) -> set[str]:
    """The teams shown out of ``eligible``: those with at least ``minimum``, then the differencing rule.

    ``people`` has every team of the quarter (suppressed ones too), each with its respondents: the
    suppressed teams' people together are what the organisation row adds over the shown teams, counted
    once each, so that one person answering for two suppressed teams (two surveys) is one person. Ties
    between smallest teams go to the first name, so that the result does not depend on dict order.
    """
    shown = {team for team in eligible if len(people.get(team, ())) >= minimum}
    if not org_shown:
        return shown

    def hidden() -> int:
        return len(set().union(*(group for team, group in people.items() if team not in shown)))

    while 0 < hidden() < minimum and shown:
        shown.remove(min(shown, key=lambda team: (len(people[team]), team)))
    return shown


def _org_response_rate(
    respondents: int, teams: Mapping[str, int | None], responding: Iterable[str]
) -> float | None:
    # A team with respondents but no headcount would put people in the numerator that the denominator
    # does not count (a rate above the truth, even above 1): no rate rather than a wrong one.
    if any(not teams.get(team) for team in responding):
        return None
    total = sum(headcount for headcount in teams.values() if headcount)
    return respondents / total if total > 0 else None


def _shown_quarter(quarter: _Quarter, teams: Mapping[str, int | None], minimum: int) -> _Shown:
    team_people = {team: people for team, people in quarter.respondents.items() if people}
    team_counts = {team: len(people) for team, people in team_people.items()}
    everyone: set[str] = set().union(*quarter.respondents.values())
    org_shown = len(everyone) >= minimum
    shown_teams = _protect(team_people, team_people, org_shown, minimum)

    cells: dict[tuple[str, str], _Cell] = defaultdict(_Cell)
    for team, respondent, key, scored in quarter.answers:
        item = quarter.items[key]
        cells[(team, item.dimension)].add(respondent, key, item, scored)
        cells[(ORGANISATION, item.dimension)].add(respondent, key, item, scored)

    shown_cells: dict[tuple[str, str], _Cell] = {}
    for dimension in sorted({item.dimension for item in quarter.items.values()}):
        dimension_people = {
            team: cells[(team, dimension)].respondents.keys()
            for team in team_counts
            if (team, dimension) in cells
        }
        org_cell = cells.get((ORGANISATION, dimension))
        org_dimension_shown = org_shown and org_cell is not None and len(org_cell.respondents) >= minimum
        for team in _protect(dimension_people, shown_teams, org_dimension_shown, minimum):
            shown_cells[(team, dimension)] = cells[(team, dimension)]
        if org_dimension_shown and org_cell is not None:
            shown_cells[(ORGANISATION, dimension)] = org_cell

    quarter_respondents = {team: team_counts[team] for team in shown_teams}
    rates: dict[str, float | None] = {}
    for team in shown_teams:
        headcount = teams.get(team)
        rates[team] = team_counts[team] / headcount if headcount else None
    if org_shown:
        quarter_respondents[ORGANISATION] = len(everyone)
        rates[ORGANISATION] = _org_response_rate(len(everyone), teams, team_counts)
    return _Shown(shown_cells, quarter_respondents, rates)


def _wording(quarter: _Quarter, dimension: str) -> list[str]:
    """The wordings of the dimension's items (SPEC §7.4 compares wording): an item or survey renamed
    with its questions as they were keeps the change; a question reworded, added or dropped loses it."""
    return sorted(item.fingerprint for item in quarter.items.values() if item.dimension == dimension)


def _change(current: _Cell, current_score: float, previous: _Cell, previous_score: float) -> Change:
    moved = current_score - previous_score
    spread = CHANGE_Z * math.hypot(current.standard_error(), previous.standard_error())
    if abs(moved) >= CHANGE_MIN_POINTS - _POINTS_TOLERANCE and abs(moved) > spread + _POINTS_TOLERANCE:
        return "rising" if moved > 0 else "falling"
    return "stable"


def _row_order(score: SpaceScore) -> tuple[bool, str, tuple[int, int], str]:
    return score.team != ORGANISATION, score.team, quarter_key(score.quarter), score.dimension


def compute_space(
    engine: Engine,
    *,
    teams: Mapping[str, int | None],
    min_group_size: int,
    quarters: Sequence[str] | None = None,
) -> list[SpaceScore]:
    """The shown SPACE scores; ``compute_space_quarters`` tells more."""
    return compute_space_quarters(engine, teams=teams, min_group_size=min_group_size, quarters=quarters)[0]


def compute_space_quarters(
    engine: Engine,
    *,
    teams: Mapping[str, int | None],
    min_group_size: int,
    quarters: Sequence[str] | None = None,
) -> tuple[list[SpaceScore], list[SpaceQuarter]]:
    """The shown SPACE scores of every team and of the organisation (``"*"``), per quarter and dimension,
    and the shown team-quarters (sorted the same way, without the dimension).

    ``teams`` maps team names to their headcount (None: unknown) for response rates; teams answering
    the survey that are not in it are scored all the same, without a rate. ``quarters`` limits the rows
    returned (the quarter before each is still read, for the change). Rows are sorted by team (``"*"``
    first), quarter (chronologically) and dimension. ``min_group_size`` below 3 is a ``ValueError``.
    """
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(f"min_group_size must be at least {MIN_GROUP_SIZE_FLOOR} (got {min_group_size})")
    wanted: list[str] | None = None
    read: list[str] | None = None
    if quarters is not None:
        wanted = list(dict.fromkeys(quarters))
        read = sorted({*wanted, *(previous_quarter(quarter) for quarter in wanted)}, key=quarter_key)
    stored = _read(engine, read, {fold(name): name for name in teams})
    shown = {quarter: _shown_quarter(data, teams, min_group_size) for quarter, data in stored.items()}

    scores: list[SpaceScore] = []
    team_quarters: list[SpaceQuarter] = []
    for quarter in wanted if wanted is not None else list(stored):
        if quarter not in shown:
            continue
        current, data = shown[quarter], stored[quarter]
        team_quarters.extend(
            SpaceQuarter(team, quarter, respondents, current.response_rates.get(team))
            for team, respondents in current.quarter_respondents.items()
        )
        before = previous_quarter(quarter)
        earlier, earlier_data = shown.get(before), stored.get(before)
        for (team, dimension), cell in current.cells.items():
            score = cell.score(data.items)
            change: Change | None = None
            if earlier is not None and earlier_data is not None:
                previous_cell = earlier.cells.get((team, dimension))
                if previous_cell is not None and _wording(data, dimension) == _wording(
                    earlier_data, dimension
                ):
                    change = _change(cell, score, previous_cell, previous_cell.score(earlier_data.items))
            scores.append(
                SpaceScore(
                    team=team,
                    quarter=quarter,
                    dimension=dimension,
                    score=score,
                    favourable=cell.favourable / cell.valid,
                    respondents=len(cell.respondents),
                    response_rate=current.response_rates.get(team),
                    change=change,
                    quarter_respondents=current.quarter_respondents[team],
                )
            )
    return sorted(scores, key=_row_order), sorted(
        team_quarters, key=lambda row: (row.team != ORGANISATION, row.team, quarter_key(row.quarter))
    )
