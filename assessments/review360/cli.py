"""`flask --app lms send-360-reminders` and `install-360-questionnaires`."""

import click

from assessments.review360.demo import install_questionnaires
from lms.core import clock
from lms.core.database import writing
from lms.core.extensions import db


@click.command("send-360-reminders")
def send_360_reminders_command() -> None:
    """Remind raters, subjects and managers before a 360 cycle closes (each once)."""
    from assessments.review360.services.reminders import send_360_reminders

    with writing():
        made = send_360_reminders(db.session, clock.today())
        db.session.commit()
    click.echo(f"{made} 360 reminder(s) sent.")


@click.command("install-360-questionnaires")
def install_questionnaires_command() -> None:
    """Install the default agent and manager 360 questionnaires where missing."""

    with writing():
        made = install_questionnaires(db.session)
        db.session.commit()
    click.echo("360 questionnaires: " + ", ".join(sorted(made)))


COMMANDS = (send_360_reminders_command, install_questionnaires_command)
