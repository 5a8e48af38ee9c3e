"""`flask --app lms export-certifications`: the dashboard's exports for scheduled jobs.

The files are the web downloads' own: the CSV starts with its header row (after the UTF-8
byte-order mark, so Excel shows names in any script), and a file written to a folder is named
for its as-of time and filters (`exports.file_name`).

The options go through the same `ReportFilterForm` as the dashboard, so a filter that the
page refuses is refused here too, and nothing is written.
"""

import os
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select, true

from lms.core import clock, policy
from lms.core.extensions import db
from lms.paths.models import CertificationPath
from lms.people.models import Person, Team
from lms.people.policy import report_scope
from reports.services import exports, xapi
from reports.services.filters import filter_form, filters_from, form_errors


def _team_id(value: str) -> int:
    """A team by id or by exact name (case-insensitive); unknown or ambiguous: an error."""

    if value.isdigit() and db.session.get(Team, int(value)) is not None:
        return int(value)
    ids = db.session.scalars(select(Team.id).where(
        func.lower(Team.name) == value.strip().lower())).all()
    if len(ids) != 1:
        raise click.BadParameter(
            "no team has this name or id" if not ids else "several teams have this name; "
            "give its id", param_hint="--team")
    return ids[0]


def _person(employee_id: str, hint: str):

    person = db.session.scalar(select(Person).where(Person.employee_id == employee_id))
    if person is None:
        raise click.BadParameter(f"no person has employee id {employee_id!r}", param_hint=hint)
    return person


def _path_id(code: str, hint: str) -> int:

    path_id = db.session.scalar(select(CertificationPath.id).where(
        func.upper(CertificationPath.code) == code.strip().upper()))
    if path_id is None:
        raise click.BadParameter(f"no certification path has code {code!r}", param_hint=hint)
    return path_id


@click.command("export-certifications")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx"]), required=True,
              help="File format.")
@click.option("-o", "--output", type=click.Path(writable=True),
              help="File to write (replaced only when the export succeeds), or a folder to "
                   "write it in under its own name (default: the current folder), which "
                   "carries the as-of time and the filters.")
@click.option("--team", help="Team name or id (a department takes in its teams).")
@click.option("--manager", help="Employee id of a manager: their whole reporting line.")
@click.option("--tier", help="Tier (path code), e.g. NEWHIRE.")
@click.option("--status", help="Status code: not_started, in_progress, pending_approval, "
              "certified, expiring, expired, revoked.")
@click.option("--path", "path_code", help="Path code whose status --status tests "
              "(default: each person's own tier).")
@click.option("--hired-from", help="Hire date from (YYYY-MM-DD).")
@click.option("--hired-to", help="Hire date to (YYYY-MM-DD).")
@click.option("--expiring-within", help="Only certificates ending within this many days.")
@click.option("--include-inactive", is_flag=True, help="Include deactivated people.")
@click.option("--as", "as_employee_id",
              help="Employee id: limit the export to what that person may see "
                   "(default: everyone).")
def export_certifications_command(kind, output, team, manager, tier, status, path_code,
                                  hired_from, hired_to, expiring_within, include_inactive,
                                  as_employee_id) -> None:
    """Export the certification status report (CSV or XLSX) with the dashboard's filters."""

    scope = true()
    if as_employee_id:
        actor = _person(as_employee_id, "--as")
        if not policy.may(actor, "reports.view"):
            raise click.BadParameter(f"{as_employee_id} may not read reports "
                                     "(or is deactivated)", param_hint="--as")
        scope = report_scope(actor)
    formdata = {
        "team": _team_id(team) if team else None,
        "manager": _person(manager, "--manager").id if manager else None,
        "tier": _path_id(tier, "--tier") if tier else None,
        "path": _path_id(path_code, "--path") if path_code else None,
        "status": status, "hired_from": hired_from, "hired_to": hired_to,
        "expiring_within": expiring_within, "include_inactive": "y" if include_inactive
        else None,
    }
    form = filter_form(db.session, scope,
                       {k: str(v) for k, v in formdata.items() if v is not None})
    if not form.validate():
        raise click.UsageError("; ".join(form_errors(form)))
    filters = filters_from(form)
    as_of = clock.now()
    target = Path(output or ".")
    if target.is_dir():
        target = target / exports.file_name(db.session, filters, as_of, kind)
    partial = target.with_name(target.name + ".part")
    try:
        if kind == "csv":
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = exports.write_csv(db.session, scope, filters, as_of, out)
        else:
            count = exports.write_xlsx(db.session, scope, filters, as_of, str(partial))
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    click.echo(f"Exported {count} people to {target} "
               f"(as of {as_of.isoformat(timespec='seconds')}).")


@click.command("send-xapi")
def send_xapi_command() -> None:
    """Send the xAPI statements waiting in the outbox to the LRS (XAPI_ENDPOINT), oldest
    first; run it every minute. Exits non-zero while the LRS cannot be reached (nothing is
    lost: the statements wait and go out in order next time)."""

    endpoint = current_app.config["XAPI_ENDPOINT"]
    if not endpoint:
        raise click.ClickException("XAPI_ENDPOINT is not set: no LRS to send statements to.")
    lrs = xapi.Lrs(endpoint, current_app.config["XAPI_USERNAME"],
                   current_app.config["XAPI_PASSWORD"])
    report = xapi.send_pending(db.session, lrs, commit=db.session.commit)
    db.session.commit()
    click.echo(f"{report.sent} statements sent; {report.pending} waiting.")
    if report.error:
        raise click.ClickException(report.error)


COMMANDS = (export_certifications_command, send_xapi_command)
