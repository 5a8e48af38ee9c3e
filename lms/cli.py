"""`flask --app lms …` commands: seed-demo, seed-defaults, create-admin, doctor."""

import click
from flask import Flask
from sqlalchemy import func, select

from lms.core import clock
from lms.core.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_defaults_command)
    app.cli.add_command(create_admin_command)
    from lms.system.cli import doctor_command

    app.cli.add_command(doctor_command)
    from lms.notifications.cli import send_reminders_command

    app.cli.add_command(send_reminders_command)
    from courses.cli import export_course_command, import_course_command
    app.cli.add_command(import_course_command)
    app.cli.add_command(export_course_command)
    from assessments.quiz.cli import register_bank_commands
    register_bank_commands(app)
    from assessments.quiz.attempt_cli import finish_overdue_attempts_command
    app.cli.add_command(finish_overdue_attempts_command)
    from assessments.roleplay.cli import export_rubric_command, import_rubric_command
    app.cli.add_command(import_rubric_command)
    app.cli.add_command(export_rubric_command)
    from assessments.review360.cli import (
        install_questionnaires_command,
        send_360_reminders_command,
    )
    app.cli.add_command(send_360_reminders_command)
    app.cli.add_command(install_questionnaires_command)
    from certificates.cli import register as register_certificate_commands
    register_certificate_commands(app)
    from reports.cli import register as register_report_commands
    register_report_commands(app)


def _has_people() -> bool:
    from lms.people.models import Person

    return bool(db.session.scalar(select(func.count()).select_from(Person)))


def _wipe() -> None:
    """Delete every row of every table (children first); the schema stays."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Erase all existing data first.")
def seed_demo_command(force: bool) -> None:
    """Build the demo organisation and print the demo log-ins."""
    from lms.demo import DEMO_PASSWORD, seed_demo

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
    from courses.models import Course
    codes = db.session.scalars(select(Course.code).order_by(Course.id))
    click.echo("Starter courses imported and published: " + ", ".join(codes))


@click.command("seed-defaults")
def seed_defaults_command() -> None:
    """Install the default scale, competency framework, paths and matrix where missing."""
    from lms.defaults import install_defaults

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
    from lms.core.errors import DomainError
    from lms.people.services import PersonData, create_person

    try:
        create_person(db.session, None, PersonData(employee_id=employee_id, name=name,
                                                    email=email, roles=("admin",)), password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Administrator {email} created.")
