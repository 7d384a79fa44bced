"""What each row of a seed file holds, as input models: the services' own models for every
field a person could also type in the app (a session, a network, a milestone…), and small
models here for the columns only the files have (codes, fictional flags, a stage history step,
a value's status). References between files are not fields: the checker resolves them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dashboard.services.shared.fields import MultiLineText, SingleLineText
from dashboard.services.shared.forms import OptionalDate, TypedDate
from models.enums import AllianceStage, Assessor, RelationLogic, ValueStatus


class Coded(BaseModel):
    """The stable code a row is referred to by from the other files."""

    code: SingleLineText


class Fictional(BaseModel):
    """The demo's networks and partners say they are fictional."""

    is_fictional: bool


class CohortDay(BaseModel):
    """The storyline's own "today" (the calendar is moved from it)."""

    seen_on: OptionalDate = None


class SessionNumber(BaseModel):
    """A session's number: written as is (the app numbers a session left blank)."""

    number: int = Field(ge=1)


class IndicatorPosition(BaseModel):
    """The catalogue's order."""

    position: int = Field(ge=0)


class StageStep(BaseModel):
    """One step of an alliance's stage history."""

    date: TypedDate
    stage: AllianceStage
    comment: MultiLineText | None = None
    logic: RelationLogic | None = None


class ValueRow(BaseModel):
    """A monthly value's month (« AAAA-MM ») and status."""

    period: SingleLineText
    status: ValueStatus


class AssessmentRow(BaseModel):
    """Who assessed, when, and the general comment."""

    assessor: Assessor
    assessed_on: TypedDate
    comment: MultiLineText | None = None


class Password(BaseModel):
    """A demo account's password (hashed when written)."""

    password: str
