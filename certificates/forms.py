"""Forms of the certificate screens."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import Form, OptionalIdField, choices


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class NameCorrectionForm(Form):
    name = StringField(_l("Corrected name"), validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class DecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=choices([("approve", _l("Approve")),
                                                           ("decline", _l("Decline"))]),
                          validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (required to decline)"), validators=[Length(max=2000)])


class SettingsForm(Form):
    require_approval = BooleanField(_l("Certificates need approval before they are issued"))
    approver_id = OptionalIdField(_l("Named approver"), blank_label=_l("— HR approves —"))
    recert_window_days = IntegerField(_l("Recertification opens this many days before expiry"),
                                      validators=[InputRequired()])
    recert_grace_days = IntegerField(_l("…and stays open this many days after it"),
                                     validators=[InputRequired()])
    recert_requires_matrix = BooleanField(_l("Recertification also needs the matrix levels"))
    reason = StringField(_l("Why the settings change (kept in the audit log)"),
                         validators=[Length(max=500)])


class RecertSlotForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=120)])
    label_zh = StringField(_l("Label in Chinese"), validators=[Optional(), Length(max=120)])
    kind = StringField(_l("Assessment kind (registry key)"),
                       validators=[DataRequired(), Length(max=40)])
    reference = StringField(_l("Reference (what the kind reads; empty for its default)"),
                            validators=[Length(max=200)])
    pass_mark = DecimalField(_l("Pass mark (0–100)"), places=None,
                             validators=[InputRequired()])


class DesignForm(Form):
    template = TextAreaField(_l("Template (HTML with Jinja placeholders)"),
                             validators=[DataRequired()])
    primary_colour = StringField(_l("Main colour"), validators=[DataRequired(), Length(max=7)])
    accent_colour = StringField(_l("Accent colour"), validators=[DataRequired(), Length(max=7)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    signatory_name = StringField(_l("Signed by"), validators=[Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[Length(max=200)])
    organisation_zh = StringField(_l("Organisation in Chinese"), validators=[Length(max=200)])
    signatory_title_zh = StringField(_l("Signatory's title in Chinese"),
                                     validators=[Length(max=200)])
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 KiB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    signature = FileField(_l("Signature image (PNG or JPEG, at most 512 KiB)"))
    remove_signature = BooleanField(_l("Remove the signature image"))
    seal = FileField(_l("Seal (PNG or JPEG, at most 512 KiB; without one a round stamp with "
                        "the organisation's name prints)"))
    remove_seal = BooleanField(_l("Remove the seal"))


class VerifyForm(Form):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=200)])


class BadgeCheckForm(Form):
    token = TextAreaField(_l("Open Badge (the .jwt file's text)"),
                          validators=[Optional(), Length(max=70_000)])
    upload = FileField(_l("…or upload the badge file"))


class BatchForm(Form):
    action = RadioField(_l("What to do"), choices=choices([
        ("issue", _l("Evaluate and issue the certificates people have earned")),
        ("render", _l("Re-render the valid certificates"))]), default="issue",
        validators=[InputRequired()])
    team_id = OptionalIdField(_l("Team"), blank_label=_l("— any team —"))
    path_id = OptionalIdField(_l("Tier"), blank_label=_l("— any tier —"))
