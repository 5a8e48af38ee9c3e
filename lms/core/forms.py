"""Form helpers shared by every package."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from lms.core.i18n import ZH


class Form(FlaskForm):
    """The base of every form. Its CSRF field renders without an id: a page often holds
    several forms (one per table row), and ids must be unique on a page for assistive
    technology (tests/e2e/accessibility.py checks it)."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}  # False: the attribute is left out
            return super().render_field(field, render_kw)


def choices(pairs) -> list[SelectChoice]:
    """SelectChoice objects from (value, label) pairs (WTForms 3.3+ declares options so)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class OptionalIdField(SelectField):
    """A select of database ids with an empty first choice meaning None. A posted id that is
    not among the choices (a tampered form) fails validation with "Not a valid choice"."""

    def __init__(self, label=None, validators=None, blank_label=None, **kwargs):
        super().__init__(label, validators, coerce=self._coerce, choices=[], **kwargs)
        self.blank_label = blank_label or _l("— none —")

    @staticmethod
    def _coerce(value):
        if value in (None, "", "None"):
            return None
        return int(value)

    def set_choices(self, pairs) -> None:
        """`pairs` of (id, label); the blank choice is added first."""
        self.choices = [SelectChoice("", self.blank_label)] + choices(pairs)


def apply_domain_error(form, error) -> None:
    """Show a service's DomainError beside its field, or at the form's top."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def load_translations(form, obj, fields=("name", "description")) -> None:
    """Fill the form's `<field>_zh` inputs from `obj`'s Chinese translations."""
    current = (obj.translations or {}).get(ZH, {})
    for name in fields:
        getattr(form, f"{name}_zh").data = current.get(name, "")
