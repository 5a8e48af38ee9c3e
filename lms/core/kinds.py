"""The registry of assessment kinds: the seam paths and certification rules read through.

A kind subclasses `AssessmentKind` and registers with `@register_kind`. Rules never touch a
kind's tables: they ask the kind for `AssessmentResult`s.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class UnknownAssessmentKind(LookupError):
    """No kind is registered under this key (e.g. its package is not installed)."""

    def __init__(self, key: str):
        super().__init__(f"no assessment kind is registered as {key!r}")
        self.key = key


@dataclass(frozen=True)
class AssessmentResult:
    """What a finished attempt, grade or cycle yields: score 0–100, pass/fail, and the
    score it evidences per competency code."""

    score: Decimal
    passed: bool
    competency_scores: dict[str, Decimal] = field(default_factory=dict)
    # When the result was obtained (the latest attempt it rests on); None when the kind does
    # not say. The recertification route reads it: a re-exam must fall inside its window.
    observed_at: datetime | None = None
    # The last day the result holds with nothing written (e.g. hours counted "this quarter");
    # None: until something is written. The engine re-evaluates answers past it.
    valid_until: date | None = None


@dataclass(frozen=True)
class Opening:
    """Whether a person may start what a slot names now: open (until `closes_at`, None when
    it does not close), or not, with the reason in words ("This quiz opens on …")."""

    open: bool
    closes_at: datetime | None = None
    reason: str = ""


class AssessmentKind:
    """Base class of a kind. Subclasses set `key` and `label` and implement `result`."""

    key: str = ""
    label: str = ""

    def result(self, session, source_id: int) -> AssessmentResult | None:
        """The result of one finished attempt/grade/cycle, or None if it has none yet."""
        raise NotImplementedError

    def person_result(self, session, reference: str | None,
                      person_id: int) -> AssessmentResult | None:
        """The person's current result for what a path slot names by `reference` (a quiz id,
        a scenario id, a 360 rater group… each kind documents its own; None or "" means the
        kind's default, e.g. the latest result of any instance). None while there is none."""
        raise NotImplementedError

    def opening(self, session, reference: str | None, person,
                now: datetime) -> Opening | None:
        """May `person` start what `reference` names at `now`? None when the kind does not say
        (pages then only tell whether a result is in)."""
        return None

    def people_results(self, session, reference: str | None,
                       person_ids: list[int]) -> dict[int, AssessmentResult | None]:
        """`person_result` for many people at once ({person_id: result or None}); kinds
        override it with a few set-based reads (the certification engine evaluates thousands
        of people after a KPI import). The same answers as one at a time."""
        return {pid: self.person_result(session, reference, pid) for pid in person_ids}

    def references(self, session) -> list[tuple[str, str]]:
        """The (reference, label) choices an admin may give a slot of this kind; [] when the
        kind takes no reference."""
        return []


_KINDS: dict[str, type[AssessmentKind]] = {}


def register_kind(cls: type[AssessmentKind]) -> type[AssessmentKind]:
    """Class decorator: add a kind; refuses an empty or duplicate key."""
    if not cls.key:
        raise ValueError(f"{cls.__name__} has no key")
    if cls.key in _KINDS and _KINDS[cls.key] is not cls:
        raise ValueError(f"assessment kind {cls.key!r} is already registered")
    _KINDS[cls.key] = cls
    return cls


def get_kind(key: str) -> type[AssessmentKind]:
    """The kind registered as `key`; raises UnknownAssessmentKind otherwise."""
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownAssessmentKind(key) from None


def registered_kinds() -> dict[str, type[AssessmentKind]]:
    """All registered kinds by key."""
    return dict(_KINDS)
