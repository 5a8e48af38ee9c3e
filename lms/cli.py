"""The shell's `flask --app lms …` commands: seed-demo, seed-defaults, create-admin (each
package registers its own through its init_app)."""

from decimal import Decimal

import click
from sqlalchemy import func, select

from certificates.services import evaluation, reevaluation
from certificates.services.standing import check_standings
from courses.models import Course
from lms.competencies.services.evidence import check_levels, set_kind_weight
from lms.core import clock
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.defaults import install_defaults
from lms.demo import DEMO_PASSWORD, seed_demo
from lms.people.models import Person
from lms.people.services.directory import PersonData, create_person
from lms.people.services.reporting_line import check_reporting_line
from reports.services import level_tally


def _has_people() -> bool:

    return bool(db.session.scalar(select(func.count()).select_from(Person)))


def _wipe() -> None:
    """Delete every row of every table (children first); the schema stays."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    # The triggers counted the deletions into the heat map's counters, whichever came first.
    level_tally.rebuild(db.session.connection())


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Erase all existing data first.")
def seed_demo_command(force: bool) -> None:
    """Build the demo organisation and print the demo log-ins."""

    if _has_people():
        if not force:
            raise click.ClickException(
                "This database already has people in it; seed-demo would mix demo data into "
                "real data. Use --force to ERASE everything and seed the demo."
            )
        _wipe()
    logins = seed_demo(db.session, clock.today())
    db.session.commit()
    click.echo("Demo organisation created. Sign in with any of these (password "
               f"{DEMO_PASSWORD!r}):")
    for login in logins:
        click.echo(f"  {login.role:<8} {login.email:<28} {login.name}")
    codes = db.session.scalars(select(Course.code).order_by(Course.id))
    click.echo("Starter courses imported and published: " + ", ".join(codes))


@click.command("seed-defaults")
def seed_defaults_command() -> None:
    """Install the default scale, competency framework, paths, matrix, KPIs and mystery
    checklist where missing."""

    install_defaults(db.session)
    db.session.commit()
    click.echo("Default framework, paths and matrix installed.")


@click.command("create-admin")
@click.option("--employee-id", required=True)
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.password_option()
def create_admin_command(employee_id: str, name: str, email: str, password: str) -> None:
    """Create an administrator account (for a fresh, non-demo installation)."""

    try:
        create_person(db.session, None, PersonData(employee_id=employee_id, name=name,
                                                    email=email, roles=("admin",)), password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Administrator {email} created.")


def derived_differences(session, *, fix: bool = False) -> dict[str, list]:
    """Every stored derived table against what its sources give — competency levels (the
    evidence), standings (certificates and requests), the reporting line (managers) and the
    heat map's level counters (the levels) — by name; with `fix`, corrected. The one list
    of checks `check-derived` and the benchmarks run; the caller commits or rolls back."""
    return {"levels": check_levels(session, fix=fix),
            "standings": check_standings(session, fix=fix),
            "reporting line": check_reporting_line(session, fix=fix),
            "level counters": level_tally.check(session.connection(), fix=fix)}


@click.command("check-derived")
@click.option("--fix", is_flag=True, help="Correct the stored rows that differ.")
def check_derived_command(fix: bool) -> None:
    """Recompute the stored competency levels, certification standings, reporting line and
    the heat map's level counters from the evidence, certificates, approval requests, managers
    and levels, and list every difference and the certification answers past their
    valid-until day or decided under rules that have changed since (exit status 1 if any)."""
    with writing():
        found = derived_differences(db.session, fix=fix)
        levels, standings = found["levels"], found["standings"]
        line, tallies = found["reporting line"], found["level counters"]
        # Answers time has moved past (a quarter or a KPI period ended) before the hourly
        # re-evaluation reached them; --fix re-evaluates them with the set-based engine.
        stale = evaluation.stale_people(db.session)
        # Answers the rules have left behind: an edit of the rules re-evaluates its people,
        # so any here were changed around the services (or a re-evaluation job is pending).
        outdated = reevaluation.outdated_people(db.session)
        if fix and (stale or outdated):
            evaluation.evaluate_people(db.session, sorted(set(stale) | set(outdated)))
        if fix:
            db.session.commit()
        else:
            db.session.rollback()
    for difference in levels[:50]:
        click.echo(f"level person={difference.person_id} "
                   f"competency={difference.competency_id}: stored {difference.stored}, "
                   f"from the evidence {difference.computed}")
    for difference in standings[:50]:
        click.echo(f"standing person={difference.person_id} path={difference.path_id}: "
                   f"stored {difference.stored}, from the certificates {difference.computed}")
    for difference in line[:50]:
        click.echo(f"reporting line manager={difference.manager_id} "
                   f"person={difference.person_id}: "
                   + ("stored, not below them by manager_id" if difference.stored
                      else "below them by manager_id, not stored"))
    for difference in tallies[:50]:
        team, tier, competency, level = difference.key
        click.echo(f"level counter team={team or '-'} tier={tier or '-'} "
                   f"competency={competency} level={level}: kept {difference.kept}, "
                   f"counted {difference.counted}")
    shown = sum(len(differences[:50]) for differences in found.values())
    if sum(map(len, found.values())) > shown:
        click.echo(f"… and {sum(map(len, found.values())) - shown} more.")
    click.echo(f"{len(levels)} competency levels and {len(standings)} standings differ"
               + (" (corrected)." if fix and (levels or standings) else "."))
    click.echo(f"{len(line)} reporting-line rows differ"
               + (" (corrected)." if fix and line else "."))
    if stale:
        click.echo(f"{len(stale)} people's certification answers were past their day"
                   + (" (re-evaluated)." if fix else "; run with --fix or send-reminders."))
    if outdated:
        click.echo(f"{len(outdated)} people's certification answers were decided under rules "
                   "that have changed since" + (" (re-evaluated)." if fix else
                                                "; run with --fix."))
    click.echo(f"{len(tallies)} level counters of the heat map differ"
               + (" (recounted)." if fix and tallies else "."))
    if (any(found.values()) or stale or outdated) and not fix:
        raise SystemExit(1)


@click.command("evidence-weight")
@click.argument("kind")
@click.argument("weight", type=Decimal)
def evidence_weight_command(kind: str, weight: Decimal) -> None:
    """Set the profile policy's weight of an evidence kind (e.g. quiz_check 0.5); its rows
    and the stored levels they touch follow."""
    with writing():
        try:
            cells = set_kind_weight(db.session, kind, weight)
        except DomainError as error:
            db.session.rollback()
            raise click.BadParameter(error.message, param_hint="WEIGHT") from None
        db.session.commit()
    click.echo(f"Evidence of kind {kind} weighs {weight}; {cells} level(s) recomputed.")


COMMANDS = (seed_demo_command, seed_defaults_command, create_admin_command,
            check_derived_command, evidence_weight_command)
