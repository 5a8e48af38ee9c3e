"""`flask --app lms schedule-mystery-shops [--month YYYY-MM]`."""

import click

from assessments.review360.mystery.services.schedule import parse_month, schedule_all
from lms.core import clock
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db


@click.command("schedule-mystery-shops")
@click.option("--month", default=None, help="YYYY-MM (default: this month).")
def schedule_mystery_shops_command(month: str | None) -> None:
    """Schedule the month's mystery-shopper visits of every active programme and e-mail the
    shoppers their links; running it again adds only what is missing."""
    try:
        start = parse_month(month, clock.today())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    with writing():
        results = schedule_all(db.session, None, start)
        db.session.commit()
    for result in results:
        team = result.programme.team.name
        if result.problem:
            click.echo(f"{team}: {result.problem}")
        else:
            click.echo(f"{team}: {len(result.sent)} visit(s) scheduled for {start:%Y-%m}.")
    if not results:
        click.echo("No active mystery-shopper programmes.")


COMMANDS = (schedule_mystery_shops_command,)
