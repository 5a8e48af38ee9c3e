"""Forms of the question bank screens: categories, one question form per type, uploads.

Forms check types and lengths; the bank's rules (grades, right answers, pairs) live in
`bank.clean_question`, whose messages land beside the field they name. Grades are entered as
percentages and stored as fractions. Rows left wholly empty are ignored.
"""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assessments.quiz.bank import QuestionData, canonical
from lms.core.forms import OptionalIdField, choices
from lms.people.forms import MultiCheckboxField

QTYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple response"),
    "truefalse": _l("True/false"),
    "shortanswer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay (graded by a mentor)"),
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


class OptionRow(Form):
    id = HiddenField()
    text = TextAreaField(_l("Option"), validators=[Length(max=2000)], render_kw={"rows": 2})
    fraction = StringField(_l("Grade (percent)"), default="0", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this option"), validators=[Length(max=5000)])


class AnswerRow(Form):
    text = StringField(_l("Accepted answer"), validators=[Length(max=2000)])
    fraction = StringField(_l("Grade (percent)"), default="100", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this answer"), validators=[Length(max=5000)])


class NumberRow(Form):
    value = StringField(_l("Answer (a number, or * for any other)"),
                        render_kw={"inputmode": "decimal"})
    tolerance = StringField(_l("Tolerance ±"), default="0", render_kw={"inputmode": "decimal"})
    fraction = StringField(_l("Grade (percent)"), default="100", render_kw={"inputmode": "decimal"})
    feedback = StringField(_l("Feedback on this answer"), validators=[Length(max=5000)])


class PairRow(Form):
    id = HiddenField()
    prompt = StringField(_l("Prompt"), validators=[Length(max=2000)])
    answer = StringField(_l("Matching answer"), validators=[Length(max=2000)])


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = OptionalIdField(_l("Inside"), blank_label=_l("— the top of the bank —"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
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
        ), kept

    def load(self, question, version) -> None:
        self.category_id.data = question.category_id
        self.name.data, self.text.data = version.name, version.text
        self.default_mark.data = canonical(Decimal(version.default_mark))
        self.difficulty.data = question.difficulty
        self.competency_ids.data = [link.competency_id for link in question.competency_links]
        self.general_feedback.data = version.general_feedback
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


QUESTION_FORMS: dict[str, type[QuestionForm]] = {
    form.qtype: form for form in (SingleForm, MultipleForm, TrueFalseForm, ShortAnswerForm,
                                  NumericalForm, MatchingForm, EssayForm)
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


class ImportForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    file_format = RadioField(_l("Format"), default="gift", choices=choices([
        ("gift", _l("Moodle GIFT")), ("aiken", _l("Aiken (single-choice questions)"))]))
    category_id = OptionalIdField(
        _l("Category for questions outside any $CATEGORY line (Aiken: all questions)"),
        blank_label=_l("— as the file says —"))
