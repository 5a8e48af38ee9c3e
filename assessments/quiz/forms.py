"""Forms of the quiz set-up screens: settings, slots, overrides and regrades.

Forms parse types and lengths (minutes on screen, seconds in the data; dates in the site's time
zone on screen, aware UTC in the data); the rules live in `quizzes` and `grading`."""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as RowForm  # rows of a FieldList: no CSRF field of their own
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessments.quiz.models import REVIEW_MOMENTS
from assessments.quiz.services.attempts import PostedAnswer
from assessments.quiz.services.bank import QuestionData, canonical
from assessments.quiz.services.quizzes import OverrideData, QuizData
from lms.core.eligibility import STAGE_LABELS
from lms.core.forms import Form, OptionalIdField, choices
from lms.people.forms import MultiCheckboxField

GRADING_LABELS = {"highest": _l("Highest attempt"), "last": _l("Last attempt"),
                  "first": _l("First attempt"), "average": _l("Average of attempts")}
OVERDUE_LABELS = {
    "autosubmit": _l("Submit the answers saved so far"),
    "grace": _l("Allow a grace period to submit, but no more changes"),
    "abandon": _l("Abandon the attempt (it is not graded)"),
}
MOMENT_LABELS = {"during": _l("During the attempt"),
                 "immediately": _l("Immediately after the attempt (2 minutes)"),
                 "open": _l("Later, while the quiz is still open"),
                 "final": _l("After the person's last attempt"),
                 "closed": _l("After the quiz closes")}
ITEM_LABELS = {"score": _l("Score"), "competencies": _l("The competencies to work on"),
               "responses": _l("Their answers (which were wrong)"),
               "right_answers": _l("Right answers"), "feedback": _l("Feedback")}
MINUTES = {"inputmode": "numeric"}
# Browsers send and show datetime-local values as 2026-04-01T17:00 (seconds optional).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _moment(label) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=LOCAL_FORMATS, validators=[Optional()])


def to_utc(value: datetime | None) -> datetime | None:
    """A date and time typed in the site's time zone, as aware UTC."""
    if value is None:
        return None
    zone = get_timezone() or UTC
    localize = getattr(zone, "localize", None)
    aware = localize(value) if localize is not None else value.replace(tzinfo=zone)
    return aware.astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware datetime as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(get_timezone() or UTC).replace(tzinfo=None)


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


def _seconds(minutes: int | None) -> int | None:
    return None if minutes is None else minutes * 60


class QuizForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=200)],
                           render_kw={"lang": "zh-Hans"})
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=10000)],
                                   render_kw={"lang": "zh-Hans"})
    opens_at = _moment(_l("Opens (empty: at once)"))
    closes_at = _moment(_l("Closes (empty: never)"))
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty: none)"),
                                      validators=[Optional()], render_kw=MINUTES)
    attempts_allowed = IntegerField(_l("Attempts allowed (0: unlimited)"), default=0,
                                    validators=[InputRequired()], render_kw=MINUTES)
    attempt_wait_minutes = IntegerField(_l("Minutes to wait between attempts"), default=0,
                                        validators=[InputRequired()], render_kw=MINUTES)
    grading_method = SelectField(_l("Grade from"), choices=choices(GRADING_LABELS.items()))
    pass_mark = DecimalField(_l("Pass mark (%)"), places=None, default=80,
                             validators=[InputRequired()], render_kw={"inputmode": "decimal"})
    closed_book = BooleanField(_l("Closed book (learners are told no materials are allowed)"))
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the options within questions"), default=True)
    overdue_handling = SelectField(_l("When time runs out"),
                                   choices=choices(OVERDUE_LABELS.items()))
    grace_minutes = IntegerField(_l("Grace period in minutes"), default=0,
                                 validators=[InputRequired()], render_kw=MINUTES)
    review_during = MultiCheckboxField(MOMENT_LABELS["during"],
                                       choices=choices(ITEM_LABELS.items()))
    review_immediately = MultiCheckboxField(MOMENT_LABELS["immediately"],
                                            choices=choices(ITEM_LABELS.items()))
    review_open = MultiCheckboxField(MOMENT_LABELS["open"], choices=choices(ITEM_LABELS.items()))
    review_final = MultiCheckboxField(MOMENT_LABELS["final"],
                                      choices=choices(ITEM_LABELS.items()))
    review_closed = MultiCheckboxField(MOMENT_LABELS["closed"],
                                       choices=choices(ITEM_LABELS.items()))
    lesson_key = StringField(_l("Knowledge check of the lesson with key (optional)"),
                             validators=[Optional(), Length(max=36)])
    tier_id = OptionalIdField(_l("Only people on the tier"), blank_label=_l("— any tier —"))
    certificate_path_id = OptionalIdField(_l("Certificate of the path"),
                                          blank_label=_l("— no certificate needed —"))
    certificate_rule = SelectField(_l("The certificate must be"), choices=choices([
        ("", _l("— no certificate needed —")), ("held", _l("held and valid")),
        ("expiring", _l("held, inside its recertification window"))]), default="")
    stage_path_id = OptionalIdField(_l("Stage of the path"), blank_label=_l("— any path —"))
    stage = SelectField(_l("People must be"), choices=choices(STAGE_LABELS), default="")

    def set_path_choices(self, paths) -> None:
        """The tiers and paths to choose from: (id, name) pairs."""
        pairs = list(paths)
        self.tier_id.set_choices(pairs)
        self.certificate_path_id.set_choices(pairs)
        self.stage_path_id.set_choices(pairs)

    def load(self, quiz) -> None:
        """Fill the form from a quiz (on GET)."""
        for name in ("title", "description", "attempts_allowed", "grading_method",
                     "pass_mark", "closed_book", "shuffle_questions", "shuffle_options",
                     "overdue_handling", "lesson_key", "tier_id", "certificate_path_id",
                     "certificate_rule", "stage_path_id", "stage"):
            getattr(self, name).data = getattr(quiz, name)
        self.title_zh.data = quiz.translation("title", "zh_Hans_CN") or ""
        self.description_zh.data = quiz.translation("description", "zh_Hans_CN") or ""
        self.opens_at.data = to_local(quiz.opens_at)
        self.closes_at.data = to_local(quiz.closes_at)
        self.time_limit_minutes.data = _minutes(quiz.time_limit_seconds)
        self.attempt_wait_minutes.data = _minutes(quiz.attempt_wait_seconds)
        self.grace_minutes.data = _minutes(quiz.grace_seconds)
        for moment in REVIEW_MOMENTS:
            getattr(self, f"review_{moment}").data = list(
                (quiz.review_options or {}).get(moment, []))

    def data_for_service(self, quiz=None) -> QuizData:
        return QuizData(
            title=self.title.data or "", description=self.description.data or "",
            opens_at=to_utc(self.opens_at.data), closes_at=to_utc(self.closes_at.data),
            time_limit_seconds=_seconds(self.time_limit_minutes.data),
            attempts_allowed=self.attempts_allowed.data,
            attempt_wait_seconds=_seconds(self.attempt_wait_minutes.data),
            grading_method=self.grading_method.data, pass_mark=self.pass_mark.data,
            closed_book=self.closed_book.data, shuffle_questions=self.shuffle_questions.data,
            shuffle_options=self.shuffle_options.data,
            overdue_handling=self.overdue_handling.data,
            grace_seconds=_seconds(self.grace_minutes.data),
            review_options={m: getattr(self, f"review_{m}").data or [] for m in REVIEW_MOMENTS},
            course_id=quiz.course_id if quiz is not None else None,
            lesson_key=self.lesson_key.data, tier_id=self.tier_id.data,
            certificate_path_id=self.certificate_path_id.data,
            certificate_rule=self.certificate_rule.data or "",
            stage_path_id=self.stage_path_id.data, stage=self.stage.data or "",
            translations={"zh_Hans_CN": {"title": self.title_zh.data or "",
                                         "description": self.description_zh.data or ""}},
        )


class AddQuestionForm(Form):
    question_id = OptionalIdField(_l("Question"), blank_label=_l("— choose a question —"),
                                  validators=[DataRequired(message=_l("Choose a question."))])
    mark = DecimalField(_l("Mark (empty: the question's default)"), places=None,
                        validators=[Optional()], render_kw={"inputmode": "decimal"})


class AddDrawForm(Form):
    category_id = OptionalIdField(_l("Category"), blank_label=_l("— choose a category —"),
                                  validators=[DataRequired(message=_l("Choose a category."))])
    draw_count = IntegerField(_l("How many questions to draw"), default=1,
                              validators=[InputRequired(), NumberRange(min=1, max=200)],
                              render_kw=MINUTES)
    include_subcategories = BooleanField(_l("Include subcategories"))
    mark = DecimalField(_l("Mark per question (empty: each question's default)"), places=None,
                        validators=[Optional()], render_kw={"inputmode": "decimal"})


class OverrideForm(Form):
    person_id = OptionalIdField(_l("Person"), blank_label=_l("— choose a person —"))
    team_id = OptionalIdField(_l("Or a whole team"), blank_label=_l("— no team —"))
    opens_at = _moment(_l("Opens (empty: as the quiz)"))
    closes_at = _moment(_l("Closes (empty: as the quiz)"))
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty: as the quiz)"),
                                      validators=[Optional()], render_kw=MINUTES)
    attempts_allowed = IntegerField(_l("Attempts allowed (empty: as the quiz; 0: unlimited)"),
                                    validators=[Optional()], render_kw=MINUTES)
    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[DataRequired(), Length(max=1000)])

    def data_for_service(self) -> OverrideData:
        return OverrideData(
            person_id=self.person_id.data, team_id=self.team_id.data,
            opens_at=to_utc(self.opens_at.data), closes_at=to_utc(self.closes_at.data),
            time_limit_seconds=_seconds(self.time_limit_minutes.data),
            attempts_allowed=self.attempts_allowed.data, reason=self.reason.data or "")


class DeleteOverrideForm(Form):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class RegradeForm(Form):
    old_version_id = OptionalIdField(_l("Question version in the attempts"),
                                     blank_label=_l("— choose —"),
                                     validators=[DataRequired(message=_l("Choose a version."))])
    new_version_id = OptionalIdField(_l("Replace it with"), blank_label=_l("— choose —"),
                                     validators=[DataRequired(message=_l("Choose a version."))])
    reason = TextAreaField(_l("What was corrected (kept in the audit log)"),
                           validators=[DataRequired(), Length(max=1000)])


class ConfirmForm(Form):
    """A button that posts (publish, unpublish, remove): CSRF only."""


# Forms of the question bank screens: categories, one question form per type, uploads.
#
# Forms check types and lengths; the bank's rules (grades, right answers, pairs) live in
# `bank.clean_question`, whose messages land beside the field they name. Grades are entered as
# percentages and stored as fractions. Rows left wholly empty are ignored.
QTYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple response"),
    "truefalse": _l("True/false"),
    "shortanswer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay (graded by a mentor)"),
    "description": _l("Description (text between questions)"),
}
QTYPE_HINTS = {
    "single": _l("One answer is picked; give the right option a grade of 100, partly right "
                 "ones less, and penalties a negative grade."),
    "multiple": _l("Several answers may be picked; the right options' grades add up to 100, "
                   "wrong picks may carry a negative grade. A question never scores below 0."),
    "truefalse": _l("A statement the learner marks true or false."),
    "shortanswer": _l("A typed answer compared with each accepted answer; * matches any "
                      "characters."),
    "numerical": _l("A number, right when it is within the tolerance of an answer."),
    "matching": _l("Prompts matched to answers; a pair without a prompt is an extra wrong "
                   "answer."),
    "essay": _l("A written answer, graded by a mentor."),
    "description": _l("Text shown between questions (instructions, a case to read); it is "
                      "never answered or scored."),
}
DIFFICULTY_LABELS = [(1, _l("1 – very easy")), (2, _l("2 – easy")), (3, _l("3 – medium")),
                     (4, _l("4 – hard")), (5, _l("5 – very hard"))]
BLANK_ROWS = 3


def percent_to_fraction(text: str | None, default: str) -> str:
    """"50" → "0.5"; text that is not a number is passed on for the bank to refuse."""
    text = (text or "").strip().rstrip("%").strip() or default
    try:
        return canonical(Decimal(text) / 100)
    except (InvalidOperation, ValueError):
        return text


def fraction_to_percent(value: str) -> str:
    return canonical(Decimal(value) * 100)


class OptionRow(RowForm):
    id = HiddenField()
    text = TextAreaField(_l("Option"), validators=[Length(max=2000)], render_kw={"rows": 2})
    fraction = StringField(_l("Grade (percent)"), default="0", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this option"), validators=[Length(max=5000)])


class AnswerRow(RowForm):
    text = StringField(_l("Accepted answer"), validators=[Length(max=2000)])
    fraction = StringField(_l("Grade (percent)"), default="100", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this answer"), validators=[Length(max=5000)])


class NumberRow(RowForm):
    value = StringField(_l("Answer (a number, or * for any other)"),
                        render_kw={"inputmode": "decimal"})
    tolerance = StringField(_l("Tolerance ±"), default="0", render_kw={"inputmode": "decimal"})
    fraction = StringField(_l("Grade (percent)"), default="100", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this answer"), validators=[Length(max=5000)])


class PairRow(RowForm):
    id = HiddenField()
    prompt = StringField(_l("Prompt"), validators=[Length(max=2000)])
    answer = StringField(_l("Matching answer"), validators=[Length(max=2000)])


class CategoryForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = OptionalIdField(_l("Inside"), blank_label=_l("— the top of the bank —"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class QuestionForm(Form):
    """The fields every type shares; subclasses add the type's parts."""

    qtype = ""
    rows_name = ""  # the FieldList of rows, if the type has one
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Name (for authors; empty: the first words of the text)"),
                       validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Question text (Markdown)"),
                         validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 5})
    default_mark = StringField(_l("Default mark"), default="1",
                               render_kw={"inputmode": "decimal"})
    difficulty = SelectField(_l("Difficulty"), coerce=int, default=3,
                             choices=choices(DIFFICULTY_LABELS))
    competency_ids = MultiCheckboxField(_l("Competencies it evidences"), coerce=int)
    general_feedback = TextAreaField(_l("General feedback (shown on review, whatever the "
                                        "answer)"), validators=[Optional(), Length(max=5000)],
                                     render_kw={"rows": 2})
    idnumber = StringField(_l("ID number (optional; unique in the bank, as in Moodle)"),
                           validators=[Optional(), Length(max=100)])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(),
                                                                    Length(max=2000)])

    def parts(self) -> tuple[dict, list[int]]:
        """The type's `data` from the form, and for each row kept its index in the form."""
        return {}, []

    def load_parts(self, data: dict) -> None:
        """Fill the type's fields from a version's `data`."""

    def question_data(self) -> tuple[QuestionData, list[int]]:
        data, kept = self.parts()
        try:
            mark = Decimal((self.default_mark.data or "").strip() or "1")
        except InvalidOperation:
            mark = self.default_mark.data  # refused by the bank, beside the field
        return QuestionData(
            qtype=self.qtype, name=self.name.data or "", text=self.text.data or "", data=data,
            general_feedback=self.general_feedback.data or "", default_mark=mark,
            difficulty=self.difficulty.data, competency_ids=tuple(self.competency_ids.data or ()),
            idnumber=self.idnumber.data or "", tags=tuple((self.tags.data or "").split(",")),
        ), kept

    def load(self, question, version) -> None:
        self.category_id.data = question.category_id
        self.name.data, self.text.data = version.name, version.text
        self.default_mark.data = canonical(Decimal(version.default_mark))
        self.difficulty.data = question.difficulty
        self.competency_ids.data = [link.competency_id for link in question.competency_links]
        self.general_feedback.data = version.general_feedback
        self.idnumber.data = question.idnumber or ""
        self.tags.data = ", ".join(question.tags or ())
        self.load_parts(version.data or {})
        self.add_blank_rows()

    def add_blank_rows(self, count: int = BLANK_ROWS) -> None:
        if self.rows_name:
            rows = getattr(self, self.rows_name)
            for _i in range(count):
                rows.append_entry()

    def _rows(self, blank_fields: tuple[str, ...]):
        """(index, row form) of each row with something typed into `blank_fields`."""
        rows = getattr(self, self.rows_name)
        for index, entry in enumerate(rows.entries):
            if any((getattr(entry.form, name).data or "").strip() for name in blank_fields):
                yield index, entry.form


class ChoiceQuestionForm(QuestionForm):
    rows_name = "options"
    options = FieldList(FormField(OptionRow), min_entries=0, max_entries=50)

    def parts(self):
        rows, kept = [], []
        for index, row in self._rows(("text", "feedback")):
            rows.append({"id": row.id.data, "text": row.text.data,
                         "fraction": percent_to_fraction(row.fraction.data, "0"),
                         "feedback": row.feedback.data})
            kept.append(index)
        return {"options": rows}, kept

    def load_parts(self, data):
        for option in data.get("options", []):
            self.options.append_entry({**option,
                                       "fraction": fraction_to_percent(option["fraction"])})


class SingleForm(ChoiceQuestionForm):
    qtype = "single"


class MultipleForm(ChoiceQuestionForm):
    qtype = "multiple"


class TrueFalseForm(QuestionForm):
    qtype = "truefalse"
    answer = RadioField(_l("The statement is"), choices=choices([("true", _l("True")),
                                                                ("false", _l("False"))]),
                        validators=[Optional()])
    feedback_true = StringField(_l("Feedback for the answer “true”"),
                                validators=[Length(max=5000)])
    feedback_false = StringField(_l("Feedback for the answer “false”"),
                                 validators=[Length(max=5000)])

    def parts(self):
        answer = {"true": True, "false": False}.get(self.answer.data)
        return {"answer": answer, "feedback_true": self.feedback_true.data,
                "feedback_false": self.feedback_false.data}, []

    def load_parts(self, data):
        self.answer.data = "true" if data.get("answer") else "false"
        self.feedback_true.data = data.get("feedback_true", "")
        self.feedback_false.data = data.get("feedback_false", "")


class ShortAnswerForm(QuestionForm):
    qtype = "shortanswer"
    rows_name = "answers"
    answers = FieldList(FormField(AnswerRow), min_entries=0, max_entries=50)
    case_sensitive = BooleanField(_l("Case matters (“CRM” is not “crm”)"))

    def parts(self):
        rows, kept = [], []
        for index, row in self._rows(("text", "feedback")):
            rows.append({"text": row.text.data,
                         "fraction": percent_to_fraction(row.fraction.data, "100"),
                         "feedback": row.feedback.data})
            kept.append(index)
        return {"answers": rows, "case_sensitive": bool(self.case_sensitive.data)}, kept

    def load_parts(self, data):
        self.case_sensitive.data = bool(data.get("case_sensitive"))
        for answer in data.get("answers", []):
            self.answers.append_entry({**answer,
                                       "fraction": fraction_to_percent(answer["fraction"])})


class NumericalForm(QuestionForm):
    qtype = "numerical"
    rows_name = "answers"
    answers = FieldList(FormField(NumberRow), min_entries=0, max_entries=50)

    def parts(self):
        rows, kept = [], []
        for index, row in self._rows(("value", "feedback")):
            rows.append({"value": row.value.data, "tolerance": row.tolerance.data or "0",
                         "fraction": percent_to_fraction(row.fraction.data, "100"),
                         "feedback": row.feedback.data})
            kept.append(index)
        return {"answers": rows}, kept

    def load_parts(self, data):
        for answer in data.get("answers", []):
            self.answers.append_entry({**answer,
                                       "fraction": fraction_to_percent(answer["fraction"])})


class MatchingForm(QuestionForm):
    qtype = "matching"
    rows_name = "pairs"
    pairs = FieldList(FormField(PairRow), min_entries=0, max_entries=50)

    def parts(self):
        rows, kept = [], []
        for index, row in self._rows(("prompt", "answer")):
            rows.append({"id": row.id.data, "prompt": row.prompt.data,
                         "answer": row.answer.data})
            kept.append(index)
        return {"pairs": rows}, kept

    def load_parts(self, data):
        for pair in data.get("pairs", []):
            self.pairs.append_entry(pair)


class EssayForm(QuestionForm):
    qtype = "essay"
    response_hint = TextAreaField(_l("Hint shown above the answer box"),
                                  validators=[Optional(), Length(max=5000)],
                                  render_kw={"rows": 2})

    def parts(self):
        return {"response_hint": self.response_hint.data or ""}, []

    def load_parts(self, data):
        self.response_hint.data = data.get("response_hint", "")


class DescriptionForm(QuestionForm):
    qtype = "description"


QUESTION_FORMS: dict[str, type[QuestionForm]] = {
    form.qtype: form for form in (SingleForm, MultipleForm, TrueFalseForm, ShortAnswerForm,
                                  NumericalForm, MatchingForm, EssayForm, DescriptionForm)
}


def apply_question_error(form: QuestionForm, error, kept: list[int]) -> None:
    """Put a bank error beside its field: "options-2-text" is the third row kept."""
    name = error.field or ""
    parts = name.split("-")
    if form.rows_name and parts[0] == form.rows_name:
        rows = getattr(form, form.rows_name)
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(kept):
            sub = getattr(rows.entries[kept[int(parts[1])]].form, parts[2], None)
            if sub is not None:
                sub.errors = list(sub.errors) + [error.message]
                return
        form.rows_errors = [*getattr(form, "rows_errors", []), error.message]
        return
    field = getattr(form, name, None) if name and name != "qtype" else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


class ImportForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    file_format = RadioField(_l("Format"), default="auto", choices=choices([
        ("auto", _l("Detect it from the file")), ("moodle-xml", _l("Moodle XML")),
        ("gift", _l("Moodle GIFT")), ("aiken", _l("Aiken (single-choice questions)"))]))
    on_error = RadioField(_l("When a question has an error"), default="stop", choices=choices([
        ("stop", _l("Stop: import nothing, and list every error with its line")),
        ("skip", _l("Skip it: import the good questions, and list the others with their "
                    "line and reason"))]))
    category_id = OptionalIdField(
        _l("Category for questions the file puts in no category (Aiken: all questions)"),
        blank_label=_l("— as the file says —"))


# Reading a posted attempt page, and the essay grading form.
#
# The attempt page is a plain HTML form whose fields depend on the questions shown, so it is read
# here rather than by a fixed WTForms class (CSRFProtect still checks every post). Per question
# (slot N) it posts `seqN` (the sequence the page saw) and the answer: `qN` (one value, or
# several for multiple response) or `qN.<prompt id>` (matching). The service decides what fits.
SEQUENCE_FIELD = re.compile(r"^seq(\d{1,4})$")
MAX_ANSWERS_PER_POST = 500


class MalformedPost(ValueError):
    """Fields no page of ours sends (a broken or forged post)."""


def posted_answers(form: MultiDict) -> list[PostedAnswer]:
    """The answers in a posted attempt form, one per `seqN` field."""
    answers = []
    for key in form:
        match = SEQUENCE_FIELD.match(key)
        if not match:
            continue
        slot = int(match.group(1))
        try:
            sequence = int(form.get(key, ""))
        except ValueError:
            raise MalformedPost(key) from None
        prefix = f"q{slot}."
        matches = {k[len(prefix):]: form.get(k, "") for k in form if k.startswith(prefix)}
        raw = matches if matches else form.getlist(f"q{slot}")
        answers.append(PostedAnswer(slot, sequence, raw))
        if len(answers) > MAX_ANSWERS_PER_POST:
            raise MalformedPost("too many answers")
    return answers


class EssayGradeForm(Form):
    mark = DecimalField(_l("Mark"), places=None, validators=[InputRequired()],
                        render_kw={"inputmode": "decimal"})
    comment = TextAreaField(_l("Comment for the learner"),
                            validators=[Optional(), Length(max=5000)])


class SubmitForm(Form):
    """The summary page's "Submit all and finish" (CSRF only)."""


class TaggingForm(Form):
    """Tag a category's questions that have no competency (after a GIFT import)."""

    category_id = IntegerField(validators=[InputRequired()])
    competency_ids = MultiCheckboxField(_l("Competencies its questions evidence"), choices=[])
