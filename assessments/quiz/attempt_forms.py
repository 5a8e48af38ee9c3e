"""Reading a posted attempt page, and the essay grading form.

The attempt page is a plain HTML form whose fields depend on the questions shown, so it is read
here rather than by a fixed WTForms class (CSRFProtect still checks every post). Per question
(slot N) it posts `seqN` (the sequence the page saw) and the answer: `qN` (one value, or
several for multiple response) or `qN.<prompt id>` (matching). The service decides what fits.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from assessments.quiz.attempts import PostedAnswer

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


class EssayGradeForm(FlaskForm):
    mark = DecimalField(_l("Mark"), places=None, validators=[InputRequired()],
                        render_kw={"inputmode": "decimal"})
    comment = TextAreaField(_l("Comment for the learner"),
                            validators=[Optional(), Length(max=5000)])


class SubmitForm(FlaskForm):
    """The summary page's "Submit all and finish" (CSRF only)."""
