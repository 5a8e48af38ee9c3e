"""Forms of the role-play screens. They parse types and lengths; the rules live in the
services. The grading form's fields depend on the rubric, so `posted_ratings` reads them."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessments.roleplay.services.grading import RatingInput
from assessments.roleplay.services.rubrics import CriterionData, LevelData
from assessments.roleplay.services.scenarios import TEXT_FIELDS, ScenarioData
from lms.core.eligibility import STAGE_LABELS
from lms.core.errors import DomainError
from lms.core.forms import Form, OptionalIdField
from lms.core.forms import choices as to_choices
from lms.people.forms import MultiCheckboxField

LEVEL_ROWS = 6


class PostForm(Form):
    """A button that changes something (CSRF only)."""


class MessageForm(Form):
    text = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=4000)])
    seen = IntegerField(validators=[Optional()])


class StartForm(Form):
    customer_side = SelectField(_l("Who plays the customer"), choices=to_choices([
        ("script", _l("The scripted customer (practise alone, at any hour)")),
        ("mentor", _l("A mentor (live or answering when they can)"))]))


class UploadForm(Form):
    recording = FileField(_l("Recording (audio or video)"))
    notes = TextAreaField(_l("Notes for the mentor (optional)"), validators=[Length(max=5000)])


class LiveForm(Form):
    scenario_id = SelectField(_l("Scenario"), coerce=int, validators=[InputRequired()])
    agent_id = SelectField(_l("Agent"), coerce=int, validators=[InputRequired()])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Length(max=5000)])


class ReassignForm(Form):
    mentor_id = SelectField(_l("Mentor"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=500)])


class CalibrationForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    scenario_id = SelectField(_l("Scenario"), coerce=int, validators=[InputRequired()])
    recording = FileField(_l("Reference recording"))
    notes = TextAreaField(_l("Notes for the mentors (optional)"), validators=[Length(max=5000)])


class RubricForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])


class RubricImportForm(Form):
    file = FileField(_l("Rubric CSV file"), id="import-file")
    # Its own ids: it shares the authoring page with the new-rubric form's "title".
    title = StringField(_l("Title of the new rubric"), validators=[Length(max=200)],
                        id="import-title")


class CriterionForm(Form):
    title = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    weight = DecimalField(_l("Weight"), default=Decimal(1), places=None,
                          validators=[InputRequired(), NumberRange(min=0)])
    required = BooleanField(_l("Required (a grade cannot be released without it)"),
                            default=True)
    competency_codes = MultiCheckboxField(_l("Competencies it evidences"), choices=[])
    confirm = BooleanField(_l("Save anyway: I have read what a pass needs"), default=False)

    def data_with_levels(self, form) -> CriterionData:
        """The criterion with its level rows (level-N-title/-points/-descriptor)."""
        levels = []
        for n in range(LEVEL_ROWS):
            title = (form.get(f"level-{n}-title") or "").strip()
            points = (form.get(f"level-{n}-points") or "").strip()
            descriptor = form.get(f"level-{n}-descriptor") or ""
            evidenced = (form.get(f"level-{n}-competency_level") or "").strip()
            if not title and not points:
                continue
            try:
                value = Decimal(points.replace(",", "."))
                if not value.is_finite():
                    raise ValueError
            except (ArithmeticError, ValueError):
                raise DomainError(_("Level %(n)d: the points are not a number.", n=n + 1),
                                  "levels") from None
            if evidenced and evidenced not in ("1", "2", "3", "4", "5"):
                raise DomainError(_("Level %(n)d: the competency level is 1 to 5.", n=n + 1),
                                  "levels")
            levels.append(LevelData(title, value, descriptor,
                                    int(evidenced) if evidenced else None))
        return CriterionData(title=self.title.data, weight=self.weight.data,
                             required=self.required.data, description=self.description.data,
                             competency_codes=list(self.competency_codes.data or []),
                             levels=levels)


class ScenarioForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    title_zh = StringField(_l("Title in Chinese (optional)"), validators=[Length(max=200)])
    path_id = OptionalIdField(_l("Tier (certification path)"), blank_label=_l("— any tier —"))
    rubric_id = SelectField(_l("Rubric"), coerce=int, validators=[InputRequired()])
    persona = TextAreaField(_l("Customer persona"), validators=[Length(max=5000)])
    situation = TextAreaField(_l("Situation"), validators=[DataRequired(), Length(max=5000)])
    customer_knows = TextAreaField(_l("What the customer knows"), validators=[Length(max=5000)])
    customer_wants = TextAreaField(_l("What the customer wants"), validators=[Length(max=5000)])
    agent_goal = TextAreaField(_l("The agent's goal"), validators=[Length(max=5000)])
    opening_message = TextAreaField(_l("The customer's opening message"),
                                    validators=[Length(max=5000)])
    # The same texts in Chinese: learners reading Chinese see them (the above, marked, if empty).
    persona_zh = TextAreaField(_l("Customer persona in Chinese"), validators=[Length(max=5000)])
    situation_zh = TextAreaField(_l("Situation in Chinese"), validators=[Length(max=5000)])
    customer_knows_zh = TextAreaField(_l("What the customer knows, in Chinese"),
                                      validators=[Length(max=5000)])
    customer_wants_zh = TextAreaField(_l("What the customer wants, in Chinese"),
                                      validators=[Length(max=5000)])
    agent_goal_zh = TextAreaField(_l("The agent's goal in Chinese"),
                                  validators=[Length(max=5000)])
    opening_message_zh = TextAreaField(_l("The customer's opening message in Chinese"),
                                       validators=[Length(max=5000)])
    allow_chat = BooleanField(_l("Typed chat"), default=True)
    allow_upload = BooleanField(_l("Uploaded recording"), default=True)
    allow_live = BooleanField(_l("Live session scored by a mentor"), default=True)
    pass_mark = DecimalField(_l("Pass mark (%)"), default=Decimal(80), places=None,
                             validators=[InputRequired(), NumberRange(0, 100)])
    confirm = BooleanField(_l("Save anyway: I have read what a pass needs"), default=False)
    tier_only = BooleanField(_l("Only people on this tier may take it"), default=False)
    certificate_path_id = OptionalIdField(_l("Certificate of the path"),
                                          blank_label=_l("— no certificate needed —"))
    certificate_rule = SelectField(_l("The certificate must be"), choices=to_choices([
        ("", _l("— no certificate needed —")), ("held", _l("held and valid")),
        ("expiring", _l("held, inside its recertification window"))]), default="")
    stage_path_id = OptionalIdField(_l("Stage of the path"), blank_label=_l("— any path —"))
    stage = SelectField(_l("People must be"), choices=to_choices(STAGE_LABELS), default="")
    attempts_allowed = IntegerField(_l("Attempts allowed (0: unlimited)"), default=3,
                                    validators=[InputRequired(), NumberRange(0, 100)])
    retry_wait_hours = IntegerField(_l("Hours to wait before a retry"), default=0,
                                    validators=[InputRequired(), NumberRange(0, 2160)])
    sla_hours = IntegerField(_l("Feedback due within (hours)"), default=24,
                             validators=[InputRequired(), NumberRange(1, 720)])
    calibration_share = DecimalField(_l("Share blind-graded by a second mentor (%)"),
                                     default=Decimal(10), places=None,
                                     validators=[InputRequired(), NumberRange(0, 100)])
    agreement_threshold = DecimalField(
        _l("Moderate when two grades differ by more than (points)"), default=Decimal(15),
        places=None, validators=[InputRequired(), NumberRange(0, 100)])
    upload_max_mb = IntegerField(_l("Largest recording (MB)"), default=50,
                                 validators=[InputRequired(), NumberRange(1, 2048)])
    competency_ids = MultiCheckboxField(_l("Competencies it evidences"), coerce=int,
                                        choices=[])

    def to_data(self) -> ScenarioData:
        return ScenarioData(**{name: getattr(self, name).data for name in (
            "title", "title_zh", "path_id", "rubric_id", "persona", "situation",
            "customer_knows", "customer_wants", "agent_goal", "opening_message", "allow_chat",
            "allow_upload", "allow_live", "pass_mark", "attempts_allowed", "retry_wait_hours",
            "sla_hours", "calibration_share", "agreement_threshold", "upload_max_mb",
            "tier_only", "certificate_path_id", "stage_path_id")},
            certificate_rule=self.certificate_rule.data or "", stage=self.stage.data or "",
            competency_ids=list(self.competency_ids.data or []),
            translations={"zh_Hans_CN": {name: getattr(self, f"{name}_zh").data or ""
                                         for name in TEXT_FIELDS}})


def posted_ratings(form, criteria) -> dict[int, RatingInput]:
    """{criterion id: RatingInput} from level-<id> / comment-<id> fields. A level that is
    not a number, or a level field for a criterion outside the rubric, is refused."""
    ids = {c.id for c in criteria}
    for key in form:
        if key.startswith("level-") and (not key[6:].isdigit() or int(key[6:]) not in ids):
            raise DomainError(_("The form names a criterion that is not in this rubric. "
                                "Reload the page and grade again."))
    ratings = {}
    for criterion in criteria:
        raw = (form.get(f"level-{criterion.id}") or "").strip()
        if raw and not raw.isdigit():
            raise DomainError(_("“%(criterion)s” has no such level.",
                                criterion=criterion.title), f"c{criterion.id}")
        ratings[criterion.id] = RatingInput(int(raw) if raw else None,
                                            form.get(f"comment-{criterion.id}") or "")
    return ratings
