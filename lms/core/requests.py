"""One request pattern for every view (STYLE.md: commit once per request, in one place).

A view parses its form, then hands the service call to `unit_of_work`: it commits when the
service returns, and when the service refuses with a DomainError it rolls back and shows the
message (beside the form's field, or flashed). A form that did not validate, or whose change
was refused, answers 422 (`form_status`), so tests and clients can tell a refusal from a page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.forms import apply_domain_error
from lms.core.signals import take_reevaluation

INVALID_FORM = 422


@dataclass(frozen=True)
class Outcome:
    """What a unit of work ended with: true when committed (`value` is the service's
    return value), false when refused (`error` says why, already shown to the person)."""

    ok: bool
    value: Any = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok


def unit_of_work(operation: Callable[..., Any], *args, form=None,
                 show: Callable[[Any, DomainError], None] = apply_domain_error,
                 **kwargs) -> Outcome:
    """Call `operation(*args, **kwargs)` and commit; on a DomainError roll back and show its
    message beside `form`'s field (or at its top; `show(form, error)` places it where a form
    has rows of its own), or flash it when there is no form. Other exceptions propagate (the
    session is rolled back by the error handlers)."""
    try:
        value = operation(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            show(form, error)
        else:
            flash(error.message, "error")
        return Outcome(False, error=error)
    db.session.commit()
    return Outcome(True, value)


def form_status(form=None) -> int:
    """422 for a POST whose form did not validate or was refused, else 200."""
    if request.method != "POST":
        return 200
    if form is None or form.errors or getattr(form, "form_errors", None):
        return INVALID_FORM
    return 200


def render_form(template: str, form, **context):
    """Render a page holding `form` with `form_status(form)`."""
    return render_template(template, form=form, **context), form_status(form)


def flash_reevaluation() -> None:
    """After a committed change of certification rules: tell the editor how many people were
    re-evaluated and how many changed status (nothing when the change moved no rules)."""
    done = take_reevaluation(db.session)
    if done is None:
        return
    if done.queued:
        flash(ngettext("%(num)d person is being re-evaluated under the new rules in the "
                       "background; the audit log records the outcome.",
                       "%(num)d people are being re-evaluated under the new rules in the "
                       "background; the audit log records the outcome.", done.people),
              "info")
    elif done.people:
        flash(ngettext("%(num)d person was re-evaluated under the new rules; status changes: "
                       "%(changed)d.",
                       "%(num)d people were re-evaluated under the new rules; status "
                       "changes: %(changed)d.", done.people, changed=done.changed), "info")
    else:
        flash(_("No one's certification answer depended on this change: no one needed "
                "re-evaluating."), "info")
