"""Quiz set-up: settings, fixed questions and random draws, publishing, and the per-person and
per-team overrides (accommodations) of dates, time limit and attempts. Callers own the commit.

Overrides, in one rule (`rules_for`): a person's own override wins; then the override of their
team, then of the team above it, and so on; then the quiz's setting. Each setting (opens, closes,
time limit, attempts) is taken from the first of those that sets it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from assessments.quiz.models import (
    CERTIFICATION_REVIEW,
    GRADING_METHODS,
    OVERDUE_HANDLING,
    REVIEW_ITEMS,
    REVIEW_MOMENTS,
    Attempt,
    Question,
    QuestionCategory,
    QuestionVersion,
    Quiz,
    QuizItem,
    QuizOverride,
)
from courses.models import Lesson
from lms.core import audit, policy
from lms.core.eligibility import CERTIFICATE_RULES, Eligibility, check_rule
from lms.core.errors import DomainError, NotFound
from lms.core.i18n import LANGUAGE_NAMES, default_language
from lms.people.models import Person, Team

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
REASON_MAX = 1000
MAX_TIME_LIMIT_SECONDS = 24 * 3600
MAX_DRAW = 200
MAX_ATTEMPTS = 100


@dataclass
class QuizData:
    """A quiz's settings as plain values. Times are aware datetimes; durations in seconds;
    `attempts_allowed` 0 means unlimited; `review_options` maps REVIEW_MOMENTS to lists of
    REVIEW_ITEMS."""

    title: str
    description: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    time_limit_seconds: int | None = None
    attempts_allowed: int = 0
    attempt_wait_seconds: int = 0
    grading_method: str = "highest"
    pass_mark: Decimal = Decimal("80")
    closed_book: bool = False
    shuffle_questions: bool = False
    shuffle_options: bool = True
    overdue_handling: str = "autosubmit"
    grace_seconds: int = 0
    review_options: dict[str, list[str]] = field(default_factory=dict)
    course_id: int | None = None
    lesson_key: str | None = None
    tier_id: int | None = None
    certificate_path_id: int | None = None
    certificate_rule: str = ""
    stage_path_id: int | None = None
    stage: str = ""
    # Other languages: {language: {"title": …, "description": …}} (empty text: none).
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """The dates, time limit and attempts that apply to one person (overrides applied)."""

    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_seconds: int | None
    attempts_allowed: int


def _check(data: QuizData) -> QuizData:
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_("Title is required."), "title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Titles have at most %(n)d characters.", n=TITLE_MAX), "title")
    if len(data.description or "") > DESCRIPTION_MAX:
        raise DomainError(_("The description is too long."), "description")
    _check_window(data.opens_at, data.closes_at)
    _check_time_limit(data.time_limit_seconds)
    _check_attempts(data.attempts_allowed, allow_unlimited=True)
    if data.attempt_wait_seconds < 0:
        raise DomainError(_("The wait between attempts cannot be negative."),
                          "attempt_wait_minutes")
    if data.grading_method not in GRADING_METHODS:
        raise DomainError(_("Unknown grading method."), "grading_method")
    if data.pass_mark is None or not Decimal(0) <= data.pass_mark <= Decimal(100):
        raise DomainError(_("The pass mark is a percentage from 0 to 100."), "pass_mark")
    if data.overdue_handling not in OVERDUE_HANDLING:
        raise DomainError(_("Unknown choice for when time runs out."), "overdue_handling")
    if data.grace_seconds < 0:
        raise DomainError(_("The grace period cannot be negative."), "grace_minutes")
    if data.overdue_handling == "grace" and data.grace_seconds <= 0:
        raise DomainError(_("Give the grace period in which learners may still submit."),
                          "grace_minutes")
    for moment, items in data.review_options.items():
        if moment not in REVIEW_MOMENTS or set(items) - set(REVIEW_ITEMS):
            raise DomainError(_("Unknown review option."), "review")
    if data.certificate_rule not in CERTIFICATE_RULES:
        raise DomainError(_("Unknown certificate rule."), "certificate_rule")
    check_rule(data.certificate_path_id, data.certificate_rule, data.stage_path_id, data.stage)
    data.title = title
    data.description = (data.description or "").strip()
    data.lesson_key = (data.lesson_key or "").strip() or None
    return data


def _check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise DomainError(_("The quiz must close after it opens."), "closes_at")


def _check_time_limit(seconds: int | None) -> None:
    if seconds is not None and not 0 < seconds <= MAX_TIME_LIMIT_SECONDS:
        raise DomainError(_("The time limit is between 1 minute and 24 hours."),
                          "time_limit_minutes")


def _check_attempts(attempts: int | None, allow_unlimited: bool) -> None:
    low = 0 if allow_unlimited else 1
    if attempts is not None and not low <= attempts <= MAX_ATTEMPTS:
        raise DomainError(_("Attempts allowed is a number from %(low)d to %(high)d.",
                            low=low, high=MAX_ATTEMPTS), "attempts_allowed")


def _check_lesson(session, data: QuizData) -> None:
    if data.lesson_key is None:
        return

    if session.scalar(select(Lesson.id).where(Lesson.key == data.lesson_key).limit(1)) is None:
        raise DomainError(_("No course has a lesson with that key."), "lesson_key")


def save_quiz(session, actor, quiz: Quiz | None, data: QuizData) -> Quiz:
    """Create a quiz (unpublished) or change its settings; refuses what `QuizData` forbids."""
    data = _check(data)
    _check_lesson(session, data)
    created = quiz is None
    if created:
        quiz = Quiz(published=False)
        session.add(quiz)
    for name in ("title", "description", "opens_at", "closes_at", "time_limit_seconds",
                 "attempts_allowed", "attempt_wait_seconds", "grading_method", "pass_mark",
                 "closed_book", "shuffle_questions", "shuffle_options", "overdue_handling",
                 "grace_seconds", "course_id", "lesson_key", "tier_id", "certificate_path_id",
                 "certificate_rule", "stage_path_id", "stage"):
        setattr(quiz, name, getattr(data, name))
    options = data.review_options
    if created and data.closed_book and not any(options.values()):
        # A certification exam gives nothing away before the person's last attempt.
        options = CERTIFICATION_REVIEW
    quiz.review_options = {moment: [i for i in REVIEW_ITEMS if i in items]
                           for moment, items in options.items() if items}
    for language, texts in data.translations.items():
        if language not in LANGUAGE_NAMES or language == default_language():
            raise DomainError(_("Unknown language."), "translations")
        quiz.set_translation(language, "title", (texts.get("title") or "").strip()[:200])
        quiz.set_translation(language, "description",
                             (texts.get("description") or "").strip()[:10000])
    session.flush()
    audit.record(actor, "quiz.create" if created else "quiz.update", quiz, title=quiz.title)
    return quiz


def has_attempts(session, quiz: Quiz) -> bool:
    return session.scalar(select(Attempt.id).where(Attempt.quiz_id == quiz.id).limit(1)) \
        is not None


def _require_no_attempts(session, quiz: Quiz) -> None:
    # Attempts point at the questions they showed; changing the slots afterwards would make
    # attempts of one quiz incomparable. Key corrections go through a regrade instead.
    if has_attempts(session, quiz):
        raise DomainError(_("People have already attempted this quiz, so its questions can no "
                            "longer change. Correct a question's key with a regrade instead."))


def _next_position(quiz: Quiz) -> int:
    return max((item.position for item in quiz.items), default=0) + 1


def _check_mark(mark: Decimal | None) -> None:
    if mark is not None and not Decimal(0) < mark <= Decimal(1000):
        raise DomainError(_("A mark is a number above 0 (at most 1000)."), "mark")


def add_question(session, actor, quiz: Quiz, question_id: int,
                 mark: Decimal | None = None) -> QuizItem:
    """Add one fixed question; refuses archived, unknown or already-included questions."""
    _require_no_attempts(session, quiz)
    _check_mark(mark)
    question = session.get(Question, question_id)
    if question is None or question.archived or not question.versions:
        raise DomainError(_("That question does not exist or is archived."), "question_id")
    if any(item.question_id == question.id for item in quiz.items):
        raise DomainError(_("That question is already in the quiz."), "question_id")
    item = QuizItem(question_id=question.id, position=_next_position(quiz), mark=mark)
    quiz.items.append(item)
    session.flush()
    audit.record(actor, "quiz.add_question", quiz, question_id=question.id)
    return item


def category_ids(session, category_id: int, include_subcategories: bool) -> list[int]:
    """The category and, when asked, every category below it."""
    ids, frontier = [category_id], [category_id]
    while include_subcategories and frontier:
        frontier = list(session.scalars(
            select(QuestionCategory.id).where(QuestionCategory.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def drawable_questions(session, item: QuizItem) -> list[int]:
    """Ids of the questions a random draw may pick: live (not archived, with a version)."""
    return drawable_pools(session, [item])[item.id]


def drawable_pools(session, items: list[QuizItem]) -> dict[int, list[int]]:
    """{item id: drawable question ids} for several draws, in one query."""
    wanted = {item.id: set(category_ids(session, item.category_id, item.include_subcategories))
              for item in items}
    everything = set().union(*wanted.values()) if wanted else set()
    rows = session.execute(
        select(Question.id, Question.category_id).where(
            Question.category_id.in_(everything), Question.archived.is_(False),
            Question.id.in_(select(QuestionVersion.question_id)))
        .order_by(Question.id)).all() if everything else []
    return {item_id: [qid for qid, cid in rows if cid in categories]
            for item_id, categories in wanted.items()}


def add_draw(session, actor, quiz: Quiz, category_id: int, count: int,
             include_subcategories: bool = False, mark: Decimal | None = None) -> QuizItem:
    """Add a random draw of `count` questions from a category ("5 from … › Refunds")."""
    _require_no_attempts(session, quiz)
    _check_mark(mark)
    if session.get(QuestionCategory, category_id) is None:
        raise DomainError(_("That category does not exist."), "category_id")
    if not 1 <= count <= MAX_DRAW:
        raise DomainError(_("Draw between 1 and %(n)d questions.", n=MAX_DRAW), "draw_count")
    item = QuizItem(category_id=category_id, draw_count=count, position=_next_position(quiz),
                    include_subcategories=include_subcategories, mark=mark)
    quiz.items.append(item)
    session.flush()
    available = len(drawable_questions(session, item))
    if available < count:
        quiz.items.remove(item)
        session.flush()
        raise DomainError(_("That category has only %(n)d questions to draw from.",
                            n=available), "draw_count")
    audit.record(actor, "quiz.add_draw", quiz, category_id=category_id, count=count)
    return item


def remove_item(session, actor, quiz: Quiz, item: QuizItem) -> None:
    """Take a slot out of a quiz without attempts."""
    if item.quiz_id != quiz.id:
        raise NotFound(_("That slot is not part of this quiz."))
    _require_no_attempts(session, quiz)
    quiz.items.remove(item)
    for position, other in enumerate(quiz.items, start=1):
        other.position = position
    session.flush()
    audit.record(actor, "quiz.remove_item", quiz, item_id=item.id)


def move_item(session, actor, quiz: Quiz, item: QuizItem, offset: int) -> None:
    """Move a slot up (-1) or down (+1)."""
    if item.quiz_id != quiz.id:
        raise NotFound(_("That slot is not part of this quiz."))
    _require_no_attempts(session, quiz)
    items = list(quiz.items)
    index = items.index(item)
    target = min(max(index + offset, 0), len(items) - 1)
    items.insert(target, items.pop(index))
    for position, other in enumerate(items, start=1):
        other.position = position
    quiz.items.sort(key=lambda slot: slot.position)
    session.flush()
    audit.record(actor, "quiz.move_item", quiz, item_id=item.id, offset=offset)


def eligibility(quiz: Quiz) -> Eligibility:
    """Who may take the quiz, as lms.core.eligibility reads it."""
    return Eligibility(
        tier_id=quiz.tier_id, tier_name=quiz.tier.tr("name") if quiz.tier else "",
        certificate_path_id=quiz.certificate_path_id,
        certificate_path_name=quiz.certificate_path.tr("name") if quiz.certificate_path else "",
        certificate_rule=quiz.certificate_rule or "", stage_path_id=quiz.stage_path_id,
        stage_path_name=quiz.stage_path.tr("name") if quiz.stage_path else "",
        stage=quiz.stage or "")


def author_warnings(session, quiz: Quiz) -> list[str]:
    """What the author should know before people take the quiz more than once: draws whose
    pool is too small for a next attempt to get other questions, fixed questions (the same
    every time), and a closed-book exam that shows answers or feedback before the last
    attempt."""
    if quiz.attempts_allowed == 1:
        return []
    found = []
    draws = [item for item in quiz.items if item.question_id is None]
    pools = drawable_pools(session, draws)
    for item in draws:
        pool, count = len(pools[item.id]), item.draw_count
        if pool < 2 * count:
            name = item.category.name if item.category else "?"
            found.append(_("The draw of %(n)d from “%(category)s” has %(pool)d questions: a "
                           "next attempt repeats at least %(repeat)d of them. Add questions "
                           "to the category for attempts to differ.", n=count,
                           category=name, pool=pool, repeat=min(count, 2 * count - pool)))
    fixed = sum(1 for item in quiz.items if item.question_id is not None)
    if fixed:
        found.append(ngettext("%(num)d fixed question is the same in every attempt.",
                              "%(num)d fixed questions are the same in every attempt.", fixed))
    early = {item for moment in ("immediately", "open")
             for item in (quiz.review_options or {}).get(moment, [])}
    if quiz.closed_book and early & {"right_answers", "feedback"}:
        found.append(_("This closed-book exam shows right answers or feedback before the "
                       "person's last attempt: their next attempt measures memory of the "
                       "review. Show them “After the person's last attempt” instead."))
    return found


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt of the quiz shows."""
    return sum(1 if item.question_id else item.draw_count for item in quiz.items)


def publish(session, actor, quiz: Quiz) -> None:
    """Open the quiz to learners; refuses an empty quiz and draws that cannot be filled."""
    if not quiz.items:
        raise DomainError(_("Add questions before publishing."))
    fixed = {item.question_id for item in quiz.items if item.question_id}
    for item in quiz.items:
        if item.question_id is not None:
            if item.question is None or item.question.archived:
                raise DomainError(_("A fixed question of this quiz is archived; remove it "
                                    "first."))
            continue
        available = len(set(drawable_questions(session, item)) - fixed)
        if available < item.draw_count:
            raise DomainError(_("The draw from %(category)s needs %(count)d questions but only "
                                "%(n)d are available.", category=item.category.name,
                                count=item.draw_count, n=available))
    quiz.published = True
    session.flush()
    audit.record(actor, "quiz.publish", quiz)


def unpublish(session, actor, quiz: Quiz) -> None:
    """Close the quiz to new attempts (attempts in progress may still be finished)."""
    quiz.published = False
    session.flush()
    audit.record(actor, "quiz.unpublish", quiz)


# Overrides


@dataclass
class OverrideData:
    """An accommodation for one person or one team; None leaves the quiz's setting."""

    person_id: int | None = None
    team_id: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    time_limit_seconds: int | None = None
    attempts_allowed: int | None = None
    reason: str = ""


def save_override(session, actor, quiz: Quiz, data: OverrideData) -> QuizOverride:
    """Set (or replace) the override of a person or team. HR and admins may set any; a mentor
    only their mentees'. Refuses an override that changes nothing or has no reason."""
    if (data.person_id is None) == (data.team_id is None):
        raise DomainError(_("Choose either a person or a team."), "person_id")
    target = (session.get(Person, data.person_id) if data.person_id is not None
              else session.get(Team, data.team_id))
    if target is None or not target.active:
        raise DomainError(_("Unknown or inactive person or team."),
                          "person_id" if data.person_id is not None else "team_id")
    if not policy.may(actor, "quiz.override", target):
        raise DomainError(_("You may set accommodations only for your own mentees."),
                          "person_id")
    reason = (data.reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the accommodation."), "reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is too long."), "reason")
    if all(value is None for value in (data.opens_at, data.closes_at, data.time_limit_seconds,
                                       data.attempts_allowed)):
        raise DomainError(_("Change at least one of the dates, the time limit or the attempts."))
    _check_window(data.opens_at or quiz.opens_at, data.closes_at or quiz.closes_at)
    _check_time_limit(data.time_limit_seconds)
    _check_attempts(data.attempts_allowed, allow_unlimited=True)
    override = session.scalar(select(QuizOverride).where(
        QuizOverride.quiz_id == quiz.id,
        QuizOverride.person_id == data.person_id if data.person_id is not None
        else QuizOverride.team_id == data.team_id))
    before = _override_values(override) if override is not None else None
    if override is None:
        override = QuizOverride(quiz_id=quiz.id, person_id=data.person_id, team_id=data.team_id)
        session.add(override)
    override.opens_at = data.opens_at
    override.closes_at = data.closes_at
    override.time_limit_seconds = data.time_limit_seconds
    override.attempts_allowed = data.attempts_allowed
    override.reason = reason
    override.created_by_id = actor.id if actor is not None else None
    session.flush()
    audit.record(actor, "quiz.override", quiz, reason, person_id=data.person_id,
                 team_id=data.team_id, before=before, after=_override_values(override))
    return override


def _override_values(override: QuizOverride) -> dict:
    return {
        "opens_at": override.opens_at.isoformat() if override.opens_at else None,
        "closes_at": override.closes_at.isoformat() if override.closes_at else None,
        "time_limit_seconds": override.time_limit_seconds,
        "attempts_allowed": override.attempts_allowed,
    }


def delete_override(session, actor, override: QuizOverride, reason: str = "") -> None:
    """Remove an accommodation; the same people who may set it may remove it."""
    target = (session.get(Person, override.person_id) if override.person_id is not None
              else session.get(Team, override.team_id))
    if target is not None and not policy.may(actor, "quiz.override", target):
        raise DomainError(_("You may remove accommodations only for your own mentees."))
    quiz = session.get(Quiz, override.quiz_id)
    audit.record(actor, "quiz.override_delete", quiz, reason, person_id=override.person_id,
                 team_id=override.team_id, before=_override_values(override))
    session.delete(override)
    session.flush()


def overrides_for(session, quiz: Quiz, person: Person) -> list[QuizOverride]:
    """The overrides that apply to `person`, strongest first (see the module docstring)."""
    team_chain: list[int] = []
    team = person.team
    while team is not None and team.id not in team_chain:
        team_chain.append(team.id)
        team = team.parent
    rows = session.scalars(select(QuizOverride).where(
        QuizOverride.quiz_id == quiz.id,
        (QuizOverride.person_id == person.id) | QuizOverride.team_id.in_(team_chain or [-1]),
    )).all()

    def strength(row: QuizOverride) -> int:
        return -1 if row.person_id is not None else team_chain.index(row.team_id)

    return sorted(rows, key=strength)


def rules_for(session, quiz: Quiz, person: Person) -> Rules:
    """The dates, time limit and attempts that apply to `person` on `quiz`."""
    chosen = overrides_for(session, quiz, person)

    def pick(name: str):
        for row in chosen:
            if getattr(row, name) is not None:
                return getattr(row, name)
        return getattr(quiz, name)

    return Rules(opens_at=pick("opens_at"), closes_at=pick("closes_at"),
                 time_limit_seconds=pick("time_limit_seconds"),
                 attempts_allowed=pick("attempts_allowed"))


def quiz_list_query(published_only: bool = False):
    """Quizzes by title; with `published_only`, only those learners can take."""
    stmt = select(Quiz).order_by(func.lower(Quiz.title), Quiz.id)
    if published_only:
        stmt = stmt.where(Quiz.published.is_(True))
    return stmt


def knowledge_check_for(session, lesson_key: str) -> Quiz | None:
    """The published knowledge check of a lesson (by its stable key), if it has one."""
    return session.scalar(select(Quiz).where(Quiz.lesson_key == lesson_key,
                                             Quiz.published.is_(True))
                          .order_by(Quiz.id).limit(1))
