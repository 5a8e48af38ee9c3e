"""Form helpers shared by every package."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField


class OptionalIdField(SelectField):
    """A select of database ids with an empty first choice meaning None."""

    def __init__(self, label=None, validators=None, blank_label=None, **kwargs):
        super().__init__(label, validators, coerce=self._coerce, **kwargs)
        self.blank_label = blank_label or _l("— none —")

    @staticmethod
    def _coerce(value):
        if value in (None, "", "None"):
            return None
        return int(value)

    def set_choices(self, pairs) -> None:
        """`pairs` of (id, label); the blank choice is added first."""
        self.choices = [("", self.blank_label)] + [(str(i), label) for i, label in pairs]

    def pre_validate(self, form):
        # Accept the blank choice and any listed id; anything else is a tampered post.
        if self.data is None:
            return
        super().pre_validate(form)

    def iter_choices(self):
        for value, label in self.choices:
            selected = (self.data is None and value == "") or value == str(self.data)
            yield (value, label, selected, {})


def apply_domain_error(form, error) -> None:
    """Show a service's DomainError beside its field, or at the form's top."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
