"""The question bank: categories, questions and their versions, competency tags, imports.

A question's content lives in versions. Editing content adds a version (the latest is what new
attempts show); attempts keep the version they showed, so an edit never changes a past score.
The category, difficulty, competencies and the archived flag belong to the question itself.
Question text and feedback are Markdown (rendered through `lms.core.markdown`). Callers own the
commit.
"""

import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from assessments.quiz.models import (
    QUESTION_TYPES,
    UNSCORED_TYPES,
    AttemptQuestion,
    Question,
    QuestionAttachment,
    QuestionCategory,
    QuestionCompetency,
    QuestionVersion,
    QuizItem,
)
from lms.competencies.models import Competency
from lms.core import audit, uploads
from lms.core.errors import DomainError
from lms.core.markdown import render_markdown
from lms.core.uploads import read_text

NAME_MAX = 200
TEXT_MAX = 20000
FEEDBACK_MAX = 5000
OPTION_MAX = 2000
ROWS_MAX = 50
MARK_MAX = Decimal(1000)
DEMO_BANK = Path(__file__).resolve().parents[1] / "demo_bank.gift"
DEMO_BANK_ZH = Path(__file__).resolve().parents[1] / "demo_bank.zh_Hans.gift"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@dataclass
class QuestionData:
    """A question's editable content and settings, as plain values.

    `data` has the type's parts (see QuestionVersion). `competency_ids` None leaves a
    question's tags as they are on edit."""

    qtype: str
    text: str
    data: dict
    name: str = ""
    general_feedback: str = ""
    default_mark: Decimal = Decimal(1)
    difficulty: int = 3
    competency_ids: tuple[int, ...] | None = None
    idnumber: str | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ImportProblem:
    """Why a line of an imported file was refused."""

    line: int
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        return _("line %(line)d: %(problem)s", line=self.line, problem=self.message)


class ImportRefused(DomainError):
    """A file was refused as a whole; `problems` lists each one with its line."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(_("The file was not imported; nothing was changed. Correct these "
                           "problems and upload it again:"), "file")


@dataclass
class ParsedQuestion:
    """A question read from a file, not yet checked against the bank's rules.

    `category` is a path of names from the top of the bank (None: the import's target);
    `lines` maps a field ("options-2") to the line it came from, so problems name the line."""

    line: int
    question: QuestionData
    category: tuple[str, ...] | None = None
    competency_codes: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)
    # Files the text refers to (a Moodle XML export's images): name → content.
    files: dict[str, bytes] = field(default_factory=dict)
    # The description of the category the question is in, when the file gives one.
    category_description: str = ""


@dataclass
class ImportResult:
    questions: list[Question]
    categories_created: list[QuestionCategory]
    # With on_error="skip": the questions left out, each with its line and reason.
    skipped: list[ImportProblem] = field(default_factory=list)


ON_ERROR = ("stop", "skip")
# Moodle's combined feedback: shown for a right, a partly right and a wrong response.
COMBINED_FEEDBACK = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
TAG_MAX = 100
IDNUMBER_MAX = 100
HINT_MAX = 5000


# Text


def question_html(text: str) -> Markup:
    """Question text or feedback (Markdown) as safe HTML."""

    return render_markdown(text)


def short_name(text: str, limit: int = 60) -> str:
    """A default question name from its text: the first words, without Markdown marks."""
    words = re.sub(r"[\\`*_#>\[\]()!|<]+", " ", text).split()
    name = " ".join(words)
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


# Categories


def category_path(category: QuestionCategory) -> list[QuestionCategory]:
    """The category and its ancestors, from the top of the bank down."""
    path, seen = [], set()
    while category is not None and category.id not in seen:
        path.append(category)
        seen.add(category.id)
        category = category.parent
    return list(reversed(path))


def path_label(category: QuestionCategory) -> str:
    """"Product knowledge › Returns and refunds"."""
    return " › ".join(c.name for c in category_path(category))


@dataclass(frozen=True)
class CategoryNode:
    category: QuestionCategory
    depth: int
    questions: int  # questions not archived, in this category only


def category_tree(session) -> list[CategoryNode]:
    """Every category in tree order (parents first, siblings by name)."""
    categories = list(session.scalars(select(QuestionCategory)))
    counts = dict(session.execute(
        select(Question.category_id, func.count()).where(Question.archived.is_(False))
        .group_by(Question.category_id)).all())
    children: dict[int | None, list[QuestionCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    nodes: list[CategoryNode] = []

    def walk(parent_id, depth):
        for category in sorted(children.get(parent_id, []), key=lambda c: c.name.casefold()):
            nodes.append(CategoryNode(category, depth, counts.get(category.id, 0)))
            walk(category.id, depth + 1)

    walk(None, 0)
    return nodes


def subtree_ids(session, category: QuestionCategory) -> list[int]:
    """The category's id and every descendant's, parents first."""
    ids, frontier = [category.id], [category.id]
    while frontier:
        frontier = list(session.scalars(
            select(QuestionCategory.id).where(QuestionCategory.parent_id.in_(frontier))
            .order_by(QuestionCategory.name)))
        ids.extend(frontier)
    return ids


def find_child(session, parent: QuestionCategory | None, name: str) -> QuestionCategory | None:
    """The category called `name` (any case) directly under `parent` (None: the top)."""
    parent_id = parent.id if parent is not None else None
    condition = (QuestionCategory.parent_id.is_(None) if parent_id is None
                 else QuestionCategory.parent_id == parent_id)
    return session.scalar(select(QuestionCategory).where(
        condition, func.lower(QuestionCategory.name) == name.strip().lower()))


def _check_category_name(session, name: str, parent, category=None) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Name is required."), "name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Names have at most %(n)d characters.", n=NAME_MAX), "name")
    twin = find_child(session, parent, name)
    if twin is not None and twin is not category:
        raise DomainError(_("There is already a category called %(name)s here.", name=name),
                          "name")
    return name


def create_category(session, actor, name: str, parent: QuestionCategory | None = None,
                    description: str = "") -> QuestionCategory:
    """A new category; refuses an empty name and a name its siblings already use."""
    name = _check_category_name(session, name, parent)
    category = QuestionCategory(name=name, parent=parent, description=description.strip())
    session.add(category)
    session.flush()
    audit.record(actor, "question_category.create", category, path=path_label(category))
    return category


def update_category(session, actor, category: QuestionCategory, name: str,
                    parent: QuestionCategory | None, description: str = "") -> None:
    """Rename or move a category; refuses moving it under itself or its descendants."""
    if parent is not None and parent.id in subtree_ids(session, category):
        raise DomainError(_("A category cannot be moved inside itself."), "parent_id")
    category.name = _check_category_name(session, name, parent, category)
    category.parent = parent
    category.description = description.strip()
    session.flush()
    audit.record(actor, "question_category.update", category, path=path_label(category))


def delete_category(session, actor, category: QuestionCategory) -> None:
    """Remove an empty category; refuses one holding questions (archived ones too),
    subcategories, or random draws of a quiz."""
    if session.scalar(select(func.count()).select_from(QuestionCategory)
                      .where(QuestionCategory.parent_id == category.id)):
        raise DomainError(_("Move or delete its subcategories first."))
    if session.scalar(select(func.count()).select_from(Question)
                      .where(Question.category_id == category.id)):
        raise DomainError(_("Only an empty category can be deleted; move its questions "
                            "(archived ones too) first."))
    if session.scalar(select(func.count()).select_from(QuizItem)
                      .where(QuizItem.category_id == category.id)):
        raise DomainError(_("A quiz draws random questions from this category."))
    audit.record(actor, "question_category.delete", category, path=path_label(category))
    session.delete(category)
    session.flush()


def parse_category_path(text: str) -> tuple[str, ...]:
    """"a/b/c" (GIFT's form: `//` is a slash inside a name; Moodle's `$course$/top/` prefix is
    dropped) or "a › b" as a tuple of names; refuses an empty part."""
    text = text.strip()
    if "›" in text and "/" not in text:
        parts = text.split("›")
    else:
        parts = [p.replace("//", "/") for p in re.split(r"(?<!/)/(?!/)", text)]
    parts = [" ".join(p.split()) for p in parts]
    while parts and re.fullmatch(r"\$\w+\$", parts[0]):
        parts = parts[1:]
    if len(parts) > 1 and parts[0].lower() == "top":
        parts = parts[1:]
    if not parts or any(not p for p in parts):
        raise DomainError(_("A category path needs a name between every /."), "category")
    return tuple(parts)


def find_category(session, path: tuple[str, ...]) -> QuestionCategory | None:
    """The category at `path` (names from the top, any case), or None."""
    category = None
    for name in path:
        category = find_child(session, category, name)
        if category is None:
            return None
    return category


def ensure_category(session, actor, path: tuple[str, ...],
                    created: list | None = None) -> QuestionCategory:
    """The category at `path`, creating the missing ones (appended to `created`)."""
    category = None
    for name in path:
        found = find_child(session, category, name)
        if found is None:
            found = create_category(session, actor, name, category)
            if created is not None:
                created.append(found)
        category = found
    return category


# Questions: checking content


def _limit(text, limit: int, field_name: str, what: str) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if len(text) > limit:
        raise DomainError(_("%(what)s has at most %(n)d characters.", what=what, n=limit),
                          field_name)
    return text


def canonical(value: Decimal) -> str:
    """A Decimal as its shortest exact string ("0.5", "-1", "30")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number(value, field_name: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(message, field_name) from None
    if not number.is_finite():
        raise DomainError(message, field_name)
    return number


def _fraction(value, field_name: str, low: Decimal = Decimal(-1)) -> str:
    number = _number(value, field_name, _("Enter a grade as a number."))
    if not low <= number <= 1:
        low_percent = canonical(low * 100)
        raise DomainError(_("A grade must be between %(low)s %% and 100 %%.", low=low_percent),
                          field_name)
    return canonical(number)


def _ids(rows: list[dict], prefix: str) -> list[str]:
    """Each row's id: the one it has when valid and unique, else the next free one."""
    taken = {str(r.get("id")) for r in rows if _ID.match(str(r.get("id") or ""))}
    seen, ids, n = set(), [], 0
    for row in rows:
        given = str(row.get("id") or "")
        if _ID.match(given) and given not in seen:
            ids.append(given)
            seen.add(given)
            continue
        while True:
            n += 1
            candidate = f"{prefix}{n}"
            if candidate not in taken and candidate not in seen:
                break
        ids.append(candidate)
        seen.add(candidate)
    return ids


def _rows(data: dict, key: str, minimum: int, message: str) -> list[dict]:
    rows = data.get(key)
    if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
        rows = []
    if len(rows) < minimum:
        raise DomainError(message, key)
    if len(rows) > ROWS_MAX:
        raise DomainError(_("At most %(n)d rows.", n=ROWS_MAX), key)
    return rows


def _clean_choices(qtype: str, data: dict) -> dict:
    rows = _rows(data, "options", 2, _("Give at least two options."))
    ids = _ids(rows, "o")
    options = []
    for i, (row, option_id) in enumerate(zip(rows, ids, strict=True)):
        text = _limit(row.get("text"), OPTION_MAX, f"options-{i}-text", _("An option"))
        if not text:
            raise DomainError(_("Write the option's text."), f"options-{i}-text")
        options.append({
            "id": option_id, "text": text,
            "fraction": _fraction(row.get("fraction", "0"), f"options-{i}-fraction"),
            "feedback": _limit(row.get("feedback"), FEEDBACK_MAX, f"options-{i}-feedback",
                               _("Feedback")),
        })
    fractions = [Decimal(o["fraction"]) for o in options]
    if qtype == "single" and Decimal(1) not in fractions:
        raise DomainError(_("Give one option full marks (a grade of 100)."), "options")
    if qtype == "multiple":
        positive = sum((f for f in fractions if f > 0), Decimal(0))
        # Moodle's rule: the right options' grades add up to 100 % (to two decimals, so
        # three options of 33.33333 % are accepted).
        if abs(positive - 1) >= Decimal("0.005"):
            raise DomainError(_("The right options' grades must add up to 100 %% (now "
                                "%(total)s %%).", total=canonical(positive * 100)), "options")
    return {"options": options}


def _clean_truefalse(data: dict) -> dict:
    answer = data.get("answer")
    if not isinstance(answer, bool):
        raise DomainError(_("Choose whether the statement is true or false."), "answer")
    return {
        "answer": answer,
        "feedback_true": _limit(data.get("feedback_true"), FEEDBACK_MAX, "feedback_true",
                                _("Feedback")),
        "feedback_false": _limit(data.get("feedback_false"), FEEDBACK_MAX, "feedback_false",
                                 _("Feedback")),
    }


def _clean_shortanswer(data: dict) -> dict:
    rows = _rows(data, "answers", 1, _("Give at least one accepted answer."))
    answers = []
    for i, row in enumerate(rows):
        text = _limit(row.get("text"), OPTION_MAX, f"answers-{i}-text", _("An answer"))
        if not text:
            raise DomainError(_("Write the accepted answer."), f"answers-{i}-text")
        answers.append({
            "text": text,
            "fraction": _fraction(row.get("fraction", "1"), f"answers-{i}-fraction",
                                  Decimal(0)),
            "feedback": _limit(row.get("feedback"), FEEDBACK_MAX, f"answers-{i}-feedback",
                               _("Feedback")),
        })
    if not any(Decimal(a["fraction"]) == 1 for a in answers):
        raise DomainError(_("Give one accepted answer full marks (a grade of 100)."), "answers")
    return {"answers": answers, "case_sensitive": bool(data.get("case_sensitive"))}


def _clean_numerical(data: dict) -> dict:
    rows = _rows(data, "answers", 1, _("Give at least one answer."))
    answers = []
    for i, row in enumerate(rows):
        raw = str(row.get("value", "")).strip()
        if raw == "*":
            value, tolerance = "*", "0"
        else:
            value = canonical(_number(raw, f"answers-{i}-value",
                                       _("Enter a number (or * for any other answer).")))
            step = _number(row.get("tolerance") or "0", f"answers-{i}-tolerance",
                           _("Enter the tolerance as a number."))
            if step < 0:
                raise DomainError(_("The tolerance cannot be negative."),
                                  f"answers-{i}-tolerance")
            tolerance = canonical(step)
        answers.append({
            "value": value, "tolerance": tolerance,
            "fraction": _fraction(row.get("fraction", "1"), f"answers-{i}-fraction",
                                  Decimal(0)),
            "feedback": _limit(row.get("feedback"), FEEDBACK_MAX, f"answers-{i}-feedback",
                               _("Feedback")),
        })
    if not any(Decimal(a["fraction"]) == 1 and a["value"] != "*" for a in answers):
        raise DomainError(_("Give one answer full marks (a grade of 100)."), "answers")
    return {"answers": answers}


def _clean_matching(data: dict) -> dict:
    rows = _rows(data, "pairs", 2, _("Give at least two pairs."))
    ids = _ids(rows, "p")
    pairs = []
    for i, (row, pair_id) in enumerate(zip(rows, ids, strict=True)):
        prompt = _limit(row.get("prompt"), OPTION_MAX, f"pairs-{i}-prompt", _("A prompt"))
        answer = _limit(row.get("answer"), OPTION_MAX, f"pairs-{i}-answer", _("An answer"))
        if not answer:
            raise DomainError(_("Write the answer this prompt matches."), f"pairs-{i}-answer")
        if "->" in prompt:
            # GIFT writes a pair as "prompt -> answer"; keep every question exportable.
            raise DomainError(_("A prompt cannot contain ->."), f"pairs-{i}-prompt")
        pairs.append({"id": pair_id, "prompt": prompt, "answer": answer})
    if sum(1 for p in pairs if p["prompt"]) < 2:
        raise DomainError(_("Give at least two pairs with a prompt (pairs without one are "
                            "extra wrong answers)."), "pairs")
    return {"pairs": pairs}


def clean_question(question: QuestionData) -> QuestionData:
    """The question checked and normalised for storing (ids assigned, grades as exact
    strings, text trimmed); refuses what learners could not answer or scoring could not read,
    with the field the problem belongs to."""
    if question.qtype not in QUESTION_TYPES:
        raise DomainError(_("Unknown question type."), "qtype")
    text = _limit(question.text, TEXT_MAX, "text", _("The question text"))
    if not text:
        raise DomainError(_("Write the question."), "text")
    name = " ".join((question.name or "").split()) or short_name(text)
    if len(name) > NAME_MAX:
        raise DomainError(_("Names have at most %(n)d characters.", n=NAME_MAX), "name")
    mark = _number(question.default_mark, "default_mark", _("Enter the mark as a number."))
    if question.qtype in UNSCORED_TYPES:
        mark = Decimal(0)
    elif not 0 < mark <= MARK_MAX or mark != mark.quantize(Decimal("0.01")):
        raise DomainError(_("The mark must be more than 0 and at most 1000, with at most two "
                            "decimals."), "default_mark")
    if question.difficulty not in range(1, 6):
        raise DomainError(_("Difficulty goes from 1 (easy) to 5 (hard)."), "difficulty")
    data = question.data if isinstance(question.data, dict) else {}
    if question.qtype in ("single", "multiple"):
        parts = _clean_choices(question.qtype, data)
    elif question.qtype == "truefalse":
        parts = _clean_truefalse(data)
    elif question.qtype == "shortanswer":
        parts = _clean_shortanswer(data)
    elif question.qtype == "numerical":
        parts = _clean_numerical(data)
    elif question.qtype == "matching":
        parts = _clean_matching(data)
    elif question.qtype == "essay":
        parts = {"response_hint": _limit(data.get("response_hint"), FEEDBACK_MAX,
                                         "response_hint", _("The hint"))}
    else:
        parts = {}
    parts.update(_clean_extras(data))
    return replace(
        question, name=name, text=text, data=parts, default_mark=Decimal(canonical(mark)),
        general_feedback=_limit(question.general_feedback, FEEDBACK_MAX, "general_feedback",
                                _("General feedback")),
        competency_ids=(None if question.competency_ids is None
                        else tuple(sorted(set(question.competency_ids)))),
        idnumber=_clean_idnumber(question.idnumber),
        tags=None if question.tags is None else clean_tags(question.tags),
    )


def _clean_extras(data: dict) -> dict:
    """What Moodle carries beyond the type's parts: hints and the penalty per wrong try."""
    extras: dict = {}
    hints = data.get("hints")
    if isinstance(hints, list):
        kept = [_limit(h, HINT_MAX, "hints", _("A hint")) for h in hints if isinstance(h, str)]
        if any(kept):
            extras["hints"] = [h for h in kept if h]
    if data.get("penalty") not in (None, ""):
        penalty = _number(data["penalty"], "penalty", _("Enter the penalty as a number."))
        if not 0 <= penalty <= 1:
            raise DomainError(_("The penalty goes from 0 to 1."), "penalty")
        extras["penalty"] = canonical(penalty)
    combined = data.get("combined_feedback")
    if isinstance(combined, dict):
        kept = {key: _limit(combined.get(key), FEEDBACK_MAX, "combined_feedback",
                            _("Feedback")) for key in COMBINED_FEEDBACK}
        if any(kept.values()):
            extras["combined_feedback"] = kept
    units = data.get("units")
    if isinstance(units, list) and units:
        extras["units"] = _clean_units(units)
    return extras


def _clean_units(units: list) -> list[dict]:
    kept = []
    for row in units[:ROWS_MAX]:
        unit = " ".join(str((row or {}).get("unit", "")).split())
        if not unit or len(unit) > 50:
            raise DomainError(_("A unit needs a name of at most 50 characters."), "units")
        multiplier = _number((row or {}).get("multiplier", "1"), "units",
                             _("Enter a unit's multiplier as a number."))
        if multiplier == 0:
            raise DomainError(_("A unit's multiplier cannot be 0."), "units")
        kept.append({"unit": unit, "multiplier": canonical(multiplier)})
    return kept


def _clean_idnumber(idnumber: str | None) -> str | None:
    idnumber = (idnumber or "").strip()
    if len(idnumber) > IDNUMBER_MAX:
        raise DomainError(_("An ID number has at most %(n)d characters.", n=IDNUMBER_MAX),
                          "idnumber")
    return idnumber or None


def check_idnumber(session, idnumber: str | None, question_id: int | None = None) -> None:
    """Refuses an ID number another live question of the bank already has (Moodle keeps them
    unique, and exports are found again by them); archived questions are out of the bank."""
    if not idnumber:
        return
    taken = session.scalar(select(Question.id).where(
        Question.idnumber == idnumber, Question.archived.is_(False),
        Question.id != (question_id or 0)).limit(1))
    if taken is not None:
        raise DomainError(_("Another question of the bank already has the ID number "
                            "%(idnumber)s; choose another one or leave it empty.",
                            idnumber=idnumber), "idnumber")


def clean_tags(tags) -> tuple[str, ...]:
    """Tags trimmed, blank ones dropped, each kept once (any case), in their order."""
    seen, kept = set(), []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > TAG_MAX:
            raise DomainError(_("A tag has at most %(n)d characters.", n=TAG_MAX), "tags")
        seen.add(tag.casefold())
        kept.append(tag)
    return tuple(kept)


# Questions: storing


def current_version(question: Question) -> QuestionVersion:
    """The version new attempts show: the highest-numbered."""
    return question.versions[-1]


def untagged_by_category(session) -> list[tuple[QuestionCategory, int]]:
    """(category, live questions without any competency) for every category holding some:
    such questions never produce evidence."""
    tagged = select(QuestionCompetency.question_id)
    rows = session.execute(
        select(Question.category_id, func.count())
        .where(Question.archived.is_(False), Question.id.not_in(tagged))
        .group_by(Question.category_id)).all()
    categories = {c.id: c for c in session.scalars(select(QuestionCategory).where(
        QuestionCategory.id.in_([cid for cid, _n in rows])))}
    return sorted(((categories[cid], n) for cid, n in rows),
                  key=lambda pair: pair[0].name.lower())


def tag_untagged(session, actor, category: QuestionCategory,
                 competency_ids: tuple[int, ...]) -> int:
    """Tag the category's questions that have no competency with `competency_ids` (questions
    already tagged keep theirs). Refuses an empty choice. Returns the questions tagged."""
    if not competency_ids:
        raise DomainError(_("Choose at least one competency."), "competency_ids")
    tagged = select(QuestionCompetency.question_id)
    found = list(session.scalars(select(Question).where(
        Question.category_id == category.id, Question.archived.is_(False),
        Question.id.not_in(tagged))))
    for question in found:
        _set_competencies(session, question, tuple(competency_ids))
    session.flush()
    audit.record(actor, "quiz.bank_tag_category", category, questions=len(found),
                 competencies=list(competency_ids))
    return len(found)


def _set_competencies(session, question: Question, ids: tuple[int, ...]) -> None:
    if ids:
        known = set(session.scalars(select(Competency.id).where(Competency.id.in_(ids))))
        if known != set(ids):
            raise DomainError(_("Choose competencies from the framework."), "competency_ids")
    have = {link.competency_id: link for link in question.competency_links}
    question.competency_links = [have.get(i) or QuestionCompetency(competency_id=i)
                                 for i in ids]


def _version(question: QuestionData, number: int, actor) -> QuestionVersion:
    return QuestionVersion(
        number=number, qtype=question.qtype, name=question.name, text=question.text,
        general_feedback=question.general_feedback, default_mark=question.default_mark,
        data=question.data, created_by_id=actor.id if actor is not None else None)


def create_question(session, actor, category: QuestionCategory,
                    question: QuestionData) -> Question:
    """A new question (version 1) in `category`."""
    question = clean_question(question)
    check_idnumber(session, question.idnumber)
    row = Question(category=category, difficulty=question.difficulty,
                   idnumber=question.idnumber, tags=list(question.tags or ()))
    row.versions.append(_version(question, 1, actor))
    session.add(row)
    _set_competencies(session, row, question.competency_ids or ())
    session.flush()
    audit.record(actor, "question.create", row, qtype=question.qtype, name=question.name)
    return row


def _same_content(version: QuestionVersion, question: QuestionData) -> bool:
    return (version.name, version.text, version.general_feedback, Decimal(version.default_mark),
            version.data) == (question.name, question.text, question.general_feedback,
                              question.default_mark, question.data)


def edit_question(session, actor, question: Question, changes: QuestionData,
                  category: QuestionCategory | None = None) -> QuestionVersion:
    """Save an edit: new content becomes a new version (past attempts keep theirs); the
    category, difficulty and competencies change in place. Refuses a change of type and an
    archived question. Returns the current version."""
    if question.archived:
        raise DomainError(_("Restore the question before editing it."))
    latest = current_version(question)
    if changes.qtype != latest.qtype:
        raise DomainError(_("A question's type cannot change; create a new question instead."),
                          "qtype")
    # Moodle's hints, penalty, combined feedback and units have no field in the editor: an
    # edit keeps them.
    kept = {k: v for k, v in (latest.data or {}).items()
            if k in ("hints", "penalty", "combined_feedback", "units")
            and k not in (changes.data or {})}
    # An empty ID number given (not None) clears it; cleaning turns it into None.
    idnumber_given = changes.idnumber is not None
    changes = clean_question(replace(changes, data={**(changes.data or {}), **kept}))
    if category is not None:
        question.category = category
    question.difficulty = changes.difficulty
    if idnumber_given:
        check_idnumber(session, changes.idnumber, question.id)
        question.idnumber = changes.idnumber
    if changes.tags is not None:
        question.tags = list(changes.tags)
    if changes.competency_ids is not None:
        _set_competencies(session, question, changes.competency_ids)
    version = latest
    if not _same_content(latest, changes):
        version = _version(changes, latest.number + 1, actor)
        # Translations follow the question's parts by id; the author sees what to update.
        version.translations = dict(latest.translations or {})
        question.versions.append(version)
    session.flush()
    audit.record(actor, "question.edit", question, version=version.number)
    return version


def set_archived(session, actor, question: Question, archived: bool) -> None:
    """Archive (hide from the bank and from random draws) or restore a question. Quizzes
    that name it keep it, and past attempts keep their versions. Refuses to restore a question
    whose ID number a live question has taken meanwhile."""
    if question.archived == archived:
        return
    if not archived:
        check_idnumber(session, question.idnumber, question.id)
    question.archived = archived
    session.flush()
    audit.record(actor, "question.archive" if archived else "question.restore", question)


def version_usage(session, question: Question) -> dict[int, int]:
    """{version number: how many attempt questions show it}."""
    rows = session.execute(
        select(QuestionVersion.number, func.count(AttemptQuestion.id))
        .join(AttemptQuestion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .where(QuestionVersion.question_id == question.id)
        .group_by(QuestionVersion.number)).all()
    return dict(rows)


def questions_in(session, category: QuestionCategory | None, archived: bool = False,
                 qtype: str = "", search: str = "") -> list[tuple[Question, QuestionVersion]]:
    """The questions of a category (all when None) with their current versions, by name."""
    latest = (select(QuestionVersion.question_id, func.max(QuestionVersion.number)
                     .label("number")).group_by(QuestionVersion.question_id).subquery())
    stmt = (select(Question, QuestionVersion)
            .join(latest, latest.c.question_id == Question.id)
            .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                  & (QuestionVersion.number == latest.c.number))
            .where(Question.archived.is_(archived)))
    if category is not None:
        stmt = stmt.where(Question.category_id == category.id)
    if qtype:
        stmt = stmt.where(QuestionVersion.qtype == qtype)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(func.lower(QuestionVersion.name).like(pattern)
                          | func.lower(QuestionVersion.text).like(pattern))
    return list(session.execute(stmt.order_by(func.lower(QuestionVersion.name),
                                              Question.id)).all())


# Imports (GIFT and Aiken read files into ParsedQuestions; this stores them)


UPLOAD_MAX_BYTES = 2 * 1024 * 1024


def decode_upload(raw: bytes) -> str:
    """An uploaded GIFT or Aiken file as str: UTF-8 (with or without BOM) or UTF-16 with a
    BOM, at most 2 MB, no line over the shared limit (`lms.core.uploads.read_text`: errors name the
    line)."""
    return read_text(raw, UPLOAD_MAX_BYTES, utf16=True)


XML_UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # Moodle XML carries its images in base64


def decode_bank_file(raw: bytes) -> str:
    """An uploaded question bank file as str: Moodle XML (up to 20 MB, base64 lines of any
    length) or, as `decode_upload`, GIFT and Aiken."""
    head = raw[:300].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"<?xml", b"<quiz")):
        return read_text(raw, XML_UPLOAD_MAX_BYTES, utf16=True,
                         max_line=XML_UPLOAD_MAX_BYTES)
    return decode_upload(raw)


def _field_line(parsed: ParsedQuestion, field_name: str | None) -> int:
    if field_name:
        parts = field_name.split("-")
        for depth in (2, 1):
            key = "-".join(parts[:depth])
            if key in parsed.lines:
                return parsed.lines[key]
    return parsed.line


def _fit_name(question: QuestionData) -> QuestionData:
    """A name too long for the bank shortened as Moodle shortens its own (with an ellipsis)."""
    name = " ".join((question.name or "").split())
    if len(name) <= NAME_MAX:
        return question
    return replace(question, name=name[:NAME_MAX - 1].rstrip() + "…")


ATTACHMENT_PATH = "/quiz/files/"  # + sha256/name: where a question's files are served
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_url(sha256: str, filename: str) -> str:
    """The address a question's text uses for one of its files."""
    return f"{ATTACHMENT_PATH}{sha256}/{quote(filename)}"


def _check_files(item: ParsedQuestion) -> None:
    for name, content in item.files.items():
        if len(content) > ATTACHMENT_MAX_BYTES:
            raise DomainError(_("%(name)s is larger than the %(limit)s MB allowed.", name=name,
                                limit=ATTACHMENT_MAX_BYTES // 1024 // 1024), "files")
        uploads.content_type(uploads.clean_filename(name), content[:uploads.HEAD],
                             uploads.ATTACHMENTS)


def _store_files(session, question: Question, files: dict[str, bytes],
                 storage_dir: str) -> None:
    for name, content in files.items():
        stored = uploads.store_upload(storage_dir, name, io.BytesIO(content),
                                      ATTACHMENT_MAX_BYTES, uploads.ATTACHMENTS)
        session.add(QuestionAttachment(question_id=question.id, filename=stored.filename,
                                       sha256=stored.sha256, content_type=stored.content_type,
                                       size=stored.size))
    session.flush()


def import_questions(session, actor, parsed: list[ParsedQuestion],
                     target: QuestionCategory | None,
                     problems: list[ImportProblem] | None = None,
                     on_error: str = "stop", storage_dir: str | None = None,
                     categories: dict[tuple[str, ...], str] | None = None) -> ImportResult:
    """Store parsed questions, every one checked first. `on_error="stop"` (Moodle's default):
    if anything is wrong (including `problems` the reader found), ImportRefused lists each
    problem by line and nothing is written. `on_error="skip"`: the good questions are stored
    and the result lists the refused ones by line and reason; refused only when no question
    is left to import. `categories` (path → description) are created even when empty; files
    the questions carry are kept in `storage_dir`."""
    if on_error not in ON_ERROR:
        raise DomainError(_("Choose stop or skip for questions with errors."), "on_error")
    problems = list(problems or [])
    codes = {c.code.upper(): c.id for c in session.scalars(select(Competency))}
    cleaned: list[tuple[ParsedQuestion, QuestionData]] = []
    for item in parsed:
        try:
            question = clean_question(_fit_name(item.question))
            _check_files(item)
            if item.files and not storage_dir:
                raise DomainError(_("This import cannot keep files."), "files")
        except DomainError as error:
            problems.append(ImportProblem(_field_line(item, error.field), error.message))
            continue
        unknown = [c for c in item.competency_codes if c.upper() not in codes]
        if unknown:
            problems.append(ImportProblem(item.lines.get("competency", item.line), _(
                "unknown competency code %(code)s", code=", ".join(unknown))))
            continue
        if item.category is None and target is None:
            problems.append(ImportProblem(item.line, _(
                "no category: choose a target category or start the file with $CATEGORY:")))
            continue
        question = replace(question, competency_ids=tuple(
            sorted({codes[c.upper()] for c in item.competency_codes})))
        cleaned.append((item, question))
    if not parsed and not problems and not categories:
        problems.append(ImportProblem(0, _("The file contains no questions.")))
    if problems and (on_error == "stop" or not (cleaned or categories)):
        raise ImportRefused(problems)
    created: list[QuestionCategory] = []
    for path, description in (categories or {}).items():
        category = ensure_category(session, actor, path, created)
        if description and not category.description:
            category.description = description
    questions = []
    used: set[str] = set()
    for item, question in cleaned:
        if question.idnumber and (question.idnumber in used or session.scalar(
                select(Question.id).where(Question.idnumber == question.idnumber,
                                          Question.archived.is_(False)).limit(1))):
            # As Moodle's import does: a question whose ID number is taken comes in without it.
            question = replace(question, idnumber=None)
        used.add(question.idnumber or "")
        category = (ensure_category(session, actor, item.category, created)
                    if item.category is not None else target)
        row = create_question(session, actor, category, question)
        if item.files:
            _store_files(session, row, item.files, storage_dir)
        questions.append(row)
    return ImportResult(questions, created, sorted(problems, key=lambda p: p.line))


# The demo bank

# Competencies each demo category's questions evidence (codes of lms.defaults.FRAMEWORK).
DEMO_COMPETENCIES = {
    ("Service etiquette",): ("ETQ-GREET", "ETQ-NORMS"),
    ("Product knowledge",): ("PROD-LINES",),
    ("Product knowledge", "Returns and refunds"): ("PROD-POLICY",),
    ("Product knowledge", "Points and loyalty"): ("PROD-POLICY",),
    ("Emotion management",): ("EMO-CALM", "EMO-DEESC"),
    ("Complaint handling (five steps)",): ("SOLVE-5STEP", "SOLVE-FCR"),
    # Essays, kept apart so that random draws from the category above stay automatic.
    ("Complaint handling (five steps)", "Written cases"): ("SOLVE-5STEP", "SOLVE-CASE"),
    ("Digital tools",): ("DIGI-CRM", "DIGI-TICKET", "DIGI-QA"),
}


def install_demo_bank(session) -> dict[str, QuestionCategory]:
    """Import the demo question bank (demo_bank.gift) and tag its questions with the
    competencies of their category; returns its categories by path label ("Product
    knowledge › Returns and refunds"). Does nothing but look them up when they exist."""
    # Here, not at the top: gift imports this module (a start-up cycle).
    from assessments.quiz.services.gift import import_gift
    from assessments.quiz.services.translations import import_gift_translation

    paths = [path for path in DEMO_COMPETENCIES]
    if find_category(session, paths[0]) is None:
        import_gift(session, None, DEMO_BANK.read_text(encoding="utf-8"), None)
        import_gift_translation(session, None, DEMO_BANK_ZH.read_text(encoding="utf-8"),
                                "zh_Hans_CN")
        codes = {c.code: c.id for c in session.scalars(select(Competency))}
        for path, wanted in DEMO_COMPETENCIES.items():
            category = find_category(session, path)
            ids = tuple(codes[c] for c in wanted if c in codes)
            for question in session.scalars(select(Question)
                                            .where(Question.category_id == category.id)):
                if not question.competency_links:
                    _set_competencies(session, question, ids)
        session.flush()
    return {" › ".join(path): find_category(session, path) for path in paths}
