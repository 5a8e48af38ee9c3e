"""Forms for the authoring screens. Forms parse types and lengths; the rules (unique codes,
loops, draft-only edits, upload checks) live in courses.services.authoring."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from courses.services.authoring import BODY_MAX, DUE_DAYS_MAX, SUMMARY_MAX, TITLE_MAX
from lms.core.forms import Form, OptionalIdField
from lms.people.forms import MultiCheckboxField

CHINESE = {"lang": "zh-Hans"}


class CourseForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=TITLE_MAX)],
                           render_kw=CHINESE)
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX)])
    summary_zh = TextAreaField(_l("Summary in Chinese"),
                               validators=[Optional(), Length(max=SUMMARY_MAX)],
                               render_kw=CHINESE)
    self_enrol = BooleanField(_l("Anyone may enrol themself (an optional course)"))
    competency_ids = MultiCheckboxField(_l("Competencies it trains"), coerce=int, choices=[])
    prerequisite_ids = MultiCheckboxField(_l("Courses to complete first"), coerce=int,
                                          choices=[])


def course_form_for(paths) -> type[CourseForm]:
    """CourseForm plus, per certification path, whether the course belongs to it
    (`path_<id>`), whether it is required there (`required_<id>`) and the days until due
    (`due_<id>`)."""

    class CourseFormWithPaths(CourseForm):
        pass

    for path in paths:
        setattr(CourseFormWithPaths, f"path_{path.id}", BooleanField(_l("Part of this tier")))
        setattr(CourseFormWithPaths, f"required_{path.id}",
                BooleanField(_l("Required for this tier"), default=True))
        setattr(CourseFormWithPaths, f"due_{path.id}", IntegerField(
            _l("Days until due"),
            validators=[Optional(), NumberRange(min=1, max=DUE_DAYS_MAX)],
        ))
    return CourseFormWithPaths


class ModuleForm(Form):
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    title_zh = StringField(_l("Module title in Chinese"),
                           validators=[Optional(), Length(max=TITLE_MAX)], render_kw=CHINESE)


class LessonForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    title_zh = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=TITLE_MAX)],
                           render_kw=CHINESE)
    body = TextAreaField(_l("Lesson text (Markdown)"),
                         validators=[Optional(), Length(max=BODY_MAX)],
                         render_kw={"rows": 22, "class": "markdown-source"})
    body_zh = TextAreaField(_l("Lesson text in Chinese (Markdown; empty: learners reading "
                               "Chinese see the text above, marked as not translated)"),
                            validators=[Optional(), Length(max=BODY_MAX)],
                            render_kw={"rows": 12, "class": "markdown-source", **CHINESE})
    minutes = IntegerField(_l("Estimated minutes"), default=10,
                           validators=[InputRequired(), NumberRange(min=1, max=600)])


class PreviewForm(Form):
    body = TextAreaField(_l("Lesson text (Markdown)"),
                         validators=[Optional(), Length(max=BODY_MAX)])


class PublishForm(Form):
    notes = TextAreaField(_l("What changed (shown in the version history)"),
                          validators=[Optional(), Length(max=4000)])
    recomplete = MultiCheckboxField(_l("Require re-completion"), choices=[])


class AttachmentForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


# Forms of the learner pages: mark complete, enrol, assign, withdraw.
class CompleteLessonForm(Form):
    # Signed by the server when the page is rendered: who opened which content, and when.
    opened = HiddenField()


class SelfEnrolForm(Form):
    pass


class AssignForm(Form):
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


class WithdrawForm(Form):
    # Withdrawing changes what someone must complete: the audit log keeps why.
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Say why: the audit log keeps the reason.")), Length(max=500)])


class CourseImportForm(Form):
    """Upload a course .zip (checked and reported first), then confirm the import."""

    file = FileField(_l("Course .zip (course.yaml with Markdown lessons), SCORM package "
                        "(imsmanifest.xml) or xAPI package (tincan.xml)"))
    lesson_key = StringField(_l("For a SCORM or xAPI package: key of the lesson it is the "
                                "content of (optional; completing it completes the lesson)"),
                             validators=[Optional(), Length(max=36)])
    sha256 = HiddenField()
    publish = BooleanField(_l("Publish the imported content as a new version"))
