"""Forms of the 360 screens. They parse types and lengths; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessments.review360.models import GROUPS
from assessments.review360.services.cycles import (
    DEFAULT_MIN_RATERS,
    DEFAULT_SHARED_DOMAINS,
    DEFAULT_WEIGHTS,
    CycleData,
)
from assessments.review360.services.eligibility import COLUMN
from assessments.review360.services.groups import GROUP_LABELS
from lms.core.eligibility import STAGE_LABELS
from lms.core.forms import Form, OptionalIdField, choices
from lms.people.forms import MultiCheckboxField


class ConfirmForm(Form):
    """A button that only needs the CSRF token (close, approve, submit, withdraw…)."""


def _weight(group: str) -> DecimalField:
    return DecimalField(_l("Weight of %(group)s (%%)", group=GROUP_LABELS[group]),
                        places=None, default=DEFAULT_WEIGHTS[group],
                        validators=[InputRequired(), NumberRange(0, 100)])


def _minimum(group: str) -> IntegerField:
    return IntegerField(_l("Minimum raters: %(group)s", group=GROUP_LABELS[group]),
                        default=DEFAULT_MIN_RATERS[group],
                        validators=[InputRequired(), NumberRange(0, 50)])


CERTIFICATE_LABELS = (("", _l("— no certificate needed —")), ("held", _l("held and valid")),
                      ("expiring", _l("held, inside its recertification window")))


def _rule_fields(cls, who: str):
    """The eligibility fields of one side ("subject" or "rater") added to the form class."""
    setattr(cls, f"{who}_tier_id", OptionalIdField(_l("Only people on the tier"),
                                                  blank_label=_l("— any tier —")))
    setattr(cls, f"{who}_certificate_path_id", OptionalIdField(
        _l("Certificate of the path"), blank_label=_l("— no certificate needed —")))
    setattr(cls, f"{who}_certificate_rule", SelectField(
        _l("The certificate must be"), choices=choices(CERTIFICATE_LABELS), default=""))
    setattr(cls, f"{who}_stage_path_id", OptionalIdField(_l("Stage of the path"),
                                                        blank_label=_l("— any path —")))
    setattr(cls, f"{who}_stage", SelectField(_l("People must be"),
                                             choices=choices(STAGE_LABELS), default=""))
    return cls


RULE_NAMES = tuple(f"{who}_{name}" for who in ("subject", "rater") for name in (
    "tier_id", "certificate_path_id", "certificate_rule", "stage_path_id", "stage"))


class CycleForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    opens_on = DateField(_l("Opens on"), validators=[DataRequired()])
    closes_on = DateField(_l("Closes on (answers are taken through this day)"),
                          validators=[DataRequired()])
    anonymity_threshold = IntegerField(
        _l("Anonymity threshold (responses a group needs before it is shown)"), default=3,
        validators=[InputRequired(), NumberRange(2, 20)])
    pass_mark = DecimalField(_l("Pass mark of the weighted score"), places=None, default=80,
                             validators=[InputRequired(), NumberRange(0, 100)])
    link_days = IntegerField(_l("Days an external rater's link stays valid"), default=14,
                             validators=[InputRequired(), NumberRange(1, 90)])
    shared_domains = TextAreaField(
        _l("Mail domains several customers may share"), default=DEFAULT_SHARED_DOMAINS,
        validators=[Optional(), Length(max=4000)])
    weight_self = _weight("self")
    weight_manager = _weight("manager")
    weight_peer = _weight("peer")
    weight_customer = _weight("customer")
    weight_direct_report = _weight("direct_report")
    min_self = _minimum("self")
    min_manager = _minimum("manager")
    min_peer = _minimum("peer")
    min_customer = _minimum("customer")
    min_direct_report = _minimum("direct_report")

    def load(self, cycle) -> None:
        for name in ("title", "opens_on", "closes_on", "anonymity_threshold", "pass_mark",
                     "link_days", "shared_domains"):
            getattr(self, name).data = getattr(cycle, name)
        for name in RULE_NAMES:
            who, _sep, rest = name.partition("_")
            getattr(self, name).data = getattr(cycle, f"{who}_{COLUMN.get(rest, rest)}")
        for row in cycle.groups:
            getattr(self, f"weight_{row.group}").data = row.weight.normalize()
            getattr(self, f"min_{row.group}").data = row.min_raters

    def data_for_service(self) -> CycleData:
        return CycleData(
            title=self.title.data, opens_on=self.opens_on.data, closes_on=self.closes_on.data,
            anonymity_threshold=self.anonymity_threshold.data, pass_mark=self.pass_mark.data,
            link_days=self.link_days.data, shared_domains=self.shared_domains.data or "",
            weights={g: getattr(self, f"weight_{g}").data for g in GROUPS},
            min_raters={g: getattr(self, f"min_{g}").data for g in GROUPS},
            rules={name: getattr(self, name).data for name in RULE_NAMES})

    def set_path_choices(self, paths) -> None:
        """The tiers and paths to choose from: (id, name) pairs."""
        pairs = list(paths)
        for name in RULE_NAMES:
            if name.endswith("_id"):
                getattr(self, name).set_choices(pairs)


_rule_fields(CycleForm, "subject")
_rule_fields(CycleForm, "rater")


class AddSubjectsForm(Form):
    people = SelectMultipleField(_l("People to evaluate"), coerce=int,
                                 validators=[DataRequired(_l("Choose at least one person."))])


class ExtendForm(Form):
    closes_on = DateField(_l("New closing date"), validators=[DataRequired()])


class ColleagueForm(Form):
    group = SelectField(_l("As"), validators=[DataRequired()])
    person_id = OptionalIdField(_l("Colleague"), validators=[DataRequired(
        _l("Choose a colleague."))], blank_label=_l("— choose —"))


class CustomerForm(Form):
    name = StringField(_l("Customer's name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Customer's e-mail"), validators=[DataRequired(), Length(max=254)])


class ItemForm(Form):
    kind = SelectField(_l("Kind"), choices=choices([
        ("rating", _l("Behavioural statement, rated on the scale")),
        ("comment", _l("Open comment question"))]))
    text = TextAreaField(_l("Text (English)"), validators=[DataRequired(), Length(max=1000)])
    text_zh = TextAreaField(_l("Text (Chinese)"), validators=[Optional(), Length(max=1000)])
    competencies = MultiCheckboxField(_l("Competencies it evidences"), coerce=int)
