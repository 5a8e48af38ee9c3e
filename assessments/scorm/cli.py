"""`flask --app lms import-scorm ZIP [--lesson KEY] [--title T]`."""

from pathlib import Path

import click
from flask import current_app

from assessments.scorm.services import packages
from lms.core.errors import DomainError
from lms.core.extensions import db


@click.command("import-scorm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lesson", "lesson_key", help="Key of the lesson whose content it is "
                                             "(completing the package completes it).")
@click.option("--title", default="", help="Title (default: the title in the package).")
def import_scorm_command(file: Path, lesson_key: str | None, title: str) -> None:
    """Upload a SCORM 1.2 or 2004 package (a .zip with imsmanifest.xml)."""

    try:
        package = packages.import_package(db.session, None, current_app.config["STORAGE_DIR"],
                                          file.read_bytes(), lesson_key, title)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}") from None
    db.session.commit()
    click.echo(f"Imported SCORM {package.version} package {package.title!r} "
               f"(id {package.id}, {package.file_count} files, launches {package.launch}).")


COMMANDS = (import_scorm_command,)
