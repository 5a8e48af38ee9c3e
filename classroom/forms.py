"""Forms of the classroom screens. They parse types and lengths; the rules live in the
services."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from classroom.services.events import EventData, SessionData
from lms.core.forms import Form, OptionalIdField
from lms.people.forms import MultiCheckboxField


class ConfirmForm(Form):
    """A button that only needs the CSRF token (sign up, confirm, new feed address…)."""


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class EventForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    path_id = OptionalIdField(_l("Certification path"))
    course_id = OptionalIdField(_l("Course"))
    capacity = IntegerField(_l("Seats"), default=20,
                            validators=[InputRequired(), NumberRange(1, 1000)])
    self_signup = BooleanField(_l("People may sign themselves up"))

    def data_for_service(self) -> EventData:
        return EventData(title=self.title.data or "", title_zh=self.title_zh.data or "",
                         description=self.description.data or "",
                         course_id=self.course_id.data, path_id=self.path_id.data,
                         capacity=self.capacity.data, self_signup=bool(self.self_signup.data))

    def load(self, event) -> None:
        self.title.data, self.description.data = event.title, event.description
        self.title_zh.data = event.translation("title", "zh_Hans_CN") or ""
        self.path_id.data, self.course_id.data = event.path_id, event.course_id
        self.capacity.data, self.self_signup.data = event.capacity, event.self_signup


class SessionForm(Form):
    title = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    day = DateField(_l("Day"), validators=[DataRequired()])
    starts = TimeField(_l("Starts (local time)"), validators=[DataRequired()])
    ends = TimeField(_l("Ends (local time)"), validators=[DataRequired()])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(), Length(max=64)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=200)])
    online_link = StringField(_l("Online link"), validators=[Optional(), Length(max=500)])
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int, choices=[])
    capacity = IntegerField(_l("Seats in this session (empty: the event's seats)"),
                            validators=[Optional()])

    def data_for_service(self) -> SessionData:
        return SessionData(day=self.day.data, starts=self.starts.data, ends=self.ends.data,
                           timezone=(self.timezone.data or "").strip(),
                           title=self.title.data or "", room=self.room.data or "",
                           online_link=self.online_link.data or "",
                           trainer_ids=list(self.trainer_ids.data or []),
                           capacity=self.capacity.data)


class EnrolForm(Form):
    team_id = OptionalIdField(_l("Everyone in a team"))
    employee_ids = TextAreaField(_l("Or employee IDs (comma or line separated)"),
                                 validators=[Optional(), Length(max=20000)])


class CheckinForm(Form):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)])


ATTENDANCE_LABELS = {
    "present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"),
    "excused": _l("Excused"),
}


class RegisterForm(Form):
    """The register's reason (needed once it is confirmed); each person's state and minutes
    are posted as status-<id> and minutes-<id> (see views.attendance)."""

    reason = TextAreaField(_l("Reason for the change"),
                           validators=[Optional(), Length(max=1000)])




class PlanMeetingForm(Form):
    partner_id = SelectField(_l("With"), coerce=int, choices=[])
    planned_on = DateField(_l("Planned for"), validators=[DataRequired()])


class LogMeetingForm(Form):
    partner_id = SelectField(_l("With"), coerce=int, choices=[])
    held_on = DateField(_l("Held on"), validators=[DataRequired()])
    minutes = IntegerField(_l("Duration (minutes)"), default=60,
                           validators=[InputRequired(), NumberRange(1, 480)])
    topics = TextAreaField(_l("Topics"), validators=[DataRequired(), Length(max=4000)])
    competency_ids = MultiCheckboxField(_l("Competencies worked on"), coerce=int, choices=[])
    actions = TextAreaField(_l("Agreed actions"), validators=[Optional(), Length(max=4000)])


class ShiftForm(Form):
    team_id = SelectField(_l("Team"), coerce=int, choices=[])
    worked_on = DateField(_l("Day"), validators=[DataRequired()])
    hours = DecimalField(_l("Hours"), places=None, default=4,
                         validators=[InputRequired(), NumberRange(0.5, 12)])
    learned = TextAreaField(_l("What I learned"), validators=[DataRequired(), Length(max=4000)])


class TargetForm(Form):
    target_hours = IntegerField(_l("Yearly target per person (hours)"), default=120,
                                validators=[InputRequired(), NumberRange(1, 2000)])
