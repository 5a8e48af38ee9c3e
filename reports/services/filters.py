"""The report filters: one form for the dashboard, the exports, the heat map and the CLI.

The form is a plain WTForms form read from query-string arguments (or the CLI's options), so
every report is filtered, validated and described the same way. Choices are limited to what
the reader may see: a manager picks among their own teams, never the whole company's.
"""

from dataclasses import dataclass, fields
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, Form, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from certificates.services.standing import STATUSES
from lms.core.forms import OptionalIdField, choices
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.names import team_name

STATUS_LABELS = {
    "not_started": _l("Not started"), "in_progress": _l("In training"),
    "pending_approval": _l("Waiting for approval"), "certified": _l("Certified"),
    "expiring": _l("Expiring soon"), "expired": _l("Expired"), "revoked": _l("Revoked"),
}
SORTS = {
    "name": _l("Name"), "employee_id": _l("Employee ID"), "team": _l("Team"),
    "tier": _l("Tier"), "status": _l("Status"), "expires_on": _l("Expires"),
    "composite": _l("Composite score"), "hire_date": _l("Hire date"),
}


@dataclass(frozen=True)
class ReportFilters:
    """Validated filters. `path_id` names the path whose status `status` tests (None: each
    person's own tier); `expiring_within` keeps people holding a valid certificate that ends
    within that many days."""

    team_id: int | None = None
    manager_id: int | None = None
    tier_id: int | None = None
    path_id: int | None = None
    status: str | None = None
    hired_from: date | None = None
    hired_to: date | None = None
    expiring_within: int | None = None
    include_inactive: bool = False
    sort: str = "name"
    descending: bool = False

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links, paging and downloads)."""
        names = {"team_id": "team", "manager_id": "manager", "tier_id": "tier",
                 "path_id": "path", "descending": "order"}
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "descending":
                if value:
                    args["order"] = "desc"
            elif f.name == "sort":
                if value != "name":
                    args["sort"] = value
            elif f.name == "include_inactive":
                if value:
                    args["include_inactive"] = "y"
            elif value is not None:
                args[names.get(f.name, f.name)] = value.isoformat() if isinstance(
                    value, date) else str(value)
        return args

    def describe(self, session) -> list[tuple[str, str]]:
        """(label, value) for each filter in use, in the current language: what exports
        state beside their as-of date. An empty list means "everyone the reader may see"."""
        said: list[tuple[str, str]] = []

        def name_of(model, pk, attr="name"):
            obj = session.get(model, pk)
            return obj.tr(attr) if hasattr(obj, "tr") else getattr(obj, attr, str(pk))

        if self.team_id is not None:
            said.append((_("Team"), name_of(Team, self.team_id)))
        if self.manager_id is not None:
            said.append((_("Manager"), name_of(Person, self.manager_id)))
        if self.tier_id is not None:
            said.append((_("Tier"), name_of(CertificationPath, self.tier_id)))
        if self.status is not None:
            path = (name_of(CertificationPath, self.path_id) if self.path_id is not None
                    else _("their tier's path"))
            said.append((_("Status"), f"{STATUS_LABELS[self.status]} ({path})"))
        if self.hired_from is not None:
            said.append((_("Hired from"), format_date(self.hired_from)))
        if self.hired_to is not None:
            said.append((_("Hired to"), format_date(self.hired_to)))
        if self.expiring_within is not None:
            said.append((_("Certificate expires within"),
                         _("%(days)s days", days=self.expiring_within)))
        if self.include_inactive:
            said.append((_("Deactivated people"), _("included")))
        return said


class ReportFilterForm(Form):
    """The filters as a GET form (no CSRF: it changes nothing). Tampered ids fail as "Not a
    valid choice"."""

    team = OptionalIdField(_l("Team"), blank_label=_l("All teams"))
    manager = OptionalIdField(_l("Manager"), blank_label=_l("Any manager"))
    tier = OptionalIdField(_l("Tier"), blank_label=_l("All tiers"))
    path = OptionalIdField(_l("Status on path"), blank_label=_l("Their own tier"))
    status = SelectField(_l("Status"), validators=[Optional()])
    hired_from = DateField(_l("Hired from"), validators=[Optional()])
    hired_to = DateField(_l("Hired to"), validators=[Optional()])
    expiring_within = IntegerField(_l("Certificate expires within (days)"),
                                   validators=[Optional(), NumberRange(min=0, max=3650)])
    include_inactive = BooleanField(_l("Include deactivated people"))
    sort = SelectField(_l("Sort by"), default="name")
    order = SelectField(_l("Order"), default="asc")

    def validate_hired_to(self, field):
        if field.data and self.hired_from.data and field.data < self.hired_from.data:
            raise ValidationError(_("The end of the hire-date range is before its start."))


def filter_form(session, scope, formdata) -> ReportFilterForm:
    """The filter form over `formdata` (request.args or a dict), its choices limited to the
    teams and managers of the people `scope` (a SQL condition on Person) selects."""
    form = ReportFilterForm(formdata=formdata if hasattr(formdata, "getlist")
                            else MultiDict(formdata or {}))
    teams = session.execute(
        select(Team.id, Team.name).where(Team.id.in_(
            select(Person.team_id).where(scope, Person.team_id.is_not(None))))
        .order_by(Team.name)).all()
    # Departments of those teams too, so a filter on a department takes in its teams.
    parents = session.execute(
        select(Team.id, Team.name).where(Team.id.in_(
            select(Team.parent_id).where(Team.id.in_([t.id for t in teams]))))).all()
    # Shown in the reader's language (lms.people.names), sorted as shown.
    named = [(t.id, team_name(t.id, t.name)) for t in {*teams, *parents}]
    form.team.set_choices(sorted(named, key=lambda t: t[1]))
    manager = aliased(Person)
    form.manager.set_choices(session.execute(
        select(manager.id, manager.name).where(manager.id.in_(
            select(Person.manager_id).where(scope, Person.manager_id.is_not(None))))
        .order_by(manager.name)).all())
    paths = session.scalars(select(CertificationPath).where(CertificationPath.active.is_(True))
                            .order_by(CertificationPath.position)).all()
    form.tier.set_choices([(p.id, p.tr("name")) for p in paths])
    form.path.set_choices([(p.id, p.tr("name")) for p in paths])
    form.status.choices = choices([("", _("Any status"))]
                                  + [(s, STATUS_LABELS[s]) for s in STATUSES])
    form.sort.choices = choices(SORTS.items())
    form.order.choices = choices([("asc", _("Ascending")), ("desc", _("Descending"))])
    return form


def filters_from(form: ReportFilterForm) -> ReportFilters:
    """The validated form's values (call after `form.validate()` returned True)."""
    return ReportFilters(
        team_id=form.team.data, manager_id=form.manager.data, tier_id=form.tier.data,
        path_id=form.path.data, status=form.status.data or None,
        hired_from=form.hired_from.data, hired_to=form.hired_to.data,
        expiring_within=form.expiring_within.data, include_inactive=form.include_inactive.data,
        sort=form.sort.data or "name", descending=form.order.data == "desc",
    )


def form_errors(form: ReportFilterForm) -> list[str]:
    """Every field error as "Label: message", for a page banner, a JSON body or the CLI."""
    return [f"{form[name].label.text}: {message}"
            for name, messages in form.errors.items() for message in messages]
