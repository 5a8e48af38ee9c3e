"""Forms for the KPI screens: a KPI definition, and a KPI file to check and import.

Forms parse types and lengths; the rules (codes, ranges, thresholds) live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form, choices

CHINESE = {"lang": "zh-Hans"}
NUMBER = {"inputmode": "decimal"}


class KpiForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=4000)], render_kw=CHINESE)
    unit = StringField(_l("Unit (%, min, pts …)"), default="%",
                       validators=[DataRequired(), Length(max=20)])
    direction = SelectField(_l("Better values are"), choices=choices([
        ("higher", _l("higher")), ("lower", _l("lower"))]))
    period = SelectField(_l("Period"), default="month", choices=choices([
        ("week", _l("week")), ("month", _l("month")), ("quarter", _l("quarter"))]))
    min_value = DecimalField(_l("Lowest possible value"), places=None, default=0,
                             validators=[InputRequired()], render_kw=NUMBER)
    max_value = DecimalField(_l("Highest possible value"), places=None, default=100,
                             validators=[InputRequired()], render_kw=NUMBER)
    target = DecimalField(_l("Target"), places=None, validators=[InputRequired()],
                          render_kw=NUMBER)
    weight = DecimalField(_l("Weight among the KPIs of a competency (0–100)"), places=None,
                          default=10, validators=[InputRequired()], render_kw=NUMBER)
    periods_below_for_plan = IntegerField(
        _l("Periods in a row below target that open an improvement plan (0: never)"),
        default=2, validators=[InputRequired()])
    mapping = TextAreaField(
        _l("Competencies informed: one line each, the competency code and the values where "
           "levels 2, 3, 4 and 5 begin (e.g. SOLVE-FCR: 60, 75, 85, 92)"),
        validators=[Optional(), Length(max=4000)])
    active = BooleanField(_l("Active"), default=True)


class KpiImportForm(Form):
    file = FileField(_l("KPI file (CSV in UTF-8, or XLSX)"), validators=[FileRequired()])
    reason = StringField(_l("Why (required when stored values are replaced)"),
                         validators=[Optional(), Length(max=500)])


class KpiRequirementForm(Form):
    path_id = SelectField(_l("Certification path"), coerce=int)
    kpi_id = SelectField(_l("KPI"), coerce=int)
    threshold = DecimalField(_l("Threshold (on the KPI's good side)"), places=None,
                             validators=[InputRequired()], render_kw=NUMBER)
    periods = IntegerField(_l("Periods in a row"), default=3, validators=[InputRequired()])


class CheckinForm(Form):
    note = TextAreaField(_l("Check-in: what was done or agreed"),
                         validators=[DataRequired(), Length(max=4000)])


class PlanSettingsForm(Form):
    weak_level = DecimalField(
        _l("A 360 competency below this level opens an improvement plan"), places=2,
        validators=[InputRequired(), NumberRange(min=0, max=10)], render_kw=NUMBER)
    plan_days = IntegerField(_l("Days a plan has (its due date)"),
                             validators=[InputRequired(), NumberRange(min=1, max=365)])
    checkin_days = IntegerField(_l("Days between the owner's check-ins"),
                                validators=[InputRequired(), NumberRange(min=1, max=90)])
