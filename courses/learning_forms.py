"""Forms of the learner pages: mark complete, enrol, assign, withdraw."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from lms.core.forms import OptionalIdField


class CompleteLessonForm(FlaskForm):
    # Signed by the server when the page is rendered: who opened which content, and when.
    opened = HiddenField()


class SelfEnrolForm(FlaskForm):
    pass


class AssignForm(FlaskForm):
    person_id = OptionalIdField(_l("Person"), blank_label=_l("— choose a person —"))
    team_id = OptionalIdField(_l("Or a whole team"), blank_label=_l("— no team —"))
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.person_id.data is None) == (self.team_id.data is None):
            self.form_errors.append(_l("Choose either a person or a team."))
            return False
        return True


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
