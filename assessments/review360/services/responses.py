"""Answering a questionnaire: a draft may be saved any number of times, and submitted once.
Callers own the commit.

Posted answers arrive as {item id: text}: a rating item takes a whole number on the
questionnaire's scale or "na" (cannot judge); a comment item takes text. Anything else — a
rating off the scale, an item of another questionnaire, a second submission, a rater who was
not invited — is refused and nothing is changed.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import object_session

from assessments.review360.models import Answer, Rater, Response
from assessments.review360.services import cycles, eligibility
from lms.core import audit, clock
from lms.core.errors import DomainError, NotFound

CANNOT_JUDGE = "na"
COMMENT_MAX = 4000


@dataclass(frozen=True)
class ParsedAnswer:
    rating: int | None
    comment: str


def _check_rater(actor, rater: Rater, external: bool) -> None:
    if external:
        if not rater.external:
            raise NotFound(_("This questionnaire is not yours to answer."))
    elif actor is None or rater.person_id != actor.id:
        raise NotFound(_("This questionnaire is not yours to answer."))
    if rater.state != "invited":
        raise DomainError(_("Your invitation to this questionnaire has not been sent yet."))
    if rater.submitted:
        raise DomainError(_("You have already submitted this questionnaire; it can be "
                            "submitted only once."))
    if not cycles.accepting_responses(rater.subject.cycle):
        if rater.subject.cycle.closed or clock.now() >= cycles.closes_at(rater.subject.cycle):
            raise DomainError(_("This cycle has closed; answers are no longer taken."))
        raise DomainError(_("This cycle opens on %(date)s.",
                            date=rater.subject.cycle.opens_on.isoformat()))
    if not external:
        # A peer's tier or certificate may have changed since they were nominated.
        not_allowed = eligibility.rater_refusal(object_session(rater), rater.subject.cycle,
                                                rater.group, actor, clock.today(), own=True)
        if not_allowed:
            raise DomainError(not_allowed)


def check_may_answer(actor, rater: Rater, external: bool = False) -> None:
    """Raise the DomainError that would refuse this rater's answers now (see `save`)."""
    _check_rater(actor, rater, external)


def parse_answers(rater: Rater, posted: dict[str, str]) -> dict[int, ParsedAnswer]:
    """Check posted answers against the rater's questionnaire (see the module docstring)."""
    version = rater.subject.version
    items = {item.id: item for item in version.items}
    parsed: dict[int, ParsedAnswer] = {}
    for key, raw in posted.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            raise DomainError(_("The form does not match this questionnaire; reload the "
                                "page.")) from None
        item = items.get(item_id)
        if item is None:
            raise DomainError(_("The form does not match this questionnaire; reload the "
                                "page."))
        value = (raw or "").strip()
        if item.kind == "comment":
            if len(value) > COMMENT_MAX:
                raise DomainError(_("Comments are at most %(n)d characters.", n=COMMENT_MAX),
                                  f"item-{item_id}")
            if value:
                parsed[item_id] = ParsedAnswer(None, value)
            continue
        if value == "":
            continue
        if value == CANNOT_JUDGE:
            parsed[item_id] = ParsedAnswer(None, "")
            continue
        try:
            rating = int(value)
        except ValueError:
            rating = None
        if rating is None or not version.scale_min <= rating <= version.scale_max:
            raise DomainError(_("Ratings are whole numbers from %(low)d to %(high)d, or "
                                "“cannot judge”.", low=version.scale_min,
                                high=version.scale_max), f"item-{item_id}")
        parsed[item_id] = ParsedAnswer(rating, "")
    return parsed


def unanswered(rater: Rater, parsed: dict[int, ParsedAnswer]) -> list[int]:
    """Positions (1-based) of rating items with neither a rating nor "cannot judge"."""
    return [item.position + 1 for item in rater.subject.version.items
            if item.kind == "rating" and item.id not in parsed]


def save(session, actor, rater: Rater, posted: dict[str, str], submit: bool = False,
         external: bool = False) -> Response:
    """Save the rater's answers as a draft, or submit them (every rating item answered or
    marked "cannot judge"). `external`: answered through a link (no actor)."""
    _check_rater(actor, rater, external)
    parsed = parse_answers(rater, posted)
    if submit:
        missing = unanswered(rater, parsed)
        if missing:
            raise DomainError(_("Answer every statement, or choose “cannot judge”: "
                                "%(items)s.", items=", ".join(str(n) for n in missing)))
    response = rater.response
    if response is None:
        response = Response(rater=rater, answers=[])
        session.add(response)
    by_item = {answer.item_id: answer for answer in response.answers}
    for item_id, answer in parsed.items():
        row = by_item.get(item_id)
        if row is None:
            row = Answer(item_id=item_id)
            response.answers.append(row)
        row.rating, row.comment = answer.rating, answer.comment
    for item_id, row in by_item.items():
        if item_id not in parsed:
            response.answers.remove(row)
    response.saved_at = clock.now()
    if submit:
        response.submitted_at = clock.now()
        # The audit says that a rater of this group answered, never what they answered.
        audit.record(actor, "review360.response_submit", rater.subject, group=rater.group,
                     external=rater.external)
    session.flush()
    return response


def draft_values(rater: Rater) -> dict[int, str]:
    """The rater's own saved answers as form values (never anyone else's)."""
    if rater.response is None:
        return {}
    values = {}
    for answer in rater.response.answers:
        if answer.comment:
            values[answer.item_id] = answer.comment
        else:
            values[answer.item_id] = (CANNOT_JUDGE if answer.rating is None
                                      else str(answer.rating))
    return values
