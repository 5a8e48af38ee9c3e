"""`flask --app lms send-reminders`: run from cron (e.g. hourly or daily)."""

import click
from flask import current_app

from lms.core import clock
from lms.core.database import writing
from lms.core.extensions import db
from lms.notifications import services


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Send due-soon and overdue reminders (each once) and retry e-mail that failed."""
    with writing():
        made = services.send_reminders(db.session, clock.today())
        retry = (services.retry_failed(db.session)
                 if services.smtp_configured(current_app.config) else [])
        db.session.commit()
        resent = services.deliver(retry) if retry else 0
    click.echo(f"{made} reminder(s) made; {resent} earlier e-mail(s) sent again.")


COMMANDS = (send_reminders_command,)
