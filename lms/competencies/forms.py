"""Forms for the framework admin screens: areas, competencies and the proficiency scale.

Forms check types and lengths; the rules (unique codes, ranges, the scale's limits) live in
the services, whose messages land beside the field they name.
"""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form

CHINESE = {"lang": "zh-Hans"}



class AreaForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)
    position = IntegerField(_l("Position"), default=0, validators=[InputRequired()])


class CompetencyForm(Form):
    area_id = SelectField(_l("Area"), coerce=int, validators=[InputRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)
    position = IntegerField(_l("Position in its area"), default=0, validators=[InputRequired()])
    active = BooleanField(_l("Active (deactivated competencies leave the matrix but keep their "
                             "history)"), default=True)
    min_items = IntegerField(_l("Questions an exam attempt needs on it to evidence a level"),
                             default=3, validators=[Optional()])


class LevelForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=80)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("What this level looks like in practice"),
                                validators=[Optional(), Length(max=2000)])
    description_zh = TextAreaField(_l("What this level looks like in practice, in Chinese"),
                                   validators=[Optional(), Length(max=2000)], render_kw=CHINESE)


class EvidenceWeightForm(Form):
    source_kind = SelectField(_l("Evidence kind"), choices=[],
                              validators=[DataRequired(_l("Choose an evidence kind."))])
    weight = DecimalField(_l("Weight in the competency profile (0–100)"), places=None,
                          validators=[InputRequired(), NumberRange(0, 100)],
                          render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[DataRequired(_l("Say why the weight changes.")),
                                       Length(max=500)])
