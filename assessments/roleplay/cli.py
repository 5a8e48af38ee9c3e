"""`flask --app lms import-rubric / export-rubric`: the QA teams' spreadsheet scorecards."""

from pathlib import Path

import click
from sqlalchemy import select

from assessments.roleplay.models import Rubric, RubricVersion
from assessments.roleplay.services import rubrics
from lms.core.errors import DomainError
from lms.core.extensions import db


@click.command("import-rubric")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="Create a new rubric with this title.")
@click.option("--rubric-id", type=int, help="Replace this rubric's criteria (versioned).")
def import_rubric_command(csv_file: Path, title: str | None, rubric_id: int | None) -> None:
    """Import a rubric CSV (one row per level); nothing is saved if any line is wrong."""

    if bool(title) == bool(rubric_id):
        raise click.UsageError("Give either --title (a new rubric) or --rubric-id.")
    rubric = db.session.get(Rubric, rubric_id) if rubric_id else None
    if rubric_id and rubric is None:
        raise click.ClickException(f"No rubric has id {rubric_id}.")
    try:
        saved = rubrics.import_csv(db.session, None, rubric, csv_file.read_bytes(),
                                   title=title or "")
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Rubric {saved.id} “{saved.title}”: version {saved.current.number}, "
               f"{len(saved.current.criteria)} criteria.")


@click.command("export-rubric")
@click.argument("rubric_id", type=int)
@click.option("--version", "number", type=int, help="A past version (default: current).")
def export_rubric_command(rubric_id: int, number: int | None) -> None:
    """Print a rubric as CSV (the import format)."""

    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        raise click.ClickException(f"No rubric has id {rubric_id}.")
    version = rubric.current if number is None else db.session.scalar(
        select(RubricVersion).where(RubricVersion.rubric_id == rubric.id,
                                    RubricVersion.number == number))
    if version is None:
        raise click.ClickException(f"Rubric {rubric_id} has no version {number}.")
    click.echo(rubrics.export_csv(version), nl=False)


COMMANDS = (import_rubric_command, export_rubric_command)
