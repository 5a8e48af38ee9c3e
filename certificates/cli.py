"""`flask --app lms …` commands of the certificates package."""

import click
from sqlalchemy import select

from certificates.models import Certificate
from certificates.services import evaluation
from certificates.services.badges import key_uri, rotate_keys
from certificates.services.batches import queue_name
from certificates.services.reminders import expiry_reminders
from lms.core import clock
from lms.core.database import writing
from lms.core.extensions import db
from lms.people.models import Person

# People per transaction of a re-evaluation of everyone.
_SLICE = 5_000


@click.command("evaluate-certifications")
@click.option("--person", "employee_ids", multiple=True,
              help="Employee id to evaluate (repeatable); default: everyone active.")
def evaluate_certifications_command(employee_ids: tuple[str, ...]) -> None:
    """Evaluate the certification rules for people, awarding what they have earned."""

    with writing():
        stmt = select(Person).where(Person.active.is_(True)).order_by(Person.id)
        if employee_ids:
            stmt = stmt.where(Person.employee_id.in_(employee_ids))
        people = db.session.scalars(stmt).all()
        if employee_ids and len(people) != len(set(employee_ids)):
            known = {p.employee_id for p in people}
            raise click.ClickException("Unknown or inactive employee ids: " + ", ".join(
                sorted(set(employee_ids) - known)))
        before = db.session.query(Certificate).count()
        ids = [person.id for person in people]
        for start in range(0, len(ids), _SLICE):
            evaluation.evaluate_people(db.session, ids[start:start + _SLICE])
            db.session.commit()
        issued = db.session.query(Certificate).count() - before
    click.echo(f"Evaluated {len(people)} people; {issued} certificates issued.")


@click.command("evaluate-stale")
def evaluate_stale_command() -> None:
    """Re-evaluate the answers time has moved past (a KPI period or a quarter ended, a
    prerequisite expired); `send-reminders` does it too, hourly."""

    with writing():
        count = evaluation.evaluate_stale(db.session)
        db.session.commit()
    click.echo(f"Re-evaluated {count} people.")


@click.command("send-expiry-reminders")
def send_expiry_reminders_command() -> None:
    """Send the 60/30/7-day certificate expiry reminders (each once)."""

    with writing():
        made = expiry_reminders(db.session, clock.today())
        db.session.commit()  # e-mail goes out after the commit when SMTP is configured
    click.echo(f"{made} expiry reminders sent.")


@click.command("certificates-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def certificates_worker_command(burst: bool) -> None:
    """Run an RQ worker for certificate batches (needs REDIS_URL)."""
    from flask import current_app
    from redis import Redis
    from rq import Queue, Worker


    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: batches run in the web process.")
    connection = Redis.from_url(url)
    Worker([Queue(queue_name(), connection=connection)], connection=connection).work(burst=burst)


@click.command("rotate-badge-key")
def rotate_badge_key_command() -> None:
    """Make new Open Badges signing keys (EdDSA and RS256); old keys stay published."""

    with writing():
        made = rotate_keys(db.session)
        db.session.commit()
        names = [f"{key_uri(key)} ({key.alg})" for key in made]
    click.echo("New badges are signed with " + ", ".join(names) + ". Earlier keys stay in "
               "/badges/jwks.json, so the badges they signed still verify.")


COMMANDS = (evaluate_certifications_command, evaluate_stale_command, send_expiry_reminders_command,
            certificates_worker_command, rotate_badge_key_command)
