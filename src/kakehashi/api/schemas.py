"""What the API takes and gives, as typed schemas: the OpenAPI document is generated from them.

Inputs refuse what they do not name (``extra="forbid"``) and take JSON's types strictly: ``false`` is not 0,
``"1"`` is not 1, and a date is a ``YYYY-MM-DD`` string (not a number of seconds). A field the policy hides from
the integration (``accounts.policy.FIELDS``) is null in what it gives, never an empty value that could be read as
an answer.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr
from pydantic_core import PydanticCustomError

from kakehashi.referrals.models import Outcome, Reason

# Dates and moments are ISO 8601 text, as the document's patterns say: pydantic would also read a number (or a
# string of digits) as seconds since 1970. Years run 1900–2199 and offsets to ±14:00, what the database stores and
# the fiscal calendar counts; every date the domain knows falls well inside.
DAY = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MOMENT = (r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
          r"(\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$")
# Text the database can store: PostgreSQL refuses the NUL character.
TEXT = r"^[^\u0000]*$"


def _matching(pattern: str, kind: str, message: str) -> BeforeValidator:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if not (isinstance(value, str) and compiled.match(value)):
            raise PydanticCustomError(kind, message)
        return value

    return BeforeValidator(check)


Day = Annotated[datetime.date, _matching(DAY, "date_type", "a date is YYYY-MM-DD"),
                Field(json_schema_extra={"pattern": DAY})]
Moment = Annotated[datetime.datetime, _matching(MOMENT, "datetime_type", "a moment is ISO 8601 with its offset"),
                   Field(json_schema_extra={"pattern": MOMENT})]
Id = Annotated[StrictStr, Field(min_length=1, max_length=40, pattern=TEXT)]
Note = Annotated[StrictStr, Field(max_length=5000, pattern=TEXT)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- postings and employers ---------------------------------------------------------------------------------------

class Place(Schema):
    postal_code: str
    municipality: str | None
    town: str | None
    area: str | None


class PostingOut(Schema):
    posting_id: str
    employer_id: str
    employer_name: str
    site: str
    received_on: datetime.date
    closes_on: datetime.date | None
    occupation: str
    occupation_name: str
    occupation_minor: str
    openings: int
    employment: str = Field(description="full_time / part_time")
    wage_min: int | None
    wage_max: int | None
    wage_unit: str = Field(description="month / hour")
    hours: str
    place: Place
    required_qualifications: list[str]
    experience_required: bool
    trial_employment_ok: bool
    developed: bool
    source: str = Field(description="local（この窓口で登録）/ feed（ハローワーク求人情報から取込）")
    title: str
    description: str
    updated_at: datetime.datetime


class PostingPage(Schema):
    items: list[PostingOut]
    next_cursor: str | None


class EmployerOut(Schema):
    employer_id: str
    name: str
    name_kana: str
    industry: str
    industry_name: str
    place: Place
    employees: int | None
    center_member: bool
    phone: str
    updated_at: datetime.datetime


class EmployerPage(Schema):
    items: list[EmployerOut]
    next_cursor: str | None


# --- seekers ------------------------------------------------------------------------------------------------------

class ConsentOut(Schema):
    party: str
    purpose: str
    given_on: datetime.date
    withdrawn_on: datetime.date | None


class SeekerOut(Schema):
    seeker_id: str
    status: str = Field(description="active / employed / inactive")
    registered_on: datetime.date
    registered_by: str
    name: str
    name_kana: str
    birth_year: int | None
    phone: str
    place: Place
    desired_employment: str
    desired_occupations: list[str]
    min_wage: int | None
    wage_unit: str
    max_commute_km: float | None
    desired_hours: str
    qualifications: list[str]
    gap_years: int | None
    note: str
    # seen only by the parties that may know welfare status (null otherwise: accounts.policy.FIELDS)
    site: str | None = Field(description="拠点コード。福祉窓口を含むため、福祉の状況を知りうる機関にだけ示す（他は null）")
    welfare_recipient: bool | None = Field(description="生活保護受給。福祉の状況を知りうる機関にだけ示す（他は null）")
    barriers: str | None = Field(description="抱える課題。福祉の状況を知りうる機関にだけ示す（他は null）")
    referred_by: str | None = Field(description="紹介元。福祉の状況を知りうる機関にだけ示す（他は null）")
    referring_agency: str | None = Field(description="紹介元機関のコード。福祉の状況を知りうる機関にだけ示す（他は null）")
    consents: list[ConsentOut]
    anonymised_on: datetime.date | None
    updated_at: datetime.datetime


class SeekerPage(Schema):
    items: list[SeekerOut]
    next_cursor: str | None


# --- referrals ----------------------------------------------------------------------------------------------------

class TrialOut(Schema):
    started_on: datetime.date
    planned_end_on: datetime.date
    outcome: str = Field(description="ongoing / converted / ended_early / ended")
    ended_on: datetime.date | None


class ReferralOut(Schema):
    referral_id: str
    seeker_id: str
    posting_id: str
    referred_on: datetime.date
    stage: str = Field(description="referred / interview / hired / rejected / declined / withdrawn")
    outcome: str = Field(description="pending / hired / rejected / declined / withdrawn")
    outcome_on: datetime.date | None
    reason: str
    interview_on: datetime.date | None
    trial_employment: bool
    trial: TrialOut | None
    employer_note: str | None = Field(description="事業所からの評価・連絡。ハローワークと市にだけ示す（他は null）")
    updated_at: datetime.datetime


class ReferralPage(Schema):
    items: list[ReferralOut]
    next_cursor: str | None


# How a trial ends (TrialOutcome without "ongoing"; tests/test_api.py keeps the two in step).
TrialEnding = Literal["converted", "ended_early", "ended"]


class ReferralIn(Input):
    seeker_id: Id
    posting_id: Id
    referred_on: Day
    trial_employment: StrictBool = False


class OutcomeIn(Input):
    outcome: Outcome
    outcome_on: Day | None = None
    reason: Reason | Literal[""] = Field("", description="不採用・取消では必須（結果に合う理由）")
    employer_note: Note | None = Field(None, description="省略すると今の記録のまま")


class TrialStartIn(Input):
    started_on: Day
    planned_end_on: Day | None = Field(None, description="省略すると開始日から3か月")


class TrialEndIn(Input):
    outcome: TrialEnding
    ended_on: Day
    note: Note = ""


# --- matches ------------------------------------------------------------------------------------------------------

class PostingMatch(Schema):
    posting_id: str
    title: str
    employer_name: str
    score: int
    reasons: list[str]
    unmet: list[str]


class SeekerMatch(Schema):
    seeker_id: str
    name: str
    score: int
    reasons: list[str]
    unmet: list[str]


class PostingMatches(Schema):
    seeker_id: str
    postings_total: int
    items: list[PostingMatch]


class SeekerMatches(Schema):
    posting_id: str
    seekers_total: int
    items: list[SeekerMatch]


# --- figures, targets and the import ------------------------------------------------------------------------------

class IndicatorFigures(Schema):
    target: int | None
    actual: int | None
    prior_target: int | None
    prior_actual: int | None


class Progress(Schema):
    """The JSON of ``kakehashi report progress`` (docs/figures.md)."""

    site: str
    fiscal_year: int
    as_of: datetime.date
    indicators: dict[str, IndicatorFigures]
    site_name: str
    fiscal_year_label: str
    as_of_label: str
    progress: dict[str, dict[str, Any]]
    monthly: dict[str, Any]
    placements_by_party: dict[str, Any] | None = None
    retention: dict[str, dict[str, Any]] | None = None


class TargetOut(Schema):
    site: str
    fiscal_year: int
    indicator: str
    label: str
    unit: str
    target: int


class TargetPage(Schema):
    items: list[TargetOut]
    next_cursor: str | None


class ImportedFile(Schema):
    kind: str
    file: str
    encoding: str
    rows: int
    created: int
    updated: int
    unchanged: int
    seconds: float


class ImportOut(Schema):
    files: list[ImportedFile]
    warnings: list[str]
    seconds: float

