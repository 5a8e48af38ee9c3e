"""Forms for the path admin screens: a path (with its slots' weights) and one slot.

Forms parse types and lengths; the rules (unique codes, loops, ranges, weights adding up to
100) live in the services, whose messages land beside the field they name.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import Form, OptionalIdField

CHINESE = {"lang": "zh-Hans"}
MARK = {"inputmode": "decimal"}



class PathForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Path name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=120)],
                          render_kw=CHINESE)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   validators=[Optional(), Length(max=4000)], render_kw=CHINESE)
    position = IntegerField(_l("Order on the career ladder"), default=0,
                            validators=[InputRequired()])
    prerequisite_id = OptionalIdField(_l("Prerequisite path"))
    validity_months = IntegerField(_l("Certificate valid for (months, 1–120)"), default=12,
                                   validators=[InputRequired()])
    training_days = IntegerField(_l("Training days"), default=0, validators=[InputRequired()])
    requires_mentor = BooleanField(_l("Training includes a mentor"))
    composite_pass_mark = DecimalField(
        _l("Composite pass mark (0–100; empty when each slot passes on its own mark)"),
        places=None, validators=[Optional()], render_kw=MARK,
    )
    pass_rate_target = DecimalField(
        _l("Pass-rate target of the tier (%, 0–100)"), places=None, default=80,
        validators=[InputRequired()], render_kw=MARK,
    )
    active = BooleanField(_l("Active"), default=True)
    reason = StringField(_l("Why the rules change (kept in the audit log; needed when a mark, "
                            "weight, validity, kind or reference of a path in use changes)"),
                         validators=[Optional(), Length(max=500)])


def path_form_for(slots) -> type[PathForm]:
    """PathForm plus one weight field per existing slot (`weight_<slot id>`), so a composite
    can be re-balanced in one save."""

    class PathFormWithWeights(PathForm):
        pass

    for slot in slots:
        setattr(PathFormWithWeights, f"weight_{slot.id}", DecimalField(
            _("Weight of %(slot)s (%%)", slot=slot.tr("label")), places=None,
            validators=[Optional()], render_kw=MARK,
        ))
    return PathFormWithWeights


def weight_fields(form) -> list:
    """The per-slot weight fields of a form made by `path_form_for`, in slot order."""
    return [f for f in form if f.name.startswith("weight_")]


class SlotForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=120)])
    kind = StringField(_l("Assessment kind (registry key)"),
                       validators=[DataRequired(), Length(max=40)])
    weight = DecimalField(_l("Weight in the composite (0–100; empty when the slot stands "
                             "alone)"), places=None, validators=[Optional()], render_kw=MARK)
    pass_mark = DecimalField(_l("Own pass mark (0–100; empty when only the composite counts)"),
                             places=None, validators=[Optional()], render_kw=MARK)
    position = IntegerField(_l("Position"), default=0, validators=[InputRequired()])
    reference = StringField(_l("Reference (what the kind reads; empty for its default)"),
                            validators=[Length(max=200)])
    reason = StringField(_l("Why the rules change (kept in the audit log; needed when a mark, "
                            "weight, validity, kind or reference of a path in use changes)"),
                         validators=[Optional(), Length(max=500)])


class SlotRemoveForm(Form):
    reason = StringField(_l("Why this assessment is removed (kept in the audit log)"),
                         validators=[DataRequired(), Length(max=500)])
