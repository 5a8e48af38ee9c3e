"""`flask --app lms finish-overdue-attempts`: the deadline sweeper (run it every minute)."""

import click

from lms.core.database import writing
from lms.core.extensions import db

BATCH = 50


@click.command("finish-overdue-attempts")
def finish_overdue_attempts_command() -> None:
    """Finish (or abandon, as each quiz says) every attempt whose time ran out, with the
    answers saved so far, even if the learner never comes back."""
    from assessments.quiz import attempts

    changed = 0
    with writing():
        ids = attempts.overdue_attempt_ids(db.session)
        db.session.commit()
        # Small batches keep the write lock short for learners saving answers meanwhile.
        for start in range(0, len(ids), BATCH):
            changed += attempts.finish_overdue(db.session, ids[start:start + BATCH])
            db.session.commit()
    click.echo(f"{changed} overdue attempt(s) finished.")
