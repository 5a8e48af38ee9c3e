"""`flask --app lms import-kpis FILE [--dry-run]`: KPI values from a CSV or XLSX file."""

from pathlib import Path

import click
from sqlalchemy import select

from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db
from lms.core.uploads import UploadProblem
from lms.kpis.services import values
from lms.people.models import Person

# A command reads files from disk, not from a browser: a larger limit than an upload's.
MAX_BYTES = 200 * 1024 * 1024


@click.command("import-kpis")
@click.argument("kpi_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every line and write nothing.")
@click.option("--reason", default="", help="Why (required when stored values are replaced).")
@click.option("--as", "actor_id", default="", help="The employee ID recorded as importing.")
def import_kpis_command(kpi_file: Path, dry_run: bool, reason: str, actor_id: str) -> None:
    """Import KPI values (columns employee_id, kpi, period, value), all or nothing: every bad
    line is listed with its number and nothing is written (exit status 1). The periods the
    file names are replaced."""
    actor = None
    if actor_id:
        actor = db.session.scalar(select(Person).where(Person.employee_id == actor_id))
        if actor is None:
            raise click.ClickException(f"No one has the employee ID {actor_id}.")
    with writing():
        try:
            records = values.read_file(kpi_file.read_bytes(), kpi_file.name, MAX_BYTES)
        except UploadProblem as problem:
            raise click.ClickException(problem.message) from None
        plan = values.check_rows(db.session, records)
        for problem in plan.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        if plan.problems:
            db.session.rollback()
            raise click.ClickException(
                f"{len(plan.problems)} problem(s); nothing was imported.")
        if dry_run:
            db.session.rollback()
            click.echo(f"{len(plan.rows)} value(s) ready; dry run, nothing written.")
            return
        try:
            record = values.import_values(db.session, actor, plan, source="command",
                                          file_name=kpi_file.name, reason=reason,
                                          replace_periods=True)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
    click.echo(f"{record.rows} value(s) imported ({plan.unchanged} unchanged, "
               f"{record.replaced} stored value(s) replaced).")


COMMANDS = (import_kpis_command,)
