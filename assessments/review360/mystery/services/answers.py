"""A shopper reports a visit: every active item of the programme's checklist answered yes,
partly, no or "not applicable", once. Anything else — an item of another checklist, an
unknown answer, a missing item, a second report, a dead link — is refused and nothing is
changed. Callers own the commit.

The score (0–100, exact): the weights earned (yes all, partly half, no nothing) over the
weights of the applicable items. The answered visit then

- writes the agent's KPI "mystery shopper score" for the visit's month (the mean of the
  month's answered visits) through the KPI service, so it becomes competency evidence and
  the certification rules and improvement plans see it;
- feeds the customer group of the agent's open 360 cycle, when the programme says so
  (`feeds`).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from sqlalchemy import update

from assessments.review360.mystery.models import (
    ANSWERS,
    CREDIT,
    SECTIONS,
    MysteryAnswer,
    MysteryItem,
    MysteryVisit,
)
from assessments.review360.mystery.services import feeds
from lms.core import audit, clock
from lms.core.errors import DomainError

SCORE_PLACES = Decimal("0.0001")
COMMENT_MAX = 2000


@dataclass(frozen=True)
class SectionScore:
    section: str
    score: Decimal | None          # None: every item of the section was not applicable
    # (item, answer, the weight it was given with): an item's weight may have moved since.
    answers: tuple[tuple[MysteryItem, str, Decimal], ...]


def parse_answers(visit: MysteryVisit, posted: dict[str, str]) -> dict[int, str]:
    """{item id: answer} checked against the visit's checklist (module docstring)."""
    items = {item.id: item for item in visit.programme.checklist.active_items}
    parsed: dict[int, str] = {}
    for key, raw in posted.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            item_id = None
        if item_id not in items:
            raise DomainError(_("The form does not match this checklist; reload the page."))
        value = (raw or "").strip()
        if value not in ANSWERS:
            raise DomainError(_("Answer each item with yes, partly, no or not applicable."),
                              f"item-{item_id}")
        parsed[item_id] = value
    missing = [item.position + 1 for item in items.values() if item.id not in parsed]
    if missing:
        raise DomainError(_("Answer every item (or choose “not applicable”): %(items)s.",
                            items=", ".join(str(n) for n in sorted(missing))))
    if all(value == "na" for value in parsed.values()):
        raise DomainError(_("At least one item must apply to the visit."))
    return parsed


def score_of(answers: list[tuple[Decimal, str]]) -> Decimal | None:
    """The 0–100 score of (weight, answer) pairs; None when nothing applies."""
    applicable = [(w, a) for w, a in answers if a in CREDIT and w > 0]
    total = sum((w for w, _a in applicable), Decimal(0))
    if total <= 0:
        return None
    earned = sum((w * CREDIT[a] for w, a in applicable), Decimal(0))
    return (earned * 100 / total).quantize(SCORE_PLACES, rounding=ROUND_DOWN)


def submit(session, visit: MysteryVisit, posted: dict[str, str], comment: str = "") -> Decimal:
    """Record the shopper's answers, score the visit and pass the score on (module
    docstring); returns the score. The link is checked by the caller (`visit_for_token`)."""
    if visit.state(clock.now()) != "invited":
        raise DomainError(_("This visit can no longer be reported."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Comments are at most %(n)d characters.", n=COMMENT_MAX),
                          "comment")
    parsed = parse_answers(visit, posted)
    # Claim the visit in one conditional UPDATE: of two posts racing on one link (a replay,
    # a double click) only the first finds it still invited.
    claimed = session.execute(
        update(MysteryVisit).where(MysteryVisit.id == visit.id,
                                   MysteryVisit.status == "invited")
        .values(status="answered").execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("This visit can no longer be reported."))
    items = {item.id: item for item in visit.programme.checklist.active_items}
    for item_id, value in parsed.items():
        visit.answers.append(MysteryAnswer(item_id=item_id, answer=value,
                                           weight=items[item_id].weight))
    visit.score = score_of([(items[i].weight, v) for i, v in parsed.items()])
    visit.comment = comment
    visit.status = "answered"
    visit.answered_at = clock.now()
    session.flush()
    # The audit says that the visit was reported and its score, never by whom.
    audit.record(None, "mystery.visit_answer", visit, agent_id=visit.agent_id,
                 month=visit.month.isoformat(), score=str(visit.score))
    feeds.write_kpi(session, visit)
    if visit.programme.feeds_360:
        feeds.feed_review360(session, visit, competency_scores(visit))
    return visit.score


def sections(visit: MysteryVisit) -> list[SectionScore]:
    """The visit's answers by section, with each section's score (for the detail page)."""
    grouped = defaultdict(list)
    for answer in sorted(visit.answers, key=lambda a: a.item.position):
        grouped[answer.item.section].append(answer)
    result = []
    for section in SECTIONS:
        rows = grouped.get(section, [])
        if rows:
            result.append(SectionScore(
                section, score_of([(a.weight, a.answer) for a in rows]),
                tuple((a.item, a.answer, a.weight) for a in rows)))
    return result


def competency_scores(visit: MysteryVisit) -> dict[int, Decimal]:
    """{competency id: 0–100} from the visit's items tagged with a competency."""
    by_competency = defaultdict(list)
    for answer in visit.answers:
        if answer.item.competency_id is not None:
            by_competency[answer.item.competency_id].append((answer.weight, answer.answer))
    scores = {cid: score_of(pairs) for cid, pairs in by_competency.items()}
    return {cid: score for cid, score in scores.items() if score is not None}
