"""Forms of the quiz set-up screens: settings, slots, overrides and regrades.

Forms parse types and lengths (minutes on screen, seconds in the data; dates in the site's time
zone on screen, aware UTC in the data); the rules live in `quizzes` and `grading`.
"""

from datetime import UTC, datetime

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessments.quiz.models import REVIEW_MOMENTS
from assessments.quiz.quizzes import OverrideData, QuizData
from lms.core.forms import OptionalIdField, choices
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
                 "closed": _l("After the quiz closes")}
ITEM_LABELS = {"score": _l("Score"), "responses": _l("Their answers"),
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


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
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
    review_closed = MultiCheckboxField(MOMENT_LABELS["closed"],
                                       choices=choices(ITEM_LABELS.items()))
    lesson_key = StringField(_l("Knowledge check of the lesson with key (optional)"),
                             validators=[Optional(), Length(max=36)])

    def load(self, quiz) -> None:
        """Fill the form from a quiz (on GET)."""
        for name in ("title", "description", "attempts_allowed", "grading_method",
                     "pass_mark", "closed_book", "shuffle_questions", "shuffle_options",
                     "overdue_handling", "lesson_key"):
            getattr(self, name).data = getattr(quiz, name)
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
            lesson_key=self.lesson_key.data,
        )


class AddQuestionForm(FlaskForm):
    question_id = OptionalIdField(_l("Question"), blank_label=_l("— choose a question —"),
                                  validators=[DataRequired(message=_l("Choose a question."))])
    mark = DecimalField(_l("Mark (empty: the question's default)"), places=None,
                        validators=[Optional()], render_kw={"inputmode": "decimal"})


class AddDrawForm(FlaskForm):
    category_id = OptionalIdField(_l("Category"), blank_label=_l("— choose a category —"),
                                  validators=[DataRequired(message=_l("Choose a category."))])
    draw_count = IntegerField(_l("How many questions to draw"), default=1,
                              validators=[InputRequired(), NumberRange(min=1, max=200)],
                              render_kw=MINUTES)
    include_subcategories = BooleanField(_l("Include subcategories"))
    mark = DecimalField(_l("Mark per question (empty: each question's default)"), places=None,
                        validators=[Optional()], render_kw={"inputmode": "decimal"})


class OverrideForm(FlaskForm):
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


class DeleteOverrideForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class RegradeForm(FlaskForm):
    old_version_id = OptionalIdField(_l("Question version in the attempts"),
                                     blank_label=_l("— choose —"),
                                     validators=[DataRequired(message=_l("Choose a version."))])
    new_version_id = OptionalIdField(_l("Replace it with"), blank_label=_l("— choose —"),
                                     validators=[DataRequired(message=_l("Choose a version."))])
    reason = TextAreaField(_l("What was corrected (kept in the audit log)"),
                           validators=[DataRequired(), Length(max=1000)])


class ConfirmForm(FlaskForm):
    """A button that posts (publish, unpublish, remove): CSRF only."""
