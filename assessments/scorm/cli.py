"""`flask --app lms import-scorm ZIP [--lesson KEY] [--title T] [--dry-run]`: SCORM and xAPI
(tincan.xml) packages."""

from pathlib import Path

import click
from flask import current_app

from assessments.scorm.services import packages
from lms.core.errors import DomainError
from lms.core.extensions import db


def plan_lines(plan: packages.PackagePlan) -> list[str]:
    """The dry-run report of a package, as the command prints it."""
    lines = [f"{plan.kind} package {plan.title!r}: {plan.files} files, launches {plan.launch}"]
    if plan.identifier:
        lines.append(f"identifier: {plan.identifier}")
    if plan.course is not None:
        lines.append(f"content of lesson {plan.lesson_key} of course {plan.course.code}: "
                     "completing the package completes the lesson")
    return lines


@click.command("import-scorm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lesson", "lesson_key", help="Key of the lesson whose content it is "
                                             "(completing the package completes it).")
@click.option("--title", default="", help="Title (default: the title in the package).")
@click.option("--dry-run", is_flag=True, help="Check the package and report; keep nothing.")
def import_scorm_command(file: Path, lesson_key: str | None, title: str,
                         dry_run: bool) -> None:
    """Upload a SCORM 1.2 / 2004 package (imsmanifest.xml) or an xAPI package (tincan.xml)."""

    try:
        if dry_run:
            plan = packages.plan_package(db.session, file.read_bytes(), lesson_key, title)
        else:
            package = packages.import_package(db.session, None,
                                              current_app.config["STORAGE_DIR"],
                                              file.read_bytes(), lesson_key, title)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}") from None
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing imported.")
        for line in plan_lines(plan):
            click.echo(line)
        return
    db.session.commit()
    click.echo(f"Imported {packages.kind_label(package.version)} package {package.title!r} "
               f"(id {package.id}, {package.file_count} files, launches {package.launch}).")


COMMANDS = (import_scorm_command,)
